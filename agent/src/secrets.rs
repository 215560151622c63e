//! Secrets: looked up when a script asks, and redacted from everything the run writes.
//!
//! Local runs read `FLOWBOT_SECRET_<NAME>` variables and a `secrets.toml` of `name = "value"`
//! lines; the control plane's vault will be another [`SecretStore`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

pub const REDACTED: &str = "***";

/// Prefix of environment variables that hold secrets: `FLOWBOT_SECRET_SMTP_PASSWORD` is the
/// secret `smtp_password`.
pub const ENV_PREFIX: &str = "FLOWBOT_SECRET_";

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("cannot read secrets file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("secrets file {path} is not a table of `name = \"value\"` strings: {message}")]
    Parse { path: PathBuf, message: String },
}

/// A source of secrets.
pub trait SecretStore: Send + Sync {
    fn get(&self, name: &str) -> Option<String>;
    /// Values known up front, redacted from the first line of a run even if the script never
    /// asks for them (a vault may return none and rely on redaction at use).
    fn known_values(&self) -> Vec<String>;
}

/// `FLOWBOT_SECRET_*` variables, captured once so a run sees a stable set.
#[derive(Debug, Clone, Default)]
pub struct EnvSecrets(BTreeMap<String, String>);

impl EnvSecrets {
    pub fn from_env() -> Self {
        Self::from_vars(std::env::vars())
    }

    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Self {
        Self(
            vars.into_iter()
                .filter_map(|(key, value)| {
                    key.strip_prefix(ENV_PREFIX)
                        .map(|name| (name.to_ascii_lowercase(), value))
                })
                .collect(),
        )
    }
}

impl SecretStore for EnvSecrets {
    fn get(&self, name: &str) -> Option<String> {
        self.0.get(&name.to_ascii_lowercase()).cloned()
    }

    fn known_values(&self) -> Vec<String> {
        self.0.values().cloned().collect()
    }
}

/// A `secrets.toml` next to the bot (kept out of version control by the author).
#[derive(Debug, Clone, Default)]
pub struct FileSecrets(BTreeMap<String, String>);

impl FileSecrets {
    /// An absent file is an empty store; an unreadable or malformed one is an error.
    pub fn load(path: &Path) -> Result<Self, SecretError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self::default());
            }
            Err(source) => {
                return Err(SecretError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        // The parser's message may quote the offending line, which may hold a secret.
        let values: BTreeMap<String, String> =
            toml::from_str(&text).map_err(|error| SecretError::Parse {
                path: path.to_path_buf(),
                message: error
                    .span()
                    .map(|span| format!("at byte {}", span.start))
                    .unwrap_or_else(|| "malformed".to_owned()),
            })?;
        Ok(Self(values))
    }
}

impl SecretStore for FileSecrets {
    fn get(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }

    fn known_values(&self) -> Vec<String> {
        self.0.values().cloned().collect()
    }
}

/// Asks each store in turn; the first that knows the name wins.
#[derive(Default)]
pub struct SecretChain(pub Vec<Box<dyn SecretStore>>);

impl SecretStore for SecretChain {
    fn get(&self, name: &str) -> Option<String> {
        self.0.iter().find_map(|store| store.get(name))
    }

    fn known_values(&self) -> Vec<String> {
        self.0
            .iter()
            .flat_map(|store| store.known_values())
            .collect()
    }
}

/// Replaces every known secret value with `***`. Shared by the log, the event builder, error
/// rendering and the print/debug handlers, so one list governs all of them.
#[derive(Debug, Clone, Default)]
pub struct Redactor(Arc<RwLock<Vec<String>>>);

impl Redactor {
    pub fn add(&self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        if let Ok(mut secrets) = self.0.write()
            && !secrets.iter().any(|known| known == secret)
        {
            secrets.push(secret.to_owned());
            // Longest first, so a secret that contains another is replaced whole.
            secrets.sort_by_key(|known| std::cmp::Reverse(known.len()));
        }
    }

    pub fn redact(&self, text: &str) -> String {
        let Ok(secrets) = self.0.read() else {
            return REDACTED.to_owned();
        };
        let mut out = text.to_owned();
        for secret in secrets.iter() {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_secrets_take_prefixed_variables_only() {
        let store = EnvSecrets::from_vars([
            ("FLOWBOT_SECRET_API_KEY".to_owned(), "k-123".to_owned()),
            ("HOME".to_owned(), "/root".to_owned()),
        ]);
        assert_eq!(store.get("api_key").as_deref(), Some("k-123"));
        assert_eq!(store.get("home"), None);
        assert_eq!(store.known_values(), vec!["k-123".to_owned()]);
    }

    #[test]
    fn malformed_secrets_file_error_does_not_quote_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.toml");
        std::fs::write(&path, "password = hunter2-not-quoted\n").unwrap();
        let error = FileSecrets::load(&path).unwrap_err().to_string();
        assert!(!error.contains("hunter2"), "{error}");
    }

    #[test]
    fn redactor_replaces_longest_secret_first() {
        let redactor = Redactor::default();
        redactor.add("abc");
        redactor.add("abcdef");
        redactor.add("");
        assert_eq!(redactor.redact("x abcdef y abc"), "x *** y ***");
    }
}
