//! A large CSV file read in parts, one thread per part.
//!
//! Reading one CSV row touches the whole log's state (case index, string tables, columns), so
//! a single importer thread is the limit however the parsing is spread. Here each thread reads
//! its own byte range of the file into its own [`LogBuilder`], and the builders are appended
//! in file order, so cases, ties and "first row wins" come out exactly as a single reader's.
//!
//! A range starts after a run of line-break bytes. That run may sit inside a quoted field, so
//! a part is only used when the part before it ended on a record boundary inside that run.
//! A part that runs past its range without meeting one stops there, and the rest is read on
//! from the record boundary where it stopped, on the joining thread, until a record ends
//! where a later part started; the parts in between are dropped. So a quoted line break at a
//! split costs speed, never correctness.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;

use ::csv::StringRecord;

use crate::diagnostic::{Diagnostic, Location};
use crate::import::csv::{
    BOM, CsvOptions, DATE_SAMPLES, Layout, RowContext, RowScratch, csv_error, delimiter,
    empty_file, parse_error_message, parser,
};
use crate::import::{ImportError, Imported};
use crate::log::LogBuilder;
use crate::time::DateStyle;

/// How often the progress bar moves while the first part waits for the others.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// The smallest range worth a thread of its own.
const MIN_PART_BYTES: u64 = 1 << 20;

/// More threads than this gain nothing on a file: the join is serial.
pub(crate) const MAX_PARTS: usize = 16;

/// How many parts a file of `bytes` is read in on this machine.
pub(crate) fn parts_for(bytes: u64) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let by_size = usize::try_from(bytes / MIN_PART_BYTES).unwrap_or(usize::MAX);
    cores.min(by_size).clamp(1, MAX_PARTS)
}

/// Where a part may start: just after a run of `\r`/`\n` bytes. A record that ends anywhere
/// in the run ends the part before, since a reader skips the rest of the run as blank lines.
#[derive(Debug, Clone, Copy)]
struct Split {
    run_start: u64,
    start: u64,
}

/// What the file's head says about every part.
struct Plan<'a> {
    path: &'a Path,
    file: &'a str,
    size: u64,
    delimiter: u8,
    layout: Layout,
    styles: (DateStyle, Option<DateStyle>),
    /// The first record's offset, then where the other parts start, increasing.
    splits: Vec<Split>,
    /// Bytes read so far by all parts, for the progress bar.
    read: AtomicU64,
}

/// How a part ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// A record ended in the run before `splits[index]`: that part follows on.
    AtSplit(usize),
    /// The part ran past its range at this record boundary.
    Overran(u64),
    EndOfFile,
}

enum PartError {
    Open(io::Error),
    /// The parser's message about the record after the part's last.
    Parse(String),
}

/// One range's result, rows counted from the range's start.
struct Part {
    builder: LogBuilder,
    diagnostics: Vec<Diagnostic>,
    rows: u64,
    ending: Ending,
    error: Option<PartError>,
}

pub(super) fn read(
    path: &Path,
    file: &str,
    options: &CsvOptions,
    parts: usize,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<Imported, ImportError> {
    read_counting_parts(path, file, options, parts, progress).map(|(imported, _)| imported)
}

/// How the parts of a file came together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Joined {
    /// Parts read on their own threads and used.
    parts: usize,
    /// Ranges read again on the joining thread after a part overran its range.
    read_on: usize,
}

