//! The SQLite store: one file, WAL mode, foreign keys on, one writer behind a mutex, every
//! method one `BEGIN IMMEDIATE` transaction so nothing is ever stored half-way.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, TimeZone, Utc};
use flowbot_agent::validation::Decision;
use flowbot_model::wire::{
    BotPackage, Heartbeat, HeartbeatAck, ItemOutcome, JobResult, Lease, LogLevel, NewQueueItem,
    QueueItem, Registration, StepEventBatch,
};
use flowbot_model::{AgentId, Event, JobId, LeaseId};
use rusqlite::{Connection, Transaction, TransactionBehavior, params};

use super::jobs::{JOB_COLUMNS, insert_job, job_from_row, load_job};
use super::{
    AddedItem, AgentRecord, ArtifactRecord, BotSummary, BotVersion, CreatedTrigger, Firing,
    ItemFilter, JobFilter, JobRecord, JobState, LandedFile, LeasePolicy, LogRecord, NewJob,
    NewQueue, NewSchedule, NewTrigger, Purged, QueueItemRecord, QueueSummary, ScheduleRecord,
    Store, StoreError, StoreResult, TriggerRecord,
};

/// Timestamped migrations, applied in order at start; each runs once per database.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "20261129_0001_jobs_leases_agents",
        include_str!("../../migrations/20261129_0001_jobs_leases_agents.sql"),
    ),
    (
        "20261129_0002_bots",
        include_str!("../../migrations/20261129_0002_bots.sql"),
    ),
    (
        "20261129_0003_schedules",
        include_str!("../../migrations/20261129_0003_schedules.sql"),
    ),
    (
        "20261129_0004_queues_triggers",
        include_str!("../../migrations/20261129_0004_queues_triggers.sql"),
    ),
    (
        "20261129_0005_artifacts",
        include_str!("../../migrations/20261129_0005_artifacts.sql"),
    ),
    (
        "20261130_0006_job_logs",
        include_str!("../../migrations/20261130_0006_job_logs.sql"),
    ),
    (
        "20261130_0007_people_queues",
        include_str!("../../migrations/20261130_0007_people_queues.sql"),
    ),
];

pub struct SqliteStore {
    connection: Mutex<Connection>,
}

impl SqliteStore {
    /// Open (or create) the store file and bring its schema up to date.
    pub fn open(path: &Path) -> StoreResult<Self> {
        let connection = Connection::open(path)?;
        Self::init(connection)
    }

