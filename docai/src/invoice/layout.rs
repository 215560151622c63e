//! The geometry invoice fields are found with: words grouped into rows (by their upright
//! position, so a scan rotated by a few degrees still has its totals label and amount on one
//! row) and rows cut into cells at wide gaps (a label column and its value column, or two
//! blocks side by side).

use std::ops::Range;

use crate::cjk::is_cjk;
use crate::document::{Document, Page};
use crate::engine::{BBox, Word};

/// One word with what the field finder needs.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) text: String,
    pub(crate) bbox: BBox,
    /// 0–1.
    pub(crate) confidence: f32,
    /// Upright vertical centre: the word's centre with the page's skew undone.
    pub(crate) y: f32,
    pub(crate) height: f32,
    /// Upright left and right edges.
    pub(crate) left: f32,
    pub(crate) right: f32,
}

/// A run of words on one row without a wide gap, and its text with each token's byte span.
#[derive(Debug, Clone, Default)]
pub(crate) struct Cell {
    pub(crate) page: usize,
    pub(crate) tokens: Vec<Token>,
    pub(crate) spans: Vec<Range<usize>>,
    pub(crate) text: String,
}

impl Cell {
    fn push(&mut self, token: Token) {
        let joins_cjk = self.text.chars().next_back().is_some_and(is_cjk)
            && token.text.chars().next().is_some_and(is_cjk);
        if !self.text.is_empty() && !joins_cjk {
            self.text.push(' ');
        }
        let start = self.text.len();
        self.text.push_str(&token.text);
        self.spans.push(start..self.text.len());
        self.tokens.push(token);
    }

    /// A cell of the given words, in their order.
    pub(crate) fn of_tokens<'t>(page: usize, tokens: impl IntoIterator<Item = &'t Token>) -> Cell {
        let mut out = Cell {
            page,
            ..Cell::default()
        };
        for token in tokens {
            out.push(token.clone());
        }
        out
    }

    /// The cells' words as one cell, in the given order.
    pub(crate) fn joined<'c>(cells: impl IntoIterator<Item = &'c Cell>) -> Cell {
        let mut out = Cell::default();
        for cell in cells {
            out.page = cell.page;
            for token in &cell.tokens {
                out.push(token.clone());
            }
        }
        out
    }

    /// The part of the cell from byte `at` on (a label's end): tokens that end after `at`,
    /// and the text from `at`.
    pub(crate) fn after(&self, at: usize) -> Cell {
        let mut out = Cell {
            page: self.page,
            text: self.text[at..].to_owned(),
            ..Cell::default()
        };
        for (token, span) in self.tokens.iter().zip(&self.spans) {
            if span.end > at {
                out.tokens.push(token.clone());
                out.spans
                    .push(span.start.saturating_sub(at)..span.end.saturating_sub(at));
            }
        }
        out
    }

    /// The box (union) and mean confidence of the tokens a byte range of the text touches.
    pub(crate) fn source(&self, range: Range<usize>) -> Option<(BBox, f32)> {
        let touched: Vec<&Token> = self
            .tokens
            .iter()
            .zip(&self.spans)
            .filter(|(_, span)| span.start < range.end && range.start < span.end)
            .map(|(token, _)| token)
            .collect();
        let first = touched.first()?;
        let bbox = touched
            .iter()
            .fold(first.bbox, |acc, token| union(acc, token.bbox));
        let confidence =
            touched.iter().map(|token| token.confidence).sum::<f32>() / touched.len() as f32;
        Some((bbox, confidence))
    }

    pub(crate) fn left(&self) -> f32 {
        self.tokens.first().map_or(0.0, |token| token.left)
    }

    pub(crate) fn right(&self) -> f32 {
        self.tokens.last().map_or(0.0, |token| token.right)
    }

    pub(crate) fn height(&self) -> f32 {
        let heights: Vec<f32> = self.tokens.iter().map(|token| token.height).collect();
        median(&heights).unwrap_or(1.0)
    }
}

/// Words on one line of the upright page, cut into cells.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) page: usize,
    pub(crate) y: f32,
    pub(crate) cells: Vec<Cell>,
}

impl Row {
    pub(crate) fn whole(&self) -> Cell {
        Cell::joined(&self.cells)
    }
}

pub(crate) fn union(a: BBox, b: BBox) -> BBox {
    BBox {
        left: a.left.min(b.left),
        top: a.top.min(b.top),
        right: a.right.max(b.right),
        bottom: a.bottom.max(b.bottom),
    }
}

fn median(values: &[f32]) -> Option<f32> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f32::total_cmp);
    sorted.get(sorted.len() / 2).copied()
}

/// Rotates `(x, y)` by `degrees` about `centre`.
fn rotate((x, y): (f32, f32), centre: (f32, f32), degrees: f32) -> (f32, f32) {
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (dx, dy) = (x - centre.0, y - centre.1);
    (
        centre.0 + dx * cos - dy * sin,
        centre.1 + dx * sin + dy * cos,
    )
}

