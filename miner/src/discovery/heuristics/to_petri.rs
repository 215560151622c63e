//! Heuristics net → Petri net, as pm4py 2.7.23.11's `objects/conversion/heuristics_net/
//! variants/to_petri_net.py`: one visible transition per node; a `pre_<a>` place before each
//! node entered from more than one side, fed by a hidden transition per predecessor (or per
//! AND-join clique of predecessors, which then waits for all of them); an `intplace_<a>` place
//! after each node left to more than one side, emptied by a hidden transition per successor
//! (or per AND-split clique, which marks all of them). Hidden transitions another one makes
//! redundant are dropped, then pm4py's simple reduction runs.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::HeuristicsNet;
use crate::petri::PetriNet;
use crate::petri::builder::NetBuilder;

/// Where an arc into a node's transition comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    Node(usize),
    /// The source (entering) or sink (exiting) place.
    Boundary,
}

/// pm4py's `who_is_entering` / `who_is_exiting`: each node's transition and the sides it is
/// entered from and left to, keyed in first-touch order.
#[derive(Default)]
struct Wiring {
    transitions: HashMap<usize, usize>,
    order: Vec<usize>,
    entering: HashMap<usize, BTreeSet<Side>>,
    exiting: HashMap<usize, BTreeSet<Side>>,
}

impl Wiring {
    fn touch(&mut self, net: &HeuristicsNet, activity: usize, builder: &mut NetBuilder) {
        if self.transitions.contains_key(&activity) {
            return;
        }
        let label = net.activities[activity].clone();
        let transition = builder.transition(label.clone(), Some(label));
        self.transitions.insert(activity, transition);
        self.order.push(activity);
        let boundary = |listed: &[usize]| -> BTreeSet<Side> {
            listed
                .contains(&activity)
                .then_some(Side::Boundary)
                .into_iter()
                .collect()
        };
        self.entering
            .insert(activity, boundary(&net.start_activities));
        self.exiting.insert(activity, boundary(&net.end_activities));
    }

    fn link(&mut self, from: usize, to: usize) {
        if let Some(sides) = self.entering.get_mut(&to) {
            sides.insert(Side::Node(from));
        }
        if let Some(sides) = self.exiting.get_mut(&from) {
            sides.insert(Side::Node(to));
        }
    }
}

