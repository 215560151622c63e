//! `flowbot mine …` as a user runs it: the stats JSON shape from issue 4 with pm4py's numbers,
//! text reports (snapshots), maps, export, run folders, and errors.

mod common;

use std::process::Output;

use common::{data_dir, flowbot, reference};
use serde_json::Value;

fn log_path(name: &str) -> String {
    data_dir().join("logs").join(name).display().to_string()
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn close(actual: &Value, expected: &Value) -> bool {
    let (actual, expected) = (actual.as_f64().unwrap(), expected.as_f64().unwrap());
    (actual - expected).abs() <= 1e-6 * expected.abs() + 1e-6
}

#[test]
fn stats_json_has_the_issue_shape_and_pm4py_numbers() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "running-example.xes",
        "sepsis.xes.gz",
        "interval_event_log.csv",
    ] {
        let output = flowbot(
            dir.path(),
            &[
                "mine",
                "stats",
                &log_path(name),
                "--format",
                "json",
                "--top",
                "50",
            ],
        );
        let text = stdout(&output);
        let stats: Value = serde_json::from_str(&text).unwrap();
        let expected = reference(name);
        let keys: Vec<&str> = stats
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        for key in [
            "cases",
            "events",
            "activities",
            "start_activities",
            "end_activities",
            "dfg",
            "variants",
            "case_duration_s",
        ] {
            assert!(keys.contains(&key), "{name}: missing {key}");
        }
        // The issue's key order, which the text of the document keeps.
        let positions: Vec<usize> = [
            "\"cases\"",
            "\"events\"",
            "\"activities\"",
            "\"start_activities\"",
            "\"end_activities\"",
            "\"dfg\"",
            "\"variants\"",
            "\"case_duration_s\"",
        ]
        .iter()
        .map(|key| text.find(key).unwrap())
        .collect();
        assert!(
            positions.windows(2).all(|pair| pair[0] < pair[1]),
            "{name}: key order {positions:?}"
        );
        assert_eq!(stats["cases"], expected["num_cases"], "{name}");
        assert_eq!(stats["events"], expected["num_events"], "{name}");
        assert_eq!(stats["activities"], expected["activities"], "{name}");
        assert_eq!(
            stats["start_activities"], expected["start_activities"],
            "{name}"
        );
        assert_eq!(
            stats["end_activities"], expected["end_activities"],
            "{name}"
        );
        let dfg = stats["dfg"].as_array().unwrap();
        let performance = expected["performance_dfg"].as_array().unwrap();
        assert_eq!(dfg.len(), performance.len(), "{name}");
        for (edge, reference_edge) in dfg.iter().zip(performance) {
            assert_eq!(edge["from"], reference_edge["source"]);
            assert_eq!(edge["to"], reference_edge["target"]);
            assert_eq!(edge["count"], reference_edge["count"]);
            for (ours, theirs) in [
                ("mean_s", "mean"),
                ("median_s", "median"),
                ("min_s", "min"),
                ("max_s", "max"),
            ] {
                assert!(
                    close(&edge[ours], &reference_edge[theirs]),
                    "{name}: {edge} vs {reference_edge}"
                );
            }
        }
        assert_eq!(
            stats["variants"]["total"], expected["variants"]["num_variants"],
            "{name}"
        );
        let top: Vec<Value> = expected["variants"]["top50"]
            .as_array()
            .unwrap()
            .iter()
            .map(|variant| serde_json::json!({"activities": variant["activities"], "count": variant["count"]}))
            .collect();
        assert_eq!(stats["variants"]["top"], Value::Array(top), "{name}");
        assert!(
            close(
                &stats["case_duration_s"]["mean"],
                &expected["case_durations"]["mean"]
            ),
            "{name}"
        );
        assert!(
            close(
                &stats["case_duration_s"]["median"],
                &expected["case_durations"]["median"]
            ),
            "{name}"
        );
    }
}

#[test]
fn top_limits_the_variants() {
    let dir = tempfile::tempdir().unwrap();
    let output = flowbot(
        dir.path(),
        &[
            "mine",
            "stats",
            &log_path("sepsis.xes.gz"),
            "--format",
            "json",
            "--top",
            "3",
            "--quiet",
        ],
    );
    let stats: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(stats["variants"]["top"].as_array().unwrap().len(), 3);
    assert_eq!(stats["variants"]["total"], 846);
}

#[test]
fn text_reports_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let running = log_path("running-example.xes");
    insta::assert_snapshot!(
        "stats_running_example",
        stdout(&flowbot(dir.path(), &["mine", "stats", &running]))
    );
    insta::assert_snapshot!(
        "variants_running_example",
        stdout(&flowbot(
            dir.path(),
            &["mine", "variants", &running, "--top", "3"]
        ))
    );
    let repair = log_path("repairExample.xes.gz");
    insta::assert_snapshot!(
        "bottlenecks_repair_example",
        stdout(&flowbot(
            dir.path(),
            &[
                "mine",
                "bottlenecks",
                &repair,
                "--sla",
                "1h",
                "--between",
                "Register",
                "Archive Repair",
                "--top",
                "5"
            ]
        ))
    );
    insta::assert_snapshot!(
        "stats_filtered_sepsis",
        stdout(&flowbot(
            dir.path(),
            &[
                "mine",
                "stats",
                &log_path("sepsis.xes.gz"),
                "--top-variants",
                "3",
                "--drop-activity",
                "ER Triage",
                "--top",
                "3"
            ]
        ))
    );
}

