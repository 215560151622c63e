//! Cost of one run event as a JSONL line: what every bot step pays to record itself, and what
//! the control plane and miner pay to read it back.

use std::collections::BTreeMap;

use chrono::DateTime;
use criterion::{Criterion, criterion_group, criterion_main};
use flowbot_model::{AttributeValue, Event, Lifecycle, ObjectRef, Status};

fn step_event() -> Event {
    Event {
        id: "run-42-step-17".into(),
        activity: "Enter invoice".to_owned(),
        time: DateTime::parse_from_rfc3339("2026-11-29T10:00:01.250+01:00").expect("valid"),
        start_time: Some(
            DateTime::parse_from_rfc3339("2026-11-29T10:00:00.500+01:00").expect("valid"),
        ),
        objects: vec![ObjectRef::case("run-42")],
        resource: Some("invoice_intake@agent-1".to_owned()),
        lifecycle: Some(Lifecycle::Complete),
        status: Status::Ok,
        attributes: BTreeMap::from([
            (
                "record".to_owned(),
                AttributeValue::String("INV-2026-0042".to_owned()),
            ),
            ("amount".to_owned(), AttributeValue::Float(1234.56)),
            ("line".to_owned(), AttributeValue::Int(17)),
        ]),
    }
}

fn bench(c: &mut Criterion) {
    let event = step_event();
    let line = serde_json::to_vec(&event).expect("serialises");
    let mut buffer = Vec::with_capacity(512);
    c.bench_function("event_to_jsonl_line", |b| {
        b.iter(|| {
            buffer.clear();
            serde_json::to_writer(&mut buffer, std::hint::black_box(&event)).expect("serialises");
            buffer.push(b'\n');
        });
    });
    c.bench_function("event_from_jsonl_line", |b| {
        b.iter(|| serde_json::from_slice::<Event>(std::hint::black_box(&line)).expect("parses"));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
