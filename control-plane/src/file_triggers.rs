//! File triggers: watch folders on the control plane's host and queue a job per file that
//! lands and settles.
//!
//! `notify` wakes the scan as soon as something changes; a scan every second also runs, so a
//! missed event (a network file system, a full inotify queue) only delays a file. A file is
//! taken once its modification time is `settle_ms` old, so one still being written waits, and
//! one renamed into place (already complete) goes at once. The store keys each firing by
//! (name, size, modification time), so a restart neither repeats nor skips a file.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::Notify;

use crate::api::AppState;
use crate::store::{LandedFile, TriggerOn, TriggerRecord};

const SCAN_EVERY: Duration = Duration::from_secs(1);

/// Runs until the task is aborted.
pub(crate) async fn watch(state: AppState) {
    let wake = Arc::new(Notify::new());
    let mut watchers: HashMap<PathBuf, RecommendedWatcher> = HashMap::new();
    // Keys already fired in this process, so a settled file is not offered to the store again
    // on every scan.
    let mut fired: HashSet<(String, String)> = HashSet::new();
    loop {
        let triggers = match state.with_store(|store| store.triggers()).await {
            Ok(triggers) => file_triggers(triggers),
            Err(error) => {
                tracing::error!(?error, "file triggers: cannot read triggers");
                Vec::new()
            }
        };
        follow_folders(&mut watchers, &triggers, &wake);
        for trigger in &triggers {
            scan_and_fire(&state, trigger, &mut fired).await;
        }
        tokio::select! {
            () = wake.notified() => {}
            () = state.triggers_changed.notified() => {}
            () = tokio::time::sleep(SCAN_EVERY) => {}
        }
    }
}

/// An enabled file trigger, unpacked.
struct FileTrigger {
    id: String,
    name: String,
    dir: PathBuf,
    pattern: glob::Pattern,
    settle: Duration,
}

fn file_triggers(triggers: Vec<TriggerRecord>) -> Vec<FileTrigger> {
    triggers
        .into_iter()
        .filter(|trigger| trigger.spec.enabled)
        .filter_map(|trigger| match trigger.spec.on {
            TriggerOn::File {
                dir,
                pattern,
                settle_ms,
            } => Some(FileTrigger {
                id: trigger.id,
                name: trigger.spec.name,
                dir,
                // Checked when the trigger was created.
                pattern: glob::Pattern::new(&pattern).ok()?,
                settle: Duration::from_millis(settle_ms),
            }),
            _ => None,
        })
        .collect()
}

/// One watcher per watched folder; folders no trigger needs any more are dropped.
fn follow_folders(
    watchers: &mut HashMap<PathBuf, RecommendedWatcher>,
    triggers: &[FileTrigger],
    wake: &Arc<Notify>,
) {
    let wanted: HashSet<&PathBuf> = triggers.iter().map(|trigger| &trigger.dir).collect();
    watchers.retain(|dir, _| wanted.contains(dir));
    for dir in wanted {
        if watchers.contains_key(dir) {
            continue;
        }
        let wake = Arc::clone(wake);
        let watcher = notify::recommended_watcher(move |_event| wake.notify_one()).and_then(
            |mut watcher: RecommendedWatcher| {
                watcher.watch(dir, RecursiveMode::NonRecursive)?;
                Ok(watcher)
            },
        );
        match watcher {
            Ok(watcher) => {
                watchers.insert(dir.clone(), watcher);
            }
            // The scan still finds files; only the prompt wake-up is lost.
            Err(error) => tracing::warn!(dir = %dir.display(), %error, "cannot watch folder"),
        }
    }
}

async fn scan_and_fire(
    state: &AppState,
    trigger: &FileTrigger,
    fired: &mut HashSet<(String, String)>,
) {
    let dir = trigger.dir.clone();
    let pattern = trigger.pattern.clone();
    let settle = trigger.settle;
    let landed = tokio::task::spawn_blocking(move || settled_files(&dir, &pattern, settle)).await;
    let landed = match landed {
        Ok(Ok(landed)) => landed,
        Ok(Err(error)) => {
            tracing::warn!(trigger = %trigger.name, dir = %trigger.dir.display(), %error, "cannot read trigger folder");
            return;
        }
        Err(error) => {
            tracing::error!(%error, "file scan task failed");
            return;
        }
    };
    for file in landed {
        let key = (
            trigger.id.clone(),
            format!("{}:{}:{}", file.name, file.size, file.modified_ms),
        );
        if fired.contains(&key) {
            continue;
        }
        let id = trigger.id.clone();
        let landed_file = file.clone();
        match state
            .with_store(move |store| store.fire_file(&id, &landed_file, chrono::Utc::now()))
            .await
        {
            Ok(firing) => {
                if let Some(firing) = firing {
                    tracing::info!(trigger = %trigger.name, file = %file.name, job = %firing.job_id, "file trigger fired");
                    state.work.jobs_ready(1);
                }
                fired.insert(key);
            }
            Err(error) => {
                tracing::error!(trigger = %trigger.name, file = %file.name, ?error, "file trigger failed")
            }
        }
    }
}

/// Files in `dir` matching `pattern` that have not changed for `settle`. Hidden files and
/// the usual partial-download names are left alone: they are renamed when complete.
fn settled_files(
    dir: &Path,
    pattern: &glob::Pattern,
    settle: Duration,
) -> std::io::Result<Vec<LandedFile>> {
    let now = SystemTime::now();
    let mut landed = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let partial = name.starts_with('.')
            || [".part", ".tmp", ".crdownload", "~"]
                .iter()
                .any(|suffix| name.ends_with(suffix));
        if partial || !pattern.matches(&name) {
            continue;
        }
        let metadata = entry.metadata()?;
        if !metadata.is_file() {
            continue;
        }
        let modified = metadata.modified()?;
        let age = now.duration_since(modified).unwrap_or_default();
        if age < settle {
            continue;
        }
        let modified_ms = modified
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|since| i64::try_from(since.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or_default();
        landed.push(LandedFile {
            path: entry.path(),
            name,
            size: metadata.len(),
            modified_ms,
        });
    }
    landed.sort_by(|a, b| (a.modified_ms, &a.name).cmp(&(b.modified_ms, &b.name)));
    Ok(landed)
}
