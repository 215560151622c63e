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
        let mut edges: Vec<DfgEdge> = edge_waits(log)
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

/// Up to this many activities, edges are found in a dense table instead of a hash map.
const DENSE_ACTIVITIES: usize = 256;

/// The waits between directly-following events, per (from, to) pair that occurs.
fn edge_waits(log: &Log) -> Vec<((Sym, Sym), Vec<i64>)> {
    let activities = log.activity_column();
    let times = log.time_column();
    let pairs = (0..log.num_cases()).flat_map(|case| {
        let range = log.case_range(case);
        (range.start + 1..range.end).map(|event| {
            (
                (activities[event - 1], activities[event]),
                times[event] - times[event - 1],
            )
        })
    });
    let count = log.activities.len();
    if count > DENSE_ACTIVITIES {
        let mut waits: HashMap<(Sym, Sym), Vec<i64>> = HashMap::default();
        for (pair, wait) in pairs {
            waits.entry(pair).or_default().push(wait);
        }
        return waits.into_iter().collect();
    }
    let mut waits: Vec<Vec<i64>> = vec![Vec::new(); count * count];
    for ((from, to), wait) in pairs {
        waits[from as usize * count + to as usize].push(wait);
    }
    waits
        .into_iter()
        .enumerate()
        .filter(|(_, waits)| !waits.is_empty())
        .map(|(cell, waits)| (((cell / count) as Sym, (cell % count) as Sym), waits))
        .collect()
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
