//! An editable Petri net for the constructions that follow pm4py (process tree → net,
//! heuristics net → net): elements are removed in place (`None`) so indices stay valid while
//! pm4py's reductions run, and [`NetBuilder::finish`] compacts them into a [`PetriNet`].

use std::collections::BTreeSet;

use super::{Arc, PetriNet, Place, Transition};

#[derive(Default)]
pub(crate) struct NetBuilder {
    pub(crate) places: Vec<Option<Place>>,
    transitions: Vec<Option<Transition>>,
    arcs: Vec<Option<Arc>>,
    place_count: usize,
    hidden_count: usize,
    visible_count: usize,
}

impl NetBuilder {
    pub(crate) fn place(&mut self, name: &str) -> usize {
        self.place_count += 1;
        self.places.push(Some(Place { name: name.into() }));
        self.places.len() - 1
    }

    pub(crate) fn new_place(&mut self) -> usize {
        let name = format!("p_{}", self.place_count + 1);
        self.place(&name)
    }

    pub(crate) fn hidden(&mut self, kind: &str) -> usize {
        self.hidden_count += 1;
        let name = format!("{kind}_{}", self.hidden_count);
        self.transitions
            .push(Some(Transition { name, label: None }));
        self.transitions.len() - 1
    }

    pub(crate) fn visible(&mut self, label: &str) -> usize {
        self.visible_count += 1;
        let name = format!("t_{}", self.visible_count);
        self.transitions.push(Some(Transition {
            name,
            label: Some(label.into()),
        }));
        self.transitions.len() - 1
    }

    /// A transition named as the caller's construction names it (`None` label: silent).
    pub(crate) fn transition(&mut self, name: String, label: Option<String>) -> usize {
        self.transitions.push(Some(Transition { name, label }));
        self.transitions.len() - 1
    }

    pub(crate) fn input(&mut self, place: usize, transition: usize) {
        self.arcs.push(Some(Arc::Input { place, transition }));
    }

    pub(crate) fn output(&mut self, transition: usize, place: usize) {
        self.arcs.push(Some(Arc::Output { transition, place }));
    }

