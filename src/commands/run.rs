//! `flowbot run SCRIPT`: runs a bot locally in a new run folder under `<data_dir>/runs`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use flowbot_agent::events::FnSink;
use flowbot_agent::run::{RunOptions, run_script};
use flowbot_agent::secrets::{EnvSecrets, FileSecrets, SecretChain};
use flowbot_agent::{CancelToken, Limits};
use flowbot_model::Event;
use flowbot_model::event::{AttributeValue, Status};
use flowbot_model::wire::JobOutcome;

use crate::cli::OutputFormat;
use crate::config::Resolved;

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The bot script (`*.rhai`); modules it imports and its `secrets.toml` sit next to it
    pub(crate) script: PathBuf,
    /// A job input as NAME=VALUE; VALUE is read as JSON when it parses (5, true, [1,2]),
    /// otherwise as text. Repeat for more inputs
    #[arg(long = "input", value_name = "NAME=VALUE")]
    pub(crate) inputs: Vec<String>,
    /// Run without changing anything: write steps are skipped (reads still happen)
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// The folder file steps may use; relative paths in the script resolve against it
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub(crate) root: PathBuf,
    /// Wall-clock limit of the run in seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    pub(crate) timeout: u64,
}

pub(crate) fn parse_inputs(
    inputs: &[String],
) -> anyhow::Result<BTreeMap<String, serde_json::Value>> {
    let mut parsed = BTreeMap::new();
    for input in inputs {
        let Some((name, value)) = input.split_once('=') else {
            bail!("--input {input:?} must be NAME=VALUE");
        };
        if name.is_empty() {
            bail!("--input {input:?} has no name before `=`");
        }
        let value = serde_json::from_str(value)
            .unwrap_or_else(|_| serde_json::Value::String(value.to_owned()));
        parsed.insert(name.to_owned(), value);
    }
    Ok(parsed)
}

/// `  ok      read_csv  12 ms  path=in/bank.csv rows=12`
fn progress_line(event: &Event) -> String {
    let status = match event.status {
        Status::Ok => "ok",
        Status::Failed => "FAILED",
        Status::Skipped => "skipped",
    };
    let millis = event
        .start_time
        .map(|start| (event.time - start).num_milliseconds())
        .unwrap_or_default();
    let details: Vec<String> = event
        .attributes
        .iter()
        .filter(|(key, _)| !matches!(key.as_str(), "error" | "file" | "line" | "exception"))
        .map(|(key, value)| format!("{key}={}", short(value)))
        .collect();
    format!(
        "  {status:7} {:24} {millis:>5} ms  {}",
        event.activity,
        details.join(" ")
    )
}

fn short(value: &AttributeValue) -> String {
    let text = match value {
        AttributeValue::String(text) | AttributeValue::Id(text) => text.clone(),
        AttributeValue::Int(n) => n.to_string(),
        AttributeValue::Float(x) => x.to_string(),
        AttributeValue::Bool(flag) => flag.to_string(),
        AttributeValue::Date(date) => date.to_rfc3339(),
        other => serde_json::to_string(other).unwrap_or_default(),
    };
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

pub(crate) fn run(args: &RunArgs, settings: &Resolved) -> anyhow::Result<ExitCode> {
    let inputs = parse_inputs(&args.inputs)?;
    let package_dir = args
        .script
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let secrets_file = package_dir.join("secrets.toml");
    let file_secrets = FileSecrets::load(&secrets_file)?;
    let text = settings.value.format == OutputFormat::Text;

    let mut options = RunOptions::new(
        &args.script,
        &args.root,
        settings.value.data_dir.join("runs"),
    );
    options.inputs = inputs;
    options.dry_run = args.dry_run;
    options.limits = Limits {
        timeout: Duration::from_secs(args.timeout),
        ..Limits::default()
    };
    options.secrets = Box::new(SecretChain(vec![
        Box::new(EnvSecrets::from_env()),
        Box::new(file_secrets),
    ]));
    options.agent = "local".to_owned();
    let cancel = CancelToken::new();
    options.cancel = cancel.clone();
    // Ctrl-C (or SIGTERM) stops the bot between operations; the run folder is still written
    // and the outcome is `cancelled`. A second signal while stopping is not handled specially:
    // the handler can only be set once per process, and stopping takes at most ~20 ms.
    if let Err(error) = ctrlc::set_handler(move || cancel.cancel()) {
        tracing::warn!("Ctrl-C will not cancel the run cleanly: {error}");
    }
    options.echo_log = text;
    if text {
        options.extra_sink = Some(Box::new(FnSink(|event: &Event| {
            eprintln!("{}", progress_line(event));
        })));
    }
    let report =
        run_script(options).with_context(|| format!("cannot run {}", args.script.display()))?;

    match settings.value.format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        OutputFormat::Text => {
            let millis = (report.finished - report.started).num_milliseconds();
            let outcome = match report.outcome {
                JobOutcome::Succeeded => "succeeded",
                JobOutcome::Failed => "failed",
                JobOutcome::Cancelled => "was cancelled",
                JobOutcome::TimedOut => "timed out",
            };
            if let Some(error) = &report.error {
                eprintln!("{error}");
            }
            println!(
                "run {} {outcome} in {millis} ms, {} step event(s){}",
                report.run_id,
                report.events,
                if report.dry_run { " (dry run)" } else { "" }
            );
            for (name, value) in &report.outputs {
                println!("output {name} = {value}");
            }
            println!("run folder: {}", report.run_dir.display());
        }
    }
    Ok(if report.outcome == JobOutcome::Succeeded {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_json_when_they_parse_and_text_otherwise() {
        let parsed = parse_inputs(&[
            "n=5".to_owned(),
            "name=Alice".to_owned(),
            "list=[1,2]".to_owned(),
            "eq=a=b".to_owned(),
        ])
        .unwrap();
        assert_eq!(parsed["n"], serde_json::json!(5));
        assert_eq!(parsed["name"], serde_json::json!("Alice"));
        assert_eq!(parsed["list"], serde_json::json!([1, 2]));
        assert_eq!(parsed["eq"], serde_json::json!("a=b"));
        assert!(parse_inputs(&["novalue".to_owned()]).is_err());
        assert!(parse_inputs(&["=x".to_owned()]).is_err());
    }
}
