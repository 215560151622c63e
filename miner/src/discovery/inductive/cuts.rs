//! Cut detection on a directly-follows graph and projection of a log onto the parts of a cut,
//! following Leemans' thesis as pm4py 2.7 implements it (`pm4py/algo/discovery/inductive/cuts`),
//! including pm4py's tie-breaking where it decides which part a trace goes to.

use super::log::{Act, Dfg, TraceLog};
use crate::discovery::process_tree::Operator;

/// A partition of (some of) the activities; each part sorted ascending.
pub(super) type Groups = Vec<Vec<Act>>;

/// The first cut that holds, in pm4py's order: exclusive choice, strict sequence, concurrency,
/// loop.
pub(super) fn find(dfg: &Dfg) -> Option<(Operator, Groups)> {
    if let Some(groups) = xor(dfg) {
        return Some((Operator::Xor, groups));
    }
    if let Some(groups) = strict_sequence(dfg) {
        return Some((Operator::Sequence, groups));
    }
    if let Some(groups) = concurrency(dfg) {
        return Some((Operator::Parallel, groups));
    }
    looping(dfg).map(|groups| (Operator::Loop, groups))
}

/// Splits `log` along a cut found by [`find`].
pub(super) fn project(operator: Operator, log: &TraceLog, groups: &Groups) -> Vec<TraceLog> {
    match operator {
        Operator::Xor => project_xor(log, groups),
        Operator::Sequence => project_sequence(log, groups),
        Operator::Parallel => project_concurrency(log, groups),
        Operator::Loop => project_loop(log, groups),
        Operator::Or => Vec::new(),
    }
}

fn group_of(groups: &Groups, size: usize) -> Vec<Option<usize>> {
    let mut map = vec![None; size];
    for (index, group) in groups.iter().enumerate() {
        for &activity in group {
            map[activity as usize] = Some(index);
        }
    }
    map
}

/// Connected components of the undirected graph on `vertices` (edges restricted to them),
/// ordered by their smallest activity.
fn components(dfg: &Dfg, vertices: &[Act]) -> Groups {
    let mut inside = vec![false; dfg.size];
    for &v in vertices {
        inside[v as usize] = true;
    }
    let mut component = vec![usize::MAX; dfg.size];
    let mut groups: Groups = Vec::new();
    for &root in vertices {
        if component[root as usize] != usize::MAX {
            continue;
        }
        let id = groups.len();
        let mut members = vec![root];
        component[root as usize] = id;
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            for next in 0..dfg.size as Act {
                let linked = dfg.has_edge(node, next) || dfg.has_edge(next, node);
                if linked && inside[next as usize] && component[next as usize] == usize::MAX {
                    component[next as usize] = id;
                    members.push(next);
                    stack.push(next);
                }
            }
        }
        members.sort_unstable();
        groups.push(members);
    }
    groups
}

fn xor(dfg: &Dfg) -> Option<Groups> {
    let groups = components(dfg, &dfg.vertices());
    (groups.len() > 1).then_some(groups)
}

/// Each trace goes whole to the part holding most of its events (ties: the later part), and
/// keeps only that part's events.
fn project_xor(log: &TraceLog, groups: &Groups) -> Vec<TraceLog> {
    let size = groups
        .iter()
        .flatten()
        .map(|&a| a as usize + 1)
        .max()
        .unwrap_or(0);
    let member = group_of(groups, size);
    let mut logs = vec![TraceLog::default(); groups.len()];
    for (trace, count) in log.iter() {
        let mut hits = vec![0usize; groups.len()];
        for &activity in trace {
            if let Some(Some(group)) = member.get(activity as usize) {
                hits[*group] += 1;
            }
        }
        let chosen = (0..groups.len())
            .max_by_key(|&index| (hits[index], index))
            .unwrap_or(0);
        let projected = trace
            .iter()
            .copied()
            .filter(|&a| member.get(a as usize) == Some(&Some(chosen)))
            .collect();
        logs[chosen].add(projected, count);
    }
    logs
}

