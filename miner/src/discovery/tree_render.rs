//! Process-tree pictures: DOT for Graphviz and a standalone SVG, top down. Operators are
//! circles with their sign (→ sequence, × choice, ∧ parallel, ↺ loop, ∨ or), activities rounded
//! boxes, silent steps small grey τ boxes. In the SVG the leaves sit side by side in the tree's
//! order and every operator is centred over its children.

use std::fmt::Write as _;

use crate::xml_text::escape;

use super::{Operator, ProcessTree};

const SLOT: f64 = 130.0;
const LEVEL: f64 = 80.0;
const MARGIN: f64 = 30.0;

fn sign(operator: Operator) -> &'static str {
    match operator {
        Operator::Sequence => "→",
        Operator::Xor => "×",
        Operator::Parallel => "∧",
        Operator::Loop => "↺",
        Operator::Or => "∨",
    }
}

/// The tree as a Graphviz digraph, root at the top.
pub fn to_dot(tree: &ProcessTree) -> String {
    let mut out =
        String::from("digraph process_tree {\n  node [fontname=\"Helvetica\", fontsize=11];\n");
    let mut next = 0;
    dot_node(tree, &mut next, &mut out);
    out.push_str("}\n");
    out
}

fn dot_node(tree: &ProcessTree, next: &mut usize, out: &mut String) -> usize {
    let id = *next;
    *next += 1;
    match tree {
        ProcessTree::Tau => {
            let _ = writeln!(
                out,
                "  n{id} [shape=box, style=\"filled\", fillcolor=\"#dddddd\", label=\"τ\"];"
            );
        }
        ProcessTree::Activity(label) => {
            let label = label.replace('\\', "\\\\").replace('"', "\\\"");
            let _ = writeln!(
                out,
                "  n{id} [shape=box, style=rounded, label=\"{label}\"];"
            );
        }
        ProcessTree::Node { operator, children } => {
            let _ = writeln!(
                out,
                "  n{id} [shape=circle, label=\"{}\"];",
                sign(*operator)
            );
            for child in children {
                let child_id = dot_node(child, next, out);
                let _ = writeln!(out, "  n{id} -> n{child_id};");
            }
        }
    }
    id
}

/// Where each node goes: (x centre, depth), in pre-order.
fn place(tree: &ProcessTree, depth: usize, leaves: &mut usize, out: &mut Vec<(f64, usize)>) -> f64 {
    let index = out.len();
    out.push((0.0, depth));
    let x = match tree {
        ProcessTree::Node { children, .. } if !children.is_empty() => {
            let xs: Vec<f64> = children
                .iter()
                .map(|c| place(c, depth + 1, leaves, out))
                .collect();
            (xs[0] + xs[xs.len() - 1]) / 2.0
        }
        _ => {
            *leaves += 1;
            MARGIN + (*leaves as f64 - 0.5) * SLOT
        }
    };
    out[index].0 = x;
    x
}

/// A standalone SVG of the tree, root at the top.
pub fn to_svg(tree: &ProcessTree) -> String {
    let mut positions = Vec::new();
    let mut leaves = 0;
    place(tree, 0, &mut leaves, &mut positions);
    let depth = positions.iter().map(|p| p.1).max().unwrap_or(0);
    let width = 2.0 * MARGIN + leaves as f64 * SLOT;
    let height = 2.0 * MARGIN + depth as f64 * LEVEL + 40.0;
    let y = |depth: usize| MARGIN + 20.0 + depth as f64 * LEVEL;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
    );
    let mut index = 0;
    draw(tree, &positions, &mut index, &y, &mut out);
    out.push_str("</svg>\n");
    out
}

fn draw(
    tree: &ProcessTree,
    positions: &[(f64, usize)],
    index: &mut usize,
    y: &dyn Fn(usize) -> f64,
    out: &mut String,
) {
    let (x, depth) = positions[*index];
    let top = y(depth);
    *index += 1;
    match tree {
        ProcessTree::Tau => {
            let _ = writeln!(
                out,
                "  <g><title>silent step</title><rect x=\"{}\" y=\"{}\" width=\"30\" height=\"24\" rx=\"4\" fill=\"#ddd\" stroke=\"#888\"/><text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">τ</text></g>",
                x - 15.0,
                top - 12.0,
                top + 4.0
            );
        }
        ProcessTree::Activity(label) => {
            let label = escape(label);
            let _ = writeln!(
                out,
                "  <g><title>{label}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"30\" rx=\"8\" fill=\"#fff\" stroke=\"#222\"/><text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\" textLength=\"{}\" lengthAdjust=\"spacingAndGlyphs\">{label}</text></g>",
                x - SLOT / 2.0 + 6.0,
                top - 15.0,
                SLOT - 12.0,
                top + 4.0,
                (label.chars().count() as f64 * 6.0).min(SLOT - 18.0)
            );
        }
        ProcessTree::Node { operator, children } => {
            let mut child_index = *index;
            for child in children {
                let (cx, cdepth) = positions[child_index];
                let _ = writeln!(
                    out,
                    "  <line x1=\"{x}\" y1=\"{}\" x2=\"{cx}\" y2=\"{}\" stroke=\"#555\"/>",
                    top + 16.0,
                    y(cdepth) - 15.0
                );
                child_index += count(child);
            }
            let _ = writeln!(
                out,
                "  <g><title>{:?}</title><circle cx=\"{x}\" cy=\"{top}\" r=\"16\" fill=\"#eef3fb\" stroke=\"#224\"/><text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" font-size=\"16\">{}</text></g>",
                operator,
                top + 6.0,
                sign(*operator)
            );
            for child in children {
                draw(child, positions, index, y, out);
            }
        }
    }
}

/// Nodes in the subtree (its share of the pre-order positions).
fn count(tree: &ProcessTree) -> usize {
    match tree {
        ProcessTree::Node { children, .. } => 1 + children.iter().map(count).sum::<usize>(),
        _ => 1,
    }
}
