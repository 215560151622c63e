//! BPMN pictures: an SVG drawn from the diagram's own layout (the shapes and waypoints a
//! modeler would show) and DOT for Graphviz. Tasks are rounded boxes, gateways diamonds with
//! their marker (× exclusive, + parallel, ○ inclusive), start events thin circles, end events
//! thick ones.

use std::fmt::Write as _;

use crate::xml_text::escape;

use super::{BpmnDiagram, NodeKind};

fn marker(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::ExclusiveGateway => "×",
        NodeKind::ParallelGateway => "+",
        NodeKind::InclusiveGateway => "○",
        _ => "",
    }
}

/// Words packed into lines of about `width` characters (a long word keeps its own line).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines
}

/// A standalone SVG of the diagram at its own coordinates.
pub fn to_svg(diagram: &BpmnDiagram) -> String {
    let mut right: f64 = 0.0;
    let mut bottom: f64 = 0.0;
    for node in &diagram.nodes {
        let (x, y, width, height) = node.bounds;
        right = right.max(x + width);
        bottom = bottom.max(y + height);
    }
    for point in diagram.flows.iter().flat_map(|flow| &flow.waypoints) {
        right = right.max(point.0);
        bottom = bottom.max(point.1);
    }
    let (width, height) = (right + 40.0, bottom + 40.0);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n  <defs><marker id=\"flow-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\"/></marker></defs>\n"
    );
    for flow in &diagram.flows {
        let points: Vec<String> = flow
            .waypoints
            .iter()
            .map(|(x, y)| format!("{x},{y}"))
            .collect();
        let _ = writeln!(
            out,
            "  <polyline points=\"{}\" fill=\"none\" stroke=\"#333\" marker-end=\"url(#flow-arrow)\"/>",
            points.join(" ")
        );
    }
    for node in &diagram.nodes {
        let (x, y, w, h) = node.bounds;
        let (cx, cy) = (x + w / 2.0, y + h / 2.0);
        let title = node
            .name
            .as_deref()
            .map(escape)
            .unwrap_or_else(|| node.kind.describe().to_owned());
        let _ = write!(out, "  <g><title>{title}</title>");
        match node.kind {
            NodeKind::Task => {
                let _ = write!(
                    out,
                    "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"10\" fill=\"#fff\" stroke=\"#222\" stroke-width=\"1.5\"/>"
                );
                let lines = wrap(node.name.as_deref().unwrap_or(""), 14);
                let first = cy - (lines.len() as f64 - 1.0) * 7.0 + 4.0;
                let _ = write!(
                    out,
                    "<text x=\"{cx}\" y=\"{first}\" text-anchor=\"middle\">"
                );
                for (index, line) in lines.iter().enumerate() {
                    let dy = if index == 0 { 0.0 } else { 14.0 };
                    let _ = write!(
                        out,
                        "<tspan x=\"{cx}\" dy=\"{dy}\">{}</tspan>",
                        escape(line)
                    );
                }
                out.push_str("</text>");
            }
            NodeKind::StartEvent | NodeKind::EndEvent => {
                let stroke = if node.kind == NodeKind::EndEvent {
                    4.0
                } else {
                    2.0
                };
                let _ = write!(
                    out,
                    "<circle cx=\"{cx}\" cy=\"{cy}\" r=\"{}\" fill=\"#fff\" stroke=\"#222\" stroke-width=\"{stroke}\"/>",
                    w / 2.0
                );
            }
            _ => {
                let _ = write!(
                    out,
                    "<polygon points=\"{cx},{y} {},{cy} {cx},{} {x},{cy}\" fill=\"#fff\" stroke=\"#222\" stroke-width=\"1.5\"/><text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\" font-size=\"20\">{}</text>",
                    x + w,
                    y + h,
                    cy + 7.0,
                    marker(node.kind)
                );
            }
        }
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    out
}

/// The diagram as a Graphviz digraph, left to right (Graphviz does its own layout).
pub fn to_dot(diagram: &BpmnDiagram) -> String {
    let mut out = String::from(
        "digraph bpmn {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=11];\n",
    );
    for node in &diagram.nodes {
        let attributes = match node.kind {
            NodeKind::Task => format!(
                "shape=box, style=rounded, label=\"{}\"",
                node.name
                    .as_deref()
                    .unwrap_or("")
                    .replace('\\', "\\\\")
                    .replace('"', "\\\"")
            ),
            NodeKind::StartEvent => "shape=circle, label=\"\", width=0.4".to_owned(),
            NodeKind::EndEvent => "shape=circle, label=\"\", width=0.4, penwidth=3".to_owned(),
            kind => format!(
                "shape=diamond, label=\"{}\", width=0.5, height=0.5",
                marker(kind)
            ),
        };
        let _ = writeln!(out, "  \"{}\" [{attributes}];", node.id);
    }
    for flow in &diagram.flows {
        let _ = writeln!(
            out,
            "  \"{}\" -> \"{}\";",
            diagram.nodes[flow.source].id, diagram.nodes[flow.target].id
        );
    }
    out.push_str("}\n");
    out
}
