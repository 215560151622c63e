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

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[test]
fn invoice_review_accepts_good_invoices_rejects_the_rest_and_archives_them() {
    let root = tempfile::tempdir().unwrap();
    copy_dir(
        &repo().join("samples/invoices"),
        &root.path().join("invoices"),
    );
    let mut options = RunOptions::new(
        repo().join("scripts/invoice_review.rhai"),
        root.path(),
        root.path().join("runs"),
    );
    for (key, value) in [
        ("inbox", "invoices/inbox"),
        ("vendors", "invoices/vendors.csv"),
        ("out", "invoices/out"),
    ] {
        options.inputs.insert(key.to_owned(), value.into());
    }
    options.inputs.insert("archive".to_owned(), true.into());
    let report = run_script(options).unwrap();
    assert_eq!(report.outcome, JobOutcome::Succeeded, "{:?}", report.error);
    assert_eq!(report.outputs["accepted"], 2);
    assert_eq!(report.outputs["rejected"], 5);

    let out = root.path().join("invoices/out");
    assert_eq!(
        std::fs::read_to_string(out.join("register.csv")).unwrap(),
        "file,number,vendor,date,due,total\n\
         A100.json,A100,Acme GmbH,2024-05-02,2024-06-01,200.0\n\
         A105.json,A105,Delta Ltd,2024-05-08,2024-06-07,64.9\n"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("rejections.csv")).unwrap(),
        "file,reason\n\
         A101.json,total 155.0 differs from its lines 150.0\n\
         A102.json,unknown vendor V999\n\
         A103.json,IBAN differs from the vendor master data\n\
         A104.json,due date before invoice date\n\
         A106.json,not valid JSON\n"
    );
    let names = |dir: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(root.path().join("invoices").join(dir))
            .map(|entries| {
                entries
                    .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    assert!(names("inbox").is_empty(), "{:?}", names("inbox"));
    assert_eq!(names("processed"), ["A100.json", "A105.json"]);
    assert_eq!(
        names("rejected"),
        [
            "A101.json",
            "A102.json",
            "A103.json",
            "A104.json",
            "A106.json"
        ]
    );
}