    fn live_arcs(&self) -> impl Iterator<Item = (usize, Arc)> + '_ {
        self.arcs
            .iter()
            .enumerate()
            .filter_map(|(index, arc)| arc.map(|arc| (index, arc)))
    }

    pub(crate) fn inputs_of(&self, transition: usize) -> Vec<usize> {
        self.live_arcs()
            .filter_map(|(_, arc)| match arc {
                Arc::Input {
                    place,
                    transition: t,
                } if t == transition => Some(place),
                _ => None,
            })
            .collect()
    }

    pub(crate) fn outputs_of(&self, transition: usize) -> Vec<usize> {
        self.live_arcs()
            .filter_map(|(_, arc)| match arc {
                Arc::Output {
                    transition: t,
                    place,
                } if t == transition => Some(place),
                _ => None,
            })
            .collect()
    }

    pub(crate) fn producers_of(&self, place: usize) -> Vec<usize> {
        self.live_arcs()
            .filter_map(|(_, arc)| match arc {
                Arc::Output {
                    transition,
                    place: p,
                } if p == place => Some(transition),
                _ => None,
            })
            .collect()
    }

    pub(crate) fn consumers_of(&self, place: usize) -> Vec<usize> {
        self.live_arcs()
            .filter_map(|(_, arc)| match arc {
                Arc::Input {
                    place: p,
                    transition,
                } if p == place => Some(transition),
                _ => None,
            })
            .collect()
    }

    pub(crate) fn remove_transition(&mut self, transition: usize) {
        self.transitions[transition] = None;
        for arc in &mut self.arcs {
            if matches!(arc, Some(Arc::Input { transition: t, .. } | Arc::Output { transition: t, .. }) if *t == transition)
            {
                *arc = None;
            }
        }
    }

    pub(crate) fn remove_place(&mut self, place: usize) {
        self.places[place] = None;
        for arc in &mut self.arcs {
            if matches!(arc, Some(Arc::Input { place: p, .. } | Arc::Output { place: p, .. }) if *p == place)
            {
                *arc = None;
            }
        }
    }

    pub(crate) fn silent(&self) -> Vec<usize> {
        (0..self.transitions.len())
            .filter(|&t| matches!(&self.transitions[t], Some(Transition { label: None, .. })))
            .collect()
    }

    /// pm4py's `apply_simple_reduction`: until nothing changes, merge a silent transition with
    /// the place before it when that place has one producer and feeds only it, and with the
    /// place after it when that place has one consumer and is fed only by it.
    pub(crate) fn reduce(&mut self) {
        loop {
            let mut changed = false;
            while let Some((transition, place, producer)) = self.single_entry() {
                let targets = self.outputs_of(transition);
                self.remove_transition(transition);
                self.remove_place(place);
                for target in targets {
                    self.output(producer, target);
                }
                changed = true;
            }
            while let Some((transition, place, consumer)) = self.single_exit() {
                let sources = self.inputs_of(transition);
                self.remove_transition(transition);
                self.remove_place(place);
                for source in sources {
                    self.input(source, consumer);
                }
                changed = true;
            }
            if !changed {
                return;
            }
        }
    }

    fn single_entry(&self) -> Option<(usize, usize, usize)> {
        self.silent().into_iter().find_map(|transition| {
            let [place] = self.inputs_of(transition)[..] else {
                return None;
            };
            let [producer] = self.producers_of(place)[..] else {
                return None;
            };
            let consumers = self.consumers_of(place);
            consumers
                .iter()
                .all(|&c| c == transition)
                .then_some((transition, place, producer))
        })
    }

    fn single_exit(&self) -> Option<(usize, usize, usize)> {
        self.silent().into_iter().find_map(|transition| {
            let [place] = self.outputs_of(transition)[..] else {
                return None;
            };
            let [consumer] = self.consumers_of(place)[..] else {
                return None;
            };
            let producers = self.producers_of(place);
            producers
                .iter()
                .all(|&p| p == transition)
                .then_some((transition, place, consumer))
        })
    }

    /// pm4py's `remove_rendundant_invisible_transitions` (heuristics nets): a silent transition
    /// goes when another one has the same input places and strictly more output places,
    /// including all of its own.
    pub(crate) fn drop_dominated_silent(&mut self) {
        let sets = |builder: &Self, t: usize| -> (BTreeSet<usize>, BTreeSet<usize>) {
            (
                builder.inputs_of(t).into_iter().collect(),
                builder.outputs_of(t).into_iter().collect(),
            )
        };
        let silent = self.silent();
        let shapes: Vec<_> = silent.iter().map(|&t| sets(self, t)).collect();
        for (j, (pre_j, post_j)) in shapes.iter().enumerate() {
            let dominated = shapes.iter().enumerate().any(|(i, (pre_i, post_i))| {
                i != j && pre_i == pre_j && post_j.len() < post_i.len() && post_j.is_subset(post_i)
            });
            if dominated {
                self.remove_transition(silent[j]);
            }
        }
    }

    /// Drops places nothing consumes from (but the sink) or nothing produces into (but the
    /// source), as pm4py does after reducing.
    pub(crate) fn prune_dead_places(&mut self, source: usize, sink: usize) {
        for place in 0..self.places.len() {
            if self.places[place].is_none() {
                continue;
            }
            if place != sink && self.consumers_of(place).is_empty() {
                self.remove_place(place);
                continue;
            }
            if place != source && self.producers_of(place).is_empty() {
                self.remove_place(place);
            }
        }
    }

    /// Compacts away removed elements and sets the markings.
    pub(crate) fn finish(self, initial: &[usize], last: &[usize]) -> PetriNet {
        let mut place_index = vec![usize::MAX; self.places.len()];
        let mut places = Vec::new();
        for (old, place) in self.places.into_iter().enumerate() {
            if let Some(place) = place {
                place_index[old] = places.len();
                places.push(place);
            }
        }
        let mut transition_index = vec![usize::MAX; self.transitions.len()];
        let mut transitions = Vec::new();
        for (old, transition) in self.transitions.into_iter().enumerate() {
            if let Some(transition) = transition {
                transition_index[old] = transitions.len();
                transitions.push(transition);
            }
        }
        let arcs = self
            .arcs
            .into_iter()
            .flatten()
            .map(|arc| match arc {
                Arc::Input { place, transition } => Arc::Input {
                    place: place_index[place],
                    transition: transition_index[transition],
                },
                Arc::Output { transition, place } => Arc::Output {
                    transition: transition_index[transition],
                    place: place_index[place],
                },
            })
            .collect();
        PetriNet {
            places,
            transitions,
            arcs,
            initial_marking: initial.iter().map(|&p| (place_index[p], 1)).collect(),
            final_marking: last.iter().map(|&p| (place_index[p], 1)).collect(),
        }
    }
}
