//! Settings, layered: built-in defaults < `flowbot.toml` < `FLOWBOT_*` environment < flags.
//!
//! Every resolved value remembers where it came from, so `flowbot config show` can answer
//! "why is it this?" without guessing.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use serde::{Deserialize, Serialize};

use crate::cli::{GlobalArgs, LogLevel, OutputFormat};

const DEFAULT_CONFIG_FILE: &str = "flowbot.toml";
const CONFIG_ENV: &str = "FLOWBOT_CONFIG";

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Settings {
    pub(crate) format: OutputFormat,
    pub(crate) log_level: LogLevel,
    pub(crate) data_dir: PathBuf,
    /// Where the language models are (`cargo xtask fetch-models` puts them in the default).
    pub(crate) models_dir: PathBuf,
    pub(crate) server: ServerSettings,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ServerSettings {
    /// Address `flowbot serve` binds.
    pub(crate) listen: String,
    /// Where agents and `flowbot ctl` find the control plane.
    pub(crate) url: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            format: OutputFormat::Text,
            log_level: LogLevel::Warn,
            data_dir: PathBuf::from(".flowbot"),
            models_dir: flowbot_nlp::ModelPaths::cache_default(),
            server: ServerSettings {
                listen: "127.0.0.1:8640".to_owned(),
                url: "http://127.0.0.1:8640".to_owned(),
            },
        }
    }
}

/// The file layer: every key optional, unknown keys refused so typos do not pass silently.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    format: Option<OutputFormat>,
    log_level: Option<LogLevel>,
    data_dir: Option<PathBuf>,
    models_dir: Option<PathBuf>,
    server: Option<FileServerSettings>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileServerSettings {
    listen: Option<String>,
    url: Option<String>,
}

/// Settings after layering, with the source of each key.
#[derive(Debug)]
pub(crate) struct Resolved {
    pub(crate) value: Settings,
    pub(crate) sources: BTreeMap<&'static str, String>,
    pub(crate) config_file: Option<PathBuf>,
}

impl Resolved {
    /// (key, value, source) for every setting, in key order, for the text report.
    pub(crate) fn rows(&self) -> Vec<(&'static str, String, &str)> {
        let value = &self.value;
        let shown = [
            ("data_dir", value.data_dir.display().to_string()),
            ("format", enum_name(value.format)),
            ("log_level", enum_name(value.log_level)),
            ("models_dir", value.models_dir.display().to_string()),
            ("server.listen", value.server.listen.clone()),
            ("server.url", value.server.url.clone()),
        ];
        shown
            .into_iter()
            .map(|(key, text)| {
                (
                    key,
                    text,
                    self.sources.get(key).map_or("default", String::as_str),
                )
            })
            .collect()
    }
}

fn enum_name(value: impl ValueEnum) -> String {
    value
        .to_possible_value()
        .map_or_else(String::new, |possible| possible.get_name().to_owned())
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {key_part}{message}", key_part = key.as_ref().map(|key| format!("key `{key}`: ")).unwrap_or_default())]
    Malformed {
        path: PathBuf,
        line: usize,
        column: usize,
        key: Option<String>,
        message: String,
    },
    #[error("environment variable {name}={value:?}: {message}")]
    BadEnvironment {
        name: String,
        value: String,
        message: String,
    },
}

/// Resolve settings for this process: its flags, its `FLOWBOT_*` environment, its working
/// directory's `flowbot.toml`.
pub(crate) fn load(flags: &GlobalArgs) -> Result<Resolved, ConfigError> {
    let env: HashMap<String, String> = std::env::vars()
        .filter(|(name, _)| name.starts_with("FLOWBOT_"))
        .collect();
    resolve(flags, &env, Path::new("."))
}

fn resolve(
    flags: &GlobalArgs,
    env: &HashMap<String, String>,
    cwd: &Path,
) -> Result<Resolved, ConfigError> {
    let mut resolved = Resolved {
        value: Settings::default(),
        sources: BTreeMap::new(),
        config_file: None,
    };

    let explicit = flags
        .config
        .clone()
        .or_else(|| env.get(CONFIG_ENV).map(PathBuf::from));
    let config_path = match explicit {
        Some(path) => Some(path),
        None => Some(cwd.join(DEFAULT_CONFIG_FILE)).filter(|path| path.is_file()),
    };
    if let Some(path) = config_path {
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Unreadable {
            path: path.clone(),
            source,
        })?;
        let file = parse_file(&path, &text)?;
        apply_file(&mut resolved, file, &path.display().to_string());
        resolved.config_file = Some(path);
    }

    apply_env(&mut resolved, env)?;
    apply_flags(&mut resolved, flags);
    Ok(resolved)
}

