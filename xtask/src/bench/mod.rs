//! `cargo xtask bench`: criterion micro-benchmarks of every crate, then whole programs against
//! the named peers on the real logs in `../shared/data/logs`, measured side by side in one run:
//! pm4py (pinned, in a venv) through `xtask/bench/compare.sh`, the `process_mining` crate
//! (rust4pm) through `xtask/peers/rust4pm`, and playwright-core through
//! `xtask/bench/browser/run.sh`.

pub(crate) mod intake;
mod measure;
pub(crate) mod nlp;
pub(crate) mod ocr;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::bail;

use crate::shell;

const PM4PY_VERSION: &str = "2.7.23.11";
const PM4PY_LOGS: &[&str] = &[
    "sepsis.xes.gz",
    "receipt.csv",
    "bpic2012.xes.gz",
    "bpic2012_x2.xes.gz",
];
const RUST4PM_LOGS: &[&str] = &[
    "sepsis.xes.gz",
    "receipt.xes.gz",
    "bpic2012.xes.gz",
    "bpic2012_x2.xes.gz",
];

#[derive(clap::Args)]
pub(crate) struct BenchArgs {
    /// Skip the criterion micro-benchmarks
    #[arg(long)]
    no_micro: bool,
    /// Skip the whole-program comparisons with pm4py, rust4pm and Playwright
    #[arg(long)]
    no_peers: bool,
    /// Runs per tool and log for the rust4pm round (the median is reported)
    #[arg(long, default_value_t = 3)]
    runs: usize,
}

pub(crate) fn run(args: &BenchArgs) -> anyhow::Result<()> {
    if !args.no_micro {
        shell::cargo(&["bench", "--workspace"])?;
    }
    if !args.no_peers {
        let root = shell::workspace_root();
        let logs = root.join("../shared/data/logs");
        if !logs.is_dir() {
            bail!(
                "the shared logs are not at {}; the peer comparisons need them",
                logs.display()
            );
        }
        let target =
            std::env::var("CARGO_TARGET_DIR").map_or_else(|_| root.join("target"), PathBuf::from);
        shell::cargo(&["build", "--release", "--quiet", "--bin", "flowbot"])?;
        against_pm4py(&root, &logs, &target)?;
        against_rust4pm(&logs, &target, args.runs)?;
        against_playwright(&root, &target, args.runs)?;
    }
    println!("\nCopy the figures, with the date, machine and command, into docs/benchmarks.md.");
    Ok(())
}

fn against_pm4py(root: &Path, logs: &Path, target: &Path) -> anyhow::Result<()> {
    let venv = target.join("bench/venv");
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
            .arg(root.join("xtask/bench/pm4py-requirements.txt"));
        shell::run(install)?;
    }
    let mut compare = Command::new("bash");
    compare
        .arg(root.join("xtask/bench/compare.sh"))
        .arg(&python)
        .args(PM4PY_LOGS.iter().map(|log| logs.join(log)))
        .env("CARGO_TARGET_DIR", target)
        .current_dir(root);
    shell::run(compare)
}

fn against_rust4pm(logs: &Path, target: &Path, runs: usize) -> anyhow::Result<()> {
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
    let scratch = target.join("bench");
    std::fs::create_dir_all(&scratch)?;
    let flowbot = target.join("release/flowbot");
    let peer = target.join("release/rust4pm-peer");
    println!(
        "\n| log | flowbot mine stats s | rust4pm import+DFG+variants s | ratio | flowbot RSS MB | rust4pm RSS MB |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for name in RUST4PM_LOGS {
        let log = logs.join(name).to_string_lossy().into_owned();
        let ours = measure::measure(
            &flowbot,
            &["mine", "stats", &log, "--format", "json", "--quiet"],
            runs,
            &scratch,
        )?;
        let theirs = measure::measure(&peer, &[&log], runs, &scratch)?;
        println!(
            "| {name} | {:.3} | {:.3} | {:.1}× | {:.0} | {:.0} |",
            ours.wall_s,
            theirs.wall_s,
            theirs.wall_s / ours.wall_s,
            ours.peak_rss_mb,
            theirs.peak_rss_mb
        );
    }
    Ok(())
}

/// The browser round: Flowbot and playwright-core (from npm, driving the same Debian chromium)
/// on the same sample back-office pages, alternately.
fn against_playwright(root: &Path, target: &Path, runs: usize) -> anyhow::Result<()> {
    let playwright = root.join("xtask/bench/playwright");
    if !playwright.join("node_modules/playwright-core").is_dir() {
        let mut install = Command::new("npm");
        install.args(["ci", "--silent"]).current_dir(&playwright);
        shell::run(install)?;
    }
    let mut compare = Command::new("sh");
    compare
        .arg(root.join("xtask/bench/browser/run.sh"))
        .arg(target.join("release/flowbot"))
        .arg(runs.to_string())
        .current_dir(root);
    shell::run(compare)
}
