//! `flowbot mine variants`: each distinct activity sequence with its cases and durations.

use std::process::ExitCode;

use flowbot_miner::Log;
use flowbot_miner::analysis::Variants;
use flowbot_miner::analysis::summary::case_durations_micros;
use serde_json::{Value, json};

use super::text::{duration, table};
use super::{emit, emit_json};
use crate::cli::OutputFormat;

struct Row {
    activities: Vec<String>,
    count: u64,
    share: f64,
    mean_s: f64,
    max_s: f64,
}

fn rows(log: &Log, top: usize) -> (usize, Vec<Row>) {
    let variants = Variants::of(log);
    let durations = case_durations_micros(log);
    let rows = variants
        .variants
        .iter()
        .take(top)
        .map(|variant| {
            let total: i128 = variant
                .cases
                .iter()
                .map(|&case| i128::from(durations[case]))
                .sum();
            let max = variant
                .cases
                .iter()
                .map(|&case| durations[case])
                .max()
                .unwrap_or(0);
            Row {
                activities: Variants::names(log, variant)
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
                count: variant.count,
                share: variant.count as f64 / log.num_cases().max(1) as f64,
                mean_s: total as f64 / 1e6 / variant.count as f64,
                max_s: max as f64 / 1e6,
            }
        })
        .collect();
    (variants.variants.len(), rows)
}

pub(crate) fn document(log: &Log, top: usize) -> Value {
    let (total, rows) = rows(log, top);
    let top: Vec<Value> = rows
        .into_iter()
        .map(|row| {
            json!({
                "activities": row.activities,
                "count": row.count,
                "share": row.share,
                "mean_duration_s": row.mean_s,
                "max_duration_s": row.max_s,
            })
        })
        .collect();
    json!({"cases": log.num_cases(), "total": total, "top": top})
}

pub(crate) fn render_text(log: &Log, top: usize) -> String {
    let (total, rows) = rows(log, top);
    let table_rows: Vec<Vec<String>> = rows
        .iter()
        .enumerate()
        .map(|(index, row)| {
            vec![
                (index + 1).to_string(),
                row.count.to_string(),
                format!("{:.1}%", row.share * 100.0),
                duration(row.mean_s),
                row.activities.len().to_string(),
                row.activities.join(", "),
            ]
        })
        .collect();
    format!(
        "{} variants over {} cases (top {})\n{}",
        total,
        log.num_cases(),
        rows.len(),
        table(
            &["#", "cases", "share", "mean", "events", "activities"],
            &table_rows
        )
    )
}

pub(crate) fn print(log: &Log, top: usize, format: OutputFormat) -> anyhow::Result<ExitCode> {
    match format {
        OutputFormat::Json => emit_json(&document(log, top)),
        OutputFormat::Text => emit(&render_text(log, top)),
    }
}
