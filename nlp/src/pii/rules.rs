//! Personal data that a pattern plus a checksum recognises more reliably than a model: email
//! addresses, IBANs (ISO 13616 mod 97), payment card numbers (Luhn) and international phone
//! numbers. Each match has score 1.

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
/// An international phone number: `+`, a country code, then groups of digits separated by
/// single spaces, dots, dashes or slashes, an area code possibly in brackets (8–15 digits in
/// all, checked below). The model misses these in running text; national forms without `+`
/// look too much like amounts, dates and references to match by pattern.
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\+[0-9]{1,3}(?:[ ./-]?\(?[0-9]{1,5}\)?){2,6}").expect("phone pattern")
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
    for hit in PHONE.find_iter(text) {
        let digits = hit.as_str().bytes().filter(u8::is_ascii_digit).count();
        if (8..=15).contains(&digits) {
            spans.push(found(PiiKind::Phone, hit.start(), hit.end()));
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

/// IBAN lengths by country (ISO 13616 registry): a printed IBAN has no end marker, so the
/// length decides where it stops.
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BR", 29),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LC", 32),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NL", 18),
    ("NO", 15),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("SA", 24),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VG", 24),
    ("XK", 20),
];

/// The end of the IBAN starting at `start`: its country's length in letters and digits, ending
/// at a word boundary, with a valid checksum. Trying shorter and shorter prefixes instead would
/// pass one in 97 by chance.
fn longest_valid_iban(text: &str, start: usize, end: usize) -> Option<usize> {
    let candidate = &text[start..end];
    let length = IBAN_LENGTHS
        .iter()
        .find(|(country, _)| candidate.starts_with(country))
        .map(|(_, length)| *length)?;
    let mut compact = String::with_capacity(length);
    let mut stop = None;
    for (at, ch) in candidate.char_indices() {
        if ch == ' ' {
            continue;
        }
        compact.push(ch);
        if compact.len() == length {
            stop = Some(start + at + ch.len_utf8());
            break;
        }
    }
    let stop = stop?;
    let at_boundary = !text[stop..]
        .chars()
        .next()
        .is_some_and(char::is_alphanumeric);
    (at_boundary && iban_checksum_valid(&compact)).then_some(stop)
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
        // A wrong check digit: no IBAN (its digits may still pass Luhn as a card number).
        assert!(
            !kinds_and_text("DE89 3704 0044 0532 0130 01")
                .iter()
                .any(|(kind, _)| *kind == PiiKind::Iban)
        );
    }

    #[test]
    fn finds_luhn_valid_cards_only() {
        assert_eq!(
            kinds_and_text("card 4111 1111 1111 1111, order 4111 1111 1111 1112"),
            vec![(PiiKind::CardNumber, "4111 1111 1111 1111")]
        );
    }

    #[test]
    fn finds_international_phone_numbers_only() {
        assert_eq!(
            kinds_and_text("call +49 30 1234 5678 or +1 (212) 555-0187, not 2024-03-15 or +12"),
            vec![
                (PiiKind::Phone, "+49 30 1234 5678"),
                (PiiKind::Phone, "+1 (212) 555-0187"),
            ]
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
