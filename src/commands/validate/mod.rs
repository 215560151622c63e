//! `flowbot validate`: the person's side of document validation. `list DIR` shows the tasks
//! waiting, `show TASK` one task's fields and issues, `approve TASK --set FIELD=VALUE` records
//! corrections and hands the document back to its folder watch (from `review/` into the
//! watched folder, where the next run books it with the corrected values), `reject TASK
//! --reason …` ends it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use flowbot_agent::validation::{TaskStatus, ValidationTask};

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    #[command(subcommand)]
    pub(crate) command: ValidateCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ValidateCommand {
    /// The pending tasks in a validation folder, with their issues
    List { dir: PathBuf },
    /// One task: every field with its confidence, and the issues
    Show { task: PathBuf },
    /// Approve a task, with corrections; the document goes back to its watched folder
    Approve {
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
        task: PathBuf,
        #[arg(long)]
        reason: String,
        #[arg(long, env = "USER", default_value = "unknown")]
        by: String,
    },
}

fn print_task(path: &Path, task: &ValidationTask) {
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

pub(crate) fn validate(args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        ValidateCommand::List { dir } => {
            let mut count = 0;
            let entries =
                std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?;
            let mut paths: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
                .collect();
            paths.sort();
            for path in paths {
                let task = ValidationTask::read(&path)?;
                if task.status == TaskStatus::Pending {
                    print_task(&path, &task);
                    count += 1;
                }
            }
            println!("{count} task(s) waiting");
        }
        ValidateCommand::Show { task } => print_task(task, &ValidationTask::read(task)?),
        ValidateCommand::Approve {
            task: path,
            set,
            by,
            root,
        } => {
            let mut task = ValidationTask::read(path)?;
            if task.status != TaskStatus::Pending {
                bail!("{} is already {:?}", path.display(), task.status);
            }
            for assignment in set {
                let Some((field, value)) = assignment.split_once('=') else {
                    bail!("--set {assignment:?} must be FIELD=VALUE");
                };
                task.correct(path, field.trim(), value.trim())?;
            }
            task.status = TaskStatus::Validated;
            task.validated_by = Some(by.clone());
            task.validated_at = Some(chrono::Utc::now().to_rfc3339());
            task.write(path)?;
            print_task(path, &task);
            match hand_back(root, &task)? {
                Some(back) => println!("{} is back in its watched folder", back.display()),
                None => println!("run the bot for {} again to book it", task.document),
            }
        }
        ValidateCommand::Reject {
            task: path,
            reason,
            by,
        } => {
            let mut task = ValidationTask::read(path)?;
            task.status = TaskStatus::Rejected;
            task.reject_reason = Some(reason.clone());
            task.validated_by = Some(by.clone());
            task.validated_at = Some(chrono::Utc::now().to_rfc3339());
            task.write(path)?;
            println!("{} rejected: {reason}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
