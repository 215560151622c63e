//! Alignments: for each trace, the cheapest way to walk the trace and the net together, with
//! the standard cost function — synchronous move 0, log move and visible model move 10 000,
//! silent model move 1 (pm4py's `align_utils` constants; the tiny silent cost is why pm4py's
//! log fitness of a perfectly fitting log is just below 1). Search is A* over (marking, trace
//! position) with an admissible heuristic (events whose activity the net lacks must be log
//! moves); variants are aligned in parallel, each with its own time limit.
//!
//! Fitness follows pm4py 2.7.23.11 (`alignments/petri_net/algorithm.py`): a trace's fitness is
//! `1 − ⌊cost / 10 000⌋ / ⌊bwc / 10 000⌋` where `bwc` ("best worst cost") is the cost of moving
//! every event on the log alone plus the cost of aligning the empty trace, and the log fitness
//! is `1 − Σ cost / Σ bwc` over all traces.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use crate::log::Log;
use crate::petri::{Arc, PetriNet};

/// Cost of a log move or a visible model move.
pub const MOVE_COST: u64 = 10_000;
/// Cost of a silent model move.
pub const SILENT_COST: u64 = 1;

/// The alignment of one trace.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceAlignment {
    pub cost: u64,
    /// Log moves for every event plus the cost of aligning the empty trace (pm4py's `bwc`).
    pub best_worst_cost: u64,
    pub fitness: f64,
    pub moves: Vec<Move>,
}

/// One step of an alignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Move {
    Synchronous {
        activity: String,
    },
    Log {
        activity: String,
    },
    /// A model move; `activity` is `None` for a silent transition.
    Model {
        activity: Option<String>,
    },
}

/// Alignment of every case, and pm4py's summary of them.
#[derive(Debug, Clone, PartialEq)]
pub struct LogAlignment {
    /// Per case, in case order; `None` where the search hit the time limit (or the net cannot
    /// reach its final marking at all).
    pub traces: Vec<Option<TraceAlignment>>,
    /// Ids of the cases without an alignment (see `traces`).
    pub timed_out: Vec<String>,
    pub fitness: AlignmentFitness,
}

/// pm4py's `fitness_alignments` numbers (cases cut off by the time limit are left out, as
/// pm4py leaves out alignments that are `None`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AlignmentFitness {
    pub log_fitness: f64,
    pub average_trace_fitness: f64,
    pub percentage_of_fitting_traces: f64,
}

/// Aligns every case of `log` with `net`, giving each variant at most `timeout`.
pub fn align_log(log: &Log, net: &PetriNet, timeout: Duration) -> LogAlignment {
    let model = Model::new(net);
    let empty_trace_cost = model.align(&[], Duration::MAX).map_or(0, |(cost, _)| cost);
    let mut variants: HashMap<Vec<&str>, usize> = HashMap::default();
    let mut distinct: Vec<Vec<&str>> = Vec::new();
    let mut case_variant = Vec::with_capacity(log.num_cases());
    for case in 0..log.num_cases() {
        let trace: Vec<&str> = log
            .case_activities(case)
            .iter()
            .map(|&a| log.activity_name(a))
            .collect();
        let index = *variants.entry(trace.clone()).or_insert_with(|| {
            distinct.push(trace);
            distinct.len() - 1
        });
        case_variant.push(index);
    }
    let aligned: Vec<Option<TraceAlignment>> = distinct
        .par_iter()
        .map(|trace| {
            let (cost, moves) = model.align(trace, timeout)?;
            let best_worst_cost = trace.len() as u64 * MOVE_COST + empty_trace_cost;
            Some(TraceAlignment {
                cost,
                best_worst_cost,
                fitness: trace_fitness(cost, best_worst_cost),
                moves,
            })
        })
        .collect();
    let traces: Vec<Option<TraceAlignment>> =
        case_variant.iter().map(|&v| aligned[v].clone()).collect();
    let timed_out = traces
        .iter()
        .enumerate()
        .filter(|(_, a)| a.is_none())
        .map(|(case, _)| log.case_id(case).to_owned())
        .collect();
    let fitness = summarise(traces.iter().flatten());
    LogAlignment {
        traces,
        timed_out,
        fitness,
    }
}

fn trace_fitness(cost: u64, best_worst_cost: u64) -> f64 {
    let denominator = best_worst_cost / MOVE_COST;
    if denominator == 0 {
        return 0.0;
    }
    1.0 - (cost / MOVE_COST) as f64 / denominator as f64
}

fn summarise<'a>(aligned: impl Iterator<Item = &'a TraceAlignment>) -> AlignmentFitness {
    let (mut traces, mut fitting, mut fitness_sum, mut cost, mut bwc) =
        (0usize, 0usize, 0.0, 0u64, 0u64);
    for alignment in aligned {
        traces += 1;
        if alignment.fitness == 1.0 {
            fitting += 1;
        }
        fitness_sum += alignment.fitness;
        cost += alignment.cost;
        bwc += alignment.best_worst_cost;
    }
    if traces == 0 {
        return AlignmentFitness {
            log_fitness: 0.0,
            average_trace_fitness: 0.0,
            percentage_of_fitting_traces: 0.0,
        };
    }
    AlignmentFitness {
        log_fitness: if bwc > 0 {
            1.0 - cost as f64 / bwc as f64
        } else {
            0.0
        },
        average_trace_fitness: fitness_sum / traces as f64,
        percentage_of_fitting_traces: 100.0 * fitting as f64 / traces as f64,
    }
}

