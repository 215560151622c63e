//! Work queues and triggers in the store, with explicit clocks: items are taken by priority,
//! deadline and arrival, held by a lease, retried by policy, returned when an agent dies, never
//! duplicated by reference; triggers fire once per key and keep queue workers going.

use flowbot_control_plane::store::{
    ItemFilter, ItemState, JobFilter, LandedFile, NewQueue, NewTrigger, SqliteStore, Store,
    StoreError,
};
use flowbot_model::LeaseId;
use flowbot_model::wire::{ItemOutcome, JobOutcome, Lease, NewQueueItem};
use serde_json::json;

mod common;

use common::{POLICY, agent, at, enqueue, job, open, package, result};

fn queue(store: &SqliteStore, name: &str, max_retries: u32) {
    let spec: NewQueue = serde_json::from_value(json!({
        "name": name, "max_retries": max_retries, "retry_backoff_s": 10, "sla_s": 3600
    }))
    .unwrap();
    store.create_queue(spec, at(0)).unwrap();
}

fn item(reference: &str, priority: i32) -> NewQueueItem {
    NewQueueItem {
        reference: Some(reference.to_owned()),
        payload: json!({"ref": reference}),
        priority,
        deadline: None,
        defer_until: None,
    }
}

/// A job for bot `worker`, leased by a fresh agent at `now`.
fn leased_job(store: &SqliteStore, now: i64) -> Lease {
    enqueue(store, job("worker"), at(now)).unwrap();
    let agent = agent(store, &[], &[]);
    store.lease_next(&agent, at(now), &POLICY).unwrap().unwrap()
}

fn take(store: &SqliteStore, lease: &LeaseId, now: i64) -> Option<String> {
    store
        .take_item(lease, "invoices", at(now))
        .unwrap()
        .and_then(|item| item.reference)
}

#[test]
fn items_are_taken_by_priority_then_deadline_then_arrival_and_deferred_ones_wait() {
    let (_dir, store) = open();
    queue(&store, "invoices", 3);
    store
        .add_item("invoices", item("late-low", 0), None, at(0))
        .unwrap();
    let mut urgent = item("due-soon", 0);
    urgent.deadline = Some(at(60));
    store.add_item("invoices", urgent, None, at(1)).unwrap();
    store
        .add_item("invoices", item("high", 5), None, at(2))
        .unwrap();
    let mut deferred = item("deferred", 9);
    deferred.defer_until = Some(at(20));
    store.add_item("invoices", deferred, None, at(3)).unwrap();

    let lease = leased_job(&store, 4).lease_id;
    assert_eq!(take(&store, &lease, 5).as_deref(), Some("high"));
    // The SLA gives "late-low" a deadline of created + 1 h, later than "due-soon"'s 60 s.
    assert_eq!(take(&store, &lease, 5).as_deref(), Some("due-soon"));
    assert_eq!(take(&store, &lease, 5).as_deref(), Some("late-low"));
    assert_eq!(take(&store, &lease, 5), None, "the deferred item waits");
    assert_eq!(take(&store, &lease, 20).as_deref(), Some("deferred"));
}

#[test]
fn a_reference_already_queued_is_not_added_twice() {
    let (_dir, store) = open();
    queue(&store, "invoices", 3);
    let first = store
        .add_item("invoices", item("INV-1", 0), None, at(0))
        .unwrap();
    let again = store
        .add_item("invoices", item("INV-1", 7), None, at(5))
        .unwrap();
    assert!(!first.duplicate);
    assert!(again.duplicate);
    assert_eq!(again.item.id, first.item.id);
    assert_eq!(again.item.priority, 0, "the first item is kept as it was");
    assert_eq!(
        first.item.deadline,
        Some(at(3600)),
        "the queue's SLA set the deadline"
    );
    let items = store.items("invoices", &ItemFilter::default()).unwrap();
    assert_eq!(items.len(), 1);
}

