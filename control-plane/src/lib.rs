//! Flowbot's control plane: the only writer of run history. It queues jobs, leases them to
//! agents that pull over HTTP, renews leases on heartbeats, requeues the work of agents that
//! stop heartbeating, and stores every step event the agents report.
//!
//! * [`store`]: the [`store::Store`] trait (the seam for a PostgreSQL store) and its SQLite
//!   implementation with timestamped migrations.
//! * [`api`]: `fn router(state) -> Router`, JSON under `/api/v1`, one error shape.
//! * [`server`]: serve a bound listener until a shutdown future resolves, with the lease sweeper
//!   and the file-trigger watcher.

pub mod api;
mod file_triggers;
pub mod schedule;
mod secret;
pub mod server;
pub mod store;

pub use api::{AppState, router};
pub use server::serve;
