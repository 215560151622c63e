//! BPMN → accepting Petri net, so a drawn or imported BPMN model can be replayed and aligned.
//! Every sequence flow is a place. A task is a visible transition (several incoming flows merge
//! exclusively first, several outgoing flows all get a token, as BPMN's implicit gateways do);
//! an exclusive gateway is a place with a silent transition per incoming and outgoing flow; a
//! parallel gateway is one silent transition; an inclusive gateway is a silent transition per
//! non-empty subset of its branches. Start events take the token of one source place; every end
//! event puts it into one sink place, which the final marking asks for, so a process whose
//! branches end in separate end events must reach them exclusively.

use std::collections::HashMap;

use super::{BpmnDiagram, NodeKind};
use crate::petri::{Arc, PetriNet, Place, PlaceId, Transition};

/// An inclusive gateway with more branches than this would need 2^n transitions.
const MAX_INCLUSIVE_BRANCHES: usize = 10;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ToPetriError {
    #[error("{kind} `{id}` has no {side} sequence flow")]
    Dangling {
        kind: &'static str,
        id: String,
        side: &'static str,
    },
    #[error(
        "inclusive gateway `{id}` has {branches} branches; at most {MAX_INCLUSIVE_BRANCHES} can be \
         converted (each subset of branches becomes a transition)"
    )]
    TooManyBranches { id: String, branches: usize },
}

struct Net {
    net: PetriNet,
    silent: usize,
}

impl Net {
    fn place(&mut self, name: String) -> PlaceId {
        self.net.places.push(Place { name });
        self.net.places.len() - 1
    }

    fn transition(&mut self, label: Option<String>, inputs: &[PlaceId], outputs: &[PlaceId]) {
        let name = match &label {
            Some(label) => format!("{label}_{}", self.net.transitions.len()),
            None => {
                self.silent += 1;
                format!("tau_{}", self.silent)
            }
        };
        let transition = self.net.transitions.len();
        self.net.transitions.push(Transition { name, label });
        for &place in inputs {
            self.net.arcs.push(Arc::Input { place, transition });
        }
        for &place in outputs {
            self.net.arcs.push(Arc::Output { transition, place });
        }
    }
}

/// The net of `diagram`'s process. Tasks without a name take their id as activity.
pub fn to_petri_net(diagram: &BpmnDiagram) -> Result<PetriNet, ToPetriError> {
    let mut net = Net {
        net: PetriNet::default(),
        silent: 0,
    };
    let flow_places: Vec<PlaceId> = diagram
        .flows
        .iter()
        .map(|flow| net.place(flow.id.clone()))
        .collect();
    let source = net.place("source".to_owned());
    let sink = net.place("sink".to_owned());
    net.net.initial_marking.insert(source, 1);
    net.net.final_marking.insert(sink, 1);

    let mut incoming: HashMap<usize, Vec<PlaceId>> = HashMap::new();
    let mut outgoing: HashMap<usize, Vec<PlaceId>> = HashMap::new();
    for (flow, &place) in diagram.flows.iter().zip(&flow_places) {
        outgoing.entry(flow.source).or_default().push(place);
        incoming.entry(flow.target).or_default().push(place);
    }
    for (index, node) in diagram.nodes.iter().enumerate() {
        let inputs = incoming.get(&index).map_or(&[][..], Vec::as_slice);
        let outputs = outgoing.get(&index).map_or(&[][..], Vec::as_slice);
        let dangling = |side: &'static str| ToPetriError::Dangling {
            kind: node.kind.describe(),
            id: node.id.clone(),
            side,
        };
        let needs_inputs = node.kind != NodeKind::StartEvent;
        let needs_outputs = node.kind != NodeKind::EndEvent;
        if needs_inputs && inputs.is_empty() {
            return Err(dangling("incoming"));
        }
        if needs_outputs && outputs.is_empty() {
            return Err(dangling("outgoing"));
        }
        match node.kind {
            NodeKind::StartEvent => net.transition(None, &[source], outputs),
            NodeKind::EndEvent => {
                let merged = merge(&mut net, &node.id, inputs);
                net.transition(None, &[merged], &[sink]);
            }
            NodeKind::Task => {
                let merged = merge(&mut net, &node.id, inputs);
                let label = node.name.clone().unwrap_or_else(|| node.id.clone());
                net.transition(Some(label), &[merged], outputs);
            }
            NodeKind::ExclusiveGateway => {
                let merged = merge(&mut net, &node.id, inputs);
                for &output in outputs {
                    net.transition(None, &[merged], &[output]);
                }
            }
            NodeKind::ParallelGateway => net.transition(None, inputs, outputs),
            NodeKind::InclusiveGateway => {
                for side in [inputs, outputs] {
                    if side.len() > MAX_INCLUSIVE_BRANCHES {
                        return Err(ToPetriError::TooManyBranches {
                            id: node.id.clone(),
                            branches: side.len(),
                        });
                    }
                }
                // Join: any non-empty subset of the branches arrives; split: any goes on.
                let middle = net.place(format!("{}_inclusive", node.id));
                for subset in subsets(inputs) {
                    net.transition(None, &subset, &[middle]);
                }
                for subset in subsets(outputs) {
                    net.transition(None, &[middle], &subset);
                }
            }
        }
    }
    Ok(net.net)
}

/// The one place a node consumes from: its only incoming flow's, or a fresh place every
/// incoming flow feeds through a silent transition (an exclusive merge).
fn merge(net: &mut Net, id: &str, inputs: &[PlaceId]) -> PlaceId {
    if let [only] = inputs {
        return *only;
    }
    let merged = net.place(format!("{id}_merge"));
    for &input in inputs {
        net.transition(None, &[input], &[merged]);
    }
    merged
}

fn subsets(places: &[PlaceId]) -> Vec<Vec<PlaceId>> {
    (1u32..(1 << places.len()))
        .map(|mask| {
            places
                .iter()
                .enumerate()
                .filter(|(bit, _)| mask & (1 << bit) != 0)
                .map(|(_, &place)| place)
                .collect()
        })
        .collect()
}
