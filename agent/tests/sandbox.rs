//! Each sandbox limit stops a hostile script with a clear error, and cancel is prompt.

mod common;

use std::time::{Duration, Instant};

use common::Bot;
use flowbot_agent::Limits;
use flowbot_model::wire::JobOutcome;

fn small_limits() -> Limits {
    Limits {
        max_operations: 200_000,
        max_call_depth: 32,
        max_expr_depth: 32,
        max_string_size: 1024 * 1024,
        max_array_size: 10_000,
        max_map_size: 1_000,
        max_modules: 4,
        max_variables: 100,
        max_functions: 50,
        timeout: Duration::from_secs(20),
    }
}

fn failure(script: &str) -> String {
    let mut bot = Bot::new(script);
    bot.options().limits = small_limits();
    let report = bot.run();
    assert_eq!(report.outcome, JobOutcome::Failed, "{report:?}");
    report.error.unwrap().message
}

#[test]
fn endless_loop_stops_at_the_operations_limit() {
    let message = failure("let x = 0; loop { x += 1; }");
    assert!(message.contains("Too many operations"), "{message}");
}

#[test]
fn deep_recursion_stops_at_the_call_depth_limit() {
    let message = failure("fn down(n) { down(n + 1) } down(0);");
    assert!(message.contains("Stack overflow"), "{message}");
}

#[test]
fn hundred_megabyte_string_is_refused() {
    // Doubling reaches 100 MB in 27 steps; the 1 MB limit stops it long before.
    let message = failure("let s = \"x\"; for i in 0..27 { s += s; } print(s.len());");
    assert!(message.contains("Length of string too large"), "{message}");
}

#[test]
fn huge_array_is_refused() {
    let message = failure("let a = []; for i in 0..100_000_000 { a.push(i); }");
    assert!(
        message.contains("Size of array/BLOB too large"),
        "{message}"
    );
}

/// rhai checks map sizes when maps are combined (`+=`, `mixin`, function results) but not on
/// `m[key] = value`; that path is bounded only by the operations limit (see ARCHITECTURE.md).
#[test]
fn huge_map_is_refused() {
    let message =
        failure("let m = #{}; for i in 0..100_000 { let n = #{}; n[`k${i}`] = i; m += n; }");
    assert!(
        message.contains("Size of object map too large"),
        "{message}"
    );
}

#[test]
fn deeply_nested_expression_is_refused_at_compile_time() {
    let script = format!("let x = {}1{};", "(".repeat(200), ")".repeat(200));
    let message = failure(&script);
    assert!(message.contains("exceeds maximum complexity"), "{message}");
}

#[test]
fn import_outside_the_bot_package_is_refused() {
    let mut bot = Bot::new("import \"../files/evil\" as evil; evil::run();");
    bot.write("files/evil.rhai", "fn run() { 1 }");
    bot.options().limits = small_limits();
    let message = bot.run().error.unwrap().message;
    assert!(
        message.contains("inside the bot package folder"),
        "{message}"
    );
}

#[test]
fn import_from_the_bot_package_works() {
    let mut bot = Bot::new("import \"lib/rules\" as rules; output(\"double\", rules::double(21));");
    bot.write("bot/lib/rules.rhai", "fn double(x) { x * 2 }");
    let report = bot.run();
    assert_eq!(report.outcome, JobOutcome::Succeeded, "{report:?}");
    assert_eq!(report.outputs["double"], serde_json::json!(42));
}

#[test]
fn file_access_outside_the_allowed_root_is_refused() {
    let mut bot = Bot::new("read_text(\"../bot/main.rhai\");");
    let error = bot.run().error.unwrap();
    assert_eq!(error.step.as_deref(), Some("read_text"));
    assert!(
        error.message.contains("outside the folders"),
        "{}",
        error.message
    );
    let mut bot = Bot::new("write_text(\"/tmp/flowbot-escape.txt\", \"x\");");
    let error = bot.run().error.unwrap();
    assert!(
        error.message.contains("outside the folders"),
        "{}",
        error.message
    );
    assert!(!std::path::Path::new("/tmp/flowbot-escape.txt").exists());
}

#[test]
fn eval_is_not_available() {
    let message = failure("eval(\"40 + 2\")");
    assert!(message.contains("eval"), "{message}");
}

