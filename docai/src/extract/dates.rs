//! Dates in the forms invoices use: ISO and Y/M/D, D.M.Y, D/M/Y or M/D/Y, month names in
//! English, and Chinese 2024年3月15日 with Arabic or Chinese numerals (二〇二四年三月十五日).

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use super::{Found, without_overlaps};

/// A calendar date; serialises as ISO 8601 (`2024-03-15`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// A date that exists (leap years included).
    pub fn new(year: i32, month: u32, day: u32) -> Option<Self> {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        ((1..=days).contains(&day) && (1000..=9999).contains(&year)).then_some(Self {
            year,
            month,
            day,
        })
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// How to read `03/04/2024` when both numbers could be the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    /// 3 April (Europe, Asia).
    DayFirst,
    /// 4 March (United States).
    MonthFirst,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

static YMD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b").expect("valid regex"));
static NUMERIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(\d{1,2})([./-])(\d{1,2})([./-])(\d{4}|\d{2})\b").expect("valid regex")
});
static CHINESE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]").expect("valid regex")
});
static CHINESE_NUMERALS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([〇零○一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月([一二三四五六七八九十]{1,3})[日号]")
        .expect("valid regex")
});
static DAY_MONTH_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(\d{1,2})(?:st|nd|rd|th)?[ \-]?(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?[ \-]?(\d{4})\b")
        .expect("valid regex")
});
static MONTH_NAME_DAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})\b")
        .expect("valid regex")
});

fn month_number(name: &str) -> Option<u32> {
    let prefix: String = name.to_ascii_lowercase().chars().take(3).collect();
    MONTHS
        .iter()
        .position(|month| *month == prefix)
        .map(|index| index as u32 + 1)
}

/// A Chinese numeral of up to 99 (`十五`, `二十`, `三十一`), or digit by digit (`二〇二四`).
fn chinese_number(text: &str) -> Option<u32> {
    let digit = |c: char| "〇一二三四五六七八九".chars().position(|d| d == c);
    let digit = |c: char| match c {
        '零' | '○' => Some(0),
        _ => digit(c),
    };
    let chars: Vec<char> = text.chars().collect();
    match chars.iter().position(|&c| c == '十') {
        None => chars
            .iter()
            .try_fold(0u32, |acc, &c| Some(acc * 10 + digit(c)? as u32)),
        Some(at) => {
            let tens = match at {
                0 => 1,
                1 => digit(chars[0])? as u32,
                _ => return None,
            };
            let ones = match &chars[at + 1..] {
                [] => 0,
                [c] => digit(*c)? as u32,
                _ => return None,
            };
            Some(tens * 10 + ones)
        }
    }
}

