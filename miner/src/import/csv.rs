//! CSV import: column mapping by flag or by well-known names, delimiter sniffing, quoted
//! fields, a UTF-8 BOM, and ISO, day-first, month-first or epoch timestamps.
//!
//! Rows are read in file order and may interleave cases (the interval log does); the builder
//! groups and stably sorts them. Columns named `case:*` are case attributes, as pm4py writes
//! them; every other unmapped column becomes a typed event attribute.

use std::io::{BufRead, Read};

use crate::diagnostic::{Diagnostic, Location};
use crate::import::csv_rows::Rows;
use crate::import::{ImportError, Imported};
use crate::intern::Sym;
use crate::log::{LogBuilder, NewEvent};
use crate::time::{self, DateStyle};
use crate::value::{Attribute, Value};

/// Column mapping and parsing choices; `None` means "detect".
#[derive(Debug, Clone, Default)]
pub struct CsvOptions {
    pub case: Option<String>,
    pub activity: Option<String>,
    pub timestamp: Option<String>,
    pub start_timestamp: Option<String>,
    pub resource: Option<String>,
    pub delimiter: Option<u8>,
    pub date_style: Option<DateStyle>,
}

const CASE_NAMES: &[&str] = &[
    "case:concept:name",
    "case id",
    "case_id",
    "caseid",
    "case",
    "case:id",
    "trace id",
    "case identifier",
];
const ACTIVITY_NAMES: &[&str] = &[
    "concept:name",
    "activity",
    "activity name",
    "activity_name",
    "event",
    "event name",
    "task",
];
const TIMESTAMP_NAMES: &[&str] = &[
    "time:timestamp",
    "timestamp",
    "complete timestamp",
    "end timestamp",
    "end time",
    "end_time",
    "completion time",
    "time",
    "date",
];
const START_NAMES: &[&str] = &[
    "start_timestamp",
    "start timestamp",
    "start time",
    "start_time",
];
const RESOURCE_NAMES: &[&str] = &["org:resource", "resource", "user", "performer"];
const LIFECYCLE_NAMES: &[&str] = &["lifecycle:transition", "lifecycle"];

/// How many values of a date column are sampled to choose its format.
pub(super) const DATE_SAMPLES: usize = 200;

fn find_column(headers: &[String], chosen: Option<&str>, names: &[&str]) -> Option<usize> {
    if let Some(chosen) = chosen {
        return headers.iter().position(|header| header == chosen);
    }
    names.iter().find_map(|name| {
        headers
            .iter()
            .position(|header| header.trim().eq_ignore_ascii_case(name))
    })
}

/// The delimiter among `,` `;` tab `|` that appears most often outside quotes in the header.
fn sniff_delimiter(first_line: &[u8]) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0), (b'|', 0)];
    let mut quoted = false;
    for &byte in first_line {
        if byte == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (delimiter, count) in &mut counts {
                if byte == *delimiter {
                    *count += 1;
                }
            }
        }
    }
    counts
        .iter()
        .max_by_key(|(_, count)| *count)
        .filter(|(_, count)| *count > 0)
        .map_or(b',', |(delimiter, _)| *delimiter)
}

fn typed_value(text: &str, builder: &mut LogBuilder) -> Value {
    if let Ok(int) = text.parse::<i64>() {
        return Value::Int(int);
    }
    if let Ok(float) = text.parse::<f64>()
        && text.bytes().any(|byte| byte.is_ascii_digit())
    {
        return Value::Float(float);
    }
    Value::Str(builder.strings().intern(text))
}

struct Columns {
    case: usize,
    activity: usize,
    timestamp: usize,
    start: Option<usize>,
    resource: Option<usize>,
    lifecycle: Option<usize>,
}

/// What every row of one file shares: the header and which column feeds which field.
pub(super) struct Layout {
    headers: Vec<String>,
    columns: Columns,
    is_case_column: Vec<bool>,
    /// Whether each column feeds a standard field (and so is not an attribute).
    mapped: Vec<bool>,
}