/// [`read`], also telling how the parts were joined.
fn read_counting_parts(
    path: &Path,
    file: &str,
    options: &CsvOptions,
    parts: usize,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<(Imported, Joined), ImportError> {
    let plan = plan(path, file, options, parts.clamp(1, MAX_PARTS))?;
    let parts = std::thread::scope(|scope| {
        let (finished, finishing) = mpsc::channel();
        let others: Vec<_> = (1..plan.splits.len())
            .map(|index| {
                let plan = &plan;
                let finished = Finished(finished.clone());
                scope.spawn(move || {
                    let _finished = finished;
                    read_range(plan, plan.splits[index].start, index + 1, &mut |_| {})
                })
            })
            .collect();
        drop(finished);
        let first = read_range(&plan, plan.splits[0].start, 1, progress);
        // The bar keeps moving while the other parts finish.
        loop {
            match finishing.recv_timeout(PROGRESS_EVERY) {
                Ok(()) => {}
                Err(RecvTimeoutError::Timeout) => progress(plan.bytes_read()),
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        let mut parts = vec![Some(first)];
        for handle in others {
            let part = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            parts.push(Some(part));
        }
        parts
    });
    join(&plan, parts, progress)
}

impl Plan<'_> {
    fn bytes_read(&self) -> u64 {
        // Parts read ahead of their ranges; the bar stops at the file's size.
        self.read.load(Ordering::Relaxed).min(self.size)
    }
}

fn plan<'a>(
    path: &'a Path,
    file: &'a str,
    options: &CsvOptions,
    parts: usize,
) -> Result<Plan<'a>, ImportError> {
    let io_error = |source| ImportError::Io {
        path: file.to_owned(),
        source,
    };
    let mut opened = File::open(path).map_err(io_error)?;
    let size = opened.metadata().map_err(io_error)?.len();
    let mut head = Vec::new();
    (&mut opened)
        .take(1 << 16)
        .read_to_end(&mut head)
        .map_err(io_error)?;
    let bom = if head.starts_with(BOM) { BOM.len() } else { 0 };
    if head.len() == bom {
        return Err(empty_file(file));
    }
    let delimiter = delimiter(options, &head[bom..]);
    opened.seek(SeekFrom::Start(bom as u64)).map_err(io_error)?;
    let mut csv = parser(delimiter)
        .has_headers(true)
        .from_reader(BufReader::with_capacity(1 << 16, opened));
    let layout = Layout::read(&mut csv, file, options)?;
    let data_start = bom as u64 + csv.position().byte();
    // Any parse error in the sample is met again, with its row, by the first part.
    let sample: Vec<StringRecord> = csv
        .records()
        .take(DATE_SAMPLES)
        .map_while(Result::ok)
        .collect();
    let styles = layout.date_styles(&sample, options);
    let mut splits = vec![Split {
        run_start: data_start,
        start: data_start,
    }];
    let mut probe = BufReader::with_capacity(1 << 14, csv.into_inner().into_inner());
    let span = size.saturating_sub(data_start);
    for index in 1..parts as u64 {
        let guess = data_start + span / parts as u64 * index;
        let Some(split) = line_break_run(&mut probe, guess).map_err(io_error)? else {
            break;
        };
        if split.run_start > splits[splits.len() - 1].start && split.start < size {
            splits.push(split);
        }
    }
    Ok(Plan {
        path,
        file,
        size,
        delimiter,
        layout,
        styles,
        splits,
        read: AtomicU64::new(0),
    })
}

/// The first run of `\r`/`\n` bytes at or after `from`, if one ends before the end of the
/// file.
fn line_break_run(file: &mut BufReader<File>, from: u64) -> io::Result<Option<Split>> {
    file.seek(SeekFrom::Start(from))?;
    let mut run_start = None;
    for (at, byte) in (from..).zip(file.bytes()) {
        let line_break = matches!(byte?, b'\r' | b'\n');
        match (run_start, line_break) {
            (None, true) => run_start = Some(at),
            (Some(run_start), false) => {
                return Ok(Some(Split {
                    run_start,
                    start: at,
                }));
            }
            _ => {}
        }
    }
    Ok(None)
}

/// Tells the first part's thread that a part ended, however it ended (its channel closes
/// when every part has).
struct Finished(Sender<()>);

impl Drop for Finished {
    fn drop(&mut self) {
        // The first part's thread may have stopped listening: nothing to tell then.
        let _ = self.0.send(());
    }
}

/// A file whose reads are added to a shared count.
struct Tally<'a> {
    file: File,
    read: &'a AtomicU64,
}

impl Read for Tally<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let count = self.file.read(buf)?;
        self.read.fetch_add(count as u64, Ordering::Relaxed);
        Ok(count)
    }
}

/// Reads records from byte `from` until one ends in the run before `splits[next]`, the part
/// runs past that split, or the file ends.
fn read_range(plan: &Plan, from: u64, next: usize, progress: &mut (dyn FnMut(u64) + Send)) -> Part {
    let (mut builder, keys) = plan.layout.builder();
    let mut diagnostics = Vec::new();
    let mut rows = 0u64;
    let opened = File::open(plan.path).and_then(|mut file| {
        file.seek(SeekFrom::Start(from))?;
        Ok(file)
    });
    let file = match opened {
        Ok(file) => file,
        Err(error) => {
            return Part {
                builder,
                diagnostics,
                rows,
                ending: Ending::EndOfFile,
                error: Some(PartError::Open(error)),
            };
        }
    };
    let tally = Tally {
        file,
        read: &plan.read,
    };
    // A line break in front: the parser then sees no byte-order mark at the start of the
    // range (it drops one only at the start of its input), and skips the break as a blank line.
    let mut csv = parser(plan.delimiter)
        .has_headers(false)
        .buffer_capacity(1 << 16)
        .from_reader(io::Cursor::new(b"\n").chain(tally));
    let context = RowContext {
        file: plan.file,
        layout: &plan.layout,
        keys: &keys,
        styles: plan.styles,
    };
    let mut scratch = RowScratch::default();
    let mut record = StringRecord::new();
    let (ending, error) = loop {
        // The offset in the file of the next record's first byte (the line break in front
        // counts in the parser's position).
        let at = (from + csv.position().byte()).saturating_sub(1);
        match plan.splits.get(next) {
            Some(split) if at >= split.run_start && at <= split.start => {
                break (Ending::AtSplit(next), None);
            }
            Some(split) if at > split.start => break (Ending::Overran(at), None),
            _ => {}
        }
        match csv.read_record(&mut record) {
            Ok(true) => {
                rows += 1;
                context.add(&mut builder, &mut diagnostics, &mut scratch, rows, &record);
                if rows.is_multiple_of(1 << 14) {
                    progress(plan.bytes_read());
                }
            }
            Ok(false) => break (Ending::EndOfFile, None),
            Err(error) => {
                break (
                    Ending::EndOfFile,
                    Some(PartError::Parse(parse_error_message(&error))),
                );
            }
        }
    };
    Part {
        builder,
        diagnostics,
        rows,
        ending,
        error,
    }
}

