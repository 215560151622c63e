//! Similarity, zero-shot classification and retrieval answers over any [`Embedder`].

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;

use crate::embed::Embedder;
use crate::embed::sentences::sentence_spans;
use crate::error::NlpError;

/// Turns cosine similarities (which for this kind of model sit in a narrow band, ~0.1–0.6)
/// into label probabilities that are not all ~1/n: a softmax at temperature 1/20.
const LABEL_SHARPNESS: f32 = 20.0;

/// How a label is put to the model: a bare word embeds far from a whole document, a sentence
/// about the document embeds close to documents of that kind.
fn label_prompt(label: &str) -> String {
    let article = if label.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    };
    format!("This document is {article} {label}.")
}

/// The cosine of two vectors (their dot product when both have length 1, as embeddings do).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm_a = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let norm_b = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm_a == 0.0 || norm_b == 0.0 {
        0.0
    } else {
        dot / (norm_a * norm_b)
    }
}

fn embed_one(embedder: &dyn Embedder, text: &str) -> Result<Vec<f32>, NlpError> {
    embedder
        .embed(&[text])?
        .pop()
        .ok_or_else(|| NlpError::Invalid("the embedder returned no vector".to_owned()))
}

/// How close in meaning `a` and `b` are: the cosine of their embeddings, -1 to 1.
pub fn similarity(embedder: &dyn Embedder, a: &str, b: &str) -> Result<f32, NlpError> {
    let vectors = embedder.embed(&[a, b])?;
    match vectors.as_slice() {
        [first, second] => Ok(cosine(first, second)),
        _ => Err(NlpError::Invalid(
            "the embedder returned the wrong number of vectors".to_owned(),
        )),
    }
}

/// The label that fits a text best, with every label's probability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    pub label: String,
    pub score: f32,
    /// Each label with its probability, in the order given; they sum to 1.
    pub scores: Vec<(String, f32)>,
}

/// Label-prompt embeddings kept between [`classify_cached`] calls: a bot classifies document
/// after document against the same few labels, and every label costs one embedding. Keyed by
/// the prompt text, so it is only valid for one embedder. Bounded: when full, the label kept
/// longest goes first.
pub struct LabelCache {
    kept: Mutex<KeptLabels>,
    capacity: usize,
}

#[derive(Default)]
struct KeptLabels {
    vectors: HashMap<String, Arc<Vec<f32>>>,
    /// Prompts in the order they were added, oldest first.
    order: VecDeque<String>,
}

