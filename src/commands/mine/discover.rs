//! `flowbot mine discover`: Inductive, Heuristics or Alpha Miner → Petri net, printed with the
//! log's token-replay fitness and precision on it, and written as PNML, SVG or DOT (and, for
//! the Inductive Miner's trees, BPMN with diagram layout).

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use flowbot_miner::conformance::{precision, token_replay};
use flowbot_miner::discovery::heuristics::{self, HeuristicsNet, Thresholds};
use flowbot_miner::discovery::inductive::{self, Variant};
use flowbot_miner::discovery::{ProcessTree, alpha, tree_render};
use flowbot_miner::petri::{PetriNet, from_tree, pnml, render};
use flowbot_miner::{Log, bpmn};
use serde_json::{Value, json};

use super::args::{Algorithm, ModelView};
use super::{emit, emit_json};
use crate::cli::OutputFormat;

pub(crate) struct Settings {
    pub(crate) algorithm: Algorithm,
    pub(crate) noise: f64,
    pub(crate) heuristics: Thresholds,
}

/// What a miner found: always a Petri net, and the model it came from.
enum Model {
    Tree(ProcessTree),
    Heuristics(HeuristicsNet),
    Alpha(Vec<alpha::AlphaPlace>),
}

fn mine(log: &Log, settings: &Settings) -> anyhow::Result<(Model, PetriNet)> {
    Ok(match settings.algorithm {
        Algorithm::Im | Algorithm::Imf => {
            let variant = match settings.algorithm {
                Algorithm::Imf => Variant::Imf {
                    noise_threshold: settings.noise,
                },
                _ => Variant::Im,
            };
            let tree = inductive::discover(log, variant)?;
            let net = from_tree::convert(&tree);
            (Model::Tree(tree), net)
        }
        Algorithm::Heuristics => {
            let found = heuristics::discover(log, &settings.heuristics)?;
            let net = heuristics::to_petri::convert(&found);
            (Model::Heuristics(found), net)
        }
        Algorithm::Alpha => {
            let (net, places) = alpha::discover(log);
            (Model::Alpha(places), net)
        }
    })
}

