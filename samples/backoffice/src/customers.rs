//! Customer onboarding: a 20-field form (text, select, radio, date, checkbox, file upload)
//! checked on the server (`novalidate`: the browser's own checks would hide the server's
//! messages, which are what bots must learn to read), plus a customer search bots use to check before they create.

use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Session;
use crate::error::AppError;
use crate::html::{self, escape};
use crate::store::{self, CUSTOMER_FIELDS, Record};

/// Countries offered for nationality and address.
pub(crate) const COUNTRIES: &[(&str, &str)] = &[
    ("CH", "Switzerland"),
    ("DE", "Germany"),
    ("FR", "France"),
    ("IT", "Italy"),
    ("AT", "Austria"),
    ("GB", "United Kingdom"),
    ("US", "United States"),
    ("CN", "China"),
    ("JP", "Japan"),
];
const CUSTOMER_TYPES: &[(&str, &str)] = &[("individual", "Individual"), ("business", "Business")];
const ID_TYPES: &[(&str, &str)] = &[
    ("passport", "Passport"),
    ("id_card", "Identity card"),
    ("driving_licence", "Driving licence"),
];
const RISKS: &[(&str, &str)] = &[("low", "Low"), ("medium", "Medium"), ("high", "High")];
const MAX_DOCUMENT_BYTES: usize = 5 * 1024 * 1024;

