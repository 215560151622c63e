//! Language steps and personal-data redaction of run logs, with the real models (fetched by
//! `cargo xtask setup` / `fetch-models`).

mod common;

use std::sync::{Arc, Mutex};

use common::{Bot, outputs};
use flowbot_agent::events::{EventSink, SinkError};
use flowbot_agent::language::nlp;
use flowbot_model::Event;
use flowbot_model::wire::LogLine;

/// Keeps the log lines the run streams (what the control plane would store).
#[derive(Clone, Default)]
struct LogCapture(Arc<Mutex<Vec<String>>>);

impl EventSink for LogCapture {
    fn emit(&mut self, _event: &Event) -> Result<(), SinkError> {
        Ok(())
    }

    fn log(&mut self, line: &LogLine) -> Result<(), SinkError> {
        self.0.lock().unwrap().push(line.message.clone());
        Ok(())
    }

    fn flush(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

const EMAIL: &str = "maria.keller@example.com";
const PHONE: &str = "+49 89 2345 6789";
const IBAN: &str = "DE89 3704 0044 0532 0130 00";

#[test]
fn run_log_lines_carry_no_personal_data() {
    let script = format!(
        r#"
        log("New customer Maria Keller, email {EMAIL}, phone {PHONE}.");
        print("Refund goes to IBAN {IBAN} today.");
        log("Onboarding finished for 3 documents.");
        "#
    );
    let mut bot = Bot::new(&script);
    let captured = LogCapture::default();
    bot.options().redact_log_pii = true;
    bot.options().extra_sink = Some(Box::new(captured.clone()));
    let report = bot.run();
    assert_eq!(report.outcome, flowbot_model::wire::JobOutcome::Succeeded);

    let log = std::fs::read_to_string(report.run_dir.join("run.log")).unwrap();
    let streamed = captured.0.lock().unwrap().join("\n");
    for text in [&log, &streamed] {
        for secret in [EMAIL, PHONE, IBAN, "Maria", "Keller", "2345 6789", "0532"] {
            assert!(!text.contains(secret), "`{secret}` is in the log:\n{text}");
        }
        assert!(text.contains("[EMAIL]"), "{text}");
        assert!(text.contains("[IBAN]"), "{text}");
        assert!(
            text.contains("Onboarding finished for 3 documents."),
            "{text}"
        );
    }
    // The detector itself finds nothing left to redact in what was stored.
    for line in captured.0.lock().unwrap().iter() {
        let left = nlp().detect_pii(line).unwrap();
        assert!(
            !left.iter().any(|span| matches!(
                span.kind,
                flowbot_nlp::PiiKind::Email
                    | flowbot_nlp::PiiKind::Phone
                    | flowbot_nlp::PiiKind::Iban
                    | flowbot_nlp::PiiKind::Surname
            )),
            "{left:?} in `{line}`"
        );
    }
}

#[test]
fn run_log_keeps_personal_data_when_redaction_is_off() {
    let mut bot = Bot::new(&format!(r#"log("mail {EMAIL}");"#));
    bot.options().redact_log_pii = false;
    let report = bot.run();
    let log = std::fs::read_to_string(report.run_dir.join("run.log")).unwrap();
    assert!(log.contains(EMAIL), "{log}");
}

#[test]
fn language_steps_classify_answer_and_redact() {
    let mut bot = Bot::new(
        r#"
        let text = "Invoice 2024-0117 for consulting services. Total amount due: 1,356.60 EUR. \
                    Payment is due by 15 April 2024. Thank you for your business.";
        let kind = classify(text, ["invoice", "claim", "complaint", "statement"]);
        output("label", kind.label);
        output("score_sum", kind.scores.values().reduce(|sum, x| sum + x, 0.0));
        output("due", answer("When is payment due?", text).sentence);
        output("dims", embed("hello").len());
        output("closer", similarity("refund my money", "I want my money back")
                         > similarity("refund my money", "the weather is sunny"));
        output("found", detect_pii("Write to ben.ford@example.net").map(|f| f.kind));
        output("redacted", redact_pii("Write to ben.ford@example.net"));
        "#,
    );
    let report = bot.run();
    let out = outputs(&report);
    assert_eq!(out["label"], "invoice", "{out:?}");
    assert!((out["score_sum"].as_f64().unwrap() - 1.0).abs() < 1e-4);
    assert_eq!(out["due"], "Payment is due by 15 April 2024.");
    assert_eq!(out["dims"], 384);
    assert_eq!(out["closer"], true);
    assert_eq!(out["found"], serde_json::json!(["email"]));
    assert_eq!(out["redacted"], "Write to [EMAIL]");
    // classify and answer are steps of the run (one event each); the others are pure.
    let language: Vec<String> = common::activities(&bot.events())
        .into_iter()
        .filter(|activity| !activity.starts_with("output"))
        .collect();
    assert_eq!(language, vec!["classify", "answer"]);
}

#[test]
fn classify_without_labels_fails_with_a_clear_error() {
    let mut bot = Bot::new(
        r#"
        try { classify("some text", []); } catch (e) { output("message", e.message); }
        "#,
    );
    let report = bot.run();
    let message = outputs(&report)["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("at least one non-empty label"),
        "{message}"
    );
}
