//! Invoice numbers: the token after a label (`Invoice No.`, `Invoice #`, `Rechnungsnummer`,
//! `发票号码`). Without a label a number is just a number.

use std::sync::LazyLock;

use regex::Regex;

use super::{Found, without_overlaps};

static LABELLED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?:invoice|inv\.?|bill|rechnung(?:s)?)\s*(?:-?nummer|number|num\.?|no\.?|nr\.?|#)",
        r"\s*[:#.]?\s*([A-Z0-9][A-Z0-9\-/_.]{1,30}[A-Z0-9])",
    ))
    .expect("valid regex")
});
static CHINESE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:发票号码|发票号|票据号码)\s*[:：]?\s*(?:No\.?\s*)?([0-9]{6,20})")
        .expect("valid regex")
});

/// Every labelled invoice number; the value holds at least one digit.
pub fn invoice_numbers(text: &str) -> Vec<Found<String>> {
    let found = LABELLED
        .captures_iter(text)
        .chain(CHINESE.captures_iter(text))
        .filter_map(|c| c.get(1))
        .filter(|m| m.as_str().bytes().any(|b| b.is_ascii_digit()))
        .map(|m| Found {
            value: m.as_str().to_owned(),
            text: m.as_str().to_owned(),
            start: m.start(),
            end: m.end(),
        })
        .collect();
    without_overlaps(found)
}

#[cfg(test)]
mod tests {
    use super::invoice_numbers;

    fn values(text: &str) -> Vec<String> {
        invoice_numbers(text).into_iter().map(|f| f.value).collect()
    }

    #[test]
    fn labelled_numbers_in_english_german_and_chinese() {
        assert_eq!(
            values("Invoice No.: INV-2024-0042\nDate"),
            ["INV-2024-0042"]
        );
        assert_eq!(values("INVOICE # 10045"), ["10045"]);
        assert_eq!(values("Invoice number A7/2024"), ["A7/2024"]);
        assert_eq!(values("Rechnungsnummer: RE-88812"), ["RE-88812"]);
        assert_eq!(values("发票号码：04512345"), ["04512345"]);
        assert_eq!(values("发票号码 : No. 04512345"), ["04512345"]);
    }

    #[test]
    fn unlabelled_or_digitless_tokens_are_not_invoice_numbers() {
        assert!(values("Order 12345, customer number 998877").is_empty());
        assert!(values("Invoice number PENDING").is_empty());
    }
}
