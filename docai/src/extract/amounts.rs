//! Money amounts: `1,234.56`, `1.234,56`, `1 234,56` (narrow or no-break space), `1'234.56`,
//! with a currency sign or code before or after, and Chinese uppercase (大写) amounts such as
//! 壹万贰仟叁佰肆拾伍元陆角柒分.
//!
//! A plain number is an amount only with a currency or exactly two decimals, so quantities,
//! invoice numbers and years are not amounts.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use super::{Found, without_overlaps};

/// An amount in minor units (cents, 分) and its ISO 4217 currency when the text gave one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Amount {
    /// Hundredths of the currency unit.
    pub cents: i64,
    pub currency: Option<&'static str>,
    /// The amount as a decimal string, `1234.56`.
    pub value: String,
}

impl Amount {
    pub fn new(cents: i64, currency: Option<&'static str>) -> Self {
        let sign = if cents < 0 { "-" } else { "" };
        let value = format!(
            "{sign}{}.{:02}",
            cents.unsigned_abs() / 100,
            cents.unsigned_abs() % 100
        );
        Self {
            cents,
            currency,
            value,
        }
    }
}

fn currency_of(symbol: &str) -> Option<&'static str> {
    Some(match symbol.trim().to_ascii_uppercase().as_str() {
        "USD" | "US$" | "$" => "USD",
        "EUR" | "€" => "EUR",
        "GBP" | "£" => "GBP",
        "CNY" | "RMB" | "¥" | "￥" | "人民币" | "元" => "CNY",
        "JPY" => "JPY",
        "CHF" => "CHF",
        "HKD" | "HK$" => "HKD",
        _ => return None,
    })
}

static NUMERIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?:(?P<before>USD|EUR|GBP|CNY|RMB|JPY|CHF|HKD|HK\$|US\$|\$|€|£|¥|￥|人民币)\s?)?",
        r"(?P<number>-?\d{1,3}(?:[,.\u{A0}\u{202F}']\d{3})+(?:[.,]\d{1,2})?|-?\d+(?:[.,]\d{1,2})?)\b",
        r"(?:\s?(?P<after>USD|EUR|GBP|CNY|RMB|JPY|CHF|HKD|元|€))?",
    ))
    .expect("valid regex")
});

static UPPERCASE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:人民币\s*)?[零壹贰叁肆伍陆柒捌玖拾佰仟万亿元圆角分整正]+").expect("valid regex")
});

/// Parses a number with grouping and decimal separators into cents. The last `.` or `,` is the
/// decimal separator when it is followed by one or two digits; a separator followed by three
/// digits groups thousands.
pub fn parse_number(text: &str) -> Option<i64> {
    let (negative, digits) = match text.trim().strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.trim()),
    };
    let decimal_at = digits
        .rfind(['.', ','])
        .filter(|&at| (1..=2).contains(&(digits.len() - at - 1)));
    let (whole, fraction) = match decimal_at {
        Some(at) => (&digits[..at], &digits[at + 1..]),
        None => (digits, ""),
    };
    let whole: String = whole
        .chars()
        .filter(|c| !matches!(c, ',' | '.' | '\u{A0}' | '\u{202F}' | '\''))
        .collect();
    if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let units: i64 = whole.parse().ok()?;
    let cents: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().ok()? * 10,
        _ => fraction.parse().ok()?,
    };
    let total = units.checked_mul(100)?.checked_add(cents)?;
    Some(if negative { -total } else { total })
}

