//! The sample back office over real HTTP on port 0: sign-in, forms, validation, pagination,
//! the shuffled page, misbehaviour and the read-back switch.

use std::time::{Duration, Instant};

use flowbot_backoffice::{CLAIMS_PER_PAGE, Options, SEEDED_CLAIMS, serve};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};

/// The app on a free port, stopped when dropped.
struct App {
    url: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn start(options: Options) -> App {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        serve(listener, options, async {
            stopped.await.ok();
        })
        .await
        .unwrap();
    });
    App { url, _stop: stop }
}

/// A browser-like client: keeps the session cookie, does not follow redirects.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

impl Browser {
    fn new(app: &App) -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: app.url.clone(),
            cookie: String::new(),
        }
    }

    fn remember(&mut self, response: &reqwest::Response) {
        if let Some(value) = response.headers().get(SET_COOKIE) {
            let value = value.to_str().unwrap();
            self.cookie = value.split(';').next().unwrap().to_owned();
        }
    }

    async fn get(&mut self, path: &str) -> (StatusCode, String, String) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap();
        self.finish(response).await
    }

    async fn post_form(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String, String) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .form(fields)
            .send()
            .await
            .unwrap();
        self.finish(response).await
    }

    async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
    ) -> (StatusCode, String, String) {
        let boundary = "----flowbot-test-boundary";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
        }
        if let Some((file_name, bytes)) = file {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"id_document\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .header(
                CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        self.finish(response).await
    }

    async fn finish(&mut self, response: reqwest::Response) -> (StatusCode, String, String) {
        self.remember(&response);
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .map(|value| value.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, location, response.text().await.unwrap())
    }

    async fn sign_in(&mut self) -> String {
        let (_, _, page) = self.get("/login").await;
        let token = csrf(&page);
        let (status, location, _) = self
            .post_form(
                "/login",
                &[
                    ("username", "clerk"),
                    ("password", "flowbot"),
                    ("csrf", &token),
                ],
            )
            .await;
        assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/"));
        let (_, _, home) = self.get("/").await;
        csrf(&home)
    }
}

fn csrf(page: &str) -> String {
    let start = page
        .find("name=\"csrf\" value=\"")
        .expect("page has a CSRF field")
        + 19;
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn signing_in_needs_the_forms_csrf_token_and_the_password() {
    let app = start(Options::default()).await;
    let mut browser = Browser::new(&app);
    let (status, location, _) = browser.get("/").await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/login")
    );

    let (_, _, page) = browser.get("/login").await;
    let token = csrf(&page);
    let (status, _, _) = browser
        .post_form("/login", &[("username", "clerk"), ("password", "flowbot")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token");
    let (status, _, body) = browser
        .post_form(
            "/login",
            &[
                ("username", "clerk"),
                ("password", "wrong"),
                ("csrf", &token),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("Wrong user name or password"));

    browser.sign_in().await;
    let (status, _, body) = browser.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Signed in as clerk"));
}

#[tokio::test]
async fn an_unused_session_times_out() {
    let app = start(Options {
        session_timeout: Duration::from_millis(300),
        ..Options::default()
    })
    .await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (status, location, _) = browser.get("/").await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/login?expired=1")
    );
    let (_, _, page) = browser.get(&location).await;
    assert!(page.contains("Your session expired"));
}

fn customer<'a>(reference: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("ref", reference),
        ("first_name", "Anna"),
        ("last_name", "Müller"),
        ("email", email),
        ("phone", "+41 44 123 45 67"),
        ("date_of_birth", "1980-02-29"),
        ("nationality", "CH"),
        ("customer_type", "individual"),
        ("company_name", ""),
        ("street", "Bahnhofstrasse 1"),
        ("city", "Zürich"),
        ("postcode", "8001"),
        ("country", "CH"),
        ("id_type", "passport"),
        ("id_number", "X1234567"),
        ("annual_income", "85000"),
        ("risk", "low"),
        ("marketing_opt_in", "true"),
        ("terms", "true"),
    ]
}

