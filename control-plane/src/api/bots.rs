//! Bots: upload a package as a new immutable version (refused with positions when `flowbot
//! check` finds errors), list, fetch a version, publish or roll back.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use flowbot_agent::check::Checker;
use flowbot_model::wire::BotPackage;
use serde::Deserialize;

use super::{AppError, AppState};
use crate::store::{BotSummary, BotVersion};

pub(super) async fn add_version(
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Result<Json<BotPackage>, JsonRejection>,
) -> Result<(StatusCode, Json<BotVersion>), AppError> {
    let Json(package) = body?;
    let checked = package.clone();
    let diagnostics = tokio::task::spawn_blocking(move || {
        let checker = Checker::new();
        checked
            .files
            .iter()
            .filter(|(path, _)| path.ends_with(".rhai"))
            .flat_map(|(path, text)| checker.check_source(path, text))
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|error| AppError::internal(format!("check task failed: {error}")))?;
    if !diagnostics.is_empty() {
        let lines: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "check_failed",
            format!(
                "the package has {} error(s); nothing was stored: {}",
                lines.len(),
                lines.join("; ")
            ),
        )
        .with_details(serde_json::to_value(&diagnostics).unwrap_or_default()));
    }
    let version = state
        .with_store(move |store| store.add_bot_version(&name, &package, chrono::Utc::now()))
        .await?;
    Ok((StatusCode::CREATED, Json(version)))
}

pub(super) async fn list(State(state): State<AppState>) -> Result<Json<Vec<BotSummary>>, AppError> {
    Ok(Json(state.with_store(|store| store.bots()).await?))
}

pub(super) async fn version(
    State(state): State<AppState>,
    Path((name, version)): Path<(String, u32)>,
) -> Result<Json<BotVersion>, AppError> {
    Ok(Json(
        state
            .with_store(move |store| store.bot_version(&name, version))
            .await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Publish {
    version: u32,
}

pub(super) async fn publish(
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Result<Json<Publish>, JsonRejection>,
) -> Result<Json<BotSummary>, AppError> {
    let Json(publish) = body?;
    Ok(Json(
        state
            .with_store(move |store| store.publish(&name, publish.version))
            .await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Limit {
    /// `null` removes the limit.
    max_concurrent: Option<u32>,
}

/// At most `max_concurrent` of the bot's jobs leased or running at once.
pub(super) async fn limit(
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Result<Json<Limit>, JsonRejection>,
) -> Result<Json<BotSummary>, AppError> {
    let Json(limit) = body?;
    let summary = state
        .with_store(move |store| store.set_bot_limit(&name, limit.max_concurrent))
        .await?;
    // A raised limit may let a waiting job go.
    state.work.anything_changed();
    Ok(Json(summary))
}
