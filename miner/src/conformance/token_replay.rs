//! Token-based replay with pm4py 2.7's semantics (`algo/conformance/tokenreplay/variants/
//! token_replay.py`, default parameters): each event fires the transition with its label;
//! when that transition is not enabled, silent transitions on the shortest silent paths from
//! marked places towards its missing inputs are tried first (pm4py's heuristic, not a search),
//! and only then are the missing tokens counted and added. At the end silent paths towards the
//! final marking are tried, and tokens left over are counted as remaining.
//!
//! The heuristic visits places in name order and markings in insertion order, as pm4py does,
//! so the counts equal pm4py's on the nets [`crate::petri::from_tree`] builds (whose place names
//! follow pm4py's numbering).

use std::collections::HashMap;

use crate::log::Log;
use crate::petri::{Arc, PetriNet, PlaceId, TransitionId};

/// pm4py's `MAX_REC_DEPTH` for the silent-path search.
const MAX_PATH_DEPTH: usize = 50;
/// pm4py's `MAX_REC_DEPTH_HIDTRANSENABL`.
const MAX_HIDDEN_DEPTH: usize = 2;
/// pm4py's `MAX_IT_FINAL1` and `MAX_IT_FINAL2`.
const FINAL_ROUNDS: usize = 5;

/// Token counts and fitness of one trace.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceReplay {
    pub trace_is_fit: bool,
    pub trace_fitness: f64,
    pub missing_tokens: u64,
    pub consumed_tokens: u64,
    pub remaining_tokens: u64,
    pub produced_tokens: u64,
}

/// pm4py's `fitness_token_based_replay` result, under pm4py's names.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReplayFitness {
    /// 0.5 (1 − missing/consumed) + 0.5 (1 − remaining/produced), summed over all traces.
    pub log_fitness: f64,
    /// Mean of the traces' own fitness.
    pub average_trace_fitness: f64,
    /// Share of traces (0–100) replayed without missing or remaining tokens.
    pub percentage_of_fitting_traces: f64,
}

/// Replays every case of `log` (activity = `concept:name`) on `net`.
pub fn replay_log(log: &Log, net: &PetriNet) -> (Vec<TraceReplay>, ReplayFitness) {
    let replayer = Replayer::new(net);
    let mut cache: HashMap<Vec<&str>, TraceReplay> = HashMap::new();
    let mut results = Vec::with_capacity(log.num_cases());
    for case in 0..log.num_cases() {
        let trace: Vec<&str> = log
            .case_activities(case)
            .iter()
            .map(|&a| log.activity_name(a))
            .collect();
        let result = match cache.get(&trace) {
            Some(result) => result.clone(),
            None => {
                let result = replayer.replay(&trace);
                cache.insert(trace, result.clone());
                result
            }
        };
        results.push(result);
    }
    let fitness = aggregate(&results);
    (results, fitness)
}

/// pm4py's `replay_fitness` evaluation of per-trace results.
pub fn aggregate(results: &[TraceReplay]) -> ReplayFitness {
    let traces = results.len();
    let sum = |f: fn(&TraceReplay) -> u64| results.iter().map(f).sum::<u64>() as f64;
    let (missing, consumed) = (sum(|r| r.missing_tokens), sum(|r| r.consumed_tokens));
    let (remaining, produced) = (sum(|r| r.remaining_tokens), sum(|r| r.produced_tokens));
    if traces == 0 || consumed == 0.0 || produced == 0.0 {
        return ReplayFitness {
            log_fitness: 0.0,
            average_trace_fitness: 0.0,
            percentage_of_fitting_traces: 0.0,
        };
    }
    let fitting = results.iter().filter(|r| r.trace_is_fit).count();
    ReplayFitness {
        log_fitness: 0.5 * (1.0 - missing / consumed) + 0.5 * (1.0 - remaining / produced),
        average_trace_fitness: results.iter().map(|r| r.trace_fitness).sum::<f64>() / traces as f64,
        percentage_of_fitting_traces: 100.0 * fitting as f64 / traces as f64,
    }
}

/// A marking that remembers the order places were first marked in, as pm4py's `Counter`
/// does; one heuristic step walks the marking in that order.
#[derive(Debug, Clone, Default)]
pub(super) struct Marking {
    tokens: Vec<(PlaceId, i64)>,
}

/// Equal as multisets, whatever the order places were marked in (pm4py compares `Counter`s).
impl PartialEq for Marking {
    fn eq(&self, other: &Marking) -> bool {
        self.tokens.len() == other.tokens.len()
            && self.tokens.iter().all(|&(p, n)| other.get(p) == n)
    }
}