impl LabelCache {
    /// A cache keeping at most `capacity` labels (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            kept: Mutex::new(KeptLabels::default()),
            capacity: capacity.max(1),
        }
    }

    /// How many label embeddings are kept.
    pub fn len(&self) -> usize {
        self.lock().vectors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, KeptLabels> {
        // A panic elsewhere cannot leave a half-written entry: take the map anyway.
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The embeddings of `prompts`, in order; those not kept yet are embedded in one call
    /// (outside the lock, so other classifications go on meanwhile) and kept.
    fn vectors(
        &self,
        embedder: &dyn Embedder,
        prompts: &[String],
    ) -> Result<Vec<Arc<Vec<f32>>>, NlpError> {
        let missing: Vec<&str> = {
            let kept = self.lock();
            let mut seen = std::collections::HashSet::new();
            prompts
                .iter()
                .map(String::as_str)
                .filter(|prompt| !kept.vectors.contains_key(*prompt) && seen.insert(*prompt))
                .collect()
        };
        let embedded = if missing.is_empty() {
            Vec::new()
        } else {
            embedder.embed(&missing)?
        };
        if embedded.len() != missing.len() {
            return Err(NlpError::Invalid(
                "the embedder returned the wrong number of vectors".to_owned(),
            ));
        }
        let mut kept = self.lock();
        let mut fresh: HashMap<&str, Arc<Vec<f32>>> = HashMap::new();
        for (prompt, vector) in missing.iter().zip(embedded) {
            let vector = Arc::new(vector);
            fresh.insert(prompt, Arc::clone(&vector));
            if kept.vectors.contains_key(*prompt) {
                continue;
            }
            while kept.vectors.len() >= self.capacity {
                let Some(oldest) = kept.order.pop_front() else {
                    break;
                };
                kept.vectors.remove(&oldest);
            }
            kept.vectors.insert((*prompt).to_owned(), vector);
            kept.order.push_back((*prompt).to_owned());
        }
        prompts
            .iter()
            .map(|prompt| {
                fresh
                    .get(prompt.as_str())
                    .or_else(|| kept.vectors.get(prompt))
                    .cloned()
                    .ok_or_else(|| NlpError::Invalid("a label embedding went missing".to_owned()))
            })
            .collect()
    }
}

/// Zero-shot classification: which of `labels` (e.g. invoice, claim, complaint, statement)
/// describes `text`, by comparing the embeddings of the text and its sentences with one of a
/// sentence about each label ("This document is an invoice."). Embeds the labels on every
/// call; [`classify_cached`] keeps them.
pub fn classify(
    embedder: &dyn Embedder,
    text: &str,
    labels: &[&str],
) -> Result<Classification, NlpError> {
    classify_with(embedder, None, text, labels)
}

/// [`classify`] with the label embeddings taken from, and added to, `cache`.
pub fn classify_cached(
    embedder: &dyn Embedder,
    cache: &LabelCache,
    text: &str,
    labels: &[&str],
) -> Result<Classification, NlpError> {
    classify_with(embedder, Some(cache), text, labels)
}

fn classify_with(
    embedder: &dyn Embedder,
    cache: Option<&LabelCache>,
    text: &str,
    labels: &[&str],
) -> Result<Classification, NlpError> {
    let labels: Vec<&str> = labels
        .iter()
        .map(|label| label.trim())
        .filter(|label| !label.is_empty())
        .collect();
    if labels.is_empty() {
        return Err(NlpError::Invalid(
            "classify needs at least one non-empty label".to_owned(),
        ));
    }
    let prompts: Vec<String> = labels.iter().map(|label| label_prompt(label)).collect();
    let sentences: Vec<&str> = sentence_spans(text)
        .into_iter()
        .map(|(start, end)| &text[start..end])
        .collect();
    // The whole text (up to the model's 256 word pieces) is embedded on its own: in one batch
    // with the sentences, every short sentence would be padded to its length.
    let mut first: Vec<&str> = Vec::new();
    if cache.is_none() {
        first.extend(prompts.iter().map(String::as_str));
    }
    first.push(text);
    let mut vectors = embedder.embed(&first)?;
    // A single sentence is the whole text already; embedding it twice changes nothing.
    let sentences: &[&str] = if sentences.len() > 1 { &sentences } else { &[] };
    if !sentences.is_empty() {
        vectors.extend(embedder.embed(sentences)?);
    }
    if vectors.len() != first.len() + sentences.len() {
        return Err(NlpError::Invalid(
            "the embedder returned the wrong number of vectors".to_owned(),
        ));
    }
    let (label_vectors, text_vectors): (Vec<Arc<Vec<f32>>>, &[Vec<f32>]) = match cache {
        Some(cache) => (cache.vectors(embedder, &prompts)?, &vectors),
        None => {
            let (labels, texts) = vectors.split_at(prompts.len());
            (labels.iter().cloned().map(Arc::new).collect(), texts)
        }
    };
    let (whole, parts) = text_vectors
        .split_first()
        .ok_or_else(|| NlpError::Invalid("the embedder returned no vector".to_owned()))?;
    // A document's type shows in its title or key sentence as much as in the whole text (a
    // statement's figures look like an invoice's): each label scores the mean of its
    // similarity to the whole text and to the text's closest sentence.
    let logits: Vec<f32> = label_vectors
        .iter()
        .map(|label| {
            let overall = cosine(whole, label);
            let closest = parts
                .iter()
                .map(|part| cosine(part, label))
                .fold(overall, f32::max);
            (overall + closest) / 2.0 * LABEL_SHARPNESS
        })
        .collect();
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f32> = logits.iter().map(|logit| (logit - max).exp()).collect();
    let total: f32 = exps.iter().sum();
    let scores: Vec<(String, f32)> = labels
        .iter()
        .zip(&exps)
        .map(|(label, exp)| ((*label).to_owned(), exp / total))
        .collect();
    let (label, score) = scores
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .cloned()
        .ok_or_else(|| NlpError::Invalid("no label scored".to_owned()))?;
    Ok(Classification {
        label,
        score,
        scores,
    })
}

/// The sentence of a text that best answers a question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    pub sentence: String,
    /// Cosine similarity of question and sentence.
    pub score: f32,
    /// Byte offsets of the sentence in the text.
    pub start: usize,
    pub end: usize,
}

