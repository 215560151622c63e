//! Validation items on the control plane: a person decides them through the API (approve with
//! corrections, reject with a reason, each once), bots never take them and read the decision
//! under their lease. Driven through `router(state)` without a socket, and the store directly.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use flowbot_control_plane::store::{ItemState, NewQueue, SqliteStore, Store, StoreError};
use flowbot_control_plane::{AppState, router};
use flowbot_model::wire::{AgentMessage, ControlMessage, Envelope, NewQueueItem, QueueFind};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

mod common;

use common::{POLICY, agent, at, enqueue, job};

const QUEUE: &str = "invoice-validation";

/// A task as the agent's `request_validation` queues it.
fn task(document: &str) -> Value {
    json!({
        "document": format!("inbox/{document}"),
        "document_bytes": 1234,
        "status": "pending",
        "created_at": "2026-11-30T06:00:00Z",
        "fields": {
            "total": {"value": "10.00", "confidence": 0.42},
            "currency": {"value": "EUR", "confidence": 0.99},
        },
        "line_items": [],
        "issues": [{"code": "low_confidence", "field": "total", "message": "total read with confidence 0.42"}],
    })
}

fn setup() -> (tempfile::TempDir, Arc<SqliteStore>, AppState) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("cp.db")).unwrap());
    for document in ["scan-7.png", "scan-8.png"] {
        let item = NewQueueItem {
            reference: Some(document.to_owned()),
            payload: task(document),
            priority: 0,
            deadline: None,
            defer_until: None,
        };
        store.add_item(QUEUE, item, None, at(0)).unwrap();
    }
    let state = AppState::new(store.clone(), POLICY);
    (dir, store, state)
}

