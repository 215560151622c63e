//! Triggers in SQLite. Every firing is keyed (a webhook's delivery id, a file's name, size and
//! modification time) and recorded in the same transaction as the job it queues, so a retried
//! delivery or a file seen again after a restart starts nothing new, and nothing is skipped.

use chrono::{DateTime, Utc};
use flowbot_model::JobId;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::intake::{CreatedTrigger, Firing, NewTrigger, TriggerOn, TriggerRecord};
use super::jobs::insert_job;
use super::queues::check_name;
use super::sqlite::{from_millis, new_id};
use super::{NewJob, StoreError, StoreResult};
use crate::secret::{constant_time_eq, sha256_hex};

pub(super) fn create(
    transaction: &Transaction<'_>,
    spec: NewTrigger,
    now: DateTime<Utc>,
) -> StoreResult<CreatedTrigger> {
    check_name("trigger", &spec.name)?;
    super::bots::resolve(transaction, &spec.job.bot.name, spec.job.bot.version)?;
    let mut secret = None;
    match &spec.on {
        TriggerOn::File { dir, pattern, .. } => {
            if !dir.is_absolute() || !dir.is_dir() {
                return Err(StoreError::Invalid(format!(
                    "file trigger folder {} must be an existing absolute folder on the control plane's host",
                    dir.display()
                )));
            }
            glob::Pattern::new(pattern).map_err(|error| {
                StoreError::Invalid(format!("file trigger pattern {pattern:?}: {error}"))
            })?;
        }
        TriggerOn::Webhook => secret = Some(new_secret()?),
        TriggerOn::Queue { queue, max_jobs } => {
            let (spec, _) = super::queues::load_queue(transaction, queue)?;
            super::queues::refuse_people_queue(&spec)?;
            if *max_jobs == 0 {
                return Err(StoreError::Invalid(
                    "queue trigger max_jobs must be at least 1".to_owned(),
                ));
            }
        }
    }
    let taken: bool = transaction.query_row(
        "SELECT EXISTS (SELECT 1 FROM triggers WHERE name = ?1)",
        [&spec.name],
        |row| row.get(0),
    )?;
    if taken {
        return Err(StoreError::Invalid(format!(
            "a trigger named {:?} already exists",
            spec.name
        )));
    }
    let id = new_id();
    transaction.execute(
        "INSERT INTO triggers (id, name, spec, secret_hash, enabled, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id,
            spec.name,
            serde_json::to_string(&spec)?,
            secret.as_deref().map(sha256_hex),
            spec.enabled,
            now.timestamp_millis()
        ],
    )?;
    let trigger = load(transaction, &id)?;
    let jobs = fire_queue_triggers(transaction, None, now)?;
    tracing::debug!(trigger = %trigger.spec.name, started = jobs.len(), "trigger created");
    Ok(CreatedTrigger { trigger, secret })
}

/// 32 random bytes as hex, from the operating system's generator.
fn new_secret() -> StoreResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|error| StoreError::Invalid(format!("no randomness for a secret: {error}")))?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

const TRIGGER_SELECT: &str = "SELECT t.id, t.spec, t.created_at, \
     (SELECT COUNT(*) FROM trigger_fires f WHERE f.trigger_id = t.id), \
     (SELECT MAX(fired_at) FROM trigger_fires f WHERE f.trigger_id = t.id) FROM triggers t";

fn record_from_row(
    row: &rusqlite::Row<'_>,
) -> rusqlite::Result<(String, String, i64, u64, Option<i64>)> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

fn into_record(parts: (String, String, i64, u64, Option<i64>)) -> StoreResult<TriggerRecord> {
    let (id, spec, created_at, fired, last) = parts;
    Ok(TriggerRecord {
        id,
        spec: serde_json::from_str(&spec)?,
        created_at: from_millis(created_at),
        fired,
        last_fired_at: last.map(from_millis),
    })
}

/// A trigger by id or name.
pub(super) fn load(connection: &Connection, id_or_name: &str) -> StoreResult<TriggerRecord> {
    let parts = connection
        .query_row(
            &format!("{TRIGGER_SELECT} WHERE t.id = ?1 OR t.name = ?1"),
            [id_or_name],
            record_from_row,
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            kind: "trigger",
            id: id_or_name.to_owned(),
        })?;
    into_record(parts)
}

pub(super) fn list(connection: &Connection) -> StoreResult<Vec<TriggerRecord>> {
    let mut statement = connection.prepare(&format!("{TRIGGER_SELECT} ORDER BY t.name"))?;
    let rows = statement.query_map([], record_from_row)?;
    rows.map(|row| into_record(row?)).collect()
}

pub(super) fn delete(transaction: &Transaction<'_>, id_or_name: &str) -> StoreResult<()> {
    let trigger = load(transaction, id_or_name)?;
    transaction.execute("DELETE FROM triggers WHERE id = ?1", [&trigger.id])?;
    Ok(())
}

