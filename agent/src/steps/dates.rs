//! Dates as `YYYY-MM-DD` text, which sorts, compares and prints the way back-office people
//! expect and round-trips through CSV and Excel unchanged.

use chrono::{Datelike, Local, NaiveDate, Utc};
use rhai::{Dynamic, EvalAltResult, ImmutableString};

use crate::catalogue::ParamType::{Int, String as Str};
use crate::catalogue::{Category, Effect, Param, Registrar, StepSpec};
use crate::steps::plain_error;

const ISO: &str = "%Y-%m-%d";

fn parse_iso(text: &str) -> Result<NaiveDate, Box<EvalAltResult>> {
    // Accept a date-time too ("2024-05-02T10:00:00"): its date is what is meant.
    let date_part = text.get(..10).unwrap_or(text);
    NaiveDate::parse_from_str(date_part, ISO)
        .map_err(|_| plain_error(format!("`{text}` is not a YYYY-MM-DD date")))
}

pub(crate) fn register(reg: &mut Registrar<'_>) {
    let spec = |name, doc, params, returns, example| StepSpec {
        name,
        category: Category::Dates,
        effect: Effect::Pure,
        doc,
        params,
        returns,
        example,
    };
    reg.add(
        spec(
            "today",
            "Today's date on this machine, `YYYY-MM-DD`.",
            &[],
            Str,
            "let stamp = today();",
        ),
        || Local::now().date_naive().format(ISO).to_string(),
    );
    reg.add(
        spec(
            "now",
            "The current UTC time, RFC 3339 (`2024-05-02T10:00:00.123Z`).",
            &[],
            Str,
            "log(`started ${now()}`);",
        ),
        || Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    );
    reg.add(
        spec(
            "parse_date",
            "Reads `text` written in `format` (chrono/strftime: `%d.%m.%Y`, `%m/%d/%Y`, …) and\nreturns it as `YYYY-MM-DD`.",
            &[Param { name: "text", ty: Str }, Param { name: "format", ty: Str }],
            Str,
            "let booked = parse_date(\"02.05.2024\", \"%d.%m.%Y\"); // \"2024-05-02\"",
        ),
        |text: ImmutableString, format: ImmutableString| {
            NaiveDate::parse_from_str(text.trim(), &format)
                .map(|date| date.format(ISO).to_string())
                .map_err(|error| {
                    plain_error(format!("`{text}` does not match date format `{format}`: {error}"))
                })
        },
    );
    reg.add(
        spec(
            "format_date",
            "Writes the `YYYY-MM-DD` `date` in `format`.",
            &[
                Param {
                    name: "date",
                    ty: Str,
                },
                Param {
                    name: "format",
                    ty: Str,
                },
            ],
            Str,
            "format_date(\"2024-05-02\", \"%d/%m/%Y\") // \"02/05/2024\"",
        ),
        |date: ImmutableString, format: ImmutableString| {
            let date = parse_iso(&date)?;
            let mut out = String::new();
            // An invalid format makes chrono's Display fail; report it instead of panicking.
            std::fmt::write(&mut out, format_args!("{}", date.format(&format)))
                .map_err(|_| plain_error(format!("invalid date format `{format}`")))?;
            Ok::<_, Box<EvalAltResult>>(out)
        },
    );
    reg.add(
        spec(
            "add_days",
            "`date` plus `days` (negative to go back).",
            &[
                Param {
                    name: "date",
                    ty: Str,
                },
                Param {
                    name: "days",
                    ty: Int,
                },
            ],
            Str,
            "let due = add_days(invoice.date, 30);",
        ),
        |date: ImmutableString, days: i64| {
            let date = parse_iso(&date)?;
            date.checked_add_signed(chrono::Duration::days(days))
                .map(|date| date.format(ISO).to_string())
                .ok_or_else(|| plain_error("date out of range"))
        },
    );
    reg.add(
        spec(
            "days_between",
            "Whole days from `from` to `to` (negative if `to` is earlier).",
            &[
                Param {
                    name: "from",
                    ty: Str,
                },
                Param {
                    name: "to",
                    ty: Str,
                },
            ],
            Int,
            "if days_between(booked, paid) > 3 { … }",
        ),
        |from: ImmutableString, to: ImmutableString| {
            Ok::<_, Box<EvalAltResult>>((parse_iso(&to)? - parse_iso(&from)?).num_days())
        },
    );
    reg.add(
        spec(
            "weekday",
            "Day of the week of `date`: 1 = Monday … 7 = Sunday.",
            &[Param {
                name: "date",
                ty: Str,
            }],
            Int,
            "if weekday(today()) >= 6 { log(\"weekend\"); }",
        ),
        |date: ImmutableString| {
            parse_iso(&date)
                .map(|date| Dynamic::from_int(i64::from(date.weekday().number_from_monday())))
        },
    );
}
