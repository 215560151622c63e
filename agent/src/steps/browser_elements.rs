//! Browser steps, part two: steps on elements, each taking a locator (see `browser::locator`)
//! and waiting until its element is ready, plus the pure helpers that build locators.

use std::sync::Arc;

use rhai::{Array, Dynamic, ImmutableString, Map, NativeCallContext};

use crate::browser::{Session, State, quoted_if_needed};
use crate::catalogue::ParamType::{
    self, Any, Array as ArrayT, Int, Map as MapT, String as Str, Unit,
};
use crate::catalogue::{Category, Effect, Param, Registrar, StepSpec};
use crate::error::StepError;
use crate::runtime::StepRecord;
use crate::steps::browser::{Browser, parse_locator, timeout};
use crate::steps::option;

type Body = fn(
    &Browser,
    &Session,
    &crate::browser::Locator,
    &Dynamic,
    &Map,
    &mut StepRecord,
) -> Result<Dynamic, StepError>;

/// One element step: its two signatures (without and with `options`) and what it does.
struct ElementStep {
    name: &'static str,
    effect: Effect,
    doc: &'static str,
    params: [&'static [Param]; 2],
    returns: ParamType,
    example: &'static str,
    body: Body,
}

const L: Param = Param {
    name: "locator",
    ty: Str,
};
const O: Param = Param {
    name: "options",
    ty: MapT,
};

fn text_of(value: &Dynamic) -> String {
    value.to_string()
}

fn unit<T>(_: T) -> Dynamic {
    Dynamic::UNIT
}

fn steps() -> Vec<ElementStep> {
    vec![
        ElementStep {
            name: "click",
            effect: Effect::Write,
            doc: "Clicks the element's centre once it is visible, enabled and not covered (a spinner or\noverlay on top makes it wait). If the click starts a navigation, waits for the new page.\nOptions: `timeout_ms`.",
            params: [&[L], &[L, O]],
            returns: Unit,
            example: "click(role(\"button\", \"Save customer\"));",
            body: |_, s, l, _, o, _| Ok(unit(s.click(l, timeout(o)?)?)),
        },
        ElementStep {
            name: "hover",
            effect: Effect::Read,
            doc: "Moves the mouse over the element once it is visible and not covered. Options: `timeout_ms`.",
            params: [&[L], &[L, O]],
            returns: Unit,
            example: "hover(\"#menu-reports\");",
            body: |_, s, l, _, o, _| Ok(unit(s.hover(l, timeout(o)?)?)),
        },
        ElementStep {
            name: "check",
            effect: Effect::Read,
            doc: "Ticks a checkbox or radio button (clicking it only if it is not ticked) and confirms it is.\nOptions: `timeout_ms`.",
            params: [&[L], &[L, O]],
            returns: Unit,
            example: "check(label(\"I accept the terms and conditions\"));",
            body: |_, s, l, _, o, _| Ok(unit(s.set_checked(l, true, timeout(o)?)?)),
        },
        ElementStep {
            name: "uncheck",
            effect: Effect::Read,
            doc: "Clears a checkbox (clicking it only if it is ticked) and confirms it is clear. Options: `timeout_ms`.",
            params: [&[L], &[L, O]],
            returns: Unit,
            example: "uncheck(label(\"Send me news and offers\"));",
            body: |_, s, l, _, o, _| Ok(unit(s.set_checked(l, false, timeout(o)?)?)),
        },
        ElementStep {
            name: "fill",
            effect: Effect::Read,
            doc: "Replaces the value of an input, textarea or editable element with `value` (any script,\ninserted as one input event; dates as YYYY-MM-DD). Waits until it is visible, enabled and\neditable. Options: `timeout_ms`.",
            params: [
                &[
                    L,
                    Param {
                        name: "value",
                        ty: Any,
                    },
                ],
                &[
                    L,
                    Param {
                        name: "value",
                        ty: Any,
                    },
                    O,
                ],
            ],
            returns: Unit,
            example: "fill(label(\"Email\"), row.email);",
            body: |_, s, l, v, o, _| Ok(unit(s.fill(l, &text_of(v), timeout(o)?)?)),
        },
        ElementStep {
            name: "type_text",
            effect: Effect::Read,
            doc: "Focuses the element and types `text` one key event per character, for pages that react to\neach key (autocomplete, masks). Slower than `fill`. Options: `timeout_ms`.",
            params: [
                &[
                    L,
                    Param {
                        name: "text",
                        ty: Any,
                    },
                ],
                &[
                    L,
                    Param {
                        name: "text",
                        ty: Any,
                    },
                    O,
                ],
            ],
            returns: Unit,
            example: "type_text(label(\"Search\"), \"Zürich\");",
            body: |_, s, l, v, o, _| Ok(unit(s.type_text(l, &text_of(v), timeout(o)?)?)),
        },
        ElementStep {
            name: "press",
            effect: Effect::Write,
            doc: "Focuses the element and presses `key`: one character, or Enter, Tab, Escape, Backspace,\nDelete, Arrow…, Home, End, PageUp, PageDown, Space, with modifiers (`Control+A`). Waits for\na navigation the key starts. Options: `timeout_ms`.",
            params: [
                &[
                    L,
                    Param {
                        name: "key",
                        ty: Str,
                    },
                ],
                &[
                    L,
                    Param {
                        name: "key",
                        ty: Str,
                    },
                    O,
                ],
            ],
            returns: Unit,
            example: "press(label(\"Search\"), \"Enter\");",
            body: |_, s, l, v, o, _| Ok(unit(s.press(l, &text_of(v), timeout(o)?)?)),
        },
        ElementStep {
            name: "select_option",
            effect: Effect::Read,
            doc: "Selects the option(s) of a `<select>` whose value or visible text is `value` (a string, or\nan array for a multiple select); waits for the options to exist. Returns the selected values.\nOptions: `timeout_ms`.",
            params: [
                &[
                    L,
                    Param {
                        name: "value",
                        ty: Any,
                    },
                ],
                &[
                    L,
                    Param {
                        name: "value",
                        ty: Any,
                    },
                    O,
                ],
            ],
            returns: ArrayT,
            example: "select_option(label(\"Country\"), \"Switzerland\");",
            body: |_, s, l, v, o, _| {
                let wanted: Vec<String> = match v.clone().try_cast::<Array>() {
                    Some(items) => items.iter().map(text_of).collect(),
                    None => vec![text_of(v)],
                };
                let selected = s.select(l, &wanted, timeout(o)?)?;
                Ok(selected
                    .into_iter()
                    .map(Dynamic::from)
                    .collect::<Array>()
                    .into())
            },
        },
        ElementStep {
            name: "get_text",
            effect: Effect::Read,
            doc: "The element's visible text, trimmed. Waits for it to exist. Options: `timeout_ms`.",
            params: [&[L], &[L, O]],
            returns: Str,
            example: "let confirmation = get_text(\"#confirmation\");",
            body: |_, s, l, _, o, _| Ok(s.read_text(l, timeout(o)?)?.into()),
        },
        ElementStep {
            name: "get_value",
            effect: Effect::Read,
            doc: "The current value of a form control (a ticked checkbox gives its value, an unticked one \"\").\nOptions: `timeout_ms`.",
            params: [&[L], &[L, O]],
            returns: Str,
            example: "let email = get_value(label(\"Email\"));",
            body: |_, s, l, _, o, _| Ok(s.read_value(l, timeout(o)?)?.into()),
        },
        ElementStep {
            name: "get_attribute",
            effect: Effect::Read,
            doc: "The element's attribute `name`, or `()` if it has none. Options: `timeout_ms`.",
            params: [
                &[
                    L,
                    Param {
                        name: "name",
                        ty: Str,
                    },
                ],
                &[
                    L,
                    Param {
                        name: "name",
                        ty: Str,
                    },
                    O,
                ],
            ],
            returns: Any,
            example: "let next = get_attribute(\"#next\", \"href\");",
            body: |_, s, l, v, o, _| {
                Ok(s.read_attribute(l, &text_of(v), timeout(o)?)?
                    .map_or(Dynamic::UNIT, Dynamic::from))
            },
        },
        ElementStep {
            name: "read_html_table",
            effect: Effect::Read,
            doc: "Reads an HTML `<table>` into rows: one map per body row, keyed by the header cells\n(`column_N` where a header is missing or repeated). Options: `timeout_ms`.",
            params: [&[L], &[L, O]],
            returns: ArrayT,
            example: "let claims = read_html_table(\"#claims\");\nfor claim in claims { log(claim.Claim); }",
            body: |_, s, l, _, o, record| {
                let table = s.read_table(l, timeout(o)?)?;
                record.attr("rows", table.rows.len());
                Ok(table_rows(&table).into())
            },
        },
        ElementStep {
            name: "wait_for",
            effect: Effect::Control,
            doc: "Waits until the locator's element is `visible` (default), `attached`, `hidden` or\n`detached`; returns how many match. Options: `state`, `timeout_ms`.",
            params: [&[L], &[L, O]],
            returns: Int,
            example: "wait_for(\".spinner\", #{ state: \"detached\" });",
            body: |_, s, l, _, o, _| {
                let state = match option(o, "state") {
                    Some(state) => State::parse(&state.to_string())?,
                    None => State::Visible,
                };
                Ok(Dynamic::from_int(s.wait_for(l, state, timeout(o)?)? as i64))
            },
        },
        ElementStep {
            name: "upload",
            effect: Effect::Write,
            doc: "Sets the file(s) of an `<input type=file>` to `path` (a path or an array of paths inside\nthe bot's folders). Options: `timeout_ms`.",
            params: [
                &[
                    L,
                    Param {
                        name: "path",
                        ty: Any,
                    },
                ],
                &[
                    L,
                    Param {
                        name: "path",
                        ty: Any,
                    },
                    O,
                ],
            ],
            returns: Unit,
            example: "upload(label(\"ID document (PDF, PNG or JPEG)\"), \"documents/passport.pdf\");",
            body: |b, s, l, v, o, _| {
                let paths: Vec<String> = match v.clone().try_cast::<Array>() {
                    Some(items) => items.iter().map(text_of).collect(),
                    None => vec![text_of(v)],
                };
                let files = paths
                    .iter()
                    .map(|p| b.runtime.resolve(p))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(unit(s.upload(l, &files, timeout(o)?)?))
            },
        },
        ElementStep {
            name: "download",
            effect: Effect::Write,
            doc: "Clicks the element and waits for the file it downloads, saved under\n`<run folder>/artifacts/downloads/`; returns the file's path. Options: `timeout_ms`.",
            params: [&[L], &[L, O]],
            returns: Str,
            example: "let statement = download(text(\"Download statement\"));",
            body: |_, s, l, _, o, record| {
                let path = s.download(l, timeout(o)?)?;
                record.attr("path", path.display().to_string());
                Ok(path.display().to_string().into())
            },
        },
    ]
}

/// Header → cell maps; missing or repeated headers become `column_N` (1-based).
fn table_rows(table: &crate::browser::TableRows) -> Array {
    let mut keys: Vec<String> = Vec::new();
    let width = table
        .rows
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(0)
        .max(table.headers.len());
    for index in 0..width {
        let header = table.headers.get(index).map(|h| h.trim()).unwrap_or("");
        let key = if header.is_empty() || keys.iter().any(|k| k == header) {
            format!("column_{}", index + 1)
        } else {
            header.to_owned()
        };
        keys.push(key);
    }
    table
        .rows
        .iter()
        .map(|row| {
            let map: Map = keys
                .iter()
                .enumerate()
                .map(|(index, key)| {
                    (
                        key.as_str().into(),
                        Dynamic::from(row.get(index).cloned().unwrap_or_default()),
                    )
                })
                .collect();
            Dynamic::from(map)
        })
        .collect()
}

pub(crate) fn register(reg: &mut Registrar<'_>, browser: &Arc<Browser>) {
    for step in steps() {
        let has_value = step.params[0].len() == 2;
        for with_options in [false, true] {
            let spec = StepSpec {
                name: step.name,
                category: Category::Browser,
                effect: step.effect,
                doc: step.doc,
                params: step.params[usize::from(with_options)],
                returns: step.returns,
                example: step.example,
            };
            let (b, name, effect, body) = (Arc::clone(browser), step.name, step.effect, step.body);
            let run = move |ctx: &NativeCallContext,
                            locator: &str,
                            value: Dynamic,
                            options: Map,
                            args: &[&Dynamic]| {
                b.step(ctx, name, effect, args, |session, record| {
                    record.attr("locator", locator);
                    let parsed = parse_locator(locator)?;
                    body(&b, session, &parsed, &value, &options, record)
                })
            };
            match (has_value, with_options) {
                (false, false) => reg.add(
                    spec,
                    move |ctx: NativeCallContext, locator: ImmutableString| {
                        run(
                            &ctx,
                            &locator,
                            Dynamic::UNIT,
                            Map::new(),
                            &[&locator.clone().into()],
                        )
                    },
                ),
                (false, true) => reg.add(
                    spec,
                    move |ctx: NativeCallContext, locator: ImmutableString, options: Map| {
                        let args = [&locator.clone().into(), &options.clone().into()];
                        run(&ctx, &locator, Dynamic::UNIT, options, &args)
                    },
                ),
                (true, false) => reg.add(
                    spec,
                    move |ctx: NativeCallContext, locator: ImmutableString, value: Dynamic| {
                        let args = [&locator.clone().into(), &value];
                        run(&ctx, &locator, value.clone(), Map::new(), &args)
                    },
                ),
                (true, true) => reg.add(
                    spec,
                    move |ctx: NativeCallContext,
                          locator: ImmutableString,
                          value: Dynamic,
                          options: Map| {
                        let args = [&locator.clone().into(), &value, &options.clone().into()];
                        run(&ctx, &locator, value.clone(), options, &args)
                    },
                ),
            }
        }
    }

    let b = Arc::clone(browser);
    reg.add(
        StepSpec {
            name: "count",
            category: Category::Browser,
            effect: Effect::Read,
            doc: "How many elements the locator finds right now (no waiting).",
            params: &[L],
            returns: Int,
            example: "if count(\"#errors li\") > 0 { throw business(get_text(\"#errors\")); }",
        },
        move |ctx: NativeCallContext, locator: ImmutableString| {
            b.step(
                &ctx,
                "count",
                Effect::Read,
                &[&locator.clone().into()],
                |session, record| {
                    record.attr("locator", locator.as_str());
                    Ok(Dynamic::from_int(
                        session.count(&parse_locator(&locator)?)? as i64
                    ))
                },
            )
        },
    );
    register_builders(reg);
}

/// Name, parameter, doc, example and what it builds from its one text argument.
type Builder = (
    &'static str,
    &'static [Param],
    &'static str,
    &'static str,
    fn(&str) -> String,
);

/// Pure helpers that build locator strings, so scripts need not learn the syntax.
fn register_builders(reg: &mut Registrar<'_>) {
    const TEXT: &[Param] = &[Param {
        name: "text",
        ty: Str,
    }];
    let one: [Builder; 5] = [
        (
            "label",
            TEXT,
            "The form control labelled `text`: `<label for>`, a wrapping label, aria-labelledby,\naria-label, placeholder, else the nearest text before it. Case and a trailing `:` are ignored.",
            "fill(label(\"Email\"), \"anna@example.com\");",
            |t| format!("label={}", quoted_if_needed(t)),
        ),
        (
            "text",
            TEXT,
            "The innermost elements whose text contains `text` (an equal text wins).",
            "click(text(\"Next\"));",
            |t| format!("text={}", quoted_if_needed(t)),
        ),
        (
            "placeholder",
            TEXT,
            "Controls whose placeholder is `text`.",
            "fill(placeholder(\"Search claims\"), \"CLM-2026\");",
            |t| format!("placeholder={}", quoted_if_needed(t)),
        ),
        (
            "xpath",
            &[Param {
                name: "expression",
                ty: Str,
            }],
            "An XPath locator.",
            "click(xpath(\"//button[@type='submit']\"));",
            |t| format!("xpath={t}"),
        ),
        (
            "frame",
            &[Param {
                name: "selector",
                ty: Str,
            }],
            "Continue inside the same-origin `<iframe>` the CSS selector finds; chain with `within`.",
            "fill(within(frame(\"#payment\"), label(\"Card number\")), card);",
            |t| format!("frame={t}"),
        ),
    ];
    for (name, params, doc, example, build) in one {
        reg.add(
            StepSpec {
                name,
                category: Category::Browser,
                effect: Effect::Pure,
                doc,
                params,
                returns: Str,
                example,
            },
            move |text: ImmutableString| build(&text),
        );
    }
    reg.add(
        StepSpec { name: "role", category: Category::Browser, effect: Effect::Pure, doc: "Elements with ARIA role `role` (explicit or implied: button, link, textbox, checkbox, …).", params: &[Param { name: "role", ty: Str }], returns: Str, example: "let links = count(role(\"link\"));" },
        |role: ImmutableString| format!("role={role}"),
    );
    reg.add(
        StepSpec { name: "role", category: Category::Browser, effect: Effect::Pure, doc: "Elements with ARIA role `role` whose accessible name is `name` (an equal name wins over a\ncontaining one).", params: &[Param { name: "role", ty: Str }, Param { name: "name", ty: Str }], returns: Str, example: "click(role(\"button\", \"Sign in\"));" },
        |role: ImmutableString, name: ImmutableString| format!("role={role}[name={}]", quoted_if_needed(&name)),
    );
    reg.add(
        StepSpec {
            name: "nth",
            category: Category::Browser,
            effect: Effect::Pure,
            doc: "The `index`-th match of `locator` (0 is the first, -1 the last).",
            params: &[
                L,
                Param {
                    name: "index",
                    ty: Int,
                },
            ],
            returns: Str,
            example: "click(nth(role(\"link\", \"Details\"), 0));",
        },
        |locator: ImmutableString, index: i64| format!("{locator} >> nth={index}"),
    );
    reg.add(
        StepSpec {
            name: "within",
            category: Category::Browser,
            effect: Effect::Pure,
            doc: "`locator` searched only inside what `container` finds.",
            params: &[
                Param {
                    name: "container",
                    ty: Str,
                },
                L,
            ],
            returns: Str,
            example: "click(within(\"#invoice\", role(\"button\", \"Save\")));",
        },
        |container: ImmutableString, locator: ImmutableString| format!("{container} >> {locator}"),
    );
}
