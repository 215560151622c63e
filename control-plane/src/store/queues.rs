//! Work queues in SQLite. An item is held by the lease of the job that took it, so an agent
//! that dies hands its items back when its lease expires, and a late agent cannot settle them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use flowbot_model::wire::{ItemOutcome, NewQueueItem, QueueItem};
use flowbot_model::{JobId, LeaseId};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::intake::{
    AddedItem, ItemFilter, ItemState, NewQueue, QueueItemRecord, QueueSummary, WorkedBy,
};
use super::sqlite::{Cached, from_millis, new_id};
use super::{StoreError, StoreResult};

/// Queue and trigger names appear in URLs and CLI arguments.
pub(super) fn check_name(kind: &str, name: &str) -> StoreResult<()> {
    let valid = !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "{kind} name {name:?} must be 1-100 characters of letters, digits, '-', '_' or '.'"
        )))
    }
}

pub(super) fn create(
    transaction: &Transaction<'_>,
    spec: NewQueue,
    now: DateTime<Utc>,
) -> StoreResult<QueueSummary> {
    check_name("queue", &spec.name)?;
    let inserted = transaction.run(
        "INSERT OR IGNORE INTO queues (name, description, max_retries, retry_backoff_s, sla_s, worked_by, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![spec.name, spec.description, spec.max_retries, spec.retry_backoff_s, spec.sla_s, spec.worked_by.as_str(), now.timestamp_millis()],
    )?;
    let existing = summary(transaction, &spec.name, now)?;
    // Creating the same queue again is a harmless retry; a different one under its name is not.
    if inserted == 0 && existing.spec != spec {
        return Err(StoreError::Invalid(format!(
            "queue {:?} already exists with other settings",
            spec.name
        )));
    }
    Ok(existing)
}

pub(super) fn summaries(
    connection: &Connection,
    now: DateTime<Utc>,
) -> StoreResult<Vec<QueueSummary>> {
    let names: Vec<String> = {
        let mut statement = connection.prepare_cached("SELECT name FROM queues ORDER BY name")?;
        let rows = statement.query_map([], |row| row.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    names
        .iter()
        .map(|name| summary(connection, name, now))
        .collect()
}

pub(super) fn summary(
    connection: &Connection,
    name: &str,
    now: DateTime<Utc>,
) -> StoreResult<QueueSummary> {
    let (spec, created_at) = load_queue(connection, name)?;
    let mut counts: BTreeMap<String, u64> = ItemState::ALL
        .iter()
        .map(|state| (state.as_str().to_owned(), 0))
        .collect();
    let mut statement = connection.prepare_cached(
        "SELECT state, COUNT(*) FROM queue_items WHERE queue = ?1 GROUP BY state",
    )?;
    let rows = statement.query_map([name], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, u64>(1)?))
    })?;
    for row in rows {
        let (state, count) = row?;
        counts.insert(state, count);
    }
    let (oldest, past_deadline): (Option<i64>, u64) = connection.row(
        "SELECT MIN(CASE WHEN state = 'new' THEN created_at END), \
                COUNT(CASE WHEN deadline < ?2 THEN 1 END) \
         FROM queue_items WHERE queue = ?1 AND state IN ('new', 'in_progress')",
        params![name, now.timestamp_millis()],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    Ok(QueueSummary {
        spec,
        created_at,
        counts,
        oldest_waiting_since: oldest.map(from_millis),
        past_deadline,
    })
}

pub(super) fn load_queue(
    connection: &Connection,
    name: &str,
) -> StoreResult<(NewQueue, DateTime<Utc>)> {
    let (mut spec, worked_by, created_at) = connection
        .row(
            "SELECT description, max_retries, retry_backoff_s, sla_s, worked_by, created_at FROM queues WHERE name = ?1",
            [name],
            |row| {
                Ok((
                    NewQueue {
                        name: name.to_owned(),
                        description: row.get(0)?,
                        max_retries: row.get(1)?,
                        retry_backoff_s: row.get(2)?,
                        sla_s: row.get(3)?,
                        worked_by: WorkedBy::Bots,
                    },
                    row.get::<_, String>(4)?,
                    from_millis(row.get(5)?),
                ))
            },
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            kind: "queue",
            id: name.to_owned(),
        })?;
    spec.worked_by = WorkedBy::parse(&worked_by)
        .ok_or_else(|| StoreError::Invalid(format!("stored queue worker {worked_by:?}")))?;
    Ok((spec, created_at))
}

