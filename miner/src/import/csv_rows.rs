//! CSV records parsed on a second thread.
//!
//! Splitting fields and checking UTF-8 is a quarter of a large CSV import; the other three
//! quarters (dates, interning, building the log) need the whole log's state. So one thread
//! parses records into batches and the importer's thread consumes them, with the batches'
//! buffers sent back for reuse, so no record is allocated twice.

use std::io::Read;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::Scope;

use ::csv::StringRecord;

/// Records per batch: large enough that the channel costs little per record, small enough
/// that a batch is still in the caches when the importer reads it (measured on the 5M-row
/// log: 4,096 took 2.5–3.3 s, 256 took 2.0–2.3 s, 64 took 2.1–2.9 s).
const BATCH: usize = 256;

/// Batches in flight between the threads.
const IN_FLIGHT: usize = 4;

struct Batch {
    records: Vec<StringRecord>,
    len: usize,
    /// The parser's error on the record after the last one in `records[..len]`.
    error: Option<String>,
}

/// The records of a CSV reader whose header has been read, parsed on a scoped thread.
pub(super) struct Rows {
    full: Receiver<Batch>,
    spent: SyncSender<Vec<StringRecord>>,
    current: Batch,
    next: usize,
}

impl Rows {
    pub(super) fn spawn<'scope, R: Read + Send + 'scope>(
        scope: &'scope Scope<'scope, '_>,
        csv: ::csv::Reader<R>,
    ) -> Rows {
        let (full_sender, full) = sync_channel(IN_FLIGHT);
        let (spent, spent_receiver) = sync_channel(IN_FLIGHT + 2);
        scope.spawn(move || parse(csv, &full_sender, &spent_receiver));
        Rows {
            full,
            spent,
            current: Batch {
                records: Vec::new(),
                len: 0,
                error: None,
            },
            next: 0,
        }
    }

    /// Like `csv::Reader::read_record`: the next record into `record`, `Ok(false)` at the end,
    /// or the parser's message.
    pub(super) fn read_record(&mut self, record: &mut StringRecord) -> Result<bool, String> {
        while self.next == self.current.len {
            if let Some(error) = self.current.error.take() {
                return Err(error);
            }
            let Ok(batch) = self.full.recv() else {
                return Ok(false);
            };
            let spent = std::mem::replace(&mut self.current, batch);
            // The parser may have finished; then the buffers are simply dropped.
            let _ = self.spent.try_send(spent.records);
            self.next = 0;
        }
        std::mem::swap(record, &mut self.current.records[self.next]);
        self.next += 1;
        Ok(true)
    }
}

fn parse<R: Read>(
    mut csv: ::csv::Reader<R>,
    full: &SyncSender<Batch>,
    spent: &Receiver<Vec<StringRecord>>,
) {
    loop {
        let mut records = spent.try_recv().unwrap_or_default();
        if records.len() < BATCH {
            records.resize_with(BATCH, StringRecord::new);
        }
        let mut len = 0;
        let mut error = None;
        while len < BATCH {
            match csv.read_record(&mut records[len]) {
                Ok(true) => len += 1,
                Ok(false) => break,
                Err(parse_error) => {
                    error = Some(super::csv::parse_error_message(&parse_error));
                    break;
                }
            }
        }
        let last = len < BATCH;
        // A closed channel means the importer stopped early: nothing more to do.
        if full
            .send(Batch {
                records,
                len,
                error,
            })
            .is_err()
            || last
        {
            return;
        }
    }
}
