//! A quick-contact form whose layout changes on every load: the field order, the element ids
//! and the way each label is attached (`for=`, a wrapping label, `aria-labelledby`,
//! `aria-label`) are shuffled. Only the label texts and field names stay, so a bot that
//! finds fields by position or id breaks here and one that finds them by label does not.

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};

use crate::AppState;
use crate::auth::Session;
use crate::error::AppError;
use crate::html::{self, escape};
use crate::store::{self, CONTACT_FIELDS, Record};

/// Field name and label text, in the order the record stores them.
const LABELS: &[(&str, &str)] = &[
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("city", "City"),
    ("zip", "ZIP code"),
    ("comment", "Comment"),
];

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/contact", get(form).post(create))
        .route("/contact/{id}", get(show))
}

fn random_id() -> String {
    format!("f{:08x}", fastrand::u32(..))
}

async fn form(session: Session) -> Response {
    let mut order: Vec<usize> = (0..LABELS.len()).collect();
    fastrand::shuffle(&mut order);
    let mut fields = String::new();
    for index in order {
        let (name, label) = LABELS[index];
        let id = random_id();
        let control = |attributes: &str| {
            if name == "comment" {
                format!(r#"<textarea id="{id}" name="{name}"{attributes}></textarea>"#)
            } else {
                format!(r#"<input id="{id}" name="{name}"{attributes}>"#)
            }
        };
        let field = match fastrand::u8(0..4) {
            0 => format!(r#"<label for="{id}">{label}</label>{}"#, control("")),
            1 => format!("<label>{label} {}</label>", control("")),
            2 => {
                let label_id = random_id();
                format!(
                    r#"<span id="{label_id}">{label}</span>{}"#,
                    control(&format!(r#" aria-labelledby="{label_id}""#))
                )
            }
            _ => control(&format!(r#" aria-label="{label}""#)),
        };
        fields.push_str(&format!("<div class=\"field\">{field}</div>\n"));
    }
    let body = format!(
        r#"<h1>Quick contact</h1>
<form method="post" action="/contact" id="{form_id}">{csrf}
{fields}<button type="submit" id="{button_id}">Send</button></form>"#,
        form_id = random_id(),
        button_id = random_id(),
        csrf = html::csrf_field(&session),
    );
    Html(html::page("Quick contact", Some(&session), &body)).into_response()
}

async fn create(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<Record>,
) -> Result<Response, AppError> {
    session.check_csrf(form.get("csrf").map(String::as_str))?;
    let record: Record = CONTACT_FIELDS
        .iter()
        .map(|field| {
            (
                (*field).to_owned(),
                form.get(*field).cloned().unwrap_or_default(),
            )
        })
        .collect();
    let id = state
        .store
        .call(move |connection| store::insert_contact(connection, &record))
        .await?;
    Ok(Redirect::to(&format!("/contact/{id}")).into_response())
}

async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let rows = state
        .store
        .call(|connection| store::all_rows(connection, "contacts"))
        .await?;
    let id_text = id.to_string();
    let contact = rows
        .into_iter()
        .find(|row| row.get("id") == Some(&id_text))
        .ok_or(AppError::NotFound)?;
    let name = format!(
        "{} {}",
        contact.get("first_name").map(String::as_str).unwrap_or(""),
        contact.get("last_name").map(String::as_str).unwrap_or("")
    );
    let body = format!(
        r#"<h1>Thank you</h1><p id="done" role="status">Contact #{id} saved for {}.</p><p><a href="/contact">Another contact</a></p>"#,
        escape(&name)
    );
    Ok(Html(html::page("Contact saved", Some(&session), &body)).into_response())
}
