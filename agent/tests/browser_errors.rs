//! Bad input to browser steps ends in a clear error, evidence where a page exists, and no
//! chromium left behind.

mod common;

use common::Bot;
use common::web::{Pages, leftover_processes};

fn error_of(report: &flowbot_agent::RunReport) -> String {
    report
        .error
        .as_ref()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

#[test]
fn a_locator_that_never_appears_names_itself_and_leaves_a_screenshot_and_the_html() {
    let pages = Pages::serve(&[(
        "/empty",
        "<!DOCTYPE html><title>empty</title><p>Nothing here</p>",
    )]);
    let mut bot = Bot::new(&format!(
        r##"browser_open(); navigate("{}/empty"); click(label("Email"), #{{ timeout_ms: 700 }});"##,
        pages.url
    ));
    let report = bot.run();
    let error = error_of(&report);
    assert!(error.contains("in step `click`"), "{error}");
    assert!(
        error.contains("locator `label=Email`: 0 matches after waiting"),
        "{error}"
    );
    let artifacts: Vec<&str> = report.artifacts.iter().map(|a| a.path.as_str()).collect();
    assert!(
        artifacts.contains(&"locator-failure-1.png"),
        "{artifacts:?}"
    );
    assert!(
        artifacts.contains(&"locator-failure-1.html"),
        "{artifacts:?}"
    );
    let html =
        std::fs::read_to_string(report.run_dir.join("artifacts/locator-failure-1.html")).unwrap();
    assert!(html.contains("Nothing here"));
    assert!(
        error.contains("locator-failure-1.png"),
        "the message says where the evidence is: {error}"
    );
    assert!(leftover_processes(&report.run_dir).is_empty());
}

#[test]
fn an_unreachable_url_is_a_clear_error_and_the_browser_is_gone_after() {
    // A port that was free a moment ago: connection refused, not a hang.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut bot = Bot::new(&format!(
        r#"browser_open(); navigate("http://127.0.0.1:{port}/");"#
    ));
    let report = bot.run();
    let error = error_of(&report);
    assert!(
        error.contains(&format!("cannot open http://127.0.0.1:{port}/")),
        "{error}"
    );
    assert!(error.contains("ERR_CONNECTION_REFUSED"), "{error}");
    assert!(
        leftover_processes(&report.run_dir).is_empty(),
        "{:?}",
        leftover_processes(&report.run_dir)
    );
}

#[test]
fn a_missing_chromium_is_named_with_how_to_install_it() {
    let mut bot = Bot::new(r#"browser_open(#{ executable: "/nonexistent/chromium" });"#);
    let report = bot.run();
    let error = error_of(&report);
    assert!(
        error.contains("chromium not found at /nonexistent/chromium"),
        "{error}"
    );
    assert!(error.contains("cargo xtask setup"), "{error}");
}

#[test]
fn a_step_without_an_open_browser_says_to_open_one() {
    let mut bot = Bot::new(r##"click("#save");"##);
    let error = error_of(&bot.run());
    assert!(
        error.contains("no browser is open in this run (call browser_open() first)"),
        "{error}"
    );
}

#[test]
fn a_malformed_locator_fails_at_once_without_waiting() {
    let pages = Pages::serve(&[("/p", "<p>x</p>")]);
    let mut bot = Bot::new(&format!(
        r##"browser_open(); navigate("{}/p"); let started = timestamp(); try {{ click("nth=first"); }} catch (e) {{ output("error", e.message); }}
        try {{ click("css=p[[["); }} catch (e) {{ output("css", e.message); }} output("ms", started.elapsed * 1000.0);"##,
        pages.url
    ));
    let report = bot.run();
    assert!(report.error.is_none(), "{:?}", report.error);
    let error = report.outputs["error"].as_str().unwrap().to_owned();
    assert!(
        error.contains("`nth=first` needs a whole number"),
        "{error}"
    );
    let css = report.outputs["css"].as_str().unwrap().to_owned();
    assert!(
        css.contains("locator `css=p[[[`") && css.contains("not a valid selector"),
        "{css}"
    );
    assert!(
        report.outputs["ms"].as_f64().unwrap() < 5_000.0,
        "a syntax error does not wait for the timeout"
    );
}

#[test]
fn a_run_that_never_closes_its_browser_still_leaves_no_chromium() {
    let pages = Pages::serve(&[("/p", "<p>x</p>")]);
    let mut bot = Bot::new(&format!(
        r#"browser_open(); navigate("{}/p"); throw "stop here";"#,
        pages.url
    ));
    let report = bot.run();
    assert!(report.error.is_some());
    assert!(
        leftover_processes(&report.run_dir).is_empty(),
        "{:?}",
        leftover_processes(&report.run_dir)
    );
    let profile_left = std::fs::read_dir(&report.run_dir)
        .unwrap()
        .filter_map(Result::ok)
        .any(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .starts_with("browser-profile")
        });
    assert!(!profile_left, "the throw-away profile is removed");
}
