//! Object-centric event logs (OCEL 2.0 JSON, XML and SQLite; OCEL 1.0 JSON) and their
//! flattening on one object type into a case-centric [`Log`], as `pm4py.ocel_flattening` does:
//! every object of the type becomes a case holding the events related to it.

pub mod json;
pub mod sqlite;
pub mod xml;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, FixedOffset};
use flowbot_model::event::AttributeValue;

use crate::diagnostic::{Diagnostic, Location};
use crate::log::{Log, LogBuilder, NewEvent};
use crate::value::{Attribute, Value};

#[derive(Debug, thiserror::Error)]
pub enum OcelError {
    #[error("{file}: not OCEL JSON: {message}")]
    Json { file: String, message: String },
    #[error("{file}: OCEL XML error at byte {byte}: {message}")]
    Xml {
        file: String,
        byte: u64,
        message: String,
    },
    #[error("{file}: OCEL SQLite: {message}")]
    Sqlite { file: String, message: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct OcelEvent {
    pub id: String,
    pub activity: String,
    pub time: DateTime<FixedOffset>,
    pub attributes: Vec<(String, AttributeValue)>,
    /// (object id, qualifier) event-to-object relations.
    pub relationships: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OcelObject {
    pub id: String,
    pub object_type: String,
    /// (name, time the value took effect, value); OCEL 1.0 and static values use the epoch.
    pub attributes: Vec<(String, DateTime<FixedOffset>, AttributeValue)>,
    /// (object id, qualifier) object-to-object relations.
    pub relationships: Vec<(String, String)>,
}

/// An object-centric log as read, in file order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ocel {
    pub event_types: Vec<String>,
    pub object_types: Vec<String>,
    pub events: Vec<OcelEvent>,
    pub objects: Vec<OcelObject>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Ocel {
    /// The types of the objects present, in first-seen order (types only declared, as the
    /// OCEL 1.0 header of recruiting-red does, have nothing to flatten; pm4py omits them too).
    pub fn object_types(&self) -> impl Iterator<Item = &str> {
        let mut seen = HashSet::new();
        self.objects
            .iter()
            .map(|object| object.object_type.as_str())
            .filter(move |object_type| seen.insert(*object_type))
    }

    /// The object type with the most event relations, a sensible case notion by default.
    pub fn default_object_type(&self) -> Option<String> {
        let type_of: HashMap<&str, &str> = self
            .objects
            .iter()
            .map(|object| (object.id.as_str(), object.object_type.as_str()))
            .collect();
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for event in &self.events {
            for (object, _) in &event.relationships {
                if let Some(object_type) = type_of.get(object.as_str()) {
                    *counts.entry(object_type).or_default() += 1;
                }
            }
        }
        counts
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
            .map(|(object_type, _)| object_type.to_owned())
    }

    pub fn num_e2o_relations(&self) -> usize {
        self.events
            .iter()
            .map(|event| event.relationships.len())
            .sum()
    }

    pub fn num_o2o_relations(&self) -> usize {
        self.objects
            .iter()
            .map(|object| object.relationships.len())
            .sum()
    }

    /// The case-centric view on `object_type`: each object of that type is a case with the
    /// events related to it, sorted by time with file order breaking ties. The event id is
    /// kept as `ocel:eid`, the object's attributes (latest value) as case attributes.
    pub fn flatten(&self, object_type: &str, diagnostics: &mut Vec<Diagnostic>) -> Log {
        let objects: HashMap<&str, &OcelObject> = self
            .objects
            .iter()
            .filter(|object| object.object_type == object_type)
            .map(|object| (object.id.as_str(), object))
            .collect();
        let mut builder = LogBuilder::new();
        let event_id_key = builder.strings().intern("ocel:eid");
        for event in &self.events {
            let mut seen = HashSet::new();
            for (object_id, _) in &event.relationships {
                let Some(object) = objects.get(object_id.as_str()) else {
                    continue;
                };
                if !seen.insert(object_id.as_str()) {
                    continue;
                }
                let case = builder.case(object_id);
                if builder.case_attributes(case).is_empty() {
                    let attributes = latest_values(object)
                        .into_iter()
                        .map(|(name, value)| {
                            let key = builder.strings().intern(name);
                            Attribute::new(key, Value::from_model(value, builder.strings()))
                        })
                        .collect();
                    *builder.case_attributes(case) = attributes;
                }
                let mut attributes = vec![Attribute::new(
                    event_id_key,
                    Value::Id(builder.strings().intern(&event.id)),
                )];
                let (mut lifecycle, mut resource, mut start_time) = (None, None, None);
                // The standard XES keys become the log's columns, so a case-centric log
                // exported to OCEL and read back has them where it had them.
                for (name, value) in &event.attributes {
                    match (name.as_str(), value) {
                        ("lifecycle:transition", AttributeValue::String(text)) => {
                            lifecycle = Some(builder.strings().intern(text));
                        }
                        ("org:resource", AttributeValue::String(text)) => {
                            resource = Some(builder.strings().intern(text));
                        }
                        ("start_timestamp", AttributeValue::Date(date)) => {
                            start_time = Some(date.timestamp_micros());
                        }
                        _ => {
                            let key = builder.strings().intern(name);
                            let value = Value::from_model(value, builder.strings());
                            attributes.push(Attribute::new(key, value));
                        }
                    }
                }
                let activity = builder.activities().intern(&event.activity);
                builder.push(
                    case,
                    NewEvent {
                        activity,
                        time: Some(event.time.timestamp_micros()),
                        time_offset: event.time.offset().local_minus_utc(),
                        start_time,
                        lifecycle,
                        resource,
                        attributes,
                    },
                );
            }
        }
        if builder.num_events() == 0 {
            diagnostics.push(Diagnostic::new(
                "",
                Location::Item(object_type.to_owned()),
                None,
                format!("no event relates to an object of type {object_type:?}; the log is empty"),
            ));
        }
        builder.finish()
    }
}

/// Each attribute's value with the latest time.
fn latest_values(object: &OcelObject) -> Vec<(&str, &AttributeValue)> {
    let mut latest: BTreeMap<&str, (&DateTime<FixedOffset>, &AttributeValue)> = BTreeMap::new();
    for (name, time, value) in &object.attributes {
        match latest.get(name.as_str()) {
            Some((seen, _)) if *seen > time => {}
            _ => {
                latest.insert(name, (time, value));
            }
        }
    }
    latest
        .into_iter()
        .map(|(name, (_, value))| (name, value))
        .collect()
}

/// The epoch in UTC: the "time" of attribute values that do not change.
pub fn epoch() -> DateTime<FixedOffset> {
    DateTime::UNIX_EPOCH.fixed_offset()
}

/// Parses an OCEL attribute value given its declared type.
pub fn typed_value(declared: Option<&str>, text: &str) -> AttributeValue {
    match declared {
        Some("integer" | "int") => text.trim().parse().map_or_else(
            |_| AttributeValue::String(text.to_owned()),
            AttributeValue::Int,
        ),
        Some("float" | "double") => text.trim().parse().map_or_else(
            |_| AttributeValue::String(text.to_owned()),
            AttributeValue::Float,
        ),
        Some("boolean" | "bool") => match text.trim() {
            "true" | "True" | "1" => AttributeValue::Bool(true),
            "false" | "False" | "0" => AttributeValue::Bool(false),
            _ => AttributeValue::String(text.to_owned()),
        },
        Some("time" | "date" | "datetime") => crate::time::parse_any(text)
            .and_then(crate::time::Instant::to_datetime)
            .map_or_else(
                || AttributeValue::String(text.to_owned()),
                AttributeValue::Date,
            ),
        _ => AttributeValue::String(text.to_owned()),
    }
}
