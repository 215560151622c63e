//! Process trees: the block-structured models the Inductive Miner produces, written the way
//! pm4py writes them so a tree can be compared with pm4py's output character by character.

use std::collections::BTreeMap;
use std::fmt;

/// A process-tree operator, with pm4py's symbol for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operator {
    /// `->`: children run one after the other, left to right.
    Sequence,
    /// `X`: exactly one child runs.
    Xor,
    /// `+`: all children run, interleaved.
    Parallel,
    /// `*`: the first child (do) runs, then any number of times one redo child and the do again.
    Loop,
    /// `O`: a non-empty subset of the children runs, interleaved.
    Or,
}

impl Operator {
    /// pm4py's symbol (`Operator.value`).
    pub fn symbol(self) -> &'static str {
        match self {
            Operator::Sequence => "->",
            Operator::Xor => "X",
            Operator::Parallel => "+",
            Operator::Loop => "*",
            Operator::Or => "O",
        }
    }

    /// Whether the order of the children carries no meaning.
    pub fn is_commutative(self) -> bool {
        matches!(self, Operator::Xor | Operator::Parallel | Operator::Or)
    }
}

/// A node of a process tree: a silent step, an activity, or an operator over children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessTree {
    Tau,
    Activity(String),
    Node {
        operator: Operator,
        children: Vec<ProcessTree>,
    },
}

/// Size and shape of a tree, as the reference oracle's `tree_stats` counts them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TreeStats {
    pub nodes: usize,
    pub leaves: usize,
    pub taus: usize,
    /// Operator symbol → how many nodes carry it.
    pub operators: BTreeMap<&'static str, usize>,
    /// Edges on the longest root-to-leaf path.
    pub depth: usize,
}

impl ProcessTree {
    pub fn node(operator: Operator, children: Vec<ProcessTree>) -> ProcessTree {
        ProcessTree::Node { operator, children }
    }

    /// pm4py's deterministic form (`process_tree_canonical` in the reference oracle): labels
    /// JSON-quoted, `tau` for silent leaves, children of `X`, `+` and `O` sorted as strings;
    /// sequence and loop keep their order.
    pub fn canonical(&self) -> String {
        match self {
            ProcessTree::Tau => "tau".to_owned(),
            ProcessTree::Activity(label) => json_quote(label),
            ProcessTree::Node { operator, children } => {
                let mut kids: Vec<String> = children.iter().map(ProcessTree::canonical).collect();
                if operator.is_commutative() {
                    kids.sort();
                }
                format!("{}({})", operator.symbol(), kids.join(", "))
            }
        }
    }

    pub fn stats(&self) -> TreeStats {
        let mut stats = TreeStats::default();
        stats.depth = self.collect_stats(0, &mut stats);
        stats
    }

    fn collect_stats(&self, depth: usize, stats: &mut TreeStats) -> usize {
        stats.nodes += 1;
        match self {
            ProcessTree::Tau => {
                stats.leaves += 1;
                stats.taus += 1;
                depth
            }
            ProcessTree::Activity(_) => {
                stats.leaves += 1;
                depth
            }
            ProcessTree::Node { operator, children } => {
                *stats.operators.entry(operator.symbol()).or_default() += 1;
                children
                    .iter()
                    .map(|child| child.collect_stats(depth + 1, stats))
                    .max()
                    .unwrap_or(depth)
            }
        }
    }

    /// pm4py's `fold` (applied to every Inductive Miner result): operators with one child
    /// become that child, a child with its parent's operator is spliced into the parent
    /// (for ->, X and +), silent leaves are dropped from -> and + and kept once in X and O,
    /// and a loop of two silent leaves becomes one. Repeated until nothing changes.
    pub fn folded(self) -> ProcessTree {
        let mut tree = self;
        loop {
            let next = fold_once(tree.clone()).unwrap_or(ProcessTree::Tau);
            if next == tree {
                return next;
            }
            tree = next;
        }
    }

    /// The labels of the visible leaves, left to right.
    pub fn activities(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_activities(&mut out);
        out
    }

    fn collect_activities<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            ProcessTree::Tau => {}
            ProcessTree::Activity(label) => out.push(label),
            ProcessTree::Node { children, .. } => children
                .iter()
                .for_each(|child| child.collect_activities(out)),
        }
    }
}

