//! BPMN 2.0 from process trees, with diagram interchange (DI) so Camunda Modeler and bpmn.io
//! open it laid out. Each operator becomes a block: → a chain, × exclusive gateways, ∧
//! parallel gateways, O inclusive gateways, ↺ an exclusive join before the do-part and an
//! exclusive split after it whose redo branches flow back. τ is a plain sequence flow. Blocks
//! are laid out left to right, branches stacked top to bottom, back edges routed below.
//!
//! Nets that are not trees become BPMN through [`from_petri_net`]; BPMN files are read by
//! [`read_bpmn`] and replayed through the net [`to_petri_net`] makes of them.

mod from_petri;
mod import;
mod layout;
pub mod render;
mod to_petri;
mod xml;

pub use from_petri::{FromPetriError, from_petri_net};
pub use import::{BpmnError, read_bpmn};
pub use layout::lay_out;
pub use to_petri::{ToPetriError, to_petri_net};
pub use xml::to_bpmn_xml;

use crate::discovery::{Operator, ProcessTree};

/// Horizontal and vertical space between blocks.
const GAP: f64 = 40.0;
const TASK: (f64, f64) = (100.0, 80.0);
const GATEWAY: f64 = 50.0;
const EVENT: f64 = 36.0;
/// Height a τ branch takes between gateways.
const TAU_HEIGHT: f64 = 30.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    StartEvent,
    EndEvent,
    Task,
    ExclusiveGateway,
    ParallelGateway,
    InclusiveGateway,
}

impl NodeKind {
    /// What a person calls it, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            NodeKind::StartEvent => "start event",
            NodeKind::EndEvent => "end event",
            NodeKind::Task => "task",
            NodeKind::ExclusiveGateway => "exclusive gateway",
            NodeKind::ParallelGateway => "parallel gateway",
            NodeKind::InclusiveGateway => "inclusive gateway",
        }
    }
}

/// Width and height of a node's shape.
fn box_size(kind: NodeKind) -> (f64, f64) {
    match kind {
        NodeKind::Task => TASK,
        NodeKind::StartEvent | NodeKind::EndEvent => (EVENT, EVENT),
        _ => (GATEWAY, GATEWAY),
    }
}

/// A flow node with its diagram bounds (top-left corner and size).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub id: String,
    pub kind: NodeKind,
    pub name: Option<String>,
    pub bounds: (f64, f64, f64, f64),
}

/// A sequence flow with its diagram waypoints.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    pub id: String,
    pub source: usize,
    pub target: usize,
    pub waypoints: Vec<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct BpmnDiagram {
    pub nodes: Vec<Node>,
    pub flows: Vec<Flow>,
}

/// Width and height of the block a tree becomes (τ: nothing).
fn size(tree: &ProcessTree) -> (f64, f64) {
    match tree {
        ProcessTree::Tau => (0.0, 0.0),
        ProcessTree::Activity(_) => TASK,
        ProcessTree::Node { operator, children } => {
            let sizes: Vec<(f64, f64)> = children.iter().map(size).collect();
            match operator {
                Operator::Sequence => {
                    let shown: Vec<&(f64, f64)> = sizes.iter().filter(|s| s.0 > 0.0).collect();
                    let width = shown.iter().map(|s| s.0).sum::<f64>()
                        + GAP * shown.len().saturating_sub(1) as f64;
                    (width, shown.iter().map(|s| s.1).fold(0.0, f64::max))
                }
                Operator::Loop => {
                    let body = sizes.first().copied().unwrap_or_default();
                    let redo = stacked(&sizes[1.min(sizes.len())..]);
                    let inner = body.0.max(redo.0);
                    (
                        2.0 * (GATEWAY + GAP) + inner,
                        body.1.max(TAU_HEIGHT) + GAP + redo.1,
                    )
                }
                _ => {
                    let branches = stacked(&sizes);
                    (2.0 * (GATEWAY + GAP) + branches.0, branches.1)
                }
            }
        }
    }
}