    /// Open an existing store only to read it (mining a copy of a control plane's history):
    /// nothing is migrated or written. Refused when the file is not a control-plane store.
    pub fn open_read_only(path: &Path) -> StoreResult<Self> {
        let connection =
            Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let is_store: bool = connection
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'step_events')",
                [],
                |row| row.get(0),
            )
            .unwrap_or(false);
        if !is_store {
            return Err(StoreError::Invalid(format!(
                "{} is not a Flowbot control-plane store (it has no step_events table)",
                path.display()
            )));
        }
        Ok(Self {
            connection: Mutex::new(connection),
        })
    }

    fn init(mut connection: Connection) -> StoreResult<Self> {
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        connection.set_prepared_statement_cache_capacity(128);
        // Checkpoint every ~16 MB of WAL instead of SQLite's 4 MB: the hot pages (the ready-jobs
        // index, the leases table) are rewritten by every job and are copied back once per
        // checkpoint, so fewer checkpoints copy (and fsync) far less for the same work.
        connection.pragma_update(None, "wal_autocheckpoint", 4000)?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut connection)?;
        Ok(Self {
            connection: Mutex::new(connection),
        })
    }

    fn write<T>(&self, work: impl FnOnce(&Transaction<'_>) -> StoreResult<T>) -> StoreResult<T> {
        let mut connection = self.lock();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = work(&transaction)?;
        transaction.commit()?;
        Ok(value)
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a transaction open (it rolls back on
        // drop), so the connection is still sound.
        self.connection
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Statements that run for every job (enqueue, lease, events, result, queue items) are
/// prepared once per connection and reused: parsing SQL was a large share of the control
/// plane's CPU per job.
pub(super) trait Cached {
    fn run(&self, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize>;
    fn row<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        read: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn run(&self, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn row<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        read: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.prepare_cached(sql)?.query_row(params, read)
    }
}

fn migrate(connection: &mut Connection) -> StoreResult<()> {
    connection.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)",
    )?;
    for (version, sql) in MIGRATIONS {
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let applied: bool = transaction.query_row(
            "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)",
            [version],
            |row| row.get(0),
        )?;
        if !applied {
            transaction.execute_batch(sql)?;
            transaction.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                params![version, Utc::now().timestamp_millis()],
            )?;
            tracing::info!(version, "applied store migration");
        }
        transaction.commit()?;
    }
    Ok(())
}

pub(super) fn millis(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

pub(super) fn from_millis(value: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(value).single().unwrap_or_default()
}

pub(super) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

impl Store for SqliteStore {
    fn register_agent(
        &self,
        registration: &Registration,
        now: DateTime<Utc>,
    ) -> StoreResult<AgentId> {
        if registration.name.trim().is_empty() {
            return Err(StoreError::Invalid("agent name is empty".to_owned()));
        }
        self.write(|transaction| {
            let id = new_id();
            transaction.execute(
                "INSERT INTO agents (id, name, registration, registered_at, last_seen) VALUES (?1, ?2, ?3, ?4, ?4)",
                params![id, registration.name, serde_json::to_string(registration)?, millis(now)],
            )?;
            Ok(AgentId(id))
        })
    }

    fn agents(&self) -> StoreResult<Vec<AgentRecord>> {
        let connection = self.lock();
        let mut statement = connection.prepare(
            "SELECT id, registration, registered_at, last_seen FROM agents ORDER BY name, id",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get(2)?,
                row.get(3)?,
            ))
        })?;
        rows.map(|row| {
            let (id, registration, registered_at, last_seen) = row?;
            Ok(AgentRecord {
                id: AgentId(id),
                registration: serde_json::from_str(&registration)?,
                registered_at: from_millis(registered_at),
                last_seen: from_millis(last_seen),
            })
        })
        .collect()
    }

    fn add_bot_version(
        &self,
        name: &str,
        package: &BotPackage,
        now: DateTime<Utc>,
    ) -> StoreResult<BotVersion> {
        self.write(|transaction| super::bots::add_version(transaction, name, package, now))
    }

    fn bots(&self) -> StoreResult<Vec<BotSummary>> {
        super::bots::summaries(&self.lock(), None)
    }

    fn bot_version(&self, name: &str, version: u32) -> StoreResult<BotVersion> {
        super::bots::load(&self.lock(), name, version)
    }

    fn publish(&self, name: &str, version: u32) -> StoreResult<BotSummary> {
        self.write(|transaction| super::bots::publish(transaction, name, version))
    }

    fn enqueue(&self, job: NewJob, now: DateTime<Utc>) -> StoreResult<JobRecord> {
        self.write(|transaction| insert_job(transaction, job, now, None))
    }

    fn job(&self, id: &JobId) -> StoreResult<JobRecord> {
        load_job(&self.lock(), id.as_str())
    }

    fn jobs(&self, filter: &JobFilter) -> StoreResult<Vec<JobRecord>> {
        let connection = self.lock();
        let mut statement = connection.prepare(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR bot_name = ?2) \
             AND (?4 IS NULL OR updated_at >= ?4) ORDER BY seq DESC LIMIT ?3"
        ))?;
        let rows = statement.query_map(
            params![
                filter.state.map(JobState::as_str),
                filter.bot,
                filter.limit.unwrap_or(100),
                filter.since.map(millis)
            ],
            job_from_row,
        )?;
        rows.map(|row| {
            let (row, state) = row?;
            row.into_record(&state)
        })
        .collect()
    }

    fn cancel(&self, id: &JobId, now: DateTime<Utc>) -> StoreResult<JobRecord> {
        self.write(|transaction| super::jobs::cancel(transaction, id, now))
    }

    fn lease_next(
        &self,
        agent: &AgentId,
        now: DateTime<Utc>,
        policy: &LeasePolicy,
    ) -> StoreResult<Option<Lease>> {
        self.write(|transaction| super::jobs::lease_next(transaction, agent, now, policy))
    }

    fn heartbeat(
        &self,
        heartbeat: &Heartbeat,
        now: DateTime<Utc>,
        policy: &LeasePolicy,
    ) -> StoreResult<HeartbeatAck> {
        self.write(|transaction| super::jobs::heartbeat(transaction, heartbeat, now, policy))
    }

    fn append_events(&self, batch: &StepEventBatch, now: DateTime<Utc>) -> StoreResult<()> {
        self.write(|transaction| super::jobs::append_events(transaction, batch, now))
    }

    fn finish(
        &self,
        result: &JobResult,
        now: DateTime<Utc>,
        policy: &LeasePolicy,
    ) -> StoreResult<JobRecord> {
        self.write(|transaction| super::jobs::finish(transaction, result, now, policy))
    }

    fn expire_leases(&self, now: DateTime<Utc>, policy: &LeasePolicy) -> StoreResult<Vec<JobId>> {
        self.write(|transaction| super::jobs::expire_leases(transaction, now, policy))
    }

    fn jobs_come_due(&self, after: DateTime<Utc>, until: DateTime<Utc>) -> StoreResult<usize> {
        super::jobs::jobs_come_due(&self.lock(), after, until)
    }

    fn create_schedule(
        &self,
        schedule: NewSchedule,
        now: DateTime<Utc>,
    ) -> StoreResult<ScheduleRecord> {
        self.write(|transaction| super::schedules::create(transaction, schedule, now))
    }

    fn schedules(&self) -> StoreResult<Vec<ScheduleRecord>> {
        super::schedules::list(&self.lock())
    }

    fn delete_schedule(&self, id: &str) -> StoreResult<()> {
        self.write(|transaction| super::schedules::delete(transaction, id))
    }

    fn run_due_schedules(
        &self,
        now: DateTime<Utc>,
        grace: std::time::Duration,
    ) -> StoreResult<Vec<JobId>> {
        let grace = chrono::Duration::from_std(grace).unwrap_or_default();
        self.write(|transaction| super::schedules::run_due(transaction, now, grace))
    }

    fn job_events(&self, id: &JobId) -> StoreResult<Vec<Event>> {
        let connection = self.lock();
        load_job(&connection, id.as_str())?;
        let mut statement = connection.prepare(
            "SELECT e.event FROM step_events e JOIN leases l ON l.id = e.lease_id \
             WHERE e.job_id = ?1 ORDER BY l.leased_at, l.id, e.seq, e.idx",
        )?;
        let rows = statement.query_map([id.as_str()], |row| row.get::<_, String>(0))?;
        rows.map(|row| Ok(serde_json::from_str(&row?)?)).collect()
    }

    fn job_logs(&self, id: &JobId, min_level: Option<LogLevel>) -> StoreResult<Vec<LogRecord>> {
        let connection = self.lock();
        load_job(&connection, id.as_str())?;
        let mut statement = connection.prepare(
            "SELECT l.attempt, g.time, g.level, g.message FROM job_logs g JOIN leases l ON l.id = g.lease_id \
             WHERE g.job_id = ?1 ORDER BY l.leased_at, l.id, g.seq, g.idx",
        )?;
        let rows = statement.query_map([id.as_str()], |row| {
            Ok((
                row.get::<_, u32>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
            ))
        })?;
        let mut lines = Vec::new();
        for row in rows {
            let (attempt, time, level, message) = row?;
            let level = LogLevel::parse(&level).ok_or_else(|| {
                StoreError::Invalid(format!("stored log line has an unknown level {level:?}"))
            })?;
            if min_level.is_none_or(|min| level >= min) {
                lines.push(LogRecord {
                    attempt,
                    time: from_millis(time),
                    level,
                    message,
                });
            }
        }
        Ok(lines)
    }

    fn history(&self, filter: &JobFilter) -> StoreResult<Vec<Event>> {
        let connection = self.lock();
        let mut statement = connection.prepare(
            "SELECT e.job_id, e.event FROM step_events e JOIN leases l ON l.id = e.lease_id \
             JOIN (SELECT id, seq FROM jobs WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR bot_name = ?2) \
                   AND (?4 IS NULL OR updated_at >= ?4) ORDER BY seq DESC LIMIT ?3) j ON j.id = e.job_id \
             ORDER BY j.seq, l.leased_at, l.id, e.seq, e.idx",
        )?;
        let rows = statement.query_map(
            params![
                filter.state.map(JobState::as_str),
                filter.bot,
                filter.limit.unwrap_or(100),
                filter.since.map(millis)
            ],
            |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)),
        )?;
        rows.map(|row| {
            let (job, text) = row?;
            let mut event: Event = serde_json::from_str(&text)?;
            event.objects.push(flowbot_model::ObjectRef {
                id: job,
                object_type: "job".to_owned(),
                qualifier: None,
            });
            Ok(event)
        })
        .collect()
    }

    fn set_bot_limit(&self, name: &str, max_concurrent: Option<u32>) -> StoreResult<BotSummary> {
        self.write(|transaction| super::bots::set_limit(transaction, name, max_concurrent))
    }

    fn create_queue(&self, queue: NewQueue, now: DateTime<Utc>) -> StoreResult<QueueSummary> {
        self.write(|transaction| super::queues::create(transaction, queue, now))
    }

    fn queues(&self, now: DateTime<Utc>) -> StoreResult<Vec<QueueSummary>> {
        super::queues::summaries(&self.lock(), now)
    }

    fn queue(&self, name: &str, now: DateTime<Utc>) -> StoreResult<QueueSummary> {
        super::queues::summary(&self.lock(), name, now)
    }

    fn add_item(
        &self,
        queue: &str,
        item: NewQueueItem,
        lease: Option<&LeaseId>,
        now: DateTime<Utc>,
    ) -> StoreResult<AddedItem> {
        self.write(|transaction| {
            if let Some(lease) = lease {
                super::queues::check_lease(transaction, lease, now)?;
            }
            super::queues::add(transaction, queue, item, now)
        })
    }

    fn items(&self, queue: &str, filter: &ItemFilter) -> StoreResult<Vec<QueueItemRecord>> {
        super::queues::list(&self.lock(), queue, filter)
    }

    fn item(&self, id: &str) -> StoreResult<QueueItemRecord> {
        super::queues::load_item(&self.lock(), id)
    }

    fn take_item(
        &self,
        lease: &LeaseId,
        queue: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<QueueItem>> {
        self.write(|transaction| super::queues::take(transaction, lease, queue, now))
    }

    fn settle_item(
        &self,
        lease: &LeaseId,
        item_id: &str,
        outcome: &ItemOutcome,
        now: DateTime<Utc>,
    ) -> StoreResult<QueueItemRecord> {
        self.write(|transaction| super::queues::settle(transaction, lease, item_id, outcome, now))
    }

    fn find_item(
        &self,
        queue: &str,
        reference: &str,
        lease: Option<&LeaseId>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<QueueItemRecord>> {
        // One connection behind the mutex: the lease check and the read see the same state.
        let connection = self.lock();
        if let Some(lease) = lease {
            super::queues::check_lease(&connection, lease, now)?;
        }
        super::queues::find(&connection, queue, reference)
    }

    fn decide_item(
        &self,
        queue: &str,
        reference: &str,
        decision: &Decision,
        now: DateTime<Utc>,
    ) -> StoreResult<QueueItemRecord> {
        self.write(|transaction| {
            super::validations::decide(transaction, queue, reference, decision, now)
        })
    }

    fn create_trigger(
        &self,
        trigger: NewTrigger,
        now: DateTime<Utc>,
    ) -> StoreResult<CreatedTrigger> {
        self.write(|transaction| super::triggers::create(transaction, trigger, now))
    }

    fn triggers(&self) -> StoreResult<Vec<TriggerRecord>> {
        super::triggers::list(&self.lock())
    }

    fn delete_trigger(&self, id_or_name: &str) -> StoreResult<()> {
        self.write(|transaction| super::triggers::delete(transaction, id_or_name))
    }

    fn fire_webhook(
        &self,
        name: &str,
        secret: &str,
        delivery: Option<&str>,
        payload: serde_json::Value,
        now: DateTime<Utc>,
    ) -> StoreResult<Firing> {
        self.write(|transaction| {
            super::triggers::fire_webhook(transaction, name, secret, delivery, payload, now)
        })
    }

    fn fire_file(
        &self,
        trigger_id: &str,
        file: &LandedFile,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Firing>> {
        self.write(|transaction| super::triggers::fire_file(transaction, trigger_id, file, now))
    }

    fn run_queue_triggers(&self, now: DateTime<Utc>) -> StoreResult<Vec<JobId>> {
        self.write(|transaction| super::triggers::fire_queue_triggers(transaction, None, now))
    }

    fn lease_job(&self, lease: &LeaseId, now: DateTime<Utc>) -> StoreResult<JobId> {
        super::artifacts::lease_job(&self.lock(), lease, now)
    }

    fn add_artifact(
        &self,
        lease: &LeaseId,
        name: &str,
        bytes: u64,
        sha256: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<ArtifactRecord> {
        self.write(|transaction| {
            super::artifacts::add(transaction, lease, name, bytes, sha256, now)
        })
    }

    fn artifacts(&self, job: &JobId) -> StoreResult<Vec<ArtifactRecord>> {
        let connection = self.lock();
        load_job(&connection, job.as_str())?;
        super::artifacts::list(&connection, job)
    }

    fn purge_history(&self, before: DateTime<Utc>) -> StoreResult<Purged> {
        self.write(|transaction| super::artifacts::purge(transaction, before))
    }
}
