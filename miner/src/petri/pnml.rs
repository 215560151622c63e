//! PNML (ISO/IEC 15909-2) export and import of accepting Petri nets, in the dialect pm4py and
//! ProM write: place and transition ids are their names, a transition's `<name>` is its label,
//! silent transitions carry `<toolspecific tool="ProM" activity="$invisible$"/>`, and the final
//! marking sits in `<finalmarkings>`. Element order is kept both ways, so a net read back
//! replays exactly like the one written. Elements outside that dialect (and outside
//! `<toolspecific>`, whose content belongs to its tool) are skipped and reported as
//! [`Diagnostic`]s with file, line and element.

use std::collections::HashMap;
use std::fmt::Write as _;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::{Arc, PetriNet, Place, Transition};
use crate::diagnostic::{Diagnostic, Location};
use crate::xml_text::{attribute, escape, line_of};

/// Elements the reader understands or knowingly passes over (layout and ProM's arc types).
const KNOWN: &[&[u8]] = &[
    b"pnml",
    b"net",
    b"page",
    b"place",
    b"transition",
    b"arc",
    b"name",
    b"text",
    b"initialMarking",
    b"toolspecific",
    b"finalmarkings",
    b"marking",
    b"graphics",
    b"position",
    b"offset",
    b"dimension",
    b"fill",
    b"line",
    b"font",
    b"arctype",
];

/// Why a PNML document could not be read as a Petri net.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PnmlError {
    #[error("PNML byte {byte}: {message}")]
    Xml { byte: u64, message: String },
    #[error("PNML: {0}")]
    Invalid(String),
}

/// The net as a PNML document.
pub fn to_pnml(net: &PetriNet) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<pnml>\n  <net id=\"net1\" type=\"http://www.pnml.org/version-2009/grammar/pnmlcoremodel\">\n    <page id=\"n0\">\n",
    );
    for (index, place) in net.places.iter().enumerate() {
        let id = escape(&place.name);
        let _ = write!(
            out,
            "      <place id=\"{id}\">\n        <name>\n          <text>{id}</text>\n        </name>\n"
        );
        if let Some(tokens) = net.initial_marking.get(&index) {
            let _ = write!(
                out,
                "        <initialMarking>\n          <text>{tokens}</text>\n        </initialMarking>\n"
            );
        }
        out.push_str("      </place>\n");
    }
    for transition in &net.transitions {
        let id = escape(&transition.name);
        let text = transition.label.as_deref().map_or(id.clone(), escape);
        let _ = write!(
            out,
            "      <transition id=\"{id}\">\n        <name>\n          <text>{text}</text>\n        </name>\n"
        );
        if transition.label.is_none() {
            out.push_str("        <toolspecific tool=\"ProM\" version=\"6.4\" activity=\"$invisible$\" localNodeID=\"\"/>\n");
        }
        out.push_str("      </transition>\n");
    }
    for (index, arc) in net.arcs.iter().enumerate() {
        let (source, target) = match *arc {
            Arc::Input { place, transition } => {
                (&net.places[place].name, &net.transitions[transition].name)
            }
            Arc::Output { transition, place } => {
                (&net.transitions[transition].name, &net.places[place].name)
            }
        };
        let _ = writeln!(
            out,
            "      <arc id=\"a{index}\" source=\"{}\" target=\"{}\"/>",
            escape(source),
            escape(target)
        );
    }
    out.push_str("    </page>\n    <finalmarkings>\n      <marking>\n");
    for (&place, tokens) in &net.final_marking {
        let _ = write!(
            out,
            "        <place idref=\"{}\">\n          <text>{tokens}</text>\n        </place>\n",
            escape(&net.places[place].name)
        );
    }
    out.push_str("      </marking>\n    </finalmarkings>\n  </net>\n</pnml>\n");
    out
}

/// What the reader is inside of, innermost last.
#[derive(Debug, Clone, PartialEq)]
enum Scope {
    Place(usize),
    Transition(usize),
    FinalPlace(String),
    Name,
    InitialMarking,
    Text,
    /// `<toolspecific>` or an unknown element: nothing inside is read or reported.
    Opaque,
    Other,
}

/// Reads the first net of a PNML document (pages flattened); unknown elements are an error-free
/// skip, see [`read_pnml`] for the diagnostics.
pub fn from_pnml(text: &str) -> Result<PetriNet, PnmlError> {
    read_pnml(text, "PNML").map(|(net, _)| net)
}