#[test]
fn settled_items_record_their_outcome_and_system_exceptions_retry_then_fail() {
    let (_dir, store) = open();
    queue(&store, "invoices", 1);
    for reference in ["ok", "bad-data", "flaky"] {
        store
            .add_item("invoices", item(reference, 0), None, at(0))
            .unwrap();
    }
    let lease = leased_job(&store, 1).lease_id;
    let ids: Vec<String> = (0..3)
        .map(|_| {
            store
                .take_item(&lease, "invoices", at(2))
                .unwrap()
                .unwrap()
                .id
        })
        .collect();
    let done = ItemOutcome::Done {
        output: json!({"booked": 42}),
    };
    let settled = store.settle_item(&lease, &ids[0], &done, at(3)).unwrap();
    assert_eq!(settled.state, ItemState::Done);
    assert_eq!(settled.output, Some(json!({"booked": 42})));
    // The agent retried after a lost response: harmless.
    store.settle_item(&lease, &ids[0], &done, at(3)).unwrap();

    let business = ItemOutcome::BusinessException {
        reason: "IBAN checksum fails".to_owned(),
    };
    let settled = store
        .settle_item(&lease, &ids[1], &business, at(3))
        .unwrap();
    assert_eq!(settled.state, ItemState::BusinessException);
    assert_eq!(settled.error.as_deref(), Some("IBAN checksum fails"));

    let system = ItemOutcome::SystemException {
        reason: "ERP down".to_owned(),
    };
    let settled = store.settle_item(&lease, &ids[2], &system, at(3)).unwrap();
    assert_eq!(settled.state, ItemState::New, "one retry is allowed");
    assert_eq!(settled.not_before, at(13), "after the 10 s backoff");
    assert_eq!(store.take_item(&lease, "invoices", at(12)).unwrap(), None);
    let retried = store
        .take_item(&lease, "invoices", at(13))
        .unwrap()
        .unwrap();
    assert_eq!((retried.id.as_str(), retried.attempt), (ids[2].as_str(), 2));
    let settled = store.settle_item(&lease, &ids[2], &system, at(14)).unwrap();
    assert_eq!(settled.state, ItemState::Failed, "retries used up");

    let summary = store.queue("invoices", at(20)).unwrap();
    assert_eq!(summary.counts["done"], 1);
    assert_eq!(summary.counts["business_exception"], 1);
    assert_eq!(summary.counts["failed"], 1);
    assert_eq!(summary.counts["new"], 0);
}

#[test]
fn a_dead_agents_items_return_to_the_queue_and_its_late_settle_is_refused() {
    let (_dir, store) = open();
    queue(&store, "invoices", 3);
    store
        .add_item("invoices", item("INV-1", 0), None, at(0))
        .unwrap();
    let lease = leased_job(&store, 0).lease_id;
    let taken = store.take_item(&lease, "invoices", at(1)).unwrap().unwrap();
    assert_eq!(
        store.items("invoices", &ItemFilter::default()).unwrap()[0].state,
        ItemState::InProgress
    );

    // No heartbeat for the lease's 30 s: the job is requeued and the item goes back.
    store.expire_leases(at(31), &POLICY).unwrap();
    let back = store.item(&taken.id).unwrap();
    assert_eq!(back.state, ItemState::New);
    assert!(
        back.error
            .as_deref()
            .unwrap()
            .contains("stopped heartbeating")
    );

    let done = ItemOutcome::Done {
        output: json!(null),
    };
    let late = store.settle_item(&lease, &taken.id, &done, at(32));
    assert!(matches!(late, Err(StoreError::LeaseLost(_))), "{late:?}");
    assert!(matches!(
        store.take_item(&lease, "invoices", at(32)),
        Err(StoreError::LeaseLost(_))
    ));

    // Another agent finishes it, once; the retry backoff (10 s) applies first.
    let other = agent(&store, &[], &[]);
    let second = store.lease_next(&other, at(50), &POLICY).unwrap().unwrap();
    let again = store
        .take_item(&second.lease_id, "invoices", at(50))
        .unwrap()
        .unwrap();
    assert_eq!((again.id.as_str(), again.attempt), (taken.id.as_str(), 2));
    store
        .settle_item(&second.lease_id, &again.id, &done, at(51))
        .unwrap();
    assert_eq!(store.item(&taken.id).unwrap().state, ItemState::Done);
}

#[test]
fn a_bot_that_ends_without_settling_hands_its_item_back() {
    let (_dir, store) = open();
    queue(&store, "invoices", 3);
    store
        .add_item("invoices", item("INV-1", 0), None, at(0))
        .unwrap();
    let lease = leased_job(&store, 0).lease_id;
    let taken = store.take_item(&lease, "invoices", at(1)).unwrap().unwrap();
    store
        .finish(&result(&lease, JobOutcome::Succeeded, None), at(2), &POLICY)
        .unwrap();
    let back = store.item(&taken.id).unwrap();
    assert_eq!(back.state, ItemState::New);
    assert!(back.error.unwrap().contains("without settling"));
}

#[test]
fn queue_summaries_show_waiting_age_and_items_past_their_deadline() {
    let (_dir, store) = open();
    queue(&store, "invoices", 3);
    let mut overdue = item("overdue", 0);
    overdue.deadline = Some(at(10));
    store.add_item("invoices", overdue, None, at(0)).unwrap();
    store
        .add_item("invoices", item("fresh", 0), None, at(5))
        .unwrap();
    let summary = store.queue("invoices", at(20)).unwrap();
    assert_eq!(summary.counts["new"], 2);
    assert_eq!(summary.past_deadline, 1);
    assert_eq!(summary.oldest_waiting_since, Some(at(0)));
    assert!(matches!(
        store.add_item("nope", item("x", 0), None, at(0)),
        Err(StoreError::NotFound { .. })
    ));
}

