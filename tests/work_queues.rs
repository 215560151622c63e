//! Work queues and triggers with real processes: two agents racing over 500 queue items process
//! each exactly once; a SIGKILLed agent's item returns and is finished once by another agent; a
//! file landing in a watched folder starts one job, also across a control-plane restart; a
//! webhook needs its secret.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Server, agent, ctl_json as ctl, mine_stats, push, wait_for};
use serde_json::{Value, json};

/// Takes items until the queue is empty, marking each done; outputs how many it processed.
const WORKER: &str = r#"
let queue = input("queue");
let processed = 0;
loop {
    let item = queue_next(queue);
    if item == () { break; }
    if type_of(item.payload) == "map" && "slow" in item.payload { sleep(item.payload.slow); }
    queue_done(item, #{ seen: item.reference });
    processed += 1;
}
output("processed", processed);
"#;

fn serve(db: &Path, lease_seconds: u32) -> (Server, String) {
    let server = Server::start_with(db, &["--lease-seconds", &lease_seconds.to_string()]);
    let url = server.url.clone();
    (server, url)
}

fn queue_counts(url: &str, queue: &str) -> Value {
    ctl(url, &["queues", "show", queue])["counts"].clone()
}

fn items(url: &str, queue: &str) -> Vec<Value> {
    let items = ctl(url, &["queues", "items", queue, "--limit", "1000"]);
    items.as_array().unwrap().clone()
}

fn processed_by_jobs(url: &str, bot: &str) -> i64 {
    ctl(url, &["jobs", "list", "--bot", bot, "--limit", "100"])
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|job| job["outputs"]["processed"].as_i64())
        .sum()
}

#[test]
fn two_agents_racing_over_500_items_process_each_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, url) = serve(&dir.path().join("cp.db"), 30);
    push(&url, dir.path(), "worker", WORKER);
    ctl(&url, &["queues", "create", "claims"]);
    for n in 0..500 {
        let added = ctl(
            &url,
            &[
                "queues",
                "add",
                "claims",
                "--reference",
                &format!("CLM-{n:04}"),
                "--payload",
                &json!({"n": n}).to_string(),
            ],
        );
        assert_eq!(added["duplicate"], false);
    }
    // Adding a reference again changes nothing.
    let again = ctl(
        &url,
        &["queues", "add", "claims", "--reference", "CLM-0007"],
    );
    assert_eq!(again["duplicate"], true);

    ctl(
        &url,
        &[
            "triggers",
            "queue",
            "claims-workers",
            "--bot",
            "worker",
            "--queue",
            "claims",
            "--max-jobs",
            "2",
        ],
    );
    let _a = agent(&url, "a", &dir.path().join("a"), dir.path());
    let _b = agent(&url, "b", &dir.path().join("b"), dir.path());
    wait_for("every item done", Duration::from_secs(120), || {
        queue_counts(&url, "claims")["done"] == 500
    });
    wait_for(
        "both worker jobs to finish",
        Duration::from_secs(30),
        || {
            ctl(
                &url,
                &["jobs", "list", "--bot", "worker", "--state", "succeeded"],
            )
            .as_array()
            .unwrap()
            .len()
                == 2
        },
    );

    let items = items(&url, "claims");
    assert_eq!(items.len(), 500);
    assert!(
        items
            .iter()
            .all(|item| item["state"] == "done" && item["attempt"] == 1)
    );
    assert!(
        items
            .iter()
            .all(|item| item["output"]["seen"] == item["reference"])
    );
    assert_eq!(
        processed_by_jobs(&url, "worker"),
        500,
        "no item processed twice"
    );
}

