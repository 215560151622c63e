//! Language steps over local models (`flowbot_nlp`): sentence embeddings, similarity,
//! zero-shot classification, retrieval answers, personal-data detection and redaction. The
//! models load on first use, once per process; a missing model fails the step with the
//! command that fetches it.

use std::sync::Arc;

use rhai::{Array, Dynamic, ImmutableString, Map, NativeCallContext};

use crate::catalogue::ParamType::{Array as ArrayT, Float, Map as MapT, String as Str};
use crate::catalogue::{Category, Effect, Param, Registrar, StepSpec};
use crate::error::StepError;
use crate::language::nlp;
use crate::runtime::Runtime;
use crate::steps::plain_error;

const TEXT: Param = Param {
    name: "text",
    ty: Str,
};

fn labels_of(labels: &Array) -> Result<Vec<String>, StepError> {
    labels
        .iter()
        .map(|label| {
            label
                .clone()
                .into_string()
                .map_err(|_| StepError::invalid("classify: every label must be a string"))
        })
        .collect()
}

fn pii_maps(text: &str, spans: &[flowbot_nlp::PiiSpan]) -> Array {
    spans
        .iter()
        .map(|span| {
            let mut map = Map::new();
            map.insert("kind".into(), span.kind.name().into());
            map.insert("text".into(), text[span.start..span.end].into());
            map.insert("start".into(), (span.start as i64).into());
            map.insert("end".into(), (span.end as i64).into());
            map.insert("score".into(), f64::from(span.score).into());
            Dynamic::from(map)
        })
        .collect()
}

pub(crate) fn register(reg: &mut Registrar<'_>, rt: &Arc<Runtime>) {
    register_embeddings(reg);
    register_understanding(reg, rt);
    register_personal_data(reg);
}

fn register_embeddings(reg: &mut Registrar<'_>) {
    reg.add(
        StepSpec {
            name: "embed",
            category: Category::Language,
            effect: Effect::Pure,
            doc: "The sentence embedding of `text` (all-MiniLM-L6-v2): 384 floats of total \
                  length 1; the dot product of two embeddings is their similarity. Text past \
                  256 word pieces is ignored.",
            params: &[TEXT],
            returns: ArrayT,
            example: "let vector = embed(\"Invoice overdue\");",
        },
        |text: ImmutableString| {
            let vector = nlp()
                .embed(&text)
                .map_err(|error| plain_error(format!("embed: {error}")))?;
            Ok::<_, Box<rhai::EvalAltResult>>(
                vector
                    .into_iter()
                    .map(|x| Dynamic::from(f64::from(x)))
                    .collect::<Array>(),
            )
        },
    );

    reg.add(
        StepSpec {
            name: "similarity",
            category: Category::Language,
            effect: Effect::Pure,
            doc: "How close in meaning `a` and `b` are: the cosine of their sentence \
                  embeddings, from -1 to 1 (paraphrases score high, unrelated texts near 0).",
            params: &[Param { name: "a", ty: Str }, Param { name: "b", ty: Str }],
            returns: Float,
            example: "if similarity(subject, \"request for refund\") > 0.6 { /* … */ }",
        },
        |a: ImmutableString, b: ImmutableString| {
            nlp()
                .similarity(&a, &b)
                .map(f64::from)
                .map_err(|error| plain_error(format!("similarity: {error}")))
        },
    );
}

