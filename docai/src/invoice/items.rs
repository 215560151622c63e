//! Line items: the rows under a table header (`Description … Qty … Amount`, `货物或应税劳务名称
//! … 金额`), each read from the right — amount, unit price, quantity — so a description with
//! numbers in it ("Network switch 24 port") stays whole. OCR loses or garbles a quantity more
//! often than anything else in a table (a `1` read as `i`, a Chinese model reading `11` as
//! `二`, a whole column dropped): a quantity that is no number is taken from amount ÷ unit
//! price when that is whole, with less certainty.

use std::sync::LazyLock;

use regex::Regex;

use super::LineItem;
use super::layout::{Cell, Row, Token};
use crate::cjk::is_cjk;
use crate::extract::parse_number;

static HEADER_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:description|item|items|qty|quantity|unit price|price|rate|amount|total|货物或应税劳务名称|货物或应税劳务、服务名称|项目名称|名称|数量|单价|金额)$",
    )
    .expect("valid regex")
});
/// A row that ends the table: the totals under it.
static TOTALS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:sub-?total|net amount|net total|total|合计|税率|价税合计)")
        .expect("valid regex")
});
static MONEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[£$€¥]?-?\d{1,3}(?:[,.' ]\d{3})*[.,]\d{2}$").expect("valid regex")
});
static QUANTITY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{1,6}(?:[.,]\d{1,3})?$").expect("valid regex"));

/// Whether a row is a table header: at least two of its cells are column names (OCR drops
/// or garbles one now and then).
fn is_header(row: &Row) -> bool {
    row.cells
        .iter()
        .filter(|cell| HEADER_WORD.is_match(cell.text.trim()))
        .count()
        >= 2
}

/// A money token with OCR's usual slips undone (`7;077.00` for `7,077.00`), in hundredths.
fn money(token: &str) -> Option<i64> {
    let token = token.replace([';', '，'], ",");
    if !MONEY.is_match(&token) {
        return None;
    }
    parse_number(token.trim_start_matches(['£', '$', '€', '¥']))
}

/// Reads one row as an item, or `None` when it is not one. `quantity_left` is where the
/// quantity column starts (the left edge of its header, less a margin), when the header has
/// one: words from there on are the quantity however OCR garbled them, never description.
fn item(row: &Row, quantity_left: Option<f32>) -> Option<LineItem> {
    let whole = row.whole();
    let tokens: Vec<&Token> = row
        .cells
        .iter()
        .flat_map(|cell| cell.tokens.iter())
        .collect();
    let [before @ .., unit, amount] = tokens.as_slice() else {
        return None;
    };
    let (unit_cents, amount_cents) = (money(&unit.text)?, money(&amount.text)?);
    let (description, quantity_tokens): (Vec<&Token>, Vec<&Token>) = match quantity_left {
        Some(left) => before.iter().copied().partition(|token| token.right < left),
        // Without a column to go by, the quantity is the word before the unit price when it
        // reads as one, or is garbled (has a digit, or is a lone Latin character: a lone Han
        // character is a word of the description).
        None => match before.split_last() {
            Some((last, rest))
                if read_quantity(&last.text).is_some()
                    || last.text.chars().any(|c| c.is_ascii_digit())
                    || (last.text.chars().count() == 1 && !last.text.chars().any(is_cjk)) =>
            {
                (rest.to_vec(), vec![*last])
            }
            _ => (before.to_vec(), Vec::new()),
        },
    };
    let quantity_text: String = quantity_tokens
        .iter()
        .map(|token| token.text.as_str())
        .collect();
    let (quantity, certainty) = match read_quantity(&quantity_text) {
        Some(found) => found,
        None if unit_cents > 0 && amount_cents % unit_cents == 0 => {
            ((amount_cents / unit_cents) as f64, 0.7)
        }
        None => return None,
    };
    let description = clean_description(&Cell::of_tokens(row.page, description).text);
    if description.chars().filter(|c| c.is_alphabetic()).count() < 2 {
        return None;
    }
    let (bbox, confidence) = whole.source(0..whole.text.len())?;
    Some(LineItem {
        description,
        quantity,
        unit_cents,
        amount_cents,
        confidence: confidence * certainty,
        page: whole.page,
        bbox,
    })
}

/// The quantity column as printed, with the digits OCR most often mistakes for letters
/// (`i`, `l`, `|` for 1, `O` for 0) read back.
fn read_quantity(text: &str) -> Option<(f64, f32)> {
    let repaired: String = text
        .chars()
        .map(|c| match c {
            'i' | 'l' | 'I' | '|' | '!' => '1',
            'O' | 'o' => '0',
            other => other,
        })
        .collect();
    if !QUANTITY.is_match(&repaired) {
        return None;
    }
    let certainty = if repaired == text { 1.0 } else { 0.9 };
    parse_number(&repaired).map(|hundredths| (hundredths as f64 / 100.0, certainty))
}

/// Stray marks OCR puts on a description: punctuation at the ends of words (`Annual.`,
/// `Courier:`, `- 技术服务费`), a lone letter after it (`hours i`).
fn clean_description(text: &str) -> String {
    const MARKS: &[char] = &[
        '.', ':', ';', ',', '’', '‘', '\'', '`', '~', '|', '-', '_', '—', '"', '»', '«',
    ];
    let mut words: Vec<String> = text
        .split_whitespace()
        .map(|word| word.trim_matches(MARKS).to_owned())
        .filter(|word| !word.is_empty())
        .collect();
    while words.len() > 1
        && words
            .last()
            .is_some_and(|w| w.chars().count() == 1 && w.chars().all(|c| c.is_ascii_lowercase()))
    {
        words.pop();
    }
    words.join(" ")
}

/// The items of the first table: the rows after its header up to its totals. Rows that are
/// not items (a ruled line read as dashes, a row OCR garbled) are skipped, at most two in a
/// row.
pub(crate) fn line_items(rows: &[Row]) -> Vec<LineItem> {
    let Some(header) = rows.iter().position(is_header) else {
        return Vec::new();
    };
    static QUANTITY_HEADER: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i)^(?:qty|quantity|数量)$").expect("valid regex"));
    let quantity_left = rows[header]
        .cells
        .iter()
        .find(|cell| QUANTITY_HEADER.is_match(cell.text.trim()))
        .map(|cell| cell.left() - cell.height());
    let mut items = Vec::new();
    let mut misses = 0;
    for row in &rows[header + 1..] {
        let first = row.cells.first().map_or("", |cell| cell.text.trim());
        if TOTALS.is_match(first) {
            break;
        }
        match item(row, quantity_left) {
            Some(found) => {
                items.push(found);
                misses = 0;
            }
            None => {
                misses += 1;
                if misses > 2 {
                    break;
                }
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ocr_marks_leave_descriptions() {
        assert_eq!(
            clean_description("Annual. software licence"),
            "Annual software licence"
        );
        assert_eq!(clean_description("’ Office chairs"), "Office chairs");
        assert_eq!(clean_description("- 技术服务费"), "技术服务费");
        assert_eq!(clean_description("Consulting hours i"), "Consulting hours");
        assert_eq!(
            clean_description("Network switch 24 port"),
            "Network switch 24 port"
        );
    }

    #[test]
    fn money_tokens_survive_a_semicolon_for_a_comma() {
        assert_eq!(money("7;077.00"), Some(707_700));
        assert_eq!(money("1.042,50"), Some(104_250));
        assert_eq!(money("12"), None);
    }
}
