//! Browser steps, part one: the browser itself (open, close, tabs), navigation, page-level
//! waits, JavaScript and screenshots. Element steps are in `browser_elements.rs`.
//!
//! A run has at most one browser. It lives in [`Browser`], which the step closures share; when
//! the run ends the engine and its closures are dropped, and with them the session, which
//! closes chromium (see `browser::session`).
//!
//! Effects: steps that can change the world outside the browser — `click`, `press`, `upload`,
//! `download`, `eval_js` — are `write` and are skipped in a dry run; filling a form changes
//! nothing until it is submitted, so `fill`, `select_option`, `check` … are `read`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rhai::{Array, Dynamic, EvalAltResult, ImmutableString, Map, NativeCallContext};

use crate::browser::{BrowserError, LaunchOptions, Locator, Session};
use crate::catalogue::ParamType::{Any, Array as ArrayT, Int, Map as MapT, String as Str, Unit};
use crate::catalogue::{Category, Effect, Param, Registrar, StepSpec};
use crate::error::StepError;
use crate::runtime::{Runtime, StepRecord};
use crate::steps::json::from_json;
use crate::steps::option;

/// The run's browser, shared by every browser step.
pub(crate) struct Browser {
    pub(crate) runtime: Arc<Runtime>,
    session: Mutex<Option<Session>>,
}

impl Browser {
    pub(crate) fn new(runtime: &Arc<Runtime>) -> Arc<Self> {
        Arc::new(Self {
            runtime: Arc::clone(runtime),
            session: Mutex::new(None),
        })
    }

    fn artifacts(&self) -> Option<PathBuf> {
        self.runtime
            .run_dir
            .as_ref()
            .map(|dir| dir.join("artifacts"))
    }

    /// Runs one browser step on the open session: one event, errors as catchable maps, and
    /// `write` steps skipped in a dry run.
    pub(crate) fn step(
        &self,
        ctx: &NativeCallContext,
        name: &str,
        effect: Effect,
        args: &[&Dynamic],
        body: impl FnOnce(&mut Session, &mut StepRecord) -> Result<Dynamic, StepError>,
    ) -> Result<Dynamic, Box<EvalAltResult>> {
        self.runtime
            .step_as(ctx, name, name, effect, args, |record| {
                if effect == Effect::Write && self.runtime.dry_run {
                    record.skipped = true;
                    return Ok(Dynamic::UNIT);
                }
                let mut guard = self.session.lock().unwrap_or_else(PoisonError::into_inner);
                let session = guard.as_mut().ok_or(BrowserError::NotOpen)?;
                body(session, record)
            })
    }

    fn open(&self, options: &Map) -> Result<(), StepError> {
        let mut guard = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        if guard.is_some() {
            return Err(BrowserError::AlreadyOpen.into());
        }
        let mut launch = LaunchOptions {
            artifacts: self.artifacts(),
            profile_parent: self.runtime.run_dir.clone(),
            ..LaunchOptions::default()
        };
        if let Some(headless) = option(options, "headless") {
            launch.headless = headless
                .as_bool()
                .map_err(|_| StepError::invalid("headless must be true or false"))?;
        }
        if let Some(executable) = option(options, "executable") {
            launch.executable = PathBuf::from(executable.to_string());
        }
        if let Some(timeout) = timeout(options)? {
            launch.timeout = timeout;
        }
        for (key, slot) in [("width", &mut launch.width), ("height", &mut launch.height)] {
            if let Some(value) = option(options, key) {
                *slot = value
                    .as_int()
                    .ok()
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|n| (100..=8000).contains(n))
                    .ok_or_else(|| {
                        StepError::invalid(format!("{key} must be 100 to 8000 pixels"))
                    })?;
            }
        }
        *guard = Some(Session::launch(launch, self.runtime.stopper.clone())?);
        Ok(())
    }

    fn close(&self) -> bool {
        let session = self
            .session
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match session {
            Some(mut session) => {
                session.shutdown();
                true
            }
            None => false,
        }
    }
}

