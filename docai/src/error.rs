//! What reading a document can fail with. Every variant names the file, so a bot's error
//! message (and the `failed/` reason file of a folder watch) says which document and why.

use std::path::PathBuf;

/// Why a document could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is empty (0 bytes)")]
    EmptyFile { path: PathBuf },
    #[error("{path}: unsupported format ({found}); Flowbot reads PNG, JPEG and PDF")]
    UnsupportedFormat { path: PathBuf, found: String },
    #[error("{path}: corrupt or truncated image: {message}")]
    CorruptImage { path: PathBuf, message: String },
    #[error("{path}: corrupt PDF: {message}")]
    CorruptPdf { path: PathBuf, message: String },
    #[error("{path} is password-protected; decrypt it before handing it to the bot")]
    PasswordProtected { path: PathBuf },
    #[error("{path} has no pages")]
    NoPages { path: PathBuf },
    #[error(
        "{path} has no text: {pages} page(s) without a text layer or anything OCR could read \
         (blank pages?)"
    )]
    NoText { path: PathBuf, pages: usize },
    #[error("{path} has {pages} pages, more than the limit of {limit}")]
    TooManyPages {
        path: PathBuf,
        pages: usize,
        limit: usize,
    },
    #[error("{path}: image of {width}x{height} pixels is larger than the limit of {limit} pixels")]
    ImageTooLarge {
        path: PathBuf,
        width: u32,
        height: u32,
        limit: u64,
    },
    #[error(
        "no OCR language data `{language}` in {tessdata} (needed for {path}); \
         install tesseract-ocr-{package} (cargo xtask setup)"
    )]
    MissingLanguage {
        path: PathBuf,
        language: String,
        package: String,
        tessdata: PathBuf,
    },
    #[error("unknown OCR language `{0}`; use eng, chi_sim or eng+chi_sim")]
    UnknownLanguage(String),
    #[error("unknown page segmentation mode `{0}`; use auto, block, column, line, word or sparse")]
    UnknownSegmentation(String),
    #[error("`{tool}` is not installed (needed for {path}); install {package} (cargo xtask setup)")]
    ToolMissing {
        tool: &'static str,
        package: &'static str,
        path: PathBuf,
    },
    #[error("{path}: `{tool}` failed: {message}")]
    Tool {
        tool: &'static str,
        path: PathBuf,
        message: String,
    },
    #[error("{path}: OCR engine: {message}")]
    Engine { path: PathBuf, message: String },
}
