//! Auto-waiting: ask the page's engine whether the element is ready, and ask again until it
//! is or the timeout passes. The poll backs off (0, 20, 50, 100, 100, 250 … 500 ms) so a ready
//! page answers at once and a slow one is not hammered. A navigation in between (the page's
//! context destroyed) is just another "not yet".

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use chromiumoxide::cdp::js_protocol::runtime::EvaluateParams;
use chromiumoxide::page::ScreenshotParams;
use serde::{Deserialize, Serialize};

use super::session::cdp_error;
use super::{BrowserError, Locator, Session};

/// The page-side engine, sent with every call (see its header for why).
const ENGINE: &str = include_str!("engine.js");

const BACKOFF_MS: &[u64] = &[0, 20, 50, 100, 100, 250, 250, 500];

/// What state the element must reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum State {
    Attached,
    Visible,
    Hidden,
    Detached,
}

impl State {
    pub(crate) fn parse(text: &str) -> Result<Self, BrowserError> {
        match text {
            "attached" => Ok(State::Attached),
            "visible" => Ok(State::Visible),
            "hidden" => Ok(State::Hidden),
            "detached" => Ok(State::Detached),
            other => Err(BrowserError::Invalid(format!(
                "state `{other}` is not one of attached, visible, hidden, detached"
            ))),
        }
    }
}

/// What an action needs of its element before it may act.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Need {
    pub(crate) state: State,
    pub(crate) enabled: bool,
    pub(crate) editable: bool,
    /// A click at the element's centre must reach it (not a spinner or overlay on top).
    pub(crate) hit: bool,
    /// More than one match is an error (the author must say which).
    pub(crate) strict: bool,
}

impl Need {
    /// Click, hover, check: visible, enabled, not covered.
    pub(crate) const POINTER: Need = Need {
        state: State::Visible,
        enabled: true,
        editable: false,
        hit: true,
        strict: true,
    };
    /// Fill, type, select: visible, enabled, editable.
    pub(crate) const INPUT: Need = Need {
        state: State::Visible,
        enabled: true,
        editable: true,
        hit: false,
        strict: true,
    };
    /// Reads and uploads: present in the page.
    pub(crate) const ATTACHED: Need = Need {
        state: State::Attached,
        enabled: false,
        editable: false,
        hit: false,
        strict: true,
    };

