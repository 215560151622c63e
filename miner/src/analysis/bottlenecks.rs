//! Where cases wait: edges and activities ranked by total waiting time, service times,
//! rework, the slowest variants, SLA breaches, and throughput time between two activities.

use std::collections::HashMap;

use crate::analysis::dfg::Dfg;
use crate::analysis::summary::case_durations_micros;
use crate::analysis::time_stats::Durations;
use crate::analysis::variants::Variants;
use crate::intern::Sym;
use crate::log::Log;

/// Waiting time on one directly-follows edge.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeWait {
    pub from: Sym,
    pub to: Sym,
    pub count: u64,
    pub mean_s: f64,
    /// mean × count: the total time cases spent between the two activities.
    pub total_s: f64,
}

/// Waiting time before an activity (the sum over its incoming edges).
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityWait {
    pub activity: Sym,
    pub count: u64,
    pub total_s: f64,
    pub mean_s: f64,
}

/// Time between an activity's start and its completion.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceTime {
    pub activity: Sym,
    pub durations: Durations,
}

/// Activities executed more than once in a case.
#[derive(Debug, Clone, PartialEq)]
pub struct Rework {
    pub activity: Sym,
    /// Cases in which the activity occurs at least twice.
    pub cases: u64,
    /// Executions beyond the first, over all cases.
    pub repeats: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SlowVariant {
    pub activities: Vec<Sym>,
    pub count: u64,
    pub mean_duration_s: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SlaReport {
    pub sla_s: f64,
    pub cases_over: u64,
    pub share_over: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bottlenecks {
    pub edges: Vec<EdgeWait>,
    pub activities: Vec<ActivityWait>,
    pub service_times: Vec<ServiceTime>,
    pub rework: Vec<Rework>,
    pub slowest_variants: Vec<SlowVariant>,
    pub sla: Option<SlaReport>,
}

/// Edges by total waiting time, descending, ties by (from, to) name — pm4py oracle order.
pub fn edge_waits(log: &Log, dfg: &Dfg) -> Vec<EdgeWait> {
    let mut edges: Vec<EdgeWait> = dfg
        .edges
        .iter()
        .map(|edge| EdgeWait {
            from: edge.from,
            to: edge.to,
            count: edge.count,
            mean_s: edge.durations.mean,
            total_s: edge.durations.mean * edge.count as f64,
        })
        .collect();
    edges.sort_by(|a, b| {
        b.total_s
            .total_cmp(&a.total_s)
            .then_with(|| log.activity_name(a.from).cmp(log.activity_name(b.from)))
            .then_with(|| log.activity_name(a.to).cmp(log.activity_name(b.to)))
    });
    edges
}

fn activity_waits(log: &Log, dfg: &Dfg) -> Vec<ActivityWait> {
    let mut totals: HashMap<Sym, (u64, f64)> = HashMap::new();
    for edge in &dfg.edges {
        let entry = totals.entry(edge.to).or_default();
        entry.0 += edge.count;
        entry.1 += edge.durations.sum;
    }
    let mut waits: Vec<ActivityWait> = totals
        .into_iter()
        .map(|(activity, (count, total_s))| ActivityWait {
            activity,
            count,
            total_s,
            mean_s: total_s / count as f64,
        })
        .collect();
    waits.sort_by(|a, b| {
        b.total_s.total_cmp(&a.total_s).then_with(|| {
            log.activity_name(a.activity)
                .cmp(log.activity_name(b.activity))
        })
    });
    waits
}

/// Service times from a start-time column where the log has one, otherwise from pairs of
/// `start` and `complete` lifecycle events of the same activity in a case (each complete closes
/// the earliest open start of its activity).
pub fn service_times(log: &Log) -> Vec<ServiceTime> {
    let mut samples: HashMap<Sym, Vec<i64>> = HashMap::new();
    if log.has_start_times() {
        for event in 0..log.num_events() {
            if let Some(start) = log.start_time(event) {
                samples
                    .entry(log.activity(event))
                    .or_default()
                    .push(log.time(event) - start);
            }
        }
    } else {
        for case in 0..log.num_cases() {
            let mut open: HashMap<Sym, Vec<i64>> = HashMap::new();
            for event in log.case_range(case) {
                let lifecycle = log.lifecycle(event).unwrap_or("");
                let activity = log.activity(event);
                if lifecycle.eq_ignore_ascii_case("start") {
                    open.entry(activity).or_default().push(log.time(event));
                } else if lifecycle.eq_ignore_ascii_case("complete")
                    && let Some(starts) = open.get_mut(&activity)
                    && !starts.is_empty()
                {
                    let start = starts.remove(0);
                    samples
                        .entry(activity)
                        .or_default()
                        .push(log.time(event) - start);
                }
            }
        }
    }
    let mut times: Vec<ServiceTime> = samples
        .into_iter()
        .filter_map(|(activity, mut micros)| {
            Durations::from_micros(&mut micros).map(|durations| ServiceTime {
                activity,
                durations,
            })
        })
        .collect();
    times.sort_by(|a, b| {
        b.durations.sum.total_cmp(&a.durations.sum).then_with(|| {
            log.activity_name(a.activity)
                .cmp(log.activity_name(b.activity))
        })
    });
    times
}

/// Rework per activity, most affected cases first.
pub fn rework(log: &Log) -> Vec<Rework> {
    let mut per_activity: HashMap<Sym, (u64, u64)> = HashMap::new();
    let mut seen: HashMap<Sym, u64> = HashMap::new();
    for case in 0..log.num_cases() {
        seen.clear();
        for &activity in log.case_activities(case) {
            *seen.entry(activity).or_default() += 1;
        }
        for (&activity, &times) in &seen {
            if times > 1 {
                let entry = per_activity.entry(activity).or_default();
                entry.0 += 1;
                entry.1 += times - 1;
            }
        }
    }
    let mut rework: Vec<Rework> = per_activity
        .into_iter()
        .map(|(activity, (cases, repeats))| Rework {
            activity,
            cases,
            repeats,
        })
        .collect();
    rework.sort_by(|a, b| {
        b.cases
            .cmp(&a.cases)
            .then(b.repeats.cmp(&a.repeats))
            .then_with(|| {
                log.activity_name(a.activity)
                    .cmp(log.activity_name(b.activity))
            })
    });
    rework
}

/// Time from the first `from` in a case to the first `to` after it, over the cases that have
/// both in that order.
pub fn throughput(log: &Log, from: &str, to: &str) -> Option<Durations> {
    let from = log.activities.get(from)?;
    let to = log.activities.get(to)?;
    let mut samples = Vec::new();
    for case in 0..log.num_cases() {
        let range = log.case_range(case);
        let Some(start) = range.clone().find(|&event| log.activity(event) == from) else {
            continue;
        };
        if let Some(end) = (start + 1..range.end).find(|&event| log.activity(event) == to) {
            samples.push(log.time(end) - log.time(start));
        }
    }
    Durations::from_micros(&mut samples)
}

/// The whole report; `sla_s` adds the share of cases longer than it.
pub fn report(log: &Log, sla_s: Option<f64>, top: usize) -> Bottlenecks {
    let dfg = Dfg::of(log);
    let durations = case_durations_micros(log);
    let variants = Variants::of(log);
    let mut slowest: Vec<SlowVariant> = variants
        .variants
        .iter()
        .map(|variant| {
            let total: i128 = variant
                .cases
                .iter()
                .map(|&case| i128::from(durations[case]))
                .sum();
            SlowVariant {
                activities: variant.activities.clone(),
                count: variant.count,
                mean_duration_s: total as f64 / 1e6 / variant.count as f64,
            }
        })
        .collect();
    slowest.sort_by(|a, b| {
        b.mean_duration_s
            .total_cmp(&a.mean_duration_s)
            .then(b.count.cmp(&a.count))
    });
    slowest.truncate(top);
    let sla = sla_s.map(|sla_s| {
        let over = durations
            .iter()
            .filter(|&&micros| micros as f64 / 1e6 > sla_s)
            .count() as u64;
        SlaReport {
            sla_s,
            cases_over: over,
            share_over: if durations.is_empty() {
                0.0
            } else {
                over as f64 / durations.len() as f64
            },
        }
    });
    let mut edges = edge_waits(log, &dfg);
    edges.truncate(top);
    let mut activities = activity_waits(log, &dfg);
    activities.truncate(top);
    let mut rework = rework(log);
    rework.truncate(top);
    Bottlenecks {
        edges,
        activities,
        service_times: service_times(log),
        rework,
        slowest_variants: slowest,
        sla,
    }
}
