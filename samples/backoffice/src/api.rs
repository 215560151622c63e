//! JSON read-back of what was saved, for tests only: mounted only with `--expose-data`, outside
//! the latency and failure layer, and without a session (it is not part of the app bots use).

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};

use crate::AppState;
use crate::error::AppError;
use crate::store::{self, Record};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/{table}", get(table))
}

async fn table(
    State(state): State<AppState>,
    Path(table): Path<String>,
) -> Result<Json<Vec<Record>>, AppError> {
    // Only these names reach SQL; anything else is a 404.
    let table: &'static str = match table.as_str() {
        "customers" => "customers",
        "invoices" => "invoices",
        "contacts" => "contacts",
        "claims" => "claims",
        _ => return Err(AppError::NotFound),
    };
    let rows = state
        .store
        .call(move |connection| store::all_rows(connection, table))
        .await?;
    Ok(Json(rows))
}