impl Marking {
    pub(super) fn get(&self, place: PlaceId) -> i64 {
        self.tokens
            .iter()
            .find(|(p, _)| *p == place)
            .map_or(0, |&(_, n)| n)
    }

    fn add(&mut self, place: PlaceId, n: i64) {
        match self.tokens.iter_mut().find(|(p, _)| *p == place) {
            Some((_, count)) => *count += n,
            None => self.tokens.push((place, n)),
        }
    }

    fn take(&mut self, place: PlaceId, n: i64) {
        if let Some(index) = self.tokens.iter().position(|(p, _)| *p == place) {
            self.tokens[index].1 -= n;
            if self.tokens[index].1 == 0 {
                self.tokens.remove(index);
            }
        } else {
            self.tokens.push((place, -n));
        }
    }

    pub(super) fn places(&self) -> impl Iterator<Item = PlaceId> + '_ {
        self.tokens.iter().map(|&(p, _)| p)
    }
}

pub(super) struct Replayer<'a> {
    inputs: Vec<Vec<PlaceId>>,
    outputs: Vec<Vec<PlaceId>>,
    /// Rank of each place's name in sorted order (pm4py sorts places by name).
    name_rank: Vec<usize>,
    /// `paths[p1][p2]`: the silent transitions on the shortest silent path from p1 to p2.
    paths: Vec<HashMap<PlaceId, Vec<TransitionId>>>,
    by_label: HashMap<&'a str, TransitionId>,
    initial: Marking,
    final_places: Vec<(PlaceId, i64)>,
}

