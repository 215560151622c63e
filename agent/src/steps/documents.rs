//! Document steps: OCR of images and scanned PDFs, PDF text layers, and rule-based extraction
//! (dates, amounts, IBANs, …) from their text. Files resolve inside the bot's roots like every
//! file step. The work is `flowbot_docai`'s; the NLP steps (embeddings, PII) will sit beside
//! these and take the same text.

use std::sync::Arc;

use flowbot_docai::extract::{Kind, extract};
use flowbot_docai::{Document, Lang, Preprocess, ReadOptions, Segmentation};
use rhai::{Array, Dynamic, ImmutableString, Map, NativeCallContext};

use crate::catalogue::ParamType::{Array as ArrayT, Map as MapT, String as Str};
use crate::catalogue::{Category, Effect, Param, Registrar, StepSpec};
use crate::error::StepError;
use crate::runtime::Runtime;
use crate::steps::{option, plain_error};

/// Reads `lang`, `psm`, `preprocess` and `max_pages` from a step's options map.
fn read_options(options: &Map) -> Result<ReadOptions, StepError> {
    let text = |key: &str| option(options, key).map(|value| value.to_string());
    let mut read = ReadOptions::default();
    if let Some(lang) = text("lang") {
        read.lang = lang.parse::<Lang>()?;
    }
    if let Some(psm) = text("psm") {
        read.segmentation = psm.parse::<Segmentation>()?;
    }
    if let Some(preprocess) = text("preprocess") {
        read.preprocess = match preprocess.as_str() {
            "default" => Preprocess::default(),
            "none" => Preprocess::none(),
            "scan" => Preprocess::scan(),
            other => {
                return Err(StepError::invalid(format!(
                    "unknown preprocess `{other}`; use default, none or scan"
                )));
            }
        };
    }
    if let Some(pages) = option(options, "max_pages") {
        let pages = pages
            .as_int()
            .ok()
            .and_then(|pages| usize::try_from(pages).ok())
            .ok_or_else(|| StepError::invalid("max_pages must be a positive integer"))?;
        read.max_pages = pages;
    }
    Ok(read)
}

fn word_map(page: usize, word: &flowbot_docai::Word) -> Dynamic {
    let mut map = Map::new();
    map.insert("text".into(), word.text.clone().into());
    map.insert("page".into(), (page as i64).into());
    map.insert("line".into(), (word.line as i64).into());
    map.insert("left".into(), f64::from(word.bbox.left).into());
    map.insert("top".into(), f64::from(word.bbox.top).into());
    map.insert("right".into(), f64::from(word.bbox.right).into());
    map.insert("bottom".into(), f64::from(word.bbox.bottom).into());
    map.insert("confidence".into(), f64::from(word.confidence).into());
    map.into()
}

fn record_document(record: &mut crate::runtime::StepRecord, document: &Document) {
    record.attr("pages", document.pages.len());
    record.attr("chars", document.text().chars().count());
    if let Some(confidence) = document.confidence() {
        record.attr("confidence", f64::from(confidence));
    }
}

