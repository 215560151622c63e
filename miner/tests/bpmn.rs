//! BPMN as analysts meet it: a model written by `mine discover -o x.bpmn` reads back as the
//! same diagram, a BPMN model (written by us or drawn in a modeler) replays like the net it came
//! from, and files flowbot cannot convert are refused with their line.

mod common;

use std::path::Path;
use std::time::Duration;

use flowbot_miner::bpmn::{
    self, BpmnDiagram, BpmnError, FromPetriError, NodeKind, from_petri_net, read_bpmn, to_bpmn_xml,
    to_petri_net,
};
use flowbot_miner::conformance::alignments::{MOVE_COST, align_log};
use flowbot_miner::conformance::token_replay::replay_log;
use flowbot_miner::discovery::heuristics::{self, Thresholds};
use flowbot_miner::discovery::inductive::{self, Variant};
use flowbot_miner::discovery::{ProcessTree, alpha, tree_render};
use flowbot_miner::import::{self, ImportOptions};
use flowbot_miner::log::NewEvent;
use flowbot_miner::petri::{PetriNet, from_tree};
use flowbot_miner::{Log, LogBuilder};

fn import(name: &str) -> Log {
    let path = common::data_dir().join("logs").join(name);
    import::import_path(&path, &ImportOptions::default(), &mut |_| {})
        .unwrap()
        .0
}

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bpmn")
        .join(name);
    std::fs::read_to_string(&path).unwrap()
}

fn log_of(traces: &[&[&str]]) -> Log {
    let mut builder = LogBuilder::new();
    for (index, trace) in traces.iter().enumerate() {
        let case = builder.case(&format!("case{index}"));
        for (position, activity) in trace.iter().enumerate() {
            let activity = builder.activities().intern(activity);
            let time = Some(position as i64 * 1_000_000);
            builder.push(
                case,
                NewEvent {
                    activity,
                    time,
                    ..NewEvent::default()
                },
            );
        }
    }
    builder.finish()
}

/// Per case, how many log and visible model moves its optimal alignment needs. (Fitness itself
/// also counts silent moves, 1 each against 10 000 for a deviation, and a BPMN's net has other
/// silent transitions than the net it was drawn from.)
fn deviations(log: &Log, net: &PetriNet) -> Vec<u64> {
    let aligned = align_log(log, net, Duration::from_secs(30));
    assert!(aligned.timed_out.is_empty(), "{:?}", aligned.timed_out);
    aligned
        .traces
        .iter()
        .map(|trace| trace.as_ref().unwrap().cost / MOVE_COST)
        .collect()
}

fn reread(diagram: &BpmnDiagram) -> BpmnDiagram {
    let (read, diagnostics) = read_bpmn(&to_bpmn_xml(diagram), "written.bpmn").unwrap();
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    read
}

fn trees(log: &Log) -> Vec<ProcessTree> {
    vec![
        inductive::discover(log, Variant::Im).unwrap(),
        inductive::discover(log, Variant::with_noise(0.2)).unwrap(),
    ]
}

/// The BPMN of a tree, written and read back, is the same diagram, and every case needs as many
/// deviations on its net as on the tree's own net; so on the BPMN drawn from that net.
#[test]
fn bpmn_of_inductive_models_reads_back_and_aligns_as_the_tree() {
    for name in [
        "running-example.xes",
        "roadtraffic100traces.xes",
        "repairExample.xes.gz",
    ] {
        let log = import(name);
        for tree in trees(&log) {
            let net = from_tree::convert(&tree);
            let expected = deviations(&log, &net);
            let drawn = bpmn::from_tree(&tree);
            assert_eq!(reread(&drawn), drawn, "{name}: {tree}");
            let from_diagram = to_petri_net(&drawn).unwrap();
            let from_net = to_petri_net(&reread(&from_petri_net(&net).unwrap())).unwrap();
            for (what, other) in [("tree BPMN", from_diagram), ("net BPMN", from_net)] {
                assert_eq!(deviations(&log, &other), expected, "{name} {what}: {tree}");
            }
        }
    }
}

