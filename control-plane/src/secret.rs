//! Comparing and hashing the secrets callers present (webhook secrets, the agent token).

use sha2::{Digest, Sha256};

/// Lowercase hex SHA-256, how secrets are stored.
pub(crate) fn sha256_hex(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Compares in time independent of where the strings differ, so a secret cannot be guessed
/// byte by byte from response times.
pub(crate) fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
