//! `flowbot run`, `flowbot check` and `flowbot steps` as a user meets them.

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

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn run_prints_a_progress_line_per_step_and_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bot.rhai"),
        "let who = input(\"who\");\nwrite_text(\"out/hello.txt\", `hello ${who}`);\noutput(\"said\", read_text(\"out/hello.txt\"));\n",
    )
    .unwrap();
    let output = flowbot(dir.path(), &["run", "bot.rhai", "--input", "who=Ada"], &[]);
    let stderr = text(&output.stderr);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stderr}{stdout}");
    for activity in ["input", "write_text", "read_text", "output"] {
        assert!(
            stderr
                .lines()
                .any(|line| line.trim_start().starts_with("ok") && line.contains(activity)),
            "no progress line for {activity}:\n{stderr}"
        );
    }
    assert!(stdout.contains("succeeded"), "{stdout}");
    assert!(stdout.contains("output said = \"hello Ada\""), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out/hello.txt")).unwrap(),
        "hello Ada"
    );
    let runs: Vec<_> = std::fs::read_dir(dir.path().join(".flowbot/runs"))
        .unwrap()
        .collect();
    assert_eq!(runs.len(), 1);
}

#[test]
fn failing_run_exits_1_with_a_positioned_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bot.rhai"),
        "\nread_csv(\"missing.csv\");\n",
    )
    .unwrap();
    let output = flowbot(dir.path(), &["run", "bot.rhai"], &[]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("bot.rhai:2:1: error in step `read_csv`(\"missing.csv\")"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn run_as_json_reports_outcome_and_outputs_with_secrets_redacted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bot.rhai"),
        "let token = secret(\"api_token\");\noutput(\"auth\", `Bearer ${token}`);\n",
    )
    .unwrap();
    let output = flowbot(
        dir.path(),
        &["run", "bot.rhai", "--format", "json"],
        &[("FLOWBOT_SECRET_API_TOKEN", "tok-987654")],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["outcome"], "succeeded");
    assert_eq!(report["outputs"]["auth"], "Bearer ***");
    assert!(!text(&output.stdout).contains("tok-987654"));
}

#[test]
fn dry_run_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bot.rhai"), "write_text(\"x.txt\", \"1\");").unwrap();
    let output = flowbot(dir.path(), &["run", "bot.rhai", "--dry-run"], &[]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("skipped"),
        "{}",
        text(&output.stderr)
    );
    assert!(!dir.path().join("x.txt").exists());
}

#[test]
fn bad_input_flag_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bot.rhai"), "1;").unwrap();
    let output = flowbot(dir.path(), &["run", "bot.rhai", "--input", "novalue"], &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("NAME=VALUE"));
}

#[test]
fn check_reports_each_problem_with_position_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.rhai"), "log(today());").unwrap();
    std::fs::write(
        dir.path().join("bad.rhai"),
        "let rows = read_cvs(\"a.csv\");\nsleep(\"soon\");\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("broken.rhai"), "let x = (;").unwrap();
    let output = flowbot(dir.path(), &["check", "good.rhai"], &[]);
    assert!(output.status.success());
    let output = flowbot(
        dir.path(),
        &["check", "good.rhai", "bad.rhai", "broken.rhai"],
        &[],
    );
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains(
            "bad.rhai:1:12: error: unknown step or function `read_cvs`; did you mean `read_csv`?"
        ),
        "{stdout}"
    );
    assert!(
        stdout
            .contains("bad.rhai:2:1: error: argument 1 (`ms`) of `sleep` must be i64, not String"),
        "{stdout}"
    );
    assert!(stdout.contains("broken.rhai:1:"), "{stdout}");
    assert!(stdout.contains("3 error(s) in 3 script(s)"), "{stdout}");

    let output = flowbot(dir.path(), &["check", "bad.rhai", "--format", "json"], &[]);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["errors"], 2);
    assert_eq!(report["diagnostics"][0]["line"], 1);
    assert_eq!(report["diagnostics"][0]["column"], 12);
    assert_eq!(report["diagnostics"][0]["file"], "bad.rhai");
}

#[test]
fn steps_lists_the_catalogue_and_documents_one_step() {
    let dir = tempfile::tempdir().unwrap();
    let output = flowbot(dir.path(), &["steps"], &[]);
    assert!(output.status.success());
    let stdout = text(&output.stdout);
    for expected in [
        "files:",
        "read_csv(path: String) -> Array",
        "retry(attempts: i64",
        "http_get",
    ] {
        assert!(stdout.contains(expected), "{expected} missing:\n{stdout}");
    }
    let output = flowbot(dir.path(), &["steps", "wait_until"], &[]);
    let stdout = text(&output.stdout);
    assert!(stdout.contains("example:"), "{stdout}");
    assert_eq!(
        stdout.matches("wait_until(condition: FnPtr").count(),
        2,
        "{stdout}"
    );

    let output = flowbot(dir.path(), &["steps", "read_xlsx", "--format", "json"], &[]);
    let specs: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(specs.as_array().unwrap().len(), 2);
    assert_eq!(specs[1]["params"][1]["name"], "sheet");
    assert_eq!(specs[1]["params"][1]["type"], "string");
    assert!(!specs[0]["example"].as_str().unwrap().is_empty());

    let output = flowbot(dir.path(), &["steps", "read"], &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("similar: read_csv"),
        "{}",
        text(&output.stderr)
    );
}

#[cfg(unix)]
#[test]
fn interrupt_cancels_the_run_and_still_writes_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bot.rhai"),
        "log(\"waiting\");\nsleep(60_000);\n",
    )
    .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_flowbot"))
        .args(["run", "bot.rhai"])
        .current_dir(dir.path())
        .env_clear()
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the bot is inside sleep(): its run.log has the line logged before it.
    let runs = dir.path().join(".flowbot/runs");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let logged = std::fs::read_dir(&runs).ok().and_then(|mut entries| {
            let run = entries.next()?.ok()?.path();
            std::fs::read_to_string(run.join("run.log")).ok()
        });
        if logged.is_some_and(|log| log.contains("waiting")) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "bot never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("was cancelled"),
        "{}",
        text(&output.stdout)
    );
    let run = std::fs::read_dir(&runs)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("run.json")).unwrap()).unwrap();
    assert_eq!(summary["outcome"], "cancelled");
}
