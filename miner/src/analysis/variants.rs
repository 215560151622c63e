//! Variants: the distinct activity sequences of the cases, with how many cases follow each.

use rustc_hash::FxHashMap as HashMap;

use crate::intern::Sym;
use crate::log::Log;

#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub activities: Vec<Sym>,
    pub count: u64,
    /// Indices of the cases following it, in case order.
    pub cases: Vec<usize>,
}

/// Sorted by count, descending, then by the activity names' sequence (pm4py's oracle order).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Variants {
    pub variants: Vec<Variant>,
}

impl Variants {
    pub fn of(log: &Log) -> Variants {
        let mut index: HashMap<&[Sym], usize> = HashMap::default();
        let mut variants: Vec<Variant> = Vec::new();
        for case in 0..log.num_cases() {
            let trace = log.case_activities(case);
            let slot = *index.entry(trace).or_insert_with(|| {
                variants.push(Variant {
                    activities: trace.to_vec(),
                    count: 0,
                    cases: Vec::new(),
                });
                variants.len() - 1
            });
            variants[slot].count += 1;
            variants[slot].cases.push(case);
        }
        // Comparing name ranks equals comparing the names, without touching strings.
        let rank = name_ranks(log);
        let mut keyed: Vec<(Vec<u32>, Variant)> = variants
            .into_iter()
            .map(|variant| {
                let ranks = variant
                    .activities
                    .iter()
                    .map(|&activity| rank[activity as usize])
                    .collect();
                (ranks, variant)
            })
            .collect();
        keyed.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(&b.0)));
        let variants = keyed.into_iter().map(|(_, variant)| variant).collect();
        Variants { variants }
    }

    pub fn names<'a>(log: &'a Log, variant: &Variant) -> Vec<&'a str> {
        variant
            .activities
            .iter()
            .map(|&activity| log.activity_name(activity))
            .collect()
    }
}

/// For each activity id, its position among the activity names in sorted order.
pub fn name_ranks(log: &Log) -> Vec<u32> {
    let mut order: Vec<(&str, Sym)> = log
        .activities
        .iter()
        .map(|(sym, name)| (name, sym))
        .collect();
    order.sort_unstable();
    let mut rank = vec![0u32; order.len()];
    for (position, (_, sym)) in order.into_iter().enumerate() {
        rank[sym as usize] = position as u32;
    }
    rank
}
