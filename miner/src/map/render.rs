//! Renderers for a laid-out [`ProcessGraph`]: DOT (for people who have Graphviz), JSON (for
//! the designer), SVG and a single self-contained HTML page.

use std::fmt::Write;

use serde_json::{Value, json};

use super::layout::{Layout, NODE_HEIGHT};
use super::{Edge, NodeKind, Overlay, ProcessGraph, human_duration};

fn xml_escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

fn dot_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Edge width between 1 and 6 pixels, in proportion to the largest value.
fn stroke_width(graph: &ProcessGraph, edge: &Edge, max: f64) -> f64 {
    if max <= 0.0 {
        1.0
    } else {
        1.0 + 5.0 * graph.edge_value(edge) / max
    }
}

fn max_value(graph: &ProcessGraph) -> f64 {
    graph
        .edges
        .iter()
        .map(|edge| graph.edge_value(edge))
        .fold(0.0, f64::max)
}

/// From light to dark blue (frequency) or light orange to dark red (performance).
fn colour(graph: &ProcessGraph, edge: &Edge, max: f64) -> String {
    if edge.bottleneck {
        return "#d62728".into();
    }
    let share = if max > 0.0 {
        graph.edge_value(edge) / max
    } else {
        0.0
    };
    let (light, dark) = match graph.overlay {
        Overlay::Frequency => ((158.0, 182.0, 214.0), (31.0, 59.0, 115.0)),
        Overlay::Performance => ((240.0, 190.0, 130.0), (150.0, 40.0, 20.0)),
    };
    let mix = |a: f64, b: f64| (a + (b - a) * share).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(light.0, dark.0),
        mix(light.1, dark.1),
        mix(light.2, dark.2)
    )
}

pub fn to_dot(graph: &ProcessGraph) -> String {
    let max = max_value(graph);
    let mut out = String::from(
        "digraph process {\n  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fa\", fontname=\"Helvetica\"];\n",
    );
    for (index, node) in graph.nodes.iter().enumerate() {
        let _ = match node.kind {
            NodeKind::Start => writeln!(
                out,
                "  n{index} [label=\"start\", shape=circle, fillcolor=\"#7fbf7f\"];"
            ),
            NodeKind::End => writeln!(
                out,
                "  n{index} [label=\"end\", shape=doublecircle, fillcolor=\"#e08080\"];"
            ),
            NodeKind::Activity => writeln!(
                out,
                "  n{index} [label=\"{}\\n{}\"];",
                dot_escape(&node.label),
                node.count
            ),
        };
    }
    for edge in &graph.edges {
        let _ = writeln!(
            out,
            "  n{} -> n{} [label=\"{}\", penwidth={:.2}, color=\"{}\"];",
            edge.from,
            edge.to,
            dot_escape(&graph.edge_label(edge)),
            stroke_width(graph, edge, max),
            colour(graph, edge, max)
        );
    }
    out.push_str("}\n");
    out
}

pub fn to_json(graph: &ProcessGraph, layout: &Layout) -> Value {
    let kind = |kind: &NodeKind| match kind {
        NodeKind::Start => "start",
        NodeKind::End => "end",
        NodeKind::Activity => "activity",
    };
    json!({
        "overlay": match graph.overlay { Overlay::Frequency => "frequency", Overlay::Performance => "performance" },
        "width": layout.width,
        "height": layout.height,
        "nodes": graph.nodes.iter().enumerate().map(|(index, node)| {
            let (x, y, width) = layout.positions[index];
            json!({"id": index, "kind": kind(&node.kind), "label": node.label, "count": node.count,
                   "x": x, "y": y, "width": width, "height": NODE_HEIGHT, "layer": layout.layers[index]})
        }).collect::<Vec<_>>(),
        "edges": graph.edges.iter().map(|edge| json!({
            "from": edge.from, "to": edge.to, "count": edge.count, "mean_s": edge.mean_s,
            "total_s": edge.total_s, "bottleneck": edge.bottleneck, "label": graph.edge_label(edge),
        })).collect::<Vec<_>>(),
    })
}

/// The path of an edge and where its label goes.
fn edge_path(layout: &Layout, edge: &Edge, back_index: usize) -> (String, f64, f64) {
    let (x1, y1, w1) = layout.positions[edge.from];
    let (x2, y2, w2) = layout.positions[edge.to];
    let half = NODE_HEIGHT / 2.0;
    let points = if edge.from == edge.to {
        let (sx, sy) = (x1 + w1 / 2.0, y1 - 8.0);
        let (ex, ey) = (x1 + w1 / 2.0, y1 + 8.0);
        [
            (sx, sy),
            (sx + 50.0, sy - 30.0),
            (ex + 50.0, ey + 30.0),
            (ex, ey),
        ]
    } else if layout.layers[edge.to] > layout.layers[edge.from] {
        let bend = (y2 - y1) / 2.0;
        [
            (x1, y1 + half),
            (x1, y1 + half + bend),
            (x2, y2 - half - bend),
            (x2, y2 - half),
        ]
    } else {
        let swing = 60.0 + 14.0 * (back_index % 6) as f64;
        let (sx, ex) = (x1 + w1 / 2.0, x2 + w2 / 2.0);
        [
            (sx, y1),
            (sx.max(ex) + swing, y1),
            (sx.max(ex) + swing, y2),
            (ex, y2),
        ]
    };
    let [p0, p1, p2, p3] = points;
    let label_x = (p0.0 + 3.0 * p1.0 + 3.0 * p2.0 + p3.0) / 8.0;
    let label_y = (p0.1 + 3.0 * p1.1 + 3.0 * p2.1 + p3.1) / 8.0;
    (
        format!(
            "M{:.1},{:.1} C{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
            p0.0, p0.1, p1.0, p1.1, p2.0, p2.1, p3.0, p3.1
        ),
        label_x,
        label_y,
    )
}

