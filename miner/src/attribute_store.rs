//! Event attributes, stored column by column.
//!
//! A list of attributes per event cost a heap allocation and ~100 bytes for every event, most
//! of a large CSV import's memory and a sixth of its time in `malloc`. Here every key has one
//! dense column of 16-byte [`Cell`]s instead. An event whose attributes do not fit the columns
//! — nested attributes, lists, dates finer than a microsecond, a repeated key, or keys in an
//! order the columns cannot reproduce — keeps its own list, so every attribute reads back
//! exactly as it was imported, in its order.

use chrono::{DateTime, FixedOffset, Offset};
use rustc_hash::FxHashMap;

use crate::intern::Sym;
use crate::value::{Attribute, Value};

/// One scalar attribute value, the column form of [`Value`].
#[derive(Debug, Clone, Copy, PartialEq)]
enum Cell {
    Missing,
    Str(Sym),
    Id(Sym),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date { micros: i64, offset_secs: i32 },
}

impl Cell {
    /// The cell holding `value`, or `None` when a column cannot hold it exactly.
    fn of(value: &Value) -> Option<Cell> {
        Some(match *value {
            Value::Str(sym) => Cell::Str(sym),
            Value::Id(sym) => Cell::Id(sym),
            Value::Int(int) => Cell::Int(int),
            Value::Float(float) => Cell::Float(float),
            Value::Bool(flag) => Cell::Bool(flag),
            Value::Date(date) if date.timestamp_subsec_nanos() % 1_000 == 0 => Cell::Date {
                micros: date.timestamp_micros(),
                offset_secs: date.offset().fix().local_minus_utc(),
            },
            Value::Date(_) | Value::List(_) | Value::Container(_) => return None,
        })
    }

    fn value(self) -> Option<Value> {
        Some(match self {
            Cell::Missing => return None,
            Cell::Str(sym) => Value::Str(sym),
            Cell::Id(sym) => Value::Id(sym),
            Cell::Int(int) => Value::Int(int),
            Cell::Float(float) => Value::Float(float),
            Cell::Bool(flag) => Value::Bool(flag),
            Cell::Date {
                micros,
                offset_secs,
            } => {
                let offset = FixedOffset::east_opt(offset_secs)?;
                Value::Date(DateTime::from_timestamp_micros(micros)?.with_timezone(&offset))
            }
        })
    }
}

#[derive(Debug, Clone)]
struct Column {
    key: Sym,
    /// One cell per event; events past the end are [`Cell::Missing`].
    cells: Vec<Cell>,
}

impl Column {
    fn cell(&self, event: usize) -> Cell {
        self.cells.get(event).copied().unwrap_or(Cell::Missing)
    }

    fn set(&mut self, event: usize, cell: Cell) {
        if self.cells.len() < event {
            self.cells.resize(event, Cell::Missing);
        }
        self.cells.push(cell);
    }
}

/// The attributes of every event of a log, addressed by event index.
#[derive(Debug, Clone, Default)]
pub(crate) struct AttributeStore {
    /// In the order keys were first seen.
    columns: Vec<Column>,
    column_of: FxHashMap<Sym, usize>,
    /// Events whose attributes the columns cannot hold; their column cells stay missing.
    irregular: FxHashMap<u32, Vec<Attribute>>,
    /// The keys of the last event the columns took, and their columns: CSV rows and most XES
    /// events repeat them, and comparing keys is cheaper than looking each one up.
    last_keys: Vec<(Sym, usize)>,
}

impl AttributeStore {
    /// An empty store that knows the same keys, for a filtered copy of the log.
    pub(crate) fn with_keys_of(other: &AttributeStore) -> Self {
        AttributeStore {
            columns: other
                .columns
                .iter()
                .map(|column| Column {
                    key: column.key,
                    cells: Vec::new(),
                })
                .collect(),
            column_of: other.column_of.clone(),
            irregular: FxHashMap::default(),
            last_keys: Vec::new(),
        }
    }

