//! A large CSV file read in parts, one thread per part.
//!
//! Reading one CSV row touches the whole log's state (case index, string tables, columns), so
//! a single importer thread is the limit however the parsing is spread. Here each thread reads
//! its own byte range of the file into its own [`LogBuilder`], and the builders are appended
//! in file order, so cases, ties and "first row wins" come out exactly as a single reader's.
//!
//! A range starts just after a newline. That newline may sit inside a quoted field, so a part
//! is only used when the part before it ended on a record boundary exactly at its start. A
//! part that runs past its end without meeting a boundary there goes on to the next range
//! and the part it overran is dropped; the answer stays correct, only slower.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;

use ::csv::StringRecord;

use crate::diagnostic::{Diagnostic, Location};
use crate::import::csv::{
    BOM, CsvOptions, DATE_SAMPLES, Layout, RowContext, RowScratch, csv_error, empty_file,
    first_line, parse_error_message, sniff_delimiter,
};
use crate::import::{ImportError, Imported};
use crate::log::LogBuilder;
use crate::time::DateStyle;

/// How often the progress bar moves while the first part waits for the others.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// The smallest range worth a thread of its own.
const MIN_PART_BYTES: u64 = 1 << 20;

/// How many parts a file of `bytes` is read in on this machine.
pub(crate) fn parts_for(bytes: u64) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let by_size = usize::try_from(bytes / MIN_PART_BYTES).unwrap_or(usize::MAX);
    cores.min(by_size).clamp(1, 16)
}

/// What the file's head says about every part.
struct Plan<'a> {
    path: &'a Path,
    file: &'a str,
    delimiter: u8,
    layout: Layout,
    styles: (DateStyle, Option<DateStyle>),
    /// Byte offsets where the parts start; the first is the first record's.
    starts: Vec<u64>,
    /// Bytes read so far by all parts, for the progress bar.
    read: AtomicU64,
}

/// One range's result. `end` is the index of the part it stopped in front of (`starts.len()`
/// at the end of the file); `error`, if any, is at local row `rows + 1`.
struct Part {
    builder: LogBuilder,
    diagnostics: Vec<Diagnostic>,
    rows: u64,
    end: usize,
    error: Option<String>,
}

