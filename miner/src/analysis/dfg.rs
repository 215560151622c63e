//! The directly-follows graph: for consecutive events (a, b) of a case, one arc a→b, with the
//! time from a's timestamp to b's (pm4py's performance DFG with atomic events).

use rustc_hash::FxHashMap as HashMap;

use crate::analysis::time_stats::Durations;
use crate::intern::Sym;
use crate::log::Log;

#[derive(Debug, Clone, PartialEq)]
pub struct DfgEdge {
    pub from: Sym,
    pub to: Sym,
    pub count: u64,
    pub durations: Durations,
}

/// Edges sorted by (from name, to name).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dfg {
    pub edges: Vec<DfgEdge>,
}

impl Dfg {
    pub fn of(log: &Log) -> Dfg {
        let activities = log.activity_column();
        let times = log.time_column();
        let mut waits: HashMap<(Sym, Sym), Vec<i64>> = HashMap::default();
        for case in 0..log.num_cases() {
            let range = log.case_range(case);
            for event in range.start + 1..range.end {
                waits
                    .entry((activities[event - 1], activities[event]))
                    .or_default()
                    .push(times[event] - times[event - 1]);
            }
        }
        let mut edges: Vec<DfgEdge> = waits
            .into_iter()
            .filter_map(|((from, to), mut micros)| {
                let durations = Durations::from_micros(&mut micros)?;
                Some(DfgEdge {
                    from,
                    to,
                    count: durations.count,
                    durations,
                })
            })
            .collect();
        let rank = crate::analysis::variants::name_ranks(log);
        edges.sort_by_key(|edge| (rank[edge.from as usize], rank[edge.to as usize]));
        Dfg { edges }
    }

    pub fn total_arcs(&self) -> u64 {
        self.edges.iter().map(|edge| edge.count).sum()
    }
}

impl Dfg {
    /// Disco-style path slider: keeps the most frequent edges, `percent` (0–100) of them
    /// rounded up, at least one when there are any; ties by (from, to) order. Order is kept.
    pub fn keep_paths_percent(&mut self, percent: f64) {
        if self.edges.is_empty() {
            return;
        }
        let keep = ((percent / 100.0 * self.edges.len() as f64).ceil() as usize)
            .clamp(1, self.edges.len());
        let mut ranked: Vec<usize> = (0..self.edges.len()).collect();
        ranked.sort_by(|&a, &b| {
            self.edges[b]
                .count
                .cmp(&self.edges[a].count)
                .then(a.cmp(&b))
        });
        let mut chosen = vec![false; self.edges.len()];
        for &index in ranked.iter().take(keep) {
            chosen[index] = true;
        }
        let mut index = 0;
        self.edges.retain(|_| {
            index += 1;
            chosen[index - 1]
        });
    }
}