/// Every date in `text`, earliest first.
pub fn dates(text: &str, order: DateOrder) -> Vec<Found<Date>> {
    let mut found = Vec::new();
    let mut push = |m: regex::Match<'_>, date: Option<Date>| {
        if let Some(value) = date {
            found.push(Found {
                value,
                text: m.as_str().to_owned(),
                start: m.start(),
                end: m.end(),
            });
        }
    };
    let num = |s: &str| s.parse::<u32>().ok();
    for c in YMD.captures_iter(text) {
        let date = num(&c[1]).and_then(|y| Date::new(y as i32, num(&c[2])?, num(&c[3])?));
        push(c.get(0).expect("match"), date);
    }
    for c in CHINESE.captures_iter(text) {
        let date = num(&c[1]).and_then(|y| Date::new(y as i32, num(&c[2])?, num(&c[3])?));
        push(c.get(0).expect("match"), date);
    }
    for c in CHINESE_NUMERALS.captures_iter(text) {
        let date = chinese_number(&c[1])
            .and_then(|y| Date::new(y as i32, chinese_number(&c[2])?, chinese_number(&c[3])?));
        push(c.get(0).expect("match"), date);
    }
    for c in NUMERIC.captures_iter(text) {
        if c[2] != c[4] {
            continue;
        }
        let (Some(a), Some(b), Some(y)) = (num(&c[1]), num(&c[3]), num(&c[5])) else {
            continue;
        };
        let year = if c[5].len() == 2 { 2000 + y } else { y } as i32;
        let day_first = match (a > 12, b > 12) {
            (true, _) => true,
            (_, true) => false,
            // Dots are European: day first whatever the order says.
            _ => &c[2] == "." || order == DateOrder::DayFirst,
        };
        let (day, month) = if day_first { (a, b) } else { (b, a) };
        push(c.get(0).expect("match"), Date::new(year, month, day));
    }
    for c in DAY_MONTH_NAME.captures_iter(text) {
        let date =
            month_number(&c[2]).and_then(|month| Date::new(num(&c[3])? as i32, month, num(&c[1])?));
        push(c.get(0).expect("match"), date);
    }
    for c in MONTH_NAME_DAY.captures_iter(text) {
        let date =
            month_number(&c[1]).and_then(|month| Date::new(num(&c[3])? as i32, month, num(&c[2])?));
        push(c.get(0).expect("match"), date);
    }
    without_overlaps(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn iso(text: &str) -> Vec<String> {
        dates(text, DateOrder::DayFirst)
            .into_iter()
            .map(|found| found.value.to_string())
            .collect()
    }

    #[test]
    fn the_forms_invoices_use() {
        assert_eq!(iso("Date: 2024-03-15"), ["2024-03-15"]);
        assert_eq!(iso("2024/3/5 and 2024.12.31"), ["2024-03-05", "2024-12-31"]);
        assert_eq!(iso("Rechnungsdatum 15.03.2024"), ["2024-03-15"]);
        assert_eq!(iso("due 31/01/2025"), ["2025-01-31"]);
        assert_eq!(
            iso("15 March 2024, 1st Feb 2023"),
            ["2024-03-15", "2023-02-01"]
        );
        assert_eq!(iso("Mar. 5, 2024"), ["2024-03-05"]);
        assert_eq!(iso("15-Mar-2024"), ["2024-03-15"]);
        assert_eq!(iso("开票日期：2024年03月15日"), ["2024-03-15"]);
        assert_eq!(iso("2024 年 3 月 5 日"), ["2024-03-05"]);
        assert_eq!(iso("二〇二四年三月十五日"), ["2024-03-15"]);
        assert_eq!(iso("二〇二三年十二月三十一日"), ["2023-12-31"]);
    }

    #[test]
    fn ambiguous_slashes_follow_the_order_unless_impossible() {
        assert_eq!(
            dates("03/04/2024", DateOrder::MonthFirst)[0]
                .value
                .to_string(),
            "2024-03-04"
        );
        assert_eq!(iso("03/04/2024"), ["2024-04-03"]);
        assert_eq!(
            dates("12/25/2024", DateOrder::DayFirst)[0]
                .value
                .to_string(),
            "2024-12-25"
        );
    }

    #[test]
    fn impossible_dates_and_mixed_separators_are_not_dates() {
        assert!(iso("2023-02-29 31.04.2024 2024年13月1日").is_empty());
        assert!(iso("12/05-2024").is_empty());
        assert_eq!(iso("2024-02-29"), ["2024-02-29"]);
    }

    #[test]
    fn spans_point_at_the_text() {
        let text = "Invoice date: 15 March 2024.";
        let found = &dates(text, DateOrder::DayFirst)[0];
        assert_eq!(&text[found.start..found.end], "15 March 2024");
    }

    proptest! {
        #[test]
        fn every_real_date_reads_back_in_every_form(
            y in 1000i32..=9999, m in 1u32..=12, d in 1u32..=31,
        ) {
            let Some(date) = Date::new(y, m, d) else {
                // 31 April and 29 February of common years: no date, and none may be found.
                let text = format!("{y}-{m:02}-{d:02}");
                prop_assert!(dates(&text, DateOrder::DayFirst).is_empty());
                return Ok(());
            };
            let (y, m, d) = (date.year, date.month, date.day);
            let month = ["January","February","March","April","May","June","July","August",
                "September","October","November","December"][m as usize - 1];
            for form in [
                format!("{y}-{m:02}-{d:02}"),
                format!("{d:02}.{m:02}.{y}"),
                format!("{y}年{m}月{d}日"),
                format!("{d} {month} {y}"),
                format!("{month} {d}, {y}"),
            ] {
                let found = dates(&format!("on {form} paid"), DateOrder::DayFirst);
                prop_assert_eq!(found.len(), 1, "{}", form);
                prop_assert_eq!(found[0].value, date, "{}", form);
            }
        }
    }
}
