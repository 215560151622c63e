//! A person's decision on a validation item: the item's payload is the agent's
//! `ValidationTask`, checked and decided by the same `ValidationTask::decide` the local
//! `flowbot validate` uses, and the decision settles the item without a lease (approve → done,
//! reject → business exception) with the `DecisionRecord` as its output, which
//! `validated_invoice` on any agent reads back.

use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use flowbot_agent::validation::{Decision, TaskError, ValidationTask};
use rusqlite::Transaction;

use super::intake::{ItemState, QueueItemRecord, WorkedBy};
use super::queues::{finalize, find, load_item, load_queue};
use super::{StoreError, StoreResult};

pub(super) fn decide(
    transaction: &Transaction<'_>,
    queue: &str,
    reference: &str,
    decision: &Decision,
    now: DateTime<Utc>,
) -> StoreResult<QueueItemRecord> {
    let (spec, _) = load_queue(transaction, queue)?;
    let item = find(transaction, queue, reference)?.ok_or_else(|| StoreError::NotFound {
        kind: "queue item",
        id: format!("{reference:?} in queue {queue}"),
    })?;
    if spec.worked_by != WorkedBy::People {
        return Err(StoreError::Invalid(format!(
            "queue {queue:?} is worked by bots: its items are settled by the bots that take them, \
             not decided by people"
        )));
    }
    if item.state != ItemState::New {
        return Err(StoreError::AlreadyDecided {
            item: item.id,
            reference: reference.to_owned(),
            state: item.state,
        });
    }
    let mut task: ValidationTask =
        serde_json::from_value(item.payload.clone()).map_err(|error| {
            StoreError::Invalid(format!(
                "item {reference:?} of queue {queue} is not a validation task: {error}"
            ))
        })?;
    let at = now.to_rfc3339_opts(SecondsFormat::Millis, true);
    task.decide(Path::new(reference), decision, &at)
        .map_err(|error| match error {
            TaskError::UnknownField { field, .. } => StoreError::UnknownField {
                reference: reference.to_owned(),
                field,
                known: task.fields.keys().cloned().collect(),
            },
            other => StoreError::Invalid(other.to_string()),
        })?;
    let output = serde_json::to_value(task.record())?;
    let (state, reason) = match decision {
        Decision::Approve { .. } => (ItemState::Done, None),
        Decision::Reject { reason, .. } => (ItemState::BusinessException, Some(reason.as_str())),
    };
    finalize(transaction, &item.id, state, Some(&output), reason, now)?;
    load_item(transaction, &item.id)
}
