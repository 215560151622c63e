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
    assert_eq!(
        check("let ms = \"500\";\nsleep(ms);"),
        ["bot.rhai:2:1: error: argument 1 (`ms`) of `sleep` must be i64, not String"]
    );
    // Reassigned, declared twice, or a parameter: the type is not known, so no judgement.
    assert!(check("let ms = \"500\"; ms = 500; sleep(ms);").is_empty());
    assert!(check("let ms = \"a\"; { let ms = 5; sleep(ms); }").is_empty());
    assert!(check("fn wait(ms) { sleep(ms) } let ms = \"x\"; wait(5);").is_empty());
}

#[test]
fn script_functions_and_their_arity_count_as_known() {
    assert!(check("fn a(x) { x } a(1);").is_empty());
    assert_eq!(
        check("fn a(x) { x }\na(1, 2);"),
        ["bot.rhai:2:1: error: `a` takes 1 argument(s), not 2"]
    );
}

#[test]
fn imports_are_followed_within_the_package() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("lib")).unwrap();
    std::fs::write(
        dir.path().join("lib/rules.rhai"),
        "fn ok(x) { x }\nprivate fn hidden() { 1 }\nfn broken() { frobnicate() }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("main.rhai"),
        "import \"lib/rules\" as rules;\nimport \"../outside\" as o;\nimport \"lib/missing\" as m;\nrules::ok(1);\nrules::ok(1, 2);\nrules::hidden();\nrules::nope();\n",
    )
    .unwrap();
    let diagnostics: Vec<String> = Checker::new()
        .check_file(&dir.path().join("main.rhai"))
        .iter()
        .map(ToString::to_string)
        .collect();
    let main = dir.path().join("main.rhai").display().to_string();
    let expected_main = [
        format!(
            "{main}:2:1: error: module `../outside` must be a plain path inside the bot package folder (no `..`, no absolute path)"
        ),
        format!("{main}:5:8: error: `rules::ok` takes 1 argument(s), not 2"),
        format!("{main}:6:8: error: module `rules` has no public function `hidden`"),
        format!("{main}:7:8: error: module `rules` has no public function `nope`"),
    ];
    for expected in &expected_main {
        assert!(
            diagnostics.contains(expected),
            "missing {expected}\n{diagnostics:#?}"
        );
    }
    assert!(
        diagnostics
            .iter()
            .any(|d| d.contains("rules.rhai:3:15: error: unknown step or function `frobnicate`")),
        "{diagnostics:#?}"
    );
    assert!(
        diagnostics
            .iter()
            .any(|d| d.contains(":3:1: error: module `lib/missing`")),
        "{diagnostics:#?}"
    );
    assert_eq!(diagnostics.len(), 6, "{diagnostics:#?}");
}

#[test]
fn deeply_nested_script_is_a_diagnostic_not_a_crash() {
    let nested = format!("let x = {}1{};", "[".repeat(500), "]".repeat(500));
    let diagnostics = check(&nested);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert!(
        diagnostics[0].contains("exceeds maximum complexity"),
        "{diagnostics:?}"
    );
    let fns = format!("{}1{};", "abs(".repeat(20), ")".repeat(20));
    assert!(check(&fns).is_empty());
}
