//! `flowbot mine …`: import a log (with a progress bar past one second), apply the shared
//! filters, and print one analysis as text or JSON.

mod args;
mod bottlenecks;
mod conform;
mod discover;
mod export;
mod history;
mod map;
mod stats;
mod text;
mod variants;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use flowbot_miner::Log;
use flowbot_miner::filter::apply_all;
use flowbot_miner::import::import_path;
use indicatif::{ProgressBar, ProgressStyle};

pub(crate) use args::MineCommand;
use args::{FilterArgs, InputArgs};

use crate::cli::OutputFormat;
use crate::config::Resolved;

/// How many diagnostics are printed before the rest are only counted.
const SHOWN_DIAGNOSTICS: usize = 20;
/// Imports shorter than this get no progress bar.
const PROGRESS_AFTER: Duration = Duration::from_secs(1);

pub(crate) fn run(command: MineCommand, settings: &Resolved) -> anyhow::Result<ExitCode> {
    let format = settings.value.format;
    let (log, code) = run_command(command, format)?;
    // The process ends right after this: freeing a large log's many small allocations one by
    // one would cost about a tenth of the run, for nothing.
    std::mem::forget(log);
    Ok(code)
}

/// Runs one subcommand and hands back the log it loaded.
fn run_command(command: MineCommand, format: OutputFormat) -> anyhow::Result<(Log, ExitCode)> {
    match command {
        MineCommand::Stats {
            input,
            filters,
            top,
        } => {
            let (log, diagnostics) = load(&input, &filters)?;
            let code = stats::print(&log, &diagnostics, &filters, top, format)?;
            Ok((log, code))
        }
        MineCommand::Variants {
            input,
            filters,
            top,
        } => {
            let (log, _) = load(&input, &filters)?;
            let code = variants::print(&log, top, format)?;
            Ok((log, code))
        }
        MineCommand::Bottlenecks {
            input,
            filters,
            sla,
            between,
            top,
        } => {
            let (log, _) = load(&input, &filters)?;
            let code = bottlenecks::print(&log, sla.as_deref(), between.as_deref(), top, format)?;
            Ok((log, code))
        }
        MineCommand::Map {
            input,
            filters,
            output,
            overlay,
        } => {
            let (log, _) = load(&input, &filters)?;
            let code = map::write(&log, &filters, overlay, &output)?;
            Ok((log, code))
        }
        MineCommand::Discover {
            input,
            filters,
            algo,
            noise,
            dependency_threshold,
            and_threshold,
            loop_two_threshold,
            output,
            view,
        } => {
            let (log, _) = load(&input, &filters)?;
            let settings = discover::Settings {
                algorithm: algo,
                noise,
                heuristics: flowbot_miner::discovery::heuristics::Thresholds {
                    dependency: dependency_threshold,
                    and_measure: and_threshold,
                    loop_two: loop_two_threshold,
                    ..Default::default()
                },
            };
            let output = output.as_deref().map(|path| (path, view));
            let code = discover::run(&log, &settings, output, format)?;
            Ok((log, code))
        }
        MineCommand::Conform {
            input,
            model,
            filters,
            method,
            timeout,
            precision,
        } => {
            let (log, _) = load(&input, &filters)?;
            let code = conform::run(&log, &model, method, timeout, precision, format)?;
            Ok((log, code))
        }
        MineCommand::Export {
            input,
            filters,
            output,
        } => {
            let (log, _) = load(&input, &filters)?;
            let code = export::write(&log, &output)?;
            Ok((log, code))
        }
    }
}

/// Writes to stdout; a closed pipe (`| head`) ends quietly instead of failing.
fn emit(text: &str) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(error) => Err(error.into()),
    }
}

fn emit_json(value: &impl serde::Serialize) -> anyhow::Result<ExitCode> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    emit(&text)
}

/// Imports and filters, printing diagnostics to stderr.
fn load(
    input: &InputArgs,
    filters: &FilterArgs,
) -> anyhow::Result<(Log, Vec<flowbot_miner::Diagnostic>)> {
    let options = input.import_options()?;
    let filters = filters.filters()?;
    let started = Instant::now();
    let (log, diagnostics) = import_with_progress(&input.log, &options, input.quiet)?;
    tracing::debug!(
        events = log.num_events(),
        cases = log.num_cases(),
        milliseconds = started.elapsed().as_millis(),
        "imported {}",
        input.log.display()
    );
    for diagnostic in diagnostics.iter().take(SHOWN_DIAGNOSTICS) {
        eprintln!("warning: {diagnostic}");
    }
    if diagnostics.len() > SHOWN_DIAGNOSTICS {
        eprintln!(
            "warning: … and {} more diagnostics (see `--format json`)",
            diagnostics.len() - SHOWN_DIAGNOSTICS
        );
    }
    let started = Instant::now();
    let log = apply_all(log, &filters)?;
    tracing::debug!(
        milliseconds = started.elapsed().as_millis(),
        "filtered to {} events",
        log.num_events()
    );
    Ok((log, diagnostics))
}

fn import_with_progress(
    path: &Path,
    options: &flowbot_miner::import::ImportOptions,
    quiet: bool,
) -> anyhow::Result<(Log, Vec<flowbot_miner::Diagnostic>)> {
    if let Some(imported) = history::import(path)? {
        return Ok(imported);
    }
    let (file, total) = if path.is_dir() {
        let files = flowbot_miner::import::run_history_files(path);
        let total = files
            .iter()
            .filter_map(|file| std::fs::metadata(file).ok())
            .map(|meta| meta.len())
            .sum();
        (path.to_path_buf(), total)
    } else {
        let total = std::fs::metadata(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .len();
        (path.to_path_buf(), total)
    };
    let started = Instant::now();
    let mut bar: Option<ProgressBar> = None;
    let mut report = |bytes: u64| {
        if quiet {
            return;
        }
        if bar.is_none() && started.elapsed() >= PROGRESS_AFTER {
            let style =
                ProgressStyle::with_template("{msg} {wide_bar} {bytes}/{total_bytes} ({eta})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar());
            let new_bar = ProgressBar::new(total).with_style(style);
            new_bar.set_message(format!("importing {}", file.display()));
            bar = Some(new_bar);
        }
        if let Some(bar) = &bar {
            bar.set_position(bytes);
        }
    };
    let result = import_path(path, options, &mut report);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(result?)
}