impl<'a> Replayer<'a> {
    pub(super) fn new(net: &'a PetriNet) -> Replayer<'a> {
        let mut inputs = vec![Vec::new(); net.transitions.len()];
        let mut outputs = vec![Vec::new(); net.transitions.len()];
        let mut consumers = vec![Vec::new(); net.places.len()];
        for arc in &net.arcs {
            match *arc {
                Arc::Input { place, transition } => {
                    inputs[transition].push(place);
                    consumers[place].push(transition);
                }
                Arc::Output { transition, place } => outputs[transition].push(place),
            }
        }
        let silent: Vec<bool> = net.transitions.iter().map(|t| t.label.is_none()).collect();
        let mut order: Vec<PlaceId> = (0..net.places.len()).collect();
        order.sort_by(|&a, &b| net.places[a].name.cmp(&net.places[b].name));
        let mut name_rank = vec![0; net.places.len()];
        for (rank, place) in order.into_iter().enumerate() {
            name_rank[place] = rank;
        }
        let mut paths = vec![HashMap::new(); net.places.len()];
        for (origin, found) in paths.iter_mut().enumerate() {
            shortest_silent_paths(
                origin,
                &consumers,
                &outputs,
                &silent,
                found,
                &mut Vec::new(),
            );
        }
        let mut by_name: Vec<TransitionId> = (0..net.transitions.len()).collect();
        by_name.sort_by(|&a, &b| net.transitions[a].name.cmp(&net.transitions[b].name));
        let mut by_label = HashMap::new();
        for transition in by_name {
            if let Some(label) = &net.transitions[transition].label {
                by_label.insert(label.as_str(), transition);
            }
        }
        let mut initial = Marking::default();
        for (&place, &n) in &net.initial_marking {
            initial.add(place, i64::from(n));
        }
        let mut final_places: Vec<(PlaceId, i64)> = net
            .final_marking
            .iter()
            .map(|(&p, &n)| (p, i64::from(n)))
            .collect();
        final_places.sort_by_key(|&(p, _)| name_rank[p]);
        Replayer {
            inputs,
            outputs,
            name_rank,
            paths,
            by_label,
            initial,
            final_places,
        }
    }

    pub(super) fn enabled(&self, transition: TransitionId, marking: &Marking) -> bool {
        self.inputs[transition].iter().all(|&p| marking.get(p) >= 1)
    }

    pub(super) fn fire(&self, transition: TransitionId, marking: &mut Marking) {
        for &p in &self.inputs[transition] {
            marking.take(p, 1);
        }
        for &p in &self.outputs[transition] {
            marking.add(p, 1);
        }
    }

    fn replay(&self, trace: &[&str]) -> TraceReplay {
        let mut state = self.start();
        for activity in trace {
            self.step(activity, &mut state, false);
        }
        self.towards_final_marking(&mut state);
        self.finish(state)
    }

    /// pm4py's replay with `stop_immediately_unfit` and no walk to the final marking, as
    /// precision runs it: the marking after `prefix`, or `None` once an event's transition
    /// cannot fire even after silent moves.
    pub(super) fn replay_prefix(&self, prefix: &[&str]) -> Option<Marking> {
        let mut state = self.start();
        for activity in prefix {
            if !self.step(activity, &mut state, true) {
                return None;
            }
        }
        Some(state.marking)
    }

    pub(super) fn initial_marking(&self) -> &Marking {
        &self.initial
    }

    fn start(&self) -> State {
        State {
            marking: self.initial.clone(),
            missing: 0,
            consumed: 0,
            produced: self.initial.tokens.iter().map(|&(_, n)| n as u64).sum(),
        }
    }

    /// Replays one event; false when it was not enabled and `stop_unfit` asked to stop there.
    fn step(&self, activity: &str, state: &mut State, stop_unfit: bool) -> bool {
        {
            let Some(&transition) = self.by_label.get(activity) else {
                return true; // pm4py skips activities the model does not know
            };
            if !self.enabled(transition, &state.marking) {
                let mut visited = Vec::new();
                let mut fired = Vec::new();
                let marking = self.apply_hidden(
                    transition,
                    state.marking.clone(),
                    0,
                    &mut visited,
                    &mut fired,
                );
                for &t in &fired {
                    state.consumed += self.inputs[t].len() as u64;
                    state.produced += self.outputs[t].len() as u64;
                }
                state.marking = marking;
            }
            if !self.enabled(transition, &state.marking) {
                if stop_unfit {
                    return false;
                }
                for &p in &self.inputs[transition] {
                    let have = state.marking.get(p);
                    if have < 1 {
                        state.missing += (1 - have) as u64;
                        state.marking.add(p, 1);
                    }
                }
            }
            state.consumed += self.inputs[transition].len() as u64;
            state.produced += self.outputs[transition].len() as u64;
            self.fire(transition, &mut state.marking);
        }
        true
    }

    /// pm4py's `apply_hidden_trans`: fire silent transitions on shortest silent paths from
    /// marked places to the places `transition` misses tokens in.
    fn apply_hidden(
        &self,
        transition: TransitionId,
        mut marking: Marking,
        depth: usize,
        visited: &mut Vec<TransitionId>,
        fired: &mut Vec<TransitionId>,
    ) -> Marking {
        if depth >= MAX_HIDDEN_DEPTH || visited.contains(&transition) {
            return marking;
        }
        visited.push(transition);
        let at_start = marking.clone();
        let missing: Vec<PlaceId> = self.inputs[transition]
            .iter()
            .copied()
            .filter(|&p| marking.get(p) < 1)
            .collect();
        let groups = self.paths_between(&marking, &missing);
        if groups.is_empty() {
            return marking;
        }
        marking = self.enable_hidden(transition, marking, &groups, visited, fired);
        if !self.enabled(transition, &marking) {
            let groups = self.paths_between(&marking, &missing);
            for group in &groups {
                for &t4 in group {
                    if t4 == transition || visited.contains(&t4) {
                        continue;
                    }
                    if !self.enabled(t4, &marking) {
                        marking = self.apply_hidden(t4, marking, depth + 1, visited, fired);
                    }
                    if self.enabled(t4, &marking) {
                        self.fire(t4, &mut marking);
                        fired.push(t4);
                        visited.push(t4);
                    }
                }
            }
        }
        if !self.enabled(transition, &marking) && marking != at_start {
            marking = self.apply_hidden(transition, marking, depth + 1, visited, fired);
        }
        marking
    }

    /// pm4py's non-exhaustive `enable_hidden_transitions`: walk the groups round-robin, each
    /// from where it stopped, firing what is enabled, until `transition` is enabled or a round
    /// changes nothing.
    fn enable_hidden(
        &self,
        transition: TransitionId,
        mut marking: Marking,
        groups: &[Vec<TransitionId>],
        visited: &mut Vec<TransitionId>,
        fired: &mut Vec<TransitionId>,
    ) -> Marking {
        let mut next = vec![0usize; groups.len()];
        let mut round = 0usize;
        loop {
            let g = round % groups.len();
            let mut changed = false;
            while next[g] < groups[g].len() {
                let t3 = groups[g][next[g]];
                if t3 != transition && self.enabled(t3, &marking) && !visited.contains(&t3) {
                    self.fire(t3, &mut marking);
                    fired.push(t3);
                    visited.push(t3);
                    changed = true;
                }
                next[g] += 1;
                if self.enabled(transition, &marking) {
                    break;
                }
            }
            if self.enabled(transition, &marking) || !changed {
                return marking;
            }
            round += 1;
        }
    }

    /// Shortest silent paths from every marked place to every target place, both taken in
    /// name order, shortest first (stable).
    fn paths_between(&self, marking: &Marking, targets: &[PlaceId]) -> Vec<Vec<TransitionId>> {
        let mut from: Vec<PlaceId> = marking.places().collect();
        from.sort_by_key(|&p| self.name_rank[p]);
        let mut to: Vec<PlaceId> = targets.to_vec();
        to.sort_by_key(|&p| self.name_rank[p]);
        let mut groups = Vec::new();
        for &p1 in &from {
            for &p2 in &to {
                if let Some(path) = self.paths[p1].get(&p2) {
                    groups.push(path.clone());
                }
            }
        }
        groups.sort_by_key(Vec::len);
        groups
    }

    fn reached_final(&self, marking: &Marking) -> bool {
        self.final_places
            .iter()
            .all(|&(p, _)| marking.places().any(|q| q == p))
    }

    fn fire_counted(&self, transition: TransitionId, state: &mut State) {
        self.fire(transition, &mut state.marking);
        state.consumed += self.inputs[transition].len() as u64;
        state.produced += self.outputs[transition].len() as u64;
    }

    /// pm4py's end of `apply_trace`: try silent paths to the final places, then (one final
    /// place) walk the paths from each marked place to it.
    fn towards_final_marking(&self, state: &mut State) {
        for _ in 0..FINAL_ROUNDS {
            if self.reached_final(&state.marking) {
                break;
            }
            let targets: Vec<PlaceId> = self.final_places.iter().map(|&(p, _)| p).collect();
            for group in self.paths_between(&state.marking, &targets) {
                for t in group {
                    if self.enabled(t, &state.marking) {
                        self.fire_counted(t, state);
                    }
                }
                if self.reached_final(&state.marking) {
                    break;
                }
            }
        }
        if self.reached_final(&state.marking) || self.final_places.len() != 1 {
            return;
        }
        let sink = self.final_places[0].0;
        let mut connections: Vec<&Vec<TransitionId>> = state
            .marking
            .places()
            .filter_map(|p| self.paths[p].get(&sink))
            .collect();
        connections.sort_by_key(|path| path.len());
        let connections: Vec<Vec<TransitionId>> = connections.into_iter().cloned().collect();
        for _ in 0..FINAL_ROUNDS {
            for path in &connections {
                for &t in path {
                    if !self.enabled(t, &state.marking) {
                        break;
                    }
                    self.fire_counted(t, state);
                }
            }
        }
    }

    fn finish(&self, state: State) -> TraceReplay {
        let mut missing = state.missing;
        let mut remaining: u64 = 0;
        for (place, count) in &state.marking.tokens {
            let wanted = self
                .final_places
                .iter()
                .find(|(p, _)| p == place)
                .map_or(0, |&(_, n)| n);
            remaining += (count - wanted).max(0) as u64;
        }
        let trace_is_fit = missing == 0 && remaining == 0;
        let mut consumed = state.consumed;
        for &(place, wanted) in &self.final_places {
            consumed += wanted as u64;
            let short = wanted - state.marking.get(place);
            if short > 0 {
                missing += short as u64;
            }
        }
        let produced = state.produced;
        let trace_fitness = if consumed > 0 && produced > 0 {
            0.5 * (1.0 - missing as f64 / consumed as f64)
                + 0.5 * (1.0 - remaining as f64 / produced as f64)
        } else {
            1.0
        };
        TraceReplay {
            trace_is_fit,
            trace_fitness,
            missing_tokens: missing,
            consumed_tokens: consumed,
            remaining_tokens: remaining,
            produced_tokens: produced,
        }
    }
}

struct State {
    marking: Marking,
    missing: u64,
    consumed: u64,
    produced: u64,
}

/// pm4py's `get_places_shortest_path`: a depth-first walk from `place` over silent
/// transitions, keeping for every place reached the first shortest transition sequence found.
fn shortest_silent_paths(
    place: PlaceId,
    consumers: &[Vec<TransitionId>],
    outputs: &[Vec<PlaceId>],
    silent: &[bool],
    found: &mut HashMap<PlaceId, Vec<TransitionId>>,
    path: &mut Vec<TransitionId>,
) {
    if path.len() > MAX_PATH_DEPTH {
        return;
    }
    for &t in &consumers[place] {
        if !silent[t] {
            continue;
        }
        for &next in &outputs[t] {
            let better = found
                .get(&next)
                .is_none_or(|known| path.len() + 1 < known.len());
            if better {
                path.push(t);
                found.insert(next, path.clone());
                shortest_silent_paths(next, consumers, outputs, silent, found, path);
                path.pop();
            }
        }
    }
}
