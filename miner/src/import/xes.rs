//! XES (IEEE 1849) import, plain or gzip, streamed with quick-xml: no DOM is built, events go
//! straight into the columnar log.
//!
//! pm4py's semantics: the activity is `concept:name`, the case is the trace's `concept:name`,
//! the time is `time:timestamp`; lifecycle transitions are kept as a column but are not part of
//! the activity. Declared classifiers are kept for export but not used (pm4py ignores them too).

use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::diagnostic::{Diagnostic, Location};
use crate::import::{ImportError, Imported};
use crate::intern::{Interner, Sym};
use crate::log::{Extension, LogBuilder, NewEvent};
use crate::time;
use crate::value::{Attribute, Value};

/// Where attributes being read belong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Log,
    Global,
    Trace,
    Event,
    /// Inside an element this importer does not know; its content is skipped.
    Unknown,
}

/// An attribute element that is open (has children still to come).
struct OpenAttribute {
    kind: Kind,
    key: Sym,
    value: Option<Value>,
    children: Vec<Attribute>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Scalar,
    List,
    Container,
}

struct Reading<'a> {
    file: &'a str,
    builder: LogBuilder,
    diagnostics: Vec<Diagnostic>,
    scopes: Vec<Scope>,
    open: Vec<OpenAttribute>,
    log_attributes: Vec<Attribute>,
    global_attributes: Vec<Attribute>,
    global_scope: String,
    trace_attributes: Vec<Attribute>,
    trace_events: Vec<NewEvent>,
    event_attributes: Vec<Attribute>,
    traces: u64,
    keys: Keys,
    /// Activity id by string-pool id, so each event's name is not looked up twice.
    activity_ids: Vec<Sym>,
}

/// Interned keys the importer looks for on every event.
struct Keys {
    name: Sym,
    timestamp: Sym,
    lifecycle: Sym,
    resource: Sym,
    start_timestamp: Sym,
}

