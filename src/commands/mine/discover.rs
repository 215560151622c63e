//! `flowbot mine discover`: Inductive Miner → process tree → Petri net, printed and written.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use flowbot_miner::Log;
use flowbot_miner::conformance::token_replay;
use flowbot_miner::discovery::inductive::{self, Variant};
use flowbot_miner::petri::{from_tree, pnml, render};
use serde_json::json;

use super::args::Algorithm;
use super::{emit, emit_json};
use crate::cli::OutputFormat;

pub(crate) fn run(
    log: &Log,
    algorithm: Algorithm,
    noise: f64,
    output: Option<&Path>,
    format: OutputFormat,
) -> anyhow::Result<ExitCode> {
    let variant = match algorithm {
        Algorithm::Im => Variant::Im,
        Algorithm::Imf => Variant::Imf {
            noise_threshold: noise,
        },
    };
    let tree = inductive::discover(log, variant)?;
    let net = from_tree::convert(&tree);
    if let Some(output) = output {
        let extension = output
            .extension()
            .map(|extension| extension.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let text = match extension.as_str() {
            "pnml" => pnml::to_pnml(&net),
            "dot" | "gv" => render::to_dot(&net),
            "svg" => render::to_svg(&net),
            _ => bail!("{}: use .pnml, .svg or .dot", output.display()),
        };
        std::fs::write(output, text)
            .with_context(|| format!("cannot write {}", output.display()))?;
        eprintln!("wrote {}", output.display());
    }
    let (_, fitness) = token_replay::replay_log(log, &net);
    let stats = tree.stats();
    let sizes = net.stats();
    match format {
        OutputFormat::Json => emit_json(&json!({
            "algorithm": match algorithm { Algorithm::Im => "im", Algorithm::Imf => "imf" },
            "noise_threshold": match variant { Variant::Im => None, Variant::Imf { noise_threshold } => Some(noise_threshold) },
            "tree": tree.to_string(),
            "tree_canonical": tree.canonical(),
            "tree_stats": {
                "nodes": stats.nodes,
                "leaves": stats.leaves,
                "taus": stats.taus,
                "operators": stats.operators,
                "depth": stats.depth,
            },
            // How well the log itself replays on the model (token replay, pm4py's numbers).
            "fitness": {
                "log_fitness": fitness.log_fitness,
                "average_trace_fitness": fitness.average_trace_fitness,
                "percentage_of_fitting_traces": fitness.percentage_of_fitting_traces,
            },
            "petri_net": {
                "places": sizes.places,
                "transitions": sizes.transitions,
                "visible_transitions": sizes.visible_transitions,
                "invisible_transitions": sizes.invisible_transitions,
                "arcs": sizes.arcs,
            },
        })),
        OutputFormat::Text => emit(&format!(
            "{tree}\n\nPetri net: {} places, {} transitions ({} visible, {} silent), {} arcs\nToken replay: log fitness {:.6}, {:.2} % of cases fit\n",
            sizes.places,
            sizes.transitions,
            sizes.visible_transitions,
            sizes.invisible_transitions,
            sizes.arcs,
            fitness.log_fitness,
            fitness.percentage_of_fitting_traces
        )),
    }
}
