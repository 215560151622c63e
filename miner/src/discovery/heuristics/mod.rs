//! The Heuristics Miner as pm4py 2.7.23.11 runs it (`algo/discovery/heuristics/variants/
//! classic.py`, defaults of `pm4py.discover_heuristics_net`): the DFG is pre-cleaned (an arc
//! goes when it is below 5 % of the busiest arc of both its ends), arcs whose dependency
//! `(|a>b| − |b>a|) / (|a>b| + |b>a| + 1)` reaches the dependency threshold become edges,
//! AND-splits and joins are marked where `(|b>c| + |c>b|) / (|a>b| + |a>c| + 1)` reaches the
//! AND threshold, and loops of length two (a b a) that the dependency missed are added.
//! [`to_petri`] converts the net as `pm4py.discover_petri_net_heuristics` does.
//!
//! Orders follow pm4py's dicts (DFG sorted by names, nodes in the order they were first
//! touched), because the Petri net's hidden-transition numbering depends on them.

pub mod to_petri;

use std::collections::{BTreeMap, HashMap};

use super::DiscoveryError;
use crate::log::Log;

/// pm4py's defaults (`objects/heuristics_net/defaults.py`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub dependency: f64,
    pub and_measure: f64,
    pub loop_two: f64,
    pub min_activity_count: u64,
    pub min_dfg_occurrences: u64,
    pub dfg_pre_cleaning_noise: f64,
}

impl Thresholds {
    /// Dependency measures lie in [−1, 1], loop measures in [0, 1), AND measures in [0, ∞).
    fn check(&self) -> Result<(), DiscoveryError> {
        let ranges = [
            ("dependency threshold", self.dependency, -1.0, 1.0),
            ("AND threshold", self.and_measure, 0.0, f64::MAX),
            ("loop-two threshold", self.loop_two, 0.0, 1.0),
            ("pre-cleaning noise", self.dfg_pre_cleaning_noise, 0.0, 1.0),
        ];
        for (name, value, min, max) in ranges {
            if !(min..=max).contains(&value) {
                return Err(DiscoveryError::Threshold {
                    name,
                    value,
                    min,
                    max,
                });
            }
        }
        Ok(())
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            dependency: 0.5,
            and_measure: 0.65,
            loop_two: 0.5,
            min_activity_count: 1,
            min_dfg_occurrences: 1,
            dfg_pre_cleaning_noise: 0.05,
        }
    }
}

/// One arc of the heuristics net.
#[derive(Debug, Clone, PartialEq)]
pub struct HeuristicsEdge {
    /// Activity index of the other end.
    pub other: usize,
    /// 0 for the arcs of loops of length two, which pm4py adds without a dependency value.
    pub dependency: f64,
    /// Directly-follows count after pre-cleaning.
    pub frequency: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HeuristicsNode {
    pub activity: usize,
    pub occurrences: u64,
    pub outputs: Vec<HeuristicsEdge>,
    pub inputs: Vec<HeuristicsEdge>,
    /// (b, c, measure): b and c follow this node in parallel (AND-split).
    pub and_out: Vec<(usize, usize, f64)>,
    /// (b, c, measure): b and c precede this node in parallel (AND-join).
    pub and_in: Vec<(usize, usize, f64)>,
    /// Activities b with a loop this → b → this.
    pub loops_length_two: Vec<usize>,
}

/// A heuristics net; activities are indices into `activities` (sorted by name).
#[derive(Debug, Clone, PartialEq)]
pub struct HeuristicsNet {
    pub activities: Vec<String>,
    /// In pm4py's insertion order.
    pub nodes: Vec<HeuristicsNode>,
    pub start_activities: Vec<usize>,
    pub end_activities: Vec<usize>,
}

impl HeuristicsNet {
    pub fn node(&self, activity: usize) -> Option<&HeuristicsNode> {
        self.nodes.iter().find(|node| node.activity == activity)
    }
}

/// What the miner counts in the log.
struct Counts {
    names: Vec<String>,
    occurrences: Vec<u64>,
    dfg: BTreeMap<(usize, usize), u64>,
    /// (a, b) → |a b a| with a ≠ b, in sorted order.
    triples: BTreeMap<(usize, usize), u64>,
    start: Vec<usize>,
    end: Vec<usize>,
}

impl Counts {
    fn of(log: &Log) -> Counts {
        let rank = crate::analysis::variants::name_ranks(log);
        let mut by_rank: Vec<(u32, &str)> = (0..log.activities.len() as u32)
            .map(|sym| (rank[sym as usize], log.activity_name(sym)))
            .collect();
        by_rank.sort_unstable();
        let names: Vec<String> = by_rank.iter().map(|(_, name)| name.to_string()).collect();
        let mut counts = Counts {
            occurrences: vec![0; names.len()],
            names,
            dfg: BTreeMap::new(),
            triples: BTreeMap::new(),
            start: Vec::new(),
            end: Vec::new(),
        };
        let (mut start, mut end) = (vec![false; rank.len()], vec![false; rank.len()]);
        for case in 0..log.num_cases() {
            let trace: Vec<usize> = log
                .case_activities(case)
                .iter()
                .map(|&a| rank[a as usize] as usize)
                .collect();
            for &activity in &trace {
                counts.occurrences[activity] += 1;
            }
            if let (Some(&first), Some(&last)) = (trace.first(), trace.last()) {
                start[first] = true;
                end[last] = true;
            }
            for pair in trace.windows(2) {
                *counts.dfg.entry((pair[0], pair[1])).or_default() += 1;
            }
            for triple in trace.windows(3) {
                if triple[0] == triple[2] && triple[0] != triple[1] {
                    *counts.triples.entry((triple[0], triple[1])).or_default() += 1;
                }
            }
        }
        counts.start = (0..start.len()).filter(|&a| start[a]).collect();
        counts.end = (0..end.len()).filter(|&a| end[a]).collect();
        counts
    }

