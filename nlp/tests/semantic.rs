//! Embeddings, similarity, classification and answers with the real all-MiniLM-L6-v2 model
//! (fetched by `cargo xtask setup` / `fetch-models`).

use std::sync::OnceLock;

use flowbot_nlp::{Embedder, MiniLm, ModelPaths, embed};

fn model() -> &'static MiniLm {
    static MODEL: OnceLock<MiniLm> = OnceLock::new();
    MODEL.get_or_init(|| {
        MiniLm::load(&ModelPaths::from_env().sentence_model())
            .unwrap_or_else(|error| panic!("{error}"))
    })
}

const INVOICE: &str = "INVOICE No. 2024-0117. Bill to: Northwind Traders, 12 Harbour Road. \
    Item: consulting services, 12 hours at 95.00 EUR. Subtotal 1,140.00 EUR, VAT 19% 216.60 EUR, \
    total amount due 1,356.60 EUR. Payment is due by 15 April 2024. Please transfer the amount \
    to our bank account and quote the invoice number.";
const COMPLAINT: &str = "I am writing to complain about the terrible service I received. My \
    order arrived two weeks late, the box was damaged and nobody answered my emails. I am very \
    disappointed and expect an apology and a refund.";
const CLAIM: &str = "Claim form: on 3 March my car was hit in the parking lot while parked. \
    The rear bumper and tail light were damaged. I request reimbursement of the repair costs \
    under my motor insurance policy number MX-44812; photos and the garage quote are attached.";
const STATEMENT: &str = "Account statement for the period 1 March to 31 March. Opening \
    balance 2,310.45. 02.03 card payment supermarket -54.20; 05.03 salary +3,100.00; 12.03 rent \
    -1,150.00. Closing balance 4,206.25.";
const LABELS: &[&str] = &["invoice", "claim", "complaint", "statement"];

#[test]
fn embeddings_have_384_dimensions_and_unit_length() {
    let vectors = model()
        .embed(&["The invoice is overdue.", "", "短い日本語の文"])
        .unwrap();
    assert_eq!(vectors.len(), 3);
    for vector in &vectors {
        assert_eq!(vector.len(), 384);
        assert_eq!(model().dimension(), 384);
        let norm: f32 = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
    }
}

#[test]
fn padding_in_a_batch_does_not_change_an_embedding() {
    let short = "Pay now.";
    let alone = model().embed(&[short]).unwrap().remove(0);
    let batched = model()
        .embed(&[
            short,
            "A much longer sentence that forces the short one to be padded.",
        ])
        .unwrap()
        .remove(0);
    let cosine = embed::cosine(&alone, &batched);
    assert!(cosine > 0.9999, "cosine {cosine}");
}

#[test]
fn paraphrases_are_closer_than_unrelated_sentences() {
    let paraphrase = embed::similarity(
        model(),
        "The payment for this invoice is overdue.",
        "This bill has not been paid on time.",
    )
    .unwrap();
    let unrelated = embed::similarity(
        model(),
        "The payment for this invoice is overdue.",
        "The cat sleeps on the warm windowsill.",
    )
    .unwrap();
    let same = embed::similarity(model(), "Hello there.", "Hello there.").unwrap();
    assert!(paraphrase > unrelated + 0.2, "{paraphrase} vs {unrelated}");
    assert!((same - 1.0).abs() < 1e-4, "{same}");
}

#[test]
fn classify_picks_the_document_type() {
    for (text, expected) in [
        (INVOICE, "invoice"),
        (COMPLAINT, "complaint"),
        (CLAIM, "claim"),
        (STATEMENT, "statement"),
    ] {
        let result = embed::classify(model(), text, LABELS).unwrap();
        assert_eq!(result.label, expected, "{:?}", result.scores);
        let total: f32 = result.scores.iter().map(|(_, score)| score).sum();
        assert!((total - 1.0).abs() < 1e-4);
    }
}

#[test]
fn answer_picks_the_sentence_with_the_due_date() {
    let found = embed::answer(model(), "When is the payment due?", INVOICE)
        .unwrap()
        .unwrap();
    assert_eq!(found.sentence, "Payment is due by 15 April 2024.");
    assert_eq!(&INVOICE[found.start..found.end], found.sentence);
}
