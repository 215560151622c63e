//! Input a bot must refuse with a clear, typed error naming the file: corrupt and truncated
//! images, empty, password-protected, page-less, over-long and corrupt PDFs, other formats,
//! missing language data.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::samples;
use flowbot_docai::{DocError, Lang, ReadOptions, read};

fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

fn english_sample() -> (PathBuf, flowbot_docgen::Truth) {
    let (dir, truths) = samples();
    let truth = truths
        .into_iter()
        .find(|truth| truth.files.pdf_has_text_layer)
        .expect("an English sample");
    (dir, truth)
}

fn assert_names(error: &DocError, path: &Path) {
    assert!(
        error.to_string().contains(&path.display().to_string()),
        "the message does not name {}: {error}",
        path.display()
    );
}

#[test]
fn a_truncated_png_is_a_corrupt_image() {
    let (dir, truth) = english_sample();
    let bytes = std::fs::read(dir.join(&truth.files.png)).expect("png");
    let tmp = scratch();
    let path = tmp.path().join("cut.png");
    std::fs::write(&path, &bytes[..bytes.len() / 3]).expect("write");
    let error = read(&path, &ReadOptions::default()).expect_err("truncated");
    assert!(matches!(error, DocError::CorruptImage { .. }), "{error:?}");
    assert_names(&error, &path);
}

#[test]
fn an_empty_file_is_refused_before_decoding() {
    let tmp = scratch();
    let path = tmp.path().join("empty.pdf");
    std::fs::write(&path, b"").expect("write");
    let error = read(&path, &ReadOptions::default()).expect_err("empty");
    assert!(matches!(error, DocError::EmptyFile { .. }), "{error:?}");
    assert_names(&error, &path);
}

#[test]
fn other_formats_are_unsupported_by_content_not_name() {
    let tmp = scratch();
    for (name, bytes, found) in [
        ("scan.png", &b"GIF89a\x01\x00\x01\x00"[..], "GIF image"),
        (
            "invoice.pdf",
            &b"PK\x03\x04rest of a docx"[..],
            "ZIP archive",
        ),
        ("notes.png", &b"just some text"[..], "text"),
    ] {
        let path = tmp.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let error = read(&path, &ReadOptions::default()).expect_err("unsupported");
        match &error {
            DocError::UnsupportedFormat { found: what, .. } => assert!(what.contains(found)),
            other => panic!("{name}: {other:?}"),
        }
        assert_names(&error, &path);
    }
}

#[test]
fn a_corrupt_pdf_is_a_corrupt_pdf() {
    let tmp = scratch();
    let path = tmp.path().join("broken.pdf");
    std::fs::write(&path, b"%PDF-1.4\nthis is not really a pdf\n%%EOF\n").expect("write");
    let error = read(&path, &ReadOptions::default()).expect_err("corrupt");
    assert!(matches!(error, DocError::CorruptPdf { .. }), "{error:?}");
    assert_names(&error, &path);
}

#[test]
fn a_password_protected_pdf_says_so() {
    let (dir, truth) = english_sample();
    let tmp = scratch();
    let path = tmp.path().join("locked.pdf");
    let status = Command::new("qpdf")
        .args(["--encrypt", "user-secret", "owner-secret", "256", "--"])
        .arg(dir.join(&truth.files.pdf))
        .arg(&path)
        .status()
        .expect("qpdf (cargo xtask setup installs it)");
    assert!(status.success());
    let error = read(&path, &ReadOptions::default()).expect_err("locked");
    assert!(
        matches!(error, DocError::PasswordProtected { .. }),
        "{error:?}"
    );
    assert_names(&error, &path);
    let error = flowbot_docai::pdf_text_layer(&path, &ReadOptions::default()).expect_err("locked");
    assert!(
        matches!(error, DocError::PasswordProtected { .. }),
        "{error:?}"
    );
}

