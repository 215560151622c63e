//! `flowbot mine discover` and `flowbot mine conform` as a user runs them: the JSON carries
//! pm4py's tree and fitness numbers (from `shared/data/reference`), the PNML written by
//! `discover` is what `conform` reads.

mod common;

use std::process::Output;

use common::{data_dir, flowbot, reference};
use serde_json::Value;

fn json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// References are rounded to six decimals.
fn rounded_equal(actual: &Value, expected: &Value, what: &str) {
    let (a, e) = (actual.as_f64().unwrap(), expected.as_f64().unwrap());
    assert!(
        (a - e).abs() <= 5e-7 + 1e-12,
        "{what}: flowbot {a}, pm4py {e}"
    );
}

#[test]
fn discover_writes_pnml_that_conform_replays_and_aligns_with_pm4py_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let log = data_dir().join("logs/roadtraffic100traces.xes");
    let log = log.to_str().unwrap();
    let expected = reference("roadtraffic100traces.xes");
    for (algo, key) in [("im", "noise_0.0"), ("imf", "noise_0.2")] {
        let expected = &expected["inductive_miner"][key];
        let model = format!("{algo}.pnml");
        let discovered = json(&flowbot(
            dir.path(),
            &[
                "--format", "json", "mine", "discover", log, "--algo", algo, "-o", &model,
            ],
        ));
        assert_eq!(
            discovered["tree_canonical"],
            expected["process_tree_canonical"]
        );
        assert!(
            discovered["tree"]
                .as_str()
                .unwrap()
                .starts_with("->( 'Create Fine'")
        );
        assert_eq!(discovered["petri_net"], expected["petri_net"]);
        for (method, block) in [("replay", "token_based_replay"), ("align", "alignments")] {
            let conformed = json(&flowbot(
                dir.path(),
                &[
                    "--format", "json", "mine", "conform", log, &model, "--method", method,
                ],
            ));
            assert_eq!(conformed["cut_off_cases"], Value::Array(Vec::new()));
            if method == "align" {
                // A case deviates when its alignment has a log or visible model move, that is
                // when it does not fit: pm4py's share of fitting cases fixes the count.
                let deviations = &conformed["deviations"];
                let fitting = expected[block]["percentage_of_fitting_traces"]
                    .as_f64()
                    .unwrap();
                assert_eq!(deviations["aligned_cases"], 100);
                assert_eq!(
                    deviations["deviating_cases"].as_f64().unwrap(),
                    (100.0 - fitting).round(),
                    "{algo}: {deviations}"
                );
            }
            for name in [
                "log_fitness",
                "average_trace_fitness",
                "percentage_of_fitting_traces",
            ] {
                rounded_equal(
                    &conformed["fitness"][name],
                    &expected[block][name],
                    &format!("{algo} {method} {name}"),
                );
            }
        }
        rounded_equal(
            &discovered["fitness"]["log_fitness"],
            &expected["token_based_replay"]["log_fitness"],
            &format!("{algo} discover fitness"),
        );
    }
}

