//! BPMN 2.0 XML import: the flow of one process (events, tasks of any type, exclusive, parallel
//! and inclusive gateways, sequence flows) with its diagram interchange, from files Camunda
//! Modeler, bpmn.io, Signavio or pm4py write (any namespace prefix). Elements that change the
//! flow in ways a Petri net of the process cannot show (event-based and complex gateways,
//! sub-processes, boundary and intermediate events) are refused with their line; documentation,
//! lanes, annotations and the like are skipped and reported as [`Diagnostic`]s. Without diagram
//! interchange the diagram is laid out afresh.

use std::collections::HashMap;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::{BpmnDiagram, Flow, Node, NodeKind, lay_out};
use crate::diagnostic::{Diagnostic, Location};
use crate::xml_text::{attribute, line_of};

/// Why a BPMN document could not be read as a process.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum BpmnError {
    #[error("{file}: line {line}: not well-formed XML: {message}")]
    Xml {
        file: String,
        line: u64,
        message: String,
    },
    #[error(
        "{file}: line {line}: <{element}> `{id}` is not supported; flowbot reads start and end \
         events, tasks, and exclusive, parallel and inclusive gateways joined by sequence flows"
    )]
    Unsupported {
        file: String,
        line: u64,
        element: String,
        id: String,
    },
    #[error("{file}: line {line}: {message}")]
    Invalid {
        file: String,
        line: u64,
        message: String,
    },
    #[error("{file}: {message}")]
    Model { file: String, message: String },
}

/// Flow nodes read as tasks: every BPMN task type is one activity of the process.
const TASKS: &[&[u8]] = &[
    b"task",
    b"userTask",
    b"serviceTask",
    b"manualTask",
    b"scriptTask",
    b"sendTask",
    b"receiveTask",
    b"businessRuleTask",
];

/// Flow nodes whose behaviour the net of the process cannot carry.
const REFUSED: &[&[u8]] = &[
    b"eventBasedGateway",
    b"complexGateway",
    b"subProcess",
    b"adHocSubProcess",
    b"transaction",
    b"callActivity",
    b"boundaryEvent",
    b"intermediateCatchEvent",
    b"intermediateThrowEvent",
];

/// Elements read for their children or knowingly passed over without a word.
const QUIET: &[&[u8]] = &[
    b"definitions",
    b"process",
    b"collaboration",
    b"participant",
    b"incoming",
    b"outgoing",
    b"BPMNDiagram",
    b"BPMNPlane",
    b"BPMNShape",
    b"BPMNEdge",
    b"BPMNLabel",
    b"BPMNLabelStyle",
    b"Bounds",
    b"waypoint",
    b"Font",
    b"extensionElements",
    b"documentation",
    b"conditionExpression",
];

struct Reading<'a> {
    file: &'a str,
    text: &'a str,
    nodes: Vec<(Node, u64)>,
    flows: Vec<(String, String, String, u64)>,
    bounds: HashMap<String, (f64, f64, f64, f64)>,
    waypoints: HashMap<String, Vec<(f64, f64)>>,
    diagnostics: Vec<Diagnostic>,
    processes: usize,
    /// The `bpmnElement` of the `BPMNEdge` being read, which collects `waypoint`s.
    edge: Option<String>,
    /// The `bpmnElement` of the `BPMNShape` being read, whose `Bounds` are its node's.
    shape: Option<String>,
    /// Depth inside a subtree read as nothing (extensions, documentation).
    opaque: usize,
}

