//! Timestamps: parsing the forms real logs use into microseconds since the Unix epoch (UTC),
//! and formatting them back.
//!
//! pm4py converts every timestamp to UTC and treats a timestamp without an offset as UTC; the
//! parsers here do the same and report whether an offset was present, so importers can say
//! when they assumed UTC.

use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, Utc};

/// A parsed instant: microseconds since 1970-01-01T00:00:00Z and the offset it was written
/// with (`None` when the text had no offset and UTC was assumed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instant {
    pub micros: i64,
    pub offset_secs: Option<i32>,
}

impl Instant {
    /// The instant with the offset it was written in (UTC when it had none).
    pub fn to_datetime(self) -> Option<DateTime<FixedOffset>> {
        let offset = FixedOffset::east_opt(self.offset_secs.unwrap_or(0))?;
        let utc = DateTime::<Utc>::from_timestamp_micros(self.micros)?;
        Some(utc.with_timezone(&offset))
    }
}

pub fn micros_of(date: DateTime<FixedOffset>) -> i64 {
    date.timestamp_micros()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm), which is
/// what makes the hand-written ISO parser below fast.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = if year >= 0 { year } else { year - 399 } / 400;
    let year_of_era = year - era * 400;
    let month_index = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// `text.trim()`, without its Unicode scan when both ends are printable ASCII (every value
