//! Locators against tricky pages in a real headless chromium: labels without `for`, shadow
//! DOM, a same-origin iframe, an element that appears late, a spinner covering a button, a
//! button that becomes enabled. Each test starts its own pages and browser and checks that no
//! chromium is left afterwards.

mod common;

use common::Bot;
use common::web::{Pages, leftover_processes};
use flowbot_agent::RunReport;

/// Runs `script` (with `URL` replaced by the pages' address) and checks nothing is left running.
fn run(pages: &Pages, script: &str) -> (Bot, RunReport) {
    let mut bot = Bot::new(&script.replace("URL", &pages.url));
    let report = bot.run();
    let left = leftover_processes(&report.run_dir);
    assert!(left.is_empty(), "chromium left behind: {left:#?}");
    (bot, report)
}

fn output(report: &RunReport, key: &str) -> serde_json::Value {
    report
        .outputs
        .get(key)
        .cloned()
        .unwrap_or_else(|| panic!("no output {key}: {:?}", report.error))
}

const FORM: &str = r##"<!DOCTYPE html><title>labels</title>
<form>
  <div>Customer number <input name="number"></div>
  <label>Email <input name="email"></label>
  <label for="phone-1">Phone:</label><span><input id="phone-1" name="phone"></span>
  <span id="city-label">City</span><input name="city" aria-labelledby="city-label">
  <input name="zip" aria-label="ZIP code">
  <input name="search" placeholder="Search customers">
  <label>Country <select name="country"><option value="CH">Switzerland</option><option value="DE">Germany</option></select></label>
  <label><input type="checkbox" name="terms"> I accept the terms</label>
  <input type="date" name="born" aria-label="Date of birth">
</form>"##;

#[test]
fn labels_find_their_controls_however_they_are_attached() {
    let pages = Pages::serve(&[("/form", FORM)]);
    let (_bot, report) = run(
        &pages,
        r##"
        browser_open();
        navigate("URL/form");
        fill(label("Customer number"), "C-0042");
        fill(label("email"), "anna@example.com");
        fill(label("Phone"), "+41 44 123");
        fill(label("City"), "Zürich 北京");
        fill(label("ZIP code"), 8001);
        fill(label("Search customers"), "Anna");
        select_option(label("Country"), "Germany");
        check(label("I accept the terms"));
        fill(label("Date of birth"), "1980-02-29");
        let values = eval_js("[...document.forms[0].elements].map(e => e.type == 'checkbox' ? String(e.checked) : e.value)");
        output("values", values);
        browser_close();
        "##,
    );
    assert!(report.error.is_none(), "{:?}", report.error);
    assert_eq!(
        output(&report, "values"),
        serde_json::json!([
            "C-0042",
            "anna@example.com",
            "+41 44 123",
            "Zürich 北京",
            "8001",
            "Anna",
            "DE",
            "true",
            "1980-02-29"
        ])
    );
}

const SHADOW: &str = r##"<!DOCTYPE html><title>shadow</title>
<login-box></login-box>
<p id="result"></p>
<script>
customElements.define('login-box', class extends HTMLElement {
  connectedCallback() {
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = '<label for="u">User name</label><input id="u"><button>Sign in</button>';
    root.querySelector('button').addEventListener('click', () => {
      document.getElementById('result').textContent = 'hello ' + root.getElementById('u').value;
    });
  }
});
</script>"##;

#[test]
fn locators_reach_into_open_shadow_roots() {
    let pages = Pages::serve(&[("/shadow", SHADOW)]);
    let (_bot, report) = run(
        &pages,
        r##"
        browser_open();
        navigate("URL/shadow");
        fill(label("User name"), "clerk");
        click(role("button", "Sign in"));
        output("result", get_text("#result"));
        "##,
    );
    assert_eq!(output(&report, "result"), "hello clerk");
}

const OUTER: &str = r##"<!DOCTYPE html><title>outer</title><h1>Checkout</h1>
<iframe id="payment" src="/inner" width="400" height="200" style="margin-top:300px"></iframe>"##;
const INNER: &str = r##"<!DOCTYPE html><label>Card number <input id="card"></label>
<button onclick="document.body.dataset.paid = document.getElementById('card').value">Pay</button>"##;

