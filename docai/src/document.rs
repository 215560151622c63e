//! Reading a whole document: an image (one page) or a PDF (text layer where there is one, OCR
//! for scanned pages, pages in parallel with one engine per worker thread).

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use image::GrayImage;
use serde::Serialize;

use crate::engine::{Engine, Line, PageText, Word};
use crate::error::DocError;
use crate::lang::{Lang, Segmentation, default_tessdata};
use crate::pdf;
use crate::preprocess::{Preprocess, prepare};

/// How to read a document.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// The folder of `*.traineddata` files.
    pub tessdata: PathBuf,
    pub lang: Lang,
    pub segmentation: Segmentation,
    pub preprocess: Preprocess,
    /// The resolution of image input when the file does not say (PNG `pHYs`).
    pub image_dpi: u32,
    /// The resolution scanned PDF pages are rasterised at when their image's own resolution is
    /// unknown or outside 100–600 dpi.
    pub pdf_dpi: u32,
    /// PDFs with more pages are refused before any work is done.
    pub max_pages: usize,
    /// Images with more pixels are refused (a decompression bomb or a poster, not a document).
    pub max_pixels: u64,
    /// OCR worker threads for multi-page documents.
    pub workers: usize,
    /// A PDF page whose text layer has fewer non-space characters than this is OCR'd.
    pub min_text_chars: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            tessdata: default_tessdata(),
            lang: Lang::Eng,
            segmentation: Segmentation::Auto,
            preprocess: Preprocess::default(),
            image_dpi: 300,
            pdf_dpi: 300,
            max_pages: 100,
            max_pixels: 60_000_000,
            workers: std::thread::available_parallelism().map_or(2, usize::from),
            min_text_chars: 20,
        }
    }
}

/// Where a page's text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PageSource {
    /// The PDF's own text: exact, confidence 100.
    TextLayer,
    Ocr,
}

/// The unit of a page's boxes and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Pixels of the input image.
    Pixel,
    /// PDF points (1/72 inch), origin top left.
    Point,
}

/// One page: its text, words and lines with boxes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    /// 1-based.
    pub number: usize,
    pub source: PageSource,
    pub unit: Unit,
    pub width: f32,
    pub height: f32,
    /// The skew (degrees) deskewing corrected; 0 for text layers.
    pub skew_degrees: f32,
    pub text: String,
    pub words: Vec<Word>,
    pub lines: Vec<Line>,
}

/// What was read from a file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    pub path: PathBuf,
    pub pages: Vec<Page>,
}

impl Document {
    /// The pages' text, separated by form feeds as `pdftotext` does.
    pub fn text(&self) -> String {
        self.pages
            .iter()
            .map(|page| page.text.trim_end())
            .collect::<Vec<_>>()
            .join("\n\u{c}\n")
    }

    /// Mean word confidence over all pages (0–100), `None` without words.
    pub fn confidence(&self) -> Option<f32> {
        let words: Vec<f32> = self
            .pages
            .iter()
            .flat_map(|page| page.words.iter().map(|word| word.confidence))
            .collect();
        (!words.is_empty()).then(|| words.iter().sum::<f32>() / words.len() as f32)
    }
}

/// The kinds of file [`read`] accepts, recognised by their first bytes, not their name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Jpeg,
    Pdf,
}

