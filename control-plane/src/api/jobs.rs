//! Jobs: create, list, show, cancel, and read a job's step events and run log.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use flowbot_model::wire::LogLevel;
use flowbot_model::{Event, JobId};
use serde::Deserialize;

use super::{AppError, AppState};
use crate::store::{JobFilter, JobRecord, JobState, LogRecord, NewJob};

pub(super) async fn create(
    State(state): State<AppState>,
    body: Result<Json<NewJob>, JsonRejection>,
) -> Result<(StatusCode, Json<JobRecord>), AppError> {
    let Json(job) = body?;
    let record = state
        .with_store(move |store| store.enqueue(job, chrono::Utc::now()))
        .await?;
    state.work.jobs_ready(1);
    Ok((StatusCode::CREATED, Json(record)))
}

/// Run history as JSON lines of events (`application/x-ndjson`), for `flowbot mine URL` and
/// export: the step events of the jobs the query selects (default: the newest 10 000).
pub(super) async fn history(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let mut filter = query.into_filter()?;
    filter.limit = Some(filter.limit.unwrap_or(10_000));
    let events = state
        .with_store(move |store| store.history(&filter))
        .await?;
    let mut body = Vec::with_capacity(events.len() * 256);
    for event in &events {
        serde_json::to_writer(&mut body, event)
            .map_err(|error| AppError::internal(error.to_string()))?;
        body.push(b'\n');
    }
    Ok(([(CONTENT_TYPE, "application/x-ndjson")], body).into_response())
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

impl ListQuery {
    fn into_filter(self) -> Result<JobFilter, AppError> {
        let job_state = self
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
            bot: self.bot,
            since: self.since,
            limit: self.limit,
        };
        Ok(filter)
    }
}

pub(super) async fn list(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Result<Json<Vec<JobRecord>>, AppError> {
    let filter = query.into_filter()?;
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LogQuery {
    /// The least level shown: debug, step, info, warn or error.
    level: Option<String>,
}

/// A job's run log, every attempt, in order; `?level=warn` keeps warnings and errors.
pub(super) async fn logs(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<LogQuery>,
) -> Result<Json<Vec<LogRecord>>, AppError> {
    let min_level = query
        .level
        .as_deref()
        .map(|text| {
            LogLevel::parse(text).ok_or_else(|| {
                AppError::new(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    format!("unknown log level {text:?}: use debug, step, info, warn or error"),
                )
            })
        })
        .transpose()?;
    Ok(Json(
        state
            .with_store(move |store| store.job_logs(&JobId(id), min_level))
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
