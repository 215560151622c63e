//! The bots' own history is minable without conversion: a real run of a sample bot, then
//! `flowbot mine stats` on its run folder, checked against counts taken straight from the
//! run's `events.jsonl`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const FLOWBOT: &str = env!("CARGO_BIN_EXE_flowbot");

#[test]
fn a_run_folder_mines_to_the_events_the_run_wrote() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = tempfile::tempdir().unwrap();
    let run = Command::new(FLOWBOT)
        .arg("--data-dir")
        .arg(data.path())
        .args([
            "--format",
            "json",
            "run",
            "scripts/reconcile_transactions.rhai",
        ])
        .current_dir(repo)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let run_dir = report["run_dir"].as_str().expect("run_dir in the report");

    // What the run recorded, read independently of the miner.
    let lines = std::fs::read_to_string(Path::new(run_dir).join("events.jsonl")).unwrap();
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    for line in lines.lines() {
        let event: serde_json::Value = serde_json::from_str(line).unwrap();
        *expected
            .entry(event["activity"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert!(
        expected.len() > 3,
        "the sample bot takes several kinds of step: {expected:?}"
    );

    let mined = Command::new(FLOWBOT)
        .args(["mine", "stats", run_dir, "--format", "json", "--quiet"])
        .output()
        .unwrap();
    assert!(
        mined.status.success(),
        "{}",
        String::from_utf8_lossy(&mined.stderr)
    );
    let stats: serde_json::Value = serde_json::from_slice(&mined.stdout).unwrap();
    assert_eq!(stats["cases"], 1, "one run is one case");
    assert_eq!(stats["events"], lines.lines().count());
    let activities: BTreeMap<String, u64> =
        serde_json::from_value(stats["activities"].clone()).unwrap();
    assert_eq!(activities, expected);
}

#[test]
fn a_folder_of_runs_mines_as_one_case_per_run() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = tempfile::tempdir().unwrap();
    let mut written = 0;
    for days in [0, 7] {
        let run = Command::new(FLOWBOT)
            .arg("--data-dir")
            .arg(data.path())
            .args([
                "run",
                "scripts/reconcile_transactions.rhai",
                "--input",
                &format!("tolerance_days={days}"),
            ])
            .current_dir(repo)
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    for run in std::fs::read_dir(data.path().join("runs")).unwrap() {
        written += std::fs::read_to_string(run.unwrap().path().join("events.jsonl"))
            .unwrap()
            .lines()
            .count();
    }
    let runs = data.path().join("runs");
    let mined = Command::new(FLOWBOT)
        .args(["mine", "stats", "--format", "json", "--quiet"])
        .arg(&runs)
        .output()
        .unwrap();
    assert!(
        mined.status.success(),
        "{}",
        String::from_utf8_lossy(&mined.stderr)
    );
    let stats: serde_json::Value = serde_json::from_slice(&mined.stdout).unwrap();
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
