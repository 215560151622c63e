//! Identifiers with a published check: IBAN (ISO 13616, mod 97), Chinese resident identity
//! number (GB 11643-1999, ISO 7064 MOD 11-2), unified social credit code (GB 32100-2015,
//! weighted mod 31), and EU VAT ids by their national formats.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use super::{Found, without_overlaps};

/// IBAN lengths by country (ISO 13616 registry, the countries back offices see most).
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AT", 20),
    ("BE", 16),
    ("BG", 22),
    ("CH", 21),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("EE", 20),
    ("ES", 24),
    ("FI", 18),
    ("FR", 27),
    ("GB", 22),
    ("GR", 27),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IS", 26),
    ("IT", 27),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MT", 31),
    ("NL", 18),
    ("NO", 15),
    ("PL", 28),
    ("PT", 25),
    ("RO", 24),
    ("SA", 24),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("TR", 26),
];

/// A checked IBAN, in electronic form (no spaces).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Iban {
    pub iban: String,
    pub country: String,
}

/// ISO 7064 MOD 97-10 over an IBAN: move the first four characters to the end, letters to
/// 10..35, and the number mod 97 must be 1.
pub fn is_valid_iban(candidate: &str) -> bool {
    let compact: String = candidate.chars().filter(|c| *c != ' ').collect();
    let Some(&(_, length)) = IBAN_LENGTHS
        .iter()
        .find(|(country, _)| compact.get(..2) == Some(country))
    else {
        return false;
    };
    if compact.len() != length
        || !compact[2..4].bytes().all(|b| b.is_ascii_digit())
        || !compact
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return false;
    }
    let rearranged = compact[4..].bytes().chain(compact[..4].bytes());
    let mut remainder: u32 = 0;
    for byte in rearranged {
        let value = match byte {
            b'0'..=b'9' => u32::from(byte - b'0'),
            _ => u32::from(byte - b'A') + 10,
        };
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    remainder == 1
}

static IBAN_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[A-Z]{2}\d{2}").expect("valid regex"));

/// Every valid IBAN, written compact or in groups of four separated by single spaces.
pub fn ibans(text: &str) -> Vec<Found<Iban>> {
    let mut found = Vec::new();
    for start in IBAN_START.find_iter(text) {
        let country = &start.as_str()[..2];
        let Some(&(_, length)) = IBAN_LENGTHS.iter().find(|(code, _)| *code == country) else {
            continue;
        };
        // Collect characters up to the country's length, allowing single spaces.
        let mut compact = String::with_capacity(length);
        let mut end = start.start();
        let mut last_space = false;
        for (offset, c) in text[start.start()..].char_indices() {
            if compact.len() == length {
                break;
            }
            if c == ' ' && !last_space && !compact.is_empty() {
                last_space = true;
                continue;
            }
            if !c.is_ascii_alphanumeric() {
                break;
            }
            last_space = false;
            compact.push(c.to_ascii_uppercase());
            end = start.start() + offset + c.len_utf8();
        }
        let runs_on = text[end..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        if compact.len() == length && !runs_on && is_valid_iban(&compact) {
            found.push(Found {
                value: Iban {
                    country: country.to_owned(),
                    iban: compact,
                },
                text: text[start.start()..end].to_owned(),
                start: start.start(),
                end,
            });
        }
    }
    without_overlaps(found)
}

/// GB 11643: 17 digits, then a check character: Σ digitᵢ·(2^(17-i) mod 11), and
/// (12 - Σ mod 11) mod 11 as a digit, `X` for 10. The birth date (digits 7–14) must exist.
pub fn is_valid_cn_resident_id(candidate: &str) -> bool {
    let bytes = candidate.as_bytes();
    if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = bytes[..17]
        .iter()
        .enumerate()
        .map(|(index, &b)| u32::from(b - b'0') * ((1u32 << (17 - index)) % 11))
        .sum();
    let check = (12 - sum % 11) % 11;
    let expected = if check == 10 {
        b'X'
    } else {
        b'0' + check as u8
    };
    let birth = &candidate[6..14];
    let date = super::dates::Date::new(
        birth[..4].parse().unwrap_or(0),
        birth[4..6].parse().unwrap_or(0),
        birth[6..].parse().unwrap_or(0),
    );
    bytes[17].to_ascii_uppercase() == expected && date.is_some()
}

/// GB 32100 character set: digits and capital letters without I, O, Z, S, V.
const USCC_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// GB 32100: 18 characters of [`USCC_CHARS`]; the last is 31 - (Σ valueᵢ·3^i mod 31) mod 31.
/// Characters 3–8 are the administrative division code (digits).
pub fn is_valid_cn_credit_code(candidate: &str) -> bool {
    let values: Option<Vec<u32>> = candidate
        .chars()
        .map(|c| USCC_CHARS.find(c).map(|at| at as u32))
        .collect();
    let Some(values) = values else { return false };
    if values.len() != 18 || !candidate[2..8].bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = values[..17]
        .iter()
        .zip(USCC_WEIGHTS)
        .map(|(value, weight)| value * weight)
        .sum();
    (31 - sum % 31) % 31 == values[17]
}

static CN_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^0-9A-Za-z])(\d{17}[\dXx])(?:$|[^0-9A-Za-z])").expect("valid regex")
});
static USCC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^0-9A-Za-z])([0-9A-HJ-NPQRTUWXY]{18})(?:$|[^0-9A-Za-z])")
        .expect("valid regex")
});