#[tokio::test]
async fn onboarding_shows_validation_messages_saves_once_and_refuses_a_duplicate() {
    let app = start(Options {
        expose_data: true,
        ..Options::default()
    })
    .await;
    let mut browser = Browser::new(&app);
    let csrf = browser.sign_in().await;

    let mut fields = customer("C-0001", "anna.example.com");
    fields.push(("csrf", &csrf));
    let (status, _, page) = browser
        .post_multipart("/customers/new", &fields, None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(r#"id="email-error""#), "{page}");
    assert!(page.contains("Email must be an address like name@example.com"));
    assert!(
        page.contains(r#"value="Müller""#),
        "the form keeps what was typed"
    );

    let mut fields = customer("C-0001", "anna@example.com");
    fields.push(("csrf", &csrf));
    let (status, location, _) = browser
        .post_multipart(
            "/customers/new",
            &fields,
            Some(("passport.pdf", b"%PDF-1.4 test")),
        )
        .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/customers/C-0001?created=1")
    );
    let (_, _, page) = browser.get(&location).await;
    assert!(page.contains("Customer C-0001 created. Confirmation number ONB-000001."));

    let (status, _, page) = browser
        .post_multipart("/customers/new", &fields, None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("A customer with reference C-0001 already exists"));

    let saved: Vec<serde_json::Value> = reqwest::get(format!("{}/api/customers", app.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(saved.len(), 1);
    for (field, value) in customer("C-0001", "anna@example.com") {
        if field != "terms" {
            assert_eq!(saved[0][field], value, "{field}");
        }
    }
    assert_eq!(saved[0]["document_name"], "passport.pdf");
}

#[tokio::test]
async fn a_form_without_the_sessions_csrf_token_is_refused() {
    let app = start(Options {
        expose_data: true,
        ..Options::default()
    })
    .await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let mut fields = customer("C-0002", "anna@example.com");
    fields.push(("csrf", "forged"));
    let (status, _, _) = browser
        .post_multipart("/customers/new", &fields, None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let saved: Vec<serde_json::Value> = reqwest::get(format!("{}/api/customers", app.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(saved.is_empty());
}

#[tokio::test]
async fn an_invoice_for_an_unknown_customer_is_refused_and_a_good_one_confirmed() {
    let app = start(Options::default()).await;
    let mut browser = Browser::new(&app);
    let csrf = browser.sign_in().await;
    let invoice = |customer: &'static str| {
        vec![
            ("invoice_number", "R-2026-001"),
            ("customer_ref", customer),
            ("issue_date", "2026-11-01"),
            ("due_date", "2026-11-30"),
            ("currency", "CHF"),
            ("net_amount", "1250.50"),
            ("vat_rate", "8.1"),
            ("description", "Consulting"),
        ]
    };
    let mut fields = invoice("C-9999");
    fields.push(("csrf", &csrf));
    let (status, _, page) = browser.post_form("/invoices/new", &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("No customer with reference C-9999"));

    let mut onboarding = customer("C-0007", "x@example.com");
    onboarding.push(("csrf", &csrf));
    browser
        .post_multipart("/customers/new", &onboarding, None)
        .await;
    let mut fields = invoice("C-0007");
    fields.push(("csrf", &csrf));
    let (status, location, _) = browser.post_form("/invoices/new", &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, page) = browser.get(&location).await;
    assert!(page.contains("Invoice R-2026-001 saved with reference BO-INV-000001."));
}

#[tokio::test]
async fn the_claims_table_pages_through_every_seeded_claim() {
    let app = start(Options::default()).await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let pages = SEEDED_CLAIMS.div_ceil(CLAIMS_PER_PAGE);
    let mut seen = 0;
    let mut path = "/claims".to_owned();
    for page in 1..=pages {
        let (status, _, body) = browser.get(&path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains(&format!(
            r#"page <span id="page">{page}</span> of <span id="pages">{pages}</span>"#
        )));
        seen += body.matches("<td>CLM-2026-").count();
        match body.find(r#"rel="next""#) {
            Some(at) => {
                let start = body[..at].rfind(r#"<a href=""#).unwrap() + 9;
                path = body[start..at - 2].replace("&amp;", "&");
            }
            None => assert_eq!(page, pages, "no Next link before the last page"),
        }
    }
    assert_eq!(seen, SEEDED_CLAIMS);
    let (_, _, body) = browser.get("/claims?q=CLM-2026-0042").await;
    assert_eq!(body.matches("<td>CLM-2026-").count(), 1);
}

#[tokio::test]
async fn the_contact_form_reshuffles_its_ids_and_order_on_every_load() {
    let app = start(Options {
        expose_data: true,
        ..Options::default()
    })
    .await;
    let mut browser = Browser::new(&app);
    let csrf = browser.sign_in().await;
    let ids = |page: &str| -> Vec<String> {
        page.match_indices(" id=\"f")
            .map(|(at, _)| page[at + 5..at + 14].to_owned())
            .collect()
    };
    let (_, _, first) = browser.get("/contact").await;
    let (_, _, second) = browser.get("/contact").await;
    let (first_ids, second_ids) = (ids(&first), ids(&second));
    assert!(first_ids.len() >= 8, "{first}");
    assert!(
        first_ids.iter().all(|id| !second_ids.contains(id)),
        "ids repeat between loads"
    );
    let (status, location, _) = browser
        .post_form(
            "/contact",
            &[
                ("first_name", "Li"),
                ("last_name", "Wei"),
                ("email", "li@example.cn"),
                ("phone", "123"),
                ("city", "北京"),
                ("zip", "100000"),
                ("comment", "hi"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, page) = browser.get(&location).await;
    assert!(page.contains("Contact #1 saved for Li Wei."));
    let saved: Vec<serde_json::Value> = reqwest::get(format!("{}/api/contacts", app.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(saved[0]["city"], "北京");
}

#[tokio::test]
async fn the_read_back_api_exists_only_when_exposed() {
    let app = start(Options::default()).await;
    let status = reqwest::get(format!("{}/api/customers", app.url))
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn latency_and_failures_are_applied_to_pages_but_not_to_the_read_back() {
    let app = start(Options {
        latency: 200..=250,
        failure_rate: 1.0,
        expose_data: true,
        ..Options::default()
    })
    .await;
    let started = Instant::now();
    let response = reqwest::get(format!("{}/login", app.url)).await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "the page waited its latency"
    );
    let response = reqwest::get(format!("{}/api/claims", app.url))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}
