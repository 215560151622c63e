//! Work queues: create and list queues, add and list items, find one by reference. Bots take
//! and settle items through the agent protocol, so an item is always held by a lease; the items
//! of a queue worked by people (document validation) are decided here instead.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use flowbot_agent::validation::Decision;
use flowbot_model::wire::NewQueueItem;
use serde::Deserialize;

use super::{AppError, AppState};
use crate::store::{AddedItem, ItemFilter, ItemState, NewQueue, QueueItemRecord, QueueSummary};

pub(super) async fn create(
    State(state): State<AppState>,
    body: Result<Json<NewQueue>, JsonRejection>,
) -> Result<(StatusCode, Json<QueueSummary>), AppError> {
    let Json(queue) = body?;
    let summary = state
        .with_store(move |store| store.create_queue(queue, chrono::Utc::now()))
        .await?;
    Ok((StatusCode::CREATED, Json(summary)))
}

pub(super) async fn list(
    State(state): State<AppState>,
) -> Result<Json<Vec<QueueSummary>>, AppError> {
    Ok(Json(
        state
            .with_store(|store| store.queues(chrono::Utc::now()))
            .await?,
    ))
}

pub(super) async fn show(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<QueueSummary>, AppError> {
    Ok(Json(
        state
            .with_store(move |store| store.queue(&name, chrono::Utc::now()))
            .await?,
    ))
}

/// 201 for a new item, 200 with `duplicate: true` when its reference was already queued.
pub(super) async fn add_item(
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Result<Json<NewQueueItem>, JsonRejection>,
) -> Result<(StatusCode, Json<AddedItem>), AppError> {
    let Json(item) = body?;
    let added = state
        .with_store(move |store| store.add_item(&name, item, None, chrono::Utc::now()))
        .await?;
    state.work.jobs_ready(added.jobs.len());
    let status = if added.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(added)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ItemQuery {
    state: Option<String>,
    limit: Option<u32>,
}

pub(super) async fn items(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(query): Query<ItemQuery>,
) -> Result<Json<Vec<QueueItemRecord>>, AppError> {
    let item_state = query
        .state
        .as_deref()
        .map(|text| {
            ItemState::parse(text).ok_or_else(|| {
                AppError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    format!("unknown item state {text:?}: use new, in_progress, done, business_exception or failed"),
                )
            })
        })
        .transpose()?;
    let filter = ItemFilter {
        state: item_state,
        limit: query.limit,
    };
    Ok(Json(
        state
            .with_store(move |store| store.items(&name, &filter))
            .await?,
    ))
}

pub(super) async fn item(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<QueueItemRecord>, AppError> {
    Ok(Json(state.with_store(move |store| store.item(&id)).await?))
}

pub(super) async fn item_by_reference(
    State(state): State<AppState>,
    Path((queue, reference)): Path<(String, String)>,
) -> Result<Json<QueueItemRecord>, AppError> {
    let found = {
        let (queue, reference) = (queue.clone(), reference.clone());
        state
            .with_store(move |store| store.find_item(&queue, &reference, None, chrono::Utc::now()))
            .await?
    };
    found.map(Json).ok_or_else(|| {
        AppError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no item {reference:?} in queue {queue}"),
        )
    })
}

/// A person's decision on a validation item: `{"decision": "approve", "corrections": {field:
/// value}, "by": who}` or `{"decision": "reject", "reason": why, "by": who}`. Answers the
/// settled item; 409 `already_decided` for a second decision, 400 `unknown_field` (with the
/// task's fields in `details.known`) for a correction of a field the task does not have.
pub(super) async fn decide(
    State(state): State<AppState>,
    Path((queue, reference)): Path<(String, String)>,
    body: Result<Json<Decision>, JsonRejection>,
) -> Result<Json<QueueItemRecord>, AppError> {
    let Json(decision) = body?;
    Ok(Json(
        state
            .with_store(move |store| {
                store.decide_item(&queue, &reference, &decision, chrono::Utc::now())
            })
            .await?,
    ))
}