pub fn to_svg(graph: &ProcessGraph, layout: &Layout) -> String {
    let max = max_value(graph);
    let extra = 140.0;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">",
        w = layout.width + extra,
        h = layout.height
    );
    out.push_str("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker></defs>\n");
    let mut back_edges = 0;
    for edge in &graph.edges {
        let backward = layout.layers[edge.to] <= layout.layers[edge.from];
        let (path, label_x, label_y) = edge_path(layout, edge, back_edges);
        back_edges += usize::from(backward);
        let from = &graph.nodes[edge.from].label;
        let to = &graph.nodes[edge.to].label;
        let mut title = format!("{from} → {to}: {} cases", edge.count);
        if let Some(mean) = edge.mean_s {
            let _ = write!(title, ", mean {}", human_duration(mean));
        }
        let _ = writeln!(
            out,
            "<g class=\"edge{}\"><title>{}</title><path d=\"{path}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{:.2}\" marker-end=\"url(#arrow)\"/><text x=\"{label_x:.1}\" y=\"{label_y:.1}\" dx=\"4\" fill=\"#333\">{}</text></g>",
            if edge.bottleneck { " bottleneck" } else { "" },
            xml_escape(&title),
            colour(graph, edge, max),
            stroke_width(graph, edge, max),
            xml_escape(&graph.edge_label(edge)),
        );
    }
    for (index, node) in graph.nodes.iter().enumerate() {
        let (x, y, width) = layout.positions[index];
        match node.kind {
            NodeKind::Start | NodeKind::End => {
                let fill = if node.kind == NodeKind::Start {
                    "#7fbf7f"
                } else {
                    "#e08080"
                };
                let _ = writeln!(
                    out,
                    "<g class=\"node\"><title>{} ({} cases)</title><ellipse cx=\"{x:.1}\" cy=\"{y:.1}\" rx=\"{:.1}\" ry=\"{:.1}\" fill=\"{fill}\" stroke=\"#444\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text></g>",
                    node.label,
                    node.count,
                    width / 2.0,
                    NODE_HEIGHT / 2.0,
                    y + 4.0,
                    node.label
                );
            }
            NodeKind::Activity => {
                let _ = writeln!(
                    out,
                    "<g class=\"node\"><title>{label}: {count} events</title><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{width:.1}\" height=\"{NODE_HEIGHT:.1}\" rx=\"8\" fill=\"#eef3fa\" stroke=\"#1f3b73\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-weight=\"bold\">{label}</text><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#555\">{count}</text></g>",
                    x - width / 2.0,
                    y - NODE_HEIGHT / 2.0,
                    y - 3.0,
                    y + 13.0,
                    label = xml_escape(&node.label),
                    count = node.count,
                );
            }
        }
    }
    out.push_str("</svg>\n");
    out
}

/// One HTML file with the SVG inline and a little CSS; no external resources.
pub fn to_html(graph: &ProcessGraph, layout: &Layout, title: &str) -> String {
    let overlay = match graph.overlay {
        Overlay::Frequency => "frequency (cases per edge)",
        Overlay::Performance => "performance (mean time per edge)",
    };
    let bottlenecks = graph.edges.iter().filter(|edge| edge.bottleneck).count();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title} — Flowbot process map</title>\n<style>\nbody {{ font-family: Helvetica, Arial, sans-serif; margin: 1.5rem; color: #222; }}\n.map {{ overflow: auto; border: 1px solid #ccd; }}\n.edge:hover path {{ stroke: #ff7f0e; }}\n.edge:hover text {{ font-weight: bold; }}\n.node:hover rect {{ fill: #dde7f5; }}\n</style>\n</head>\n<body>\n<h1>{title}</h1>\n<p>Overlay: {overlay}. {nodes} activities, {edges} edges; the {bottlenecks} edges with the most total waiting time are red. Hover for details.</p>\n<div class=\"map\">\n{svg}</div>\n</body>\n</html>\n",
        title = xml_escape(title),
        nodes = graph.nodes.len().saturating_sub(2),
        edges = graph.edges.len(),
        svg = to_svg(graph, layout),
    )
}
