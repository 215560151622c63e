//! `flowbot samples`: the sample apps bots are written and tested against.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use flowbot_backoffice::{Options, parse_latency};

use crate::config::Resolved;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum SamplesCommand {
    /// The sample back-office web app: login, onboarding and invoice forms, claims search
    Backoffice(BackofficeArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct BackofficeArgs {
    /// Port to listen on (127.0.0.1); 0 picks a free one, printed on the first line
    #[arg(long, default_value_t = 8650)]
    port: u16,
    /// The SQLite file [default: DATA_DIR/backoffice.db]
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Random delay before every page, in milliseconds: MIN-MAX (e.g. 0-2000) or one number
    #[arg(long, value_name = "MIN-MAX", default_value = "0", value_parser = parse_latency)]
    latency_ms: std::ops::RangeInclusive<u64>,
    /// Share of requests (0.0–1.0) answered with HTTP 500
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    failure_rate: f64,
    /// Serve what was saved as JSON under /api/ (for tests; never on a shared machine)
    #[arg(long)]
    expose_data: bool,
    /// The password of user `clerk`
    #[arg(
        long,
        env = "FLOWBOT_BACKOFFICE_PASSWORD",
        default_value = "flowbot",
        hide_env_values = true
    )]
    password: String,
    /// Minutes an unused session stays signed in
    #[arg(long, default_value_t = 15)]
    session_minutes: u64,
}

fn parse_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if (0.0..=1.0).contains(&rate) => Ok(rate),
        _ => Err(format!(
            "failure rate `{text}` must be a number from 0.0 to 1.0"
        )),
    }
}

pub(crate) fn run(command: &SamplesCommand, settings: &Resolved) -> anyhow::Result<ExitCode> {
    match command {
        SamplesCommand::Backoffice(args) => backoffice(args, settings),
    }
}

fn backoffice(args: &BackofficeArgs, settings: &Resolved) -> anyhow::Result<ExitCode> {
    let db = match &args.db {
        Some(path) => path.clone(),
        None => {
            let dir = &settings.value.data_dir;
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create data dir {}", dir.display()))?;
            dir.join("backoffice.db")
        }
    };
    let options = Options {
        db: Some(db.clone()),
        password: args.password.clone(),
        session_timeout: Duration::from_secs(args.session_minutes.max(1) * 60),
        latency: args.latency_ms.clone(),
        failure_rate: args.failure_rate,
        expose_data: args.expose_data,
        seed_customers: Vec::new(),
    };
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
            .await
            .with_context(|| format!("cannot listen on port {}", args.port))?;
        let address = listener.local_addr()?;
        // The first line of stdout is the address, so scripts and tests can use port 0.
        println!(
            "Flowbot sample back office on http://{address} (user clerk; database {})",
            db.display()
        );
        flowbot_backoffice::serve(listener, options, super::serve::shutdown_signal()).await?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
