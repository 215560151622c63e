//! `cargo xtask demo`: Flowbot's main job end to end, for real, on this machine.
//!
//! A control plane starts with a fresh store, a CoE author pushes the sample reconciliation
//! bot (checked on upload), operations queue jobs, an agent leases and runs them, every step's
//! event lands in the run history, and the miner turns that history into a process map.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::Value;

use crate::shell;

/// Tolerances (days) the demo's jobs use: each run reconciles the same statement differently.
const TOLERANCES: [u32; 4] = [0, 1, 3, 7];

/// A child process stopped when dropped, so a failed demo leaves nothing running.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

pub(crate) fn run() -> anyhow::Result<()> {
    let root = shell::workspace_root();
    shell::cargo(&["build", "--quiet", "--bin", "flowbot"])?;
    let target =
        std::env::var("CARGO_TARGET_DIR").map_or_else(|_| root.join("target"), PathBuf::from);
    let flowbot = target.join("debug/flowbot");
    let demo = root.join("target/demo");
    if demo.exists() {
        std::fs::remove_dir_all(&demo)
            .with_context(|| format!("cannot clear {}", demo.display()))?;
    }
    std::fs::create_dir_all(&demo)?;

    step("1/6 check the sample bots");
    let scripts: Vec<PathBuf> = std::fs::read_dir(root.join("scripts"))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "rhai"))
        .collect();
    let mut check = Command::new(&flowbot);
    check.arg("check").args(&scripts).current_dir(&root);
    shell::run(check)?;

    step("2/6 start a control plane with a fresh store");
    let (_server, url) = start_server(&flowbot, &demo.join("control-plane.db"))?;
    println!("control plane at {url}");

    step("3/6 push the reconciliation bot (checked on upload)");
    let ctl = |args: &[&str]| -> anyhow::Result<Value> {
        let output = Command::new(&flowbot)
            .args(["--format", "json", "ctl", "--server", &url])
            .args(args)
            .current_dir(&root)
            .output()?;
        if !output.status.success() {
            bail!(
                "flowbot ctl {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(serde_json::from_slice(&output.stdout)?)
    };
    let version = ctl(&[
        "bots",
        "push",
        "scripts",
        "--name",
        "reconcile",
        "--entry",
        "reconcile_transactions.rhai",
    ])?;
    println!("reconcile v{} stored", version["version"]);

    step("4/6 queue jobs and start an agent with 2 slots");
    let mut jobs = Vec::new();
    for days in TOLERANCES {
        let job = ctl(&[
            "jobs",
            "create",
            "--bot",
            "reconcile",
            "--input",
            &format!("tolerance_days={days}"),
        ])?;
        jobs.push(job["id"].as_str().context("job id")?.to_owned());
    }
    let agent = Command::new(&flowbot)
        .arg("--data-dir")
        .arg(demo.join("agent"))
        .args([
            "agent",
            "--server",
            &url,
            "--name",
            "demo-agent",
            "--slots",
            "2",
            "--files-root",
        ])
        .arg(&root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start flowbot agent")?;
    let _agent = Running(agent);
    let started = Instant::now();
    loop {
        let states: Vec<Value> = jobs
            .iter()
            .map(|id| ctl(&["jobs", "show", id]))
            .collect::<anyhow::Result<_>>()?;
        if states.iter().all(|job| job["state"] == "succeeded") {
            for (days, job) in TOLERANCES.iter().zip(&states) {
                println!(
                    "job {}  tolerance {days} d: {} matched, {} exceptions  ({})",
                    job["id"].as_str().unwrap_or(""),
                    job["outputs"]["matched"],
                    job["outputs"]["exceptions"],
                    job["state"].as_str().unwrap_or("")
                );
            }
            break;
        }
        if let Some(failed) = states.iter().find(|job| job["state"] == "failed") {
            bail!("a demo job failed: {failed}");
        }
        if started.elapsed() > Duration::from_secs(120) {
            bail!("the demo jobs did not finish in 2 minutes: {states:?}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }

    step("5/6 collect the run history from the control plane");
    let history = demo.join("history.jsonl");
    let mut lines = String::new();
    for id in &jobs {
        for event in ctl(&["jobs", "events", id])?
            .as_array()
            .into_iter()
            .flatten()
        {
            lines.push_str(&event.to_string());
            lines.push('\n');
        }
    }
    std::fs::write(&history, &lines)?;
    println!(
        "{} step events from {} runs -> {}",
        lines.lines().count(),
        jobs.len(),
        history.display()
    );

    step("6/6 mine the bots' own history");
    let mut stats = Command::new(&flowbot);
    stats
        .args(["mine", "stats"])
        .arg(&history)
        .args(["--top", "3", "--quiet"]);
    shell::run(stats)?;
    let map = demo.join("map.html");
    let mut draw = Command::new(&flowbot);
    draw.args(["mine", "map"])
        .arg(&history)
        .arg("-o")
        .arg(&map)
        .arg("--quiet");
    shell::run(draw)?;

    println!(
        "\nDemo finished: {} bot runs leased, run and recorded by the control plane; process map at {}",
        jobs.len(),
        map.display()
    );
    Ok(())
}

fn step(title: &str) {
    println!("\n== {title}");
}

fn start_server(flowbot: &Path, db: &Path) -> anyhow::Result<(Running, String)> {
    let mut child = Command::new(flowbot)
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start flowbot serve")?;
    let stdout = child.stdout.take().context("serve stdout")?;
    let server = Running(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let url = line
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .with_context(|| format!("flowbot serve did not print its address: {line:?}"))?
        .to_owned();
    Ok((server, url))
}
