//! `flowbot validate`: the person's side of document validation. `list DIR` shows the tasks
//! waiting, `show TASK` one task's fields and issues, `approve TASK --set FIELD=VALUE` records
//! corrections and hands the document back to its folder watch (from `review/` into the
//! watched folder, where the next run books it with the corrected values), `reject TASK
//! --reason …` ends it. With `--server URL` the same commands work on the control plane's
//! validation queue (`remote.rs`), where TASK is the document's file name.

mod remote;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use flowbot_agent::validation::{Decision, TaskStatus, VALIDATION_QUEUE, ValidationTask};

use crate::cli::OutputFormat;
use crate::config::Resolved;

const VALIDATE_HELP: &str = "\
Locally a task is the file <validation dir>/<document>.json that the step request_validation
wrote. Under a control plane (--server URL, the URL `flowbot ctl` uses) a task is an item of
the queue invoice-validation and TASK is the document's file name: bots on any agent read the
decision through validated_invoice, and a decision recorded there wins over a local file.
A decision is final: a second one is refused.

  flowbot validate list validation/
  flowbot validate approve validation/scan-7.png.json --set total=12.50
  flowbot validate list --server http://cp:8640 --format json
  flowbot validate approve scan-7.png --server http://cp:8640 --set total=12.50 --by alice
  flowbot validate reject scan-8.png --server http://cp:8640 --reason \"duplicate\"";

#[derive(Debug, Args)]
#[command(after_help = VALIDATE_HELP)]
pub(crate) struct ValidateArgs {
    /// Work on this control plane's validation queue instead of local task files
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) server: Option<String>,
    /// The control plane's queue of validation tasks (with --server)
    #[arg(long, global = true, default_value = VALIDATION_QUEUE)]
    pub(crate) queue: String,
    #[command(subcommand)]
    pub(crate) command: ValidateCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ValidateCommand {
    /// The pending tasks in a validation folder (or on the control plane), with their issues
    List {
        /// The validation folder (not with --server)
        dir: Option<PathBuf>,
    },
    /// One task: every field with its confidence, and the issues
    Show {
        /// The task file, or with --server the document's file name
        task: PathBuf,
    },
    /// Approve a task, with corrections; the document goes back to its watched folder
    Approve {
        /// The task file, or with --server the document's file name
        task: PathBuf,
        /// A corrected value as FIELD=VALUE (invoice_number, date, supplier, buyer, net, tax,
        /// total, currency). Repeat for more
        #[arg(long = "set", value_name = "FIELD=VALUE")]
        set: Vec<String>,
        /// Who validated (recorded in the task)
        #[arg(long, env = "USER", default_value = "unknown")]
        by: String,
        /// The folder the bot's file paths are relative to (as `flowbot watch --root`)
        #[arg(long, value_name = "DIR", default_value = ".")]
        root: PathBuf,
    },
    /// Reject a task: the document is not booked
    Reject {
        /// The task file, or with --server the document's file name
        task: PathBuf,
        #[arg(long)]
        reason: String,
        #[arg(long, env = "USER", default_value = "unknown")]
        by: String,
    },
}

fn print_task(format: OutputFormat, path: &Path, task: &ValidationTask) -> anyhow::Result<()> {
    if format == OutputFormat::Json {
        println!("{}", serde_json::to_string_pretty(task)?);
        return Ok(());
    }
    println!("{} ({:?}): {}", path.display(), task.status, task.document);
    for (name, field) in &task.fields {
        let value = field
            .get("value")
            .map(ToString::to_string)
            .unwrap_or_default();
        let confidence = field
            .get("confidence")
            .and_then(|c| c.as_f64())
            .unwrap_or(0.0);
        let corrected = task
            .corrections
            .get(name)
            .map(|value| format!("  → corrected to {value:?}"))
            .unwrap_or_default();
        println!("  {name:15} {value:40} {confidence:.2}{corrected}");
    }
    for issue in &task.issues {
        let text = |key: &str| issue.get(key).and_then(|v| v.as_str()).unwrap_or("");
        println!(
            "  issue {}: {} ({})",
            text("code"),
            text("message"),
            text("field")
        );
    }
    Ok(())
}

