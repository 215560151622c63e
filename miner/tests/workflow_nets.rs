//! Which nets are workflow nets: every model the miners discover on the reference logs (except
//! where Alpha's short-loop blindness leaves a transition without input or output place), and
//! the ways a hand-made net falls short, each named.

mod common;

use flowbot_miner::Log;
use flowbot_miner::discovery::heuristics::{self, Thresholds};
use flowbot_miner::discovery::inductive::{self, Variant};
use flowbot_miner::import::{self, ImportOptions};
use flowbot_miner::petri::{from_tree, pnml, workflow};

fn import(name: &str) -> Log {
    let path = common::data_dir().join("logs").join(name);
    import::import_path(&path, &ImportOptions::default(), &mut |_| {})
        .unwrap()
        .0
}

#[test]
fn discovered_inductive_and_heuristics_nets_are_workflow_nets() {
    for name in [
        "running-example.xes",
        "repairExample.xes.gz",
        "sepsis.xes.gz",
        "receipt.xes.gz",
    ] {
        let log = import(name);
        for variant in [Variant::Im, Variant::with_noise(0.2)] {
            let net = from_tree::convert(&inductive::discover(&log, variant).unwrap());
            assert_eq!(workflow::check(&net), [], "{name} {variant:?}");
        }
        let net = heuristics::to_petri::convert(
            &heuristics::discover(&log, &Thresholds::default()).unwrap(),
        );
        assert_eq!(workflow::check(&net), [], "{name} heuristics");
    }
}

#[test]
fn a_hand_made_net_with_a_dead_end_and_a_free_transition_is_told_why() {
    // start → a → end, plus b from start into a place that goes nowhere, and c with no input.
    let text = r#"<pnml><net id="n"><page id="p">
      <place id="start"><initialMarking><text>1</text></initialMarking></place>
      <place id="end"/><place id="stuck"/>
      <transition id="a"><name><text>approve</text></name></transition>
      <transition id="b"><name><text>park</text></name></transition>
      <transition id="c"><name><text>remind</text></name></transition>
      <arc id="1" source="start" target="a"/><arc id="2" source="a" target="end"/>
      <arc id="3" source="start" target="b"/><arc id="4" source="b" target="stuck"/>
      <arc id="5" source="c" target="stuck"/>
    </page><finalmarkings><marking><place idref="end"><text>1</text></place></marking></finalmarkings></net></pnml>"#;
    let net = pnml::from_pnml(text).unwrap();
    let findings: Vec<(String, String)> = workflow::check(&net)
        .into_iter()
        .map(|f| (f.node, f.problem))
        .collect();
    let expected = [
        (
            "transition c (remind)",
            "has no input place, so it can fire at any time, without end",
        ),
        (
            "place stuck",
            "does not lead to the final marking: a case that gets here cannot complete",
        ),
        (
            "transition b (park)",
            "does not lead to the final marking: a case that gets here cannot complete",
        ),
        (
            "transition c (remind)",
            "cannot be reached from the initial marking",
        ),
    ];
    assert_eq!(findings.len(), expected.len(), "{findings:?}");
    for (node, problem) in expected {
        assert!(
            findings.iter().any(|f| f.0 == node && f.1 == problem),
            "{node}: {problem} missing from {findings:?}"
        );
    }

    let no_markings =
        pnml::from_pnml(r#"<pnml><net id="n"><page id="p"><place id="p1"/></page></net></pnml>"#)
            .unwrap();
    let problems: Vec<String> = workflow::check(&no_markings)
        .into_iter()
        .map(|f| f.problem)
        .collect();
    assert_eq!(
        problems,
        [
            "no initial marking: no case can start",
            "no final marking: no case can be told complete"
        ]
    );
}
