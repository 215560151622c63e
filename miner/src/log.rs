//! The columnar, interned in-memory event log.
//!
//! Events are stored column by column (activity id, UTC microseconds, ...) and grouped by
//! case: the events of case `c` are `case_offsets[c]..case_offsets[c + 1]`. Within a case they
//! are stably sorted by timestamp, ties keeping file order — exactly the order pm4py's
//! `format_dataframe` produces, which every statistic depends on (Sepsis has 7,526 tie events).

use std::ops::Range;

use crate::attribute_store::AttributeStore;
use crate::intern::{Interner, Sym};
use crate::value::{Attribute, Value};

mod case_index;
mod merge;

use case_index::CaseIndex;

/// "No value" in the interned optional columns (lifecycle, resource).
pub const NONE: Sym = Sym::MAX;

/// A timestamp the source did not have, while the builder collects events (no real log
/// reaches 290,000 years before the epoch).
const MISSING_TIME: i64 = i64::MIN;

/// Log-level information that only matters for faithful export (XES header).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogMeta {
    pub attributes: Vec<Attribute>,
    pub extensions: Vec<Extension>,
    /// (scope, default attributes) for XES `<global>` elements.
    pub globals: Vec<(String, Vec<Attribute>)>,
    /// (name, keys) for XES `<classifier>` elements.
    pub classifiers: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub name: String,
    pub prefix: String,
    pub uri: String,
}

#[derive(Debug, Clone, Default)]
pub struct Log {
    pub activities: Interner,
    /// Attribute keys, string values, lifecycles and resources.
    pub strings: Interner,
    pub meta: LogMeta,
    case_ids: Vec<Box<str>>,
    case_offsets: Vec<u32>,
    case_attributes: Vec<Vec<Attribute>>,
    activity: Vec<Sym>,
    time: Vec<i64>,
    time_offset: Vec<i32>,
    start_time: Option<Vec<Option<i64>>>,
    lifecycle: Vec<Sym>,
    resource: Vec<Sym>,
    event_attributes: AttributeStore,
}

impl Log {
    pub fn num_cases(&self) -> usize {
        self.case_ids.len()
    }

    pub fn num_events(&self) -> usize {
        self.activity.len()
    }

    pub fn case_range(&self, case: usize) -> Range<usize> {
        self.case_offsets[case] as usize..self.case_offsets[case + 1] as usize
    }

    pub fn case_id(&self, case: usize) -> &str {
        &self.case_ids[case]
    }

    pub fn case_attributes(&self, case: usize) -> &[Attribute] {
        &self.case_attributes[case]
    }

    /// The activity ids of one case, in event order.
    pub fn case_activities(&self, case: usize) -> &[Sym] {
        &self.activity[self.case_range(case)]
    }

    /// The UTC microsecond timestamps of one case, in event order (non-decreasing).
    pub fn case_times(&self, case: usize) -> &[i64] {
        &self.time[self.case_range(case)]
    }

    pub fn activity_column(&self) -> &[Sym] {
        &self.activity
    }

    pub fn time_column(&self) -> &[i64] {
        &self.time
    }

    pub fn activity_name(&self, activity: Sym) -> &str {
        self.activities.resolve(activity)
    }

    pub fn activity(&self, event: usize) -> Sym {
        self.activity[event]
    }

    pub fn time(&self, event: usize) -> i64 {
        self.time[event]
    }

    /// The UTC offset, in seconds, the event's timestamp was written with.
    pub fn time_offset(&self, event: usize) -> i32 {
        self.time_offset[event]
    }

    pub fn start_time(&self, event: usize) -> Option<i64> {
        self.start_time.as_ref().and_then(|column| column[event])
    }

    pub fn has_start_times(&self) -> bool {
        self.start_time.is_some()
    }

    pub fn lifecycle(&self, event: usize) -> Option<&str> {
        let sym = self.lifecycle[event];
        (sym != NONE).then(|| self.strings.resolve(sym))
    }

    pub fn resource(&self, event: usize) -> Option<&str> {
        let sym = self.resource[event];
        (sym != NONE).then(|| self.strings.resolve(sym))
    }

    /// The attributes of `event` beyond the standard columns, in the order they were
    /// imported. They are rebuilt from the attribute columns on every call.
    pub fn event_attributes(&self, event: usize) -> Vec<Attribute> {
        self.event_attributes.get(event)
    }

