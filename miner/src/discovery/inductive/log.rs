//! The sub-logs the Inductive Miner recurses on: distinct traces with their counts, in the
//! order they were first added (pm4py's `Counter`), plus the directly-follows graph of them.

use rustc_hash::FxHashMap as HashMap;

/// An activity, numbered so that numeric order is the order of the activity names: where pm4py
/// sorts an alphabet, sorting these numbers gives the same order.
pub(super) type Act = u32;

/// Distinct traces and how often each occurs, in first-insertion order.
#[derive(Debug, Clone, Default)]
pub(super) struct TraceLog {
    traces: Vec<(Vec<Act>, u64)>,
    index: HashMap<Vec<Act>, usize>,
}

impl TraceLog {
    /// Adds `count` occurrences of `trace` (pm4py's `Counter.update`).
    pub(super) fn add(&mut self, trace: Vec<Act>, count: u64) {
        match self.index.get(&trace) {
            Some(&slot) => self.traces[slot].1 += count,
            None => self.push_new(trace, count),
        }
    }

    fn push_new(&mut self, trace: Vec<Act>, count: u64) {
        self.index.insert(trace.clone(), self.traces.len());
        self.traces.push((trace, count));
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (&[Act], u64)> {
        self.traces
            .iter()
            .map(|(trace, count)| (trace.as_slice(), *count))
    }

    pub(super) fn is_empty(&self) -> bool {
        self.traces.is_empty()
    }

    pub(super) fn distinct(&self) -> usize {
        self.traces.len()
    }

    pub(super) fn total(&self) -> u64 {
        self.traces.iter().map(|(_, count)| count).sum()
    }

    pub(super) fn has_empty_trace(&self) -> bool {
        self.index.contains_key(&Vec::new())
    }

    /// The log without its empty trace.
    pub(super) fn without_empty(&self) -> TraceLog {
        let mut out = TraceLog::default();
        for (trace, count) in self.iter().filter(|(trace, _)| !trace.is_empty()) {
            out.add(trace.to_vec(), count);
        }
        out
    }

    /// Activities occurring in the log, ascending.
    pub(super) fn alphabet(&self, size: usize) -> Vec<Act> {
        let mut seen = vec![false; size];
        for (trace, _) in self.iter() {
            for &activity in trace {
                seen[activity as usize] = true;
            }
        }
        (0..size as Act).filter(|&a| seen[a as usize]).collect()
    }
}

/// A directly-follows graph over activities `0..size`, dense: Inductive Miner alphabets are
/// small and the cuts ask "is there an edge a→b" constantly.
#[derive(Debug, Clone)]
pub(super) struct Dfg {
    pub(super) size: usize,
    edges: Vec<u64>,
    pub(super) start: Vec<u64>,
    pub(super) end: Vec<u64>,
}

impl Dfg {
    pub(super) fn of(log: &TraceLog, size: usize) -> Dfg {
        let mut dfg = Dfg {
            size,
            edges: vec![0; size * size],
            start: vec![0; size],
            end: vec![0; size],
        };
        for (trace, count) in log.iter() {
            if let (Some(&first), Some(&last)) = (trace.first(), trace.last()) {
                dfg.start[first as usize] += count;
                dfg.end[last as usize] += count;
            }
            for pair in trace.windows(2) {
                dfg.edges[pair[0] as usize * size + pair[1] as usize] += count;
            }
        }
        dfg
    }

    pub(super) fn edge(&self, from: Act, to: Act) -> u64 {
        self.edges[from as usize * self.size + to as usize]
    }

    pub(super) fn has_edge(&self, from: Act, to: Act) -> bool {
        self.edge(from, to) > 0
    }

    pub(super) fn remove_edge(&mut self, from: Act, to: Act) {
        self.edges[from as usize * self.size + to as usize] = 0;
    }

    pub(super) fn is_start(&self, activity: Act) -> bool {
        self.start[activity as usize] > 0
    }

    pub(super) fn is_end(&self, activity: Act) -> bool {
        self.end[activity as usize] > 0
    }

    /// Edges `(from, to)` in ascending order.
    pub(super) fn edge_list(&self) -> Vec<(Act, Act)> {
        let mut out = Vec::new();
        for from in 0..self.size as Act {
            for to in 0..self.size as Act {
                if self.has_edge(from, to) {
                    out.push((from, to));
                }
            }
        }
        out
    }

    pub(super) fn has_edges(&self) -> bool {
        self.edges.iter().any(|&count| count > 0)
    }

    /// The vertices: endpoints of edges plus start and end activities (pm4py's
    /// `get_vertices`), ascending.
    pub(super) fn vertices(&self) -> Vec<Act> {
        let mut seen: Vec<bool> = (0..self.size)
            .map(|a| self.start[a] > 0 || self.end[a] > 0)
            .collect();
        for from in 0..self.size {
            for to in 0..self.size {
                if self.edges[from * self.size + to] > 0 {
                    seen[from] = true;
                    seen[to] = true;
                }
            }
        }
        (0..self.size as Act)
            .filter(|&a| seen[a as usize])
            .collect()
    }

    /// For every vertex, the vertices reachable from it by one or more edges (pm4py's
    /// `descendants`, which never contains the vertex itself).
    pub(super) fn successors_closure(&self, vertices: &[Act]) -> Vec<Vec<bool>> {
        let mut reach = vec![vec![false; self.size]; self.size];
        for &origin in vertices {
            let mut stack = vec![origin];
            let seen = &mut reach[origin as usize];
            while let Some(node) = stack.pop() {
                for next in 0..self.size as Act {
                    if self.has_edge(node, next) && !seen[next as usize] {
                        seen[next as usize] = true;
                        stack.push(next);
                    }
                }
            }
            seen[origin as usize] = false;
        }
        reach
    }

    /// IMf's noise filter: keeps an edge a→b only if it occurs more than `threshold` times the
    /// most frequent way of leaving a (its strongest outgoing edge, or ending the trace), and a
    /// start activity only if it starts at least `threshold` times as many traces as the most
    /// frequent one; end counts stay as they are.
    pub(super) fn filter_noise(&self, threshold: f64) -> Dfg {
        let mut filtered = self.clone();
        let strongest_start = self.start.iter().copied().max().unwrap_or(0);
        for count in &mut filtered.start {
            if (*count as f64) < strongest_start as f64 * threshold {
                *count = 0;
            }
        }
        for from in 0..self.size {
            let row = &self.edges[from * self.size..(from + 1) * self.size];
            let strongest_edge = row.iter().copied().max().unwrap_or(0);
            if strongest_edge == 0 {
                continue;
            }
            let strongest = strongest_edge.max(self.end[from]);
            let kept_row = &mut filtered.edges[from * self.size..(from + 1) * self.size];
            for (kept, &count) in kept_row.iter_mut().zip(row) {
                if count > 0 && (count as f64) <= threshold * strongest as f64 {
                    *kept = 0;
                }
            }
        }
        filtered
    }
}