/// Queue the trigger's job once per `key`; a key seen before returns the job it started.
fn fire(
    transaction: &Transaction<'_>,
    trigger: &TriggerRecord,
    key: &str,
    inputs: serde_json::Map<String, serde_json::Value>,
    now: DateTime<Utc>,
) -> StoreResult<Firing> {
    let earlier: Option<String> = transaction
        .query_row(
            "SELECT job_id FROM trigger_fires WHERE trigger_id = ?1 AND key = ?2",
            params![trigger.id, key],
            |row| row.get(0),
        )
        .optional()?;
    if let Some(job_id) = earlier {
        return Ok(Firing {
            trigger: trigger.spec.name.clone(),
            job_id: JobId(job_id),
            duplicate: true,
        });
    }
    let job = job_with_inputs(&trigger.spec.job, inputs);
    let record = insert_job(
        transaction,
        job,
        now,
        Some(&format!("trigger:{}", trigger.id)),
    )?;
    transaction.execute(
        "INSERT INTO trigger_fires (trigger_id, key, job_id, fired_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            trigger.id,
            key,
            record.job.id.as_str(),
            now.timestamp_millis()
        ],
    )?;
    Ok(Firing {
        trigger: trigger.spec.name.clone(),
        job_id: record.job.id,
        duplicate: false,
    })
}

fn job_with_inputs(
    template: &NewJob,
    inputs: serde_json::Map<String, serde_json::Value>,
) -> NewJob {
    let mut job = template.clone();
    job.inputs.extend(inputs);
    job
}

/// A webhook call: the secret must match; `delivery` (the caller's idempotency key) makes a
/// retried call return the first call's job.
pub(super) fn fire_webhook(
    transaction: &Transaction<'_>,
    name: &str,
    secret: &str,
    delivery: Option<&str>,
    payload: serde_json::Value,
    now: DateTime<Utc>,
) -> StoreResult<Firing> {
    let trigger = load(transaction, name)?;
    let stored: Option<String> = transaction.query_row(
        "SELECT secret_hash FROM triggers WHERE id = ?1",
        [&trigger.id],
        |row| row.get(0),
    )?;
    let Some(stored) = stored.filter(|_| trigger.spec.on == TriggerOn::Webhook) else {
        return Err(StoreError::Invalid(format!(
            "trigger {name:?} is not a webhook trigger"
        )));
    };
    if !constant_time_eq(&sha256_hex(secret), &stored) {
        return Err(StoreError::Forbidden(format!(
            "wrong or missing secret for webhook {name:?} (send it in X-Flowbot-Secret)"
        )));
    }
    if !trigger.spec.enabled {
        return Err(StoreError::Invalid(format!("trigger {name:?} is disabled")));
    }
    let key = match delivery {
        Some(delivery) => format!("delivery:{delivery}"),
        None => format!("call:{}", new_id()),
    };
    let mut inputs = serde_json::Map::new();
    inputs.insert("payload".to_owned(), payload);
    fire(transaction, &trigger, &key, inputs, now)
}

/// A file that landed and settled. `None` when this file (same name, size and modification
/// time) already started a job.
pub(super) fn fire_file(
    transaction: &Transaction<'_>,
    trigger_id: &str,
    file: &LandedFile,
    now: DateTime<Utc>,
) -> StoreResult<Option<Firing>> {
    let trigger = load(transaction, trigger_id)?;
    if !trigger.spec.enabled {
        return Ok(None);
    }
    let key = format!("file:{}:{}:{}", file.name, file.size, file.modified_ms);
    let mut inputs = serde_json::Map::new();
    inputs.insert("path".to_owned(), file.path.display().to_string().into());
    inputs.insert("file_name".to_owned(), file.name.clone().into());
    inputs.insert("size".to_owned(), file.size.into());
    let firing = fire(transaction, &trigger, &key, inputs, now)?;
    Ok((!firing.duplicate).then_some(firing))
}

/// A file a file trigger found, identified by what changes when it is replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LandedFile {
    pub path: std::path::PathBuf,
    pub name: String,
    pub size: u64,
    pub modified_ms: i64,
}

/// For every enabled queue trigger (of `queue`, or all): keep as many jobs queued or running as
/// there are ready items, up to `max_jobs`.
pub(super) fn fire_queue_triggers(
    transaction: &Transaction<'_>,
    queue: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<Vec<JobId>> {
    let mut started = Vec::new();
    for trigger in list(transaction)? {
        let TriggerOn::Queue {
            queue: watched,
            max_jobs,
        } = &trigger.spec.on
        else {
            continue;
        };
        if !trigger.spec.enabled || queue.is_some_and(|queue| queue != watched) {
            continue;
        }
        let (ready, active): (u64, u64) = transaction.query_row(
            "SELECT (SELECT COUNT(*) FROM queue_items WHERE queue = ?1 AND state = 'new' AND not_before <= ?2), \
                    (SELECT COUNT(*) FROM jobs WHERE source = ?3 AND state IN ('queued', 'leased', 'running'))",
            params![watched, now.timestamp_millis(), format!("trigger:{}", trigger.id)],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        let wanted = ready.min(u64::from(*max_jobs));
        for _ in active..wanted {
            let mut inputs = serde_json::Map::new();
            inputs.insert("queue".to_owned(), watched.clone().into());
            let key = format!("queue:{}", new_id());
            started.push(fire(transaction, &trigger, &key, inputs, now)?.job_id);
        }
    }
    Ok(started)
}
