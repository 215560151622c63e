//! The document steps on the committed sample invoices (`samples/documents/`), checked against
//! their generator's ground truth.

mod common;

use common::{Bot, activities};
use flowbot_docgen::Truth;
use flowbot_model::wire::JobOutcome;

fn samples_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/documents")
}

fn bot_with_sample(script: &str, id: &str) -> (Bot, Truth) {
    let bot = Bot::new(script);
    let truth = Truth::read(&samples_dir().join(format!("{id}.json"))).expect("truth");
    for name in [&truth.files.png, &truth.files.pdf] {
        std::fs::copy(samples_dir().join(name), bot.path(&format!("files/{name}"))).expect("copy");
    }
    (bot, truth)
}

#[test]
fn ocr_words_pdf_text_and_extract_read_an_invoice() {
    let script = r#"
        let text = ocr("invoice-001-classic.png", "eng");
        output("ibans", extract("ibans", text));
        output("invoice_numbers", extract("invoice_numbers", text));
        let words = ocr_words("invoice-001-classic.png", #{ lang: "eng", psm: "block" });
        output("total", words.filter(|w| w.text == "Total"));
        let layer = pdf_text("invoice-001-classic.pdf");
        output("dates", extract("dates", layer));
        output("amounts", extract("amounts", layer));
    "#;
    let (mut bot, truth) = bot_with_sample(script, "invoice-001-classic");
    let report = bot.run();
    assert_eq!(report.outcome, JobOutcome::Succeeded, "{:?}", report.error);
    let outputs = &report.outputs;
    assert_eq!(
        outputs["ibans"][0]["value"]["iban"],
        truth.fields.iban.clone().expect("classic has an IBAN")
    );
    assert_eq!(
        outputs["invoice_numbers"][0]["value"],
        truth.fields.invoice_number
    );
    assert_eq!(outputs["dates"][0]["value"], truth.fields.date);
    let amounts: Vec<i64> = outputs["amounts"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|amount| amount["value"]["cents"].as_i64())
        .collect();
    for cents in [
        truth.fields.net_cents,
        truth.fields.tax_cents,
        truth.fields.total_cents,
    ] {
        assert!(amounts.contains(&cents), "{cents} not in {amounts:?}");
    }
    // The word "Total" is where the generator drew it.
    let drawn = truth
        .lines
        .iter()
        .flat_map(|line| &line.words)
        .find(|word| word.text == "Total")
        .expect("drawn");
    let found = &outputs["total"][0];
    let left = found["left"].as_f64().expect("left") as f32;
    assert!(
        (left - drawn.bbox[0]).abs() < 4.0,
        "{found} vs {:?}",
        drawn.bbox
    );
    assert!(found["confidence"].as_f64().expect("confidence") > 50.0);
    // One event per reading step; `extract` is pure and emits none.
    let steps = activities(&bot.events());
    for step in ["ocr", "ocr_words", "pdf_text"] {
        assert_eq!(steps.iter().filter(|s| *s == step).count(), 1, "{steps:?}");
    }
    assert!(!steps.iter().any(|s| s == "extract"));
}

#[test]
fn chinese_invoices_yield_checked_credit_codes_and_dates() {
    let script = r#"
        let text = ocr("invoice-004-chinese_vat.png", "chi_sim");
        output("codes", extract("cn_credit_codes", text));
        output("dates", extract("dates", text));
    "#;
    let (mut bot, truth) = bot_with_sample(script, "invoice-004-chinese_vat");
    let report = bot.run();
    assert_eq!(report.outcome, JobOutcome::Succeeded, "{:?}", report.error);
    assert_eq!(report.outputs["dates"][0]["value"], truth.fields.date);
    let codes: Vec<&str> = report.outputs["codes"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|code| code["value"].as_str())
        .collect();
    // Every code read passed its GB 32100 check and is one the generator printed.
    let printed = [&truth.fields.buyer_tax_id, &truth.fields.seller_tax_id];
    assert!(!codes.is_empty());
    for code in codes {
        assert!(
            printed.iter().any(|id| id.as_deref() == Some(code)),
            "{code}"
        );
    }
}

#[test]
fn document_steps_stay_inside_the_bot_roots_and_name_bad_files() {
    let (mut bot, _) = bot_with_sample(r#"ocr("/etc/hostname", "eng");"#, "invoice-001-classic");
    let error = bot.run().error.expect("outside the roots");
    assert!(error.message.contains("outside"), "{error}");

    let (mut bot, _) = bot_with_sample(
        r#"pdf_text("invoice-001-classic.png");"#,
        "invoice-001-classic",
    );
    let error = bot.run().error.expect("not a PDF");
    assert!(error.message.contains("invoice-001-classic.png"), "{error}");
    assert_eq!(error.step.as_deref(), Some("pdf_text"));

    let (mut bot, _) = bot_with_sample(
        r#"ocr("invoice-001-classic.png", "klingon");"#,
        "invoice-001-classic",
    );
    let error = bot.run().error.expect("unknown language");
    assert!(error.message.contains("klingon"), "{error}");

    let (mut bot, _) = bot_with_sample(r#"extract("phone_numbers", "x");"#, "invoice-001-classic");
    let error = bot.run().error.expect("unknown kind");
    assert!(error.message.contains("unknown extractor"), "{error}");
}
