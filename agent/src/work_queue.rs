//! The seam between queue steps and whoever keeps the queues: the agent daemon forwards them to
//! the control plane under the job's lease; a local run has no queues.

use flowbot_model::wire::{FoundItem, ItemOutcome, NewQueueItem, QueueItem};

/// Work queues as a running bot sees them. Every call is made under the run's lease, so items a
/// bot took return to their queue if the bot's agent dies.
pub trait WorkQueue: Send + Sync {
    /// The next ready item of `queue`, now held by this run; `None` when nothing is ready.
    fn take(&self, queue: &str) -> Result<Option<QueueItem>, QueueError>;
    fn settle(&self, item_id: &str, outcome: ItemOutcome) -> Result<(), QueueError>;
    /// Add an item; returns its id and whether its reference was already queued.
    fn add(&self, queue: &str, item: NewQueueItem) -> Result<(String, bool), QueueError>;
    /// The item of `queue` with `reference` and where it is, without taking it (a person's
    /// decision on a validation item is its output); `None` when there is none.
    fn find(&self, queue: &str, reference: &str) -> Result<Option<FoundItem>, QueueError>;
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The control plane took the job back (lease expired or cancelled): stop working.
    #[error("this run no longer holds its job: the control plane requeued or cancelled it")]
    LeaseLost,
    #[error("{0}")]
    Failed(String),
}
