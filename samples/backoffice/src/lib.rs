//! A sample back-office web app for browser bots to work against: login with a CSRF token and a
//! session timeout, a customer onboarding form, an invoice entry form, a paginated claims
//! search and a contact form whose layout shuffles on every load. Pages are plain
//! server-rendered HTML over a SQLite file, like the legacy systems bots are written for.
//!
//! Robustness is tested by making the app misbehave on purpose: [`Options::latency`] delays
//! every page and [`Options::failure_rate`] answers some requests with HTTP 500 (see
//! [`chaos`]). The JSON read-back under `/api/` exists only with [`Options::expose_data`], so a
//! test can compare what was saved without the bot being able to cheat through it.

mod api;
mod auth;
mod chaos;
mod claims;
mod contact;
mod customers;
mod error;
mod html;
mod invoices;
mod store;

use std::future::Future;
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;

pub use claims::CLAIMS_PER_PAGE;
pub use error::StoreError;
use store::Store;
pub use store::{CUSTOMER_FIELDS, SEEDED_CLAIMS};

/// The user the app knows; the password comes from [`Options::password`].
pub const USER: &str = "clerk";

/// How the app behaves. `Default` is a well-behaved app on an in-memory database.
#[derive(Debug, Clone)]
pub struct Options {
    /// The SQLite file; `None` keeps everything in memory (tests).
    pub db: Option<PathBuf>,
    pub password: String,
    /// A session unused for this long is logged out.
    pub session_timeout: Duration,
    /// Every page waits a random time in this range (milliseconds) before answering.
    pub latency: RangeInclusive<u64>,
    /// The share of requests (0.0–1.0) answered with HTTP 500.
    pub failure_rate: f64,
    /// Serve the JSON read-back endpoints under `/api/` (tests only).
    pub expose_data: bool,
    /// Customers (field → value, keys of [`CUSTOMER_FIELDS`]) that exist from the start when
    /// their reference is new: the counterparties a test or demo books invoices against.
    pub seed_customers: Vec<std::collections::BTreeMap<String, String>>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            db: None,
            password: "flowbot".to_owned(),
            session_timeout: Duration::from_secs(15 * 60),
            latency: 0..=0,
            failure_rate: 0.0,
            expose_data: false,
            seed_customers: Vec::new(),
        }
    }
}

/// Parses `MIN-MAX` (milliseconds, e.g. `0-2000`) or a single number.
pub fn parse_latency(text: &str) -> Result<RangeInclusive<u64>, String> {
    let number = |part: &str| {
        part.trim()
            .parse::<u64>()
            .map_err(|_| format!("latency `{text}` is not MIN-MAX in milliseconds"))
    };
    let (min, max) = match text.split_once('-') {
        Some((min, max)) => (number(min)?, number(max)?),
        None => (number(text)?, number(text)?),
    };
    if min > max {
        return Err(format!(
            "latency `{text}`: the minimum is above the maximum"
        ));
    }
    Ok(min..=max)
}

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) store: Store,
    pub(crate) sessions: Arc<auth::Sessions>,
    pub(crate) options: Arc<Options>,
}

/// Opens the database (creating and seeding it on first use) and builds the app's state.
fn state(options: Options) -> Result<AppState, StoreError> {
    let store = Store::open(options.db.as_deref())?;
    store.seed_customers(&options.seed_customers)?;
    Ok(AppState {
        store,
        sessions: Arc::new(auth::Sessions::new(options.session_timeout)),
        options: Arc::new(options),
    })
}

/// Every route of the app.
fn router(state: AppState) -> Router {
    let pages = Router::new()
        .route("/", get(home))
        .merge(auth::routes())
        .merge(customers::routes())
        .merge(invoices::routes())
        .merge(claims::routes())
        .merge(contact::routes())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            chaos::misbehave,
        ));
    let mut app = pages;
    if state.options.expose_data {
        // Outside the chaos layer: the test's read-back must not fail the way the bot's pages do.
        app = app.merge(api::routes());
    }
    app.route("/health", get(|| async { "ok" }))
        // Uploads up to 5 MB are accepted and checked; the body limit sits a little above.
        .layer(DefaultBodyLimit::max(6 * 1024 * 1024))
        .with_state(state)
}

/// Serves the app on a bound listener until `shutdown` resolves (tests bind port 0).
pub async fn serve(
    listener: TcpListener,
    options: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let state = state(options)?;
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(ServeError::Io)
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("serving: {0}")]
    Io(std::io::Error),
}

async fn home(session: auth::Session) -> Response {
    let body = format!(
        r#"<h1>Back office</h1>
<p id="welcome">Signed in as {user}.</p>
<ul class="menu">
<li><a href="/customers/new">New customer</a></li>
<li><a href="/customers">Customers</a></li>
<li><a href="/invoices/new">New invoice</a></li>
<li><a href="/claims">Claims</a></li>
<li><a href="/contact">Quick contact</a></li>
</ul>"#,
        user = html::escape(&session.user)
    );
    Html(html::page("Back office", Some(&session), &body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::parse_latency;

    #[test]
    fn latency_ranges_parse_and_bad_ones_are_refused() {
        assert_eq!(parse_latency("0-2000").unwrap(), 0..=2000);
        assert_eq!(parse_latency("150").unwrap(), 150..=150);
        assert!(parse_latency("2000-10").is_err());
        assert!(parse_latency("fast").is_err());
    }
}