/// Bots never take (or start jobs for) the items of a queue people work.
pub(super) fn refuse_people_queue(spec: &NewQueue) -> StoreResult<()> {
    if spec.worked_by == WorkedBy::People {
        return Err(StoreError::Invalid(format!(
            "queue {:?} is worked by people: its items wait for a person's decision \
             (`flowbot validate --server`), bots cannot take them",
            spec.name
        )));
    }
    Ok(())
}

/// Add an item; a reference already in the queue returns the existing item instead.
pub(super) fn add(
    transaction: &Transaction<'_>,
    queue: &str,
    item: NewQueueItem,
    now: DateTime<Utc>,
) -> StoreResult<AddedItem> {
    let (spec, _) = load_queue(transaction, queue)?;
    if let Some(reference) = &item.reference {
        if reference.trim().is_empty() {
            return Err(StoreError::Invalid("item reference is empty".to_owned()));
        }
        let existing: Option<String> = transaction
            .row(
                "SELECT id FROM queue_items WHERE queue = ?1 AND reference = ?2",
                params![queue, reference],
                |row| row.get(0),
            )
            .optional()?;
        if let Some(id) = existing {
            return Ok(AddedItem {
                item: load_item(transaction, &id)?,
                duplicate: true,
                jobs: Vec::new(),
            });
        }
    }
    let sla_deadline = spec.sla_s.map(|seconds| {
        now + chrono::Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX / 1000))
    });
    let deadline = item.deadline.or(sla_deadline);
    let not_before = item.defer_until.unwrap_or(now).max(now);
    let id = new_id();
    transaction.run(
        "INSERT INTO queue_items (id, seq, queue, reference, payload, priority, deadline, not_before, state, attempt, \
         created_at, updated_at) \
         VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM queue_items), ?2, ?3, ?4, ?5, ?6, ?7, 'new', 0, ?8, ?8)",
        params![
            id,
            queue,
            item.reference,
            serde_json::to_string(&item.payload)?,
            item.priority,
            deadline.map(|time| time.timestamp_millis()),
            not_before.timestamp_millis(),
            now.timestamp_millis()
        ],
    )?;
    let jobs = super::triggers::fire_queue_triggers(transaction, Some(queue), now)?;
    Ok(AddedItem {
        item: load_item(transaction, &id)?,
        duplicate: false,
        jobs,
    })
}

const ITEM_COLUMNS: &str = "id, queue, reference, payload, priority, deadline, not_before, state, attempt, job_id, \
     output, error, created_at, started_at, finished_at, updated_at";

fn item_from_row(
    row: &Row<'_>,
) -> rusqlite::Result<(QueueItemRecord, String, String, Option<String>)> {
    let payload: String = row.get(3)?;
    let state: String = row.get(7)?;
    let output: Option<String> = row.get(10)?;
    Ok((
        QueueItemRecord {
            id: row.get(0)?,
            queue: row.get(1)?,
            reference: row.get(2)?,
            payload: serde_json::Value::Null,
            priority: row.get(4)?,
            deadline: row.get::<_, Option<i64>>(5)?.map(from_millis),
            not_before: from_millis(row.get(6)?),
            state: ItemState::New,
            attempt: row.get(8)?,
            job_id: row.get::<_, Option<String>>(9)?.map(JobId),
            output: None,
            error: row.get(11)?,
            created_at: from_millis(row.get(12)?),
            started_at: row.get::<_, Option<i64>>(13)?.map(from_millis),
            finished_at: row.get::<_, Option<i64>>(14)?.map(from_millis),
            updated_at: from_millis(row.get(15)?),
        },
        payload,
        state,
        output,
    ))
}

