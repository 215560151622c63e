//! The `flowbot` binary as a user meets it: help, settings, and every kind of bad input.

use std::path::Path;
use std::process::{Command, Output};

fn flowbot(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowbot"))
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .expect("flowbot starts")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A usage error is one line on stderr with exit code 2, never a panic.
fn assert_one_line_usage_error(output: &Output) -> String {
    let text = stderr(output);
    assert_eq!(output.status.code(), Some(2), "stderr: {text}");
    assert_eq!(text.trim_end().lines().count(), 1, "not one line: {text}");
    assert!(text.starts_with("error: "), "{text}");
    assert!(!text.contains("panicked"), "{text}");
    text
}

#[test]
fn help_lists_subcommands_and_planned_areas() {
    let dir = tempfile::tempdir().unwrap();
    let output = flowbot(dir.path(), &["--help"], &[]);
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "config",
        "--format",
        "--log-level",
        "mine",
        "serve",
        "agent",
        "flowbot config show",
    ] {
        assert!(help.contains(expected), "help lacks {expected}:\n{help}");
    }
}

#[test]
fn version_names_the_package_version() {
    let dir = tempfile::tempdir().unwrap();
    let output = flowbot(dir.path(), &["--version"], &[]);
    assert_eq!(
        String::from_utf8(output.stdout).unwrap().trim(),
        format!("flowbot {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn config_show_reports_each_layer_and_its_source() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("flowbot.toml"),
        "log_level = \"info\"\ndata_dir = \"from-file\"\n[server]\nurl = \"http://cp.example:8640\"\n",
    )
    .unwrap();
    let output = flowbot(
        dir.path(),
        &[
            "config",
            "show",
            "--format",
            "json",
            "--data-dir",
            "from-flag",
        ],
        &[("FLOWBOT_LOG_LEVEL", "debug")],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["config_file"], "./flowbot.toml");
    assert_eq!(report["settings"]["log_level"], "debug");
    assert_eq!(report["settings"]["data_dir"], "from-flag");
    assert_eq!(
        report["settings"]["server"]["url"],
        "http://cp.example:8640"
    );
    assert_eq!(report["settings"]["server"]["listen"], "127.0.0.1:8640");
    assert_eq!(report["settings"]["format"], "json");
    assert_eq!(report["sources"]["log_level"], "env FLOWBOT_LOG_LEVEL");
    assert_eq!(report["sources"]["data_dir"], "flag --data-dir");
    assert_eq!(report["sources"]["server.url"], "./flowbot.toml");
}

#[test]
fn config_show_as_text_without_a_file_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let output = flowbot(dir.path(), &["config", "show"], &[]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("config file: none"), "{text}");
    assert!(text.contains("server.listen  127.0.0.1:8640"), "{text}");
    assert!(text.contains("(default)"), "{text}");
}

#[test]
fn the_models_folder_is_a_setting_the_bots_steps_use() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("no-models")).unwrap();
    std::fs::write(
        dir.path().join("flowbot.toml"),
        "models_dir = \"no-models\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("bot.rhai"), "embed(\"hello\");\n").unwrap();
    let shown = flowbot(dir.path(), &["config", "show", "--format", "json"], &[]);
    let report: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(report["settings"]["models_dir"], "no-models");
    assert_eq!(report["sources"]["models_dir"], "./flowbot.toml");

    let output = flowbot(dir.path(), &["run", "bot.rhai"], &[]);
    assert_eq!(output.status.code(), Some(1));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        stderr(&output)
    );
    assert!(
        said.contains("not found at no-models/all-minilm-l6-v2"),
        "{said}"
    );
    assert!(said.contains("cargo xtask fetch-models"), "{said}");

    // The environment wins over the file, as for every setting.
    let shown = flowbot(
        dir.path(),
        &["config", "show", "--format", "json"],
        &[("FLOWBOT_MODELS", "/srv/models")],
    );
    let report: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(report["settings"]["models_dir"], "/srv/models");
    assert_eq!(report["sources"]["models_dir"], "env FLOWBOT_MODELS");
}

#[test]
fn variables_read_outside_the_settings_are_not_called_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let output = flowbot(
        dir.path(),
        &["config", "show"],
        &[
            ("FLOWBOT_SECRET_BACKOFFICE_PASSWORD", "x"),
            ("FLOWBOT_AGENT_TOKEN", "t"),
            ("FLOWBOT_REDACT_LOG_PII", "off"),
            ("FLOWBOT_CHROMIUM", "/usr/bin/chromium"),
            ("FLOWBOT_MODELS", "/srv/models"),
            ("FLOWBOT_LOG_LEVL", "debug"),
        ],
    );
    assert!(output.status.success());
    let warnings: Vec<String> = stderr(&output).lines().map(str::to_owned).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("ignoring unknown environment variable FLOWBOT_LOG_LEVL"));
}

#[test]
fn validate_list_without_a_folder_or_server_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = assert_one_line_usage_error(&flowbot(dir.path(), &["validate", "list"], &[]));
    assert!(text.contains("flowbot validate list DIR"), "{text}");
    assert!(text.contains("--server URL"), "{text}");
}

#[test]
fn malformed_config_names_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("flowbot.toml"),
        "format = \"json\"\n\n[server]\nlisten = 8640\n",
    )
    .unwrap();
    let text = assert_one_line_usage_error(&flowbot(dir.path(), &["config", "show"], &[]));
    assert!(text.contains("flowbot.toml:4:"), "{text}");
    assert!(text.contains("key `server.listen`"), "{text}");
}

#[test]
fn unknown_config_key_is_refused_with_the_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("flowbot.toml"), "log_levle = \"info\"\n").unwrap();
    let text = assert_one_line_usage_error(&flowbot(dir.path(), &["config", "show"], &[]));
    assert!(text.contains("flowbot.toml:1:1: key `log_levle`"), "{text}");
    assert!(text.contains("`log_level`"), "{text}");
}

#[test]
fn unreadable_config_path_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = assert_one_line_usage_error(&flowbot(
        dir.path(),
        &["--config", "missing.toml", "config", "show"],
        &[],
    ));
    assert!(
        text.contains("cannot read config file missing.toml"),
        "{text}"
    );
    let text = assert_one_line_usage_error(&flowbot(
        dir.path(),
        &["config", "show"],
        &[("FLOWBOT_CONFIG", ".")],
    ));
    assert!(text.contains("cannot read config file ."), "{text}");
}

#[test]
fn unknown_subcommand_and_flag_are_one_line_errors_with_suggestions() {
    let dir = tempfile::tempdir().unwrap();
    let text = assert_one_line_usage_error(&flowbot(dir.path(), &["confg"], &[]));
    assert!(text.contains("'config'"), "{text}");
    let text = assert_one_line_usage_error(&flowbot(
        dir.path(),
        &["config", "show", "--frmat", "json"],
        &[],
    ));
    assert!(text.contains("'--format'"), "{text}");
}

#[test]
fn bad_environment_value_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = assert_one_line_usage_error(&flowbot(
        dir.path(),
        &["config", "show"],
        &[("FLOWBOT_FORMAT", "yaml")],
    ));
    assert!(text.contains("FLOWBOT_FORMAT"), "{text}");
}

#[test]
fn a_closed_stdout_ends_quietly_instead_of_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_flowbot"))
        .args(["steps", "--format", "json"])
        .current_dir(dir.path())
        .env_clear()
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before the program writes, as `| head` does after its lines.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(141), "{stderr}");
}
