//! Filters that narrow a log before analysis. Each returns a new [`Log`]; event order is kept,
//! so a filtered log is still sorted. Filters apply in the order given.

use std::collections::HashSet;

use crate::analysis::Variants;
use crate::analysis::summary::case_durations_micros;
use crate::intern::Sym;
use crate::log::Log;

/// How a time window selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeMode {
    /// Cases that start and end inside the window.
    Contained,
    /// Cases with any part inside the window.
    Intersecting,
    /// Only the events inside the window (cases are trimmed).
    Events,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Microseconds since the epoch; either bound may be open.
    TimeRange {
        from: Option<i64>,
        to: Option<i64>,
        mode: TimeMode,
    },
    /// Keep only events of these activities.
    KeepActivities(Vec<String>),
    /// Remove events of these activities.
    DropActivities(Vec<String>),
    /// Keep the cases of the `k` most frequent variants.
    TopVariants(usize),
    /// Keep the most frequent variants until they cover this share (0–100) of the cases.
    VariantCoverage(f64),
    /// Keep cases whose duration (seconds) is within the bounds.
    CaseDuration {
        min_s: Option<f64>,
        max_s: Option<f64>,
    },
    StartActivities(Vec<String>),
    EndActivities(Vec<String>),
    /// Keep cases with the attribute on the case or on any of its events, with one of the values.
    CaseAttribute {
        key: String,
        values: Vec<String>,
    },
    /// Keep only the events whose attribute has one of the values.
    EventAttribute {
        key: String,
        values: Vec<String>,
    },
    /// Keep only events with this lifecycle transition (case-insensitive), e.g. `complete`;
    /// events without a lifecycle are kept.
    Lifecycle(String),
    /// Disco-style activity slider: keep the most frequent activities, as a share (0–100) of
    /// the distinct activities (at least one).
    ActivityPercent(f64),
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FilterError {
    #[error("{what} must be between 0 and 100, not {value}")]
    Percent { what: &'static str, value: f64 },
    #[error("--top-variants must be at least 1")]
    ZeroVariants,
}

fn activity_set(log: &Log, names: &[String]) -> HashSet<Sym> {
    names
        .iter()
        .filter_map(|name| log.activities.get(name))
        .collect()
}

/// The value of `key` on an event as text: the standard columns first, then attributes.
pub fn event_value(log: &Log, event: usize, key: &str) -> Option<String> {
    match key {
        "concept:name" => return Some(log.activity_name(log.activity(event)).to_owned()),
        "org:resource" => return log.resource(event).map(str::to_owned),
        "lifecycle:transition" => return log.lifecycle(event).map(str::to_owned),
        _ => {}
    }
    let key = log.strings.get(key)?;
    log.event_attribute(event, key)
        .map(|value| value.display(&log.strings))
}

fn case_value(log: &Log, case: usize, key: &str) -> Option<String> {
    if key == "concept:name" || key == "case:concept:name" {
        return Some(log.case_id(case).to_owned());
    }
    let key = log.strings.get(key.strip_prefix("case:").unwrap_or(key))?;
    log.case_attributes(case)
        .iter()
        .find(|attribute| attribute.key == key)
        .map(|attribute| attribute.value.display(&log.strings))
}

fn check_percent(what: &'static str, value: f64) -> Result<(), FilterError> {
    if (0.0..=100.0).contains(&value) {
        Ok(())
    } else {
        Err(FilterError::Percent { what, value })
    }
}

impl Filter {
    pub fn apply(&self, log: &Log) -> Result<Log, FilterError> {
        Ok(match self {
            Filter::TimeRange { from, to, mode } => {
                let from = from.unwrap_or(i64::MIN);
                let to = to.unwrap_or(i64::MAX);
                match mode {
                    TimeMode::Events => {
                        log.retain_events(|event| (from..=to).contains(&log.time(event)))
                    }
                    TimeMode::Contained | TimeMode::Intersecting => log.retain_cases(|case| {
                        let times = log.case_times(case);
                        let (first, last) = (times[0], times[times.len() - 1]);
                        if *mode == TimeMode::Contained {
                            first >= from && last <= to
                        } else {
                            first <= to && last >= from
                        }
                    }),
                }
            }
            Filter::KeepActivities(names) => {
                let keep = activity_set(log, names);
                log.retain_events(|event| keep.contains(&log.activity(event)))
            }
            Filter::DropActivities(names) => {
                let drop = activity_set(log, names);
                log.retain_events(|event| !drop.contains(&log.activity(event)))
            }
            Filter::TopVariants(k) => {
                if *k == 0 {
                    return Err(FilterError::ZeroVariants);
                }
                let variants = Variants::of(log);
                let keep = case_mask(log, variants.variants.iter().take(*k));
                log.retain_cases(|case| keep[case])
            }
            Filter::VariantCoverage(percent) => {
                check_percent("--variant-coverage", *percent)?;
                let variants = Variants::of(log);
                let target = percent / 100.0 * log.num_cases() as f64;
                let mut covered = 0u64;
                let chosen = variants.variants.iter().take_while(|variant| {
                    let take = (covered as f64) < target;
                    covered += variant.count;
                    take
                });
                let keep = case_mask(log, chosen);
                log.retain_cases(|case| keep[case])
            }
            Filter::CaseDuration { min_s, max_s } => {
                let durations = case_durations_micros(log);
                log.retain_cases(|case| {
                    let seconds = durations[case] as f64 / 1e6;
                    min_s.is_none_or(|min| seconds >= min) && max_s.is_none_or(|max| seconds <= max)
                })
            }
            Filter::StartActivities(names) => {
                let keep = activity_set(log, names);
                log.retain_cases(|case| keep.contains(&log.case_activities(case)[0]))
            }
            Filter::EndActivities(names) => {
                let keep = activity_set(log, names);
                log.retain_cases(|case| {
                    let trace = log.case_activities(case);
                    keep.contains(&trace[trace.len() - 1])
                })
            }
            Filter::CaseAttribute { key, values } => log.retain_cases(|case| {
                let matches =
                    |value: Option<String>| value.is_some_and(|value| values.contains(&value));
                matches(case_value(log, case, key))
                    || log
                        .case_range(case)
                        .any(|event| matches(event_value(log, event, key)))
            }),
            Filter::EventAttribute { key, values } => log.retain_events(|event| {
                event_value(log, event, key).is_some_and(|value| values.contains(&value))
            }),
            Filter::Lifecycle(wanted) => log.retain_events(|event| {
                log.lifecycle(event)
                    .is_none_or(|lifecycle| lifecycle.eq_ignore_ascii_case(wanted))
            }),
            Filter::ActivityPercent(percent) => {
                check_percent("--activities-percent", *percent)?;
                let mut counts = vec![0u64; log.activities.len()];
                for &activity in log.activity_column() {
                    counts[activity as usize] += 1;
                }
                let mut ranked: Vec<(u64, &str, Sym)> = counts
                    .iter()
                    .enumerate()
                    .filter(|(_, count)| **count > 0)
                    .map(|(activity, &count)| {
                        (count, log.activity_name(activity as Sym), activity as Sym)
                    })
                    .collect();
                ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
                let keep_count = ((percent / 100.0 * ranked.len() as f64).ceil() as usize).max(1);
                let keep: HashSet<Sym> = ranked
                    .iter()
                    .take(keep_count)
                    .map(|entry| entry.2)
                    .collect();
                log.retain_events(|event| keep.contains(&log.activity(event)))
            }
        })
    }
}

fn case_mask<'a>(
    log: &Log,
    variants: impl Iterator<Item = &'a crate::analysis::Variant>,
) -> Vec<bool> {
    let mut keep = vec![false; log.num_cases()];
    for variant in variants {
        for &case in &variant.cases {
            keep[case] = true;
        }
    }
    keep
}

