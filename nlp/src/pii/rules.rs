//! Personal data that a pattern plus a checksum recognises more reliably than a model: email
//! addresses, IBANs (ISO 13616 mod 97) and payment card numbers (Luhn). Each match has score 1.

use std::sync::LazyLock;

use regex::Regex;

use crate::pii::{PiiKind, PiiSpan};

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}").expect("email pattern")
});
/// Two letters, two check digits, then 11–30 letters or digits, optionally in groups of four
/// separated by single spaces (the printed form).
static IBAN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}\b").expect("IBAN pattern")
});
/// 13–19 digits, optionally split by single spaces or dashes.
static CARD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[0-9](?:[ -]?[0-9]){12,18}\b").expect("card pattern"));

/// Every rule match in `text` (they may overlap each other; the caller resolves overlaps).
pub fn rule_spans(text: &str) -> Vec<PiiSpan> {
    let mut spans = Vec::new();
    let found = |kind, start, end| PiiSpan {
        kind,
        start,
        end,
        score: 1.0,
    };
    for hit in EMAIL.find_iter(text) {
        spans.push(found(PiiKind::Email, hit.start(), hit.end()));
    }
    for hit in IBAN.find_iter(text) {
        // The greedy group may swallow a following word in capitals; shorten until the
        // checksum holds.
        if let Some(end) = longest_valid_iban(text, hit.start(), hit.end()) {
            spans.push(found(PiiKind::Iban, hit.start(), end));
        }
    }
    for hit in CARD.find_iter(text) {
        let digits: Vec<u8> = hit
            .as_str()
            .bytes()
            .filter(u8::is_ascii_digit)
            .map(|digit| digit - b'0')
            .collect();
        if (13..=19).contains(&digits.len()) && luhn_valid(&digits) {
            spans.push(found(PiiKind::CardNumber, hit.start(), hit.end()));
        }
    }
    spans
}

fn longest_valid_iban(text: &str, start: usize, end: usize) -> Option<usize> {
    let mut end = end;
    while end > start {
        let candidate = &text[start..end];
        let compact: String = candidate.chars().filter(|c| *c != ' ').collect();
        if (15..=34).contains(&compact.len()) && iban_checksum_valid(&compact) {
            return Some(end);
        }
        end = candidate
            .char_indices()
            .next_back()
            .map(|(last, _)| start + last)?;
        end = start + text[start..end].trim_end().len();
    }
    None
}

/// ISO 13616: move the first four characters to the end, letters to 10–35, mod 97 must be 1.
pub fn iban_checksum_valid(iban: &str) -> bool {
    let rearranged = iban[4..].chars().chain(iban[..4].chars());
    let mut remainder: u32 = 0;
    for ch in rearranged {
        let Some(value) = ch.to_digit(36) else {
            return false;
        };
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    remainder == 1
}

/// The Luhn checksum of card numbers.
pub fn luhn_valid(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(index, &digit)| {
            let digit = u32::from(digit);
            if index % 2 == 1 {
                let doubled = digit * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                digit
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds_and_text(text: &str) -> Vec<(PiiKind, &str)> {
        rule_spans(text)
            .into_iter()
            .map(|span| (span.kind, &text[span.start..span.end]))
            .collect()
    }

    #[test]
    fn finds_checksum_valid_ibans_in_print_and_compact_form() {
        // DE89 3704 0044 0532 0130 00 is the standard published example IBAN.
        assert_eq!(
            kinds_and_text("Pay to DE89 3704 0044 0532 0130 00 TODAY or GB82WEST12345698765432."),
            vec![
                (PiiKind::Iban, "DE89 3704 0044 0532 0130 00"),
                (PiiKind::Iban, "GB82WEST12345698765432"),
            ]
        );
        assert!(kinds_and_text("DE89 3704 0044 0532 0130 01").is_empty());
    }

    #[test]
    fn finds_luhn_valid_cards_only() {
        assert_eq!(
            kinds_and_text("card 4111 1111 1111 1111, order 4111 1111 1111 1112"),
            vec![(PiiKind::CardNumber, "4111 1111 1111 1111")]
        );
    }

    #[test]
    fn finds_emails() {
        assert_eq!(
            kinds_and_text("write to j.doe+bills@mail.example.org."),
            vec![(PiiKind::Email, "j.doe+bills@mail.example.org")]
        );
    }
}
