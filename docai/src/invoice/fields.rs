//! Header and totals fields found by their labels, in English and Chinese, wherever the
//! layout puts them: the value follows the label in its cell, sits in the next cell to the
//! right on the same row (a totals column), or in the cell below (an address block).

use std::sync::LazyLock;

use regex::Regex;

use super::layout::{Cell, Row};
use super::{Field, Found};
use crate::extract::{Amount, Date, DateOrder, amounts, dates, invoice_numbers};

/// Where to look for a label's value, in order.
#[derive(Debug, Clone, Copy)]
enum Look {
    /// After the label in its cell, then the cells to its right.
    Right,
    /// After the label in its cell, then the cell below.
    Below,
    /// After the label, then right, then below.
    RightThenBelow,
}

/// How sure a rule is of what it found, before OCR confidence: a labelled value with a
/// checked format is as sure as the OCR; a value found by position alone is less so.
const LABELLED: f32 = 1.0;
const UNLABELLED: f32 = 0.75;

static DATE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:invoice date|date of issue|issue date|开票日期|日期|\bdate)\s*[:：;；]?")
        .expect("valid regex")
});
static SUPPLIER_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:销售方名称|销售方|收款方|\bsupplier|\bseller|\bvendor)\s*[:：;；]?")
        .expect("valid regex")
});
static BUYER_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:购买方名称|购买方|付款方|\bbill to|\bsold to|\binvoice to|\bcustomer|\bbuyer)\s*[:：;；]?",
    )
    .expect("valid regex")
});
static TOTAL_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:价税合计|\btotal due|\bbalance due|\bamount due|\bgross amount|\bgrand total|\binvoice total|\btotal)\s*[:：;；]?",
    )
    .expect("valid regex")
});
static NET_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:金额合计|合计|\bsub-?total|\bnet amount|\bnet total|\btotal net|\bnet\b)\s*[:：;；]?")
        .expect("valid regex")
});
static TAX_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:税额|\bsales tax|\bvat|\bgst|\btax)\s*(?:\d+(?:[.,]\d+)?\s*%)?\s*[:：;；]?")
        .expect("valid regex")
});
/// Labels that start like a tax or total label but name something else.
static NOT_AN_AMOUNT_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:id|no\b|number|reg|rate|识别号|率)").expect("valid regex")
});
static TITLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:tax\s+)?invoice$|^commercial invoice$|^rechnung$|发票$|^receipt$")
        .expect("valid regex")
});
static COMPANY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:ltd|limited|plc|gmbh|ag|inc|llc|corp|co|sa|bv|consulting|traders|supplies|logistics|software|services)\b\.?|有限公司|公司|集团",
    )
    .expect("valid regex")
});

/// Every place `label` matches, as (row index, cell index, byte end of the label).
fn label_hits(rows: &[Row], label: &Regex) -> Vec<(usize, usize, usize, usize)> {
    let mut hits = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.cells.iter().enumerate() {
            for m in label.find_iter(&cell.text) {
                hits.push((r, c, m.start(), m.end()));
            }
        }
    }
    hits
}

/// The text after a label at `(row, cell, end)` in the places `look` names, nearest first.
fn candidates(rows: &[Row], (r, c, end): (usize, usize, usize), look: Look) -> Vec<Cell> {
    let row = &rows[r];
    let cell = &row.cells[c];
    let mut out = vec![cell.after(end)];
    let right = || Cell::joined(&row.cells[c + 1..]);
    let below = || {
        let height = cell.height();
        rows[r + 1..]
            .iter()
            .take_while(|next| next.page == row.page && next.y - row.y < height * 3.0)
            .flat_map(|next| next.cells.iter())
            .find(|other| (other.left() - cell.left()).abs() < height * 1.5)
            .cloned()
    };
    match look {
        Look::Right => out.push(right()),
        Look::Below => out.extend(below()),
        Look::RightThenBelow => {
            out.push(right());
            out.extend(below());
        }
    }
    out.retain(|cell| !cell.text.trim().is_empty());
    out
}

/// A field from a rule's match in `cell`.
fn field<T>(cell: &Cell, found: Found<T>, certainty: f32) -> Option<Field<T>> {
    let (bbox, confidence) = cell.source(found.start..found.end)?;
    Some(Field {
        value: found.value,
        confidence: confidence * certainty,
        page: cell.page,
        bbox,
    })
}