fn parse_file(path: &Path, text: &str) -> Result<FileSettings, ConfigError> {
    toml::from_str(text).map_err(|error| {
        let offset = error.span().map_or(0, |span| span.start);
        let (line, column) = line_and_column(text, offset);
        ConfigError::Malformed {
            path: path.to_owned(),
            line,
            column,
            key: key_at(text, offset),
            message: error.message().replace('\n', " "),
        }
    })
}

fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |tail| tail.chars().count())
        + 1;
    (line, column)
}

/// The dotted key whose `key = value` line holds `offset`, with its `[table]` prefix.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let before = &text[..offset.min(text.len())];
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    let line = text[line_start..].lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    let table = before[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|line| line.starts_with('[') && line.ends_with(']'))
        .map(|header| header.trim_matches(|c| c == '[' || c == ']').trim());
    Some(match table {
        Some(table) => format!("{table}.{key}"),
        None => key.to_owned(),
    })
}

fn set<T>(
    slot: &mut T,
    value: Option<T>,
    sources: &mut BTreeMap<&'static str, String>,
    key: &'static str,
    source: &str,
) {
    if let Some(value) = value {
        *slot = value;
        sources.insert(key, source.to_owned());
    }
}

fn apply_file(resolved: &mut Resolved, file: FileSettings, source: &str) {
    let (value, sources) = (&mut resolved.value, &mut resolved.sources);
    set(&mut value.format, file.format, sources, "format", source);
    set(
        &mut value.log_level,
        file.log_level,
        sources,
        "log_level",
        source,
    );
    set(
        &mut value.data_dir,
        file.data_dir,
        sources,
        "data_dir",
        source,
    );
    set(
        &mut value.models_dir,
        file.models_dir,
        sources,
        "models_dir",
        source,
    );
    let server = file.server.unwrap_or_default();
    set(
        &mut value.server.listen,
        server.listen,
        sources,
        "server.listen",
        source,
    );
    set(
        &mut value.server.url,
        server.url,
        sources,
        "server.url",
        source,
    );
}

fn env_enum<T: ValueEnum>(
    env: &HashMap<String, String>,
    name: &str,
) -> Result<Option<T>, ConfigError> {
    let Some(text) = env.get(name) else {
        return Ok(None);
    };
    T::from_str(text, true).map(Some).map_err(|_| {
        let expected: Vec<String> = T::value_variants()
            .iter()
            .map(|variant| enum_name(variant.clone()))
            .collect();
        ConfigError::BadEnvironment {
            name: name.to_owned(),
            value: text.clone(),
            message: format!("expected one of {}", expected.join(", ")),
        }
    })
}

const ENV_KEYS: [(&str, &str); 6] = [
    ("FLOWBOT_FORMAT", "format"),
    ("FLOWBOT_LOG_LEVEL", "log_level"),
    ("FLOWBOT_DATA_DIR", "data_dir"),
    (flowbot_nlp::models::MODELS_ENV, "models_dir"),
    ("FLOWBOT_SERVER_LISTEN", "server.listen"),
    ("FLOWBOT_SERVER_URL", "server.url"),
];

/// `FLOWBOT_*` variables that are not settings but are read where they apply (a flag's default,
/// the browser, the run log, bots' secrets): known, so not warned about.
const READ_ELSEWHERE: [&str; 4] = [
    "FLOWBOT_AGENT_TOKEN",
    "FLOWBOT_BACKOFFICE_PASSWORD",
    flowbot_agent::browser::CHROMIUM_ENV,
    flowbot_agent::language::LOG_PII_ENV,
];

