//! What the steps of one run share: the run's identity, its event sink, log, secrets, inputs
//! and outputs, the folders it may touch, and the wrapper that turns each step call into
//! exactly one event.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset, Utc};
use flowbot_model::event::{AttributeValue, Event, Lifecycle, ObjectRef, Status};
use flowbot_model::ids::{EventId, RunId};
use flowbot_model::wire::{ExceptionKind, LogLevel, LogLine};
use rhai::{Dynamic, EvalAltResult, Map, NativeCallContext};

use crate::catalogue::Effect;
use crate::error::{StepError, exception_kind, exception_map, innermost, keys, kind_name};
use crate::events::{EventSink, SinkError};
use crate::sandbox::Stopper;
use crate::secrets::{Redactor, SecretStore};
use crate::work_queue::WorkQueue;

/// Longest argument text kept in errors; a 10 MB string argument must not become a 10 MB
/// error message.
const ARG_PREVIEW_CHARS: usize = 120;

/// The folders file steps may use. Relative paths resolve against the first.
#[derive(Debug, Clone)]
pub struct FileRoots(Vec<PathBuf>);

impl FileRoots {
    /// Canonicalises each root (they must exist) so symlinks cannot be used to step outside.
    pub fn new(roots: &[PathBuf]) -> std::io::Result<Self> {
        roots
            .iter()
            .map(|root| root.canonicalize())
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    /// The files root (which must exist) and a run folder that may not exist yet: a run that
    /// keeps no local record makes its folder only when a step first writes there, so a run
    /// that writes nothing costs the file system nothing.
    pub fn with_run_folder(files_root: &Path, run_dir: &Path) -> std::io::Result<Self> {
        let run_dir = match run_dir.canonicalize() {
            Ok(real) => real,
            Err(_) => {
                let (Some(parent), Some(name)) = (run_dir.parent(), run_dir.file_name()) else {
                    return Err(std::io::Error::from(std::io::ErrorKind::InvalidInput));
                };
                parent.canonicalize()?.join(name)
            }
        };
        Ok(Self(vec![files_root.canonicalize()?, run_dir]))
    }

    /// A root taken as given, for runtimes that never touch files (checking, catalogue).
    pub fn unresolved(root: PathBuf) -> Self {
        Self(vec![root])
    }

    pub fn primary(&self) -> &Path {
        &self.0[0]
    }

    fn describe(&self) -> String {
        self.0
            .iter()
            .map(|root| root.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The real path for `path`, or an error if it lies outside every root. Existing paths are
    /// canonicalised (following symlinks); for a new file, its nearest existing ancestor is.
    pub fn resolve(&self, path: &str) -> Result<PathBuf, StepError> {
        let outside = || StepError::OutsideRoot {
            path: path.to_owned(),
            allowed: self.describe(),
        };
        let joined = self.primary().join(path);
        // Lexical normalisation first: `a/../../etc` must not be judged by a missing `a`.
        let mut normal = PathBuf::new();
        for part in joined.components() {
            match part {
                Component::ParentDir => {
                    if !normal.pop() {
                        return Err(outside());
                    }
                }
                Component::CurDir => {}
                other => normal.push(other),
            }
        }
        let mut existing = normal.as_path();
        let mut rest = Vec::new();
        let real = loop {
            match existing.canonicalize() {
                Ok(real) => break real,
                Err(_) => match (existing.parent(), existing.file_name()) {
                    (Some(parent), Some(name)) => {
                        rest.push(name.to_owned());
                        existing = parent;
                    }
                    _ => return Err(outside()),
                },
            }
        };
        let full = rest.iter().rev().fold(real, |acc, part| acc.join(part));
        if self.0.iter().any(|root| full.starts_with(root)) {
            Ok(full)
        } else {
            Err(outside())
        }
    }
}

/// How a step call ended, as recorded in its event.
pub struct StepRecord {
    pub attributes: BTreeMap<String, AttributeValue>,
    pub skipped: bool,
}

impl StepRecord {
    pub fn attr(&mut self, key: &str, value: impl Into<AttrValue>) {
        self.attributes.insert(key.to_owned(), value.into().0);
    }
}

/// Conversion helper so steps write `record.attr("rows", n)`.
pub struct AttrValue(AttributeValue);

impl From<&str> for AttrValue {
    fn from(value: &str) -> Self {
        AttrValue(AttributeValue::String(value.to_owned()))
    }
}
impl From<String> for AttrValue {
    fn from(value: String) -> Self {
        AttrValue(AttributeValue::String(value))
    }
}
impl From<i64> for AttrValue {
    fn from(value: i64) -> Self {
        AttrValue(AttributeValue::Int(value))
    }
}
impl From<usize> for AttrValue {
    fn from(value: usize) -> Self {
        AttrValue(AttributeValue::Int(
            i64::try_from(value).unwrap_or(i64::MAX),
        ))
    }
}
impl From<f64> for AttrValue {
    fn from(value: f64) -> Self {
        AttrValue(AttributeValue::Float(value))
    }
}
impl From<bool> for AttrValue {
    fn from(value: bool) -> Self {
        AttrValue(AttributeValue::Bool(value))
    }
}

/// Everything a run's steps share. Built once per run by [`crate::run`].
pub struct Runtime {
    pub run_id: RunId,
    /// `bot@agent`, the resource of every event.
    pub resource: String,
    pub script: String,
    pub redactor: Redactor,
    pub stopper: Stopper,
    pub roots: FileRoots,
    pub run_dir: Option<PathBuf>,
    pub dry_run: bool,
    pub inputs: BTreeMap<String, serde_json::Value>,
    pub(crate) outputs: Mutex<BTreeMap<String, serde_json::Value>>,
    pub(crate) secrets: Box<dyn SecretStore>,
    /// The control plane's work queues, when the run has a job lease.
    pub(crate) work_queue: Option<Arc<dyn WorkQueue>>,
    sink: Mutex<Box<dyn EventSink>>,
    sink_error: Mutex<Option<SinkError>>,
    log: Mutex<Option<BufWriter<File>>>,
    echo_log: bool,
    redact_log_pii: bool,
    seq: AtomicU64,
    groups: Mutex<Vec<String>>,
    pub(crate) http: std::sync::OnceLock<reqwest::blocking::Client>,
    pub(crate) regexes: Mutex<BTreeMap<String, regex::Regex>>,
}

/// The parts of a [`Runtime`] its creator chooses.
pub struct RuntimeParts {
    pub run_id: RunId,
    pub resource: String,
    pub script: String,
    pub stopper: Stopper,
    pub roots: FileRoots,
    pub run_dir: Option<PathBuf>,
    pub dry_run: bool,
    pub inputs: BTreeMap<String, serde_json::Value>,
    pub secrets: Box<dyn SecretStore>,
    pub work_queue: Option<Arc<dyn WorkQueue>>,
    pub sink: Box<dyn EventSink>,
    pub log: Option<File>,
    pub echo_log: bool,
    /// Pass log lines through the personal-data model too (see
    /// [`crate::language::log_redaction_default`]).
    pub redact_log_pii: bool,
}

impl Runtime {
    pub fn new(parts: RuntimeParts) -> Self {
        let redactor = Redactor::default();
        for value in parts.secrets.known_values() {
            redactor.add(&value);
        }
        Self {
            run_id: parts.run_id,
            resource: parts.resource,
            script: parts.script,
            redactor,
            stopper: parts.stopper,
            roots: parts.roots,
            run_dir: parts.run_dir,
            dry_run: parts.dry_run,
            inputs: parts.inputs,
            outputs: Mutex::new(BTreeMap::new()),
            secrets: parts.secrets,
            work_queue: parts.work_queue,
            sink: Mutex::new(parts.sink),
            sink_error: Mutex::new(None),
            log: Mutex::new(parts.log.map(BufWriter::new)),
            echo_log: parts.echo_log,
            redact_log_pii: parts.redact_log_pii,
            seq: AtomicU64::new(0),
            groups: Mutex::new(Vec::new()),
            http: std::sync::OnceLock::new(),
            regexes: Mutex::new(BTreeMap::new()),
        }
    }

    /// Writes one redacted line to `run.log`, and to stderr when echoing (the script's own
    /// log, print and debug lines, which a person watching the run wants to see).
    pub fn log_line(&self, level: &str, message: &str) {
        let line = self.write_bot_text(level, message);
        if self.echo_log {
            // Without the timestamp: the progress lines around it give the order.
            eprintln!(
                "          {}",
                line.split_once(' ').map_or(line.as_str(), |(_, rest)| rest)
            );
        }
    }

    /// Writes one line the agent composed (run start and end, step outcomes) to `run.log` and
    /// the event sink (the control plane streams it) and returns it; secrets are redacted.
    /// `label` is the run log's level column; `print` lines count as info.
    pub(crate) fn write_log(&self, label: &str, message: &str) -> String {
        self.write_line(label, message, false)
    }

    /// Like [`Self::write_log`] for text that carries the bot's data (its log and print lines,
    /// error messages): personal data is redacted too when that is on. Step outcome lines skip
    /// the model (about 11 ms a line): they name the step as its event does, in the clear.
    pub(crate) fn write_bot_text(&self, label: &str, message: &str) -> String {
        self.write_line(label, message, self.redact_log_pii)
    }

    fn write_line(&self, label: &str, message: &str, redact_pii: bool) -> String {
        let time = Utc::now();
        let mut message = self.redactor.redact(message);
        if redact_pii {
            message = crate::language::redact_log_line(&message);
        }
        let line = format!(
            "{} {label:5} {message}",
            time.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
        );
        if let Ok(mut log) = self.log.lock()
            && let Some(file) = log.as_mut()
        {
            // A full disk must not fail the bot's work; the events file reports the run.
            let _ = writeln!(file, "{line}").and_then(|()| file.flush());
        }
        let level = LogLevel::parse(label).unwrap_or(LogLevel::Info);
        let result = match self.sink.lock() {
            Ok(mut sink) => sink.log(&LogLine {
                time,
                level,
                message,
            }),
            Err(_) => Ok(()),
        };
        self.keep_sink_error(result);
        line
    }

    /// The real path for a script's `path` (see [`FileRoots::resolve`]); a path that contains
    /// a secret is refused, because file names end up in listings, events and reports that
    /// redaction cannot reach once the file exists.
    pub fn resolve(&self, path: &str) -> Result<PathBuf, StepError> {
        if self.redactor.redact(path) != path {
            return Err(StepError::invalid(
                "a path may not contain a secret (file names escape redaction)",
            ));
        }
        self.roots.resolve(path)
    }

    pub fn events_emitted(&self) -> u64 {
        self.seq.load(Ordering::SeqCst)
    }

    /// The first sink error of the run, if any (steps do not fail because logging failed).
    pub fn take_sink_error(&self) -> Option<SinkError> {
        self.sink_error
            .lock()
            .ok()
            .and_then(|mut error| error.take())
    }

    pub fn flush(&self) -> Result<(), SinkError> {
        match self.sink.lock() {
            Ok(mut sink) => sink.flush(),
            Err(_) => Ok(()),
        }
    }

    pub fn outputs(&self) -> BTreeMap<String, serde_json::Value> {
        let outputs = self.outputs.lock().map(|o| o.clone()).unwrap_or_default();
        outputs
            .into_iter()
            .map(|(key, value)| (key, redact_json(&self.redactor, value)))
            .collect()
    }

    pub(crate) fn push_group(&self, name: &str) {
        if let Ok(mut groups) = self.groups.lock() {
            groups.push(name.to_owned());
        }
    }

    pub(crate) fn pop_group(&self) {
        if let Ok(mut groups) = self.groups.lock() {
            groups.pop();
        }
    }

    fn current_group(&self) -> Option<String> {
        self.groups
            .lock()
            .ok()
            .and_then(|groups| groups.last().cloned())
    }

    /// Runs one catalogue step: times it, emits exactly one event (ok, failed or skipped) and
    /// turns a failure into an exception map the script can `catch`, carrying file, line,
    /// column, step name and redacted arguments.
    pub fn step<T>(
        &self,
        ctx: &NativeCallContext,
        activity: &str,
        args: &[&Dynamic],
        body: impl FnOnce(&mut StepRecord) -> Result<T, StepError>,
    ) -> Result<T, Box<EvalAltResult>> {
        self.step_as(ctx, activity, activity, Effect::Read, args, body)
    }

    /// [`Runtime::step`] with an activity name that differs from the step (business steps)
    /// and an explicit effect.
    pub fn step_as<T>(
        &self,
        ctx: &NativeCallContext,
        step: &str,
        activity: &str,
        effect: Effect,
        args: &[&Dynamic],
        body: impl FnOnce(&mut StepRecord) -> Result<T, StepError>,
    ) -> Result<T, Box<EvalAltResult>> {
        let start = now();
        let group = self.current_group();
        let mut record = StepRecord {
            attributes: BTreeMap::new(),
            skipped: false,
        };
        let result = if let Some(reason) = self.stopper.reason() {
            Err(StepError::Stopped(reason))
        } else {
            body(&mut record)
        };
        let end = now();
        let position = ctx.call_position();
        let file = ctx
            .call_source()
            .map(str::to_owned)
            .unwrap_or_else(|| self.script.clone());
        if step != activity {
            record.attr("step", step);
        }
        if let Some(group) = group {
            record.attr("business_step", group);
        }
        let status = match (&result, record.skipped) {
            (Err(_), _) => Status::Failed,
            (Ok(_), true) => Status::Skipped,
            (Ok(_), false) => Status::Ok,
        };
        let outcome = match result {
            Ok(value) => Ok(value),
            Err(error) => {
                let (kind, message, thrown) = self.describe_failure(error, ctx, step, args, &file);
                record.attr("error", message.clone());
                record.attr("exception", kind_name(kind));
                record.attr("file", file.clone());
                if let Some(line) = position.line() {
                    record.attr("line", line);
                }
                Err(thrown)
            }
        };
        if effect.emits_event() {
            self.emit(activity, start, end, status, record.attributes);
        }
        if effect.emits_event() {
            let marker = match status {
                Status::Ok => "ok",
                Status::Failed => "FAILED",
                Status::Skipped => "skipped (dry run)",
            };
            // The progress line (an event sink) shows steps live; the log keeps them in order
            // with the script's own lines.
            self.write_log("step", &format!("{activity} {marker}"));
        }
        outcome
    }

    fn describe_failure(
        &self,
        error: StepError,
        ctx: &NativeCallContext,
        step: &str,
        args: &[&Dynamic],
        file: &str,
    ) -> (ExceptionKind, String, Box<EvalAltResult>) {
        let position = ctx.call_position();
        match error {
            StepError::Script(inner) => {
                let kind = match innermost(&inner) {
                    EvalAltResult::ErrorRuntime(value, _) => exception_kind(value),
                    _ => ExceptionKind::System,
                };
                let message = match innermost(&inner) {
                    EvalAltResult::ErrorRuntime(value, _) => value
                        .read_lock::<Map>()
                        .and_then(|map| map.get(keys::MESSAGE).map(|m| m.to_string()))
                        .unwrap_or_else(|| value.to_string()),
                    other => other.to_string(),
                };
                (kind, self.redactor.redact(&message), inner)
            }
            StepError::Stopped(reason) => (
                ExceptionKind::System,
                format!("run {reason}"),
                Box::new(EvalAltResult::ErrorTerminated(reason.into(), position)),
            ),
            other => {
                let message = self.redactor.redact(&other.to_string());
                let mut map = exception_map(ExceptionKind::System, &message);
                map.insert(keys::STEP.into(), step.into());
                let previews: rhai::Array = args
                    .iter()
                    .map(|arg| Dynamic::from(self.preview(arg)))
                    .collect();
                map.insert(keys::ARGS.into(), previews.into());
                map.insert(keys::FILE.into(), file.into());
                if let Some(line) = position.line() {
                    map.insert(keys::LINE.into(), Dynamic::from_int(line as i64));
                }
                if let Some(column) = position.position() {
                    map.insert(keys::COLUMN.into(), Dynamic::from_int(column as i64));
                }
                (
                    ExceptionKind::System,
                    message,
                    Box::new(EvalAltResult::ErrorRuntime(map.into(), position)),
                )
            }
        }
    }

    /// A short, redacted rendering of an argument for error messages.
    pub fn preview(&self, value: &Dynamic) -> String {
        let text = if value.is_string() {
            format!("{:?}", value.to_string())
        } else if value.is_fnptr() {
            "<fn>".to_owned()
        } else {
            value.to_string()
        };
        let text = self.redactor.redact(&text);
        if text.chars().count() > ARG_PREVIEW_CHARS {
            let cut: String = text.chars().take(ARG_PREVIEW_CHARS).collect();
            format!("{cut}…")
        } else {
            text
        }
    }

    fn emit(
        &self,
        activity: &str,
        start: DateTime<FixedOffset>,
        end: DateTime<FixedOffset>,
        status: Status,
        attributes: BTreeMap<String, AttributeValue>,
    ) {
        let seq = self.seq.fetch_add(1, Ordering::SeqCst) + 1;
        let attributes = attributes
            .into_iter()
            .map(|(key, value)| (key, redact_attribute(&self.redactor, value)))
            .collect();
        let event = Event {
            id: EventId(format!("{}-{seq}", self.run_id)),
            activity: self.redactor.redact(activity),
            time: end,
            start_time: Some(start),
            objects: vec![ObjectRef::case(self.run_id.as_str())],
            resource: Some(self.resource.clone()),
            lifecycle: Some(Lifecycle::Complete),
            status,
            attributes,
        };
        let result = match self.sink.lock() {
            Ok(mut sink) => sink.emit(&event),
            Err(_) => Ok(()),
        };
        self.keep_sink_error(result);
    }

    /// Remembers the run's first sink error; the step goes on (see [`Self::take_sink_error`]).
    fn keep_sink_error(&self, result: Result<(), SinkError>) {
        if let Err(error) = result
            && let Ok(mut slot) = self.sink_error.lock()
            && slot.is_none()
        {
            *slot = Some(error);
        }
    }
}

fn now() -> DateTime<FixedOffset> {
    Utc::now().fixed_offset()
}

fn redact_attribute(redactor: &Redactor, value: AttributeValue) -> AttributeValue {
    match value {
        AttributeValue::String(text) => AttributeValue::String(redactor.redact(&text)),
        AttributeValue::Id(text) => AttributeValue::Id(redactor.redact(&text)),
        AttributeValue::List(items) => AttributeValue::List(
            items
                .into_iter()
                .map(|item| redact_attribute(redactor, item))
                .collect(),
        ),
        AttributeValue::Container(map) => AttributeValue::Container(
            map.into_iter()
                .map(|(key, item)| (key, redact_attribute(redactor, item)))
                .collect(),
        ),
        other => other,
    }
}

fn redact_json(redactor: &Redactor, value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::String(text) => serde_json::Value::String(redactor.redact(&text)),
        serde_json::Value::Array(items) => serde_json::Value::Array(
            items
                .into_iter()
                .map(|item| redact_json(redactor, item))
                .collect(),
        ),
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.into_iter()
                .map(|(key, item)| (redactor.redact(&key), redact_json(redactor, item)))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_inside_the_root_and_never_outside() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("in")).unwrap();
        let roots = FileRoots::new(&[dir.path().join("in")]).unwrap();
        let root = roots.primary().to_path_buf();
        assert_eq!(roots.resolve("a/b.csv").unwrap(), root.join("a/b.csv"));
        assert_eq!(roots.resolve("a/../b.csv").unwrap(), root.join("b.csv"));
        for escape in ["../x", "a/../../x", "/etc/passwd"] {
            assert!(
                matches!(roots.resolve(escape), Err(StepError::OutsideRoot { .. })),
                "{escape} was allowed"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_pointing_out_of_the_root_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("in")).unwrap();
        std::fs::write(dir.path().join("secret.txt"), "x").unwrap();
        std::os::unix::fs::symlink(dir.path(), dir.path().join("in/link")).unwrap();
        let roots = FileRoots::new(&[dir.path().join("in")]).unwrap();
        assert!(matches!(
            roots.resolve("link/secret.txt"),
            Err(StepError::OutsideRoot { .. })
        ));
    }
}
