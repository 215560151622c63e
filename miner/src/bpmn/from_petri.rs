//! Accepting Petri net → BPMN, for models that are not trees (Heuristics and Alpha miner nets,
//! an imported PNML). As pm4py's `convert_to_bpmn` does: a place with several incoming or
//! outgoing arcs becomes an exclusive gateway (a join and/or a split), a transition with
//! several input or output places gets a parallel join and/or split, a visible transition is a
//! task, a silent one is only a connection; the initial place starts, final places end. For
//! free-choice nets (everything the Inductive Miner makes, most Heuristics nets) the BPMN has
//! the net's language; where a net is not free-choice, the BPMN decides at the exclusive split
//! what the net decides by which tokens are there.

use super::{BpmnDiagram, Flow, Node, NodeKind, lay_out};
use crate::petri::{Arc, PetriNet};

/// A node of the diagram being built; `Pass` nodes only connect and are contracted away.
#[derive(Clone, PartialEq)]
enum Shape {
    Node(NodeKind, Option<String>),
    Pass,
}

#[derive(Default)]
struct Graph {
    shapes: Vec<Shape>,
    edges: Vec<(usize, usize)>,
}

impl Graph {
    fn add(&mut self, shape: Shape) -> usize {
        self.shapes.push(shape);
        self.shapes.len() - 1
    }

    fn link(&mut self, from: usize, to: usize) {
        self.edges.push((from, to));
    }

    /// `first`, then a node of `kind` after it when `needed`; returns the last.
    fn then_if(&mut self, needed: bool, first: usize, kind: NodeKind) -> usize {
        if !needed {
            return first;
        }
        let next = self.add(Shape::Node(kind, None));
        self.link(first, next);
        next
    }
}

/// A net BPMN cannot draw.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FromPetriError {
    #[error(
        "transition `{0}` has no input place, so the net lets it fire at any time, which a BPMN \
         flow cannot draw (Alpha nets do this around short loops); write the model as .pnml"
    )]
    NoInput(String),
    #[error(
        "transition `{0}` has no output place, so its token vanishes, which a BPMN flow cannot \
         draw; write the model as .pnml"
    )]
    NoOutput(String),
}

/// The BPMN diagram of `net`, laid out left to right.
pub fn from_petri_net(net: &PetriNet) -> Result<BpmnDiagram, FromPetriError> {
    let mut graph = Graph::default();
    let (mut inputs, mut outputs) = (
        vec![0usize; net.places.len()],
        vec![0usize; net.places.len()],
    );
    let (mut presets, mut postsets) = (
        vec![0usize; net.transitions.len()],
        vec![0usize; net.transitions.len()],
    );
    for arc in &net.arcs {
        match *arc {
            Arc::Input { place, transition } => {
                outputs[place] += 1;
                presets[transition] += 1;
            }
            Arc::Output { transition, place } => {
                inputs[place] += 1;
                postsets[transition] += 1;
            }
        }
    }
    for (index, transition) in net.transitions.iter().enumerate() {
        let name = || {
            transition
                .label
                .clone()
                .unwrap_or_else(|| transition.name.clone())
        };
        if presets[index] == 0 {
            return Err(FromPetriError::NoInput(name()));
        }
        if postsets[index] == 0 {
            return Err(FromPetriError::NoOutput(name()));
        }
    }
    // Each place: where arcs arrive and where they leave.
    let mut place_ends = Vec::with_capacity(net.places.len());
    for place in 0..net.places.len() {
        let initial = net.initial_marking.contains_key(&place);
        let fin = net.final_marking.contains_key(&place);
        let arriving = inputs[place] + usize::from(initial);
        let leaving = outputs[place] + usize::from(fin);
        let entry = graph.add(if arriving > 1 {
            Shape::Node(NodeKind::ExclusiveGateway, None)
        } else {
            Shape::Pass
        });
        let exit = if leaving > 1 {
            graph.add(Shape::Node(NodeKind::ExclusiveGateway, None))
        } else if arriving > 1 {
            entry
        } else {
            graph.add(Shape::Pass)
        };
        if exit != entry {
            graph.link(entry, exit);
        }
        if initial {
            let start = graph.add(Shape::Node(NodeKind::StartEvent, None));
            graph.link(start, entry);
        }
        if fin {
            let end = graph.add(Shape::Node(NodeKind::EndEvent, None));
            graph.link(exit, end);
        }
        place_ends.push((entry, exit));
    }
    // Each transition: a parallel join, the task (or nothing), a parallel split.
    let mut transition_ends = Vec::with_capacity(net.transitions.len());
    for (index, transition) in net.transitions.iter().enumerate() {
        let core = graph.add(match &transition.label {
            Some(label) => Shape::Node(NodeKind::Task, Some(label.clone())),
            None => Shape::Pass,
        });
        let entry = if presets[index] > 1 {
            let join = graph.add(Shape::Node(NodeKind::ParallelGateway, None));
            graph.link(join, core);
            join
        } else {
            core
        };
        let exit = graph.then_if(postsets[index] > 1, core, NodeKind::ParallelGateway);
        transition_ends.push((entry, exit));
    }
    for arc in &net.arcs {
        match *arc {
            Arc::Input { place, transition } => {
                graph.link(place_ends[place].1, transition_ends[transition].0);
            }
            Arc::Output { transition, place } => {
                graph.link(transition_ends[transition].1, place_ends[place].0);
            }
        }
    }
    let mut diagram = contract(graph);
    lay_out(&mut diagram);
    Ok(diagram)
}

/// Replaces every `Pass` node with direct flows (one in, one out: one flow; otherwise it is a
/// dead end of the net and goes with its flows), then numbers what is left.
fn contract(mut graph: Graph) -> BpmnDiagram {
    for pass in 0..graph.shapes.len() {
        if graph.shapes[pass] != Shape::Pass {
            continue;
        }
        let (touching, rest): (Vec<_>, Vec<_>) = graph
            .edges
            .iter()
            .partition(|&&(from, to)| from == pass || to == pass);
        graph.edges = rest;
        let sources: Vec<usize> = touching
            .iter()
            .filter(|e| e.1 == pass)
            .map(|e| e.0)
            .collect();
        let targets: Vec<usize> = touching
            .iter()
            .filter(|e| e.0 == pass)
            .map(|e| e.1)
            .collect();
        if let ([source], [target]) = (sources.as_slice(), targets.as_slice())
            && *source != pass
        {
            graph.edges.push((*source, *target));
        }
    }
    let mut number = vec![usize::MAX; graph.shapes.len()];
    let mut diagram = BpmnDiagram::default();
    for (index, shape) in graph.shapes.into_iter().enumerate() {
        if let Shape::Node(kind, name) = shape {
            number[index] = diagram.nodes.len();
            diagram.nodes.push(Node {
                id: format!("node_{}", diagram.nodes.len() + 1),
                kind,
                name,
                bounds: (0.0, 0.0, 0.0, 0.0),
            });
        }
    }
    for (from, to) in graph.edges {
        diagram.flows.push(Flow {
            id: format!("flow_{}", diagram.flows.len() + 1),
            source: number[from],
            target: number[to],
            waypoints: Vec::new(),
        });
    }
    diagram
}
