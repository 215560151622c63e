//! Text tables for `flowbot ctl`: what operators scan first, in aligned columns.

use std::fmt::Write as _;

use serde_json::Value;

fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    }
}

fn render(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    if rows.is_empty() {
        return "(none)\n".to_owned();
    }
    let widths: Vec<usize> = (0..headers.len())
        .map(|column| {
            rows.iter()
                .map(|row| row[column].chars().count())
                .chain([headers[column].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in std::iter::once(
        headers
            .iter()
            .map(|header| (*header).to_owned())
            .collect::<Vec<_>>(),
    )
    .chain(rows)
    {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    out
}

pub(super) fn jobs(jobs: &Value) -> String {
    let rows = jobs
        .as_array()
        .into_iter()
        .flatten()
        .map(|job| {
            vec![
                text(&job["id"]),
                format!(
                    "{}@{}",
                    text(&job["bot"]["name"]),
                    text(&job["bot"]["version"])
                ),
                text(&job["state"]),
                format!("{}/{}", text(&job["attempt"]), text(&job["max_attempts"])),
                text(&job["priority"]),
                text(&job["updated_at"]),
            ]
        })
        .collect();
    render(
        &["ID", "BOT", "STATE", "ATTEMPT", "PRIORITY", "UPDATED"],
        rows,
    )
}

pub(super) fn job(job: &Value) -> String {
    let mut out = jobs(&Value::Array(vec![job.clone()]));
    if let Some(error) = job.get("error").filter(|error| !error.is_null()) {
        let _ = writeln!(
            out,
            "error ({}): {}",
            text(&error["kind"]),
            text(&error["message"])
        );
    }
    if let Some(outputs) = job["outputs"]
        .as_object()
        .filter(|outputs| !outputs.is_empty())
    {
        let _ = writeln!(out, "outputs: {}", Value::Object(outputs.clone()));
    }
    if job["cancel_requested"] == Value::Bool(true) && job["state"] != "cancelled" {
        let _ = writeln!(
            out,
            "cancel requested: the agent stops the bot at its next heartbeat"
        );
    }
    out
}

pub(super) fn events(events: &Value) -> String {
    let rows = events
        .as_array()
        .into_iter()
        .flatten()
        .map(|event| {
            vec![
                text(&event["time"]),
                text(&event["activity"]),
                text(&event["status"]),
                text(&event["resource"]),
            ]
        })
        .collect();
    render(&["TIME", "ACTIVITY", "STATUS", "RESOURCE"], rows)
}

/// Log lines read like a log file: `time level message`, the attempt marked when it changes.
pub(super) fn log_lines(lines: &Value) -> String {
    let mut out = String::new();
    let mut attempt = None;
    for line in lines.as_array().into_iter().flatten() {
        if attempt != Some(&line["attempt"]) {
            attempt = Some(&line["attempt"]);
            out.push_str(&format!("-- attempt {}\n", text(&line["attempt"])));
        }
        out.push_str(&format!(
            "{} {:5} {}\n",
            text(&line["time"]),
            text(&line["level"]),
            text(&line["message"])
        ));
    }
    out
}

pub(super) fn agents(agents: &Value) -> String {
    let rows = agents
        .as_array()
        .into_iter()
        .flatten()
        .map(|agent| {
            let labels: Vec<String> = agent["labels"]
                .as_array()
                .into_iter()
                .flatten()
                .map(text)
                .collect();
            vec![
                text(&agent["id"]),
                text(&agent["name"]),
                labels.join(","),
                text(&agent["slots"]),
                text(&agent["last_seen"]),
            ]
        })
        .collect();
    render(&["ID", "NAME", "LABELS", "SLOTS", "LAST SEEN"], rows)
}

pub(super) fn bots(bots: &Value) -> String {
    let rows = bots
        .as_array()
        .into_iter()
        .flatten()
        .map(|bot| {
            vec![
                text(&bot["name"]),
                text(&bot["published_version"]),
                text(&bot["latest_version"]),
                text(&bot["created_at"]),
            ]
        })
        .collect();
    render(&["NAME", "PUBLISHED", "LATEST", "CREATED"], rows)
}

pub(super) fn schedules(schedules: &Value) -> String {
    let rows = schedules
        .as_array()
        .into_iter()
        .flatten()
        .map(|schedule| {
            vec![
                text(&schedule["id"]),
                text(&schedule["bot"]["name"]),
                format!(
                    "{} ({})",
                    text(&schedule["cron"]),
                    text(&schedule["timezone"])
                ),
                text(&schedule["missed"]),
                text(&schedule["next_run_at"]),
                text(&schedule["last_run_at"]),
            ]
        })
        .collect();
    render(
        &["ID", "BOT", "CRON", "MISSED", "NEXT RUN", "LAST RUN"],
        rows,
    )
}

/// How long ago an RFC 3339 time was, as `45s`, `12m`, `3h` or `2d`.
fn age(value: &Value) -> String {
    let Some(since) = value
        .as_str()
        .and_then(|text| chrono::DateTime::parse_from_rfc3339(text).ok())
    else {
        return "-".to_owned();
    };
    let seconds = (chrono::Utc::now() - since.to_utc()).num_seconds().max(0);
    match seconds {
        0..60 => format!("{seconds}s"),
        60..3600 => format!("{}m", seconds / 60),
        3600..86400 => format!("{}h", seconds / 3600),
        _ => format!("{}d", seconds / 86400),
    }
}

pub(super) fn queues(queues: &Value) -> String {
    let rows = queues
        .as_array()
        .into_iter()
        .flatten()
        .map(|queue| {
            let count = |state: &str| text(&queue["counts"][state]);
            vec![
                text(&queue["name"]),
                count("new"),
                count("in_progress"),
                count("done"),
                count("business_exception"),
                count("failed"),
                age(&queue["oldest_waiting_since"]),
                text(&queue["past_deadline"]),
                queue["sla_s"]
                    .as_u64()
                    .map_or("-".to_owned(), |sla| format!("{sla}s")),
            ]
        })
        .collect();
    render(
        &[
            "QUEUE",
            "NEW",
            "IN PROGRESS",
            "DONE",
            "BUSINESS EXC",
            "FAILED",
            "OLDEST WAITING",
            "PAST DEADLINE",
            "SLA",
        ],
        rows,
    )
}

pub(super) fn items(items: &Value) -> String {
    let rows = items
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| {
            vec![
                text(&item["id"]),
                text(&item["reference"]),
                text(&item["state"]),
                text(&item["attempt"]),
                text(&item["priority"]),
                text(&item["deadline"]),
                text(&item["error"]),
            ]
        })
        .collect();
    render(
        &[
            "ID",
            "REFERENCE",
            "STATE",
            "ATTEMPT",
            "PRIORITY",
            "DEADLINE",
            "ERROR",
        ],
        rows,
    )
}

pub(super) fn triggers(triggers: &Value) -> String {
    let rows = triggers
        .as_array()
        .into_iter()
        .flatten()
        .map(|trigger| {
            let on = &trigger["on"];
            let (kind, detail) = if let Some(file) = on.get("file") {
                (
                    "file",
                    format!("{}/{}", text(&file["dir"]), text(&file["pattern"])),
                )
            } else if let Some(queue) = on.get("queue") {
                (
                    "queue",
                    format!(
                        "{} (max {} jobs)",
                        text(&queue["queue"]),
                        text(&queue["max_jobs"])
                    ),
                )
            } else {
                (
                    "webhook",
                    format!("POST /api/v1/hooks/{}", text(&trigger["name"])),
                )
            };
            vec![
                text(&trigger["name"]),
                kind.to_owned(),
                text(&trigger["job"]["bot"]["name"]),
                detail,
                text(&trigger["fired"]),
                text(&trigger["last_fired_at"]),
            ]
        })
        .collect();
    render(&["NAME", "KIND", "BOT", "ON", "FIRED", "LAST FIRED"], rows)
}

pub(super) fn artifacts(artifacts: &Value) -> String {
    let rows = artifacts
        .as_array()
        .into_iter()
        .flatten()
        .map(|artifact| {
            vec![
                text(&artifact["name"]),
                text(&artifact["bytes"]),
                text(&artifact["created_at"]),
            ]
        })
        .collect();
    render(&["NAME", "BYTES", "UPLOADED"], rows)
}
