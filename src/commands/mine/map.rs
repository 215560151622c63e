//! `flowbot mine map`: lay out the process map and write it as SVG, DOT, JSON or HTML.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use flowbot_miner::Log;
use flowbot_miner::map::{self, Layout, ProcessGraph};

use super::args::{FilterArgs, Overlay};

pub(crate) fn write(
    log: &Log,
    filters: &FilterArgs,
    overlay: Overlay,
    output: &Path,
) -> anyhow::Result<ExitCode> {
    if log.num_events() == 0 {
        bail!("the log has no events left to draw (check the filters)");
    }
    let overlay = match overlay {
        Overlay::Frequency => map::Overlay::Frequency,
        Overlay::Performance => map::Overlay::Performance,
    };
    let graph = ProcessGraph::of(log, overlay, filters.paths_percent);
    let extension = output
        .extension()
        .map(|extension| extension.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let text = match extension.as_str() {
        "dot" | "gv" => map::to_dot(&graph),
        "json" => serde_json::to_string_pretty(&map::to_json(&graph, &Layout::of(&graph)))?,
        "svg" => map::to_svg(&graph, &Layout::of(&graph)),
        "html" | "htm" => {
            let title = output
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_default();
            map::to_html(&graph, &Layout::of(&graph), &title)
        }
        _ => bail!("{}: use .svg, .dot, .json or .html", output.display()),
    };
    std::fs::write(output, text).with_context(|| format!("cannot write {}", output.display()))?;
    eprintln!(
        "wrote {} ({} activities, {} edges)",
        output.display(),
        graph.nodes.len() - 2,
        graph.edges.len()
    );
    Ok(ExitCode::SUCCESS)
}
