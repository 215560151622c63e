//! Artifacts (files a run produced, kept on disk beside the store) and the retention purge of
//! old runs' step events and artifacts.

use chrono::{DateTime, Utc};
use flowbot_model::{JobId, LeaseId};
use rusqlite::{Connection, Transaction, params};
use serde::{Deserialize, Serialize};

use super::sqlite::from_millis;
use super::{StoreError, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactRecord {
    pub job_id: JobId,
    /// Relative path inside the run's `artifacts/` folder (`run.log` is the run's log).
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

/// What a retention purge removed. The artifact files are the caller's to delete.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purged {
    pub jobs: u64,
    pub events: u64,
    pub log_lines: u64,
    pub artifacts: Vec<(JobId, String)>,
}

/// A relative `/`-separated path that stays inside the job's folder.
pub fn check_artifact_name(name: &str) -> StoreResult<()> {
    let safe = !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('/')
        && !name.contains('\\')
        && name
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..");
    if safe {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "artifact name {name:?} must be a relative path without `..`"
        )))
    }
}

/// The job of a lease still held at `now`.
pub(super) fn lease_job(
    connection: &Connection,
    lease: &LeaseId,
    now: DateTime<Utc>,
) -> StoreResult<JobId> {
    connection
        .query_row(
            "SELECT job_id FROM leases WHERE id = ?1 AND state = 'active' AND expires_at > ?2",
            params![lease.as_str(), now.timestamp_millis()],
            |row| row.get(0),
        )
        .map(JobId)
        .map_err(|error| match error {
            rusqlite::Error::QueryReturnedNoRows => StoreError::LeaseLost(lease.clone()),
            other => other.into(),
        })
}

pub(super) fn add(
    transaction: &Transaction<'_>,
    lease: &LeaseId,
    name: &str,
    bytes: u64,
    sha256: &str,
    now: DateTime<Utc>,
) -> StoreResult<ArtifactRecord> {
    check_artifact_name(name)?;
    let job_id = lease_job(transaction, lease, now)?;
    transaction.execute(
        "INSERT OR REPLACE INTO artifacts (job_id, name, lease_id, bytes, sha256, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![job_id.as_str(), name, lease.as_str(), bytes, sha256, now.timestamp_millis()],
    )?;
    Ok(ArtifactRecord {
        job_id,
        name: name.to_owned(),
        bytes,
        sha256: sha256.to_owned(),
        created_at: now,
    })
}

pub(super) fn list(connection: &Connection, job: &JobId) -> StoreResult<Vec<ArtifactRecord>> {
    let mut statement = connection.prepare(
        "SELECT name, bytes, sha256, created_at FROM artifacts WHERE job_id = ?1 ORDER BY name",
    )?;
    let rows = statement.query_map([job.as_str()], |row| {
        Ok(ArtifactRecord {
            job_id: job.clone(),
            name: row.get(0)?,
            bytes: row.get(1)?,
            sha256: row.get(2)?,
            created_at: from_millis(row.get(3)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Remove the step events, log lines and artifact records of jobs that ended before `before`. The jobs
/// themselves (state, outputs, error) stay, so run counts and outcomes remain queryable.
pub(super) fn purge(transaction: &Transaction<'_>, before: DateTime<Utc>) -> StoreResult<Purged> {
    const OLD_JOBS: &str = "SELECT id FROM jobs WHERE state IN ('succeeded', 'failed', 'cancelled', 'timed_out') \
                            AND updated_at < ?1";
    let cutoff = before.timestamp_millis();
    let artifacts: Vec<(JobId, String)> = {
        let mut statement = transaction.prepare(&format!(
            "SELECT job_id, name FROM artifacts WHERE job_id IN ({OLD_JOBS}) ORDER BY job_id, name"
        ))?;
        let rows = statement.query_map([cutoff], |row| Ok((JobId(row.get(0)?), row.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let jobs: u64 = transaction.query_row(
        &format!(
            "SELECT COUNT(DISTINCT job_id) FROM (SELECT job_id FROM step_events WHERE job_id IN ({OLD_JOBS}) \
             UNION SELECT job_id FROM job_logs WHERE job_id IN ({OLD_JOBS}) \
             UNION SELECT job_id FROM artifacts WHERE job_id IN ({OLD_JOBS}))"
        ),
        [cutoff],
        |row| row.get(0),
    )?;
    let events = transaction.execute(
        &format!("DELETE FROM step_events WHERE job_id IN ({OLD_JOBS})"),
        [cutoff],
    )?;
    let log_lines = transaction.execute(
        &format!("DELETE FROM job_logs WHERE job_id IN ({OLD_JOBS})"),
        [cutoff],
    )?;
    transaction.execute(
        &format!("DELETE FROM artifacts WHERE job_id IN ({OLD_JOBS})"),
        [cutoff],
    )?;
    Ok(Purged {
        jobs,
        events: events as u64,
        log_lines: log_lines as u64,
        artifacts,
    })
}
