//! `flowbot serve`: the control plane on one machine, with its SQLite store in the data dir.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use flowbot_control_plane::store::{LeasePolicy, SqliteStore};
use flowbot_control_plane::{AppState, serve};

use crate::config::Resolved;

#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on, e.g. 0.0.0.0:8640 (port 0 picks a free port) [default: setting server.listen]
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// The store file [default: DATA_DIR/control-plane.db]
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
    /// Seconds a lease lasts without a heartbeat before its job is requeued
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    lease_seconds: u64,
    /// Agents must present this token (`flowbot agent --token`); prefer the environment
    /// variable, a flag shows in `ps`
    #[arg(
        long,
        env = "FLOWBOT_AGENT_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    agent_token: Option<String>,
    /// Step events, logs and artifacts of runs that ended longer ago than this are purged
    /// (jobs, their outcome and outputs stay); 0 keeps everything
    #[arg(long, default_value_t = 90, value_name = "DAYS")]
    retain_days: u64,
    /// A scheduled run found this many seconds late (after downtime) counts as missed, and
    /// the schedule's missed-run policy (run once, run all, skip) applies
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    schedule_grace_seconds: u64,
}

pub(crate) fn serve_command(args: &ServeArgs, settings: &Resolved) -> anyhow::Result<ExitCode> {
    let db = match &args.db {
        Some(path) => path.clone(),
        None => {
            std::fs::create_dir_all(&settings.value.data_dir).with_context(|| {
                format!(
                    "cannot create data dir {}",
                    settings.value.data_dir.display()
                )
            })?;
            settings.value.data_dir.join("control-plane.db")
        }
    };
    let store = SqliteStore::open(&db)
        .with_context(|| format!("cannot open the store {}", db.display()))?;
    let lease_for = std::time::Duration::from_secs(args.lease_seconds.max(3));
    let policy = LeasePolicy {
        lease_for,
        heartbeat_every: lease_for / 3,
        ..LeasePolicy::default()
    };
    let mut state =
        AppState::new(Arc::new(store), policy).with_agent_token(args.agent_token.clone());
    // Artifacts live beside the store, so one folder holds a control plane's whole state.
    state.artifact_dir = Some(
        db.parent()
            .unwrap_or_else(|| std::path::Path::new("."))
            .join("artifacts"),
    );
    state.schedule_grace = std::time::Duration::from_secs(args.schedule_grace_seconds);
    state.retain = (args.retain_days > 0)
        .then(|| std::time::Duration::from_secs(args.retain_days.saturating_mul(86_400)));
    let listen = args
        .listen
        .clone()
        .unwrap_or_else(|| settings.value.server.listen.clone());

    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let address = listener.local_addr()?;
        // The first line of stdout is the address, so scripts and tests can use port 0.
        println!(
            "Flowbot control plane listening on http://{address} (store: {})",
            db.display()
        );
        serve(listener, state, shutdown_signal()).await?;
        eprintln!("control plane stopped");
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Resolves on Ctrl-C or SIGTERM, so in-flight requests finish before the process exits.
pub(crate) async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    let mut terminate =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => {
                interrupt.await.ok();
                return;
            }
        };
    tokio::select! {
        _ = interrupt => {}
        _ = terminate.recv() => {}
    }
}