    /// pm4py's `clean_dfg_based_on_noise_thresh`: the busiest arc in or out of each activity
    /// sets the bar for the arcs touching it.
    fn clean(&mut self, noise: f64) {
        if noise <= 0.0 {
            return;
        }
        let mut busiest = vec![0u64; self.names.len()];
        for (&(a, b), &count) in &self.dfg {
            busiest[a] = busiest[a].max(count);
            busiest[b] = busiest[b].max(count);
        }
        self.dfg.retain(|&(a, b), &mut count| {
            let bar = (busiest[a] as f64 * noise).min(busiest[b] as f64 * noise);
            count as f64 >= bar
        });
    }

    fn follows(&self, a: usize, b: usize) -> u64 {
        self.dfg.get(&(a, b)).copied().unwrap_or(0)
    }

    fn dependency(&self, a: usize, b: usize) -> f64 {
        let forward = self.follows(a, b) as f64;
        if a == b {
            return forward / (forward + 1.0);
        }
        let backward = self.follows(b, a) as f64;
        (forward - backward) / (forward + backward + 1.0)
    }
}

/// Builds the nodes in pm4py's order.
struct Builder<'a> {
    counts: &'a Counts,
    nodes: Vec<HeuristicsNode>,
    index: HashMap<usize, usize>,
}

impl Builder<'_> {
    fn node(&mut self, activity: usize) -> usize {
        if let Some(&index) = self.index.get(&activity) {
            return index;
        }
        self.nodes.push(HeuristicsNode {
            activity,
            occurrences: self.counts.occurrences[activity],
            outputs: Vec::new(),
            inputs: Vec::new(),
            and_out: Vec::new(),
            and_in: Vec::new(),
            loops_length_two: Vec::new(),
        });
        self.index.insert(activity, self.nodes.len() - 1);
        self.nodes.len() - 1
    }

    /// pm4py records the input side of an arc with the frequency it is given, which for the
    /// second arc of a length-two loop is the count of the other direction.
    fn connect(&mut self, from: usize, to: usize, dependency: f64, frequency: (u64, u64)) {
        let (source, target) = (self.node(from), self.node(to));
        self.nodes[source].outputs.push(HeuristicsEdge {
            other: to,
            dependency,
            frequency: frequency.0,
        });
        self.nodes[target].inputs.push(HeuristicsEdge {
            other: from,
            dependency,
            frequency: frequency.1,
        });
    }

    /// pm4py's `calculate_and_measure_out/in`: pairs of successors (or predecessors), in name
    /// order, that follow each other often compared with how often they follow this node.
    fn and_measures(
        &self,
        node: usize,
        threshold: f64,
        outgoing: bool,
    ) -> Vec<(usize, usize, f64)> {
        let me = self.nodes[node].activity;
        let edges = if outgoing {
            &self.nodes[node].outputs
        } else {
            &self.nodes[node].inputs
        };
        let mut others: Vec<usize> = edges.iter().map(|edge| edge.other).collect();
        others.sort_unstable();
        others.dedup();
        let counts = self.counts;
        let mut measures = Vec::new();
        for (i, &n1) in others.iter().enumerate() {
            for &n2 in &others[i + 1..] {
                let (c3, c4) = if outgoing {
                    (counts.follows(me, n1), counts.follows(me, n2))
                } else {
                    (counts.follows(n1, me), counts.follows(n2, me))
                };
                let value =
                    (counts.follows(n1, n2) + counts.follows(n2, n1)) as f64 / (c3 + c4 + 1) as f64;
                if value >= threshold {
                    measures.push((n1, n2, value));
                }
            }
        }
        measures
    }
}

