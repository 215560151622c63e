//! The store's promises, with explicit clocks: leases expire, jobs are retried by policy and
//! never handed to two agents, late agents are refused, and nothing is lost across a reopen.

use std::time::Duration;

use chrono::{DateTime, Utc};
use flowbot_control_plane::store::{JobState, NewJob, SqliteStore, Store, StoreError};
use flowbot_model::wire::{
    BotPackage, BotRef, Capability, ExceptionKind, Heartbeat, JobError, JobOutcome, StepEventBatch,
};
use flowbot_model::{Event, ObjectRef};

mod common;

use common::{POLICY, agent, at, enqueue, job, open, package, result};

fn step(activity: &str) -> Event {
    Event {
        id: activity.into(),
        activity: activity.to_owned(),
        time: at(1).fixed_offset(),
        start_time: None,
        objects: vec![ObjectRef::case("run")],
        resource: None,
        lifecycle: None,
        status: Default::default(),
        attributes: Default::default(),
    }
}

#[test]
fn a_job_is_leased_once() {
    let (_dir, store) = open();
    let agent = agent(&store, &[], &[]);
    let queued = enqueue(&store, job("intake"), at(0)).unwrap();
    assert_eq!(queued.state, JobState::Queued);

    let lease = store
        .lease_next(&agent, at(1), &POLICY)
        .unwrap()
        .expect("a lease");
    assert_eq!(lease.job.id, queued.job.id);
    assert_eq!(lease.job.attempt, 1);
    assert_eq!(lease.expires_at, at(31));
    assert_eq!(store.job(&queued.job.id).unwrap().state, JobState::Leased);
    assert!(store.lease_next(&agent, at(2), &POLICY).unwrap().is_none());
}

#[test]
fn jobs_go_by_priority_then_arrival_and_only_to_capable_agents() {
    let (_dir, store) = open();
    let plain = agent(&store, &[], &[]);
    let finance_ocr = agent(&store, &["finance"], &[Capability::Ocr]);
    let first = enqueue(&store, job("first"), at(0)).unwrap();
    let second = enqueue(&store, job("second"), at(0)).unwrap();
    let urgent = enqueue(
        &store,
        NewJob {
            priority: 10,
            ..job("urgent")
        },
        at(0),
    )
    .unwrap();
    let ocr = enqueue(
        &store,
        NewJob {
            priority: 100,
            required_labels: vec!["finance".to_owned()],
            required_capabilities: vec![Capability::Ocr],
            ..job("ocr")
        },
        at(0),
    )
    .unwrap();

    let order: Vec<_> = (0..3)
        .map(|_| {
            store
                .lease_next(&plain, at(1), &POLICY)
                .unwrap()
                .unwrap()
                .job
                .id
        })
        .collect();
    assert_eq!(order, vec![urgent.job.id, first.job.id, second.job.id]);
    assert!(
        store.lease_next(&plain, at(1), &POLICY).unwrap().is_none(),
        "the OCR job needs label and capability"
    );
    assert_eq!(
        store
            .lease_next(&finance_ocr, at(1), &POLICY)
            .unwrap()
            .unwrap()
            .job
            .id,
        ocr.job.id
    );
}