/// Heuristics and Alpha nets have no tree; their BPMN aligns as the net does on free-choice
/// nets (every case needs as many deviations as on the net itself). A transition without input
/// place (Alpha's answer to short loops in the repair log) cannot be drawn and is named.
#[test]
fn heuristics_and_alpha_nets_become_bpmn_that_aligns_as_the_net() {
    for name in [
        "running-example.xes",
        "repairExample.xes.gz",
        "roadtraffic100traces.xes",
    ] {
        let log = import(name);
        let heuristics = heuristics::discover(&log, &Thresholds::default()).unwrap();
        let (alpha, _) = alpha::discover(&log);
        for (what, net) in [
            ("heuristics", heuristics::to_petri::convert(&heuristics)),
            ("alpha", alpha),
        ] {
            // What BPMN cannot draw, found on the net itself: a transition without input or
            // output place.
            let undrawable = (0..net.transitions.len()).find_map(|t| {
                let label = net.transitions[t].label.clone().unwrap_or_default();
                if net.preset(t).is_empty() {
                    Some(FromPetriError::NoInput(label))
                } else if net.postset(t).is_empty() {
                    Some(FromPetriError::NoOutput(label))
                } else {
                    None
                }
            });
            let diagram = match (from_petri_net(&net), undrawable) {
                (Ok(diagram), None) => reread(&diagram),
                (Err(error), Some(expected)) => {
                    assert_eq!(error, expected, "{name} {what}");
                    continue;
                }
                (result, expected) => panic!(
                    "{name} {what}: {:?} but expected {expected:?}",
                    result.err()
                ),
            };
            let tasks = diagram
                .nodes
                .iter()
                .filter(|n| n.kind == NodeKind::Task)
                .count();
            let visible = net.transitions.iter().filter(|t| t.label.is_some()).count();
            assert_eq!(
                tasks, visible,
                "{name} {what}: one task per visible transition"
            );
            let other = to_petri_net(&diagram).unwrap_or_else(|e| panic!("{name} {what}: {e}"));
            assert_eq!(
                deviations(&log, &other),
                deviations(&log, &net),
                "{name} {what}"
            );
        }
    }
}

/// A Camunda Modeler file: user and service tasks, a condition, documentation, Camunda
/// extensions and labels. Read with its own layout; a trace of the drawn flow fits, one that
/// skips the approval does not.
#[test]
fn a_modeler_drawn_invoice_approval_replays_its_traces() {
    let (diagram, diagnostics) =
        read_bpmn(&fixture("invoice_approval.bpmn"), "invoice_approval.bpmn").unwrap();
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let names: Vec<&str> = diagram
        .nodes
        .iter()
        .filter_map(|n| n.name.as_deref())
        .collect();
    assert!(names.contains(&"Approve invoice"), "{names:?}");
    let start = diagram
        .nodes
        .iter()
        .find(|n| n.kind == NodeKind::StartEvent)
        .unwrap();
    assert_eq!(
        start.bounds,
        (152.0, 102.0, 36.0, 36.0),
        "the modeler's layout is kept"
    );

    let net = to_petri_net(&diagram).unwrap();
    let log = log_of(&[
        &[
            "Receive invoice",
            "Approve invoice",
            "Post invoice",
            "Pay invoice",
        ],
        &["Receive invoice", "Approve invoice", "Reject invoice"],
        &["Receive invoice", "Pay invoice", "Post invoice"],
        &["Receive invoice", "Post invoice", "Pay invoice"],
    ]);
    let (traces, _) = replay_log(&log, &net);
    let fits: Vec<bool> = traces.iter().map(|t| t.trace_is_fit).collect();
    assert_eq!(fits, [true, true, false, false]);
}

#[test]
fn flow_elements_a_net_cannot_carry_are_refused_with_their_line() {
    let error = read_bpmn(&fixture("event_based_gateway.bpmn"), "wait.bpmn").unwrap_err();
    assert_eq!(
        error,
        BpmnError::Unsupported {
            file: "wait.bpmn".to_owned(),
            line: 6,
            element: "eventBasedGateway".to_owned(),
            id: "wait_for_reply".to_owned(),
        }
    );
    assert!(
        error.to_string().starts_with(
            "wait.bpmn: line 6: <eventBasedGateway> `wait_for_reply` is not supported"
        ),
        "{error}"
    );
}

