//! `flowbot check SCRIPT…`: static checks, one `file:line:col: error: …` line per problem.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use flowbot_agent::check::Checker;

use crate::cli::OutputFormat;
use crate::config::Resolved;

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Bot scripts to check
    #[arg(required = true)]
    pub(crate) scripts: Vec<PathBuf>,
}

pub(crate) fn check(args: &CheckArgs, settings: &Resolved) -> anyhow::Result<ExitCode> {
    let checker = Checker::new();
    let diagnostics: Vec<_> = args
        .scripts
        .iter()
        .flat_map(|script| checker.check_file(script))
        .collect();
    match settings.value.format {
        OutputFormat::Json => {
            let report = serde_json::json!({
                "files": args.scripts,
                "errors": diagnostics.len(),
                "diagnostics": diagnostics,
            });
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        OutputFormat::Text => {
            for diagnostic in &diagnostics {
                println!("{diagnostic}");
            }
            if diagnostics.is_empty() {
                println!("{} script(s) ok", args.scripts.len());
            } else {
                println!(
                    "{} error(s) in {} script(s)",
                    diagnostics.len(),
                    args.scripts.len()
                );
            }
        }
    }
    Ok(if diagnostics.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
