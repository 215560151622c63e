//! String interning: each distinct activity, attribute key or repeated value is stored once and
//! events refer to it by a `u32`, which keeps a million-event log small and comparisons cheap.

use rustc_hash::FxHashMap;

/// An interned string's id inside one [`Interner`].
pub type Sym = u32;

#[derive(Debug, Clone, Default)]
pub struct Interner {
    strings: Vec<Box<str>>,
    // Fx, not SipHash: keys are the log's own strings, and hashing dominates import time.
    ids: FxHashMap<Box<str>, Sym>,
}

impl Interner {
    pub fn intern(&mut self, text: &str) -> Sym {
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let id = Sym::try_from(self.strings.len()).unwrap_or(Sym::MAX);
        self.strings.push(text.into());
        self.ids.insert(text.into(), id);
        id
    }

    pub fn get(&self, text: &str) -> Option<Sym> {
        self.ids.get(text).copied()
    }

    /// The text of `id`; ids come from this interner, so an unknown one is a caller bug and
    /// reads as the empty string rather than panicking.
    pub fn resolve(&self, id: Sym) -> &str {
        self.strings.get(id as usize).map_or("", |text| text)
    }

    pub fn len(&self) -> usize {
        self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (Sym, &str)> {
        self.strings
            .iter()
            .enumerate()
            .map(|(index, text)| (index as Sym, &**text))
    }
}
