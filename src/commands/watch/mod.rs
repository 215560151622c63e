//! `flowbot watch DIR --script FILE`: a local run of the bot for every file that lands in DIR,
//! then the file moves to `DIR/done/`, `DIR/failed/` (with `<name>.reason.txt`) or, when the
//! bot ends with the output `status = "needs_validation"`, `DIR/review/`.
//!
//! `notify` wakes the scan at once; a scan every 500 ms also runs, so a missed event only
//! delays a file. A file is taken when its size and modification time have stayed the same
//! for `--settle-ms`, or at once when it arrives already older than that (renamed into place,
//! or there before the watch started). Temporary and hidden names (`.x`, `x.tmp`, `x.part`,
//! `x.crdownload`, `~$x`) are left alone until renamed. Files are processed one at a time, in
//! name order. Moves are renames inside DIR, so a file is never half in two places; the
//! journal (`journal.rs`) makes a restart finish what a stopped watch began without running a
//! finished file twice or skipping one.

mod journal;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, bail};
use clap::Args;
use flowbot_agent::run::{RunOptions, RunReport, run_script};
use flowbot_agent::secrets::{EnvSecrets, FileSecrets, SecretChain};
use flowbot_agent::{CancelToken, Limits};
use flowbot_model::wire::JobOutcome;
use notify::{RecursiveMode, Watcher};

use crate::commands::run::parse_inputs;
use crate::config::Resolved;
use journal::{Entry, Journal, Stamp};

const SCAN_EVERY: Duration = Duration::from_millis(500);

#[derive(Debug, Args)]
pub(crate) struct WatchArgs {
    /// The folder to watch (not its subfolders); every file that lands in it runs the bot once
    pub(crate) dir: PathBuf,
    /// The bot script; it gets the file's path as the input `file`
    #[arg(long, value_name = "FILE")]
    pub(crate) script: PathBuf,
    /// A further job input as NAME=VALUE (as for `flowbot run`)
    #[arg(long = "input", value_name = "NAME=VALUE")]
    pub(crate) inputs: Vec<String>,
    /// The folder file steps may use; must contain DIR
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub(crate) root: PathBuf,
    /// A file is taken once it has not changed for this long (it may still be being written)
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub(crate) settle_ms: u64,
    /// Process the files already there, then exit instead of watching
    #[arg(long)]
    pub(crate) once: bool,
    /// Wall-clock limit of each run in seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub(crate) timeout: u64,
}

/// Names a writer uses before the file is complete, and our own bookkeeping.
fn ignored(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.starts_with('.')
        || name.starts_with("~$")
        || name.ends_with('~')
        || [
            ".tmp",
            ".part",
            ".partial",
            ".crdownload",
            ".download",
            ".swp",
        ]
        .iter()
        .any(|suffix| lower.ends_with(suffix))
}

