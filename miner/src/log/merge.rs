//! Appending one builder's events to another's, for importers that read parts of a file on
//! several threads.

use crate::intern::{Interner, Sym};
use crate::value::Attribute;

use super::{Log, LogBuilder, NONE};

impl LogBuilder {
    /// Appends `other`'s events after this builder's, as if they had been pushed here in
    /// their order. Cases this builder already has keep their attributes (the first row of a
    /// case wins, as in one reader); new cases follow in `other`'s first-seen order. Log-level
    /// metadata of `other` is not taken. Every string of `other` joins this string table,
    /// including any only its dropped case attributes used.
    pub fn append(&mut self, other: LogBuilder) {
        let LogBuilder {
            log: theirs,
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

        let before = self.event_case.len();
        let added = event_case.len();
        let LogBuilder {
            log: ours,
            case_index,
            last_case,
            event_case: our_event_case,
            times: our_times,
            any_start_time: our_any_start_time,
            start_times: our_start_times,
        } = self;
        *last_case = None;
        let Log {
            case_ids: our_case_ids,
            case_attributes: our_case_attributes,
            activity: our_activity,
            time_offset: our_time_offset,
            lifecycle: our_lifecycle,
            resource: our_resource,
            event_attributes: our_event_attributes,
            ..
        } = ours;
        let Log {
            case_ids,
            case_attributes,
            activity,
            time_offset,
            lifecycle,
            resource,
            event_attributes,
            ..
        } = theirs;
        // Cases here, event columns on a second thread: they touch different memory.
        std::thread::scope(|scope| {
            scope.spawn(|| {
                our_activity.extend(activity.into_iter().map(|sym| activities[sym as usize]));
                our_times.extend(times);
                our_time_offset.extend(time_offset);
                our_lifecycle.extend(lifecycle.into_iter().map(&string));
                our_resource.extend(resource.into_iter().map(&string));
                if any_start_time && !*our_any_start_time {
                    *our_any_start_time = true;
                    *our_start_times = vec![None; before];
                }
                if *our_any_start_time {
                    if any_start_time {
                        our_start_times.extend(start_times);
                    } else {
                        our_start_times.resize(before + added, None);
                    }
                }
                our_event_attributes.append(before, event_attributes, added, &string);
            });
            let cases: Vec<u32> = case_ids
                .into_iter()
                .zip(case_attributes)
                .map(|(id, mut attributes)| {
                    if let Some(case) = case_index.get(our_case_ids, &id) {
                        return case;
                    }
                    let case = our_case_ids.len() as u32;
                    Attribute::remap_symbols(&mut attributes, &string);
                    our_case_attributes.push(attributes);
                    our_case_ids.push(id);
                    case_index.insert(our_case_ids, case);
                    case
                })
                .collect();
            our_event_case.extend(event_case.into_iter().map(|case| cases[case as usize]));
        });
    }
}

/// For each symbol of `theirs`, the same text's symbol in `ours` (added when missing).
fn remap_table(ours: &mut Interner, theirs: &Interner) -> Vec<Sym> {
    theirs.iter().map(|(_, text)| ours.intern(text)).collect()
}
