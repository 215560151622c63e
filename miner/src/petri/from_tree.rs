//! Process tree → workflow Petri net, the construction of pm4py's
//! `objects/conversion/process_tree/variants/to_petri_net.py` followed by its simple reduction
//! (silent transitions with a single entry or exit merged away) and the removal of places that
//! can never be marked or never emptied. The result is sound by construction: a block per
//! operator, one source place marked initially and one sink place marked finally.

use super::{Arc, PetriNet, Place, Transition};
use crate::discovery::{Operator, ProcessTree};

/// The accepting Petri net of `tree`.
pub fn convert(tree: &ProcessTree) -> PetriNet {
    let mut builder = Builder::default();
    let source = builder.place("source");
    let sink = builder.place("sink");
    let initial = if tau_needed_at_start(tree) {
        let place = builder.new_place();
        let tau = builder.hidden("tau");
        builder.input(source, tau);
        builder.output(tau, place);
        place
    } else {
        source
    };
    let last = if tau_needed_at_end(tree) {
        let place = builder.new_place();
        let tau = builder.hidden("tau");
        builder.input(place, tau);
        builder.output(tau, sink);
        place
    } else {
        sink
    };
    builder.add_tree(tree, Entity::Place(initial), Some(Entity::Place(last)));
    builder.reduce();
    builder.prune_dead_places(source, sink);
    builder.finish(source, sink)
}

/// Where a sub-net attaches: to an existing place, or behind/before a transition (a new place
/// is added in between).
#[derive(Clone, Copy)]
enum Entity {
    Place(usize),
    Transition(usize),
}

#[derive(Default)]
struct Builder {
    places: Vec<Option<Place>>,
    transitions: Vec<Option<Transition>>,
    arcs: Vec<Option<Arc>>,
    place_count: usize,
    hidden_count: usize,
    visible_count: usize,
}

impl Builder {
    fn place(&mut self, name: &str) -> usize {
        self.place_count += 1;
        self.places.push(Some(Place { name: name.into() }));
        self.places.len() - 1
    }

    fn new_place(&mut self) -> usize {
        let name = format!("p_{}", self.place_count + 1);
        self.place(&name)
    }

    fn hidden(&mut self, kind: &str) -> usize {
        self.hidden_count += 1;
        let name = format!("{kind}_{}", self.hidden_count);
        self.transitions
            .push(Some(Transition { name, label: None }));
        self.transitions.len() - 1
    }

    fn visible(&mut self, label: &str) -> usize {
        self.visible_count += 1;
        let name = format!("t_{}", self.visible_count);
        self.transitions.push(Some(Transition {
            name,
            label: Some(label.into()),
        }));
        self.transitions.len() - 1
    }

    fn input(&mut self, place: usize, transition: usize) {
        self.arcs.push(Some(Arc::Input { place, transition }));
    }

    fn output(&mut self, transition: usize, place: usize) {
        self.arcs.push(Some(Arc::Output { transition, place }));
    }

    /// pm4py's `recursively_add_tree`; returns the sub-net's final place.
    fn add_tree(&mut self, tree: &ProcessTree, initial: Entity, last: Option<Entity>) -> usize {
        let initial = match initial {
            Entity::Place(place) => place,
            Entity::Transition(transition) => {
                let place = self.new_place();
                self.output(transition, place);
                place
            }
        };
        let last = match last {
            Some(Entity::Place(place)) => place,
            other => {
                let place = self.new_place();
                if let Some(Entity::Transition(transition)) = other {
                    self.input(place, transition);
                }
                place
            }
        };
        match tree {
            ProcessTree::Tau | ProcessTree::Activity(_) => {
                let transition = match tree {
                    ProcessTree::Activity(label) => self.visible(label),
                    _ => self.hidden("skip"),
                };
                self.input(initial, transition);
                self.output(transition, last);
            }
            ProcessTree::Node { operator, children } => match operator {
                Operator::Xor => {
                    for child in children {
                        self.add_tree(child, Entity::Place(initial), Some(Entity::Place(last)));
                    }
                }
                Operator::Parallel => {
                    let split = self.hidden("tauSplit");
                    self.input(initial, split);
                    let join = self.hidden("tauJoin");
                    self.output(join, last);
                    for child in children {
                        self.add_tree(
                            child,
                            Entity::Transition(split),
                            Some(Entity::Transition(join)),
                        );
                    }
                }
                Operator::Sequence => {
                    let mut place = initial;
                    for (index, child) in children.iter().enumerate() {
                        let end = (index + 1 == children.len()).then_some(Entity::Place(last));
                        place = self.add_tree(child, Entity::Place(place), end);
                    }
                }
                Operator::Loop => self.add_loop(children, initial, last),
                Operator::Or => self.add_or(children, initial, last),
            },
        }
        last
    }

    /// `*(do, redo…)`: enter through a silent transition, run do, then leave silently or run a
    /// redo part and go back to the start of do.
    fn add_loop(&mut self, children: &[ProcessTree], initial: usize, last: usize) {
        let start = self.new_place();
        let enter = self.hidden("init_loop");
        self.input(initial, enter);
        self.output(enter, start);
        let back = self.hidden("loop");
        match children {
            [] => {}
            [body] => {
                self.add_tree(body, Entity::Place(start), Some(Entity::Place(last)));
                self.input(last, back);
                self.output(back, start);
            }
            [body, redo @ ..] => {
                let after_do = self.add_tree(body, Entity::Place(start), None);
                let mut after_redo = None;
                for child in redo {
                    let end = after_redo.map(Entity::Place);
                    after_redo = Some(self.add_tree(child, Entity::Place(after_do), end));
                }
                self.add_tree(
                    &ProcessTree::Tau,
                    Entity::Place(after_do),
                    Some(Entity::Place(last)),
                );
                if let Some(after_redo) = after_redo {
                    self.input(after_redo, back);
                }
                self.output(back, start);
            }
        }
    }