/// Parse the JSON and state columns that `item_from_row` leaves as text.
fn finish_item(
    parts: (QueueItemRecord, String, String, Option<String>),
) -> StoreResult<QueueItemRecord> {
    let (mut item, payload, state, output) = parts;
    item.payload = serde_json::from_str(&payload)?;
    item.state = ItemState::parse(&state)
        .ok_or_else(|| StoreError::Invalid(format!("stored item state {state:?}")))?;
    item.output = output.as_deref().map(serde_json::from_str).transpose()?;
    Ok(item)
}

pub(super) fn load_item(connection: &Connection, id: &str) -> StoreResult<QueueItemRecord> {
    let parts = connection
        .row(
            &format!("SELECT {ITEM_COLUMNS} FROM queue_items WHERE id = ?1"),
            [id],
            item_from_row,
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            kind: "queue item",
            id: id.to_owned(),
        })?;
    finish_item(parts)
}

pub(super) fn list(
    connection: &Connection,
    queue: &str,
    filter: &ItemFilter,
) -> StoreResult<Vec<QueueItemRecord>> {
    load_queue(connection, queue)?;
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {ITEM_COLUMNS} FROM queue_items WHERE queue = ?1 AND (?2 IS NULL OR state = ?2) ORDER BY seq LIMIT ?3"
    ))?;
    let rows = statement.query_map(
        params![
            queue,
            filter.state.map(ItemState::as_str),
            filter.limit.unwrap_or(1000)
        ],
        item_from_row,
    )?;
    rows.map(|row| finish_item(row?)).collect()
}

/// The item of `queue` with `reference`, if there is one (the queue must exist).
pub(super) fn find(
    connection: &Connection,
    queue: &str,
    reference: &str,
) -> StoreResult<Option<QueueItemRecord>> {
    load_queue(connection, queue)?;
    let id: Option<String> = connection
        .row(
            "SELECT id FROM queue_items WHERE queue = ?1 AND reference = ?2",
            params![queue, reference],
            |row| row.get(0),
        )
        .optional()?;
    id.map(|id| load_item(connection, &id)).transpose()
}

/// The job a lease belongs to, if the lease is still held at `now`.
fn held_lease_job(
    transaction: &Connection,
    lease: &LeaseId,
    now: DateTime<Utc>,
) -> StoreResult<String> {
    transaction
        .row(
            "SELECT job_id FROM leases WHERE id = ?1 AND state = 'active' AND expires_at > ?2",
            params![lease.as_str(), now.timestamp_millis()],
            |row| row.get(0),
        )
        .optional()?
        .ok_or_else(|| StoreError::LeaseLost(lease.clone()))
}

/// Refuse work from a lease that is no longer held.
pub(super) fn check_lease(
    transaction: &Connection,
    lease: &LeaseId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    held_lease_job(transaction, lease, now).map(drop)
}