#[test]
fn discover_dot_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let log = data_dir().join("logs/running-example.xes");
    let log = log.to_str().unwrap();
    let output = flowbot(dir.path(), &["mine", "discover", log, "-o", "net.dot"]);
    assert!(output.status.success());
    let dot = std::fs::read_to_string(dir.path().join("net.dot")).unwrap();
    assert!(dot.starts_with("digraph petri_net {") && dot.contains("\"register request\""));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("->( 'register request'"), "{text}");

    let svg = flowbot(dir.path(), &["mine", "discover", log, "-o", "net.svg"]);
    assert!(svg.status.success());
    let svg = std::fs::read_to_string(dir.path().join("net.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains(">register request</text>"));

    let bpmn = flowbot(dir.path(), &["mine", "discover", log, "-o", "net.bpmn"]);
    assert!(bpmn.status.success());
    let bpmn = std::fs::read_to_string(dir.path().join("net.bpmn")).unwrap();
    assert!(bpmn.contains("<bpmn:task id=\"node_2\" name=\"register request\">"));
    assert_eq!(
        bpmn.matches("<bpmndi:BPMNShape ").count(),
        bpmn.matches("<bpmn:task ").count()
            + bpmn.matches("Gateway id=").count()
            + bpmn.matches("Event id=").count()
    );
    // A net without a tree (Alpha) is drawn as BPMN too, and that BPMN conforms like its net.
    for output in ["alpha.bpmn", "alpha.pnml"] {
        let written = flowbot(
            dir.path(),
            &["mine", "discover", log, "--algo", "alpha", "-o", output],
        );
        assert!(written.status.success(), "{written:?}");
    }
    let aligned = |model: &str| {
        json(&flowbot(
            dir.path(),
            &[
                "--format", "json", "mine", "conform", log, model, "--method", "align",
            ],
        ))["fitness"]
            .clone()
    };
    // The same cases fit; fitness differs only by the BPMN net's extra silent moves (1 each,
    // against 10 000 for a deviation).
    let (from_bpmn, from_pnml) = (aligned("alpha.bpmn"), aligned("alpha.pnml"));
    assert_eq!(
        from_bpmn["percentage_of_fitting_traces"],
        from_pnml["percentage_of_fitting_traces"]
    );
    let gap =
        from_bpmn["log_fitness"].as_f64().unwrap() - from_pnml["log_fitness"].as_f64().unwrap();
    assert!(gap.abs() < 1e-3, "{from_bpmn} vs {from_pnml}");
    std::fs::write(
        dir.path().join("wait.bpmn"),
        "<definitions><process id=\"p\">\n  <eventBasedGateway id=\"wait\"/></process></definitions>",
    )
    .unwrap();
    let refused = flowbot(dir.path(), &["mine", "conform", log, "wait.bpmn"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("wait.bpmn: line 2: <eventBasedGateway> `wait` is not supported"),
        "{refused:?}"
    );
    // Pictures of the tree and of the BPMN diagram, and one page to mail around.
    let tree = flowbot(
        dir.path(),
        &["mine", "discover", log, "--view", "tree", "-o", "tree.dot"],
    );
    assert!(tree.status.success(), "{tree:?}");
    let tree = std::fs::read_to_string(dir.path().join("tree.dot")).unwrap();
    assert!(tree.starts_with("digraph process_tree {"));
    assert_eq!(
        tree.matches("style=rounded, label=\"register request\"")
            .count(),
        1
    );
    let page = flowbot(
        dir.path(),
        &[
            "mine",
            "discover",
            log,
            "--view",
            "bpmn",
            "-o",
            "model.html",
        ],
    );
    assert!(page.status.success(), "{page:?}");
    let page = std::fs::read_to_string(dir.path().join("model.html")).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("The BPMN diagram discovered"));
    assert!(page.contains("<title>register request</title>"), "{page}");
    assert_eq!(
        page.matches("<rect ").count(),
        8,
        "one box per activity of the running example"
    );
    let no_tree = flowbot(
        dir.path(),
        &[
            "mine", "discover", log, "--algo", "alpha", "--view", "tree", "-o", "tree.svg",
        ],
    );
    assert_eq!(no_tree.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&no_tree.stderr).contains("only the Inductive Miner"));
    let refused = flowbot(dir.path(), &["mine", "discover", log, "-o", "net.xyz"]);
    assert_eq!(refused.status.code(), Some(1));
    let noise = flowbot(
        dir.path(),
        &["mine", "discover", log, "--algo", "imf", "--noise", "1.5"],
    );
    assert_eq!(noise.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&noise.stderr).contains("noise threshold 1.5"));

    std::fs::write(
        dir.path().join("bad.pnml"),
        "<pnml><net id=\"n\"><arc source=\"a\" target=\"b\"/></net></pnml>",
    )
    .unwrap();
    let bad = flowbot(dir.path(), &["mine", "conform", log, "bad.pnml"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("bad.pnml"));
}