fn fold_once(tree: ProcessTree) -> Option<ProcessTree> {
    let ProcessTree::Node { operator, children } = tree else {
        return Some(tree);
    };
    let mut kids: Vec<ProcessTree> = Vec::with_capacity(children.len());
    for child in children.into_iter().filter_map(fold_once) {
        match child {
            ProcessTree::Node {
                operator: inner,
                children: grandchildren,
            } if inner == operator
                && matches!(
                    operator,
                    Operator::Sequence | Operator::Xor | Operator::Parallel
                ) =>
            {
                kids.extend(grandchildren)
            }
            other => kids.push(other),
        }
    }
    let taus = kids.iter().filter(|kid| **kid == ProcessTree::Tau).count();
    if taus > 0 {
        let all_silent = taus == kids.len();
        match operator {
            Operator::Sequence | Operator::Parallel if !all_silent => {
                kids.retain(|kid| *kid != ProcessTree::Tau)
            }
            Operator::Loop if all_silent && kids.len() == 2 => {
                kids.truncate(1);
            }
            Operator::Loop => {}
            _ => {
                // Keep the last silent leaf: pm4py removes the first ones one at a time.
                let mut to_remove = taus - 1;
                kids.retain(|kid| {
                    if to_remove > 0 && *kid == ProcessTree::Tau {
                        to_remove -= 1;
                        false
                    } else {
                        true
                    }
                });
            }
        }
    }
    match kids.len() {
        0 => None,
        1 => kids.pop(),
        _ => Some(ProcessTree::Node {
            operator,
            children: kids,
        }),
    }
}

/// pm4py's `str(tree)`: `->( 'A', X( 'B', tau ) )`. A lone root leaf prints bare, as in pm4py.
impl fmt::Display for ProcessTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProcessTree::Tau => f.write_str("tau"),
            ProcessTree::Activity(label) => f.write_str(label),
            ProcessTree::Node { operator, children } => {
                write!(f, "{}( ", operator.symbol())?;
                for (index, child) in children.iter().enumerate() {
                    if index > 0 {
                        f.write_str(", ")?;
                    }
                    match child {
                        ProcessTree::Activity(label) => write!(f, "'{label}'")?,
                        other => write!(f, "{other}")?,
                    }
                }
                f.write_str(" )")
            }
        }
    }
}

/// Python's `json.dumps(label, ensure_ascii=False)`.
fn json_quote(label: &str) -> String {
    serde_json::to_string(label).unwrap_or_else(|_| format!("\"{label}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn act(label: &str) -> ProcessTree {
        ProcessTree::Activity(label.to_owned())
    }

    #[test]
    fn prints_like_pm4py_and_sorts_commutative_children_in_canonical_form() {
        let tree = ProcessTree::node(
            Operator::Sequence,
            vec![
                act("A"),
                ProcessTree::node(Operator::Xor, vec![act("C"), ProcessTree::Tau, act("B")]),
                ProcessTree::node(Operator::Loop, vec![act("D"), ProcessTree::Tau]),
            ],
        );
        assert_eq!(
            tree.to_string(),
            "->( 'A', X( 'C', tau, 'B' ), *( 'D', tau ) )"
        );
        assert_eq!(
            tree.canonical(),
            r#"->("A", X("B", "C", tau), *("D", tau))"#
        );
        let stats = tree.stats();
        assert_eq!(
            (stats.nodes, stats.leaves, stats.taus, stats.depth),
            (9, 6, 2, 2)
        );
        assert_eq!(stats.operators.get("X"), Some(&1));
    }

    #[test]
    fn folding_splices_same_operators_and_drops_redundant_taus() {
        let tree = ProcessTree::node(
            Operator::Sequence,
            vec![
                ProcessTree::Tau,
                ProcessTree::node(
                    Operator::Xor,
                    vec![
                        ProcessTree::Tau,
                        ProcessTree::node(
                            Operator::Xor,
                            vec![ProcessTree::Tau, act("A"), act("B")],
                        ),
                    ],
                ),
                ProcessTree::node(Operator::Parallel, vec![act("C")]),
                ProcessTree::node(Operator::Loop, vec![ProcessTree::Tau, ProcessTree::Tau]),
            ],
        );
        assert_eq!(tree.folded().to_string(), "->( X( tau, 'A', 'B' ), 'C' )");
    }
}