/// Parses a Chinese uppercase amount (`人民币壹仟零伍元整`) into cents.
pub fn parse_chinese_uppercase(text: &str) -> Option<i64> {
    let text = text.trim().trim_start_matches("人民币").trim();
    let mut total: i64 = 0; // finished 亿 and 万 sections
    let mut section: i64 = 0; // below 万
    let mut digit: Option<i64> = None;
    let mut yuan: Option<i64> = None;
    let mut cents: i64 = 0;
    for c in text.chars() {
        let value = "零壹贰叁肆伍陆柒捌玖".chars().position(|d| d == c);
        match c {
            _ if value.is_some() => digit = value.map(|v| v as i64),
            '拾' | '佰' | '仟' => {
                let unit = match c {
                    '拾' => 10,
                    '佰' => 100,
                    _ => 1000,
                };
                // 拾 alone at the start means 10 (拾元 = 10 元).
                let times = digit.take().unwrap_or(i64::from(c == '拾'));
                if times == 0 {
                    return None;
                }
                section += times * unit;
            }
            '万' => {
                total += (section + digit.take().unwrap_or(0)) * 10_000;
                section = 0;
            }
            '亿' => {
                total = (total + section + digit.take().unwrap_or(0)) * 100_000_000;
                section = 0;
            }
            '元' | '圆' => {
                if yuan.is_some() {
                    return None;
                }
                yuan = Some(total + section + digit.take().unwrap_or(0));
                (total, section) = (0, 0);
            }
            '角' => cents += digit.take()? * 10,
            '分' => cents += digit.take()?,
            '整' | '正' => {}
            _ => return None,
        }
    }
    if digit.is_some_and(|d| d != 0) || (yuan.is_none() && cents == 0) {
        return None;
    }
    yuan.unwrap_or(0).checked_mul(100)?.checked_add(cents)
}