fn checked(text: &str, pattern: &Regex, valid: fn(&str) -> bool) -> Vec<Found<String>> {
    pattern
        .captures_iter(text)
        .filter_map(|c| c.get(1))
        .filter(|m| valid(m.as_str()))
        .map(|m| Found {
            value: m.as_str().to_ascii_uppercase(),
            text: m.as_str().to_owned(),
            start: m.start(),
            end: m.end(),
        })
        .collect()
}

/// Chinese resident identity numbers whose check character and birth date are right.
pub fn cn_resident_ids(text: &str) -> Vec<Found<String>> {
    checked(text, &CN_ID, is_valid_cn_resident_id)
}

/// Unified social credit codes (统一社会信用代码, also the taxpayer id on 增值税发票) whose
/// check character is right.
pub fn cn_credit_codes(text: &str) -> Vec<Found<String>> {
    checked(text, &USCC, is_valid_cn_credit_code)
}

static VAT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\b(ATU\d{8}|BE[01]\d{9}|BG\d{9,10}|CHE[- ]?\d{3}\.?\d{3}\.?\d{3}|CY\d{8}[A-Z]|CZ\d{8,10}",
        r"|DE\d{9}|DK\d{8}|EE\d{9}|EL\d{9}|ES[0-9A-Z]\d{7}[0-9A-Z]|FI\d{8}",
        r"|FR[0-9A-HJ-NP-Z]{2}\d{9}|GB(?:\d{9}|\d{12})|HR\d{11}|HU\d{8}|IE\d{7}[A-W][A-I]?",
        r"|IT\d{11}|LT(?:\d{9}|\d{12})|LU\d{8}|LV\d{11}|MT\d{8}|NL\d{9}B\d{2}|PL\d{10}",
        r"|PT\d{9}|RO\d{2,10}|SE\d{12}|SI\d{8}|SK\d{10})\b",
    ))
    .expect("valid regex")
});