/// Branches stacked vertically (τ branches take a thin lane).
fn stacked(sizes: &[(f64, f64)]) -> (f64, f64) {
    let width = sizes.iter().map(|s| s.0).fold(0.0, f64::max);
    let height = sizes.iter().map(|s| s.1.max(TAU_HEIGHT)).sum::<f64>()
        + GAP * sizes.len().saturating_sub(1) as f64;
    (width, height)
}

struct Builder {
    diagram: BpmnDiagram,
}

impl Builder {
    fn node(&mut self, kind: NodeKind, name: Option<&str>, bounds: (f64, f64, f64, f64)) -> usize {
        let id = format!("node_{}", self.diagram.nodes.len() + 1);
        self.diagram.nodes.push(Node {
            id,
            kind,
            name: name.map(str::to_owned),
            bounds,
        });
        self.diagram.nodes.len() - 1
    }

    fn gateway(&mut self, kind: NodeKind, x: f64, middle: f64) -> usize {
        self.node(kind, None, (x, middle - GATEWAY / 2.0, GATEWAY, GATEWAY))
    }

    /// A forward flow: out of the source's right side, into the target's left side, with one
    /// vertical segment halfway when they are not level.
    fn flow(&mut self, source: usize, target: usize) {
        let (sx, sy, sw, sh) = self.diagram.nodes[source].bounds;
        let (tx, ty, _, th) = self.diagram.nodes[target].bounds;
        let (from, to) = ((sx + sw, sy + sh / 2.0), (tx, ty + th / 2.0));
        let waypoints = if (from.1 - to.1).abs() < f64::EPSILON {
            vec![from, to]
        } else {
            let middle = (from.0 + to.0) / 2.0;
            vec![from, (middle, from.1), (middle, to.1), to]
        };
        self.push_flow(source, target, waypoints);
    }

    /// A loop's back edge: out of the bottom of `source`, along `below`, into the bottom of
    /// `target`.
    fn back_flow(&mut self, source: usize, target: usize, below: f64) {
        let (sx, sy, sw, sh) = self.diagram.nodes[source].bounds;
        let (tx, ty, tw, th) = self.diagram.nodes[target].bounds;
        let from = (sx + sw / 2.0, sy + sh);
        let to = (tx + tw / 2.0, ty + th);
        self.push_flow(
            source,
            target,
            vec![from, (from.0, below), (to.0, below), to],
        );
    }

    fn push_flow(&mut self, source: usize, target: usize, waypoints: Vec<(f64, f64)>) {
        let id = format!("flow_{}", self.diagram.flows.len() + 1);
        self.diagram.flows.push(Flow {
            id,
            source,
            target,
            waypoints,
        });
    }

    /// Lays `tree` out with its left edge at `x`, centred on `middle`; returns its entry and
    /// exit nodes, or `None` for τ (the caller joins its neighbours directly).
    fn block(&mut self, tree: &ProcessTree, x: f64, middle: f64) -> Option<(usize, usize)> {
        match tree {
            ProcessTree::Tau => None,
            ProcessTree::Activity(label) => {
                let task = self.node(
                    NodeKind::Task,
                    Some(label),
                    (x, middle - TASK.1 / 2.0, TASK.0, TASK.1),
                );
                Some((task, task))
            }
            ProcessTree::Node { operator, children } => match operator {
                Operator::Sequence => self.sequence(children, x, middle),
                Operator::Loop => Some(self.looped(tree, children, x, middle)),
                Operator::Xor => {
                    Some(self.branches(NodeKind::ExclusiveGateway, tree, children, x, middle))
                }
                Operator::Parallel => {
                    Some(self.branches(NodeKind::ParallelGateway, tree, children, x, middle))
                }
                Operator::Or => {
                    Some(self.branches(NodeKind::InclusiveGateway, tree, children, x, middle))
                }
            },
        }
    }

