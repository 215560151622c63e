//! `flowbot serve` and `flowbot ctl` as real processes: the control plane keeps every job it
//! acknowledged even when killed with SIGKILL mid-burst, and ctl reports errors in one line.

mod common;

use std::path::Path;
use std::process::Output;

use common::{Server, ctl};

/// Push a one-line bot so jobs for it are accepted.
fn push_bot(dir: &Path, server: &str, name: &str) {
    let script = dir.join(format!("{name}.rhai"));
    std::fs::write(&script, "log(\"hi\");\n").unwrap();
    let pushed = ctl(server, &["bots", "push", script.to_str().unwrap()]);
    assert!(
        pushed.status.success(),
        "{}",
        String::from_utf8_lossy(&pushed.stderr)
    );
}

fn json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

#[test]
fn ctl_creates_lists_shows_and_cancels_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("cp.db"));
    push_bot(dir.path(), &server.url, "intake");
    let created = json(&ctl(
        &server.url,
        &[
            "--format",
            "json",
            "jobs",
            "create",
            "--bot",
            "intake",
            "--version",
            "1",
            "--input",
            "count=3",
            "--input",
            "folder=/in",
        ],
    ));
    assert_eq!(created["state"], "queued");
    assert_eq!(created["inputs"]["count"], 3);
    assert_eq!(created["inputs"]["folder"], "/in");
    let id = created["id"].as_str().unwrap();

    let listed = ctl(&server.url, &["jobs", "list"]);
    let text = String::from_utf8(listed.stdout).unwrap();
    assert!(text.lines().next().unwrap().starts_with("ID"), "{text}");
    assert!(
        text.contains(id) && text.contains("intake@1") && text.contains("queued"),
        "{text}"
    );

    let cancelled = json(&ctl(
        &server.url,
        &["--format", "json", "jobs", "cancel", id],
    ));
    assert_eq!(cancelled["state"], "cancelled");
    let again = ctl(&server.url, &["jobs", "cancel", id]);
    assert_eq!(again.status.code(), Some(1));
    let error = String::from_utf8(again.stderr).unwrap();
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(error.contains("already_final"), "{error}");
}

#[test]
fn ctl_names_an_unreachable_server_and_unknown_ids() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("cp.db"));
    let missing = ctl(&server.url, &["jobs", "show", "no-such-job"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("not_found"));
    let unreachable = ctl("http://127.0.0.1:9", &["jobs", "list"]);
    assert_eq!(unreachable.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&unreachable.stderr)
            .contains("cannot reach the control plane at http://127.0.0.1:9")
    );
    let bad_input = ctl(
        &server.url,
        &["jobs", "create", "--bot", "x", "--input", "no-equals-sign"],
    );
    assert!(String::from_utf8_lossy(&bad_input.stderr).contains("expected KEY=VALUE"));
}

#[test]
fn every_acknowledged_job_survives_a_sigkill_during_a_burst() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cp.db");
    let mut server = Server::start(&db);
    push_bot(dir.path(), &server.url, "burst");
    let client = reqwest::blocking::Client::new();
    let url = format!("{}/api/v1/jobs", server.url);
    let (acknowledged_tx, acknowledged_rx) = std::sync::mpsc::channel::<String>();
    let burst = std::thread::spawn(move || {
        for n in 0..1000 {
            let body =
                serde_json::json!({"bot": {"name": "burst", "version": 1}, "inputs": {"n": n}});
            match client.post(&url).json(&body).send() {
                Ok(response) if response.status().is_success() => {
                    let job: serde_json::Value = response.json().expect("JSON");
                    acknowledged_tx
                        .send(job["id"].as_str().unwrap().to_owned())
                        .unwrap();
                }
                // The server died mid-burst: everything not acknowledged may be lost.
                _ => break,
            }
        }
    });
    let mut acknowledged = Vec::new();
    while acknowledged.len() < 300 {
        acknowledged.push(acknowledged_rx.recv().expect("the burst runs"));
    }
    server.kill();
    burst.join().unwrap();
    acknowledged.extend(acknowledged_rx.try_iter());
    assert!(acknowledged.len() < 1000, "the kill landed mid-burst");

    let restarted = Server::start(&db);
    let jobs = json(&ctl(
        &restarted.url,
        &[
            "--format", "json", "jobs", "list", "--bot", "burst", "--limit", "5000",
        ],
    ));
    let stored: std::collections::HashSet<&str> = jobs
        .as_array()
        .unwrap()
        .iter()
        .map(|job| job["id"].as_str().unwrap())
        .collect();
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !stored.contains(id.as_str()))
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged jobs lost: {lost:?}",
        lost.len(),
        acknowledged.len()
    );
}