/// of a well-formed column, millions of times per import).
fn trim(text: &str) -> &str {
    let bytes = text.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// Days in `month` (1–12) of the proleptic Gregorian `year`.
fn days_in_month(year: i64, month: i64) -> i64 {
    const DAYS: [i64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    DAYS[(month - 1) as usize] + i64::from(month == 2 && leap)
}

fn digits(bytes: &[u8], at: usize, count: usize) -> Option<i64> {
    let slice = bytes.get(at..at + count)?;
    let mut value = 0i64;
    for &byte in slice {
        if !byte.is_ascii_digit() {
            return None;
        }
        value = value * 10 + i64::from(byte - b'0');
    }
    Some(value)
}

/// Parses ISO 8601 / RFC 3339 forms: `YYYY-MM-DD`, then optionally `T` or a space and
/// `HH:MM[:SS[.fraction]]`, then optionally `Z` or `±HH:MM` / `±HHMM` / `±HH`.
pub fn parse_iso(text: &str) -> Option<Instant> {
    let bytes = trim(text).as_bytes();
    let year = digits(bytes, 0, 4)?;
    if bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let month = digits(bytes, 5, 2)?;
    let day = digits(bytes, 8, 2)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    if day > days_in_month(year, month) {
        return None;
    }
    let mut at = 10;
    let (mut hour, mut minute, mut second, mut micros) = (0, 0, 0, 0i64);
    if matches!(bytes.get(at), Some(b'T' | b't' | b' ')) {
        hour = digits(bytes, at + 1, 2)?;
        if bytes.get(at + 3) != Some(&b':') {
            return None;
        }
        minute = digits(bytes, at + 4, 2)?;
        at += 6;
        if bytes.get(at) == Some(&b':') {
            second = digits(bytes, at + 1, 2)?;
            at += 3;
            if matches!(bytes.get(at), Some(b'.' | b',')) {
                at += 1;
                let start = at;
                let mut scale = 100_000i64;
                while let Some(byte) = bytes.get(at).filter(|byte| byte.is_ascii_digit()) {
                    micros += i64::from(byte - b'0') * scale;
                    scale /= 10;
                    at += 1;
                }
                if at == start {
                    return None;
                }
            }
        }
        if hour > 24 || minute > 59 || second > 60 {
            return None;
        }
    }
    let offset_secs = match bytes.get(at) {
        None => None,
        Some(b'Z' | b'z') if at + 1 == bytes.len() => Some(0),
        Some(&sign @ (b'+' | b'-')) => {
            let hours = digits(bytes, at + 1, 2)?;
            let rest = &bytes[at + 3..];
            let minutes = match rest {
                [] => 0,
                [b':', ..] if rest.len() == 3 => digits(rest, 1, 2)?,
                _ if rest.len() == 2 => digits(rest, 0, 2)?,
                _ => return None,
            };
            let total = (hours * 3600 + minutes * 60) as i32;
            Some(if sign == b'-' { -total } else { total })
        }
        Some(_) => return None,
    };
    let days = days_from_civil(year, month, day);
    let local_secs = days * 86_400 + hour * 3600 + minute * 60 + second;
    let utc_secs = local_secs - i64::from(offset_secs.unwrap_or(0));
    Some(Instant {
        micros: utc_secs * 1_000_000 + micros,
        offset_secs,
    })
}

/// How a CSV column writes its dates; detected from the first values or chosen by flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateStyle {
    Iso,
    /// `31/12/2024 13:45[:SS]` or with `.` / `-` separators.
    DayFirst,
    /// `12/31/2024 13:45[:SS]`.
    MonthFirst,
    /// Seconds since the epoch (fractional allowed); values above 1e11 are read as ms.
    Epoch,
}

/// Parses `text` in `style`; naive times are taken as UTC.
pub fn parse_with(text: &str, style: DateStyle) -> Option<Instant> {
    let text = trim(text);
    match style {
        DateStyle::Iso => parse_iso(text),
        DateStyle::Epoch => {
            let value: f64 = text.parse().ok()?;
            if !value.is_finite() {
                return None;
            }
            // Seconds up to year ~5138; larger numbers are millisecond epochs.
            let micros = if value.abs() >= 1e11 {
                value * 1_000.0
            } else {
                value * 1_000_000.0
            };
            Some(Instant {
                micros: micros.round() as i64,
                offset_secs: Some(0),
            })
        }
        DateStyle::DayFirst | DateStyle::MonthFirst => {
            let (date, rest) = text.split_once([' ', 'T']).unwrap_or((text, ""));
            let parts: Vec<&str> = date.split(['/', '.', '-']).collect();
            let [first, second, year] = parts.as_slice() else {
                return None;
            };
            let (day, month) = if style == DateStyle::DayFirst {
                (first, second)
            } else {
                (second, first)
            };
            let year: i64 = year.parse().ok()?;
            let year = if year < 100 { 2000 + year } else { year };
            let month: i64 = month.parse().ok()?;
            let day: i64 = day.parse().ok()?;
            let iso = format!("{year:04}-{month:02}-{day:02}");
            let rest = rest.trim();
            if rest.is_empty() {
                return parse_iso(&iso);
            }
            let (clock, zone) = split_zone(rest);
            let mut clock_parts = clock.splitn(2, ':');
            let hour: u32 = clock_parts.next()?.parse().ok()?;
            let tail = clock_parts.next()?;
            parse_iso(&format!("{iso}T{hour:02}:{tail}{zone}"))
        }
    }
}

fn split_zone(clock: &str) -> (&str, &str) {
    if let Some(stripped) = clock.strip_suffix('Z') {
        return (stripped, "Z");
    }
    match clock.rfind(['+', '-']) {
        Some(at) => (&clock[..at], &clock[at..]),
        None => (clock, ""),
    }
}

/// Guesses the style of a column from sample values: the first style that parses every
/// sample wins; day-first beats month-first when a first field exceeds 12.
pub fn detect_style<'a>(samples: impl Iterator<Item = &'a str> + Clone) -> Option<DateStyle> {
    let all = |style| {
        let mut seen = false;
        for sample in samples.clone() {
            if sample.trim().is_empty() {
                continue;
            }
            seen = true;
            if parse_with(sample, style).is_none() {
                return false;
            }
        }
        seen
    };
    [
        DateStyle::Iso,
        DateStyle::DayFirst,
        DateStyle::MonthFirst,
        DateStyle::Epoch,
    ]
    .into_iter()
    .find(|&style| all(style))
}

