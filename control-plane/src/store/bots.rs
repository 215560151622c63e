//! Bots and their immutable versions in SQLite: the statements behind the `Store` methods.

use chrono::{DateTime, Utc};
use flowbot_model::wire::BotPackage;
use rusqlite::{Connection, OptionalExtension, params};

use super::{BotSummary, BotVersion, StoreError, StoreResult};

fn not_found(name: &str, version: Option<u32>) -> StoreError {
    StoreError::NotFound {
        kind: if version.is_some() {
            "bot version"
        } else {
            "bot"
        },
        id: match version {
            Some(version) => format!("{name} v{version}"),
            None => name.to_owned(),
        },
    }
}

pub(super) fn add_version(
    connection: &Connection,
    name: &str,
    package: &BotPackage,
    now: DateTime<Utc>,
) -> StoreResult<BotVersion> {
    let valid_name = !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    if !valid_name {
        return Err(StoreError::Invalid(format!(
            "bot name {name:?}: use 1-100 letters, digits, '_', '-' or '.'"
        )));
    }
    if !package.files.contains_key(&package.entry) {
        return Err(StoreError::Invalid(format!(
            "entry script {:?} is not in the package",
            package.entry
        )));
    }
    if let Some(path) = package.unsafe_paths().first() {
        return Err(StoreError::Invalid(format!(
            "package path {path:?} must be relative and stay inside the package"
        )));
    }
    let millis = now.timestamp_millis();
    connection.execute(
        "INSERT OR IGNORE INTO bots (name, published_version, created_at) VALUES (?1, NULL, ?2)",
        params![name, millis],
    )?;
    let version: u32 = connection.query_row(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM bot_versions WHERE bot_name = ?1",
        [name],
        |row| row.get(0),
    )?;
    connection.execute(
        "INSERT INTO bot_versions (bot_name, version, package, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![name, version, serde_json::to_string(package)?, millis],
    )?;
    connection.execute(
        "UPDATE bots SET published_version = ?2 WHERE name = ?1 AND published_version IS NULL",
        params![name, version],
    )?;
    Ok(BotVersion {
        name: name.to_owned(),
        version,
        package: package.clone(),
        created_at: super::sqlite::from_millis(millis),
    })
}

pub(super) fn summaries(
    connection: &Connection,
    only: Option<&str>,
) -> StoreResult<Vec<BotSummary>> {
    let mut statement = connection.prepare(
        "SELECT b.name, b.published_version, MAX(v.version), b.created_at, b.max_concurrent FROM bots b \
         JOIN bot_versions v ON v.bot_name = b.name WHERE (?1 IS NULL OR b.name = ?1) GROUP BY b.name ORDER BY b.name",
    )?;
    let rows = statement.query_map([only], |row| {
        Ok(BotSummary {
            name: row.get(0)?,
            published_version: row.get(1)?,
            latest_version: row.get(2)?,
            created_at: super::sqlite::from_millis(row.get(3)?),
            max_concurrent: row.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The concrete version a request for `version` means (0: the published one).
pub(super) fn resolve(connection: &Connection, name: &str, version: u32) -> StoreResult<u32> {
    let published: Option<Option<u32>> = connection
        .query_row(
            "SELECT published_version FROM bots WHERE name = ?1",
            [name],
            |row| row.get(0),
        )
        .optional()?;
    let published = published.ok_or_else(|| not_found(name, None))?;
    if version == 0 {
        return published
            .ok_or_else(|| StoreError::Invalid(format!("bot {name} has no published version")));
    }
    let exists: bool = connection.query_row(
        "SELECT EXISTS (SELECT 1 FROM bot_versions WHERE bot_name = ?1 AND version = ?2)",
        params![name, version],
        |row| row.get(0),
    )?;
    if exists {
        Ok(version)
    } else {
        Err(not_found(name, Some(version)))
    }
}

pub(super) fn load(connection: &Connection, name: &str, version: u32) -> StoreResult<BotVersion> {
    let version = resolve(connection, name, version)?;
    let (package, created_at): (String, i64) = connection.query_row(
        "SELECT package, created_at FROM bot_versions WHERE bot_name = ?1 AND version = ?2",
        params![name, version],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    Ok(BotVersion {
        name: name.to_owned(),
        version,
        package: serde_json::from_str(&package)?,
        created_at: super::sqlite::from_millis(created_at),
    })
}

pub(super) fn publish(
    connection: &Connection,
    name: &str,
    version: u32,
) -> StoreResult<BotSummary> {
    let version = resolve(connection, name, version.max(1))?;
    connection.execute(
        "UPDATE bots SET published_version = ?2 WHERE name = ?1",
        params![name, version],
    )?;
    summaries(connection, Some(name))?
        .pop()
        .ok_or_else(|| not_found(name, None))
}

pub(super) fn set_limit(
    connection: &Connection,
    name: &str,
    max_concurrent: Option<u32>,
) -> StoreResult<BotSummary> {
    if max_concurrent == Some(0) {
        return Err(StoreError::Invalid(
            "max_concurrent must be at least 1 (remove the limit instead)".to_owned(),
        ));
    }
    connection.execute(
        "UPDATE bots SET max_concurrent = ?2 WHERE name = ?1",
        params![name, max_concurrent],
    )?;
    summaries(connection, Some(name))?
        .pop()
        .ok_or_else(|| not_found(name, None))
}
