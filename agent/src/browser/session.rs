//! One chromium per run: launched with a fresh profile and flags that keep it off the network,
//! driven over CDP by chromiumoxide on the session's own tokio runtime (rhai is synchronous;
//! every action is one `block_on`), and always shut down — on `browser_close`, at the end of
//! the run, or when the run is dropped — so no chromium outlives its bot.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::browser::{
    SetDownloadBehaviorBehavior, SetDownloadBehaviorParams,
};
use chromiumoxide::cdp::browser_protocol::network::{
    EventLoadingFailed, EventLoadingFinished, EventRequestWillBeSent,
};
use chromiumoxide::page::Page;
use futures::StreamExt;

use super::BrowserError;
use crate::sandbox::Stopper;

/// Debian's chromium; `FLOWBOT_CHROMIUM` or the `executable` option choose another.
pub(crate) const DEFAULT_EXECUTABLE: &str = "/usr/bin/chromium";
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// Chromium features turned off. No back-forward cache: `back()` is then an ordinary
/// navigation that reports its start and end like any other. The rest keep chromium off the
/// network: no translation, optimisation hints, media router, autofill or certificate
/// transparency look-ups, no feed suggestions, and none of the start-up requests Playwright
/// also turns off (network time from clients2.google.com, a preconnect to the default search
/// engine, AI-mode eligibility from www.google.com).
const DISABLED_FEATURES: &[&str] = &[
    "BackForwardCache",
    "TranslateUI",
    "Translate",
    "OptimizationHints",
    "MediaRouter",
    "AutofillServerCommunication",
    "CertificateTransparencyComponentUpdater",
    "InterestFeedContentSuggestions",
    "NetworkTimeServiceQuerying",
    "PreconnectToSearch",
    "AimEnabled",
];

/// How to start the browser.
#[derive(Debug, Clone)]
pub(crate) struct LaunchOptions {
    pub(crate) executable: PathBuf,
    pub(crate) headless: bool,
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// How long locators wait by default.
    pub(crate) timeout: Duration,
    /// The run's artifacts folder: screenshots, failure evidence, `downloads/`.
    pub(crate) artifacts: Option<PathBuf>,
    /// Where the throw-away profile folder is made (the run folder; else the temp dir).
    pub(crate) profile_parent: Option<PathBuf>,
}

impl Default for LaunchOptions {
    fn default() -> Self {
        Self {
            executable: std::env::var_os(super::CHROMIUM_ENV)
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(DEFAULT_EXECUTABLE)),
            headless: true,
            width: 1280,
            height: 900,
            timeout: DEFAULT_TIMEOUT,
            artifacts: None,
            profile_parent: None,
        }
    }
}

/// Requests in flight on one tab, for "wait for network idle".
#[derive(Debug)]
pub(crate) struct Network {
    inflight: HashSet<String>,
    last_change: Instant,
}

impl Network {
    /// How long the tab has had no request in flight (zero while one is).
    pub(crate) fn idle_for(&self) -> Duration {
        if self.inflight.is_empty() {
            self.last_change.elapsed()
        } else {
            Duration::ZERO
        }
    }
}

pub(crate) struct Tab {
    pub(crate) page: Page,
    pub(crate) network: Arc<Mutex<Network>>,
}

/// A running chromium and its tabs.
pub(crate) struct Session {
    pub(crate) rt: tokio::runtime::Runtime,
    browser: Option<Browser>,
    handler: tokio::task::JoinHandle<()>,
    pub(crate) tabs: Vec<Tab>,
    pub(crate) current: usize,
    pub(crate) timeout: Duration,
    pub(crate) stopper: Stopper,
    pub(crate) artifacts: Option<PathBuf>,
    /// Numbers the evidence files of failed locators.
    pub(crate) failures: std::sync::atomic::AtomicU32,
    /// Removed when the session ends; each run gets a fresh, unshared profile.
    _profile: tempfile::TempDir,
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find(|line| line.starts_with("Uid:"))
            .and_then(|line| line.split_whitespace().nth(1))
            == Some("0")
    })
}

