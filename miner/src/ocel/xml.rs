//! OCEL 2.0 XML, streamed with quick-xml. Times without an offset (the pm4py example writes
//! `2022-01-09T15:00:00`) are read as UTC, like pm4py, with one diagnostic per file.

use std::collections::HashMap;
use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::{Ocel, OcelError, OcelEvent, OcelObject, epoch, typed_value};
use crate::diagnostic::{Diagnostic, Location};
use crate::time;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    None,
    ObjectTypes,
    EventTypes,
    Objects,
    Events,
}

fn attribute(element: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    element
        .attributes()
        .flatten()
        .find(|attribute| attribute.key.local_name().as_ref() == name)
        .and_then(|attribute| {
            attribute
                .unescape_value()
                .ok()
                .map(|text| text.into_owned())
        })
}

fn predefined_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => return None,
    })
}

/// Everything read so far plus the element being filled in.
struct State<'a> {
    file: &'a str,
    ocel: Ocel,
    section: Section,
    current_type: String,
    declared: HashMap<(String, String), String>,
    event: Option<OcelEvent>,
    object: Option<OcelObject>,
    attribute: Option<(String, Option<String>)>,
    text: String,
    naive_times: u64,
}

impl State<'_> {
    fn time(&mut self, text: &str, item: &str) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        let instant = time::parse_any(text);
        if instant.is_some_and(|instant| instant.offset_secs.is_none()) {
            self.naive_times += 1;
        }
        let date = instant.and_then(time::Instant::to_datetime);
        if date.is_none() {
            self.ocel.diagnostics.push(Diagnostic::new(
                self.file,
                Location::Item(item.to_owned()),
                Some("time"),
                format!("time {text:?} is not a date; skipped"),
            ));
        }
        date
    }

    /// `level` is the element's depth: 1 for the root, 2 for the sections.
    fn start(&mut self, element: &BytesStart<'_>, level: usize) {
        match element.local_name().as_ref() {
            b"object-types" if level == 2 => self.section = Section::ObjectTypes,
            b"event-types" if level == 2 => self.section = Section::EventTypes,
            b"objects" if level == 2 => self.section = Section::Objects,
            b"events" if level == 2 => self.section = Section::Events,
            b"object-type" | b"event-type" => {
                let name = attribute(element, b"name").unwrap_or_default();
                if self.section == Section::ObjectTypes {
                    self.ocel.object_types.push(name.clone());
                } else {
                    self.ocel.event_types.push(name.clone());
                }
                self.current_type = name;
            }
            b"attribute" => {
                let name = attribute(element, b"name").unwrap_or_default();
                match self.section {
                    Section::ObjectTypes | Section::EventTypes => {
                        let kind = attribute(element, b"type").unwrap_or_default();
                        let scope = if self.section == Section::ObjectTypes {
                            "o"
                        } else {
                            "e"
                        };
                        self.declared
                            .insert((format!("{scope}:{}", self.current_type), name), kind);
                    }
                    _ => {
                        self.attribute = Some((name, attribute(element, b"time")));
                        self.text.clear();
                    }
                }
            }
            b"object" if self.section == Section::Objects => {
                self.object = Some(OcelObject {
                    id: attribute(element, b"id").unwrap_or_default(),
                    object_type: attribute(element, b"type").unwrap_or_default(),
                    attributes: Vec::new(),
                    relationships: Vec::new(),
                });
            }
            b"event" if self.section == Section::Events => {
                let id = attribute(element, b"id").unwrap_or_default();
                let text = attribute(element, b"time").unwrap_or_default();
                if let Some(time) = self.time(&text, &id) {
                    self.event = Some(OcelEvent {
                        id,
                        activity: attribute(element, b"type").unwrap_or_default(),
                        time,
                        attributes: Vec::new(),
                        relationships: Vec::new(),
                    });
                }
            }
            b"relationship" => {
                let relation = (
                    attribute(element, b"object-id").unwrap_or_default(),
                    attribute(element, b"qualifier").unwrap_or_default(),
                );
                if let Some(event) = &mut self.event {
                    event.relationships.push(relation);
                } else if let Some(object) = &mut self.object {
                    object.relationships.push(relation);
                }
            }
            _ => {}
        }
    }

    fn end(&mut self, name: &[u8]) {
        match name {
            b"attribute" => {
                let Some((attribute_name, time_text)) = self.attribute.take() else {
                    return;
                };
                let text = std::mem::take(&mut self.text);
                if let Some(event) = &mut self.event {
                    let declared = self
                        .declared
                        .get(&(format!("e:{}", event.activity), attribute_name.clone()));
                    let value = typed_value(declared.map(String::as_str), &text);
                    event.attributes.push((attribute_name, value));
                } else if let Some(object_type) = self
                    .object
                    .as_ref()
                    .map(|object| object.object_type.clone())
                {
                    let object_id = self
                        .object
                        .as_ref()
                        .map(|object| object.id.clone())
                        .unwrap_or_default();
                    let time = match time_text {
                        Some(time_text) => self.time(&time_text, &object_id),
                        None => Some(epoch()),
                    };
                    let declared = self
                        .declared
                        .get(&(format!("o:{object_type}"), attribute_name.clone()))
                        .cloned();
                    if let (Some(time), Some(object)) = (time, &mut self.object) {
                        object.attributes.push((
                            attribute_name,
                            time,
                            typed_value(declared.as_deref(), &text),
                        ));
                    }
                }
            }
            b"object" => {
                if let Some(object) = self.object.take() {
                    self.ocel.objects.push(object);
                }
            }
            b"event" => {
                if let Some(event) = self.event.take() {
                    self.ocel.events.push(event);
                }
            }
            _ => {}
        }
    }
}

