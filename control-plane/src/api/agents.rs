//! The agent protocol: one endpoint that takes an `Envelope<AgentMessage>` and answers an
//! `Envelope<ControlMessage>`, plus the agent list for operators.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, StatusCode};
use flowbot_model::wire::{
    AgentMessage, ControlMessage, Envelope, FoundItem, LeaseRequest, QueueItem,
};
use tokio::time::Instant;

use super::work_signal::Wake;
use super::{AppError, AppState};
use crate::store::AgentRecord;

pub(super) async fn list(
    State(state): State<AppState>,
) -> Result<Json<Vec<AgentRecord>>, AppError> {
    Ok(Json(state.with_store(|store| store.agents()).await?))
}

pub(super) async fn exchange(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<Envelope<AgentMessage>>, JsonRejection>,
) -> Result<Json<Envelope<ControlMessage>>, AppError> {
    state.check_agent_token(&headers)?;
    let Json(envelope) = body?;
    let message = envelope.open().map_err(|mismatch| {
        AppError::new(
            StatusCode::BAD_REQUEST,
            "protocol_mismatch",
            mismatch.to_string(),
        )
    })?;
    let now = chrono::Utc::now;
    let policy = state.policy;
    let answer = match message {
        AgentMessage::Register(registration) => {
            let agent_id = state
                .with_store(move |store| store.register_agent(&registration, now()))
                .await?;
            ControlMessage::Registered { agent_id }
        }
        AgentMessage::RequestLease(request) => lease_or_wait(&state, request).await?,
        AgentMessage::Heartbeat(heartbeat) => ControlMessage::HeartbeatAck(
            state
                .with_store(move |store| store.heartbeat(&heartbeat, now(), &policy))
                .await?,
        ),
        AgentMessage::StepEvents(batch) => {
            let lease_id = batch.lease_id.clone();
            match state
                .with_store(move |store| store.append_events(&batch, now()))
                .await
            {
                Ok(()) => ControlMessage::Accepted,
                Err(error) if error.is_lease_lost() => ControlMessage::LeaseLost { lease_id },
                Err(error) => return Err(error),
            }
        }
        AgentMessage::Result(result) => {
            let lease_id = result.lease_id.clone();
            match state
                .with_store(move |store| store.finish(&result, now(), &policy))
                .await
            {
                Ok(_) => {
                    // A system failure may have requeued the job, or the bot's concurrency
                    // limit may now let another of its jobs go.
                    state.work.jobs_ready(1);
                    ControlMessage::Accepted
                }
                Err(error) if error.is_lease_lost() => ControlMessage::LeaseLost { lease_id },
                Err(error) => return Err(error),
            }
        }
        AgentMessage::QueueTake(take) => {
            let lease_id = take.lease_id.clone();
            match state
                .with_store(move |store| store.take_item(&take.lease_id, &take.queue, now()))
                .await
            {
                Ok(item) => ControlMessage::QueueItem { item },
                Err(error) if error.is_lease_lost() => ControlMessage::LeaseLost { lease_id },
                Err(error) => return Err(error),
            }
        }
        AgentMessage::QueueSettle(settle) => {
            let lease_id = settle.lease_id.clone();
            match state
                .with_store(move |store| {
                    store.settle_item(&settle.lease_id, &settle.item_id, &settle.outcome, now())
                })
                .await
            {
                Ok(_) => ControlMessage::Accepted,
                Err(error) if error.is_lease_lost() => ControlMessage::LeaseLost { lease_id },
                Err(error) => return Err(error),
            }
        }
        AgentMessage::QueueAdd(add) => {
            let lease_id = add.lease_id.clone();
            match state
                .with_store(move |store| {
                    store.add_item(&add.queue, add.item, Some(&add.lease_id), now())
                })
                .await
            {
                Ok(added) => {
                    state.work.jobs_ready(added.jobs.len());
                    ControlMessage::QueueItemAdded {
                        item_id: added.item.id,
                        duplicate: added.duplicate,
                    }
                }
                Err(error) if error.is_lease_lost() => ControlMessage::LeaseLost { lease_id },
                Err(error) => return Err(error),
            }
        }
        AgentMessage::QueueFind(find) => {
            let lease_id = find.lease_id.clone();
            match state
                .with_store(move |store| {
                    store.find_item(&find.queue, &find.reference, Some(&find.lease_id), now())
                })
                .await
            {
                Ok(item) => ControlMessage::QueueItemFound {
                    item: item.map(|item| FoundItem {
                        item: QueueItem {
                            id: item.id,
                            queue: item.queue,
                            reference: item.reference,
                            payload: item.payload,
                            priority: item.priority,
                            deadline: item.deadline,
                            attempt: item.attempt,
                        },
                        state: item.state,
                        output: item.output,
                        error: item.error,
                    }),
                },
                Err(error) if error.is_lease_lost() => ControlMessage::LeaseLost { lease_id },
                Err(error) => return Err(error),
            }
        }
    };
    Ok(Json(Envelope::new(answer)))
}

/// Long poll: lease at once if a job is ready, else wait until one may be or the poll ends.
async fn lease_or_wait(
    state: &AppState,
    request: LeaseRequest,
) -> Result<ControlMessage, AppError> {
    if request.free_slots == 0 {
        return Ok(ControlMessage::NoWork);
    }
    let deadline = Instant::now() + state.long_poll;
    // The first look is not a wake: finding nothing then wakes nobody.
    let mut woken = Wake::All;
    loop {
        let agent = request.agent_id.clone();
        let policy = state.policy;
        let look =
            || state.with_store(move |store| store.lease_next(&agent, chrono::Utc::now(), &policy));
        match state.work.look_then_wait(woken, deadline, look).await? {
            Ok(lease) => return Ok(ControlMessage::Lease(lease)),
            Err(Wake::Deadline) => return Ok(ControlMessage::NoWork),
            Err(wake) => woken = wake,
        }
    }
}

impl AppError {
    fn is_lease_lost(&self) -> bool {
        self.code == "lease_lost"
    }
}
