//! Graphviz DOT of a Petri net: places as circles (the initial one marked with a dot, the
//! final one doubled), visible transitions as labelled boxes, silent ones as small black bars.

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
