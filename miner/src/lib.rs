//! Flowbot's process miner: turns event logs (imported files, or the bots' own run history)
//! into the numbers and graphs analysts read — activity counts, directly-follows graphs,
//! variants, durations, bottlenecks — with pm4py's default semantics.
//!
//! The crate is grouped the way analysts think: [`import`] reads files into a columnar
//! [`Log`], [`filter`] narrows it, [`analysis`] computes statistics, [`map`] lays out process
//! maps, [`discovery`] finds process models, [`petri`] holds Petri nets, [`bpmn`] draws
//! process trees as BPMN and [`export`] writes
//! logs back out. Importers never panic on bad input: they return
//! the log plus [`Diagnostic`]s, or a typed error.

pub mod analysis;
mod attribute_store;
pub mod bpmn;
pub mod conformance;
pub mod diagnostic;
pub mod discovery;
pub mod export;
pub mod filter;
pub mod html;
pub mod import;
pub mod intern;
pub mod log;
pub mod map;
pub mod ocel;
pub mod petri;
pub mod time;
pub mod value;
mod xml_text;

pub use diagnostic::{Diagnostic, Location};
pub use log::{Log, LogBuilder};
pub use value::{Attribute, Value};
