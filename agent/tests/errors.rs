//! Errors a person can act on: file, line, column, step, redacted arguments, cause; business
//! vs system; try/catch; never a panic.

mod common;

use common::Bot;
use flowbot_model::wire::{ExceptionKind, JobOutcome};

#[test]
fn syntax_error_has_position() {
    let mut bot = Bot::new("let x = 1;\nlet y = (x + ;\n");
    let report = bot.run();
    assert_eq!(report.outcome, JobOutcome::Failed);
    let error = report.error.unwrap();
    assert_eq!(error.line, Some(2));
    assert!(error.column.is_some());
    assert!(error.file.ends_with("main.rhai"));
    assert_eq!(report.events, 0);
}

#[test]
fn failed_step_names_file_line_column_step_args_and_cause() {
    let mut bot = Bot::new("let name = \"nope.csv\";\n\n   read_csv(name);\n");
    let error = bot.run().error.unwrap();
    assert!(error.file.ends_with("main.rhai"), "{error}");
    assert_eq!((error.line, error.column), (Some(3), Some(4)));
    assert_eq!(error.step.as_deref(), Some("read_csv"));
    assert_eq!(error.args, ["\"nope.csv\""]);
    assert!(error.message.contains("nope.csv"), "{error}");
    assert!(error.message.contains("No such file"), "{error}");
    let rendered = error.to_string();
    assert!(
        rendered.contains(":3:4: error in step `read_csv`(\"nope.csv\"): CSV "),
        "{rendered}"
    );
}

#[test]
fn error_inside_a_script_function_points_inside_it() {
    let mut bot = Bot::new("fn load(p) {\n  read_text(p)\n}\nload(\"x.txt\");\n");
    let error = bot.run().error.unwrap();
    assert_eq!(error.line, Some(2));
    assert_eq!(error.step.as_deref(), Some("read_text"));
}

#[test]
fn error_inside_an_imported_module_names_the_module_file() {
    let mut bot = Bot::new("import \"helpers\" as h;\nh::load();\n");
    bot.write(
        "bot/helpers.rhai",
        "fn load() {\n\n  read_text(\"gone.txt\")\n}\n",
    );
    let error = bot.run().error.unwrap();
    assert!(error.file.ends_with("helpers.rhai"), "{error}");
    assert_eq!(error.line, Some(3));
}

#[test]
fn unknown_function_at_runtime_is_a_positioned_error() {
    let mut bot = Bot::new("let a = 1;\nfrobnicate(a);\n");
    let error = bot.run().error.unwrap();
    assert_eq!(error.line, Some(2));
    assert!(error.message.contains("frobnicate"), "{error}");
}

#[test]
fn wrong_argument_type_at_runtime_is_a_clear_error() {
    let mut bot = Bot::new("sleep(\"soon\");");
    let error = bot.run().error.unwrap();
    assert!(error.message.contains("sleep"), "{error}");
    assert_eq!(error.line, Some(1));
}

#[test]
fn business_exception_is_classified_and_catchable() {
    let mut bot = Bot::new(
        r#"
        try { throw business("row 4: bad IBAN"); } catch (e) { output("kind", e.kind); }
        try { read_text("none.txt"); } catch (e) { output("step", e.step); output("line", e.line); output("kind2", e.kind); }
        throw business("row 9: amount missing");
        "#,
    );
    let report = bot.run();
    assert_eq!(report.outputs["kind"], "business");
    assert_eq!(report.outputs["step"], "read_text");
    assert_eq!(report.outputs["line"], 3);
    assert_eq!(report.outputs["kind2"], "system");
    let error = report.error.unwrap();
    assert_eq!(error.kind, ExceptionKind::Business);
    assert_eq!(error.message, "row 9: amount missing");
    assert!(error.to_string().contains("business exception"), "{error}");
}

#[test]
fn a_thrown_plain_value_is_a_system_exception() {
    let mut bot = Bot::new("throw \"plain\";");
    let error = bot.run().error.unwrap();
    assert_eq!(error.kind, ExceptionKind::System);
    assert_eq!(error.message, "plain");
}

#[test]
fn long_arguments_are_shortened_in_errors() {
    let mut bot = Bot::new("let s = \"x\"; for i in 0..10 { s += s; } read_text(s);");
    let error = bot.run().error.unwrap();
    assert!(error.args[0].chars().count() <= 121, "{}", error.args[0]);
}
