//! One tesseract engine (one loaded language model) and what it reads from one image.
//!
//! Loading a model costs 50–130 ms, so an engine is made once per worker thread and reused for
//! every page that thread reads. Debian's libtesseract uses OpenMP: the process must start with
//! `OMP_THREAD_LIMIT=1` (see [`crate::omp_thread_limit_is_one`]) or each page is ~5× slower.

use std::path::{Path, PathBuf};

use image::GrayImage;
use serde::Serialize;
use tesseract_rs::{TessPageIteratorLevel, TesseractAPI};

use crate::cjk::clean_cjk;
use crate::error::DocError;
use crate::lang::{Lang, Segmentation};

/// An axis-aligned box: left, top, right, bottom, in the page's unit (pixels of the input
/// image, or PDF points for PDF pages).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BBox {
    pub left: f32,
    pub top: f32,
    pub right: f32,
    pub bottom: f32,
}

impl BBox {
    pub fn center(&self) -> (f32, f32) {
        (
            (self.left + self.right) / 2.0,
            (self.top + self.bottom) / 2.0,
        )
    }

    pub fn contains(&self, (x, y): (f32, f32)) -> bool {
        (self.left..=self.right).contains(&x) && (self.top..=self.bottom).contains(&y)
    }

    pub(crate) fn map(self, f: impl Fn(f32, f32) -> (f32, f32)) -> BBox {
        let corners = [
            f(self.left, self.top),
            f(self.right, self.top),
            f(self.left, self.bottom),
            f(self.right, self.bottom),
        ];
        let xs = corners.iter().map(|c| c.0);
        let ys = corners.iter().map(|c| c.1);
        BBox {
            left: xs.clone().fold(f32::INFINITY, f32::min),
            right: xs.fold(f32::NEG_INFINITY, f32::max),
            top: ys.clone().fold(f32::INFINITY, f32::min),
            bottom: ys.fold(f32::NEG_INFINITY, f32::max),
        }
    }
}

/// A recognised word with its box, the engine's confidence (0–100; 100 for a PDF text layer)
/// and the index of its line in [`PageText::lines`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Word {
    pub text: String,
    pub bbox: BBox,
    pub confidence: f32,
    pub line: usize,
}

/// A line of text: its words joined, its box and its mean word confidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub text: String,
    pub bbox: BBox,
    pub confidence: f32,
}

/// The text of one page with its words and lines.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PageText {
    pub text: String,
    pub words: Vec<Word>,
    pub lines: Vec<Line>,
}

/// A loaded tesseract model. Not shared between threads: each worker owns one.
pub struct Engine {
    api: TesseractAPI,
    lang: Lang,
}

impl Engine {
    /// Loads `lang` from `tessdata`. `document` only names the file in errors.
    pub fn new(tessdata: &Path, lang: Lang, document: &Path) -> Result<Self, DocError> {
        lang.check_installed(tessdata, document)?;
        let api = TesseractAPI::new();
        api.init(tessdata, lang.code())
            .map_err(|error| engine_error(document, "cannot load the language model", error))?;
        Ok(Self { api, lang })
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// Recognises a grey image. `dpi` is its resolution (tesseract guesses badly without one).
    pub fn read(
        &self,
        image: &GrayImage,
        dpi: u32,
        segmentation: Segmentation,
        document: &Path,
    ) -> Result<PageText, DocError> {
        let fail = |what: &'static str| move |error| engine_error(document, what, error);
        let (width, height) = (to_i32(image.width()), to_i32(image.height()));
        self.api
            .set_image(image.as_raw(), width, height, 1, width)
            .map_err(fail("cannot hand over the image"))?;
        self.api
            .set_source_resolution(to_i32(dpi))
            .map_err(fail("cannot set the resolution"))?;
        self.api
            .set_page_seg_mode(segmentation.mode())
            .map_err(fail("cannot set the page segmentation mode"))?;
        self.api.recognize().map_err(fail("recognition failed"))?;
        let text = self.api.get_utf8_text().map_err(fail("cannot read text"))?;
        if text.trim().is_empty() {
            // A blank page has no result iterator.
            return Ok(PageText::default());
        }
        let lines = self.items(TessPageIteratorLevel::RIL_TEXTLINE, document)?;
        let words = self.items(TessPageIteratorLevel::RIL_WORD, document)?;
        let cjk = self.lang.has_cjk();
        let clean = |text: &str| {
            if cjk {
                clean_cjk(text.trim())
            } else {
                text.trim().to_owned()
            }
        };
        let lines: Vec<Line> = lines
            .into_iter()
            .map(|(text, bbox, confidence)| Line {
                text: clean(&text),
                bbox,
                confidence,
            })
            .collect();
        let words = words
            .into_iter()
            .filter(|(text, ..)| !text.trim().is_empty())
            .map(|(text, bbox, confidence)| Word {
                text: clean(&text),
                line: line_of(&lines, &bbox),
                bbox,
                confidence,
            })
            .collect();
        Ok(PageText {
            text: if cjk { clean_cjk(&text) } else { text },
            words,
            lines,
        })
    }

    /// Every item at `level` with its box and confidence, through the native result iterator.
    fn items(
        &self,
        level: TessPageIteratorLevel,
        document: &Path,
    ) -> Result<Vec<(String, BBox, f32)>, DocError> {
        let fail = |error| engine_error(document, "cannot iterate the result", error);
        let iterator = self.api.get_iterator().map_err(fail)?;
        let mut items = Vec::new();
        loop {
            // An empty page has no item at the first position: the calls fail, and `next` ends.
            if let (Ok(text), Ok((left, top, right, bottom)), Ok(confidence)) = (
                iterator.get_utf8_text(level),
                iterator.get_bounding_box(level),
                iterator.confidence(level),
            ) {
                let bbox = BBox {
                    left: left as f32,
                    top: top as f32,
                    right: right as f32,
                    bottom: bottom as f32,
                };
                items.push((text, bbox, confidence));
            }
            if !iterator.next(level).map_err(fail)? {
                break;
            }
        }
        Ok(items)
    }
}

/// The line whose box holds the word's centre, else the nearest by vertical distance.
fn line_of(lines: &[Line], word: &BBox) -> usize {
    let center = word.center();
    lines
        .iter()
        .position(|line| line.bbox.contains(center))
        .or_else(|| {
            lines
                .iter()
                .enumerate()
                .min_by(|(_, a), (_, b)| {
                    let da = (a.bbox.center().1 - center.1).abs();
                    let db = (b.bbox.center().1 - center.1).abs();
                    da.total_cmp(&db)
                })
                .map(|(index, _)| index)
        })
        .unwrap_or(0)
}

fn to_i32(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

fn engine_error(
    document: &Path,
    what: &'static str,
    error: tesseract_rs::TesseractError,
) -> DocError {
    DocError::Engine {
        path: PathBuf::from(document),
        message: format!("{what}: {error}"),
    }
}
