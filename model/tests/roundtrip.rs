//! Every model type survives JSON unchanged, and the wire format reads as documented.

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use flowbot_model::wire::{
    AgentMessage, BotRef, ControlMessage, Envelope, ExceptionKind, Job, JobError, JobOutcome,
    JobResult, Lease, LogLevel, LogLine, PROTOCOL_VERSION, StepEventBatch,
};
use flowbot_model::{AttributeValue, Event, Lifecycle, ObjectRef, Status};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn any_time() -> impl Strategy<Value = DateTime<FixedOffset>> {
    // Seconds from 1970 to 2100, whole-minute offsets within ±14 h as XES and ISO 8601 allow.
    (
        0i64..4_102_444_800,
        0u32..1_000_000_000,
        -14 * 60..=14 * 60i32,
    )
        .prop_map(|(seconds, nanos, offset_minutes)| {
            FixedOffset::east_opt(offset_minutes * 60)
                .expect("offset within a day")
                .timestamp_opt(seconds, nanos)
                .single()
                .expect("fixed offsets are unambiguous")
        })
}

fn any_attribute() -> impl Strategy<Value = AttributeValue> {
    let leaf = prop_oneof![
        ".*".prop_map(AttributeValue::String),
        any::<i64>().prop_map(AttributeValue::Int),
        // JSON has no NaN or infinity; finite floats must come back bit for bit.
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(AttributeValue::Float),
        any::<bool>().prop_map(AttributeValue::Bool),
        any_time().prop_map(AttributeValue::Date),
        "[a-f0-9-]{1,36}".prop_map(AttributeValue::Id),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(AttributeValue::List),
            prop::collection::btree_map(".{0,8}", inner, 0..4).prop_map(AttributeValue::Container),
        ]
    })
}

fn any_event() -> impl Strategy<Value = Event> {
    (
        "[a-z0-9]{1,12}",
        ".{1,20}",
        any_time(),
        prop::option::of(any_time()),
        prop::collection::vec(
            (
                "[a-z0-9]{1,8}",
                "[a-z]{1,8}",
                prop::option::of("[a-z]{1,8}"),
            ),
            1..4,
        ),
        prop::option::of(".{1,10}"),
        prop::option::of(prop_oneof![
            Just("complete".to_owned()),
            Just("start".to_owned()),
            "[a-z_]{1,10}"
        ]),
        prop_oneof![
            Just(Status::Ok),
            Just(Status::Failed),
            Just(Status::Skipped)
        ],
        prop::collection::btree_map("[a-z:]{1,12}", any_attribute(), 0..5),
    )
        .prop_map(
            |(id, activity, time, start_time, objects, resource, lifecycle, status, attributes)| {
                Event {
                    id: id.into(),
                    activity,
                    time,
                    start_time,
                    objects: objects
                        .into_iter()
                        .map(|(id, object_type, qualifier)| ObjectRef {
                            id,
                            object_type,
                            qualifier,
                        })
                        .collect(),
                    resource,
                    lifecycle: lifecycle.map(Lifecycle::from),
                    status,
                    attributes,
                }
            },
        )
}

proptest! {
    #[test]
    fn any_event_survives_json(event in any_event()) {
        let json = serde_json::to_string(&event).unwrap();
        let back: Event = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, event);
    }
}

fn sample_event() -> Event {
    Event {
        id: "e1".into(),
        activity: "Enter invoice".to_owned(),
        time: DateTime::parse_from_rfc3339("2026-11-29T10:00:01.250+01:00").unwrap(),
        start_time: Some(DateTime::parse_from_rfc3339("2026-11-29T10:00:00+01:00").unwrap()),
        objects: vec![ObjectRef::case("run-7")],
        resource: Some("invoice_intake@agent-1".to_owned()),
        lifecycle: Some(Lifecycle::Complete),
        status: Status::Failed,
        attributes: BTreeMap::from([(
            "record".to_owned(),
            AttributeValue::String("INV-42".to_owned()),
        )]),
    }
}

#[test]
fn event_json_keeps_offsets_and_reads_the_case() {
    let json = serde_json::to_value(sample_event()).unwrap();
    assert_eq!(json["time"], "2026-11-29T10:00:01.250+01:00");
    assert_eq!(json["objects"][0]["type"], "case");
    assert_eq!(
        json["attributes"]["record"],
        serde_json::json!({"type": "string", "value": "INV-42"})
    );
    let back: Event = serde_json::from_value(json).unwrap();
    assert_eq!(back.case_id(), Some("run-7"));
}

