//! onnxruntime, loaded at run time from the library `cargo xtask fetch-models` unpacks (ort's
//! `load-dynamic`): users need not export `ORT_DYLIB_PATH`, the models folder decides.

use std::path::Path;
use std::sync::OnceLock;

use ort::environment::Environment;
use ort::session::Session;

use crate::error::NlpError;

/// The process's onnxruntime environment, or why it could not be made: the library can be
/// loaded and the environment built only once per process, so the first outcome stands.
static ENVIRONMENT: OnceLock<Result<Environment, String>> = OnceLock::new();

fn environment(library: &Path) -> Result<&'static Environment, NlpError> {
    let outcome = ENVIRONMENT.get_or_init(|| {
        ort::init_from(library)
            .map_err(|error| error.to_string())?
            .with_name("flowbot")
            .with_telemetry(false)
            .build()
            .map_err(|error| error.to_string())
    });
    outcome.as_ref().map_err(|message| NlpError::Runtime {
        path: library.to_path_buf(),
        message: message.clone(),
    })
}

/// A session for the model at `model`, single-threaded inside the model: the agent runs one
/// step at a time per bot and machines here have two cores shared with the bots' browsers.
pub(crate) fn session(library: &Path, model: &Path) -> Result<Session, NlpError> {
    let environment = environment(library)?;
    let fail = |error: ort::Error| NlpError::unreadable(model, error);
    Session::builder(environment)
        .map_err(fail)?
        .with_intra_threads(1)
        .map_err(|error| fail(error.into()))?
        .commit_from_file(model)
        .map_err(fail)
}
