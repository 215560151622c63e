//! Document intelligence for Flowbot: read images and PDFs (OCR with the system libtesseract,
//! PDF text layers with poppler), clean scans up, and find dates, amounts, IBANs, invoice
//! numbers, VAT ids and Chinese ID/credit codes in the text with rules, and extract whole
//! invoices (fields with confidence and source box, cross-checked totals).
//!
//! Library only: typed errors ([`DocError`]), no printing. The agent's OCR steps call into it;
//! models for the NLP half (embeddings, PII) belong in their own module behind their own trait
//! and take a [`Document`]'s text as input.
//!
//! The process that OCRs must start with `OMP_THREAD_LIMIT=1` in its environment (Debian's
//! libtesseract uses OpenMP; without the limit a page is ~5× slower on small machines, and
//! setting it after start has no effect). [`omp_thread_limit_is_one`] checks it.

mod cjk;
mod document;
mod engine;
mod error;
pub mod extract;
pub mod invoice;
mod lang;
mod pdf;
mod preprocess;

pub use cjk::{clean_cjk, is_cjk};
pub use document::{
    Document, Format, Page, PageSource, ReadOptions, Unit, detect_format, ocr_image,
    pdf_text_layer, png_dpi, read,
};
pub use engine::{BBox, Engine, Line, PageText, Word};
pub use error::DocError;
pub use lang::{DEBIAN_TESSDATA, Lang, Segmentation, default_tessdata};
pub use preprocess::{Preprocess, estimate_skew};

/// The environment variable libgomp reads when the process loads.
pub const OMP_THREAD_LIMIT: &str = "OMP_THREAD_LIMIT";

/// Whether this process started with `OMP_THREAD_LIMIT=1`. Launchers (the agent, tests, xtask)
/// set it for the processes they start; a process without it can re-exec itself.
pub fn omp_thread_limit_is_one() -> bool {
    std::env::var(OMP_THREAD_LIMIT).is_ok_and(|value| value.trim() == "1")
}