    fn sequence(
        &mut self,
        children: &[ProcessTree],
        x: f64,
        middle: f64,
    ) -> Option<(usize, usize)> {
        let mut ends: Option<(usize, usize)> = None;
        let mut left = x;
        for child in children {
            let Some((entry, exit)) = self.block(child, left, middle) else {
                continue;
            };
            left += size(child).0 + GAP;
            ends = Some(match ends {
                None => (entry, exit),
                Some((first, last)) => {
                    self.flow(last, entry);
                    (first, exit)
                }
            });
        }
        ends
    }

    fn branches(
        &mut self,
        kind: NodeKind,
        tree: &ProcessTree,
        children: &[ProcessTree],
        x: f64,
        middle: f64,
    ) -> (usize, usize) {
        let (width, height) = size(tree);
        let split = self.gateway(kind, x, middle);
        let join = self.gateway(kind, x + width - GATEWAY, middle);
        let inner_width = width - 2.0 * (GATEWAY + GAP);
        let mut top = middle - height / 2.0;
        let mut direct = false;
        for child in children {
            let (child_width, child_height) = size(child);
            let lane = child_height.max(TAU_HEIGHT);
            let left = x + GATEWAY + GAP + (inner_width - child_width) / 2.0;
            match self.block(child, left, top + lane / 2.0) {
                Some((entry, exit)) => {
                    self.flow(split, entry);
                    self.flow(exit, join);
                }
                // One direct flow stands for every τ branch.
                None if !direct => {
                    direct = true;
                    self.flow(split, join);
                }
                None => {}
            }
            top += lane + GAP;
        }
        (split, join)
    }

    fn looped(
        &mut self,
        tree: &ProcessTree,
        children: &[ProcessTree],
        x: f64,
        middle: f64,
    ) -> (usize, usize) {
        let (width, height) = size(tree);
        let top = middle - height / 2.0;
        let body = children.first().map(size).unwrap_or_default();
        let body_lane = body.1.max(TAU_HEIGHT);
        let body_middle = top + body_lane / 2.0;
        let join = self.gateway(NodeKind::ExclusiveGateway, x, body_middle);
        let split = self.gateway(NodeKind::ExclusiveGateway, x + width - GATEWAY, body_middle);
        let inner_width = width - 2.0 * (GATEWAY + GAP);
        match children.first().and_then(|first| {
            self.block(
                first,
                x + GATEWAY + GAP + (inner_width - body.0) / 2.0,
                body_middle,
            )
        }) {
            Some((entry, exit)) => {
                self.flow(join, entry);
                self.flow(exit, split);
            }
            None => self.flow(join, split),
        }
        let mut lane_top = top + body_lane + GAP;
        let bottom = top + height + GAP / 2.0;
        for redo in children.iter().skip(1) {
            let (redo_width, redo_height) = size(redo);
            let lane = redo_height.max(TAU_HEIGHT);
            let left = x + GATEWAY + GAP + (inner_width - redo_width) / 2.0;
            match self.block(redo, left, lane_top + lane / 2.0) {
                Some((entry, exit)) => {
                    self.back_flow(split, entry, bottom);
                    self.back_flow(exit, join, bottom);
                }
                None => self.back_flow(split, join, bottom),
            }
            lane_top += lane + GAP;
        }
        (join, split)
    }
}

/// The BPMN diagram of `tree`: start event, the tree's blocks, end event.
pub fn from_tree(tree: &ProcessTree) -> BpmnDiagram {
    let mut builder = Builder {
        diagram: BpmnDiagram::default(),
    };
    let (width, height) = size(tree);
    let middle = GAP + height.max(EVENT) / 2.0;
    let start = builder.node(
        NodeKind::StartEvent,
        None,
        (GAP, middle - EVENT / 2.0, EVENT, EVENT),
    );
    let body_x = GAP + EVENT + GAP;
    let body = builder.block(tree, body_x, middle);
    let end_x = body_x + width + if width > 0.0 { GAP } else { 0.0 };
    let end = builder.node(
        NodeKind::EndEvent,
        None,
        (end_x, middle - EVENT / 2.0, EVENT, EVENT),
    );
    match body {
        Some((entry, exit)) => {
            builder.flow(start, entry);
            builder.flow(exit, end);
        }
        None => builder.flow(start, end),
    }
    builder.diagram
}
