//! Personal-data detection and redaction with the real Rampart model and onnxruntime (fetched
//! by `cargo xtask setup` / `fetch-models`).

use std::sync::OnceLock;

use flowbot_nlp::pii::redact;
use flowbot_nlp::{ModelPaths, PiiDetector, PiiKind, Rampart};

fn detector() -> &'static Rampart {
    static DETECTOR: OnceLock<Rampart> = OnceLock::new();
    DETECTOR.get_or_init(|| {
        let paths = ModelPaths::from_env();
        let library = paths
            .onnxruntime_library()
            .unwrap_or_else(|error| panic!("{error}"));
        Rampart::load(&paths.pii_model(), &library).unwrap_or_else(|error| panic!("{error}"))
    })
}

fn found(text: &str) -> Vec<(PiiKind, String)> {
    detector()
        .detect(text)
        .unwrap()
        .into_iter()
        .map(|span| (span.kind, text[span.start..span.end].to_owned()))
        .collect()
}

const LETTER: &str = "Dear Mr. Schmidt, my name is Anna Becker and I live at 14 Lindenstrasse, \
    Berlin. You can reach me at anna.becker@example.com or on +49 30 1234 5678. Please refund \
    the amount to my account DE89 3704 0044 0532 0130 00.";

#[test]
fn finds_email_phone_iban_and_names_in_a_letter() {
    let spans = found(LETTER);
    let has = |kind: PiiKind, text: &str| spans.iter().any(|(k, t)| *k == kind && t == text);
    assert!(has(PiiKind::Email, "anna.becker@example.com"), "{spans:?}");
    assert!(
        has(PiiKind::Iban, "DE89 3704 0044 0532 0130 00"),
        "{spans:?}"
    );
    assert!(
        spans
            .iter()
            .any(|(k, t)| *k == PiiKind::Phone && t.contains("1234 5678")),
        "{spans:?}"
    );
    assert!(has(PiiKind::GivenName, "Anna"), "{spans:?}");
    assert!(has(PiiKind::Surname, "Becker"), "{spans:?}");
}

#[test]
fn redaction_leaves_none_of_the_personal_data() {
    let spans = detector().detect(LETTER).unwrap();
    let redacted = redact(LETTER, &spans);
    for secret in [
        "anna.becker@example.com",
        "1234 5678",
        "DE89 3704",
        "Anna",
        "Becker",
    ] {
        assert!(!redacted.contains(secret), "{secret} left in {redacted}");
    }
    assert!(redacted.contains("[EMAIL]"), "{redacted}");
    assert!(redacted.contains("[IBAN]"), "{redacted}");
    assert!(redacted.contains("Please refund the amount"), "{redacted}");
    let again: Vec<PiiKind> = detector()
        .detect(&redacted)
        .unwrap()
        .into_iter()
        .map(|span| span.kind)
        .collect();
    assert!(
        !again.iter().any(|kind| matches!(
            kind,
            PiiKind::Email | PiiKind::Iban | PiiKind::Phone | PiiKind::GivenName | PiiKind::Surname
        )),
        "{again:?} in {redacted}"
    );
}

#[test]
fn card_numbers_are_found_by_checksum() {
    let spans = found("Card used: 4111 1111 1111 1111, reference 4111 1111 1111 1112.");
    assert!(
        spans.contains(&(PiiKind::CardNumber, "4111 1111 1111 1111".to_owned())),
        "{spans:?}"
    );
    // The model may still call the failing number some other identifier; it is no card.
    assert!(
        !spans
            .iter()
            .any(|(kind, text)| *kind == PiiKind::CardNumber && text.contains("1112")),
        "{spans:?}"
    );
}

#[test]
fn personal_data_far_into_a_long_text_is_found() {
    let filler = "The quarterly report covers sales, costs and the outlook for the region. ";
    let text = format!(
        "{}Contact John Miller at john.miller@example.org.",
        filler.repeat(30)
    );
    let spans = found(&text);
    assert!(
        spans.contains(&(PiiKind::Email, "john.miller@example.org".to_owned())),
        "{spans:?}"
    );
    assert!(
        spans
            .iter()
            .any(|(k, t)| *k == PiiKind::Surname && t == "Miller"),
        "{spans:?}"
    );
}

#[test]
fn text_without_personal_data_is_left_alone() {
    let text = "The invoice total is due next week. Thank you for your order.";
    let spans = detector().detect(text).unwrap();
    assert!(spans.is_empty(), "{spans:?}");
    assert!(detector().detect("").unwrap().is_empty());
}