pub fn read(reader: impl BufRead, file: &str) -> Result<Ocel, OcelError> {
    let mut xml = Reader::from_reader(reader);
    let mut state = State {
        file,
        ocel: Ocel::default(),
        section: Section::None,
        current_type: String::new(),
        declared: HashMap::new(),
        event: None,
        object: None,
        attribute: None,
        text: String::new(),
        naive_times: 0,
    };
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let mut saw_root = false;
    let xml_error = |xml: &Reader<_>, message: String| OcelError::Xml {
        file: file.to_owned(),
        byte: xml.buffer_position(),
        message,
    };
    loop {
        let event = xml
            .read_event_into(&mut buf)
            .map_err(|error| OcelError::Xml {
                file: file.to_owned(),
                byte: xml.error_position(),
                message: error.to_string(),
            })?;
        match event {
            Event::Start(element) => {
                depth += 1;
                saw_root = true;
                state.start(&element, depth);
            }
            Event::Empty(element) => {
                saw_root = true;
                state.start(&element, depth + 1);
                state.end(element.local_name().as_ref());
            }
            Event::End(element) => {
                depth = depth.saturating_sub(1);
                state.end(element.local_name().as_ref());
            }
            Event::Text(text) if state.attribute.is_some() => {
                let decoded = text
                    .decode()
                    .map_err(|error| xml_error(&xml, error.to_string()))?;
                state.text.push_str(&decoded);
            }
            Event::CData(text) if state.attribute.is_some() => {
                state.text.push_str(&String::from_utf8_lossy(&text));
            }
            Event::GeneralRef(reference) if state.attribute.is_some() => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(character)) => Some(character),
                    _ => reference
                        .decode()
                        .ok()
                        .and_then(|name| predefined_entity(&name)),
                };
                match resolved {
                    Some(character) => state.text.push(character),
                    None => return Err(xml_error(&xml, "unknown entity reference".into())),
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !saw_root || depth != 0 {
        return Err(xml_error(
            &xml,
            "the document ends inside an open element (truncated?) or has no root".into(),
        ));
    }
    if state.naive_times > 0 {
        let count = state.naive_times;
        state.ocel.diagnostics.push(Diagnostic::new(
            file,
            Location::Item("times".into()),
            Some("time"),
            format!("{count} time(s) have no UTC offset and were read as UTC, as pm4py does"),
        ));
    }
    Ok(state.ocel)
}
