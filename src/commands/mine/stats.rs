//! `flowbot mine stats`: pm4py's numbers in the shape issue 4 fixes.

use std::process::ExitCode;

use flowbot_miner::analysis::{ActivityCounts, Dfg, Summary, Variants};
use flowbot_miner::{Diagnostic, Log};
use serde::Serialize;

use super::args::FilterArgs;
use super::text::{duration, table};
use super::{emit, emit_json};
use crate::cli::OutputFormat;

#[derive(Serialize)]
struct EdgeOut<'a> {
    from: &'a str,
    to: &'a str,
    count: u64,
    mean_s: f64,
    median_s: f64,
    min_s: f64,
    max_s: f64,
    sum_s: f64,
    stdev_s: Option<f64>,
}

#[derive(Serialize)]
struct VariantOut<'a> {
    activities: Vec<&'a str>,
    count: u64,
}

#[derive(Serialize)]
struct VariantsOut<'a> {
    total: usize,
    top: Vec<VariantOut<'a>>,
}

#[derive(Serialize)]
struct CaseDurationOut {
    mean: Option<f64>,
    median: Option<f64>,
    min: Option<f64>,
    max: Option<f64>,
}

/// The JSON document in the shape issue 4 fixes (`cases`, `events`, `activities`,
/// `start_activities`, `end_activities`, `dfg`, `variants`, `case_duration_s`), in that key
/// order, plus `sum_s`/`stdev_s` per edge, `min`/`max` durations and `diagnostics`.
#[derive(Serialize)]
pub(crate) struct StatsDocument<'a> {
    cases: usize,
    events: usize,
    activities: ActivityCounts,
    start_activities: ActivityCounts,
    end_activities: ActivityCounts,
    dfg: Vec<EdgeOut<'a>>,
    variants: VariantsOut<'a>,
    case_duration_s: CaseDurationOut,
    diagnostics: &'a [Diagnostic],
}

/// The summary, DFG and variants of `log`. They read the log independently, so the DFG and
/// variants are computed on a second thread beside the summary.
fn analyses(log: &Log) -> (Summary, Dfg, Variants) {
    std::thread::scope(|scope| {
        let others = scope.spawn(|| (Dfg::of(log), Variants::of(log)));
        let summary = Summary::of(log);
        let (dfg, variants) = others
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (summary, dfg, variants)
    })
}

pub(crate) fn document<'a>(
    log: &'a Log,
    diagnostics: &'a [Diagnostic],
    paths_percent: Option<f64>,
    top: usize,
) -> StatsDocument<'a> {
    let (summary, mut dfg, variants) = analyses(log);
    if let Some(percent) = paths_percent {
        dfg.keep_paths_percent(percent);
    }
    let durations = summary.case_durations;
    StatsDocument {
        cases: summary.cases,
        events: summary.events,
        activities: summary.activities,
        start_activities: summary.start_activities,
        end_activities: summary.end_activities,
        dfg: dfg
            .edges
            .iter()
            .map(|edge| EdgeOut {
                from: log.activity_name(edge.from),
                to: log.activity_name(edge.to),
                count: edge.count,
                mean_s: edge.durations.mean,
                median_s: edge.durations.median,
                min_s: edge.durations.min,
                max_s: edge.durations.max,
                sum_s: edge.durations.sum,
                stdev_s: edge.durations.stdev,
            })
            .collect(),
        variants: VariantsOut {
            total: variants.variants.len(),
            top: variants
                .variants
                .iter()
                .take(top)
                .map(|variant| VariantOut {
                    activities: Variants::names(log, variant),
                    count: variant.count,
                })
                .collect(),
        },
        case_duration_s: CaseDurationOut {
            mean: durations.map(|d| d.mean),
            median: durations.map(|d| d.median),
            min: durations.map(|d| d.min),
            max: durations.map(|d| d.max),
        },
        diagnostics,
    }
}

pub(crate) fn render_text(log: &Log, paths_percent: Option<f64>, top: usize) -> String {
    let (summary, mut dfg, variants) = analyses(log);
    if let Some(percent) = paths_percent {
        dfg.keep_paths_percent(percent);
    }
    let mut out = format!(
        "{} cases, {} events, {} activities, {} variants\n",
        summary.cases,
        summary.events,
        summary.activities.len(),
        variants.variants.len()
    );
    if let Some(durations) = summary.case_durations {
        out.push_str(&format!(
            "case duration: mean {}, median {}, min {}, max {}\n",
            duration(durations.mean),
            duration(durations.median),
            duration(durations.min),
            duration(durations.max)
        ));
    }
    let counted = |map: &std::collections::BTreeMap<String, u64>| {
        let mut rows: Vec<(&String, &u64)> = map.iter().collect();
        rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        rows.into_iter()
            .map(|(name, count)| vec![count.to_string(), name.clone()])
            .collect::<Vec<_>>()
    };
    out.push_str("\nactivities\n");
    out.push_str(&table(
        &["events", "activity"],
        &counted(&summary.activities),
    ));
    out.push_str("\nstart activities\n");
    out.push_str(&table(
        &["cases", "activity"],
        &counted(&summary.start_activities),
    ));
    out.push_str("\nend activities\n");
    out.push_str(&table(
        &["cases", "activity"],
        &counted(&summary.end_activities),
    ));
    let mut edges: Vec<_> = dfg.edges.iter().collect();
    edges.sort_by_key(|edge| std::cmp::Reverse(edge.count));
    let rows: Vec<Vec<String>> = edges
        .iter()
        .map(|edge| {
            vec![
                edge.count.to_string(),
                duration(edge.durations.mean),
                duration(edge.durations.median),
                format!(
                    "{} -> {}",
                    log.activity_name(edge.from),
                    log.activity_name(edge.to)
                ),
            ]
        })
        .collect();
    out.push_str(&format!("\ndirectly-follows ({} edges)\n", dfg.edges.len()));
    out.push_str(&table(&["count", "mean", "median", "edge"], &rows));
    let rows: Vec<Vec<String>> = variants
        .variants
        .iter()
        .take(top)
        .map(|variant| {
            vec![
                variant.count.to_string(),
                format!(
                    "{:.1}%",
                    100.0 * variant.count as f64 / summary.cases.max(1) as f64
                ),
                Variants::names(log, variant).join(", "),
            ]
        })
        .collect();
    out.push_str(&format!(
        "\nvariants (top {} of {})\n",
        rows.len(),
        variants.variants.len()
    ));
    out.push_str(&table(&["cases", "share", "activities"], &rows));
    out
}

pub(crate) fn print(
    log: &Log,
    diagnostics: &[Diagnostic],
    filters: &FilterArgs,
    top: usize,
    format: OutputFormat,
) -> anyhow::Result<ExitCode> {
    match format {
        OutputFormat::Json => {
            let started = std::time::Instant::now();
            let document = document(log, diagnostics, filters.paths_percent, top);
            tracing::debug!(milliseconds = started.elapsed().as_millis(), "analysed");
            emit_json(&document)
        }
        OutputFormat::Text => emit(&render_text(log, filters.paths_percent, top)),
    }
}
