//! Cron schedules in a time zone, with a business calendar: when a schedule fires.
//!
//! Expressions take the usual five fields (`min hour day month weekday`) or the `cron` crate's
//! six or seven (with seconds, and year). Times are computed on the zone's wall clock, so
//! "09:00 Europe/Zurich" stays 09:00 across daylight-saving changes.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// At most this many catch-up runs are queued after downtime under `run_all`.
pub const MAX_CATCH_UP: usize = 100;

#[derive(Debug, Clone)]
pub struct CompiledSchedule {
    cron: cron::Schedule,
    zone: Tz,
}

impl CompiledSchedule {
    /// Parse `expression` in `timezone`; the error names the field that is wrong.
    pub fn parse(expression: &str, timezone: &str) -> Result<Self, String> {
        let fields = expression.split_whitespace().count();
        let full = match fields {
            5 => format!("0 {expression}"),
            6 | 7 => expression.to_owned(),
            _ => {
                return Err(format!(
                    "cron {expression:?}: expected 5 fields (min hour day month weekday), or 6-7 with seconds and year; found {fields}"
                ));
            }
        };
        let cron = cron::Schedule::from_str(&full)
            .map_err(|error| format!("cron {expression:?}: {error}"))?;
        let zone = Tz::from_str(timezone).map_err(|_| {
            format!("timezone {timezone:?}: not an IANA zone name such as Europe/Zurich or UTC")
        })?;
        Ok(Self { cron, zone })
    }

    /// The first fire time strictly after `after` that is not on a skipped date.
    pub fn next_after(
        &self,
        after: DateTime<Utc>,
        skip_dates: &[NaiveDate],
    ) -> Option<DateTime<Utc>> {
        self.cron
            .after(&after.with_timezone(&self.zone))
            .find(|time| !skip_dates.contains(&time.date_naive()))
            .map(|time| time.with_timezone(&Utc))
    }

    /// Fire times in `[from, to]`, skipped dates left out, at most `limit` of them (the latest).
    pub fn fire_times(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        skip_dates: &[NaiveDate],
        limit: usize,
    ) -> Vec<DateTime<Utc>> {
        let mut times = Vec::new();
        let just_before = from - chrono::Duration::milliseconds(1);
        for time in self.cron.after(&just_before.with_timezone(&self.zone)) {
            let utc = time.with_timezone(&Utc);
            if utc > to {
                break;
            }
            if !skip_dates.contains(&time.date_naive()) {
                times.push(utc);
                if times.len() > limit {
                    times.remove(0);
                }
            }
        }
        times
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn wall_clock_time_holds_across_daylight_saving() {
        let schedule = CompiledSchedule::parse("0 9 * * Mon-Fri", "Europe/Zurich").unwrap();
        // Friday 2026-03-27 is CET (+01:00); Monday 2026-03-30 is CEST (+02:00).
        assert_eq!(
            schedule.next_after(utc("2026-03-27T07:00:00Z"), &[]),
            Some(utc("2026-03-27T08:00:00Z"))
        );
        assert_eq!(
            schedule.next_after(utc("2026-03-27T08:00:00Z"), &[]),
            Some(utc("2026-03-30T07:00:00Z"))
        );
    }

    #[test]
    fn holidays_are_skipped() {
        let schedule = CompiledSchedule::parse("0 9 * * Mon-Fri", "UTC").unwrap();
        let christmas = NaiveDate::from_ymd_opt(2026, 12, 25).unwrap();
        assert_eq!(
            schedule.next_after(utc("2026-12-24T10:00:00Z"), &[christmas]),
            Some(utc("2026-12-28T09:00:00Z"))
        );
        let times = schedule.fire_times(
            utc("2026-12-24T00:00:00Z"),
            utc("2026-12-29T00:00:00Z"),
            &[christmas],
            10,
        );
        assert_eq!(
            times,
            vec![utc("2026-12-24T09:00:00Z"), utc("2026-12-28T09:00:00Z")]
        );
    }

    #[test]
    fn fire_times_keep_the_latest_when_capped() {
        let schedule = CompiledSchedule::parse("0 * * * *", "UTC").unwrap();
        let times = schedule.fire_times(
            utc("2026-01-01T00:00:00Z"),
            utc("2026-01-01T05:00:00Z"),
            &[],
            2,
        );
        assert_eq!(
            times,
            vec![utc("2026-01-01T04:00:00Z"), utc("2026-01-01T05:00:00Z")]
        );
    }

    #[test]
    fn bad_expressions_and_zones_name_the_field() {
        assert!(
            CompiledSchedule::parse("0 9 * *", "UTC")
                .unwrap_err()
                .starts_with("cron \"0 9 * *\": expected 5 fields")
        );
        assert!(
            CompiledSchedule::parse("0 25 * * *", "UTC")
                .unwrap_err()
                .starts_with("cron \"0 25 * * *\"")
        );
        assert!(
            CompiledSchedule::parse("0 9 * * *", "Mars/Olympus")
                .unwrap_err()
                .starts_with("timezone \"Mars/Olympus\"")
        );
    }
}
