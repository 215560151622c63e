//! Appending one builder's events to another's, for importers that read parts of a file on
//! several threads.

use crate::intern::{Interner, Sym};
use crate::value::Attribute;

use super::{LogBuilder, NONE};

impl LogBuilder {
    /// Appends `other`'s events after this builder's, as if they had been pushed here in
    /// their order. Cases this builder already has keep their attributes (the first row of a
    /// case wins, as in one reader); new cases follow in `other`'s first-seen order. Log-level
    /// metadata of `other` is not taken.
    pub fn append(&mut self, other: LogBuilder) {
        let LogBuilder {
            log: mut theirs,
            case_index,
            last_case: _,
            event_case,
            times,
            any_start_time,
            start_times,
        } = other;
        // Each of `other`'s columns is freed once copied, so the two never both peak.
        drop(case_index);
        let activities = remap_table(&mut self.log.activities, &theirs.activities);
        let strings = remap_table(&mut self.log.strings, &theirs.strings);
        let string = |sym: Sym| {
            if sym == NONE {
                NONE
            } else {
                strings[sym as usize]
            }
        };

        let case_ids = std::mem::take(&mut theirs.case_ids);
        let case_attributes = std::mem::take(&mut theirs.case_attributes);
        let cases: Vec<u32> = case_ids
            .into_iter()
            .zip(case_attributes)
            .map(|(id, mut attributes)| {
                if let Some(case) = self.case_index.get(&self.log.case_ids, &id) {
                    return case;
                }
                let case = self.log.case_ids.len() as u32;
                Attribute::remap_symbols(&mut attributes, &string);
                self.log.case_attributes.push(attributes);
                self.log.case_ids.push(id);
                self.case_index.insert(&self.log.case_ids, case);
                case
            })
            .collect();
        self.last_case = None;

        let before = self.event_case.len();
        let added = event_case.len();
        self.event_case
            .extend(event_case.into_iter().map(|case| cases[case as usize]));
        self.log.activity.extend(
            std::mem::take(&mut theirs.activity)
                .into_iter()
                .map(|sym| activities[sym as usize]),
        );
        self.times.extend(times);
        self.log
            .time_offset
            .extend(std::mem::take(&mut theirs.time_offset));
        self.log.lifecycle.extend(
            std::mem::take(&mut theirs.lifecycle)
                .into_iter()
                .map(&string),
        );
        self.log.resource.extend(
            std::mem::take(&mut theirs.resource)
                .into_iter()
                .map(&string),
        );
        if any_start_time && !self.any_start_time {
            self.any_start_time = true;
            self.start_times = vec![None; before];
        }
        if self.any_start_time {
            if any_start_time {
                self.start_times.extend(start_times);
            } else {
                self.start_times.resize(before + added, None);
            }
        }
        self.log
            .event_attributes
            .append(before, theirs.event_attributes, added, &string);
    }
}

/// For each symbol of `theirs`, the same text's symbol in `ours` (added when missing).
fn remap_table(ours: &mut Interner, theirs: &Interner) -> Vec<Sym> {
    theirs.iter().map(|(_, text)| ours.intern(text)).collect()
}
