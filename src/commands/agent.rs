//! `flowbot agent`: a robot that leases jobs from a control plane and runs them.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use clap::ValueEnum;
use flowbot_agent::Limits;
use flowbot_agent::daemon::{DaemonOptions, run_daemon};
use flowbot_model::wire::Capability;

use crate::config::Resolved;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CapabilityArg {
    Browser,
    Desktop,
    Ocr,
    Nlp,
}

#[derive(Debug, clap::Args)]
pub(crate) struct AgentArgs {
    /// The control plane's URL [default: setting server.url]
    #[arg(long, value_name = "URL")]
    server: Option<String>,
    /// The control plane's agent token (prefer the environment variable: a flag shows in `ps`)
    #[arg(
        long,
        env = "FLOWBOT_AGENT_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    token: Option<String>,
    /// This agent's name in run history [default: agent-<pid>]
    #[arg(long)]
    name: Option<String>,
    /// Jobs run at once
    #[arg(long, default_value_t = 1)]
    slots: u32,
    /// Labels jobs can require (repeatable), e.g. --label finance
    #[arg(long = "label", value_name = "LABEL")]
    labels: Vec<String>,
    /// What this machine can do (repeatable)
    #[arg(long = "capability", value_enum, value_name = "CAPABILITY")]
    capabilities: Vec<CapabilityArg>,
    /// The folder bots' file steps may use besides their run folder [default: current dir]
    #[arg(long, value_name = "DIR")]
    files_root: Option<PathBuf>,
    /// Also keep each job's events, log and result on this machine, in
    /// <data dir>/runs/<run id>/ (events.jsonl, run.log, run.json). Off by default: they are
    /// in the control plane's run history (`flowbot ctl runs`), and a run folder then appears
    /// only for a job whose bot writes files into it (artifacts, browser evidence)
    #[arg(long)]
    keep_runs: bool,
}

pub(crate) fn agent(args: &AgentArgs, settings: &Resolved) -> anyhow::Result<ExitCode> {
    let draining = Arc::new(AtomicBool::new(false));
    let abandon = Arc::new(AtomicBool::new(false));
    watch_signals(Arc::clone(&draining), Arc::clone(&abandon))?;
    let files_root = match &args.files_root {
        Some(dir) => dir.clone(),
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    let server = args
        .server
        .clone()
        .unwrap_or_else(|| settings.value.server.url.clone());
    let options = DaemonOptions {
        server: server.clone(),
        token: args.token.clone(),
        name: args
            .name
            .clone()
            .unwrap_or_else(|| format!("agent-{}", std::process::id())),
        labels: args.labels.clone(),
        capabilities: args
            .capabilities
            .iter()
            .map(|capability| match capability {
                CapabilityArg::Browser => Capability::Browser,
                CapabilityArg::Desktop => Capability::Desktop,
                CapabilityArg::Ocr => Capability::Ocr,
                CapabilityArg::Nlp => Capability::Nlp,
            })
            .collect(),
        slots: args.slots.max(1),
        data_dir: settings.value.data_dir.clone(),
        files_root,
        keep_runs: args.keep_runs,
        limits: Limits::default(),
        draining,
        abandon,
    };
    eprintln!(
        "agent {} working for {server} with {} slot(s); SIGTERM drains, a second one abandons",
        options.name, options.slots
    );
    let finished = run_daemon(options).with_context(|| format!("agent stopped ({server})"))?;
    eprintln!("agent stopped after {finished} job(s)");
    Ok(ExitCode::SUCCESS)
}

/// First SIGTERM/Ctrl-C: take no new jobs and finish the running ones. Second: stop the bots
/// and hand their jobs back to the control plane for a retry.
fn watch_signals(draining: Arc<AtomicBool>, abandon: Arc<AtomicBool>) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::spawn(move || {
        runtime.block_on(async move {
            let Ok(mut terminate) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            else {
                return;
            };
            loop {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
                if draining.swap(true, Ordering::SeqCst) {
                    eprintln!("abandoning running jobs: they go back to the control plane");
                    abandon.store(true, Ordering::SeqCst);
                    return;
                }
                eprintln!("draining: finishing running jobs, taking no new ones");
            }
        });
    });
    Ok(())
}
