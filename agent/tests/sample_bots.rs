//! The sample bots in `scripts/` run on the files in `samples/` and produce what a person
//! reconciling by hand would: the expectations below were worked out from the planted
//! anomalies in `agent/examples/reconcile_samples.rs`, not from the bot's output.

use std::path::{Path, PathBuf};

use calamine::{Data, Reader};
use flowbot_agent::run::{RunOptions, run_script};
use flowbot_model::wire::JobOutcome;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn cell(value: &Data) -> String {
    match value {
        Data::Float(number) => number.to_string(),
        Data::Int(number) => number.to_string(),
        Data::String(text) => text.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

#[test]
fn reconcile_transactions_reports_exactly_the_planted_exceptions() {
    let runs = tempfile::tempdir().unwrap();
    let options = RunOptions::new(
        repo().join("scripts/reconcile_transactions.rhai"),
        repo(),
        runs.path(),
    );
    let report = run_script(options).unwrap();
    assert_eq!(report.outcome, JobOutcome::Succeeded, "{:?}", report.error);
    // 22 bank lines, 7 of them exceptions.
    assert_eq!(report.outputs["matched"], 15);
    assert_eq!(report.outputs["exceptions"], 8);

    let path = report.run_dir.join("artifacts/exceptions.xlsx");
    let mut workbook = calamine::open_workbook_auto(&path).unwrap();
    let range = workbook.worksheet_range("Sheet1").unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|row| row.iter().map(cell).collect())
        .collect();
    assert_eq!(rows[0], ["line", "reference", "text", "amount", "reason"]);
    let found: Vec<(String, String, String)> = rows[1..]
        .iter()
        .map(|row| (row[0].clone(), row[1].clone(), row[4].clone()))
        .collect();
    let expected = [
        ("5", "INV-1004", "paid 1250.0 but booked 1205.0"),
        ("8", "INV-1007", "paid 7 days after booking"),
        ("13", "INV-1012", "duplicate payment"),
        ("15", "line 15", "no invoice reference in the payment text"),
        ("17", "INV-1015", "invalid IBAN DE00XX"),
        ("20", "INV-1018", "paid in USD, booked in EUR"),
        ("23", "INV-2001", "invoice not in the ledger"),
        ("", "INV-1010", "booked but not in the bank statement"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(line, reference, reason)| {
            (
                (*line).to_owned(),
                (*reference).to_owned(),
                (*reason).to_owned(),
            )
        })
        .collect();
    assert_eq!(found, expected);

    // One business exception (the IBAN), caught by the script: the run still succeeds and the
    // failed step is in the event log for the process map.
    let events = std::fs::read_to_string(report.run_dir.join("events.jsonl")).unwrap();
    let failed: Vec<flowbot_model::Event> = events
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .filter(|event: &flowbot_model::Event| event.status == flowbot_model::event::Status::Failed)
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].activity, "Reconcile payment");
}

#[test]
fn every_sample_script_passes_check() {
    let checker = flowbot_agent::check::Checker::new();
    let mut scripts = Vec::new();
    for entry in std::fs::read_dir(repo().join("scripts")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "rhai") {
            scripts.push(path);
        }
    }
    assert!(!scripts.is_empty());
    for script in scripts {
        let diagnostics = checker.check_file(&script);
        assert!(
            diagnostics.is_empty(),
            "{}: {diagnostics:#?}",
            script.display()
        );
    }
}
