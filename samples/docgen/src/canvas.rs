//! Drawing text on an A4 page and recording where every word's ink went.

use std::path::{Path, PathBuf};

use ab_glyph::{Font, FontArc, PxScale, ScaleFont, point};
use image::{GrayImage, Luma};
use imageproc::drawing::{draw_line_segment_mut, draw_text_mut};
use serde::{Deserialize, Serialize};

use crate::GenError;

const DEJAVU: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
const DEJAVU_BOLD: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
const NOTO_CJK: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
/// Noto Sans CJK SC in the collection (0 JP, 1 KR, 2 SC, 3 TC, 4 HK).
const NOTO_CJK_SC: u32 = 2;

/// The Debian fonts samples are drawn with.
pub struct Fonts {
    pub(crate) latin: FontArc,
    pub(crate) latin_bold: FontArc,
    pub(crate) cjk: FontArc,
}

fn read_font(path: &str, index: u32) -> Result<FontArc, GenError> {
    let path = PathBuf::from(path);
    let bytes = std::fs::read(&path).map_err(|source| GenError::Font {
        path: path.clone(),
        source,
    })?;
    ab_glyph::FontVec::try_from_vec_and_index(bytes, index)
        .map(FontArc::new)
        .map_err(|_| GenError::BadFont(path))
}

impl Fonts {
    pub fn load() -> Result<Self, GenError> {
        Ok(Self {
            latin: read_font(DEJAVU, 0)?,
            latin_bold: read_font(DEJAVU_BOLD, 0)?,
            cjk: read_font(NOTO_CJK, NOTO_CJK_SC)?,
        })
    }

    pub fn paths() -> [&'static Path; 3] {
        [
            Path::new(DEJAVU),
            Path::new(DEJAVU_BOLD),
            Path::new(NOTO_CJK),
        ]
    }
}

/// A drawn word: its text and ink box `[left, top, right, bottom]` in pixels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthWord {
    pub text: String,
    pub bbox: [f32; 4],
}

/// A drawn line: its text, ink box, font size in points and words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthLine {
    pub text: String,
    pub bbox: [f32; 4],
    pub size_pt: f32,
    pub bold: bool,
    pub words: Vec<TruthWord>,
}

/// Where a line's `x` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

/// An A4 page at `dpi`, white, and the lines drawn on it.
pub(crate) struct Canvas<'f> {
    pub(crate) image: GrayImage,
    /// Each line with the `y_mm` it was drawn at, which orders rows.
    lines: Vec<(f32, TruthLine)>,
    dpi: f32,
    fonts: &'f Fonts,
    cjk: bool,
}

impl<'f> Canvas<'f> {
    pub(crate) fn a4(dpi: u32, fonts: &'f Fonts, cjk: bool) -> Self {
        let width = (210.0 / 25.4 * dpi as f32).round() as u32;
        let height = (297.0 / 25.4 * dpi as f32).round() as u32;
        Self {
            image: GrayImage::from_pixel(width, height, Luma([255])),
            lines: Vec::new(),
            dpi: dpi as f32,
            fonts,
            cjk,
        }
    }

    fn px(&self, mm: f32) -> f32 {
        mm / 25.4 * self.dpi
    }

