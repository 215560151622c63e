//! `flowbot mine stats` against pm4py and the `process_mining` crate (rust4pm) on the real logs
//! in `../shared/data/logs`, each tool in a fresh process, with a check that all three report
//! the same cases, events, DFG edges and variants before any speed is compared.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use serde_json::Value;

use super::measure::{Measurement, measure};
use crate::shell;

const PM4PY_VERSION: &str = "2.7.23.11";

/// Logs every tool reads, smallest first; the largest runs once.
const LOGS: &[&str] = &[
    "running-example.xes",
    "roadtraffic100traces.xes",
    "receipt.xes.gz",
    "repairExample.xes.gz",
    "sepsis.xes.gz",
    "bpic2012.xes.gz",
    "bpic2012_x2.xes.gz",
];

struct Tools {
    flowbot: PathBuf,
    rust4pm: PathBuf,
    python: PathBuf,
    pm4py_script: PathBuf,
}

pub(crate) fn compare(runs: usize) -> anyhow::Result<()> {
    let root = shell::workspace_root();
    let logs_dir = root.join("../shared/data/logs");
    if !logs_dir.is_dir() {
        bail!(
            "the shared logs are not at {}; the miner comparison needs them",
            logs_dir.display()
        );
    }
    let tools = prepare(&root)?;
    let scratch = root.join("target/bench");
    std::fs::create_dir_all(&scratch)?;

    let mut table = String::from(
        "| log | events | flowbot s | pm4py s (in-process) | rust4pm s | pm4py ÷ flowbot | rust4pm ÷ flowbot | peak RSS MB flowbot / pm4py / rust4pm | results agree |\n|---|---:|---:|---:|---:|---:|---:|---|---|\n",
    );
    for name in LOGS {
        let log = logs_dir.join(name);
        let log_text = log.to_string_lossy().into_owned();
        let runs = if name.contains("x2") { 1 } else { runs };
        eprintln!("xtask: bench: {name} ({runs} run(s) per tool)");
        let flowbot = measure(
            &tools.flowbot,
            &["mine", "stats", &log_text, "--format", "json", "--quiet"],
            runs,
            &scratch,
        )?;
        let pm4py = measure(
            &tools.python,
            &[&tools.pm4py_script.to_string_lossy(), &log_text],
            runs,
            &scratch,
        )?;
        let rust4pm = measure(&tools.rust4pm, &[&log_text], runs, &scratch)?;
        let ours = flowbot_counts(&flowbot)?;
        let agree = ours == peer_counts(&pm4py)? && ours == peer_counts(&rust4pm)?;
        let in_process = json(&pm4py)?["in_process_s"].as_f64().unwrap_or(f64::NAN);
        writeln!(
            table,
            "| {name} | {} | {:.3} | {:.3} ({in_process:.3}) | {:.3} | {:.1}× | {:.1}× | {:.0} / {:.0} / {:.0} | {} |",
            ours[1],
            flowbot.wall_s,
            pm4py.wall_s,
            rust4pm.wall_s,
            pm4py.wall_s / flowbot.wall_s,
            rust4pm.wall_s / flowbot.wall_s,
            flowbot.peak_rss_mb,
            pm4py.peak_rss_mb,
            rust4pm.peak_rss_mb,
            if agree { "yes" } else { "**no**" },
        )?;
    }
    let report = scratch.join("miner.md");
    std::fs::write(&report, &table)?;
    println!("\n{table}\n(also in {})", report.display());
    Ok(())
}

fn json(measurement: &Measurement) -> anyhow::Result<Value> {
    serde_json::from_str(measurement.stdout.trim())
        .with_context(|| format!("not JSON: {}", measurement.stdout))
}

/// (cases, events, dfg edges, variants) as `flowbot mine stats --format json` reports them.
fn flowbot_counts(measurement: &Measurement) -> anyhow::Result<[u64; 4]> {
    let stats = json(measurement)?;
    Ok([
        stats["cases"].as_u64().unwrap_or(0),
        stats["events"].as_u64().unwrap_or(0),
        stats["dfg"]
            .as_array()
            .map_or(0, |edges| edges.len() as u64),
        stats["variants"]["total"].as_u64().unwrap_or(0),
    ])
}

fn peer_counts(measurement: &Measurement) -> anyhow::Result<[u64; 4]> {
    let stats = json(measurement)?;
    Ok(["cases", "events", "dfg_edges", "variants"].map(|key| stats[key].as_u64().unwrap_or(0)))
}

/// Release builds of flowbot and the rust4pm peer (one target dir), and a venv with pm4py.
fn prepare(root: &Path) -> anyhow::Result<Tools> {
    shell::cargo(&["build", "--release", "--quiet", "--bin", "flowbot"])?;
    let target =
        std::env::var("CARGO_TARGET_DIR").map_or_else(|_| root.join("target"), PathBuf::from);
    let target_text = target.to_string_lossy().into_owned();
    shell::cargo(&[
        "build",
        "--release",
        "--quiet",
        "--manifest-path",
        "xtask/peers/rust4pm/Cargo.toml",
        "--target-dir",
        &target_text,
    ])?;
    let venv = root.join("target/bench/venv");
    let python = venv.join("bin/python");
    let wanted = format!("import pm4py, sys; sys.exit(pm4py.__version__ != '{PM4PY_VERSION}')");
    if !shell::answers(&python.to_string_lossy(), &["-c", &wanted]) {
        eprintln!(
            "xtask: bench: creating a venv with pm4py {PM4PY_VERSION} from PyPI in {}",
            venv.display()
        );
        let mut create = Command::new("python3");
        create.arg("-m").arg("venv").arg(&venv);
        shell::run(create)?;
        let mut install = Command::new(&python);
        install
            .args(["-m", "pip", "install", "-q", "-r"])
            .arg(root.join("xtask/peers/pm4py-requirements.txt"));
        shell::run(install)?;
    }
    Ok(Tools {
        flowbot: target.join("release/flowbot"),
        rust4pm: target.join("release/rust4pm-peer"),
        python,
        pm4py_script: root.join("xtask/peers/pm4py_stats.py"),
    })
}
