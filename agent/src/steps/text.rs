//! Text helpers beyond rhai's string functions: regular expressions and amounts as people
//! write them.

use std::sync::Arc;

use rhai::{Array, Dynamic, EvalAltResult, ImmutableString};

use crate::catalogue::ParamType::{Any, Array as ArrayT, Bool, Float, Int, String as Str};
use crate::catalogue::{Category, Effect, Param, Registrar, StepSpec};
use crate::runtime::Runtime;
use crate::steps::plain_error;

/// Compiled patterns are cached per run; this bounds how many a script can make us keep.
const MAX_CACHED_PATTERNS: usize = 256;
/// Bounds the compiled size of one pattern (the regex crate's guard against huge automata).
const MAX_PATTERN_BYTES: usize = 1 << 20;

fn compiled(runtime: &Runtime, pattern: &str) -> Result<regex::Regex, Box<EvalAltResult>> {
    if let Ok(cache) = runtime.regexes.lock()
        && let Some(regex) = cache.get(pattern)
    {
        return Ok(regex.clone());
    }
    let regex = regex::RegexBuilder::new(pattern)
        .size_limit(MAX_PATTERN_BYTES)
        .build()
        .map_err(|error| plain_error(format!("regex `{pattern}`: {error}")))?;
    if let Ok(mut cache) = runtime.regexes.lock() {
        if cache.len() >= MAX_CACHED_PATTERNS {
            cache.clear();
        }
        cache.insert(pattern.to_owned(), regex.clone());
    }
    Ok(regex)
}