/// RFC 3339 with milliseconds, the form XES writers use.
pub fn format_rfc3339(date: DateTime<FixedOffset>) -> String {
    date.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Formats microseconds since the epoch with the given offset.
pub fn format_micros(micros: i64, offset_secs: i32) -> String {
    let offset = FixedOffset::east_opt(offset_secs).unwrap_or(Utc.fix());
    match DateTime::<Utc>::from_timestamp_micros(micros) {
        Some(utc) => format_rfc3339(utc.with_timezone(&offset)),
        None => micros.to_string(),
    }
}

/// Parses with chrono as a last resort, for forms the fast parser does not know.
pub fn parse_fallback(text: &str) -> Option<Instant> {
    if let Ok(date) = DateTime::parse_from_rfc3339(text.trim()) {
        return Some(Instant {
            micros: date.timestamp_micros(),
            offset_secs: Some(date.offset().local_minus_utc()),
        });
    }
    if let Ok(date) = DateTime::parse_from_rfc2822(text.trim()) {
        return Some(Instant {
            micros: date.timestamp_micros(),
            offset_secs: Some(date.offset().local_minus_utc()),
        });
    }
    NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .map(|naive| Instant {
            micros: naive.and_utc().timestamp_micros(),
            offset_secs: None,
        })
}

/// The ISO parser, then chrono.
pub fn parse_any(text: &str) -> Option<Instant> {
    parse_iso(text).or_else(|| parse_fallback(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn chrono_micros(text: &str) -> i64 {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp_micros()
    }

    #[test]
    fn month_ends_and_leap_days_agree_with_chrono() {
        for year in [1600, 1900, 1999, 2000, 2023, 2024, 2100] {
            for month in 1..=12 {
                for day in 27..=32 {
                    let text = format!("{year:04}-{month:02}-{day:02} \u{a0}");
                    assert_eq!(
                        parse_iso(&text).is_some(),
                        NaiveDate::from_ymd_opt(year, month, day).is_some(),
                        "{text}"
                    );
                }
            }
        }
    }

    #[test]
    fn iso_forms_agree_with_chrono() {
        for text in [
            "2010-12-30T14:32:00.000+01:00",
            "2011-10-11T13:45:40.276000+02:00",
            "2022-01-09T14:00:00Z",
            "1969-07-20T20:17:40.5-05:00",
            "2024-02-29T23:59:59.999999+14:00",
        ] {
            assert_eq!(
                parse_iso(text).unwrap().micros,
                chrono_micros(text),
                "{text}"
            );
        }
        let spaced = parse_iso("2010-12-30 14:32:00+01:00").unwrap();
        assert_eq!(spaced.micros, chrono_micros("2010-12-30T14:32:00+01:00"));
        assert_eq!(spaced.offset_secs, Some(3600));
    }

    #[test]
    fn naive_time_is_utc_and_flagged() {
        let naive = parse_iso("2022-01-09T15:00:00").unwrap();
        assert_eq!(naive.offset_secs, None);
        assert_eq!(naive.micros, chrono_micros("2022-01-09T15:00:00Z"));
    }

    #[test]
    fn bad_dates_are_refused() {
        for text in [
            "",
            "2010-13-01",
            "2010-02-30T00:00",
            "2010-12-30T14:32:00+1",
            "yesterday",
            "2010-12-30T14:32:00.+01:00",
        ] {
            assert!(parse_iso(text).is_none(), "{text}");
        }
    }

    #[test]
    fn day_first_month_first_and_epoch() {
        let day_first = parse_with("31/12/2024 13:45", DateStyle::DayFirst).unwrap();
        assert_eq!(day_first.micros, chrono_micros("2024-12-31T13:45:00Z"));
        let month_first = parse_with("12/31/2024 13:45:10", DateStyle::MonthFirst).unwrap();
        assert_eq!(month_first.micros, chrono_micros("2024-12-31T13:45:10Z"));
        let epoch = parse_with("1700000000", DateStyle::Epoch).unwrap();
        assert_eq!(epoch.micros, 1_700_000_000_000_000);
        let epoch_ms = parse_with("1700000000123", DateStyle::Epoch).unwrap();
        assert_eq!(epoch_ms.micros, 1_700_000_000_123_000);
        let samples = ["01/02/2024 10:00", "13/02/2024 10:00"];
        assert_eq!(
            detect_style(samples.iter().copied()),
            Some(DateStyle::DayFirst)
        );
    }
}
