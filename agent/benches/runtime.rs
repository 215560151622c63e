//! Runtime overheads: engine start + compile, per-step cost with event emission, memory per
//! idle bot, and 1000 short runs on one agent. Results and the machine go in
//! docs/benchmarks.md. `cargo bench -p flowbot-agent --bench runtime`

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use criterion::{Criterion, Throughput};
use flowbot_agent::events::{JsonlSink, MemorySink};
use flowbot_agent::run::{RunOptions, build_engine, detached_runtime, run_script};
use flowbot_agent::runtime::{FileRoots, Runtime, RuntimeParts};
use flowbot_agent::sandbox::Stopper;
use flowbot_agent::secrets::SecretChain;
use flowbot_agent::{CancelToken, Limits};
use flowbot_model::ids::RunId;

const RECONCILE: &str = include_str!("../../scripts/reconcile_transactions.rhai");
const STEPS_PER_ITERATION: u64 = 1_000;

fn scripts_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts"))
}

fn engine_start_and_compile(c: &mut Criterion) {
    let limits = Limits::default();
    c.bench_function("engine start + compile reconcile_transactions.rhai", |b| {
        b.iter(|| {
            let runtime = detached_runtime(Box::new(MemorySink::default()), &limits);
            let (engine, _) = build_engine(&limits, scripts_dir(), &runtime);
            black_box(engine.compile(RECONCILE).unwrap())
        });
    });
}

fn step_overhead(c: &mut Criterion) {
    let limits = Limits::default();
    let dir = tempfile::tempdir().unwrap();
    // As in a real run: events.jsonl and run.log both get a line per step.
    let sink = JsonlSink::create(&dir.path().join("events.jsonl")).unwrap();
    let runtime = Arc::new(Runtime::new(RuntimeParts {
        run_id: RunId::from("bench"),
        resource: "bench@local".to_owned(),
        script: "bench.rhai".to_owned(),
        stopper: Stopper::new(CancelToken::new(), limits.timeout),
        roots: FileRoots::new(&[dir.path().to_path_buf()]).unwrap(),
        run_dir: Some(dir.path().to_path_buf()),
        dry_run: false,
        inputs: Default::default(),
        secrets: Box::new(SecretChain::default()),
        work_queue: None,
        sink: Box::new(sink),
        log: Some(std::fs::File::create(dir.path().join("run.log")).unwrap()),
        echo_log: false,
        // The overhead of the step wrapper alone, not of the personal-data model.
        redact_log_pii: false,
    }));
    let (engine, _) = build_engine(&limits, dir.path(), &runtime);
    let mut group = c.benchmark_group("per step");
    group.throughput(Throughput::Elements(STEPS_PER_ITERATION));
    // `sleep(0)` does nothing but go through the step wrapper: stop check, timing, one event
    // serialised and written to events.jsonl.
    let steps = engine
        .compile(format!("for i in 0..{STEPS_PER_ITERATION} {{ sleep(0); }}"))
        .unwrap();
    group.bench_function(
        "no-op step with event to events.jsonl and line to run.log",
        |b| {
            b.iter(|| engine.run_ast(&steps).unwrap());
        },
    );
    // The same loop calling a pure native function: what the script costs without a step.
    let baseline = engine
        .compile(format!(
            "for i in 0..{STEPS_PER_ITERATION} {{ round_to(1.0, 0); }}"
        ))
        .unwrap();
    group.bench_function("baseline: native call without step", |b| {
        b.iter(|| engine.run_ast(&baseline).unwrap());
    });
    group.finish();
}

fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Memory of an idle bot: a runtime, its engine with every step, and the compiled script,
/// held alive 200 at a time.
fn memory_per_idle_bot() {
    const BOTS: usize = 200;
    let limits = Limits::default();
    let before = resident_kib();
    let mut bots = Vec::with_capacity(BOTS);
    for _ in 0..BOTS {
        let runtime = detached_runtime(Box::new(MemorySink::default()), &limits);
        let (engine, _) = build_engine(&limits, scripts_dir(), &runtime);
        let ast = engine.compile(RECONCILE).unwrap();
        bots.push((Arc::clone(&runtime), engine, ast));
    }
    let after = resident_kib();
    println!(
        "memory per idle bot: {:.1} KiB ({BOTS} bots, RSS {before} KiB -> {after} KiB)",
        (after - before) as f64 / BOTS as f64
    );
    black_box(bots);
}

/// 1000 complete runs of a four-step bot, one after another, each with its own run folder.
fn thousand_runs() {
    const RUNS: u32 = 1000;
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("bot.rhai");
    std::fs::write(
        &script,
        "let n = input(\"n\", 1);\nwrite_text(\"out.txt\", `${n}`);\noutput(\"n\", read_text(\"out.txt\"));\n",
    )
    .unwrap();
    let started = Instant::now();
    for _ in 0..RUNS {
        let options = RunOptions::new(&script, dir.path(), dir.path().join("runs"));
        let report = run_script(options).unwrap();
        assert_eq!(report.events, 4);
    }
    let elapsed = started.elapsed();
    println!(
        "1000 runs of a 4-step bot: {:.2} s, {:.2} ms per run",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / RUNS as f64
    );
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    engine_start_and_compile(&mut criterion);
    step_overhead(&mut criterion);
    criterion.final_summary();
    memory_per_idle_bot();
    thousand_runs();
}
