//! `scripts/invoice_intake.rhai` for real: generated invoices (English and Chinese, PNG and
//! PDF) are read, extracted, checked and entered into the sample back office in a headless
//! chromium; what the back office saved must equal the generator's truth. An invoice a person
//! must check waits for validation and is booked with the person's corrections on the next
//! run; a re-run books nothing twice. A complaint, claim or bank statement (English or Chinese)
//! fails, naming what it is.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::backoffice::BackOffice;
use common::web::leftover_processes;
use flowbot_agent::run::{RunOptions, RunReport, run_script};
use flowbot_agent::secrets::EnvSecrets;
use flowbot_agent::validation::{TaskStatus, ValidationTask};
use flowbot_docgen::Truth;
use flowbot_model::wire::JobOutcome;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The suppliers of `samples/invoices/suppliers.csv` as business customers of the back office.
fn suppliers() -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(repo().join("samples/invoices/suppliers.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let (name, reference) = line.split_once(',').unwrap();
            [
                ("ref", reference),
                ("customer_type", "business"),
                ("company_name", name),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
        })
        .collect()
}

struct Intake {
    root: tempfile::TempDir,
    app: BackOffice,
    truths: Vec<Truth>,
}

impl Intake {
    fn new() -> Self {
        let root = tempfile::tempdir().unwrap();
        let truths = flowbot_docgen::generate(&root.path().join("inbox"), 4, 11).unwrap();
        let app = BackOffice::start(flowbot_backoffice::Options {
            expose_data: true,
            seed_customers: suppliers(),
            ..Default::default()
        });
        Self { root, app, truths }
    }

    fn run(&self, file: &str, threshold: f64) -> RunReport {
        let script = repo().join("scripts/invoice_intake.rhai");
        let mut options = RunOptions::new(script, self.root.path(), self.root.path().join("runs"));
        let suppliers = repo().join("samples/invoices/suppliers.csv");
        std::fs::copy(&suppliers, self.root.path().join("suppliers.csv")).unwrap();
        for (key, value) in [
            ("file", serde_json::json!(format!("inbox/{file}"))),
            ("app", serde_json::json!(self.app.url)),
            ("suppliers", serde_json::json!("suppliers.csv")),
            ("threshold", serde_json::json!(threshold)),
        ] {
            options.inputs.insert(key.to_owned(), value);
        }
        options.secrets = Box::new(EnvSecrets::from_vars([(
            "FLOWBOT_SECRET_BACKOFFICE_PASSWORD".to_owned(),
            "flowbot".to_owned(),
        )]));
        let report = run_script(options).unwrap();
        assert!(
            leftover_processes(&report.run_dir).is_empty(),
            "chromium left behind"
        );
        report
    }

    fn saved(&self, number: &str) -> Option<BTreeMap<String, String>> {
        self.app
            .rows("invoices")
            .into_iter()
            .find(|row| row["invoice_number"] == number)
    }
}

