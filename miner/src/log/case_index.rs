//! Case ids to case numbers, without a second copy of every id: the table holds case numbers
//! with a 32-bit hash of their id and compares through the builder's list of ids. A log of
//! half a million cases saves as many allocations, and as many frees when the builder is
//! dropped; the stored hash lets the table grow without reading the ids again.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

#[derive(Debug, Default)]
pub(super) struct CaseIndex {
    /// (case, short hash of its id)
    table: HashTable<(u32, u32)>,
}

fn short_hash(id: &str) -> u32 {
    // Fx's high bits are its well-mixed ones.
    (FxBuildHasher.hash_one(id) >> 32) as u32
}

/// The table's 64-bit hash, a function of the short one so that growing needs no ids.
fn spread(short: u32) -> u64 {
    u64::from(short).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl CaseIndex {
    /// The number of the case named `id`, where `ids[case]` names each case.
    pub(super) fn get(&self, ids: &[Box<str>], id: &str) -> Option<u32> {
        let short = short_hash(id);
        self.table
            .find(spread(short), |&(case, hash)| {
                hash == short && &*ids[case as usize] == id
            })
            .map(|&(case, _)| case)
    }

    /// Records the new case `case`, named `ids[case]`.
    pub(super) fn insert(&mut self, ids: &[Box<str>], case: u32) {
        let short = short_hash(&ids[case as usize]);
        self.table
            .insert_unique(spread(short), (case, short), |&(_, hash)| spread(hash));
    }
}