/// VAT ids in the national formats of the EU (and Swiss UID), written compact with their
/// country prefix. Formats only: national check digits are not verified.
pub fn vat_ids(text: &str) -> Vec<Found<String>> {
    VAT.find_iter(text)
        .map(|m| Found {
            value: m.as_str().replace([' ', '-', '.'], ""),
            text: m.as_str().to_owned(),
            start: m.start(),
            end: m.end(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn published_ibans_are_valid() {
        // The example IBANs of the ECBS/SWIFT IBAN registry.
        for iban in [
            "GB82 WEST 1234 5698 7654 32",
            "DE89 3704 0044 0532 0130 00",
            "FR14 2004 1010 0505 0001 3M02 606",
            "NL91 ABNA 0417 1643 00",
            "CH93 0076 2011 6238 5295 7",
            "BE68 5390 0754 7034",
        ] {
            assert!(is_valid_iban(iban), "{iban}");
        }
        assert!(!is_valid_iban("GB82 WEST 1234 5698 7654 33"));
        assert!(!is_valid_iban("GB82 WEST 1234 5698 7654"));
        assert!(!is_valid_iban("XX82 WEST 1234 5698 7654 32"));
    }

    #[test]
    fn ibans_are_found_in_text_with_or_without_spaces() {
        let text =
            "Pay to IBAN: DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX or GB82WEST12345698765432.";
        let found: Vec<String> = ibans(text).into_iter().map(|f| f.value.iban).collect();
        assert_eq!(found, ["DE89370400440532013000", "GB82WEST12345698765432"]);
        assert!(ibans("DE89 3704 0044 0532 0130 01").is_empty());
    }

    #[test]
    fn published_resident_ids_are_valid() {
        // The worked example of GB 11643-1999 and a commonly cited specimen.
        assert!(is_valid_cn_resident_id("11010519491231002X"));
        assert!(is_valid_cn_resident_id("440524188001010014"));
        assert!(!is_valid_cn_resident_id("110105194912310021"));
        // Right check digit for these 17 digits but 31 February.
        assert!(!is_valid_cn_resident_id("110105194902310026"));
        let text = "身份证号码：11010519491231002x，电话 13800138000";
        assert_eq!(cn_resident_ids(text)[0].value, "11010519491231002X");
    }

    #[test]
    fn published_credit_codes_are_valid() {
        // The example of GB 32100-2015 and a listed company's code.
        assert!(is_valid_cn_credit_code("91350100M000100Y43"));
        assert!(is_valid_cn_credit_code("91110000100010433L"));
        assert!(!is_valid_cn_credit_code("91350100M000100Y44"));
        assert!(!is_valid_cn_credit_code("91350100M000100I43"));
        let text = "纳税人识别号：91350100M000100Y43 地址";
        assert_eq!(cn_credit_codes(text)[0].value, "91350100M000100Y43");
    }

    #[test]
    fn vat_ids_in_national_formats() {
        let text = "VAT: DE123456789, NL123456789B01; UID CHE-123.456.789; no: DE12345";
        let found: Vec<String> = vat_ids(text).into_iter().map(|f| f.value).collect();
        assert_eq!(found, ["DE123456789", "NL123456789B01", "CHE123456789"]);
    }

    proptest! {
        /// Completing a body with its computed check digits gives a valid IBAN; any single
        /// digit-for-digit or letter-for-letter substitution makes it invalid (mod 97 catches
        /// them all; a letter for a digit changes the length of the numeric form and is not
        /// guaranteed).
        #[test]
        fn iban_check_digits_catch_every_single_substitution(
            body in "[0-9]{8}[A-Z0-9]{10}", at in 0usize..22, replacement in "[0-9A-Z]",
        ) {
            let digits: String = format!("{body}GB00")
                .bytes()
                .map(|b| if b.is_ascii_digit() { (b - b'0').to_string() } else { (b - b'A' + 10).to_string() })
                .collect();
            let remainder = digits.bytes().fold(0u32, |r, b| (r * 10 + u32::from(b - b'0')) % 97);
            let iban = format!("GB{:02}{body}", 98 - remainder);
            prop_assert!(is_valid_iban(&iban), "{}", iban);
            let mut changed: Vec<char> = iban.chars().collect();
            let replacement = replacement.chars().next().expect("one char");
            prop_assume!(at >= 2 && changed[at] != replacement);
            prop_assume!(changed[at].is_ascii_digit() == replacement.is_ascii_digit());
            changed[at] = replacement;
            let changed: String = changed.into_iter().collect();
            prop_assert!(!is_valid_iban(&changed), "{}", changed);
        }

        #[test]
        fn resident_id_check_catches_every_single_digit_change(
            day in 1u32..=28, month in 1u32..=12, year in 1930u32..2020,
            region in 110000u32..660000, seq in 0u32..1000, at in 0usize..17, delta in 1u8..10,
        ) {
            let body = format!("{region}{year}{month:02}{day:02}{seq:03}");
            let check = "10X98765432".as_bytes()[body.bytes().enumerate()
                .map(|(i, b)| u32::from(b - b'0') * [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2][i])
                .sum::<u32>() as usize % 11] as char;
            let id = format!("{body}{check}");
            prop_assert!(is_valid_cn_resident_id(&id), "{}", id);
            let mut bytes = id.into_bytes();
            bytes[at] = b'0' + (bytes[at] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).expect("ascii");
            prop_assert!(!is_valid_cn_resident_id(&changed), "{}", changed);
        }

        #[test]
        fn credit_code_check_catches_every_single_substitution(
            head in "[159Y][1-9]", region in 110000u32..660000, org in "[0-9A-HJ-NPQRTUWXY]{9}",
            at in 0usize..17, replacement in 0usize..31,
        ) {
            let body = format!("{head}{region}{org}");
            let sum: usize = body.chars().enumerate()
                .map(|(i, c)| USCC_CHARS.find(c).expect("charset") * 3usize.pow(i as u32) % 31)
                .sum();
            let check = USCC_CHARS.as_bytes()[(31 - sum % 31) % 31] as char;
            let code = format!("{body}{check}");
            prop_assert!(is_valid_cn_credit_code(&code), "{}", code);
            let mut chars: Vec<char> = code.chars().collect();
            let replacement = USCC_CHARS.as_bytes()[replacement] as char;
            // The region code (characters 3–8) stays digits, or the code is malformed anyway.
            let keeps_format = !(2..8).contains(&at) || replacement.is_ascii_digit();
            prop_assume!(chars[at] != replacement && keeps_format);
            chars[at] = replacement;
            let changed: String = chars.into_iter().collect();
            prop_assert!(!is_valid_cn_credit_code(&changed), "{}", changed);
        }
    }
}
