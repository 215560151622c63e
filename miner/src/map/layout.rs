//! A layered (Sugiyama-style) layout: layers by breadth-first distance from the start node,
//! the end node below everything, order within layers by repeated barycentre sweeps, then
//! coordinates. Edges that go up or stay in a layer are drawn as curves by the renderers.

use std::collections::VecDeque;

use super::ProcessGraph;

pub(super) const NODE_HEIGHT: f64 = 44.0;
pub(super) const LAYER_GAP: f64 = 90.0;
pub(super) const NODE_GAP: f64 = 40.0;
pub(super) const MARGIN: f64 = 40.0;
/// Approximate width of one character of the 12px label font.
pub(super) const CHAR_WIDTH: f64 = 7.0;
const SWEEPS: usize = 8;

#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Per node: centre x, centre y, width.
    pub positions: Vec<(f64, f64, f64)>,
    pub layers: Vec<usize>,
    pub width: f64,
    pub height: f64,
}

pub(super) fn node_width(label: &str, count: &str) -> f64 {
    let chars = label.chars().count().max(count.chars().count()) as f64;
    (chars * CHAR_WIDTH + 24.0).max(60.0)
}

impl Layout {
    pub fn of(graph: &ProcessGraph) -> Layout {
        let count = graph.nodes.len();
        let mut successors = vec![Vec::new(); count];
        for edge in &graph.edges {
            successors[edge.from].push(edge.to);
        }
        let mut layer = vec![usize::MAX; count];
        layer[0] = 0;
        let mut queue = VecDeque::from([0usize]);
        while let Some(node) = queue.pop_front() {
            for &next in &successors[node] {
                if next != 1 && layer[next] == usize::MAX {
                    layer[next] = layer[node] + 1;
                    queue.push_back(next);
                }
            }
        }
        // Unreachable activities (possible after filtering edges) go just below the start.
        for depth in layer.iter_mut().skip(2) {
            if *depth == usize::MAX {
                *depth = 1;
            }
        }
        let last = (2..count).map(|node| layer[node]).max().unwrap_or(0);
        if count > 1 {
            layer[1] = last + 1;
        }
        let layer_count = layer.iter().copied().max().unwrap_or(0) + 1;
        let mut rows: Vec<Vec<usize>> = vec![Vec::new(); layer_count];
        for (node, &depth) in layer.iter().enumerate() {
            rows[depth].push(node);
        }
        let mut neighbours = vec![Vec::new(); count];
        for edge in &graph.edges {
            neighbours[edge.from].push(edge.to);
            neighbours[edge.to].push(edge.from);
        }
        for sweep in 0..SWEEPS {
            let mut position = vec![0.0; count];
            for row in &rows {
                for (index, &node) in row.iter().enumerate() {
                    position[node] = index as f64;
                }
            }
            let order: Vec<usize> = if sweep % 2 == 0 {
                (1..layer_count).collect()
            } else {
                (0..layer_count.saturating_sub(1)).rev().collect()
            };
            for depth in order {
                let reference = if sweep % 2 == 0 {
                    depth.wrapping_sub(1)
                } else {
                    depth + 1
                };
                let barycentre = |node: usize| {
                    let linked: Vec<f64> = neighbours[node]
                        .iter()
                        .filter(|&&other| layer[other] == reference)
                        .map(|&other| position[other])
                        .collect();
                    if linked.is_empty() {
                        position[node]
                    } else {
                        linked.iter().sum::<f64>() / linked.len() as f64
                    }
                };
                let mut keyed: Vec<(f64, usize)> = rows[depth]
                    .iter()
                    .map(|&node| (barycentre(node), node))
                    .collect();
                keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                rows[depth] = keyed.into_iter().map(|(_, node)| node).collect();
                for (index, &node) in rows[depth].iter().enumerate() {
                    position[node] = index as f64;
                }
            }
        }
        let widths: Vec<f64> = graph
            .nodes
            .iter()
            .map(|node| node_width(&node.label, &node.count.to_string()))
            .collect();
        let row_width = |row: &Vec<usize>| {
            row.iter().map(|&node| widths[node]).sum::<f64>()
                + NODE_GAP * row.len().saturating_sub(1) as f64
        };
        let width = rows.iter().map(row_width).fold(0.0, f64::max) + 2.0 * MARGIN;
        let mut positions = vec![(0.0, 0.0, 0.0); count];
        for (depth, row) in rows.iter().enumerate() {
            let mut x = (width - row_width(row)) / 2.0;
            let y = MARGIN + NODE_HEIGHT / 2.0 + depth as f64 * (NODE_HEIGHT + LAYER_GAP);
            for &node in row {
                positions[node] = (x + widths[node] / 2.0, y, widths[node]);
                x += widths[node] + NODE_GAP;
            }
        }
        let height = 2.0 * MARGIN
            + layer_count as f64 * NODE_HEIGHT
            + layer_count.saturating_sub(1) as f64 * LAYER_GAP;
        Layout {
            positions,
            layers: layer,
            width,
            height,
        }
    }
}
