//! The app's SQLite database: one connection behind a mutex, used from blocking threads so no
//! request task blocks the async workers.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::StoreError;

/// Claims the database starts with, so the claims search has several pages to walk.
pub const SEEDED_CLAIMS: usize = 137;

/// A saved record as column → text, in column order of its table.
pub(crate) type Record = BTreeMap<String, String>;

/// The customer columns a form fills, in form order. `ref` is the customer's own reference.
pub const CUSTOMER_FIELDS: &[&str] = &[
    "ref",
    "first_name",
    "last_name",
    "email",
    "phone",
    "date_of_birth",
    "nationality",
    "customer_type",
    "company_name",
    "street",
    "city",
    "postcode",
    "country",
    "id_type",
    "id_number",
    "annual_income",
    "risk",
    "marketing_opt_in",
];

pub(crate) const INVOICE_FIELDS: &[&str] = &[
    "invoice_number",
    "customer_ref",
    "issue_date",
    "due_date",
    "currency",
    "net_amount",
    "vat_rate",
    "description",
];

pub(crate) const CONTACT_FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "email",
    "phone",
    "city",
    "zip",
    "comment",
];

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS customers (
    id INTEGER PRIMARY KEY, ref TEXT NOT NULL UNIQUE, first_name TEXT NOT NULL,
    last_name TEXT NOT NULL, email TEXT NOT NULL, phone TEXT NOT NULL,
    date_of_birth TEXT NOT NULL, nationality TEXT NOT NULL, customer_type TEXT NOT NULL,
    company_name TEXT NOT NULL, street TEXT NOT NULL, city TEXT NOT NULL,
    postcode TEXT NOT NULL, country TEXT NOT NULL, id_type TEXT NOT NULL,
    id_number TEXT NOT NULL, annual_income TEXT NOT NULL, risk TEXT NOT NULL,
    marketing_opt_in TEXT NOT NULL, document_name TEXT NOT NULL DEFAULT '',
    document_size INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS invoices (
    id INTEGER PRIMARY KEY, invoice_number TEXT NOT NULL UNIQUE, customer_ref TEXT NOT NULL,
    issue_date TEXT NOT NULL, due_date TEXT NOT NULL, currency TEXT NOT NULL,
    net_amount TEXT NOT NULL, vat_rate TEXT NOT NULL, description TEXT NOT NULL,
    created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS contacts (
    id INTEGER PRIMARY KEY, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
    email TEXT NOT NULL, phone TEXT NOT NULL, city TEXT NOT NULL, zip TEXT NOT NULL,
    comment TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS claims (
    id INTEGER PRIMARY KEY, claim_no TEXT NOT NULL UNIQUE, customer TEXT NOT NULL,
    policy TEXT NOT NULL, filed TEXT NOT NULL, status TEXT NOT NULL,
    amount_cents INTEGER NOT NULL);
";

/// One claim row as the search page shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Claim {
    pub(crate) claim_no: String,
    pub(crate) customer: String,
    pub(crate) policy: String,
    pub(crate) filed: String,
    pub(crate) status: String,
    pub(crate) amount_cents: i64,
}

/// A claims search: text matched against claim number and customer, optional status.
#[derive(Debug, Clone, Default)]
pub(crate) struct ClaimQuery {
    pub(crate) text: String,
    pub(crate) status: String,
}

#[derive(Clone)]
pub(crate) struct Store {
    connection: Arc<Mutex<Connection>>,
}

impl Store {
    /// Opens (or creates) the database and seeds the claims on first use; `None` is in memory.
    pub(crate) fn open(path: Option<&Path>) -> Result<Self, StoreError> {
        let connection = match path {
            Some(path) => Connection::open(path).map_err(|source| StoreError::Open {
                path: path.display().to_string(),
                source,
            })?,
            None => Connection::open_in_memory()?,
        };
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        connection.execute_batch(SCHEMA)?;
        let claims: i64 =
            connection.query_row("SELECT count(*) FROM claims", [], |row| row.get(0))?;
        if claims == 0 {
            seed_claims(&connection)?;
        }
        Ok(Self {
            connection: Arc::new(Mutex::new(connection)),
        })
    }

    /// Adds the customers whose reference is not there yet.
    pub(crate) fn seed_customers(&self, customers: &[Record]) -> Result<(), StoreError> {
        let connection = self.connection.lock().unwrap_or_else(|e| e.into_inner());
        for customer in customers {
            let reference = customer.get("ref").map(String::as_str).unwrap_or("");
            if customer_by_ref(&connection, reference)?.is_none() {
                insert_customer(&connection, customer, None)?;
            }
        }
        Ok(())
    }

    /// Runs `work` on the connection on a blocking thread.
    pub(crate) async fn call<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    ) -> Result<T, StoreError> {
        let connection = Arc::clone(&self.connection);
        tokio::task::spawn_blocking(move || {
            let connection = connection
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            work(&connection)
        })
        .await
        .map_err(|error| StoreError::Worker(error.to_string()))?
        .map_err(StoreError::from)
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Inserts `record` into `table`, taking `fields` from it (missing ones empty) plus `extra`.
fn insert(
    connection: &Connection,
    table: &str,
    fields: &[&str],
    record: &Record,
    extra: &[(&str, rusqlite::types::Value)],
) -> Result<i64, rusqlite::Error> {
    let mut columns: Vec<&str> = fields.to_vec();
    let mut values: Vec<rusqlite::types::Value> = fields
        .iter()
        .map(|field| record.get(*field).cloned().unwrap_or_default().into())
        .collect();
    for (column, value) in extra {
        columns.push(column);
        values.push(value.clone());
    }
    columns.push("created_at");
    values.push(now().into());
    let placeholders = vec!["?"; columns.len()].join(", ");
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES ({placeholders})",
        columns.join(", ")
    );
    connection.execute(&sql, rusqlite::params_from_iter(values))?;
    Ok(connection.last_insert_rowid())
}

pub(crate) fn insert_customer(
    connection: &Connection,
    record: &Record,
    document: Option<(&str, usize)>,
) -> Result<i64, rusqlite::Error> {
    let (name, size) = document.unwrap_or(("", 0));
    insert(
        connection,
        "customers",
        CUSTOMER_FIELDS,
        record,
        &[
            ("document_name", name.to_owned().into()),
            (
                "document_size",
                i64::try_from(size).unwrap_or(i64::MAX).into(),
            ),
        ],
    )
}

pub(crate) fn insert_invoice(
    connection: &Connection,
    record: &Record,
) -> Result<i64, rusqlite::Error> {
    insert(connection, "invoices", INVOICE_FIELDS, record, &[])
}

pub(crate) fn insert_contact(
    connection: &Connection,
    record: &Record,
) -> Result<i64, rusqlite::Error> {
    insert(connection, "contacts", CONTACT_FIELDS, record, &[])
}

/// Every row of `table` as column → text, by id. Only the fixed table names above reach this.
pub(crate) fn all_rows(
    connection: &Connection,
    table: &str,
) -> Result<Vec<Record>, rusqlite::Error> {
    let mut statement = connection.prepare(&format!("SELECT * FROM {table} ORDER BY id"))?;
    let names: Vec<String> = statement
        .column_names()
        .iter()
        .map(|n| (*n).to_owned())
        .collect();
    let rows = statement.query_map([], |row| {
        let mut record = Record::new();
        for (index, name) in names.iter().enumerate() {
            let value: rusqlite::types::Value = row.get(index)?;
            let text = match value {
                rusqlite::types::Value::Null => String::new(),
                rusqlite::types::Value::Integer(n) => n.to_string(),
                rusqlite::types::Value::Real(x) => x.to_string(),
                rusqlite::types::Value::Text(text) => text,
                rusqlite::types::Value::Blob(bytes) => format!("<{} bytes>", bytes.len()),
            };
            record.insert(name.clone(), text);
        }
        Ok(record)
    })?;
    rows.collect()
}

pub(crate) fn customer_by_ref(
    connection: &Connection,
    reference: &str,
) -> Result<Option<Record>, rusqlite::Error> {
    let id: Option<i64> = connection
        .query_row(
            "SELECT id FROM customers WHERE ref = ?1",
            [reference],
            |row| row.get(0),
        )
        .optional()?;
    match id {
        None => Ok(None),
        Some(id) => Ok(all_rows(connection, "customers")?
            .into_iter()
            .find(|row| row.get("id").map(String::as_str) == Some(id.to_string().as_str()))),
    }
}

/// Customers whose reference equals `text` or whose name or email contains it.
pub(crate) fn search_customers(
    connection: &Connection,
    text: &str,
) -> Result<Vec<Record>, rusqlite::Error> {
    let needle = text.trim().to_lowercase();
    Ok(all_rows(connection, "customers")?
        .into_iter()
        .filter(|row| {
            let field = |name: &str| row.get(name).map(|v| v.to_lowercase()).unwrap_or_default();
            needle.is_empty()
                || field("ref") == needle
                || format!("{} {}", field("first_name"), field("last_name")).contains(&needle)
                || field("email").contains(&needle)
        })
        .collect())
}

pub(crate) fn invoice_exists(
    connection: &Connection,
    number: &str,
) -> Result<bool, rusqlite::Error> {
    connection
        .query_row(
            "SELECT 1 FROM invoices WHERE invoice_number = ?1",
            [number],
            |_| Ok(()),
        )
        .optional()
        .map(|found| found.is_some())
}

/// One page (1-based) of matching claims and the number of matches.
pub(crate) fn search_claims(
    connection: &Connection,
    query: &ClaimQuery,
    page: usize,
    per_page: usize,
) -> Result<(Vec<Claim>, usize), rusqlite::Error> {
    let pattern = format!("%{}%", query.text.trim());
    let filter =
        "FROM claims WHERE (claim_no LIKE ?1 OR customer LIKE ?1) AND (?2 = '' OR status = ?2)";
    let total: i64 = connection.query_row(
        &format!("SELECT count(*) {filter}"),
        params![pattern, query.status],
        |row| row.get(0),
    )?;
    let offset = page.saturating_sub(1).saturating_mul(per_page);
    let mut statement = connection.prepare(&format!(
        "SELECT claim_no, customer, policy, filed, status, amount_cents {filter} ORDER BY id LIMIT ?3 OFFSET ?4"
    ))?;
    let claims = statement
        .query_map(
            params![
                pattern,
                query.status,
                i64::try_from(per_page).unwrap_or(i64::MAX),
                i64::try_from(offset).unwrap_or(i64::MAX)
            ],
            |row| {
                Ok(Claim {
                    claim_no: row.get(0)?,
                    customer: row.get(1)?,
                    policy: row.get(2)?,
                    filed: row.get(3)?,
                    status: row.get(4)?,
                    amount_cents: row.get(5)?,
                })
            },
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((claims, usize::try_from(total).unwrap_or(0)))
}

pub(crate) const CLAIM_STATUSES: &[&str] = &["open", "in_review", "approved", "rejected", "paid"];

/// Deterministic claims (a fixed linear congruential sequence), so every fresh database holds
/// the same ones and a report test knows what to expect.
fn seed_claims(connection: &Connection) -> Result<(), rusqlite::Error> {
    const FIRST: &[&str] = &[
        "Anna", "Luca", "Mia", "Noah", "Lea", "Jonas", "Sofia", "Elias", "Yuki", "Wei",
    ];
    const LAST: &[&str] = &[
        "Müller", "Rossi", "Meier", "Keller", "Huber", "Tanaka", "Zhang", "Favre", "Weber",
        "Schmid",
    ];
    let mut state: u64 = 20_261_129;
    let mut next = |bound: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % bound
    };
    let mut statement = connection.prepare(
        "INSERT INTO claims (claim_no, customer, policy, filed, status, amount_cents) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for number in 1..=SEEDED_CLAIMS {
        let customer = format!(
            "{} {}",
            FIRST[next(FIRST.len() as u64) as usize],
            LAST[next(LAST.len() as u64) as usize]
        );
        let policy = format!("POL-{:05}", 10_000 + next(90_000));
        let filed = format!("2026-{:02}-{:02}", 1 + next(10), 1 + next(28));
        let status = CLAIM_STATUSES[next(CLAIM_STATUSES.len() as u64) as usize];
        let amount = i64::try_from(5_000 + next(2_500_000)).unwrap_or(0);
        statement.execute(params![
            format!("CLM-2026-{number:04}"),
            customer,
            policy,
            filed,
            status,
            amount
        ])?;
    }
    Ok(())
}
