//! Bad input gets a clear error or diagnostics, never a panic: truncated gzip, unclosed tags,
//! bad dates, a wrong delimiter, empty files, a 100 MB line.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use flowbot_miner::import::csv::CsvOptions;
use flowbot_miner::import::{ImportError, ImportOptions, Imported, import_path};

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn import(path: &Path) -> Result<Imported, ImportError> {
    import_path(path, &ImportOptions::default(), &mut |_| {})
}

fn import_csv(text: &str, options: CsvOptions) -> Result<Imported, ImportError> {
    flowbot_miner::import::csv::read(text.as_bytes(), "test.csv", &options)
}

#[test]
fn truncated_gzip_is_an_error() {
    let data = common::data_dir();
    let bytes = std::fs::read(data.join("logs/receipt.xes.gz")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "cut.xes.gz", &bytes[..bytes.len() / 2]);
    let error = import(&path).unwrap_err().to_string();
    assert!(error.contains("cut.xes.gz"), "{error}");
}

#[test]
fn unclosed_and_mismatched_tags_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let unclosed = write(dir.path(), "open.xes", b"<log><trace><string key=\"concept:name\" value=\"1\"/><event><string key=\"concept:name\" value=\"a\"/>");
    let error = import(&unclosed).unwrap_err().to_string();
    assert!(error.contains("open element"), "{error}");
    let mismatched = write(dir.path(), "mismatch.xes", b"<log><trace></event></log>");
    let error = import(&mismatched).unwrap_err().to_string();
    assert!(
        error.contains("mismatch.xes") && error.contains("byte"),
        "{error}"
    );
    let ocel = write(
        dir.path(),
        "open.xmlocel",
        b"<log><events><event id=\"e1\" type=\"a\" time=\"2020-01-01T00:00:00Z\">",
    );
    assert!(import(&ocel).is_err());
}

#[test]
fn xes_bad_dates_and_missing_fields_become_diagnostics() {
    let xes = br#"<log>
<trace><string key="concept:name" value="c1"/>
  <event><string key="concept:name" value="a"/><date key="time:timestamp" value="2020-01-01T10:00:00Z"/></event>
  <event><string key="concept:name" value="b"/><date key="time:timestamp" value="yesterday"/></event>
  <event><date key="time:timestamp" value="2020-01-01T12:00:00Z"/></event>
  <event><string key="concept:name" value="c"/><date key="time:timestamp" value="2020-01-01T11:00:00Z"/><int key="n" value="x"/></event>
</trace>
<trace><string key="concept:name" value="empty"/></trace>
</log>"#;
    let (log, diagnostics) = flowbot_miner::import::xes::read(&xes[..], "bad.xes").unwrap();
    let messages: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(log.num_events(), 3, "{messages:?}");
    assert!(
        messages
            .iter()
            .any(|m| m.contains("\"yesterday\"") && m.contains("time:timestamp")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("without an activity")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("\"n\"") && m.contains("int value")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("trace without events")),
        "{messages:?}"
    );
    // b has no valid time: it stays right after a, before c.
    let names: Vec<&str> = log
        .case_activities(0)
        .iter()
        .map(|&a| log.activity_name(a))
        .collect();
    assert_eq!(names, ["a", "b", "c"]);
}

#[test]
fn csv_bad_date_names_row_and_column() {
    let text = "case,activity,timestamp\n1,a,2020-01-01 10:00:00\n1,b,not a date\n,c,2020-01-01 11:00:00\n";
    let (log, diagnostics) = import_csv(text, CsvOptions::default()).unwrap();
    assert_eq!(log.num_events(), 2);
    let messages: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    assert!(
        messages.iter().any(|m| m.contains("row 2")
            && m.contains("\"timestamp\"")
            && m.contains("not a date")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("row 3") && m.contains("no case id")),
        "{messages:?}"
    );
}