/// The first value `rule` finds after any hit of `label`, labels earlier on the page first.
fn labelled<T>(
    rows: &[Row],
    label: &Regex,
    look: Look,
    skip: impl Fn(&Cell, usize, usize) -> bool,
    rule: impl Fn(&Cell) -> Option<Found<T>>,
) -> Option<Field<T>> {
    label_hits(rows, label)
        .into_iter()
        .filter(|&(r, c, start, end)| !skip(&rows[r].cells[c], start, end))
        .find_map(|(r, c, _, end)| {
            candidates(rows, (r, c, end), look)
                .iter()
                .find_map(|cell| rule(cell).and_then(|found| field(cell, found, LABELLED)))
        })
}

/// A Chinese invoice number whose label lost a character to OCR (`票号码`, `发票号`).
static NUMBER_FALLBACK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:票号码|发票号|号码|号)\s*[:：;；]?\s*(?:No\.?\s*)?([0-9]{8,20})\b")
        .expect("valid regex")
});

pub(crate) fn invoice_number(rows: &[Row]) -> Option<Field<String>> {
    let fallback = |text: &str| {
        NUMBER_FALLBACK
            .captures(text)
            .and_then(|c| c.get(1))
            .map(|m| Found {
                value: m.as_str().to_owned(),
                text: m.as_str().to_owned(),
                start: m.start(),
                end: m.end(),
            })
    };
    rows.iter().find_map(|row| {
        // The label and its number may sit in one cell or in two neighbouring ones.
        (0..row.cells.len()).find_map(|c| {
            let cell = Cell::joined(&row.cells[c..(c + 2).min(row.cells.len())]);
            match invoice_numbers(&cell.text).into_iter().next() {
                Some(found) => field(&cell, found, LABELLED),
                None => {
                    // 8 and 20 digits are the lengths a 发票号码 has; another length after a
                    // damaged label is less sure.
                    let found = fallback(&cell.text)?;
                    let certainty = if matches!(found.value.len(), 8 | 20) {
                        LABELLED
                    } else {
                        0.9
                    };
                    field(&cell, found, certainty)
                }
            }
        })
    })
}

pub(crate) fn date(rows: &[Row]) -> Option<Field<Date>> {
    let first = |cell: &Cell| dates(&cell.text, DateOrder::DayFirst).into_iter().next();
    // "Due date" names another date.
    let due = |cell: &Cell, start: usize, _| cell.text[..start].to_lowercase().ends_with("due ");
    labelled(rows, &DATE_LABEL, Look::RightThenBelow, due, first).or_else(|| {
        rows.iter().find_map(|row| {
            let cell = row.whole();
            first(&cell).and_then(|found| field(&cell, found, UNLABELLED))
        })
    })
}

/// A party's name: the text after the label up to the end of its cell, without the marks
/// OCR leaves around it (`; 深圳…`, a `:` read as `;`).
fn name(cell: &Cell) -> Option<Found<String>> {
    const MARKS: &[char] = &[
        ' ', ':', '：', ';', '；', '.', ',', '，', '|', '-', '_', '~',
    ];
    let text = cell.text.trim_start_matches(MARKS);
    let start = cell.text.len() - text.len();
    let value = text.trim_end_matches(MARKS);
    let value = repair_company_suffix(value);
    let letters = value.chars().filter(|c| c.is_alphabetic()).count();
    (letters >= 2).then(|| Found {
        end: start + value.len(),
        text: value.clone(),
        value,
        start,
    })
}

/// Company suffixes OCR misreads the same way every time (`plc` as `pic`, `Ltd` as `Lid`).
fn repair_company_suffix(name: &str) -> String {
    static SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b(?:pic|pIc|p1c)$|\b(?:Lid|Ltd\.?|L1d)$").expect("valid regex")
    });
    match SUFFIX.find(name) {
        Some(m) if m.as_str().starts_with('p') => format!("{}plc", &name[..m.start()]),
        Some(m) => format!("{}Ltd", &name[..m.start()]),
        None => name.to_owned(),
    }
}

pub(crate) fn buyer(rows: &[Row]) -> Option<Field<String>> {
    labelled(rows, &BUYER_LABEL, Look::Below, |_, _, _| false, name)
}

/// The supplier after its label, or else the letterhead: the first cell from the top that
/// is not a title, a label or a number. A company-like name (Ltd, GmbH, 有限公司) is surer.
pub(crate) fn supplier(rows: &[Row]) -> Option<Field<String>> {
    if let Some(found) = labelled(rows, &SUPPLIER_LABEL, Look::Below, |_, _, _| false, name) {
        return Some(found);
    }
    let first_page = rows.first()?.page;
    rows.iter()
        .take_while(|row| row.page == first_page)
        .flat_map(|row| row.cells.iter())
        .filter(|cell| {
            let text = cell.text.trim();
            !TITLE.is_match(text)
                && !text.contains([':', '：', '#'])
                && text.chars().filter(|c| c.is_alphabetic()).count() >= 3
                && text.chars().filter(|c| c.is_ascii_digit()).count() * 3 < text.len()
        })
        .take(3)
        .find_map(|cell| {
            let found = name(cell)?;
            let certainty = if COMPANY.is_match(&found.value) {
                LABELLED * 0.95
            } else {
                UNLABELLED
            };
            field(cell, found, certainty)
        })
}