/// The files in `dir` a run may be started for, by name.
fn candidates(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type()?.is_file() && !ignored(&name) {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// Renames `dir/name` into `dir/folder/`, under a new name if one is taken there; returns the
/// new path.
fn move_into(dir: &Path, name: &str, folder: &str) -> anyhow::Result<PathBuf> {
    let target_dir = dir.join(folder);
    std::fs::create_dir_all(&target_dir)
        .with_context(|| format!("cannot create {}", target_dir.display()))?;
    let path = Path::new(name);
    let stem = path
        .file_stem()
        .map_or(name.into(), |s| s.to_string_lossy());
    let extension = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let mut target = target_dir.join(name);
    let mut n = 1;
    while target.exists() {
        target = target_dir.join(format!("{stem}-{n}{extension}"));
        n += 1;
    }
    std::fs::rename(dir.join(name), &target)
        .with_context(|| format!("cannot move {name} to {}", target.display()))?;
    Ok(target)
}

/// Finishes a move the journal recorded: the reason file first (so a failed file is never
/// without its reason), then the file.
fn finish_move(
    dir: &Path,
    name: &str,
    folder: &str,
    reason: Option<&str>,
) -> anyhow::Result<PathBuf> {
    let target = move_into(dir, name, folder)?;
    if let Some(reason) = reason {
        let file_name = target.file_name().unwrap_or_default().to_string_lossy();
        let reason_path = target.with_file_name(format!("{file_name}.reason.txt"));
        let temporary = reason_path.with_extension("txt.tmp");
        std::fs::write(&temporary, format!("{reason}\n"))?;
        std::fs::rename(&temporary, &reason_path)?;
    }
    Ok(target)
}

struct Watch<'a> {
    args: &'a WatchArgs,
    dir: PathBuf,
    root: PathBuf,
    settings: &'a Resolved,
    inputs: std::collections::BTreeMap<String, serde_json::Value>,
    journal: Journal,
    cancel: CancelToken,
}

impl Watch<'_> {
    /// What a run's report means for its file: the folder and the reason.
    fn destination(report: &RunReport) -> (&'static str, Option<String>) {
        match report.outcome {
            JobOutcome::Succeeded
                if report.outputs.get("status").and_then(|s| s.as_str())
                    == Some("needs_validation") =>
            {
                ("review", None)
            }
            JobOutcome::Succeeded => ("done", None),
            _ => {
                let reason = report
                    .error
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_else(|| format!("the run {:?}", report.outcome).to_lowercase());
                (
                    "failed",
                    Some(format!(
                        "{reason}\nrun folder: {}",
                        report.run_dir.display()
                    )),
                )
            }
        }
    }

    fn run(&self, path: &Path) -> anyhow::Result<RunReport> {
        let package_dir = self
            .args
            .script
            .parent()
            .map(PathBuf::from)
            .unwrap_or_default();
        let mut options = RunOptions::new(
            &self.args.script,
            &self.root,
            self.settings.value.data_dir.join("runs"),
        );
        options.inputs = self.inputs.clone();
        let relative = path.strip_prefix(&self.root).unwrap_or(path);
        options.inputs.insert(
            "file".to_owned(),
            relative.to_string_lossy().into_owned().into(),
        );
        options.limits = Limits {
            timeout: Duration::from_secs(self.args.timeout),
            ..Limits::default()
        };
        options.secrets = Box::new(SecretChain(vec![
            Box::new(EnvSecrets::from_env()),
            Box::new(FileSecrets::load(&package_dir.join("secrets.toml"))?),
        ]));
        options.agent = "watch".to_owned();
        options.cancel = self.cancel.clone();
        run_script(options).with_context(|| format!("cannot run {}", self.args.script.display()))
    }

    /// Runs the bot for one settled file and moves it.
    fn process(&mut self, name: &str, stamp: Stamp) -> anyhow::Result<()> {
        let path = self.dir.join(name);
        self.journal.set(
            name,
            Entry::Running {
                stamp,
                run_started: chrono::Utc::now().to_rfc3339(),
            },
        )?;
        let report = match self.run(&path) {
            Ok(report) => report,
            Err(error) => {
                // The bot could not even start (a script that does not compile): every file
                // would fail the same way, so stop rather than fail them all.
                self.journal.remove(name)?;
                return Err(error);
            }
        };
        if report.outcome == JobOutcome::Cancelled {
            // Stopped by Ctrl-C: the file stays and runs again after a restart.
            self.journal.remove(name)?;
            return Ok(());
        }
        let (folder, reason) = Self::destination(&report);
        self.journal.set(
            name,
            Entry::Moving {
                stamp,
                folder: folder.to_owned(),
                reason: reason.clone(),
                run_id: report.run_id.to_string(),
            },
        )?;
        let target = finish_move(&self.dir, name, folder, reason.as_deref())?;
        self.journal.remove(name)?;
        eprintln!(
            "{name}: {folder} ({}) → {}",
            report.run_id,
            target.display()
        );
        Ok(())
    }

    /// Finishes what a previous watch left: moves whose run ended; runs that did not end are
    /// forgotten, so their files are taken again like new ones.
    fn recover(&mut self) -> anyhow::Result<()> {
        let entries: Vec<(String, Entry)> = self.journal.files.clone().into_iter().collect();
        for (name, entry) in entries {
            let path = self.dir.join(&name);
            match entry {
                Entry::Moving {
                    stamp,
                    folder,
                    reason,
                    ..
                } if Stamp::of(&path).ok() == Some(stamp) => {
                    let target = finish_move(&self.dir, &name, &folder, reason.as_deref())?;
                    eprintln!(
                        "{name}: {folder} (run finished before the restart) → {}",
                        target.display()
                    );
                }
                Entry::Running { .. } => {
                    eprintln!("{name}: its run was interrupted; running it again");
                }
                Entry::Moving { .. } => {}
            }
            self.journal.remove(&name)?;
        }
        Ok(())
    }
}

