//! Where step events go. A run writes them as JSON lines to its folder; the control-plane
//! connection (a later issue) will implement [`EventSink`] by batching into
//! `model::wire::StepEventBatch`, which is why the trait has a separate `flush`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use flowbot_model::Event;

#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("cannot write events to {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode event: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("cannot send events to the control plane: {0}")]
    Remote(String),
}

/// Receives every step event of a run, in order.
pub trait EventSink: Send {
    fn emit(&mut self, event: &Event) -> Result<(), SinkError>;
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

impl EventSink for Tee {
    fn emit(&mut self, event: &Event) -> Result<(), SinkError> {
        let mut first = Ok(());
        for sink in &mut self.0 {
            let result = sink.emit(event);
            if first.is_ok() {
                first = result;
            }
        }
        first
    }

    fn flush(&mut self) -> Result<(), SinkError> {
        let mut first = Ok(());
        for sink in &mut self.0 {
            let result = sink.flush();
            if first.is_ok() {
                first = result;
            }
        }
        first
    }
}
