//! The HTTP API: JSON under `/api/v1`, every error as `{"error": {"code", "message"}}`.

mod agents;
mod artifacts;
mod bots;
mod jobs;
mod queues;
mod schedules;
mod triggers;
mod work_signal;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use tokio::sync::Notify;

use crate::store::{LeasePolicy, Store, StoreError};

/// Requests larger than this are refused with 413 before they reach a handler.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub policy: LeasePolicy,
    /// How long an agent's lease request waits for work before answering `no_work`.
    pub long_poll: Duration,
    /// Wakes agents' long polls when jobs may have become leasable.
    pub(crate) work: Arc<work_signal::WorkSignal>,
    /// Woken when a trigger is created or deleted, so file watchers follow at once.
    pub(crate) triggers_changed: Arc<Notify>,
    /// When set, agents must present it (`Authorization: Bearer …`) on the agent protocol.
    agent_token: Option<Arc<str>>,
    /// Where uploaded artifacts are kept (`<job>/<name>`); none: uploads are refused.
    pub artifact_dir: Option<std::path::PathBuf>,
    /// Step events and artifacts of jobs that ended longer ago than this are purged.
    pub retain: Option<Duration>,
    /// A schedule's fire time older than this when the sweeper sees it (after downtime) counts
    /// as missed, and the schedule's missed-run policy decides.
    pub schedule_grace: Duration,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, policy: LeasePolicy) -> Self {
        Self {
            store,
            policy,
            long_poll: Duration::from_secs(20),
            work: Arc::default(),
            triggers_changed: Arc::new(Notify::new()),
            agent_token: None,
            artifact_dir: None,
            retain: None,
            schedule_grace: Duration::from_secs(60),
        }
    }

    /// Require agents to present `token`.
    pub fn with_agent_token(mut self, token: Option<String>) -> Self {
        self.agent_token = token.filter(|token| !token.is_empty()).map(Arc::from);
        self
    }

    /// Refuse an agent request without the configured token.
    pub(crate) fn check_agent_token(
        &self,
        headers: &axum::http::HeaderMap,
    ) -> Result<(), AppError> {
        let Some(expected) = &self.agent_token else {
            return Ok(());
        };
        let presented = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .unwrap_or_default();
        if crate::secret::constant_time_eq(presented, expected) {
            Ok(())
        } else {
            Err(AppError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "this control plane requires an agent token: start the agent with --token or FLOWBOT_AGENT_TOKEN",
            ))
        }
    }

    /// Run blocking store work off the async threads.
    pub(crate) async fn with_store<T: Send + 'static>(
        &self,
        work: impl FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, AppError> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || work(store.as_ref()))
            .await
            .map_err(|error| AppError::internal(format!("store task failed: {error}")))?
            .map_err(AppError::from)
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/api/v1/health",
            get(|| async { Json(serde_json::json!({"status": "ok"})) }),
        )
        .route("/api/v1/jobs", post(jobs::create).get(jobs::list))
        .route("/api/v1/jobs/{id}", get(jobs::show))
        .route("/api/v1/jobs/{id}/cancel", post(jobs::cancel))
        .route("/api/v1/jobs/{id}/events", get(jobs::events))
        .route("/api/v1/jobs/{id}/logs", get(jobs::logs))
        .route("/api/v1/history/events", get(jobs::history))
        .route("/api/v1/bots", get(bots::list))
        .route("/api/v1/bots/{name}/versions", post(bots::add_version))
        .route("/api/v1/bots/{name}/versions/{version}", get(bots::version))
        .route("/api/v1/bots/{name}/publish", post(bots::publish))
        .route("/api/v1/bots/{name}/limit", put(bots::limit))
        .route("/api/v1/queues", post(queues::create).get(queues::list))
        .route("/api/v1/queues/{name}", get(queues::show))
        .route(
            "/api/v1/queues/{name}/items",
            post(queues::add_item).get(queues::items),
        )
        .route(
            "/api/v1/queues/{name}/items/{reference}",
            get(queues::item_by_reference),
        )
        .route(
            "/api/v1/queues/{name}/items/{reference}/decision",
            post(queues::decide),
        )
        .route("/api/v1/items/{id}", get(queues::item))
        .route(
            "/api/v1/triggers",
            post(triggers::create).get(triggers::list),
        )
        .route(
            "/api/v1/triggers/{name}",
            axum::routing::delete(triggers::delete),
        )
        .route("/api/v1/hooks/{name}", post(triggers::call))
        .route(
            "/api/v1/schedules",
            post(schedules::create).get(schedules::list),
        )
        .route(
            "/api/v1/schedules/{id}",
            axum::routing::delete(schedules::delete),
        )
        .route("/api/v1/agents", get(agents::list))
        .route("/api/v1/agent", post(agents::exchange))
        .route(
            "/api/v1/agent/artifacts/{lease}/{*name}",
            put(artifacts::upload).layer(DefaultBodyLimit::max(artifacts::MAX_ARTIFACT_BYTES)),
        )
        .route("/api/v1/jobs/{id}/artifacts", get(artifacts::list))
        .route(
            "/api/v1/jobs/{id}/artifacts/{*name}",
            get(artifacts::download),
        )
        .fallback(|| async {
            AppError::new(StatusCode::NOT_FOUND, "not_found", "no such API route")
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// The one error shape of the API.
#[derive(Debug)]
pub struct AppError {
    status: StatusCode,
    code: &'static str,
    message: String,
    /// Machine-readable specifics, such as check diagnostics with positions.
    details: Option<serde_json::Value>,
}

impl AppError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: None,
        }
    }

    pub(crate) fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }

    pub(crate) fn internal(message: String) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        if let StoreError::UnknownField { field, known, .. } = &error {
            let details = serde_json::json!({ "field": field, "known": known });
            return Self::new(StatusCode::BAD_REQUEST, "unknown_field", error.to_string())
                .with_details(details);
        }
        let (status, code) = match &error {
            StoreError::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
            StoreError::LeaseLost(_) => (StatusCode::CONFLICT, "lease_lost"),
            StoreError::AlreadyFinal { .. } => (StatusCode::CONFLICT, "already_final"),
            StoreError::AlreadyDecided { .. } => (StatusCode::CONFLICT, "already_decided"),
            StoreError::UnknownField { .. } => (StatusCode::BAD_REQUEST, "unknown_field"),
            StoreError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            StoreError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            StoreError::Database(_) | StoreError::Corrupt(_) => {
                tracing::error!(%error, "store failure");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        };
        Self::new(status, code, error.to_string())
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        let status = rejection.status();
        let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "payload_too_large"
        } else {
            "bad_request"
        };
        Self::new(status, code, rejection.body_text())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut error = serde_json::json!({"code": self.code, "message": self.message});
        if let Some(details) = self.details {
            error["details"] = details;
        }
        let body = serde_json::json!({ "error": error });
        (self.status, Json(body)).into_response()
    }
}