/// The net prepared for the search: dense markings, transition pre- and postsets.
struct Model<'a> {
    net: &'a PetriNet,
    inputs: Vec<Vec<usize>>,
    outputs: Vec<Vec<usize>>,
    initial: Vec<u8>,
    last: Vec<u8>,
}

/// How a search node was reached, to rebuild the moves.
#[derive(Clone, Copy)]
enum Step {
    Start,
    Sync(usize),
    Log,
    Model(usize),
}

struct Node {
    marking: Box<[u8]>,
    position: usize,
    cost: u64,
    parent: usize,
    step: Step,
}

impl<'a> Model<'a> {
    fn new(net: &'a PetriNet) -> Model<'a> {
        let mut inputs = vec![Vec::new(); net.transitions.len()];
        let mut outputs = vec![Vec::new(); net.transitions.len()];
        for arc in &net.arcs {
            match *arc {
                Arc::Input { place, transition } => inputs[transition].push(place),
                Arc::Output { transition, place } => outputs[transition].push(place),
            }
        }
        let dense = |marking: &crate::petri::Marking| {
            let mut out = vec![0u8; net.places.len()];
            for (&place, &tokens) in marking {
                out[place] = tokens.min(u32::from(u8::MAX)) as u8;
            }
            out
        };
        Model {
            net,
            inputs,
            outputs,
            initial: dense(&net.initial_marking),
            last: dense(&net.final_marking),
        }
    }

    fn fire(&self, transition: usize, marking: &[u8]) -> Option<Box<[u8]>> {
        if self.inputs[transition].iter().any(|&p| marking[p] == 0) {
            return None;
        }
        let mut next: Box<[u8]> = marking.into();
        for &p in &self.inputs[transition] {
            next[p] -= 1;
        }
        for &p in &self.outputs[transition] {
            // A token count past 255 means an unbounded net; refuse the move rather than wrap.
            next[p] = next[p].checked_add(1)?;
        }
        Some(next)
    }

    /// The cheapest alignment of `trace`, or `None` when `timeout` passes first.
    fn align(&self, trace: &[&str], timeout: Duration) -> Option<(u64, Vec<Move>)> {
        let started = Instant::now();
        let labels: Vec<Option<&str>> = self
            .net
            .transitions
            .iter()
            .map(|t| t.label.as_deref())
            .collect();
        // Events whose activity no transition carries can only be log moves.
        let mut unmatched_after = vec![0u64; trace.len() + 1];
        for i in (0..trace.len()).rev() {
            let known = labels.contains(&Some(trace[i]));
            unmatched_after[i] = unmatched_after[i + 1] + u64::from(!known) * MOVE_COST;
        }
        let mut nodes: Vec<Node> = vec![Node {
            marking: self.initial.clone().into(),
            position: 0,
            cost: 0,
            parent: 0,
            step: Step::Start,
        }];
        let mut best: HashMap<(Box<[u8]>, usize), u64> = HashMap::default();
        best.insert((self.initial.clone().into(), 0), 0);
        let mut queue = BinaryHeap::new();
        queue.push(Reverse((unmatched_after[0], Reverse(0usize), 0usize)));
        let mut expanded = 0u64;
        while let Some(Reverse((_, _, id))) = queue.pop() {
            let (cost, position) = (nodes[id].cost, nodes[id].position);
            let marking = nodes[id].marking.clone();
            if best
                .get(&(marking.clone(), position))
                .is_some_and(|&b| b < cost)
            {
                continue;
            }
            if position == trace.len() && *marking == *self.last {
                return Some((cost, self.moves(&nodes, id, trace)));
            }
            expanded += 1;
            if expanded.is_multiple_of(1024) && started.elapsed() > timeout {
                return None;
            }
            let mut push = |next: Box<[u8]>, position: usize, cost: u64, step: Step| {
                let key = (next.clone(), position);
                if best.get(&key).is_some_and(|&b| b <= cost) {
                    return;
                }
                best.insert(key, cost);
                nodes.push(Node {
                    marking: next,
                    position,
                    cost,
                    parent: id,
                    step,
                });
                let f = cost + unmatched_after[position];
                queue.push(Reverse((f, Reverse(position), nodes.len() - 1)));
            };
            for (transition, label) in labels.iter().enumerate() {
                let Some(next) = self.fire(transition, &marking) else {
                    continue;
                };
                if position < trace.len() && *label == Some(trace[position]) {
                    push(next.clone(), position + 1, cost, Step::Sync(transition));
                }
                let move_cost = if label.is_some() {
                    MOVE_COST
                } else {
                    SILENT_COST
                };
                push(next, position, cost + move_cost, Step::Model(transition));
            }
            if position < trace.len() {
                push(marking.clone(), position + 1, cost + MOVE_COST, Step::Log);
            }
        }
        None
    }

    fn moves(&self, nodes: &[Node], mut id: usize, trace: &[&str]) -> Vec<Move> {
        let mut moves = Vec::new();
        while id != 0 {
            let node = &nodes[id];
            let label = |t: usize| self.net.transitions[t].label.clone();
            moves.push(match node.step {
                Step::Sync(t) => Move::Synchronous {
                    activity: label(t).unwrap_or_default(),
                },
                Step::Log => Move::Log {
                    activity: trace[node.position - 1].to_owned(),
                },
                Step::Model(t) => Move::Model { activity: label(t) },
                Step::Start => break,
            });
            id = node.parent;
        }
        moves.reverse();
        moves
    }
}