/// The `timeout_ms` option, if given.
pub(crate) fn timeout(options: &Map) -> Result<Option<Duration>, StepError> {
    match option(options, "timeout_ms") {
        None => Ok(None),
        Some(value) => value
            .as_int()
            .ok()
            .and_then(|ms| u64::try_from(ms).ok())
            .map(|ms| Some(Duration::from_millis(ms)))
            .ok_or_else(|| StepError::invalid("timeout_ms must be a whole number of 0 or more")),
    }
}

pub(crate) fn parse_locator(text: &str) -> Result<Locator, StepError> {
    Locator::parse(text).map_err(|error| BrowserError::Syntax(error.to_string()).into())
}

/// A file name for the artifacts folder: letters, digits, `-`, `_`, `.`, ending in `.png`.
fn artifact_name(name: &str) -> Result<String, StepError> {
    let stem = name.strip_suffix(".png").unwrap_or(name);
    if stem.is_empty()
        || stem.starts_with('.')
        || !stem
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(StepError::invalid(format!(
            "screenshot name `{name}` may use only letters, digits, '-', '_' and '.'"
        )));
    }
    Ok(format!("{stem}.png"))
}

pub(crate) fn register(reg: &mut Registrar<'_>, rt: &Arc<Runtime>) -> Arc<Browser> {
    let browser = Browser::new(rt);

    for params in [
        &[][..],
        &[Param {
            name: "options",
            ty: MapT,
        }][..],
    ] {
        let b = Arc::clone(&browser);
        let spec = StepSpec {
            name: "browser_open",
            category: Category::Browser,
            effect: Effect::Control,
            doc: "Starts chromium with a fresh profile (headless unless `headless: false`, which needs an X\ndisplay) and one blank tab. Options: `headless`, `executable` (default /usr/bin/chromium or\n$FLOWBOT_CHROMIUM), `width`, `height` (1280×900), `timeout_ms` (how long locators wait, 10 000).\nThe browser closes at the end of the run if the script does not close it.",
            params,
            returns: Unit,
            example: "browser_open(#{ timeout_ms: 15_000 });\nnavigate(\"http://127.0.0.1:8650/login\");",
        };
        if params.is_empty() {
            reg.add(spec, move |ctx: NativeCallContext| {
                b.runtime.step_as(
                    &ctx,
                    "browser_open",
                    "browser_open",
                    Effect::Control,
                    &[],
                    |_| b.open(&Map::new()),
                )
            });
        } else {
            reg.add(spec, move |ctx: NativeCallContext, options: Map| {
                let args = [&Dynamic::from(options.clone())];
                b.runtime.step_as(
                    &ctx,
                    "browser_open",
                    "browser_open",
                    Effect::Control,
                    &args,
                    |_| b.open(&options),
                )
            });
        }
    }

    let b = Arc::clone(&browser);
    reg.add(
        StepSpec {
            name: "browser_close",
            category: Category::Browser,
            effect: Effect::Control,
            doc: "Closes the browser and waits for chromium to exit. Does nothing if none is open.",
            params: &[],
            returns: Unit,
            example: "browser_close();",
        },
        move |ctx: NativeCallContext| {
            b.runtime.step_as(
                &ctx,
                "browser_close",
                "browser_close",
                Effect::Control,
                &[],
                |record| {
                    record.attr("was_open", b.close());
                    Ok(())
                },
            )
        },
    );

    let b = Arc::clone(&browser);
    reg.add(
        StepSpec {
            name: "navigate",
            category: Category::Browser,
            effect: Effect::Read,
            doc: "Opens `url` in the current tab and waits until it has loaded. An unreachable address\nfails with the browser's reason (e.g. net::ERR_CONNECTION_REFUSED).",
            params: &[Param { name: "url", ty: Str }],
            returns: Unit,
            example: "navigate(\"http://127.0.0.1:8650/customers/new\");",
        },
        move |ctx: NativeCallContext, url: ImmutableString| {
            b.step(&ctx, "navigate", Effect::Read, &[&url.clone().into()], |session, record| {
                record.attr("url", url.as_str());
                session.goto(&url)?;
                Ok(Dynamic::UNIT)
            })
        },
    );

    type PageFn = fn(&Session) -> Result<Dynamic, BrowserError>;
    let page_steps: [(
        &'static str,
        &'static str,
        crate::catalogue::ParamType,
        &'static str,
        PageFn,
    ); 5] = [
        (
            "back",
            "Goes back one page in the tab's history and waits for it to load.",
            Unit,
            "back();",
            |s| s.back().map(|()| Dynamic::UNIT),
        ),
        (
            "reload",
            "Reloads the current page and waits for it to load.",
            Unit,
            "reload();",
            |s| s.reload().map(|()| Dynamic::UNIT),
        ),
        (
            "current_url",
            "The current tab's URL.",
            Str,
            "if !current_url().contains(\"/login\") { log(\"signed in\"); }",
            |s| s.url().map(Dynamic::from),
        ),
        (
            "page_title",
            "The current page's `<title>`.",
            Str,
            "log(page_title());",
            |s| s.title().map(Dynamic::from),
        ),
        (
            "page_html",
            "The current page's HTML, as the browser has it now.",
            Str,
            "write_text(run_folder() + \"/artifacts/page.html\", page_html());",
            |s| s.html().map(Dynamic::from),
        ),
    ];
    for (name, doc, returns, example, body) in page_steps {
        let b = Arc::clone(&browser);
        reg.add(
            StepSpec {
                name,
                category: Category::Browser,
                effect: Effect::Read,
                doc,
                params: &[],
                returns,
                example,
            },
            move |ctx: NativeCallContext| {
                b.step(&ctx, name, Effect::Read, &[], |session, _| {
                    Ok(body(session)?)
                })
            },
        );
    }

    register_tabs(reg, &browser);
    register_waits(reg, &browser);

    let b = Arc::clone(&browser);
    reg.add(
        StepSpec {
            name: "eval_js",
            category: Category::Browser,
            effect: Effect::Write,
            doc: "Evaluates a JavaScript expression in the page (promises are awaited) and returns its value\nconverted from JSON. Skipped in a dry run, since a script can do anything.",
            params: &[Param { name: "expression", ty: Str }],
            returns: Any,
            example: "let rows = eval_js(\"document.querySelectorAll('#claims tbody tr').length\");",
        },
        move |ctx: NativeCallContext, expression: ImmutableString| {
            b.step(&ctx, "eval_js", Effect::Write, &[&expression.clone().into()], |session, _| {
                let value = session.evaluate(&expression)?;
                from_json(&value)
            })
        },
    );

    for params in [
        &[Param {
            name: "name",
            ty: Str,
        }][..],
        &[
            Param {
                name: "name",
                ty: Str,
            },
            Param {
                name: "locator",
                ty: Str,
            },
        ][..],
    ] {
        let b = Arc::clone(&browser);
        let spec = StepSpec {
            name: "screenshot",
            category: Category::Browser,
            effect: Effect::Read,
            doc: "Saves a PNG of the whole page (or of the element `locator` finds) as\n`<run folder>/artifacts/<name>.png`; returns its path.",
            params,
            returns: Str,
            example: "screenshot(\"after-login\");\nscreenshot(\"claims-table\", \"#claims\");",
        };
        let shoot =
            move |b: &Browser, ctx: &NativeCallContext, name: &str, locator: Option<&str>| {
                let mut args: Vec<Dynamic> = vec![name.into()];
                args.extend(locator.map(|l| Dynamic::from(l.to_owned())));
                let refs: Vec<&Dynamic> = args.iter().collect();
                b.step(ctx, "screenshot", Effect::Read, &refs, |session, record| {
                    let folder = b
                        .artifacts()
                        .ok_or_else(|| StepError::invalid("screenshots need a run folder"))?;
                    let path = folder.join(artifact_name(name)?);
                    let locator = locator.map(parse_locator).transpose()?;
                    session.screenshot(&path, locator.as_ref().map(|l| (l, None)))?;
                    record.attr("path", path.display().to_string());
                    Ok(Dynamic::from(path.display().to_string()))
                })
            };
        if params.len() == 1 {
            reg.add(
                spec,
                move |ctx: NativeCallContext, name: ImmutableString| shoot(&b, &ctx, &name, None),
            );
        } else {
            reg.add(
                spec,
                move |ctx: NativeCallContext, name: ImmutableString, locator: ImmutableString| {
                    shoot(&b, &ctx, &name, Some(&locator))
                },
            );
        }
    }
    browser
}

