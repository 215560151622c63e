//! Process tree → workflow Petri net, the construction of pm4py's
//! `objects/conversion/process_tree/variants/to_petri_net.py` followed by its simple reduction
//! (silent transitions with a single entry or exit merged away) and the removal of places that
//! can never be marked or never emptied. The result is sound by construction: a block per
//! operator, one source place marked initially and one sink place marked finally.

use super::PetriNet;
use super::builder::NetBuilder;
use crate::discovery::{Operator, ProcessTree};

/// The accepting Petri net of `tree`.
pub fn convert(tree: &ProcessTree) -> PetriNet {
    let mut builder = NetBuilder::default();
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
    builder.finish(&[source], &[sink])
}

/// Where a sub-net attaches: to an existing place, or behind/before a transition (a new place
/// is added in between).
#[derive(Clone, Copy)]
enum Entity {
    Place(usize),
    Transition(usize),
}

impl NetBuilder {
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