impl Layout {
    /// Maps the header's columns; a header that lacks a case, activity or timestamp column is
    /// an error that lists the columns found (the usual sign of a wrong delimiter).
    pub(super) fn of(
        header: &::csv::StringRecord,
        file: &str,
        options: &CsvOptions,
    ) -> Result<Layout, ImportError> {
        let headers: Vec<String> = header
            .iter()
            .enumerate()
            .map(|(index, header)| {
                if header.is_empty() {
                    format!("Unnamed: {index}")
                } else {
                    header.to_owned()
                }
            })
            .collect();
        let missing = |what: &str, chosen: Option<&String>| {
            let message = match chosen {
                Some(chosen) => format!("no column named {chosen:?} for the {what}"),
                None => format!("no {what} column found (pass --{what})"),
            };
            csv_error(
                file,
                0,
                None,
                format!(
                    "{message}; the header has {} column(s): {} (wrong delimiter?)",
                    headers.len(),
                    headers.join(" | ")
                ),
            )
        };
        let columns = Columns {
            case: find_column(&headers, options.case.as_deref(), CASE_NAMES)
                .ok_or_else(|| missing("case", options.case.as_ref()))?,
            activity: find_column(&headers, options.activity.as_deref(), ACTIVITY_NAMES)
                .ok_or_else(|| missing("activity", options.activity.as_ref()))?,
            timestamp: find_column(&headers, options.timestamp.as_deref(), TIMESTAMP_NAMES)
                .ok_or_else(|| missing("timestamp", options.timestamp.as_ref()))?,
            start: find_column(&headers, options.start_timestamp.as_deref(), START_NAMES),
            resource: find_column(&headers, options.resource.as_deref(), RESOURCE_NAMES),
            lifecycle: find_column(&headers, None, LIFECYCLE_NAMES),
        };
        if let Some(chosen) = &options.start_timestamp
            && columns.start.is_none()
        {
            return Err(missing("start-timestamp", Some(chosen)));
        }
        if let Some(chosen) = &options.resource
            && columns.resource.is_none()
        {
            return Err(missing("resource", Some(chosen)));
        }
        let is_case_column = headers
            .iter()
            .map(|header| header.starts_with("case:"))
            .collect();
        let mapped = (0..headers.len())
            .map(|index| {
                index == columns.case
                    || index == columns.activity
                    || index == columns.timestamp
                    || Some(index) == columns.start
                    || Some(index) == columns.resource
                    || Some(index) == columns.lifecycle
            })
            .collect();
        Ok(Layout {
            headers,
            columns,
            is_case_column,
            mapped,
        })
    }

    /// Reads the header record of `csv` and maps its columns (see [`Layout::of`]).
    pub(super) fn read<R: Read>(
        csv: &mut ::csv::Reader<R>,
        file: &str,
        options: &CsvOptions,
    ) -> Result<Layout, ImportError> {
        let header = csv
            .headers()
            .map_err(|error| csv_error(file, 0, None, parse_error_message(&error)))?;
        Layout::of(header, file, options)
    }

    /// A builder whose string table starts with the attribute keys, in header order, so
    /// builders for different parts of one file give every key the same symbol.
    pub(super) fn builder(&self) -> (LogBuilder, Vec<Sym>) {
        let mut builder = LogBuilder::new();
        let keys = self
            .headers
            .iter()
            .map(|header| {
                builder
                    .strings()
                    .intern(header.strip_prefix("case:").unwrap_or(header))
            })
            .collect();
        (builder, keys)
    }

    /// The date formats of the timestamp and start-timestamp columns, chosen from `sample`
    /// unless `options` fixes one; ISO when nothing matches.
    pub(super) fn date_styles(
        &self,
        sample: &[::csv::StringRecord],
        options: &CsvOptions,
    ) -> (DateStyle, Option<DateStyle>) {
        let style_of = |column: usize| {
            options
                .date_style
                .or_else(|| {
                    time::detect_style(sample.iter().filter_map(|record| record.get(column)))
                })
                .unwrap_or(DateStyle::Iso)
        };
        (
            style_of(self.columns.timestamp),
            self.columns.start.map(style_of),
        )
    }
}

/// Reads CSV text. A header that lacks a case, activity or timestamp column is an error that
/// lists the columns found (the usual sign of a wrong delimiter).
pub fn read(
    mut reader: impl BufRead + Send,
    file: &str,
    options: &CsvOptions,
) -> Result<Imported, ImportError> {
    let io_error = |source| ImportError::Io {
        path: file.to_owned(),
        source,
    };
    if reader.fill_buf().map_err(io_error)?.starts_with(BOM) {
        reader.consume(BOM.len());
    }
    let head = reader.fill_buf().map_err(io_error)?;
    if head.is_empty() {
        return Err(empty_file(file));
    }
    let delimiter = delimiter(options, head);
    read_delimited(reader, file, options, delimiter)
}