    /// The value of one attribute of `event`.
    pub fn event_attribute(&self, event: usize, key: Sym) -> Option<Value> {
        self.event_attributes.value(event, key)
    }

    /// A new log with only the events `keep` accepts; cases left empty disappear. Event
    /// order is unchanged, so the log stays sorted.
    pub fn retain_events(&self, mut keep: impl FnMut(usize) -> bool) -> Log {
        let mut out = Log {
            activities: self.activities.clone(),
            strings: self.strings.clone(),
            meta: self.meta.clone(),
            start_time: self.start_time.as_ref().map(|_| Vec::new()),
            event_attributes: AttributeStore::with_keys_of(&self.event_attributes),
            case_offsets: vec![0],
            ..Log::default()
        };
        for case in 0..self.num_cases() {
            let before = out.activity.len();
            for event in self.case_range(case) {
                if !keep(event) {
                    continue;
                }
                out.activity.push(self.activity[event]);
                out.time.push(self.time[event]);
                out.time_offset.push(self.time_offset[event]);
                if let (Some(column), Some(source)) = (&mut out.start_time, &self.start_time) {
                    column.push(source[event]);
                }
                out.lifecycle.push(self.lifecycle[event]);
                out.resource.push(self.resource[event]);
                let at = out.activity.len() - 1;
                out.event_attributes
                    .copy_event(at, &self.event_attributes, event);
            }
            if out.activity.len() > before {
                out.case_ids.push(self.case_ids[case].clone());
                out.case_attributes.push(self.case_attributes[case].clone());
                out.case_offsets.push(out.activity.len() as u32);
            }
        }
        out
    }

    /// A new log with only the cases `keep` accepts.
    pub fn retain_cases(&self, mut keep: impl FnMut(usize) -> bool) -> Log {
        let mut case_keep = vec![false; self.num_cases()];
        for (case, flag) in case_keep.iter_mut().enumerate() {
            *flag = keep(case);
        }
        let mut event_case = Vec::with_capacity(self.num_events());
        for case in 0..self.num_cases() {
            event_case.extend(self.case_range(case).map(|_| case));
        }
        self.retain_events(|event| case_keep[event_case[event]])
    }
}

/// One event as an importer hands it to the [`LogBuilder`].
#[derive(Debug, Clone, Default)]
pub struct NewEvent {
    pub activity: Sym,
    /// UTC microseconds; `None` when the source had no timestamp.
    pub time: Option<i64>,
    pub time_offset: i32,
    pub start_time: Option<i64>,
    pub lifecycle: Option<Sym>,
    pub resource: Option<Sym>,
    pub attributes: Vec<Attribute>,
}

/// Collects events in file order, in any case order (CSV rows interleave cases), and sorts
/// them into a [`Log`] at the end.
#[derive(Debug, Default)]
pub struct LogBuilder {
    log: Log,
    case_index: CaseIndex,
    /// The case of the previous [`LogBuilder::case`] call: exports are usually grouped by
    /// case, and one comparison is cheaper than hashing every row's case id.
    last_case: Option<u32>,
    event_case: Vec<u32>,
    /// UTC microseconds, [`MISSING_TIME`] where the source had none.
    times: Vec<i64>,
    any_start_time: bool,
    start_times: Vec<Option<i64>>,
}