pub(crate) fn register(reg: &mut Registrar<'_>, rt: &Arc<Runtime>) {
    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "ocr",
            category: Category::Documents,
            effect: Effect::Read,
            doc: "The text of the image (PNG, JPEG) or PDF at `path`: a PDF's own text layer \
                  where it has one, OCR for images and scanned pages. `lang` is `eng`, \
                  `chi_sim` (best for Chinese documents, Latin included) or `eng+chi_sim`. \
                  Pages are separated by a form feed.",
            params: &[
                Param {
                    name: "path",
                    ty: Str,
                },
                Param {
                    name: "lang",
                    ty: Str,
                },
            ],
            returns: Str,
            example: "let text = ocr(\"inbox/invoice.pdf\", \"eng\");",
        },
        move |ctx: NativeCallContext, path: ImmutableString, lang: ImmutableString| {
            runtime.step(
                &ctx,
                "ocr",
                &[&path.clone().into(), &lang.clone().into()],
                |record| {
                    record.attr("path", path.as_str());
                    record.attr("lang", lang.as_str());
                    let real = runtime.resolve(&path)?;
                    let options = ReadOptions {
                        lang: lang.parse()?,
                        ..ReadOptions::default()
                    };
                    let document = flowbot_docai::read(&real, &options)?;
                    record_document(record, &document);
                    Ok(document.text())
                },
            )
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "ocr_words",
            category: Category::Documents,
            effect: Effect::Read,
            doc: "Every word of the image or PDF at `path` with its box and confidence: maps \
                  `#{text, page, line, left, top, right, bottom, confidence}`. Boxes are in \
                  the image's pixels, or PDF points (origin top left) for PDFs; confidence is \
                  0–100 (100 for a PDF text layer). Options: `lang` (`eng`), `psm` (`auto`, \
                  `block`, `column`, `line`, `word`, `sparse`), `preprocess` (`default`: \
                  deskew; `none`; `scan`: rescale to 300 dpi, denoise, deskew, binarize), \
                  `max_pages` (100).",
            params: &[
                Param {
                    name: "path",
                    ty: Str,
                },
                Param {
                    name: "options",
                    ty: MapT,
                },
            ],
            returns: ArrayT,
            example: "let words = ocr_words(\"inbox/scan.png\", #{ lang: \"eng\", psm: \"sparse\" });\n\
                      let total = words.filter(|w| w.text == \"Total\");",
        },
        move |ctx: NativeCallContext, path: ImmutableString, options: Map| {
            runtime.step(
                &ctx,
                "ocr_words",
                &[&path.clone().into(), &options.clone().into()],
                |record| {
                    record.attr("path", path.as_str());
                    let real = runtime.resolve(&path)?;
                    let read = read_options(&options)?;
                    record.attr("lang", read.lang.code());
                    let document = flowbot_docai::read(&real, &read)?;
                    record_document(record, &document);
                    let words: Array = document
                        .pages
                        .iter()
                        .flat_map(|page| page.words.iter().map(|word| word_map(page.number, word)))
                        .collect();
                    record.attr("words", words.len());
                    Ok(words)
                },
            )
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "pdf_text",
            category: Category::Documents,
            effect: Effect::Read,
            doc: "The text layer of the PDF at `path`, without OCR (fast and exact; empty for \
                  scanned pages, which `ocr` reads). Pages are separated by a form feed. \
                  Password-protected, empty and corrupt PDFs fail with a message naming the \
                  file.",
            params: &[Param {
                name: "path",
                ty: Str,
            }],
            returns: Str,
            example: "let text = pdf_text(\"inbox/statement.pdf\");",
        },
        move |ctx: NativeCallContext, path: ImmutableString| {
            runtime.step(&ctx, "pdf_text", &[&path.clone().into()], |record| {
                record.attr("path", path.as_str());
                let real = runtime.resolve(&path)?;
                let document = flowbot_docai::pdf_text_layer(&real, &ReadOptions::default())?;
                record_document(record, &document);
                Ok(document.text())
            })
        },
    );

    reg.add(
        StepSpec {
            name: "extract",
            category: Category::Documents,
            effect: Effect::Pure,
            doc: "Finds values of one `kind` in `text` by rule: `dates` (ISO, 15.03.2024, \
                  15 March 2024, 2024年3月15日, …; value ISO 8601), `amounts` (1,234.56, \
                  1.234,56, ¥, 人民币, Chinese uppercase 大写; value #{cents, currency, value}), \
                  `ibans` (mod-97 checked), `invoice_numbers` (after a label), `vat_ids` (EU \
                  formats), `cn_resident_ids` (GB 11643 checked), `cn_credit_codes` (GB 32100 \
                  checked). Returns maps `#{value, text, start, end}` in order of appearance.",
            params: &[
                Param {
                    name: "kind",
                    ty: Str,
                },
                Param {
                    name: "text",
                    ty: Str,
                },
            ],
            returns: ArrayT,
            example: "let totals = extract(\"amounts\", ocr(\"inbox/invoice.png\", \"eng\"));",
        },
        |kind: ImmutableString, text: ImmutableString| {
            let kind: Kind =
                kind.parse()
                    .map_err(|error: flowbot_docai::extract::UnknownKind| {
                        plain_error(error.to_string())
                    })?;
            let found = extract(kind, &text);
            let value = rhai::serde::to_dynamic(&found)
                .map_err(|error| plain_error(format!("extract: {error}")))?;
            Ok::<_, Box<rhai::EvalAltResult>>(value.into_array().unwrap_or_default())
        },
    );
}