/// Hand the most urgent ready item (priority, then deadline, then arrival) to a lease.
pub(super) fn take(
    transaction: &Transaction<'_>,
    lease: &LeaseId,
    queue: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<QueueItem>> {
    let job_id = held_lease_job(transaction, lease, now)?;
    let (spec, _) = load_queue(transaction, queue)?;
    refuse_people_queue(&spec)?;
    let id: Option<String> = transaction
        .row(
            "SELECT id FROM queue_items WHERE queue = ?1 AND state = 'new' AND not_before <= ?2 \
             ORDER BY priority DESC, deadline IS NULL, deadline, seq LIMIT 1",
            params![queue, now.timestamp_millis()],
            |row| row.get(0),
        )
        .optional()?;
    let Some(id) = id else {
        return Ok(None);
    };
    transaction.run(
        "UPDATE queue_items SET state = 'in_progress', attempt = attempt + 1, lease_id = ?2, job_id = ?3, \
         started_at = ?4, updated_at = ?4 WHERE id = ?1",
        params![id, lease.as_str(), job_id, now.timestamp_millis()],
    )?;
    let item = load_item(transaction, &id)?;
    Ok(Some(QueueItem {
        id: item.id,
        queue: item.queue,
        reference: item.reference,
        payload: item.payload,
        priority: item.priority,
        deadline: item.deadline,
        attempt: item.attempt,
    }))
}

/// Settle an item the lease holds. Settling it again the same way is a harmless retry.
pub(super) fn settle(
    transaction: &Transaction<'_>,
    lease: &LeaseId,
    item_id: &str,
    outcome: &ItemOutcome,
    now: DateTime<Utc>,
) -> StoreResult<QueueItemRecord> {
    let item = load_item(transaction, item_id)?;
    let holder: Option<String> = transaction.row(
        "SELECT lease_id FROM queue_items WHERE id = ?1",
        [item_id],
        |row| row.get(0),
    )?;
    if holder.as_deref() != Some(lease.as_str()) {
        return Err(StoreError::LeaseLost(lease.clone()));
    }
    if item.state != ItemState::InProgress {
        if item.state == settled_state(outcome) {
            return Ok(item);
        }
        // The item went back to its queue because this lease ended.
        check_lease(transaction, lease, now)?;
        return Err(StoreError::Invalid(format!(
            "item {item_id} is already {}",
            item.state.as_str()
        )));
    }
    check_lease(transaction, lease, now)?;
    match outcome {
        ItemOutcome::Done { output } => finalize(
            transaction,
            item_id,
            ItemState::Done,
            Some(output),
            None,
            now,
        )?,
        ItemOutcome::BusinessException { reason } => {
            finalize(
                transaction,
                item_id,
                ItemState::BusinessException,
                None,
                Some(reason),
                now,
            )?;
        }
        ItemOutcome::SystemException { reason } => retry_or_fail(transaction, &item, reason, now)?,
    }
    load_item(transaction, item_id)
}

fn settled_state(outcome: &ItemOutcome) -> ItemState {
    match outcome {
        ItemOutcome::Done { .. } => ItemState::Done,
        ItemOutcome::BusinessException { .. } => ItemState::BusinessException,
        // A retried system exception leaves the item `new` (or `failed` at the limit); the
        // lease no longer holds it either way, so a repeat finds it not in progress.
        ItemOutcome::SystemException { .. } => ItemState::New,
    }
}

pub(super) fn finalize(
    transaction: &Transaction<'_>,
    item_id: &str,
    state: ItemState,
    output: Option<&serde_json::Value>,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    transaction.run(
        "UPDATE queue_items SET state = ?2, output = ?3, error = ?4, finished_at = ?5, updated_at = ?5 WHERE id = ?1",
        params![
            item_id,
            state.as_str(),
            output.map(serde_json::to_string).transpose()?,
            error,
            now.timestamp_millis()
        ],
    )?;
    Ok(())
}

/// A system exception: back to the queue after a backoff, or failed once retries run out.
fn retry_or_fail(
    transaction: &Transaction<'_>,
    item: &QueueItemRecord,
    reason: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let (spec, _) = load_queue(transaction, &item.queue)?;
    if item.attempt > spec.max_retries {
        return finalize(
            transaction,
            &item.id,
            ItemState::Failed,
            None,
            Some(reason),
            now,
        );
    }
    let factor = 1u64 << item.attempt.saturating_sub(1).min(16);
    let backoff_ms = spec
        .retry_backoff_s
        .saturating_mul(factor)
        .saturating_mul(1000);
    let not_before = now
        .timestamp_millis()
        .saturating_add(i64::try_from(backoff_ms).unwrap_or(i64::MAX));
    transaction.run(
        "UPDATE queue_items SET state = 'new', not_before = ?2, error = ?3, updated_at = ?4 WHERE id = ?1",
        params![item.id, not_before, reason, now.timestamp_millis()],
    )?;
    Ok(())
}

/// Items still held by a lease that ended (the bot finished without settling them, or its
/// agent stopped heartbeating) count as system exceptions: they return to the queue.
pub(super) fn release_for_lease(
    transaction: &Transaction<'_>,
    lease: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> StoreResult<usize> {
    let held: Vec<String> = {
        let mut statement = transaction.prepare_cached(
            "SELECT id FROM queue_items WHERE lease_id = ?1 AND state = 'in_progress'",
        )?;
        let rows = statement.query_map([lease], |row| row.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for id in &held {
        let item = load_item(transaction, id)?;
        retry_or_fail(transaction, &item, reason, now)?;
    }
    Ok(held.len())
}