#[test]
fn a_pdf_without_pages_says_so() {
    // A well-formed PDF whose page tree is empty.
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let catalog = pdf.len();
    pdf.extend_from_slice(b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    let pages = pdf.len();
    pdf.extend_from_slice(b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n");
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!(
            "xref\n0 3\n0000000000 65535 f \n{catalog:010} 00000 n \n{pages:010} 00000 n \n\
             trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
        )
        .as_bytes(),
    );
    let tmp = scratch();
    let path = tmp.path().join("no-pages.pdf");
    std::fs::write(&path, pdf).expect("write");
    let error = read(&path, &ReadOptions::default()).expect_err("no pages");
    assert!(matches!(error, DocError::NoPages { .. }), "{error:?}");
    assert_names(&error, &path);
}

#[test]
fn too_many_pages_are_refused_before_any_ocr() {
    let (dir, truth) = english_sample();
    let tmp = scratch();
    let path = tmp.path().join("long.pdf");
    let page = dir.join(&truth.files.scanned_pdf);
    let status = Command::new("qpdf")
        .arg("--empty")
        .arg("--pages")
        .args([&page, &page, &page])
        .arg("--")
        .arg(&path)
        .status()
        .expect("qpdf");
    assert!(status.success());
    let options = ReadOptions {
        max_pages: 2,
        ..ReadOptions::default()
    };
    let started = std::time::Instant::now();
    let error = read(&path, &options).expect_err("too long");
    match &error {
        DocError::TooManyPages { pages, limit, .. } => assert_eq!((*pages, *limit), (3, 2)),
        other => panic!("{other:?}"),
    }
    assert_names(&error, &path);
    // Refused from the page count alone: no page was rasterised or recognised.
    assert!(started.elapsed().as_secs() < 5);
}

#[test]
fn scanned_pages_are_read_in_parallel_and_kept_in_order() {
    let (dir, truths) = samples();
    let tmp = scratch();
    let path = tmp.path().join("three.pdf");
    let pages: Vec<PathBuf> = truths
        .iter()
        .filter(|truth| truth.lang == "en")
        .map(|truth| dir.join(&truth.files.scanned_pdf))
        .collect();
    let status = Command::new("qpdf")
        .arg("--empty")
        .arg("--pages")
        .args(&pages)
        .arg("--")
        .arg(&path)
        .status()
        .expect("qpdf");
    assert!(status.success());
    let options = ReadOptions {
        workers: 2,
        ..ReadOptions::default()
    };
    let document = read(&path, &options).expect("read");
    assert_eq!(document.pages.len(), 3);
    let english: Vec<_> = truths.iter().filter(|truth| truth.lang == "en").collect();
    for (index, (page, truth)) in document.pages.iter().zip(english).enumerate() {
        assert_eq!(page.number, index + 1);
        assert!(
            page.text.contains(&truth.fields.invoice_number),
            "page {} lacks {}",
            page.number,
            truth.fields.invoice_number
        );
    }
}

#[test]
fn missing_language_data_names_the_package_and_the_file() {
    let (dir, truth) = english_sample();
    let empty = scratch();
    let path = dir.join(&truth.files.png);
    let options = ReadOptions {
        tessdata: empty.path().to_path_buf(),
        lang: Lang::ChiSim,
        ..ReadOptions::default()
    };
    let error = read(&path, &options).expect_err("no data");
    match &error {
        DocError::MissingLanguage {
            language, package, ..
        } => assert_eq!(
            (language.as_str(), package.as_str()),
            ("chi_sim", "chi-sim")
        ),
        other => panic!("{other:?}"),
    }
    assert_names(&error, &path);
    assert!(error.to_string().contains("tesseract-ocr-chi-sim"));
}

#[test]
fn unknown_language_names_are_refused() {
    assert!(matches!(
        "klingon".parse::<Lang>(),
        Err(DocError::UnknownLanguage(_))
    ));
}
