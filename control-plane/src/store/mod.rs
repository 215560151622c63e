//! What the control plane keeps, behind a trait so a PostgreSQL store can follow SQLite.
//!
//! Every method takes `now` so lease expiry and retry backoff are tested without sleeping.

mod artifacts;
mod bots;
mod intake;
mod jobs;
mod queues;
mod schedules;
mod sqlite;
mod triggers;
mod validations;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use flowbot_agent::validation::Decision;
use flowbot_model::wire::{
    BotPackage, BotRef, Capability, Heartbeat, HeartbeatAck, ItemOutcome, Job, JobError, JobResult,
    Lease, LogLevel, NewQueueItem, QueueItem, Registration, StepEventBatch,
};
use flowbot_model::{AgentId, Event, JobId, LeaseId};
use serde::{Deserialize, Serialize};

pub use artifacts::{ArtifactRecord, Purged, check_artifact_name};
pub use intake::{
    AddedItem, CreatedTrigger, Firing, ItemFilter, ItemState, NewQueue, NewTrigger,
    QueueItemRecord, QueueSummary, TriggerOn, TriggerRecord, WorkedBy,
};
pub use sqlite::SqliteStore;
pub use triggers::LandedFile;

/// One line of a job's run log, with the attempt that wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogRecord {
    pub attempt: u32,
    pub time: DateTime<Utc>,
    pub level: LogLevel,
    pub message: String,
}

/// One immutable version of a bot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BotVersion {
    pub name: String,
    pub version: u32,
    pub package: BotPackage,
    pub created_at: DateTime<Utc>,
}

/// A bot with its versions at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BotSummary {
    pub name: String,
    /// The version jobs get when they ask for version 0 ("the published one").
    pub published_version: Option<u32>,
    pub latest_version: u32,
    /// At most this many of its jobs are leased or running at once; `None` means no limit.
    pub max_concurrent: Option<u32>,
    pub created_at: DateTime<Utc>,
}

/// What to do with fire times that passed while the control plane was down.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissedPolicy {
    /// One catch-up run for any number of missed fire times.
    #[default]
    RunOnce,
    /// A run for every missed fire time (at most `schedule::MAX_CATCH_UP`).
    RunAll,
    /// Missed fire times are dropped; only the next one on time runs.
    Skip,
}

/// A cron schedule that queues jobs for a bot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSchedule {
    pub bot: BotRef,
    /// Five fields (`min hour day month weekday`), or six/seven with seconds and year.
    pub cron: String,
    /// IANA zone the expression is read in.
    #[serde(default = "default_timezone")]
    pub timezone: String,
    /// Business calendar: dates (in the schedule's zone) on which it does not fire.
    #[serde(default)]
    pub skip_dates: Vec<chrono::NaiveDate>,
    #[serde(default)]
    pub missed: MissedPolicy,
    #[serde(default)]
    pub inputs: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub priority: i32,
    #[serde(default)]
    pub required_labels: Vec<String>,
    #[serde(default = "default_timeout_s")]
    pub timeout_s: u64,
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    #[serde(default = "default_enabled")]
    pub enabled: bool,
}

fn default_timezone() -> String {
    "UTC".to_owned()
}

fn default_enabled() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleRecord {
    pub id: String,
    #[serde(flatten)]
    pub spec: NewSchedule,
    /// None when the expression never fires again.
    pub next_run_at: Option<DateTime<Utc>>,
    pub last_run_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A job as submitted by a person, a schedule, a trigger or a queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewJob {
    pub bot: BotRef,
    #[serde(default)]
    pub inputs: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub priority: i32,
    #[serde(default)]
    pub required_labels: Vec<String>,
    #[serde(default)]
    pub required_capabilities: Vec<Capability>,
    #[serde(default = "default_timeout_s")]
    pub timeout_s: u64,
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
}

fn default_timeout_s() -> u64 {
    3600
}

fn default_max_attempts() -> u32 {
    3
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Leased,
    Running,
    Succeeded,
    Failed,
    Cancelled,
    TimedOut,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Leased => "leased",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
            JobState::TimedOut => "timed_out",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            JobState::Queued,
            JobState::Leased,
            JobState::Running,
            JobState::Succeeded,
            JobState::Failed,
            JobState::Cancelled,
            JobState::TimedOut,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }

    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobState::Succeeded | JobState::Failed | JobState::Cancelled | JobState::TimedOut
        )
    }
}

/// A job with everything the control plane knows about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    #[serde(flatten)]
    pub job: Job,
    pub state: JobState,
    /// A retried job is not leased before this.
    pub not_before: DateTime<Utc>,
    pub cancel_requested: bool,
    pub outputs: BTreeMap<String, serde_json::Value>,
    pub error: Option<JobError>,
    /// What queued it: `schedule:<id>`, `trigger:<id>`, or `None` when a person did.
    pub source: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentRecord {
    pub id: AgentId,
    #[serde(flatten)]
    pub registration: Registration,
    pub registered_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobFilter {
    pub state: Option<JobState>,
    pub bot: Option<String>,
    /// Only jobs whose state last changed at or after this time.
    pub since: Option<DateTime<Utc>>,
    pub limit: Option<u32>,
}

/// How long leases last and how retries back off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeasePolicy {
    /// A lease not renewed by a heartbeat within this time expires.
    pub lease_for: Duration,
    /// What agents are told: heartbeat at least this often (a third of `lease_for`).
    pub heartbeat_every: Duration,
    /// Delay before retry n is `retry_backoff * 2^(n-1)`.
    pub retry_backoff: Duration,
}

