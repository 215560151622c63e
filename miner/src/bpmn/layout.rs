//! A layered left-to-right layout for diagrams that come without one: BPMN drawn from a Petri
//! net, or a BPMN file without diagram interchange. Each node sits in the column of its longest
//! path from a start (back edges of loops ignored), ordered within the column by where its
//! predecessors sit, so branches stay roughly level with where they split. Back edges are
//! routed below everything, as [`super::from_tree`] routes loops.

use std::collections::{BTreeMap, HashSet};

use super::{BpmnDiagram, NodeKind, box_size};

const COLUMN: f64 = 160.0;
const ROW: f64 = 110.0;
const MARGIN: f64 = 40.0;

/// Gives every node bounds and every flow waypoints; whatever they had is replaced.
pub fn lay_out(diagram: &mut BpmnDiagram) {
    let count = diagram.nodes.len();
    let mut successors = vec![Vec::new(); count];
    for (index, flow) in diagram.flows.iter().enumerate() {
        successors[flow.source].push((flow.target, index));
    }
    let back = back_flows(diagram, &successors);
    let column = columns(diagram, &successors, &back);
    let rows = rows(diagram, &column, &back);

    let tallest = rows.values().map(Vec::len).max().unwrap_or(1) as f64;
    for (&col, members) in &rows {
        // Centre each column on the tallest one.
        let offset = (tallest - members.len() as f64) * ROW / 2.0;
        for (row, &node) in members.iter().enumerate() {
            let (width, height) = box_size(diagram.nodes[node].kind);
            let centre_x = MARGIN + col as f64 * COLUMN + 50.0;
            let centre_y = MARGIN + offset + row as f64 * ROW + 40.0;
            diagram.nodes[node].bounds = (
                centre_x - width / 2.0,
                centre_y - height / 2.0,
                width,
                height,
            );
        }
    }
    let below = MARGIN + tallest * ROW + 10.0;
    // Each back edge gets its own lane below the diagram, so loops stay apart.
    let mut lane = 0.0;
    for index in 0..diagram.flows.len() {
        let (source, target) = (diagram.flows[index].source, diagram.flows[index].target);
        let (sx, sy, sw, sh) = diagram.nodes[source].bounds;
        let (tx, ty, tw, th) = diagram.nodes[target].bounds;
        diagram.flows[index].waypoints = if back.contains(&index) || tx <= sx {
            let (from, to) = ((sx + sw / 2.0, sy + sh), (tx + tw / 2.0, ty + th));
            lane += 12.0;
            vec![from, (from.0, below + lane), (to.0, below + lane), to]
        } else {
            let (from, to) = ((sx + sw, sy + sh / 2.0), (tx, ty + th / 2.0));
            if (from.1 - to.1).abs() < f64::EPSILON {
                vec![from, to]
            } else {
                let middle = to.0 - 20.0;
                vec![from, (middle, from.1), (middle, to.1), to]
            }
        };
    }
}

/// Flows that close a cycle, found by a depth-first search from the start events (then from any
/// node not reached yet, so every cycle is broken).
fn back_flows(diagram: &BpmnDiagram, successors: &[Vec<(usize, usize)>]) -> HashSet<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let count = diagram.nodes.len();
    let mut mark = vec![Mark::New; count];
    let mut back = HashSet::new();
    let starts = (0..count).filter(|&n| diagram.nodes[n].kind == NodeKind::StartEvent);
    for root in starts.chain(0..count) {
        if mark[root] != Mark::New {
            continue;
        }
        // Iterative DFS: (node, next successor to look at).
        let mut stack = vec![(root, 0)];
        mark[root] = Mark::Open;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&(target, flow)) = successors[node].get(*next) {
                *next += 1;
                match mark[target] {
                    Mark::Open => {
                        back.insert(flow);
                    }
                    Mark::New => {
                        mark[target] = Mark::Open;
                        stack.push((target, 0));
                    }
                    Mark::Done => {}
                }
            } else {
                mark[node] = Mark::Done;
                stack.pop();
            }
        }
    }
    back
}

/// Longest-path column of every node over the acyclic part of the graph.
fn columns(
    diagram: &BpmnDiagram,
    successors: &[Vec<(usize, usize)>],
    back: &HashSet<usize>,
) -> Vec<usize> {
    let count = diagram.nodes.len();
    let mut indegree = vec![0usize; count];
    for (index, flow) in diagram.flows.iter().enumerate() {
        if !back.contains(&index) {
            indegree[flow.target] += 1;
        }
    }
    let mut column = vec![0usize; count];
    let mut ready: Vec<usize> = (0..count).filter(|&n| indegree[n] == 0).collect();
    while let Some(node) = ready.pop() {
        for &(target, flow) in &successors[node] {
            if back.contains(&flow) {
                continue;
            }
            column[target] = column[target].max(column[node] + 1);
            indegree[target] -= 1;
            if indegree[target] == 0 {
                ready.push(target);
            }
        }
    }
    column
}

/// The nodes of each column, top to bottom, each placed by the mean row of its forward
/// predecessors (nodes in the first column keep their order).
fn rows(
    diagram: &BpmnDiagram,
    column: &[usize],
    back: &HashSet<usize>,
) -> BTreeMap<usize, Vec<usize>> {
    let mut by_column: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (node, &col) in column.iter().enumerate() {
        by_column.entry(col).or_default().push(node);
    }
    let mut row = vec![0.0f64; diagram.nodes.len()];
    for members in by_column.values_mut() {
        let key = |node: usize| {
            let sources: Vec<f64> = diagram
                .flows
                .iter()
                .enumerate()
                .filter(|(index, flow)| flow.target == node && !back.contains(index))
                .map(|(_, flow)| row[flow.source])
                .collect();
            if sources.is_empty() {
                node as f64
            } else {
                sources.iter().sum::<f64>() / sources.len() as f64
            }
        };
        let mut keyed: Vec<(f64, usize)> = members.iter().map(|&n| (key(n), n)).collect();
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        *members = keyed.into_iter().map(|(_, node)| node).collect();
        for (position, &node) in members.iter().enumerate() {
            row[node] = position as f64;
        }
    }
    by_column
}
