//! The app's errors and the one place they become HTTP responses.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::html;

/// A database failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("database worker stopped: {0}")]
    Worker(String),
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AppError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the form's security token is missing or stale; reload the page and try again")]
    Csrf,
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = match &self {
            AppError::Store(error) => {
                tracing::error!(%error, "store failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
            AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
        };
        let body = format!(
            "<h1>{}</h1><p class=\"error\" role=\"alert\">{}</p>",
            status.as_u16(),
            html::escape(&self.to_string())
        );
        (status, Html(html::page("Error", None, &body))).into_response()
    }
}