pub(super) fn read(
    path: &Path,
    file: &str,
    options: &CsvOptions,
    parts: usize,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<Imported, ImportError> {
    let plan = plan(path, file, options, parts)?;
    let parts = std::thread::scope(|scope| {
        let (finished, finishing) = mpsc::channel();
        let others: Vec<_> = (1..plan.starts.len())
            .map(|index| {
                let plan = &plan;
                let finished = Finished(finished.clone());
                scope.spawn(move || {
                    let _finished = finished;
                    read_part(plan, index, &mut |_| {})
                })
            })
            .collect();
        drop(finished);
        let first = read_part(&plan, 0, progress);
        // The bar keeps moving while the other parts finish.
        loop {
            match finishing.recv_timeout(PROGRESS_EVERY) {
                Ok(()) => {}
                Err(RecvTimeoutError::Timeout) => progress(plan.read.load(Ordering::Relaxed)),
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        let mut parts = vec![first];
        for handle in others {
            parts.push(
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        parts
    });
    join(parts, file)
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
    let mut head = BufReader::with_capacity(1 << 16, File::open(path).map_err(io_error)?);
    let mut first = Vec::new();
    (&mut head)
        .take(1 << 16)
        .read_to_end(&mut first)
        .map_err(io_error)?;
    let bom = if first.starts_with(BOM) { BOM.len() } else { 0 };
    if first.len() == bom {
        return Err(empty_file(file));
    }
    let delimiter = options
        .delimiter
        .unwrap_or_else(|| sniff_delimiter(first_line(&first[bom..])));
    let mut reader = File::open(path).map_err(io_error)?;
    reader.seek(SeekFrom::Start(bom as u64)).map_err(io_error)?;
    let mut csv = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(BufReader::with_capacity(1 << 16, reader));
    let header = csv
        .headers()
        .map_err(|error| csv_error(file, 0, None, parse_error_message(&error)))?
        .clone();
    let layout = Layout::of(&header, file, options)?;
    let data_start = bom as u64 + csv.position().byte();
    // Any parse error in the sample is met again, with its row, by the first part.
    let sample: Vec<StringRecord> = csv
        .records()
        .take(DATE_SAMPLES)
        .map_while(Result::ok)
        .collect();
    let styles = layout.date_styles(&sample, options);
    let size = std::fs::metadata(path).map_err(io_error)?.len();
    let mut starts = vec![data_start];
    let mut probe = File::open(path).map_err(io_error)?;
    for index in 1..parts.max(1) as u64 {
        let guess = data_start + (size - data_start) * index / parts as u64;
        let Some(start) = after_newline(&mut probe, guess).map_err(io_error)? else {
            break;
        };
        if start > *starts.last().unwrap_or(&0) && start < size {
            starts.push(start);
        }
    }
    Ok(Plan {
        path,
        file,
        delimiter,
        layout,
        styles,
        starts,
        read: AtomicU64::new(0),
    })
}

/// The offset just after the first newline at or after `from`, if there is one.
fn after_newline(file: &mut File, from: u64) -> io::Result<Option<u64>> {
    file.seek(SeekFrom::Start(from))?;
    let mut buffer = [0u8; 1 << 14];
    let mut at = from;
    loop {
        let count = file.read(&mut buffer)?;
        if count == 0 {
            return Ok(None);
        }
        if let Some(newline) = buffer[..count].iter().position(|&byte| byte == b'\n') {
            return Ok(Some(at + newline as u64 + 1));
        }
        at += count as u64;
    }
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

/// Reads the range starting at `plan.starts[index]` until a record ends exactly where a later
/// part starts (one byte early when that byte is the newline a CRLF leaves), or the file ends.
fn read_part(plan: &Plan, index: usize, progress: &mut (dyn FnMut(u64) + Send)) -> Part {
    let start = plan.starts[index];
    let (mut builder, keys) = plan.layout.builder();
    let mut diagnostics = Vec::new();
    let mut rows = 0u64;
    let mut end = index + 1;
    let opened = File::open(plan.path).and_then(|mut file| {
        file.seek(SeekFrom::Start(start))?;
        Ok(file)
    });
    let error = match opened {
        Err(error) => Some(error.to_string()),
        Ok(file) => {
            let tally = Tally {
                file,
                read: &plan.read,
            };
            let mut csv = ::csv::ReaderBuilder::new()
                .delimiter(plan.delimiter)
                .flexible(true)
                .has_headers(false)
                .from_reader(BufReader::with_capacity(1 << 16, tally));
            let context = RowContext {
                file: plan.file,
                layout: &plan.layout,
                keys: &keys,
                styles: plan.styles,
            };
            let mut scratch = RowScratch::default();
            let mut record = StringRecord::new();
            loop {
                let at = start + csv.position().byte();
                while end < plan.starts.len() && at > plan.starts[end] {
                    end += 1;
                }
                if end < plan.starts.len() && at + 1 >= plan.starts[end] {
                    break None;
                }
                match csv.read_record(&mut record) {
                    Ok(true) => {
                        rows += 1;
                        context.add(&mut builder, &mut diagnostics, &mut scratch, rows, &record);
                        if rows.is_multiple_of(1 << 14) {
                            progress(plan.read.load(Ordering::Relaxed));
                        }
                    }
                    Ok(false) => {
                        end = plan.starts.len();
                        break None;
                    }
                    Err(error) => break Some(parse_error_message(&error)),
                }
            }
        }
    };
    Part {
        builder,
        diagnostics,
        rows,
        end,
        error,
    }
}

/// Appends the parts that chain from the first, each starting where the one before ended,
/// renumbering their rows; the first error in file order wins.
fn join(parts: Vec<Part>, file: &str) -> Result<Imported, ImportError> {
    let count = parts.len();
    let mut parts: Vec<Option<Part>> = parts.into_iter().map(Some).collect();
    let mut builder: Option<LogBuilder> = None;
    let mut diagnostics = Vec::new();
    let mut rows_before = 0u64;
    let mut index = 0;
    while let Some(part) = parts.get_mut(index).and_then(Option::take) {
        if let Some(message) = part.error {
            return Err(csv_error(file, rows_before + part.rows + 1, None, message));
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
        if part.end >= count {
            break;
        }
        index = part.end;
    }
    let builder = builder.unwrap_or_default();
    Ok((builder.finish(), diagnostics))
}
