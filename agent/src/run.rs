//! One local run of a bot script: its folder, engine, events, and the report at the end.
//!
//! ```text
//! <runs dir>/<run id>/
//!   events.jsonl   one flowbot_model::Event per step
//!   run.log        redacted log lines, print/debug output, step outcomes
//!   run.json       the summary: outcome, error with file:line:col, outputs (the values the
//!                  script set with output(name, value)), artifacts, counts, times
//!   artifacts/     files the script writes for people (reports, screenshots), made by the
//!                  first step that writes one: an agent runs hundreds of jobs a second, and
//!                  every inode a run creates costs it time
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use flowbot_model::ids::RunId;
use flowbot_model::wire::{ExceptionKind, JobOutcome};
use rhai::Engine;
use serde::Serialize;

use crate::catalogue::{Catalogue, Registrar};
use crate::error::{AgentError, ScriptError, script_error, terminated_reason};
use crate::events::{EventSink, JsonlSink, MemorySink, Tee};
use crate::runtime::{FileRoots, Runtime, RuntimeParts};
use crate::sandbox::{CancelToken, Limits, Stopper, TERMINATED_CANCELLED, sandboxed_engine};
use crate::secrets::{SecretChain, SecretStore};
use crate::work_queue::WorkQueue;

/// Everything a local run needs to know.
pub struct RunOptions {
    pub script: PathBuf,
    /// The folder file steps resolve relative paths against (besides the run folder).
    pub files_root: PathBuf,
    /// Where run folders are created (`<data_dir>/runs`).
    pub runs_dir: PathBuf,
    /// The bot's name in events' resource; defaults to the script's file stem.
    pub bot: Option<String>,
    /// This agent's name in events' resource.
    pub agent: String,
    pub inputs: BTreeMap<String, serde_json::Value>,
    pub secrets: Box<dyn SecretStore>,
    pub limits: Limits,
    pub dry_run: bool,
    pub cancel: CancelToken,
    /// Print log lines and step outcomes to stderr as they happen.
    pub echo_log: bool,
    /// Receives every event besides `events.jsonl` (the CLI's progress line, a control plane).
    pub extra_sink: Option<Box<dyn EventSink>>,
    /// The control plane's work queues, for runs of a leased job.
    pub work_queue: Option<Arc<dyn WorkQueue>>,
    /// Redact personal data (names, emails, phones, IBANs, …) from the run log with the
    /// personal-data model, besides secrets. Defaults to
    /// [`crate::language::log_redaction_default`]: on when the model is fetched.
    pub redact_log_pii: bool,
    /// Write `events.jsonl`, `run.log` and `run.json` into the run folder (the default). A
    /// control plane's job turns it off: its events, log lines, outputs and artifacts go to the
    /// control plane, and the folder then appears only if a step writes into it.
    pub local_record: bool,
}

