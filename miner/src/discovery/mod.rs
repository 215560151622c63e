//! Process discovery: from a log to a model. [`inductive`] finds a [`ProcessTree`] with the
//! Inductive Miner (IM, IMf) as pm4py does; [`heuristics`] finds a heuristics net and
//! [`alpha`] an alpha net, both equal to pm4py's.

pub mod alpha;
pub mod heuristics;
pub mod inductive;
pub mod process_tree;
pub mod tree_render;

pub use process_tree::{Operator, ProcessTree, TreeStats};

/// Why discovery refused to run.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DiscoveryError {
    #[error("noise threshold {0} is outside [0, 1]")]
    NoiseThreshold(f64),
    #[error("{name} {value} is outside [{min}, {max}]")]
    Threshold {
        name: &'static str,
        value: f64,
        min: f64,
        max: f64,
    },
}
