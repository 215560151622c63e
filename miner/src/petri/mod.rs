//! Petri nets: places, transitions (visible with a label, or silent), arcs and the initial and
//! final markings. [`from_tree`] builds the workflow net of a process tree as
//! `pm4py.convert_to_petri_net` does.

pub(crate) mod builder;
pub mod from_tree;
pub mod pnml;
pub mod render;
pub mod workflow;

use std::collections::BTreeMap;

/// Index of a place in [`PetriNet::places`].
pub type PlaceId = usize;
/// Index of a transition in [`PetriNet::transitions`].
pub type TransitionId = usize;

/// Tokens per place; places without tokens are absent.
pub type Marking = BTreeMap<PlaceId, u32>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub name: String,
    /// The activity it stands for; `None` for a silent (τ) transition.
    pub label: Option<String>,
}

/// An arc always joins a place and a transition, in either direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Arc {
    Input {
        place: PlaceId,
        transition: TransitionId,
    },
    Output {
        transition: TransitionId,
        place: PlaceId,
    },
}

/// A Petri net with its initial and final marking (an "accepting" Petri net).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PetriNet {
    pub places: Vec<Place>,
    pub transitions: Vec<Transition>,
    pub arcs: Vec<Arc>,
    pub initial_marking: Marking,
    pub final_marking: Marking,
}

/// Sizes as the reference oracle's `petri_net` block counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NetStats {
    pub places: usize,
    pub transitions: usize,
    pub visible_transitions: usize,
    pub invisible_transitions: usize,
    pub arcs: usize,
}

impl PetriNet {
    pub fn stats(&self) -> NetStats {
        let visible = self
            .transitions
            .iter()
            .filter(|t| t.label.is_some())
            .count();
        NetStats {
            places: self.places.len(),
            transitions: self.transitions.len(),
            visible_transitions: visible,
            invisible_transitions: self.transitions.len() - visible,
            arcs: self.arcs.len(),
        }
    }

    /// Places feeding `transition`, one entry per arc.
    pub fn preset(&self, transition: TransitionId) -> Vec<PlaceId> {
        self.arcs
            .iter()
            .filter_map(|arc| match *arc {
                Arc::Input {
                    place,
                    transition: t,
                } if t == transition => Some(place),
                _ => None,
            })
            .collect()
    }

    /// Places `transition` puts tokens in, one entry per arc.
    pub fn postset(&self, transition: TransitionId) -> Vec<PlaceId> {
        self.arcs
            .iter()
            .filter_map(|arc| match *arc {
                Arc::Output {
                    transition: t,
                    place,
                } if t == transition => Some(place),
                _ => None,
            })
            .collect()
    }
}
