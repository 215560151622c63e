//! `flowbot steps [NAME]`: the step catalogue in the terminal or as JSON.

use std::process::ExitCode;

use clap::Args;
use flowbot_agent::StepSpec;

use crate::cli::OutputFormat;
use crate::config::Resolved;

#[derive(Debug, Args)]
pub(crate) struct StepsArgs {
    /// Show every overload of this step with its documentation and example
    pub(crate) name: Option<String>,
}

pub(crate) fn steps(args: &StepsArgs, settings: &Resolved) -> anyhow::Result<ExitCode> {
    let catalogue = flowbot_agent::catalogue();
    let mut chosen: Vec<&StepSpec> = match &args.name {
        Some(name) => catalogue.named(name).collect(),
        None => catalogue.iter().collect(),
    };
    // Stable: overloads keep their registration order.
    chosen.sort_by_key(|spec| (spec.category, spec.name));
    if chosen.is_empty() {
        let name = args.name.as_deref().unwrap_or_default();
        let similar: Vec<&str> = catalogue
            .names()
            .into_iter()
            .filter(|candidate| candidate.contains(name) || name.contains(candidate))
            .collect();
        eprintln!(
            "error: no step `{name}`{} (`flowbot steps` lists them all)",
            if similar.is_empty() {
                String::new()
            } else {
                format!("; similar: {}", similar.join(", "))
            }
        );
        return Ok(ExitCode::FAILURE);
    }
    match settings.value.format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&chosen)?),
        OutputFormat::Text if args.name.is_some() => {
            for spec in chosen {
                println!("{}", spec.signature());
                println!(
                    "  [{}{}]",
                    spec.category.as_str(),
                    if spec.effect.emits_event() {
                        ", one event per call"
                    } else {
                        ", no event"
                    }
                );
                for line in spec.doc.lines() {
                    println!("  {line}");
                }
                println!("  example:");
                for line in spec.example.lines() {
                    println!("    {line}");
                }
                println!();
            }
        }
        OutputFormat::Text => {
            let mut category = None;
            for spec in chosen {
                if category != Some(spec.category) {
                    category = Some(spec.category);
                    println!("{}:", spec.category.as_str());
                }
                let summary = spec.doc.lines().next().unwrap_or_default();
                println!("  {:58} {summary}", spec.signature());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
