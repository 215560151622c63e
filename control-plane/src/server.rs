//! Serving the API on a bound listener until shutdown, with the lease sweeper beside it.

use std::future::Future;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::api::{AppState, router};

/// How often expired leases and due schedules are looked for.
const SWEEP_EVERY: Duration = Duration::from_millis(500);

/// A fire time older than this when its schedule is looked at counts as missed (downtime).
const SCHEDULE_GRACE: Duration = Duration::from_secs(60);

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
    loop {
        ticker.tick().await;
        let due =
            state.with_store(|store| store.run_due_schedules(chrono::Utc::now(), SCHEDULE_GRACE));
        match due.await {
            Ok(jobs) if !jobs.is_empty() => {
                tracing::info!(count = jobs.len(), "scheduled jobs queued");
                state.work_available.notify_waiters();
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
                state.work_available.notify_waiters();
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
                state.work_available.notify_waiters();
            }
            Ok(_) => {}
            Err(error) => tracing::error!(?error, "lease sweep failed"),
        }
    }
}