#[test]
fn an_expired_lease_requeues_with_backoff_and_refuses_the_late_agent() {
    let (_dir, store) = open();
    let dead = agent(&store, &[], &[]);
    let alive = agent(&store, &[], &[]);
    let queued = enqueue(&store, job("intake"), at(0)).unwrap();
    let old = store.lease_next(&dead, at(0), &POLICY).unwrap().unwrap();

    assert!(store.expire_leases(at(29), &POLICY).unwrap().is_empty());
    assert_eq!(
        store.expire_leases(at(30), &POLICY).unwrap(),
        vec![queued.job.id.clone()]
    );
    let requeued = store.job(&queued.job.id).unwrap();
    assert_eq!(requeued.state, JobState::Queued);
    assert_eq!(
        requeued.not_before,
        at(35),
        "first retry waits retry_backoff"
    );
    assert!(
        requeued
            .error
            .unwrap()
            .message
            .contains("stopped heartbeating")
    );

    assert!(store.lease_next(&alive, at(34), &POLICY).unwrap().is_none());
    let new = store.lease_next(&alive, at(35), &POLICY).unwrap().unwrap();
    assert_eq!(new.job.attempt, 2);
    assert_ne!(new.lease_id, old.lease_id);

    let late_events = StepEventBatch {
        lease_id: old.lease_id.clone(),
        seq: 0,
        events: vec![step("late")],
        logs: Vec::new(),
    };
    assert!(matches!(
        store.append_events(&late_events, at(36)),
        Err(StoreError::LeaseLost(_))
    ));
    let late = store.finish(
        &result(&old.lease_id, JobOutcome::Succeeded, None),
        at(36),
        &POLICY,
    );
    assert!(matches!(late, Err(StoreError::LeaseLost(_))));
    assert_eq!(store.job(&queued.job.id).unwrap().state, JobState::Leased);

    store
        .finish(
            &result(&new.lease_id, JobOutcome::Succeeded, None),
            at(40),
            &POLICY,
        )
        .unwrap();
    assert_eq!(
        store.job(&queued.job.id).unwrap().state,
        JobState::Succeeded
    );
}

#[test]
fn a_job_fails_after_its_last_attempt_expires() {
    let (_dir, store) = open();
    let agent = agent(&store, &[], &[]);
    let queued = enqueue(
        &store,
        NewJob {
            max_attempts: 2,
            ..job("intake")
        },
        at(0),
    )
    .unwrap();
    store.lease_next(&agent, at(0), &POLICY).unwrap().unwrap();
    store.expire_leases(at(30), &POLICY).unwrap();
    store.lease_next(&agent, at(35), &POLICY).unwrap().unwrap();
    store.expire_leases(at(65), &POLICY).unwrap();
    let failed = store.job(&queued.job.id).unwrap();
    assert_eq!(failed.state, JobState::Failed);
    assert!(failed.error.unwrap().message.contains("attempt 2 of 2"));
    assert!(
        store
            .lease_next(&agent, at(1000), &POLICY)
            .unwrap()
            .is_none()
    );
}

#[test]
fn heartbeats_renew_leases_and_report_lost_ones() {
    let (_dir, store) = open();
    let agent = agent(&store, &[], &[]);
    enqueue(&store, job("intake"), at(0)).unwrap();
    let lease = store.lease_next(&agent, at(0), &POLICY).unwrap().unwrap();
    let unknown = flowbot_model::LeaseId::from("not-a-lease");
    let ack = store
        .heartbeat(
            &Heartbeat {
                agent_id: agent.clone(),
                leases: vec![lease.lease_id.clone(), unknown.clone()],
            },
            at(20),
            &POLICY,
        )
        .unwrap();
    assert_eq!(ack.renewed.get(&lease.lease_id), Some(&at(50)));
    assert_eq!(ack.lost, vec![unknown]);
    assert!(
        store.expire_leases(at(45), &POLICY).unwrap().is_empty(),
        "renewed until 50"
    );
}

