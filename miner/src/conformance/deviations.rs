//! The deviations report: from optimal alignments, which activities the cases skip (visible
//! model moves: the model needed the step, the case does not have it) or insert (log moves: the
//! case has a step the model does not allow there), how often, in how many cases and in which
//! variants. Optimal alignments need not be unique; the report describes the ones
//! [`super::alignments`] found.

use std::collections::BTreeMap;

use super::alignments::{LogAlignment, Move};
use crate::log::Log;

/// Deviations of one activity within one variant.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VariantDeviation {
    pub variant: Vec<String>,
    /// Cases of this variant (all of them deviate alike: one alignment per variant).
    pub cases: u64,
    /// Per case of the variant.
    pub skipped: u64,
    pub inserted: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ActivityDeviations {
    pub activity: String,
    /// Times the activity was skipped, over all cases.
    pub skipped: u64,
    /// Times it was inserted, over all cases.
    pub inserted: u64,
    /// Cases where it was skipped or inserted at least once.
    pub cases: u64,
    /// Most affected cases first.
    pub variants: Vec<VariantDeviation>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeviationReport {
    /// Cases with an alignment (cut-off cases are left out).
    pub aligned_cases: u64,
    /// Cases with at least one skipped or inserted activity.
    pub deviating_cases: u64,
    /// Most deviations first, then by name.
    pub activities: Vec<ActivityDeviations>,
}

/// Variant → (cases, skipped per case, inserted per case), for one activity.
type PerVariant = BTreeMap<Vec<String>, (u64, u64, u64)>;

/// Counts per (activity, variant) from the alignment of each case.
pub fn report(log: &Log, aligned: &LogAlignment) -> DeviationReport {
    let mut found: BTreeMap<String, PerVariant> = BTreeMap::new();
    let (mut aligned_cases, mut deviating_cases) = (0, 0);
    for (case, alignment) in aligned.traces.iter().enumerate() {
        let Some(alignment) = alignment else { continue };
        aligned_cases += 1;
        let mut here: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        for step in &alignment.moves {
            match step {
                Move::Model {
                    activity: Some(activity),
                } => here.entry(activity).or_default().0 += 1,
                Move::Log { activity } => here.entry(activity).or_default().1 += 1,
                _ => {}
            }
        }
        if here.is_empty() {
            continue;
        }
        deviating_cases += 1;
        let variant: Vec<String> = log
            .case_activities(case)
            .iter()
            .map(|&a| log.activity_name(a).to_string())
            .collect();
        for (activity, (skipped, inserted)) in here {
            let entry = found
                .entry(activity.to_string())
                .or_default()
                .entry(variant.clone())
                .or_insert((0, skipped, inserted));
            entry.0 += 1;
        }
    }
    let mut activities: Vec<ActivityDeviations> = found
        .into_iter()
        .map(|(activity, variants)| {
            let mut variants: Vec<VariantDeviation> = variants
                .into_iter()
                .map(|(variant, (cases, skipped, inserted))| VariantDeviation {
                    variant,
                    cases,
                    skipped,
                    inserted,
                })
                .collect();
            variants.sort_by(|a, b| {
                b.cases
                    .cmp(&a.cases)
                    .then_with(|| a.variant.cmp(&b.variant))
            });
            ActivityDeviations {
                skipped: variants.iter().map(|v| v.cases * v.skipped).sum(),
                inserted: variants.iter().map(|v| v.cases * v.inserted).sum(),
                cases: variants.iter().map(|v| v.cases).sum(),
                activity,
                variants,
            }
        })
        .collect();
    activities.sort_by(|a, b| {
        (b.skipped + b.inserted)
            .cmp(&(a.skipped + a.inserted))
            .then_with(|| a.activity.cmp(&b.activity))
    });
    DeviationReport {
        aligned_cases,
        deviating_cases,
        activities,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::conformance::alignments;
    use crate::discovery::{Operator, ProcessTree};
    use crate::log::LogBuilder;
    use crate::petri::from_tree;

    fn log_of(traces: &[&[&str]]) -> Log {
        let mut builder = LogBuilder::new();
        for (i, trace) in traces.iter().enumerate() {
            let case = builder.case(&format!("c{i}"));
            for (position, activity) in trace.iter().enumerate() {
                let activity = builder.activities().intern(activity);
                let event = crate::log::NewEvent {
                    activity,
                    time: Some(position as i64),
                    ..Default::default()
                };
                builder.push(case, event);
            }
        }
        builder.finish()
    }

    #[test]
    fn skipped_and_inserted_steps_are_counted_per_activity_and_variant() {
        // Model a → b → c; every case has one alignment, and it is unique here.
        let activities = ["a", "b", "c"].map(|a| ProcessTree::Activity(a.into()));
        let tree = ProcessTree::node(Operator::Sequence, activities.to_vec());
        let net = from_tree::convert(&tree);
        let log = log_of(&[
            &["a", "c"],
            &["a", "c"],
            &["a", "b", "x", "c"],
            &["a", "b", "c"],
        ]);
        let aligned = alignments::align_log(&log, &net, Duration::from_secs(10));
        let report = report(&log, &aligned);
        assert_eq!((report.aligned_cases, report.deviating_cases), (4, 3));
        let by_name: BTreeMap<&str, &ActivityDeviations> = report
            .activities
            .iter()
            .map(|a| (a.activity.as_str(), a))
            .collect();
        assert_eq!(by_name.keys().copied().collect::<Vec<_>>(), ["b", "x"]);
        assert_eq!(
            (
                by_name["b"].skipped,
                by_name["b"].inserted,
                by_name["b"].cases
            ),
            (2, 0, 2)
        );
        assert_eq!(by_name["b"].variants[0].variant, ["a", "c"]);
        assert_eq!(
            (
                by_name["x"].skipped,
                by_name["x"].inserted,
                by_name["x"].cases
            ),
            (0, 1, 1)
        );
        assert_eq!(report.activities[0].activity, "b");
    }
}
