//! JSON: parse and render values, read and write JSON files.

use std::sync::Arc;

use rhai::{Dynamic, ImmutableString, NativeCallContext};

use crate::catalogue::ParamType::{Any, String as Str, Unit};
use crate::catalogue::{Category, Effect, Param, Registrar, StepSpec};
use crate::error::StepError;
use crate::runtime::Runtime;
use crate::steps::files::ensure_parent;
use crate::steps::plain_error;

pub(crate) fn to_json(value: &Dynamic) -> Result<serde_json::Value, StepError> {
    rhai::serde::from_dynamic(value).map_err(|error| StepError::invalid(error.to_string()))
}

pub(crate) fn from_json(value: &serde_json::Value) -> Result<Dynamic, StepError> {
    rhai::serde::to_dynamic(value).map_err(|error| StepError::invalid(error.to_string()))
}

pub(crate) fn register(reg: &mut Registrar<'_>, rt: &Arc<Runtime>) {
    reg.add(
        StepSpec {
            name: "parse_json",
            category: Category::Json,
            effect: Effect::Pure,
            doc: "The value the JSON `text` describes (objects become maps, arrays arrays).",
            params: &[Param {
                name: "text",
                ty: Str,
            }],
            returns: Any,
            example: "let order = parse_json(response.body);",
        },
        |text: ImmutableString| {
            let value: serde_json::Value = serde_json::from_str(&text)
                .map_err(|error| plain_error(format!("parse_json: {error}")))?;
            from_json(&value).map_err(|error| plain_error(error.to_string()))
        },
    );

    reg.add(
        StepSpec {
            name: "to_json",
            category: Category::Json,
            effect: Effect::Pure,
            doc: "`value` as compact JSON text.",
            params: &[Param {
                name: "value",
                ty: Any,
            }],
            returns: Str,
            example: "let body = to_json(#{ id: 7, paid: true });",
        },
        |value: Dynamic| {
            let json = to_json(&value).map_err(|error| plain_error(error.to_string()))?;
            Ok::<_, Box<rhai::EvalAltResult>>(json.to_string())
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "read_json",
            category: Category::Json,
            effect: Effect::Read,
            doc: "The value in the JSON file at `path`.",
            params: &[Param {
                name: "path",
                ty: Str,
            }],
            returns: Any,
            example: "let config = read_json(\"in/config.json\");",
        },
        move |ctx: NativeCallContext, path: ImmutableString| {
            runtime.step(&ctx, "read_json", &[&path.clone().into()], |record| {
                record.attr("path", path.as_str());
                let real = runtime.resolve(&path)?;
                let text = std::fs::read_to_string(&real).map_err(|source| StepError::Io {
                    action: "cannot read",
                    path: real.clone(),
                    source,
                })?;
                let value: serde_json::Value = serde_json::from_str(&text)?;
                from_json(&value)
            })
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "write_json",
            category: Category::Json,
            effect: Effect::Write,
            doc: "Writes `value` as indented JSON to `path`, creating missing folders.",
            params: &[
                Param {
                    name: "path",
                    ty: Str,
                },
                Param {
                    name: "value",
                    ty: Any,
                },
            ],
            returns: Unit,
            example: "write_json(\"out/summary.json\", #{ matched: 12, exceptions: 3 });",
        },
        move |ctx: NativeCallContext, path: ImmutableString, value: Dynamic| {
            let args = [&path.clone().into(), &value];
            runtime.step_as(
                &ctx,
                "write_json",
                "write_json",
                Effect::Write,
                &args,
                |record| {
                    record.attr("path", path.as_str());
                    let real = runtime.resolve(&path)?;
                    let text = serde_json::to_string_pretty(&to_json(&value)?)?;
                    if runtime.dry_run {
                        record.skipped = true;
                        return Ok(());
                    }
                    ensure_parent(&real)?;
                    std::fs::write(&real, text + "\n").map_err(|source| StepError::Io {
                        action: "cannot write",
                        path: real.clone(),
                        source,
                    })
                },
            )
        },
    );
}
