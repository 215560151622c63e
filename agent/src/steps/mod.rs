//! The steps a script can call, one module per category. Each module's `register` adds its
//! steps through the [`Registrar`], which records the catalogue as it goes.

mod dates;
mod files;
mod flow;
mod http;
mod json;
mod tables;
mod text;

use std::sync::Arc;

use rhai::{Dynamic, EvalAltResult, Map};

use crate::catalogue::Registrar;
use crate::runtime::Runtime;

/// Registers every step of this issue into the registrar's engine.
pub(crate) fn register_all(registrar: &mut Registrar<'_>, runtime: &Arc<Runtime>) {
    flow::register(registrar, runtime);
    files::register(registrar, runtime);
    tables::register(registrar, runtime);
    json::register(registrar, runtime);
    http::register(registrar, runtime);
    dates::register(registrar);
    text::register(registrar, runtime);
}

/// A rhai error for a pure function (no step event, no catalogue map): a plain message at the
/// call site, which rhai turns into "… (line l, position c)".
pub(crate) fn plain_error(message: impl Into<String>) -> Box<EvalAltResult> {
    Box::new(EvalAltResult::ErrorRuntime(
        Dynamic::from(message.into()),
        rhai::Position::NONE,
    ))
}

/// Reads an optional typed entry of an options map.
pub(crate) fn option<'m>(options: &'m Map, key: &str) -> Option<&'m Dynamic> {
    options.get(key).filter(|value| !value.is_unit())
}
