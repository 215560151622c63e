//! `flowbot validate --server URL`: the same commands on a control plane's validation queue. A
//! task is the queue item whose reference is the document's file name and whose payload is the
//! task; approving or rejecting records the person's decision on the control plane
//! (`POST /api/v1/queues/<queue>/items/<reference>/decision`), where `validated_invoice` on any
//! agent reads it.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use flowbot_agent::validation::{Decision, DecisionRecord, ValidationTask};
use serde_json::Value;

use super::{ValidateArgs, ValidateCommand, corrections, print_task};
use crate::cli::OutputFormat;
use crate::commands::ctl::client::Client;

pub(super) fn validate(
    args: &ValidateArgs,
    server: &str,
    format: OutputFormat,
) -> anyhow::Result<ExitCode> {
    let client = Client::new(server)?;
    let queue = segment(&args.queue);
    match &args.command {
        ValidateCommand::List { dir } => {
            if dir.is_some() {
                bail!(
                    "`validate list` takes no folder with --server: it lists the queue {}",
                    args.queue
                );
            }
            let items = client.get(
                &format!("/api/v1/queues/{queue}/items"),
                &[("state", "new".to_owned()), ("limit", "1000".to_owned())],
            )?;
            let items = items.as_array().cloned().unwrap_or_default();
            if format == OutputFormat::Json {
                println!("{}", serde_json::to_string_pretty(&items)?);
                return Ok(ExitCode::SUCCESS);
            }
            for item in &items {
                let (reference, task) = task_of(item)?;
                print_task(format, Path::new(&reference), &task)?;
            }
            println!("{} task(s) waiting in {}", items.len(), args.queue);
        }
        ValidateCommand::Show { task } => {
            let item = client.get(&item_path(&queue, task)?, &[])?;
            show(format, &item)?;
        }
        ValidateCommand::Approve { task, set, by, .. } => {
            let decision = Decision::Approve {
                corrections: corrections(set)?,
                by: by.clone(),
            };
            let item = decide(&client, &queue, task, &decision)?;
            show(format, &item)?;
            if format == OutputFormat::Text {
                println!("approved: the next run for this document books it with these values");
            }
        }
        ValidateCommand::Reject { task, reason, by } => {
            let decision = Decision::Reject {
                reason: reason.clone(),
                by: by.clone(),
            };
            let item = decide(&client, &queue, task, &decision)?;
            match format {
                OutputFormat::Json => show(format, &item)?,
                OutputFormat::Text => println!("{} rejected: {reason}", task.display()),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn decide(client: &Client, queue: &str, task: &Path, decision: &Decision) -> anyhow::Result<Value> {
    let body = serde_json::to_value(decision)?;
    client.post(&format!("{}/decision", item_path(queue, task)?), &body)
}

/// An item as JSON, or its task (with the decision applied) as text.
fn show(format: OutputFormat, item: &Value) -> anyhow::Result<()> {
    if format == OutputFormat::Json {
        println!("{}", serde_json::to_string_pretty(item)?);
        return Ok(());
    }
    let (reference, task) = task_of(item)?;
    print_task(format, Path::new(&reference), &task)
}

/// The validation task an item carries, with the decision recorded on it if there is one.
fn task_of(item: &Value) -> anyhow::Result<(String, ValidationTask)> {
    let reference = item["reference"].as_str().unwrap_or("?").to_owned();
    let task: ValidationTask = serde_json::from_value(item["payload"].clone())
        .with_context(|| format!("item {reference} is not a validation task"))?;
    let task = match item.get("output").filter(|output| !output.is_null()) {
        Some(output) => {
            let record: DecisionRecord = serde_json::from_value(output.clone())
                .with_context(|| format!("item {reference} has an unreadable decision"))?;
            task.with_record(record)
        }
        None => task,
    };
    Ok((reference, task))
}

/// The item's API path: the reference is the document's file name, as `request_validation`
/// queued it.
fn item_path(queue: &str, task: &Path) -> anyhow::Result<String> {
    let Some(name) = task.file_name().and_then(|name| name.to_str()) else {
        bail!("{} is not a document file name", task.display());
    };
    Ok(format!("/api/v1/queues/{queue}/items/{}", segment(name)))
}

/// Percent-encodes a URL path segment (file names may hold spaces, `#` or `?`).
fn segment(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}
