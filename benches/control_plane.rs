//! Whole-program benchmark of the control plane on loopback, with real `flowbot serve` and
//! `flowbot agent` processes: dispatch latency (enqueue → the bot's first step) with an idle
//! agent, throughput of trivial jobs with 4 agents, work-queue items per second, and the
//! server's memory with 10 000 jobs queued. `cargo bench --bench control_plane` (also run by
//! `cargo xtask bench`); prints a Markdown table for docs/benchmarks.md.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

const FLOWBOT: &str = env!("CARGO_BIN_EXE_flowbot");
const LATENCY_JOBS: usize = 200;
const THROUGHPUT_JOBS: usize = 2000;
const QUEUE_ITEMS: usize = 2000;
const MEMORY_JOBS: usize = 10_000;
/// Slots per agent in the throughput round.
const SLOTS: u32 = 4;

/// A child killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

struct Bench {
    http: reqwest::blocking::Client,
    url: String,
    dir: tempfile::TempDir,
}

impl Bench {
    fn post(&self, path: &str, body: &Value) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.url))
            .json(body)
            .send()
            .expect("the control plane answers");
        assert!(
            response.status().is_success(),
            "POST {path}: {}",
            response.status()
        );
        response.json().expect("JSON answer")
    }

    fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.url))
            .send()
            .and_then(reqwest::blocking::Response::json)
            .expect("the control plane answers")
    }

    fn agent(&self, name: &str, slots: u32) -> Process {
        let child = Command::new(FLOWBOT)
            .arg("--data-dir")
            .arg(self.dir.path().join(name))
            .args([
                "agent",
                "--server",
                &self.url,
                "--name",
                name,
                "--slots",
                &slots.to_string(),
                "--files-root",
            ])
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("agent starts");
        Process(child)
    }

    fn count(&self, path: &str) -> usize {
        self.get(path).as_array().map_or(0, Vec::len)
    }

    fn wait_until(&self, what: &str, done: impl Fn() -> bool) {
        let started = Instant::now();
        while !done() {
            assert!(
                started.elapsed() < Duration::from_secs(600),
                "timed out: {what}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn serve(dir: &Path) -> (Process, String) {
    let mut child = Command::new(FLOWBOT)
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(dir.join("cp.db"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("flowbot serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("serve prints its address");
    let url = line
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .expect("a URL")
        .to_owned();
    (Process(child), url)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

/// Enqueue one job at a time on an idle agent; latency is from just before the POST to the
/// start of the bot's first step (both clocks are this machine's).
fn dispatch_latency(bench: &Bench) -> (f64, f64) {
    let _agent = bench.agent("idle", 1);
    std::thread::sleep(Duration::from_secs(1));
    let mut latencies = Vec::with_capacity(LATENCY_JOBS);
    for _ in 0..LATENCY_JOBS {
        let before: DateTime<Utc> = Utc::now();
        let job = bench.post(
            "/api/v1/jobs",
            &json!({"bot": {"name": "trivial", "version": 0}}),
        );
        let id = job["id"].as_str().expect("job id").to_owned();
        bench.wait_until("the job to finish", || {
            bench.get(&format!("/api/v1/jobs/{id}"))["state"] == "succeeded"
        });
        let events = bench.get(&format!("/api/v1/jobs/{id}/events"));
        let first = &events[0];
        let started = first["start_time"]
            .as_str()
            .or(first["time"].as_str())
            .expect("a time");
        let started = DateTime::parse_from_rfc3339(started).expect("RFC 3339");
        latencies.push((started.to_utc() - before).num_microseconds().unwrap_or(0) as f64 / 1000.0);
    }
    latencies.sort_by(f64::total_cmp);
    (percentile(&latencies, 0.5), percentile(&latencies, 0.99))
}

/// Post `count` bodies from 4 client threads; returns the wall time.
fn burst(bench: &Bench, path: &str, count: usize, body: impl Fn(usize) -> Value + Sync) -> f64 {
    let started = Instant::now();
    std::thread::scope(|scope| {
        for worker in 0..4 {
            let body = &body;
            scope.spawn(move || {
                for n in (worker..count).step_by(4) {
                    bench.post(path, &body(n));
                }
            });
        }
    });
    started.elapsed().as_secs_f64()
}

/// CPU seconds (user + system) a process has used so far.
fn cpu_seconds(process: &Process) -> f64 {
    let stat =
        std::fs::read_to_string(format!("/proc/{}/stat", process.0.id())).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at ") ".
    let fields: Vec<&str> = stat
        .rsplit_once(") ")
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |index: usize| {
        fields
            .get(index)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// Jobs per second, and the CPU milliseconds per job spent by the server and by the agents.
fn throughput(bench: &Bench, server: &Process) -> (f64, f64, f64) {
    let agents: Vec<Process> = (0..4)
        .map(|n| bench.agent(&format!("worker-{n}"), SLOTS))
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    let agents_cpu = |agents: &[Process]| agents.iter().map(cpu_seconds).sum::<f64>();
    let (server_before, agents_before) = (cpu_seconds(server), agents_cpu(&agents));
    let started = Instant::now();
    burst(
        bench,
        "/api/v1/jobs",
        THROUGHPUT_JOBS,
        |_| json!({"bot": {"name": "trivial", "version": 0}}),
    );
    // Cheap checks (one row each): listing thousands of finished jobs in a tight loop would
    // load the store and slow the agents being measured.
    bench.wait_until("every job to finish", || {
        ["queued", "leased", "running"]
            .iter()
            .all(|state| bench.count(&format!("/api/v1/jobs?state={state}&limit=1")) == 0)
    });
    let jobs_per_s = THROUGHPUT_JOBS as f64 / started.elapsed().as_secs_f64();
    let per_job_ms = |seconds: f64| seconds * 1000.0 / THROUGHPUT_JOBS as f64;
    let server_ms = per_job_ms(cpu_seconds(server) - server_before);
    let agents_ms = per_job_ms(agents_cpu(&agents) - agents_before);
    drop(agents);
    (jobs_per_s, server_ms, agents_ms)
}

/// Items added per second, and items processed per second by 4 agents.
fn queue_items(bench: &Bench) -> (f64, f64) {
    bench.post("/api/v1/queues", &json!({"name": "bench"}));
    let added = burst(
        bench,
        "/api/v1/queues/bench/items",
        QUEUE_ITEMS,
        |n| json!({"reference": format!("item-{n}"), "payload": {"n": n}}),
    );
    let agents: Vec<Process> = (0..4)
        .map(|n| bench.agent(&format!("queue-{n}"), 1))
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    let started = Instant::now();
    bench.post(
        "/api/v1/triggers",
        &json!({"name": "bench-workers", "on": {"queue": {"queue": "bench", "max_jobs": 4}},
                "job": {"bot": {"name": "drain", "version": 0}}}),
    );
    bench.wait_until("every item to be done", || {
        bench.get("/api/v1/queues/bench")["counts"]["done"].as_u64() == Some(QUEUE_ITEMS as u64)
    });
    drop(agents);
    (
        QUEUE_ITEMS as f64 / added,
        QUEUE_ITEMS as f64 / started.elapsed().as_secs_f64(),
    )
}

/// VmRSS of the server after queuing `MEMORY_JOBS` jobs nobody runs.
fn memory_at_queued(bench: &Bench, server: &Process) -> (f64, f64) {
    let status =
        || std::fs::read_to_string(format!("/proc/{}/status", server.0.id())).unwrap_or_default();
    let rss_mb = |text: &str| {
        text.lines()
            .find(|line| line.starts_with("VmRSS:"))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    let before = rss_mb(&status());
    burst(
        bench,
        "/api/v1/jobs",
        MEMORY_JOBS,
        |_| json!({"bot": {"name": "trivial", "version": 0}}),
    );
    (before, rss_mb(&status()))
}

fn main() {
    // `cargo bench` passes `--bench`; a filter that excludes us means "not this one".
    if std::env::args()
        .skip(1)
        .any(|arg| !arg.starts_with('-') && !"control_plane".contains(&arg))
    {
        return;
    }
    let dir = tempfile::tempdir().expect("scratch folder");
    let (server, url) = serve(dir.path());
    let bench = Bench {
        http: reqwest::blocking::Client::new(),
        url,
        dir,
    };
    let package = |script: &str| json!({"entry": "main.rhai", "files": {"main.rhai": script}});
    bench.post(
        "/api/v1/bots/trivial/versions",
        &package("output(\"ok\", true);\n"),
    );
    bench.post(
        "/api/v1/bots/drain/versions",
        &package("let item = queue_next(input(\"queue\"));\nwhile type_of(item) == \"map\" {\n    queue_done(item);\n    item = queue_next(input(\"queue\"));\n}\n"),
    );

    let (p50, p99) = dispatch_latency(&bench);
    let (jobs_per_s, server_ms, agents_ms) = throughput(&bench, &server);
    let (added_per_s, done_per_s) = queue_items(&bench);
    let (idle_mb, queued_mb) = memory_at_queued(&bench, &server);

    println!("\n| control plane (loopback, release build) | result |");
    println!("|---|---:|");
    println!("| dispatch latency p50, idle agent ({LATENCY_JOBS} jobs) | {p50:.1} ms |");
    println!("| dispatch latency p99 | {p99:.1} ms |");
    println!(
        "| trivial jobs/s, 4 agents × {SLOTS} slots ({THROUGHPUT_JOBS} jobs) | {jobs_per_s:.0} |"
    );
    println!(
        "| CPU per trivial job: server (incl. the enqueue request) / 4 agents | {server_ms:.2} ms / {agents_ms:.2} ms |"
    );
    println!("| queue items added/s (4 HTTP clients) | {added_per_s:.0} |");
    println!("| queue items processed/s, 4 agents ({QUEUE_ITEMS} items) | {done_per_s:.0} |");
    println!(
        "| server RSS idle → with {MEMORY_JOBS} more queued jobs | {idle_mb:.0} MB → {queued_mb:.0} MB |"
    );
}
