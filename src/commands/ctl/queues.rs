//! `flowbot ctl queues`: work queues with their SLA and age, and their items.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::{Value, json};

use super::client::Client;
use super::{print, table};
use crate::cli::OutputFormat;

#[derive(Debug, Subcommand)]
pub(crate) enum QueuesCommand {
    /// Create a work queue (creating the same queue again changes nothing)
    Create {
        name: String,
        #[arg(long, default_value = "")]
        description: String,
        /// System exceptions are retried this many times before an item fails
        #[arg(long, default_value_t = 3)]
        max_retries: u32,
        /// Seconds before the first retry; each further retry waits twice as long
        #[arg(long, default_value_t = 30)]
        retry_backoff: u64,
        /// Items are due this many seconds after they arrive, unless they bring a deadline
        #[arg(long, value_name = "SECONDS")]
        sla: Option<u64>,
        /// Who settles the items: bots take them; people decide them (`flowbot validate
        /// --server`), and bots can then only add and look them up
        #[arg(long, value_parser = ["bots", "people"], default_value = "bots")]
        worked_by: String,
    },
    /// Every queue: items per state, the oldest waiting item's age, items past their deadline
    List,
    /// One queue's summary
    Show { name: String },
    /// Add an item; an item whose reference is already in the queue is not added twice
    Add {
        queue: String,
        /// Unique key of the item within the queue (an invoice number)
        #[arg(long)]
        reference: Option<String>,
        /// The item's data as JSON
        #[arg(long, default_value = "null")]
        payload: String,
        /// Higher is taken first
        #[arg(long, default_value_t = 0)]
        priority: i32,
        /// RFC 3339 time the item must be done by
        #[arg(long)]
        deadline: Option<String>,
        /// RFC 3339 time before which no bot takes it
        #[arg(long)]
        defer_until: Option<String>,
    },
    /// A queue's items in arrival order
    Items {
        queue: String,
        /// new, in_progress, done, business_exception or failed
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

pub(super) fn run(
    command: &QueuesCommand,
    client: &Client,
    format: OutputFormat,
) -> anyhow::Result<ExitCode> {
    match command {
        QueuesCommand::Create {
            name,
            description,
            max_retries,
            retry_backoff,
            sla,
            worked_by,
        } => {
            let body = json!({
                "name": name,
                "description": description,
                "max_retries": max_retries,
                "retry_backoff_s": retry_backoff,
                "sla_s": sla,
                "worked_by": worked_by,
            });
            let queue = client.post("/api/v1/queues", &body)?;
            print(format, &queue, || {
                table::queues(&Value::Array(vec![queue.clone()]))
            })
        }
        QueuesCommand::List => {
            let queues = client.get("/api/v1/queues", &[])?;
            print(format, &queues, || table::queues(&queues))
        }
        QueuesCommand::Show { name } => {
            let queue = client.get(&format!("/api/v1/queues/{name}"), &[])?;
            print(format, &queue, || {
                table::queues(&Value::Array(vec![queue.clone()]))
            })
        }
        QueuesCommand::Add {
            queue,
            reference,
            payload,
            priority,
            deadline,
            defer_until,
        } => {
            let payload: Value = serde_json::from_str(payload)
                .map_err(|error| anyhow::anyhow!("--payload is not JSON: {error}"))?;
            let body = json!({
                "reference": reference,
                "payload": payload,
                "priority": priority,
                "deadline": deadline,
                "defer_until": defer_until,
            });
            let added = client.post(&format!("/api/v1/queues/{queue}/items"), &body)?;
            print(format, &added, || {
                let verb = if added["duplicate"] == true {
                    "already queued"
                } else {
                    "added"
                };
                format!(
                    "{verb}: item {}\n",
                    added["item"]["id"].as_str().unwrap_or("?")
                )
            })
        }
        QueuesCommand::Items {
            queue,
            state,
            limit,
        } => {
            let mut query = vec![("limit", limit.to_string())];
            query.extend(state.clone().map(|state| ("state", state)));
            let items = client.get(&format!("/api/v1/queues/{queue}/items"), &query)?;
            print(format, &items, || table::items(&items))
        }
    }
}
