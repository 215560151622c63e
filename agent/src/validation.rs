//! Human validation of extracted documents: the task file a bot writes when a field is unsure
//! or a cross-check fails, and the corrections a person records in it (`flowbot validate`).
//!
//! The flow is fail-to-queue, not pause: the run that finds problems writes
//! `<validation dir>/<document name>.json` (status `pending`) and ends with the output
//! `status = "needs_validation"` (a folder watch parks the document in `review/`). A person
//! corrects fields and approves; the next run for the same document (same name and size)
//! reads the task back as validated and carries on with the corrected values. A bot never
//! holds a run, a browser or a lease open while it waits for a person.
//!
//! Under a control plane the task is also an item of the work queue `invoice-validation`
//! (reference: the document's file name, payload: the task), worked by people: a person's
//! [`Decision`] settles it (approve → done, reject → business exception) with a
//! [`DecisionRecord`] as its output, which `validated_invoice` on any agent reads back with
//! [`ValidationTask::with_record`]. The same [`ValidationTask::decide`] checks a decision for the
//! local file and for the control plane.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Waiting for a person.
    Pending,
    /// A person checked (and perhaps corrected) the fields; the next run books it.
    Validated,
    /// A person decided the document must not be booked.
    Rejected,
}

/// One document waiting for (or having had) a person's look.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationTask {
    /// The document as the bot was given it (relative to the bot's file root).
    pub document: String,
    /// Its size when the task was written: a new file with the same name is a new task.
    pub document_bytes: u64,
    pub status: TaskStatus,
    pub created_at: String,
    /// Every extracted field as the step returned it (value, confidence, page, box).
    pub fields: serde_json::Map<String, serde_json::Value>,
    pub line_items: Vec<serde_json::Value>,
    /// Why a person must look (code, field, message).
    pub issues: Vec<serde_json::Value>,
    /// Field name → corrected value, as the person typed it.
    #[serde(default)]
    pub corrections: BTreeMap<String, String>,
    #[serde(default)]
    pub validated_by: Option<String>,
    #[serde(default)]
    pub validated_at: Option<String>,
    #[serde(default)]
    pub reject_reason: Option<String>,
}

/// Why a task could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    #[error("cannot read validation task {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("validation task {path} is not valid: {source}")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("cannot write validation task {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: unknown field `{field}`; the task has {known}")]
    UnknownField {
        path: PathBuf,
        field: String,
        known: String,
    },
    #[error("{path} is already {status:?}: a second decision is refused")]
    AlreadyDecided { path: PathBuf, status: TaskStatus },
}

/// The work queue of validation tasks on a control plane.
pub const VALIDATION_QUEUE: &str = "invoice-validation";

/// What a person decides about a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case", deny_unknown_fields)]
pub enum Decision {
    /// The fields are right once `corrections` (field name → value) are applied.
    Approve {
        #[serde(default)]
        corrections: BTreeMap<String, String>,
        by: String,
    },
    /// The document must not be booked.
    Reject { reason: String, by: String },
}

/// A person's decision as a control plane keeps it: the output of the settled queue item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRecord {
    pub status: TaskStatus,
    #[serde(default)]
    pub corrections: BTreeMap<String, String>,
    pub validated_by: Option<String>,
    pub validated_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A document's name for a person and for the control plane's queue reference: its file name.
pub fn document_name(document: &str) -> String {
    Path::new(document)
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| document.to_owned())
}

/// The task file of a document: `<dir>/<document file name>.json`.
pub fn task_path(dir: &Path, document: &str) -> PathBuf {
    dir.join(format!("{}.json", document_name(document)))
}

impl ValidationTask {
    pub fn read(path: &Path) -> Result<Self, TaskError> {
        let bytes = std::fs::read(path).map_err(|source| TaskError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_slice(&bytes).map_err(|source| TaskError::Parse {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Writes under a temporary name and renames into place, so a reader (a person's editor,
    /// the next run) never sees half a task.
    pub fn write(&self, path: &Path) -> Result<(), TaskError> {
        let fail = |source| TaskError::Write {
            path: path.to_path_buf(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        let temporary = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(self).map_err(|error| fail(error.into()))?;
        std::fs::write(&temporary, text).map_err(fail)?;
        std::fs::rename(&temporary, path).map_err(fail)
    }

    /// Records a person's correction of `field` (checked against the task's fields).
    pub fn correct(&mut self, path: &Path, field: &str, value: &str) -> Result<(), TaskError> {
        if !self.fields.contains_key(field) {
            return Err(TaskError::UnknownField {
                path: path.to_path_buf(),
                field: field.to_owned(),
                known: self.fields.keys().cloned().collect::<Vec<_>>().join(", "),
            });
        }
        self.corrections.insert(field.to_owned(), value.to_owned());
        Ok(())
    }

    /// Records a person's decision on a pending task; `label` names the task in errors (its
    /// file, or its queue reference). Nothing changes when a correction names an unknown field.
    pub fn decide(&mut self, label: &Path, decision: &Decision, at: &str) -> Result<(), TaskError> {
        if self.status != TaskStatus::Pending {
            return Err(TaskError::AlreadyDecided {
                path: label.to_path_buf(),
                status: self.status,
            });
        }
        let mut decided = self.clone();
        match decision {
            Decision::Approve { corrections, by } => {
                for (field, value) in corrections {
                    decided.correct(label, field, value)?;
                }
                decided.status = TaskStatus::Validated;
                decided.validated_by = Some(by.clone());
            }
            Decision::Reject { reason, by } => {
                decided.status = TaskStatus::Rejected;
                decided.reject_reason = Some(reason.clone());
                decided.validated_by = Some(by.clone());
            }
        }
        decided.validated_at = Some(at.to_owned());
        *self = decided;
        Ok(())
    }

    /// The decision part of the task, as a control plane stores it.
    pub fn record(&self) -> DecisionRecord {
        DecisionRecord {
            status: self.status,
            corrections: self.corrections.clone(),
            validated_by: self.validated_by.clone(),
            validated_at: self.validated_at.clone(),
            reason: self.reject_reason.clone(),
        }
    }

    /// The task (a queue item's payload) with the decision a control plane recorded.
    pub fn with_record(mut self, record: DecisionRecord) -> Self {
        self.status = record.status;
        self.corrections = record.corrections;
        self.validated_by = record.validated_by;
        self.validated_at = record.validated_at;
        self.reject_reason = record.reason;
        self
    }

    /// The fields with the corrections applied: a corrected field has confidence 1 and
    /// `source: "person"`.
    pub fn corrected_fields(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut fields = self.fields.clone();
        for (name, value) in &self.corrections {
            fields.insert(
                name.clone(),
                serde_json::json!({ "value": value, "confidence": 1.0, "source": "person" }),
            );
        }
        fields
    }
}
