//! One event per step, failures included, in the model's schema, written to events.jsonl.

mod common;

use common::{Bot, activities, read_events};
use flowbot_model::event::{AttributeValue, Lifecycle, Status};
use flowbot_model::wire::JobOutcome;

#[test]
fn n_steps_make_n_events_with_case_resource_and_times() {
    let mut bot = Bot::new(
        r#"
        write_text("a.txt", "1");
        for i in 0..5 { append_text("a.txt", `${i}`); }
        let text = read_text("a.txt");
        let upper = text.to_upper();          // rhai string function: not a step
        let found = regex_find(text, "[0-9]"); // pure helper: not a step
        output("text", text);
        "#,
    );
    bot.options().agent = "agent-7".to_owned();
    let report = bot.run();
    assert_eq!(report.outcome, JobOutcome::Succeeded, "{:?}", report.error);
    let events = read_events(&report.run_dir);
    assert_eq!(events.len(), 8);
    assert_eq!(report.events, 8);
    assert_eq!(
        events,
        bot.events(),
        "file and extra sink see the same events"
    );
    assert_eq!(
        activities(&events),
        [
            "write_text",
            "append_text",
            "append_text",
            "append_text",
            "append_text",
            "append_text",
            "read_text",
            "output"
        ]
    );
    let mut ids = std::collections::BTreeSet::new();
    for event in &events {
        assert_eq!(event.case_id(), Some(report.run_id.as_str()));
        assert_eq!(event.resource.as_deref(), Some("main@agent-7"));
        assert_eq!(event.status, Status::Ok);
        assert_eq!(event.lifecycle, Some(Lifecycle::Complete));
        assert!(event.start_time.unwrap() <= event.time);
        assert!(ids.insert(event.id.clone()), "duplicate id {}", event.id);
    }
    assert!(
        events
            .windows(2)
            .all(|pair| pair[0].time <= pair[1].start_time.unwrap())
    );
    assert_eq!(
        events[0].attributes["path"],
        AttributeValue::String("a.txt".into())
    );
}

#[test]
fn a_failed_step_emits_one_failed_event_and_ends_the_run() {
    let mut bot = Bot::new(
        "write_text(\"a.txt\", \"1\");\nread_text(\"missing.txt\");\nwrite_text(\"b.txt\", \"never\");\n",
    );
    let report = bot.run();
    assert_eq!(report.outcome, JobOutcome::Failed);
    let events = read_events(&report.run_dir);
    assert_eq!(activities(&events), ["write_text", "read_text"]);
    let failed = &events[1];
    assert_eq!(failed.status, Status::Failed);
    assert_eq!(
        failed.attributes["exception"],
        AttributeValue::String("system".into())
    );
    assert_eq!(failed.attributes["line"], AttributeValue::Int(2));
    match &failed.attributes["error"] {
        AttributeValue::String(message) => assert!(message.contains("missing.txt"), "{message}"),
        other => panic!("error attribute is {other:?}"),
    }
}

#[test]
fn business_steps_group_their_sub_steps() {
    let mut bot = Bot::new(
        r#"
        for id in ["R1", "R2"] {
            step("Check record", #{ record: id }, || {
                write_text(`${id}.txt`, id);
                if id == "R2" { throw business(`${id}: bad IBAN`); }
            });
        }
        "#,
    );
    let report = bot.run();
    assert_eq!(report.outcome, JobOutcome::Failed);
    assert_eq!(
        report.error.unwrap().kind,
        flowbot_model::wire::ExceptionKind::Business
    );
    let events = read_events(&report.run_dir);
    assert_eq!(
        activities(&events),
        ["write_text", "Check record", "write_text", "Check record"]
    );
    assert_eq!(
        events[0].attributes["business_step"],
        AttributeValue::String("Check record".into())
    );
    assert_eq!(
        events[1].attributes["record"],
        AttributeValue::String("R1".into())
    );
    assert_eq!(
        events[1].attributes["step"],
        AttributeValue::String("step".into())
    );
    assert_eq!(events[1].status, Status::Ok);
    assert_eq!(events[3].status, Status::Failed);
    assert_eq!(
        events[3].attributes["exception"],
        AttributeValue::String("business".into())
    );
    assert_eq!(
        events[3].attributes["error"],
        AttributeValue::String("R2: bad IBAN".into())
    );
    assert!(!events[3].attributes.contains_key("business_step"));
}

#[test]
fn run_folder_holds_log_outputs_and_summary() {
    let mut bot = Bot::new(
        r#"log("starting"); print("hello"); output("n", 1);
           write_text(run_folder() + "/artifacts/charts/n.txt", "1");"#,
    );
    let report = bot.run();
    let log = std::fs::read_to_string(report.run_dir.join("run.log")).unwrap();
    assert!(log.contains("info  starting"), "{log}");
    assert!(log.contains("print hello"), "{log}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.run_dir.join("run.json")).unwrap())
            .unwrap();
    assert_eq!(summary["outcome"], "succeeded");
    assert_eq!(summary["events"], 2, "output and write_text");
    assert_eq!(summary["outputs"]["n"], 1);
    assert_eq!(summary["artifacts"][0]["path"], "charts/n.txt");
    assert!(report.run_dir.join("artifacts/charts/n.txt").is_file());
}

#[test]
fn a_run_that_writes_no_artifact_has_no_artifacts_folder() {
    let mut bot = Bot::new(r#"output("n", 1);"#);
    let report = bot.run();
    assert!(report.run_dir.join("run.json").is_file());
    assert!(!report.run_dir.join("artifacts").exists());
    assert!(!report.run_dir.join("outputs.json").exists());
}

#[test]
fn each_line_of_events_jsonl_is_an_event_in_the_model_schema() {
    let mut bot = Bot::new(r#"step("A", || { sleep(1); }); output("x", 1);"#);
    let report = bot.run();
    let text = std::fs::read_to_string(report.run_dir.join("events.jsonl")).unwrap();
    for line in text.lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        // `deny_unknown_fields` in the model: a stray key would fail here.
        let event: flowbot_model::Event = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(serde_json::to_value(&event).unwrap(), value);
    }
    assert_eq!(text.lines().count(), 3);
}