#[test]
fn system_failures_retry_and_business_failures_do_not() {
    let (_dir, store) = open();
    let agent = agent(&store, &[], &[]);
    let system = enqueue(&store, job("system"), at(0)).unwrap();
    let lease = store.lease_next(&agent, at(0), &POLICY).unwrap().unwrap();
    let down = JobError {
        kind: ExceptionKind::System,
        message: "app down".to_owned(),
    };
    let record = store
        .finish(
            &result(&lease.lease_id, JobOutcome::Failed, Some(down.clone())),
            at(1),
            &POLICY,
        )
        .unwrap();
    assert_eq!(record.state, JobState::Queued);
    // Reporting the same result again (a retried request) changes nothing.
    let again = store
        .finish(
            &result(&lease.lease_id, JobOutcome::Failed, Some(down)),
            at(2),
            &POLICY,
        )
        .unwrap();
    assert_eq!(again, record);
    // Its 5 s backoff ends at 6 s: the sweep that covers that moment wakes a poll for it.
    assert_eq!(store.jobs_come_due(at(1), at(5)).unwrap(), 0);
    assert_eq!(store.jobs_come_due(at(5), at(6)).unwrap(), 1);
    assert_eq!(store.jobs_come_due(at(6), at(60)).unwrap(), 0);

    let business = enqueue(&store, job("business"), at(0)).unwrap();
    let lease = store.lease_next(&agent, at(2), &POLICY).unwrap().unwrap();
    assert_eq!(
        lease.job.id, business.job.id,
        "the retried job waits out its backoff"
    );
    let bad_row = JobError {
        kind: ExceptionKind::Business,
        message: "row 4: IBAN checksum".to_owned(),
    };
    let record = store
        .finish(
            &result(&lease.lease_id, JobOutcome::Failed, Some(bad_row)),
            at(3),
            &POLICY,
        )
        .unwrap();
    assert_eq!(record.state, JobState::Failed);
    assert_eq!(store.job(&system.job.id).unwrap().state, JobState::Queued);
}

#[test]
fn cancel_stops_queued_jobs_at_once_and_running_ones_through_the_heartbeat() {
    let (_dir, store) = open();
    let agent = agent(&store, &[], &[]);
    let running = enqueue(&store, job("running"), at(0)).unwrap();
    let lease = store.lease_next(&agent, at(0), &POLICY).unwrap().unwrap();
    let queued = enqueue(&store, job("queued"), at(0)).unwrap();

    assert_eq!(
        store.cancel(&queued.job.id, at(1)).unwrap().state,
        JobState::Cancelled
    );
    assert!(matches!(
        store.cancel(&queued.job.id, at(1)),
        Err(StoreError::AlreadyFinal { .. })
    ));

    assert!(
        store
            .cancel(&running.job.id, at(1))
            .unwrap()
            .cancel_requested
    );
    let ack = store
        .heartbeat(
            &Heartbeat {
                agent_id: agent,
                leases: vec![lease.lease_id.clone()],
            },
            at(2),
            &POLICY,
        )
        .unwrap();
    assert_eq!(ack.cancel, vec![lease.lease_id.clone()]);
    let done = store
        .finish(
            &result(&lease.lease_id, JobOutcome::Cancelled, None),
            at(3),
            &POLICY,
        )
        .unwrap();
    assert_eq!(done.state, JobState::Cancelled);
}

#[test]
fn step_events_are_stored_once_per_batch_and_read_in_order() {
    let (_dir, store) = open();
    let agent = agent(&store, &[], &[]);
    let queued = enqueue(&store, job("intake"), at(0)).unwrap();
    let lease = store.lease_next(&agent, at(0), &POLICY).unwrap().unwrap();
    let first = StepEventBatch {
        lease_id: lease.lease_id.clone(),
        seq: 0,
        events: vec![step("open"), step("read")],
        logs: Vec::new(),
    };
    let second = StepEventBatch {
        lease_id: lease.lease_id.clone(),
        seq: 1,
        events: vec![step("write")],
        logs: Vec::new(),
    };
    store.append_events(&first, at(1)).unwrap();
    store.append_events(&first, at(2)).unwrap();
    store.append_events(&second, at(3)).unwrap();
    assert_eq!(store.job(&queued.job.id).unwrap().state, JobState::Running);
    let activities: Vec<String> = store
        .job_events(&queued.job.id)
        .unwrap()
        .into_iter()
        .map(|event| event.activity)
        .collect();
    assert_eq!(activities, ["open", "read", "write"]);
}

#[test]
fn jobs_survive_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cp.db");
    let id = {
        let store = SqliteStore::open(&path).unwrap();
        enqueue(&store, job("durable"), at(0)).unwrap().job.id
    };
    let store = SqliteStore::open(&path).unwrap();
    let job = store.job(&id).unwrap();
    assert_eq!(
        job.job.bot,
        BotRef {
            name: "durable".to_owned(),
            version: 1
        }
    );
    assert_eq!(job.state, JobState::Queued);
}