fn apply_env(resolved: &mut Resolved, env: &HashMap<String, String>) -> Result<(), ConfigError> {
    let (value, sources) = (&mut resolved.value, &mut resolved.sources);
    let source = |name: &str| format!("env {name}");
    set(
        &mut value.format,
        env_enum(env, "FLOWBOT_FORMAT")?,
        sources,
        "format",
        &source("FLOWBOT_FORMAT"),
    );
    set(
        &mut value.log_level,
        env_enum(env, "FLOWBOT_LOG_LEVEL")?,
        sources,
        "log_level",
        &source("FLOWBOT_LOG_LEVEL"),
    );
    set(
        &mut value.data_dir,
        env.get("FLOWBOT_DATA_DIR").map(PathBuf::from),
        sources,
        "data_dir",
        &source("FLOWBOT_DATA_DIR"),
    );
    set(
        &mut value.models_dir,
        env.get(flowbot_nlp::models::MODELS_ENV)
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from),
        sources,
        "models_dir",
        &source(flowbot_nlp::models::MODELS_ENV),
    );
    set(
        &mut value.server.listen,
        env.get("FLOWBOT_SERVER_LISTEN").cloned(),
        sources,
        "server.listen",
        &source("FLOWBOT_SERVER_LISTEN"),
    );
    set(
        &mut value.server.url,
        env.get("FLOWBOT_SERVER_URL").cloned(),
        sources,
        "server.url",
        &source("FLOWBOT_SERVER_URL"),
    );
    for name in env.keys() {
        let known = name == CONFIG_ENV
            || ENV_KEYS.iter().any(|(known, _)| known == name)
            || READ_ELSEWHERE.contains(&name.as_str())
            || name.starts_with(flowbot_agent::secrets::ENV_PREFIX);
        if !known {
            let names: Vec<&str> = ENV_KEYS.iter().map(|(name, _)| *name).collect();
            eprintln!(
                "warning: ignoring unknown environment variable {name} (Flowbot reads {CONFIG_ENV}, {})",
                names.join(", ")
            );
        }
    }
    Ok(())
}

fn apply_flags(resolved: &mut Resolved, flags: &GlobalArgs) {
    let (value, sources) = (&mut resolved.value, &mut resolved.sources);
    set(
        &mut value.format,
        flags.format,
        sources,
        "format",
        "flag --format",
    );
    set(
        &mut value.log_level,
        flags.log_level,
        sources,
        "log_level",
        "flag --log-level",
    );
    set(
        &mut value.data_dir,
        flags.data_dir.clone(),
        sources,
        "data_dir",
        "flag --data-dir",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_flags() -> GlobalArgs {
        GlobalArgs {
            config: None,
            format: None,
            log_level: None,
            data_dir: None,
        }
    }

    #[test]
    fn each_layer_overrides_the_one_below() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("flowbot.toml"), "format = \"json\"\nlog_level = \"info\"\ndata_dir = \"/srv/flowbot\"\n[server]\nlisten = \"0.0.0.0:9000\"\n").unwrap();
        let env = HashMap::from([("FLOWBOT_LOG_LEVEL".to_owned(), "DEBUG".to_owned())]);
        let mut flags = no_flags();
        flags.data_dir = Some(PathBuf::from("/tmp/override"));

        let resolved = resolve(&flags, &env, dir.path()).unwrap();

        assert_eq!(resolved.value.format, OutputFormat::Json);
        assert_eq!(resolved.value.log_level, LogLevel::Debug);
        assert_eq!(resolved.value.data_dir, PathBuf::from("/tmp/override"));
        assert_eq!(resolved.value.server.listen, "0.0.0.0:9000");
        assert_eq!(resolved.value.server.url, "http://127.0.0.1:8640");
        assert_eq!(resolved.sources["log_level"], "env FLOWBOT_LOG_LEVEL");
        assert_eq!(resolved.sources["data_dir"], "flag --data-dir");
        assert!(resolved.sources["format"].ends_with("flowbot.toml"));
        assert!(!resolved.sources.contains_key("server.url"));
    }

    #[test]
    fn wrong_value_in_a_table_names_line_and_dotted_key() {
        let error = parse_file(
            Path::new("f.toml"),
            "format = \"text\"\n\n[server]\nlisten = 8080\n",
        )
        .unwrap_err();
        let text = error.to_string();
        assert!(text.starts_with("f.toml:4:"), "{text}");
        assert!(text.contains("key `server.listen`"), "{text}");
    }

    #[test]
    fn bad_environment_value_lists_the_choices() {
        let env = HashMap::from([("FLOWBOT_FORMAT".to_owned(), "xml".to_owned())]);
        let error = resolve(&no_flags(), &env, Path::new("/nonexistent")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "environment variable FLOWBOT_FORMAT=\"xml\": expected one of text, json"
        );
    }
}