pub(crate) fn register(reg: &mut Registrar<'_>, rt: &Arc<Runtime>) {
    let spec = |name, doc, params, returns, example| StepSpec {
        name,
        category: Category::Text,
        effect: Effect::Pure,
        doc,
        params,
        returns,
        example,
    };

    let runtime = Arc::clone(rt);
    reg.add(
        spec(
            "regex_match",
            "True if `pattern` (Rust regex syntax) matches anywhere in `text`.",
            &[Param { name: "text", ty: Str }, Param { name: "pattern", ty: Str }],
            Bool,
            "if !regex_match(iban, \"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$\") { throw business(\"bad IBAN\"); }",
        ),
        move |text: ImmutableString, pattern: ImmutableString| {
            Ok::<_, Box<EvalAltResult>>(compiled(&runtime, &pattern)?.is_match(&text))
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        spec(
            "regex_find",
            "The first match of `pattern` in `text`, or `()` if none.",
            &[
                Param {
                    name: "text",
                    ty: Str,
                },
                Param {
                    name: "pattern",
                    ty: Str,
                },
            ],
            Any,
            "let invoice = regex_find(subject, \"INV-[0-9]+\");",
        ),
        move |text: ImmutableString, pattern: ImmutableString| {
            Ok::<_, Box<EvalAltResult>>(
                compiled(&runtime, &pattern)?
                    .find(&text)
                    .map_or(Dynamic::UNIT, |found| {
                        Dynamic::from(found.as_str().to_owned())
                    }),
            )
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        spec(
            "regex_find_all",
            "Every match of `pattern` in `text`.",
            &[
                Param {
                    name: "text",
                    ty: Str,
                },
                Param {
                    name: "pattern",
                    ty: Str,
                },
            ],
            ArrayT,
            "let refs = regex_find_all(body, \"INV-[0-9]+\");",
        ),
        move |text: ImmutableString, pattern: ImmutableString| {
            Ok::<_, Box<EvalAltResult>>(
                compiled(&runtime, &pattern)?
                    .find_iter(&text)
                    .map(|found| Dynamic::from(found.as_str().to_owned()))
                    .collect::<Array>(),
            )
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        spec(
            "regex_captures",
            "The groups of the first match: `[whole, group1, …]` (unmatched groups are `()`), or\n`()` if `pattern` does not match.",
            &[Param { name: "text", ty: Str }, Param { name: "pattern", ty: Str }],
            Any,
            "let parts = regex_captures(line, \"(\\\\d{4})-(\\\\d{2})\"); // [\"2024-05\", \"2024\", \"05\"]",
        ),
        move |text: ImmutableString, pattern: ImmutableString| {
            Ok::<_, Box<EvalAltResult>>(match compiled(&runtime, &pattern)?.captures(&text) {
                Some(groups) => groups
                    .iter()
                    .map(|group| {
                        group.map_or(Dynamic::UNIT, |found| Dynamic::from(found.as_str().to_owned()))
                    })
                    .collect::<Array>()
                    .into(),
                None => Dynamic::UNIT,
            })
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        spec(
            "regex_replace",
            "`text` with every match of `pattern` replaced by `replacement` (`$1` names groups).",
            &[
                Param {
                    name: "text",
                    ty: Str,
                },
                Param {
                    name: "pattern",
                    ty: Str,
                },
                Param {
                    name: "replacement",
                    ty: Str,
                },
            ],
            Str,
            "let digits = regex_replace(phone, \"[^0-9]\", \"\");",
        ),
        move |text: ImmutableString, pattern: ImmutableString, replacement: ImmutableString| {
            Ok::<_, Box<EvalAltResult>>(
                compiled(&runtime, &pattern)?
                    .replace_all(&text, replacement.as_str())
                    .into_owned(),
            )
        },
    );

    reg.add(
        spec(
            "parse_amount",
            "A money amount as people write it: `1,234.50`, `1.234,50`, `-12.00 EUR`, `(45.10)`\n(negative), `€ 3 000`. The last `.` or `,` followed by one or two digits is the decimal\nseparator.",
            &[Param { name: "text", ty: Any }],
            Float,
            "let amount = parse_amount(row.Amount);",
        ),
        |text: Dynamic| {
            if let Ok(float) = text.as_float() {
                return Ok(float);
            }
            if let Ok(int) = text.as_int() {
                return Ok(int as f64);
            }
            let text = text.to_string();
            parse_amount(&text).ok_or_else(|| plain_error(format!("`{text}` is not an amount")))
        },
    );

    reg.add(
        spec(
            "round_to",
            "`value` rounded half away from zero to `decimals` places.",
            &[
                Param {
                    name: "value",
                    ty: Float,
                },
                Param {
                    name: "decimals",
                    ty: Int,
                },
            ],
            Float,
            "round_to(10.0 / 3.0, 2) // 3.33",
        ),
        |value: f64, decimals: i64| {
            let factor = 10_f64.powi(decimals.clamp(0, 12) as i32);
            (value * factor).round() / factor
        },
    );
}

fn parse_amount(text: &str) -> Option<f64> {
    let trimmed = text.trim();
    let negative = trimmed.starts_with('-')
        || trimmed.ends_with('-')
        || (trimmed.starts_with('(') && trimmed.ends_with(')'));
    let kept: String = trimmed
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        .collect();
    if !kept.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let decimal_at = kept
        .rfind(['.', ','])
        .filter(|&at| (1..=2).contains(&(kept.len() - at - 1)));
    let mut number = String::with_capacity(kept.len());
    for (at, c) in kept.char_indices() {
        if c.is_ascii_digit() {
            number.push(c);
        } else if Some(at) == decimal_at {
            number.push('.');
        }
    }
    let value: f64 = number.parse().ok()?;
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::parse_amount;

    #[test]
    fn amounts_parse_in_the_ways_people_write_them() {
        for (text, expected) in [
            ("1,234.50", 1234.5),
            ("1.234,50", 1234.5),
            ("-12.00 EUR", -12.0),
            ("(45.10)", -45.1),
            ("€ 3 000", 3000.0),
            ("7", 7.0),
            ("1,5", 1.5),
        ] {
            assert_eq!(parse_amount(text), Some(expected), "{text}");
        }
        assert_eq!(parse_amount("n/a"), None);
    }
}
