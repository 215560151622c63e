//! Process maps: the directly-follows graph with start and end nodes, laid out in layers
//! natively (no Graphviz), and rendered to DOT, JSON, SVG or a self-contained HTML page.
//!
//! [`ProcessGraph`] wraps the graph so callers speak of activities and edges, not indices.

mod layout;
mod render;

use crate::analysis::Dfg;
use crate::analysis::bottlenecks::edge_waits;
use crate::analysis::summary::Summary;
use crate::log::Log;

pub use layout::Layout;
pub use render::{to_dot, to_html, to_json, to_svg};

/// What a map shows on its edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    Frequency,
    Performance,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Start,
    End,
    Activity,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub label: String,
    /// Events of the activity; cases for start and end.
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub count: u64,
    /// Mean time between the two events; `None` on the start and end edges.
    pub mean_s: Option<f64>,
    pub total_s: Option<f64>,
    /// Among the edges with the most total waiting time.
    pub bottleneck: bool,
}

/// Nodes `0` and `1` are the start and end; activities follow in name order.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessGraph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub overlay: Overlay,
}

/// How many of the longest-waiting edges are highlighted.
const BOTTLENECKS: usize = 3;

impl ProcessGraph {
    /// The map of `log`; `paths_percent` keeps only the most frequent share of the
    /// directly-follows edges (the start and end edges always stay).
    pub fn of(log: &Log, overlay: Overlay, paths_percent: Option<f64>) -> ProcessGraph {
        let summary = Summary::of(log);
        let mut dfg = Dfg::of(log);
        let waits = edge_waits(log, &dfg);
        if let Some(percent) = paths_percent {
            dfg.keep_paths_percent(percent);
        }
        let mut nodes = vec![
            Node {
                kind: NodeKind::Start,
                label: "start".into(),
                count: summary.cases as u64,
            },
            Node {
                kind: NodeKind::End,
                label: "end".into(),
                count: summary.cases as u64,
            },
        ];
        let mut index_of = std::collections::HashMap::new();
        for (name, &count) in &summary.activities {
            index_of.insert(name.clone(), nodes.len());
            nodes.push(Node {
                kind: NodeKind::Activity,
                label: name.clone(),
                count,
            });
        }
        let node = |activity: u32| index_of[log.activity_name(activity)];
        let mut edges = Vec::new();
        for (name, &count) in &summary.start_activities {
            edges.push(Edge {
                from: 0,
                to: index_of[name],
                count,
                mean_s: None,
                total_s: None,
                bottleneck: false,
            });
        }
        let worst: Vec<(u32, u32)> = waits
            .iter()
            .filter(|wait| wait.total_s > 0.0)
            .take(BOTTLENECKS)
            .map(|wait| (wait.from, wait.to))
            .collect();
        for edge in &dfg.edges {
            edges.push(Edge {
                from: node(edge.from),
                to: node(edge.to),
                count: edge.count,
                mean_s: Some(edge.durations.mean),
                total_s: Some(edge.durations.sum),
                bottleneck: worst.contains(&(edge.from, edge.to)),
            });
        }
        for (name, &count) in &summary.end_activities {
            edges.push(Edge {
                from: index_of[name],
                to: 1,
                count,
                mean_s: None,
                total_s: None,
                bottleneck: false,
            });
        }
        ProcessGraph {
            nodes,
            edges,
            overlay,
        }
    }

    /// The value an edge shows and is sized by.
    pub fn edge_value(&self, edge: &Edge) -> f64 {
        match self.overlay {
            Overlay::Frequency => edge.count as f64,
            Overlay::Performance => edge.mean_s.unwrap_or(0.0),
        }
    }

    pub fn edge_label(&self, edge: &Edge) -> String {
        match (self.overlay, edge.mean_s) {
            (Overlay::Performance, Some(mean)) => human_duration(mean),
            _ => edge.count.to_string(),
        }
    }
}

/// `3d 4h`, `2h 5m`, `4m 10s`, `12.5s`.
pub fn human_duration(seconds: f64) -> String {
    if seconds < 60.0 {
        return format!("{seconds:.1}s");
    }
    let total = seconds.round() as u64;
    let (days, hours, minutes, secs) = (
        total / 86_400,
        total / 3_600 % 24,
        total / 60 % 60,
        total % 60,
    );
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes}m")
    } else {
        format!("{minutes}m {secs}s")
    }
}