    fn font(&self, bold: bool) -> &'f FontArc {
        match (self.cjk, bold) {
            (true, _) => &self.fonts.cjk,
            (false, true) => &self.fonts.latin_bold,
            (false, false) => &self.fonts.latin,
        }
    }

    /// The advance width of `text` in pixels.
    fn advance(&self, font: &FontArc, scale: PxScale, text: &str) -> f32 {
        let scaled = font.as_scaled(scale);
        let mut width = 0.0;
        let mut last = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(last) = last {
                width += scaled.kern(last, id);
            }
            width += scaled.h_advance(id);
            last = Some(id);
        }
        width
    }

    /// The ink box of `text` drawn with its top-left at (x, y), as imageproc draws it.
    fn ink(&self, font: &FontArc, scale: PxScale, text: &str, x: f32, y: f32) -> Option<[f32; 4]> {
        let scaled = font.as_scaled(scale);
        let mut advance = 0.0;
        let mut bounds: Option<[f32; 4]> = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            let glyph = id.with_scale_and_position(scale, point(advance, scaled.ascent()));
            advance += scaled.h_advance(id);
            if let Some(outlined) = font.outline_glyph(glyph) {
                let b = outlined.px_bounds();
                let (l, t) = (x + b.min.x.round(), y + b.min.y.round());
                let (r, bottom) = (l + b.width(), t + b.height());
                bounds = Some(match bounds {
                    None => [l, t, r, bottom],
                    Some([bl, bt, br, bb]) => [bl.min(l), bt.min(t), br.max(r), bb.max(bottom)],
                });
            }
        }
        bounds
    }

    /// Draws one line of words at (`x_mm`, `y_mm`) (top of the line box), `size_pt` points.
    pub(crate) fn text(
        &mut self,
        x_mm: f32,
        y_mm: f32,
        size_pt: f32,
        bold: bool,
        align: Align,
        text: &str,
    ) {
        let font = self.font(bold);
        // PxScale is the font's ascent-to-descent height; scale it so the em is `size_pt`, as
        // in the PDF.
        let em = size_pt / 72.0 * self.dpi;
        let scale =
            PxScale::from(em * font.height_unscaled() / font.units_per_em().unwrap_or(1000.0));
        let space = self.advance(font, scale, " ");
        let words: Vec<&str> = text.split(' ').filter(|word| !word.is_empty()).collect();
        let total: f32 = words
            .iter()
            .map(|word| self.advance(font, scale, word))
            .sum::<f32>()
            + space * words.len().saturating_sub(1) as f32;
        let mut x = match align {
            Align::Left => self.px(x_mm),
            Align::Right => self.px(x_mm) - total,
        };
        let y = self.px(y_mm);
        let mut drawn = Vec::new();
        for word in words {
            draw_text_mut(
                &mut self.image,
                Luma([0]),
                x.round() as i32,
                y.round() as i32,
                scale,
                font,
                word,
            );
            if let Some(bbox) = self.ink(font, scale, word, x.round(), y.round()) {
                drawn.push(TruthWord {
                    text: word.to_owned(),
                    bbox,
                });
            }
            x += self.advance(font, scale, word) + space;
        }
        let Some(first) = drawn.first() else { return };
        let bbox = drawn.iter().fold(first.bbox, |[l, t, r, b], word| {
            [
                l.min(word.bbox[0]),
                t.min(word.bbox[1]),
                r.max(word.bbox[2]),
                b.max(word.bbox[3]),
            ]
        });
        self.lines.push((
            y_mm,
            TruthLine {
                text: drawn
                    .iter()
                    .map(|word| word.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                bbox,
                size_pt,
                bold,
                words: drawn,
            },
        ));
    }

    /// A horizontal rule from `x1_mm` to `x2_mm`.
    pub(crate) fn rule(&mut self, x1_mm: f32, x2_mm: f32, y_mm: f32) {
        let (x1, x2, y) = (self.px(x1_mm), self.px(x2_mm), self.px(y_mm));
        for offset in 0..2 {
            let y = y + offset as f32;
            draw_line_segment_mut(&mut self.image, (x1, y), (x2, y), Luma([0]));
        }
    }

    /// Lines in reading order: rows by the `y_mm` they were drawn at, then left to right.
    pub(crate) fn finish(mut self) -> (GrayImage, Vec<TruthLine>) {
        self.lines
            .sort_by(|(ya, a), (yb, b)| ya.total_cmp(yb).then(a.bbox[0].total_cmp(&b.bbox[0])));
        (
            self.image,
            self.lines.into_iter().map(|(_, line)| line).collect(),
        )
    }
}
