//! Drawings of a Petri net — Graphviz DOT and a self-laid-out SVG: places as circles (the
//! initial one marked with a token, the final one doubled), visible transitions as labelled
//! boxes, silent ones as small black bars.

use std::fmt::Write as _;

use super::{Arc, PetriNet};

pub fn to_dot(net: &PetriNet) -> String {
    let mut out =
        String::from("digraph petri_net {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
    for (index, place) in net.places.iter().enumerate() {
        let label = if net.initial_marking.contains_key(&index) {
            "&#9679;"
        } else {
            ""
        };
        let shape = if net.final_marking.contains_key(&index) {
            "doublecircle"
        } else {
            "circle"
        };
        let _ = writeln!(
            out,
            "  p{index} [shape={shape}, label=\"{label}\", width=0.4, fixedsize=true, tooltip={}];",
            quote(&place.name)
        );
    }
    for (index, transition) in net.transitions.iter().enumerate() {
        match &transition.label {
            Some(label) => {
                let _ = writeln!(out, "  t{index} [shape=box, label={}];", quote(label));
            }
            None => {
                let _ = writeln!(
                    out,
                    "  t{index} [shape=box, style=filled, fillcolor=black, label=\"\", width=0.15, height=0.5, tooltip={}];",
                    quote(&transition.name)
                );
            }
        }
    }
    for arc in &net.arcs {
        let _ = match *arc {
            Arc::Input { place, transition } => writeln!(out, "  p{place} -> t{transition};"),
            Arc::Output { transition, place } => writeln!(out, "  t{transition} -> p{place};"),
        };
    }
    out.push_str("}\n");
    out
}

fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Horizontal distance between layers and vertical distance between nodes of one layer.
const LAYER_GAP: usize = 110;
const ROW_GAP: usize = 70;
const MARGIN: usize = 40;

/// A standalone SVG of the net, laid out left to right: every node sits in the layer of its
/// breadth-first distance from the initial marking (nodes it cannot reach come last).
pub fn to_svg(net: &PetriNet) -> String {
    let layers = layers(net);
    let mut rows_used: Vec<usize> = Vec::new();
    let mut position = |layer: usize| {
        if rows_used.len() <= layer {
            rows_used.resize(layer + 1, 0);
        }
        let row = rows_used[layer];
        rows_used[layer] += 1;
        (MARGIN + layer * LAYER_GAP, MARGIN + row * ROW_GAP)
    };
    let place_at: Vec<(usize, usize)> = layers.places.iter().map(|&l| position(l)).collect();
    let transition_at: Vec<(usize, usize)> =
        layers.transitions.iter().map(|&l| position(l)).collect();
    let width = MARGIN * 2 + rows_used.len().saturating_sub(1) * LAYER_GAP + 40;
    let height = MARGIN * 2
        + rows_used
            .iter()
            .max()
            .copied()
            .unwrap_or(1)
            .saturating_sub(1)
            * ROW_GAP
        + 40;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">\n  <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\"/></marker></defs>\n"
    );
    for arc in &net.arcs {
        let (from, to, into_place) = match *arc {
            Arc::Input { place, transition } => (place_at[place], transition_at[transition], false),
            Arc::Output { transition, place } => (transition_at[transition], place_at[place], true),
        };
        // Stop the line at the border of the target so the arrow head shows.
        let (dx, dy) = (to.0 as f64 - from.0 as f64, to.1 as f64 - from.1 as f64);
        let length = (dx * dx + dy * dy).sqrt().max(1.0);
        let stop = if into_place { 16.0 } else { 21.0 };
        let (x2, y2) = (
            to.0 as f64 - dx / length * stop,
            to.1 as f64 - dy / length * stop,
        );
        let _ = writeln!(
            out,
            "  <line x1=\"{}\" y1=\"{}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"#555\" marker-end=\"url(#arrow)\"/>",
            from.0, from.1
        );
    }
    for (index, place) in net.places.iter().enumerate() {
        let (x, y) = place_at[index];
        let _ = writeln!(
            out,
            "  <circle cx=\"{x}\" cy=\"{y}\" r=\"15\" fill=\"white\" stroke=\"black\"><title>{}</title></circle>",
            xml_escape(&place.name)
        );
        if net.initial_marking.contains_key(&index) {
            let _ = writeln!(
                out,
                "  <circle cx=\"{x}\" cy=\"{y}\" r=\"5\" fill=\"black\"/>"
            );
        }
        if net.final_marking.contains_key(&index) {
            let _ = writeln!(
                out,
                "  <circle cx=\"{x}\" cy=\"{y}\" r=\"11\" fill=\"none\" stroke=\"black\"/>"
            );
        }
    }
    for (index, transition) in net.transitions.iter().enumerate() {
        let (x, y) = transition_at[index];
        match &transition.label {
            Some(label) => {
                let _ = writeln!(
                    out,
                    "  <rect x=\"{}\" y=\"{}\" width=\"40\" height=\"30\" fill=\"#eef\" stroke=\"black\"/>\n  <text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                    x - 20,
                    y - 15,
                    y + 28,
                    xml_escape(label)
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "  <rect x=\"{}\" y=\"{}\" width=\"10\" height=\"30\" fill=\"black\"><title>{}</title></rect>",
                    x - 5,
                    y - 15,
                    xml_escape(&transition.name)
                );
            }
        }
    }
    out.push_str("</svg>\n");
    out
}

struct Layers {
    places: Vec<usize>,
    transitions: Vec<usize>,
}

fn layers(net: &PetriNet) -> Layers {
    let mut places = vec![usize::MAX; net.places.len()];
    let mut transitions = vec![usize::MAX; net.transitions.len()];
    let mut frontier: Vec<usize> = net.initial_marking.keys().copied().collect();
    for &p in &frontier {
        places[p] = 0;
    }
    let mut layer = 0;
    while !frontier.is_empty() {
        let mut fired = Vec::new();
        for arc in &net.arcs {
            if let Arc::Input { place, transition } = *arc
                && frontier.contains(&place)
                && transitions[transition] == usize::MAX
            {
                transitions[transition] = layer + 1;
                fired.push(transition);
            }
        }
        let mut next = Vec::new();
        for arc in &net.arcs {
            if let Arc::Output { transition, place } = *arc
                && fired.contains(&transition)
                && places[place] == usize::MAX
            {
                places[place] = layer + 2;
                next.push(place);
            }
        }
        frontier = next;
        layer += 2;
    }
    let last = layer + 1;
    places
        .iter_mut()
        .filter(|l| **l == usize::MAX)
        .for_each(|l| *l = last);
    transitions
        .iter_mut()
        .filter(|l| **l == usize::MAX)
        .for_each(|l| *l = last);
    Layers {
        places,
        transitions,
    }
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::{Operator, ProcessTree};
    use crate::petri::from_tree;

    #[test]
    fn svg_draws_every_place_transition_and_arc() {
        let tree = ProcessTree::node(
            Operator::Sequence,
            vec![
                ProcessTree::Activity("a & b".into()),
                ProcessTree::node(
                    Operator::Xor,
                    vec![ProcessTree::Activity("c".into()), ProcessTree::Tau],
                ),
            ],
        );
        let net = from_tree::convert(&tree);
        let svg = to_svg(&net);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<line").count(), net.arcs.len());
        // One circle per place, plus the initial token and the final place's inner ring.
        assert_eq!(svg.matches("<circle").count(), net.places.len() + 2);
        assert_eq!(svg.matches("<rect").count(), net.transitions.len());
        assert!(svg.contains(">a &amp; b</text>"));
    }
}
