//! `flowbot ctl schedules`: cron schedules with a zone, a business calendar and a policy for
//! runs missed while the control plane was down.

use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use serde_json::json;

use super::client::Client;
use super::{parse_inputs, print, table};
use crate::cli::OutputFormat;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Missed {
    /// One catch-up run for any number of missed fire times
    RunOnce,
    /// A run for every missed fire time (at most 100)
    RunAll,
    /// Drop missed fire times
    Skip,
}

#[derive(Debug, Subcommand)]
pub(crate) enum SchedulesCommand {
    /// Queue a bot's jobs on a cron schedule
    Create {
        #[arg(long)]
        bot: String,
        /// The bot version; 0 runs the one published when each job is queued
        #[arg(long, default_value_t = 0)]
        version: u32,
        /// Five fields `min hour day month weekday` (e.g. "0 2 * * Mon-Fri"), or six/seven
        /// with seconds and year
        #[arg(long)]
        cron: String,
        /// IANA time zone the expression is read in
        #[arg(long, default_value = "UTC")]
        timezone: String,
        /// A date (YYYY-MM-DD, in the zone) not to run on, e.g. a bank holiday (repeatable)
        #[arg(long = "skip-date", value_name = "DATE")]
        skip_dates: Vec<String>,
        /// What to do with fire times missed while the control plane was down
        #[arg(long, value_enum, default_value = "run-once")]
        missed: Missed,
        /// Job input, repeatable (KEY=VALUE; the value is read as JSON when it parses)
        #[arg(long = "input", value_name = "KEY=VALUE")]
        inputs: Vec<String>,
    },
    /// Every schedule with its next and last run
    List,
    /// Stop and remove a schedule (queued jobs stay)
    Delete { id: String },
}

pub(super) fn run(
    command: &SchedulesCommand,
    client: &Client,
    format: OutputFormat,
) -> anyhow::Result<ExitCode> {
    match command {
        SchedulesCommand::Create {
            bot,
            version,
            cron,
            timezone,
            skip_dates,
            missed,
            inputs,
        } => {
            let missed = match missed {
                Missed::RunOnce => "run_once",
                Missed::RunAll => "run_all",
                Missed::Skip => "skip",
            };
            let body = json!({
                "bot": {"name": bot, "version": version},
                "cron": cron,
                "timezone": timezone,
                "skip_dates": skip_dates,
                "missed": missed,
                "inputs": parse_inputs(inputs)?,
            });
            let created = client.post("/api/v1/schedules", &body)?;
            print(format, &created, || {
                table::schedules(&serde_json::Value::Array(vec![created.clone()]))
            })
        }
        SchedulesCommand::List => {
            let schedules = client.get("/api/v1/schedules", &[])?;
            print(format, &schedules, || table::schedules(&schedules))
        }
        SchedulesCommand::Delete { id } => {
            client.delete(&format!("/api/v1/schedules/{id}"))?;
            print(format, &json!({"deleted": id}), || {
                format!("deleted schedule {id}\n")
            })
        }
    }
}