fn trigger(store: &SqliteStore, name: &str, on: serde_json::Value) -> Result<String, StoreError> {
    if store.bot_version("worker", 0).is_err() {
        store
            .add_bot_version("worker", &package("log(\"hi\");"), at(0))
            .unwrap();
    }
    let spec: NewTrigger = serde_json::from_value(json!({
        "name": name, "on": on, "job": {"bot": {"name": "worker", "version": 0}}
    }))
    .unwrap();
    store
        .create_trigger(spec, at(0))
        .map(|created| created.secret.unwrap_or(created.trigger.id))
}

fn jobs_of(store: &SqliteStore) -> Vec<flowbot_control_plane::store::JobRecord> {
    store.jobs(&JobFilter::default()).unwrap()
}

#[test]
fn a_queue_trigger_keeps_up_to_max_jobs_working_while_items_wait() {
    let (_dir, store) = open();
    queue(&store, "invoices", 3);
    for n in 0..3 {
        store
            .add_item("invoices", item(&format!("INV-{n}"), 0), None, at(0))
            .unwrap();
    }
    trigger(
        &store,
        "work-invoices",
        json!({"queue": {"queue": "invoices", "max_jobs": 2}}),
    )
    .unwrap();
    let jobs = jobs_of(&store);
    assert_eq!(jobs.len(), 2, "two workers for three items");
    assert_eq!(jobs[0].job.inputs["queue"], json!("invoices"));
    assert!(jobs[0].source.as_deref().unwrap().starts_with("trigger:"));

    let added = store
        .add_item("invoices", item("INV-9", 0), None, at(1))
        .unwrap();
    assert!(added.jobs.is_empty(), "already at max_jobs");

    // Both workers end; items still wait, so the sweeper starts new ones.
    let agent = agent(&store, &[], &[]);
    for _ in 0..2 {
        let lease = store.lease_next(&agent, at(2), &POLICY).unwrap().unwrap();
        store
            .finish(
                &result(&lease.lease_id, JobOutcome::Succeeded, None),
                at(3),
                &POLICY,
            )
            .unwrap();
    }
    assert_eq!(store.run_queue_triggers(at(4)).unwrap().len(), 2);
    assert_eq!(store.run_queue_triggers(at(4)).unwrap().len(), 0);
}

#[test]
fn a_webhook_needs_its_secret_and_a_retried_delivery_starts_one_job() {
    let (_dir, store) = open();
    let secret = trigger(&store, "erp-hook", json!("webhook")).unwrap();
    assert_eq!(secret.len(), 64);
    let wrong = store.fire_webhook("erp-hook", "guess", None, json!({}), at(1));
    assert!(matches!(wrong, Err(StoreError::Forbidden(_))), "{wrong:?}");
    assert!(jobs_of(&store).is_empty());

    let payload = json!({"invoice": "INV-7"});
    let first = store
        .fire_webhook("erp-hook", &secret, Some("d-1"), payload.clone(), at(2))
        .unwrap();
    let retry = store
        .fire_webhook("erp-hook", &secret, Some("d-1"), payload.clone(), at(3))
        .unwrap();
    assert!(!first.duplicate && retry.duplicate);
    assert_eq!(first.job_id, retry.job_id);
    let jobs = jobs_of(&store);
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].job.inputs["payload"], payload);
    assert_eq!(store.triggers().unwrap()[0].fired, 1);
}

#[test]
fn a_file_starts_one_job_also_after_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let db = dir.path().join("cp.db");
    let landed = LandedFile {
        path: inbox.join("scan-1.pdf"),
        name: "scan-1.pdf".to_owned(),
        size: 1234,
        modified_ms: 1_800_000_000_000,
    };
    let trigger_id;
    {
        let store = SqliteStore::open(&db).unwrap();
        trigger_id = trigger(
            &store,
            "scans",
            json!({"file": {"dir": inbox, "pattern": "*.pdf"}}),
        )
        .unwrap();
        let firing = store.fire_file(&trigger_id, &landed, at(1)).unwrap();
        assert!(firing.is_some());
        assert!(
            store
                .fire_file(&trigger_id, &landed, at(2))
                .unwrap()
                .is_none()
        );
    }
    let store = SqliteStore::open(&db).unwrap();
    assert!(
        store
            .fire_file(&trigger_id, &landed, at(3))
            .unwrap()
            .is_none()
    );
    let replaced = LandedFile {
        size: 999,
        ..landed
    };
    assert!(
        store
            .fire_file(&trigger_id, &replaced, at(4))
            .unwrap()
            .is_some()
    );
    let jobs = jobs_of(&store);
    assert_eq!(jobs.len(), 2);
    assert_eq!(jobs[1].job.inputs["file_name"], json!("scan-1.pdf"));
    assert_eq!(jobs[1].job.inputs["size"], json!(1234));
}