#[test]
fn a_running_server_queues_scheduled_jobs_on_time() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("cp.db"));
    push_bot(dir.path(), &server.url, "ticker");
    // Six fields: every second, so the test does not wait a minute.
    let created = json(&ctl(
        &server.url,
        &[
            "--format",
            "json",
            "schedules",
            "create",
            "--bot",
            "ticker",
            "--cron",
            "* * * * * *",
            "--input",
            "source=schedule",
        ],
    ));
    assert!(created["next_run_at"].is_string(), "{created}");
    let started = std::time::Instant::now();
    let jobs = loop {
        let jobs = json(&ctl(
            &server.url,
            &["--format", "json", "jobs", "list", "--bot", "ticker"],
        ));
        if !jobs.as_array().unwrap().is_empty() {
            break jobs;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "no scheduled job within 10 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(jobs[0]["inputs"]["source"], "schedule");
    let listed = String::from_utf8(ctl(&server.url, &["schedules", "list"]).stdout).unwrap();
    assert!(
        listed.contains("* * * * * * (UTC)") && listed.contains("run_once"),
        "{listed}"
    );

    let bad = ctl(
        &server.url,
        &[
            "schedules",
            "create",
            "--bot",
            "ticker",
            "--cron",
            "61 * * * *",
        ],
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("cron \"61 * * * *\""));
    let id = created["id"].as_str().unwrap();
    assert!(
        ctl(&server.url, &["schedules", "delete", id])
            .status
            .success()
    );
    let gone = ctl(&server.url, &["schedules", "delete", id]);
    assert!(String::from_utf8_lossy(&gone.stderr).contains("not_found"));
}

#[test]
fn runs_filters_history_by_bot_status_and_age() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("cp.db"));
    push_bot(dir.path(), &server.url, "alpha");
    push_bot(dir.path(), &server.url, "beta");
    let alpha = json(&ctl(
        &server.url,
        &["--format", "json", "jobs", "create", "--bot", "alpha"],
    ));
    json(&ctl(
        &server.url,
        &["--format", "json", "jobs", "create", "--bot", "beta"],
    ));
    let id = alpha["id"].as_str().unwrap();
    json(&ctl(
        &server.url,
        &["--format", "json", "jobs", "cancel", id],
    ));

    let cancelled = json(&ctl(
        &server.url,
        &[
            "--format",
            "json",
            "runs",
            "--bot",
            "alpha",
            "--status",
            "cancelled",
            "--since",
            "1d",
        ],
    ));
    assert_eq!(cancelled.as_array().unwrap().len(), 1);
    assert_eq!(cancelled[0]["id"], id);
    let recent = json(&ctl(
        &server.url,
        &["--format", "json", "runs", "--since", "10m"],
    ));
    assert_eq!(recent.as_array().unwrap().len(), 2);
    let none = json(&ctl(
        &server.url,
        &[
            "--format", "json", "runs", "--bot", "beta", "--status", "failed",
        ],
    ));
    assert_eq!(none, serde_json::json!([]));
    let bad = ctl(&server.url, &["runs", "--since", "yesterday"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--since \"yesterday\""));
}

/// Run a schedule firing every second, SIGKILL the control plane for 4 s, restart it, and return
/// the fire time of every scheduled job with the kill and restart times; whatever the policy, no
/// fire time may have run twice.
fn fire_times_over_downtime(
    missed: &str,
) -> (
    Vec<chrono::DateTime<chrono::Utc>>,
    chrono::DateTime<chrono::Utc>,
    chrono::DateTime<chrono::Utc>,
) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cp.db");
    let grace = ["--schedule-grace-seconds", "1"];
    let mut server = Server::start_with(&db, &grace);
    push_bot(dir.path(), &server.url, "ticker");
    json(&ctl(
        &server.url,
        &[
            "--format",
            "json",
            "schedules",
            "create",
            "--bot",
            "ticker",
            "--cron",
            "* * * * * *",
            "--missed",
            missed,
        ],
    ));
    let count = |url: &str| {
        json(&ctl(
            url,
            &["--format", "json", "jobs", "list", "--limit", "500"],
        ))
        .as_array()
        .unwrap()
        .clone()
    };
    while count(&server.url).len() < 2 {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    server.kill();
    let killed_at = chrono::Utc::now();
    std::thread::sleep(std::time::Duration::from_secs(4));
    let restarted_at = chrono::Utc::now();
    let server = Server::start_with(&db, &grace);
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let times: Vec<chrono::DateTime<chrono::Utc>> = count(&server.url)
        .iter()
        .map(|job| {
            let source = job["source"]
                .as_str()
                .expect("scheduled jobs name their source");
            let (_, time) = source.split_once('@').expect("schedule:<id>@<fire time>");
            chrono::DateTime::parse_from_rfc3339(time).unwrap().to_utc()
        })
        .collect();
    let mut distinct: Vec<_> = times.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        times.len(),
        "no fire time ran twice: {times:?}"
    );
    (times, killed_at, restarted_at)
}

/// Whole seconds certainly inside the downtime: after the kill and before the restart, with a
/// second of margin on each side for the sweeper's 500 ms tick and the grace.
fn seconds_down(
    killed_at: chrono::DateTime<chrono::Utc>,
    restarted_at: chrono::DateTime<chrono::Utc>,
) -> impl Fn(&chrono::DateTime<chrono::Utc>) -> bool {
    move |time| {
        *time > killed_at + chrono::Duration::seconds(1)
            && *time < restarted_at - chrono::Duration::seconds(1)
    }
}

#[test]
fn after_downtime_run_all_runs_each_missed_time_once_and_never_twice() {
    let (times, killed_at, restarted_at) = fire_times_over_downtime("run-all");
    let down = seconds_down(killed_at, restarted_at);
    let missed = times.iter().filter(|time| down(time)).count();
    assert!(
        missed >= 1,
        "the missed fire times ran after the restart: {times:?}"
    );
    let expected = (restarted_at - killed_at).num_seconds() - 2;
    assert!(
        (missed as i64 - expected).abs() <= 1,
        "one run per missed second ({missed} for ~{expected}): {times:?}"
    );
}

#[test]
fn after_downtime_skip_drops_the_missed_times_and_never_runs_one_twice() {
    let (times, killed_at, restarted_at) = fire_times_over_downtime("skip");
    let down = seconds_down(killed_at, restarted_at);
    assert!(
        !times.iter().any(&down),
        "skip runs nothing for the downtime: {times:?}"
    );
    assert!(
        times.iter().any(|time| *time >= restarted_at),
        "the schedule goes on after the restart: {times:?}"
    );
}
