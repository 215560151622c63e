//! XES writer (IEEE 1849): header (extensions, globals, classifiers, log attributes), then
//! one trace per case with its attributes and events; timestamps keep their offsets.

use std::io::{self, Write};

use quick_xml::escape::escape;

use crate::intern::Interner;
use crate::log::Log;
use crate::time::format_micros;
use crate::value::{Attribute, Value};

fn write_attribute(
    out: &mut impl Write,
    strings: &Interner,
    attribute: &Attribute,
    depth: usize,
) -> io::Result<()> {
    let indent = "\t".repeat(depth);
    let key = escape(strings.resolve(attribute.key));
    let kind = attribute.value.xes_type();
    let (value, items) = match &attribute.value {
        Value::List(items) | Value::Container(items) => (None, Some(items)),
        other => (Some(other.display(strings)), None),
    };
    match value {
        Some(value) => write!(
            out,
            "{indent}<{kind} key=\"{key}\" value=\"{}\"",
            escape(&value)
        )?,
        None => write!(out, "{indent}<{kind} key=\"{key}\"")?,
    }
    if items.is_none() && attribute.children.is_empty() {
        return writeln!(out, "/>");
    }
    writeln!(out, ">")?;
    if let Some(items) = items {
        let is_list = matches!(attribute.value, Value::List(_));
        if is_list {
            writeln!(out, "{indent}\t<values>")?;
        }
        for item in items {
            write_attribute(out, strings, item, depth + 1 + usize::from(is_list))?;
        }
        if is_list {
            writeln!(out, "{indent}\t</values>")?;
        }
    }
    for child in &attribute.children {
        write_attribute(out, strings, child, depth + 1)?;
    }
    writeln!(out, "{indent}</{kind}>")
}

fn string(out: &mut impl Write, depth: usize, key: &str, value: &str) -> io::Result<()> {
    writeln!(
        out,
        "{}<string key=\"{}\" value=\"{}\"/>",
        "\t".repeat(depth),
        escape(key),
        escape(value)
    )
}

pub fn write(log: &Log, mut out: impl Write) -> io::Result<()> {
    let out = &mut out;
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(
        out,
        "<log xes.version=\"1849-2016\" xes.features=\"nested-attributes\" xmlns=\"http://www.xes-standard.org/\">"
    )?;
    for extension in &log.meta.extensions {
        writeln!(
            out,
            "\t<extension name=\"{}\" prefix=\"{}\" uri=\"{}\"/>",
            escape(&extension.name),
            escape(&extension.prefix),
            escape(&extension.uri)
        )?;
    }
    for (scope, attributes) in &log.meta.globals {
        writeln!(out, "\t<global scope=\"{}\">", escape(scope))?;
        for attribute in attributes {
            write_attribute(out, &log.strings, attribute, 2)?;
        }
        writeln!(out, "\t</global>")?;
    }
    for (name, keys) in &log.meta.classifiers {
        writeln!(
            out,
            "\t<classifier name=\"{}\" keys=\"{}\"/>",
            escape(name),
            escape(keys)
        )?;
    }
    for attribute in &log.meta.attributes {
        write_attribute(out, &log.strings, attribute, 1)?;
    }
    for case in 0..log.num_cases() {
        writeln!(out, "\t<trace>")?;
        string(out, 2, "concept:name", log.case_id(case))?;
        for attribute in log.case_attributes(case) {
            write_attribute(out, &log.strings, attribute, 2)?;
        }
        for event in log.case_range(case) {
            writeln!(out, "\t\t<event>")?;
            string(
                out,
                3,
                "concept:name",
                log.activity_name(log.activity(event)),
            )?;
            writeln!(
                out,
                "\t\t\t<date key=\"time:timestamp\" value=\"{}\"/>",
                format_micros(log.time(event), log.time_offset(event))
            )?;
            if let Some(start) = log.start_time(event) {
                writeln!(
                    out,
                    "\t\t\t<date key=\"start_timestamp\" value=\"{}\"/>",
                    format_micros(start, log.time_offset(event))
                )?;
            }
            if let Some(lifecycle) = log.lifecycle(event) {
                string(out, 3, "lifecycle:transition", lifecycle)?;
            }
            if let Some(resource) = log.resource(event) {
                string(out, 3, "org:resource", resource)?;
            }
            for attribute in log.event_attributes(event) {
                write_attribute(out, &log.strings, &attribute, 3)?;
            }
            writeln!(out, "\t\t</event>")?;
        }
        writeln!(out, "\t</trace>")?;
    }
    writeln!(out, "</log>")
}
