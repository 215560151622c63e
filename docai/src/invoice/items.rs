//! Line items: the rows under a table header (`Description … Qty … Amount`, `货物或应税劳务名称
//! … 金额`), each read from the right — amount, unit price, quantity — so a description with
//! numbers in it ("Network switch 24 port") stays whole.

use std::sync::LazyLock;

use regex::Regex;

use super::LineItem;
use super::layout::Row;
use crate::extract::parse_number;

static HEADER_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:description|item|items|qty|quantity|unit price|price|rate|amount|total|货物或应税劳务名称|货物或应税劳务、服务名称|项目名称|数量|单价|金额)$",
    )
    .expect("valid regex")
});
static MONEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[£$€¥]?-?\d{1,3}(?:[,.' ]\d{3})*[.,]\d{2}$").expect("valid regex")
});
static QUANTITY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{1,6}(?:[.,]\d{1,3})?$").expect("valid regex"));

/// Whether a row is a table header: at least three of its cells are column names.
fn is_header(row: &Row) -> bool {
    row.cells
        .iter()
        .filter(|cell| HEADER_WORD.is_match(cell.text.trim()))
        .count()
        >= 3
}

/// Reads one row as an item, or `None` when it is not one (the end of the table).
fn item(row: &Row) -> Option<LineItem> {
    let whole = row.whole();
    let spans: Vec<(usize, &str)> = whole
        .text
        .split(' ')
        .scan(0usize, |at, part| {
            let start = *at;
            *at += part.len() + 1;
            Some((start, part))
        })
        .filter(|(_, part)| !part.is_empty())
        .collect();
    let [.., (_, quantity), (_, unit), (_, amount)] = spans.as_slice() else {
        return None;
    };
    if !MONEY.is_match(amount) || !MONEY.is_match(unit) {
        return None;
    }
    let description_end = spans[spans.len() - 3].0;
    let description = whole.text[..description_end].trim();
    if description.chars().filter(|c| c.is_alphabetic()).count() < 2 {
        return None;
    }
    let strip = |text: &str| text.trim_start_matches(['£', '$', '€', '¥']).to_owned();
    let unit_cents = parse_number(&strip(unit))?;
    let amount_cents = parse_number(&strip(amount))?;
    let (bbox, confidence) = whole.source(0..whole.text.len())?;
    let (quantity, certainty) = read_quantity(quantity, unit_cents, amount_cents)?;
    Some(LineItem {
        description: description.to_owned(),
        quantity,
        unit_cents,
        amount_cents,
        confidence: confidence * certainty,
        page: whole.page,
        bbox,
    })
}

/// The quantity column as printed, with the digits OCR most often mistakes for letters
/// (`i`, `l`, `|` for 1, `O` for 0) read back; when it still is no number, the amount over
/// the unit price, if that is whole — with less certainty, as nothing was read.
fn read_quantity(text: &str, unit_cents: i64, amount_cents: i64) -> Option<(f64, f32)> {
    let repaired: String = text
        .chars()
        .map(|c| match c {
            'i' | 'l' | 'I' | '|' | '!' => '1',
            'O' | 'o' => '0',
            other => other,
        })
        .collect();
    if QUANTITY.is_match(&repaired) {
        let certainty = if repaired == text { 1.0 } else { 0.9 };
        return parse_number(&repaired).map(|hundredths| (hundredths as f64 / 100.0, certainty));
    }
    (unit_cents > 0 && amount_cents % unit_cents == 0)
        .then(|| ((amount_cents / unit_cents) as f64, 0.7))
}

/// The items of the first table: the rows after its header until one is not an item. A
/// couple of rows that are not items may sit between the header and the first item (a
/// ruled line OCR'd as dashes).
pub(crate) fn line_items(rows: &[Row]) -> Vec<LineItem> {
    let Some(header) = rows.iter().position(is_header) else {
        return Vec::new();
    };
    let mut items = Vec::new();
    for (index, row) in rows[header + 1..].iter().enumerate() {
        match item(row) {
            Some(found) => items.push(found),
            None if items.is_empty() && index < 2 => {}
            None => break,
        }
    }
    items
}

/// The text a description is compared by: lower case, single spaces.
pub fn normalise_description(text: &str) -> String {
    let mut out = String::new();
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word.to_lowercase());
    }
    out
}
