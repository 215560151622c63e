//! How work arrives besides a person queuing a job: work queues and their items, and triggers
//! (a file landing, a webhook call, a queue item arriving).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use flowbot_model::JobId;
pub use flowbot_model::wire::ItemState;
use serde::{Deserialize, Serialize};

use super::NewJob;

/// A work queue: items wait in it until a bot takes them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewQueue {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// A system exception is retried this many times before the item fails for good.
    #[serde(default = "default_max_retries")]
    pub max_retries: u32,
    /// Delay before retry n is `retry_backoff_s * 2^(n-1)` seconds.
    #[serde(default = "default_retry_backoff_s")]
    pub retry_backoff_s: u64,
    /// Items added without a deadline are due this many seconds after they arrive.
    #[serde(default)]
    pub sla_s: Option<u64>,
    /// Who settles the items: bots take them under a lease, people decide them.
    #[serde(default)]
    pub worked_by: WorkedBy,
}

/// Who settles a queue's items.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkedBy {
    /// Bots take items (`queue_next`) and settle them under their job's lease.
    #[default]
    Bots,
    /// People decide items (document validation, `flowbot validate --server`); bots may add
    /// and look up items but never take them, and queue triggers cannot watch the queue.
    People,
}

impl WorkedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkedBy::Bots => "bots",
            WorkedBy::People => "people",
        }
    }

    pub(super) fn parse(text: &str) -> Option<Self> {
        [WorkedBy::Bots, WorkedBy::People]
            .into_iter()
            .find(|worked_by| worked_by.as_str() == text)
    }
}

fn default_max_retries() -> u32 {
    3
}

fn default_retry_backoff_s() -> u64 {
    30
}

/// A queue with its item counts, age and SLA at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueSummary {
    #[serde(flatten)]
    pub spec: NewQueue,
    pub created_at: DateTime<Utc>,
    /// Items per state, every state present.
    pub counts: std::collections::BTreeMap<String, u64>,
    /// When the oldest item still waiting arrived.
    pub oldest_waiting_since: Option<DateTime<Utc>>,
    /// Open items (new or in progress) whose deadline has passed.
    pub past_deadline: u64,
}

/// An item with everything the control plane knows about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueItemRecord {
    pub id: String,
    pub queue: String,
    pub reference: Option<String>,
    pub payload: serde_json::Value,
    pub priority: i32,
    pub deadline: Option<DateTime<Utc>>,
    /// Not taken before this time (defer-until, or a retry's backoff).
    pub not_before: DateTime<Utc>,
    pub state: ItemState,
    /// How many times a bot took it.
    pub attempt: u32,
    /// The job that holds or last held it.
    pub job_id: Option<JobId>,
    pub output: Option<serde_json::Value>,
    /// Why the last try ended in an exception.
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// The result of adding an item: a reference already in the queue returns the existing item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddedItem {
    pub item: QueueItemRecord,
    pub duplicate: bool,
    /// Jobs a queue trigger started for it.
    pub jobs: Vec<JobId>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemFilter {
    pub state: Option<ItemState>,
    pub limit: Option<u32>,
}

/// What starts a trigger's job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum TriggerOn {
    /// A file matching `pattern` lands in `dir` on the control plane's host and stops changing
    /// for `settle_ms`. The job gets inputs `path`, `file_name` and `size`.
    File {
        dir: PathBuf,
        #[serde(default = "default_pattern")]
        pattern: String,
        #[serde(default = "default_settle_ms")]
        settle_ms: u64,
    },
    /// `POST /api/v1/hooks/<name>` with the trigger's secret in `X-Flowbot-Secret`. The job gets
    /// the request body as input `payload`.
    Webhook,
    /// Items waiting in `queue` keep up to `max_jobs` jobs queued or running for it. The job
    /// gets input `queue`.
    Queue {
        queue: String,
        #[serde(default = "default_max_jobs")]
        max_jobs: u32,
    },
}

fn default_pattern() -> String {
    "*".to_owned()
}

fn default_settle_ms() -> u64 {
    1000
}

fn default_max_jobs() -> u32 {
    1
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTrigger {
    /// Unique; webhooks are called by it.
    pub name: String,
    pub on: TriggerOn,
    /// The job each firing queues; the trigger adds its inputs to `job.inputs`.
    pub job: NewJob,
    #[serde(default = "default_enabled")]
    pub enabled: bool,
}

fn default_enabled() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriggerRecord {
    pub id: String,
    #[serde(flatten)]
    pub spec: NewTrigger,
    pub created_at: DateTime<Utc>,
    pub fired: u64,
    pub last_fired_at: Option<DateTime<Utc>>,
}

/// A new trigger; a webhook's secret is shown here once and stored only as a hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedTrigger {
    #[serde(flatten)]
    pub trigger: TriggerRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// A webhook call or file arrival, and the job it started (or had started before: firings are
/// keyed, so a retried delivery or a file seen again starts nothing new).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Firing {
    pub trigger: String,
    pub job_id: JobId,
    pub duplicate: bool,
}
