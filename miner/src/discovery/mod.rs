//! Process discovery: from a log to a model. [`inductive`] finds a [`ProcessTree`] with the
//! Inductive Miner (IM, IMf) as pm4py does.

pub mod inductive;
pub mod process_tree;

pub use process_tree::{Operator, ProcessTree, TreeStats};

/// Why discovery refused to run.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DiscoveryError {
    #[error("noise threshold {0} is outside [0, 1]")]
    NoiseThreshold(f64),
}
