//! Fall-throughs: what the Inductive Miner does when no cut holds, in pm4py's order —
//! activity once per trace, activity concurrent, strict tau loop, tau loop, flower model.

use super::cuts;
use super::log::{Act, Dfg, TraceLog};
use crate::discovery::process_tree::Operator;

/// The first fall-through that applies; the flower model always does.
pub(super) fn apply(log: &TraceLog, size: usize) -> (Operator, Vec<TraceLog>) {
    if let Some(activity) = once_per_trace(log, size).or_else(|| concurrent(log, size)) {
        return split_off(log, activity);
    }
    if let Some(projected) = tau_loop(log, size, true).or_else(|| tau_loop(log, size, false)) {
        return (Operator::Loop, vec![projected, TraceLog::default()]);
    }
    flower(log, size)
}

/// An activity occurring exactly once in every trace (the smallest such).
fn once_per_trace(log: &TraceLog, size: usize) -> Option<Act> {
    let mut candidate: Vec<bool> = vec![true; size];
    let mut occurrences = vec![0u32; size];
    for (trace, _) in log.iter() {
        occurrences.iter_mut().for_each(|n| *n = 0);
        for &a in trace {
            occurrences[a as usize] += 1;
        }
        for (a, keep) in candidate.iter_mut().enumerate() {
            *keep &= occurrences[a] == 1;
        }
    }
    log.alphabet(size)
        .into_iter()
        .find(|&a| candidate[a as usize])
}

/// The smallest activity whose removal lets a cut be found.
fn concurrent(log: &TraceLog, size: usize) -> Option<Act> {
    log.alphabet(size).into_iter().find(|&candidate| {
        let mut without = TraceLog::default();
        for (trace, count) in log.iter() {
            let kept = trace.iter().copied().filter(|&a| a != candidate).collect();
            without.add(kept, count);
        }
        cuts::find(&Dfg::of(&without, size)).is_some()
    })
}

/// `+(activity, rest)`: the activity's events on one side, everything else on the other.
fn split_off(log: &TraceLog, activity: Act) -> (Operator, Vec<TraceLog>) {
    let mut alone = TraceLog::default();
    let mut rest = TraceLog::default();
    for (trace, count) in log.iter() {
        alone.add(
            trace.iter().copied().filter(|&a| a == activity).collect(),
            count,
        );
        rest.add(
            trace.iter().copied().filter(|&a| a != activity).collect(),
            count,
        );
    }
    (Operator::Parallel, vec![alone, rest])
}

/// Cuts traces where a start activity follows (strict: an end activity followed by a start
/// activity); applies if that makes more traces than there were.
fn tau_loop(log: &TraceLog, size: usize, strict: bool) -> Option<TraceLog> {
    let dfg = Dfg::of(log, size);
    let mut projected = TraceLog::default();
    for (trace, count) in log.iter() {
        let mut from = 0;
        for i in 1..trace.len() {
            let restart = dfg.is_start(trace[i]) && (!strict || dfg.is_end(trace[i - 1]));
            if restart {
                projected.add(trace[from..i].to_vec(), count);
                from = i;
            }
        }
        projected.add(trace[from..].to_vec(), count);
    }
    (projected.total() > log.total()).then_some(projected)
}

/// `*(tau, X(a, b, …))`: any activity, any number of times.
fn flower(log: &TraceLog, size: usize) -> (Operator, Vec<TraceLog>) {
    let mut redo = TraceLog::default();
    for activity in log.alphabet(size) {
        redo.add(vec![activity], 1);
    }
    (Operator::Loop, vec![TraceLog::default(), redo])
}