/// Reads a CSV file in up to `parts` byte ranges, one thread each (fewer when the file has
/// fewer lines). [`import_path`](super::import_path) chooses the count from the file's size
/// and the machine's cores. The log, diagnostics and errors are those [`read`] gives for the
/// same bytes; only the string table may also hold the values of `case:` columns from a
/// later part's rows of a case an earlier part had already begun (values no event uses).
pub fn read_path(
    path: &std::path::Path,
    options: &CsvOptions,
    parts: usize,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<Imported, ImportError> {
    super::csv_parts::read(path, &path.display().to_string(), options, parts, progress)
}

pub(super) const BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// The parser every reader of a CSV file uses, so that a file read in parts is parsed exactly
/// as one read front to back. Rows may have any number of fields: a row of the wrong width
/// is a diagnostic, not an error.
pub(super) fn parser(delimiter: u8) -> ::csv::ReaderBuilder {
    let mut builder = ::csv::ReaderBuilder::new();
    builder.delimiter(delimiter).flexible(true);
    builder
}

/// The delimiter `options` names, or else the one the header line at the start of `head`
/// (after any byte-order mark) suggests.
pub(super) fn delimiter(options: &CsvOptions, head: &[u8]) -> u8 {
    options
        .delimiter
        .unwrap_or_else(|| sniff_delimiter(first_line(head)))
}

/// The header line of `head`, ended by `\n`, `\r` or the end.
fn first_line(head: &[u8]) -> &[u8] {
    let end = head
        .iter()
        .position(|&byte| matches!(byte, b'\n' | b'\r'))
        .unwrap_or(head.len());
    &head[..end]
}

pub(super) fn empty_file(file: &str) -> ImportError {
    csv_error(file, 0, None, "the file is empty (no header row)")
}

pub(super) fn csv_error(
    file: &str,
    row: u64,
    column: Option<&str>,
    message: impl Into<String>,
) -> ImportError {
    ImportError::Csv {
        file: file.to_owned(),
        row,
        column: column.map(str::to_owned),
        message: message.into(),
    }
}

/// The parser's complaint without its own record and byte counts, which the error's row
/// replaces (and which would be wrong for a part read from the middle of a file).
pub(super) fn parse_error_message(error: &::csv::Error) -> String {
    match error.kind() {
        ::csv::ErrorKind::Utf8 { err, .. } => {
            format!("field {} is not valid UTF-8", err.field() + 1)
        }
        ::csv::ErrorKind::Io(error) => error.to_string(),
        _ => error.to_string(),
    }
}

fn read_delimited(
    reader: impl Read + Send,
    file: &str,
    options: &CsvOptions,
    delimiter: u8,
) -> Result<Imported, ImportError> {
    let mut csv = parser(delimiter).has_headers(true).from_reader(reader);
    let layout = Layout::read(&mut csv, file, options)?;
    let (mut builder, keys) = layout.builder();
    let mut diagnostics = Vec::new();

    // Rows are buffered until the date format is known from a sample of values.
    let mut pending: Vec<::csv::StringRecord> = Vec::new();
    let mut styles: Option<(DateStyle, Option<DateStyle>)> = None;
    let context = |styles| RowContext {
        file,
        layout: &layout,
        keys: &keys,
        styles,
    };
    std::thread::scope(|scope| {
        let mut rows = Rows::spawn(scope, csv);
        let mut record = ::csv::StringRecord::new();
        let mut row = 0u64;
        let mut scratch = RowScratch::default();
        loop {
            let more = rows
                .read_record(&mut record)
                .map_err(|message| csv_error(file, row + 1, None, message))?;
            if more {
                row += 1;
                if styles.is_none() {
                    pending.push(record.clone());
                    if pending.len() < DATE_SAMPLES {
                        continue;
                    }
                }
            }
            let chosen = match styles {
                Some(chosen) => chosen,
                None => {
                    let chosen = layout.date_styles(&pending, options);
                    styles = Some(chosen);
                    // The buffered rows are the file's first, the current one among them.
                    for (pending_row, pending_record) in (1..).zip(std::mem::take(&mut pending)) {
                        context(chosen).add(
                            &mut builder,
                            &mut diagnostics,
                            &mut scratch,
                            pending_row,
                            &pending_record,
                        );
                    }
                    if more {
                        continue;
                    }
                    break;
                }
            };
            if !more {
                break;
            }
            context(chosen).add(&mut builder, &mut diagnostics, &mut scratch, row, &record);
        }
        Ok((builder.finish(), diagnostics))
    })
}

/// What rows share: which cases already had a row (case attributes are read from the first),
/// and one event whose attribute list is refilled for every row instead of allocated.
#[derive(Default)]
pub(super) struct RowScratch {
    case_seen: Vec<bool>,
    event: NewEvent,
}

/// Turns records into events of one builder.
pub(super) struct RowContext<'a> {
    pub(super) file: &'a str,
    pub(super) layout: &'a Layout,
    /// The attribute key of each column, interned in the builder.
    pub(super) keys: &'a [Sym],
    pub(super) styles: (DateStyle, Option<DateStyle>),
}

