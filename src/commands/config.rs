//! `flowbot config show`.

use std::process::ExitCode;

use crate::cli::OutputFormat;
use crate::config::Resolved;

pub(crate) fn show(resolved: &Resolved) -> anyhow::Result<ExitCode> {
    match resolved.value.format {
        OutputFormat::Json => {
            let report = serde_json::json!({
                "config_file": resolved.config_file,
                "settings": resolved.value,
                "sources": resolved.sources,
            });
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        OutputFormat::Text => {
            match &resolved.config_file {
                Some(path) => println!("config file: {}", path.display()),
                None => println!("config file: none (using defaults, environment and flags)"),
            }
            let rows = resolved.rows();
            let key_width = rows.iter().map(|(key, _, _)| key.len()).max().unwrap_or(0);
            let value_width = rows
                .iter()
                .map(|(_, value, _)| value.len())
                .max()
                .unwrap_or(0);
            for (key, value, source) in rows {
                println!("{key:key_width$}  {value:value_width$}  ({source})");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