/// pm4py's fixture for `log` (written by `miner/tests/oracle/pm4py_models.py`).
fn models_fixture(log: &str) -> (std::path::PathBuf, Value) {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("miner/tests/fixtures/pm4py_models");
    let json = std::fs::read_to_string(dir.join(format!("{log}.json"))).unwrap();
    (dir, serde_json::from_str(&json).unwrap())
}

/// Within the fixtures' nine decimals.
fn close(actual: &Value, expected: &Value, what: &str) {
    let (a, e) = (actual.as_f64().unwrap(), expected.as_f64().unwrap());
    assert!(
        (a - e).abs() <= 5e-10 + 1e-12,
        "{what}: flowbot {a}, pm4py {e}"
    );
}

#[test]
fn heuristics_and_alpha_nets_have_pm4py_sizes_and_conform_reports_pm4py_precision() {
    let dir = tempfile::tempdir().unwrap();
    let name = "roadtraffic100traces.xes";
    let log = data_dir().join("logs").join(name);
    let log = log.to_str().unwrap();
    let (fixtures, expected) = models_fixture(name);
    for algo in ["heuristics", "alpha"] {
        let discovered = json(&flowbot(
            dir.path(),
            &[
                "--format",
                "json",
                "mine",
                "discover",
                log,
                "--algo",
                algo,
                "-o",
                "model.pnml",
            ],
        ));
        assert_eq!(discovered["algorithm"], algo);
        assert_eq!(discovered["tree"], Value::Null);
        assert_eq!(
            discovered["petri_net"], expected[algo]["petri_net"],
            "{algo} sizes"
        );
        assert!(
            discovered["precision"]["precision"].is_f64(),
            "{discovered}"
        );

        // Precision on pm4py's own net equals pm4py's.
        let pm4py_net = fixtures.join(format!("{name}.{algo}.pnml"));
        let conformed = json(&flowbot(
            dir.path(),
            &[
                "--format",
                "json",
                "mine",
                "conform",
                log,
                pm4py_net.to_str().unwrap(),
                "--precision",
            ],
        ));
        close(
            &conformed["precision"]["precision"],
            &expected[algo]["precision"]["value"],
            &format!("{algo} precision"),
        );
        close(
            &conformed["fitness"]["log_fitness"],
            &expected[algo]["token_based_replay"]["log_fitness"],
            &format!("{algo} fitness"),
        );
        let diagnostics = conformed["model_diagnostics"].as_array().unwrap();
        if algo == "heuristics" {
            assert!(diagnostics.is_empty(), "{diagnostics:?}");
        } else {
            // pm4py's Alpha net of this log ends a branch in a transition with no output place.
            assert!(
                diagnostics.iter().any(|d| d["location"]["at"]
                    .as_str()
                    .unwrap()
                    .contains("Notify Result Appeal to Offender")
                    && d["message"]
                        .as_str()
                        .unwrap()
                        .contains("has no output place")),
                "{diagnostics:?}"
            );
        }
    }
    let refused = flowbot(
        dir.path(),
        &[
            "mine",
            "discover",
            log,
            "--algo",
            "heuristics",
            "--dependency-threshold",
            "2",
        ],
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("dependency threshold 2"));
}

#[test]
fn conform_warns_about_unknown_pnml_elements_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let log = data_dir().join("logs/running-example.xes");
    let log = log.to_str().unwrap();
    assert!(
        flowbot(dir.path(), &["mine", "discover", log, "-o", "im.pnml"])
            .status
            .success()
    );
    let written = std::fs::read_to_string(dir.path().join("im.pnml")).unwrap();
    let with_extra = written.replacen("<page", "<colour id=\"c\"/>\n<page", 1);
    std::fs::write(dir.path().join("extra.pnml"), with_extra).unwrap();
    let output = flowbot(
        dir.path(),
        &["--format", "json", "mine", "conform", log, "extra.pnml"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        stderr.contains("extra.pnml: line") && stderr.contains("<colour>"),
        "{stderr}"
    );
    let conformed = json(&output);
    assert_eq!(conformed["model_diagnostics"][0]["field"], "colour");
    assert!(conformed["fitness"]["log_fitness"].is_f64());
}