/// Reads an XES document. Malformed XML is an error naming the byte offset; repairable
/// problems (missing timestamp, unparsable value, empty trace) become diagnostics.
pub fn read(reader: impl BufRead, file: &str) -> Result<Imported, ImportError> {
    let mut xml = Reader::from_reader(reader);
    xml.config_mut().trim_text(true);
    let mut builder = LogBuilder::new();
    let keys = Keys {
        name: builder.strings().intern("concept:name"),
        timestamp: builder.strings().intern("time:timestamp"),
        lifecycle: builder.strings().intern("lifecycle:transition"),
        resource: builder.strings().intern("org:resource"),
        start_timestamp: builder.strings().intern("start_timestamp"),
    };
    let mut state = Reading {
        file,
        builder,
        diagnostics: Vec::new(),
        scopes: Vec::new(),
        open: Vec::new(),
        log_attributes: Vec::new(),
        global_attributes: Vec::new(),
        global_scope: String::new(),
        trace_attributes: Vec::new(),
        trace_events: Vec::new(),
        event_attributes: Vec::new(),
        traces: 0,
        keys,
        activity_ids: Vec::new(),
    };
    let mut buf = Vec::with_capacity(1024);
    let mut saw_log = false;
    loop {
        let position = xml.buffer_position();
        let event = xml
            .read_event_into(&mut buf)
            .map_err(|error| ImportError::Xml {
                file: file.to_owned(),
                byte: xml.error_position(),
                message: error.to_string(),
            })?;
        match event {
            Event::Start(element) => {
                saw_log |= element.local_name().as_ref() == b"log";
                state.start(&element, position, false)?;
            }
            Event::Empty(element) => {
                saw_log |= element.local_name().as_ref() == b"log";
                state.start(&element, position, true)?;
            }
            Event::End(element) => state.end(element.local_name().as_ref(), position),
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !saw_log {
        return Err(ImportError::Format {
            file: file.to_owned(),
            message: "no <log> element: this is not an XES document".into(),
        });
    }
    if !state.scopes.is_empty() {
        return Err(ImportError::Xml {
            file: file.to_owned(),
            byte: xml.buffer_position(),
            message: "the document ends inside an open element (truncated file?)".into(),
        });
    }
    state.builder.meta().attributes = state.log_attributes;
    Ok((state.builder.finish(), state.diagnostics))
}

fn attribute_text(element: &BytesStart<'_>, name: &[u8]) -> Option<String> {
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

impl Reading<'_> {
    fn diagnostic(&mut self, position: u64, field: Option<&str>, message: String) {
        self.diagnostics.push(Diagnostic::new(
            self.file,
            Location::Byte(position),
            field,
            message,
        ));
    }

    fn scope(&self) -> Scope {
        self.scopes.last().copied().unwrap_or(Scope::Unknown)
    }

    fn start(
        &mut self,
        element: &BytesStart<'_>,
        position: u64,
        empty: bool,
    ) -> Result<(), ImportError> {
        let name = element.local_name();
        let name = name.as_ref();
        let scope = self.scope();
        if self.scopes.is_empty() {
            if name != b"log" {
                return Err(ImportError::Format {
                    file: self.file.to_owned(),
                    message: format!(
                        "the root element is <{}>, not <log>: this is not an XES document",
                        String::from_utf8_lossy(name)
                    ),
                });
            }
            if !empty {
                self.scopes.push(Scope::Log);
            }
            return Ok(());
        }
        if scope == Scope::Unknown {
            if !empty {
                self.scopes.push(Scope::Unknown);
            }
            return Ok(());
        }
        match (scope, name) {
            (Scope::Log, b"trace") => {
                self.traces += 1;
                if empty {
                    self.diagnostic(position, None, "empty trace skipped".into());
                } else {
                    self.scopes.push(Scope::Trace);
                }
            }
            (Scope::Trace, b"event") => {
                if empty {
                    self.diagnostic(position, None, "event without attributes skipped".into());
                } else {
                    self.scopes.push(Scope::Event);
                }
            }
            (Scope::Log, b"extension") => {
                let extension = Extension {
                    name: attribute_text(element, b"name").unwrap_or_default(),
                    prefix: attribute_text(element, b"prefix").unwrap_or_default(),
                    uri: attribute_text(element, b"uri").unwrap_or_default(),
                };
                self.builder.meta().extensions.push(extension);
                if !empty {
                    self.scopes.push(Scope::Unknown);
                }
            }
            (Scope::Log, b"classifier") => {
                let classifier = (
                    attribute_text(element, b"name").unwrap_or_default(),
                    attribute_text(element, b"keys").unwrap_or_default(),
                );
                self.builder.meta().classifiers.push(classifier);
                if !empty {
                    self.scopes.push(Scope::Unknown);
                }
            }
            (Scope::Log, b"global") => {
                self.global_scope =
                    attribute_text(element, b"scope").unwrap_or_else(|| "event".into());
                if empty {
                    let scope = std::mem::take(&mut self.global_scope);
                    self.builder.meta().globals.push((scope, Vec::new()));
                } else {
                    self.scopes.push(Scope::Global);
                }
            }
            (_, b"values") if !self.open.is_empty() => {
                // The wrapper of a list's items: transparent, items go to the list.
                if !empty {
                    self.scopes.push(scope);
                }
            }
            (
                _,
                b"string" | b"date" | b"int" | b"float" | b"boolean" | b"id" | b"list"
                | b"container",
            ) => {
                self.open_attribute(element, name, position, empty);
            }
            _ => {
                if !empty {
                    self.scopes.push(Scope::Unknown);
                }
            }
        }
        Ok(())
    }

    fn open_attribute(
        &mut self,
        element: &BytesStart<'_>,
        kind: &[u8],
        position: u64,
        empty: bool,
    ) {
        let mut key_text = None;
        let mut value_text = None;
        // No duplicate-attribute check: a repeated `key` or `value` simply takes the last one.
        for attribute in element.attributes().with_checks(false).flatten() {
            match attribute.key.local_name().as_ref() {
                b"key" => key_text = attribute.unescape_value().ok(),
                b"value" => value_text = attribute.unescape_value().ok(),
                _ => {}
            }
        }
        // ProM writes keyless values inside nested metadata (BPI 2012); keep them under "".
        let key_text = key_text.unwrap_or_default();
        let key = self.builder.strings().intern(&key_text);
        let value_text = value_text.as_deref().unwrap_or("");
        let (kind, value) = match kind {
            b"list" => (Kind::List, None),
            b"container" => (Kind::Container, None),
            _ => {
                let value = self.scalar(kind, &key_text, value_text, position);
                (Kind::Scalar, value)
            }
        };
        let open = OpenAttribute {
            kind,
            key,
            value,
            children: Vec::new(),
        };
        if empty {
            self.close_attribute(open);
        } else {
            self.open.push(open);
            self.scopes.push(self.scope());
        }
    }

    fn scalar(&mut self, kind: &[u8], key: &str, text: &str, position: u64) -> Option<Value> {
        let strings: &mut Interner = self.builder.strings();
        let parsed = match kind {
            b"string" => Some(Value::Str(strings.intern(text))),
            b"id" => Some(Value::Id(strings.intern(text))),
            b"int" => text.trim().parse().ok().map(Value::Int),
            b"float" => text.trim().parse().ok().map(Value::Float),
            b"boolean" => match text.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Some(Value::Bool(true)),
                "false" | "0" => Some(Value::Bool(false)),
                _ => None,
            },
            _ => time::parse_any(text)
                .and_then(time::Instant::to_datetime)
                .map(Value::Date),
        };
        if parsed.is_none() {
            let kind = String::from_utf8_lossy(kind).into_owned();
            self.diagnostic(
                position,
                Some(key),
                format!("{kind} value {text:?} is not valid; attribute skipped"),
            );
        }
        parsed
    }

    /// Puts a finished attribute into its parent: an open attribute, or the current scope.
    fn close_attribute(&mut self, open: OpenAttribute) {
        let (value, children) = match open.kind {
            Kind::List => (Some(Value::List(open.children)), Vec::new()),
            Kind::Container => (Some(Value::Container(open.children)), Vec::new()),
            Kind::Scalar => (open.value, open.children),
        };
        let Some(value) = value else { return };
        let attribute = Attribute {
            key: open.key,
            value,
            children,
        };
        if let Some(parent) = self.open.last_mut() {
            parent.children.push(attribute);
            return;
        }
        match self.scope() {
            Scope::Log => self.log_attributes.push(attribute),
            Scope::Global => self.global_attributes.push(attribute),
            Scope::Trace => self.trace_attributes.push(attribute),
            Scope::Event => self.event_attributes.push(attribute),
            Scope::Unknown => {}
        }
    }

    fn end(&mut self, name: &[u8], position: u64) {
        let Some(scope) = self.scopes.pop() else {
            return;
        };
        let is_attribute = matches!(
            name,
            b"string" | b"date" | b"int" | b"float" | b"boolean" | b"id" | b"list" | b"container"
        );
        if is_attribute && scope != Scope::Unknown && !self.open.is_empty() {
            if let Some(open) = self.open.pop() {
                self.close_attribute(open);
            }
            return;
        }
        match (scope, name) {
            (Scope::Event, b"event") => self.finish_event(position),
            (Scope::Trace, b"trace") => self.finish_trace(position),
            (Scope::Global, b"global") => {
                let attributes = std::mem::take(&mut self.global_attributes);
                let scope = std::mem::take(&mut self.global_scope);
                self.builder.meta().globals.push((scope, attributes));
            }
            _ => {}
        }
    }

    /// The activity id of a name already in the string pool.
    fn activity_id(&mut self, name: Sym) -> Sym {
        let index = name as usize;
        if index >= self.activity_ids.len() {
            self.activity_ids.resize(index + 1, crate::log::NONE);
        }
        if self.activity_ids[index] == crate::log::NONE {
            let text = self.builder.strings().resolve(name).to_owned();
            self.activity_ids[index] = self.builder.activities().intern(&text);
        }
        self.activity_ids[index]
    }

    fn finish_event(&mut self, position: u64) {
        let mut attributes = std::mem::take(&mut self.event_attributes);
        let keys = &self.keys;
        let mut activity = None;
        let mut timestamp = None;
        let mut start_time = None;
        let mut lifecycle = None;
        let mut resource = None;
        attributes.retain(|attribute| {
            let key = attribute.key;
            match (&attribute.value, key) {
                (Value::Str(text), key) if key == keys.name => activity = Some(*text),
                (Value::Date(date), key) if key == keys.timestamp => timestamp = Some(*date),
                (Value::Date(date), key) if key == keys.start_timestamp => {
                    start_time = Some(date.timestamp_micros());
                }
                (Value::Str(text), key) if key == keys.lifecycle => lifecycle = Some(*text),
                (Value::Str(text), key) if key == keys.resource => resource = Some(*text),
                _ => return true,
            }
            // Nested children of the standard attributes would be lost in a column; keep the
            // attribute in the generic list in that rare case.
            !attribute.children.is_empty()
        });
        let Some(activity) = activity else {
            self.diagnostic(
                position,
                Some("concept:name"),
                "event without an activity (concept:name) skipped, as pm4py drops it".into(),
            );
            return;
        };
        let activity = self.activity_id(activity);
        if timestamp.is_none() {
            self.diagnostic(
                position,
                Some("time:timestamp"),
                "event without a timestamp kept; it takes the time of the event before it in the trace".into(),
            );
        }
        self.trace_events.push(NewEvent {
            activity,
            time: timestamp.map(|date| date.timestamp_micros()),
            time_offset: timestamp.map_or(0, |date| date.offset().local_minus_utc()),
            start_time,
            lifecycle,
            resource,
            attributes,
        });
    }

    fn finish_trace(&mut self, position: u64) {
        let mut attributes = std::mem::take(&mut self.trace_attributes);
        let events = std::mem::take(&mut self.trace_events);
        let name_key = self.keys.name;
        let mut name = None;
        attributes.retain(|attribute| match (&attribute.value, attribute.key) {
            (Value::Str(text), key) if key == name_key && name.is_none() => {
                name = Some(*text);
                false
            }
            _ => true,
        });
        if events.is_empty() {
            self.diagnostic(position, None, "trace without events skipped".into());
            return;
        }
        let name = match name {
            Some(sym) => self.builder.strings().resolve(sym).to_owned(),
            None => {
                let generated = format!("trace-{}", self.traces);
                self.diagnostic(
                    position,
                    Some("concept:name"),
                    format!("trace without a name kept as {generated:?}"),
                );
                generated
            }
        };
        let case = self.builder.case(&name);
        let case_attributes = self.builder.case_attributes(case);
        if case_attributes.is_empty() {
            *case_attributes = attributes;
        }
        for event in events {
            self.builder.push(case, event);
        }
    }
}