#[test]
fn invalid_jobs_are_refused_and_nothing_is_stored() {
    let (_dir, store) = open();
    assert!(matches!(
        enqueue(&store, job(" "), at(0)),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        enqueue(
            &store,
            NewJob {
                max_attempts: 0,
                ..job("x")
            },
            at(0)
        ),
        Err(StoreError::Invalid(_))
    ));
    assert!(store.jobs(&Default::default()).unwrap().is_empty());
}

#[test]
fn bot_versions_are_immutable_numbered_and_published_explicitly() {
    let (_dir, store) = open();
    let first = store
        .add_bot_version("intake", &package("log(\"v1\");"), at(0))
        .unwrap();
    let second = store
        .add_bot_version("intake", &package("log(\"v2\");"), at(1))
        .unwrap();
    assert_eq!((first.version, second.version), (1, 2));
    assert_eq!(
        store.bot_version("intake", 0).unwrap().version,
        1,
        "the first version is published at once"
    );

    let job = store.enqueue(job("intake"), at(2)).unwrap();
    assert_eq!(
        job.job.bot.version, 1,
        "version 0 resolves to the published version when queued"
    );
    assert_eq!(
        store.publish("intake", 2).unwrap().published_version,
        Some(2)
    );
    assert_eq!(
        enqueue(&store, job_for("intake", 0), at(3))
            .unwrap()
            .job
            .bot
            .version,
        2
    );
    assert_eq!(
        store.publish("intake", 1).unwrap().published_version,
        Some(1),
        "rollback"
    );
    assert_eq!(
        store.bot_version("intake", 2).unwrap().package,
        package("log(\"v2\");")
    );

    let summary = store.bots().unwrap();
    assert_eq!(summary.len(), 1);
    assert_eq!(summary[0].latest_version, 2);
}

fn job_for(bot: &str, version: u32) -> NewJob {
    serde_json::from_value(serde_json::json!({"bot": {"name": bot, "version": version}})).unwrap()
}

#[test]
fn jobs_for_unknown_bots_or_versions_are_refused() {
    let (_dir, store) = open();
    assert!(matches!(
        store.enqueue(job_for("ghost", 0), at(0)),
        Err(StoreError::NotFound { .. })
    ));
    store.add_bot_version("real", &package("1"), at(0)).unwrap();
    let error = store.enqueue(job_for("real", 7), at(0)).unwrap_err();
    assert_eq!(error.to_string(), "no bot version with id real v7");
    assert!(store.jobs(&Default::default()).unwrap().is_empty());
}

#[test]
fn packages_that_could_escape_their_folder_are_refused() {
    let (_dir, store) = open();
    for path in ["../evil.rhai", "/etc/passwd", "a//b.rhai", "lib/./x.rhai"] {
        let mut bad = package("1");
        bad.files.insert(path.to_owned(), "1".to_owned());
        assert!(
            matches!(
                store.add_bot_version("bot", &bad, at(0)),
                Err(StoreError::Invalid(_))
            ),
            "{path}"
        );
    }
    let no_entry = BotPackage {
        entry: "missing.rhai".to_owned(),
        files: package("1").files,
    };
    assert!(matches!(
        store.add_bot_version("bot", &no_entry, at(0)),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.add_bot_version("no spaces", &package("1"), at(0)),
        Err(StoreError::Invalid(_))
    ));
    assert!(store.bots().unwrap().is_empty());
}

fn schedule(cron: &str, missed: &str) -> flowbot_control_plane::store::NewSchedule {
    serde_json::from_value(serde_json::json!({
        "bot": {"name": "nightly", "version": 0},
        "cron": cron,
        "timezone": "Europe/Zurich",
        "missed": missed,
        "skip_dates": ["2027-01-01"],
        "inputs": {"mode": "full"}
    }))
    .unwrap()
}

