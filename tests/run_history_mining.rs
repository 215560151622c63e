//! The bots' own history is minable without conversion: real runs of a sample bot, then
//! `flowbot mine stats` on their run folders, checked against counts taken straight from the
//! runs' `events.jsonl`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

mod common;

use common::{FLOWBOT, mine_stats};

/// Run the reconciliation bot with its data under `data_dir`; its JSON report.
fn run_reconcile(data_dir: &Path, tolerance_days: u32) -> Value {
    let run = Command::new(FLOWBOT)
        .arg("--data-dir")
        .arg(data_dir)
        .args([
            "--format",
            "json",
            "run",
            "scripts/reconcile_transactions.rhai",
            "--input",
        ])
        .arg(format!("tolerance_days={tolerance_days}"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    serde_json::from_slice(&run.stdout).unwrap()
}

#[test]
fn a_run_folder_mines_to_the_events_the_run_wrote() {
    let data = tempfile::tempdir().unwrap();
    let report = run_reconcile(data.path(), 3);
    let run_dir = Path::new(report["run_dir"].as_str().expect("run_dir in the report"));

    // What the run recorded, read independently of the miner.
    let lines = std::fs::read_to_string(run_dir.join("events.jsonl")).unwrap();
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    for line in lines.lines() {
        let event: Value = serde_json::from_str(line).unwrap();
        *expected
            .entry(event["activity"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert!(
        expected.len() > 3,
        "the sample bot takes several kinds of step: {expected:?}"
    );

    let stats = mine_stats(run_dir);
    assert_eq!(stats["cases"], 1, "one run is one case");
    assert_eq!(stats["events"], lines.lines().count());
    let activities: BTreeMap<String, u64> =
        serde_json::from_value(stats["activities"].clone()).unwrap();
    assert_eq!(activities, expected);
}

#[test]
fn a_folder_of_runs_mines_as_one_case_per_run() {
    let data = tempfile::tempdir().unwrap();
    let mut written = 0;
    for days in [0, 7] {
        let report = run_reconcile(data.path(), days);
        let events = std::fs::read_to_string(
            Path::new(report["run_dir"].as_str().unwrap()).join("events.jsonl"),
        )
        .unwrap();
        written += events.lines().count();
    }
    let stats = mine_stats(&data.path().join("runs"));
    assert_eq!(stats["cases"], 2);
    assert_eq!(stats["events"], written);

    let empty = tempfile::tempdir().unwrap();
    let refused = Command::new(FLOWBOT)
        .args(["mine", "stats"])
        .arg(empty.path())
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not a run folder"));
}
