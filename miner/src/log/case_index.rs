//! Case ids to case numbers, without a second copy of every id: the table holds only case
//! numbers and compares through the builder's list of ids. A log of half a million cases
//! saves as many allocations, and as many frees when the builder is dropped.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

#[derive(Debug, Default)]
pub(super) struct CaseIndex {
    table: HashTable<u32>,
}

fn hash(id: &str) -> u64 {
    FxBuildHasher.hash_one(id)
}

impl CaseIndex {
    /// The number of the case named `id`, where `ids[case]` names each case.
    pub(super) fn get(&self, ids: &[Box<str>], id: &str) -> Option<u32> {
        self.table
            .find(hash(id), |&case| &*ids[case as usize] == id)
            .copied()
    }

    /// Records the new case `case`, named `ids[case]`.
    pub(super) fn insert(&mut self, ids: &[Box<str>], case: u32) {
        self.table
            .insert_unique(hash(&ids[case as usize]), case, |&other| {
                hash(&ids[other as usize])
            });
    }
}
