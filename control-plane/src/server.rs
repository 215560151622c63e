//! Serving the API on a bound listener until shutdown, with the lease sweeper beside it.

use std::future::Future;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::api::{AppState, router};

/// How often expired leases and due schedules are looked for.
const SWEEP_EVERY: Duration = Duration::from_millis(500);

/// How often old runs' events and artifacts are purged when a retention period is set.
const PURGE_EVERY: Duration = Duration::from_secs(60);

/// Serve until `shutdown` resolves; in-flight requests finish first. The listener is bound by
/// the caller, so tests can use port 0.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let sweeper = tokio::spawn(sweep(state.clone()));
    let file_watcher = tokio::spawn(crate::file_triggers::watch(state.clone()));
    let served = axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await;
    sweeper.abort();
    file_watcher.abort();
    served
}

/// Queue due scheduled runs, start queue-trigger jobs for items that became ready, and requeue
/// (or fail, by policy) the jobs of agents that stopped heartbeating (their queue items go back
/// to their queues in the same transaction).
async fn sweep(state: AppState) {
    let mut ticker = tokio::time::interval(SWEEP_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_purge: Option<tokio::time::Instant> = None;
    let mut last_sweep = chrono::Utc::now();
    loop {
        ticker.tick().await;
        let now = chrono::Utc::now();
        // A retry waits out its backoff in the queue; nothing else wakes a poll when it ends.
        let since = std::mem::replace(&mut last_sweep, now);
        match state
            .with_store(move |store| store.jobs_come_due(since, now))
            .await
        {
            Ok(count) => state.work.jobs_ready(count),
            Err(error) => tracing::error!(?error, "due-job check failed"),
        }
        if let Some(retain) = state.retain
            && last_purge.is_none_or(|at| at.elapsed() >= PURGE_EVERY)
        {
            last_purge = Some(tokio::time::Instant::now());
            purge(&state, retain).await;
        }
        let grace = state.schedule_grace;
        let due = state.with_store(move |store| store.run_due_schedules(chrono::Utc::now(), grace));
        match due.await {
            Ok(jobs) if !jobs.is_empty() => {
                tracing::info!(count = jobs.len(), "scheduled jobs queued");
                state.work.jobs_ready(jobs.len());
            }
            Ok(_) => {}
            Err(error) => tracing::error!(?error, "schedule run failed"),
        }
        match state
            .with_store(|store| store.run_queue_triggers(chrono::Utc::now()))
            .await
        {
            Ok(jobs) if !jobs.is_empty() => {
                tracing::info!(count = jobs.len(), "queue triggers started jobs");
                state.work.jobs_ready(jobs.len());
            }
            Ok(_) => {}
            Err(error) => tracing::error!(?error, "queue trigger run failed"),
        }
        let policy = state.policy;
        match state
            .with_store(move |store| store.expire_leases(chrono::Utc::now(), &policy))
            .await
        {
            Ok(jobs) if !jobs.is_empty() => {
                tracing::warn!(
                    count = jobs.len(),
                    "leases expired; jobs requeued or failed by policy"
                );
                state.work.jobs_ready(jobs.len());
            }
            Ok(_) => {}
            Err(error) => tracing::error!(?error, "lease sweep failed"),
        }
    }
}

/// Retention: drop the step events and artifacts of jobs that ended more than `retain` ago.
async fn purge(state: &AppState, retain: Duration) {
    let before = chrono::Utc::now() - chrono::Duration::from_std(retain).unwrap_or_default();
    let purged = match state
        .with_store(move |store| store.purge_history(before))
        .await
    {
        Ok(purged) => purged,
        Err(error) => {
            tracing::error!(?error, "retention purge failed");
            return;
        }
    };
    if let Some(dir) = &state.artifact_dir {
        for (job, name) in &purged.artifacts {
            let path = dir.join(job.as_str()).join(name);
            if let Err(error) = std::fs::remove_file(&path) {
                tracing::warn!(path = %path.display(), %error, "cannot remove a purged artifact");
            }
            // Empty job folders go too; a folder still holding files stays.
            std::fs::remove_dir(dir.join(job.as_str())).ok();
        }
    }
    if purged.jobs > 0 {
        tracing::info!(
            jobs = purged.jobs,
            events = purged.events,
            log_lines = purged.log_lines,
            artifacts = purged.artifacts.len(),
            "retention purged old runs"
        );
    }
}
