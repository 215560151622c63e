//! Is the net a workflow net one can check a log against? The structural conditions of van der
//! Aalst's workflow nets, which every discovered model meets and a hand-made or imported one may
//! not: an initial and a final marking, every transition with input and output places (one
//! without inputs can fire forever; one without outputs eats its token), and every place and
//! transition on a path from the initial to the final places. A net that fails them still
//! replays, but its numbers mislead, so `mine conform` shows these findings first.

use std::collections::VecDeque;

use super::{Arc, PetriNet};

/// One way the net falls short of a workflow net, naming the place or transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The place or transition (by name), or `net` for the net as a whole.
    pub node: String,
    pub problem: String,
}

/// Everything that keeps `net` from being a workflow net; empty for a proper one.
pub fn check(net: &PetriNet) -> Vec<Finding> {
    let mut findings = Vec::new();
    let whole = |problem: &str| Finding {
        node: "net".to_owned(),
        problem: problem.to_owned(),
    };
    if net.initial_marking.is_empty() {
        findings.push(whole("no initial marking: no case can start"));
    }
    if net.final_marking.is_empty() {
        findings.push(whole("no final marking: no case can be told complete"));
    }
    for transition in 0..net.transitions.len() {
        let name = transition_name(net, transition);
        if net.preset(transition).is_empty() {
            findings.push(Finding {
                node: name.clone(),
                problem: "has no input place, so it can fire at any time, without end".to_owned(),
            });
        }
        if net.postset(transition).is_empty() {
            findings.push(Finding {
                node: name,
                problem: "has no output place, so the token it takes is lost".to_owned(),
            });
        }
    }
    if net.initial_marking.is_empty() || net.final_marking.is_empty() {
        return findings;
    }
    // Nodes 0..places are places, the rest transitions.
    let places = net.places.len();
    let count = places + net.transitions.len();
    let (mut forward, mut backward) = (vec![Vec::new(); count], vec![Vec::new(); count]);
    for arc in &net.arcs {
        let (from, to) = match *arc {
            Arc::Input { place, transition } => (place, places + transition),
            Arc::Output { transition, place } => (places + transition, place),
        };
        forward[from].push(to);
        backward[to].push(from);
    }
    let from_start = reach(&forward, net.initial_marking.keys().copied());
    let to_end = reach(&backward, net.final_marking.keys().copied());
    for node in 0..count {
        let problem = match (from_start[node], to_end[node]) {
            (true, true) => continue,
            (false, _) => "cannot be reached from the initial marking",
            (true, false) => {
                "does not lead to the final marking: a case that gets here cannot complete"
            }
        };
        let name = if node < places {
            format!("place {}", net.places[node].name)
        } else {
            transition_name(net, node - places)
        };
        findings.push(Finding {
            node: name,
            problem: problem.to_owned(),
        });
    }
    findings
}

fn transition_name(net: &PetriNet, transition: usize) -> String {
    let t = &net.transitions[transition];
    match &t.label {
        Some(label) => format!("transition {} ({label})", t.name),
        None => format!("silent transition {}", t.name),
    }
}

fn reach(edges: &[Vec<usize>], from: impl Iterator<Item = usize>) -> Vec<bool> {
    let mut seen = vec![false; edges.len()];
    let mut queue: VecDeque<usize> = from.collect();
    for &node in &queue {
        seen[node] = true;
    }
    while let Some(node) = queue.pop_front() {
        for &next in &edges[node] {
            if !seen[next] {
                seen[next] = true;
                queue.push_back(next);
            }
        }
    }
    seen
}
