//! Agents as real processes against a real control plane: jobs run and their events reach the
//! run history; a SIGKILLed agent's job is requeued after its lease expires and finished by
//! another agent; two agents racing over many jobs run each exactly once.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Killed, Server, agent, ctl_json as ctl, push, wait_for};
use serde_json::Value;

fn serve(db: &Path, lease_seconds: u32) -> (Server, String) {
    let server = Server::start_with(db, &["--lease-seconds", &lease_seconds.to_string()]);
    let url = server.url.clone();
    (server, url)
}

/// `flowbot agent --keep-runs`: it also writes each run's record to its run folder.
fn agent_keeping_runs(url: &str, name: &str, data_dir: &Path, files_root: &Path) -> Killed {
    common::agent_with(url, name, data_dir, files_root, &["--keep-runs"])
}

fn job_state(url: &str, id: &str) -> Value {
    ctl(url, &["jobs", "show", id])
}

#[test]
fn a_job_runs_on_an_agent_and_its_events_reach_the_run_history() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, url) = serve(&dir.path().join("cp.db"), 30);
    push(
        &url,
        dir.path(),
        "greeter",
        "let who = input(\"who\");\nstep(\"Greet\", || sleep(10));\noutput(\"greeting\", `hello ${who}`);\n",
    );
    let job = ctl(
        &url,
        &["jobs", "create", "--bot", "greeter", "--input", "who=ops"],
    );
    let id = job["id"].as_str().unwrap();
    let _agent = agent_keeping_runs(&url, "a1", &dir.path().join("a1"), dir.path());

    wait_for("the job to succeed", Duration::from_secs(30), || {
        job_state(&url, id)["state"] == "succeeded"
    });
    let finished = job_state(&url, id);
    assert_eq!(finished["outputs"]["greeting"], "hello ops");
    let events = ctl(&url, &["jobs", "events", id]);
    let activities: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["activity"].as_str().unwrap())
        .collect();
    assert!(activities.contains(&"Greet"), "{activities:?}");
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .all(|event| event["resource"] == "greeter@a1")
    );
    // The control plane holds exactly the events the agent wrote to its run folder.
    let runs: Vec<_> = std::fs::read_dir(dir.path().join("a1/runs"))
        .unwrap()
        .collect();
    assert_eq!(runs.len(), 1);
    let local =
        std::fs::read_to_string(runs[0].as_ref().unwrap().path().join("events.jsonl")).unwrap();
    assert_eq!(local.lines().count(), activities.len());
}

#[test]
fn a_killed_agents_job_is_requeued_and_finished_by_another_agent() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, url) = serve(&dir.path().join("cp.db"), 3);
    push(
        &url,
        dir.path(),
        "slow",
        "step(\"Work\", || sleep(2500));\noutput(\"done\", true);\n",
    );
    let id = ctl(&url, &["jobs", "create", "--bot", "slow"])["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let first = agent(&url, "doomed", &dir.path().join("doomed"), dir.path());
    wait_for(
        "the first agent to lease the job",
        Duration::from_secs(20),
        || job_state(&url, &id)["state"] == "leased" || job_state(&url, &id)["state"] == "running",
    );
    drop(first); // SIGKILL mid-job: no result, no more heartbeats.

    wait_for(
        "the lease to expire and the job to be requeued",
        Duration::from_secs(20),
        || job_state(&url, &id)["state"] == "queued",
    );
    let requeued = job_state(&url, &id);
    assert!(
        requeued["error"]["message"]
            .as_str()
            .unwrap()
            .contains("stopped heartbeating"),
        "{requeued}"
    );

    let _second = agent(&url, "rescuer", &dir.path().join("rescuer"), dir.path());
    wait_for(
        "the second agent to finish the job",
        Duration::from_secs(40),
        || job_state(&url, &id)["state"] == "succeeded",
    );
    let done = job_state(&url, &id);
    assert_eq!(done["attempt"], 2);
    assert_eq!(done["outputs"]["done"], true);
    assert!(
        ctl(&url, &["jobs", "events", &id])
            .as_array()
            .unwrap()
            .iter()
            .any(|event| event["resource"] == "slow@rescuer")
    );
}