impl Default for LeasePolicy {
    fn default() -> Self {
        Self {
            lease_for: Duration::from_secs(30),
            heartbeat_every: Duration::from_secs(10),
            retry_backoff: Duration::from_secs(5),
        }
    }
}

impl LeasePolicy {
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        self.retry_backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no {kind} with id {id}")]
    NotFound { kind: &'static str, id: String },
    /// The lease expired (the job went back to the queue) or was already finished differently.
    #[error(
        "lease {0} is no longer held: its job was requeued or finished; stop and do not report further"
    )]
    LeaseLost(LeaseId),
    #[error("job {id} is already {state:?}")]
    AlreadyFinal { id: JobId, state: JobState },
    #[error("invalid request: {0}")]
    Invalid(String),
    /// A person's decision on an item that is no longer waiting for one.
    #[error(
        "item {reference:?} ({item}) is already {}: it was decided (or settled) before; a second decision is refused",
        .state.as_str()
    )]
    AlreadyDecided {
        item: String,
        reference: String,
        state: ItemState,
    },
    /// A correction names a field the validation task does not have.
    #[error("{reference}: unknown field `{field}`; the task has {}", .known.join(", "))]
    UnknownField {
        reference: String,
        field: String,
        known: Vec<String>,
    },
    #[error("{0}")]
    Forbidden(String),
    #[error("store: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("store: stored JSON is unreadable: {0}")]
    Corrupt(#[from] serde_json::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The control plane's persistent state. Implementations make each method one transaction.
pub trait Store: Send + Sync {
    fn register_agent(
        &self,
        registration: &Registration,
        now: DateTime<Utc>,
    ) -> StoreResult<AgentId>;
    fn agents(&self) -> StoreResult<Vec<AgentRecord>>;

    /// Store a new immutable version (1, 2, ...) of a bot, creating the bot on its first one.
    /// The first version is published at once; later ones wait for [`Store::publish`].
    fn add_bot_version(
        &self,
        name: &str,
        package: &BotPackage,
        now: DateTime<Utc>,
    ) -> StoreResult<BotVersion>;
    fn bots(&self) -> StoreResult<Vec<BotSummary>>;
    /// Version 0 means the published version.
    fn bot_version(&self, name: &str, version: u32) -> StoreResult<BotVersion>;
    /// Make `version` the one new jobs for version 0 run; publishing an older one rolls back.
    fn publish(&self, name: &str, version: u32) -> StoreResult<BotSummary>;

    /// Queue a job for an existing bot version; version 0 is resolved to the published one.
    fn enqueue(&self, job: NewJob, now: DateTime<Utc>) -> StoreResult<JobRecord>;
    fn job(&self, id: &JobId) -> StoreResult<JobRecord>;
    fn jobs(&self, filter: &JobFilter) -> StoreResult<Vec<JobRecord>>;
    /// A queued job is cancelled at once; a leased one is flagged and its agent told on the
    /// next heartbeat.
    fn cancel(&self, id: &JobId, now: DateTime<Utc>) -> StoreResult<JobRecord>;

    /// Lease the most urgent ready job this agent can run (labels, capabilities), if any.
    fn lease_next(
        &self,
        agent: &AgentId,
        now: DateTime<Utc>,
        policy: &LeasePolicy,
    ) -> StoreResult<Option<Lease>>;
    fn heartbeat(
        &self,
        heartbeat: &Heartbeat,
        now: DateTime<Utc>,
        policy: &LeasePolicy,
    ) -> StoreResult<HeartbeatAck>;
    /// Store a batch of step events; a batch already stored (same lease and seq) is ignored.
    fn append_events(&self, batch: &StepEventBatch, now: DateTime<Utc>) -> StoreResult<()>;
    /// Record a lease's result. Reporting the same result twice is harmless; reporting for a
    /// lost lease is refused.
    fn finish(
        &self,
        result: &JobResult,
        now: DateTime<Utc>,
        policy: &LeasePolicy,
    ) -> StoreResult<JobRecord>;
    /// Expire leases whose agents stopped heartbeating: their jobs are retried or failed.
    fn expire_leases(&self, now: DateTime<Utc>, policy: &LeasePolicy) -> StoreResult<Vec<JobId>>;
    /// How many queued jobs held back until a time in `(after, until]` (retries waiting out
    /// their backoff) may now be leased.
    fn jobs_come_due(&self, after: DateTime<Utc>, until: DateTime<Utc>) -> StoreResult<usize>;

    /// Validate (cron, zone, bot) and store a schedule with its first fire time.
    fn create_schedule(
        &self,
        schedule: NewSchedule,
        now: DateTime<Utc>,
    ) -> StoreResult<ScheduleRecord>;
    fn schedules(&self) -> StoreResult<Vec<ScheduleRecord>>;
    fn delete_schedule(&self, id: &str) -> StoreResult<()>;
    /// Queue the jobs of every schedule due at `now` and advance each to its next fire time,
    /// in one transaction. Fire times older than `grace` count as missed.
    fn run_due_schedules(&self, now: DateTime<Utc>, grace: Duration) -> StoreResult<Vec<JobId>>;

    /// The step events of every attempt of a job, in the order the agents sent them.
    fn job_events(&self, id: &JobId) -> StoreResult<Vec<Event>>;
    /// The run-log lines of every attempt of a job at `min_level` or above, in order.
    fn job_logs(&self, id: &JobId, min_level: Option<LogLevel>) -> StoreResult<Vec<LogRecord>>;
    /// Run history as one event log: the step events of the jobs `filter` selects, oldest job
    /// first. Each event also names its job as an object of type `job`, so object-centric
    /// views can group attempts; its case stays the agent's run.
    fn history(&self, filter: &JobFilter) -> StoreResult<Vec<Event>>;

    /// Limit how many of a bot's jobs are leased or running at once (`None`: no limit).
    fn set_bot_limit(&self, name: &str, max_concurrent: Option<u32>) -> StoreResult<BotSummary>;

    /// Create a work queue; creating the same queue again is a harmless retry.
    fn create_queue(&self, queue: NewQueue, now: DateTime<Utc>) -> StoreResult<QueueSummary>;
    fn queues(&self, now: DateTime<Utc>) -> StoreResult<Vec<QueueSummary>>;
    fn queue(&self, name: &str, now: DateTime<Utc>) -> StoreResult<QueueSummary>;
    /// Add an item (from the API, or from a bot holding `lease`); a reference already in the
    /// queue returns the existing item. Queue triggers of the queue fire in the same transaction.
    fn add_item(
        &self,
        queue: &str,
        item: NewQueueItem,
        lease: Option<&LeaseId>,
        now: DateTime<Utc>,
    ) -> StoreResult<AddedItem>;
    fn items(&self, queue: &str, filter: &ItemFilter) -> StoreResult<Vec<QueueItemRecord>>;
    fn item(&self, id: &str) -> StoreResult<QueueItemRecord>;
    /// Hand the next ready item to the bot holding `lease`.
    fn take_item(
        &self,
        lease: &LeaseId,
        queue: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<QueueItem>>;
    fn settle_item(
        &self,
        lease: &LeaseId,
        item_id: &str,
        outcome: &ItemOutcome,
        now: DateTime<Utc>,
    ) -> StoreResult<QueueItemRecord>;
    /// The item of `queue` with `reference`, without taking it. A bot asks under its `lease`
    /// (refused once the lease is lost); a person's client asks with none.
    fn find_item(
        &self,
        queue: &str,
        reference: &str,
        lease: Option<&LeaseId>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<QueueItemRecord>>;
    /// A person's decision on a waiting validation item of a queue worked by people: approve
    /// (with corrections of the task's fields) settles it as done, reject as a business
    /// exception; the decision, who and when is the item's output. A second decision is refused.
    fn decide_item(
        &self,
        queue: &str,
        reference: &str,
        decision: &Decision,
        now: DateTime<Utc>,
    ) -> StoreResult<QueueItemRecord>;

    /// Create a trigger; a webhook trigger's secret is in the answer and nowhere else.
    fn create_trigger(
        &self,
        trigger: NewTrigger,
        now: DateTime<Utc>,
    ) -> StoreResult<CreatedTrigger>;
    fn triggers(&self) -> StoreResult<Vec<TriggerRecord>>;
    fn delete_trigger(&self, id_or_name: &str) -> StoreResult<()>;
    /// A webhook call with its secret and optional delivery id (a retry returns the first job).
    fn fire_webhook(
        &self,
        name: &str,
        secret: &str,
        delivery: Option<&str>,
        payload: serde_json::Value,
        now: DateTime<Utc>,
    ) -> StoreResult<Firing>;
    /// A settled file seen by a file trigger; `None` when it already started a job.
    fn fire_file(
        &self,
        trigger_id: &str,
        file: &LandedFile,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Firing>>;
    /// Start jobs for queue triggers whose items became ready (deferred or retried items).
    fn run_queue_triggers(&self, now: DateTime<Utc>) -> StoreResult<Vec<JobId>>;

    /// The job a lease still held at `now` works on (where its artifacts go).
    fn lease_job(&self, lease: &LeaseId, now: DateTime<Utc>) -> StoreResult<JobId>;
    /// Record an artifact the lease's run produced, once its file is in place; an upload of the
    /// same name replaces it.
    fn add_artifact(
        &self,
        lease: &LeaseId,
        name: &str,
        bytes: u64,
        sha256: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<ArtifactRecord>;
    fn artifacts(&self, job: &JobId) -> StoreResult<Vec<ArtifactRecord>>;
    /// Retention: drop the step events, log lines and artifact records of jobs that ended
    /// before `before`.
    fn purge_history(&self, before: DateTime<Utc>) -> StoreResult<Purged>;
}
