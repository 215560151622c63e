//! The SQLite store: one file, WAL mode, foreign keys on, one writer behind a mutex, every
//! method one `BEGIN IMMEDIATE` transaction so nothing is ever stored half-way.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, TimeZone, Utc};
use flowbot_model::wire::{
    BotPackage, BotRef, ExceptionKind, Heartbeat, HeartbeatAck, ItemOutcome, Job, JobError,
    JobOutcome, JobResult, Lease, NewQueueItem, QueueItem, Registration, StepEventBatch,
};
use flowbot_model::{AgentId, Event, JobId, LeaseId};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};

use super::{
    AddedItem, AgentRecord, ArtifactRecord, BotSummary, BotVersion, CreatedTrigger, Firing,
    ItemFilter, JobFilter, JobRecord, JobState, LandedFile, LeasePolicy, NewJob, NewQueue,
    NewSchedule, NewTrigger, Purged, QueueItemRecord, QueueSummary, ScheduleRecord, Store,
    StoreError, StoreResult, TriggerRecord,
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

fn millis(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

pub(super) fn from_millis(value: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(value).single().unwrap_or_default()
}

pub(super) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

const JOB_COLUMNS: &str = "id, bot_name, bot_version, inputs, priority, required_labels, required_caps, timeout_s, \
     attempt, max_attempts, state, not_before, cancel_requested, outputs, error, created_at, updated_at, source";

fn job_from_row(row: &Row<'_>) -> rusqlite::Result<(JobRecordRow, String)> {
    Ok((
        JobRecordRow {
            id: row.get(0)?,
            bot_name: row.get(1)?,
            bot_version: row.get(2)?,
            inputs: row.get(3)?,
            priority: row.get(4)?,
            required_labels: row.get(5)?,
            required_caps: row.get(6)?,
            timeout_s: row.get(7)?,
            attempt: row.get(8)?,
            max_attempts: row.get(9)?,
            not_before: row.get(11)?,
            cancel_requested: row.get(12)?,
            outputs: row.get(13)?,
            error: row.get(14)?,
            created_at: row.get(15)?,
            updated_at: row.get(16)?,
            source: row.get(17)?,
        },
        row.get(10)?,
    ))
}

/// A jobs row as stored, before its JSON columns are parsed.
struct JobRecordRow {
    id: String,
    bot_name: String,
    bot_version: u32,
    inputs: String,
    priority: i32,
    required_labels: String,
    required_caps: String,
    timeout_s: u64,
    attempt: u32,
    max_attempts: u32,
    not_before: i64,
    cancel_requested: bool,
    outputs: Option<String>,
    error: Option<String>,
    created_at: i64,
    updated_at: i64,
    source: Option<String>,
}

impl JobRecordRow {
    fn into_record(self, state: &str) -> StoreResult<JobRecord> {
        Ok(JobRecord {
            job: Job {
                id: JobId(self.id),
                bot: BotRef {
                    name: self.bot_name,
                    version: self.bot_version,
                },
                inputs: serde_json::from_str(&self.inputs)?,
                priority: self.priority,
                required_labels: serde_json::from_str(&self.required_labels)?,
                required_capabilities: serde_json::from_str(&self.required_caps)?,
                timeout_s: self.timeout_s,
                attempt: self.attempt,
                max_attempts: self.max_attempts,
            },
            state: JobState::parse(state)
                .ok_or_else(|| StoreError::Invalid(format!("stored job state {state:?}")))?,
            not_before: from_millis(self.not_before),
            cancel_requested: self.cancel_requested,
            outputs: self
                .outputs
                .as_deref()
                .map(serde_json::from_str)
                .transpose()?
                .unwrap_or_default(),
            error: self
                .error
                .as_deref()
                .map(serde_json::from_str)
                .transpose()?,
            source: self.source,
            created_at: from_millis(self.created_at),
            updated_at: from_millis(self.updated_at),
        })
    }
}

fn load_job(transaction: &Connection, id: &str) -> StoreResult<JobRecord> {
    let row = transaction
        .query_row(
            &format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1"),
            [id],
            job_from_row,
        )
        .optional()?;
    let (row, state) = row.ok_or_else(|| StoreError::NotFound {
        kind: "job",
        id: id.to_owned(),
    })?;
    row.into_record(&state)
}

fn set_state(
    transaction: &Transaction<'_>,
    job: &JobId,
    state: JobState,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    transaction.execute(
        "UPDATE jobs SET state = ?2, updated_at = ?3 WHERE id = ?1",
        params![job.as_str(), state.as_str(), millis(now)],
    )?;
    Ok(())
}

/// Put a job whose attempt ended without success back in the queue, or fail it for good.
fn retry_or_fail(
    transaction: &Transaction<'_>,
    job: &JobRecord,
    error: &JobError,
    now: DateTime<Utc>,
    policy: &LeasePolicy,
) -> StoreResult<()> {
    let retry = error.kind == ExceptionKind::System
        && job.job.attempt < job.job.max_attempts
        && !job.cancel_requested;
    let (state, not_before) = if retry {
        let backoff =
            chrono::Duration::from_std(policy.backoff(job.job.attempt)).unwrap_or_default();
        (JobState::Queued, now + backoff)
    } else {
        (JobState::Failed, job.not_before)
    };
    transaction.execute(
        "UPDATE jobs SET state = ?2, not_before = ?3, error = ?4, updated_at = ?5 WHERE id = ?1",
        params![
            job.job.id.as_str(),
            state.as_str(),
            millis(not_before),
            serde_json::to_string(error)?,
            millis(now)
        ],
    )?;
    Ok(())
}

/// (job id, state) of a lease, if it exists.
fn lease_row(
    transaction: &Connection,
    lease: &LeaseId,
) -> StoreResult<Option<(String, String, i64)>> {
    Ok(transaction
        .query_row(
            "SELECT job_id, state, expires_at FROM leases WHERE id = ?1",
            [lease.as_str()],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?)
}

/// Whether a bot may have one more job leased or running under its concurrency limit.
fn bot_has_room(transaction: &Connection, bot: &str) -> StoreResult<bool> {
    Ok(transaction.query_row(
        "SELECT b.max_concurrent IS NULL OR \
                (SELECT COUNT(*) FROM jobs WHERE bot_name = b.name AND state IN ('leased', 'running')) < b.max_concurrent \
         FROM bots b WHERE b.name = ?1",
        [bot],
        |row| row.get(0),
    )?)
}

/// Queue a job for an existing bot version, inside the caller's transaction.
pub(super) fn insert_job(
    transaction: &Transaction<'_>,
    job: NewJob,
    now: DateTime<Utc>,
    source: Option<&str>,
) -> StoreResult<JobRecord> {
    if job.bot.name.trim().is_empty() {
        return Err(StoreError::Invalid("bot name is empty".to_owned()));
    }
    if job.max_attempts == 0 {
        return Err(StoreError::Invalid(
            "max_attempts must be at least 1".to_owned(),
        ));
    }
    {
        let version = super::bots::resolve(transaction, &job.bot.name, job.bot.version)?;
        let id = new_id();
        transaction.execute(
                "INSERT INTO jobs (id, seq, bot_name, bot_version, inputs, priority, required_labels, required_caps, \
                 timeout_s, attempt, max_attempts, state, not_before, created_at, updated_at, source) \
                 VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs), ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, 'queued', ?10, ?10, ?10, ?11)",
                params![
                    id,
                    job.bot.name,
                    version,
                    serde_json::to_string(&job.inputs)?,
                    job.priority,
                    serde_json::to_string(&job.required_labels)?,
                    serde_json::to_string(&job.required_capabilities)?,
                    job.timeout_s,
                    job.max_attempts,
                    millis(now),
                    source
                ],
            )?;
        load_job(transaction, &id)
    }
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
        self.write(|transaction| {
            let job = load_job(transaction, id.as_str())?;
            match job.state {
                state if state.is_final() => {
                    return Err(StoreError::AlreadyFinal {
                        id: id.clone(),
                        state,
                    });
                }
                JobState::Queued => set_state(transaction, id, JobState::Cancelled, now)?,
                _ => {
                    transaction.execute(
                        "UPDATE jobs SET cancel_requested = 1, updated_at = ?2 WHERE id = ?1",
                        params![id.as_str(), millis(now)],
                    )?;
                }
            }
            load_job(transaction, id.as_str())
        })
    }

    fn lease_next(
        &self,
        agent: &AgentId,
        now: DateTime<Utc>,
        policy: &LeasePolicy,
    ) -> StoreResult<Option<Lease>> {
        self.write(|transaction| {
            let registration: String = transaction
                .query_row("SELECT registration FROM agents WHERE id = ?1", [agent.as_str()], |row| row.get(0))
                .optional()?
                .ok_or_else(|| StoreError::NotFound {
                    kind: "agent",
                    id: agent.to_string(),
                })?;
            let registration: Registration = serde_json::from_str(&registration)?;
            transaction.execute(
                "UPDATE agents SET last_seen = ?2 WHERE id = ?1",
                params![agent.as_str(), millis(now)],
            )?;
            let mut statement = transaction.prepare(&format!(
                "SELECT {JOB_COLUMNS} FROM jobs WHERE state = 'queued' AND not_before <= ?1 ORDER BY priority DESC, seq"
            ))?;
            let mut rows = statement.query([millis(now)])?;
            let mut chosen = None;
            let mut room_by_bot = std::collections::HashMap::new();
            while let Some(row) = rows.next()? {
                let (row, state) = job_from_row(row)?;
                let record = row.into_record(&state)?;
                let labels_ok = record.job.required_labels.iter().all(|label| registration.labels.contains(label));
                let capabilities_ok = record
                    .job
                    .required_capabilities
                    .iter()
                    .all(|capability| registration.capabilities.contains(capability));
                if !(labels_ok && capabilities_ok) {
                    continue;
                }
                let has_room = match room_by_bot.get(&record.job.bot.name) {
                    Some(room) => *room,
                    None => {
                        let room = bot_has_room(transaction, &record.job.bot.name)?;
                        room_by_bot.insert(record.job.bot.name.clone(), room);
                        room
                    }
                };
                if has_room {
                    chosen = Some(record);
                    break;
                }
            }
            drop(rows);
            drop(statement);
            let Some(mut record) = chosen else {
                return Ok(None);
            };
            record.job.attempt += 1;
            let lease_id = LeaseId(new_id());
            let expires_at = now + chrono::Duration::from_std(policy.lease_for).unwrap_or_default();
            transaction.execute(
                "INSERT INTO leases (id, job_id, agent_id, attempt, state, leased_at, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, 'active', ?5, ?6)",
                params![
                    lease_id.as_str(),
                    record.job.id.as_str(),
                    agent.as_str(),
                    record.job.attempt,
                    millis(now),
                    millis(expires_at)
                ],
            )?;
            transaction.execute(
                "UPDATE jobs SET state = 'leased', attempt = ?2, updated_at = ?3 WHERE id = ?1",
                params![record.job.id.as_str(), record.job.attempt, millis(now)],
            )?;
            Ok(Some(Lease {
                lease_id,
                job: record.job,
                expires_at,
                heartbeat_every_s: policy.heartbeat_every.as_secs().max(1),
            }))
        })
    }

    fn heartbeat(
        &self,
        heartbeat: &Heartbeat,
        now: DateTime<Utc>,
        policy: &LeasePolicy,
    ) -> StoreResult<HeartbeatAck> {
        self.write(|transaction| {
            let seen = transaction.execute(
                "UPDATE agents SET last_seen = ?2 WHERE id = ?1",
                params![heartbeat.agent_id.as_str(), millis(now)],
            )?;
            if seen == 0 {
                return Err(StoreError::NotFound {
                    kind: "agent",
                    id: heartbeat.agent_id.to_string(),
                });
            }
            let mut ack = HeartbeatAck {
                renewed: Default::default(),
                lost: Vec::new(),
                cancel: Vec::new(),
            };
            let expires_at = now + chrono::Duration::from_std(policy.lease_for).unwrap_or_default();
            for lease in &heartbeat.leases {
                let held = transaction
                    .query_row(
                        "SELECT l.job_id, j.cancel_requested FROM leases l JOIN jobs j ON j.id = l.job_id \
                         WHERE l.id = ?1 AND l.agent_id = ?2 AND l.state = 'active' AND l.expires_at > ?3",
                        params![lease.as_str(), heartbeat.agent_id.as_str(), millis(now)],
                        |row| Ok((row.get::<_, String>(0)?, row.get::<_, bool>(1)?)),
                    )
                    .optional()?;
                match held {
                    None => ack.lost.push(lease.clone()),
                    Some((_, cancel_requested)) => {
                        transaction.execute(
                            "UPDATE leases SET expires_at = ?2 WHERE id = ?1",
                            params![lease.as_str(), millis(expires_at)],
                        )?;
                        ack.renewed.insert(lease.clone(), expires_at);
                        if cancel_requested {
                            ack.cancel.push(lease.clone());
                        }
                    }
                }
            }
            Ok(ack)
        })
    }

    fn append_events(&self, batch: &StepEventBatch, now: DateTime<Utc>) -> StoreResult<()> {
        self.write(|transaction| {
            let (job_id, state, expires_at) =
                lease_row(transaction, &batch.lease_id)?.ok_or_else(|| StoreError::LeaseLost(batch.lease_id.clone()))?;
            if state == "expired" || (state == "active" && expires_at <= millis(now)) {
                return Err(StoreError::LeaseLost(batch.lease_id.clone()));
            }
            for (index, event) in batch.events.iter().enumerate() {
                transaction.execute(
                    "INSERT OR IGNORE INTO step_events (lease_id, seq, idx, job_id, event) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![batch.lease_id.as_str(), batch.seq, index, job_id, serde_json::to_string(event)?],
                )?;
            }
            transaction.execute(
                "UPDATE jobs SET state = 'running', updated_at = ?2 WHERE id = ?1 AND state = 'leased'",
                params![job_id, millis(now)],
            )?;
            Ok(())
        })
    }

    fn finish(
        &self,
        result: &JobResult,
        now: DateTime<Utc>,
        policy: &LeasePolicy,
    ) -> StoreResult<JobRecord> {
        self.write(|transaction| {
            let (job_id, state, expires_at) = lease_row(transaction, &result.lease_id)?
                .ok_or_else(|| StoreError::LeaseLost(result.lease_id.clone()))?;
            match state.as_str() {
                // The same result reported again (the agent retried after a lost response).
                "completed" => return load_job(transaction, &job_id),
                "active" if expires_at > millis(now) => {}
                _ => return Err(StoreError::LeaseLost(result.lease_id.clone())),
            }
            transaction.execute(
                "UPDATE leases SET state = 'completed' WHERE id = ?1",
                [result.lease_id.as_str()],
            )?;
            super::queues::release_for_lease(
                transaction,
                result.lease_id.as_str(),
                "the bot ended without settling the item",
                now,
            )?;
            let job = load_job(transaction, &job_id)?;
            transaction.execute(
                "UPDATE jobs SET outputs = ?2 WHERE id = ?1",
                params![job_id, serde_json::to_string(&result.outputs)?],
            )?;
            match result.outcome {
                JobOutcome::Succeeded => {
                    set_state(transaction, &job.job.id, JobState::Succeeded, now)?
                }
                JobOutcome::Cancelled => {
                    set_state(transaction, &job.job.id, JobState::Cancelled, now)?
                }
                JobOutcome::TimedOut => {
                    set_state(transaction, &job.job.id, JobState::TimedOut, now)?
                }
                JobOutcome::Failed => {
                    let error = result.error.clone().unwrap_or(JobError {
                        kind: ExceptionKind::System,
                        message: "the bot failed without saying why".to_owned(),
                    });
                    retry_or_fail(transaction, &job, &error, now, policy)?;
                }
            }
            load_job(transaction, &job_id)
        })
    }

    fn expire_leases(&self, now: DateTime<Utc>, policy: &LeasePolicy) -> StoreResult<Vec<JobId>> {
        self.write(|transaction| {
            let expired: Vec<(String, String)> = {
                let mut statement = transaction.prepare(
                    "SELECT id, job_id FROM leases WHERE state = 'active' AND expires_at <= ?1",
                )?;
                let rows =
                    statement.query_map([millis(now)], |row| Ok((row.get(0)?, row.get(1)?)))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let mut jobs = Vec::with_capacity(expired.len());
            for (lease, job_id) in expired {
                transaction.execute(
                    "UPDATE leases SET state = 'expired' WHERE id = ?1",
                    [&lease],
                )?;
                super::queues::release_for_lease(
                    transaction,
                    &lease,
                    "the agent stopped heartbeating while it held the item",
                    now,
                )?;
                let job = load_job(transaction, &job_id)?;
                let error = JobError {
                    kind: ExceptionKind::System,
                    message: format!(
                        "lease {lease} expired: the agent stopped heartbeating (attempt {} of {})",
                        job.job.attempt, job.job.max_attempts
                    ),
                };
                if job.cancel_requested {
                    set_state(transaction, &job.job.id, JobState::Cancelled, now)?;
                } else {
                    retry_or_fail(transaction, &job, &error, now, policy)?;
                }
                jobs.push(job.job.id);
            }
            Ok(jobs)
        })
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
