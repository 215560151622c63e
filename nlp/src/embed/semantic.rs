//! Similarity, zero-shot classification and retrieval answers over any [`Embedder`].

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

/// Zero-shot classification: which of `labels` (e.g. invoice, claim, complaint, statement)
/// describes `text`, by comparing the embeddings of the text and its sentences with one of a
/// sentence about each label ("This document is an invoice.").
pub fn classify(
    embedder: &dyn Embedder,
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
    let mut inputs: Vec<&str> = prompts.iter().map(String::as_str).collect();
    inputs.push(text);
    // A single sentence is the whole text already; embedding it twice changes nothing.
    if sentences.len() > 1 {
        inputs.extend(&sentences);
    }
    let vectors = embedder.embed(&inputs)?;
    if vectors.len() != inputs.len() {
        return Err(NlpError::Invalid(
            "the embedder returned the wrong number of vectors".to_owned(),
        ));
    }
    let (label_vectors, text_vectors) = vectors.split_at(prompts.len());
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

    #[test]
    fn answer_returns_the_closest_sentence_with_its_offsets() {
        let text = "Alpha beta. Zzz yyy! Gamma.";
        let found = answer(&LetterCounts, "zyzy", text).unwrap().unwrap();
        assert_eq!(found.sentence, "Zzz yyy!");
        assert_eq!(&text[found.start..found.end], "Zzz yyy!");
        assert!(answer(&LetterCounts, "q", "   ").unwrap().is_none());
    }
}
