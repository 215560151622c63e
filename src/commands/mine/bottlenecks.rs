//! `flowbot mine bottlenecks`: where cases wait, as a ranked text report or JSON.

use std::process::ExitCode;

use anyhow::Context;
use flowbot_miner::Log;
use flowbot_miner::analysis::Durations;
use flowbot_miner::analysis::bottlenecks::{Bottlenecks, report, throughput};
use flowbot_miner::filter::parse_duration;
use serde_json::{Value, json};

use super::text::{duration, table};
use super::{emit, emit_json};
use crate::cli::OutputFormat;

fn names(log: &Log, activities: &[u32]) -> Vec<String> {
    activities
        .iter()
        .map(|&activity| log.activity_name(activity).to_owned())
        .collect()
}

fn durations_json(durations: &Durations) -> Value {
    json!({
        "count": durations.count, "mean_s": durations.mean, "median_s": durations.median,
        "min_s": durations.min, "max_s": durations.max, "sum_s": durations.sum,
    })
}

pub(crate) fn document(
    log: &Log,
    report: &Bottlenecks,
    between: Option<(&str, &str, Option<Durations>)>,
) -> Value {
    let name = |activity| log.activity_name(activity);
    json!({
        "cases": log.num_cases(),
        "edges": report.edges.iter().map(|edge| json!({
            "from": name(edge.from), "to": name(edge.to), "count": edge.count,
            "mean_s": edge.mean_s, "total_s": edge.total_s,
        })).collect::<Vec<_>>(),
        "activities": report.activities.iter().map(|wait| json!({
            "activity": name(wait.activity), "count": wait.count,
            "mean_wait_s": wait.mean_s, "total_wait_s": wait.total_s,
        })).collect::<Vec<_>>(),
        "service_times": report.service_times.iter().map(|service| {
            let mut value = durations_json(&service.durations);
            value["activity"] = json!(name(service.activity));
            value
        }).collect::<Vec<_>>(),
        "rework": report.rework.iter().map(|rework| json!({
            "activity": name(rework.activity), "cases": rework.cases, "repeats": rework.repeats,
        })).collect::<Vec<_>>(),
        "slowest_variants": report.slowest_variants.iter().map(|variant| json!({
            "activities": names(log, &variant.activities), "count": variant.count,
            "mean_duration_s": variant.mean_duration_s,
        })).collect::<Vec<_>>(),
        "sla": report.sla.as_ref().map(|sla| json!({
            "sla_s": sla.sla_s, "cases_over": sla.cases_over, "share_over": sla.share_over,
        })),
        "throughput": between.map(|(from, to, durations)| json!({
            "from": from, "to": to, "durations": durations.as_ref().map(durations_json),
        })),
    })
}

pub(crate) fn render_text(
    log: &Log,
    report: &Bottlenecks,
    between: Option<(&str, &str, Option<Durations>)>,
) -> String {
    let name = |activity| log.activity_name(activity);
    let mut out = String::new();
    if let Some(sla) = &report.sla {
        out.push_str(&format!(
            "SLA {}: {} of {} cases over ({:.1}%)\n\n",
            duration(sla.sla_s),
            sla.cases_over,
            log.num_cases(),
            sla.share_over * 100.0
        ));
    }
    if let Some((from, to, durations)) = between {
        match durations {
            Some(stats) => out.push_str(&format!(
                "throughput {from} -> {to}: {} cases, mean {}, median {}, max {}\n\n",
                stats.count,
                duration(stats.mean),
                duration(stats.median),
                duration(stats.max)
            )),
            None => out.push_str(&format!(
                "throughput {from} -> {to}: no case has both in that order\n\n"
            )),
        }
    }
    let rows: Vec<Vec<String>> = report
        .edges
        .iter()
        .map(|edge| {
            vec![
                duration(edge.total_s),
                edge.count.to_string(),
                duration(edge.mean_s),
                format!("{} -> {}", name(edge.from), name(edge.to)),
            ]
        })
        .collect();
    if !report.service_times.is_empty() && !log.has_start_times() {
        out.push_str(
            "note: this log records start and complete events, so an edge from an activity's start \
             to its completion is service time, not waiting; add --lifecycle complete to rank \
             waiting only\n\n",
        );
    }
    out.push_str("edges by total waiting time\n");
    out.push_str(&table(&["total", "count", "mean", "edge"], &rows));
    let rows: Vec<Vec<String>> = report
        .activities
        .iter()
        .map(|wait| {
            vec![
                duration(wait.total_s),
                wait.count.to_string(),
                duration(wait.mean_s),
                name(wait.activity).to_owned(),
            ]
        })
        .collect();
    out.push_str("\nwaiting before activities\n");
    out.push_str(&table(&["total", "count", "mean", "activity"], &rows));
    if !report.service_times.is_empty() {
        let rows: Vec<Vec<String>> = report
            .service_times
            .iter()
            .map(|service| {
                vec![
                    duration(service.durations.sum),
                    service.durations.count.to_string(),
                    duration(service.durations.mean),
                    name(service.activity).to_owned(),
                ]
            })
            .collect();
        out.push_str("\nservice time (start to complete)\n");
        out.push_str(&table(&["total", "count", "mean", "activity"], &rows));
    }
    let rows: Vec<Vec<String>> = report
        .rework
        .iter()
        .map(|rework| {
            vec![
                rework.cases.to_string(),
                rework.repeats.to_string(),
                name(rework.activity).to_owned(),
            ]
        })
        .collect();
    out.push_str("\nrework (activities repeated within a case)\n");
    out.push_str(&table(&["cases", "repeats", "activity"], &rows));
    let rows: Vec<Vec<String>> = report
        .slowest_variants
        .iter()
        .map(|variant| {
            vec![
                duration(variant.mean_duration_s),
                variant.count.to_string(),
                names(log, &variant.activities).join(", "),
            ]
        })
        .collect();
    out.push_str("\nslowest variants\n");
    out.push_str(&table(&["mean", "cases", "activities"], &rows));
    out
}

pub(crate) fn print(
    log: &Log,
    sla: Option<&str>,
    between: Option<&[String]>,
    top: usize,
    format: OutputFormat,
) -> anyhow::Result<ExitCode> {
    let sla_s = sla
        .map(|text| {
            parse_duration(text)
                .with_context(|| format!("--sla {text:?} is not a duration like 5d, 36h or 90m"))
        })
        .transpose()?;
    let report = report(log, sla_s, top);
    let between = match between {
        Some([from, to]) => Some((from.as_str(), to.as_str(), throughput(log, from, to))),
        _ => None,
    };
    match format {
        OutputFormat::Json => emit_json(&document(log, &report, between)),
        OutputFormat::Text => emit(&render_text(log, &report, between)),
    }
}