    pub(crate) fn state(state: State) -> Need {
        Need {
            state,
            ..Need::ATTACHED
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Attempt {
    status: String,
    #[serde(default)]
    count: usize,
    #[serde(default)]
    found: Vec<String>,
    by: Option<String>,
    x: Option<f64>,
    y: Option<f64>,
    message: Option<String>,
    cross_origin: Option<String>,
}

impl Attempt {
    /// What was wrong, for the error after the last attempt.
    fn problem(&self) -> String {
        let first = self.found.first().cloned().unwrap_or_default();
        match self.status.as_str() {
            "none" => match &self.cross_origin {
                Some(frame) => format!(
                    "0 matches (frame `{frame}` is cross-origin; only same-origin frames can be searched)"
                ),
                None => "0 matches".to_owned(),
            },
            "many" => format!(
                "{} matches, expected 1 (add `>> nth=0` or narrow it): {}",
                self.count,
                self.found.join(", ")
            ),
            "hidden" => format!("1 match, not visible: {first}"),
            "disabled" => format!("1 match, disabled: {first}"),
            "readonly" => format!("1 match, not editable: {first}"),
            "covered" => format!(
                "1 match, covered by {} at its centre: {first}",
                self.by.as_deref().unwrap_or("another element")
            ),
            "present" => format!("still {} match(es), expected none", self.count),
            "visible" => "still visible".to_owned(),
            other => format!("{other}: {}", self.message.clone().unwrap_or_default()),
        }
    }
}

/// A ready element: its centre in the viewport (when a hit test was asked for).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Located {
    pub(crate) x: f64,
    pub(crate) y: f64,
    pub(crate) count: usize,
}

impl Session {
    /// Evaluates `expression` in the current tab's top frame and returns its JSON value.
    pub(crate) fn evaluate(&self, expression: &str) -> Result<serde_json::Value, BrowserError> {
        let page = self.page()?;
        let params = EvaluateParams::builder()
            .expression(expression)
            .return_by_value(true)
            .await_promise(true)
            .build()
            .map_err(BrowserError::Cdp)?;
        let result = self.rt.block_on(page.execute(params)).map_err(cdp_error)?;
        if let Some(exception) = &result.result.exception_details {
            let message = exception
                .exception
                .as_ref()
                .and_then(|object| object.description.clone())
                .unwrap_or_else(|| exception.text.clone());
            return Err(BrowserError::Script(message));
        }
        Ok(result.result.result.value.clone().unwrap_or_default())
    }

    /// Calls a method of the page engine: `check(parts, need)` etc.
    pub(crate) fn engine(&self, call: &str) -> Result<serde_json::Value, BrowserError> {
        self.evaluate(&format!("({ENGINE}).{call}"))
    }

    /// Waits until `locator` meets `need`, or fails naming what it found last and leaving a
    /// screenshot and the page's HTML in the run's artifacts.
    pub(crate) fn locate(
        &self,
        locator: &Locator,
        need: Need,
        timeout: Option<Duration>,
    ) -> Result<Located, BrowserError> {
        let need = Need {
            strict: need.strict && !locator.picks_one(),
            ..need
        };
        let call = format!(
            "check({}, {})",
            serde_json::to_string(&locator.parts)
                .map_err(|e| BrowserError::Invalid(e.to_string()))?,
            serde_json::to_string(&need).map_err(|e| BrowserError::Invalid(e.to_string()))?
        );
        let started = Instant::now();
        let timeout = timeout.unwrap_or(self.timeout);
        let deadline = (started + timeout).min(self.stopper.deadline);
        let mut problem = String::from("never checked");
        for attempt in 0.. {
            let pause = BACKOFF_MS[attempt.min(BACKOFF_MS.len() - 1)];
            if attempt > 0 {
                let wake = Instant::now() + Duration::from_millis(pause);
                if wake > deadline {
                    break;
                }
                self.stopper
                    .sleep(Duration::from_millis(pause))
                    .map_err(BrowserError::Stopped)?;
            }
            if let Some(reason) = self.stopper.reason() {
                return Err(BrowserError::Stopped(reason));
            }
            match self.engine(&call) {
                Ok(value) => {
                    let attempt: Attempt = serde_json::from_value(value)
                        .map_err(|e| BrowserError::Cdp(format!("unexpected engine answer: {e}")))?;
                    if attempt.status == "ok" {
                        return Ok(Located {
                            x: attempt.x.unwrap_or_default(),
                            y: attempt.y.unwrap_or_default(),
                            count: attempt.count,
                        });
                    }
                    if attempt.status == "invalid" {
                        return Err(BrowserError::Syntax(format!(
                            "locator `{}`: {}",
                            locator.source,
                            attempt.message.unwrap_or_default()
                        )));
                    }
                    problem = attempt.problem();
                }
                // The page navigated between attempts: its context is gone, try again.
                Err(BrowserError::Cdp(message) | BrowserError::Script(message)) => {
                    problem = format!("page not ready ({message})");
                }
                Err(other) => return Err(other),
            }
        }
        let artifacts = self.save_evidence("locator");
        Err(BrowserError::NotReady {
            locator: locator.source.clone(),
            problem,
            waited_ms: started.elapsed().as_millis(),
            artifacts,
        })
    }

    /// Saves a full-page screenshot and the page's HTML into the artifacts folder; returns
    /// " (screenshot: …, page: …)" for the error message, or nothing if there is nowhere to
    /// save or no page to save.
    pub(crate) fn save_evidence(&self, what: &str) -> String {
        let (Some(folder), Ok(page)) = (&self.artifacts, self.page()) else {
            return String::new();
        };
        let number = self.failures.fetch_add(1, Ordering::SeqCst) + 1;
        let stem = format!("{what}-failure-{number}");
        let mut saved = Vec::new();
        if std::fs::create_dir_all(folder).is_err() {
            return String::new();
        }
        let shot = self.rt.block_on(async {
            tokio::time::timeout(
                Duration::from_secs(5),
                page.screenshot(ScreenshotParams::builder().full_page(true).build()),
            )
            .await
        });
        if let Ok(Ok(png)) = shot {
            let path = folder.join(format!("{stem}.png"));
            if std::fs::write(&path, png).is_ok() {
                saved.push(format!("screenshot: {}", path.display()));
            }
        }
        let html = self
            .rt
            .block_on(async { tokio::time::timeout(Duration::from_secs(5), page.content()).await });
        if let Ok(Ok(html)) = html {
            let path = folder.join(format!("{stem}.html"));
            if std::fs::write(&path, html).is_ok() {
                saved.push(format!("page: {}", path.display()));
            }
        }
        if saved.is_empty() {
            String::new()
        } else {
            format!(" ({})", saved.join(", "))
        }
    }

    /// Polls `probe` until it returns `Some`, or times out waiting for `what`.
    pub(crate) fn poll<T>(
        &self,
        what: &str,
        timeout: Option<Duration>,
        mut probe: impl FnMut(&Self) -> Result<Option<T>, BrowserError>,
    ) -> Result<T, BrowserError> {
        let started = Instant::now();
        let deadline = (started + timeout.unwrap_or(self.timeout)).min(self.stopper.deadline);
        for attempt in 0.. {
            if attempt > 0 {
                let pause =
                    Duration::from_millis(BACKOFF_MS[attempt.min(BACKOFF_MS.len() - 1)].min(100));
                if Instant::now() + pause > deadline {
                    break;
                }
                self.stopper.sleep(pause).map_err(BrowserError::Stopped)?;
            }
            match probe(self) {
                Ok(Some(value)) => return Ok(value),
                Ok(None) | Err(BrowserError::Cdp(_)) => {}
                Err(other) => return Err(other),
            }
        }
        Err(BrowserError::Timeout {
            what: what.to_owned(),
            waited_ms: started.elapsed().as_millis(),
        })
    }
}