/// Sequence cut: merge activities that reach each other or neither reaches the other, then
/// order the parts by reachability.
fn sequence(dfg: &Dfg) -> Option<Groups> {
    let alphabet = dfg.vertices();
    if alphabet.is_empty() {
        return None;
    }
    let successors = dfg.successors_closure(&alphabet);
    let reaches = |a: Act, b: Act| successors[a as usize][b as usize];
    let mergeable = |g1: &[Act], g2: &[Act]| {
        g1.iter()
            .any(|&a| g2.iter().any(|&b| reaches(a, b) == reaches(b, a)))
    };
    let mut groups: Groups = alphabet.iter().map(|&a| vec![a]).collect();
    loop {
        let before = groups.len();
        let mut i = 0;
        while i < groups.len() {
            let mut j = i + 1;
            while j < groups.len() {
                if mergeable(&groups[i], &groups[j]) {
                    let merged = groups.remove(j);
                    groups[i].extend(merged);
                    groups[i].sort_unstable();
                    continue;
                }
                j += 1;
            }
            i += 1;
        }
        if groups.len() == before {
            break;
        }
    }
    let predecessors = |a: Act| alphabet.iter().filter(|&&p| reaches(p, a)).count();
    let successor_count = |a: Act| alphabet.iter().filter(|&&s| reaches(a, s)).count();
    groups.sort_by_key(|group| {
        let first = group[0];
        predecessors(first) + alphabet.len() - successor_count(first)
    });
    (groups.len() > 1).then_some(groups)
}

/// The strict sequence cut (thesis p. 233): merges parts that can be skipped together.
fn strict_sequence(dfg: &Dfg) -> Option<Groups> {
    let mut c = sequence(dfg)?;
    let n = c.len();
    let edges = dfg.edge_list();
    let cmap = group_of(&c, dfg.size);
    let part = |a: Act| cmap[a as usize].unwrap_or(0) as i64;
    let mut mf: Vec<i64> = c
        .iter()
        .map(|g| {
            if g.iter().any(|&a| dfg.is_start(a)) {
                -i64::MAX
            } else {
                i64::MAX
            }
        })
        .collect();
    let mut mt: Vec<i64> = c
        .iter()
        .map(|g| {
            if g.iter().any(|&a| dfg.is_end(a)) {
                i64::MAX
            } else {
                -i64::MAX
            }
        })
        .collect();
    for &(a, b) in &edges {
        let (pa, pb) = (part(a), part(b));
        mf[pb as usize] = mf[pb as usize].min(pa);
        mt[pa as usize] = mt[pa as usize].max(pb);
    }
    for p in 0..n {
        if skippable(p, dfg, &c) {
            let mut q = p as i64 - 1;
            while q >= 0 && mt[q as usize] <= p as i64 {
                let moved = std::mem::take(&mut c[q as usize]);
                c[p].extend(moved);
                q -= 1;
            }
            let mut q = p + 1;
            while q < n && mf[q] >= p as i64 {
                let moved = std::mem::take(&mut c[q]);
                c[p].extend(moved);
                q += 1;
            }
            c[p].sort_unstable();
        }
    }
    c.retain(|g| !g.is_empty());
    Some(c)
}

/// pm4py's SKIPPABLE helper: part `p` can be jumped over.
fn skippable(p: usize, dfg: &Dfg, groups: &Groups) -> bool {
    for i in 0..p {
        for j in p + 1..groups.len() {
            for &a in &groups[i] {
                for &b in &groups[j] {
                    if dfg.has_edge(a, b) {
                        return true;
                    }
                }
            }
        }
    }
    if groups[p + 1..].iter().flatten().any(|&a| dfg.is_start(a)) {
        return true;
    }
    groups[..p].iter().flatten().any(|&a| dfg.is_end(a))
}

/// Cuts each trace into consecutive pieces, one per part, at the points that leave the fewest
/// events of a part on the wrong side.
fn project_sequence(log: &TraceLog, groups: &Groups) -> Vec<TraceLog> {
    let size = groups
        .iter()
        .flatten()
        .map(|&a| a as usize + 1)
        .max()
        .unwrap_or(0);
    let member = group_of(groups, size);
    let part_of = |a: Act| member.get(a as usize).copied().flatten();
    let mut logs = vec![TraceLog::default(); groups.len()];
    for (trace, count) in log.iter() {
        let mut split = 0;
        for (index, log_i) in logs.iter_mut().enumerate() {
            let next = split_point(trace, split, |a| {
                let part = part_of(a);
                if part == Some(index) {
                    SplitRole::Inside
                } else if part.is_some_and(|p| p < index) {
                    SplitRole::Ignored
                } else {
                    SplitRole::Outside
                }
            });
            let piece = trace[split..next]
                .iter()
                .copied()
                .filter(|&a| part_of(a) == Some(index))
                .collect();
            log_i.add(piece, count);
            split = next;
        }
    }
    logs
}

