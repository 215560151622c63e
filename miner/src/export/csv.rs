//! CSV writer in pm4py's layout: `case:concept:name`, `concept:name`, `time:timestamp`, the
//! optional standard columns, event attributes, then `case:`-prefixed case attributes
//! repeated on every row. Values are written as text (CSV has no types).

use std::collections::BTreeSet;
use std::io::{self, Write};

use crate::log::Log;
use crate::time::format_micros;

pub fn write(log: &Log, out: impl Write) -> io::Result<()> {
    let mut event_keys = BTreeSet::new();
    let mut case_keys = BTreeSet::new();
    let (mut lifecycle, mut resource) = (false, false);
    for event in 0..log.num_events() {
        lifecycle |= log.lifecycle(event).is_some();
        resource |= log.resource(event).is_some();
        for attribute in log.event_attributes(event) {
            event_keys.insert(log.strings.resolve(attribute.key));
        }
    }
    for case in 0..log.num_cases() {
        for attribute in log.case_attributes(case) {
            case_keys.insert(log.strings.resolve(attribute.key));
        }
    }
    let mut writer = ::csv::Writer::from_writer(out);
    let mut header = vec![
        "case:concept:name".to_owned(),
        "concept:name".to_owned(),
        "time:timestamp".to_owned(),
    ];
    if log.has_start_times() {
        header.push("start_timestamp".into());
    }
    if lifecycle {
        header.push("lifecycle:transition".into());
    }
    if resource {
        header.push("org:resource".into());
    }
    header.extend(event_keys.iter().map(|key| (*key).to_owned()));
    header.extend(case_keys.iter().map(|key| format!("case:{key}")));
    writer.write_record(&header).map_err(io::Error::other)?;
    for case in 0..log.num_cases() {
        let case_values: Vec<String> = case_keys
            .iter()
            .map(|key| {
                log.case_attributes(case)
                    .iter()
                    .find(|attribute| log.strings.resolve(attribute.key) == *key)
                    .map(|attribute| attribute.value.display(&log.strings))
                    .unwrap_or_default()
            })
            .collect();
        for event in log.case_range(case) {
            let mut row = vec![
                log.case_id(case).to_owned(),
                log.activity_name(log.activity(event)).to_owned(),
                format_micros(log.time(event), log.time_offset(event)),
            ];
            if log.has_start_times() {
                row.push(
                    log.start_time(event)
                        .map(|start| format_micros(start, log.time_offset(event)))
                        .unwrap_or_default(),
                );
            }
            if lifecycle {
                row.push(log.lifecycle(event).unwrap_or_default().to_owned());
            }
            if resource {
                row.push(log.resource(event).unwrap_or_default().to_owned());
            }
            for key in &event_keys {
                row.push(
                    log.event_attributes(event)
                        .iter()
                        .find(|attribute| log.strings.resolve(attribute.key) == *key)
                        .map(|attribute| attribute.value.display(&log.strings))
                        .unwrap_or_default(),
                );
            }
            row.extend(case_values.iter().cloned());
            writer.write_record(&row).map_err(io::Error::other)?;
        }
    }
    writer.flush()
}