/// Reads the process of the BPMN document `file`, with a diagnostic for every element skipped.
pub fn read_bpmn(text: &str, file: &str) -> Result<(BpmnDiagram, Vec<Diagnostic>), BpmnError> {
    let mut reading = Reading {
        file,
        text,
        nodes: Vec::new(),
        flows: Vec::new(),
        bounds: HashMap::new(),
        waypoints: HashMap::new(),
        diagnostics: Vec::new(),
        processes: 0,
        edge: None,
        shape: None,
        opaque: 0,
    };
    let mut reader = Reader::from_str(text);
    loop {
        let position = reader.buffer_position();
        let event = reader.read_event().map_err(|error| BpmnError::Xml {
            file: file.to_owned(),
            line: line_of(text, reader.error_position()),
            message: error.to_string(),
        })?;
        match event {
            Event::Start(element) => reading.open(&element, position, true)?,
            Event::Empty(element) => reading.open(&element, position, false)?,
            Event::End(element) => reading.close(element.local_name().as_ref()),
            Event::Eof => break,
            _ => {}
        }
    }
    reading.finish()
}

impl Reading<'_> {
    fn line(&self, position: u64) -> u64 {
        line_of(self.text, position)
    }

    fn open(
        &mut self,
        element: &BytesStart<'_>,
        position: u64,
        has_children: bool,
    ) -> Result<(), BpmnError> {
        let name = element.local_name();
        let name = name.as_ref();
        if self.opaque > 0 {
            self.opaque += usize::from(has_children);
            return Ok(());
        }
        let id = || attribute(element, b"id").unwrap_or_default();
        let kind = match name {
            b"startEvent" => Some(NodeKind::StartEvent),
            b"endEvent" => Some(NodeKind::EndEvent),
            b"exclusiveGateway" => Some(NodeKind::ExclusiveGateway),
            b"parallelGateway" => Some(NodeKind::ParallelGateway),
            b"inclusiveGateway" => Some(NodeKind::InclusiveGateway),
            _ if TASKS.contains(&name) => Some(NodeKind::Task),
            _ => None,
        };
        if let Some(kind) = kind {
            let id = self.required_id(element, position)?;
            let node = Node {
                id,
                kind,
                name: attribute(element, b"name").filter(|n| !n.trim().is_empty()),
                bounds: (0.0, 0.0, 0.0, 0.0),
            };
            self.nodes.push((node, self.line(position)));
            return Ok(());
        }
        match name {
            _ if REFUSED.contains(&name) => Err(BpmnError::Unsupported {
                file: self.file.to_owned(),
                line: self.line(position),
                element: String::from_utf8_lossy(name).into_owned(),
                id: id(),
            }),
            b"process" => {
                self.processes += 1;
                Ok(())
            }
            b"sequenceFlow" => {
                let id = self.required_id(element, position)?;
                let end = |key: &[u8]| {
                    attribute(element, key).ok_or_else(|| BpmnError::Invalid {
                        file: self.file.to_owned(),
                        line: self.line(position),
                        message: format!(
                            "sequence flow `{id}` has no {}",
                            String::from_utf8_lossy(key)
                        ),
                    })
                };
                let (source, target) = (end(b"sourceRef")?, end(b"targetRef")?);
                let line = self.line(position);
                self.flows.push((id, source, target, line));
                Ok(())
            }
            b"BPMNShape" => {
                self.shape = attribute(element, b"bpmnElement");
                Ok(())
            }
            b"BPMNEdge" => {
                self.edge = attribute(element, b"bpmnElement");
                Ok(())
            }
            b"Bounds" => {
                let number = |key: &[u8]| number(element, key).unwrap_or(0.0);
                // A label's bounds sit inside its shape's: only the shape's own count.
                if let Some(shape) = &self.shape
                    && !self.bounds.contains_key(shape)
                {
                    let bounds = (
                        number(b"x"),
                        number(b"y"),
                        number(b"width"),
                        number(b"height"),
                    );
                    self.bounds.insert(shape.clone(), bounds);
                }
                Ok(())
            }
            b"waypoint" => {
                if let Some(edge) = &self.edge {
                    let point = (
                        number(element, b"x").unwrap_or(0.0),
                        number(element, b"y").unwrap_or(0.0),
                    );
                    self.waypoints.entry(edge.clone()).or_default().push(point);
                }
                Ok(())
            }
            b"extensionElements"
            | b"documentation"
            | b"conditionExpression"
            | b"BPMNLabelStyle" => {
                self.opaque = usize::from(has_children);
                Ok(())
            }
            _ if QUIET.contains(&name) => Ok(()),
            _ => {
                let element = String::from_utf8_lossy(name).into_owned();
                self.diagnostics.push(Diagnostic::new(
                    self.file,
                    Location::Line(self.line(position)),
                    Some(&element),
                    format!("<{element}> does not change the flow; skipped"),
                ));
                self.opaque = usize::from(has_children);
                Ok(())
            }
        }
    }

    fn close(&mut self, name: &[u8]) {
        if self.opaque > 0 {
            self.opaque -= 1;
            return;
        }
        match name {
            b"BPMNShape" => self.shape = None,
            b"BPMNEdge" => self.edge = None,
            _ => {}
        }
    }

    fn required_id(&self, element: &BytesStart<'_>, position: u64) -> Result<String, BpmnError> {
        attribute(element, b"id").ok_or_else(|| BpmnError::Invalid {
            file: self.file.to_owned(),
            line: self.line(position),
            message: format!(
                "<{}> without an id",
                String::from_utf8_lossy(element.local_name().as_ref())
            ),
        })
    }

    fn finish(mut self) -> Result<(BpmnDiagram, Vec<Diagnostic>), BpmnError> {
        let model = |message: String| BpmnError::Model {
            file: self.file.to_owned(),
            message,
        };
        if self.processes != 1 {
            return Err(model(format!(
                "has {} processes; flowbot reads a document with exactly one",
                self.processes
            )));
        }
        let mut index: HashMap<String, usize> = HashMap::new();
        for (position, (node, line)) in self.nodes.iter().enumerate() {
            if index.insert(node.id.clone(), position).is_some() {
                return Err(BpmnError::Invalid {
                    file: self.file.to_owned(),
                    line: *line,
                    message: format!("id `{}` is used twice", node.id),
                });
            }
        }
        let mut flows = Vec::with_capacity(self.flows.len());
        for (id, source, target, line) in &self.flows {
            let end = |reference: &str| {
                index.get(reference).copied().ok_or_else(|| BpmnError::Invalid {
                    file: self.file.to_owned(),
                    line: *line,
                    message: format!("sequence flow `{id}` refers to `{reference}`, which is no flow node of the process"),
                })
            };
            flows.push(Flow {
                id: id.clone(),
                source: end(source)?,
                target: end(target)?,
                waypoints: self.waypoints.remove(id).unwrap_or_default(),
            });
        }
        let has_layout = !self.nodes.is_empty()
            && self
                .nodes
                .iter()
                .all(|(node, _)| self.bounds.contains_key(&node.id));
        let mut diagram = BpmnDiagram {
            nodes: self.nodes.into_iter().map(|(node, _)| node).collect(),
            flows,
        };
        for node in &mut diagram.nodes {
            if let Some(&bounds) = self.bounds.get(&node.id) {
                node.bounds = bounds;
            }
        }
        if !has_layout || diagram.flows.iter().any(|flow| flow.waypoints.len() < 2) {
            self.diagnostics.push(Diagnostic::new(
                self.file,
                Location::Item("BPMNDiagram".to_owned()),
                None,
                "no complete diagram interchange; the diagram was laid out afresh",
            ));
            lay_out(&mut diagram);
        }
        for kind in [NodeKind::StartEvent, NodeKind::EndEvent] {
            if !diagram.nodes.iter().any(|node| node.kind == kind) {
                return Err(model(format!("the process has no {}", kind.describe())));
            }
        }
        Ok((diagram, self.diagnostics))
    }
}

fn number(element: &BytesStart<'_>, name: &[u8]) -> Option<f64> {
    attribute(element, name).and_then(|value| value.trim().parse().ok())
}
