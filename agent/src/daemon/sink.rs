//! Step events to the control plane in numbered batches. The control plane stores a batch once
//! per (lease, seq), so resending after a lost response is safe.

use std::sync::Arc;
use std::time::{Duration, Instant};

use flowbot_model::wire::{AgentMessage, ControlMessage, StepEventBatch};
use flowbot_model::{Event, LeaseId};

use super::client::Client;
use crate::events::{EventSink, SinkError};
use crate::sandbox::CancelToken;

/// A batch goes out when it holds this many events or is this old, whichever comes first.
const BATCH_EVENTS: usize = 50;
const BATCH_AGE: Duration = Duration::from_millis(250);

pub(super) struct BatchSink {
    client: Arc<Client>,
    lease: LeaseId,
    seq: u64,
    pending: Vec<Event>,
    oldest: Option<Instant>,
    /// Cancelled when the control plane says the lease is lost: the run must stop.
    lost: CancelToken,
    lease_lost: Arc<std::sync::atomic::AtomicBool>,
}

impl BatchSink {
    pub(super) fn new(
        client: Arc<Client>,
        lease: LeaseId,
        lost: CancelToken,
        lease_lost: Arc<std::sync::atomic::AtomicBool>,
    ) -> Self {
        Self {
            client,
            lease,
            seq: 0,
            pending: Vec::new(),
            oldest: None,
            lost,
            lease_lost,
        }
    }

    fn send(&mut self) -> Result<(), SinkError> {
        if self.pending.is_empty() || self.lease_lost.load(std::sync::atomic::Ordering::SeqCst) {
            self.pending.clear();
            return Ok(());
        }
        let batch = StepEventBatch {
            lease_id: self.lease.clone(),
            seq: self.seq,
            events: std::mem::take(&mut self.pending),
        };
        self.oldest = None;
        self.seq += 1;
        match self
            .client
            .exchange(&AgentMessage::StepEvents(batch), &|| true)
        {
            Ok(ControlMessage::Accepted) => Ok(()),
            Ok(ControlMessage::LeaseLost { .. }) => {
                tracing::warn!(lease = %self.lease, "lease lost; stopping the run");
                self.lease_lost
                    .store(true, std::sync::atomic::Ordering::SeqCst);
                self.lost.cancel();
                Ok(())
            }
            Ok(other) => Err(SinkError::Remote(format!(
                "unexpected answer to step events: {other:?}"
            ))),
            Err(error) => Err(SinkError::Remote(error.to_string())),
        }
    }
}

impl EventSink for BatchSink {
    fn emit(&mut self, event: &Event) -> Result<(), SinkError> {
        self.pending.push(event.clone());
        let oldest = *self.oldest.get_or_insert_with(Instant::now);
        if self.pending.len() >= BATCH_EVENTS || oldest.elapsed() >= BATCH_AGE {
            self.send()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), SinkError> {
        self.send()
    }
}