/// How far the words of the engine's lines spread vertically once rotated by `degrees`: the
/// rotation that undoes the scan's skew makes every line flat.
fn line_spread(page: &Page, degrees: f32) -> f32 {
    let centre = (page.width / 2.0, page.height / 2.0);
    let mut spread = 0.0;
    for line in 0..page.lines.len() {
        let ys: Vec<f32> = page
            .words
            .iter()
            .filter(|word| word.line == line)
            .map(|word| rotate(word.bbox.center(), centre, degrees).1)
            .collect();
        if ys.len() > 1 {
            let mean = ys.iter().sum::<f32>() / ys.len() as f32;
            spread += ys.iter().map(|y| (y - mean).powi(2)).sum::<f32>();
        }
    }
    spread
}

/// The page's words as upright tokens. Boxes stay in the page's own unit; the upright
/// position is only for grouping.
fn tokens(page: &Page) -> Vec<Token> {
    let skew = page.skew_degrees;
    // The sign convention of the recorded skew is not assumed: whichever rotation flattens
    // the engine's lines wins.
    let degrees = [0.0, skew, -skew]
        .into_iter()
        .min_by(|a, b| line_spread(page, *a).total_cmp(&line_spread(page, *b)))
        .unwrap_or(0.0);
    let centre = (page.width / 2.0, page.height / 2.0);
    page.words
        .iter()
        .filter(|word| !word.text.trim().is_empty())
        .map(|word: &Word| {
            let (x, y) = rotate(word.bbox.center(), centre, degrees);
            let half_width = (word.bbox.right - word.bbox.left) / 2.0;
            Token {
                text: word.text.trim().to_owned(),
                bbox: word.bbox,
                confidence: (word.confidence / 100.0).clamp(0.0, 1.0),
                y,
                height: (word.bbox.bottom - word.bbox.top).max(1.0),
                left: x - half_width,
                right: x + half_width,
            }
        })
        .collect()
}

/// The share of the smaller box that two boxes have in common.
fn overlap(a: &BBox, b: &BBox) -> f32 {
    let width = (a.right.min(b.right) - a.left.max(b.left)).max(0.0);
    let height = (a.bottom.min(b.bottom) - a.top.max(b.top)).max(0.0);
    let area = |r: &BBox| ((r.right - r.left) * (r.bottom - r.top)).max(1.0);
    width * height / area(a).min(area(b))
}

/// Drops a word the engine reported twice (once in each of two overlapping blocks, which
/// page segmentation sometimes makes of a table column): same text, mostly the same place.
fn without_duplicates(tokens: Vec<Token>) -> Vec<Token> {
    let mut kept: Vec<Token> = Vec::with_capacity(tokens.len());
    for token in tokens {
        let twice = kept
            .iter()
            .any(|other| other.text == token.text && overlap(&other.bbox, &token.bbox) > 0.5);
        if !twice {
            kept.push(token);
        }
    }
    kept
}

/// Every page's rows, top to bottom.
pub(crate) fn rows(document: &Document) -> Vec<Row> {
    let mut all = Vec::new();
    for page in &document.pages {
        let mut tokens = without_duplicates(tokens(page));
        let heights: Vec<f32> = tokens.iter().map(|token| token.height).collect();
        let typical = median(&heights).unwrap_or(10.0);
        tokens.sort_by(|a, b| a.y.total_cmp(&b.y));
        let mut rows: Vec<Vec<Token>> = Vec::new();
        for token in tokens {
            match rows.last_mut() {
                Some(row) if (token.y - row_y(row)).abs() < typical * 0.55 => row.push(token),
                _ => rows.push(vec![token]),
            }
        }
        for mut row in rows {
            row.sort_by(|a, b| a.left.total_cmp(&b.left));
            let y = row_y(&row);
            all.push(Row {
                page: page.number,
                y,
                cells: cells(row, typical, page.number),
            });
        }
    }
    all
}

fn row_y(row: &[Token]) -> f32 {
    row.iter().map(|token| token.y).sum::<f32>() / row.len() as f32
}

/// Cuts a row at gaps wider than twice the text height: columns of a table, a label column
/// and its values, or a block on the left and one on the right.
fn cells(row: Vec<Token>, typical: f32, page: usize) -> Vec<Cell> {
    let mut cells: Vec<Cell> = Vec::new();
    for token in row {
        let gap = cells
            .last()
            .map(|cell| token.left - cell.right())
            .unwrap_or(f32::INFINITY);
        if gap > typical * 2.0 {
            cells.push(Cell {
                page,
                ..Cell::default()
            });
        }
        if let Some(cell) = cells.last_mut() {
            cell.push(token);
        }
    }
    cells
}