const GRACE: Duration = Duration::from_secs(60);

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn a_schedule_queues_one_job_per_fire_time_and_never_twice() {
    let (_dir, store) = open();
    store
        .add_bot_version("nightly", &package("log(\"run\");"), at(0))
        .unwrap();
    // 02:00 Zurich daily = 01:00 UTC in winter.
    let created = store
        .create_schedule(
            schedule("0 2 * * *", "run_once"),
            utc("2026-12-30T12:00:00Z"),
        )
        .unwrap();
    assert_eq!(created.next_run_at, Some(utc("2026-12-31T01:00:00Z")));

    assert!(
        store
            .run_due_schedules(utc("2026-12-31T00:59:59Z"), GRACE)
            .unwrap()
            .is_empty()
    );
    let jobs = store
        .run_due_schedules(utc("2026-12-31T01:00:00.400Z"), GRACE)
        .unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(store.job(&jobs[0]).unwrap().job.inputs["mode"], "full");
    assert!(
        store
            .run_due_schedules(utc("2026-12-31T01:00:00.900Z"), GRACE)
            .unwrap()
            .is_empty(),
        "no double run"
    );

    // New Year's Day is on the business calendar's skip list: the next run is 2 January.
    let next = store.schedules().unwrap()[0].next_run_at;
    assert_eq!(next, Some(utc("2027-01-02T01:00:00Z")));
}

#[test]
fn downtime_over_several_fire_times_follows_the_missed_run_policy() {
    for (policy, expected) in [("run_once", 1), ("run_all", 3), ("skip", 0)] {
        let (_dir, store) = open();
        store
            .add_bot_version("nightly", &package("log(\"run\");"), at(0))
            .unwrap();
        store
            .create_schedule(schedule("0 * * * *", policy), utc("2026-06-01T09:30:00Z"))
            .unwrap();
        // Down from 09:30 to 12:30 UTC: 10:00, 11:00 and 12:00 were missed.
        let jobs = store
            .run_due_schedules(utc("2026-06-01T12:30:00Z"), GRACE)
            .unwrap();
        assert_eq!(jobs.len(), expected, "policy {policy}");
        assert_eq!(
            store.schedules().unwrap()[0].next_run_at,
            Some(utc("2026-06-01T13:00:00Z")),
            "policy {policy}"
        );
        assert!(
            store
                .run_due_schedules(utc("2026-06-01T12:31:00Z"), GRACE)
                .unwrap()
                .is_empty(),
            "policy {policy}"
        );
    }
}

#[test]
fn schedules_survive_a_restart_without_double_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cp.db");
    {
        let store = SqliteStore::open(&path).unwrap();
        store
            .add_bot_version("nightly", &package("log(\"run\");"), at(0))
            .unwrap();
        store
            .create_schedule(
                schedule("0 * * * *", "run_all"),
                utc("2026-06-01T09:30:00Z"),
            )
            .unwrap();
        assert_eq!(
            store
                .run_due_schedules(utc("2026-06-01T10:00:01Z"), GRACE)
                .unwrap()
                .len(),
            1
        );
    }
    let store = SqliteStore::open(&path).unwrap();
    assert!(
        store
            .run_due_schedules(utc("2026-06-01T10:00:30Z"), GRACE)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .run_due_schedules(utc("2026-06-01T11:00:00Z"), GRACE)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(store.jobs(&Default::default()).unwrap().len(), 2);
}

#[test]
fn invalid_schedules_are_refused_by_field() {
    let (_dir, store) = open();
    store
        .add_bot_version("nightly", &package("1"), at(0))
        .unwrap();
    let mut bad = schedule("0 2 * *", "run_once");
    assert!(
        store
            .create_schedule(bad.clone(), at(0))
            .unwrap_err()
            .to_string()
            .contains("cron \"0 2 * *\"")
    );
    bad.cron = "0 2 * * *".to_owned();
    bad.timezone = "Europe/Atlantis".to_owned();
    assert!(
        store
            .create_schedule(bad.clone(), at(0))
            .unwrap_err()
            .to_string()
            .contains("timezone")
    );
    bad.timezone = "UTC".to_owned();
    bad.bot.name = "ghost".to_owned();
    assert!(matches!(
        store.create_schedule(bad, at(0)),
        Err(StoreError::NotFound { .. })
    ));
    assert!(store.schedules().unwrap().is_empty());
}