/// Sniffs the format of `path`.
pub fn detect_format(path: &Path) -> Result<Format, DocError> {
    let mut head = [0u8; 8];
    let io = |source| DocError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let read = file.read(&mut head).map_err(io)?;
    let head = &head[..read];
    if head.is_empty() {
        return Err(DocError::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok(Format::Png)
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(Format::Jpeg)
    } else if head.starts_with(b"%PDF-") {
        Ok(Format::Pdf)
    } else {
        Err(DocError::UnsupportedFormat {
            path: path.to_path_buf(),
            found: describe(head),
        })
    }
}

fn describe(head: &[u8]) -> String {
    let known: &[(&[u8], &str)] = &[
        (b"GIF8", "GIF image"),
        (b"II*\0", "TIFF image"),
        (b"MM\0*", "TIFF image"),
        (b"PK\x03\x04", "ZIP archive or Office document"),
        (b"BM", "BMP image"),
        (b"RIFF", "RIFF (WebP) file"),
    ];
    known
        .iter()
        .find(|(magic, _)| head.starts_with(magic))
        .map_or_else(
            || {
                if std::str::from_utf8(head).is_ok() {
                    "text".to_owned()
                } else {
                    "unknown binary".to_owned()
                }
            },
            |(_, name)| (*name).to_owned(),
        )
}

/// Reads an image or PDF.
pub fn read(path: &Path, options: &ReadOptions) -> Result<Document, DocError> {
    let pages = match detect_format(path)? {
        Format::Png | Format::Jpeg => vec![ocr_image(path, options)?],
        Format::Pdf => read_pdf(path, options)?,
    };
    Ok(Document {
        path: path.to_path_buf(),
        pages,
    })
}

/// OCRs one image file with this thread's engine for the language.
pub fn ocr_image(path: &Path, options: &ReadOptions) -> Result<Page, DocError> {
    let (image, dpi) = load_image(path, options)?;
    with_engine(options, path, |engine| {
        ocr_page(engine, image, dpi, 1, options, path)
    })
}

/// Decodes an image to grey and finds its resolution.
fn load_image(path: &Path, options: &ReadOptions) -> Result<(GrayImage, u32), DocError> {
    let bytes = std::fs::read(path).map_err(|source| DocError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let corrupt = |error: image::ImageError| DocError::CorruptImage {
        path: path.to_path_buf(),
        message: error.to_string(),
    };
    let reader = image::ImageReader::new(std::io::Cursor::new(&bytes))
        .with_guessed_format()
        .map_err(|source| DocError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    let (width, height) = reader.into_dimensions().map_err(corrupt)?;
    if u64::from(width) * u64::from(height) > options.max_pixels {
        return Err(DocError::ImageTooLarge {
            path: path.to_path_buf(),
            width,
            height,
            limit: options.max_pixels,
        });
    }
    let image = image::load_from_memory(&bytes).map_err(corrupt)?.to_luma8();
    let dpi = png_dpi(&bytes).unwrap_or(options.image_dpi);
    Ok((image, dpi))
}

/// The resolution in a PNG's `pHYs` chunk, when it is given per metre.
pub fn png_dpi(bytes: &[u8]) -> Option<u32> {
    let mut at = 8;
    while at + 8 <= bytes.len() {
        let length = u32::from_be_bytes(bytes[at..at + 4].try_into().ok()?) as usize;
        let kind = &bytes[at + 4..at + 8];
        if kind == b"pHYs" && length == 9 {
            let data = bytes.get(at + 8..at + 17)?;
            let per_metre = u32::from_be_bytes(data[0..4].try_into().ok()?);
            return (data[8] == 1 && per_metre > 0)
                .then(|| (f64::from(per_metre) * 0.0254).round() as u32);
        }
        if kind == b"IDAT" {
            return None;
        }
        at += 12 + length;
    }
    None
}

/// Preprocesses and recognises one grey page, with boxes mapped back to the input's pixels.
fn ocr_page(
    engine: &Engine,
    image: GrayImage,
    dpi: u32,
    number: usize,
    options: &ReadOptions,
    path: &Path,
) -> Result<Page, DocError> {
    let (width, height) = (image.width() as f32, image.height() as f32);
    let prepared = prepare(image, dpi, &options.preprocess);
    let text = engine.read(&prepared.image, prepared.dpi, options.segmentation, path)?;
    let back = |x, y| prepared.to_input(x, y);
    let PageText { text, words, lines } = text;
    Ok(Page {
        number,
        source: PageSource::Ocr,
        unit: Unit::Pixel,
        width,
        height,
        skew_degrees: prepared.skew_degrees(),
        text,
        words: words
            .into_iter()
            .map(|word| Word {
                bbox: word.bbox.map(back),
                ..word
            })
            .collect(),
        lines: lines
            .into_iter()
            .map(|line| Line {
                bbox: line.bbox.map(back),
                ..line
            })
            .collect(),
    })
}

thread_local! {
    /// This thread's loaded engines, by data folder and language: a bot that OCRs a folder of
    /// scans loads each model once.
    static ENGINES: RefCell<HashMap<(PathBuf, Lang), Engine>> = RefCell::new(HashMap::new());
}

/// Runs `work` with this thread's engine for `options.lang`, loading it on first use.
fn with_engine<T>(
    options: &ReadOptions,
    path: &Path,
    work: impl FnOnce(&Engine) -> Result<T, DocError>,
) -> Result<T, DocError> {
    ENGINES.with(|engines| {
        let mut engines = engines.borrow_mut();
        let key = (options.tessdata.clone(), options.lang);
        if !engines.contains_key(&key) {
            let engine = Engine::new(&options.tessdata, options.lang, path)?;
            engines.insert(key.clone(), engine);
        }
        work(&engines[&key])
    })
}

/// The text layer of a PDF only, without OCR: fast, exact, and empty for scanned pages.
pub fn pdf_text_layer(path: &Path, options: &ReadOptions) -> Result<Document, DocError> {
    if detect_format(path)? != Format::Pdf {
        return Err(DocError::UnsupportedFormat {
            path: path.to_path_buf(),
            found: "not a PDF".to_owned(),
        });
    }
    let pages = checked_page_count(path, options)?;
    let pages = pdf::text_layer(path, pages)?
        .into_iter()
        .enumerate()
        .map(|(index, (size, text))| text_layer_page(index + 1, size, text))
        .collect();
    Ok(Document {
        path: path.to_path_buf(),
        pages,
    })
}

fn text_layer_page(number: usize, size: pdf::PageSize, text: PageText) -> Page {
    Page {
        number,
        source: PageSource::TextLayer,
        unit: Unit::Point,
        width: size.width,
        height: size.height,
        skew_degrees: 0.0,
        text: text.text,
        words: text.words,
        lines: text.lines,
    }
}

/// The page count, refused when zero or over the limit.
fn checked_page_count(path: &Path, options: &ReadOptions) -> Result<usize, DocError> {
    let info = pdf::info(path)?;
    if info.pages == 0 {
        return Err(DocError::NoPages {
            path: path.to_path_buf(),
        });
    }
    if info.pages > options.max_pages {
        return Err(DocError::TooManyPages {
            path: path.to_path_buf(),
            pages: info.pages,
            limit: options.max_pages,
        });
    }
    Ok(info.pages)
}

fn read_pdf(path: &Path, options: &ReadOptions) -> Result<Vec<Page>, DocError> {
    let count = checked_page_count(path, options)?;
    let layer = pdf::text_layer(path, count)?;
    let mut pages: Vec<Option<Page>> = Vec::with_capacity(count);
    let mut scanned = Vec::new();
    for (index, (size, text)) in layer.into_iter().enumerate() {
        let chars = text.text.chars().filter(|c| !c.is_whitespace()).count();
        if chars >= options.min_text_chars {
            pages.push(Some(text_layer_page(index + 1, size, text)));
        } else {
            pages.push(None);
            scanned.push(index + 1);
        }
    }
    for page in ocr_pdf_pages(path, &scanned, options)? {
        let slot = page.number - 1;
        pages[slot] = Some(page);
    }
    Ok(pages.into_iter().flatten().collect())
}

/// OCRs the given pages in parallel: each worker loads one engine and takes pages until none
/// are left. Boxes are converted to points.
fn ocr_pdf_pages(
    path: &Path,
    numbers: &[usize],
    options: &ReadOptions,
) -> Result<Vec<Page>, DocError> {
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    let scratch = tempfile::tempdir().map_err(|source| DocError::Io {
        path: std::env::temp_dir(),
        source,
    })?;
    let native = pdf::image_dpi(path, numbers.iter().copied().max().unwrap_or(1))?;
    let dpi_of = |number: usize| {
        native
            .get(number - 1)
            .copied()
            .flatten()
            .filter(|dpi| (100..=600).contains(dpi))
            .unwrap_or(options.pdf_dpi)
    };
    let next = AtomicUsize::new(0);
    let workers = options.workers.clamp(1, numbers.len());
    let results: Vec<Result<Vec<Page>, DocError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let engine = Engine::new(&options.tessdata, options.lang, path)?;
                    let mut done = Vec::new();
                    loop {
                        let Some(&number) = numbers.get(next.fetch_add(1, Ordering::Relaxed))
                        else {
                            return Ok(done);
                        };
                        let dpi = dpi_of(number);
                        let raster = pdf::rasterise(path, number, dpi, scratch.path())?;
                        let image = image::open(&raster)
                            .map_err(|error| DocError::CorruptPdf {
                                path: path.to_path_buf(),
                                message: format!("page {number} did not rasterise: {error}"),
                            })?
                            .to_luma8();
                        // The page is consumed; the raster is not needed any more.
                        let _ = std::fs::remove_file(&raster);
                        let page = ocr_page(&engine, image, dpi, number, options, path)?;
                        done.push(in_points(page, dpi));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle.join().unwrap_or_else(|_| {
                    Err(DocError::Engine {
                        path: path.to_path_buf(),
                        message: "an OCR worker panicked".to_owned(),
                    })
                })
            })
            .collect()
    });
    let mut pages = Vec::new();
    for result in results {
        pages.extend(result?);
    }
    Ok(pages)
}

fn in_points(page: Page, dpi: u32) -> Page {
    let k = 72.0 / dpi as f32;
    let scale = |x: f32, y: f32| (x * k, y * k);
    Page {
        unit: Unit::Point,
        width: page.width * k,
        height: page.height * k,
        words: page
            .words
            .into_iter()
            .map(|word| Word {
                bbox: word.bbox.map(scale),
                ..word
            })
            .collect(),
        lines: page
            .lines
            .into_iter()
            .map(|line| Line {
                bbox: line.bbox.map(scale),
                ..line
            })
            .collect(),
        ..page
    }
}
