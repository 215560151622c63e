//! OCEL 2.0 JSON writer for a case-centric log: each case becomes an object of type `case`,
//! each event relates to its case. Event ids are the imported `ocel:eid` where present.

use std::collections::BTreeMap;
use std::io::{self, Write};

use flowbot_model::event::CASE_OBJECT_TYPE;
use serde_json::{Value as Json, json};

use crate::log::Log;
use crate::time::{format_micros, format_rfc3339};
use crate::value::Value;

fn ocel_type(value: &Value) -> &'static str {
    match value {
        Value::Int(_) => "integer",
        Value::Float(_) => "float",
        Value::Bool(_) => "boolean",
        Value::Date(_) => "time",
        _ => "string",
    }
}

fn ocel_value(log: &Log, value: &Value) -> Json {
    match value {
        Value::Int(int) => json!(int),
        Value::Float(float) => json!(float),
        Value::Bool(flag) => json!(flag),
        Value::Date(date) => json!(format_rfc3339(*date)),
        other => json!(other.display(&log.strings)),
    }
}

/// The attribute keys a writer reserves for the event's own columns.
pub const EVENT_ID_KEY: &str = "ocel:eid";

pub fn write(log: &Log, out: impl Write) -> io::Result<()> {
    let mut event_types: BTreeMap<String, BTreeMap<String, &'static str>> = BTreeMap::new();
    let mut case_attribute_types: BTreeMap<String, &'static str> = BTreeMap::new();
    let mut events = Vec::with_capacity(log.num_events());
    let event_id_key = log.strings.get(EVENT_ID_KEY);
    for case in 0..log.num_cases() {
        for attribute in log.case_attributes(case) {
            case_attribute_types
                .entry(log.strings.resolve(attribute.key).to_owned())
                .or_insert(ocel_type(&attribute.value));
        }
        for event in log.case_range(case) {
            let activity = log.activity_name(log.activity(event));
            let declared = event_types.entry(activity.to_owned()).or_default();
            let mut id = None;
            let mut attributes = Vec::new();
            let mut push = |name: &str, value: Json, kind: &'static str| {
                declared.entry(name.to_owned()).or_insert(kind);
                attributes.push(json!({"name": name, "value": value}));
            };
            if let Some(lifecycle) = log.lifecycle(event) {
                push("lifecycle:transition", json!(lifecycle), "string");
            }
            if let Some(resource) = log.resource(event) {
                push("org:resource", json!(resource), "string");
            }
            if let Some(start) = log.start_time(event) {
                push(
                    "start_timestamp",
                    json!(format_micros(start, log.time_offset(event))),
                    "time",
                );
            }
            for attribute in log.event_attributes(event) {
                if Some(attribute.key) == event_id_key {
                    id = Some(attribute.value.display(&log.strings));
                    continue;
                }
                push(
                    log.strings.resolve(attribute.key),
                    ocel_value(log, &attribute.value),
                    ocel_type(&attribute.value),
                );
            }
            events.push(json!({
                "id": id.unwrap_or_else(|| format!("e{}", event + 1)),
                "type": activity,
                "time": format_micros(log.time(event), log.time_offset(event)),
                "attributes": attributes,
                "relationships": [{"objectId": log.case_id(case), "qualifier": ""}],
            }));
        }
    }
    let objects: Vec<Json> = (0..log.num_cases())
        .map(|case| {
            let attributes: Vec<Json> = log
                .case_attributes(case)
                .iter()
                .map(|attribute| json!({
                    "name": log.strings.resolve(attribute.key),
                    "time": "1970-01-01T00:00:00Z",
                    "value": ocel_value(log, &attribute.value),
                }))
                .collect();
            json!({"id": log.case_id(case), "type": CASE_OBJECT_TYPE, "attributes": attributes, "relationships": []})
        })
        .collect();
    let declare = |attributes: &BTreeMap<String, &'static str>| -> Vec<Json> {
        attributes
            .iter()
            .map(|(name, kind)| json!({"name": name, "type": kind}))
            .collect()
    };
    let document = json!({
        "objectTypes": [{"name": CASE_OBJECT_TYPE, "attributes": declare(&case_attribute_types)}],
        "eventTypes": event_types.iter().map(|(name, attributes)| json!({"name": name, "attributes": declare(attributes)})).collect::<Vec<_>>(),
        "objects": objects,
        "events": events,
    });
    serde_json::to_writer(out, &document).map_err(io::Error::other)
}
