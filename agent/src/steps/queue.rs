//! Work-queue steps: take the next item, settle it as done or as a business or system
//! exception, and add items (a dispatcher bot). The control plane holds every item a bot takes
//! under the job's lease, retries system exceptions with backoff, and returns the items of a
//! dead agent to their queue.

use std::sync::Arc;

use flowbot_model::wire::{ItemOutcome, NewQueueItem, QueueItem};
use rhai::{Dynamic, ImmutableString, Map, NativeCallContext};

use crate::catalogue::ParamType::{Any, Map as MapT, String as Str, Unit};
use crate::catalogue::{Category, Effect, Param, Registrar, StepSpec};
use crate::error::StepError;
use crate::runtime::Runtime;
use crate::steps::json::{from_json, to_json};
use crate::work_queue::{QueueError, WorkQueue};

const ITEM: Param = Param {
    name: "item",
    ty: Any,
};
const DONE_PARAMS: &[Param] = &[
    ITEM,
    Param {
        name: "output",
        ty: Any,
    },
];
const EXCEPTION_PARAMS: &[Param] = &[
    ITEM,
    Param {
        name: "reason",
        ty: Str,
    },
];

pub(crate) fn register(reg: &mut Registrar<'_>, rt: &Arc<Runtime>) {
    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "queue_next",
            category: Category::Queue,
            effect: Effect::Read,
            doc: "Takes the next ready item of work queue `queue` (priority, then deadline, then\narrival) and holds it for this run: a map with `id`, `reference`, `payload`, `priority`,\n`deadline` and `attempt`, or `()` when no item is ready. Settle every item you take.",
            params: &[Param { name: "queue", ty: Str }],
            returns: Any,
            example: "let item = queue_next(\"invoices\");\nwhile item != () { /* … */ queue_done(item); item = queue_next(\"invoices\"); }",
        },
        move |ctx: NativeCallContext, queue: ImmutableString| {
            runtime.step(&ctx, "queue_next", &[&queue.clone().into()], |record| {
                record.attr("queue", queue.as_str());
                let taken = queues(&runtime)?.take(&queue).map_err(queue_error)?;
                match taken {
                    Some(item) => {
                        record.attr("item", item.id.as_str());
                        if let Some(reference) = &item.reference {
                            record.attr("reference", reference.as_str());
                        }
                        item_map(&item)
                    }
                    None => Ok(Dynamic::UNIT),
                }
            })
        },
    );

    let settles: [(&'static str, &'static [Param], &'static str, &'static str); 3] = [
        (
            "queue_done",
            DONE_PARAMS,
            "Marks `item` (the map `queue_next` gave, or its id) done, with `output` (any value)\nkept beside it.",
            "queue_done(item, #{ booked_as: doc_no });",
        ),
        (
            "queue_business_exception",
            EXCEPTION_PARAMS,
            "Marks `item` a business exception: its data is wrong and retrying cannot help. Final.",
            "queue_business_exception(item, \"IBAN checksum fails\");",
        ),
        (
            "queue_system_exception",
            EXCEPTION_PARAMS,
            "Hands `item` back as a system exception: the queue retries it after a backoff, up to\nits retry limit.",
            "queue_system_exception(item, \"ERP did not answer\");",
        ),
    ];
    for (name, params, doc, example) in settles {
        let runtime = Arc::clone(rt);
        reg.add(
            StepSpec {
                name,
                category: Category::Queue,
                effect: Effect::Write,
                doc,
                params,
                returns: Unit,
                example,
            },
            move |ctx: NativeCallContext, item: Dynamic, detail: Dynamic| {
                settle(&runtime, &ctx, name, &item, &detail)
            },
        );
    }
    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "queue_done",
            category: Category::Queue,
            effect: Effect::Write,
            doc: "Marks `item` done.",
            params: &[ITEM],
            returns: Unit,
            example: "queue_done(item);",
        },
        move |ctx: NativeCallContext, item: Dynamic| {
            settle(&runtime, &ctx, "queue_done", &item, &Dynamic::UNIT)
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "queue_add",
            category: Category::Queue,
            effect: Effect::Write,
            doc: "Adds an item to work queue `queue`. `item` keys: `reference` (unique in the queue:\nadding it again returns the existing item), `payload`, `priority`, `deadline` and\n`defer_until` (RFC 3339). Returns `#{ id, duplicate }`.",
            params: &[Param { name: "queue", ty: Str }, Param { name: "item", ty: MapT }],
            returns: MapT,
            example: "queue_add(\"invoices\", #{ reference: row.invoice_no, payload: row });",
        },
        move |ctx: NativeCallContext, queue: ImmutableString, item: Map| {
            let args = [&queue.clone().into(), &item.clone().into()];
            runtime.step_as(&ctx, "queue_add", "queue_add", Effect::Write, &args, |record| {
                record.attr("queue", queue.as_str());
                let new_item: NewQueueItem = serde_json::from_value(to_json(&item.into())?)
                    .map_err(|error| StepError::invalid(format!("queue_add item: {error}")))?;
                if let Some(reference) = &new_item.reference {
                    record.attr("reference", reference.as_str());
                }
                let mut answer = Map::new();
                if runtime.dry_run {
                    record.skipped = true;
                    answer.insert("id".into(), Dynamic::UNIT);
                    answer.insert("duplicate".into(), Dynamic::FALSE);
                    return Ok(answer);
                }
                let (id, duplicate) = queues(&runtime)?.add(&queue, new_item).map_err(queue_error)?;
                record.attr("item", id.as_str());
                answer.insert("id".into(), id.into());
                answer.insert("duplicate".into(), duplicate.into());
                Ok(answer)
            })
        },
    );
}

