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
