//! Runs a script text in a fresh temporary bot package and reads its run folder back.

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use flowbot_agent::events::MemorySink;
use flowbot_agent::run::{RunOptions, RunReport, run_script};
use flowbot_model::Event;

pub struct Bot {
    pub dir: tempfile::TempDir,
    pub options: Option<RunOptions>,
    pub sink: MemorySink,
}

impl Bot {
    /// A package folder `bot/` holding `main.rhai`, a files root `files/` and runs in `runs/`.
    pub fn new(script: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("bot")).unwrap();
        std::fs::create_dir_all(dir.path().join("files")).unwrap();
        std::fs::write(dir.path().join("bot/main.rhai"), script).unwrap();
        let sink = MemorySink::default();
        let mut options = RunOptions::new(
            dir.path().join("bot/main.rhai"),
            dir.path().join("files"),
            dir.path().join("runs"),
        );
        options.extra_sink = Some(Box::new(sink.clone()));
        Self {
            dir,
            options: Some(options),
            sink,
        }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn write(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    pub fn options(&mut self) -> &mut RunOptions {
        self.options.as_mut().unwrap()
    }

    pub fn input(mut self, key: &str, value: serde_json::Value) -> Self {
        self.options().inputs.insert(key.to_owned(), value);
        self
    }

    pub fn run(&mut self) -> RunReport {
        run_script(self.options.take().unwrap()).unwrap()
    }

    pub fn events(&self) -> Vec<Event> {
        self.sink.events()
    }
}

/// Every event in a run folder's events.jsonl, parsed with the model's schema.
pub fn read_events(run_dir: &Path) -> Vec<Event> {
    std::fs::read_to_string(run_dir.join("events.jsonl"))
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

pub fn activities(events: &[Event]) -> Vec<String> {
    events.iter().map(|event| event.activity.clone()).collect()
}

pub fn outputs(report: &RunReport) -> BTreeMap<String, serde_json::Value> {
    report.outputs.clone()
}

pub mod backoffice;
pub mod web;
