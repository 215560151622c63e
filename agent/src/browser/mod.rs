//! Browser automation: chromium over CDP (chromiumoxide), locators that wait until an element
//! is ready (Playwright's auto-waiting, re-implemented), and the actions the browser steps
//! call. The rhai side lives in `steps/browser*.rs`; this module knows nothing of rhai.
//!
//! - `session`: launch, tabs, network tracking, shutdown (no chromium outlives its run).
//! - `locator`: the locator language (`label=Email >> nth=0`), parsed in Rust.
//! - `engine.js`: finds elements and checks actionability in the page.
//! - `wait`: the retry loop, and the screenshot + HTML saved when a locator gives up.
//! - `actions`, `input`: what steps do with a located element; keys and text input.

mod actions;
mod input;
mod locator;
mod session;
mod wait;

use std::path::PathBuf;

/// Overrides the chromium the browser steps start (default `/usr/bin/chromium`).
pub const CHROMIUM_ENV: &str = "FLOWBOT_CHROMIUM";

pub(crate) use actions::TableRows;
pub(crate) use locator::{Locator, quoted_if_needed};
pub(crate) use session::{LaunchOptions, Session};
pub(crate) use wait::{Need, State};

/// Why a browser step failed. Each message names what the author can act on.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    #[error(
        "chromium not found at {} (install it with `cargo xtask setup`, or pass the `executable` option)",
        path.display()
    )]
    NotInstalled { path: PathBuf },
    #[error(
        "a headed browser needs an X display, and DISPLAY is not set (on a server, start one \
         with `Xvfb :99 -screen 0 1280x800x24 &` and set DISPLAY=:99, or leave headless on)"
    )]
    NoDisplay,
    #[error("cannot start chromium ({}): {message}", path.display())]
    Launch { path: PathBuf, message: String },
    #[error("no browser is open in this run (call browser_open() first)")]
    NotOpen,
    #[error("a browser is already open in this run (call browser_close() first)")]
    AlreadyOpen,
    #[error("{0}")]
    Syntax(String),
    /// A locator that never became ready: what it found, how long it waited, and where the
    /// screenshot and page HTML were saved.
    #[error("locator `{locator}`: {problem} after waiting {waited_ms} ms{artifacts}")]
    NotReady {
        locator: String,
        problem: String,
        waited_ms: u128,
        artifacts: String,
    },
    #[error("cannot open {url}: {message}")]
    Navigation { url: String, message: String },
    #[error("timed out after {waited_ms} ms waiting for {what}")]
    Timeout { what: String, waited_ms: u128 },
    #[error("JavaScript error: {0}")]
    Script(String),
    #[error("browser: {0}")]
    Cdp(String),
    #[error("{0}")]
    Invalid(String),
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The run was cancelled or hit its deadline while waiting.
    #[error("run {0}")]
    Stopped(&'static str),
}