#[test]
fn wall_clock_timeout_stops_a_busy_script() {
    let mut bot = Bot::new("loop { }");
    bot.options().limits = Limits {
        timeout: Duration::from_millis(200),
        ..Limits::default()
    };
    let started = Instant::now();
    let report = bot.run();
    assert_eq!(report.outcome, JobOutcome::TimedOut);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn wall_clock_timeout_interrupts_sleep() {
    let mut bot = Bot::new("sleep(60_000);");
    bot.options().limits = Limits {
        timeout: Duration::from_millis(200),
        ..Limits::default()
    };
    let report = bot.run();
    assert_eq!(report.outcome, JobOutcome::TimedOut, "{report:?}");
}

fn cancel_latency(script: &str) -> Duration {
    let mut bot = Bot::new(script);
    let cancel = bot.options().cancel.clone();
    let options = bot.options.take().unwrap();
    let runner = std::thread::spawn(move || flowbot_agent::run_script(options).unwrap());
    std::thread::sleep(Duration::from_millis(300));
    let cancelled_at = Instant::now();
    cancel.cancel();
    let report = runner.join().unwrap();
    let latency = cancelled_at.elapsed();
    assert_eq!(report.outcome, JobOutcome::Cancelled, "{report:?}");
    latency
}

#[test]
fn cancel_stops_a_busy_loop_within_100_ms() {
    let latency = cancel_latency("let n = 0; loop { n += 1; }");
    assert!(latency < Duration::from_millis(100), "took {latency:?}");
}

#[test]
fn cancel_stops_a_sleeping_script_within_100_ms() {
    let latency = cancel_latency("sleep(60_000);");
    assert!(latency < Duration::from_millis(100), "took {latency:?}");
}

#[test]
fn limits_cannot_be_caught_by_try_catch() {
    let message = failure("try { loop { } } catch (e) { output(\"caught\", true); }");
    assert!(message.contains("Too many operations"), "{message}");
}

/// The production call-depth limit must trip before the native stack runs out, even on a
/// test thread's 2 MB stack in a debug build.
#[test]
fn deep_recursion_with_default_limits_is_an_error_not_a_crash() {
    let mut bot = Bot::new(
        "fn down(n) { let a = [n, n, n]; let m = #{ a: a }; if n > 1000000 { 0 } else { down(n + 1) + m.a[0] } } down(0);",
    );
    let report = bot.run();
    let message = report.error.unwrap().message;
    assert!(message.contains("Stack overflow"), "{message}");
}

#[test]
fn too_many_variables_are_refused() {
    let lets: String = (0..200).map(|i| format!("let v{i} = {i};\n")).collect();
    let message = failure(&lets);
    assert!(message.contains("Too many variables"), "{message}");
}

#[test]
fn too_many_functions_are_refused() {
    let fns: String = (0..100).map(|i| format!("fn f{i}() {{ {i} }}\n")).collect();
    let message = failure(&fns);
    assert!(
        message.contains("Number of functions defined exceeds maximum limit"),
        "{message}"
    );
}

#[test]
fn too_many_imports_are_refused() {
    let mut imports = String::new();
    for i in 0..6 {
        imports.push_str(&format!("import \"m{i}\" as m{i};\n"));
    }
    let mut bot = Bot::new(&imports);
    for i in 0..6 {
        bot.write(&format!("bot/m{i}.rhai"), "fn f() { 1 }");
    }
    bot.options().limits = small_limits();
    let message = bot.run().error.unwrap().message;
    assert!(message.contains("Too many modules"), "{message}");
}

/// The production default stops the 100 MB string too, not only the small test limit.
#[test]
fn default_limits_stop_a_100_mb_string() {
    let mut bot = Bot::new("let s = \"x\"; for i in 0..27 { s += s; } s.len()");
    let message = bot.run().error.unwrap().message;
    assert!(message.contains("Length of string too large"), "{message}");
}

/// rhai sizes a value with everything nested in it, so the defaults must leave room for a
/// real spreadsheet: 30 000 rows x 5 columns is 150 000 map entries in one array.
#[test]
fn default_limits_leave_room_for_a_large_table() {
    let mut csv = String::from("id,date,party,amount,currency\n");
    for row in 0..30_000 {
        csv.push_str(&format!("{row},2024-05-02,Party {row},{row}.50,EUR\n"));
    }
    let mut bot = Bot::new("let rows = read_csv(\"big.csv\"); output(\"rows\", rows.len());");
    bot.write("files/big.csv", &csv);
    let report = bot.run();
    assert_eq!(report.outputs["rows"], 30_000, "{:?}", report.error);
}