#[test]
fn a_killed_agents_item_returns_and_is_finished_once_by_another_agent() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, url) = serve(&dir.path().join("cp.db"), 3);
    push(&url, dir.path(), "worker", WORKER);
    ctl(
        &url,
        &["queues", "create", "claims", "--retry-backoff", "0"],
    );
    ctl(
        &url,
        &[
            "queues",
            "add",
            "claims",
            "--reference",
            "CLM-1",
            "--payload",
            r#"{"slow": 4000}"#,
        ],
    );
    ctl(
        &url,
        &[
            "triggers",
            "queue",
            "claims-worker",
            "--bot",
            "worker",
            "--queue",
            "claims",
        ],
    );

    let mut first = agent(&url, "first", &dir.path().join("first"), dir.path());
    wait_for(
        "the first agent to take the item",
        Duration::from_secs(30),
        || queue_counts(&url, "claims")["in_progress"] == 1,
    );
    first.0.kill().unwrap();
    first.0.wait().unwrap();

    let _second = agent(&url, "second", &dir.path().join("second"), dir.path());
    wait_for("the item to be done", Duration::from_secs(60), || {
        queue_counts(&url, "claims")["done"] == 1
    });
    let item = &items(&url, "claims")[0];
    assert_eq!(
        item["attempt"], 2,
        "taken by the dead agent, then by the second"
    );
    assert_eq!(processed_by_jobs(&url, "worker"), 1);
}

/// Outputs the file it was started for.
const INTAKE: &str = r#"
output("file_name", input("file_name"));
output("size", input("size"));
"#;

fn jobs_of(url: &str, bot: &str) -> Vec<Value> {
    ctl(url, &["jobs", "list", "--bot", bot])
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_file_landing_starts_one_job_also_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let db = dir.path().join("cp.db");
    let (mut server, url) = serve(&db, 30);
    push(&url, dir.path(), "intake", INTAKE);
    ctl(
        &url,
        &[
            "triggers",
            "file",
            "scans",
            "--bot",
            "intake",
            "--dir",
            inbox.to_str().unwrap(),
            "--pattern",
            "*.pdf",
            "--settle-ms",
            "300",
        ],
    );
    // Written under a partial name, then renamed into place, as scanners and browsers do.
    std::fs::write(inbox.join("scan-1.pdf.part"), b"%PDF-1.4 first").unwrap();
    std::fs::write(inbox.join("notes.txt"), b"not a pdf").unwrap();
    std::fs::rename(inbox.join("scan-1.pdf.part"), inbox.join("scan-1.pdf")).unwrap();

    let _agent = agent(&url, "a", &dir.path().join("a"), dir.path());
    wait_for("the file's job to succeed", Duration::from_secs(30), || {
        jobs_of(&url, "intake")
            .first()
            .is_some_and(|job| job["state"] == "succeeded")
    });
    let jobs = jobs_of(&url, "intake");
    assert_eq!(jobs.len(), 1, "the .txt file does not match");
    assert_eq!(jobs[0]["outputs"]["file_name"], "scan-1.pdf");
    assert_eq!(jobs[0]["outputs"]["size"], 14);

    // A restart sees the same file again and starts nothing; a new file starts one job.
    server.kill();
    let restarted = Server::start(&db);
    let url = restarted.url.clone();
    std::fs::write(inbox.join("scan-2.pdf"), b"%PDF-1.4 second").unwrap();
    wait_for("the second file's job", Duration::from_secs(30), || {
        jobs_of(&url, "intake").len() == 2
    });
    std::thread::sleep(Duration::from_millis(2500));
    let jobs = jobs_of(&url, "intake");
    assert_eq!(jobs.len(), 2, "scan-1.pdf did not start a second job");
    assert_eq!(jobs[0]["inputs"]["file_name"], "scan-2.pdf");
    let triggers = ctl(&url, &["triggers", "list"]);
    assert_eq!(triggers[0]["fired"], 2);
}

#[test]
fn a_webhook_starts_a_job_only_with_its_secret() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, url) = serve(&dir.path().join("cp.db"), 30);
    push(&url, dir.path(), "intake", INTAKE);
    let created = ctl(&url, &["triggers", "webhook", "erp", "--bot", "intake"]);
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(
        ctl(&url, &["triggers", "list"])[0].get("secret").is_none(),
        "shown once"
    );

    let hook = format!("{url}/api/v1/hooks/erp");
    let http = reqwest::blocking::Client::new();
    let call = |secret: &str, key: &str| {
        http.post(&hook)
            .header("X-Flowbot-Secret", secret)
            .header("Idempotency-Key", key)
            .json(&json!({"invoice": "INV-9"}))
            .send()
            .expect("the control plane answers")
            .status()
            .as_u16()
    };
    assert_eq!(call("wrong", "k1"), 403);
    assert_eq!(call(&secret, "k1"), 202);
    assert_eq!(
        call(&secret, "k1"),
        200,
        "a retried delivery starts nothing new"
    );
    let jobs = jobs_of(&url, "intake");
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["inputs"]["payload"], json!({"invoice": "INV-9"}));
}