impl Session {
    pub(crate) fn launch(options: LaunchOptions, stopper: Stopper) -> Result<Self, BrowserError> {
        if !options.executable.is_file() {
            return Err(BrowserError::NotInstalled {
                path: options.executable.clone(),
            });
        }
        if !options.headless && std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
            return Err(BrowserError::NoDisplay);
        }
        let parent = options
            .profile_parent
            .clone()
            .unwrap_or_else(std::env::temp_dir);
        // A run that keeps no local record has no run folder until something needs one.
        let profile = std::fs::create_dir_all(&parent)
            .and_then(|()| {
                tempfile::Builder::new()
                    .prefix("browser-profile-")
                    .tempdir_in(&parent)
            })
            .map_err(|source| BrowserError::Io {
                path: parent.clone(),
                source,
            })?;
        let launch_error = |message: String| BrowserError::Launch {
            path: options.executable.clone(),
            message,
        };
        let mut builder = BrowserConfig::builder()
            .chrome_executable(&options.executable)
            .user_data_dir(profile.path())
            // Without this chromiumoxide emulates an 800×600 viewport whatever the window size.
            .viewport(None)
            .window_size(options.width, options.height)
            .launch_timeout(Duration::from_secs(20))
            .request_timeout(Duration::from_secs(30))
            // Off the network unless the bot goes there: no component updates, reliability
            // reports or pings (chromiumoxide's defaults add no sync and no background
            // networking; DISABLED_FEATURES the rest).
            .args([
                "disable-gpu",
                "disable-component-update",
                "disable-domain-reliability",
                "no-default-browser-check",
                "no-pings",
                // Chromium's own first window would show the new-tab page, which Debian's
                // chromium sends to its default search engine's site (a second renderer
                // competing with the bot's tab for the CPU at start-up); the bot's tab is
                // made over CDP instead, as Playwright does.
                "no-startup-window",
            ])
            // A key and value, not one string: chromiumoxide then merges it with the
            // `--disable-features` it adds itself, and chromium keeps only the last of two.
            .arg(("disable-features", DISABLED_FEATURES.join(",").as_str()));
        if !options.headless {
            builder = builder.with_head();
        }
        // Chromium refuses to start its sandbox as root (containers, CI).
        if running_as_root() {
            builder = builder.no_sandbox();
        }
        let config = builder.build().map_err(launch_error)?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|error| launch_error(format!("no async runtime: {error}")))?;
        let (browser, mut handler) = rt
            .block_on(Browser::launch(config))
            .map_err(|error| launch_error(error.to_string()))?;
        // Drain every message; stopping at the first Err would hang every later command.
        let handler = rt.spawn(async move { while handler.next().await.is_some() {} });
        let mut session = Self {
            rt,
            browser: Some(browser),
            handler,
            tabs: Vec::new(),
            current: 0,
            timeout: options.timeout,
            stopper,
            artifacts: options.artifacts.clone(),
            failures: std::sync::atomic::AtomicU32::new(0),
            _profile: profile,
        };
        session.open_tab("about:blank")?;
        if let Some(artifacts) = &options.artifacts {
            session.allow_downloads(&artifacts.join("downloads"))?;
        }
        Ok(session)
    }

    fn browser(&self) -> Result<&Browser, BrowserError> {
        self.browser.as_ref().ok_or(BrowserError::NotOpen)
    }

    pub(crate) fn tab(&self) -> Result<&Tab, BrowserError> {
        self.tabs.get(self.current).ok_or(BrowserError::NotOpen)
    }

    pub(crate) fn page(&self) -> Result<&Page, BrowserError> {
        Ok(&self.tab()?.page)
    }

    fn allow_downloads(&self, folder: &Path) -> Result<(), BrowserError> {
        std::fs::create_dir_all(folder).map_err(|source| BrowserError::Io {
            path: folder.to_owned(),
            source,
        })?;
        let params = SetDownloadBehaviorParams::builder()
            .behavior(SetDownloadBehaviorBehavior::Allow)
            .download_path(folder.display().to_string())
            .build()
            .map_err(BrowserError::Cdp)?;
        let browser = self.browser()?;
        self.rt
            .block_on(browser.execute(params))
            .map_err(cdp_error)?;
        Ok(())
    }

    /// Opens a tab at `url` and makes it current.
    pub(crate) fn open_tab(&mut self, url: &str) -> Result<(), BrowserError> {
        let browser = self.browser()?;
        let page =
            self.rt
                .block_on(browser.new_page(url))
                .map_err(|error| BrowserError::Navigation {
                    url: url.to_owned(),
                    message: error.to_string(),
                })?;
        let tab = self.track(page)?;
        self.tabs.push(tab);
        self.current = self.tabs.len() - 1;
        Ok(())
    }

    /// Starts counting the tab's requests in flight.
    fn track(&self, page: Page) -> Result<Tab, BrowserError> {
        let network = Arc::new(Mutex::new(Network {
            inflight: HashSet::new(),
            last_change: Instant::now(),
        }));
        let (mut sent, mut finished, mut failed) = self
            .rt
            .block_on(async {
                Ok::<_, chromiumoxide::error::CdpError>((
                    page.event_listener::<EventRequestWillBeSent>().await?,
                    page.event_listener::<EventLoadingFinished>().await?,
                    page.event_listener::<EventLoadingFailed>().await?,
                ))
            })
            .map_err(cdp_error)?;
        let counter = Arc::clone(&network);
        self.rt.spawn(async move {
            loop {
                let (id, started) = tokio::select! {
                    Some(event) = sent.next() => (event.request_id.inner().clone(), true),
                    Some(event) = finished.next() => (event.request_id.inner().clone(), false),
                    Some(event) = failed.next() => (event.request_id.inner().clone(), false),
                    else => break,
                };
                let Ok(mut network) = counter.lock() else {
                    break;
                };
                if started {
                    network.inflight.insert(id);
                } else {
                    network.inflight.remove(&id);
                }
                network.last_change = Instant::now();
            }
        });
        Ok(Tab { page, network })
    }

    /// Picks up tabs the page opened itself (popups, `target=_blank`): pages with an opener.
    pub(crate) fn refresh_tabs(&mut self) -> Result<(), BrowserError> {
        let browser = self.browser()?;
        let pages = self.rt.block_on(browser.pages()).map_err(cdp_error)?;
        for page in pages {
            if page.opener_id().is_some()
                && !self
                    .tabs
                    .iter()
                    .any(|tab| tab.page.target_id() == page.target_id())
            {
                let tab = self.track(page)?;
                self.tabs.push(tab);
            }
        }
        Ok(())
    }

    /// Closes the current tab; the first remaining one becomes current.
    pub(crate) fn close_tab(&mut self) -> Result<(), BrowserError> {
        if self.tabs.len() <= 1 {
            return Err(BrowserError::Invalid(
                "cannot close the last tab; use browser_close()".to_owned(),
            ));
        }
        let tab = self.tabs.remove(self.current);
        self.rt.block_on(tab.page.close()).map_err(cdp_error)?;
        self.current = 0;
        Ok(())
    }

    /// Closes chromium and waits for it to exit; kills it if it does not.
    pub(crate) fn shutdown(&mut self) {
        let Some(mut browser) = self.browser.take() else {
            return;
        };
        self.tabs.clear();
        self.rt.block_on(async {
            let closed = tokio::time::timeout(CLOSE_TIMEOUT, browser.close()).await;
            if !matches!(closed, Ok(Ok(_))) {
                browser.kill().await;
            }
            if tokio::time::timeout(CLOSE_TIMEOUT, browser.wait())
                .await
                .is_err()
            {
                browser.kill().await;
                browser.wait().await.ok();
            }
        });
        self.handler.abort();
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.shutdown();
    }
}

pub(crate) fn cdp_error(error: chromiumoxide::error::CdpError) -> BrowserError {
    BrowserError::Cdp(error.to_string())
}
