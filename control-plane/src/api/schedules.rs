//! Schedules: create (cron + zone + business calendar + missed-run policy), list, delete.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::{AppError, AppState};
use crate::store::{NewSchedule, ScheduleRecord};

pub(super) async fn create(
    State(state): State<AppState>,
    body: Result<Json<NewSchedule>, JsonRejection>,
) -> Result<(StatusCode, Json<ScheduleRecord>), AppError> {
    let Json(schedule) = body?;
    let record = state
        .with_store(move |store| store.create_schedule(schedule, chrono::Utc::now()))
        .await?;
    Ok((StatusCode::CREATED, Json(record)))
}

pub(super) async fn list(
    State(state): State<AppState>,
) -> Result<Json<Vec<ScheduleRecord>>, AppError> {
    Ok(Json(state.with_store(|store| store.schedules()).await?))
}

pub(super) async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    state
        .with_store(move |store| store.delete_schedule(&id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
