//! Schedules in SQLite: create, list, delete, and queue the runs that are due.

use chrono::{DateTime, Utc};
use flowbot_model::JobId;
use rusqlite::{Connection, Transaction, params};

use super::jobs::insert_job;
use super::sqlite::{from_millis, new_id};
use super::{MissedPolicy, NewJob, NewSchedule, ScheduleRecord, StoreError, StoreResult};
use crate::schedule::{CompiledSchedule, MAX_CATCH_UP};

fn compile(spec: &NewSchedule) -> StoreResult<CompiledSchedule> {
    CompiledSchedule::parse(&spec.cron, &spec.timezone).map_err(StoreError::Invalid)
}

pub(super) fn create(
    transaction: &Transaction<'_>,
    spec: NewSchedule,
    now: DateTime<Utc>,
) -> StoreResult<ScheduleRecord> {
    let compiled = compile(&spec)?;
    // The bot must exist now; a schedule for a bot nobody pushed would fail at every run.
    super::bots::resolve(transaction, &spec.bot.name, spec.bot.version)?;
    let next = compiled.next_after(now, &spec.skip_dates);
    let id = new_id();
    transaction.execute(
        "INSERT INTO schedules (id, spec, next_run_at, last_run_at, created_at) VALUES (?1, ?2, ?3, NULL, ?4)",
        params![id, serde_json::to_string(&spec)?, next.map(|time| time.timestamp_millis()), now.timestamp_millis()],
    )?;
    Ok(ScheduleRecord {
        id,
        spec,
        next_run_at: next,
        last_run_at: None,
        created_at: now,
    })
}

pub(super) fn list(connection: &Connection) -> StoreResult<Vec<ScheduleRecord>> {
    let mut statement =
        connection.prepare("SELECT id, spec, next_run_at, last_run_at, created_at FROM schedules ORDER BY created_at, id")?;
    let rows = statement.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, Option<i64>>(2)?,
            row.get::<_, Option<i64>>(3)?,
            row.get::<_, i64>(4)?,
        ))
    })?;
    rows.map(|row| {
        let (id, spec, next, last, created) = row?;
        Ok(ScheduleRecord {
            id,
            spec: serde_json::from_str(&spec)?,
            next_run_at: next.map(from_millis),
            last_run_at: last.map(from_millis),
            created_at: from_millis(created),
        })
    })
    .collect()
}

pub(super) fn delete(connection: &Connection, id: &str) -> StoreResult<()> {
    if connection.execute("DELETE FROM schedules WHERE id = ?1", [id])? == 0 {
        return Err(StoreError::NotFound {
            kind: "schedule",
            id: id.to_owned(),
        });
    }
    Ok(())
}

/// Queue the runs of every schedule due at `now`, applying each one's missed-run policy to
/// fire times that passed while the control plane was down (older than `grace`).
pub(super) fn run_due(
    transaction: &Transaction<'_>,
    now: DateTime<Utc>,
    grace: chrono::Duration,
) -> StoreResult<Vec<JobId>> {
    let due: Vec<ScheduleRecord> = list(transaction)?
        .into_iter()
        .filter(|schedule| {
            schedule.spec.enabled && schedule.next_run_at.is_some_and(|next| next <= now)
        })
        .collect();
    let mut queued = Vec::new();
    for schedule in due {
        let compiled = compile(&schedule.spec)?;
        let from = schedule.next_run_at.unwrap_or(now);
        let times = compiled.fire_times(from, now, &schedule.spec.skip_dates, MAX_CATCH_UP);
        let missed = times.iter().filter(|time| now - **time > grace).count();
        // The fire times that get a run; each job records its own in `source`.
        let runs: Vec<DateTime<Utc>> = match schedule.spec.missed {
            MissedPolicy::RunAll => times.clone(),
            MissedPolicy::RunOnce => times.last().copied().into_iter().collect(),
            MissedPolicy::Skip => times[missed..].last().copied().into_iter().collect(),
        };
        for fire_time in runs {
            let job = NewJob {
                bot: schedule.spec.bot.clone(),
                inputs: schedule.spec.inputs.clone(),
                priority: schedule.spec.priority,
                required_labels: schedule.spec.required_labels.clone(),
                required_capabilities: Vec::new(),
                timeout_s: schedule.spec.timeout_s,
                max_attempts: schedule.spec.max_attempts,
            };
            let source = format!(
                "schedule:{}@{}",
                schedule.id,
                fire_time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            );
            match insert_job(transaction, job, now, Some(&source)) {
                Ok(record) => queued.push(record.job.id),
                // The bot was deleted or unpublished since: skip the run, keep the schedule.
                Err(error @ (StoreError::NotFound { .. } | StoreError::Invalid(_))) => {
                    tracing::warn!(schedule = %schedule.id, %error, "scheduled run not queued");
                }
                Err(error) => return Err(error),
            }
        }
        let next = compiled.next_after(now, &schedule.spec.skip_dates);
        transaction.execute(
            "UPDATE schedules SET next_run_at = ?2, last_run_at = ?3 WHERE id = ?1",
            params![
                schedule.id,
                next.map(|time| time.timestamp_millis()),
                now.timestamp_millis()
            ],
        )?;
    }
    Ok(queued)
}