fn queues(runtime: &Runtime) -> Result<&dyn WorkQueue, StepError> {
    runtime.work_queue.as_deref().ok_or_else(|| {
        StepError::invalid(
            "work queues live on the control plane: run this bot through `flowbot agent` (a local `flowbot run` has no queues)",
        )
    })
}

fn queue_error(error: QueueError) -> StepError {
    match error {
        QueueError::LeaseLost => StepError::Stopped("lost its lease"),
        QueueError::Failed(message) => StepError::invalid(message),
    }
}

fn item_map(item: &QueueItem) -> Result<Dynamic, StepError> {
    let value = serde_json::to_value(item)?;
    from_json(&value)
}

/// The id of an item given as the map `queue_next` returned or as the id itself.
fn item_id(item: &Dynamic) -> Result<String, StepError> {
    if let Some(map) = item.read_lock::<Map>() {
        return map
            .get("id")
            .and_then(|id| id.clone().into_string().ok())
            .ok_or_else(|| {
                StepError::invalid("the item map has no `id`: pass what queue_next returned")
            });
    }
    item.clone()
        .into_string()
        .map_err(|_| StepError::invalid("pass the item map queue_next returned, or its id"))
}

fn settle(
    runtime: &Runtime,
    ctx: &NativeCallContext,
    step: &str,
    item: &Dynamic,
    detail: &Dynamic,
) -> Result<(), Box<rhai::EvalAltResult>> {
    runtime.step_as(ctx, step, step, Effect::Write, &[item, detail], |record| {
        let id = item_id(item)?;
        record.attr("item", id.as_str());
        let outcome = match step {
            "queue_done" => ItemOutcome::Done {
                output: if detail.is_unit() {
                    serde_json::Value::Null
                } else {
                    to_json(detail)?
                },
            },
            "queue_business_exception" => ItemOutcome::BusinessException {
                reason: detail.to_string(),
            },
            _ => ItemOutcome::SystemException {
                reason: detail.to_string(),
            },
        };
        if runtime.dry_run {
            record.skipped = true;
            return Ok(());
        }
        queues(runtime)?.settle(&id, outcome).map_err(queue_error)
    })
}