pub(crate) fn watch(args: &WatchArgs, settings: &Resolved) -> anyhow::Result<ExitCode> {
    let dir = args
        .dir
        .canonicalize()
        .with_context(|| format!("cannot watch {}", args.dir.display()))?;
    let root = args
        .root
        .canonicalize()
        .with_context(|| format!("--root {}", args.root.display()))?;
    if !dir.starts_with(&root) {
        bail!(
            "{} is outside --root {}: the bot could not open the files",
            dir.display(),
            root.display()
        );
    }
    if !args.script.is_file() {
        bail!("no script {}", args.script.display());
    }
    let stop = Arc::new(AtomicBool::new(false));
    let cancel = CancelToken::new();
    {
        let (stop, cancel) = (Arc::clone(&stop), cancel.clone());
        // First signal: finish the current file and stop. The run itself is not cancelled
        // unless a second signal comes.
        let signals = std::sync::atomic::AtomicUsize::new(0);
        if let Err(error) = ctrlc::set_handler(move || {
            stop.store(true, Ordering::SeqCst);
            if signals.fetch_add(1, Ordering::SeqCst) >= 1 {
                cancel.cancel();
            }
        }) {
            tracing::warn!("Ctrl-C will not stop the watch cleanly: {error}");
        }
    }
    let mut watch = Watch {
        args,
        journal: Journal::load(&dir)?,
        dir: dir.clone(),
        root,
        settings,
        inputs: parse_inputs(&args.inputs)?,
        cancel,
    };
    watch.recover()?;
    let (wake_tx, wake) = std::sync::mpsc::channel::<()>();
    let mut watcher = notify::recommended_watcher(move |_| {
        let _ = wake_tx.send(());
    })
    .context("cannot watch for file events")?;
    watcher
        .watch(&dir, RecursiveMode::NonRecursive)
        .with_context(|| format!("cannot watch {}", dir.display()))?;
    eprintln!("watching {} (settle {} ms)", dir.display(), args.settle_ms);
    let settle = Duration::from_millis(args.settle_ms);
    // name → (stamp, when it was first seen with that stamp)
    let mut seen: HashMap<String, (Stamp, Instant)> = HashMap::new();
    while !stop.load(Ordering::SeqCst) {
        let names = candidates(&dir)?;
        seen.retain(|name, _| names.contains(name));
        let mut waiting = false;
        for name in names {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            let Ok(stamp) = Stamp::of(&dir.join(&name)) else {
                continue; // gone between listing and looking
            };
            let now = Instant::now();
            let first = seen.get(&name).is_none_or(|(known, _)| *known != stamp);
            if first {
                seen.insert(name.clone(), (stamp, now));
            }
            let stable_for = now - seen[&name].1;
            let age = SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(Duration::ZERO, |now| {
                    now.saturating_sub(Duration::from_nanos(stamp.modified_ns))
                });
            if stable_for >= settle || (first && age >= settle) {
                seen.remove(&name);
                watch.process(&name, stamp)?;
            } else {
                waiting = true;
            }
        }
        if args.once && !waiting {
            break;
        }
        match wake.recv_timeout(SCAN_EVERY) {
            Ok(()) => while wake.try_recv().is_ok() {},
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                bail!("the file watcher stopped")
            }
        }
    }
    eprintln!("stopped watching {}", dir.display());
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_and_hidden_names_wait_for_their_rename() {
        for name in [
            "a.pdf.part",
            ".a.pdf",
            "a.crdownload",
            "~$a.docx",
            "a.pdf.tmp",
            "a~",
        ] {
            assert!(ignored(name), "{name}");
        }
        assert!(!ignored("invoice 7.pdf"));
    }

    #[test]
    fn a_taken_name_in_the_target_folder_gets_a_number() {
        let dir = tempfile::tempdir().unwrap();
        for _ in 0..2 {
            std::fs::write(dir.path().join("a.pdf"), b"x").unwrap();
            move_into(dir.path(), "a.pdf", "done").unwrap();
        }
        assert!(dir.path().join("done/a.pdf").is_file());
        assert!(dir.path().join("done/a-1.pdf").is_file());
    }
}
