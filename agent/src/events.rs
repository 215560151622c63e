//! Where step events and log lines go. A run writes events as JSON lines to its folder (and log
//! lines to `run.log`); the agent daemon batches both into `model::wire::StepEventBatch`es for
//! the control plane, which is why the trait has a separate `flush`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use flowbot_model::Event;
use flowbot_model::ids::LeaseId;
use flowbot_model::wire::{LogLine, StepEventBatch};

#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("cannot write events to {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode event: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("cannot send step events: {0}")]
    Send(String),
}

/// Receives every step event of a run, in order, and (if it wants them) its log lines.
pub trait EventSink: Send {
    fn emit(&mut self, event: &Event) -> Result<(), SinkError>;
    /// A redacted line of the run log. Most sinks ignore it: `run.log` already has it.
    fn log(&mut self, _line: &LogLine) -> Result<(), SinkError> {
        Ok(())
    }
    /// Pushes buffered events out; called at the end of a run (and by batching sinks whenever
    /// they choose).
    fn flush(&mut self) -> Result<(), SinkError>;
}

/// `events.jsonl` in the run folder: one event per line, each line written whole so a crash
/// leaves a readable file.
pub struct JsonlSink {
    path: PathBuf,
    out: BufWriter<File>,
}

impl JsonlSink {
    pub fn create(path: &Path) -> Result<Self, SinkError> {
        let file = File::create(path).map_err(|source| SinkError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            out: BufWriter::new(file),
        })
    }
}

impl EventSink for JsonlSink {
    fn emit(&mut self, event: &Event) -> Result<(), SinkError> {
        serde_json::to_writer(&mut self.out, event)?;
        self.out
            .write_all(b"\n")
            .and_then(|()| self.out.flush())
            .map_err(|source| SinkError::Io {
                path: self.path.clone(),
                source,
            })
    }

    fn flush(&mut self) -> Result<(), SinkError> {
        self.out.flush().map_err(|source| SinkError::Io {
            path: self.path.clone(),
            source,
        })
    }
}

/// Keeps events in memory; tests and embedders read them through the shared handle.
#[derive(Debug, Clone, Default)]
pub struct MemorySink(pub Arc<Mutex<Vec<Event>>>);

impl MemorySink {
    pub fn events(&self) -> Vec<Event> {
        self.0
            .lock()
            .map(|events| events.clone())
            .unwrap_or_default()
    }
}

