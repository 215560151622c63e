//! A CSV file read in parts on several threads gives exactly what one reader gives: the same
//! cases in the same order, events, attributes, diagnostics with their rows, and errors.

use std::io::Write;

use flowbot_miner::import::csv::{CsvOptions, read, read_path};
use flowbot_miner::{Attribute, Diagnostic, Log, Value};
use proptest::prelude::*;

mod common;

fn render_value(log: &Log, value: &Value) -> String {
    match value {
        Value::Str(sym) => format!("str:{}", log.strings.resolve(*sym)),
        Value::Id(sym) => format!("id:{}", log.strings.resolve(*sym)),
        Value::List(items) | Value::Container(items) => render_attributes(log, items).join(";"),
        other => format!("{other:?}"),
    }
}

fn render_attributes(log: &Log, attributes: &[Attribute]) -> Vec<String> {
    attributes
        .iter()
        .map(|attribute| {
            format!(
                "{}={}",
                log.strings.resolve(attribute.key),
                render_value(log, &attribute.value)
            )
        })
        .collect()
}

/// Everything a user could read from the log, with symbols resolved to text.
fn dump(log: &Log) -> Vec<String> {
    let mut lines = vec![format!(
        "activities {:?}",
        log.activities.iter().collect::<Vec<_>>()
    )];
    for case in 0..log.num_cases() {
        lines.push(format!(
            "case {} {:?}",
            log.case_id(case),
            render_attributes(log, log.case_attributes(case))
        ));
        for event in log.case_range(case) {
            lines.push(format!(
                "  {} {} {} {:?} {:?} {:?} {:?}",
                log.activity_name(log.activity(event)),
                log.time(event),
                log.time_offset(event),
                log.start_time(event),
                log.lifecycle(event),
                log.resource(event),
                render_attributes(log, &log.event_attributes(event))
            ));
        }
    }
    lines
}

fn outcome(result: Result<(Log, Vec<Diagnostic>), impl ToString>) -> (Vec<String>, Vec<String>) {
    match result {
        Ok((log, diagnostics)) => (
            dump(&log),
            diagnostics.iter().map(ToString::to_string).collect(),
        ),
        Err(error) => (Vec::new(), vec![error.to_string()]),
    }
}

/// A temporary `.csv` file holding `bytes`.
fn csv_file(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    file.write_all(bytes).unwrap();
    file
}

/// Reads `bytes` once with one reader and then in 2 to 7 parts, and checks that every way
/// gives the same log, diagnostics or error.
fn assert_parts_agree(bytes: &[u8]) {
    let file = csv_file(bytes);
    let name = file.path().display().to_string();
    let options = CsvOptions::default();
    let single = outcome(read(bytes, &name, &options));
    for parts in 2..=7 {
        let split = outcome(read_path(file.path(), &options, parts, &mut |_| {}));
        assert_eq!(split, single, "{parts} parts");
    }
}

fn rows(count: usize, row: impl Fn(usize) -> String) -> String {
    (0..count).map(row).collect()
}

#[test]
fn interleaved_cases_keep_their_first_rows_attributes_across_parts() {
    let mut text = String::from(
        "case:concept:name,concept:name,time:timestamp,case:region,amount,org:resource\n",
    );
    text += &rows(600, |row| {
        format!(
            "c{},act{},2024-01-{:02}T{:02}:00:00+01:00,r{},{},{}\n",
            row % 37,
            row % 5,
            1 + row % 28,
            row % 24,
            row / 10,
            if row % 3 == 0 { 1.5 } else { row as f64 },
            if row % 4 == 0 { "" } else { "Ann" }
        )
    });
    assert_parts_agree(text.as_bytes());
}

#[test]
fn quoted_newlines_at_the_split_points_do_not_break_records() {
    // Every other newline is inside a quoted field, so many split points land inside one.
    let mut text = String::from("case,activity,timestamp,note\n");
    text += &rows(500, |row| {
        format!(
            "c{},a{},2024-02-01 10:{:02}:00,\"first line\nsecond, \"\"quoted\"\" line {row}\"\n",
            row % 11,
            row % 3,
            row % 60
        )
    });
    assert_parts_agree(text.as_bytes());
}

