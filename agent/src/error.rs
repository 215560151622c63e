//! Errors: what a step can fail with, and the script error a person reads at the end of a run.

use std::path::PathBuf;

use flowbot_model::wire::ExceptionKind;
use rhai::{Dynamic, EvalAltResult, Map, Position};
use serde::Serialize;

use crate::sandbox::{TERMINATED_CANCELLED, TERMINATED_TIMEOUT};
use crate::secrets::Redactor;

/// Why a step failed. Messages name the thing (path, URL, sheet) so the author can act.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("path `{path}` is outside the folders this bot may use ({allowed})")]
    OutsideRoot { path: String, allowed: String },
    #[error("CSV {path}: {source}")]
    Csv { path: PathBuf, source: csv::Error },
    #[error("Excel {path}: {message}")]
    Excel { path: PathBuf, message: String },
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("HTTP {method} {url}: {message}")]
    Http {
        method: String,
        url: String,
        message: String,
    },
    #[error("regex `{pattern}`: {source}")]
    Regex {
        pattern: String,
        source: Box<regex::Error>,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("no input `{0}` was given to this run (pass `--input {0}=…`)")]
    MissingInput(String),
    #[error("no secret `{0}` (set FLOWBOT_SECRET_{upper} or add it to secrets.toml)", upper = .0.to_ascii_uppercase())]
    MissingSecret(String),
    #[error("condition still false after {0} ms")]
    WaitTimedOut(i64),
    /// An error raised by script code the step called (a `retry` or `step` body). It already
    /// carries the inner step's details, so it travels on unchanged.
    #[error("{0}")]
    Script(Box<EvalAltResult>),
    #[error(transparent)]
    Browser(#[from] crate::browser::BrowserError),
    /// A document that could not be read (it names the file).
    #[error(transparent)]
    Document(#[from] flowbot_docai::DocError),
    /// A language model that is missing or failed (a missing one names `cargo xtask
    /// fetch-models`).
    #[error(transparent)]
    Language(#[from] flowbot_nlp::NlpError),
    /// The run was cancelled or hit its deadline while the step waited.
    #[error("run {0}")]
    Stopped(&'static str),
}

impl StepError {
    pub fn invalid(message: impl Into<String>) -> Self {
        StepError::Invalid(message.into())
    }
}

/// The end of a failed run, in terms a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScriptError {
    pub kind: ExceptionKind,
    /// The script or module file.
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The catalogue step that failed, when the error came from one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// The step's arguments, redacted and shortened.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    pub message: String,
}

impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        let kind = match self.kind {
            ExceptionKind::Business => "business exception",
            ExceptionKind::System => "error",
        };
        write!(f, ": {kind}")?;
        if let Some(step) = &self.step {
            write!(f, " in step `{step}`({})", self.args.join(", "))?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ScriptError {}

/// Keys of the map a failed step throws, which `catch (e)` sees as `e.kind`, `e.message`, ….
pub(crate) mod keys {
    pub(crate) const KIND: &str = "kind";
    pub(crate) const MESSAGE: &str = "message";
    pub(crate) const STEP: &str = "step";
    pub(crate) const ARGS: &str = "args";
    pub(crate) const FILE: &str = "file";
    pub(crate) const LINE: &str = "line";
    pub(crate) const COLUMN: &str = "column";
}

pub(crate) fn kind_name(kind: ExceptionKind) -> &'static str {
    match kind {
        ExceptionKind::Business => "business",
        ExceptionKind::System => "system",
    }
}

/// The exception a script threw or a step raised, as a map scripts can inspect.
pub(crate) fn exception_map(kind: ExceptionKind, message: &str) -> Map {
    let mut map = Map::new();
    map.insert(keys::KIND.into(), kind_name(kind).into());
    map.insert(keys::MESSAGE.into(), message.into());
    map
}

/// Business if the thrown value says so (`throw business("…")`); everything else is system.
pub fn exception_kind(value: &Dynamic) -> ExceptionKind {
    let kind = value
        .read_lock::<Map>()
        .and_then(|map| map.get(keys::KIND).map(|kind| kind.to_string()));
    if kind.as_deref() == Some("business") {
        ExceptionKind::Business
    } else {
        ExceptionKind::System
    }
}

/// How a run ended when the engine stopped it from outside.
pub(crate) fn terminated_reason(error: &EvalAltResult) -> Option<&'static str> {
    match innermost(error) {
        EvalAltResult::ErrorTerminated(value, _) => match value.to_string().as_str() {
            TERMINATED_CANCELLED => Some(TERMINATED_CANCELLED),
            TERMINATED_TIMEOUT => Some(TERMINATED_TIMEOUT),
            _ => None,
        },
        _ => None,
    }
}

/// Unwraps "error in function/module" layers to the error that happened.
pub(crate) fn innermost(error: &EvalAltResult) -> &EvalAltResult {
    match error {
        EvalAltResult::ErrorInFunctionCall(_, _, inner, _)
        | EvalAltResult::ErrorInModule(_, inner, _) => innermost(inner),
        other => other,
    }
}

/// The source file of the innermost error, when it happened inside a function or module.
fn innermost_source(error: &EvalAltResult) -> Option<String> {
    match error {
        EvalAltResult::ErrorInFunctionCall(_, source, inner, _) => {
            innermost_source(inner).or_else(|| (!source.is_empty()).then(|| source.clone()))
        }
        EvalAltResult::ErrorInModule(_, inner, _) => innermost_source(inner),
        _ => None,
    }
}

fn line_column(position: Position) -> (Option<usize>, Option<usize>) {
    (position.line(), position.position())
}

/// rhai appends " (line 3, position 7)"; the position is reported separately.
fn strip_position(message: &str) -> &str {
    match message.rfind(" (line ") {
        Some(at) if message.ends_with(')') => &message[..at],
        _ => message,
    }
}

/// Renders an engine error as a [`ScriptError`], redacting every text it carries.
pub fn script_error(error: &EvalAltResult, script: &str, redactor: &Redactor) -> ScriptError {
    let inner = innermost(error);
    let default_file = innermost_source(error).unwrap_or_else(|| script.to_owned());
    if let EvalAltResult::ErrorRuntime(value, position) = inner {
        let kind = exception_kind(value);
        if let Some(map) = value.read_lock::<Map>() {
            let text = |key: &str| {
                map.get(key)
                    .map(|value| redactor.redact(&value.to_string()))
            };
            let number = |key: &str| {
                map.get(key)
                    .and_then(|value| value.as_int().ok())
                    .and_then(|n| usize::try_from(n).ok())
            };
            let (line, column) = line_column(*position);
            let args = map
                .get(keys::ARGS)
                .and_then(|args| args.read_lock::<rhai::Array>().map(|a| a.clone()))
                .unwrap_or_default()
                .iter()
                .map(|arg| redactor.redact(&arg.to_string()))
                .collect();
            return ScriptError {
                kind,
                file: text(keys::FILE).unwrap_or(default_file),
                line: number(keys::LINE).or(line),
                column: number(keys::COLUMN).or(column),
                step: text(keys::STEP),
                args,
                message: text(keys::MESSAGE).unwrap_or_else(|| redactor.redact(&value.to_string())),
            };
        }
        let (line, column) = line_column(*position);
        return ScriptError {
            kind,
            file: default_file,
            line,
            column,
            step: None,
            args: Vec::new(),
            message: redactor.redact(&value.to_string()),
        };
    }
    let (line, column) = line_column(inner.position());
    ScriptError {
        kind: ExceptionKind::System,
        file: default_file,
        line,
        column,
        step: None,
        args: Vec::new(),
        message: redactor.redact(strip_position(&inner.to_string())),
    }
}

/// Why a run could not start or finish its bookkeeping (not a script failure).
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("cannot read script {path}: {source}")]
    ReadScript {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create run folder {path}: {source}")]
    RunFolder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Sink(#[from] crate::events::SinkError),
    #[error(transparent)]
    Secrets(#[from] crate::secrets::SecretError),
    #[error("cannot start the script thread: {0}")]
    Thread(std::io::Error),
    #[error("files root {path}: {source}")]
    FilesRoot {
        path: PathBuf,
        source: std::io::Error,
    },
}
