//! Flow and data steps: logging, waiting, retries, business step groups, exceptions, secrets,
//! job inputs and outputs.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use flowbot_model::event::AttributeValue;
use flowbot_model::wire::ExceptionKind;
use rhai::{Dynamic, EvalAltResult, FnPtr, ImmutableString, Map, NativeCallContext};

use crate::catalogue::ParamType::{Any, Bool, Fn, Int, Map as MapT, String as Str, Unit};
use crate::catalogue::{Category, Effect, Param, Registrar, StepSpec};
use crate::error::{StepError, exception_kind, exception_map};
use crate::runtime::Runtime;

/// Longest backoff `retry` waits between two attempts, whatever the script asks for.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

pub(crate) fn register(reg: &mut Registrar<'_>, rt: &Arc<Runtime>) {
    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "log",
            category: Category::Flow,
            effect: Effect::Pure,
            doc: "Writes a line to the run log (redacted). A log line is not a step: no event.",
            params: &[Param {
                name: "message",
                ty: Any,
            }],
            returns: Unit,
            example: "log(`checking ${rows.len()} rows`);",
        },
        move |message: Dynamic| runtime.log_line("info", &message.to_string()),
    );

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "sleep",
            category: Category::Flow,
            effect: Effect::Control,
            doc: "Waits `ms` milliseconds; cancel and the run's timeout still stop it at once.",
            params: &[Param {
                name: "ms",
                ty: Int,
            }],
            returns: Unit,
            example: "sleep(500);",
        },
        move |ctx: NativeCallContext, ms: i64| {
            runtime.step_as(
                &ctx,
                "sleep",
                "sleep",
                Effect::Control,
                &[&Dynamic::from_int(ms)],
                |record| {
                    record.attr("ms", ms);
                    runtime
                        .stopper
                        .sleep(Duration::from_millis(ms.max(0).unsigned_abs()))
                        .map_err(StepError::Stopped)
                },
            )
        },
    );

    for (params, example) in [
        (
            &[
                Param {
                    name: "condition",
                    ty: Fn,
                },
                Param {
                    name: "timeout_ms",
                    ty: Int,
                },
            ][..],
            "wait_until(|| file_exists(\"in/ready.flag\"), 30_000);",
        ),
        (
            &[
                Param {
                    name: "condition",
                    ty: Fn,
                },
                Param {
                    name: "timeout_ms",
                    ty: Int,
                },
                Param {
                    name: "interval_ms",
                    ty: Int,
                },
            ][..],
            "wait_until(|| http_get(url).status == 200, 60_000, 2_000);",
        ),
    ] {
        let runtime = Arc::clone(rt);
        let spec = StepSpec {
            name: "wait_until",
            category: Category::Flow,
            effect: Effect::Control,
            doc: "Calls `condition` until it returns true; fails with a system exception after `timeout_ms`.\nPolls every 100 ms unless `interval_ms` is given.",
            params,
            returns: Unit,
            example,
        };
        if params.len() == 2 {
            let runtime = Arc::clone(&runtime);
            reg.add(
                spec,
                move |ctx: NativeCallContext, condition: FnPtr, timeout_ms: i64| {
                    wait_until(&runtime, &ctx, &condition, timeout_ms, 100)
                },
            );
        } else {
            reg.add(
                spec,
                move |ctx: NativeCallContext, condition: FnPtr, timeout_ms: i64, interval: i64| {
                    wait_until(&runtime, &ctx, &condition, timeout_ms, interval)
                },
            );
        }
    }

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "retry",
            category: Category::Flow,
            effect: Effect::Control,
            doc: "Calls `action` up to `attempts` times, waiting `backoff_ms`, then twice that, … between\nattempts. Business exceptions are not retried: they are facts about the data.\nReturns what `action` returns.",
            params: &[Param { name: "attempts", ty: Int }, Param { name: "backoff_ms", ty: Int }, Param { name: "action", ty: Fn }],
            returns: Any,
            example: "let page = retry(3, 1_000, || http_get(\"https://erp.example/api/orders\"));",
        },
        move |ctx: NativeCallContext, attempts: i64, backoff_ms: i64, action: FnPtr| {
            retry(&runtime, &ctx, attempts, backoff_ms, &action)
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "step",
            category: Category::Flow,
            effect: Effect::Control,
            doc: "Runs `body` as the business step `name`: one event with that activity, and the\nsteps inside carry `business_step = name`. Returns what `body` returns.",
            params: &[Param { name: "name", ty: Str }, Param { name: "body", ty: Fn }],
            returns: Any,
            example: "step(\"Validate invoices\", || { /* … */ });",
        },
        move |ctx: NativeCallContext, name: ImmutableString, body: FnPtr| {
            business_step(&runtime, &ctx, &name, Map::new(), &body)
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "step",
            category: Category::Flow,
            effect: Effect::Control,
            doc: "Like `step(name, body)`, with attributes for the event, such as the record worked on.",
            params: &[Param { name: "name", ty: Str }, Param { name: "attributes", ty: MapT }, Param { name: "body", ty: Fn }],
            returns: Any,
            example: "step(\"Check payment\", #{ record: row.id }, || check(row));",
        },
        move |ctx: NativeCallContext, name: ImmutableString, attributes: Map, body: FnPtr| {
            business_step(&runtime, &ctx, &name, attributes, &body)
        },
    );

    for (name, kind, doc) in [
        (
            "business",
            ExceptionKind::Business,
            "An exception about the data (a bad IBAN, a missing invoice): `throw business(\"…\")`.\n`retry` does not retry it and the job is not retried.",
        ),
        (
            "system",
            ExceptionKind::System,
            "An exception about the systems (an application down): `throw system(\"…\")`.\n`retry` retries it; the control plane may retry the job.",
        ),
    ] {
        reg.add(
            StepSpec {
                name,
                category: Category::Flow,
                effect: Effect::Pure,
                doc,
                params: &[Param {
                    name: "message",
                    ty: Str,
                }],
                returns: MapT,
                example: if kind == ExceptionKind::Business {
                    "throw business(`row ${n}: bad IBAN`);"
                } else {
                    "throw system(\"ERP did not answer\");"
                },
            },
            move |message: ImmutableString| exception_map(kind, &message),
        );
    }

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "secret",
            category: Category::Data,
            effect: Effect::Read,
            doc: "The secret `name` from the vault (or, locally, FLOWBOT_SECRET_<NAME> or secrets.toml).\nIts value is replaced by *** in every log, event, error and print.",
            params: &[Param { name: "name", ty: Str }],
            returns: Str,
            example: "let password = secret(\"erp_password\");",
        },
        move |ctx: NativeCallContext, name: ImmutableString| {
            runtime.step(&ctx, "secret", &[&name.clone().into()], |record| {
                record.attr("name", name.as_str());
                let value = runtime
                    .secrets
                    .get(&name)
                    .ok_or_else(|| StepError::MissingSecret(name.to_string()))?;
                runtime.redactor.add(&value);
                Ok(value)
            })
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "input",
            category: Category::Data,
            effect: Effect::Read,
            doc: "The job parameter `name`; fails if the job has none.",
            params: &[Param {
                name: "name",
                ty: Str,
            }],
            returns: Any,
            example: "let folder = input(\"folder\");",
        },
        move |ctx: NativeCallContext, name: ImmutableString| {
            runtime.step(&ctx, "input", &[&name.clone().into()], |record| {
                record.attr("name", name.as_str());
                let value = runtime
                    .inputs
                    .get(name.as_str())
                    .ok_or_else(|| StepError::MissingInput(name.to_string()))?;
                rhai::serde::to_dynamic(value)
                    .map_err(|error| StepError::invalid(error.to_string()))
            })
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "input",
            category: Category::Data,
            effect: Effect::Read,
            doc: "The job parameter `name`, or `default` when the job has none.",
            params: &[
                Param {
                    name: "name",
                    ty: Str,
                },
                Param {
                    name: "default",
                    ty: Any,
                },
            ],
            returns: Any,
            example: "let limit = input(\"limit\", 100);",
        },
        move |ctx: NativeCallContext, name: ImmutableString, default: Dynamic| {
            runtime.step(&ctx, "input", &[&name.clone().into()], |record| {
                record.attr("name", name.as_str());
                match runtime.inputs.get(name.as_str()) {
                    Some(value) => rhai::serde::to_dynamic(value)
                        .map_err(|error| StepError::invalid(error.to_string())),
                    None => {
                        record.attr("defaulted", true);
                        Ok(default)
                    }
                }
            })
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "output",
            category: Category::Data,
            effect: Effect::Control,
            doc: "Sets the job result `name` (written to run.json and reported to the control plane).",
            params: &[Param { name: "name", ty: Str }, Param { name: "value", ty: Any }],
            returns: Unit,
            example: "output(\"exceptions\", report.len());",
        },
        move |ctx: NativeCallContext, name: ImmutableString, value: Dynamic| {
            runtime.step(&ctx, "output", &[&name.clone().into()], |record| {
                record.attr("name", name.as_str());
                let json: serde_json::Value = rhai::serde::from_dynamic(&value)
                    .map_err(|error| StepError::invalid(format!("output `{name}`: {error}")))?;
                if let Ok(mut outputs) = runtime.outputs.lock() {
                    outputs.insert(name.to_string(), json);
                }
                Ok(())
            })
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "run_folder",
            category: Category::Files,
            effect: Effect::Pure,
            doc: "The absolute path of this run's folder (events, log, outputs); file steps may write\nunder `<run folder>/artifacts`. An agent's job without `--keep-runs` keeps its\nrecord in the control plane, and the folder appears when a step first writes there.",
            params: &[],
            returns: Str,
            example: "write_text(run_folder() + \"/artifacts/summary.txt\", text);",
        },
        move || {
            runtime
                .run_dir
                .as_ref()
                .map(|dir| dir.display().to_string())
                .unwrap_or_default()
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "is_dry_run",
            category: Category::Flow,
            effect: Effect::Pure,
            doc: "True when the run was started with --dry-run (write steps are skipped).",
            params: &[],
            returns: Bool,
            example: "if !is_dry_run() { log(\"for real\"); }",
        },
        move || runtime.dry_run,
    );
}