#[test]
fn csv_invalid_utf8_past_the_first_batches_names_its_row() {
    // Records are parsed on a second thread in batches (of 256); an error in a later batch
    // must still name its own row.
    let mut valid = b"case,activity,timestamp\n".to_vec();
    for row in 1..=9_999 {
        valid.extend_from_slice(format!("c{},a,2020-01-01 10:00:00\n", row % 7).as_bytes());
    }
    let mut broken = valid.clone();
    broken.extend_from_slice(b"c1,\xff\xfe,2020-01-01 10:00:00\nc1,b,2020-01-01 10:00:00\n");
    let read =
        |bytes: &[u8]| flowbot_miner::import::csv::read(bytes, "big.csv", &CsvOptions::default());
    let error = read(&broken).unwrap_err().to_string();
    assert!(
        error.contains("big.csv") && error.contains("row 10000"),
        "{error}"
    );

    let (log, diagnostics) = read(&valid).unwrap();
    assert_eq!(
        (log.num_events(), log.num_cases(), diagnostics.len()),
        (9_999, 7, 0)
    );
}

#[test]
fn wrong_delimiter_error_lists_the_columns() {
    let text = "case;activity;timestamp\n1;a;2020-01-01\n";
    let options = CsvOptions {
        delimiter: Some(b','),
        ..CsvOptions::default()
    };
    let error = import_csv(text, options).unwrap_err().to_string();
    assert!(
        error.contains("row 0")
            && error.contains("case;activity;timestamp")
            && error.contains("wrong delimiter"),
        "{error}"
    );
    // Sniffed, the same file reads.
    let (log, diagnostics) = import_csv(text, CsvOptions::default()).unwrap();
    assert_eq!((log.num_events(), diagnostics.len()), (1, 0));
}

#[test]
fn csv_bom_quotes_and_day_first_dates() {
    let text = "\u{feff}Case ID,Activity,Complete Timestamp,Note\n\"A,1\",\"say \"\"hi\"\"\",13/02/2024 10:00,\"two\nlines\"\n\"A,1\",next,01/03/2024 09:30,\n";
    let (log, diagnostics) = import_csv(text, CsvOptions::default()).unwrap();
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_eq!(log.case_id(0), "A,1");
    let names: Vec<&str> = log
        .case_activities(0)
        .iter()
        .map(|&a| log.activity_name(a))
        .collect();
    assert_eq!(names, ["say \"hi\"", "next"]);
    // 13/02 then 01/03 (day first): 16 days and 23.5 hours apart.
    let times = log.case_times(0);
    assert_eq!(
        times[1] - times[0],
        (16 * 86_400 + 23 * 3_600 + 1_800) * 1_000_000
    );
}

#[test]
fn empty_files_are_errors_or_empty_logs() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["empty.csv", "empty.xes", "empty.jsonocel", "empty.xmlocel"] {
        let path = write(dir.path(), name, b"");
        let error = import(&path).unwrap_err().to_string();
        assert!(error.contains(name), "{name}: {error}");
    }
    let (log, diagnostics) = import(&write(dir.path(), "events.jsonl", b"")).unwrap();
    assert_eq!((log.num_events(), diagnostics.len()), (0, 0));
    // A run folder is read through its events.jsonl.
    assert!(import(dir.path()).is_ok());
}

#[test]
fn a_100_mb_line_does_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.csv");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    file.write_all(b"case,activity,timestamp\n1,a,2020-01-01T00:00:00Z\n2,")
        .unwrap();
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..100 {
        file.write_all(&chunk).unwrap();
    }
    file.write_all(b",2020-01-01T00:00:00Z\n").unwrap();
    drop(file);
    let (log, _) = import(&path).unwrap();
    assert_eq!(log.num_events(), 2);
    assert_eq!(
        log.activity_name(log.case_activities(1)[0]).len(),
        100 << 20
    );

    let jsonl = dir.path().join("huge.jsonl");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&jsonl).unwrap());
    for _ in 0..100 {
        file.write_all(&chunk).unwrap();
    }
    drop(file);
    let (log, diagnostics) = import(&jsonl).unwrap();
    assert_eq!(log.num_events(), 0);
    assert!(
        diagnostics[0].to_string().contains("line 1"),
        "{diagnostics:?}"
    );
}

#[test]
fn unknown_object_type_is_a_clear_error() {
    let data = common::data_dir();
    let options = ImportOptions {
        object_type: Some("Nope".into()),
        ..ImportOptions::default()
    };
    let error = import_path(
        &data.join("logs/ocel20_example.jsonocel"),
        &options,
        &mut |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("\"Nope\"") && error.contains("Invoice"),
        "{error}"
    );
}
