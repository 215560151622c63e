//! Property: a log played out from a random process tree (own generator) fits the Inductive
//! Miner's model of it perfectly — every trace has an alignment without log or visible model
//! moves — and the model's net is a proper workflow net (one source, one sink). The tree's BPMN
//! reads back unchanged and its net fits the same log.

use std::time::Duration;

use flowbot_miner::bpmn;
use flowbot_miner::conformance::alignments::{self, MOVE_COST};
use flowbot_miner::discovery::inductive::{self, Variant};
use flowbot_miner::discovery::{Operator, ProcessTree};
use flowbot_miner::log::NewEvent;
use flowbot_miner::petri::from_tree;
use flowbot_miner::{Log, LogBuilder};
use proptest::prelude::*;

/// A tree shape; leaves get distinct labels afterwards.
fn shape() -> impl Strategy<Value = ProcessTree> {
    let leaf = prop_oneof![
        1 => Just(ProcessTree::Tau),
        4 => Just(ProcessTree::Activity(String::new())),
    ];
    leaf.prop_recursive(4, 20, 3, |inner| {
        (
            prop_oneof![
                Just(Operator::Sequence),
                Just(Operator::Xor),
                Just(Operator::Parallel),
                Just(Operator::Loop),
            ],
            prop::collection::vec(inner, 2..4),
        )
            .prop_map(|(operator, children)| {
                // Loops have a do and one redo part, as the Inductive Miner makes them.
                let children = if operator == Operator::Loop {
                    children.into_iter().take(2).collect()
                } else {
                    children
                };
                ProcessTree::node(operator, children)
            })
    })
}

fn label(tree: ProcessTree, next: &mut usize) -> ProcessTree {
    match tree {
        ProcessTree::Activity(_) => {
            *next += 1;
            ProcessTree::Activity(format!("a{next}"))
        }
        ProcessTree::Node { operator, children } => ProcessTree::node(
            operator,
            children.into_iter().map(|c| label(c, next)).collect(),
        ),
        tau => tau,
    }
}

/// xorshift64*: enough randomness for play-out, seeded by proptest.
struct Random(u64);

impl Random {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
    }
}

/// One random run of the tree: loops repeat at most twice, parallel children interleave.
fn play(tree: &ProcessTree, random: &mut Random) -> Vec<String> {
    match tree {
        ProcessTree::Tau => Vec::new(),
        ProcessTree::Activity(label) => vec![label.clone()],
        ProcessTree::Node { operator, children } => match operator {
            Operator::Sequence => children.iter().flat_map(|c| play(c, random)).collect(),
            Operator::Xor | Operator::Or => play(&children[random.below(children.len())], random),
            Operator::Parallel => {
                let mut runs: Vec<std::collections::VecDeque<String>> =
                    children.iter().map(|c| play(c, random).into()).collect();
                let mut out = Vec::new();
                loop {
                    let open: Vec<usize> =
                        (0..runs.len()).filter(|&i| !runs[i].is_empty()).collect();
                    if open.is_empty() {
                        break out;
                    }
                    let pick = open[random.below(open.len())];
                    out.extend(runs[pick].pop_front());
                }
            }
            Operator::Loop => {
                let mut out = play(&children[0], random);
                for _ in 0..random.below(3) {
                    if let Some(redo) = children.get(1) {
                        out.extend(play(redo, random));
                    }
                    out.extend(play(&children[0], random));
                }
                out
            }
        },
    }
}

fn log_of(traces: &[Vec<String>]) -> Log {
    let mut builder = LogBuilder::new();
    for (index, trace) in traces.iter().enumerate() {
        let case = builder.case(&format!("case{index}"));
        for (position, activity) in trace.iter().enumerate() {
            let activity = builder.activities().intern(activity);
            builder.push(
                case,
                NewEvent {
                    activity,
                    time: Some(position as i64 * 1_000_000),
                    ..NewEvent::default()
                },
            );
        }
    }
    builder.finish()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn im_model_of_a_played_out_log_fits_every_trace(shape in shape(), seed in 1u64..u64::MAX) {
        let tree = label(shape, &mut 0);
        let mut random = Random(seed);
        let traces: Vec<Vec<String>> = (0..40).map(|_| play(&tree, &mut random)).collect();
        let log = log_of(&traces);
        let mined = inductive::discover(&log, Variant::Im).unwrap();
        let net = from_tree::convert(&mined);
        prop_assert_eq!(net.initial_marking.len(), 1);
        prop_assert_eq!(net.final_marking.len(), 1);
        let aligned = alignments::align_log(&log, &net, Duration::from_secs(30));
        prop_assert!(aligned.timed_out.is_empty());
        for (case, alignment) in aligned.traces.iter().enumerate() {
            let alignment = alignment.as_ref().unwrap();
            prop_assert!(
                alignment.cost < MOVE_COST,
                "trace {:?} does not fit {} (mined from {})", traces[case], mined, tree
            );
        }
        // pm4py's trace fitness divides by the best worst cost in units of 10 000, which is 0
        // for an empty trace on a model that can skip everything; it then reports 0, not 1.
        for (trace, alignment) in traces.iter().zip(&aligned.traces) {
            if !trace.is_empty() {
                prop_assert_eq!(alignment.as_ref().unwrap().fitness, 1.0);
            }
        }
    }

    /// BPMN round trip: the tree's BPMN, written and read back, is the same diagram, and the
    /// net made from it (as `mine conform` makes it from a .bpmn file) fits every played-out
    /// trace; so does the BPMN drawn from the tree's Petri net.
    #[test]
    fn bpmn_of_a_tree_reads_back_and_fits_its_played_out_log(shape in shape(), seed in 1u64..u64::MAX) {
        let tree = label(shape, &mut 0);
        let mut random = Random(seed);
        let traces: Vec<Vec<String>> = (0..20).map(|_| play(&tree, &mut random)).collect();
        let log = log_of(&traces);
        let drawn = bpmn::from_tree(&tree);
        let (read, diagnostics) = bpmn::read_bpmn(&bpmn::to_bpmn_xml(&drawn), "tree.bpmn").unwrap();
        prop_assert!(diagnostics.is_empty());
        prop_assert_eq!(&read, &drawn);
        let via_net = bpmn::from_petri_net(&from_tree::convert(&tree)).unwrap();
        for diagram in [read, via_net] {
            let net = bpmn::to_petri_net(&diagram).unwrap();
            let aligned = alignments::align_log(&log, &net, Duration::from_secs(30));
            prop_assert!(aligned.timed_out.is_empty());
            for (case, alignment) in aligned.traces.iter().enumerate() {
                prop_assert!(
                    alignment.as_ref().unwrap().cost < MOVE_COST,
                    "trace {:?} does not fit the BPMN of {}", traces[case], tree
                );
            }
        }
    }
}
