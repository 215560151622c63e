//! Triggers: create, list, delete, and the webhook endpoint callers post to.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};

use super::{AppError, AppState};
use crate::store::{CreatedTrigger, Firing, NewTrigger, TriggerRecord};

pub(super) async fn create(
    State(state): State<AppState>,
    body: Result<Json<NewTrigger>, JsonRejection>,
) -> Result<(StatusCode, Json<CreatedTrigger>), AppError> {
    let Json(trigger) = body?;
    let created = state
        .with_store(move |store| store.create_trigger(trigger, chrono::Utc::now()))
        .await?;
    // A queue trigger over a queue that already has items starts its jobs at once.
    state.work.anything_changed();
    state.triggers_changed.notify_waiters();
    Ok((StatusCode::CREATED, Json(created)))
}

pub(super) async fn list(
    State(state): State<AppState>,
) -> Result<Json<Vec<TriggerRecord>>, AppError> {
    Ok(Json(state.with_store(|store| store.triggers()).await?))
}

pub(super) async fn delete(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<StatusCode, AppError> {
    state
        .with_store(move |store| store.delete_trigger(&name))
        .await?;
    state.triggers_changed.notify_waiters();
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/hooks/<name>`: the secret in `X-Flowbot-Secret`, an optional
/// `Idempotency-Key` so a retried delivery starts one job, and any JSON body (or none).
pub(super) async fn call(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Firing>), AppError> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let secret = header("x-flowbot-secret").unwrap_or_default();
    let delivery = header("idempotency-key");
    let payload = if body.iter().all(u8::is_ascii_whitespace) {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&body).map_err(|error| {
            AppError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("webhook body is not JSON: {error}"),
            )
        })?
    };
    let firing = state
        .with_store(move |store| {
            store.fire_webhook(
                &name,
                &secret,
                delivery.as_deref(),
                payload,
                chrono::Utc::now(),
            )
        })
        .await?;
    // A repeated delivery queued nothing new.
    state.work.jobs_ready(usize::from(!firing.duplicate));
    let status = if firing.duplicate {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    Ok((status, Json(firing)))
}