#[test]
fn two_agents_racing_over_many_jobs_run_each_exactly_once() {
    const JOBS: usize = 60;
    let dir = tempfile::tempdir().unwrap();
    let (_server, url) = serve(&dir.path().join("cp.db"), 30);
    push(
        &url,
        dir.path(),
        "quick",
        "let n = input(\"n\");\nstep(\"Process item\", || n * 2);\noutput(\"n\", n);\n",
    );
    let ids: Vec<String> = (0..JOBS)
        .map(|n| {
            ctl(
                &url,
                &[
                    "jobs",
                    "create",
                    "--bot",
                    "quick",
                    "--input",
                    &format!("n={n}"),
                ],
            )["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    // Agent `a` keeps a local record of every run; `b` leaves that to the control plane.
    let _a = agent_keeping_runs(&url, "a", &dir.path().join("a"), dir.path());
    let _b = agent(&url, "b", &dir.path().join("b"), dir.path());

    wait_for("every job to succeed", Duration::from_secs(120), || {
        ctl(
            &url,
            &["jobs", "list", "--state", "succeeded", "--limit", "1000"],
        )
        .as_array()
        .unwrap()
        .len()
            == JOBS
    });
    let mut ran_on_a = 0;
    for id in &ids {
        let job = job_state(&url, id);
        assert_eq!(job["attempt"], 1, "{job}");
        let events = ctl(&url, &["jobs", "events", id]);
        let processed: Vec<&Value> = events
            .as_array()
            .unwrap()
            .iter()
            .filter(|event| event["activity"] == "Process item")
            .collect();
        assert_eq!(processed.len(), 1, "job {id} processed {processed:?}");
        if processed[0]["resource"] == "quick@a" {
            ran_on_a += 1;
        }
    }
    let run_folders = |agent: &str| -> Vec<std::path::PathBuf> {
        std::fs::read_dir(dir.path().join(agent).join("runs"))
            .map(|runs| runs.map(|run| run.unwrap().path()).collect())
            .unwrap_or_default()
    };
    let kept = run_folders("a");
    assert_eq!(kept.len(), ran_on_a, "one run folder per job `a` ran");
    for folder in &kept {
        for record in ["events.jsonl", "run.log", "run.json"] {
            assert!(folder.join(record).is_file(), "{}", folder.display());
        }
    }
    assert_eq!(
        run_folders("b"),
        Vec::<std::path::PathBuf>::new(),
        "a job that writes no file leaves nothing on the agent's disk by default"
    );
}

#[test]
fn an_agent_needs_the_control_planes_token() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(&dir.path().join("cp.db"), &["--agent-token", "s3cret"]);
    let url = server.url.clone();
    push(&url, dir.path(), "hello", "output(\"greeting\", \"hi\");\n");
    let id = ctl(&url, &["jobs", "create", "--bot", "hello"])["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let refused = std::process::Command::new(common::FLOWBOT)
        .arg("--data-dir")
        .arg(dir.path().join("intruder"))
        .args(["agent", "--server", &url])
        .env_remove("FLOWBOT_AGENT_TOKEN")
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("agent token"), "{stderr}");

    let _agent = common::Killed(
        std::process::Command::new(common::FLOWBOT)
            .arg("--data-dir")
            .arg(dir.path().join("trusted"))
            .args(["agent", "--server", &url, "--files-root"])
            .arg(dir.path())
            .env("FLOWBOT_AGENT_TOKEN", "s3cret")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for("the job to succeed", Duration::from_secs(20), || {
        job_state(&url, &id)["state"] == "succeeded"
    });
}

#[test]
fn a_runs_log_streams_while_it_runs_and_its_artifacts_reach_the_control_plane() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, url) = serve(&dir.path().join("cp.db"), 30);
    push(
        &url,
        dir.path(),
        "reporter",
        "log(\"writing the report\");\nsleep(3000);\nwrite_text(run_folder() + \"/artifacts/report.txt\", \"42 rows\");\n",
    );
    let id = ctl(&url, &["jobs", "create", "--bot", "reporter"])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let _agent = agent(&url, "a", &dir.path().join("a"), dir.path());
    // The line logged before the 3 s sleep is readable while the bot still sleeps.
    wait_for("the first log line", Duration::from_secs(20), || {
        let lines = ctl(&url, &["jobs", "logs", &id]);
        lines.as_array().is_some_and(|lines| {
            lines
                .iter()
                .any(|line| line["message"] == "writing the report")
        })
    });
    assert_eq!(job_state(&url, &id)["state"], "running");
    wait_for("the job to succeed", Duration::from_secs(20), || {
        job_state(&url, &id)["state"] == "succeeded"
    });
    let lines = ctl(&url, &["jobs", "logs", &id]);
    let levels_and_messages: Vec<(&str, &str)> = lines
        .as_array()
        .unwrap()
        .iter()
        .map(|line| {
            (
                line["level"].as_str().unwrap(),
                line["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(levels_and_messages.contains(&("info", "writing the report")));
    assert!(levels_and_messages.contains(&("step", "sleep ok")));
    assert_eq!(
        levels_and_messages.last(),
        Some(&("info", "run ended: Succeeded"))
    );
    assert!(
        ctl(&url, &["jobs", "logs", &id, "--level", "warn"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    let text = common::ctl(&url, &["--format", "text", "jobs", "logs", &id]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("info  writing the report"));

    let listed = ctl(&url, &["jobs", "artifacts", &id]);
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|artifact| artifact["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["artifacts/report.txt"]);
    // The run folder appeared when the bot wrote into it, and holds only what the bot wrote.
    let folders: Vec<_> = std::fs::read_dir(dir.path().join("a/runs"))
        .unwrap()
        .map(|run| run.unwrap().path())
        .collect();
    assert_eq!(folders.len(), 1);
    let kept: Vec<_> = std::fs::read_dir(&folders[0])
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(kept, ["artifacts"]);

    let report = dir.path().join("report.txt");
    let download = common::ctl(
        &url,
        &[
            "jobs",
            "artifact",
            &id,
            "artifacts/report.txt",
            "-o",
            report.to_str().unwrap(),
        ],
    );
    assert!(
        download.status.success(),
        "{}",
        String::from_utf8_lossy(&download.stderr)
    );
    assert_eq!(std::fs::read_to_string(&report).unwrap(), "42 rows");
    let missing = common::ctl(&url, &["jobs", "artifact", &id, "nope.txt", "-o", "-"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no artifact"));
}