async fn call(
    state: &AppState,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body.map_or_else(Body::empty, |body| Body::from(body.to_string())))
        .unwrap();
    let response = router(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn decision_uri(reference: &str) -> String {
    format!("/api/v1/queues/{QUEUE}/items/{reference}/decision")
}

#[tokio::test]
async fn every_control_plane_has_the_validation_queue_worked_by_people() {
    let (_dir, _store, state) = setup();
    let (status, queue) = call(&state, "GET", &format!("/api/v1/queues/{QUEUE}"), None).await;
    assert_eq!(status, StatusCode::OK, "{queue}");
    assert_eq!(queue["worked_by"], "people");
    assert_eq!(queue["counts"]["new"], 2);
}

#[tokio::test]
async fn an_approval_with_corrections_settles_the_item_once() {
    let (_dir, _store, state) = setup();
    let (status, item) = call(
        &state,
        "GET",
        &format!("/api/v1/queues/{QUEUE}/items/scan-7.png"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{item}");
    assert_eq!(item["state"], "new");
    assert_eq!(item["payload"]["fields"]["total"]["value"], "10.00");

    let approve = json!({"decision": "approve", "corrections": {"total": "12.50"}, "by": "anna"});
    let (status, item) = call(&state, "POST", &decision_uri("scan-7.png"), Some(approve)).await;
    assert_eq!(status, StatusCode::OK, "{item}");
    assert_eq!(item["state"], "done");
    assert_eq!(item["output"]["status"], "validated");
    assert_eq!(item["output"]["corrections"], json!({"total": "12.50"}));
    assert_eq!(item["output"]["validated_by"], "anna");
    assert!(item["output"]["validated_at"].is_string());
    assert_eq!(item["attempt"], 0, "no bot took it");

    let again = json!({"decision": "reject", "reason": "changed my mind", "by": "ben"});
    let (status, error) = call(&state, "POST", &decision_uri("scan-7.png"), Some(again)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert_eq!(error["error"]["code"], "already_decided");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("scan-7.png") && message.contains("done"),
        "{message}"
    );
}

#[tokio::test]
async fn a_rejection_records_its_reason_as_a_business_exception() {
    let (_dir, _store, state) = setup();
    let reject = json!({"decision": "reject", "reason": "not our supplier", "by": "anna"});
    let (status, item) = call(&state, "POST", &decision_uri("scan-8.png"), Some(reject)).await;
    assert_eq!(status, StatusCode::OK, "{item}");
    assert_eq!(item["state"], "business_exception");
    assert_eq!(item["error"], "not our supplier");
    assert_eq!(item["output"]["status"], "rejected");
    assert_eq!(item["output"]["reason"], "not our supplier");
    assert_eq!(item["output"]["validated_by"], "anna");
}

#[tokio::test]
async fn a_correction_of_an_unknown_field_is_refused_naming_it_and_the_known_ones() {
    let (_dir, store, state) = setup();
    let approve = json!({"decision": "approve", "corrections": {"iban": "x"}, "by": "anna"});
    let (status, error) = call(&state, "POST", &decision_uri("scan-7.png"), Some(approve)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert_eq!(error["error"]["code"], "unknown_field");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("`iban`") && message.contains("currency, total"),
        "{message}"
    );
    assert_eq!(error["error"]["details"]["field"], "iban");
    assert_eq!(
        error["error"]["details"]["known"],
        json!(["currency", "total"])
    );
    let item = store
        .find_item(QUEUE, "scan-7.png", None, at(1))
        .unwrap()
        .unwrap();
    assert_eq!(item.state, ItemState::New, "nothing was decided");
}

#[tokio::test]
async fn unknown_queues_items_and_malformed_decisions_get_the_usual_errors() {
    let (_dir, store, state) = setup();
    let approve = json!({"decision": "approve", "by": "anna"});
    for uri in [
        "/api/v1/queues/nope/items/scan-7.png/decision".to_owned(),
        decision_uri("scan-9.png"),
    ] {
        let (status, error) = call(&state, "POST", &uri, Some(approve.clone())).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}: {error}");
        assert_eq!(error["error"]["code"], "not_found");
    }
    let (status, error) = call(
        &state,
        "GET",
        &format!("/api/v1/queues/{QUEUE}/items/scan-9.png"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("scan-9.png")
    );

    let (status, error) = call(
        &state,
        "POST",
        &decision_uri("scan-7.png"),
        Some(json!({"decision": "maybe", "by": "anna"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["error"]["code"], "bad_request");

    // A queue bots work is settled by its bots, not decided by people.
    let claims: NewQueue = serde_json::from_value(json!({"name": "claims"})).unwrap();
    store.create_queue(claims, at(0)).unwrap();
    let item = NewQueueItem {
        reference: Some("C1".to_owned()),
        payload: task("C1"),
        priority: 0,
        deadline: None,
        defer_until: None,
    };
    store.add_item("claims", item, None, at(0)).unwrap();
    let (status, error) = call(
        &state,
        "POST",
        "/api/v1/queues/claims/items/C1/decision",
        Some(approve),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("worked by bots")
    );
}

#[tokio::test]
async fn bots_never_take_validation_items_but_read_decisions_under_their_lease() {
    let (_dir, store, state) = setup();
    enqueue(&store, job("intake"), at(1)).unwrap();
    let agent = agent(&store, &[], &[]);
    let lease = store.lease_next(&agent, at(1), &POLICY).unwrap().unwrap();

    let refused = store.take_item(&lease.lease_id, QUEUE, at(2)).unwrap_err();
    assert!(
        matches!(&refused, StoreError::Invalid(message) if message.contains("worked by people")),
        "{refused}"
    );
    let trigger = json!({
        "name": "validators",
        "on": {"queue": {"queue": QUEUE}},
        "job": {"bot": {"name": "intake", "version": 1}},
    });
    let (status, error) = call(&state, "POST", "/api/v1/triggers", Some(trigger)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");

    let find = |reference: &str| {
        AgentMessage::QueueFind(QueueFind {
            lease_id: lease.lease_id.clone(),
            queue: QUEUE.to_owned(),
            reference: reference.to_owned(),
        })
    };
    let ask = |message: AgentMessage| {
        let state = state.clone();
        async move {
            let body = serde_json::to_value(Envelope::new(message)).unwrap();
            let (status, answer) = call(&state, "POST", "/api/v1/agent", Some(body)).await;
            assert_eq!(status, StatusCode::OK, "{answer}");
            serde_json::from_value::<Envelope<ControlMessage>>(answer)
                .unwrap()
                .open()
                .unwrap()
        }
    };
    let ControlMessage::QueueItemFound {
        item: Some(pending),
    } = ask(find("scan-7.png")).await
    else {
        panic!("the item is found");
    };
    assert_eq!(pending.state, ItemState::New);
    assert_eq!(pending.output, None);

    let approve = json!({"decision": "approve", "corrections": {"total": "12.50"}, "by": "anna"});
    let (status, _) = call(&state, "POST", &decision_uri("scan-7.png"), Some(approve)).await;
    assert_eq!(status, StatusCode::OK);
    let ControlMessage::QueueItemFound {
        item: Some(decided),
    } = ask(find("scan-7.png")).await
    else {
        panic!("the item is found");
    };
    assert_eq!(decided.state, ItemState::Done);
    assert_eq!(decided.output.unwrap()["corrections"]["total"], "12.50");
    assert_eq!(
        ask(find("scan-9.png")).await,
        ControlMessage::QueueItemFound { item: None }
    );

    // Once the lease is gone the bot is told to stop, not answered.
    store.expire_leases(at(3600), &POLICY).unwrap();
    let lost = store
        .find_item(QUEUE, "scan-7.png", Some(&lease.lease_id), at(3600))
        .unwrap_err();
    assert!(matches!(lost, StoreError::LeaseLost(_)), "{lost}");
}