/// Every amount in `text`, earliest first.
pub fn amounts(text: &str) -> Vec<Found<Amount>> {
    let mut found = Vec::new();
    for c in NUMERIC.captures_iter(text) {
        let number = &c["number"];
        let currency = c
            .name("before")
            .or_else(|| c.name("after"))
            .and_then(|m| currency_of(m.as_str()));
        let two_decimals = number
            .rfind(['.', ','])
            .is_some_and(|at| number.len() - at - 1 == 2);
        if currency.is_none() && !two_decimals {
            continue;
        }
        if let Some(cents) = parse_number(number) {
            let whole = c.get(0).expect("match");
            found.push(Found {
                value: Amount::new(cents, currency),
                text: whole.as_str().to_owned(),
                start: whole.start(),
                end: whole.end(),
            });
        }
    }
    for m in UPPERCASE.find_iter(text) {
        if !m.as_str().contains([
            '零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖', '拾',
        ]) {
            continue;
        }
        if let Some(cents) = parse_chinese_uppercase(m.as_str()) {
            found.push(Found {
                value: Amount::new(cents, Some("CNY")),
                text: m.as_str().to_owned(),
                start: m.start(),
                end: m.end(),
            });
        }
    }
    without_overlaps(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read(text: &str) -> Vec<(i64, Option<&'static str>)> {
        amounts(text)
            .into_iter()
            .map(|found| (found.value.cents, found.value.currency))
            .collect()
    }

    #[test]
    fn grouping_and_decimal_separators() {
        assert_eq!(read("Total 1,234.56"), [(123_456, None)]);
        assert_eq!(read("Summe 1.234,56 EUR"), [(123_456, Some("EUR"))]);
        assert_eq!(read("Total € 1.234.567,89"), [(123_456_789, Some("EUR"))]);
        assert_eq!(read("CHF 1'234.50"), [(123_450, Some("CHF"))]);
        assert_eq!(read("1\u{202F}234,56 €"), [(123_456, Some("EUR"))]);
        assert_eq!(read("$12"), [(1200, Some("USD"))]);
        assert_eq!(
            read("¥1,234.00 and ￥88.5"),
            [(123_400, Some("CNY")), (8850, Some("CNY"))]
        );
        assert_eq!(read("人民币 5000 元"), [(500_000, Some("CNY"))]);
        assert_eq!(read("GBP 20.00"), [(2000, Some("GBP"))]);
    }

    #[test]
    fn quantities_years_and_ids_are_not_amounts() {
        assert!(read("Qty 3, invoice 20240315, year 2024, item 1.5").is_empty());
    }

    #[test]
    fn chinese_uppercase_amounts() {
        // Examples in the form of the 大写 line of a 增值税发票, values written out by hand.
        assert_eq!(
            parse_chinese_uppercase("壹万贰仟叁佰肆拾伍元陆角柒分"),
            Some(1_234_567)
        );
        assert_eq!(parse_chinese_uppercase("人民币伍佰元整"), Some(50_000));
        assert_eq!(parse_chinese_uppercase("壹仟零伍元整"), Some(100_500));
        assert_eq!(
            parse_chinese_uppercase("肆仟伍佰玖拾肆元贰角伍分"),
            Some(459_425)
        );
        assert_eq!(parse_chinese_uppercase("拾元整"), Some(1000));
        assert_eq!(
            parse_chinese_uppercase("壹亿零贰拾万元整"),
            Some(10_020_000_000)
        );
        assert_eq!(parse_chinese_uppercase("叁角"), Some(30));
        assert_eq!(parse_chinese_uppercase("零元伍分"), Some(5));
        assert_eq!(parse_chinese_uppercase("壹贰"), None);
        assert_eq!(parse_chinese_uppercase("元元"), None);
        assert_eq!(
            read("价税合计（大写）：肆仟伍佰玖拾肆元贰角伍分"),
            [(459_425, Some("CNY"))]
        );
    }

    /// Writes cents as a Chinese uppercase amount, the way invoices print them (the inverse
    /// the parser is checked against).
    fn uppercase(cents: i64) -> String {
        const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
        fn below_10000(n: i64, out: &mut String, leading: bool) {
            let units = ['仟', '佰', '拾'];
            let mut zero = false;
            let mut started = leading;
            for (index, unit) in [1000, 100, 10].into_iter().enumerate() {
                let d = (n / unit) % 10;
                if d == 0 {
                    zero = started;
                } else {
                    if zero {
                        out.push('零');
                    }
                    out.push(DIGITS[d as usize]);
                    out.push(units[index]);
                    (zero, started) = (false, true);
                }
            }
            let d = n % 10;
            if d != 0 {
                if zero {
                    out.push('零');
                }
                out.push(DIGITS[d as usize]);
            }
        }
        let (yuan, fen) = (cents / 100, cents % 100);
        let mut out = String::new();
        if yuan >= 10_000 {
            below_10000(yuan / 10_000, &mut out, false);
            out.push('万');
            if yuan % 10_000 != 0 {
                if yuan % 10_000 < 1000 {
                    out.push('零');
                }
                below_10000(yuan % 10_000, &mut out, false);
            }
        } else if yuan > 0 {
            below_10000(yuan, &mut out, false);
        } else {
            out.push('零');
        }
        out.push('元');
        match (fen / 10, fen % 10) {
            (0, 0) => out.push('整'),
            (j, f) => {
                if j > 0 {
                    out.push(DIGITS[j as usize]);
                    out.push('角');
                }
                if f > 0 {
                    out.push(DIGITS[f as usize]);
                    out.push('分');
                }
            }
        }
        out
    }

    proptest! {
        #[test]
        fn every_format_reads_back(cents in 0i64..10_000_000_000) {
            let (units, fraction) = (cents / 100, cents % 100);
            let group = |sep: &str| {
                let digits = units.to_string();
                let mut out = String::new();
                for (index, c) in digits.chars().enumerate() {
                    if index > 0 && (digits.len() - index) % 3 == 0 {
                        out.push_str(sep);
                    }
                    out.push(c);
                }
                out
            };
            let forms = [
                format!("Total {}.{fraction:02}", group(",")),
                format!("Betrag {},{fraction:02} EUR", group(".")),
                format!("¥{}.{fraction:02}", group(",")),
                format!("USD {units}.{fraction:02}"),
            ];
            for form in &forms {
                let found = amounts(form);
                prop_assert_eq!(found.len(), 1, "{}", form);
                prop_assert_eq!(found[0].value.cents, cents, "{}", form);
            }
            if cents < 100_000_000 * 100 {
                let written = uppercase(cents);
                prop_assert_eq!(parse_chinese_uppercase(&written), Some(cents), "{}", written);
            }
        }
    }
}
