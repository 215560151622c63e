//! Step events to the control plane: the run's [`BatchingSink`] over HTTP. The control plane
//! stores a batch once per (lease, seq), so resending after a lost response is safe.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use flowbot_model::LeaseId;
use flowbot_model::wire::{AgentMessage, ControlMessage, StepEventBatch};

use super::client::Client;
use crate::events::{BatchTransport, BatchingSink, SinkError};
use crate::sandbox::CancelToken;

/// A batch goes out when it holds this many events or is this old, whichever comes first.
const BATCH_EVENTS: usize = 50;
const BATCH_AGE: Duration = Duration::from_millis(250);

pub(super) struct HttpTransport {
    client: Arc<Client>,
    /// Cancelled when the control plane says the lease is lost: the run must stop.
    stop: CancelToken,
    lease_lost: Arc<AtomicBool>,
}

/// The sink a leased run streams its events through.
pub(super) fn lease_sink(
    client: Arc<Client>,
    lease: LeaseId,
    stop: CancelToken,
    lease_lost: Arc<AtomicBool>,
) -> BatchingSink<HttpTransport> {
    let transport = HttpTransport {
        client,
        stop,
        lease_lost,
    };
    BatchingSink::new(lease, transport, BATCH_EVENTS).with_max_age(BATCH_AGE)
}

impl BatchTransport for HttpTransport {
    fn send(&mut self, batch: &StepEventBatch) -> Result<(), SinkError> {
        if self.lease_lost.load(Ordering::SeqCst) {
            return Ok(());
        }
        match self
            .client
            .exchange(&AgentMessage::StepEvents(batch.clone()), &|| true)
        {
            Ok(ControlMessage::Accepted) => Ok(()),
            Ok(ControlMessage::LeaseLost { .. }) => {
                tracing::warn!(lease = %batch.lease_id, "lease lost; stopping the run");
                self.lease_lost.store(true, Ordering::SeqCst);
                self.stop.cancel();
                Ok(())
            }
            Ok(other) => Err(SinkError::Send(format!(
                "unexpected answer to step events: {other:?}"
            ))),
            Err(error) => Err(SinkError::Send(error.to_string())),
        }
    }
}