fn money(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

#[test]
fn invoices_in_every_layout_are_booked_as_the_generator_drew_them() {
    let intake = Intake::new();
    // PNG (English), text-layer PDF (English), PNG (US), image-only PDF (Chinese, OCR'd with
    // `lang: auto`). Scans are measured field by field in docai's invoice_extraction test.
    let files = [
        intake.truths[0].files.png.clone(),
        intake.truths[1].files.pdf.clone(),
        intake.truths[2].files.png.clone(),
        intake.truths[3].files.pdf.clone(),
    ];
    for (truth, file) in intake.truths.iter().zip(&files) {
        let report = intake.run(file, 0.8);
        assert_eq!(
            report.outcome,
            JobOutcome::Succeeded,
            "{file}: {:?}",
            report.error
        );
        if report.outputs["status"] != "booked" {
            let task = intake.root.path().join(format!("validation/{file}.json"));
            let issues = std::fs::read_to_string(task).unwrap_or_default();
            panic!("{file} was not booked: {:?}\n{issues}", report.outputs);
        }
        let f = &truth.fields;
        let row = intake
            .saved(&f.invoice_number)
            .unwrap_or_else(|| panic!("{file} not saved"));
        assert_eq!(row["issue_date"], f.date, "{file}");
        assert_eq!(row["currency"], f.currency, "{file}");
        assert_eq!(row["net_amount"], money(f.net_cents), "{file}");
        assert_eq!(row["vat_rate"], f.tax_rate_percent.to_string(), "{file}");
        let archived = intake.root.path().join(format!("archive/{file}.json"));
        assert!(archived.is_file(), "{file}: no archive record");
    }
    // A second run of the same document books nothing new.
    let again = intake.run(&files[0], 0.8);
    assert_eq!(again.outputs["status"], "already_booked");
    assert_eq!(intake.app.rows("invoices").len(), 4);
}

#[test]
fn an_unsure_invoice_waits_for_a_person_and_is_booked_with_the_corrections() {
    let intake = Intake::new();
    let truth = &intake.truths[0];
    let file = &truth.files.png;
    // No OCR'd field reaches confidence 1.0: everything goes to a person.
    let report = intake.run(file, 1.0);
    assert_eq!(report.outcome, JobOutcome::Succeeded, "{:?}", report.error);
    assert_eq!(report.outputs["status"], "needs_validation");
    assert!(intake.app.rows("invoices").is_empty());

    let task_path = intake.root.path().join(format!("validation/{file}.json"));
    let mut task = ValidationTask::read(&task_path).unwrap();
    assert_eq!(task.status, TaskStatus::Pending);
    assert!(!task.issues.is_empty());
    assert!(task.fields["total"]["box"]["right"].as_f64().unwrap() > 0.0);

    // Still pending: a run asks again instead of booking.
    assert_eq!(intake.run(file, 1.0).outputs["status"], "needs_validation");

    task.correct(&task_path, "invoice_number", "CORRECTED-1")
        .unwrap();
    assert!(task.correct(&task_path, "iban_typo", "x").is_err());
    task.status = TaskStatus::Validated;
    task.validated_by = Some("tester".to_owned());
    task.write(&task_path).unwrap();

    let report = intake.run(file, 1.0);
    assert_eq!(report.outputs["status"], "booked", "{:?}", report.error);
    let row = intake
        .saved("CORRECTED-1")
        .expect("booked with the corrected number");
    assert_eq!(row["net_amount"], money(truth.fields.net_cents));
    assert!(intake.saved(&truth.fields.invoice_number).is_none());
}

#[test]
fn documents_that_are_not_invoices_fail_naming_what_they_are() {
    let intake = Intake::new();
    let letters = flowbot_docgen::generate_letters(&intake.root.path().join("inbox"), 3).unwrap();
    let letter = |kind: flowbot_docgen::LetterKind, lang: &str| {
        letters
            .iter()
            .find(|letter| letter.kind == kind && letter.lang == lang)
            .unwrap()
    };
    use flowbot_docgen::LetterKind::{BankStatement, Complaint, InsuranceClaim};
    // English by the model: a scanned-style PNG (OCR) and text-layer PDFs. Chinese by the
    // script's title-word rule: OCR'd PNG and image-only PDF.
    for (file, what) in [
        (letter(Complaint, "en").png.clone(), "is a complaint ("),
        (
            letter(BankStatement, "en").pdf.clone(),
            "is a bank statement (",
        ),
        (
            letter(InsuranceClaim, "en").pdf.clone(),
            "is an insurance claim (",
        ),
        (
            letter(Complaint, "zh").png.clone(),
            "is a complaint (by the word 投诉)",
        ),
        (
            letter(BankStatement, "zh").pdf.clone(),
            "is a bank statement (by the word 对账单)",
        ),
    ] {
        let report = intake.run(&file, 0.8);
        assert_eq!(
            report.outcome,
            JobOutcome::Failed,
            "{file}: {:?}",
            report.outputs
        );
        let error = report.error.unwrap();
        assert!(
            error.message.contains(&format!("{file} {what}"))
                && error.message.ends_with("not an invoice"),
            "{file}: {}",
            error.message
        );
    }
    assert!(intake.app.rows("invoices").is_empty());
    assert!(!intake.root.path().join("validation").exists());
}