#[test]
fn bad_triggers_are_refused_with_the_reason() {
    let (_dir, store) = open();
    let relative = trigger(&store, "rel", json!({"file": {"dir": "inbox"}}));
    assert!(matches!(&relative, Err(StoreError::Invalid(message)) if message.contains("absolute")));
    let no_queue = trigger(&store, "q", json!({"queue": {"queue": "missing"}}));
    assert!(matches!(
        no_queue,
        Err(StoreError::NotFound { kind: "queue", .. })
    ));
    trigger(&store, "hook", json!("webhook")).unwrap();
    let twice = trigger(&store, "hook", json!("webhook"));
    assert!(
        matches!(&twice, Err(StoreError::Invalid(message)) if message.contains("already exists"))
    );
    let spaces = trigger(&store, "my hook", json!("webhook"));
    assert!(matches!(spaces, Err(StoreError::Invalid(_))));
    assert_eq!(store.triggers().unwrap().len(), 1);
}

#[test]
fn a_bots_concurrency_limit_holds_its_jobs_back() {
    let (_dir, store) = open();
    enqueue(&store, job("portal"), at(0)).unwrap();
    enqueue(&store, job("portal"), at(0)).unwrap();
    store.set_bot_limit("portal", Some(1)).unwrap();
    let agent = agent(&store, &[], &[]);
    let first = store.lease_next(&agent, at(1), &POLICY).unwrap().unwrap();
    assert!(store.lease_next(&agent, at(1), &POLICY).unwrap().is_none());
    store
        .finish(
            &result(&first.lease_id, JobOutcome::Succeeded, None),
            at(2),
            &POLICY,
        )
        .unwrap();
    let second = store.lease_next(&agent, at(3), &POLICY).unwrap();
    assert!(second.is_some());
    assert_eq!(
        store.bots().unwrap()[0].max_concurrent,
        Some(1),
        "the limit is visible"
    );
}

#[test]
fn retention_purges_old_runs_events_logs_and_artifacts_but_keeps_the_jobs() {
    let (_dir, store) = open();
    let old = leased_job(&store, 0);
    store
        .append_events(
            &flowbot_model::wire::StepEventBatch {
                lease_id: old.lease_id.clone(),
                seq: 0,
                events: vec![
                    serde_json::from_value(json!({
                        "id": "e1", "activity": "read", "time": "2027-01-15T08:00:00Z",
                        "objects": [{"id": "run", "type": "case"}]
                    }))
                    .unwrap(),
                ],
                logs: vec![flowbot_model::wire::LogLine {
                    time: at(1),
                    level: flowbot_model::wire::LogLevel::Info,
                    message: "reading".to_owned(),
                }],
            },
            at(1),
        )
        .unwrap();
    store
        .add_artifact(&old.lease_id, "run.log", 12, "ab", at(2))
        .unwrap();
    store
        .finish(
            &result(&old.lease_id, JobOutcome::Succeeded, None),
            at(3),
            &POLICY,
        )
        .unwrap();
    let running = leased_job(&store, 100);
    store
        .add_artifact(&running.lease_id, "artifacts/shot.png", 5, "cd", at(101))
        .unwrap();

    let purged = store.purge_history(at(50)).unwrap();
    assert_eq!(purged.jobs, 1);
    assert_eq!(purged.events, 1);
    assert_eq!(purged.log_lines, 1);
    assert_eq!(
        purged.artifacts,
        vec![(old.job.id.clone(), "run.log".to_owned())]
    );
    assert!(store.job_events(&old.job.id).unwrap().is_empty());
    assert!(store.job_logs(&old.job.id, None).unwrap().is_empty());
    assert!(store.artifacts(&old.job.id).unwrap().is_empty());
    assert_eq!(
        store.job(&old.job.id).unwrap().state,
        flowbot_control_plane::store::JobState::Succeeded
    );
    assert_eq!(
        store.artifacts(&running.job.id).unwrap().len(),
        1,
        "a running job keeps its files"
    );

    let escape = store.add_artifact(&running.lease_id, "../cp.db", 1, "x", at(102));
    assert!(matches!(escape, Err(StoreError::Invalid(_))));
}
