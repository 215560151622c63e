//! OCEL 2.0 SQLite: the `event`, `object`, `event_object`, `object_object` tables, the
//! `*_map_type` tables naming one `event_<type>` / `object_<type>` table per type.

use std::collections::HashMap;
use std::path::Path;

use flowbot_model::event::AttributeValue;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::{Ocel, OcelError, OcelEvent, OcelObject, epoch};
use crate::diagnostic::{Diagnostic, Location};
use crate::time;

type Row = (String, Option<String>, Vec<(String, AttributeValue)>);

fn value(value: ValueRef<'_>) -> Option<AttributeValue> {
    Some(match value {
        ValueRef::Null => return None,
        ValueRef::Integer(int) => AttributeValue::Int(int),
        ValueRef::Real(float) => AttributeValue::Float(float),
        ValueRef::Text(text) | ValueRef::Blob(text) => {
            AttributeValue::String(String::from_utf8_lossy(text).into_owned())
        }
    })
}

/// Every row of a per-type table: (id, time, other columns).
fn type_table(connection: &Connection, table: &str) -> rusqlite::Result<Vec<Row>> {
    let mut statement =
        connection.prepare(&format!("SELECT * FROM \"{}\"", table.replace('"', "\"\"")))?;
    let names: Vec<String> = statement
        .column_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let mut rows = statement.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let mut id = String::new();
        let mut time = None;
        let mut attributes = Vec::new();
        for (index, name) in names.iter().enumerate() {
            let cell = row.get_ref(index)?;
            match name.as_str() {
                "ocel_id" => {
                    id = value(cell)
                        .map(|v| match v {
                            AttributeValue::String(s) => s,
                            other => format!("{other:?}"),
                        })
                        .unwrap_or_default()
                }
                "ocel_time" => {
                    time = match cell {
                        ValueRef::Text(text) => Some(String::from_utf8_lossy(text).into_owned()),
                        _ => None,
                    }
                }
                "ocel_changed_field" => {}
                _ => {
                    if let Some(value) = value(cell) {
                        attributes.push((name.clone(), value));
                    }
                }
            }
        }
        out.push((id, time, attributes));
    }
    Ok(out)
}

fn map_types(connection: &Connection, table: &str) -> rusqlite::Result<Vec<(String, String)>> {
    let mut statement =
        connection.prepare(&format!("SELECT ocel_type, ocel_type_map FROM {table}"))?;
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    rows.collect()
}

fn pairs(connection: &Connection, sql: &str) -> rusqlite::Result<Vec<(String, String, String)>> {
    let mut statement = connection.prepare(sql)?;
    let rows = statement.query_map([], |row| {
        Ok((
            row.get(0)?,
            row.get(1)?,
            row.get::<_, Option<String>>(2)?.unwrap_or_default(),
        ))
    })?;
    rows.collect()
}

pub fn read(path: &Path) -> Result<Ocel, OcelError> {
    let file = path.display().to_string();
    let sqlite_error = |error: rusqlite::Error| OcelError::Sqlite {
        file: file.clone(),
        message: error.to_string(),
    };
    let connection = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(sqlite_error)?;
    let mut ocel = Ocel::default();
    let event_types = map_types(&connection, "event_map_type").map_err(sqlite_error)?;
    let object_types = map_types(&connection, "object_map_type").map_err(sqlite_error)?;
    ocel.event_types = event_types.iter().map(|(name, _)| name.clone()).collect();
    ocel.object_types = object_types.iter().map(|(name, _)| name.clone()).collect();

    let mut relations: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for (event, object, qualifier) in pairs(
        &connection,
        "SELECT ocel_event_id, ocel_object_id, ocel_qualifier FROM event_object",
    )
    .map_err(sqlite_error)?
    {
        relations
            .entry(event)
            .or_default()
            .push((object, qualifier));
    }
    let mut object_relations: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for (source, target, qualifier) in pairs(
        &connection,
        "SELECT ocel_source_id, ocel_target_id, ocel_qualifier FROM object_object",
    )
    .map_err(sqlite_error)?
    {
        object_relations
            .entry(source)
            .or_default()
            .push((target, qualifier));
    }

    let mut event_rows: HashMap<String, Row> = HashMap::new();
    for (name, map) in &event_types {
        for (id, time, attributes) in
            type_table(&connection, &format!("event_{map}")).map_err(sqlite_error)?
        {
            event_rows.insert(id, (name.clone(), time, attributes));
        }
    }
    let order = pairs(
        &connection,
        "SELECT ocel_id, ocel_type, '' FROM event ORDER BY rowid",
    )
    .map_err(sqlite_error)?;
    for (id, kind, _) in order {
        let Some((_, time_text, attributes)) = event_rows.remove(&id) else {
            ocel.diagnostics.push(Diagnostic::new(
                &file,
                Location::Item(id),
                None,
                format!("event of type {kind:?} has no row in its type table; skipped"),
            ));
            continue;
        };
        let Some(time) = time_text
            .as_deref()
            .and_then(time::parse_any)
            .and_then(time::Instant::to_datetime)
        else {
            ocel.diagnostics.push(Diagnostic::new(
                &file,
                Location::Item(id),
                Some("ocel_time"),
                format!("time {time_text:?} is not a date; event skipped"),
            ));
            continue;
        };
        ocel.events.push(OcelEvent {
            relationships: relations.remove(&id).unwrap_or_default(),
            id,
            activity: kind,
            time,
            attributes,
        });
    }

    let mut object_attributes: HashMap<
        String,
        Vec<(
            String,
            chrono::DateTime<chrono::FixedOffset>,
            AttributeValue,
        )>,
    > = HashMap::new();
    for (_, map) in &object_types {
        for (id, time_text, attributes) in
            type_table(&connection, &format!("object_{map}")).map_err(sqlite_error)?
        {
            let time = time_text
                .as_deref()
                .and_then(time::parse_any)
                .and_then(time::Instant::to_datetime)
                .unwrap_or_else(epoch);
            let entry = object_attributes.entry(id).or_default();
            entry.extend(
                attributes
                    .into_iter()
                    .map(|(name, value)| (name, time, value)),
            );
        }
    }
    for (id, kind, _) in pairs(
        &connection,
        "SELECT ocel_id, ocel_type, '' FROM object ORDER BY rowid",
    )
    .map_err(sqlite_error)?
    {
        ocel.objects.push(OcelObject {
            attributes: object_attributes.remove(&id).unwrap_or_default(),
            relationships: object_relations.remove(&id).unwrap_or_default(),
            id,
            object_type: kind,
        });
    }
    Ok(ocel)
}