/// Applies `filters` in order.
pub fn apply_all(log: Log, filters: &[Filter]) -> Result<Log, FilterError> {
    let mut log = log;
    for filter in filters {
        log = filter.apply(&log)?;
    }
    Ok(log)
}

/// Parses durations such as `5d`, `36h`, `1d12h`, `90m`, `30s`, `2w` or a plain number of
/// seconds, into seconds.
pub fn parse_duration(text: &str) -> Option<f64> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then_some(seconds);
    }
    let mut total = 0.0;
    let mut number = String::new();
    let mut any = false;
    for character in text.chars() {
        if character.is_ascii_digit() || character == '.' {
            number.push(character);
            continue;
        }
        let unit = match character {
            'w' => 604_800.0,
            'd' => 86_400.0,
            'h' => 3_600.0,
            'm' => 60.0,
            's' => 1.0,
            ' ' => continue,
            _ => return None,
        };
        let value: f64 = number.parse().ok()?;
        total += value * unit;
        number.clear();
        any = true;
    }
    (any && number.is_empty()).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("5d"), Some(432_000.0));
        assert_eq!(parse_duration("1d12h"), Some(129_600.0));
        assert_eq!(parse_duration("90m"), Some(5_400.0));
        assert_eq!(parse_duration("42"), Some(42.0));
        assert_eq!(parse_duration("1.5h"), Some(5_400.0));
        assert_eq!(parse_duration("5x"), None);
        assert_eq!(parse_duration("5"), Some(5.0));
        assert_eq!(parse_duration("d"), None);
        assert_eq!(parse_duration("3d4"), None);
    }
}
