//! Conformance checking: how well a log fits a Petri net. [`token_replay`] replays every
//! variant with pm4py's token-based replay and reports pm4py's fitness numbers.

pub mod token_replay;