    /// Stores the attributes of `event` and leaves `attributes` empty (keeping its capacity
    /// when the columns took them, so an importer can reuse it). Events arrive in increasing
    /// order, each once.
    pub(crate) fn push(&mut self, event: usize, attributes: &mut Vec<Attribute>) {
        if attributes.is_empty() {
            return;
        }
        let same_keys = attributes.len() == self.last_keys.len()
            && attributes
                .iter()
                .zip(&self.last_keys)
                .all(|(attribute, &(key, _))| attribute.key == key);
        if same_keys
            && attributes.iter().all(|attribute| {
                attribute.children.is_empty() && Cell::of(&attribute.value).is_some()
            })
        {
            for (attribute, &(_, index)) in attributes.drain(..).zip(&self.last_keys) {
                if let Some(cell) = Cell::of(&attribute.value) {
                    self.columns[index].set(event, cell);
                }
            }
            return;
        }
        if !self.fits_columns(attributes) {
            self.irregular
                .insert(event as u32, std::mem::take(attributes));
            return;
        }
        self.last_keys.clear();
        for attribute in attributes.drain(..) {
            let index = self.column_for(attribute.key);
            if let Some(cell) = Cell::of(&attribute.value) {
                self.columns[index].set(event, cell);
            }
            self.last_keys.push((attribute.key, index));
        }
    }

    /// The column of `key`, a new one at the end when the key has none yet.
    fn column_for(&mut self, key: Sym) -> usize {
        if let Some(&index) = self.column_of.get(&key) {
            return index;
        }
        self.columns.push(Column {
            key,
            cells: Vec::new(),
        });
        self.column_of.insert(key, self.columns.len() - 1);
        self.columns.len() - 1
    }

    /// Whether reading the columns back in column order gives exactly `attributes`: scalar
    /// values without children, and keys that [fit](AttributeStore::keys_fit).
    fn fits_columns(&self, attributes: &[Attribute]) -> bool {
        attributes
            .iter()
            .all(|attribute| attribute.children.is_empty() && Cell::of(&attribute.value).is_some())
            && self.keys_fit(attributes.iter().map(|attribute| attribute.key))
    }

    /// Whether columns read back in column order give `keys` in this order: each key once,
    /// known keys in column order, new keys after them (they become new columns at the end).
    fn keys_fit(&self, keys: impl Iterator<Item = Sym> + Clone) -> bool {
        let mut next_new = self.columns.len();
        let mut last = None;
        for (position, key) in keys.clone().enumerate() {
            let index = match self.column_of.get(&key) {
                Some(&index) => index,
                None if keys.clone().take(position).any(|earlier| earlier == key) => {
                    return false;
                }
                None => {
                    next_new += 1;
                    next_new - 1
                }
            };
            if last.is_some_and(|last| index <= last) {
                return false;
            }
            last = Some(index);
        }
        true
    }

    /// Copies `event`'s attributes from `source` (a store with the same keys, see
    /// [`AttributeStore::with_keys_of`]) to position `to` here.
    pub(crate) fn copy_event(&mut self, to: usize, source: &AttributeStore, event: usize) {
        if let Some(attributes) = source.irregular.get(&(event as u32)) {
            self.irregular.insert(to as u32, attributes.clone());
            return;
        }
        for (target, column) in self.columns.iter_mut().zip(&source.columns) {
            let cell = column.cell(event);
            if cell != Cell::Missing {
                target.set(to, cell);
            }
        }
    }

