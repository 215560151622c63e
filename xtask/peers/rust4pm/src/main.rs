//! The process_mining crate (rust4pm 0.6.2) on one XES log: import, DFG, variants — the parts
//! of `flowbot mine stats` it offers — timed in-process, for docs/benchmarks.md.

use std::time::Instant;

use process_mining::Importable;
use process_mining::core::EventLog;
use process_mining::core::event_data::case_centric::utils::activity_projection::{
    EventLogActivityProjection, get_variants,
};
use process_mining::core::event_data::case_centric::xes::XESImportOptions;
use process_mining::discovery::case_centric::dfg::discover_dfg;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: rust4pm-peer LOG.xes[.gz]");
        std::process::exit(2);
    };
    let started = Instant::now();
    let log = match EventLog::import_from_path_with_options(&path, XESImportOptions::default()) {
        Ok(log) => log,
        Err(error) => {
            eprintln!("rust4pm: {path}: {error:?}");
            std::process::exit(1);
        }
    };
    let imported = started.elapsed();
    let events: usize = log.traces.iter().map(|trace| trace.events.len()).sum();
    let dfg = discover_dfg(&log);
    let projection = EventLogActivityProjection::from(&log);
    let variants = get_variants(&projection);
    let done = started.elapsed();
    println!(
        "{{\"cases\":{},\"events\":{events},\"dfg_edges\":{},\"variants\":{},\"import_s\":{:.3},\"total_s\":{:.3}}}",
        log.traces.len(),
        dfg.directly_follows_relations.len(),
        variants.len(),
        imported.as_secs_f64(),
        done.as_secs_f64()
    );
}