#[test]
fn imported_event_without_status_is_ok() {
    let event: Event = serde_json::from_str(
        r#"{"id":"1","activity":"a","time":"2010-12-30T14:32:00+01:00","objects":[{"id":"3","type":"case"}]}"#,
    )
    .unwrap();
    assert_eq!(event.status, Status::Ok);
    assert_eq!(event.lifecycle, None);
}

#[test]
fn unknown_event_field_is_refused_by_name() {
    let error = serde_json::from_str::<Event>(
        r#"{"id":"1","activity":"a","time":"2010-12-30T14:32:00Z","objects":[],"colour":"red"}"#,
    )
    .unwrap_err();
    assert!(error.to_string().contains("colour"), "{error}");
}

#[test]
fn lifecycle_ignores_case_and_keeps_unknown_values() {
    assert_eq!(Lifecycle::from("COMPLETE".to_owned()), Lifecycle::Complete);
    assert_eq!(Lifecycle::from("Start".to_owned()), Lifecycle::Start);
    assert_eq!(
        Lifecycle::from("ate_abort".to_owned()),
        Lifecycle::AbortActivity
    );
    let custom = Lifecycle::from("approve".to_owned());
    assert_eq!(custom, Lifecycle::Other("approve".to_owned()));
    assert_eq!(serde_json::to_string(&custom).unwrap(), r#""approve""#);
}

fn sample_job() -> Job {
    Job {
        id: "job-1".into(),
        bot: BotRef {
            name: "invoice_intake".to_owned(),
            version: 3,
        },
        inputs: BTreeMap::from([("folder".to_owned(), serde_json::json!("/in"))]),
        priority: 5,
        required_labels: vec!["finance".to_owned()],
        required_capabilities: vec![flowbot_model::wire::Capability::Ocr],
        timeout_s: 600,
        attempt: 1,
        max_attempts: 3,
    }
}

#[test]
fn wire_messages_survive_json_in_envelopes() {
    let finished_at = Utc.with_ymd_and_hms(2026, 11, 29, 9, 0, 0).unwrap();
    let messages = vec![
        AgentMessage::StepEvents(StepEventBatch {
            lease_id: "l1".into(),
            seq: 0,
            events: vec![sample_event()],
            logs: vec![LogLine {
                time: finished_at,
                level: LogLevel::Warn,
                message: "retry: attempt 1 of 3 failed".to_owned(),
            }],
        }),
        AgentMessage::Result(JobResult {
            lease_id: "l1".into(),
            outcome: JobOutcome::Failed,
            outputs: BTreeMap::new(),
            error: Some(JobError {
                kind: ExceptionKind::Business,
                message: "row 4: IBAN checksum".to_owned(),
            }),
            finished_at,
            last_batch: Some(StepEventBatch {
                lease_id: "l1".into(),
                seq: 1,
                events: vec![sample_event()],
                logs: Vec::new(),
            }),
        }),
    ];
    for message in messages {
        let json = serde_json::to_string(&Envelope::new(message.clone())).unwrap();
        let back: Envelope<AgentMessage> = serde_json::from_str(&json).unwrap();
        assert_eq!(back.open().unwrap(), message);
    }
    let lease = ControlMessage::Lease(Lease {
        lease_id: "l1".into(),
        job: sample_job(),
        expires_at: finished_at,
        heartbeat_every_s: 10,
    });
    let json = serde_json::to_value(Envelope::new(lease.clone())).unwrap();
    assert_eq!(json["protocol"], PROTOCOL_VERSION);
    assert_eq!(json["message"]["kind"], "lease");
    let back: Envelope<ControlMessage> = serde_json::from_value(json).unwrap();
    assert_eq!(back.open().unwrap(), lease);
}

#[test]
fn envelope_from_another_protocol_version_is_refused() {
    let json = format!(
        r#"{{"protocol":{},"message":{{"kind":"no_work"}}}}"#,
        PROTOCOL_VERSION + 1
    );
    let envelope: Envelope<ControlMessage> = serde_json::from_str(&json).unwrap();
    let error = envelope.open().unwrap_err();
    assert!(
        error
            .to_string()
            .contains(&format!("protocol {}", PROTOCOL_VERSION + 1)),
        "{error}"
    );
}
