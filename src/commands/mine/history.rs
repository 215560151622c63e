//! Mining a control plane's run history directly: `flowbot mine stats http://host:8640` reads
//! the history over the API, `flowbot mine stats control-plane.db` reads the store file
//! (read-only, so a live control plane is not disturbed). One case per run; each event also
//! names its job.

use std::io::{BufReader, Cursor};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, anyhow};
use flowbot_control_plane::store::{JobFilter, SqliteStore, Store};
use flowbot_miner::import::{Imported, jsonl};

/// The first bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";

/// The run history behind `log`, if it names a control plane (URL) or its store file; `None`
/// for every other input, which the importers read as usual.
pub(super) fn import(log: &Path) -> anyhow::Result<Option<Imported>> {
    let text = log.to_string_lossy();
    if text.starts_with("http://") || text.starts_with("https://") {
        return from_url(&text).map(Some);
    }
    if !is_control_plane_store(log) {
        return Ok(None);
    }
    let store = SqliteStore::open_read_only(log)
        .with_context(|| format!("cannot open {}", log.display()))?;
    let filter = JobFilter {
        limit: Some(u32::MAX),
        ..JobFilter::default()
    };
    let events = store
        .history(&filter)
        .with_context(|| format!("cannot read the run history in {}", log.display()))?;
    let mut lines = Vec::with_capacity(events.len() * 256);
    for event in &events {
        serde_json::to_writer(&mut lines, event)?;
        lines.push(b'\n');
    }
    Ok(Some(jsonl::read(
        Cursor::new(lines),
        &log.display().to_string(),
    )?))
}

/// An SQLite file with the control plane's `step_events` table (an OCEL 2.0 SQLite log has
/// other tables and goes to its own importer).
fn is_control_plane_store(path: &Path) -> bool {
    // Only a regular file is sniffed: a pipe's bytes, once read here, would be lost to the
    // importer.
    if !std::fs::metadata(path).is_ok_and(|metadata| metadata.is_file()) {
        return false;
    }
    let mut magic = [0u8; 16];
    let is_sqlite = std::fs::File::open(path)
        .and_then(|mut file| std::io::Read::read_exact(&mut file, &mut magic))
        .is_ok_and(|()| magic == SQLITE_MAGIC);
    is_sqlite && SqliteStore::open_read_only(path).is_ok()
}

fn from_url(base: &str) -> anyhow::Result<Imported> {
    let url = format!(
        "{}/api/v1/history/events?limit={}",
        base.trim_end_matches('/'),
        u32::MAX
    );
    let response = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()?
        .get(&url)
        .send()
        .map_err(|error| anyhow!("cannot reach the control plane at {base}: {error}"))?;
    let status = response.status();
    if !status.is_success() {
        let body: serde_json::Value = response.json().unwrap_or_default();
        return Err(anyhow!(
            "control plane refused the history ({status}): {}",
            body["error"]["message"].as_str().unwrap_or("no message")
        ));
    }
    Ok(jsonl::read(BufReader::new(response), base)?)
}
