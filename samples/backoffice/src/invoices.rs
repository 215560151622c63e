//! Invoice entry: a form checked on the server (the customer must exist, due after issue).

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::NaiveDate;

use crate::AppState;
use crate::auth::Session;
use crate::error::AppError;
use crate::html::{self, escape};
use crate::store::{self, INVOICE_FIELDS, Record};

// Supplier invoices arrive from the UK, the euro area, the US and China as well.
const CURRENCIES: &[(&str, &str)] = &[
    ("CHF", "CHF"),
    ("EUR", "EUR"),
    ("USD", "USD"),
    ("GBP", "GBP"),
    ("CNY", "CNY"),
];
const VAT_RATES: &[(&str, &str)] = &[
    ("0", "0 %"),
    ("2.6", "2.6 %"),
    ("8", "8 %"),
    ("8.1", "8.1 %"),
    ("13", "13 %"),
    ("19", "19 %"),
    ("20", "20 %"),
];

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/invoices/new", get(new_form).post(create))
        .route("/invoices/{id}", get(show))
}

async fn new_form(session: Session) -> Response {
    Html(render(&session, &Record::new(), &[])).into_response()
}

fn render(session: &Session, values: &Record, errors: &[(String, String)]) -> String {
    let value = |name: &str| escape(values.get(name).map(String::as_str).unwrap_or(""));
    let text = |name: &str, label: &str, input_type: &str| {
        format!(
            r#"<div class="field"><label for="{name}">{label}</label><input type="{input_type}" id="{name}" name="{name}" value="{}">{}</div>"#,
            value(name),
            html::field_error(errors, name)
        )
    };
    let select = |name: &str, label: &str, choices: &[(&str, &str)]| {
        format!(
            r#"<div class="field"><label for="{name}">{label}</label><select id="{name}" name="{name}">{}</select>{}</div>"#,
            html::options(choices, values.get(name).map(String::as_str).unwrap_or("")),
            html::field_error(errors, name)
        )
    };
    let body = format!(
        r#"<h1>New invoice</h1>{summary}
<form method="post" action="/invoices/new" id="invoice" novalidate>{csrf}
{number}{customer}{issue}{due}{currency}{amount}{vat}
<div class="field"><label for="description">Description</label><textarea id="description" name="description">{description}</textarea>{description_error}</div>
<button type="submit" id="save">Save invoice</button></form>"#,
        summary = html::error_summary(errors),
        csrf = html::csrf_field(session),
        number = text("invoice_number", "Invoice number", "text"),
        customer = text("customer_ref", "Customer reference", "text"),
        issue = text("issue_date", "Issue date", "date"),
        due = text("due_date", "Due date", "date"),
        currency = select("currency", "Currency", CURRENCIES),
        amount = text("net_amount", "Net amount", "text"),
        vat = select("vat_rate", "VAT rate", VAT_RATES),
        description = value("description"),
        description_error = html::field_error(errors, "description"),
    );
    html::page("New invoice", Some(session), &body)
}

async fn create(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<Record>,
) -> Result<Response, AppError> {
    session.check_csrf(form.get("csrf").map(String::as_str))?;
    let record: Record = INVOICE_FIELDS
        .iter()
        .map(|field| {
            (
                (*field).to_owned(),
                form.get(*field)
                    .map(|v| v.trim().to_owned())
                    .unwrap_or_default(),
            )
        })
        .collect();
    let mut errors = validate(&record);
    let saved = record.clone();
    let outcome = state
        .store
        .call(move |connection| {
            let mut problems = Vec::new();
            if store::customer_by_ref(connection, &saved["customer_ref"])?.is_none() {
                problems.push((
                    "customer_ref".to_owned(),
                    format!("No customer with reference {}", saved["customer_ref"]),
                ));
            }
            if store::invoice_exists(connection, &saved["invoice_number"])? {
                problems.push((
                    "invoice_number".to_owned(),
                    format!("Invoice {} was already entered", saved["invoice_number"]),
                ));
            }
            Ok(problems)
        })
        .await?;
    errors.extend(outcome);
    if errors.is_empty() {
        let saved = record.clone();
        let id = state
            .store
            .call(move |connection| store::insert_invoice(connection, &saved))
            .await?;
        return Ok(Redirect::to(&format!("/invoices/{id}")).into_response());
    }
    Ok((
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        Html(render(&session, &form, &errors)),
    )
        .into_response())
}

fn validate(record: &Record) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    let value = |name: &str| record.get(name).map(String::as_str).unwrap_or("");
    if value("invoice_number").is_empty() {
        errors.push((
            "invoice_number".to_owned(),
            "Invoice number is required".to_owned(),
        ));
    }
    let date = |name: &str| NaiveDate::parse_from_str(value(name), "%Y-%m-%d").ok();
    let (issue, due) = (date("issue_date"), date("due_date"));
    if issue.is_none() {
        errors.push((
            "issue_date".to_owned(),
            "Issue date must be a date (YYYY-MM-DD)".to_owned(),
        ));
    }
    match (issue, due) {
        (_, None) => errors.push((
            "due_date".to_owned(),
            "Due date must be a date (YYYY-MM-DD)".to_owned(),
        )),
        (Some(issue), Some(due)) if due < issue => {
            errors.push((
                "due_date".to_owned(),
                "Due date is before the issue date".to_owned(),
            ));
        }
        _ => {}
    }
    if !CURRENCIES.iter().any(|(c, _)| *c == value("currency")) {
        errors.push(("currency".to_owned(), "Choose a currency".to_owned()));
    }
    let amount = value("net_amount");
    let amount_ok = amount.parse::<f64>().is_ok_and(|n| n > 0.0)
        && amount
            .split_once('.')
            .is_none_or(|(_, cents)| cents.len() <= 2);
    if !amount_ok {
        errors.push((
            "net_amount".to_owned(),
            "Net amount must be a positive amount like 1250.50".to_owned(),
        ));
    }
    if !VAT_RATES.iter().any(|(rate, _)| *rate == value("vat_rate")) {
        errors.push(("vat_rate".to_owned(), "Choose a VAT rate".to_owned()));
    }
    errors
}

async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let rows = state
        .store
        .call(|connection| store::all_rows(connection, "invoices"))
        .await?;
    let id_text = id.to_string();
    let invoice = rows
        .into_iter()
        .find(|row| row.get("id") == Some(&id_text))
        .ok_or(AppError::NotFound)?;
    let body = format!(
        r#"<h1>Invoice saved</h1><p id="confirmation" role="status">Invoice {} saved with reference BO-INV-{id:06}.</p>"#,
        escape(
            invoice
                .get("invoice_number")
                .map(String::as_str)
                .unwrap_or("")
        )
    );
    Ok(Html(html::page("Invoice saved", Some(&session), &body)).into_response())
}
