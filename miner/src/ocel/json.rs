//! OCEL JSON: the 2.0 form (`objectTypes`, `eventTypes`, `objects`, `events`) and the 1.0 form
//! (`ocel:events`, `ocel:objects` maps), told apart by their keys. Parsed straight into typed
//! structs (no JSON DOM); the 1.0 maps keep file order, which breaks timestamp ties.

use std::collections::HashMap;
use std::fmt;
use std::io::BufRead;
use std::marker::PhantomData;

use flowbot_model::event::AttributeValue;
use serde::Deserialize;
use serde::de::{MapAccess, Visitor};

use super::{Ocel, OcelError, OcelEvent, OcelObject, epoch, typed_value};
use crate::diagnostic::{Diagnostic, Location};
use crate::time;

/// A JSON object read as ordered (key, value) pairs.
struct Ordered<T>(Vec<(String, T)>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for OrderedVisitor<T> {
            type Value = Ordered<T>;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Ordered(entries))
            }
        }
        deserializer.deserialize_map(OrderedVisitor(PhantomData))
    }
}

#[derive(Deserialize)]
struct TypeDeclaration {
    name: String,
    #[serde(default)]
    attributes: Vec<AttributeDeclaration>,
}

#[derive(Deserialize)]
struct AttributeDeclaration {
    name: String,
    #[serde(rename = "type", default)]
    kind: String,
}

#[derive(Deserialize)]
struct Relationship {
    #[serde(rename = "objectId")]
    object_id: String,
    #[serde(default)]
    qualifier: String,
}

#[derive(Deserialize)]
struct EventAttribute {
    name: String,
    value: serde_json::Value,
}

#[derive(Deserialize)]
struct ObjectAttribute {
    name: String,
    #[serde(default)]
    time: Option<String>,
    value: serde_json::Value,
}

#[derive(Deserialize)]
struct Event2 {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    time: String,
    #[serde(default)]
    attributes: Vec<EventAttribute>,
    #[serde(default)]
    relationships: Vec<Relationship>,
}

#[derive(Deserialize)]
struct Object2 {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    attributes: Vec<ObjectAttribute>,
    #[serde(default)]
    relationships: Vec<Relationship>,
}

#[derive(Deserialize)]
struct Event1 {
    #[serde(rename = "ocel:activity")]
    activity: String,
    #[serde(rename = "ocel:timestamp")]
    timestamp: String,
    #[serde(rename = "ocel:omap", default)]
    omap: Vec<String>,
    #[serde(rename = "ocel:vmap", default)]
    vmap: Option<Ordered<serde_json::Value>>,
}

#[derive(Deserialize)]
struct Object1 {
    #[serde(rename = "ocel:type")]
    kind: String,
    #[serde(rename = "ocel:ovmap", default)]
    ovmap: Option<Ordered<serde_json::Value>>,
}

#[derive(Deserialize)]
struct GlobalLog1 {
    #[serde(rename = "ocel:object-types", default)]
    object_types: Vec<String>,
}

#[derive(Deserialize)]
struct AnyOcel {
    #[serde(rename = "objectTypes")]
    object_types: Option<Vec<TypeDeclaration>>,
    #[serde(rename = "eventTypes")]
    event_types: Option<Vec<TypeDeclaration>>,
    objects: Option<Vec<Object2>>,
    events: Option<Vec<Event2>>,
    #[serde(rename = "ocel:global-log")]
    global_log: Option<GlobalLog1>,
    #[serde(rename = "ocel:events")]
    events1: Option<Ordered<Event1>>,
    #[serde(rename = "ocel:objects")]
    objects1: Option<Ordered<Object1>>,
}

