//! Conformance checking: how well a log fits a Petri net. [`token_replay`] replays every
//! variant with pm4py's token-based replay and [`alignments`] finds optimal alignments; both
//! report pm4py's fitness numbers.

pub mod alignments;
pub mod token_replay;
