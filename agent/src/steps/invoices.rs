//! Invoice steps: `extract_invoice` (fields with confidence and source box, cross-checks and
//! the review against a confidence threshold), `request_validation` (the task file a person
//! corrects, plus a work-queue item when the bot runs under a control plane) and
//! `validated_invoice` (the corrected values, on the run after a person approved them).

use std::path::Path;
use std::sync::Arc;

use flowbot_docai::extract::Amount;
use flowbot_docai::invoice::{Field, Invoice, IssueCode, extract_invoice, review};
use flowbot_docai::{BBox, Document, Lang, ReadOptions};
use flowbot_model::wire::NewQueueItem;
use rhai::{Dynamic, ImmutableString, Map, NativeCallContext};
use serde_json::{Value, json};

use crate::catalogue::ParamType::{Any, Map as MapT, String as Str};
use crate::catalogue::{Category, Effect, Param, Registrar, StepSpec};
use crate::error::StepError;
use crate::runtime::Runtime;
use crate::steps::json::{from_json, to_json};
use crate::steps::option;
use crate::validation::{
    DecisionRecord, TaskStatus, VALIDATION_QUEUE, ValidationTask, document_name, task_path,
};
use crate::work_queue::WorkQueue;

/// Fields read with less confidence go to a person unless the script says otherwise.
const DEFAULT_THRESHOLD: f64 = 0.80;

fn bbox_json(bbox: &BBox) -> Value {
    json!({ "left": bbox.left, "top": bbox.top, "right": bbox.right, "bottom": bbox.bottom })
}

fn field_json<T>(field: &Option<Field<T>>, value: impl Fn(&T) -> Value) -> Value {
    match field {
        Some(field) => json!({
            "value": value(&field.value),
            "confidence": field.confidence,
            "page": field.page,
            "box": bbox_json(&field.bbox),
        }),
        // Present with a unit value, so `invoice.fields.total.value` never fails in a script.
        None => json!({ "value": null, "confidence": 0.0 }),
    }
}

fn money(amount: &Amount) -> Value {
    Value::String(amount.value.clone())
}

/// The step's answer: fields, line items, issues, `needs_review`.
fn invoice_json(path: &str, bytes: u64, invoice: &Invoice, threshold: f32) -> Value {
    let text = |value: &String| Value::String(value.clone());
    let issues = review(invoice, threshold);
    let items: Vec<Value> = invoice
        .line_items
        .iter()
        .map(|item| {
            json!({
                "description": item.description,
                "quantity": item.quantity,
                "unit_price": Amount::new(item.unit_cents, None).value,
                "amount": Amount::new(item.amount_cents, None).value,
                "confidence": item.confidence,
                "page": item.page,
                "box": bbox_json(&item.bbox),
            })
        })
        .collect();
    json!({
        "file": path,
        "document_bytes": bytes,
        "fields": {
            "invoice_number": field_json(&invoice.invoice_number, text),
            "date": field_json(&invoice.date, |date| Value::String(date.to_string())),
            "supplier": field_json(&invoice.supplier, text),
            "buyer": field_json(&invoice.buyer, text),
            "net": field_json(&invoice.net, money),
            "tax": field_json(&invoice.tax, money),
            "total": field_json(&invoice.total, money),
            "currency": field_json(&invoice.currency, text),
        },
        "line_items": items,
        "issues": issues,
        "needs_review": !issues.is_empty(),
        "validated": false,
    })
}

/// How many required fields a reading misses: the measure `lang: "auto"` picks by.
fn missing(invoice: &Invoice) -> usize {
    invoice
        .issues
        .iter()
        .filter(|issue| issue.code == IssueCode::Missing)
        .count()
}

