//! Serving the API on a bound listener until shutdown, with the lease sweeper beside it.

use std::future::Future;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::api::{AppState, router};

/// How often expired leases are looked for.
const SWEEP_EVERY: Duration = Duration::from_millis(500);

/// Serve until `shutdown` resolves; in-flight requests finish first. The listener is bound by
/// the caller, so tests can use port 0.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let sweeper = tokio::spawn(sweep_expired_leases(state.clone()));
    let served = axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await;
    sweeper.abort();
    served
}

/// Requeue (or fail, by policy) the jobs of agents that stopped heartbeating.
async fn sweep_expired_leases(state: AppState) {
    let mut ticker = tokio::time::interval(SWEEP_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
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
