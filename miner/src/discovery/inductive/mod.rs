//! The Inductive Miner (IM) and its infrequent variant (IMf) on a log's variants, as pm4py
//! 2.7 runs them (`pm4py.discover_process_tree_inductive`): empty traces, base cases, cuts on
//! the directly-follows graph, then fall-throughs; IMf retries the cuts on a noise-filtered
//! graph before falling through. The result is a sound process tree that, for IM, replays
//! every trace of the log.

mod cuts;
mod fall_through;
mod log;

use crate::analysis::variants::name_ranks;
use crate::discovery::DiscoveryError;
use crate::discovery::process_tree::{Operator, ProcessTree};
use crate::log::Log;
use log::{Act, Dfg, TraceLog};

/// Which Inductive Miner to run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Variant {
    /// IM: every trace of the log fits the model.
    Im,
    /// IMf with a noise threshold in `[0, 1]`: directly-follows edges rarer than
    /// `threshold` × their source's strongest edge are ignored when no cut holds otherwise.
    Imf { noise_threshold: f64 },
}

impl Variant {
    /// pm4py's choice: IMf when the threshold is positive, IM otherwise.
    pub fn with_noise(noise_threshold: f64) -> Variant {
        if noise_threshold > 0.0 {
            Variant::Imf { noise_threshold }
        } else {
            Variant::Im
        }
    }
}

/// IMf's default noise threshold in pm4py's documentation and in Flowbot's CLI.
pub const DEFAULT_NOISE_THRESHOLD: f64 = 0.2;

/// Discovers a process tree from `log` (activity = `concept:name`, events in log order).
pub fn discover(log: &Log, variant: Variant) -> Result<ProcessTree, DiscoveryError> {
    if let Variant::Imf { noise_threshold } = variant
        && !(0.0..=1.0).contains(&noise_threshold)
    {
        return Err(DiscoveryError::NoiseThreshold(noise_threshold));
    }
    // Renumber activities by name so that sorting numbers sorts names, as pm4py sorts labels.
    let rank = name_ranks(log);
    let size = rank.len();
    let mut names = vec![String::new(); size];
    for (sym, name) in log.activities.iter() {
        names[rank[sym as usize] as usize] = name.to_owned();
    }
    // pm4py builds its variant counter over the cases sorted by case id; keep that order so
    // sub-logs list their traces as pm4py's do.
    let mut cases: Vec<usize> = (0..log.num_cases()).collect();
    cases.sort_by(|&a, &b| log.case_id(a).cmp(log.case_id(b)));
    let mut traces = TraceLog::default();
    for case in cases {
        let trace = log
            .case_activities(case)
            .iter()
            .map(|&sym| rank[sym as usize])
            .collect();
        traces.add(trace, 1);
    }
    let miner = Miner {
        size,
        names: &names,
        noise: match variant {
            Variant::Im => None,
            Variant::Imf { noise_threshold } => Some(noise_threshold),
        },
    };
    Ok(miner.mine(traces).folded())
}

struct Miner<'a> {
    size: usize,
    names: &'a [String],
    noise: Option<f64>,
}

impl Miner<'_> {
    fn mine(&self, log: TraceLog) -> ProcessTree {
        match self.noise {
            None => self.im(log),
            Some(threshold) => self.imf(log, threshold),
        }
    }

    fn im(&self, log: TraceLog) -> ProcessTree {
        if log.has_empty_trace() {
            return self.skip_empty(&log);
        }
        if let Some(leaf) = self.base_case(&log) {
            return leaf;
        }
        let dfg = Dfg::of(&log, self.size);
        if let Some((operator, groups)) = cuts::find(&dfg) {
            return self.recurse(operator, cuts::project(operator, &log, &groups));
        }
        let (operator, logs) = fall_through::apply(&log, self.size);
        self.recurse(operator, logs)
    }

    fn imf(&self, log: TraceLog, threshold: f64) -> ProcessTree {
        let mut log = log;
        if log.has_empty_trace() {
            let rest = log.without_empty();
            if !rest.is_empty() {
                let empty = log.total() - rest.total();
                if empty as f64 > threshold * log.total() as f64 {
                    return self.skip_empty(&log);
                }
                log = rest;
            }
        }
        if let Some(leaf) = self.base_case(&log) {
            return leaf;
        }
        let dfg = Dfg::of(&log, self.size);
        let cut = cuts::find(&dfg).or_else(|| cuts::find(&dfg.filter_noise(threshold)));
        if let Some((operator, groups)) = cut {
            return self.recurse(operator, cuts::project(operator, &log, &groups));
        }
        let (operator, logs) = fall_through::apply(&log, self.size);
        self.recurse(operator, logs)
    }

    /// `X(tau, rest)`, or `tau` when the log holds nothing but empty traces.
    fn skip_empty(&self, log: &TraceLog) -> ProcessTree {
        let rest = log.without_empty();
        if rest.is_empty() {
            return ProcessTree::Tau;
        }
        ProcessTree::node(Operator::Xor, vec![ProcessTree::Tau, self.mine(rest)])
    }

    /// An empty log is `tau`; a log whose only trace is one activity is that activity.
    fn base_case(&self, log: &TraceLog) -> Option<ProcessTree> {
        if log.is_empty() {
            return Some(ProcessTree::Tau);
        }
        if log.distinct() != 1 {
            return None;
        }
        let (trace, _) = log.iter().next()?;
        match trace {
            [] => Some(ProcessTree::Tau),
            [activity] => Some(ProcessTree::Activity(self.name(*activity))),
            _ => None,
        }
    }

    fn recurse(&self, operator: Operator, logs: Vec<TraceLog>) -> ProcessTree {
        let children = logs.into_iter().map(|log| self.mine(log)).collect();
        ProcessTree::node(operator, children)
    }

    fn name(&self, activity: Act) -> String {
        self.names[activity as usize].clone()
    }
}
