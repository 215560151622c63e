//! Messages between agents and the control plane.
//!
//! Agents pull: they register, ask for a lease, heartbeat while they work, stream step events
//! in numbered batches and report one result per lease. Every message travels in an
//! [`Envelope`] that carries [`PROTOCOL_VERSION`], so a control plane can refuse an agent it
//! does not understand with a clear error instead of misreading it.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

use crate::event::Event;
use crate::ids::{AgentId, JobId, LeaseId};

/// Bumped on any change an older peer would misread.
pub const PROTOCOL_VERSION: u32 = 2;

/// A message with the protocol version it was written for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Envelope<T> {
    pub protocol: u32,
    pub message: T,
}

impl<T> Envelope<T> {
    pub fn new(message: T) -> Self {
        Self {
            protocol: PROTOCOL_VERSION,
            message,
        }
    }

    /// The message, if the sender speaks this protocol version.
    pub fn open(self) -> Result<T, ProtocolMismatch> {
        if self.protocol == PROTOCOL_VERSION {
            Ok(self.message)
        } else {
            Err(ProtocolMismatch {
                ours: PROTOCOL_VERSION,
                theirs: self.protocol,
            })
        }
    }
}

/// The peer speaks another protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtocolMismatch {
    pub ours: u32,
    pub theirs: u32,
}

impl fmt::Display for ProtocolMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "peer speaks Flowbot protocol {} but this side speaks {}; upgrade the older side",
            self.theirs, self.ours
        )
    }
}

impl std::error::Error for ProtocolMismatch {}

/// What an agent's machine can do, used to route jobs to agents that can run them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Capability {
    Browser,
    Desktop,
    Ocr,
    Nlp,
}

/// Everything an agent sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AgentMessage {
    Register(Registration),
    RequestLease(LeaseRequest),
    Heartbeat(Heartbeat),
    StepEvents(StepEventBatch),
    Result(JobResult),
    /// The running bot takes the next ready item of a work queue, held by this lease.
    QueueTake(QueueTake),
    /// The running bot settles an item it took.
    QueueSettle(QueueSettle),
    /// The running bot adds an item to a work queue (a dispatcher bot).
    QueueAdd(QueueAdd),
    /// The running bot looks up an item by its reference, without taking it (a validation
    /// step reading a person's decision).
    QueueFind(QueueFind),
}

/// Everything the control plane answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ControlMessage {
    Registered {
        agent_id: AgentId,
    },
    Lease(Lease),
    /// Nothing to do before the long poll timed out; ask again.
    NoWork,
    HeartbeatAck(HeartbeatAck),
    /// A step event batch or result was stored (or had been stored before: retries are safe).
    Accepted,
    /// The lease expired or was cancelled; the agent must stop and not report further.
    LeaseLost {
        lease_id: LeaseId,
    },
    /// The answer to `queue_take`: the item now held by the lease, or none ready.
    QueueItem {
        item: Option<QueueItem>,
    },
    /// The answer to `queue_add`; `duplicate` when an item with that reference already existed.
    QueueItemAdded {
        item_id: String,
        duplicate: bool,
    },
    /// The answer to `queue_find`: the item with that reference and where it is, if any.
    QueueItemFound {
        item: Option<FoundItem>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Registration {
    pub name: String,
    pub labels: Vec<String>,
    pub capabilities: Vec<Capability>,
    /// How many jobs the agent runs at once.
    pub slots: u32,
    pub agent_version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LeaseRequest {
    pub agent_id: AgentId,
    pub free_slots: u32,
}

/// A bot version to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BotRef {
    pub name: String,
    pub version: u32,
}

/// A unit of work: run one bot version with these inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Job {
    pub id: JobId,
    pub bot: BotRef,
    /// Job parameters, read by the script with `input(name)`.
    pub inputs: BTreeMap<String, serde_json::Value>,
    /// Higher runs first.
    pub priority: i32,
    /// The agent must carry every one of these labels.
    pub required_labels: Vec<String>,
    pub required_capabilities: Vec<Capability>,
    /// Wall-clock limit of one attempt.
    pub timeout_s: u64,
    /// 1 for the first attempt; a retry after an expired lease or system exception counts up.
    pub attempt: u32,
    pub max_attempts: u32,
}

/// A job handed to one agent until `expires_at`, unless heartbeats renew it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Lease {
    pub lease_id: LeaseId,
    pub job: Job,
    pub expires_at: DateTime<Utc>,
    pub heartbeat_every_s: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Heartbeat {
    pub agent_id: AgentId,
    /// The leases the agent is still working on.
    pub leases: Vec<LeaseId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct HeartbeatAck {
    /// Leases renewed, with their new expiry.
    pub renewed: BTreeMap<LeaseId, DateTime<Utc>>,
    /// Leases the agent no longer holds (expired and requeued): stop their work.
    pub lost: Vec<LeaseId>,
    /// Leases whose job an operator cancelled: stop the bot and report `cancelled`.
    pub cancel: Vec<LeaseId>,
}

/// Step events and log lines of one lease. `seq` numbers batches from 0 so a retried batch is
/// stored once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StepEventBatch {
    pub lease_id: LeaseId,
    pub seq: u64,
    pub events: Vec<Event>,
    /// The run log's lines written since the previous batch (already redacted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub logs: Vec<LogLine>,
}