impl RunOptions {
    /// Options with production limits, no secrets and no inputs.
    pub fn new(
        script: impl Into<PathBuf>,
        files_root: impl Into<PathBuf>,
        runs_dir: impl Into<PathBuf>,
    ) -> Self {
        Self {
            script: script.into(),
            files_root: files_root.into(),
            runs_dir: runs_dir.into(),
            bot: None,
            agent: "local".to_owned(),
            inputs: BTreeMap::new(),
            secrets: Box::new(SecretChain::default()),
            limits: Limits::default(),
            dry_run: false,
            cancel: CancelToken::new(),
            echo_log: false,
            extra_sink: None,
            work_queue: None,
            redact_log_pii: crate::language::log_redaction_default(),
            local_record: true,
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub run_id: RunId,
    pub bot: String,
    pub script: String,
    pub run_dir: PathBuf,
    pub outcome: JobOutcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ScriptError>,
    pub outputs: BTreeMap<String, serde_json::Value>,
    /// Files the script left in `artifacts/`, for the control plane to collect.
    pub artifacts: Vec<Artifact>,
    pub events: u64,
    pub dry_run: bool,
    pub started: DateTime<Utc>,
    pub finished: DateTime<Utc>,
}

/// One file in a run's `artifacts/` folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Artifact {
    /// Relative to `artifacts/`, with `/` separators.
    pub path: String,
    pub bytes: u64,
}

/// Every file under `dir`, sorted; unreadable entries are skipped (the listing is informative,
/// the files themselves are what matter).
fn list_artifacts(dir: &Path) -> Vec<Artifact> {
    fn walk(root: &Path, dir: &Path, found: &mut Vec<Artifact>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(metadata) = entry.metadata() else {
                continue;
            };
            if metadata.is_dir() {
                walk(root, &path, found);
            } else if let Ok(relative) = path.strip_prefix(root) {
                let parts: Vec<String> = relative
                    .components()
                    .map(|part| part.as_os_str().to_string_lossy().into_owned())
                    .collect();
                found.push(Artifact {
                    path: parts.join("/"),
                    bytes: metadata.len(),
                });
            }
        }
    }
    let mut found = Vec::new();
    walk(dir, dir, &mut found);
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

/// Builds the sandboxed engine for `runtime` with every step registered (with its parameter
/// names and docs) and print/debug routed to the redacted run log.
pub fn build_engine(
    limits: &Limits,
    package_dir: &Path,
    runtime: &Arc<Runtime>,
) -> (Engine, Catalogue) {
    build_engine_with(limits, package_dir, runtime, true)
}

/// [`build_engine`] for a run: the same steps without their docs.
fn build_run_engine(limits: &Limits, package_dir: &Path, runtime: &Arc<Runtime>) -> Engine {
    build_engine_with(limits, package_dir, runtime, false).0
}

fn build_engine_with(
    limits: &Limits,
    package_dir: &Path,
    runtime: &Arc<Runtime>,
    docs: bool,
) -> (Engine, Catalogue) {
    let mut engine = sandboxed_engine(limits, package_dir, runtime.stopper.clone());
    let printer = Arc::clone(runtime);
    engine.on_print(move |text| printer.log_line("print", text));
    let debugger = Arc::clone(runtime);
    engine.on_debug(move |text, source, position| {
        let place = match (source, position.line()) {
            (Some(source), Some(line)) => format!("{source}:{line} "),
            (None, Some(line)) => format!("line {line} "),
            _ => String::new(),
        };
        debugger.log_line("debug", &format!("{place}{text}"));
    });
    let mut registrar = if docs {
        Registrar::new(&mut engine)
    } else {
        Registrar::for_runs(&mut engine)
    };
    crate::steps::register_all(&mut registrar, runtime);
    let catalogue = registrar.finish();
    (engine, catalogue)
}

/// A runtime that touches nothing: for checking scripts, listing the catalogue, benchmarks.
pub fn detached_runtime(sink: Box<dyn EventSink>, limits: &Limits) -> Arc<Runtime> {
    let scratch = std::env::temp_dir();
    Arc::new(Runtime::new(RuntimeParts {
        run_id: RunId::from("detached"),
        resource: "check@local".to_owned(),
        script: String::new(),
        stopper: Stopper::new(CancelToken::new(), limits.timeout),
        roots: FileRoots::new(std::slice::from_ref(&scratch))
            .unwrap_or_else(|_| FileRoots::unresolved(scratch)),
        run_dir: None,
        dry_run: true,
        inputs: BTreeMap::new(),
        secrets: Box::new(SecretChain::default()),
        work_queue: None,
        sink,
        log: None,
        echo_log: false,
        redact_log_pii: false,
    }))
}

/// The step catalogue, as the engine registers it.
pub fn catalogue() -> Catalogue {
    let limits = Limits::default();
    let runtime = detached_runtime(Box::new(MemorySink::default()), &limits);
    build_engine(&limits, &std::env::temp_dir(), &runtime).1
}

static RUN_COUNTER: AtomicU64 = AtomicU64::new(0);

fn new_run_id(bot: &str, started: DateTime<Utc>) -> RunId {
    let counter = RUN_COUNTER.fetch_add(1, Ordering::SeqCst);
    RunId(format!(
        "{bot}-{}-{}-{counter}",
        started.format("%Y%m%dT%H%M%S%3fZ"),
        std::process::id()
    ))
}

/// Runs a script to its end (success, failure, cancel or timeout) and writes its run folder.
/// `Err` only when the run could not be set up or recorded; script failures are in the report.
pub fn run_script(options: RunOptions) -> Result<RunReport, AgentError> {
    let started = Utc::now();
    let text =
        std::fs::read_to_string(&options.script).map_err(|source| AgentError::ReadScript {
            path: options.script.clone(),
            source,
        })?;
    let script_name = options.script.display().to_string();
    let bot = options.bot.clone().unwrap_or_else(|| {
        options
            .script
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_else(|| "bot".to_owned())
    });
    let run_id = new_run_id(&bot, started);
    let run_dir = options.runs_dir.join(run_id.as_str());
    let folder_error = |source| AgentError::RunFolder {
        path: run_dir.clone(),
        source,
    };
    let made = if options.local_record {
        std::fs::create_dir_all(&run_dir)
    } else {
        std::fs::create_dir_all(&options.runs_dir)
    };
    made.map_err(folder_error)?;
    let roots = FileRoots::with_run_folder(&options.files_root, &run_dir).map_err(|source| {
        AgentError::FilesRoot {
            path: options.files_root.clone(),
            source,
        }
    })?;
    let mut sinks: Vec<Box<dyn EventSink>> = Vec::new();
    let mut log = None;
    if options.local_record {
        sinks.push(Box::new(JsonlSink::create(&run_dir.join("events.jsonl"))?));
        log = Some(std::fs::File::create(run_dir.join("run.log")).map_err(folder_error)?);
    }
    sinks.extend(options.extra_sink);
    let runtime = Arc::new(Runtime::new(RuntimeParts {
        run_id: run_id.clone(),
        resource: format!("{bot}@{}", options.agent),
        script: script_name.clone(),
        stopper: Stopper::new(options.cancel.clone(), options.limits.timeout),
        roots,
        run_dir: Some(run_dir.clone()),
        dry_run: options.dry_run,
        inputs: options.inputs,
        secrets: options.secrets,
        work_queue: options.work_queue,
        sink: Box::new(Tee(sinks)),
        log,
        echo_log: options.echo_log,
        redact_log_pii: options.redact_log_pii,
    }));
    runtime.write_log(
        "info",
        &format!(
            "run {run_id} of {script_name}{}",
            if options.dry_run { " (dry run)" } else { "" }
        ),
    );
    let package_dir = options
        .script
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let engine = build_run_engine(&options.limits, package_dir, &runtime);

    // rhai recurses on the native stack; the call-depth limit is only safe on a stack sized for
    // it, whatever thread the caller runs us on. A thread made by `script_thread` (an agent's
    // slot) has one; any other caller gets a fresh thread for the run.
    let executed = if ON_SCRIPT_THREAD.get() {
        Ok(std::panic::catch_unwind(std::panic::AssertUnwindSafe(
            || execute(&engine, &text, &script_name, &runtime),
        )))
    } else {
        std::thread::scope(|scope| {
            std::thread::Builder::new()
                .name(format!("bot {}", runtime.run_id))
                .stack_size(SCRIPT_STACK_BYTES)
                .spawn_scoped(scope, || execute(&engine, &text, &script_name, &runtime))
                .map(|handle| handle.join())
        })
    };
    let (outcome, error) = match executed {
        Ok(Ok(result)) => result,
        Ok(Err(_panic)) => (
            JobOutcome::Failed,
            Some(internal_error(&script_name, "the script thread panicked")),
        ),
        Err(source) => return Err(AgentError::Thread(source)),
    };
    if let Some(error) = &error {
        // A cancel or time-out message is the agent's own words; a failure's may quote the
        // bot's data.
        if outcome == JobOutcome::Failed {
            runtime.write_bot_text("error", &error.to_string());
        } else {
            runtime.write_log("error", &error.to_string());
        }
    }
    let finished = Utc::now();
    let report = RunReport {
        run_id,
        bot,
        script: script_name,
        run_dir: run_dir.clone(),
        outcome,
        error,
        outputs: runtime.outputs(),
        artifacts: list_artifacts(&run_dir.join("artifacts")),
        events: runtime.events_emitted(),
        dry_run: options.dry_run,
        started,
        finished,
    };
    runtime.write_log("info", &format!("run ended: {:?}", report.outcome));
    runtime.flush()?;
    if let Some(error) = runtime.take_sink_error() {
        return Err(error.into());
    }
    if options.local_record {
        write_json(&run_dir.join("run.json"), &report)?;
    }
    Ok(report)
}

/// Stack of the thread a script runs on: enough for `Limits::max_call_depth` levels of script
/// calls with room to spare in debug builds (only touched pages use memory).
const SCRIPT_STACK_BYTES: usize = 256 * 1024 * 1024;

std::thread_local! {
    /// Set on threads made by [`script_thread`]: their stack is [`SCRIPT_STACK_BYTES`].
    static ON_SCRIPT_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Spawns a thread whose stack is big enough to run scripts on directly, so [`run_script`]
/// called on it does not map a fresh 256 MB stack for every run.
pub fn script_thread<T: Send + 'static>(
    name: String,
    work: impl FnOnce() -> T + Send + 'static,
) -> std::io::Result<std::thread::JoinHandle<T>> {
    std::thread::Builder::new()
        .name(name)
        .stack_size(SCRIPT_STACK_BYTES)
        .spawn(move || {
            ON_SCRIPT_THREAD.set(true);
            work()
        })
}

fn internal_error(script: &str, message: &str) -> ScriptError {
    ScriptError {
        kind: ExceptionKind::System,
        file: script.to_owned(),
        line: None,
        column: None,
        step: None,
        args: Vec::new(),
        message: message.to_owned(),
    }
}

/// Compiles and runs the script; the outcome and, unless it succeeded, the error.
fn execute(
    engine: &Engine,
    text: &str,
    script_name: &str,
    runtime: &Runtime,
) -> (JobOutcome, Option<ScriptError>) {
    match engine.compile(text) {
        Err(parse) => {
            let position = parse.position();
            let error = ScriptError {
                kind: ExceptionKind::System,
                file: script_name.to_owned(),
                line: position.line(),
                column: position.position(),
                step: None,
                args: Vec::new(),
                message: runtime.redactor.redact(&parse.err_type().to_string()),
            };
            (JobOutcome::Failed, Some(error))
        }
        Ok(mut ast) => {
            ast.set_source(script_name);
            match engine.run_ast(&ast) {
                Ok(()) => (JobOutcome::Succeeded, None),
                Err(error) => {
                    let outcome = match terminated_reason(&error) {
                        Some(TERMINATED_CANCELLED) => JobOutcome::Cancelled,
                        Some(_) => JobOutcome::TimedOut,
                        None => JobOutcome::Failed,
                    };
                    (
                        outcome,
                        Some(script_error(&error, script_name, &runtime.redactor)),
                    )
                }
            }
        }
    }
}

fn write_json(path: &Path, value: &impl Serialize) -> Result<(), AgentError> {
    let text = serde_json::to_string_pretty(value).map_err(crate::events::SinkError::from)?;
    std::fs::write(path, text + "\n").map_err(|source| AgentError::Write {
        path: path.to_path_buf(),
        source,
    })
}