#[test]
fn broken_files_say_what_and_where() {
    let cases = [
        (
            "<definitions><process id=\"p\"><startEvent id=\"s\"/>\n<sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"nowhere\"/></process></definitions>",
            "x.bpmn: line 2: sequence flow `f` refers to `nowhere`, which is no flow node of the process",
        ),
        (
            "<definitions><process id=\"p\">\n<task id=\"t\"></process></definitions>",
            "x.bpmn: line 2: not well-formed XML",
        ),
        (
            "<definitions><process id=\"a\"/><process id=\"b\"/></definitions>",
            "x.bpmn: has 2 processes; flowbot reads a document with exactly one",
        ),
        (
            "<definitions><process id=\"p\"><startEvent id=\"s\"/></process></definitions>",
            "x.bpmn: the process has no end event",
        ),
    ];
    for (text, expected) in cases {
        let error = read_bpmn(text, "x.bpmn").unwrap_err().to_string();
        assert!(error.starts_with(expected), "{error}\nexpected: {expected}");
    }
    // A task nobody can reach cannot become a net.
    let text = "<definitions><process id=\"p\"><startEvent id=\"s\"/><endEvent id=\"e\"/><task id=\"lost\"/>\n\
                <sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"e\"/></process></definitions>";
    let (diagram, _) = read_bpmn(text, "x.bpmn").unwrap();
    assert_eq!(
        to_petri_net(&diagram).unwrap_err().to_string(),
        "task `lost` has no incoming sequence flow"
    );
}

/// Without diagram interchange (as some tools export) the diagram is laid out afresh: every
/// node gets a shape, no two overlap, and the reader says so.
#[test]
fn a_file_without_layout_is_laid_out_and_the_reader_says_so() {
    let text = fixture("invoice_approval.bpmn");
    let without_di = &text[..text.find("<bpmndi:BPMNDiagram").unwrap()];
    let (diagram, diagnostics) =
        read_bpmn(&format!("{without_di}</bpmn:definitions>"), "plain.bpmn").unwrap();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert!(diagnostics[0].message.contains("laid out afresh"));
    for (i, a) in diagram.nodes.iter().enumerate() {
        assert!(a.bounds.2 > 0.0, "{a:?}");
        for b in &diagram.nodes[i + 1..] {
            let (ax, ay, aw, ah) = a.bounds;
            let (bx, by, bw, bh) = b.bounds;
            assert!(
                ax + aw <= bx || bx + bw <= ax || ay + ah <= by || by + bh <= ay,
                "{a:?} overlaps {b:?}"
            );
        }
    }
    assert!(diagram.flows.iter().all(|flow| flow.waypoints.len() >= 2));
}

/// Pictures: every node of the diagram and of the tree is drawn once, every flow once.
#[test]
fn bpmn_and_tree_pictures_draw_every_node_and_flow() {
    let log = import("running-example.xes");
    let tree = inductive::discover(&log, Variant::Im).unwrap();
    let diagram = bpmn::from_tree(&tree);
    let svg = bpmn::render::to_svg(&diagram);
    assert_eq!(svg.matches("<g>").count(), diagram.nodes.len());
    assert_eq!(svg.matches("<polyline ").count(), diagram.flows.len());
    let tasks = diagram
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Task)
        .count();
    assert_eq!(svg.matches("<rect ").count(), tasks);
    let dot = bpmn::render::to_dot(&diagram);
    assert_eq!(dot.matches(" -> ").count(), diagram.flows.len());

    let stats = tree.stats();
    let svg = tree_render::to_svg(&tree);
    assert_eq!(svg.matches("<g>").count(), stats.nodes);
    assert_eq!(
        svg.matches("<line ").count(),
        stats.nodes - 1,
        "one edge per non-root node"
    );
    assert!(svg.contains("<title>register request</title>"));
    let dot = tree_render::to_dot(&tree);
    assert_eq!(dot.matches(" -> ").count(), stats.nodes - 1);
}