/// Appends the parts that chain from the first, each starting where the one before ended,
/// and reads on past any part that overran its range; rows are renumbered from the file's
/// start, and the first error in file order wins.
fn join(
    plan: &Plan,
    mut parts: Vec<Option<Part>>,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<(Imported, Joined), ImportError> {
    let mut builder: Option<LogBuilder> = None;
    let mut diagnostics = Vec::new();
    let mut rows_before = 0u64;
    let mut joined = Joined {
        parts: 1,
        read_on: 0,
    };
    let mut current = parts.first_mut().and_then(Option::take);
    while let Some(part) = current.take() {
        match part.error {
            Some(PartError::Open(source)) => {
                return Err(ImportError::Io {
                    path: plan.file.to_owned(),
                    source,
                });
            }
            Some(PartError::Parse(message)) => {
                return Err(csv_error(
                    plan.file,
                    rows_before + part.rows + 1,
                    None,
                    message,
                ));
            }
            None => {}
        }
        for mut diagnostic in part.diagnostics {
            if let Location::Row(row) = &mut diagnostic.location {
                *row += rows_before;
            }
            diagnostics.push(diagnostic);
        }
        match &mut builder {
            None => builder = Some(part.builder),
            Some(builder) => builder.append(part.builder),
        }
        rows_before += part.rows;
        let next = match part.ending {
            Ending::EndOfFile => break,
            Ending::AtSplit(index) => index,
            Ending::Overran(at) => plan.splits.partition_point(|split| split.start < at),
        };
        // Parts that start before the next are overrun: free them now.
        for overrun in parts.iter_mut().take(next) {
            *overrun = None;
        }
        current = match part.ending {
            Ending::Overran(at) => {
                joined.read_on += 1;
                Some(read_range(plan, at, next, progress))
            }
            _ => {
                joined.parts += 1;
                parts.get_mut(next).and_then(Option::take)
            }
        };
    }
    drop(parts);
    let builder = builder.unwrap_or_default();
    Ok(((builder.finish(), diagnostics), joined))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn read_parts(text: &str, parts: usize) -> (crate::Log, Joined) {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        let ((log, _), joined) = read_counting_parts(
            file.path(),
            "test.csv",
            &CsvOptions::default(),
            parts,
            &mut |_| {},
        )
        .unwrap();
        (log, joined)
    }

    #[test]
    fn every_part_is_used_when_the_splits_fall_between_records() {
        let mut text = String::from("case,activity,timestamp\r\n");
        for row in 0..4_000 {
            text += &format!("c{},a{},2024-01-01 10:00:00\r\n\r\n", row / 7, row % 5);
        }
        let (log, joined) = read_parts(&text, 4);
        assert_eq!(log.num_events(), 4_000);
        assert_eq!(
            joined,
            Joined {
                parts: 4,
                read_on: 0
            }
        );
    }

    #[test]
    fn splits_inside_one_long_quoted_field_are_read_on_not_lost() {
        let note = "line\n".repeat(20_000);
        let text = format!(
            "case,activity,timestamp,note\nc1,a,2024-01-01 10:00:00,x\nc1,b,2024-01-01 11:00:00,\"{note}\"\nc2,c,2024-01-01 12:00:00,y\n"
        );
        let (log, joined) = read_parts(&text, 4);
        assert_eq!(log.num_events(), 3);
        let note_key = log.strings.get("note").unwrap();
        let long = log.event_attribute(1, note_key).unwrap();
        assert_eq!(long, crate::Value::Str(log.strings.get(&note).unwrap()));
        // The first part overran all three splits; the last record was read on after it.
        assert_eq!(
            joined,
            Joined {
                parts: 1,
                read_on: 1
            }
        );
    }
}