#[test]
fn maps_are_written_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let running = log_path("running-example.xes");
    for (name, marker) in [
        ("map.svg", "<svg"),
        ("map.html", "<!DOCTYPE html>"),
        ("map.dot", "digraph"),
        ("map.json", "\"nodes\""),
    ] {
        let output = flowbot(
            dir.path(),
            &[
                "mine",
                "map",
                &running,
                "-o",
                name,
                "--overlay",
                "performance",
            ],
        );
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = std::fs::read_to_string(dir.path().join(name)).unwrap();
        assert!(text.contains(marker), "{name}");
    }
    let html = std::fs::read_to_string(dir.path().join("map.html")).unwrap();
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "the HTML must be self-contained"
    );
    insta::assert_snapshot!(
        "map_running_example_dot",
        std::fs::read_to_string(dir.path().join("map.dot")).unwrap()
    );
    let map: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("map.json")).unwrap())
            .unwrap();
    // 8 activities + start + end; 16 DFG edges + 1 start edge + 2 end edges.
    assert_eq!(map["nodes"].as_array().unwrap().len(), 10);
    assert_eq!(map["edges"].as_array().unwrap().len(), 19);
}

#[test]
fn export_then_stats_gives_the_same_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let receipt = log_path("receipt.xes.gz");
    let original = stdout(&flowbot(
        dir.path(),
        &["mine", "stats", &receipt, "--format", "json"],
    ));
    for name in ["copy.xes", "copy.xes.gz", "copy.csv", "copy.jsonocel"] {
        let output = flowbot(dir.path(), &["mine", "export", &receipt, "-o", name]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let again = stdout(&flowbot(
            dir.path(),
            &["mine", "stats", name, "--format", "json"],
        ));
        assert_eq!(again, original, "{name}");
    }
}

#[test]
fn a_run_folder_is_read_through_its_events_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run-1");
    std::fs::create_dir(&run).unwrap();
    let lines = [
        r#"{"id":"e1","activity":"open form","time":"2026-01-05T09:00:00+01:00","objects":[{"id":"run-1","type":"case"}],"status":"ok"}"#,
        r#"{"id":"e2","activity":"fill form","time":"2026-01-05T09:00:30+01:00","start_time":"2026-01-05T09:00:05+01:00","objects":[{"id":"run-1","type":"case"}],"resource":"bot@agent-1","status":"failed"}"#,
        r#"{"id":"e3","activity":"fill form","time":"2026-01-05T09:01:00+01:00","objects":[{"id":"run-1","type":"case"}],"status":"ok"}"#,
    ];
    std::fs::write(run.join("events.jsonl"), lines.join("\n")).unwrap();
    let stats: Value = serde_json::from_str(&stdout(&flowbot(
        dir.path(),
        &["mine", "stats", "run-1", "--format", "json"],
    )))
    .unwrap();
    assert_eq!(stats["cases"], 1);
    assert_eq!(stats["events"], 3);
    assert_eq!(stats["dfg"][0]["from"], "fill form");
    assert_eq!(stats["dfg"][0]["to"], "fill form");
    assert_eq!(stats["dfg"][0]["mean_s"], 30.0);
    assert_eq!(stats["case_duration_s"]["mean"], 60.0);
}

#[test]
fn errors_are_one_line_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["mine", "stats", "missing.xes"],
        vec![
            "mine",
            "bottlenecks",
            &log_path("running-example.xes"),
            "--sla",
            "soon",
        ],
        vec![
            "mine",
            "map",
            &log_path("running-example.xes"),
            "-o",
            "map.png",
        ],
        vec![
            "mine",
            "stats",
            &log_path("running-example.xes"),
            "--from",
            "yesterday",
        ],
    ] {
        let output = flowbot(dir.path(), &args);
        let text = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(1), "{args:?}: {text}");
        assert!(
            text.starts_with("error: ") && !text.contains("panicked"),
            "{args:?}: {text}"
        );
    }
}

#[test]
fn a_csv_log_can_be_piped_in() {
    // A pipe cannot be read twice or split into parts: it is read once, front to back.
    use std::io::Write;
    let csv = std::fs::read(data_dir().join("logs/running-example.csv")).unwrap();
    let mut child = std::process::Command::new(common::FLOWBOT)
        .args([
            "mine",
            "stats",
            "/dev/stdin",
            "--input-format",
            "csv",
            "--format",
            "json",
        ])
        .env_clear()
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&csv).unwrap();
    let output = child.wait_with_output().unwrap();
    let stats: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let expected = reference("running-example.csv");
    assert_eq!(stats["events"], expected["num_events"]);
    assert_eq!(stats["cases"], expected["num_cases"]);
}