impl LogBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn activities(&mut self) -> &mut Interner {
        &mut self.log.activities
    }

    pub fn strings(&mut self) -> &mut Interner {
        &mut self.log.strings
    }

    pub fn meta(&mut self) -> &mut LogMeta {
        &mut self.log.meta
    }

    /// The case named `id`, created on first sight. Two traces with the same name become one
    /// case, as in pm4py, where the case is just a column value.
    pub fn case(&mut self, id: &str) -> u32 {
        if let Some(case) = self.last_case
            && *self.log.case_ids[case as usize] == *id
        {
            return case;
        }
        let case = match self.case_index.get(&self.log.case_ids, id) {
            Some(case) => case,
            None => {
                let case = self.log.case_ids.len() as u32;
                self.log.case_ids.push(id.into());
                self.log.case_attributes.push(Vec::new());
                self.case_index.insert(&self.log.case_ids, case);
                case
            }
        };
        self.last_case = Some(case);
        case
    }

    pub fn case_attributes(&mut self, case: u32) -> &mut Vec<Attribute> {
        &mut self.log.case_attributes[case as usize]
    }

    pub fn num_events(&self) -> usize {
        self.event_case.len()
    }

    pub fn push(&mut self, case: u32, mut event: NewEvent) {
        self.push_reusing(case, &mut event);
    }

    /// [`LogBuilder::push`] that leaves `event.attributes` empty but allocated, so an importer
    /// reading millions of rows can refill the same list.
    pub fn push_reusing(&mut self, case: u32, event: &mut NewEvent) {
        self.log
            .event_attributes
            .push(self.event_case.len(), &mut event.attributes);
        self.event_case.push(case);
        self.log.activity.push(event.activity);
        self.times.push(event.time.unwrap_or(MISSING_TIME));
        self.log.time_offset.push(event.time_offset);
        // The start-time column only exists once a start time has been seen.
        if event.start_time.is_some() && !self.any_start_time {
            self.any_start_time = true;
            self.start_times = vec![None; self.event_case.len() - 1];
        }
        if self.any_start_time {
            self.start_times.push(event.start_time);
        }
        self.log.lifecycle.push(event.lifecycle.unwrap_or(NONE));
        self.log.resource.push(event.resource.unwrap_or(NONE));
    }

    /// Groups events by case (first-seen case order), fills missing timestamps and stably
    /// sorts each case by time. Cases without events are dropped.
    ///
    /// An event without a timestamp takes the time of the event before it in the same case
    /// (file order), or of the first timed event after it when it comes first, so it keeps
    /// its place in the sequence; a case with no timestamp at all gets time 0 throughout.
    pub fn finish(self) -> Log {
        let LogBuilder {
            mut log,
            event_case,
            mut times,
            any_start_time,
            start_times,
            ..
        } = self;
        let num_cases = log.case_ids.len();
        let mut offsets = vec![0u32; num_cases + 1];
        for &case in &event_case {
            offsets[case as usize + 1] += 1;
        }
        for case in 0..num_cases {
            offsets[case + 1] += offsets[case];
        }
        let mut next = offsets.clone();
        let mut order = vec![0u32; event_case.len()];
        for (event, &case) in event_case.iter().enumerate() {
            order[next[case as usize] as usize] = event as u32;
            next[case as usize] += 1;
        }
        drop(event_case);
        drop(next);
        // Missing timestamps are filled in place: each event's slot is read, then written.
        for case in 0..num_cases {
            let segment = &mut order[offsets[case] as usize..offsets[case + 1] as usize];
            let mut previous = segment
                .iter()
                .map(|&event| times[event as usize])
                .find(|&time| time != MISSING_TIME)
                .unwrap_or(0);
            for &event in segment.iter() {
                let time = &mut times[event as usize];
                if *time == MISSING_TIME {
                    *time = previous;
                } else {
                    previous = *time;
                }
            }
            segment.sort_by_key(|&event| times[event as usize]);
        }

        // Every column is permuted in place, so the import never holds two copies of it.
        let mut done = vec![false; order.len()];
        permute(&mut times, &order, &mut done);
        log.time = times;
        permute(&mut log.activity, &order, &mut done);
        permute(&mut log.time_offset, &order, &mut done);
        permute(&mut log.lifecycle, &order, &mut done);
        permute(&mut log.resource, &order, &mut done);
        log.event_attributes.permute(&order, &mut done);
        if any_start_time {
            let mut start_times = start_times;
            permute(&mut start_times, &order, &mut done);
            log.start_time = Some(start_times);
        }

        // Cases without events go; the others keep their first-seen order.
        if (0..num_cases).any(|case| offsets[case + 1] == offsets[case]) {
            let case_ids = std::mem::take(&mut log.case_ids);
            let case_attributes = std::mem::take(&mut log.case_attributes);
            let mut kept_offsets = vec![0];
            for (case, (id, attributes)) in case_ids.into_iter().zip(case_attributes).enumerate() {
                if offsets[case + 1] > offsets[case] {
                    log.case_ids.push(id);
                    log.case_attributes.push(attributes);
                    kept_offsets.push(offsets[case + 1]);
                }
            }
            offsets = kept_offsets;
        }
        log.case_offsets = offsets;
        log
    }
}