/// Reads and extracts. `auto` reads English first and, when that misses fields and the
/// document was OCR'd, Chinese (`chi_sim`, which also reads Latin); the better reading wins.
/// Returns the winning reading's text with the invoice, so a script can classify the document
/// without reading it again.
fn read_invoice(
    path: &Path,
    lang: &str,
    base: ReadOptions,
) -> Result<(String, Invoice), StepError> {
    let read = |lang: Lang| -> Result<(Document, Invoice), StepError> {
        let document = flowbot_docai::read(
            path,
            &ReadOptions {
                lang,
                ..base.clone()
            },
        )?;
        // Blank pages read without error; an invoice without a word is still no invoice.
        if document.text().trim().is_empty() {
            return Err(flowbot_docai::DocError::NoText {
                path: path.to_path_buf(),
                pages: document.pages.len(),
            }
            .into());
        }
        let invoice = extract_invoice(&document);
        Ok((document, invoice))
    };
    if lang != "auto" {
        let (document, invoice) = read(lang.parse()?)?;
        return Ok((document.text(), invoice));
    }
    let (document, english) = read(Lang::Eng)?;
    let ocr = document
        .pages
        .iter()
        .any(|page| page.source == flowbot_docai::PageSource::Ocr);
    if missing(&english) == 0 || !ocr {
        return Ok((document.text(), english));
    }
    let (chinese_document, chinese) = read(Lang::ChiSim)?;
    // As many fields either way (a document that is no invoice misses them all): the reading
    // the OCR was surer of, so a Chinese letter is not handed on as English-model gibberish.
    let chinese_better = match missing(&chinese).cmp(&missing(&english)) {
        std::cmp::Ordering::Less => true,
        std::cmp::Ordering::Greater => false,
        std::cmp::Ordering::Equal => chinese_document.confidence() > document.confidence(),
    };
    Ok(if chinese_better {
        (chinese_document.text(), chinese)
    } else {
        (document.text(), english)
    })
}

