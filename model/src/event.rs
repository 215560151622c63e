//! The event schema: one record per thing that happened.
//!
//! A bot step, a line of a CSV export, an XES event and an OCEL 2.0 event all become an
//! [`Event`]. Case-centric logs (XES, CSV) reference exactly one object of type
//! [`CASE_OBJECT_TYPE`]; object-centric logs (OCEL 2.0) and bot runs may reference several
//! objects (the run, the customer record it worked on, ...), and the miner flattens on one type.

use chrono::{DateTime, FixedOffset};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

use crate::ids::EventId;

/// The object type that stands for "the case" of a case-centric log (XES `concept:name` of the
/// trace, a CSV case column, a bot run).
pub const CASE_OBJECT_TYPE: &str = "case";

/// One thing that happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub id: EventId,
    /// What was done: an XES `concept:name`, an OCEL event type, a bot step or business step.
    pub activity: String,
    /// When the work completed (XES `time:timestamp`, OCEL `time`). The offset is kept as read.
    pub time: DateTime<FixedOffset>,
    /// When the work started, where known (interval logs, bot steps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<DateTime<FixedOffset>>,
    /// The objects this event belongs to; the case of a case-centric log is one of them.
    pub objects: Vec<ObjectRef>,
    /// Who or what did the work (XES `org:resource`; for bots `bot@agent`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// XES `lifecycle:transition`, where the source has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<Lifecycle>,
    #[serde(default)]
    pub status: Status,
    /// Every other attribute, typed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, AttributeValue>,
}

impl Event {
    /// The id of the first object of `object_type`, which is how a case notion is chosen.
    pub fn object_id(&self, object_type: &str) -> Option<&str> {
        self.objects
            .iter()
            .find(|object| object.object_type == object_type)
            .map(|object| object.id.as_str())
    }

    /// The case id of a case-centric event.
    pub fn case_id(&self) -> Option<&str> {
        self.object_id(CASE_OBJECT_TYPE)
    }
}

/// A reference from an event to an object (OCEL 2.0 event-to-object relation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectRef {
    pub id: String,
    #[serde(rename = "type")]
    pub object_type: String,
    /// The OCEL 2.0 qualifier of the relation, such as "customer" or "approver".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
}

impl ObjectRef {
    pub fn case(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            object_type: CASE_OBJECT_TYPE.to_owned(),
            qualifier: None,
        }
    }
}

/// How a step ended. Imported events that carry no status are `ok`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Ok,
    Failed,
    Skipped,
}

/// The XES standard lifecycle transitions; anything else is kept verbatim in `Other`.
///
/// Parsing ignores case, because real logs write `COMPLETE` (BPI 2012) as often as `complete`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(from = "String", into = "String")]
pub enum Lifecycle {
    Schedule,
    Assign,
    Reassign,
    Start,
    Suspend,
    Resume,
    Complete,
    ManualSkip,
    AutoSkip,
    Withdraw,
    AbortActivity,
    AbortCase,
    Other(String),
}

impl Lifecycle {
    const NAMED: [(Lifecycle, &'static str); 12] = [
        (Lifecycle::Schedule, "schedule"),
        (Lifecycle::Assign, "assign"),
        (Lifecycle::Reassign, "reassign"),
        (Lifecycle::Start, "start"),
        (Lifecycle::Suspend, "suspend"),
        (Lifecycle::Resume, "resume"),
        (Lifecycle::Complete, "complete"),
        (Lifecycle::ManualSkip, "manualskip"),
        (Lifecycle::AutoSkip, "autoskip"),
        (Lifecycle::Withdraw, "withdraw"),
        (Lifecycle::AbortActivity, "ate_abort"),
        (Lifecycle::AbortCase, "pi_abort"),
    ];

    pub fn as_str(&self) -> &str {
        match self {
            Lifecycle::Other(text) => text,
            known => Self::NAMED
                .iter()
                .find(|(named, _)| named == known)
                .map_or("", |(_, text)| text),
        }
    }
}

impl From<String> for Lifecycle {
    fn from(text: String) -> Self {
        Self::NAMED
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(&text))
            .map_or(Lifecycle::Other(text), |(named, _)| named.clone())
    }
}

impl From<Lifecycle> for String {
    fn from(lifecycle: Lifecycle) -> Self {
        lifecycle.as_str().to_owned()
    }
}

impl fmt::Display for Lifecycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A typed attribute value, covering the XES attribute types and OCEL 2.0's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum AttributeValue {
    String(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(DateTime<FixedOffset>),
    /// An XES `id` attribute (a UUID in the standard, any text in practice).
    Id(String),
    /// An XES `list`: ordered values.
    List(Vec<AttributeValue>),
    /// An XES `container` or nested attributes: named values.
    Container(BTreeMap<String, AttributeValue>),
}