fn register_tabs(reg: &mut Registrar<'_>, browser: &Arc<Browser>) {
    let b = Arc::clone(browser);
    reg.add(
        StepSpec {
            name: "new_tab",
            category: Category::Browser,
            effect: Effect::Read,
            doc: "Opens `url` in a new tab, which becomes the current one; returns its index.",
            params: &[Param {
                name: "url",
                ty: Str,
            }],
            returns: Int,
            example: "let report = new_tab(\"http://127.0.0.1:8650/claims\");",
        },
        move |ctx: NativeCallContext, url: ImmutableString| {
            b.step(
                &ctx,
                "new_tab",
                Effect::Read,
                &[&url.clone().into()],
                |session, _| {
                    session.open_tab(&url)?;
                    Ok(Dynamic::from_int(session.current as i64))
                },
            )
        },
    );

    let b = Arc::clone(browser);
    reg.add(
        StepSpec {
            name: "tabs",
            category: Category::Browser,
            effect: Effect::Read,
            doc: "The open tabs, including popups the page opened: `[#{ index, url, title, current }]`.",
            params: &[],
            returns: ArrayT,
            example: "let popup = tabs().len() - 1;\nswitch_tab(popup);",
        },
        move |ctx: NativeCallContext| {
            b.step(&ctx, "tabs", Effect::Read, &[], |session, _| {
                session.refresh_tabs()?;
                let current = session.current;
                let mut out = Array::new();
                for index in 0..session.tabs.len() {
                    session.current = index;
                    let mut tab = Map::new();
                    tab.insert("index".into(), Dynamic::from_int(index as i64));
                    tab.insert("url".into(), session.url().unwrap_or_default().into());
                    tab.insert("title".into(), session.title().unwrap_or_default().into());
                    tab.insert("current".into(), Dynamic::from_bool(index == current));
                    out.push(tab.into());
                }
                session.current = current;
                Ok(out.into())
            })
        },
    );

    let b = Arc::clone(browser);
    reg.add(
        StepSpec {
            name: "switch_tab",
            category: Category::Browser,
            effect: Effect::Read,
            doc: "Makes tab `index` (from `tabs()`) the current one; steps act on the current tab.",
            params: &[Param {
                name: "index",
                ty: Int,
            }],
            returns: Unit,
            example: "switch_tab(0);",
        },
        move |ctx: NativeCallContext, index: i64| {
            b.step(
                &ctx,
                "switch_tab",
                Effect::Read,
                &[&Dynamic::from_int(index)],
                |session, _| {
                    session.refresh_tabs()?;
                    let index = usize::try_from(index)
                        .ok()
                        .filter(|i| *i < session.tabs.len())
                        .ok_or_else(|| {
                            StepError::invalid(format!(
                                "no tab {index}; {} open",
                                session.tabs.len()
                            ))
                        })?;
                    session.current = index;
                    Ok(Dynamic::UNIT)
                },
            )
        },
    );

    let b = Arc::clone(browser);
    reg.add(
        StepSpec {
            name: "close_tab",
            category: Category::Browser,
            effect: Effect::Read,
            doc: "Closes the current tab; the first tab becomes current. The last tab cannot be closed.",
            params: &[],
            returns: Unit,
            example: "close_tab();",
        },
        move |ctx: NativeCallContext| {
            b.step(&ctx, "close_tab", Effect::Read, &[], |session, _| {
                session.close_tab()?;
                Ok(Dynamic::UNIT)
            })
        },
    );
}