/// Reorders `values` so that position `i` holds what was at `order[i]`, following the
/// permutation's cycles with swaps (no second buffer). `done` is scratch space of equal length.
pub(crate) fn permute<T>(values: &mut [T], order: &[u32], done: &mut [bool]) {
    done.fill(false);
    for start in 0..values.len() {
        if done[start] {
            continue;
        }
        let mut current = start;
        loop {
            done[current] = true;
            let next = order[current] as usize;
            if next == start {
                break;
            }
            values.swap(current, next);
            current = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(builder: &mut LogBuilder, activity: &str, time: Option<i64>) -> NewEvent {
        NewEvent {
            activity: builder.activities().intern(activity),
            time,
            ..NewEvent::default()
        }
    }

    #[test]
    fn interleaved_cases_are_grouped_and_stably_sorted() {
        let mut builder = LogBuilder::new();
        let rows = [
            ("1", "a", 10),
            ("2", "x", 5),
            ("1", "b", 10),
            ("2", "y", 1),
            ("1", "c", 3),
        ];
        for (case, activity, time) in rows {
            let case = builder.case(case);
            let new = event(&mut builder, activity, Some(time));
            builder.push(case, new);
        }
        let log = builder.finish();
        let names = |case| -> Vec<&str> {
            log.case_activities(case)
                .iter()
                .map(|&activity| log.activity_name(activity))
                .collect()
        };
        assert_eq!(log.num_cases(), 2);
        assert_eq!(names(0), ["c", "a", "b"]);
        assert_eq!(names(1), ["y", "x"]);
        assert_eq!(log.case_times(0), [3, 10, 10]);
    }

    #[test]
    fn appended_builders_read_as_one() {
        let rows = [
            ("1", "a", Some(10), None),
            ("2", "x", Some(5), None),
            ("1", "b", None, None),
            ("3", "y", Some(1), Some(0)),
            ("1", "c", Some(3), None),
            ("2", "z", Some(4), Some(2)),
        ];
        let push = |builder: &mut LogBuilder, (case, activity, time, start): (&str, &str, _, _)| {
            let case = builder.case(case);
            let new = NewEvent {
                start_time: start,
                resource: Some(builder.strings().intern(activity)),
                ..event(builder, activity, time)
            };
            builder.push(case, new);
        };
        let mut whole = LogBuilder::new();
        let mut first = LogBuilder::new();
        let mut second = LogBuilder::new();
        second.activities().intern("unused");
        for (index, row) in rows.into_iter().enumerate() {
            push(&mut whole, row);
            push(if index < 3 { &mut first } else { &mut second }, row);
        }
        *first.case_attributes(0) =
            vec![Attribute::new(first.strings().intern("k"), Value::Int(1))];
        *second.case_attributes(1) =
            vec![Attribute::new(second.strings().intern("k"), Value::Int(2))];
        first.append(second);
        let (whole, joined) = (whole.finish(), first.finish());
        assert_eq!(joined.num_cases(), whole.num_cases());
        for case in 0..whole.num_cases() {
            assert_eq!(joined.case_id(case), whole.case_id(case));
            assert_eq!(joined.case_times(case), whole.case_times(case));
            for (ours, theirs) in joined.case_range(case).zip(whole.case_range(case)) {
                assert_eq!(
                    joined.activity_name(joined.activity(ours)),
                    whole.activity_name(whole.activity(theirs))
                );
                assert_eq!(joined.resource(ours), whole.resource(theirs));
                assert_eq!(joined.start_time(ours), whole.start_time(theirs));
            }
        }
        // Case "1" keeps the attributes of its first rows, in the first builder.
        assert_eq!(joined.case_attributes(0)[0].value, Value::Int(1));
        assert!(joined.case_attributes(1).is_empty());
    }

    #[test]
    fn permute_follows_cycles() {
        let mut values = ['a', 'b', 'c', 'd', 'e'];
        let order = [2, 0, 1, 4, 3];
        permute(&mut values, &order, &mut [false; 5]);
        assert_eq!(values, ['c', 'a', 'b', 'e', 'd']);
    }

    #[test]
    fn missing_time_keeps_place_after_previous_event() {
        let mut builder = LogBuilder::new();
        let case = builder.case("c");
        for (activity, time) in [("a", Some(5)), ("b", None), ("c", Some(7)), ("d", Some(6))] {
            let new = event(&mut builder, activity, time);
            builder.push(case, new);
        }
        let empty = builder.case("empty");
        assert_eq!(empty, 1);
        let log = builder.finish();
        assert_eq!(log.num_cases(), 1);
        assert_eq!(log.case_times(0), [5, 5, 6, 7]);
    }
}
