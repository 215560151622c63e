//! `cargo xtask bench-ocr`: OCR of one A4 invoice page in-process (flowbot-docai, engine
//! reused, as a bot's worker does) against the `tesseract` command on the same PNG, and pages
//! per minute of a scanned multi-page PDF with 1 and 2 workers.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use flowbot_docai::{Engine, Lang, ReadOptions, Segmentation};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

pub(crate) fn run(runs: usize, pages: usize) -> anyhow::Result<()> {
    if !flowbot_docai::omp_thread_limit_is_one() {
        bail!("run through cargo (its [env] sets OMP_THREAD_LIMIT=1) or export OMP_THREAD_LIMIT=1");
    }
    let dir = tempfile::tempdir()?;
    let truths = flowbot_docgen::generate(dir.path(), 3, 11)?;
    let truth = &truths[0];
    let png = dir.path().join(&truth.files.png);
    let tessdata = flowbot_docai::default_tessdata();

    // In-process: decode the PNG, recognise (PSM 3, as the CLI), read text and word boxes.
    let engine = Engine::new(&tessdata, Lang::Eng, &png)?;
    let mut in_process = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let image = image::open(&png)?.to_luma8();
        let page = engine.read(&image, truth.dpi, Segmentation::Auto, &png)?;
        in_process.push(started.elapsed());
        assert!(!page.words.is_empty());
    }
    // Cold: a fresh engine (model load) per page, as the CLI has to.
    let mut cold = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let engine = Engine::new(&tessdata, Lang::Eng, &png)?;
        let image = image::open(&png)?.to_luma8();
        engine.read(&image, truth.dpi, Segmentation::Auto, &png)?;
        cold.push(started.elapsed());
    }
    let mut cli = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let output = Command::new("tesseract")
            .arg(&png)
            .args(["-", "-l", "eng", "--psm", "3", "--dpi"])
            .arg(truth.dpi.to_string())
            .arg("tsv")
            .env("OMP_THREAD_LIMIT", "1")
            .output()
            .context("the tesseract command (apt package tesseract-ocr, cargo xtask setup)")?;
        cli.push(started.elapsed());
        if !output.status.success() {
            bail!(
                "tesseract failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
    let (warm, cold, cli) = (median(in_process), median(cold), median(cli));
    println!(
        "A4 page {}x{} at {} dpi, eng, PSM 3, median of {runs}:",
        truth.width, truth.height, truth.dpi
    );
    println!("  flowbot-docai, engine reused (text + word boxes): {warm:.2?}");
    println!("  flowbot-docai, fresh engine per page:            {cold:.2?}");
    println!("  tesseract CLI (process, TSV with boxes):          {cli:.2?}");
    println!(
        "  ratio reused/CLI {:.2}, fresh/CLI {:.2}",
        warm.as_secs_f64() / cli.as_secs_f64(),
        cold.as_secs_f64() / cli.as_secs_f64()
    );

    let scanned = multi_page_pdf(dir.path(), &truths, pages)?;
    for workers in [1, 2] {
        let options = ReadOptions {
            workers,
            ..ReadOptions::default()
        };
        let started = Instant::now();
        let document = flowbot_docai::read(&scanned, &options)?;
        let elapsed = started.elapsed();
        println!(
            "  scanned PDF, {} pages, {workers} worker(s): {elapsed:.2?} = {:.1} pages/minute",
            document.pages.len(),
            document.pages.len() as f64 * 60.0 / elapsed.as_secs_f64()
        );
    }
    Ok(())
}

/// A scanned PDF of `pages` pages cycling through the samples' scanned PDFs (qpdf).
fn multi_page_pdf(
    dir: &Path,
    truths: &[flowbot_docgen::Truth],
    pages: usize,
) -> anyhow::Result<std::path::PathBuf> {
    let out = dir.join("scanned-batch.pdf");
    let mut qpdf = Command::new("qpdf");
    qpdf.arg("--empty").arg("--pages");
    for index in 0..pages {
        qpdf.arg(dir.join(&truths[index % truths.len()].files.scanned_pdf));
    }
    qpdf.arg("--").arg(&out);
    let status = qpdf.status().context("qpdf (cargo xtask setup)")?;
    if !status.success() {
        bail!("qpdf could not assemble the batch PDF");
    }
    Ok(out)
}