/// `--set FIELD=VALUE` as a decision's corrections.
fn corrections(set: &[String]) -> anyhow::Result<std::collections::BTreeMap<String, String>> {
    set.iter()
        .map(|assignment| {
            let Some((field, value)) = assignment.split_once('=') else {
                bail!("--set {assignment:?} must be FIELD=VALUE");
            };
            Ok((field.trim().to_owned(), value.trim().to_owned()))
        })
        .collect()
}

/// After approval, the document leaves `review/` for the folder it was watched in.
fn hand_back(root: &Path, task: &ValidationTask) -> anyhow::Result<Option<PathBuf>> {
    let original = root.join(&task.document);
    let (Some(folder), Some(name)) = (original.parent(), original.file_name()) else {
        return Ok(None);
    };
    let parked = folder.join("review").join(name);
    if !parked.is_file() || original.exists() {
        return Ok(None);
    }
    std::fs::rename(&parked, &original).with_context(|| {
        format!(
            "cannot move {} back to {}",
            parked.display(),
            original.display()
        )
    })?;
    Ok(Some(original))
}

pub(crate) fn validate(args: &ValidateArgs, settings: &Resolved) -> anyhow::Result<ExitCode> {
    let format = settings.value.format;
    match &args.server {
        Some(server) => remote::validate(args, server, format),
        None => local(args, format),
    }
}

fn local(args: &ValidateArgs, format: OutputFormat) -> anyhow::Result<ExitCode> {
    let now = || chrono::Utc::now().to_rfc3339();
    match &args.command {
        ValidateCommand::List { dir } => {
            let Some(dir) = dir else {
                // A usage mistake, so the usage exit code, like clap's own.
                eprintln!(
                    "error: name the validation folder (`flowbot validate list DIR`), or pass --server URL"
                );
                return Ok(ExitCode::from(crate::cli::EXIT_USAGE));
            };
            let entries =
                std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?;
            let mut paths: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
                .collect();
            paths.sort();
            let mut waiting = Vec::new();
            for path in paths {
                let task = ValidationTask::read(&path)?;
                if task.status == TaskStatus::Pending {
                    waiting.push((path, task));
                }
            }
            if format == OutputFormat::Json {
                let tasks: Vec<&ValidationTask> = waiting.iter().map(|(_, task)| task).collect();
                println!("{}", serde_json::to_string_pretty(&tasks)?);
                return Ok(ExitCode::SUCCESS);
            }
            for (path, task) in &waiting {
                print_task(format, path, task)?;
            }
            println!("{} task(s) waiting", waiting.len());
        }
        ValidateCommand::Show { task } => print_task(format, task, &ValidationTask::read(task)?)?,
        ValidateCommand::Approve {
            task: path,
            set,
            by,
            root,
        } => {
            let mut task = ValidationTask::read(path)?;
            let decision = Decision::Approve {
                corrections: corrections(set)?,
                by: by.clone(),
            };
            task.decide(path, &decision, &now())?;
            task.write(path)?;
            print_task(format, path, &task)?;
            let back = hand_back(root, &task)?;
            if format == OutputFormat::Text {
                match back {
                    Some(back) => println!("{} is back in its watched folder", back.display()),
                    None => println!("run the bot for {} again to book it", task.document),
                }
            }
        }
        ValidateCommand::Reject {
            task: path,
            reason,
            by,
        } => {
            let mut task = ValidationTask::read(path)?;
            let decision = Decision::Reject {
                reason: reason.clone(),
                by: by.clone(),
            };
            task.decide(path, &decision, &now())?;
            task.write(path)?;
            match format {
                OutputFormat::Json => print_task(format, path, &task)?,
                OutputFormat::Text => println!("{} rejected: {reason}", path.display()),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
