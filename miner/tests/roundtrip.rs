//! import → export → import keeps every event and attribute, for each exporter (property
//! tests over generated logs), within what the format can carry: XES keeps every type and
//! nesting; OCEL 2.0 JSON keeps scalar types; CSV keeps the text of every non-empty value.

use chrono::{DateTime, FixedOffset};
use flowbot_miner::export::{ExportFormat, write_to};
use flowbot_miner::import::{Format, ImportOptions, csv, ocel_json_flattened, xes};
use flowbot_miner::log::NewEvent;
use flowbot_miner::{Attribute, Log, LogBuilder, Value};
use proptest::prelude::*;

/// An attribute as generated: the key's first letter fixes its type, so one key never
/// carries two types (which no typed format could represent).
#[derive(Debug, Clone)]
enum Generated {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(i64, i32),
    Id(String),
    List(Vec<Generated>),
    Container(Vec<(String, Generated)>),
}

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z][a-zA-Z0-9 <>&\"'é中/:._-]{0,10}"
}

fn micros() -> impl Strategy<Value = i64> {
    // 1990–2040, microsecond precision.
    631_152_000_000_000i64..2_208_988_800_000_000i64
}

fn offset() -> impl Strategy<Value = i32> {
    (-12i32 * 4..=14 * 4).prop_map(|quarters| quarters * 900)
}

fn scalar(nested: bool) -> BoxedStrategy<Generated> {
    let mut options: Vec<BoxedStrategy<Generated>> = vec![
        text().prop_map(Generated::Str).boxed(),
        any::<i64>().prop_map(Generated::Int).boxed(),
        (-1e12f64..1e12).prop_map(Generated::Float).boxed(),
        any::<bool>().prop_map(Generated::Bool).boxed(),
        (micros(), offset())
            .prop_map(|(m, o)| Generated::Date(m, o))
            .boxed(),
    ];
    if nested {
        options.push(text().prop_map(Generated::Id).boxed());
    }
    proptest::strategy::Union::new(options).boxed()
}

fn value(nested: bool) -> BoxedStrategy<Generated> {
    if !nested {
        return scalar(false);
    }
    prop_oneof![
        4 => scalar(true),
        1 => prop::collection::vec(scalar(true), 0..3).prop_map(Generated::List),
        1 => prop::collection::vec(("[a-z]{1,4}", scalar(true)), 0..3).prop_map(Generated::Container),
    ]
    .boxed()
}

fn type_letter(value: &Generated) -> &'static str {
    match value {
        Generated::Str(_) => "s",
        Generated::Int(_) => "i",
        Generated::Float(_) => "f",
        Generated::Bool(_) => "b",
        Generated::Date(..) => "d",
        Generated::Id(_) => "u",
        Generated::List(_) => "l",
        Generated::Container(_) => "c",
    }
}

#[derive(Debug, Clone)]
struct GeneratedEvent {
    activity: String,
    time: i64,
    offset: i32,
    start: Option<i64>,
    lifecycle: Option<String>,
    resource: Option<String>,
    attributes: Vec<Generated>,
}

#[derive(Debug, Clone)]
struct GeneratedCase {
    id: String,
    attributes: Vec<Generated>,
    events: Vec<GeneratedEvent>,
}

fn event(nested: bool) -> impl Strategy<Value = GeneratedEvent> {
    (
        prop::sample::select(vec![
            "register",
            "check & <verify>",
            "décider",
            "pay \"now\"",
            "a",
        ]),
        micros(),
        offset(),
        prop::option::of(0i64..86_400_000_000),
        prop::option::of(prop::sample::select(vec!["start", "complete", "COMPLETE"])),
        prop::option::of(text()),
        prop::collection::vec(value(nested), 0..4),
    )
        .prop_map(
            |(activity, time, offset, start, lifecycle, resource, attributes)| GeneratedEvent {
                activity: activity.to_owned(),
                time,
                offset,
                start: start.map(|before| time - before),
                lifecycle: lifecycle.map(str::to_owned),
                resource,
                attributes,
            },
        )
}