enum SplitRole {
    Inside,
    Ignored,
    Outside,
}

fn split_point(trace: &[Act], start: usize, role: impl Fn(Act) -> SplitRole) -> usize {
    let mut least = 0i64;
    let mut position = start;
    let mut cost = 0i64;
    for (i, &activity) in trace.iter().enumerate().skip(start) {
        match role(activity) {
            SplitRole::Inside => cost -= 1,
            SplitRole::Outside => cost += 1,
            SplitRole::Ignored => {}
        }
        if cost < least {
            least = cost;
            position = i + 1;
        }
    }
    position
}

/// Concurrency cut: activities not connected both ways end up together; every part needs a
/// start and an end activity, or it is merged into a neighbour.
fn concurrency(dfg: &Dfg) -> Option<Groups> {
    let alphabet = dfg.vertices();
    if alphabet.is_empty() {
        return None;
    }
    let apart = |a: Act, b: Act| !dfg.has_edge(a, b) || !dfg.has_edge(b, a);
    let mut groups: Groups = alphabet.iter().map(|&a| vec![a]).collect();
    'restart: loop {
        for i in 0..groups.len() {
            for j in i + 1..groups.len() {
                let merge = groups[i]
                    .iter()
                    .any(|&a| groups[j].iter().any(|&b| apart(a, b)));
                if merge {
                    let moved = groups.remove(j);
                    groups[i].extend(moved);
                    groups[i].sort_unstable();
                    continue 'restart;
                }
            }
        }
        break;
    }
    groups.sort_by_key(Vec::len);
    let mut i = 0;
    while i < groups.len() && groups.len() > 1 {
        let has_start = groups[i].iter().any(|&a| dfg.is_start(a));
        let has_end = groups[i].iter().any(|&a| dfg.is_end(a));
        if has_start && has_end {
            i += 1;
            continue;
        }
        let group = groups.remove(i);
        let target = if i == 0 { 0 } else { i - 1 };
        groups[target].extend(group);
        groups[target].sort_unstable();
    }
    (groups.len() > 1).then_some(groups)
}

/// Each part gets every trace filtered to its activities.
fn project_concurrency(log: &TraceLog, groups: &Groups) -> Vec<TraceLog> {
    groups
        .iter()
        .map(|group| {
            let mut out = TraceLog::default();
            for (trace, count) in log.iter() {
                let projected = trace
                    .iter()
                    .copied()
                    .filter(|a| group.binary_search(a).is_ok())
                    .collect();
                out.add(projected, count);
            }
            out
        })
        .collect()
}

/// Loop cut: start and end activities form the do part; the other components become redo
/// parts unless they are entered or left the wrong way.
fn looping(dfg: &Dfg) -> Option<Groups> {
    if !dfg.has_edges() {
        return None;
    }
    let vertices = dfg.vertices();
    let is_start = |a: Act| dfg.is_start(a);
    let is_end = |a: Act| dfg.is_end(a);
    let mut reduced = dfg.clone();
    for (a, b) in dfg.edge_list() {
        if is_start(a) || is_end(a) || is_start(b) || is_end(b) {
            reduced.remove_edge(a, b);
        }
    }
    let inner: Vec<Act> = vertices
        .iter()
        .copied()
        .filter(|&a| !is_start(a) && !is_end(a))
        .collect();
    let mut groups: Groups = vec![
        vertices
            .iter()
            .copied()
            .filter(|&a| is_start(a) || is_end(a))
            .collect(),
    ];
    groups.extend(components(&reduced, &inner));
    let edges = dfg.edge_list();

    // Successors of a start activity that is not an end activity belong to the do part, as do
    // predecessors of an end activity that is not a start activity.
    for &a in vertices.iter().filter(|&&a| is_start(a) && !is_end(a)) {
        for &(_, b) in edges.iter().filter(|&&(x, _)| x == a) {
            merge_into_front(&mut groups, a, b);
        }
    }
    for &b in vertices.iter().filter(|&&b| is_end(b) && !is_start(b)) {
        for &(a, _) in edges.iter().filter(|&&(_, x)| x == b) {
            merge_into_front(&mut groups, a, b);
        }
    }
    let starts: Vec<Act> = vertices.iter().copied().filter(|&a| is_start(a)).collect();
    let ends: Vec<Act> = vertices.iter().copied().filter(|&a| is_end(a)).collect();
    // A redo part that leads back to some start activity must lead to all of them.
    merge_incomplete(&mut groups, |a| {
        starts.iter().any(|&s| dfg.has_edge(a, s)) && starts.iter().any(|&s| !dfg.has_edge(a, s))
    });
    // A redo part entered from some end activity must be entered from all of them.
    merge_incomplete(&mut groups, |a| {
        ends.iter().any(|&e| dfg.has_edge(e, a)) && ends.iter().any(|&e| !dfg.has_edge(e, a))
    });
    groups.retain(|g| !g.is_empty());
    (groups.len() > 1).then_some(groups)
}

