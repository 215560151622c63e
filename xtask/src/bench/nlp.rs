//! `cargo xtask bench-nlp`: milliseconds per sentence for embeddings (one at a time and in
//! batches), zero-shot classification with 4 labels (label embeddings computed every call, and
//! kept as `Nlp::classify` keeps them), and personal-data detection, with the
//! real models from the models folder, plus how long each model takes to load.

use std::time::{Duration, Instant};

use flowbot_nlp::{Embedder, LabelCache, MiniLm, ModelPaths, PiiDetector, Rampart, embed};

/// Back-office sentences of the kinds bots see: invoices, claims, complaints, statements,
/// with personal data in some of them.
const SENTENCES: &[&str] = &[
    "Invoice 2024-0117 for consulting services, total amount due 1,356.60 EUR.",
    "Payment is due by 15 April 2024; please quote the invoice number.",
    "My order arrived two weeks late and the box was damaged.",
    "I expect an apology and a full refund within ten days.",
    "On 3 March my parked car was hit and the rear bumper was damaged.",
    "Please reimburse the repair costs under policy number MX-44812.",
    "Opening balance 2,310.45, closing balance 4,206.25 for March.",
    "Contact Anna Becker at anna.becker@example.com or +49 30 1234 5678.",
    "Refund the amount to DE89 3704 0044 0532 0130 00, account holder Jan Novak.",
    "The customer moved to 14 Lindenstrasse, 10115 Berlin, last month.",
    "Our records show two open items older than ninety days.",
    "Thank you for your business; we look forward to working with you again.",
];

fn per_sentence(total: Duration, sentences: usize) -> f64 {
    total.as_secs_f64() * 1000.0 / sentences as f64
}

/// The median over `runs` of the time `work` takes for the whole sentence list.
fn median_ms_per_sentence(runs: usize, mut work: impl FnMut()) -> f64 {
    let mut samples: Vec<f64> = (0..runs.max(1))
        .map(|_| {
            let started = Instant::now();
            work();
            per_sentence(started.elapsed(), SENTENCES.len())
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

pub(crate) fn run(runs: usize) -> anyhow::Result<()> {
    let paths = ModelPaths::from_env();
    let started = Instant::now();
    let minilm = MiniLm::load(&paths.sentence_model())?;
    let minilm_load = started.elapsed();
    let started = Instant::now();
    let rampart = Rampart::load(&paths.pii_model(), &paths.onnxruntime_library()?)?;
    let rampart_load = started.elapsed();
    // Warm-up: first calls allocate and page in weights.
    minilm.embed(SENTENCES)?;
    rampart.detect(SENTENCES[7])?;

    let one_at_a_time = median_ms_per_sentence(runs, || {
        for sentence in SENTENCES {
            minilm.embed(&[sentence]).expect("embed");
        }
    });
    let batched = median_ms_per_sentence(runs, || {
        minilm.embed(SENTENCES).expect("embed");
    });
    let labels = ["invoice", "claim", "complaint", "statement"];
    let classify = median_ms_per_sentence(runs, || {
        for sentence in SENTENCES {
            embed::classify(&minilm, sentence, &labels).expect("classify");
        }
    });
    // As `Nlp::classify` runs: the label prompts are embedded once and kept.
    let cache = LabelCache::new(16);
    let classify_cached = median_ms_per_sentence(runs, || {
        for sentence in SENTENCES {
            embed::classify_cached(&minilm, &cache, sentence, &labels).expect("classify");
        }
    });
    let pii = median_ms_per_sentence(runs, || {
        for sentence in SENTENCES {
            rampart.detect(sentence).expect("detect");
        }
    });

    println!("\n{} sentences, median of {runs} runs\n", SENTENCES.len());
    println!("| measure | ms per sentence |");
    println!("|---|---:|");
    println!("| embed, one sentence per call (MiniLM, candle CPU) | {one_at_a_time:.1} |");
    println!(
        "| embed, {} sentences per call | {batched:.1} |",
        SENTENCES.len()
    );
    println!("| classify, 4 labels, labels embedded every call (5 embeddings) | {classify:.1} |");
    println!(
        "| classify, 4 labels, label embeddings cached (1 embedding per call) | {classify_cached:.1} |"
    );
    println!("| detect PII (Rampart ONNX + rules) | {pii:.1} |");
    println!(
        "| load MiniLM / Rampart (once per process) | {:.0} ms / {:.0} ms |",
        minilm_load.as_secs_f64() * 1000.0,
        rampart_load.as_secs_f64() * 1000.0
    );
    Ok(())
}
