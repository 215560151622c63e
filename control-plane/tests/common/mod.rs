//! Helpers the store tests share: a fresh store file, a fixed clock, a bot and an agent.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use flowbot_control_plane::store::{
    JobRecord, LeasePolicy, NewJob, SqliteStore, Store, StoreError,
};
use flowbot_model::AgentId;
use flowbot_model::wire::{BotPackage, Capability, JobError, JobOutcome, JobResult, Registration};

pub const POLICY: LeasePolicy = LeasePolicy {
    lease_for: Duration::from_secs(30),
    heartbeat_every: Duration::from_secs(10),
    retry_backoff: Duration::from_secs(5),
};

pub fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + seconds, 0).unwrap()
}

pub fn job(bot: &str) -> NewJob {
    serde_json::from_value(serde_json::json!({"bot": {"name": bot, "version": 1}})).unwrap()
}

pub fn package(text: &str) -> BotPackage {
    BotPackage {
        entry: "main.rhai".to_owned(),
        files: [("main.rhai".to_owned(), text.to_owned())].into(),
    }
}

/// Enqueue after making sure the job's bot has a version, as a CoE author would have pushed.
pub fn enqueue(
    store: &SqliteStore,
    job: NewJob,
    now: DateTime<Utc>,
) -> Result<JobRecord, StoreError> {
    if store.bot_version(&job.bot.name, 0).is_err() && !job.bot.name.trim().is_empty() {
        store
            .add_bot_version(&job.bot.name, &package("log(\"hi\");"), now)
            .unwrap();
    }
    store.enqueue(job, now)
}

pub fn agent(store: &SqliteStore, labels: &[&str], capabilities: &[Capability]) -> AgentId {
    let registration = Registration {
        name: "agent".to_owned(),
        labels: labels.iter().map(|label| (*label).to_owned()).collect(),
        capabilities: capabilities.to_vec(),
        slots: 1,
        agent_version: "test".to_owned(),
    };
    store.register_agent(&registration, at(0)).unwrap()
}

pub fn open() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("cp.db")).unwrap();
    (dir, store)
}

pub fn result(
    lease: &flowbot_model::LeaseId,
    outcome: JobOutcome,
    error: Option<JobError>,
) -> JobResult {
    JobResult {
        lease_id: lease.clone(),
        outcome,
        outputs: Default::default(),
        error,
        finished_at: at(0),
        last_batch: None,
    }
}
