//! One error type for the crate; every message names the file or model it is about, and a
//! missing model names the command that fetches it.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum NlpError {
    #[error("{model} not found at {}; run `cargo xtask fetch-models` (or point the `models_dir` setting or FLOWBOT_MODELS at the folder it fills)", path.display())]
    ModelMissing { model: &'static str, path: PathBuf },

    #[error("cannot read {}: {message}", path.display())]
    ModelUnreadable { path: PathBuf, message: String },

    #[error("cannot load the onnxruntime library {}: {message}", path.display())]
    Runtime { path: PathBuf, message: String },

    #[error("{model}: {message}")]
    Inference {
        model: &'static str,
        message: String,
    },

    #[error("{0}")]
    Invalid(String),
}

impl NlpError {
    pub(crate) fn inference(model: &'static str, error: impl std::fmt::Display) -> Self {
        Self::Inference {
            model,
            message: error.to_string(),
        }
    }

    pub(crate) fn unreadable(path: impl Into<PathBuf>, error: impl std::fmt::Display) -> Self {
        Self::ModelUnreadable {
            path: path.into(),
            message: error.to_string(),
        }
    }
}
