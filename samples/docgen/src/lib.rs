//! Sample invoices for OCR and extraction tests: four layouts (three English, one Chinese
//! 增值税发票-style), each as a clean PNG, a "scanned" PNG (1–3° rotation, blur, noise), a PDF
//! (text layer for English, image-only for Chinese) and a scanned image-only PDF, with a
//! ground-truth JSON of every drawn line and word (text and ink box) and the invoice's fields.
//!
//! The ground truth is what was drawn, so OCR tests compare against an independent source.
//!
//! Beside the invoices, [`generate_letters`] draws what an invoice inbox must turn away: a
//! complaint, an insurance claim form and a bank statement, in English and Chinese.

mod canvas;
mod invoice;
mod letter;
mod pdf;
mod scan;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use canvas::{Fonts, TruthLine, TruthWord};
pub use invoice::{Fields, Item, LAYOUTS, Layout};
pub use letter::{LETTER_KINDS, Letter, LetterKind, generate_letters, write_letter};

/// Why generating failed.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    #[error(
        "cannot read font {path}: {source} (install fonts-dejavu-core and fonts-noto-cjk: cargo xtask setup)"
    )]
    Font {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("font {0} is not a usable TrueType/OpenType font")]
    BadFont(PathBuf),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode PNG: {0}")]
    Png(#[from] image::ImageError),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// The resolution samples are drawn at: A4 is 1654×2339 pixels.
pub const DPI: u32 = 200;

/// The distortions applied to the scanned variant.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScanParams {
    /// Clockwise, degrees.
    pub rotation_deg: f32,
    pub blur_sigma: f32,
    pub noise_stddev: f32,
    pub speckle_rate: f32,
}

/// The files of one sample, relative to the output folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Files {
    pub png: String,
    pub scanned_png: String,
    pub pdf: String,
    /// Whether `pdf` has a text layer (English) or is image-only (Chinese).
    pub pdf_has_text_layer: bool,
    pub scanned_pdf: String,
}

/// The ground truth of one sample, written next to it as `<id>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    pub id: String,
    pub layout: Layout,
    /// `en` or `zh`.
    pub lang: String,
    pub dpi: u32,
    pub width: u32,
    pub height: u32,
    pub fields: Fields,
    /// Every drawn line in reading order (top to bottom, left to right), with its words.
    pub lines: Vec<TruthLine>,
    pub scan: ScanParams,
    pub files: Files,
}

impl Truth {
    /// All drawn text, one line per line.
    pub fn text(&self) -> String {
        self.lines
            .iter()
            .map(|line| line.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn read(path: &Path) -> Result<Self, GenError> {
        let bytes = std::fs::read(path).map_err(|source| GenError::Write {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(serde_json::from_slice(&bytes)?)
    }
}

/// Writes `count` samples into `out`, cycling through the layouts; the same seed gives the
/// same files.
pub fn generate(out: &Path, count: usize, seed: u64) -> Result<Vec<Truth>, GenError> {
    let fonts = Fonts::load()?;
    std::fs::create_dir_all(out).map_err(|source| GenError::Write {
        path: out.to_path_buf(),
        source,
    })?;
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..count)
        .map(|index| {
            let layout = LAYOUTS[index % LAYOUTS.len()];
            let id = format!("invoice-{:03}-{}", index + 1, layout.name());
            write_sample(out, &id, layout, &fonts, &mut rng)
        })
        .collect()
}

/// Renders and writes one sample in every form.
pub fn write_sample(
    out: &Path,
    id: &str,
    layout: Layout,
    fonts: &Fonts,
    rng: &mut fastrand::Rng,
) -> Result<Truth, GenError> {
    let fields = invoice::fields(layout, rng);
    let page = invoice::render(layout, &fields, fonts);
    let scan = ScanParams {
        rotation_deg: (1.0 + rng.f32() * 2.0) * if rng.bool() { 1.0 } else { -1.0 },
        blur_sigma: 0.5 + rng.f32() * 0.4,
        noise_stddev: 6.0 + rng.f32() * 8.0,
        speckle_rate: 0.0005 + rng.f32() * 0.001,
    };
    let scanned = scan::scan(&page.image, &scan, rng.u64(..));
    let files = Files {
        png: format!("{id}.png"),
        scanned_png: format!("{id}-scan.png"),
        pdf: format!("{id}.pdf"),
        pdf_has_text_layer: layout.lang() == "en",
        scanned_pdf: format!("{id}-scan.pdf"),
    };
    let write = |name: &str, bytes: &[u8]| {
        let path = out.join(name);
        std::fs::write(&path, bytes).map_err(|source| GenError::Write { path, source })
    };
    write(&files.png, &pdf::png_with_dpi(&page.image, DPI)?)?;
    write(&files.scanned_png, &pdf::png_with_dpi(&scanned, DPI)?)?;
    let pdf = if files.pdf_has_text_layer {
        pdf::text_pdf(&page.lines, page.image.width(), page.image.height(), DPI)
    } else {
        pdf::image_pdf(&page.image, DPI)
    };
    write(&files.pdf, &pdf)?;
    write(&files.scanned_pdf, &pdf::image_pdf(&scanned, DPI))?;
    let truth = Truth {
        id: id.to_owned(),
        layout,
        lang: layout.lang().to_owned(),
        dpi: DPI,
        width: page.image.width(),
        height: page.image.height(),
        fields,
        lines: page.lines,
        scan,
        files,
    };
    write(&format!("{id}.json"), &serde_json::to_vec_pretty(&truth)?)?;
    Ok(truth)
}
