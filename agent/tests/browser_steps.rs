//! The browser steps end to end in a real headless chromium: keys, tabs and popups, uploads,
//! downloads, screenshots, waits, history — and one event per step, with clicks skipped in a
//! dry run.

mod common;

use common::Bot;
use common::web::{Pages, leftover_processes};

const KEYS: &str = r#"<!DOCTYPE html><title>Keys</title>
<input id="q" aria-label="Search"><p id="log"></p>
<script>
const log = [];
document.getElementById('q').addEventListener('keydown', (e) => { log.push(e.key); document.getElementById('log').textContent = log.join(','); });
document.getElementById('q').addEventListener('keydown', (e) => { if (e.key === 'Enter') location.href = '/results?q=' + encodeURIComponent(e.target.value); });
</script>"#;
const RESULTS: &str = r#"<!DOCTYPE html><title>Results</title><h1 id="h">Results</h1>
<a href="/popup" target="_blank">Open details</a>
<div id="hover-me" onmouseover="this.textContent='hovered'">hover</div>"#;
const POPUP: &str = r#"<!DOCTYPE html><title>Details</title><p id="d">Details page</p>"#;
const UPLOAD: &str = r#"<!DOCTYPE html><title>Upload</title>
<input type="file" id="f" style="display:none">
<a id="dl" href="data:text/csv;charset=utf-8,a%2Cb%0A1%2C2" download="report.csv">Download report</a>
<script>document.getElementById('f').addEventListener('change', (e) => document.title = e.target.files[0].name + ':' + e.target.files[0].size);</script>"#;
const SLOW: &str = r#"<!DOCTYPE html><title>Slow</title><p id="s">loading</p>
<script>setTimeout(() => fetch('/popup').then(() => document.getElementById('s').textContent = 'loaded'), 300);</script>"#;

#[test]
fn keys_tabs_uploads_downloads_screenshots_and_waits_work_in_one_run() {
    let pages = Pages::serve(&[
        ("/keys", KEYS),
        ("/results", RESULTS),
        ("/popup", POPUP),
        ("/upload", UPLOAD),
        ("/slow", SLOW),
    ]);
    let mut bot = Bot::new(&format!(
        r##"
        let base = "{url}";
        browser_open();
        navigate(base + "/keys");
        type_text(label("Search"), "ab");
        output("keys", get_text("#log"));
        press(label("Search"), "Enter");
        output("url", current_url());
        output("title", page_title());
        hover("#hover-me");
        output("hovered", get_text("#hover-me"));
        click(text("Open details"));
        let all = tabs();
        output("tabs", all.len());
        switch_tab(all.len() - 1);
        output("popup", get_text("#d"));
        close_tab();
        output("back_on", page_title());
        back();
        output("after_back", current_url());
        reload();
        navigate(base + "/upload");
        upload("#f", "doc.pdf");
        output("uploaded", page_title());
        let file = download(text("Download report"));
        output("downloaded", read_text(file));
        output("page_shot", screenshot("whole-page"));
        output("element_shot", screenshot("link", "#dl"));
        navigate(base + "/slow");
        wait_for_network_idle(#{{ idle_ms: 500 }});
        output("slow", get_text("#s"));
        output("url_wait", wait_for_url("*/slow"));
        browser_close();
        "##,
        url = pages.url
    ));
    bot.write("files/doc.pdf", "%PDF-1.4 hello");
    let report = bot.run();
    assert!(report.error.is_none(), "{:?}", report.error);
    let out = |key: &str| report.outputs[key].clone();
    assert_eq!(out("keys"), "a,b");
    assert!(
        out("url").as_str().unwrap().ends_with("/results?q=ab"),
        "Enter navigated and the step waited: {}",
        out("url")
    );
    assert_eq!(out("title"), "Results");
    assert_eq!(out("hovered"), "hovered");
    assert_eq!(out("tabs"), 2);
    assert_eq!(out("popup"), "Details page");
    assert_eq!(out("back_on"), "Results");
    assert!(out("after_back").as_str().unwrap().ends_with("/keys"));
    assert_eq!(out("uploaded"), "doc.pdf:14");
    assert_eq!(out("downloaded"), "a,b\n1,2");
    assert_eq!(out("slow"), "loaded");
    assert!(out("url_wait").as_str().unwrap().ends_with("/slow"));
    for key in ["page_shot", "element_shot"] {
        let png = std::fs::read(out(key).as_str().unwrap()).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{key} is a PNG");
    }
    let artifacts: Vec<&str> = report.artifacts.iter().map(|a| a.path.as_str()).collect();
    assert!(
        artifacts.contains(&"whole-page.png")
            && artifacts.contains(&"link.png")
            && artifacts.contains(&"downloads/report.csv"),
        "{artifacts:?}"
    );
    assert!(leftover_processes(&report.run_dir).is_empty());
}

#[test]
fn every_browser_step_is_one_event_and_a_dry_run_skips_clicks() {
    let pages = Pages::serve(&[("/results", RESULTS), ("/popup", POPUP)]);
    let script = format!(
        r##"browser_open(); navigate("{}/results"); click(text("Open details")); output("tabs", tabs().len()); browser_close();"##,
        pages.url
    );
    let mut bot = Bot::new(&script);
    let report = bot.run();
    assert!(report.error.is_none(), "{:?}", report.error);
    let steps: Vec<(String, String)> = bot
        .events()
        .iter()
        .map(|event| (event.activity.clone(), format!("{:?}", event.status)))
        .collect();
    let expected: Vec<(String, String)> = [
        "browser_open",
        "navigate",
        "click",
        "tabs",
        "output",
        "browser_close",
    ]
    .iter()
    .map(|name| ((*name).to_owned(), "Ok".to_owned()))
    .collect();
    assert_eq!(steps, expected);
    assert_eq!(report.outputs["tabs"], 2);

    let mut dry = Bot::new(&script);
    dry.options().dry_run = true;
    let report = dry.run();
    assert!(report.error.is_none(), "{:?}", report.error);
    assert_eq!(report.outputs["tabs"], 1, "the click was not made");
    let click = dry
        .events()
        .into_iter()
        .find(|event| event.activity == "click")
        .unwrap();
    assert_eq!(format!("{:?}", click.status), "Skipped");
}
