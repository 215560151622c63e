//! What the browser steps do, on top of locating: navigation, pointer and keyboard actions,
//! form controls, reads, screenshots, waits, uploads and downloads. Every action first waits
//! for its element (see `wait`), then acts on the element the engine left in
//! `globalThis.__flowbotTarget`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chromiumoxide::cdp::browser_protocol::dom::SetFileInputFilesParams;
use chromiumoxide::cdp::browser_protocol::page::{
    CaptureScreenshotFormat, EventFrameStartedLoading, EventFrameStoppedLoading, Viewport,
};
use chromiumoxide::cdp::js_protocol::runtime::EvaluateParams;
use chromiumoxide::page::ScreenshotParams;
use futures::StreamExt;
use serde::Deserialize;

use super::session::cdp_error;
use super::wait::Located;
use super::{BrowserError, Locator, Need, Session, State};

/// How long after a click or key press a navigation counts as caused by it. Chromium reports
/// the start of a navigation within a few milliseconds of the event that triggered it.
const NAVIGATION_GRACE: Duration = Duration::from_millis(60);

/// A table read into a header row and data rows, cells as shown.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct TableRows {
    pub(crate) headers: Vec<String>,
    pub(crate) rows: Vec<Vec<String>>,
}

fn js(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

impl Session {
    /// Runs `act`; if it started a navigation, waits until the new page has stopped loading,
    /// so the next step never finds elements of the page being left.
    fn with_navigation<T>(
        &self,
        act: impl FnOnce(&Self) -> Result<T, BrowserError>,
    ) -> Result<T, BrowserError> {
        let page = self.page()?;
        let (mut started, mut stopped) = self
            .rt
            .block_on(async {
                Ok::<_, chromiumoxide::error::CdpError>((
                    page.event_listener::<EventFrameStartedLoading>().await?,
                    page.event_listener::<EventFrameStoppedLoading>().await?,
                ))
            })
            .map_err(cdp_error)?;
        let value = act(self)?;
        let navigated = self
            .rt
            .block_on(async { tokio::time::timeout(NAVIGATION_GRACE, started.next()).await })
            .is_ok();
        if navigated {
            let timeout = self.timeout.max(Duration::from_secs(30));
            let finished = self
                .rt
                .block_on(async { tokio::time::timeout(timeout, stopped.next()).await });
            if finished.is_err() {
                return Err(BrowserError::Timeout {
                    what: "the page it opened to load".to_owned(),
                    waited_ms: timeout.as_millis(),
                });
            }
        }
        Ok(value)
    }

    pub(crate) fn goto(&self, url: &str) -> Result<(), BrowserError> {
        let page = self.page()?;
        let timeout = self.timeout.max(Duration::from_secs(30));
        let navigation_error = |message: String| BrowserError::Navigation {
            url: url.to_owned(),
            message,
        };
        match self
            .rt
            .block_on(async { tokio::time::timeout(timeout, page.goto(url)).await })
        {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(error)) => Err(navigation_error(error.to_string())),
            Err(_) => Err(navigation_error(format!(
                "no answer within {} s",
                timeout.as_secs()
            ))),
        }
    }

    pub(crate) fn back(&self) -> Result<(), BrowserError> {
        self.with_navigation(|session| session.evaluate("history.back()").map(drop))
    }

    pub(crate) fn reload(&self) -> Result<(), BrowserError> {
        let page = self.page()?;
        self.rt.block_on(page.reload()).map_err(cdp_error)?;
        Ok(())
    }

    pub(crate) fn url(&self) -> Result<String, BrowserError> {
        Ok(self
            .evaluate("location.href")?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    pub(crate) fn title(&self) -> Result<String, BrowserError> {
        Ok(self
            .evaluate("document.title")?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    pub(crate) fn html(&self) -> Result<String, BrowserError> {
        self.rt.block_on(self.page()?.content()).map_err(cdp_error)
    }

    fn on_target(&self, body: &str) -> Result<serde_json::Value, BrowserError> {
        self.evaluate(&format!(
            "(() => {{ const el = globalThis.__flowbotTarget; {body} }})()"
        ))
    }

    pub(crate) fn click(
        &self,
        locator: &Locator,
        timeout: Option<Duration>,
    ) -> Result<Located, BrowserError> {
        let at = self.locate(locator, Need::POINTER, timeout)?;
        self.with_navigation(|session| session.mouse_click(at.x, at.y))?;
        Ok(at)
    }

    pub(crate) fn hover(
        &self,
        locator: &Locator,
        timeout: Option<Duration>,
    ) -> Result<(), BrowserError> {
        let at = self.locate(locator, Need::POINTER, timeout)?;
        self.mouse_move(at.x, at.y)
    }

    /// Replaces the control's value with `value` (Playwright's `fill`): select all, then
    /// insert the text as one input event; date-like inputs take the value directly.
    pub(crate) fn fill(
        &self,
        locator: &Locator,
        value: &str,
        timeout: Option<Duration>,
    ) -> Result<(), BrowserError> {
        self.locate(locator, Need::INPUT, timeout)?;
        let how = self.on_target(&format!(
            r#"const value = {value};
            const type = (el.getAttribute('type') || '').toLowerCase();
            if (el.localName === 'select') return 'select';
            if (el.localName === 'input' && ['checkbox', 'radio', 'file', 'button', 'submit', 'reset', 'image'].includes(type)) return 'cannot:' + type;
            el.focus();
            if (el.localName === 'input' && ['date', 'time', 'datetime-local', 'month', 'week', 'color', 'range'].includes(type)) {{
              el.value = value;
              if (el.value !== value) return 'rejected';
              el.dispatchEvent(new Event('input', {{ bubbles: true }}));
              el.dispatchEvent(new Event('change', {{ bubbles: true }}));
              return 'set';
            }}
            if (el.isContentEditable) {{
              const range = document.createRange(); range.selectNodeContents(el);
              const selection = getSelection(); selection.removeAllRanges(); selection.addRange(range);
            }} else {{ el.select(); }}
            if (value === '') {{ document.execCommand('delete'); return 'set'; }}
            return 'insert';"#,
            value = js(&value)
        ))?;
        match how.as_str().unwrap_or_default() {
            "insert" => self.insert_text(value),
            "set" => Ok(()),
            "select" => Err(BrowserError::Invalid(format!(
                "`{}` is a select; use select_option",
                locator.source
            ))),
            "rejected" => Err(BrowserError::Invalid(format!(
                "`{}` refused the value {value:?} (a date is YYYY-MM-DD, a time HH:MM)",
                locator.source
            ))),
            other => Err(BrowserError::Invalid(format!(
                "`{}` cannot be filled ({}); use check, upload or click",
                locator.source,
                other.trim_start_matches("cannot:")
            ))),
        }
    }

    /// Focuses the control and types `text` a key at a time.
    pub(crate) fn type_text(
        &self,
        locator: &Locator,
        text: &str,
        timeout: Option<Duration>,
    ) -> Result<(), BrowserError> {
        self.locate(locator, Need::INPUT, timeout)?;
        self.on_target("el.focus(); return true;")?;
        self.type_characters(text)
    }

    pub(crate) fn press(
        &self,
        locator: &Locator,
        keys: &str,
        timeout: Option<Duration>,
    ) -> Result<(), BrowserError> {
        self.locate(locator, Need::state(State::Visible), timeout)?;
        self.on_target("el.focus(); return true;")?;
        self.with_navigation(|session| session.press_keys(keys))
    }

    /// Selects the options whose value or visible text is one of `wanted`; returns the values
    /// now selected. Waits for the options too (they are often loaded after the select).
    pub(crate) fn select(
        &self,
        locator: &Locator,
        wanted: &[String],
        timeout: Option<Duration>,
    ) -> Result<Vec<String>, BrowserError> {
        self.locate(locator, Need::INPUT, timeout)?;
        let script = format!(
            r#"const wanted = {wanted};
            if (el.localName !== 'select') return {{ error: 'not a select: ' + el.localName }};
            const norm = (t) => (t || '').replace(/\s+/g, ' ').trim();
            const picked = wanted.map((w) => [...el.options].find((o) => o.value === w) || [...el.options].find((o) => norm(o.label) === norm(w)));
            const missing = wanted.filter((w, i) => !picked[i]);
            if (missing.length) return {{ missing, options: [...el.options].map((o) => o.label + ' (' + o.value + ')') }};
            if (!el.multiple && picked.length > 1) return {{ error: 'this select takes one option' }};
            for (const option of el.options) option.selected = picked.includes(option);
            el.dispatchEvent(new Event('input', {{ bubbles: true }}));
            el.dispatchEvent(new Event('change', {{ bubbles: true }}));
            return {{ selected: [...el.selectedOptions].map((o) => o.value) }};"#,
            wanted = js(&wanted)
        );
        let mut last = serde_json::Value::Null;
        let outcome = self.poll("the options", timeout, |session| {
            let answer = session.on_target(&script)?;
            if let Some(error) = answer.get("error").and_then(|e| e.as_str()) {
                return Err(BrowserError::Invalid(format!(
                    "`{}`: {error}",
                    locator.source
                )));
            }
            if let Some(selected) = answer.get("selected") {
                return Ok(Some(
                    serde_json::from_value::<Vec<String>>(selected.clone()).unwrap_or_default(),
                ));
            }
            last = answer;
            Ok(None)
        });
        outcome.map_err(|error| match error {
            BrowserError::Timeout { waited_ms, .. } => BrowserError::NotReady {
                locator: locator.source.clone(),
                problem: format!(
                    "no option {} among {}",
                    last.get("missing")
                        .map(|m| m.to_string())
                        .unwrap_or_default(),
                    last.get("options")
                        .map(|o| o.to_string())
                        .unwrap_or_default()
                ),
                waited_ms,
                artifacts: self.save_evidence("select"),
            },
            other => other,
        })
    }

    /// Checks or unchecks a checkbox or radio button by clicking it, and confirms the state.
    pub(crate) fn set_checked(
        &self,
        locator: &Locator,
        checked: bool,
        timeout: Option<Duration>,
    ) -> Result<(), BrowserError> {
        let state = "return el.checked === undefined ? (el.getAttribute('aria-checked') === 'true') : el.checked;";
        let at = self.locate(locator, Need::POINTER, timeout)?;
        if self.on_target(state)?.as_bool() == Some(checked) {
            return Ok(());
        }
        self.mouse_click(at.x, at.y)?;
        if self.on_target(state)?.as_bool() == Some(checked) {
            Ok(())
        } else {
            Err(BrowserError::Invalid(format!(
                "clicking `{}` did not {} it",
                locator.source,
                if checked { "check" } else { "uncheck" }
            )))
        }
    }

    pub(crate) fn read_text(
        &self,
        locator: &Locator,
        timeout: Option<Duration>,
    ) -> Result<String, BrowserError> {
        self.locate(locator, Need::ATTACHED, timeout)?;
        let text = self.on_target("return (el.innerText !== undefined ? el.innerText : el.textContent).replace(/[ \\t]+/g, ' ').trim();")?;
        Ok(text.as_str().unwrap_or_default().to_owned())
    }

    pub(crate) fn read_value(
        &self,
        locator: &Locator,
        timeout: Option<Duration>,
    ) -> Result<String, BrowserError> {
        self.locate(locator, Need::ATTACHED, timeout)?;
        let value = self.on_target(
            "if (el.type === 'checkbox' || el.type === 'radio') return el.checked ? (el.value || 'on') : ''; return el.value === undefined ? null : String(el.value);",
        )?;
        value.as_str().map(str::to_owned).ok_or_else(|| {
            BrowserError::Invalid(format!(
                "`{}` has no value (not a form control)",
                locator.source
            ))
        })
    }

    pub(crate) fn read_attribute(
        &self,
        locator: &Locator,
        name: &str,
        timeout: Option<Duration>,
    ) -> Result<Option<String>, BrowserError> {
        self.locate(locator, Need::ATTACHED, timeout)?;
        let value = self.on_target(&format!("return el.getAttribute({});", js(&name)))?;
        Ok(value.as_str().map(str::to_owned))
    }

    /// Reads an HTML table: headers from `<thead>` (or the first row), one entry per body row.
    pub(crate) fn read_table(
        &self,
        locator: &Locator,
        timeout: Option<Duration>,
    ) -> Result<TableRows, BrowserError> {
        self.locate(locator, Need::ATTACHED, timeout)?;
        let table = self.on_target(
            r#"if (el.localName !== 'table') return { error: 'not a table: ' + el.localName };
            const text = (cell) => (cell.innerText || cell.textContent || '').replace(/\s+/g, ' ').trim();
            const rows = [...el.rows];
            let headerRow = el.tHead && el.tHead.rows.length ? el.tHead.rows[el.tHead.rows.length - 1] : null;
            if (!headerRow && rows.length && [...rows[0].cells].every((c) => c.localName === 'th')) headerRow = rows[0];
            const headers = headerRow ? [...headerRow.cells].map(text) : [];
            const body = rows.filter((r) => r !== headerRow && !(el.tHead && el.tHead.contains(r)));
            return { headers, rows: body.map((r) => [...r.cells].map(text)) };"#,
        )?;
        if let Some(error) = table.get("error").and_then(|e| e.as_str()) {
            return Err(BrowserError::Invalid(format!(
                "`{}`: {error}",
                locator.source
            )));
        }
        serde_json::from_value(table).map_err(|e| BrowserError::Cdp(e.to_string()))
    }

    /// How many elements match now (no waiting).
    pub(crate) fn count(&self, locator: &Locator) -> Result<usize, BrowserError> {
        let value = self.engine(&format!("resolve({}).length", js(&locator.parts)))?;
        Ok(value
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0))
    }

    pub(crate) fn wait_for(
        &self,
        locator: &Locator,
        state: State,
        timeout: Option<Duration>,
    ) -> Result<usize, BrowserError> {
        let need = Need {
            strict: false,
            ..Need::state(state)
        };
        Ok(self.locate(locator, need, timeout)?.count)
    }

    /// Waits until the URL contains `pattern` (or matches it, with `*` as a wildcard).
    pub(crate) fn wait_for_url(
        &self,
        pattern: &str,
        timeout: Option<Duration>,
    ) -> Result<String, BrowserError> {
        let matcher = if pattern.contains('*') {
            let regex = pattern
                .split('*')
                .map(regex::escape)
                .collect::<Vec<_>>()
                .join(".*");
            Some(
                regex::Regex::new(&format!("^{regex}$"))
                    .map_err(|e| BrowserError::Invalid(e.to_string()))?,
            )
        } else {
            None
        };
        self.poll(
            &format!("the URL to match `{pattern}`"),
            timeout,
            |session| {
                let url = session.url()?;
                let hit = match &matcher {
                    Some(regex) => regex.is_match(&url),
                    None => url.contains(pattern),
                };
                Ok(hit.then_some(url))
            },
        )
    }

    /// Waits until the tab has had no request in flight for `quiet`.
    pub(crate) fn wait_for_network_idle(
        &self,
        quiet: Duration,
        timeout: Option<Duration>,
    ) -> Result<(), BrowserError> {
        let network = std::sync::Arc::clone(&self.tab()?.network);
        self.poll("the network to be idle", timeout, |_| {
            let idle = network.lock().map(|n| n.idle_for()).unwrap_or_default();
            Ok((idle >= quiet).then_some(()))
        })
    }

    /// Saves a PNG of the page, or of one element, to `path`.
    pub(crate) fn screenshot(
        &self,
        path: &Path,
        element: Option<(&Locator, Option<Duration>)>,
    ) -> Result<(), BrowserError> {
        let mut params = ScreenshotParams::builder().format(CaptureScreenshotFormat::Png);
        match element {
            Some((locator, timeout)) => {
                self.locate(locator, Need::state(State::Visible), timeout)?;
                let rect = self.on_target(
                    "el.scrollIntoView({ block: 'center', behavior: 'instant' }); const r = el.getBoundingClientRect(); return { x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height };",
                )?;
                let number = |key: &str| rect.get(key).and_then(|v| v.as_f64()).unwrap_or_default();
                params = params.clip(Viewport {
                    x: number("x"),
                    y: number("y"),
                    width: number("width").max(1.0),
                    height: number("height").max(1.0),
                    scale: 1.0,
                });
            }
            None => params = params.full_page(true),
        }
        let png = self
            .rt
            .block_on(self.page()?.screenshot(params.build()))
            .map_err(cdp_error)?;
        write_file(path, &png)
    }

    /// Sets the files of an `<input type=file>` (hidden ones too, as pages often style them).
    pub(crate) fn upload(
        &self,
        locator: &Locator,
        files: &[PathBuf],
        timeout: Option<Duration>,
    ) -> Result<(), BrowserError> {
        for file in files {
            if !file.is_file() {
                return Err(BrowserError::Invalid(format!(
                    "no file to upload at {}",
                    file.display()
                )));
            }
        }
        self.locate(locator, Need::ATTACHED, timeout)?;
        let kind = self.on_target("return el.localName === 'input' && el.type === 'file';")?;
        if kind.as_bool() != Some(true) {
            return Err(BrowserError::Invalid(format!(
                "`{}` is not a file input",
                locator.source
            )));
        }
        let page = self.page()?;
        let params = EvaluateParams::builder()
            .expression("globalThis.__flowbotTarget")
            .build()
            .map_err(BrowserError::Cdp)?;
        let handle = self.rt.block_on(page.execute(params)).map_err(cdp_error)?;
        let object_id = handle
            .result
            .result
            .object_id
            .clone()
            .ok_or_else(|| BrowserError::Cdp("the file input vanished".to_owned()))?;
        let params = SetFileInputFilesParams::builder()
            .files(files.iter().map(|f| f.display().to_string()))
            .object_id(object_id)
            .build()
            .map_err(BrowserError::Cdp)?;
        self.rt.block_on(page.execute(params)).map_err(cdp_error)?;
        Ok(())
    }

    /// Clicks `locator` and waits for the download it starts; returns the saved file.
    pub(crate) fn download(
        &self,
        locator: &Locator,
        timeout: Option<Duration>,
    ) -> Result<PathBuf, BrowserError> {
        let folder = self
            .artifacts
            .as_ref()
            .map(|artifacts| artifacts.join("downloads"))
            .ok_or_else(|| BrowserError::Invalid("downloads need a run folder".to_owned()))?;
        let before = list_files(&folder);
        self.click(locator, timeout)?;
        let started = Instant::now();
        let mut sizes: Vec<(PathBuf, u64)> = Vec::new();
        self.poll(
            "the download to finish",
            Some(timeout.unwrap_or(self.timeout).max(Duration::from_secs(30))),
            |_| {
                let fresh: Vec<(PathBuf, u64)> = list_files(&folder)
                    .into_iter()
                    .filter(|(path, _)| !before.iter().any(|(old, _)| old == path))
                    .collect();
                let partial = fresh
                    .iter()
                    .any(|(path, _)| path.extension().is_some_and(|e| e == "crdownload"));
                // Done when a new file is there, no partial one is, and its size held still once.
                let done = !partial && !fresh.is_empty() && fresh == sizes;
                sizes = fresh.clone();
                Ok(done.then(|| fresh[0].0.clone()))
            },
        )
        .map_err(|error| match error {
            BrowserError::Timeout { .. } => BrowserError::Timeout {
                what: format!("a download from clicking `{}`", locator.source),
                waited_ms: started.elapsed().as_millis(),
            },
            other => other,
        })
    }
}

fn list_files(folder: &Path) -> Vec<(PathBuf, u64)> {
    let mut files: Vec<(PathBuf, u64)> = std::fs::read_dir(folder)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|entry| Some((entry.path(), entry.metadata().ok()?.len())))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), BrowserError> {
    let io = |source| BrowserError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(path, bytes).map_err(io)
}
