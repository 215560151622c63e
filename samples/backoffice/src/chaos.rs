//! Deliberate misbehaviour, so bots are tested against slow and flaky back offices.
//!
//! Every page waits a random time within [`crate::Options::latency`]. A request picked by
//! [`crate::Options::failure_rate`] is answered with HTTP 500; for a form submission the failure
//! comes half the time *after* the handler ran, as when a save succeeds but the response is
//! lost. That is the case that makes re-submitting blindly create duplicates, and the reason
//! bots must check before they create.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use crate::{AppState, html};

pub(crate) async fn misbehave(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let latency = &state.options.latency;
    let delay = if latency.start() == latency.end() {
        *latency.start()
    } else {
        fastrand::u64(latency.clone())
    };
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let fails = state.options.failure_rate > 0.0 && fastrand::f64() < state.options.failure_rate;
    if !fails {
        return next.run(request).await;
    }
    let after_handler = request.method() == Method::POST && fastrand::bool();
    if after_handler {
        let _lost = next.run(request).await;
        tracing::info!("chaos: answered 500 after the handler ran");
    } else {
        tracing::info!("chaos: answered 500 before the handler ran");
    }
    let body = "<h1>500</h1><p class=\"error\" role=\"alert\">Internal Server Error: the back office is having a bad day. Please try again.</p>";
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Html(html::page("Server error", None, body)),
    )
        .into_response()
}
