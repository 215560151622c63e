//! Jobs and leases in SQLite: the job row codec, queuing, leasing with labels, capabilities
//! and per-bot limits, heartbeats, step events, results, and lease expiry with retries.

use chrono::{DateTime, Utc};
use flowbot_model::wire::{
    BotRef, ExceptionKind, Heartbeat, HeartbeatAck, Job, JobError, JobOutcome, JobResult, Lease,
    Registration, StepEventBatch,
};
use flowbot_model::{AgentId, JobId, LeaseId};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::sqlite::{Cached, from_millis, millis, new_id};
use super::{JobRecord, JobState, LeasePolicy, NewJob, StoreError, StoreResult};

pub(super) const JOB_COLUMNS: &str = "id, bot_name, bot_version, inputs, priority, required_labels, required_caps, timeout_s, \
     attempt, max_attempts, state, not_before, cancel_requested, outputs, error, created_at, updated_at, source";

pub(super) fn job_from_row(row: &Row<'_>) -> rusqlite::Result<(JobRecordRow, String)> {
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
pub(super) struct JobRecordRow {
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
    pub(super) fn into_record(self, state: &str) -> StoreResult<JobRecord> {
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

pub(super) fn load_job(transaction: &Connection, id: &str) -> StoreResult<JobRecord> {
    let row = transaction
        .row(
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
    transaction.run(
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
    transaction.run(
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
        .row(
            "SELECT job_id, state, expires_at FROM leases WHERE id = ?1",
            [lease.as_str()],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?)
}

/// Whether a bot may have one more job leased or running under its concurrency limit.
fn bot_has_room(transaction: &Connection, bot: &str) -> StoreResult<bool> {
    Ok(transaction.row(
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
        transaction.run(
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

pub(super) fn cancel(
    transaction: &Transaction<'_>,
    id: &JobId,
    now: DateTime<Utc>,
) -> StoreResult<JobRecord> {
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
            transaction.run(
                "UPDATE jobs SET cancel_requested = 1, updated_at = ?2 WHERE id = ?1",
                params![id.as_str(), millis(now)],
            )?;
        }
    }
    load_job(transaction, id.as_str())
}

pub(super) fn lease_next(
    transaction: &Transaction<'_>,
    agent: &AgentId,
    now: DateTime<Utc>,
    policy: &LeasePolicy,
) -> StoreResult<Option<Lease>> {
    let registration: String = transaction
        .row(
            "SELECT registration FROM agents WHERE id = ?1",
            [agent.as_str()],
            |row| row.get(0),
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            kind: "agent",
            id: agent.to_string(),
        })?;
    let registration: Registration = serde_json::from_str(&registration)?;
    // Once a second is enough to show an idle agent alive; a write per lease request would
    // dirty the agents table's page in every lease transaction.
    transaction.run(
        "UPDATE agents SET last_seen = ?2 WHERE id = ?1 AND last_seen < ?2 - 1000",
        params![agent.as_str(), millis(now)],
    )?;
    let mut statement = transaction.prepare_cached(&format!(
        "SELECT {JOB_COLUMNS} FROM jobs WHERE state = 'queued' AND not_before <= ?1 ORDER BY priority DESC, seq"
    ))?;
    let mut rows = statement.query([millis(now)])?;
    let mut chosen = None;
    let mut room_by_bot = std::collections::HashMap::new();
    while let Some(row) = rows.next()? {
        let (row, state) = job_from_row(row)?;
        let record = row.into_record(&state)?;
        let labels_ok = record
            .job
            .required_labels
            .iter()
            .all(|label| registration.labels.contains(label));
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
    transaction.run(
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
    transaction.run(
        "UPDATE jobs SET state = 'leased', attempt = ?2, updated_at = ?3 WHERE id = ?1",
        params![record.job.id.as_str(), record.job.attempt, millis(now)],
    )?;
    Ok(Some(Lease {
        lease_id,
        job: record.job,
        expires_at,
        heartbeat_every_s: policy.heartbeat_every.as_secs().max(1),
    }))
}

pub(super) fn heartbeat(
    transaction: &Transaction<'_>,
    heartbeat: &Heartbeat,
    now: DateTime<Utc>,
    policy: &LeasePolicy,
) -> StoreResult<HeartbeatAck> {
    let seen = transaction.run(
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
            .row(
                "SELECT l.job_id, j.cancel_requested FROM leases l JOIN jobs j ON j.id = l.job_id \
                 WHERE l.id = ?1 AND l.agent_id = ?2 AND l.state = 'active' AND l.expires_at > ?3",
                params![lease.as_str(), heartbeat.agent_id.as_str(), millis(now)],
                |row| Ok((row.get::<_, String>(0)?, row.get::<_, bool>(1)?)),
            )
            .optional()?;
        match held {
            None => ack.lost.push(lease.clone()),
            Some((_, cancel_requested)) => {
                transaction.run(
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
}

pub(super) fn append_events(
    transaction: &Transaction<'_>,
    batch: &StepEventBatch,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let (job_id, state, expires_at) = lease_row(transaction, &batch.lease_id)?
        .ok_or_else(|| StoreError::LeaseLost(batch.lease_id.clone()))?;
    if state == "expired" || (state == "active" && expires_at <= millis(now)) {
        return Err(StoreError::LeaseLost(batch.lease_id.clone()));
    }
    let mut insert_event = transaction.prepare_cached(
        "INSERT OR IGNORE INTO step_events (lease_id, seq, idx, job_id, event) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (index, event) in batch.events.iter().enumerate() {
        insert_event.execute(params![
            batch.lease_id.as_str(),
            batch.seq,
            index,
            job_id,
            serde_json::to_string(event)?
        ])?;
    }
    let mut insert_line = transaction.prepare_cached(
        "INSERT OR IGNORE INTO job_logs (lease_id, seq, idx, job_id, time, level, message) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (index, line) in batch.logs.iter().enumerate() {
        insert_line.execute(params![
            batch.lease_id.as_str(),
            batch.seq,
            index,
            job_id,
            millis(line.time),
            line.level.as_str(),
            line.message
        ])?;
    }
    transaction
        .prepare_cached(
            "UPDATE jobs SET state = 'running', updated_at = ?2 WHERE id = ?1 AND state = 'leased'",
        )?
        .execute(params![job_id, millis(now)])?;
    Ok(())
}

pub(super) fn finish(
    transaction: &Transaction<'_>,
    result: &JobResult,
    now: DateTime<Utc>,
    policy: &LeasePolicy,
) -> StoreResult<JobRecord> {
    let (job_id, state, expires_at) = lease_row(transaction, &result.lease_id)?
        .ok_or_else(|| StoreError::LeaseLost(result.lease_id.clone()))?;
    match state.as_str() {
        // The same result reported again (the agent retried after a lost response).
        "completed" => return load_job(transaction, &job_id),
        "active" if expires_at > millis(now) => {}
        _ => return Err(StoreError::LeaseLost(result.lease_id.clone())),
    }
    if let Some(batch) = &result.last_batch {
        if batch.lease_id != result.lease_id {
            return Err(StoreError::Invalid(format!(
                "the result of lease {} carries events of lease {}",
                result.lease_id, batch.lease_id
            )));
        }
        append_events(transaction, batch, now)?;
    }
    transaction.run(
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
    transaction.run(
        "UPDATE jobs SET outputs = ?2 WHERE id = ?1",
        params![job_id, serde_json::to_string(&result.outputs)?],
    )?;
    match result.outcome {
        JobOutcome::Succeeded => set_state(transaction, &job.job.id, JobState::Succeeded, now)?,
        JobOutcome::Cancelled => set_state(transaction, &job.job.id, JobState::Cancelled, now)?,
        JobOutcome::TimedOut => set_state(transaction, &job.job.id, JobState::TimedOut, now)?,
        JobOutcome::Failed => {
            let error = result.error.clone().unwrap_or(JobError {
                kind: ExceptionKind::System,
                message: "the bot failed without saying why".to_owned(),
            });
            retry_or_fail(transaction, &job, &error, now, policy)?;
        }
    }
    load_job(transaction, &job_id)
}

pub(super) fn jobs_come_due(
    connection: &Connection,
    after: DateTime<Utc>,
    until: DateTime<Utc>,
) -> StoreResult<usize> {
    let count: i64 = connection.row(
        "SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND not_before > ?1 AND not_before <= ?2",
        params![millis(after), millis(until)],
        |row| row.get(0),
    )?;
    Ok(usize::try_from(count).unwrap_or(0))
}

pub(super) fn expire_leases(
    transaction: &Transaction<'_>,
    now: DateTime<Utc>,
    policy: &LeasePolicy,
) -> StoreResult<Vec<JobId>> {
    let expired: Vec<(String, String)> = {
        let mut statement = transaction.prepare_cached(
            "SELECT id, job_id FROM leases WHERE state = 'active' AND expires_at <= ?1",
        )?;
        let rows = statement.query_map([millis(now)], |row| Ok((row.get(0)?, row.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut jobs = Vec::with_capacity(expired.len());
    for (lease, job_id) in expired {
        transaction.run(
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
}