#[test]
fn locators_chain_into_a_same_origin_frame_and_clicks_land_inside_it() {
    let pages = Pages::serve(&[("/outer", OUTER), ("/inner", INNER)]);
    let (_bot, report) = run(
        &pages,
        r##"
        browser_open();
        navigate("URL/outer");
        fill(within(frame("#payment"), label("Card number")), "4111 1111");
        click(within(frame("#payment"), role("button", "Pay")));
        output("paid", eval_js("document.getElementById('payment').contentDocument.body.dataset.paid"));
        "##,
    );
    assert_eq!(output(&report, "paid"), "4111 1111");
}

const LATE: &str = r##"<!DOCTYPE html><title>late</title>
<script>setTimeout(() => { const b = document.createElement('button'); b.id = 'late'; b.textContent = 'Ready';
b.onclick = () => b.textContent = 'Clicked'; document.body.appendChild(b); }, 3000);</script>"##;

#[test]
fn an_element_that_appears_after_three_seconds_is_waited_for() {
    let pages = Pages::serve(&[("/late", LATE)]);
    let (_bot, report) = run(
        &pages,
        r##"
        browser_open();
        navigate("URL/late");
        click("#late");
        output("text", get_text("#late"));
        "##,
    );
    assert_eq!(output(&report, "text"), "Clicked");
}

const SPINNER: &str = r##"<!DOCTYPE html><title>spinner</title>
<button id="save" onclick="window.clicks = (window.clicks || 0) + 1" style="width:120px;height:40px">Save</button>
<div id="spinner" onclick="window.spinnerClicks = (window.spinnerClicks || 0) + 1"
  style="position:fixed;inset:0;background:rgba(255,255,255,.8)">Loading…</div>
<script>setTimeout(() => document.getElementById('spinner').remove(), 1500);</script>"##;

#[test]
fn a_button_covered_by_a_spinner_is_clicked_only_once_the_spinner_is_gone() {
    let pages = Pages::serve(&[("/spinner", SPINNER)]);
    let (_bot, report) = run(
        &pages,
        r##"
        browser_open();
        navigate("URL/spinner");
        click(role("button", "Save"));
        output("clicks", eval_js("[window.clicks || 0, window.spinnerClicks || 0]"));
        "##,
    );
    assert_eq!(output(&report, "clicks"), serde_json::json!([1, 0]));
}

const DISABLED: &str = r##"<!DOCTYPE html><title>disabled</title>
<button id="go" disabled onclick="this.textContent = 'Done'">Go</button>
<script>setTimeout(() => document.getElementById('go').disabled = false, 1000);</script>"##;

#[test]
fn a_disabled_button_is_clicked_once_it_becomes_enabled() {
    let pages = Pages::serve(&[("/disabled", DISABLED)]);
    let (_bot, report) = run(
        &pages,
        r##"
        browser_open();
        navigate("URL/disabled");
        click(text("Go"));
        output("text", get_text("#go"));
        "##,
    );
    assert_eq!(output(&report, "text"), "Done");
}

const LIST: &str = r##"<!DOCTYPE html><title>list</title>
<ul id="a"><li>One</li><li>Two</li></ul><ul id="b"><li>One</li><li>Three</li></ul>
<table id="t"><thead><tr><th>Claim</th><th>Amount</th></tr></thead>
<tbody><tr><td>CLM-1</td><td>10.00</td></tr><tr><td>CLM-2</td><td>20.50</td></tr></tbody></table>"##;

#[test]
fn several_matches_are_an_error_unless_narrowed_by_nth_or_a_container() {
    let pages = Pages::serve(&[("/list", LIST)]);
    let (_bot, report) = run(
        &pages,
        r##"
        browser_open(#{ timeout_ms: 500 });
        navigate("URL/list");
        output("second_list", get_text(within("#b", text("One")) ));
        output("last", get_text(nth("li", -1)));
        output("xpath", get_text(xpath("//ul[@id='a']/li[2]")));
        output("table", read_html_table("#t"));
        output("count", count("li"));
        try { get_text("li"); } catch (e) { output("error", e.message); }
        "##,
    );
    assert_eq!(output(&report, "second_list"), "One");
    assert_eq!(output(&report, "last"), "Three");
    assert_eq!(output(&report, "xpath"), "Two");
    assert_eq!(
        output(&report, "table"),
        serde_json::json!([{"Claim": "CLM-1", "Amount": "10.00"}, {"Claim": "CLM-2", "Amount": "20.50"}])
    );
    assert_eq!(output(&report, "count"), 4);
    let error = output(&report, "error");
    let error = error.as_str().unwrap();
    assert!(
        error.contains("locator `li`: 4 matches, expected 1"),
        "{error}"
    );
}