fn cases(nested: bool) -> impl Strategy<Value = Vec<GeneratedCase>> {
    prop::collection::vec(
        (
            prop::collection::vec(value(nested), 0..3),
            prop::collection::vec(event(nested), 1..6),
        ),
        1..5,
    )
    .prop_map(|cases| {
        cases
            .into_iter()
            .enumerate()
            .map(|(index, (attributes, events))| GeneratedCase {
                id: format!("case {index} <&>"),
                attributes,
                events,
            })
            .collect()
    })
}

fn to_value(builder: &mut LogBuilder, generated: &Generated) -> Value {
    let date = |micros: i64, offset: i32| {
        let offset = FixedOffset::east_opt(offset).unwrap();
        DateTime::from_timestamp_micros(micros)
            .unwrap()
            .with_timezone(&offset)
    };
    match generated {
        Generated::Str(text) => Value::Str(builder.strings().intern(text)),
        Generated::Id(text) => Value::Id(builder.strings().intern(text)),
        Generated::Int(int) => Value::Int(*int),
        Generated::Float(float) => Value::Float(*float),
        Generated::Bool(flag) => Value::Bool(*flag),
        Generated::Date(micros, offset) => Value::Date(date(*micros, *offset)),
        Generated::List(items) => {
            let key = builder.strings().intern("item");
            Value::List(
                items
                    .iter()
                    .map(|item| Attribute::new(key, to_value(builder, item)))
                    .collect(),
            )
        }
        Generated::Container(items) => Value::Container(
            items
                .iter()
                .map(|(key, item)| {
                    let key = builder.strings().intern(key);
                    Attribute::new(key, to_value(builder, item))
                })
                .collect(),
        ),
    }
}

/// With `nested`, string attributes carry a nested child (XES lets any attribute nest).
fn attributes(builder: &mut LogBuilder, generated: &[Generated], nested: bool) -> Vec<Attribute> {
    generated
        .iter()
        .enumerate()
        .map(|(index, value)| {
            let key = builder
                .strings()
                .intern(&format!("{}{index}", type_letter(value)));
            let mut attribute = Attribute::new(key, to_value(builder, value));
            if let (true, Generated::Str(text)) = (nested, value) {
                let child_key = builder.strings().intern("length");
                attribute
                    .children
                    .push(Attribute::new(child_key, Value::Int(text.len() as i64)));
            }
            attribute
        })
        .collect()
}

fn build(cases: &[GeneratedCase], nested: bool) -> Log {
    let mut builder = LogBuilder::new();
    for case in cases {
        let id = builder.case(&case.id);
        let case_attributes = attributes(&mut builder, &case.attributes, nested);
        *builder.case_attributes(id) = case_attributes;
        for event in &case.events {
            let new = NewEvent {
                activity: builder.activities().intern(&event.activity),
                time: Some(event.time),
                time_offset: event.offset,
                start_time: event.start,
                lifecycle: event
                    .lifecycle
                    .as_deref()
                    .map(|text| builder.strings().intern(text)),
                resource: event
                    .resource
                    .as_deref()
                    .map(|text| builder.strings().intern(text)),
                attributes: attributes(&mut builder, &event.attributes, nested),
            };
            builder.push(id, new);
        }
    }
    builder.finish()
}

/// A comparable value: typed, or only its text.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    Typed(String, String, Vec<(String, Seen)>),
    Text(String),
}

fn seen(log: &Log, attribute: &Attribute, typed: bool) -> (String, Seen) {
    let key = log.strings.resolve(attribute.key).to_owned();
    if !typed {
        return (key, Seen::Text(attribute.value.display(&log.strings)));
    }
    let items = match &attribute.value {
        Value::List(items) | Value::Container(items) => {
            items.iter().map(|item| seen(log, item, true)).collect()
        }
        _ => Vec::new(),
    };
    let mut children: Vec<(String, Seen)> = attribute
        .children
        .iter()
        .map(|child| seen(log, child, true))
        .collect();
    children.extend(items);
    let display = match &attribute.value {
        Value::List(_) | Value::Container(_) => String::new(),
        other => other.display(&log.strings),
    };
    (
        key,
        Seen::Typed(attribute.value.xes_type().to_owned(), display, children),
    )
}

