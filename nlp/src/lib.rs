//! Local language models for Flowbot, behind two traits so a backend can be swapped:
//!
//! - [`Embedder`] (default [`MiniLm`], all-MiniLM-L6-v2 on candle): sentence embeddings, and
//!   on top of any embedder [`embed::similarity`], zero-shot [`embed::classify`] and
//!   retrieval [`embed::answer`];
//! - [`PiiDetector`] (default [`Rampart`], an ONNX token classifier on onnxruntime, plus
//!   checksum rules): personal-data spans, and [`pii::redact`].
//!
//! [`Nlp`] is the facade the agent uses: it loads each model on first use, once, from the
//! folder [`ModelPaths`] names. Library only: typed [`NlpError`]s, no printing, no network.

pub mod embed;
mod error;
pub mod models;
mod onnx;
pub mod pii;

use std::sync::{Arc, Mutex};

pub use embed::minilm::MiniLm;
pub use embed::{Answer, Classification, Embedder, LabelCache};
pub use error::NlpError;
pub use models::ModelPaths;
pub use pii::rampart::Rampart;
pub use pii::{PiiDetector, PiiKind, PiiSpan};

type Loader<T> = Box<dyn Fn() -> Result<Arc<T>, NlpError> + Send + Sync>;

/// A backend loaded on first use. A failed load is not remembered, so models fetched while a
/// long-lived agent runs are picked up by its next call.
struct Lazy<T: ?Sized> {
    loaded: Mutex<Option<Arc<T>>>,
    load: Loader<T>,
}

impl<T: ?Sized> Lazy<T> {
    fn new(load: Loader<T>) -> Self {
        Self {
            loaded: Mutex::new(None),
            load,
        }
    }

    fn get(&self) -> Result<Arc<T>, NlpError> {
        // A panic while loading leaves nothing half-built behind the lock: take it anyway.
        let mut slot = self
            .loaded
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(loaded) = slot.as_ref() {
            return Ok(Arc::clone(loaded));
        }
        let loaded = (self.load)()?;
        *slot = Some(Arc::clone(&loaded));
        Ok(loaded)
    }
}

/// How many label embeddings an [`Nlp`] keeps for `classify`: far more than the label sets a
/// process's bots use, few enough (384 floats each) not to matter.
const KEPT_LABELS: usize = 256;

/// Embeddings, classification, answers and personal-data detection over lazily loaded models.
pub struct Nlp {
    embedder: Lazy<dyn Embedder>,
    detector: Lazy<dyn PiiDetector>,
    paths: Option<ModelPaths>,
    /// The embedder's vectors of the labels `classify` was asked about.
    labels: LabelCache,
}

impl Nlp {
    /// The default backends, loaded from `paths` when first needed.
    pub fn new(paths: ModelPaths) -> Self {
        let sentence = paths.clone();
        let personal = paths.clone();
        Self {
            embedder: Lazy::new(Box::new(move || {
                Ok(Arc::new(MiniLm::load(&sentence.sentence_model())?) as Arc<dyn Embedder>)
            })),
            detector: Lazy::new(Box::new(move || {
                let library = personal.onnxruntime_library()?;
                Ok(Arc::new(Rampart::load(&personal.pii_model(), &library)?)
                    as Arc<dyn PiiDetector>)
            })),
            paths: Some(paths),
            labels: LabelCache::new(KEPT_LABELS),
        }
    }

    /// Other backends (another model, a remote service, a test double).
    pub fn with_backends(embedder: Arc<dyn Embedder>, detector: Arc<dyn PiiDetector>) -> Self {
        Self {
            embedder: Lazy::new(Box::new(move || Ok(Arc::clone(&embedder)))),
            detector: Lazy::new(Box::new(move || Ok(Arc::clone(&detector)))),
            paths: None,
            labels: LabelCache::new(KEPT_LABELS),
        }
    }

    /// Whether personal-data detection can run without fetching anything (always, for
    /// backends handed over in [`Nlp::with_backends`]).
    pub fn pii_available(&self) -> bool {
        self.paths.as_ref().is_none_or(ModelPaths::pii_available)
    }

    pub fn embedder(&self) -> Result<Arc<dyn Embedder>, NlpError> {
        self.embedder.get()
    }

    pub fn detector(&self) -> Result<Arc<dyn PiiDetector>, NlpError> {
        self.detector.get()
    }

    /// The unit-length embedding of `text`.
    pub fn embed(&self, text: &str) -> Result<Vec<f32>, NlpError> {
        self.embedder()?
            .embed(&[text])?
            .pop()
            .ok_or_else(|| NlpError::Invalid("the embedder returned no vector".to_owned()))
    }

    pub fn similarity(&self, a: &str, b: &str) -> Result<f32, NlpError> {
        embed::similarity(self.embedder()?.as_ref(), a, b)
    }

    /// Zero-shot classification; the labels' embeddings are kept for the next call.
    pub fn classify(&self, text: &str, labels: &[&str]) -> Result<Classification, NlpError> {
        embed::classify_cached(self.embedder()?.as_ref(), &self.labels, text, labels)
    }

    pub fn answer(&self, question: &str, text: &str) -> Result<Option<Answer>, NlpError> {
        embed::answer(self.embedder()?.as_ref(), question, text)
    }

    pub fn detect_pii(&self, text: &str) -> Result<Vec<PiiSpan>, NlpError> {
        self.detector()?.detect(text)
    }

    /// `text` with personal data replaced by `[KIND]` placeholders.
    pub fn redact_pii(&self, text: &str) -> Result<String, NlpError> {
        let spans = self.detect_pii(text)?;
        Ok(pii::redact(text, &spans))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_model_names_its_path_and_the_fetch_command() {
        let nlp = Nlp::new(ModelPaths::new("/nonexistent/models"));
        let error = nlp.embed("x").unwrap_err().to_string();
        assert!(error.contains("cargo xtask fetch-models"), "{error}");
        assert!(
            error.contains("/nonexistent/models/all-minilm-l6-v2/model.safetensors"),
            "{error}"
        );
        let error = nlp.detect_pii("x").unwrap_err().to_string();
        assert!(error.contains("cargo xtask fetch-models"), "{error}");
        assert!(error.contains("/nonexistent/models/onnxruntime"), "{error}");
        assert!(!nlp.pii_available());
    }
}