/// The accepting Petri net of a heuristics net (one `source0` and one `sink0` place).
pub fn convert(net: &HeuristicsNet) -> PetriNet {
    let name = |activity: usize| net.activities[activity].as_str();
    let mut builder = NetBuilder::default();
    let source = builder.place("source0");
    let sink = builder.place("sink0");
    let mut wiring = Wiring::default();
    for node in &net.nodes {
        wiring.touch(net, node.activity, &mut builder);
        for edge in &node.outputs {
            wiring.touch(net, edge.other, &mut builder);
            wiring.link(node.activity, edge.other);
        }
    }
    let Wiring {
        transitions,
        order,
        entering,
        exiting,
    } = wiring;
    let mut hidden = 0usize;
    let mut hid = |builder: &mut NetBuilder| {
        hidden += 1;
        builder.transition(format!("hid_{hidden}"), None)
    };
    // places_entering[(a, b)]: the place a puts its token in for b.
    let mut places_entering: HashMap<(usize, usize), usize> = HashMap::new();
    for &act in &order {
        let sides = &entering[&act];
        let preds: Vec<usize> = sides
            .iter()
            .filter_map(|side| match side {
                Side::Node(pred) => Some(*pred),
                Side::Boundary => None,
            })
            .collect();
        let from_source = sides.contains(&Side::Boundary);
        let master = (!preds.is_empty() || sides.len() > 1).then(|| {
            let place = builder.place(&format!("pre_{}", name(act)));
            builder.input(place, transitions[&act]);
            place
        });
        let and_joins = net.node(act).map(|n| &n.and_in[..]).unwrap_or(&[]);
        let mut and_members = BTreeSet::new();
        for clique in cliques(and_joins) {
            let clique: Vec<usize> = clique.into_iter().filter(|p| preds.contains(p)).collect();
            if clique.len() < 2 {
                continue;
            }
            and_members.extend(clique.iter().copied());
            let transition = hid(&mut builder);
            if let Some(master) = master {
                builder.output(transition, master);
            }
            for pred in clique {
                let place = *places_entering.entry((pred, act)).or_insert_with(|| {
                    builder.place(&format!("splace_in_{}_{}", name(act), name(pred)))
                });
                builder.input(place, transition);
            }
        }
        for &pred in &preds {
            if and_members.contains(&pred) {
                continue;
            }
            let Some(master) = master else { continue };
            if sides.len() == 1 {
                places_entering.insert((pred, act), master);
            } else {
                let place = *places_entering.entry((pred, act)).or_insert_with(|| {
                    builder.place(&format!("splace_in_{}_{}", name(act), name(pred)))
                });
                let transition = hid(&mut builder);
                builder.input(place, transition);
                builder.output(transition, master);
            }
        }
        if from_source {
            match master {
                Some(master) if sides.len() > 1 => {
                    let transition = hid(&mut builder);
                    builder.input(source, transition);
                    builder.output(transition, master);
                }
                _ => builder.input(source, transitions[&act]),
            }
        }
    }
    for &act in &order {
        let sides = &exiting[&act];
        let succs: Vec<usize> = sides
            .iter()
            .filter_map(|side| match side {
                Side::Node(succ) => Some(*succ),
                Side::Boundary => None,
            })
            .collect();
        let to_sink = sides.contains(&Side::Boundary);
        if sides.len() == 1 {
            if let Some(&succ) = succs.first() {
                if let Some(&place) = places_entering.get(&(act, succ)) {
                    builder.output(transitions[&act], place);
                }
            } else {
                builder.output(transitions[&act], sink);
            }
            continue;
        }
        let int_place = builder.place(&format!("intplace_{}", name(act)));
        builder.output(transitions[&act], int_place);
        let and_splits = net.node(act).map(|n| &n.and_out[..]).unwrap_or(&[]);
        let mut and_members = BTreeSet::new();
        for clique in cliques(and_splits) {
            let clique: Vec<usize> = clique.into_iter().filter(|s| succs.contains(s)).collect();
            if clique.len() < 2 {
                continue;
            }
            and_members.extend(clique.iter().copied());
            let transition = hid(&mut builder);
            builder.input(int_place, transition);
            for succ in clique {
                if let Some(&place) = places_entering.get(&(act, succ)) {
                    builder.output(transition, place);
                }
            }
        }
        for &succ in &succs {
            if and_members.contains(&succ) {
                continue;
            }
            if let Some(&place) = places_entering.get(&(act, succ)) {
                let transition = hid(&mut builder);
                builder.input(int_place, transition);
                builder.output(transition, place);
            }
        }
        if to_sink {
            let transition = hid(&mut builder);
            builder.input(int_place, transition);
            builder.output(transition, sink);
        }
    }
    builder.drop_dominated_silent();
    builder.reduce();
    builder.finish(&[source], &[sink])
}

/// The maximal cliques (Bron–Kerbosch with pivot) of the graph whose edges are the AND pairs,
/// as pm4py's `find_bindings` gets them from networkx.
fn cliques(pairs: &[(usize, usize, f64)]) -> Vec<Vec<usize>> {
    let mut neighbours: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for &(a, b, _) in pairs {
        if a == b {
            continue;
        }
        neighbours.entry(a).or_default().insert(b);
        neighbours.entry(b).or_default().insert(a);
    }
    let mut found = Vec::new();
    let candidates: BTreeSet<usize> = neighbours.keys().copied().collect();
    bron_kerbosch(
        &neighbours,
        Vec::new(),
        candidates,
        BTreeSet::new(),
        &mut found,
    );
    found
}

fn bron_kerbosch(
    neighbours: &BTreeMap<usize, BTreeSet<usize>>,
    clique: Vec<usize>,
    mut candidates: BTreeSet<usize>,
    mut excluded: BTreeSet<usize>,
    found: &mut Vec<Vec<usize>>,
) {
    if candidates.is_empty() && excluded.is_empty() {
        found.push(clique);
        return;
    }
    let pivot = candidates
        .union(&excluded)
        .max_by_key(|v| neighbours[v].intersection(&candidates).count())
        .copied();
    let pivot_neighbours = pivot.map(|p| neighbours[&p].clone()).unwrap_or_default();
    let todo: Vec<usize> = candidates.difference(&pivot_neighbours).copied().collect();
    for vertex in todo {
        let mut next = clique.clone();
        next.push(vertex);
        bron_kerbosch(
            neighbours,
            next,
            candidates
                .intersection(&neighbours[&vertex])
                .copied()
                .collect(),
            excluded
                .intersection(&neighbours[&vertex])
                .copied()
                .collect(),
            found,
        );
        candidates.remove(&vertex);
        excluded.insert(vertex);
    }
}