fn write(model: &Model, net: &PetriNet, output: &Path, view: ModelView) -> anyhow::Result<()> {
    let extension = output
        .extension()
        .map(|extension| extension.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let bpmn_of = || -> anyhow::Result<bpmn::BpmnDiagram> {
        Ok(match model {
            // A tree draws as nested blocks; other nets through their places and transitions.
            Model::Tree(tree) => bpmn::from_tree(tree),
            _ => bpmn::from_petri_net(net).with_context(|| output.display().to_string())?,
        })
    };
    let tree_of = || match model {
        Model::Tree(tree) => Ok(tree),
        _ => Err(anyhow::anyhow!(
            "{}: only the Inductive Miner (--algo im or imf) finds a process tree; use --view net or bpmn",
            output.display()
        )),
    };
    let picture = |svg: String| match view {
        ModelView::Net => ("Petri net", svg),
        ModelView::Bpmn => ("BPMN diagram", svg),
        ModelView::Tree => ("process tree", svg),
    };
    let text = match extension.as_str() {
        "pnml" => pnml::to_pnml(net),
        "bpmn" => bpmn::to_bpmn_xml(&bpmn_of()?),
        "dot" | "gv" => match view {
            ModelView::Net => render::to_dot(net),
            ModelView::Bpmn => bpmn::render::to_dot(&bpmn_of()?),
            ModelView::Tree => tree_render::to_dot(tree_of()?),
        },
        "svg" | "html" => {
            let (what, svg) = picture(match view {
                ModelView::Net => render::to_svg(net),
                ModelView::Bpmn => bpmn::render::to_svg(&bpmn_of()?),
                ModelView::Tree => tree_render::to_svg(tree_of()?),
            });
            if extension == "svg" {
                svg
            } else {
                let sizes = net.stats();
                let summary = format!(
                    "The {what} discovered from the log: {} activities, {} places, {} transitions in its Petri net.",
                    sizes.visible_transitions, sizes.places, sizes.transitions
                );
                let title = output
                    .file_stem()
                    .map(|stem| stem.to_string_lossy().into_owned())
                    .unwrap_or_default();
                flowbot_miner::html::page(&title, &summary, &svg)
            }
        }
        _ => bail!(
            "{}: use .pnml, .bpmn, .svg, .html or .dot",
            output.display()
        ),
    };
    std::fs::write(output, text).with_context(|| format!("cannot write {}", output.display()))?;
    eprintln!("wrote {}", output.display());
    Ok(())
}

fn model_json(model: &Model) -> Value {
    match model {
        Model::Tree(tree) => {
            let stats = tree.stats();
            json!({
                "tree": tree.to_string(),
                "tree_canonical": tree.canonical(),
                "tree_stats": {
                    "nodes": stats.nodes,
                    "leaves": stats.leaves,
                    "taus": stats.taus,
                    "operators": stats.operators,
                    "depth": stats.depth,
                },
            })
        }
        Model::Heuristics(net) => {
            let name = |a: usize| net.activities[a].as_str();
            let edges: Vec<Value> = net
                .nodes
                .iter()
                .flat_map(|node| {
                    node.outputs.iter().map(move |edge| {
                        json!({
                            "from": name(node.activity),
                            "to": name(edge.other),
                            "dependency": edge.dependency,
                            "frequency": edge.frequency,
                        })
                    })
                })
                .collect();
            let nodes: Vec<&str> = net.nodes.iter().map(|node| name(node.activity)).collect();
            json!({ "tree": null, "heuristics_net": { "nodes": nodes, "edges": edges } })
        }
        Model::Alpha(places) => json!({
            "tree": null,
            "alpha_places": places
                .iter()
                .map(|place| json!({ "inputs": place.inputs, "outputs": place.outputs }))
                .collect::<Vec<_>>(),
        }),
    }
}

pub(crate) fn run(
    log: &Log,
    settings: &Settings,
    output: Option<(&Path, ModelView)>,
    format: OutputFormat,
) -> anyhow::Result<ExitCode> {
    let (model, net) = mine(log, settings)?;
    if let Some((output, view)) = output {
        write(&model, &net, output, view)?;
    }
    let (_, fitness) = token_replay::replay_log(log, &net);
    let precision = precision::precision(log, &net);
    let sizes = net.stats();
    let algorithm = match settings.algorithm {
        Algorithm::Im => "im",
        Algorithm::Imf => "imf",
        Algorithm::Heuristics => "heuristics",
        Algorithm::Alpha => "alpha",
    };
    match format {
        OutputFormat::Json => {
            let mut report = json!({
                "algorithm": algorithm,
                "noise_threshold": (settings.algorithm == Algorithm::Imf).then_some(settings.noise),
                // How well the log itself replays on the model (token replay, pm4py's numbers).
                "fitness": {
                    "log_fitness": fitness.log_fitness,
                    "average_trace_fitness": fitness.average_trace_fitness,
                    "percentage_of_fitting_traces": fitness.percentage_of_fitting_traces,
                },
                "precision": precision,
                "petri_net": {
                    "places": sizes.places,
                    "transitions": sizes.transitions,
                    "visible_transitions": sizes.visible_transitions,
                    "invisible_transitions": sizes.invisible_transitions,
                    "arcs": sizes.arcs,
                },
            });
            if let (Value::Object(report), Value::Object(model)) = (&mut report, model_json(&model))
            {
                report.extend(model);
            }
            emit_json(&report)
        }
        OutputFormat::Text => {
            let head = match &model {
                Model::Tree(tree) => tree.to_string(),
                Model::Heuristics(found) => format!(
                    "Heuristics net: {} activities, {} dependencies",
                    found.nodes.len(),
                    found.nodes.iter().map(|n| n.outputs.len()).sum::<usize>()
                ),
                Model::Alpha(places) => {
                    format!("Alpha net: {} places between activities", places.len())
                }
            };
            emit(&format!(
                "{head}\n\nPetri net: {} places, {} transitions ({} visible, {} silent), {} arcs\nToken replay: log fitness {:.6}, {:.2} % of cases fit\nPrecision: {:.6}\n",
                sizes.places,
                sizes.transitions,
                sizes.visible_transitions,
                sizes.invisible_transitions,
                sizes.arcs,
                fitness.log_fitness,
                fitness.percentage_of_fitting_traces,
                precision.precision,
            ))
        }
    }
}