/// The heuristics net of `log` (activity = `concept:name`).
pub fn discover(log: &Log, thresholds: &Thresholds) -> Result<HeuristicsNet, DiscoveryError> {
    thresholds.check()?;
    let mut counts = Counts::of(log);
    counts.clean(thresholds.dfg_pre_cleaning_noise);
    let counts = &counts;
    let frequent = |a: usize| counts.occurrences[a] >= thresholds.min_activity_count;
    let mut builder = Builder {
        counts,
        nodes: Vec::new(),
        index: HashMap::new(),
    };
    for (&(a, b), &count) in &counts.dfg {
        if frequent(a)
            && frequent(b)
            && count >= thresholds.min_dfg_occurrences
            && counts.dependency(a, b) >= thresholds.dependency
        {
            builder.connect(a, b, counts.dependency(a, b), (count, count));
        }
    }
    for node in 0..builder.nodes.len() {
        builder.nodes[node].and_out = builder.and_measures(node, thresholds.and_measure, true);
        builder.nodes[node].and_in = builder.and_measures(node, thresholds.and_measure, false);
        let me = builder.nodes[node].activity;
        builder.nodes[node].loops_length_two = counts
            .triples
            .range((me, 0)..(me + 1, 0))
            .filter(|&(&(_, other), &v1)| {
                let v2 = counts.triples.get(&(other, me)).copied().unwrap_or(0);
                let l2l = (v1 + v2) as f64 / (v1 + v2 + 1) as f64;
                l2l >= thresholds.loop_two
            })
            .map(|(&(_, other), _)| other)
            .collect();
    }
    let mut added = std::collections::HashSet::new();
    for node in 0..builder.nodes.len() {
        let n1 = builder.nodes[node].activity;
        for n2 in builder.nodes[node].loops_length_two.clone() {
            let dependent = counts.dependency(n1, n2) >= thresholds.dependency
                && counts.dfg.contains_key(&(n1, n2))
                || counts.dependency(n2, n1) >= thresholds.dependency
                    && counts.dfg.contains_key(&(n2, n1));
            if counts.follows(n1, n2) < thresholds.min_dfg_occurrences
                || !frequent(n1)
                || !frequent(n2)
                || dependent
            {
                continue;
            }
            let (forward, backward) = (counts.follows(n1, n2), counts.follows(n2, n1));
            builder.node(n2);
            if added.insert((n1, n2)) {
                builder.connect(n1, n2, 0.0, (forward, backward));
            }
            if added.insert((n2, n1)) {
                builder.connect(n2, n1, 0.0, (backward, forward));
            }
        }
    }
    if builder.nodes.is_empty() {
        // pm4py then lists every activity, in the order of its activity counts (most first).
        let mut activities: Vec<usize> = (0..counts.names.len()).collect();
        activities.sort_by_key(|&a| std::cmp::Reverse(counts.occurrences[a]));
        for activity in activities {
            builder.node(activity);
        }
    }
    Ok(HeuristicsNet {
        activities: counts.names.clone(),
        nodes: builder.nodes,
        start_activities: counts.start.clone(),
        end_activities: counts.end.clone(),
    })
}
