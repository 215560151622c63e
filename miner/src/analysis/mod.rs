//! Analyses with pm4py's default semantics, on a sorted [`Log`](crate::Log).
//!
//! Everything reads the log in its stored order (per case, stably by timestamp), so results
//! equal pm4py's after `format_dataframe`. Durations are seconds as `f64`.

pub mod bottlenecks;
pub mod dfg;
pub mod summary;
pub mod time_stats;
pub mod variants;

pub use dfg::{Dfg, DfgEdge};
pub use summary::{ActivityCounts, Summary};
pub use time_stats::Durations;
pub use variants::{Variant, Variants};