#[test]
fn crlf_bom_semicolons_and_blank_lines_read_the_same() {
    let mut text = String::from("\u{feff}Case ID;Activity;Complete Timestamp;Resource\r\n");
    text += &rows(400, |row| {
        let blank = if row % 50 == 0 { "\r\n" } else { "" };
        format!(
            "{blank}{};step {};{:02}/03/2024 09:{:02};clerk {}\r\n",
            row % 13,
            row % 4,
            1 + row % 28,
            row % 60,
            row % 2
        )
    });
    assert_parts_agree(text.as_bytes());
}

#[test]
fn diagnostics_in_later_parts_name_their_rows() {
    let mut text = String::from("case,activity,timestamp,start_timestamp\n");
    text += &rows(700, |row| match row % 97 {
        5 => ",a,2024-01-01 10:00:00,\n".to_owned(),
        17 => format!("c{},b,not a date,\n", row % 9),
        29 => format!("c{},c,2024-01-01 10:00:00\n", row % 9),
        41 => format!("c{},,2024-01-01 10:00:00,\n", row % 9),
        // Start times only appear late in the file, in a later part.
        _ if row > 600 => format!(
            "c{},d,2024-01-02 10:00:00,2024-01-02 09:{:02}:00\n",
            row % 9,
            row % 60
        ),
        _ => format!("c{},e,2024-01-01 {:02}:00:00,\n", row % 9, row % 24),
    });
    assert_parts_agree(text.as_bytes());
    let file = csv_file(text.as_bytes());
    let (_, diagnostics) = read_path(file.path(), &CsvOptions::default(), 4, &mut |_| {}).unwrap();
    let rendered: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    // Generated row 587 (587 % 97 == 5, data row 588) has no case id; it lies in the fourth
    // quarter of the file, so a later part reports it.
    assert!(
        rendered
            .iter()
            .any(|message| message.contains("row 588") && message.contains("no case id")),
        "{rendered:?}"
    );
}

#[test]
fn an_error_late_in_the_file_names_its_row_however_the_file_is_split() {
    let mut bytes = b"case,activity,timestamp\n".to_vec();
    for row in 1..=2_000 {
        bytes.extend_from_slice(format!("c{},a,2020-01-01 10:00:00\n", row % 7).as_bytes());
    }
    bytes.extend_from_slice(b"c1,\xff\xfe,2020-01-01 10:00:00\nc1,b,2020-01-01 10:00:00\n");
    assert_parts_agree(&bytes);
    let file = csv_file(&bytes);
    let error = read_path(file.path(), &CsvOptions::default(), 3, &mut |_| {}).unwrap_err();
    assert!(error.to_string().contains("row 2001"), "{error}");
}

#[test]
fn a_real_log_read_in_parts_equals_one_reader() {
    let bytes = std::fs::read(common::data_dir().join("logs/receipt.csv")).unwrap();
    assert_parts_agree(&bytes);
}

/// One generated field: plain text, or text that needs quoting (delimiter, quote, newline).
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-c]{0,3}",
        1 => "[a,\"\n\r ]{1,4}",
    ]
}

fn quoted(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// How a generated row is written.
#[derive(Debug, Clone, Copy)]
enum Shape {
    Plain,
    /// A blank line before the row.
    AfterBlankLine,
    /// One field short (a diagnostic, the row is skipped).
    Short,
    /// A byte-order mark in front of the case id.
    Bom,
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        8 => Just(Shape::Plain),
        1 => Just(Shape::AfterBlankLine),
        1 => Just(Shape::Short),
        1 => Just(Shape::Bom),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_csv_reads_the_same_in_parts(
        records in prop::collection::vec(
            (0..6u8, field(), prop::option::of(0..40u32), field(), 0..4u8, shape()),
            0..120,
        ),
        end in prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
        final_line_break in any::<bool>(),
    ) {
        let mut text = format!("case,activity,timestamp,note,case:kind{end}");
        for (case, activity, minute, note, kind, shape) in &records {
            let timestamp = minute.map_or(String::new(), |minute| format!("2024-05-06 07:{minute:02}:00"));
            let (activity, note) = (quoted(activity), quoted(note));
            text += &match shape {
                Shape::Plain => format!("c{case},{activity},{timestamp},{note},k{kind}{end}"),
                Shape::AfterBlankLine => format!("{end}c{case},{activity},{timestamp},{note},k{kind}{end}"),
                Shape::Short => format!("c{case},{activity},{timestamp},{note}{end}"),
                Shape::Bom => format!("\u{feff}c{case},{activity},{timestamp},{note},k{kind}{end}"),
            };
        }
        if !final_line_break {
            text.truncate(text.len() - end.len());
        }
        assert_parts_agree(text.as_bytes());
    }
}
