//! The watch's journal, `DIR/.flowbot-watch.json`: the file being worked on and, once its run
//! ended, where it goes. Written (temporary file, then rename) before each state change, so a
//! watch that dies at any point knows on restart whether to finish a move (the run is not
//! repeated) or run the file again (its run never ended).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

pub(crate) const JOURNAL: &str = ".flowbot-watch.json";

/// Identifies one version of a file: a file replaced under the same name is new work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Stamp {
    pub(crate) bytes: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub(crate) modified_ns: u64,
}

impl Stamp {
    pub(crate) fn of(path: &Path) -> std::io::Result<Self> {
        let meta = std::fs::metadata(path)?;
        let modified_ns = meta
            .modified()?
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |age| u64::try_from(age.as_nanos()).unwrap_or(u64::MAX));
        Ok(Self {
            bytes: meta.len(),
            modified_ns,
        })
    }
}

/// Where a file is in its processing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub(crate) enum Entry {
    /// Its run started and has not ended.
    Running { stamp: Stamp, run_started: String },
    /// Its run ended; it goes to `folder` (`done`, `failed`, `review`), with `reason` for
    /// `failed`.
    Moving {
        stamp: Stamp,
        folder: String,
        reason: Option<String>,
        run_id: String,
    },
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Journal {
    #[serde(skip)]
    path: PathBuf,
    pub(crate) files: BTreeMap<String, Entry>,
}

impl Journal {
    pub(crate) fn load(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join(JOURNAL);
        let mut journal = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is not a watch journal", path.display()))?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Journal::default(),
            Err(error) => {
                return Err(error).with_context(|| format!("cannot read {}", path.display()));
            }
        };
        journal.path = path;
        Ok(journal)
    }

    pub(crate) fn set(&mut self, name: &str, entry: Entry) -> anyhow::Result<()> {
        self.files.insert(name.to_owned(), entry);
        self.save()
    }

    pub(crate) fn remove(&mut self, name: &str) -> anyhow::Result<()> {
        self.files.remove(name);
        self.save()
    }

    fn save(&self) -> anyhow::Result<()> {
        let temporary = self.path.with_extension("json.tmp");
        std::fs::write(&temporary, serde_json::to_vec_pretty(self)?)
            .with_context(|| format!("cannot write {}", temporary.display()))?;
        std::fs::rename(&temporary, &self.path)
            .with_context(|| format!("cannot write {}", self.path.display()))
    }
}