#[test]
fn the_run_history_mines_by_url_and_by_store_file_and_exports_as_xes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cp.db");
    let (_server, url) = serve(&db, 30);
    push(&url, dir.path(), "worker", WORKER);
    ctl(&url, &["queues", "create", "claims"]);
    for n in 0..5 {
        ctl(
            &url,
            &["queues", "add", "claims", "--reference", &format!("C{n}")],
        );
    }
    let job = ctl(
        &url,
        &[
            "jobs",
            "create",
            "--bot",
            "worker",
            "--input",
            "queue=claims",
        ],
    );
    let id = job["id"].as_str().unwrap().to_owned();
    let _agent = agent(&url, "a", &dir.path().join("a"), dir.path());
    wait_for("the job to succeed", Duration::from_secs(30), || {
        ctl(&url, &["jobs", "show", &id])["state"] == "succeeded"
    });

    // What the agent reported, counted from the job's own events.
    let events = ctl(&url, &["jobs", "events", &id]);
    let mut expected = std::collections::BTreeMap::<String, u64>::new();
    for event in events.as_array().unwrap() {
        *expected
            .entry(event["activity"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(expected["queue_next"], 6, "five items and the empty answer");
    assert_eq!(expected["queue_done"], 5);

    let by_url = mine_stats(url.as_ref());
    assert_eq!(by_url["cases"], 1);
    let activities: std::collections::BTreeMap<String, u64> =
        serde_json::from_value(by_url["activities"].clone()).unwrap();
    assert_eq!(activities, expected);
    assert_eq!(
        mine_stats(db.as_ref()),
        by_url,
        "the store file reads the same"
    );

    let xes = dir.path().join("history.xes");
    let exported = std::process::Command::new(common::FLOWBOT)
        .args(["mine", "export", &url, "-o"])
        .arg(&xes)
        .output()
        .unwrap();
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let from_xes = mine_stats(&xes);
    assert_eq!(from_xes["activities"], by_url["activities"]);
    assert_eq!(from_xes["events"], by_url["events"]);
}

/// Sends a (hand-made) extracted invoice to validation, as `invoice_intake.rhai` does.
const VALIDATOR: &str = r#"
let invoice = #{
    file: "inbox/scan-7.png",
    document_bytes: 1234,
    fields: #{ total: #{ value: "10.00", confidence: 0.42 } },
    line_items: [],
    issues: [#{ code: "low_confidence", field: "total", message: "total read with confidence 0.42" }],
};
let sent = request_validation(invoice, "validation");
output("item", sent.queue_item);
"#;

#[test]
fn under_a_control_plane_a_validation_request_is_also_a_queue_item() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, url) = serve(&dir.path().join("cp.db"), 30);
    push(&url, dir.path(), "validator", VALIDATOR);
    // The queue exists on every control plane (worked by people); nobody creates it.
    let files = dir.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    let id = ctl(&url, &["jobs", "create", "--bot", "validator"])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let _agent = agent(&url, "clerk-pc", &dir.path().join("agent"), &files);
    wait_for("the job", Duration::from_secs(60), || {
        ctl(&url, &["jobs", "show", &id])["state"] == "succeeded"
    });
    let queued = items(&url, "invoice-validation");
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0]["reference"], "scan-7.png");
    assert_eq!(queued[0]["payload"]["status"], "pending");
    assert_eq!(queued[0]["payload"]["issues"][0]["code"], "low_confidence");
    // The local task file is written as well: the same flow works without the control plane.
    assert!(files.join("validation/scan-7.png.json").is_file());
}
