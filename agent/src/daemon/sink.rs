//! Step events and log lines to the control plane: the run's [`BatchingSink`] over HTTP. The
//! control plane stores a batch once per (lease, seq), so resending after a lost response is
//! safe. The run's last batch is held back and travels with the result (one exchange, one
//! transaction at the end of a run instead of two).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flowbot_model::LeaseId;
use flowbot_model::wire::{AgentMessage, ControlMessage, StepEventBatch};

use super::client::Client;
use crate::events::{BatchTransport, BatchingSink, SinkError};
use crate::sandbox::CancelToken;

/// A batch goes out when it holds this many events and log lines or is this old, whichever
/// comes first.
const BATCH_ITEMS: usize = 50;
pub(super) const BATCH_AGE: Duration = Duration::from_millis(250);

/// A run's sink, shared by the run (which emits into it) and the heartbeat thread (which sends
/// a batch on once it is [`BATCH_AGE`] old, even while the bot is busy in one long step).
pub(super) type SharedLeaseSink = Arc<Mutex<BatchingSink<HttpTransport>>>;

pub(super) struct HttpTransport {
    client: Arc<Client>,
    /// Cancelled when the control plane says the lease is lost: the run must stop.
    stop: CancelToken,
    lease_lost: Arc<AtomicBool>,
    last: LastBatch,
}

/// Where the run's last batch waits for the result.
pub(super) type LastBatch = Arc<Mutex<Option<StepEventBatch>>>;

/// The sink a leased run streams its events through.
pub(super) fn lease_sink(
    client: Arc<Client>,
    lease: LeaseId,
    stop: CancelToken,
    lease_lost: Arc<AtomicBool>,
    last: LastBatch,
) -> BatchingSink<HttpTransport> {
    let transport = HttpTransport {
        client,
        stop,
        lease_lost,
        last,
    };
    BatchingSink::new(lease, transport, BATCH_ITEMS).with_max_age(BATCH_AGE)
}

impl BatchTransport for HttpTransport {
    fn send_last(&mut self, batch: &StepEventBatch) -> Result<(), SinkError> {
        let earlier = self
            .last
            .lock()
            .map_err(|_| SinkError::Send("the last batch's slot is poisoned".to_owned()))?
            .replace(batch.clone());
        // A second "last" batch (never in a normal run) sends the first so none is lost.
        match earlier {
            Some(earlier) => self.send(&earlier),
            None => Ok(()),
        }
    }

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
