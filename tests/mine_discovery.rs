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

    let refused = flowbot(dir.path(), &["mine", "discover", log, "-o", "net.bpmn"]);
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
