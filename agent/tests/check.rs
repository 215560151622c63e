//! `flowbot check` finds what it can without running: syntax, unknown steps, argument counts
//! and literal argument types, each with a position; good scripts pass clean.

use flowbot_agent::check::Checker;

fn check(text: &str) -> Vec<String> {
    Checker::new()
        .check_source("bot.rhai", text)
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_correct_script_has_no_diagnostics() {
    let diagnostics = check(
        r#"
        fn total(rows) { rows.reduce(|sum, row| sum + parse_amount(row.amount), 0.0) }
        let rows = read_csv("in.csv");
        let f = |x| x + 1;
        let n = f(1);
        print(type_of(n));
        step("Sum", #{ record: 1 }, || output("total", total(rows)));
        let r = retry(3, 100, || http_get("http://localhost/"));
        if regex_match("a", "a") { log(`${rows.len()}`); }
        "#,
    );
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
}

#[test]
fn syntax_error_is_reported_with_position() {
    let diagnostics = check("let x = 1;\nlet y = (x + ;\n");
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert!(diagnostics[0].starts_with("bot.rhai:2:"), "{diagnostics:?}");
    assert!(diagnostics[0].contains(": error: "), "{diagnostics:?}");
}

#[test]
fn unknown_step_suggests_the_closest_name() {
    let diagnostics = check("let rows = read_cvs(\"in.csv\");\nfrobnicate();");
    assert_eq!(
        diagnostics,
        [
            "bot.rhai:1:12: error: unknown step or function `read_cvs`; did you mean `read_csv`?",
            "bot.rhai:2:1: error: unknown step or function `frobnicate` (see `flowbot steps`)",
        ]
    );
}

#[test]
fn wrong_argument_count_lists_the_accepted_counts() {
    assert_eq!(
        check("read_csv(\"a\", #{}, 3);"),
        ["bot.rhai:1:1: error: `read_csv` takes 1 or 2 argument(s), not 3"]
    );
}

#[test]
fn literal_argument_of_the_wrong_type() {
    assert_eq!(
        check("sleep(\"soon\");"),
        ["bot.rhai:1:1: error: argument 1 (`ms`) of `sleep` must be i64, not String"]
    );
    assert!(check("let ms = 5; sleep(ms);").is_empty());
}

#[test]
fn script_functions_and_their_arity_count_as_known() {
    assert!(check("fn a(x) { x } a(1);").is_empty());
    assert_eq!(
        check("fn a(x) { x }\na(1, 2);"),
        ["bot.rhai:2:1: error: `a` takes 1 argument(s), not 2"]
    );
}
