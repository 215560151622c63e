//! BPMN 2.0 XML with diagram interchange, in the shape Camunda Modeler and bpmn.io write:
//! flow nodes list their `incoming`/`outgoing` flows, every node has a `BPMNShape` with
//! `dc:Bounds` and every flow a `BPMNEdge` with `di:waypoint`s.

use std::fmt::Write as _;

use super::{BpmnDiagram, NodeKind};

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn element(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::StartEvent => "startEvent",
        NodeKind::EndEvent => "endEvent",
        NodeKind::Task => "task",
        NodeKind::ExclusiveGateway => "exclusiveGateway",
        NodeKind::ParallelGateway => "parallelGateway",
        NodeKind::InclusiveGateway => "inclusiveGateway",
    }
}

pub fn to_bpmn_xml(diagram: &BpmnDiagram) -> String {
    let mut out = String::from(concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" ",
        "xmlns:bpmndi=\"http://www.omg.org/spec/BPMN/20100524/DI\" ",
        "xmlns:dc=\"http://www.omg.org/spec/DD/20100524/DC\" ",
        "xmlns:di=\"http://www.omg.org/spec/DD/20100524/DI\" ",
        "id=\"definitions\" targetNamespace=\"http://flowbot.dev/bpmn\" exporter=\"flowbot\">\n",
        "  <bpmn:process id=\"process\" isExecutable=\"false\">\n",
    ));
    for (index, node) in diagram.nodes.iter().enumerate() {
        let tag = element(node.kind);
        let _ = write!(out, "    <bpmn:{tag} id=\"{}\"", node.id);
        if let Some(name) = &node.name {
            let _ = write!(out, " name=\"{}\"", escape(name));
        }
        out.push_str(">\n");
        for flow in diagram.flows.iter().filter(|f| f.target == index) {
            let _ = writeln!(out, "      <bpmn:incoming>{}</bpmn:incoming>", flow.id);
        }
        for flow in diagram.flows.iter().filter(|f| f.source == index) {
            let _ = writeln!(out, "      <bpmn:outgoing>{}</bpmn:outgoing>", flow.id);
        }
        let _ = writeln!(out, "    </bpmn:{tag}>");
    }
    for flow in &diagram.flows {
        let _ = writeln!(
            out,
            "    <bpmn:sequenceFlow id=\"{}\" sourceRef=\"{}\" targetRef=\"{}\"/>",
            flow.id, diagram.nodes[flow.source].id, diagram.nodes[flow.target].id
        );
    }
    out.push_str(concat!(
        "  </bpmn:process>\n",
        "  <bpmndi:BPMNDiagram id=\"diagram\">\n",
        "    <bpmndi:BPMNPlane id=\"plane\" bpmnElement=\"process\">\n",
    ));
    for node in &diagram.nodes {
        let (x, y, width, height) = node.bounds;
        let _ = write!(
            out,
            "      <bpmndi:BPMNShape id=\"{0}_di\" bpmnElement=\"{0}\">\n        <dc:Bounds x=\"{x}\" y=\"{y}\" width=\"{width}\" height=\"{height}\"/>\n      </bpmndi:BPMNShape>\n",
            node.id
        );
    }
    for flow in &diagram.flows {
        let _ = writeln!(
            out,
            "      <bpmndi:BPMNEdge id=\"{0}_di\" bpmnElement=\"{0}\">",
            flow.id
        );
        for (x, y) in &flow.waypoints {
            let _ = writeln!(out, "        <di:waypoint x=\"{x}\" y=\"{y}\"/>");
        }
        out.push_str("      </bpmndi:BPMNEdge>\n");
    }
    out.push_str("    </bpmndi:BPMNPlane>\n  </bpmndi:BPMNDiagram>\n</bpmn:definitions>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::super::from_tree;
    use crate::discovery::{Operator, ProcessTree};

    fn act(name: &str) -> ProcessTree {
        ProcessTree::Activity(name.into())
    }

    #[test]
    fn every_node_has_a_shape_and_every_flow_an_edge_with_waypoints() {
        // ->( 'a', X( 'b', tau ), *( 'c', 'd' ), +( 'e', 'f' ) )
        let tree = ProcessTree::node(
            Operator::Sequence,
            vec![
                act("a"),
                ProcessTree::node(Operator::Xor, vec![act("b"), ProcessTree::Tau]),
                ProcessTree::node(Operator::Loop, vec![act("c"), act("d")]),
                ProcessTree::node(Operator::Parallel, vec![act("e"), act("f & g")]),
            ],
        );
        let diagram = from_tree(&tree);
        let xml = super::to_bpmn_xml(&diagram);
        assert_eq!(xml.matches("<bpmn:task ").count(), 6);
        assert_eq!(xml.matches("<bpmn:exclusiveGateway ").count(), 4);
        assert_eq!(xml.matches("<bpmn:parallelGateway ").count(), 2);
        assert!(xml.contains("name=\"f &amp; g\""));
        assert_eq!(
            xml.matches("<bpmndi:BPMNShape ").count(),
            diagram.nodes.len()
        );
        assert_eq!(
            xml.matches("<bpmndi:BPMNEdge ").count(),
            diagram.flows.len()
        );
        // start→a, a→X, X→b, b→X, X→X (τ), X→↺, ↺→c, c→↺, ↺→d, d→↺, ↺→+, +→e, +→f, e→+, f→+, +→end
        assert_eq!(diagram.flows.len(), 16);
        for flow in &diagram.flows {
            assert!(flow.waypoints.len() >= 2, "{flow:?}");
        }
        // Every node except the events has an incoming and an outgoing flow.
        for (index, node) in diagram.nodes.iter().enumerate() {
            let inflow = diagram.flows.iter().any(|f| f.target == index);
            let outflow = diagram.flows.iter().any(|f| f.source == index);
            assert!(
                inflow || node.kind == super::NodeKind::StartEvent,
                "{node:?}"
            );
            assert!(
                outflow || node.kind == super::NodeKind::EndEvent,
                "{node:?}"
            );
        }
        // No two shapes overlap.
        for (i, a) in diagram.nodes.iter().enumerate() {
            for b in &diagram.nodes[i + 1..] {
                let (ax, ay, aw, ah) = a.bounds;
                let (bx, by, bw, bh) = b.bounds;
                let apart = ax + aw <= bx || bx + bw <= ax || ay + ah <= by || by + bh <= ay;
                assert!(apart, "{a:?} overlaps {b:?}");
            }
        }
    }
}
