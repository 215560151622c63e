//! Shared by the OCR tests: generated invoices (made once per target dir and reused by every
//! test process) and the character error rate against their ground truth.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};

use flowbot_docgen::Truth;

/// One invoice per layout, generated with a fixed seed into the target dir. Written to a
/// temporary folder and renamed into place, so parallel test processes never see half a set.
pub fn samples() -> (PathBuf, Vec<Truth>) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("docai-samples-v1");
    if !dir.join("done").exists() {
        let staging = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("docai-samples-staging-{}", std::process::id()));
        flowbot_docgen::generate(&staging, 4, 9).expect("generate samples");
        std::fs::write(staging.join("done"), b"").expect("mark done");
        if std::fs::rename(&staging, &dir).is_err() {
            // Another process finished first; its set is the same.
            let _ = std::fs::remove_dir_all(&staging);
        }
    }
    let mut truths: Vec<Truth> = std::fs::read_dir(&dir)
        .expect("samples dir")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| Truth::read(&path).expect("truth"))
        .collect();
    truths.sort_by(|a, b| a.id.cmp(&b.id));
    (dir, truths)
}

/// NFKC, CJK spacing folded, then every whitespace removed: what CER compares.
pub fn comparable(text: &str) -> Vec<char> {
    flowbot_docai::clean_cjk(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Levenshtein distance over characters / truth length, whitespace ignored.
pub fn cer(truth: &str, ocr: &str) -> f64 {
    let (truth, ocr) = (comparable(truth), comparable(ocr));
    let mut previous: Vec<usize> = (0..=ocr.len()).collect();
    for (i, t) in truth.iter().enumerate() {
        let mut current = vec![i + 1; ocr.len() + 1];
        for (j, o) in ocr.iter().enumerate() {
            let substitution = previous[j] + usize::from(t != o);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[ocr.len()] as f64 / truth.len().max(1) as f64
}