fn merge_into_front(groups: &mut Groups, a: Act, b: Act) {
    let index_a = groups.iter().rposition(|g| g.contains(&a));
    let index_b = groups.iter().rposition(|g| g.contains(&b));
    let (Some(index_a), Some(index_b)) = (index_a, index_b) else {
        return;
    };
    let mut merged = groups[index_a].clone();
    if index_b != index_a {
        merged.extend(groups[index_b].iter().copied());
        merged.sort_unstable();
    }
    let mut rest: Groups = groups
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != index_a && i != index_b)
        .map(|(_, g)| g.clone())
        .collect();
    rest.insert(0, merged);
    *groups = rest;
}

fn merge_incomplete(groups: &mut Groups, violates: impl Fn(Act) -> bool) {
    let mut i = 1;
    while i < groups.len() {
        if groups[i].iter().any(|&a| violates(a)) {
            let moved = groups.remove(i);
            groups[0].extend(moved);
            groups[0].sort_unstable();
            continue;
        }
        i += 1;
    }
}

/// Walks each trace: runs of do activities go to the do log, runs of redo activities to the
/// redo part sharing most activities with the run (ties: the later part).
fn project_loop(log: &TraceLog, groups: &Groups) -> Vec<TraceLog> {
    let size = groups
        .iter()
        .flatten()
        .map(|&a| a as usize + 1)
        .max()
        .unwrap_or(0);
    let member = group_of(groups, size);
    let part_of = |a: Act| member.get(a as usize).copied().flatten();
    let redo = &groups[1..];
    let mut do_log = TraceLog::default();
    let mut redo_logs = vec![TraceLog::default(); redo.len()];
    let mut add_redo = |run: Vec<Act>, count: u64| {
        let chosen = (0..redo.len())
            .max_by_key(|&i| {
                let mut distinct = run.clone();
                distinct.sort_unstable();
                distinct.dedup();
                (
                    distinct
                        .iter()
                        .filter(|&&a| part_of(a) == Some(i + 1))
                        .count(),
                    i,
                )
            })
            .unwrap_or(0);
        redo_logs[chosen].add(run, count);
    };
    for (trace, count) in log.iter() {
        let mut do_run = Vec::new();
        let mut redo_run = Vec::new();
        for &activity in trace {
            match part_of(activity) {
                Some(0) => {
                    do_run.push(activity);
                    if !redo_run.is_empty() {
                        add_redo(std::mem::take(&mut redo_run), count);
                    }
                }
                Some(_) => {
                    redo_run.push(activity);
                    if !do_run.is_empty() {
                        do_log.add(std::mem::take(&mut do_run), count);
                    }
                }
                // Only after IMf's noise filter can an activity be in no part: it is dropped
                // and ends the runs on both sides of it.
                None => {
                    if !do_run.is_empty() {
                        do_log.add(std::mem::take(&mut do_run), count);
                    }
                    if !redo_run.is_empty() {
                        add_redo(std::mem::take(&mut redo_run), count);
                    }
                }
            }
        }
        if !redo_run.is_empty() {
            add_redo(redo_run, count);
        }
        do_log.add(do_run, count);
    }
    let mut logs = vec![do_log];
    logs.extend(redo_logs);
    logs
}
