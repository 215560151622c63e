//! `flowbot agent`: register with a control plane, lease jobs (one per slot), run each bot
//! version in the sandbox, stream its step events in batches, heartbeat the leases, report the
//! result. A job is leased, never handed: if this process dies, its leases expire and the
//! control plane gives the jobs to another agent.

mod artifacts;
mod client;
mod queue;
mod sink;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use flowbot_model::wire::{
    AgentMessage, Capability, ControlMessage, ExceptionKind, Heartbeat, JobError, JobOutcome,
    JobResult, Lease, LeaseRequest, Registration,
};
use flowbot_model::{AgentId, LeaseId};

use crate::run::{RunOptions, run_script};
use crate::sandbox::{CancelToken, Limits};
use client::Client;

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("cannot reach the control plane: {0}")]
    Unreachable(String),
    #[error("the control plane refused: {0}")]
    Refused(String),
    #[error("HTTP: {0}")]
    Http(String),
    #[error("cannot start a slot thread: {0}")]
    Thread(std::io::Error),
    #[error("cannot write the bot package to {path}: {source}")]
    Package {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub struct DaemonOptions {
    pub server: String,
    /// The control plane's agent token, if it requires one.
    pub token: Option<String>,
    pub name: String,
    pub labels: Vec<String>,
    pub capabilities: Vec<Capability>,
    pub slots: u32,
    /// Holds `packages/` (fetched bot versions) and `runs/` (run folders, see `keep_runs`).
    pub data_dir: PathBuf,
    /// The folder file steps may touch besides the run folder.
    pub files_root: PathBuf,
    /// Also keep each job's `events.jsonl`, `run.log` and `run.json` in its run folder. Off by
    /// default: they are in the control plane's run history, and a job that writes no file then
    /// leaves nothing on this disk (creating files was most of a trivial job's cost).
    pub keep_runs: bool,
    pub limits: Limits,
    /// Set on the first SIGTERM: take no new jobs, finish the running ones.
    pub draining: Arc<AtomicBool>,
    /// Set on the second: stop running bots and hand their jobs back for a retry.
    pub abandon: Arc<AtomicBool>,
}

/// The leases this agent works on.
#[derive(Default)]
struct Active {
    runs: Mutex<HashMap<LeaseId, RunHandle>>,
}

/// What the heartbeat thread needs of a running lease.
struct RunHandle {
    /// Stops the run.
    cancel: CancelToken,
    /// Set when the control plane says the lease is gone.
    lost: Arc<AtomicBool>,
    /// The run's event and log stream, sent on when its oldest item waits too long (a bot
    /// asleep or inside a slow step still shows its log live).
    sink: sink::SharedLeaseSink,
}

/// Run until drained (SIGTERM) or an unrecoverable refusal. Returns the jobs finished.
pub fn run_daemon(options: DaemonOptions) -> Result<u64, DaemonError> {
    let client = Arc::new(Client::new(&options.server, options.token.clone())?);
    let draining = Arc::clone(&options.draining);
    let registration = Registration {
        name: options.name.clone(),
        labels: options.labels.clone(),
        capabilities: options.capabilities.clone(),
        slots: options.slots,
        agent_version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    let agent_id = match client.exchange(&AgentMessage::Register(registration), &|| {
        !draining.load(Ordering::SeqCst)
    })? {
        ControlMessage::Registered { agent_id } => agent_id,
        other => {
            return Err(DaemonError::Refused(format!(
                "unexpected answer to register: {other:?}"
            )));
        }
    };
    tracing::info!(%agent_id, slots = options.slots, "registered with {}", options.server);
    let options = Arc::new(options);
    let active = Arc::new(Active::default());
    let finished = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let beating = Arc::new(AtomicBool::new(true));

    let heart = {
        let (client, active, agent_id, beating) = (
            Arc::clone(&client),
            Arc::clone(&active),
            agent_id.clone(),
            Arc::clone(&beating),
        );
        let abandon = Arc::clone(&options.abandon);
        std::thread::spawn(move || heartbeat_loop(&client, &active, &agent_id, &beating, &abandon))
    };
    let slots = (0..options.slots.max(1))
        .map(|slot| {
            let (client, active, options, agent_id, finished) = (
                Arc::clone(&client),
                Arc::clone(&active),
                Arc::clone(&options),
                agent_id.clone(),
                Arc::clone(&finished),
            );
            crate::run::script_thread(format!("slot {slot}"), move || {
                slot_loop(&client, &active, &options, &agent_id, &finished)
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(DaemonError::Thread)?;
    // Slots blocked in a long poll would hold a drained agent for up to 20 s; once draining
    // and idle, leave without them. A lease granted in that instant is not lost: it expires
    // and the control plane gives the job to another agent.
    let mut outcome = Ok(());
    let mut slots = slots;
    while !slots.is_empty() {
        let idle = active
            .runs
            .lock()
            .map(|runs| runs.is_empty())
            .unwrap_or(true);
        if options.draining.load(Ordering::SeqCst) && idle {
            break;
        }
        let (done, running): (Vec<_>, Vec<_>) =
            slots.into_iter().partition(|slot| slot.is_finished());
        slots = running;
        for slot in done {
            if let Ok(Err(error)) = slot.join() {
                options.draining.store(true, Ordering::SeqCst);
                outcome = Err(error);
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    beating.store(false, Ordering::SeqCst);
    heart.join().ok();
    outcome.map(|()| finished.load(Ordering::SeqCst))
}

/// Renews the leases every second and, once the agent is told to abandon its work (a second
/// SIGTERM), stops every running bot within 100 ms.
fn heartbeat_loop(
    client: &Client,
    active: &Active,
    agent: &AgentId,
    beating: &AtomicBool,
    abandon: &AtomicBool,
) {
    // A third of the default 30 s lease; the control plane's `heartbeat_every_s` is never more.
    let every = Duration::from_secs(1);
    let mut since = Duration::ZERO;
    while beating.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
        let sinks: Vec<sink::SharedLeaseSink> = match active.runs.lock() {
            Ok(runs) => {
                if abandon.load(Ordering::SeqCst) {
                    runs.values().for_each(|run| run.cancel.cancel());
                }
                runs.values().map(|run| Arc::clone(&run.sink)).collect()
            }
            Err(_) => Vec::new(),
        };
        // Outside the map's lock: a send waits on the network.
        for sink in sinks {
            if let Ok(mut sink) = sink.lock()
                && let Err(error) = sink.flush_if_older_than(sink::BATCH_AGE)
            {
                tracing::warn!(%error, "step events not sent yet; the run sends them later");
            }
        }
        since += Duration::from_millis(100);
        if since < every {
            continue;
        }
        since = Duration::ZERO;
        let leases: Vec<LeaseId> = active
            .runs
            .lock()
            .map(|runs| runs.keys().cloned().collect())
            .unwrap_or_default();
        if leases.is_empty() {
            continue;
        }
        let message = AgentMessage::Heartbeat(Heartbeat {
            agent_id: agent.clone(),
            leases,
        });
        match client.exchange(&message, &|| false) {
            Ok(ControlMessage::HeartbeatAck(ack)) => {
                let runs = active
                    .runs
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                for lease in ack.cancel.iter().chain(&ack.lost) {
                    if let Some(run) = runs.get(lease) {
                        if ack.lost.contains(lease) {
                            run.lost.store(true, Ordering::SeqCst);
                        }
                        tracing::warn!(%lease, "stopping the run: the control plane cancelled it or the lease was lost");
                        run.cancel.cancel();
                    }
                }
            }
            Ok(other) => tracing::error!(?other, "unexpected answer to a heartbeat"),
            Err(error) => {
                tracing::warn!(%error, "heartbeat failed; the lease stays valid until it expires")
            }
        }
    }
}

fn slot_loop(
    client: &Arc<Client>,
    active: &Active,
    options: &DaemonOptions,
    agent: &AgentId,
    finished: &std::sync::atomic::AtomicU64,
) -> Result<(), DaemonError> {
    let not_draining = || !options.draining.load(Ordering::SeqCst);
    while not_draining() {
        let request = AgentMessage::RequestLease(LeaseRequest {
            agent_id: agent.clone(),
            free_slots: 1,
        });
        match client.exchange(&request, &not_draining) {
            Ok(ControlMessage::Lease(lease)) => {
                run_lease(client, active, options, lease);
                finished.fetch_add(1, Ordering::SeqCst);
            }
            Ok(ControlMessage::NoWork) => {}
            Ok(other) => tracing::error!(?other, "unexpected answer to a lease request"),
            Err(DaemonError::Unreachable(_)) if !not_draining() => break,
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

fn run_lease(client: &Arc<Client>, active: &Active, options: &DaemonOptions, lease: Lease) {
    let cancel = CancelToken::new();
    let lost = Arc::new(AtomicBool::new(false));
    let last_batch = sink::LastBatch::default();
    let sink = Arc::new(Mutex::new(sink::lease_sink(
        Arc::clone(client),
        lease.lease_id.clone(),
        cancel.clone(),
        Arc::clone(&lost),
        Arc::clone(&last_batch),
    )));
    if let Ok(mut runs) = active.runs.lock() {
        let handle = RunHandle {
            cancel: cancel.clone(),
            lost: Arc::clone(&lost),
            sink: Arc::clone(&sink),
        };
        runs.insert(lease.lease_id.clone(), handle);
    }
    let result = execute(client, options, &lease, cancel, Arc::clone(&lost), sink);
    let result = JobResult {
        last_batch: last_batch.lock().ok().and_then(|mut last| last.take()),
        ..result
    };
    if let Ok(mut runs) = active.runs.lock() {
        runs.remove(&lease.lease_id);
    }
    if lost.load(Ordering::SeqCst) {
        tracing::warn!(lease = %lease.lease_id, "lease lost: not reporting a result");
        return;
    }
    let result =
        if options.abandon.load(Ordering::SeqCst) && result.outcome == JobOutcome::Cancelled {
            // Stopped by our own shutdown, not by an operator: hand the job back for a retry.
            JobResult {
                outcome: JobOutcome::Failed,
                error: Some(JobError {
                    kind: ExceptionKind::System,
                    message: "the agent shut down before the bot finished".to_owned(),
                }),
                ..result
            }
        } else {
            result
        };
    match client.exchange(&AgentMessage::Result(result), &|| true) {
        Ok(ControlMessage::Accepted | ControlMessage::LeaseLost { .. }) => {}
        Ok(other) => tracing::error!(?other, "unexpected answer to a result"),
        Err(error) => {
            tracing::error!(%error, "could not report a result; the lease will expire and the job retry")
        }
    }
}

/// Fetch the bot version and run it; every failure becomes a result the control plane can act on.
fn execute(
    client: &Arc<Client>,
    options: &DaemonOptions,
    lease: &Lease,
    cancel: CancelToken,
    lost: Arc<AtomicBool>,
    sink: sink::SharedLeaseSink,
) -> JobResult {
    let failed = |kind, message: String| JobResult {
        lease_id: lease.lease_id.clone(),
        outcome: JobOutcome::Failed,
        outputs: Default::default(),
        error: Some(JobError { kind, message }),
        finished_at: Utc::now(),
        last_batch: None,
    };
    let bot = &lease.job.bot;
    let package_dir = match fetch_package(client, &options.data_dir, &bot.name, bot.version) {
        Ok((dir, entry)) => dir.join(entry),
        Err(error) => {
            return failed(
                ExceptionKind::System,
                format!("cannot fetch {} v{}: {error}", bot.name, bot.version),
            );
        }
    };
    let mut run = RunOptions::new(
        &package_dir,
        &options.files_root,
        options.data_dir.join("runs"),
    );
    run.bot = Some(bot.name.clone());
    run.agent = options.name.clone();
    run.inputs = lease.job.inputs.clone();
    run.cancel = cancel.clone();
    run.limits = options.limits.clone();
    run.limits.timeout = run
        .limits
        .timeout
        .min(Duration::from_secs(lease.job.timeout_s.max(1)));
    run.work_queue = Some(Arc::new(queue::LeaseQueue {
        client: Arc::clone(client),
        lease: lease.lease_id.clone(),
        stop: cancel.clone(),
        lease_lost: Arc::clone(&lost),
    }));
    run.extra_sink = Some(Box::new(sink));
    run.local_record = options.keep_runs;
    match run_script(run) {
        Ok(report) => {
            artifacts::upload(client, &lease.lease_id, &report);
            JobResult {
                lease_id: lease.lease_id.clone(),
                outcome: report.outcome,
                outputs: report.outputs,
                error: report.error.map(|error| JobError {
                    kind: error.kind,
                    message: error.to_string(),
                }),
                finished_at: report.finished,
                last_batch: None,
            }
        }
        Err(error) => failed(ExceptionKind::System, error.to_string()),
    }
}

/// The bot version's folder under `<data_dir>/packages`, written once (atomically) and reused.
/// Beside a fetched package's files: the name of its entry script. Written before the package
/// folder is renamed into place, so its presence means the folder is complete.
const ENTRY_FILE: &str = ".flowbot-entry";

fn fetch_package(
    client: &Client,
    data_dir: &Path,
    name: &str,
    version: u32,
) -> Result<(PathBuf, String), DaemonError> {
    #[derive(serde::Deserialize)]
    struct Version {
        package: flowbot_model::wire::BotPackage,
    }
    let dir = data_dir
        .join("packages")
        .join(name)
        .join(format!("v{version}"));
    // Versions are immutable, so a version fetched once is run from disk without asking again.
    if let Ok(entry) = std::fs::read_to_string(dir.join(ENTRY_FILE)) {
        return Ok((dir, entry));
    }
    let found: Version = client.get(&format!("/api/v1/bots/{name}/versions/{version}"))?;
    if dir.is_dir() {
        return Ok((dir, found.package.entry));
    }
    if let Some(path) = found.package.unsafe_paths().first() {
        return Err(DaemonError::Refused(format!(
            "package path {path:?} would escape the package folder"
        )));
    }
    // Unique per fetch, not just per process: an agent's slots may fetch the same new version
    // at once, and one slot renaming its staging folder away must not pull it from under another.
    static FETCHES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let staging = data_dir.join("packages").join(format!(
        ".{name}-v{version}-{}-{}",
        std::process::id(),
        FETCHES.fetch_add(1, Ordering::SeqCst)
    ));
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| DaemonError::Package { path, source }
    };
    for (relative, text) in &found.package.files {
        let path = staging.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&path, text).map_err(io(&path))?;
    }
    let entry_file = staging.join(ENTRY_FILE);
    std::fs::write(&entry_file, &found.package.entry).map_err(io(&entry_file))?;
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    // Another slot may have written the same version meanwhile; either copy is identical.
    if std::fs::rename(&staging, &dir).is_err() {
        std::fs::remove_dir_all(&staging).ok();
    }
    Ok((dir, found.package.entry))
}
