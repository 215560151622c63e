//! Counts: events per activity, start and end activities, case durations.

use std::collections::BTreeMap;

use crate::analysis::time_stats::Durations;
use crate::log::Log;

/// Counts per activity name, in name order.
pub type ActivityCounts = BTreeMap<String, u64>;

/// The basic numbers of a log.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub cases: usize,
    pub events: usize,
    pub activities: ActivityCounts,
    pub start_activities: ActivityCounts,
    pub end_activities: ActivityCounts,
    /// Last minus first timestamp of each case, in seconds.
    pub case_durations: Option<Durations>,
}

fn named(log: &Log, counts: Vec<u64>) -> ActivityCounts {
    counts
        .into_iter()
        .enumerate()
        .filter(|(_, count)| *count > 0)
        .map(|(activity, count)| (log.activity_name(activity as u32).to_owned(), count))
        .collect()
}

/// Per-case durations in microseconds (last event's time minus the first's), in case order.
pub fn case_durations_micros(log: &Log) -> Vec<i64> {
    (0..log.num_cases())
        .map(|case| {
            let times = log.case_times(case);
            times.last().copied().unwrap_or(0) - times.first().copied().unwrap_or(0)
        })
        .collect()
}

impl Summary {
    pub fn of(log: &Log) -> Summary {
        let activities = log.activities.len();
        let mut counts = vec![0u64; activities];
        for &activity in log.activity_column() {
            counts[activity as usize] += 1;
        }
        let mut starts = vec![0u64; activities];
        let mut ends = vec![0u64; activities];
        for case in 0..log.num_cases() {
            let trace = log.case_activities(case);
            if let (Some(&first), Some(&last)) = (trace.first(), trace.last()) {
                starts[first as usize] += 1;
                ends[last as usize] += 1;
            }
        }
        Summary {
            cases: log.num_cases(),
            events: log.num_events(),
            activities: named(log, counts),
            start_activities: named(log, starts),
            end_activities: named(log, ends),
            case_durations: Durations::from_micros(&mut case_durations_micros(log)),
        }
    }
}
