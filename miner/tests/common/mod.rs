//! Where the shared reference data lives: `shared/data` beside the repository, as in CI.

use std::path::PathBuf;

/// `../shared/data` from the repository root. Missing data is a failure, not a skip: the
/// reference tests are the proof that the miner equals pm4py.
pub(crate) fn data_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data");
    assert!(
        dir.join("reference").is_dir() && dir.join("logs").is_dir(),
        "reference data not found at {} (expected shared/data beside the repository, with logs/ and reference/)",
        dir.display()
    );
    dir
}
