//! `flowbot ctl triggers`: start a bot when a file lands, a webhook is called or queue items
//! wait.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::client::Client;
use super::{parse_inputs, print, table};
use crate::cli::OutputFormat;

#[derive(Debug, Subcommand)]
pub(crate) enum TriggersCommand {
    /// Queue a job for each file that lands in a folder on the control plane's host (the job
    /// gets inputs path, file_name and size); each file starts one job, also across restarts
    File {
        #[command(flatten)]
        job: TriggerJob,
        /// The folder to watch
        #[arg(long)]
        dir: PathBuf,
        /// Only names matching this glob, e.g. "*.pdf"
        #[arg(long, default_value = "*")]
        pattern: String,
        /// A file is taken once it has not changed for this many milliseconds
        #[arg(long, default_value_t = 1000)]
        settle_ms: u64,
    },
    /// Queue a job for each POST to /api/v1/hooks/<name> carrying the secret printed once here
    /// in X-Flowbot-Secret (the body becomes input payload; Idempotency-Key dedupes retries)
    Webhook {
        #[command(flatten)]
        job: TriggerJob,
    },
    /// Keep up to --max-jobs jobs queued or running while items wait in a work queue (the job
    /// gets input queue)
    Queue {
        #[command(flatten)]
        job: TriggerJob,
        #[arg(long)]
        queue: String,
        #[arg(long, default_value_t = 1)]
        max_jobs: u32,
    },
    /// Every trigger with how often it fired
    List,
    /// Remove a trigger (its jobs stay)
    Delete { name: String },
}

/// What every kind of trigger queues.
#[derive(Debug, Args)]
pub(crate) struct TriggerJob {
    /// The trigger's unique name
    name: String,
    #[arg(long)]
    bot: String,
    /// The bot version; 0 runs the one published when each job is queued
    #[arg(long, default_value_t = 0)]
    version: u32,
    /// Job input, repeatable (KEY=VALUE; the value is read as JSON when it parses)
    #[arg(long = "input", value_name = "KEY=VALUE")]
    inputs: Vec<String>,
    #[arg(long, default_value_t = 0)]
    priority: i32,
}

fn create(client: &Client, job: &TriggerJob, on: Value) -> anyhow::Result<Value> {
    let body = json!({
        "name": job.name,
        "on": on,
        "job": {
            "bot": {"name": job.bot, "version": job.version},
            "inputs": parse_inputs(&job.inputs)?,
            "priority": job.priority,
        },
    });
    client.post("/api/v1/triggers", &body)
}

pub(super) fn run(
    command: &TriggersCommand,
    client: &Client,
    format: OutputFormat,
) -> anyhow::Result<ExitCode> {
    let created = match command {
        TriggersCommand::File {
            job,
            dir,
            pattern,
            settle_ms,
        } => {
            // The control plane reads the folder; an absolute path means the same on both
            // sides when they share a host.
            let dir = std::path::absolute(dir)
                .with_context(|| format!("cannot resolve {}", dir.display()))?;
            create(
                client,
                job,
                json!({"file": {"dir": dir, "pattern": pattern, "settle_ms": settle_ms}}),
            )?
        }
        TriggersCommand::Webhook { job } => create(client, job, json!("webhook"))?,
        TriggersCommand::Queue {
            job,
            queue,
            max_jobs,
        } => create(
            client,
            job,
            json!({"queue": {"queue": queue, "max_jobs": max_jobs}}),
        )?,
        TriggersCommand::List => {
            let triggers = client.get("/api/v1/triggers", &[])?;
            return print(format, &triggers, || table::triggers(&triggers));
        }
        TriggersCommand::Delete { name } => {
            client.delete(&format!("/api/v1/triggers/{name}"))?;
            return print(format, &json!({"deleted": name}), || {
                format!("deleted trigger {name}\n")
            });
        }
    };
    print(format, &created, || {
        let mut text = table::triggers(&Value::Array(vec![created.clone()]));
        if let Some(secret) = created["secret"].as_str() {
            text.push_str(&format!(
                "secret (shown once, keep it in your caller's vault): {secret}\n"
            ));
        }
        text
    })
}
