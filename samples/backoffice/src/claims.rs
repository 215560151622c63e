//! The claims search: a filter form and a paginated table, the kind of list bots page through.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::AppState;
use crate::auth::Session;
use crate::error::AppError;
use crate::html::{self, escape};
use crate::store::{self, CLAIM_STATUSES, ClaimQuery};

pub const CLAIMS_PER_PAGE: usize = 20;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/claims", get(search))
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
    status: Option<String>,
    page: Option<usize>,
}

/// `12345` cents as `123.45`.
fn money(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

async fn search(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let filter = ClaimQuery {
        text: query.q.unwrap_or_default(),
        status: query.status.unwrap_or_default(),
    };
    let page = query.page.unwrap_or(1).max(1);
    let wanted = filter.clone();
    let (claims, total) = state
        .store
        .call(move |connection| store::search_claims(connection, &wanted, page, CLAIMS_PER_PAGE))
        .await?;
    let pages = total.div_ceil(CLAIMS_PER_PAGE).max(1);
    let rows: String = claims
        .iter()
        .map(|claim| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"amount\">{}</td></tr>",
                escape(&claim.claim_no),
                escape(&claim.customer),
                escape(&claim.policy),
                escape(&claim.filed),
                escape(&claim.status),
                money(claim.amount_cents)
            )
        })
        .collect();
    let link = |to: usize| {
        format!(
            "/claims?q={}&status={}&page={to}",
            encode(&filter.text),
            encode(&filter.status)
        )
    };
    let previous = if page > 1 {
        format!(
            r#"<a href="{}" rel="prev" id="previous">Previous</a>"#,
            escape(&link(page - 1))
        )
    } else {
        String::new()
    };
    let next = if page < pages {
        format!(
            r#"<a href="{}" rel="next" id="next">Next</a>"#,
            escape(&link(page + 1))
        )
    } else {
        String::new()
    };
    let statuses: Vec<(&str, &str)> = CLAIM_STATUSES.iter().map(|s| (*s, *s)).collect();
    let body = format!(
        r#"<h1>Claims</h1>
<form method="get" action="/claims" role="search">
<label for="q">Claim or customer</label><input id="q" name="q" value="{q}">
<label for="status">Status</label><select id="status" name="status">{status_options}</select>
<button type="submit" id="search">Search</button></form>
<p id="summary">{total} claims · page <span id="page">{page}</span> of <span id="pages">{pages}</span></p>
<table id="claims"><thead><tr><th>Claim</th><th>Customer</th><th>Policy</th><th>Filed</th><th>Status</th><th>Amount</th></tr></thead>
<tbody>{rows}</tbody></table>
<nav aria-label="pagination">{previous} {next}</nav>"#,
        q = escape(&filter.text),
        status_options = html::options(&statuses, &filter.status),
    );
    Ok(Html(html::page("Claims", Some(&session), &body)).into_response())
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
                (byte as char).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}