    /// `O(…)`: pm4py's inclusive-choice block.
    fn add_or(&mut self, children: &[ProcessTree], initial: usize, last: usize) {
        let split = self.hidden("tauSplit");
        self.input(initial, split);
        let join = self.hidden("tauJoin");
        self.output(join, last);
        let terminal = self.new_place();
        self.input(terminal, join);
        let first = self.new_place();
        self.output(split, first);
        for child in children {
            let init = self.new_place();
            self.output(split, init);
            let begin = self.new_place();
            let end = self.new_place();
            let start = self.hidden("inclusiveStart");
            let later = self.hidden("inclusiveLater");
            let skip = self.hidden("inclusiveSkip");
            self.input(first, start);
            self.input(init, start);
            self.output(start, begin);
            self.output(start, terminal);
            self.input(terminal, later);
            self.input(init, later);
            self.output(later, begin);
            self.output(later, terminal);
            self.input(terminal, skip);
            self.input(init, skip);
            self.output(skip, terminal);
            self.output(skip, end);
            self.input(end, join);
            self.add_tree(child, Entity::Place(begin), Some(Entity::Place(end)));
        }
    }

    fn live_arcs(&self) -> impl Iterator<Item = (usize, Arc)> + '_ {
        self.arcs
            .iter()
            .enumerate()
            .filter_map(|(index, arc)| arc.map(|arc| (index, arc)))
    }

    fn inputs_of(&self, transition: usize) -> Vec<usize> {
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

    fn outputs_of(&self, transition: usize) -> Vec<usize> {
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

    fn producers_of(&self, place: usize) -> Vec<usize> {
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

    fn consumers_of(&self, place: usize) -> Vec<usize> {
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

    fn remove_transition(&mut self, transition: usize) {
        self.transitions[transition] = None;
        for arc in &mut self.arcs {
            if matches!(arc, Some(Arc::Input { transition: t, .. } | Arc::Output { transition: t, .. }) if *t == transition)
            {
                *arc = None;
            }
        }
    }

    fn remove_place(&mut self, place: usize) {
        self.places[place] = None;
        for arc in &mut self.arcs {
            if matches!(arc, Some(Arc::Input { place: p, .. } | Arc::Output { place: p, .. }) if *p == place)
            {
                *arc = None;
            }
        }
    }

    fn silent(&self) -> Vec<usize> {
        (0..self.transitions.len())
            .filter(|&t| matches!(&self.transitions[t], Some(Transition { label: None, .. })))
            .collect()
    }

    /// pm4py's `apply_simple_reduction`: until nothing changes, merge a silent transition with
    /// the place before it when that place has one producer and feeds only it, and with the
    /// place after it when that place has one consumer and is fed only by it.
    fn reduce(&mut self) {
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

    /// Drops places nothing consumes from (but the sink) or nothing produces into (but the
    /// source), as pm4py does after reducing.
    fn prune_dead_places(&mut self, source: usize, sink: usize) {
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
    fn finish(self, source: usize, sink: usize) -> PetriNet {
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
            initial_marking: [(place_index[source], 1)].into(),
            final_marking: [(place_index[sink], 1)].into(),
        }
    }
}

fn children(tree: &ProcessTree) -> &[ProcessTree] {
    match tree {
        ProcessTree::Node { children, .. } => children,
        _ => &[],
    }
}

fn is_loop(tree: &ProcessTree) -> bool {
    matches!(
        tree,
        ProcessTree::Node {
            operator: Operator::Loop,
            ..
        }
    )
}

fn is_operator(tree: &ProcessTree) -> bool {
    matches!(tree, ProcessTree::Node { .. })
}

/// pm4py's `check_terminal_loop`: the rightmost chain of operators reaches a loop.
fn terminal_loop(tree: &ProcessTree) -> bool {
    match children(tree).last() {
        Some(last) if is_operator(last) => is_loop(last) || terminal_loop(last),
        _ => false,
    }
}

/// pm4py's `check_initial_loop`, which continues with the *rightmost* chain below the first
/// child, as pm4py's code does.
fn initial_loop(tree: &ProcessTree) -> bool {
    match children(tree).first() {
        Some(first) if is_operator(first) => is_loop(first) || terminal_loop(first),
        _ => false,
    }
}

fn loop_at(tree: &ProcessTree, pick: fn(&[ProcessTree]) -> Option<&ProcessTree>) -> bool {
    if is_loop(tree) {
        return true;
    }
    match pick(children(tree)) {
        Some(child) => is_loop(child) || loop_at(child, pick),
        None => false,
    }
}

fn is_choice_or_parallel(tree: &ProcessTree) -> bool {
    matches!(
        tree,
        ProcessTree::Node {
            operator: Operator::Xor | Operator::Parallel,
            ..
        }
    )
}

fn tau_needed_at_start(tree: &ProcessTree) -> bool {
    initial_loop(tree) || loop_at(tree, <[ProcessTree]>::first) || is_choice_or_parallel(tree)
}

fn tau_needed_at_end(tree: &ProcessTree) -> bool {
    terminal_loop(tree) || loop_at(tree, <[ProcessTree]>::last) || is_choice_or_parallel(tree)
}
