//! Queue steps of a leased run, forwarded to the control plane under the run's lease.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use flowbot_model::LeaseId;
use flowbot_model::wire::{
    AgentMessage, ControlMessage, FoundItem, ItemOutcome, NewQueueItem, QueueAdd, QueueFind,
    QueueItem, QueueSettle, QueueTake,
};

use super::client::Client;
use crate::sandbox::CancelToken;
use crate::work_queue::{QueueError, WorkQueue};

pub(super) struct LeaseQueue {
    pub(super) client: Arc<Client>,
    pub(super) lease: LeaseId,
    /// Cancelled when the control plane says the lease is lost: the run must stop.
    pub(super) stop: CancelToken,
    pub(super) lease_lost: Arc<AtomicBool>,
}

impl LeaseQueue {
    /// Send one message; connection failures are retried (the control plane may be
    /// restarting), a lost lease stops the run.
    fn send(&self, message: AgentMessage) -> Result<ControlMessage, QueueError> {
        if self.lease_lost.load(Ordering::SeqCst) {
            return Err(QueueError::LeaseLost);
        }
        match self
            .client
            .exchange(&message, &|| !self.stop.is_cancelled())
        {
            Ok(ControlMessage::LeaseLost { .. }) => {
                tracing::warn!(lease = %self.lease, "lease lost; stopping the run");
                self.lease_lost.store(true, Ordering::SeqCst);
                self.stop.cancel();
                Err(QueueError::LeaseLost)
            }
            Ok(answer) => Ok(answer),
            Err(error) => Err(QueueError::Failed(error.to_string())),
        }
    }
}

fn unexpected(answer: &ControlMessage) -> QueueError {
    QueueError::Failed(format!(
        "unexpected answer from the control plane: {answer:?}"
    ))
}

impl WorkQueue for LeaseQueue {
    fn take(&self, queue: &str) -> Result<Option<QueueItem>, QueueError> {
        let answer = self.send(AgentMessage::QueueTake(QueueTake {
            lease_id: self.lease.clone(),
            queue: queue.to_owned(),
        }))?;
        match answer {
            ControlMessage::QueueItem { item } => Ok(item),
            other => Err(unexpected(&other)),
        }
    }

    fn settle(&self, item_id: &str, outcome: ItemOutcome) -> Result<(), QueueError> {
        let answer = self.send(AgentMessage::QueueSettle(QueueSettle {
            lease_id: self.lease.clone(),
            item_id: item_id.to_owned(),
            outcome,
        }))?;
        match answer {
            ControlMessage::Accepted => Ok(()),
            other => Err(unexpected(&other)),
        }
    }

    fn add(&self, queue: &str, item: NewQueueItem) -> Result<(String, bool), QueueError> {
        let answer = self.send(AgentMessage::QueueAdd(QueueAdd {
            lease_id: self.lease.clone(),
            queue: queue.to_owned(),
            item,
        }))?;
        match answer {
            ControlMessage::QueueItemAdded { item_id, duplicate } => Ok((item_id, duplicate)),
            other => Err(unexpected(&other)),
        }
    }

    fn find(&self, queue: &str, reference: &str) -> Result<Option<FoundItem>, QueueError> {
        let answer = self.send(AgentMessage::QueueFind(QueueFind {
            lease_id: self.lease.clone(),
            queue: queue.to_owned(),
            reference: reference.to_owned(),
        }))?;
        match answer {
            ControlMessage::QueueItemFound { item } => Ok(item),
            other => Err(unexpected(&other)),
        }
    }
}