impl EventSink for MemorySink {
    fn emit(&mut self, event: &Event) -> Result<(), SinkError> {
        if let Ok(mut events) = self.0.lock() {
            events.push(event.clone());
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

/// Calls a function for each event: the CLI's live progress line.
pub struct FnSink<F>(pub F);

impl<F: FnMut(&Event) + Send> EventSink for FnSink<F> {
    fn emit(&mut self, event: &Event) -> Result<(), SinkError> {
        (self.0)(event);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

/// Sends each event to every sink; the first error wins but every sink still gets the event.
#[derive(Default)]
pub struct Tee(pub Vec<Box<dyn EventSink>>);

impl Tee {
    fn each(
        &mut self,
        mut call: impl FnMut(&mut dyn EventSink) -> Result<(), SinkError>,
    ) -> Result<(), SinkError> {
        let mut first = Ok(());
        for sink in &mut self.0 {
            let result = call(sink.as_mut());
            if first.is_ok() {
                first = result;
            }
        }
        first
    }
}

impl EventSink for Tee {
    fn emit(&mut self, event: &Event) -> Result<(), SinkError> {
        self.each(|sink| sink.emit(event))
    }

    fn log(&mut self, line: &LogLine) -> Result<(), SinkError> {
        self.each(|sink| sink.log(line))
    }

    fn flush(&mut self) -> Result<(), SinkError> {
        self.each(|sink| sink.flush())
    }
}

/// Delivers numbered event batches somewhere (the control plane, in the agent daemon). A failed
/// send is retried with the same batch: `seq` makes the receiver store it once.
pub trait BatchTransport: Send {
    fn send(&mut self, batch: &StepEventBatch) -> Result<(), SinkError>;
    /// The run's last batch (sent by the final `flush`). A transport may hold it back to
    /// deliver it with the run's result; by default it is sent like any other.
    fn send_last(&mut self, batch: &StepEventBatch) -> Result<(), SinkError> {
        self.send(batch)
    }
}

/// A sink shared with another thread (the agent's timer that sends old batches on).
impl<S: EventSink> EventSink for Arc<Mutex<S>> {
    fn emit(&mut self, event: &Event) -> Result<(), SinkError> {
        locked(self)?.emit(event)
    }

    fn log(&mut self, line: &LogLine) -> Result<(), SinkError> {
        locked(self)?.log(line)
    }

    fn flush(&mut self) -> Result<(), SinkError> {
        locked(self)?.flush()
    }
}

fn locked<S>(sink: &Mutex<S>) -> Result<std::sync::MutexGuard<'_, S>, SinkError> {
    sink.lock()
        .map_err(|_| SinkError::Send("the shared sink is poisoned".to_owned()))
}

/// Groups events and log lines into `wire::StepEventBatch`es of up to `max_items` (and, with
/// [`BatchingSink::with_max_age`], no older than `max_age`, so a slow bot's steps still show up
/// live), numbered from 0 per lease. A batch that fails to send is kept and sent again, before
/// newer ones, on the next flush, so the control plane sees every event once and in order.
pub struct BatchingSink<T> {
    lease_id: LeaseId,
    transport: T,
    max_items: usize,
    next_seq: u64,
    pending: Vec<Event>,
    pending_logs: Vec<LogLine>,
    unsent: Option<StepEventBatch>,
    max_age: Option<std::time::Duration>,
    oldest: Option<std::time::Instant>,
}

impl<T: BatchTransport> BatchingSink<T> {
    pub fn new(lease_id: LeaseId, transport: T, max_items: usize) -> Self {
        Self {
            lease_id,
            transport,
            max_items: max_items.max(1),
            next_seq: 0,
            pending: Vec::new(),
            pending_logs: Vec::new(),
            unsent: None,
            max_age: None,
            oldest: None,
        }
    }

    /// Also send a batch once its first item is this old (checked when the next one arrives).
    pub fn with_max_age(mut self, max_age: std::time::Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    pub fn into_transport(self) -> T {
        self.transport
    }

    /// Sends the pending items if the oldest has waited `age`; for a timer, so a run that is
    /// quiet for a while (a long step, a sleep) still shows what it logged before.
    pub fn flush_if_older_than(&mut self, age: std::time::Duration) -> Result<(), SinkError> {
        if self.oldest.is_some_and(|oldest| oldest.elapsed() >= age) {
            self.send_pending(false)
        } else {
            Ok(())
        }
    }

    /// Sends the pending items if the batch is full or old enough.
    fn send_if_due(&mut self) -> Result<(), SinkError> {
        let oldest = *self.oldest.get_or_insert_with(std::time::Instant::now);
        let too_old = self
            .max_age
            .is_some_and(|max_age| oldest.elapsed() >= max_age);
        if self.pending.len() + self.pending_logs.len() >= self.max_items || too_old {
            self.send_pending(false)
        } else {
            Ok(())
        }
    }

    fn send_pending(&mut self, last: bool) -> Result<(), SinkError> {
        if let Some(batch) = &self.unsent {
            self.transport.send(batch)?;
            self.unsent = None;
        }
        if self.pending.is_empty() && self.pending_logs.is_empty() {
            return Ok(());
        }
        self.oldest = None;
        let batch = StepEventBatch {
            lease_id: self.lease_id.clone(),
            seq: self.next_seq,
            events: std::mem::take(&mut self.pending),
            logs: std::mem::take(&mut self.pending_logs),
        };
        self.next_seq += 1;
        let sent = if last {
            self.transport.send_last(&batch)
        } else {
            self.transport.send(&batch)
        };
        if sent.is_err() {
            self.unsent = Some(batch);
        }
        sent
    }
}

impl<T: BatchTransport> EventSink for BatchingSink<T> {
    fn emit(&mut self, event: &Event) -> Result<(), SinkError> {
        self.pending.push(event.clone());
        self.send_if_due()
    }

    fn log(&mut self, line: &LogLine) -> Result<(), SinkError> {
        self.pending_logs.push(line.clone());
        self.send_if_due()
    }

    fn flush(&mut self) -> Result<(), SinkError> {
        self.send_pending(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowbot_model::event::ObjectRef;

    #[derive(Default)]
    struct Recorder {
        sent: Vec<StepEventBatch>,
        last: Option<StepEventBatch>,
        fail_next: bool,
    }

    impl BatchTransport for Recorder {
        fn send(&mut self, batch: &StepEventBatch) -> Result<(), SinkError> {
            if std::mem::take(&mut self.fail_next) {
                return Err(SinkError::Send("connection reset".to_owned()));
            }
            self.sent.push(batch.clone());
            Ok(())
        }

        fn send_last(&mut self, batch: &StepEventBatch) -> Result<(), SinkError> {
            self.last = Some(batch.clone());
            Ok(())
        }
    }

    fn line(message: &str) -> LogLine {
        LogLine {
            time: chrono::Utc::now(),
            level: flowbot_model::wire::LogLevel::Info,
            message: message.to_owned(),
        }
    }

    fn event(n: u32) -> Event {
        Event {
            id: format!("e{n}").into(),
            activity: "read_csv".to_owned(),
            time: chrono::DateTime::parse_from_rfc3339("2024-05-02T10:00:00Z").unwrap(),
            start_time: None,
            objects: vec![ObjectRef::case("run-1")],
            resource: None,
            lifecycle: None,
            status: flowbot_model::event::Status::Ok,
            attributes: Default::default(),
        }
    }

    #[test]
    fn batches_are_numbered_sized_and_resent_once_after_a_failure() {
        let mut sink = BatchingSink::new(LeaseId::from("lease-1"), Recorder::default(), 2);
        for n in 0..3 {
            sink.emit(&event(n)).unwrap();
        }
        sink.transport.fail_next = true;
        sink.emit(&event(3)).unwrap_err();
        sink.emit(&event(4)).unwrap();
        sink.flush().unwrap();
        let recorder = sink.into_transport();
        let sent: Vec<StepEventBatch> = recorder.sent.into_iter().chain(recorder.last).collect();
        let shape: Vec<(u64, Vec<String>)> = sent
            .iter()
            .map(|batch| {
                (
                    batch.seq,
                    batch.events.iter().map(|e| e.id.to_string()).collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                (0, vec!["e0".to_owned(), "e1".to_owned()]),
                (1, vec!["e2".to_owned(), "e3".to_owned()]),
                (2, vec!["e4".to_owned()]),
            ]
        );
        assert!(
            sent.iter()
                .all(|batch| batch.lease_id.as_str() == "lease-1")
        );
    }

    #[test]
    fn log_lines_travel_with_events_and_the_last_batch_is_handed_over_separately() {
        let mut sink = BatchingSink::new(LeaseId::from("lease-1"), Recorder::default(), 3);
        sink.log(&line("starting")).unwrap();
        sink.emit(&event(0)).unwrap();
        sink.log(&line("read 3 rows")).unwrap();
        sink.emit(&event(1)).unwrap();
        sink.log(&line("done")).unwrap();
        sink.flush().unwrap();
        let recorder = sink.into_transport();
        let shape = |batch: &StepEventBatch| {
            (
                batch.seq,
                batch.events.len(),
                batch
                    .logs
                    .iter()
                    .map(|line| line.message.clone())
                    .collect::<Vec<_>>(),
            )
        };
        let sent: Vec<_> = recorder.sent.iter().map(shape).collect();
        assert_eq!(
            sent,
            [(0, 1, vec!["starting".to_owned(), "read 3 rows".to_owned()])]
        );
        assert_eq!(
            recorder.last.as_ref().map(shape),
            Some((1, 1, vec!["done".to_owned()]))
        );
    }
}