enum Kind {
    Text(&'static str),
    Select(&'static [(&'static str, &'static str)]),
    Radio(&'static [(&'static str, &'static str)]),
    Checkbox,
}

/// The form's fields in display order: name, label, kind.
const FORM: &[(&str, &str, Kind)] = &[
    ("ref", "Customer reference", Kind::Text("text")),
    ("first_name", "First name", Kind::Text("text")),
    ("last_name", "Last name", Kind::Text("text")),
    ("email", "Email", Kind::Text("email")),
    ("phone", "Phone", Kind::Text("tel")),
    ("date_of_birth", "Date of birth", Kind::Text("date")),
    ("nationality", "Nationality", Kind::Select(COUNTRIES)),
    (
        "customer_type",
        "Customer type",
        Kind::Radio(CUSTOMER_TYPES),
    ),
    ("company_name", "Company name", Kind::Text("text")),
    ("street", "Street", Kind::Text("text")),
    ("city", "City", Kind::Text("text")),
    ("postcode", "Postcode", Kind::Text("text")),
    ("country", "Country", Kind::Select(COUNTRIES)),
    ("id_type", "ID document type", Kind::Select(ID_TYPES)),
    ("id_number", "ID document number", Kind::Text("text")),
    ("annual_income", "Annual income", Kind::Text("number")),
    ("risk", "Risk category", Kind::Radio(RISKS)),
    (
        "marketing_opt_in",
        "Send me news and offers",
        Kind::Checkbox,
    ),
    ("terms", "I accept the terms and conditions", Kind::Checkbox),
];

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/customers", get(search))
        .route("/customers/new", get(new_form).post(create))
        .route("/customers/{reference}", get(show))
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

async fn search(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let text = query.q.unwrap_or_default();
    let needle = text.clone();
    let rows = state
        .store
        .call(move |connection| store::search_customers(connection, &needle))
        .await?;
    let body_rows: String = rows
        .iter()
        .map(|row| {
            let get = |key: &str| escape(row.get(key).map(String::as_str).unwrap_or(""));
            format!(
                "<tr><td><a href=\"/customers/{r}\">{r}</a></td><td>{} {}</td><td>{}</td><td>{}</td></tr>",
                get("first_name"),
                get("last_name"),
                get("email"),
                get("city"),
                r = get("ref"),
            )
        })
        .collect();
    let body = format!(
        r#"<h1>Customers</h1>
<form method="get" action="/customers"><label for="q">Search</label><input id="q" name="q" value="{}"> <button type="submit">Search</button></form>
<p id="result-count">{} customer(s) found</p>
<table id="customers"><thead><tr><th>Reference</th><th>Name</th><th>Email</th><th>City</th></tr></thead><tbody>{body_rows}</tbody></table>"#,
        escape(&text),
        rows.len()
    );
    Ok(Html(html::page("Customers", Some(&session), &body)).into_response())
}

async fn new_form(session: Session) -> Response {
    Html(render_form(&session, &Record::new(), &[])).into_response()
}

fn render_form(session: &Session, values: &Record, errors: &[(String, String)]) -> String {
    let value = |name: &str| values.get(name).map(String::as_str).unwrap_or("");
    let mut fields = String::new();
    for (name, label, kind) in FORM {
        let error = html::field_error(errors, name);
        let field = match kind {
            Kind::Text(input_type) => format!(
                r#"<label for="{name}">{label}</label><input type="{input_type}" id="{name}" name="{name}" value="{}">"#,
                escape(value(name))
            ),
            Kind::Select(choices) => format!(
                r#"<label for="{name}">{label}</label><select id="{name}" name="{name}">{}</select>"#,
                html::options(choices, value(name))
            ),
            Kind::Radio(choices) => {
                let buttons: String = choices
                    .iter()
                    .map(|(choice, text)| {
                        let checked = if value(name) == *choice { " checked" } else { "" };
                        format!(
                            r#"<label><input type="radio" name="{name}" value="{choice}"{checked}> {text}</label> "#
                        )
                    })
                    .collect();
                format!("<fieldset><legend>{label}</legend>{buttons}</fieldset>")
            }
            Kind::Checkbox => {
                let checked = if value(name) == "true" {
                    " checked"
                } else {
                    ""
                };
                format!(
                    r#"<label for="{name}">{label}</label><input type="checkbox" id="{name}" name="{name}" value="true"{checked}>"#
                )
            }
        };
        fields.push_str(&format!("<div class=\"field\">{field}{error}</div>\n"));
    }
    let body = format!(
        r#"<h1>New customer</h1>{summary}
<form method="post" action="/customers/new" enctype="multipart/form-data" id="onboarding" novalidate>
{csrf}
{fields}<div class="field"><label for="id_document">ID document (PDF, PNG or JPEG)</label><input type="file" id="id_document" name="id_document">{doc_error}</div>
<button type="submit" id="save">Save customer</button>
</form>"#,
        summary = html::error_summary(errors),
        csrf = html::csrf_field(session),
        doc_error = html::field_error(errors, "id_document"),
    );
    html::page("New customer", Some(session), &body)
}

/// An uploaded file: its name and size (the content is checked, not kept).
struct Upload {
    name: String,
    size: usize,
    looks_valid: bool,
}

async fn create(
    State(state): State<AppState>,
    session: Session,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let mut form = Record::new();
    let mut upload = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|error| AppError::BadRequest(error.to_string()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "id_document" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|error| AppError::BadRequest(error.to_string()))?;
            if !file_name.is_empty() || !bytes.is_empty() {
                upload = Some(Upload {
                    looks_valid: bytes.starts_with(b"%PDF")
                        || bytes.starts_with(b"\x89PNG")
                        || bytes.starts_with(b"\xFF\xD8\xFF"),
                    name: file_name,
                    size: bytes.len(),
                });
            }
        } else {
            let text = field
                .text()
                .await
                .map_err(|error| AppError::BadRequest(error.to_string()))?;
            form.insert(name, text.trim().to_owned());
        }
    }
    session.check_csrf(form.get("csrf").map(String::as_str))?;
    let mut errors = validate(&form, upload.as_ref(), chrono::Local::now().date_naive());
    let mut record: Record = CUSTOMER_FIELDS
        .iter()
        .map(|field| {
            (
                (*field).to_owned(),
                form.get(*field).cloned().unwrap_or_default(),
            )
        })
        .collect();
    record.insert(
        "marketing_opt_in".to_owned(),
        (form.get("marketing_opt_in").map(String::as_str) == Some("true")).to_string(),
    );
    if errors.is_empty() {
        let saved = record.clone();
        let document = upload.map(|upload| (upload.name, upload.size));
        let outcome = state
            .store
            .call(move |connection| {
                if store::customer_by_ref(connection, &saved["ref"])?.is_some() {
                    return Ok(false);
                }
                let document = document.as_ref().map(|(name, size)| (name.as_str(), *size));
                store::insert_customer(connection, &saved, document)?;
                Ok(true)
            })
            .await?;
        if outcome {
            let reference = &record["ref"];
            return Ok(Redirect::to(&format!("/customers/{reference}?created=1")).into_response());
        }
        errors.push((
            "ref".to_owned(),
            format!("A customer with reference {} already exists", record["ref"]),
        ));
    }
    let mut values = form;
    values.insert(
        "marketing_opt_in".to_owned(),
        record["marketing_opt_in"].clone(),
    );
    Ok((
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        Html(render_form(&session, &values, &errors)),
    )
        .into_response())
}

/// Every problem with a submitted form, as (field, message), in form order.
fn validate(form: &Record, upload: Option<&Upload>, today: NaiveDate) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    let value = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    let mut fail = |field: &str, message: String| errors.push((field.to_owned(), message));
    let reference = value("ref");
    if !(reference.len() >= 6
        && reference.starts_with("C-")
        && reference[2..].bytes().all(|b| b.is_ascii_digit()))
    {
        fail("ref", "Customer reference must look like C-0001".to_owned());
    }
    for (name, label) in [
        ("first_name", "First name"),
        ("last_name", "Last name"),
        ("street", "Street"),
        ("city", "City"),
    ] {
        if value(name).is_empty() {
            fail(name, format!("{label} is required"));
        } else if value(name).chars().count() > 60 {
            fail(name, format!("{label} is longer than 60 characters"));
        }
    }
    let email = value("email");
    let email_ok = email.split_once('@').is_some_and(|(user, domain)| {
        !user.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
    }) && !email.contains(' ');
    if !email_ok {
        fail(
            "email",
            "Email must be an address like name@example.com".to_owned(),
        );
    }
    let phone = value("phone");
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    if !(6..=20).contains(&digits)
        || !phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()/".contains(c))
    {
        fail("phone", "Phone must have 6 to 20 digits".to_owned());
    }
    match NaiveDate::parse_from_str(value("date_of_birth"), "%Y-%m-%d") {
        Err(_) => fail(
            "date_of_birth",
            "Date of birth must be a date (YYYY-MM-DD)".to_owned(),
        ),
        Ok(born) => {
            let age = today.year()
                - born.year()
                - i32::from((today.month(), today.day()) < (born.month(), born.day()));
            if !(18..=120).contains(&age) {
                fail(
                    "date_of_birth",
                    "Customers must be at least 18 years old".to_owned(),
                );
            }
        }
    }
    for (name, label, choices) in [
        ("nationality", "Nationality", COUNTRIES),
        ("customer_type", "Customer type", CUSTOMER_TYPES),
        ("country", "Country", COUNTRIES),
        ("id_type", "ID document type", ID_TYPES),
        ("risk", "Risk category", RISKS),
    ] {
        if !choices.iter().any(|(choice, _)| *choice == value(name)) {
            fail(name, format!("Choose a {}", label.to_lowercase()));
        }
    }
    if value("customer_type") == "business" && value("company_name").is_empty() {
        fail(
            "company_name",
            "Company name is required for business customers".to_owned(),
        );
    }
    let postcode = value("postcode");
    if !(3..=10).contains(&postcode.len())
        || !postcode
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ')
    {
        fail(
            "postcode",
            "Postcode must be 3 to 10 letters or digits".to_owned(),
        );
    }
    let id_number = value("id_number");
    if !(5..=20).contains(&id_number.len()) || !id_number.chars().all(|c| c.is_ascii_alphanumeric())
    {
        fail(
            "id_number",
            "ID document number must be 5 to 20 letters or digits".to_owned(),
        );
    }
    if value("annual_income").parse::<u64>().is_err() {
        fail(
            "annual_income",
            "Annual income must be a whole number of 0 or more".to_owned(),
        );
    }
    if value("terms") != "true" {
        fail(
            "terms",
            "You must accept the terms and conditions".to_owned(),
        );
    }
    if let Some(upload) = upload {
        if upload.size > MAX_DOCUMENT_BYTES {
            fail(
                "id_document",
                "The ID document is larger than 5 MB".to_owned(),
            );
        } else if !upload.looks_valid {
            fail(
                "id_document",
                "The ID document must be a PDF, PNG or JPEG file".to_owned(),
            );
        }
    }
    errors
}

