//! The process's language models (`flowbot_nlp`): one [`Nlp`] per process, each model loaded
//! on its first use and kept, so runs after the first pay nothing to load. Also decides
//! whether run logs are redacted for personal data.

use std::sync::OnceLock;

use flowbot_nlp::{ModelPaths, Nlp};

/// Turns the personal-data redaction of run logs off (`off`) or on (`on`); unset, it is on
/// whenever the personal-data model is in the models folder.
pub const LOG_PII_ENV: &str = "FLOWBOT_REDACT_LOG_PII";

static MODELS: OnceLock<ModelPaths> = OnceLock::new();

/// Points this process at a models folder (the CLI's `models_dir` setting). Call it before the
/// first step that needs a model; later calls change nothing and return `false`.
pub fn use_models(paths: ModelPaths) -> bool {
    MODELS.set(paths).is_ok()
}

/// The models of this process: the folder given to [`use_models`], else `FLOWBOT_MODELS` or
/// the user's cache (see [`ModelPaths::from_env`]).
pub fn nlp() -> &'static Nlp {
    static NLP: OnceLock<Nlp> = OnceLock::new();
    NLP.get_or_init(|| Nlp::new(MODELS.get().cloned().unwrap_or_else(ModelPaths::from_env)))
}

/// Whether runs redact personal data from their logs by default: `FLOWBOT_REDACT_LOG_PII`
/// (`on`/`off`) when set, else whether the model is there. On by default because a run log
/// leaves the machine (it streams to the control plane) and names and account numbers have
/// no business in it; off without the model so an agent without it still runs.
pub fn log_redaction_default() -> bool {
    match std::env::var(LOG_PII_ENV).as_deref() {
        Ok("off" | "0" | "false") => false,
        Ok("on" | "1" | "true") => true,
        // Checked once per process: an agent runs many jobs, and the models do not come and
        // go under a running agent (`cargo xtask fetch-models` runs before it starts).
        _ => {
            static MODEL_PRESENT: OnceLock<bool> = OnceLock::new();
            *MODEL_PRESENT.get_or_init(|| nlp().pii_available())
        }
    }
}

/// A log line with its personal data replaced by placeholders. If detection fails the line is
/// withheld rather than written unredacted.
pub(crate) fn redact_log_line(message: &str) -> String {
    match nlp().redact_pii(message) {
        Ok(redacted) => redacted,
        Err(error) => format!("[log line withheld: personal-data redaction failed: {error}]"),
    }
}
