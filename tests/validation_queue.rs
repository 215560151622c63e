//! Document validation through the control plane with real processes: a bot on one agent sends
//! two documents to a person, the person approves one with a correction and rejects the other
//! with `flowbot validate --server`, and the next runs — on another agent machine, which never
//! saw the local task files — book the corrected values or stop with the reason.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Server, agent, ctl_json as ctl, flowbot, push, wait_for};
use serde_json::Value;

/// One document per run: the person's decision if there is one, else (standing in for
/// `extract_invoice`, which needs OCR) an unsure total sent to validation.
const INTAKE: &str = r#"
let file = input("file");
let invoice = validated_invoice(file, "validation");
if invoice == () {
    let extracted = #{
        file: file,
        document_bytes: input("bytes"),
        fields: #{
            total: #{ value: "10.00", confidence: 0.42 },
            currency: #{ value: "EUR", confidence: 0.99 },
        },
        line_items: [],
        issues: [#{ code: "low_confidence", field: "total", message: "total read with confidence 0.42" }],
    };
    request_validation(extracted, "validation");
    output("status", "needs_validation");
} else if "rejected" in invoice {
    output("status", "rejected");
    output("reason", invoice.reason);
} else {
    output("status", "booked");
    output("validated", invoice.validated);
    output("validated_by", invoice.validated_by);
    output("total", invoice.fields.total.value);
    output("total_source", invoice.fields.total.source);
}
"#;

const DOCUMENT: &[u8] = b"%PDF-1.4 an invoice";

/// Runs the intake bot for `document` and waits for the job's outputs.
fn run_intake(url: &str, document: &str) -> Value {
    let file = format!("inbox/{document}");
    let bytes = format!("bytes={}", DOCUMENT.len());
    let job = ctl(
        url,
        &[
            "jobs",
            "create",
            "--bot",
            "intake",
            "--input",
            &format!("file={file}"),
            "--input",
            &bytes,
        ],
    );
    let id = job["id"].as_str().unwrap().to_owned();
    let mut shown = Value::Null;
    wait_for(
        &format!("the job for {document}"),
        Duration::from_secs(60),
        || {
            shown = ctl(url, &["jobs", "show", &id]);
            shown["state"] != "queued" && shown["state"] != "leased" && shown["state"] != "running"
        },
    );
    assert_eq!(shown["state"], "succeeded", "{shown}");
    shown["outputs"].clone()
}

fn files_root(dir: &Path, name: &str) -> std::path::PathBuf {
    let root = dir.join(name);
    std::fs::create_dir_all(root.join("inbox")).unwrap();
    for document in ["scan-7.png", "scan-8.png"] {
        std::fs::write(root.join("inbox").join(document), DOCUMENT).unwrap();
    }
    root
}

#[test]
fn a_person_decides_on_the_control_plane_and_a_bot_on_another_agent_books_the_corrections() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("cp.db"));
    let url = server.url.clone();
    push(&url, dir.path(), "intake", INTAKE);
    let clerk_files = files_root(dir.path(), "clerk-files");
    let other_files = files_root(dir.path(), "other-files");

    let clerk = agent(&url, "clerk-pc", &dir.path().join("clerk"), &clerk_files);
    for document in ["scan-7.png", "scan-8.png"] {
        assert_eq!(run_intake(&url, document)["status"], "needs_validation");
    }
    drop(clerk);

    let validate = |args: &[&str]| {
        flowbot(
            dir.path(),
            &[&["validate"], args, &["--server", &url]].concat(),
        )
    };
    let listed = validate(&["list", "--format", "json"]);
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let waiting: Vec<Value> = serde_json::from_slice(&listed.stdout).unwrap();
    let references: Vec<&str> = waiting
        .iter()
        .map(|item| item["reference"].as_str().unwrap())
        .collect();
    assert_eq!(references, ["scan-7.png", "scan-8.png"]);
    assert_eq!(waiting[0]["payload"]["issues"][0]["code"], "low_confidence");
    let text = validate(&["list"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("2 task(s) waiting") && text.contains("low_confidence"),
        "{text}"
    );

    let refused = validate(&[
        "approve",
        "scan-7.png",
        "--set",
        "totl=12.50",
        "--by",
        "anna",
    ]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("unknown_field")
            && stderr.contains("`totl`")
            && stderr.contains("currency, total"),
        "{stderr}"
    );

    let approved = validate(&[
        "approve",
        "scan-7.png",
        "--set",
        "total=12.50",
        "--by",
        "anna",
        "--format",
        "json",
    ]);
    assert!(
        approved.status.success(),
        "{}",
        String::from_utf8_lossy(&approved.stderr)
    );
    let item: Value = serde_json::from_slice(&approved.stdout).unwrap();
    assert_eq!(item["state"], "done");
    assert_eq!(item["output"]["corrections"]["total"], "12.50");

    let twice = validate(&["reject", "scan-7.png", "--reason", "oops", "--by", "ben"]);
    assert!(!twice.status.success());
    let stderr = String::from_utf8_lossy(&twice.stderr);
    assert!(
        stderr.contains("409") && stderr.contains("already_decided"),
        "{stderr}"
    );

    let rejected = validate(&[
        "reject",
        "scan-8.png",
        "--reason",
        "not our supplier",
        "--by",
        "anna",
    ]);
    assert!(
        rejected.status.success(),
        "{}",
        String::from_utf8_lossy(&rejected.stderr)
    );
    let shown = validate(&["show", "scan-8.png"]);
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.contains("Rejected"), "{shown}");

    // Another machine: no local task files, only the control plane's decision.
    let _other = agent(&url, "other-pc", &dir.path().join("other"), &other_files);
    let booked = run_intake(&url, "scan-7.png");
    assert_eq!(booked["status"], "booked", "{booked}");
    assert_eq!(booked["validated"], true);
    assert_eq!(booked["validated_by"], "anna");
    assert_eq!(booked["total"], "12.50");
    assert_eq!(booked["total_source"], "person");
    let stopped = run_intake(&url, "scan-8.png");
    assert_eq!(stopped["status"], "rejected", "{stopped}");
    assert_eq!(stopped["reason"], "not our supplier");
    assert!(!other_files.join("validation").exists());

    let listed = validate(&["list"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("0 task(s) waiting"));
}

#[test]
fn a_decision_for_a_file_of_another_size_is_not_applied() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("cp.db"));
    let url = server.url.clone();
    push(&url, dir.path(), "intake", INTAKE);
    let files = files_root(dir.path(), "files");
    let _agent = agent(&url, "clerk-pc", &dir.path().join("agent"), &files);
    assert_eq!(run_intake(&url, "scan-7.png")["status"], "needs_validation");
    let approved = flowbot(
        dir.path(),
        &[
            "validate",
            "approve",
            "scan-7.png",
            "--server",
            &url,
            "--by",
            "anna",
        ],
    );
    assert!(
        approved.status.success(),
        "{}",
        String::from_utf8_lossy(&approved.stderr)
    );

    // A new scan under the same name: the decision was for the old one.
    std::fs::write(
        files.join("inbox/scan-7.png"),
        b"%PDF-1.4 another invoice, longer",
    )
    .unwrap();
    std::fs::remove_file(files.join("validation/scan-7.png.json")).unwrap();
    assert_eq!(run_intake(&url, "scan-7.png")["status"], "needs_validation");
}