fn wait_until(
    runtime: &Runtime,
    ctx: &NativeCallContext,
    condition: &FnPtr,
    timeout_ms: i64,
    interval_ms: i64,
) -> Result<(), Box<EvalAltResult>> {
    let args = [
        &Dynamic::from(condition.clone()),
        &Dynamic::from_int(timeout_ms),
    ];
    runtime.step_as(
        ctx,
        "wait_until",
        "wait_until",
        Effect::Control,
        &args,
        |record| {
            let started = Instant::now();
            let timeout = Duration::from_millis(timeout_ms.max(0).unsigned_abs());
            let interval = Duration::from_millis(interval_ms.clamp(1, 60_000).unsigned_abs());
            let mut polls = 0_i64;
            loop {
                polls += 1;
                let done: bool = condition
                    .call_within_context(ctx, ())
                    .map_err(StepError::Script)?;
                if done {
                    record.attr("polls", polls);
                    return Ok(());
                }
                if started.elapsed() >= timeout {
                    record.attr("polls", polls);
                    return Err(StepError::WaitTimedOut(timeout_ms));
                }
                runtime
                    .stopper
                    .sleep(interval)
                    .map_err(StepError::Stopped)?;
            }
        },
    )
}

fn retry(
    runtime: &Runtime,
    ctx: &NativeCallContext,
    attempts: i64,
    backoff_ms: i64,
    action: &FnPtr,
) -> Result<Dynamic, Box<EvalAltResult>> {
    let args = [&Dynamic::from_int(attempts), &Dynamic::from_int(backoff_ms)];
    runtime.step_as(ctx, "retry", "retry", Effect::Control, &args, |record| {
        let attempts = attempts.max(1);
        let mut backoff = Duration::from_millis(backoff_ms.max(0).unsigned_abs());
        let mut attempt = 1;
        loop {
            record.attr("attempts", attempt);
            match action.call_within_context::<Dynamic>(ctx, ()) {
                Ok(value) => return Ok(value),
                Err(error) => {
                    let business = matches!(
                        crate::error::innermost(&error),
                        EvalAltResult::ErrorRuntime(value, _) if exception_kind(value) == ExceptionKind::Business
                    );
                    // Limits, cancel and business exceptions end the retry at once.
                    if business || !error.is_catchable() || attempt >= attempts {
                        return Err(StepError::Script(error));
                    }
                    runtime.log_line(
                        "warn",
                        &format!("retry: attempt {attempt} of {attempts} failed: {error}"),
                    );
                }
            }
            runtime.stopper.sleep(backoff).map_err(StepError::Stopped)?;
            backoff = (backoff * 2).min(MAX_BACKOFF);
            attempt += 1;
        }
    })
}

fn business_step(
    runtime: &Runtime,
    ctx: &NativeCallContext,
    name: &str,
    attributes: Map,
    body: &FnPtr,
) -> Result<Dynamic, Box<EvalAltResult>> {
    let args = [&Dynamic::from(name.to_owned())];
    runtime.step_as(ctx, "step", name, Effect::Control, &args, |record| {
        record.attributes.extend(attributes_from_map(&attributes));
        runtime.push_group(name);
        let result = body.call_within_context::<Dynamic>(ctx, ());
        runtime.pop_group();
        result.map_err(StepError::Script)
    })
}

/// Script map values as event attributes: scalars keep their type, anything else its text.
pub(crate) fn attributes_from_map(map: &Map) -> BTreeMap<String, AttributeValue> {
    map.iter()
        .map(|(key, value)| {
            let attribute = if let Ok(int) = value.as_int() {
                AttributeValue::Int(int)
            } else if let Ok(float) = value.as_float() {
                AttributeValue::Float(float)
            } else if let Ok(flag) = value.as_bool() {
                AttributeValue::Bool(flag)
            } else {
                AttributeValue::String(value.to_string())
            };
            (key.to_string(), attribute)
        })
        .collect()
}