/// Retrieval question answering: the sentence of `text` closest in meaning to `question`;
/// `None` when the text has no sentence.
pub fn answer(
    embedder: &dyn Embedder,
    question: &str,
    text: &str,
) -> Result<Option<Answer>, NlpError> {
    let spans = sentence_spans(text);
    if spans.is_empty() {
        return Ok(None);
    }
    let question_vector = embed_one(embedder, question)?;
    let sentences: Vec<&str> = spans
        .iter()
        .map(|&(start, end)| &text[start..end])
        .collect();
    let vectors = embedder.embed(&sentences)?;
    let best = vectors
        .iter()
        .map(|vector| cosine(&question_vector, vector))
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(&b.1));
    Ok(best.map(|(index, score)| {
        let (start, end) = spans[index];
        Answer {
            sentence: sentences[index].to_owned(),
            score,
            start,
            end,
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Embeds by counting letters a–z: close texts share letters. Enough to check the
    /// arithmetic of the operations without a model.
    struct LetterCounts;

    impl Embedder for LetterCounts {
        fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, NlpError> {
            Ok(texts
                .iter()
                .map(|text| {
                    let mut counts = [0.0f32; 26];
                    for byte in text.to_ascii_lowercase().bytes() {
                        if byte.is_ascii_lowercase() {
                            counts[usize::from(byte - b'a')] += 1.0;
                        }
                    }
                    let norm = counts.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-9);
                    counts.iter().map(|x| x / norm).collect()
                })
                .collect())
        }

        fn dimension(&self) -> usize {
            26
        }
    }

    #[test]
    fn classification_scores_sum_to_one_and_keep_label_order() {
        let result = classify(&LetterCounts, "zzzz", &["b", " zz ", ""]).unwrap();
        assert_eq!(result.label, "zz");
        let names: Vec<&str> = result.scores.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, vec!["b", "zz"]);
        let total: f32 = result.scores.iter().map(|(_, s)| s).sum();
        assert!((total - 1.0).abs() < 1e-5, "{total}");
        assert!(classify(&LetterCounts, "x", &[" "]).is_err());
    }

    /// Counts the texts it is asked to embed.
    struct Counting(std::sync::atomic::AtomicUsize);

    impl Embedder for Counting {
        fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, NlpError> {
            self.0
                .fetch_add(texts.len(), std::sync::atomic::Ordering::SeqCst);
            LetterCounts.embed(texts)
        }

        fn dimension(&self) -> usize {
            26
        }
    }

    #[test]
    fn cached_labels_are_embedded_once_and_classify_as_uncached_ones() {
        let counting = Counting(Default::default());
        let cache = LabelCache::new(8);
        let labels = ["invoice", "claim", "complaint"];
        let plain = classify(&LetterCounts, "zzzz claim", &labels).unwrap();
        let first = classify_cached(&counting, &cache, "zzzz claim", &labels).unwrap();
        assert_eq!(first, plain);
        assert_eq!(counting.0.load(std::sync::atomic::Ordering::SeqCst), 4);
        // The second text costs its own embedding only.
        classify_cached(&counting, &cache, "invoice", &labels).unwrap();
        assert_eq!(counting.0.load(std::sync::atomic::Ordering::SeqCst), 5);
        assert_eq!(cache.len(), 3);
    }

    #[test]
    fn a_full_label_cache_lets_the_oldest_label_go() {
        let cache = LabelCache::new(2);
        classify_cached(&LetterCounts, &cache, "x", &["a", "b", "a"]).unwrap();
        assert_eq!(cache.len(), 2);
        classify_cached(&LetterCounts, &cache, "x", &["c"]).unwrap();
        assert_eq!(cache.len(), 2);
        let kept = cache.lock();
        assert!(kept.vectors.contains_key(&label_prompt("c")));
        assert!(
            !kept.vectors.contains_key(&label_prompt("a")),
            "a was kept longest"
        );
    }

    #[test]
    fn answer_returns_the_closest_sentence_with_its_offsets() {
        let text = "Alpha beta. Zzz yyy! Gamma.";
        let found = answer(&LetterCounts, "zyzy", text).unwrap().unwrap();
        assert_eq!(found.sentence, "Zzz yyy!");
        assert_eq!(&text[found.start..found.end], "Zzz yyy!");
        assert!(answer(&LetterCounts, "q", "   ").unwrap().is_none());
    }
}