/// One line of a run's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LogLine {
    pub time: DateTime<Utc>,
    pub level: LogLevel,
    pub message: String,
}

/// How much a log line matters, least first; a filter at one level keeps it and everything
/// above it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// The script's `debug(…)` output.
    Debug,
    /// A step's outcome (`read_csv ok`), written by the runtime.
    Step,
    /// The script's `log(…)`, `print(…)` and the run's own notes.
    Info,
    /// Something went wrong and was handled (a retried attempt).
    Warn,
    /// The run's error.
    Error,
}

impl LogLevel {
    pub const ALL: [LogLevel; 5] = [
        LogLevel::Debug,
        LogLevel::Step,
        LogLevel::Info,
        LogLevel::Warn,
        LogLevel::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Step => "step",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|level| level.as_str().eq_ignore_ascii_case(text))
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobOutcome {
    Succeeded,
    Failed,
    Cancelled,
    TimedOut,
}

/// Business exceptions are expected outcomes of the data (a bad row) and are never retried;
/// system exceptions (an application down) are retried by policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    Business,
    System,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct JobError {
    pub kind: ExceptionKind,
    pub message: String,
}

/// The end of one lease's work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct JobResult {
    pub lease_id: LeaseId,
    pub outcome: JobOutcome,
    /// Values the script set with `output(name, value)`.
    pub outputs: BTreeMap<String, serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<JobError>,
    pub finished_at: DateTime<Utc>,
    /// The run's last events and log lines, stored with the result in one transaction: a short
    /// run then costs one exchange at its end instead of two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_batch: Option<StepEventBatch>,
}

/// An item of a work queue as a bot sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct QueueItem {
    pub id: String,
    pub queue: String,
    /// The caller's unique key for the item (an invoice number), if it gave one.
    pub reference: Option<String>,
    pub payload: serde_json::Value,
    pub priority: i32,
    pub deadline: Option<DateTime<Utc>>,
    /// 1 for the first try; system exceptions and abandoned tries count up.
    pub attempt: u32,
}

/// Where a work-queue item is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// Waiting to be taken (new, deferred, or back after a retryable failure); in a queue
    /// worked by people, waiting for a person's decision.
    New,
    /// Held by a running job's lease.
    InProgress,
    Done,
    /// The data was wrong (or a person rejected the item); final.
    BusinessException,
    /// System exceptions used up every retry; final.
    Failed,
}

impl ItemState {
    pub const ALL: [ItemState; 5] = [
        ItemState::New,
        ItemState::InProgress,
        ItemState::Done,
        ItemState::BusinessException,
        ItemState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::New => "new",
            ItemState::InProgress => "in_progress",
            ItemState::Done => "done",
            ItemState::BusinessException => "business_exception",
            ItemState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == text)
    }
}

/// An item found by reference, with how it ended (if it did).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FoundItem {
    #[serde(flatten)]
    pub item: QueueItem,
    pub state: ItemState,
    /// What settled it: a bot's `Done` output, or a person's decision.
    pub output: Option<serde_json::Value>,
    /// Why it ended in an exception.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct QueueFind {
    pub lease_id: LeaseId,
    pub queue: String,
    pub reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct QueueTake {
    pub lease_id: LeaseId,
    pub queue: String,
}

/// How a bot ended its work on an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ItemOutcome {
    Done {
        #[serde(default)]
        output: serde_json::Value,
    },
    /// The data is wrong (a bad row); final, never retried.
    BusinessException { reason: String },
    /// Something failed that may work later; retried with backoff up to the queue's limit.
    SystemException { reason: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct QueueSettle {
    pub lease_id: LeaseId,
    pub item_id: String,
    pub outcome: ItemOutcome,
}

/// A new work-queue item, from the API or a dispatcher bot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewQueueItem {
    /// Unique within the queue when given: adding it again returns the existing item.
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub payload: serde_json::Value,
    #[serde(default)]
    pub priority: i32,
    /// When the item must be done by; the queue's SLA applies when absent.
    #[serde(default)]
    pub deadline: Option<DateTime<Utc>>,
    /// Not taken before this time.
    #[serde(default)]
    pub defer_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct QueueAdd {
    pub lease_id: LeaseId,
    pub queue: String,
    pub item: NewQueueItem,
}

/// A bot version as the control plane stores it and agents fetch it: the entry script and the
/// modules and text assets it imports, by path relative to the package root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BotPackage {
    /// The script to run, e.g. `main.rhai`.
    pub entry: String,
    /// Path (relative, `/`-separated) → file text.
    pub files: BTreeMap<String, String>,
}

impl BotPackage {
    /// Paths that could escape the package folder or are not plain relative paths.
    pub fn unsafe_paths(&self) -> Vec<&str> {
        self.files
            .keys()
            .map(String::as_str)
            .filter(|path| {
                path.is_empty()
                    || path.starts_with('/')
                    || path.contains('\\')
                    || path
                        .split('/')
                        .any(|part| part.is_empty() || part == "." || part == "..")
            })
            .collect()
    }
}
