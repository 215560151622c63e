//! Jobs: create, list, show, cancel, and read a job's step events.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use flowbot_model::{Event, JobId};
use serde::Deserialize;

use super::{AppError, AppState};
use crate::store::{JobFilter, JobRecord, JobState, NewJob};

pub(super) async fn create(
    State(state): State<AppState>,
    body: Result<Json<NewJob>, JsonRejection>,
) -> Result<(StatusCode, Json<JobRecord>), AppError> {
    let Json(job) = body?;
    let record = state
        .with_store(move |store| store.enqueue(job, chrono::Utc::now()))
        .await?;
    state.work_available.notify_waiters();
    Ok((StatusCode::CREATED, Json(record)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    state: Option<String>,
    bot: Option<String>,
    /// RFC 3339, e.g. 2026-11-28T00:00:00Z.
    since: Option<chrono::DateTime<chrono::Utc>>,
    limit: Option<u32>,
}

pub(super) async fn list(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Result<Json<Vec<JobRecord>>, AppError> {
    let job_state = query
        .state
        .as_deref()
        .map(|text| {
            JobState::parse(text).ok_or_else(|| {
                AppError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    format!("unknown job state {text:?}: use queued, leased, running, succeeded, failed, cancelled or timed_out"),
                )
            })
        })
        .transpose()?;
    let filter = JobFilter {
        state: job_state,
        bot: query.bot,
        since: query.since,
        limit: query.limit,
    };
    Ok(Json(
        state.with_store(move |store| store.jobs(&filter)).await?,
    ))
}

pub(super) async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<JobRecord>, AppError> {
    Ok(Json(
        state.with_store(move |store| store.job(&JobId(id))).await?,
    ))
}

pub(super) async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<JobRecord>, AppError> {
    Ok(Json(
        state
            .with_store(move |store| store.cancel(&JobId(id), chrono::Utc::now()))
            .await?,
    ))
}

pub(super) async fn events(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<Event>>, AppError> {
    Ok(Json(
        state
            .with_store(move |store| store.job_events(&JobId(id)))
            .await?,
    ))
}
