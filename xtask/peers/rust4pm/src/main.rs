//! `rust4pm-peer LOG`: the `process_mining` crate doing what `flowbot mine stats` does —
//! import (sorted by timestamp), DFG, variants, performance DFG, case durations — printing the
//! counts so the bench can check both tools agree before comparing their speed.
//!
//! The crate has no performance DFG or case durations; those are plain loops over its structs.

use std::collections::HashMap;

use process_mining::core::event_data::case_centric::xes::XESImportOptions;
use process_mining::core::event_data::case_centric::XESEditableAttribute;
use process_mining::discovery::case_centric::dfg::discover_dfg;
use process_mining::{EventLog, Importable};

fn main() {
    let path = std::env::args().nth(1).expect("usage: rust4pm-peer LOG");
    let options = XESImportOptions {
        sort_events_with_timestamp_key: Some("time:timestamp".to_owned()),
        verbose: false,
        ..XESImportOptions::default()
    };
    let log = EventLog::import_from_path_with_options(&path, options).expect("import");
    let dfg = discover_dfg(&log);

    let mut variants: HashMap<Vec<String>, usize> = HashMap::new();
    let mut edge_seconds: HashMap<(String, String), Vec<f64>> = HashMap::new();
    let mut case_durations = Vec::with_capacity(log.traces.len());
    let mut events = 0;
    for trace in &log.traces {
        let steps: Vec<(String, i64)> = trace
            .events
            .iter()
            .map(|event| {
                let activity = event.attributes.get_by_key("concept:name").and_then(|a| a.value.try_as_string()).cloned().unwrap_or_default();
                let time = event
                    .attributes
                    .get_by_key("time:timestamp")
                    .and_then(|a| a.value.try_as_date())
                    .map_or(0, |date| date.timestamp_micros());
                (activity, time)
            })
            .collect();
        events += steps.len();
        for pair in steps.windows(2) {
            let seconds = (pair[1].1 - pair[0].1) as f64 / 1e6;
            edge_seconds.entry((pair[0].0.clone(), pair[1].0.clone())).or_default().push(seconds);
        }
        if let (Some(first), Some(last)) = (steps.first(), steps.last()) {
            case_durations.push((last.1 - first.1) as f64 / 1e6);
        }
        *variants.entry(steps.into_iter().map(|(activity, _)| activity).collect()).or_default() += 1;
    }
    let mut medians = 0.0;
    for seconds in edge_seconds.values_mut() {
        seconds.sort_by(f64::total_cmp);
        medians += seconds[seconds.len() / 2];
    }
    println!(
        "{{\"cases\":{},\"events\":{},\"dfg_edges\":{},\"variants\":{},\"perf_edges\":{},\"median_sum\":{},\"mean_case_s\":{}}}",
        log.traces.len(),
        events,
        dfg.directly_follows_relations.len(),
        variants.len(),
        edge_seconds.len(),
        medians,
        case_durations.iter().sum::<f64>() / case_durations.len().max(1) as f64
    );
}
