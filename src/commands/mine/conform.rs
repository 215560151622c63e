//! `flowbot mine conform`: fitness of the log on a PNML or BPMN model, by token replay or alignments,
//! and with `--precision` pm4py's ETConformance precision.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use flowbot_miner::Log;
use flowbot_miner::bpmn;
use flowbot_miner::conformance::{alignments, deviations, precision, token_replay};
use flowbot_miner::diagnostic::{Diagnostic, Location};
use flowbot_miner::petri::{PetriNet, pnml, workflow};
use serde_json::json;

use super::args::ConformMethod;
use super::{emit, emit_json};
use crate::cli::OutputFormat;

/// The net to check against: a PNML net as it is, a BPMN diagram through its Petri net.
fn read_model(text: &str, model: &Path) -> anyhow::Result<(PetriNet, Vec<Diagnostic>)> {
    let file = model.display().to_string();
    let is_bpmn = model
        .extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("bpmn"));
    if is_bpmn {
        let (diagram, diagnostics) = bpmn::read_bpmn(text, &file)?;
        let net = bpmn::to_petri_net(&diagram).with_context(|| file.clone())?;
        return Ok((net, diagnostics));
    }
    pnml::read_pnml(text, &file).with_context(|| file.clone())
}

pub(crate) fn run(
    log: &Log,
    model: &Path,
    method: ConformMethod,
    timeout_seconds: u64,
    with_precision: bool,
    format: OutputFormat,
) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(model)
        .with_context(|| format!("cannot read {}", model.display()))?;
    let (net, diagnostics) = read_model(&text, model)?;
    let mut diagnostics = diagnostics;
    // A net that is no workflow net still replays, but its numbers mislead: say why first.
    let file = model.display().to_string();
    for finding in workflow::check(&net) {
        diagnostics.push(Diagnostic::new(
            &file,
            Location::Item(finding.node),
            None,
            format!("not a workflow net: {}", finding.problem),
        ));
    }
    for diagnostic in &diagnostics {
        eprintln!("warning: {diagnostic}");
    }
    // Which activities cases skip or insert: from the alignments, so only with `--method align`.
    let mut deviation_report = None;
    let (fitness, cut_off) = match method {
        ConformMethod::Replay => {
            let (_, fitness) = token_replay::replay_log(log, &net);
            (
                json!({
                    "log_fitness": fitness.log_fitness,
                    "average_trace_fitness": fitness.average_trace_fitness,
                    "percentage_of_fitting_traces": fitness.percentage_of_fitting_traces,
                }),
                Vec::new(),
            )
        }
        ConformMethod::Align => {
            let aligned = alignments::align_log(log, &net, Duration::from_secs(timeout_seconds));
            let fitness = &aligned.fitness;
            deviation_report = Some(deviations::report(log, &aligned));
            (
                json!({
                    "log_fitness": fitness.log_fitness,
                    "average_trace_fitness": fitness.average_trace_fitness,
                    "percentage_of_fitting_traces": fitness.percentage_of_fitting_traces,
                }),
                aligned.timed_out,
            )
        }
    };
    let precision = with_precision.then(|| precision::precision(log, &net));
    let method_name = match method {
        ConformMethod::Replay => "replay",
        ConformMethod::Align => "align",
    };
    match format {
        OutputFormat::Json => emit_json(&json!({
            "method": method_name,
            "cases": log.num_cases(),
            "fitness": fitness,
            "precision": precision,
            "cut_off_cases": cut_off,
            "deviations": deviation_report,
            "model_diagnostics": diagnostics,
        })),
        OutputFormat::Text => {
            let mut text = format!(
                "{method_name}: log fitness {:.6}, average trace fitness {:.6}, {:.2} % of {} cases fit\n",
                fitness["log_fitness"].as_f64().unwrap_or_default(),
                fitness["average_trace_fitness"]
                    .as_f64()
                    .unwrap_or_default(),
                fitness["percentage_of_fitting_traces"]
                    .as_f64()
                    .unwrap_or_default(),
                log.num_cases()
            );
            if let Some(precision) = &precision {
                text.push_str(&format!(
                    "precision {:.6} ({} escaping of {} activated transitions)\n",
                    precision.precision, precision.escaping_edges, precision.activated_transitions
                ));
            }
            if let Some(report) = &deviation_report {
                text.push_str(&format!(
                    "{} of {} aligned cases deviate\n",
                    report.deviating_cases, report.aligned_cases
                ));
                for activity in report.activities.iter().take(10) {
                    text.push_str(&format!(
                        "  {}: skipped {} times, inserted {} times, in {} cases ({} variants)\n",
                        activity.activity,
                        activity.skipped,
                        activity.inserted,
                        activity.cases,
                        activity.variants.len()
                    ));
                }
            }
            if !cut_off.is_empty() {
                text.push_str(&format!(
                    "{} cases cut off after {timeout_seconds} s and left out: {}\n",
                    cut_off.len(),
                    cut_off.join(", ")
                ));
            }
            emit(&text)
        }
    }
}
