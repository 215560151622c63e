//! Sentence embeddings and what is built on them: similarity, zero-shot classification and
//! retrieval answers. The operations take any [`Embedder`], so a backend is swapped by
//! handing over another one.

pub mod minilm;
mod semantic;
pub mod sentences;

pub use semantic::{
    Answer, Classification, LabelCache, answer, classify, classify_cached, cosine, similarity,
};

use crate::error::NlpError;

/// Turns texts into unit-length vectors whose dot product measures closeness of meaning.
pub trait Embedder: Send + Sync {
    /// One vector of [`Embedder::dimension`] floats per text, each of length 1.
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, NlpError>;

    fn dimension(&self) -> usize;
}