type EventView = (
    String,
    i64,
    i32,
    Option<i64>,
    Option<String>,
    Option<String>,
    Vec<(String, Seen)>,
);
type CaseView = (String, Vec<(String, Seen)>, Vec<EventView>);

/// The log as plain data. `typed` false compares text only and drops empty values (CSV).
fn view(log: &Log, typed: bool, ignore: &[&str]) -> Vec<CaseView> {
    let keep = |(key, value): &(String, Seen)| {
        !ignore.contains(&key.as_str()) && (typed || *value != Seen::Text(String::new()))
    };
    (0..log.num_cases())
        .map(|case| {
            let case_attributes: Vec<_> = log
                .case_attributes(case)
                .iter()
                .map(|attribute| seen(log, attribute, typed))
                .filter(keep)
                .collect();
            let events = log
                .case_range(case)
                .map(|event| {
                    let mut attributes: Vec<_> = log
                        .event_attributes(event)
                        .iter()
                        .map(|attribute| seen(log, attribute, typed))
                        .filter(keep)
                        .collect();
                    attributes.sort_by(|a, b| a.0.cmp(&b.0));
                    (
                        log.activity_name(log.activity(event)).to_owned(),
                        log.time(event),
                        log.time_offset(event),
                        log.start_time(event),
                        log.lifecycle(event).map(str::to_owned),
                        log.resource(event)
                            .map(str::to_owned)
                            .filter(|text| typed || !text.is_empty()),
                        attributes,
                    )
                })
                .collect();
            let mut case_attributes = case_attributes;
            case_attributes.sort_by(|a, b| a.0.cmp(&b.0));
            (log.case_id(case).to_owned(), case_attributes, events)
        })
        .collect()
}

fn export(log: &Log, format: ExportFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    write_to(log, format, &mut bytes).unwrap();
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn xes_round_trip_keeps_everything(generated in cases(true), gzip in any::<bool>()) {
        let log = build(&generated, true);
        let format = if gzip { ExportFormat::XesGz } else { ExportFormat::Xes };
        let bytes = export(&log, format);
        let reader: Box<dyn std::io::BufRead> = if gzip {
            Box::new(std::io::BufReader::new(flate2::read::GzDecoder::new(&bytes[..])))
        } else {
            Box::new(&bytes[..])
        };
        let (back, diagnostics) = xes::read(reader, "generated.xes").unwrap();
        prop_assert!(diagnostics.is_empty(), "{:?}", diagnostics);
        prop_assert_eq!(view(&back, true, &[]), view(&log, true, &[]));
    }

    #[test]
    fn ocel_json_round_trip_keeps_scalar_attributes(generated in cases(false)) {
        let log = build(&generated, false);
        let bytes = export(&log, ExportFormat::OcelJson);
        let (back, diagnostics) = ocel_json_flattened(&bytes[..], "generated.jsonocel", "case").unwrap();
        prop_assert!(diagnostics.is_empty(), "{:?}", diagnostics);
        prop_assert_eq!(view(&back, true, &["ocel:eid"]), view(&log, true, &[]));
    }

    #[test]
    fn csv_round_trip_keeps_every_value_as_text(generated in cases(true)) {
        let log = build(&generated, false);
        let bytes = export(&log, ExportFormat::Csv);
        let (back, diagnostics) = csv::read(&bytes[..], "generated.csv", &ImportOptions::default().csv).unwrap();
        prop_assert!(diagnostics.is_empty(), "{:?}", diagnostics);
        prop_assert_eq!(view(&back, false, &[]), view(&log, false, &[]));
    }
}

#[test]
fn format_names_are_recognised() {
    assert_eq!(
        Format::from_path("a/b/Sepsis Cases.xes.gz".as_ref()),
        Some(Format::Xes)
    );
    assert_eq!(
        ExportFormat::from_path("out.xes.gz".as_ref()),
        Some(ExportFormat::XesGz)
    );
}