    /// Appends the first `count` events of `other` as events `base..base + count`, with
    /// `other`'s symbols turned into this log's by `map`.
    pub(crate) fn append(
        &mut self,
        base: usize,
        other: AttributeStore,
        count: usize,
        map: &impl Fn(Sym) -> Sym,
    ) {
        self.last_keys.clear();
        let keys: Vec<Sym> = other.columns.iter().map(|column| map(column.key)).collect();
        if !self.keys_fit(keys.iter().copied()) {
            // The columns would read `other`'s events back in another key order: one by one.
            for event in 0..count {
                let mut attributes = other.get(event);
                Attribute::remap_symbols(&mut attributes, map);
                self.push(base + event, &mut attributes);
            }
            return;
        }
        for (column, key) in other.columns.into_iter().zip(keys) {
            let target = self.column_for(key);
            let cells = &mut self.columns[target].cells;
            if cells.len() < base {
                cells.resize(base, Cell::Missing);
            }
            cells.extend(column.cells.into_iter().map(|cell| match cell {
                Cell::Str(sym) => Cell::Str(map(sym)),
                Cell::Id(sym) => Cell::Id(map(sym)),
                other => other,
            }));
        }
        for (event, mut attributes) in other.irregular {
            Attribute::remap_symbols(&mut attributes, map);
            self.irregular.insert(base as u32 + event, attributes);
        }
    }

    /// The attributes of `event`, in the order they were imported.
    pub(crate) fn get(&self, event: usize) -> Vec<Attribute> {
        if let Some(attributes) = self.irregular.get(&(event as u32)) {
            return attributes.clone();
        }
        self.columns
            .iter()
            .filter_map(|column| {
                let value = column.cell(event).value()?;
                Some(Attribute::new(column.key, value))
            })
            .collect()
    }

    /// The value of one attribute of `event`, without building the others.
    pub(crate) fn value(&self, event: usize, key: Sym) -> Option<Value> {
        if let Some(attributes) = self.irregular.get(&(event as u32)) {
            return attributes
                .iter()
                .find(|attribute| attribute.key == key)
                .map(|attribute| attribute.value.clone());
        }
        let column = &self.columns[*self.column_of.get(&key)?];
        column.cell(event).value()
    }

