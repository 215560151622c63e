//! Filters on real logs, checked against numbers in the pm4py references (variant counts,
//! activity counts, start/end activities, lifecycle counts).

mod common;

use flowbot_miner::Log;
use flowbot_miner::analysis::{Summary, Variants};
use flowbot_miner::filter::{Filter, TimeMode, apply_all};
use flowbot_miner::import::{ImportOptions, import_path};
use serde_json::Value as Json;

fn load(name: &str) -> (Log, Json) {
    let data = common::data_dir();
    let (log, _) = import_path(
        &data.join("logs").join(name),
        &ImportOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    let reference = serde_json::from_str(
        &std::fs::read_to_string(data.join("reference").join(format!("{name}.json"))).unwrap(),
    )
    .unwrap();
    (log, reference)
}

fn top_counts(reference: &Json) -> Vec<u64> {
    reference["variants"]["top50"]
        .as_array()
        .unwrap()
        .iter()
        .map(|variant| variant["count"].as_u64().unwrap())
        .collect()
}

#[test]
fn top_variants_keep_the_cases_of_the_k_most_frequent() {
    let (log, reference) = load("sepsis.xes.gz");
    let filtered = Filter::TopVariants(5).apply(&log).unwrap();
    let expected: u64 = top_counts(&reference)[..5].iter().sum();
    assert_eq!(filtered.num_cases() as u64, expected);
    let variants = Variants::of(&filtered);
    let kept: Vec<Vec<&str>> = variants
        .variants
        .iter()
        .map(|variant| Variants::names(&filtered, variant))
        .collect();
    let expected: Vec<Vec<&str>> = reference["variants"]["top50"].as_array().unwrap()[..5]
        .iter()
        .map(|variant| {
            variant["activities"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(kept, expected);
}

#[test]
fn variant_coverage_takes_the_shortest_prefix_reaching_the_share() {
    let (log, reference) = load("receipt.xes.gz");
    let counts = top_counts(&reference);
    let cases = reference["num_cases"].as_u64().unwrap() as f64;
    let mut covered = 0;
    for &count in &counts {
        covered += count;
        if covered as f64 >= 0.8 * cases {
            break;
        }
    }
    let filtered = Filter::VariantCoverage(80.0).apply(&log).unwrap();
    assert_eq!(filtered.num_cases() as u64, covered);
    assert!(Filter::VariantCoverage(101.0).apply(&log).is_err());
}

#[test]
fn activity_filters_match_the_activity_counts() {
    let (log, reference) = load("sepsis.xes.gz");
    let registrations = reference["activities"]["ER Registration"].as_u64().unwrap();
    let kept = Filter::KeepActivities(vec!["ER Registration".into()])
        .apply(&log)
        .unwrap();
    assert_eq!(kept.num_events() as u64, registrations);
    let dropped = Filter::DropActivities(vec!["ER Registration".into()])
        .apply(&log)
        .unwrap();
    assert_eq!(
        dropped.num_events() as u64,
        reference["num_events"].as_u64().unwrap() - registrations
    );
}

#[test]
fn start_and_end_filters_match_the_start_and_end_counts() {
    let (log, reference) = load("receipt.xes.gz");
    for (name, cases) in reference["start_activities"].as_object().unwrap() {
        let filtered = Filter::StartActivities(vec![name.clone()])
            .apply(&log)
            .unwrap();
        assert_eq!(
            filtered.num_cases() as u64,
            cases.as_u64().unwrap(),
            "start {name}"
        );
    }
    for (name, cases) in reference["end_activities"].as_object().unwrap() {
        let filtered = Filter::EndActivities(vec![name.clone()])
            .apply(&log)
            .unwrap();
        assert_eq!(
            filtered.num_cases() as u64,
            cases.as_u64().unwrap(),
            "end {name}"
        );
    }
}

#[test]
fn lifecycle_filter_keeps_only_complete_events() {
    let (log, reference) = load("repairExample.xes.gz");
    let filtered = Filter::Lifecycle("complete".into()).apply(&log).unwrap();
    assert_eq!(
        filtered.num_events() as u64,
        reference["import"]["lifecycle_transition_counts"]["complete"]
            .as_u64()
            .unwrap()
    );
}

#[test]
fn case_duration_bounds_and_time_windows() {
    let (log, reference) = load("roadtraffic100traces.xes");
    let durations = &reference["case_durations"];
    let all = Filter::CaseDuration {
        min_s: durations["min"].as_f64(),
        max_s: durations["max"].as_f64(),
    }
    .apply(&log)
    .unwrap();
    assert_eq!(all.num_cases(), log.num_cases());
    let longest = Filter::CaseDuration {
        min_s: durations["max"].as_f64(),
        max_s: None,
    }
    .apply(&log)
    .unwrap();
    assert!(longest.num_cases() >= 1 && longest.num_cases() < log.num_cases());

    let from = flowbot_miner::time::parse_iso("2006-01-01T00:00:00Z")
        .unwrap()
        .micros;
    let to = flowbot_miner::time::parse_iso("2008-01-01T00:00:00Z")
        .unwrap()
        .micros;
    let window = |mode| {
        apply_all(
            log.clone(),
            &[Filter::TimeRange {
                from: Some(from),
                to: Some(to),
                mode,
            }],
        )
        .unwrap()
    };
    let contained = window(TimeMode::Contained);
    let intersecting = window(TimeMode::Intersecting);
    let events = window(TimeMode::Events);
    assert!(contained.num_cases() <= intersecting.num_cases());
    assert!(contained.num_cases() > 0);
    for case in 0..contained.num_cases() {
        let times = contained.case_times(case);
        assert!(times[0] >= from && times[times.len() - 1] <= to);
    }
    assert!(
        events
            .time_column()
            .iter()
            .all(|time| (from..=to).contains(time))
    );
    assert_eq!(events.num_cases(), intersecting.num_cases());
}

#[test]
fn attribute_filters() {
    let (log, _) = load("running-example.xes");
    let creator = Filter::CaseAttribute {
        key: "creator".into(),
        values: vec!["Fluxicon Nitro".into()],
    }
    .apply(&log)
    .unwrap();
    assert_eq!(creator.num_cases(), 6);
    let pete_events = (0..log.num_events())
        .filter(|&event| log.resource(event) == Some("Pete"))
        .count();
    assert!(pete_events > 0);
    let pete = Filter::EventAttribute {
        key: "org:resource".into(),
        values: vec!["Pete".into()],
    }
    .apply(&log)
    .unwrap();
    assert_eq!(pete.num_events(), pete_events);
    let cases_with_pete = Filter::CaseAttribute {
        key: "org:resource".into(),
        values: vec!["Pete".into()],
    }
    .apply(&log)
    .unwrap();
    assert!(cases_with_pete.num_cases() < 6 && cases_with_pete.num_cases() > 0);
}

#[test]
fn activity_percent_keeps_the_most_frequent_activities() {
    let (log, reference) = load("running-example.xes");
    let filtered = Filter::ActivityPercent(50.0).apply(&log).unwrap();
    let mut ranked: Vec<(i64, String)> = reference["activities"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, count)| (-count.as_i64().unwrap(), name.clone()))
        .collect();
    ranked.sort();
    let expected: Vec<String> = ranked
        .into_iter()
        .take(4)
        .map(|(_, name)| name)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let kept: Vec<String> = Summary::of(&filtered).activities.keys().cloned().collect();
    assert_eq!(kept, expected);
}
