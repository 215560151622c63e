//! Conformance checking: how well a log fits a Petri net. [`token_replay`] replays every
//! variant with pm4py's token-based replay and [`alignments`] finds optimal alignments; both
//! report pm4py's fitness numbers; [`precision`] is pm4py's ETConformance precision and
//! [`deviations`] reports skipped and inserted activities from the alignments.

pub mod alignments;
pub mod deviations;
pub mod precision;
pub mod token_replay;