    /// Reorders the events of a store holding `order.len()` events so that position `i`
    /// holds what was at `order[i]`.
    pub(crate) fn permute(&mut self, order: &[u32], done: &mut [bool]) {
        for column in &mut self.columns {
            column.cells.resize(order.len(), Cell::Missing);
            crate::log::permute(&mut column.cells, order, done);
        }
        if !self.irregular.is_empty() {
            let mut moved = FxHashMap::default();
            for (position, &event) in order.iter().enumerate() {
                if let Some(attributes) = self.irregular.remove(&event) {
                    moved.insert(position as u32, attributes);
                }
            }
            self.irregular = moved;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attribute(key: Sym, value: Value) -> Attribute {
        Attribute::new(key, value)
    }

    #[test]
    fn a_cell_is_sixteen_bytes() {
        // The point of the columns: 16 bytes per event and key, no allocation per event.
        assert_eq!(std::mem::size_of::<Cell>(), 16);
    }

    #[test]
    fn regular_and_irregular_events_read_back_exactly() {
        let date = DateTime::parse_from_rfc3339("2024-01-02T03:04:05.123456+05:30").unwrap();
        let fine_date = DateTime::parse_from_rfc3339("2024-01-02T03:04:05.123456789Z").unwrap();
        let nested = Attribute {
            children: vec![attribute(9, Value::Int(1))],
            ..attribute(3, Value::Int(7))
        };
        let events = [
            vec![attribute(1, Value::Int(5)), attribute(2, Value::Date(date))],
            vec![],
            vec![attribute(2, Value::Float(1.5))],
            // Out of column order, a repeated key, a nested value, a list, a nanosecond date.
            vec![attribute(2, Value::Bool(true)), attribute(1, Value::Int(1))],
            vec![attribute(1, Value::Int(1)), attribute(1, Value::Int(2))],
            vec![nested],
            vec![attribute(4, Value::List(vec![attribute(5, Value::Str(6))]))],
            vec![attribute(2, Value::Date(fine_date))],
            vec![attribute(7, Value::Str(8)), attribute(7, Value::Str(9))],
            vec![attribute(1, Value::Id(3)), attribute(7, Value::Str(8))],
            // The previous keys again: once straight to the columns, once with a list.
            vec![attribute(1, Value::Int(4)), attribute(7, Value::Str(5))],
            vec![
                attribute(1, Value::List(vec![])),
                attribute(7, Value::Str(5)),
            ],
        ];
        let mut store = AttributeStore::default();
        for (event, attributes) in events.iter().enumerate() {
            store.push(event, &mut attributes.clone());
        }
        for (event, attributes) in events.iter().enumerate() {
            let read = store.get(event);
            assert_eq!(&read, attributes, "event {event}");
            for (got, want) in read.iter().zip(attributes) {
                if let (Value::Date(got), Value::Date(want)) = (&got.value, &want.value) {
                    assert_eq!(got.offset(), want.offset());
                    assert_eq!(got.timestamp_subsec_nanos(), want.timestamp_subsec_nanos());
                }
            }
        }
        assert_eq!(store.value(2, 2), Some(Value::Float(1.5)));
        assert_eq!(store.value(3, 1), Some(Value::Int(1)));
        assert_eq!(store.value(1, 1), None);
        assert_eq!(store.value(0, 42), None);
    }

    #[test]
    fn appending_keeps_every_events_attributes_in_order() {
        // `other`'s symbols are one higher than ours (its string table starts elsewhere).
        let map = |sym: Sym| sym + 1;
        let unmapped = |attributes: &[Attribute]| {
            let mut attributes = attributes.to_vec();
            Attribute::remap_symbols(&mut attributes, &map);
            attributes
        };
        let ours_events = [vec![attribute(1, Value::Int(0))], vec![]];
        // Keys 1 and 2 arrive in our column order, then the new key 6; event 2 is irregular.
        let same_order = [
            vec![attribute(0, Value::Str(4)), attribute(1, Value::Id(3))],
            vec![attribute(5, Value::Int(1))],
            vec![attribute(0, Value::Int(1)), attribute(0, Value::Int(2))],
        ];
        // Key 2 before key 1: our columns hold 1 before 2, so events go one by one.
        let other_order = [
            vec![attribute(1, Value::Int(3))],
            vec![attribute(0, Value::Int(4)), attribute(1, Value::Int(5))],
        ];
        for theirs_events in [&same_order[..], &other_order[..]] {
            let mut ours = AttributeStore::default();
            for (event, attributes) in ours_events.iter().enumerate() {
                ours.push(event, &mut attributes.clone());
            }
            ours.push(
                2,
                &mut vec![attribute(1, Value::Int(9)), attribute(2, Value::Int(9))],
            );
            let mut theirs = AttributeStore::default();
            for (event, attributes) in theirs_events.iter().enumerate() {
                theirs.push(event, &mut attributes.clone());
            }
            ours.append(3, theirs, theirs_events.len(), &map);
            assert_eq!(ours.get(0), ours_events[0]);
            assert_eq!(ours.get(2).len(), 2);
            for (event, attributes) in theirs_events.iter().enumerate() {
                assert_eq!(ours.get(3 + event), unmapped(attributes), "event {event}");
            }
        }
    }

    #[test]
    fn permuting_moves_columns_and_irregular_events_together() {
        let mut store = AttributeStore::default();
        store.push(0, &mut vec![attribute(1, Value::Int(0))]);
        store.push(
            1,
            &mut vec![attribute(1, Value::Int(1)), attribute(1, Value::Int(1))],
        );
        store.push(2, &mut vec![attribute(2, Value::Int(2))]);
        store.permute(&[2, 0, 1], &mut [false; 3]);
        assert_eq!(store.get(0), [attribute(2, Value::Int(2))]);
        assert_eq!(store.get(1), [attribute(1, Value::Int(0))]);
        assert_eq!(store.get(2).len(), 2);

        let mut copy = AttributeStore::with_keys_of(&store);
        copy.copy_event(0, &store, 2);
        copy.copy_event(1, &store, 0);
        assert_eq!(copy.get(0).len(), 2);
        assert_eq!(copy.get(1), [attribute(2, Value::Int(2))]);
    }
}
