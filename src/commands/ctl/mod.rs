//! `flowbot ctl`: the control plane's command-line client.

mod bots;
pub(crate) mod client;
mod queues;
mod schedules;
mod table;
mod triggers;

use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use crate::cli::OutputFormat;
use crate::config::Resolved;
use client::Client;

#[derive(Debug, Args)]
pub(crate) struct CtlArgs {
    /// The control plane's URL [default: setting server.url]
    #[arg(long, global = true, value_name = "URL")]
    server: Option<String>,
    #[command(subcommand)]
    command: CtlCommand,
}

#[derive(Debug, Subcommand)]
enum CtlCommand {
    /// List, show, create and cancel jobs
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Run history: jobs by bot, outcome and age, e.g. `runs --bot intake --status failed --since 1d`
    Runs {
        #[arg(long)]
        bot: Option<String>,
        /// succeeded, failed, cancelled, timed_out (or queued, leased, running)
        #[arg(long)]
        status: Option<String>,
        /// Only runs that changed within this long, e.g. 30m, 12h, 1d, 2w
        #[arg(long, value_name = "AGE")]
        since: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Push bot packages as new versions, list them, publish or roll back
    #[command(subcommand)]
    Bots(bots::BotsCommand),
    /// Queue jobs on cron schedules (time zones, business calendars, missed-run policy)
    #[command(subcommand)]
    Schedules(schedules::SchedulesCommand),
    /// Work queues: items with reference, priority, deadline; SLA and age at a glance
    #[command(subcommand)]
    Queues(queues::QueuesCommand),
    /// Start bots when a file lands, a webhook is called or queue items wait
    #[command(subcommand)]
    Triggers(triggers::TriggersCommand),
    /// List registered agents
    #[command(subcommand)]
    Agents(AgentsCommand),
}

#[derive(Debug, Subcommand)]
enum JobsCommand {
    /// Newest first
    List {
        /// queued, leased, running, succeeded, failed, cancelled or timed_out
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        bot: Option<String>,
        /// Only jobs that changed within this long, e.g. 30m, 12h, 1d, 2w
        #[arg(long, value_name = "AGE")]
        since: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// One job with its error and outputs
    Show { id: String },
    /// Queue a job for a bot version
    Create {
        #[arg(long)]
        bot: String,
        /// The bot version; 0 runs the published one
        #[arg(long, default_value_t = 0)]
        version: u32,
        /// Job input, repeatable; the value is read as JSON when it parses, else as text
        #[arg(long = "input", value_name = "KEY=VALUE")]
        inputs: Vec<String>,
        /// Higher runs first
        #[arg(long, default_value_t = 0)]
        priority: i32,
        /// Only agents with this label may run it (repeatable)
        #[arg(long = "label")]
        labels: Vec<String>,
        #[arg(long, default_value_t = 3)]
        max_attempts: u32,
    },
    /// Cancel a queued job, or ask the agent running it to stop
    Cancel { id: String },
    /// The step events the job's runs reported
    Events { id: String },
    /// The job's run log, every attempt, streamed by the agent while the bot runs
    Logs {
        id: String,
        /// Show only lines at this level or above
        #[arg(long, value_parser = ["debug", "step", "info", "warn", "error"])]
        level: Option<String>,
    },
    /// Files the job's runs uploaded: what the bot saved under artifacts/
    Artifacts { id: String },
    /// Download one artifact (`-o -` writes it to stdout)
    Artifact {
        id: String,
        name: String,
        #[arg(short, long, value_name = "FILE")]
        output: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum AgentsCommand {
    List,
}

pub(crate) fn ctl(args: &CtlArgs, settings: &Resolved) -> anyhow::Result<ExitCode> {
    let client = Client::new(args.server.as_deref().unwrap_or(&settings.value.server.url))?;
    let format = settings.value.format;
    let answer = match &args.command {
        CtlCommand::Jobs(JobsCommand::List {
            state,
            bot,
            since,
            limit,
        }) => {
            return list_jobs(
                &client,
                format,
                state.as_deref(),
                bot.as_deref(),
                since.as_deref(),
                *limit,
            );
        }
        CtlCommand::Runs {
            bot,
            status,
            since,
            limit,
        } => {
            return list_jobs(
                &client,
                format,
                status.as_deref(),
                bot.as_deref(),
                since.as_deref(),
                *limit,
            );
        }
        CtlCommand::Jobs(JobsCommand::Show { id }) => {
            client.get(&format!("/api/v1/jobs/{id}"), &[])?
        }
        CtlCommand::Jobs(JobsCommand::Create {
            bot,
            version,
            inputs,
            priority,
            labels,
            max_attempts,
        }) => {
            let body = json!({
                "bot": {"name": bot, "version": version},
                "inputs": parse_inputs(inputs)?,
                "priority": priority,
                "required_labels": labels,
                "max_attempts": max_attempts,
            });
            client.post("/api/v1/jobs", &body)?
        }
        CtlCommand::Jobs(JobsCommand::Cancel { id }) => {
            client.post(&format!("/api/v1/jobs/{id}/cancel"), &json!({}))?
        }
        CtlCommand::Jobs(JobsCommand::Events { id }) => {
            let events = client.get(&format!("/api/v1/jobs/{id}/events"), &[])?;
            return print(format, &events, || table::events(&events));
        }
        CtlCommand::Jobs(JobsCommand::Logs { id, level }) => {
            let query: Vec<(&str, String)> = level.iter().map(|l| ("level", l.clone())).collect();
            let lines = client.get(&format!("/api/v1/jobs/{id}/logs"), &query)?;
            return print(format, &lines, || table::log_lines(&lines));
        }
        CtlCommand::Jobs(JobsCommand::Artifacts { id }) => {
            let artifacts = client.get(&format!("/api/v1/jobs/{id}/artifacts"), &[])?;
            return print(format, &artifacts, || table::artifacts(&artifacts));
        }
        CtlCommand::Jobs(JobsCommand::Artifact { id, name, output }) => {
            let data = client.get_bytes(&format!("/api/v1/jobs/{id}/artifacts/{name}"))?;
            if output.as_os_str() == "-" {
                std::io::Write::write_all(&mut std::io::stdout().lock(), &data)?;
            } else {
                std::fs::write(output, &data)
                    .with_context(|| format!("cannot write {}", output.display()))?;
            }
            return Ok(ExitCode::SUCCESS);
        }
        CtlCommand::Bots(command) => return bots::run(command, &client, format),
        CtlCommand::Schedules(command) => return schedules::run(command, &client, format),
        CtlCommand::Queues(command) => return queues::run(command, &client, format),
        CtlCommand::Triggers(command) => return triggers::run(command, &client, format),
        CtlCommand::Agents(AgentsCommand::List) => {
            let agents = client.get("/api/v1/agents", &[])?;
            return print(format, &agents, || table::agents(&agents));
        }
    };
    print(format, &answer, || table::job(&answer))
}

fn list_jobs(
    client: &Client,
    format: OutputFormat,
    state: Option<&str>,
    bot: Option<&str>,
    since: Option<&str>,
    limit: u32,
) -> anyhow::Result<ExitCode> {
    let mut query = vec![("limit", limit.to_string())];
    query.extend(state.map(|state| ("state", state.to_owned())));
    query.extend(bot.map(|bot| ("bot", bot.to_owned())));
    if let Some(age) = since {
        let since = chrono::Utc::now() - parse_age(age)?;
        query.push((
            "since",
            since.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        ));
    }
    let jobs = client.get("/api/v1/jobs", &query)?;
    print(format, &jobs, || table::jobs(&jobs))
}

/// `30m`, `12h`, `1d`, `2w` (or seconds with `s`).
fn parse_age(text: &str) -> anyhow::Result<chrono::Duration> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let amount: i64 = number.parse().map_err(|_| {
        anyhow::anyhow!("--since {text:?}: expected a number and a unit, e.g. 30m, 12h, 1d, 2w")
    })?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => bail!("--since {text:?}: the unit must be s, m, h, d or w"),
    };
    Ok(chrono::Duration::seconds(amount.saturating_mul(seconds)))
}

fn print(
    format: OutputFormat,
    value: &Value,
    text: impl FnOnce() -> String,
) -> anyhow::Result<ExitCode> {
    match format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(value)?),
        OutputFormat::Text => print!("{}", text()),
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn parse_inputs(inputs: &[String]) -> anyhow::Result<serde_json::Map<String, Value>> {
    let mut parsed = serde_json::Map::new();
    for input in inputs {
        let Some((key, value)) = input.split_once('=') else {
            bail!("--input {input:?}: expected KEY=VALUE");
        };
        let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
        parsed.insert(key.to_owned(), value);
    }
    Ok(parsed)
}