/// Reads the first net of a PNML document named `file`, with a diagnostic for every element
/// outside the dialect that was skipped.
pub fn read_pnml(text: &str, file: &str) -> Result<(PetriNet, Vec<Diagnostic>), PnmlError> {
    let mut diagnostics = Vec::new();
    let mut reader = Reader::from_str(text);
    let mut net = PetriNet::default();
    let mut place_ids: HashMap<String, usize> = HashMap::new();
    let mut transition_ids: HashMap<String, usize> = HashMap::new();
    let mut arcs: Vec<(String, String)> = Vec::new();
    let mut scopes: Vec<Scope> = Vec::new();
    let mut buffer = String::new();
    let mut final_tokens: Vec<(String, u32)> = Vec::new();
    let mut saw_net = false;
    loop {
        let event = reader.read_event().map_err(|error| PnmlError::Xml {
            byte: reader.error_position(),
            message: error.to_string(),
        })?;
        let opaque = scopes.contains(&Scope::Opaque);
        match event {
            Event::Start(_) if opaque => scopes.push(Scope::Opaque),
            Event::Empty(_) if opaque => {}
            Event::Start(ref element) | Event::Empty(ref element)
                if !KNOWN.contains(&element.local_name().as_ref()) =>
            {
                let name = String::from_utf8_lossy(element.local_name().as_ref()).into_owned();
                diagnostics.push(Diagnostic::new(
                    file,
                    Location::Line(line_of(text, reader.buffer_position())),
                    Some(&name),
                    format!("unknown PNML element <{name}> skipped with everything inside it"),
                ));
                if matches!(event, Event::Start(_)) {
                    scopes.push(Scope::Opaque);
                }
            }
            Event::Start(element) => {
                let scope = open(
                    &element,
                    &scopes,
                    &mut net,
                    &mut place_ids,
                    &mut transition_ids,
                    &mut arcs,
                    &mut saw_net,
                )?;
                buffer.clear();
                scopes.push(scope);
            }
            Event::Empty(element) => {
                open(
                    &element,
                    &scopes,
                    &mut net,
                    &mut place_ids,
                    &mut transition_ids,
                    &mut arcs,
                    &mut saw_net,
                )?;
            }
            Event::Text(content) if scopes.last() == Some(&Scope::Text) => {
                let decoded = content.decode().map_err(|error| PnmlError::Xml {
                    byte: reader.buffer_position(),
                    message: error.to_string(),
                })?;
                buffer.push_str(&decoded);
            }
            Event::GeneralRef(reference) if scopes.last() == Some(&Scope::Text) => {
                let character = match reference.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    _ => match reference.decode().ok().as_deref() {
                        Some("amp") => Some('&'),
                        Some("lt") => Some('<'),
                        Some("gt") => Some('>'),
                        Some("quot") => Some('"'),
                        Some("apos") => Some('\''),
                        _ => None,
                    },
                };
                let character = character.ok_or_else(|| PnmlError::Xml {
                    byte: reader.buffer_position(),
                    message: "unknown entity reference".into(),
                })?;
                buffer.push(character);
            }
            Event::End(_) => {
                let closed = scopes.pop();
                if closed == Some(Scope::Text) {
                    close_text(&scopes, &buffer, &mut net, &mut final_tokens)?;
                    buffer.clear();
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_net {
        return Err(PnmlError::Invalid("no <net> element".into()));
    }
    for (source, target) in arcs {
        let arc = match (
            place_ids.get(&source),
            transition_ids.get(&target),
            transition_ids.get(&source),
            place_ids.get(&target),
        ) {
            (Some(&place), Some(&transition), _, _) => Arc::Input { place, transition },
            (_, _, Some(&transition), Some(&place)) => Arc::Output { transition, place },
            _ => {
                return Err(PnmlError::Invalid(format!(
                    "arc {source} → {target} does not join a place and a transition of the net"
                )));
            }
        };
        net.arcs.push(arc);
    }
    for (id, tokens) in final_tokens {
        let place = place_ids
            .get(&id)
            .ok_or_else(|| PnmlError::Invalid(format!("final marking names unknown place {id}")))?;
        net.final_marking.insert(*place, tokens);
    }
    Ok((net, diagnostics))
}

#[allow(clippy::too_many_arguments)]
fn open(
    element: &BytesStart<'_>,
    scopes: &[Scope],
    net: &mut PetriNet,
    place_ids: &mut HashMap<String, usize>,
    transition_ids: &mut HashMap<String, usize>,
    arcs: &mut Vec<(String, String)>,
    saw_net: &mut bool,
) -> Result<Scope, PnmlError> {
    let missing = |what: &str| PnmlError::Invalid(format!("<{what}> without id"));
    Ok(match element.local_name().as_ref() {
        b"net" => {
            *saw_net = true;
            Scope::Other
        }
        // Inside <finalmarkings>, places refer to the net's places by `idref`.
        b"place" if attribute(element, b"idref").is_some() => {
            Scope::FinalPlace(attribute(element, b"idref").unwrap_or_default())
        }
        b"place" => {
            let id = attribute(element, b"id").ok_or_else(|| missing("place"))?;
            if place_ids.contains_key(&id) || transition_ids.contains_key(&id) {
                return Err(PnmlError::Invalid(format!("id {id} is used twice")));
            }
            net.places.push(Place { name: id.clone() });
            place_ids.insert(id, net.places.len() - 1);
            Scope::Place(net.places.len() - 1)
        }
        b"transition" => {
            let id = attribute(element, b"id").ok_or_else(|| missing("transition"))?;
            if place_ids.contains_key(&id) || transition_ids.contains_key(&id) {
                return Err(PnmlError::Invalid(format!("id {id} is used twice")));
            }
            net.transitions.push(Transition {
                name: id.clone(),
                label: Some(id.clone()),
            });
            transition_ids.insert(id, net.transitions.len() - 1);
            Scope::Transition(net.transitions.len() - 1)
        }
        b"arc" => {
            let source = attribute(element, b"source").ok_or_else(|| missing("arc source"))?;
            let target = attribute(element, b"target").ok_or_else(|| missing("arc target"))?;
            arcs.push((source, target));
            Scope::Other
        }
        b"toolspecific" => {
            if attribute(element, b"activity").as_deref() == Some("$invisible$")
                && let Some(Scope::Transition(t)) = scopes.last()
            {
                net.transitions[*t].label = None;
            }
            Scope::Opaque
        }
        b"name" => Scope::Name,
        b"initialMarking" => Scope::InitialMarking,
        b"text" => Scope::Text,
        _ => Scope::Other,
    })
}

/// A `<text>` closed: it is a transition label, an initial marking or a final marking.
fn close_text(
    scopes: &[Scope],
    text: &str,
    net: &mut PetriNet,
    final_tokens: &mut Vec<(String, u32)>,
) -> Result<(), PnmlError> {
    let tokens = || {
        text.trim()
            .parse::<u32>()
            .map_err(|_| PnmlError::Invalid(format!("marking {text:?} is not a token count")))
    };
    match scopes {
        // A silent transition keeps no label, whatever its name says.
        [.., Scope::Transition(t), Scope::Name] if net.transitions[*t].label.is_some() => {
            net.transitions[*t].label = Some(text.to_owned());
        }
        [.., Scope::Place(p), Scope::InitialMarking] => {
            let n = tokens()?;
            if n > 0 {
                net.initial_marking.insert(*p, n);
            }
        }
        [.., Scope::FinalPlace(id)] => {
            let n = tokens()?;
            if n > 0 {
                final_tokens.push((id.clone(), n));
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::{Operator, ProcessTree};
    use crate::petri::from_tree;
    use proptest::prelude::*;

    fn tree_strategy() -> impl Strategy<Value = ProcessTree> {
        let leaf = prop_oneof![
            Just(ProcessTree::Tau),
            "[a-e&<\"' ]{1,3}".prop_map(ProcessTree::Activity),
        ];
        leaf.prop_recursive(4, 24, 4, |inner| {
            (
                prop_oneof![
                    Just(Operator::Sequence),
                    Just(Operator::Xor),
                    Just(Operator::Parallel),
                    Just(Operator::Loop),
                ],
                prop::collection::vec(inner, 2..4),
            )
                .prop_map(|(operator, children)| ProcessTree::node(operator, children))
        })
    }

    proptest! {
        #[test]
        fn written_nets_read_back_equal(tree in tree_strategy()) {
            let net = from_tree::convert(&tree);
            let read = from_pnml(&to_pnml(&net)).unwrap();
            prop_assert_eq!(read, net);
        }
    }

    #[test]
    fn an_arc_between_two_places_is_refused() {
        let text = r#"<pnml><net id="n"><page id="p"><place id="a"/><place id="b"/>
            <arc id="x" source="a" target="b"/></page></net></pnml>"#;
        assert!(matches!(from_pnml(text), Err(PnmlError::Invalid(_))));
    }

    #[test]
    fn unknown_elements_are_skipped_and_reported_with_line_and_name() {
        let text = "<pnml><net id=\"n\"><page id=\"p\">\n<place id=\"a\"/>\n<colour id=\"c\"><text>x</text></colour>\n<transition id=\"t\"><toolspecific tool=\"X\"><anything/></toolspecific></transition>\n<arc id=\"x\" source=\"a\" target=\"t\"/></page></net></pnml>";
        let (net, diagnostics) = read_pnml(text, "model.pnml").unwrap();
        assert_eq!(
            (net.places.len(), net.transitions.len(), net.arcs.len()),
            (1, 1, 1)
        );
        assert_eq!(
            diagnostics,
            vec![Diagnostic::new(
                "model.pnml",
                Location::Line(3),
                Some("colour"),
                "unknown PNML element <colour> skipped with everything inside it",
            )]
        );
    }

    #[test]
    fn broken_xml_is_an_error_not_a_panic() {
        assert!(from_pnml("<pnml><net><place id=\"a\"></pnml>").is_err());
        assert!(matches!(from_pnml("<pnml/>"), Err(PnmlError::Invalid(_))));
    }
}
