//! Sign-in: a password, a CSRF token in every form, and sessions that time out when unused.
//!
//! The login form itself carries a token too: visiting `/login` starts an anonymous session
//! whose token the form must echo, so a bot has to load the page before it can sign in, as
//! with most real back offices.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, Query, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::error::AppError;
use crate::{AppState, USER, html};

const COOKIE_NAME: &str = "bo_session";

struct Entry {
    user: Option<String>,
    csrf: String,
    last_seen: Instant,
}

/// Every live session, by token.
pub(crate) struct Sessions {
    timeout: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

/// How a session lookup came out.
enum Lookup {
    Signed(Session),
    Anonymous { token: String, csrf: String },
    Expired,
    Missing,
}

impl Sessions {
    pub(crate) fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // A panic elsewhere while holding the lock leaves the map itself intact.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Finds the session for `token` and marks it used.
    fn lookup(&self, token: Option<&str>) -> Lookup {
        let Some(token) = token else {
            return Lookup::Missing;
        };
        let mut entries = self.lock();
        let now = Instant::now();
        let Some(entry) = entries.get_mut(token) else {
            return Lookup::Missing;
        };
        if now.duration_since(entry.last_seen) > self.timeout {
            entries.remove(token);
            return Lookup::Expired;
        }
        entry.last_seen = now;
        match &entry.user {
            Some(user) => Lookup::Signed(Session {
                user: user.clone(),
                csrf: entry.csrf.clone(),
            }),
            None => Lookup::Anonymous {
                token: token.to_owned(),
                csrf: entry.csrf.clone(),
            },
        }
    }

    /// A new session; returns its token and CSRF token.
    fn start(&self, user: Option<String>) -> (String, String) {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let csrf = uuid::Uuid::new_v4().simple().to_string();
        let mut entries = self.lock();
        // Forget long-dead sessions so a bot that never signs out cannot grow the map forever.
        let timeout = self.timeout;
        entries.retain(|_, entry| entry.last_seen.elapsed() <= timeout);
        entries.insert(
            token.clone(),
            Entry {
                user,
                csrf: csrf.clone(),
                last_seen: Instant::now(),
            },
        );
        (token, csrf)
    }

    fn end(&self, token: &str) {
        self.lock().remove(token);
    }
}

/// A signed-in user, taken from the session cookie. Pages that need one redirect to the
/// login page without it.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) user: String,
    pub(crate) csrf: String,
}

impl Session {
    /// Refuses a form whose CSRF token is not this session's.
    pub(crate) fn check_csrf(&self, sent: Option<&str>) -> Result<(), AppError> {
        if sent == Some(self.csrf.as_str()) {
            Ok(())
        } else {
            Err(AppError::Csrf)
        }
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let token = session_token(&parts.headers);
        match state.sessions.lookup(token.as_deref()) {
            Lookup::Signed(session) => Ok(session),
            Lookup::Expired => Err(Redirect::to("/login?expired=1").into_response()),
            Lookup::Anonymous { .. } | Lookup::Missing => {
                Err(Redirect::to("/login").into_response())
            }
        }
    }
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_owned())
}

fn cookie(token: &str) -> String {
    format!("{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Lax")
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
}

#[derive(Deserialize)]
struct LoginQuery {
    expired: Option<String>,
}

async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<LoginQuery>,
) -> Response {
    let token = session_token(&headers);
    let (token, csrf) = match state.sessions.lookup(token.as_deref()) {
        Lookup::Anonymous { token, csrf } => (token, csrf),
        Lookup::Signed(_) => return Redirect::to("/").into_response(),
        Lookup::Expired | Lookup::Missing => state.sessions.start(None),
    };
    let notice = if query.expired.is_some() {
        r#"<p class="error" role="alert" id="notice">Your session expired. Please sign in again.</p>"#
    } else {
        ""
    };
    login_form(&token, &csrf, notice, StatusCode::OK)
}

fn login_form(token: &str, csrf: &str, notice: &str, status: StatusCode) -> Response {
    let body = format!(
        r#"<h1>Sign in</h1>{notice}
<form method="post" action="/login">
<input type="hidden" name="csrf" value="{csrf}">
<div class="field"><label for="username">User name</label><input id="username" name="username" autocomplete="username"></div>
<div class="field"><label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password"></div>
<button type="submit" id="sign-in">Sign in</button>
</form>"#,
        csrf = html::escape(csrf)
    );
    (
        status,
        [(SET_COOKIE, cookie(token))],
        Html(html::page("Sign in", None, &body)),
    )
        .into_response()
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    csrf: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let token = session_token(&headers);
    let (token, csrf) = match state.sessions.lookup(token.as_deref()) {
        Lookup::Anonymous { token, csrf } => (token, csrf),
        _ => return Err(AppError::Csrf),
    };
    if form.csrf.as_deref() != Some(csrf.as_str()) {
        return Err(AppError::Csrf);
    }
    if form.username != USER || form.password != state.options.password {
        let notice =
            r#"<p class="error" role="alert" id="notice">Wrong user name or password.</p>"#;
        return Ok(login_form(&token, &csrf, notice, StatusCode::UNAUTHORIZED));
    }
    // A fresh token on sign-in, so a token seen before signing in is worth nothing after.
    state.sessions.end(&token);
    let (token, _) = state.sessions.start(Some(form.username));
    Ok(([(SET_COOKIE, cookie(&token))], Redirect::to("/")).into_response())
}

#[derive(Deserialize)]
struct LogoutForm {
    csrf: Option<String>,
}

async fn logout(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Result<Response, AppError> {
    session.check_csrf(form.csrf.as_deref())?;
    if let Some(token) = session_token(&headers) {
        state.sessions.end(&token);
    }
    Ok(Redirect::to("/login").into_response())
}
