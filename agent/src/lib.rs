//! The Flowbot robot: runs sandboxed rhai scripts whose steps work on files, spreadsheets and
//! HTTP services, and emits one `flowbot_model::Event` per step.
//!
//! - [`sandbox`]: the one engine constructor and its limits, cancel and module resolver.
//! - [`catalogue`]: step specs (name, doc, typed params, example) registered with rhai metadata.
//! - [`runtime`]: what a run's steps share, and the wrapper that emits one event per step.
//! - [`run`]: a local run and its folder; [`check`]: static checks of scripts.
//! - [`browser`]: chromium over CDP, auto-waiting locators and the actions browser steps call.
//! - [`events`], [`secrets`], [`error`]: sinks, secret stores and redaction, typed errors.
//! - [`language`]: the process's language models (embeddings, classification, personal data),
//!   which the language steps use and which redact personal data from run logs.

pub mod browser;
pub mod catalogue;
pub mod check;
pub mod daemon;
pub mod error;
pub mod events;
pub mod language;
pub mod run;
pub mod runtime;
pub mod sandbox;
pub mod secrets;
mod steps;
pub mod validation;
pub mod work_queue;

pub use catalogue::{Catalogue, StepSpec};
pub use error::{AgentError, ScriptError};
pub use run::{RunOptions, RunReport, build_engine, catalogue, run_script};
pub use sandbox::{CancelToken, Limits};