/// The amounts after a label, numeric before Chinese uppercase (大写), which is read only to
/// cross-check the numeric one.
fn amount_after(cell: &Cell) -> Option<Found<Amount>> {
    let found = amounts(&cell.text);
    let numeric = |item: &Found<Amount>| item.text.chars().any(|c| c.is_ascii_digit());
    found.iter().find(|item| numeric(item)).cloned()
}

/// Whether a label hit is part of a longer label that means something else.
fn not_amount_label(cell: &Cell, start: usize, end: usize) -> bool {
    NOT_AN_AMOUNT_LABEL.is_match(&cell.text[end..]) || cell.text[..start].ends_with("价税")
}

pub(crate) fn total(rows: &[Row]) -> Option<Field<Amount>> {
    labelled(
        rows,
        &TOTAL_LABEL,
        Look::Right,
        not_amount_label,
        amount_after,
    )
}

pub(crate) fn net(rows: &[Row]) -> Option<Field<Amount>> {
    labelled(
        rows,
        &NET_LABEL,
        Look::Right,
        not_amount_label,
        amount_after,
    )
}

pub(crate) fn tax(rows: &[Row]) -> Option<Field<Amount>> {
    labelled(
        rows,
        &TAX_LABEL,
        Look::Right,
        not_amount_label,
        amount_after,
    )
}

/// The total in Chinese uppercase (大写), for the cross-check against the numeric total: the
/// Han characters after `大写`, read only when every one of them is an uppercase numeral or
/// unit. OCR garbles these often (`喜万零陆佰数拾迷元`); a partial reading would raise a false
/// disagreement, so an unreadable one is no reading.
pub(crate) fn total_in_words(rows: &[Row]) -> Option<Field<Amount>> {
    rows.iter().find_map(|row| {
        let cell = row.whole();
        let after = cell.text.find("大写")? + "大写".len();
        let rest = &cell.text[after..];
        let skipped = rest.len()
            - rest
                .trim_start_matches([' ', ')', '）', ':', '：', ';', '〉', '>'])
                .len();
        let start = after + skipped;
        let words: String = cell.text[start..]
            .chars()
            .take_while(|c| !c.is_ascii() && !matches!(c, '(' | '（'))
            .collect();
        let cents = crate::extract::parse_chinese_uppercase(words.trim())?;
        let found = Found {
            value: Amount::new(cents, Some("CNY")),
            text: words.clone(),
            start,
            end: start + words.len(),
        };
        field(&cell, found, LABELLED)
    })
}

/// The currency: the one the totals are written in, else an ISO code or sign anywhere.
pub(crate) fn currency(rows: &[Row], amounts_found: &[&Field<Amount>]) -> Option<Field<String>> {
    if let Some(with) = amounts_found
        .iter()
        .find(|field| field.value.currency.is_some())
    {
        return Some(Field {
            value: with.value.currency.unwrap_or_default().to_owned(),
            confidence: with.confidence,
            page: with.page,
            bbox: with.bbox,
        });
    }
    static CODE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b(EUR|USD|GBP|CNY|RMB|CHF|JPY|HKD)\b|[€£$¥￥]|人民币").expect("valid regex")
    });
    static CHINESE_VAT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"价税合计|增值税|税额").expect("valid regex"));
    let code = rows.iter().find_map(|row| {
        let cell = row.whole();
        let m = CODE.find(&cell.text)?;
        let value = match m.as_str() {
            "€" => "EUR",
            "£" => "GBP",
            "$" => "USD",
            "¥" | "￥" | "人民币" | "RMB" => "CNY",
            code => code,
        };
        let found = Found {
            value: value.to_owned(),
            text: m.as_str().to_owned(),
            start: m.start(),
            end: m.end(),
        };
        field(&cell, found, UNLABELLED)
    });
    // A 增值税发票 is in yuan even when OCR lost every ¥ sign.
    code.or_else(|| {
        rows.iter().find_map(|row| {
            let cell = row.whole();
            let m = CHINESE_VAT.find(&cell.text)?;
            let found = Found {
                value: "CNY".to_owned(),
                text: m.as_str().to_owned(),
                start: m.start(),
                end: m.end(),
            };
            field(&cell, found, LABELLED)
        })
    })
}
