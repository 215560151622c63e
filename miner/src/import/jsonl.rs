//! JSON lines of [`flowbot_model::event::Event`]: the bots' run history (`events.jsonl` in a
//! run folder). The case is the event's `case` object, else its first object.

use std::io::BufRead;

use flowbot_model::event::{Event, Status};

use crate::diagnostic::{Diagnostic, Location};
use crate::import::{ImportError, Imported};
use crate::log::{LogBuilder, NewEvent};
use crate::value::{Attribute, Value};

/// Keys under which the model fields without a column of their own are kept.
pub const EVENT_ID_KEY: &str = "flowbot:event_id";
pub const STATUS_KEY: &str = "flowbot:status";

pub fn read(reader: impl BufRead, file: &str) -> Result<Imported, ImportError> {
    let mut builder = LogBuilder::new();
    let mut diagnostics = Vec::new();
    let id_key = builder.strings().intern(EVENT_ID_KEY);
    let status_key = builder.strings().intern(STATUS_KEY);
    for (index, line) in reader.lines().enumerate() {
        let number = index as u64 + 1;
        let line = line.map_err(|error| ImportError::Json {
            file: file.to_owned(),
            line: number,
            message: error.to_string(),
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let event: Event = match serde_json::from_str(&line) {
            Ok(event) => event,
            Err(error) => {
                diagnostics.push(Diagnostic::new(
                    file,
                    Location::Line(number),
                    None,
                    format!("not a Flowbot event ({error}); line skipped"),
                ));
                continue;
            }
        };
        let Some(case_id) = event
            .case_id()
            .or_else(|| event.objects.first().map(|object| object.id.as_str()))
        else {
            diagnostics.push(Diagnostic::new(
                file,
                Location::Line(number),
                Some("objects"),
                "event belongs to no object, so to no case; line skipped",
            ));
            continue;
        };
        let case = builder.case(case_id);
        let mut attributes = vec![Attribute::new(
            id_key,
            Value::Id(builder.strings().intern(&event.id.to_string())),
        )];
        if event.status != Status::Ok {
            let status = serde_json::to_value(event.status)
                .ok()
                .and_then(|value| value.as_str().map(str::to_owned))
                .unwrap_or_default();
            attributes.push(Attribute::new(
                status_key,
                Value::Str(builder.strings().intern(&status)),
            ));
        }
        for (key, value) in &event.attributes {
            let key = builder.strings().intern(key);
            let value = Value::from_model(value, builder.strings());
            attributes.push(Attribute::new(key, value));
        }
        let lifecycle = event
            .lifecycle
            .as_ref()
            .map(|lifecycle| builder.strings().intern(lifecycle.as_str()));
        let resource = event
            .resource
            .as_deref()
            .map(|resource| builder.strings().intern(resource));
        let activity = builder.activities().intern(&event.activity);
        builder.push(
            case,
            NewEvent {
                activity,
                time: Some(event.time.timestamp_micros()),
                time_offset: event.time.offset().local_minus_utc(),
                start_time: event.start_time.map(|start| start.timestamp_micros()),
                lifecycle,
                resource,
                attributes,
            },
        );
    }
    Ok((builder.finish(), diagnostics))
}
