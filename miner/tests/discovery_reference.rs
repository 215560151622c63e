//! The Inductive Miner against pm4py 2.7.23.11's trees in `shared/data/reference/*.json`
//! (`inductive_miner.noise_0.0` = IM, `noise_0.2` = IMf): the canonical tree string (children
//! of X, + and O sorted) and the tree statistics must be equal, and so must the sizes of the
//! Petri net converted from the tree (`pm4py.convert_to_petri_net`).

mod common;

use std::path::Path;
use std::time::Duration;

use flowbot_miner::Log;
use flowbot_miner::conformance::{alignments, token_replay};
use flowbot_miner::discovery::ProcessTree;
use flowbot_miner::discovery::inductive::{self, Variant};
use flowbot_miner::import::{self, ImportOptions};
use flowbot_miner::petri::{PetriNet, from_tree};
use serde_json::Value as Json;

fn import(path: &Path) -> Log {
    let (log, _) = import::import_path(path, &ImportOptions::default(), &mut |_| {})
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    log
}

fn reference(name: &str) -> Json {
    let path = common::data_dir().join(format!("reference/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn stats_json(tree: &ProcessTree) -> Json {
    let stats = tree.stats();
    serde_json::json!({
        "nodes": stats.nodes,
        "leaves": stats.leaves,
        "taus": stats.taus,
        "operators": stats.operators,
        "depth": stats.depth,
    })
}

/// The references are rounded to six decimals: equal means within half a unit of the sixth.
fn rounded_equal(actual: f64, expected: &Json, what: &str) {
    let expected = expected
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: reference {expected} is not a number"));
    assert!(
        (actual - expected).abs() <= 5e-7 + 1e-12,
        "{what}: miner {actual}, pm4py {expected}"
    );
}

fn net_json(net: &PetriNet) -> Json {
    let stats = net.stats();
    serde_json::json!({
        "places": stats.places,
        "transitions": stats.transitions,
        "visible_transitions": stats.visible_transitions,
        "invisible_transitions": stats.invisible_transitions,
        "arcs": stats.arcs,
    })
}

/// Mines `log` with IM and IMf and compares both with pm4py's trees.
fn check(name: &str) {
    let log = import(&common::data_dir().join("logs").join(name));
    let reference = reference(name);
    for (key, variant) in [
        ("noise_0.0", Variant::Im),
        ("noise_0.2", Variant::with_noise(0.2)),
    ] {
        let expected = &reference["inductive_miner"][key];
        let tree = inductive::discover(&log, variant).unwrap();
        assert_eq!(
            tree.canonical(),
            expected["process_tree_canonical"].as_str().unwrap(),
            "{name} {key}: canonical tree (pm4py str: {})",
            expected["process_tree"]
        );
        assert_eq!(
            stats_json(&tree),
            expected["tree_stats"],
            "{name} {key}: tree stats"
        );
        let net = from_tree::convert(&tree);
        assert_eq!(
            net_json(&net),
            expected["petri_net"],
            "{name} {key}: Petri net sizes"
        );
        let (_, fitness) = token_replay::replay_log(&log, &net);
        let replay = &expected["token_based_replay"];
        for (what, actual) in [
            ("log_fitness", fitness.log_fitness),
            ("average_trace_fitness", fitness.average_trace_fitness),
            (
                "percentage_of_fitting_traces",
                fitness.percentage_of_fitting_traces,
            ),
            ("perc_fit_traces", fitness.percentage_of_fitting_traces),
        ] {
            rounded_equal(
                actual,
                &replay[what],
                &format!("{name} {key}: replay {what}"),
            );
        }
        check_alignments(name, key, &log, &net, &expected["alignments"]);
    }
}

/// Alignment fitness against pm4py's, where the oracle computed alignments.
fn check_alignments(name: &str, key: &str, log: &Log, net: &PetriNet, expected: &Json) {
    if expected.get("skipped").is_some() {
        return;
    }
    let aligned = alignments::align_log(log, net, Duration::from_secs(600));
    assert!(
        aligned.timed_out.is_empty(),
        "{name} {key}: alignments cut off for {:?}",
        aligned.timed_out
    );
    let fitness = &aligned.fitness;
    for (what, actual) in [
        ("log_fitness", fitness.log_fitness),
        ("averageFitness", fitness.average_trace_fitness),
        ("average_trace_fitness", fitness.average_trace_fitness),
        ("percFitTraces", fitness.percentage_of_fitting_traces),
        (
            "percentage_of_fitting_traces",
            fitness.percentage_of_fitting_traces,
        ),
    ] {
        rounded_equal(
            actual,
            &expected[what],
            &format!("{name} {key}: alignments {what}"),
        );
    }
}

macro_rules! exact_tree_tests {
    ($($test:ident => $log:expr),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                check($log);
            }
        )*
    };
}

exact_tree_tests! {
    running_example_xes => "running-example.xes",
    running_example_csv => "running-example.csv",
    roadtraffic100traces_xes => "roadtraffic100traces.xes",
    repair_example_xes_gz => "repairExample.xes.gz",
    interval_event_log_xes => "interval_event_log.xes",
    interval_event_log_csv => "interval_event_log.csv",
    sepsis_xes_gz => "sepsis.xes.gz",
    receipt_xes_gz => "receipt.xes.gz",
    receipt_csv => "receipt.csv",
    bpic2012_xes_gz => "bpic2012.xes.gz",
    bpic2012_x2_xes_gz => "bpic2012_x2.xes.gz",
}