fn register_understanding(reg: &mut Registrar<'_>, rt: &Arc<Runtime>) {
    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "classify",
            category: Category::Language,
            effect: Effect::Read,
            doc: "Zero-shot classification: which of `labels` describes `text` best, by \
                  sentence embeddings (no training). Returns `#{label, score, scores}` where \
                  `scores` maps every label to its probability (they sum to 1).",
            params: &[
                TEXT,
                Param {
                    name: "labels",
                    ty: ArrayT,
                },
            ],
            returns: MapT,
            example: "let kind = classify(ocr(\"inbox/doc.pdf\", \"eng\"), \
                      [\"invoice\", \"claim\", \"complaint\", \"statement\"]);\n\
                      if kind.label == \"invoice\" { /* … */ }",
        },
        move |ctx: NativeCallContext, text: ImmutableString, labels: Array| {
            runtime.step(
                &ctx,
                "classify",
                &[&text.clone().into(), &labels.clone().into()],
                |record| {
                    let labels = labels_of(&labels)?;
                    let names: Vec<&str> = labels.iter().map(String::as_str).collect();
                    let result = nlp().classify(&text, &names)?;
                    record.attr("label", result.label.as_str());
                    record.attr("score", f64::from(result.score));
                    let mut scores = Map::new();
                    for (label, score) in &result.scores {
                        scores.insert(label.as_str().into(), f64::from(*score).into());
                    }
                    let mut map = Map::new();
                    map.insert("label".into(), result.label.into());
                    map.insert("score".into(), f64::from(result.score).into());
                    map.insert("scores".into(), scores.into());
                    Ok(map)
                },
            )
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "answer",
            category: Category::Language,
            effect: Effect::Read,
            doc: "The sentence of `text` that best answers `question` (retrieval by sentence \
                  embeddings; the answer is a sentence of the text, never made up). Returns \
                  `#{sentence, score, start, end}` (byte offsets); `sentence` is empty when \
                  the text has none.",
            params: &[
                Param {
                    name: "question",
                    ty: Str,
                },
                TEXT,
            ],
            returns: MapT,
            example: "let due = answer(\"When is payment due?\", pdf_text(\"inbox/invoice.pdf\"));\n\
                      let dates = extract(\"dates\", due.sentence);",
        },
        move |ctx: NativeCallContext, question: ImmutableString, text: ImmutableString| {
            runtime.step(
                &ctx,
                "answer",
                &[&question.clone().into(), &text.clone().into()],
                |record| {
                    let found = nlp().answer(&question, &text)?;
                    let mut map = Map::new();
                    let (sentence, score, start, end) = found.map_or((String::new(), 0.0, 0, 0), |a| {
                        (a.sentence, a.score, a.start, a.end)
                    });
                    record.attr("score", f64::from(score));
                    map.insert("sentence".into(), sentence.into());
                    map.insert("score".into(), f64::from(score).into());
                    map.insert("start".into(), (start as i64).into());
                    map.insert("end".into(), (end as i64).into());
                    Ok(map)
                },
            )
        },
    );
}

fn register_personal_data(reg: &mut Registrar<'_>) {
    reg.add(
        StepSpec {
            name: "detect_pii",
            category: Category::Language,
            effect: Effect::Pure,
            doc: "Personal data in `text`: names, emails, phone numbers, IBANs, card numbers, \
                  addresses (street, building, city, zip), ID, tax, passport and licence \
                  numbers. Returns maps `#{kind, text, start, end, score}` in order (byte \
                  offsets; kinds like `given_name`, `email`, `phone`, `iban`). Emails, IBANs, \
                  cards (checksums) and `+` phone numbers are found by rules (score 1), the \
                  rest by the Rampart model.",
            params: &[TEXT],
            returns: ArrayT,
            example: "for found in detect_pii(body) { log(found.kind); }",
        },
        |text: ImmutableString| {
            let spans = nlp()
                .detect_pii(&text)
                .map_err(|error| plain_error(format!("detect_pii: {error}")))?;
            Ok::<_, Box<rhai::EvalAltResult>>(pii_maps(&text, &spans))
        },
    );

    reg.add(
        StepSpec {
            name: "redact_pii",
            category: Category::Language,
            effect: Effect::Pure,
            doc: "`text` with the personal data `detect_pii` finds replaced by placeholders \
                  such as `[EMAIL]`, `[PHONE]`, `[GIVEN_NAME]`, `[IBAN]`.",
            params: &[TEXT],
            returns: Str,
            example: "write_text(\"out/ticket.txt\", redact_pii(ticket.body));",
        },
        |text: ImmutableString| {
            nlp()
                .redact_pii(&text)
                .map_err(|error| plain_error(format!("redact_pii: {error}")))
        },
    );
}