impl RowContext<'_> {
    fn diagnostic(&self, row: u64, column: usize, message: String) -> Diagnostic {
        Diagnostic::new(
            self.file,
            Location::Row(row),
            self.layout.headers.get(column).map(String::as_str),
            message,
        )
    }

    pub(super) fn add(
        &self,
        builder: &mut LogBuilder,
        diagnostics: &mut Vec<Diagnostic>,
        scratch: &mut RowScratch,
        row: u64,
        record: &::csv::StringRecord,
    ) {
        let Layout {
            headers,
            columns,
            is_case_column,
            mapped,
        } = self.layout;
        if record.len() != headers.len() {
            diagnostics.push(Diagnostic::new(
                self.file,
                Location::Row(row),
                None,
                format!(
                    "row has {} field(s), the header {}; row skipped",
                    record.len(),
                    headers.len()
                ),
            ));
            return;
        }
        let field = |index: usize| record.get(index).unwrap_or("");
        let case_id = field(columns.case);
        if case_id.is_empty() {
            diagnostics.push(self.diagnostic(
                row,
                columns.case,
                "no case id; row skipped, as pm4py drops it".into(),
            ));
            return;
        }
        let activity = field(columns.activity);
        if activity.is_empty() {
            diagnostics.push(self.diagnostic(
                row,
                columns.activity,
                "no activity; row skipped, as pm4py drops it".into(),
            ));
            return;
        }
        let timestamp_text = field(columns.timestamp);
        let timestamp = time::parse_with(timestamp_text, self.styles.0)
            .or_else(|| time::parse_fallback(timestamp_text));
        if timestamp.is_none() {
            let message = if timestamp_text.is_empty() {
                "no timestamp; event kept after the previous event of its case".to_owned()
            } else {
                format!(
                    "timestamp {timestamp_text:?} is not a date in the column's format ({:?}); event kept after the previous event of its case",
                    self.styles.0
                )
            };
            diagnostics.push(self.diagnostic(row, columns.timestamp, message));
        }
        let start_time = match (columns.start, self.styles.1) {
            (Some(column), Some(style)) if !field(column).is_empty() => {
                let parsed = time::parse_with(field(column), style)
                    .or_else(|| time::parse_fallback(field(column)));
                if parsed.is_none() {
                    diagnostics.push(self.diagnostic(
                        row,
                        column,
                        format!(
                            "start timestamp {:?} is not a date; left empty",
                            field(column)
                        ),
                    ));
                }
                parsed.map(|instant| instant.micros)
            }
            _ => None,
        };
        let case = builder.case(case_id);
        let case_seen = &mut scratch.case_seen;
        if case_seen.len() <= case as usize {
            case_seen.resize(case as usize + 1, false);
        }
        let first_row_of_case = !case_seen[case as usize];
        case_seen[case as usize] = true;
        let event = &mut scratch.event;
        let attributes = &mut event.attributes;
        let mut case_attributes = Vec::new();
        for (index, text) in record.iter().enumerate() {
            if mapped[index] || text.is_empty() {
                continue;
            }
            if is_case_column[index] {
                if first_row_of_case {
                    let value = typed_value(text, builder);
                    case_attributes.push(Attribute::new(self.keys[index], value));
                }
                continue;
            }
            let value = typed_value(text, builder);
            attributes.push(Attribute::new(self.keys[index], value));
        }
        if first_row_of_case {
            *builder.case_attributes(case) = case_attributes;
        }
        let optional = |builder: &mut LogBuilder, column: Option<usize>| {
            column
                .map(field)
                .filter(|text| !text.is_empty())
                .map(|text| builder.strings().intern(text))
        };
        let lifecycle = optional(builder, columns.lifecycle);
        let resource = optional(builder, columns.resource);
        let activity = builder.activities().intern(activity);
        event.activity = activity;
        event.time = timestamp.map(|instant| instant.micros);
        event.time_offset = timestamp
            .and_then(|instant| instant.offset_secs)
            .unwrap_or(0);
        event.start_time = start_time;
        event.lifecycle = lifecycle;
        event.resource = resource;
        builder.push_reusing(case, event);
    }
}