#[derive(Deserialize)]
struct ShowQuery {
    created: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(reference): Path<String>,
    Query(query): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let wanted = reference.clone();
    let record = state
        .store
        .call(move |connection| store::customer_by_ref(connection, &wanted))
        .await?
        .ok_or(AppError::NotFound)?;
    let notice = if query.created.is_some() {
        format!(
            r#"<p id="confirmation" role="status">Customer {} created. Confirmation number ONB-{:06}.</p>"#,
            escape(&reference),
            record
                .get("id")
                .and_then(|id| id.parse::<u64>().ok())
                .unwrap_or(0)
        )
    } else {
        String::new()
    };
    let rows: String = CUSTOMER_FIELDS
        .iter()
        .chain(["document_name"].iter())
        .map(|field| {
            format!(
                "<tr><th>{field}</th><td data-field=\"{field}\">{}</td></tr>",
                escape(record.get(*field).map(String::as_str).unwrap_or(""))
            )
        })
        .collect();
    let body = format!(
        "<h1>Customer {}</h1>{notice}<table id=\"customer\">{rows}</table>",
        escape(&reference)
    );
    Ok(Html(html::page("Customer", Some(&session), &body)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> Record {
        [
            ("ref", "C-0001"),
            ("first_name", "Anna"),
            ("last_name", "Müller"),
            ("email", "anna@example.com"),
            ("phone", "+41 44 123 45 67"),
            ("date_of_birth", "1980-02-29"),
            ("nationality", "CH"),
            ("customer_type", "individual"),
            ("street", "Bahnhofstrasse 1"),
            ("city", "Zürich"),
            ("postcode", "8001"),
            ("country", "CH"),
            ("id_type", "passport"),
            ("id_number", "X1234567"),
            ("annual_income", "85000"),
            ("risk", "low"),
            ("terms", "true"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    #[test]
    fn a_complete_form_passes() {
        assert_eq!(validate(&good(), None, today()), vec![]);
    }

    #[test]
    fn each_bad_field_gets_its_own_message() {
        let mut form = good();
        form.insert("email".into(), "anna.example.com".into());
        form.insert("date_of_birth".into(), "2010-01-01".into());
        form.insert("customer_type".into(), "business".into());
        form.remove("terms");
        let fields: Vec<String> = validate(&form, None, today())
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(fields, ["email", "date_of_birth", "company_name", "terms"]);
    }

    #[test]
    fn an_upload_that_is_not_a_document_is_refused() {
        let upload = Upload {
            name: "x.exe".into(),
            size: 10,
            looks_valid: false,
        };
        let errors = validate(&good(), Some(&upload), today());
        assert_eq!(errors[0].0, "id_document");
    }
}