pub(crate) fn register(reg: &mut Registrar<'_>, rt: &Arc<Runtime>) {
    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "extract_invoice",
            category: Category::Documents,
            effect: Effect::Read,
            doc: "Reads the invoice at `path` (PNG, JPEG, PDF; English or Chinese) and finds its \
                  fields by their labels: `fields` maps invoice_number, date (ISO), supplier, \
                  buyer, net, tax, total (decimal text `1234.56`) and currency (ISO 4217) to \
                  `#{value, confidence, page, box}` (value `()` when not found); `line_items` \
                  (description, quantity, unit_price, amount, confidence, box); `issues` \
                  (`#{code, field, message}`: missing, totals_disagree, items_disagree, \
                  item_arithmetic, total_in_words_disagrees, low_confidence) and \
                  `needs_review`; `text`, the document's text as read (to `classify` it without a \
                  second OCR). Options: `lang` (`auto`: English, then Chinese if fields are \
                  missing — fewer missing fields win, then the surer OCR; `eng`, `chi_sim`), `threshold` (0.8: fields read with less \
                  confidence need review), `max_pages` (20).",
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
            returns: MapT,
            example: "let invoice = extract_invoice(file, #{ threshold: 0.9 });\n\
                      if invoice.needs_review { request_validation(invoice, \"validation\"); }",
        },
        move |ctx: NativeCallContext, path: ImmutableString, options: Map| {
            runtime.step(
                &ctx,
                "extract_invoice",
                &[&path.clone().into(), &options.clone().into()],
                |record| {
                    record.attr("path", path.as_str());
                    let real = runtime.resolve(&path)?;
                    let lang =
                        option(&options, "lang").map_or("auto".to_owned(), |v| v.to_string());
                    let threshold = match option(&options, "threshold") {
                        Some(value) => value
                            .as_float()
                            .or_else(|_| value.as_int().map(|whole| whole as f64))
                            .map_err(|_| {
                                StepError::invalid("threshold must be a number between 0 and 1")
                            })?,
                        None => DEFAULT_THRESHOLD,
                    };
                    let mut base = ReadOptions {
                        // A longer PDF is not one invoice; refuse it before any OCR.
                        max_pages: 20,
                        ..ReadOptions::default()
                    };
                    if let Some(pages) = option(&options, "max_pages") {
                        base.max_pages = pages
                            .as_int()
                            .ok()
                            .and_then(|pages| usize::try_from(pages).ok())
                            .ok_or_else(|| {
                                StepError::invalid("max_pages must be a positive integer")
                            })?;
                    }
                    let bytes = std::fs::metadata(&real)
                        .map_err(|source| StepError::Io {
                            action: "cannot read",
                            path: real.clone(),
                            source,
                        })?
                        .len();
                    let (text, invoice) = read_invoice(&real, &lang, base)?;
                    let mut answer = invoice_json(&path, bytes, &invoice, threshold as f32);
                    answer["text"] = Value::String(text);
                    record.attr(
                        "needs_review",
                        answer["needs_review"].as_bool().unwrap_or(true),
                    );
                    record.attr("issues", answer["issues"].as_array().map_or(0, Vec::len));
                    if let Some(number) = &invoice.invoice_number {
                        record.attr("invoice_number", number.value.as_str());
                    }
                    from_json(&answer)
                },
            )
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "request_validation",
            category: Category::Documents,
            effect: Effect::Write,
            doc: "Sends the `invoice` that `extract_invoice` returned to a person: writes the task \
                  `<dir>/<file name>.json` (status pending, fields, issues) for `flowbot \
                  validate`, and under a control plane also adds an item (reference: the file \
                  name) to the work queue `invoice-validation`. Returns `#{task, queue_item}`. \
                  End the run with `output(\"status\", \"needs_validation\")`; the run after \
                  the person approved gets the corrected values from `validated_invoice`.",
            params: &[
                Param {
                    name: "invoice",
                    ty: MapT,
                },
                Param {
                    name: "dir",
                    ty: Str,
                },
            ],
            returns: MapT,
            example: "request_validation(invoice, \"validation\");\noutput(\"status\", \"needs_validation\");",
        },
        move |ctx: NativeCallContext, invoice: Map, dir: ImmutableString| {
            let args = [&invoice.clone().into(), &dir.clone().into()];
            runtime.step_as(&ctx, "request_validation", "request_validation", Effect::Write, &args, |record| {
                let invoice = to_json(&invoice.into())?;
                let document = invoice["file"].as_str().ok_or_else(|| {
                    StepError::invalid("pass the map extract_invoice returned (it has no `file`)")
                })?;
                record.attr("document", document);
                let path = task_path(&runtime.resolve(&dir)?, document);
                let task = ValidationTask {
                    document: document.to_owned(),
                    document_bytes: invoice["document_bytes"].as_u64().unwrap_or(0),
                    status: TaskStatus::Pending,
                    created_at: chrono::Utc::now().to_rfc3339(),
                    fields: invoice["fields"].as_object().cloned().unwrap_or_default(),
                    line_items: invoice["line_items"].as_array().cloned().unwrap_or_default(),
                    issues: invoice["issues"].as_array().cloned().unwrap_or_default(),
                    corrections: Default::default(),
                    validated_by: None,
                    validated_at: None,
                    reject_reason: None,
                };
                let mut answer = Map::new();
                answer.insert("task".into(), path.to_string_lossy().into_owned().into());
                answer.insert("queue_item".into(), Dynamic::UNIT);
                if runtime.dry_run {
                    record.skipped = true;
                    return Ok(answer);
                }
                task.write(&path).map_err(|error| StepError::invalid(error.to_string()))?;
                if let Some(queues) = runtime.work_queue.as_deref() {
                    let item: NewQueueItem = serde_json::from_value(json!({
                        "reference": document_name(document),
                        "payload": serde_json::to_value(&task)?,
                    }))?;
                    let (id, _) = queues
                        .add(VALIDATION_QUEUE, item)
                        .map_err(|error| StepError::invalid(format!("{VALIDATION_QUEUE}: {error}")))?;
                    record.attr("item", id.as_str());
                    answer.insert("queue_item".into(), id.into());
                }
                Ok(answer)
            })
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "validated_invoice",
            category: Category::Documents,
            effect: Effect::Read,
            doc: "The invoice of the document at `path` as a person validated it: the same map \
                  as `extract_invoice` with corrected fields (confidence 1, `source: \"person\"`), \
                  `validated: true`, `validated_by` and no issues; a rejected document gives \
                  `#{rejected: true, reason}`. Under a control plane the decision a person \
                  recorded on the `invoice-validation` queue item (reference: the file name) \
                  comes first; without one, the task `<dir>/<file name>.json` decides. `()` when \
                  there is no decision yet, no task, or the task was written for another file \
                  of the same name (its size differs).",
            params: &[
                Param {
                    name: "path",
                    ty: Str,
                },
                Param {
                    name: "dir",
                    ty: Str,
                },
            ],
            returns: Any,
            example: "let invoice = validated_invoice(file, \"validation\");\nif invoice == () { invoice = extract_invoice(file, #{}); }",
        },
        move |ctx: NativeCallContext, path: ImmutableString, dir: ImmutableString| {
            let args = [&path.clone().into(), &dir.clone().into()];
            runtime.step(&ctx, "validated_invoice", &args, |record| {
                record.attr("path", path.as_str());
                let bytes = std::fs::metadata(runtime.resolve(&path)?)
                    .map(|meta| meta.len())
                    .unwrap_or(0);
                let decided = match runtime.work_queue.as_deref() {
                    Some(queues) => decided_on_control_plane(queues, &path, bytes)?,
                    None => None,
                };
                let task = match decided {
                    Some(task) => {
                        record.attr("decided_on", "control_plane");
                        task
                    }
                    None => {
                        let task_file = task_path(&runtime.resolve(&dir)?, &path);
                        if !task_file.is_file() {
                            return Ok(Dynamic::UNIT);
                        }
                        ValidationTask::read(&task_file)
                            .map_err(|error| StepError::invalid(error.to_string()))?
                    }
                };
                record.attr("status", format!("{:?}", task.status).to_lowercase());
                if task.document_bytes != bytes {
                    return Ok(Dynamic::UNIT);
                }
                let answer = match task.status {
                    TaskStatus::Pending => return Ok(Dynamic::UNIT),
                    TaskStatus::Rejected => json!({
                        "rejected": true,
                        "reason": task.reject_reason.clone().unwrap_or_default(),
                    }),
                    TaskStatus::Validated => json!({
                        "file": path.as_str(),
                        "document_bytes": bytes,
                        "fields": task.corrected_fields(),
                        "line_items": task.line_items,
                        "issues": [],
                        "needs_review": false,
                        "validated": true,
                        "validated_by": task.validated_by,
                    }),
                };
                from_json(&answer)
            })
        },
    );
}

/// The task with the decision a person recorded on the control plane; `None` while nobody
/// decided, when there is no item, or when the item was for another file of the same name (a
/// different size), so the local task file is read instead.
fn decided_on_control_plane(
    queues: &dyn WorkQueue,
    document: &str,
    bytes: u64,
) -> Result<Option<ValidationTask>, StepError> {
    let failed = |error: String| StepError::invalid(format!("{VALIDATION_QUEUE}: {error}"));
    let Some(found) = queues
        .find(VALIDATION_QUEUE, &document_name(document))
        .map_err(|error| failed(error.to_string()))?
    else {
        return Ok(None);
    };
    let Some(output) = found.output else {
        return Ok(None);
    };
    let task: ValidationTask = serde_json::from_value(found.item.payload).map_err(|error| {
        failed(format!(
            "item {} is not a validation task: {error}",
            found.item.id
        ))
    })?;
    let decision: DecisionRecord = serde_json::from_value(output).map_err(|error| {
        failed(format!(
            "item {} has no readable decision: {error}",
            found.item.id
        ))
    })?;
    Ok((task.document_bytes == bytes).then(|| task.with_record(decision)))
}