fn json_value(declared: Option<&str>, value: &serde_json::Value) -> AttributeValue {
    match value {
        serde_json::Value::String(text) => typed_value(declared, text),
        serde_json::Value::Bool(flag) => AttributeValue::Bool(*flag),
        serde_json::Value::Number(number) => match number.as_i64() {
            Some(int) if declared != Some("float") => AttributeValue::Int(int),
            _ => AttributeValue::Float(number.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::Null => AttributeValue::String(String::new()),
        other => AttributeValue::String(other.to_string()),
    }
}

pub fn read(reader: impl BufRead, file: &str) -> Result<Ocel, OcelError> {
    let parsed: AnyOcel = serde_json::from_reader(reader).map_err(|error| OcelError::Json {
        file: file.to_owned(),
        message: error.to_string(),
    })?;
    let mut ocel = Ocel::default();
    let parse_time = |text: &str, item: &str, diagnostics: &mut Vec<Diagnostic>| {
        let instant = time::parse_any(text);
        match instant.and_then(time::Instant::to_datetime) {
            Some(date) => {
                if instant.is_some_and(|instant| instant.offset_secs.is_none()) {
                    diagnostics.push(Diagnostic::new(
                        file,
                        Location::Item(item.to_owned()),
                        Some("time"),
                        format!("time {text:?} has no offset; read as UTC"),
                    ));
                }
                Some(date)
            }
            None => {
                diagnostics.push(Diagnostic::new(
                    file,
                    Location::Item(item.to_owned()),
                    Some("time"),
                    format!("time {text:?} is not a date; item skipped"),
                ));
                None
            }
        }
    };
    if let Some(events) = parsed.events1 {
        ocel.object_types = parsed
            .global_log
            .map(|global| global.object_types)
            .unwrap_or_default();
        for (id, event) in events.0 {
            let Some(time) = parse_time(&event.timestamp, &id, &mut ocel.diagnostics) else {
                continue;
            };
            ocel.events.push(OcelEvent {
                attributes: event
                    .vmap
                    .map(|vmap| {
                        vmap.0
                            .into_iter()
                            .map(|(name, value)| (name, json_value(None, &value)))
                            .collect()
                    })
                    .unwrap_or_default(),
                relationships: event
                    .omap
                    .into_iter()
                    .map(|object| (object, String::new()))
                    .collect(),
                id,
                activity: event.activity,
                time,
            });
        }
        for (id, object) in parsed.objects1.map(|objects| objects.0).unwrap_or_default() {
            ocel.objects.push(OcelObject {
                id,
                object_type: object.kind,
                attributes: object
                    .ovmap
                    .map(|ovmap| {
                        ovmap
                            .0
                            .into_iter()
                            .map(|(name, value)| (name, epoch(), json_value(None, &value)))
                            .collect()
                    })
                    .unwrap_or_default(),
                relationships: Vec::new(),
            });
        }
        return Ok(ocel);
    }
    let (Some(events), Some(objects)) = (parsed.events, parsed.objects) else {
        return Err(OcelError::Json {
            file: file.to_owned(),
            message:
                "neither OCEL 2.0 (`events`, `objects`) nor OCEL 1.0 (`ocel:events`) keys found"
                    .into(),
        });
    };
    let declared = |types: &Option<Vec<TypeDeclaration>>| -> HashMap<(String, String), String> {
        types
            .iter()
            .flatten()
            .flat_map(|declaration| {
                declaration.attributes.iter().map(|attribute| {
                    (
                        (declaration.name.clone(), attribute.name.clone()),
                        attribute.kind.clone(),
                    )
                })
            })
            .collect()
    };
    let event_attribute_types = declared(&parsed.event_types);
    let object_attribute_types = declared(&parsed.object_types);
    ocel.event_types = parsed
        .event_types
        .iter()
        .flatten()
        .map(|declaration| declaration.name.clone())
        .collect();
    ocel.object_types = parsed
        .object_types
        .iter()
        .flatten()
        .map(|declaration| declaration.name.clone())
        .collect();
    for event in events {
        let Some(time) = parse_time(&event.time, &event.id, &mut ocel.diagnostics) else {
            continue;
        };
        let attributes = event
            .attributes
            .iter()
            .map(|attribute| {
                let declared = event_attribute_types
                    .get(&(event.kind.clone(), attribute.name.clone()))
                    .map(String::as_str);
                (
                    attribute.name.clone(),
                    json_value(declared, &attribute.value),
                )
            })
            .collect();
        ocel.events.push(OcelEvent {
            id: event.id,
            activity: event.kind,
            time,
            attributes,
            relationships: event
                .relationships
                .into_iter()
                .map(|relation| (relation.object_id, relation.qualifier))
                .collect(),
        });
    }
    for object in objects {
        let mut attributes = Vec::new();
        for attribute in &object.attributes {
            let time = match &attribute.time {
                Some(text) => match parse_time(text, &object.id, &mut ocel.diagnostics) {
                    Some(time) => time,
                    None => continue,
                },
                None => epoch(),
            };
            let declared = object_attribute_types
                .get(&(object.kind.clone(), attribute.name.clone()))
                .map(String::as_str);
            attributes.push((
                attribute.name.clone(),
                time,
                json_value(declared, &attribute.value),
            ));
        }
        ocel.objects.push(OcelObject {
            id: object.id,
            object_type: object.kind,
            attributes,
            relationships: object
                .relationships
                .into_iter()
                .map(|relation| (relation.object_id, relation.qualifier))
                .collect(),
        });
    }
    Ok(ocel)
}
