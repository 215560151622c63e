//! ETConformance precision with token-based replay, as pm4py 2.7.23.11's
//! `precision_token_based_replay` (`algo/evaluation/precision/variants/etconformance_token.py`)
//! computes it. Every proper prefix of every case is replayed (stopping at the first event that
//! cannot fire, no walk to the final marking); for each prefix that fits, the visible
//! transitions the reached marking enables (directly or after silent moves) are "activated",
//! and those the log never does next after that prefix are "escaping edges". The empty prefix
//! counts once per case against the start activities. Precision = 1 − escaping / activated,
//! both weighted by how many cases share the prefix.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::token_replay::{Marking, Replayer};
use crate::log::Log;
use crate::petri::{PetriNet, TransitionId};

/// The counts behind the number, for reports.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Precision {
    pub precision: f64,
    pub escaping_edges: u64,
    pub activated_transitions: u64,
    /// Distinct proper prefixes of the log's cases.
    pub prefixes: usize,
    /// How many of them the model could replay.
    pub fitting_prefixes: usize,
}

pub fn precision(log: &Log, net: &PetriNet) -> Precision {
    let traces: Vec<Vec<&str>> = (0..log.num_cases())
        .map(|case| {
            log.case_activities(case)
                .iter()
                .map(|&a| log.activity_name(a))
                .collect()
        })
        .collect();
    // prefix → (activities that follow it, cases that have it)
    let mut prefixes: HashMap<&[&str], (HashSet<&str>, u64)> = HashMap::new();
    for trace in &traces {
        for i in 1..trace.len() {
            let entry = prefixes.entry(&trace[..i]).or_default();
            entry.0.insert(trace[i]);
            entry.1 += 1;
        }
    }
    let replayer = Replayer::new(net);
    let start: HashSet<&str> = traces.iter().filter_map(|t| t.first().copied()).collect();
    let initial = eventually_enabled(net, &replayer, replayer.initial_marking());
    let cases = traces.len() as u64;
    let mut activated = cases * initial.len() as u64;
    let mut escaping = cases * initial.iter().filter(|a| !start.contains(*a)).count() as u64;
    let mut fitting_prefixes = 0;
    for (prefix, (next, count)) in &prefixes {
        let Some(marking) = replayer.replay_prefix(prefix) else {
            continue;
        };
        fitting_prefixes += 1;
        let enabled = eventually_enabled(net, &replayer, &marking);
        activated += enabled.len() as u64 * count;
        escaping += enabled.iter().filter(|a| !next.contains(*a)).count() as u64 * count;
    }
    Precision {
        precision: if activated > 0 {
            1.0 - escaping as f64 / activated as f64
        } else {
            1.0
        },
        escaping_edges: escaping,
        activated_transitions: activated,
        prefixes: prefixes.len(),
        fitting_prefixes,
    }
}

/// pm4py's `get_visible_transitions_eventually_enabled_by_marking`, quirks included: the
/// marking a queued transition is explored from is the last one recorded for it (a dict keyed
/// by transition), and a (transition, marking) pair is explored once.
fn eventually_enabled<'n>(
    net: &'n PetriNet,
    replayer: &Replayer<'_>,
    marking: &Marking,
) -> BTreeSet<&'n str> {
    type Key = Vec<(usize, i64)>;
    let key = |marking: &Marking| -> Key {
        let mut tokens: Key = marking
            .places()
            .map(|p| (p, marking.get(p)))
            .filter(|&(_, n)| n != 0)
            .collect();
        tokens.sort_unstable();
        tokens
    };
    let mut by_name: Vec<TransitionId> = (0..net.transitions.len()).collect();
    by_name.sort_by(|&a, &b| net.transitions[a].name.cmp(&net.transitions[b].name));
    let enabled_in = |marking: &Marking| -> Vec<TransitionId> {
        by_name
            .iter()
            .copied()
            .filter(|&t| replayer.enabled(t, marking))
            .collect()
    };
    let mut queue = enabled_in(marking);
    let mut explored_from: BTreeMap<TransitionId, Marking> =
        queue.iter().map(|&t| (t, marking.clone())).collect();
    let mut visible = BTreeSet::new();
    let mut visited: HashSet<(TransitionId, Key)> = HashSet::new();
    let mut i = 0;
    while i < queue.len() {
        let t = queue[i];
        i += 1;
        let from = explored_from[&t].clone();
        if !visited.insert((t, key(&from))) {
            continue;
        }
        match &net.transitions[t].label {
            Some(label) => {
                visible.insert(label.as_str());
            }
            None if replayer.enabled(t, &from) => {
                let mut next = from;
                replayer.fire(t, &mut next);
                for t2 in enabled_in(&next) {
                    queue.push(t2);
                    explored_from.insert(t2, next.clone());
                }
            }
            None => {}
        }
    }
    visible
}
