//! The Alpha Miner (van der Aalst et al. 2004) as pm4py 2.7.23.11 runs it
//! (`algo/discovery/alpha/variants/classic.py`): from the directly-follows relation, causal
//! pairs a→b (a>b and not b>a) of activities without self-loops are grown into places (A, B)
//! by pm4py's pairwise merge, and the maximal ones become places of the net, plus a `start`
//! place before the start activities and an `end` place after the end activities.
//!
//! pm4py's merge is not a full search for maximal pairs: it only merges an original causal
//! pair (index `i`, in the order of pm4py's DFG, sorted by (source, target) name) with pairs at
//! index ≥ `i` that exist when the inner loop starts. That order is kept here, so the places
//! equal pm4py's (`miner/tests/models_reference.rs`).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use crate::log::Log;
use crate::petri::PetriNet;
use crate::petri::builder::NetBuilder;

/// Activity indices in name order.
type Set = Vec<usize>;

/// A place of the alpha net: every activity in `inputs` causally precedes every one in
/// `outputs`; activities are named.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AlphaPlace {
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
}

/// The relations the Alpha Miner reads off a log.
struct Footprint {
    names: Vec<String>,
    /// Directly-follows pairs in pm4py's DFG order (sorted by names).
    follows: Vec<(usize, usize)>,
    follows_set: HashSet<(usize, usize)>,
    start: BTreeSet<usize>,
    end: BTreeSet<usize>,
}

impl Footprint {
    fn of(log: &Log) -> Footprint {
        let names: Vec<String> = (0..log.num_cases())
            .flat_map(|case| log.case_activities(case).iter())
            .map(|&a| log.activity_name(a).to_string())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let index: BTreeMap<&str, usize> = names
            .iter()
            .enumerate()
            .map(|(i, name)| (name.as_str(), i))
            .collect();
        let mut follows_set = HashSet::new();
        let (mut start, mut end) = (BTreeSet::new(), BTreeSet::new());
        for case in 0..log.num_cases() {
            let trace: Vec<usize> = log
                .case_activities(case)
                .iter()
                .map(|&a| index[log.activity_name(a)])
                .collect();
            if let (Some(&first), Some(&last)) = (trace.first(), trace.last()) {
                start.insert(first);
                end.insert(last);
            }
            follows_set.extend(trace.windows(2).map(|w| (w[0], w[1])));
        }
        let mut follows: Vec<(usize, usize)> = follows_set.iter().copied().collect();
        follows.sort_unstable();
        Footprint {
            names,
            follows,
            follows_set,
            start,
            end,
        }
    }

    fn causal(&self, a: usize, b: usize) -> bool {
        self.follows_set.contains(&(a, b)) && !self.follows_set.contains(&(b, a))
    }

    fn parallel(&self, a: usize, b: usize) -> bool {
        self.follows_set.contains(&(a, b)) && self.follows_set.contains(&(b, a))
    }

    /// pm4py's `__check_is_unrelated`, which despite its name is true when some pair across
    /// the two sets is causal or parallel, in either direction.
    fn related(&self, left: &Set, right: &Set) -> bool {
        left.iter().any(|&x| {
            right.iter().any(|&y| {
                self.parallel(x, y) || self.causal(x, y) || self.parallel(y, x) || self.causal(y, x)
            })
        })
    }

    fn all_causal(&self, inputs: &Set, outputs: &Set) -> bool {
        inputs
            .iter()
            .all(|&a| outputs.iter().all(|&b| self.causal(a, b)))
    }
}

fn subset(small: &Set, large: &Set) -> bool {
    small.iter().all(|x| large.binary_search(x).is_ok())
}

fn union(left: &Set, right: &Set) -> Set {
    let mut all: Set = left.iter().chain(right).copied().collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// pm4py's pair growth and maximisation; returns the maximal pairs.
fn places(footprint: &Footprint) -> Vec<(Set, Set)> {
    let mut pairs: Vec<(Set, Set)> = footprint
        .follows
        .iter()
        .filter(|&&(a, b)| footprint.causal(a, b))
        .filter(|&&(a, b)| !footprint.parallel(a, a) && !footprint.parallel(b, b))
        .map(|&(a, b)| (vec![a], vec![b]))
        .collect();
    let mut known: HashSet<(Set, Set)> = pairs.iter().cloned().collect();
    let originals = pairs.len();
    for i in 0..originals {
        let end = pairs.len();
        for j in i..end {
            let (t1, t2) = (&pairs[i], &pairs[j]);
            if t1 == t2 || !(subset(&t1.0, &t2.0) || subset(&t1.1, &t2.1)) {
                continue;
            }
            if footprint.related(&t1.0, &t2.0) || footprint.related(&t1.1, &t2.1) {
                continue;
            }
            let merged = (union(&t1.0, &t2.0), union(&t1.1, &t2.1));
            if !known.contains(&merged) && footprint.all_causal(&merged.0, &merged.1) {
                known.insert(merged.clone());
                pairs.push(merged);
            }
        }
    }
    pairs
        .iter()
        .filter(|pair| {
            !pairs
                .iter()
                .any(|alt| alt != *pair && subset(&pair.0, &alt.0) && subset(&pair.1, &alt.1))
        })
        .cloned()
        .collect()
}

/// The alpha net of `log` (activity = `concept:name`), with its internal places by name.
pub fn discover(log: &Log) -> (PetriNet, Vec<AlphaPlace>) {
    let footprint = Footprint::of(log);
    let mut builder = NetBuilder::default();
    let transitions: Vec<usize> = footprint
        .names
        .iter()
        .map(|name| builder.transition(name.clone(), Some(name.clone())))
        .collect();
    let source = builder.place("start");
    for &activity in &footprint.start {
        builder.input(source, transitions[activity]);
    }
    let sink = builder.place("end");
    for &activity in &footprint.end {
        builder.output(transitions[activity], sink);
    }
    let named = |set: &Set| -> Vec<String> {
        set.iter()
            .map(|&activity| footprint.names[activity].clone())
            .collect()
    };
    let mut described = Vec::new();
    for (inputs, outputs) in places(&footprint) {
        let place = AlphaPlace {
            inputs: named(&inputs),
            outputs: named(&outputs),
        };
        let id = builder.place(&format!("({:?}, {:?})", place.inputs, place.outputs));
        for &activity in &inputs {
            builder.output(transitions[activity], id);
        }
        for &activity in &outputs {
            builder.input(id, transitions[activity]);
        }
        described.push(place);
    }
    described.sort();
    (builder.finish(&[source], &[sink]), described)
}
