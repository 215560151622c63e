//! The steps a script can call, one module per category. Each module's `register` adds its
//! steps through the [`Registrar`], which records the catalogue as it goes.

mod browser;
mod browser_elements;
mod dates;
mod documents;
mod files;
mod flow;
mod http;
mod invoices;
mod json;
mod language;
mod queue;
mod tables;
mod text;

use std::sync::Arc;

use rhai::{Dynamic, EvalAltResult, Map};

use crate::catalogue::Registrar;
use crate::error::exception_map;
use crate::runtime::Runtime;
use flowbot_model::wire::ExceptionKind;

/// Registers every step of this issue into the registrar's engine.
pub(crate) fn register_all(registrar: &mut Registrar<'_>, runtime: &Arc<Runtime>) {
    flow::register(registrar, runtime);
    files::register(registrar, runtime);
    tables::register(registrar, runtime);
    json::register(registrar, runtime);
    http::register(registrar, runtime);
    dates::register(registrar);
    text::register(registrar, runtime);
    queue::register(registrar, runtime);
    let browser = browser::register(registrar, runtime);
    browser_elements::register(registrar, &browser);
    documents::register(registrar, runtime);
    language::register(registrar, runtime);
    invoices::register(registrar, runtime);
}

/// The error of a pure function (no step event): a system exception map, so `catch (e)` can
/// always read `e.kind` and `e.message`; rhai fills in the call position.
pub(crate) fn plain_error(message: impl Into<String>) -> Box<EvalAltResult> {
    let map = exception_map(ExceptionKind::System, &message.into());
    Box::new(EvalAltResult::ErrorRuntime(
        Dynamic::from(map),
        rhai::Position::NONE,
    ))
}

/// Reads an optional typed entry of an options map.
pub(crate) fn option<'m>(options: &'m Map, key: &str) -> Option<&'m Dynamic> {
    options.get(key).filter(|value| !value.is_unit())
}