fn register_waits(reg: &mut Registrar<'_>, browser: &Arc<Browser>) {
    type WaitFn = fn(&Session, &str, &Map) -> Result<Dynamic, StepError>;
    let waits: [(
        &'static str,
        &'static str,
        &'static str,
        crate::catalogue::ParamType,
        &'static str,
        WaitFn,
    ); 2] = [
        (
            "wait_for_url",
            "pattern",
            "Waits until the URL contains `pattern` (`*` is a wildcard over the whole URL); returns the URL.",
            Str,
            "click(role(\"button\", \"Sign in\"));\nwait_for_url(\"*/home*\");",
            |s, pattern, options| Ok(s.wait_for_url(pattern, timeout(options)?)?.into()),
        ),
        (
            "wait_for_text",
            "text",
            "Waits until `text` is visible somewhere on the page.",
            Unit,
            "wait_for_text(\"Customer C-0001 created\");",
            |s, text, options| {
                let locator =
                    parse_locator(&format!("text={}", crate::browser::quoted_if_needed(text)))?;
                s.wait_for(&locator, crate::browser::State::Visible, timeout(options)?)?;
                Ok(Dynamic::UNIT)
            },
        ),
    ];
    for (name, param, doc, returns, example, body) in waits {
        for with_options in [false, true] {
            let b = Arc::clone(browser);
            let params: &'static [Param] = match (param, with_options) {
                ("pattern", false) => &[Param {
                    name: "pattern",
                    ty: Str,
                }],
                ("pattern", true) => &[
                    Param {
                        name: "pattern",
                        ty: Str,
                    },
                    Param {
                        name: "options",
                        ty: MapT,
                    },
                ],
                (_, false) => &[Param {
                    name: "text",
                    ty: Str,
                }],
                (_, true) => &[
                    Param {
                        name: "text",
                        ty: Str,
                    },
                    Param {
                        name: "options",
                        ty: MapT,
                    },
                ],
            };
            let spec = StepSpec {
                name,
                category: Category::Browser,
                effect: Effect::Control,
                doc,
                params,
                returns,
                example,
            };
            if with_options {
                reg.add(
                    spec,
                    move |ctx: NativeCallContext, text: ImmutableString, options: Map| {
                        b.step(
                            &ctx,
                            name,
                            Effect::Control,
                            &[&text.clone().into(), &options.clone().into()],
                            |s, _| body(s, &text, &options),
                        )
                    },
                );
            } else {
                reg.add(
                    spec,
                    move |ctx: NativeCallContext, text: ImmutableString| {
                        b.step(
                            &ctx,
                            name,
                            Effect::Control,
                            &[&text.clone().into()],
                            |s, _| body(s, &text, &Map::new()),
                        )
                    },
                );
            }
        }
    }

    for params in [
        &[][..],
        &[Param {
            name: "options",
            ty: MapT,
        }][..],
    ] {
        let b = Arc::clone(browser);
        let spec = StepSpec {
            name: "wait_for_network_idle",
            category: Category::Browser,
            effect: Effect::Control,
            doc: "Waits until the current tab has had no request in flight for `idle_ms` (500).\nOptions: `idle_ms`, `timeout_ms`.",
            params,
            returns: Unit,
            example: "click(\"#refresh\");\nwait_for_network_idle(#{ idle_ms: 300 });",
        };
        let wait = move |b: &Browser, ctx: &NativeCallContext, options: Map| {
            b.step(
                ctx,
                "wait_for_network_idle",
                Effect::Control,
                &[&options.clone().into()],
                |session, _| {
                    let idle = match option(&options, "idle_ms") {
                        None => Duration::from_millis(500),
                        Some(value) => Duration::from_millis(
                            value
                                .as_int()
                                .ok()
                                .and_then(|ms| u64::try_from(ms).ok())
                                .ok_or_else(|| {
                                    StepError::invalid("idle_ms must be a whole number")
                                })?,
                        ),
                    };
                    session.wait_for_network_idle(idle, timeout(&options)?)?;
                    Ok(Dynamic::UNIT)
                },
            )
        };
        if params.is_empty() {
            reg.add(spec, move |ctx: NativeCallContext| {
                wait(&b, &ctx, Map::new())
            });
        } else {
            reg.add(spec, move |ctx: NativeCallContext, options: Map| {
                wait(&b, &ctx, options)
            });
        }
    }
}
