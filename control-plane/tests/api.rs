//! The HTTP API as clients meet it: `router(state)` driven with `oneshot` (no socket), and
//! `serve` on a real port-0 listener for the long poll and graceful shutdown.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use flowbot_control_plane::store::{LeasePolicy, SqliteStore};
use flowbot_control_plane::{AppState, router, serve};
use flowbot_model::wire::{
    AgentMessage, ControlMessage, Envelope, JobOutcome, JobResult, LeaseRequest, LogLevel, LogLine,
    PROTOCOL_VERSION, Registration, StepEventBatch,
};
use flowbot_model::{AgentId, Event, ObjectRef};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

fn state(dir: &tempfile::TempDir) -> AppState {
    let store = SqliteStore::open(&dir.path().join("cp.db")).unwrap();
    let mut state = AppState::new(Arc::new(store), LeasePolicy::default());
    state.long_poll = Duration::from_millis(300);
    state
}

async fn call(
    state: &AppState,
    method: &str,
    uri: &str,
    body: Option<String>,
) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body.map_or_else(Body::empty, Body::from))
        .unwrap();
    let response = router(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn agent_call(state: &AppState, message: AgentMessage) -> ControlMessage {
    let body = serde_json::to_string(&Envelope::new(message)).unwrap();
    let (status, answer) = call(state, "POST", "/api/v1/agent", Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    serde_json::from_value::<Envelope<ControlMessage>>(answer)
        .unwrap()
        .open()
        .unwrap()
}

fn registration() -> Registration {
    Registration {
        name: "a1".to_owned(),
        labels: vec![],
        capabilities: vec![],
        slots: 1,
        agent_version: "t".to_owned(),
    }
}

#[tokio::test]
async fn a_job_runs_through_the_agent_protocol_and_its_events_and_log_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    let package = json!({"entry": "main.rhai", "files": {"main.rhai": "let folder = input(\"folder\");\nlog(folder);"}});
    let (status, version) = call(
        &state,
        "POST",
        "/api/v1/bots/intake/versions",
        Some(package.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    assert_eq!(version["version"], 1);
    let (status, job) = call(
        &state,
        "POST",
        "/api/v1/jobs",
        Some(
            json!({"bot": {"name": "intake", "version": 0}, "inputs": {"folder": "/in"}})
                .to_string(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(job["state"], "queued");
    let job_id = job["id"].as_str().unwrap().to_owned();

    let ControlMessage::Registered { agent_id } =
        agent_call(&state, AgentMessage::Register(registration())).await
    else {
        panic!("not registered")
    };
    let ControlMessage::Lease(lease) = agent_call(
        &state,
        AgentMessage::RequestLease(LeaseRequest {
            agent_id,
            free_slots: 1,
        }),
    )
    .await
    else {
        panic!("no lease")
    };
    assert_eq!(lease.job.id.as_str(), job_id);
    assert_eq!(lease.job.inputs["folder"], "/in");

    let event = Event {
        id: "e1".into(),
        activity: "Read invoice".to_owned(),
        time: chrono::Utc::now().fixed_offset(),
        start_time: None,
        objects: vec![ObjectRef::case("run-1")],
        resource: Some("intake@a1".to_owned()),
        lifecycle: None,
        status: Default::default(),
        attributes: Default::default(),
    };
    let line = |level, message: &str| LogLine {
        time: chrono::Utc::now(),
        level,
        message: message.to_owned(),
    };
    let batch = StepEventBatch {
        lease_id: lease.lease_id.clone(),
        seq: 0,
        events: vec![event.clone()],
        logs: vec![
            line(LogLevel::Info, "run of intake"),
            line(LogLevel::Warn, "retry: attempt 1 of 3 failed"),
        ],
    };
    assert_eq!(
        agent_call(&state, AgentMessage::StepEvents(batch)).await,
        ControlMessage::Accepted
    );
    let result = JobResult {
        lease_id: lease.lease_id.clone(),
        outcome: JobOutcome::Succeeded,
        outputs: [("invoices".to_owned(), json!(3))].into(),
        error: None,
        finished_at: chrono::Utc::now(),
        // The run's last events and lines travel with the result.
        last_batch: Some(StepEventBatch {
            lease_id: lease.lease_id.clone(),
            seq: 1,
            events: vec![Event {
                id: "e2".into(),
                activity: "Archive invoice".to_owned(),
                ..event
            }],
            logs: vec![line(LogLevel::Error, "archive is full")],
        }),
    };
    assert_eq!(
        agent_call(&state, AgentMessage::Result(result.clone())).await,
        ControlMessage::Accepted
    );
    // A result resent after a lost answer stores nothing twice.
    assert_eq!(
        agent_call(&state, AgentMessage::Result(result)).await,
        ControlMessage::Accepted
    );

    let (_, job) = call(&state, "GET", &format!("/api/v1/jobs/{job_id}"), None).await;
    assert_eq!(job["state"], "succeeded");
    assert_eq!(job["outputs"]["invoices"], 3);
    let (_, events) = call(
        &state,
        "GET",
        &format!("/api/v1/jobs/{job_id}/events"),
        None,
    )
    .await;
    let activities: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["activity"].as_str().unwrap())
        .collect();
    assert_eq!(activities, ["Read invoice", "Archive invoice"]);
    let (_, logs) = call(&state, "GET", &format!("/api/v1/jobs/{job_id}/logs"), None).await;
    let lines: Vec<(&str, &str)> = logs
        .as_array()
        .unwrap()
        .iter()
        .map(|line| {
            (
                line["level"].as_str().unwrap(),
                line["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("info", "run of intake"),
            ("warn", "retry: attempt 1 of 3 failed"),
            ("error", "archive is full")
        ]
    );
    assert_eq!(logs[0]["attempt"], 1);
    let (_, warnings) = call(
        &state,
        "GET",
        &format!("/api/v1/jobs/{job_id}/logs?level=warn"),
        None,
    )
    .await;
    assert_eq!(warnings.as_array().unwrap().len(), 2);
    let (status, error) = call(
        &state,
        "GET",
        &format!("/api/v1/jobs/{job_id}/logs?level=loud"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["error"]["message"].as_str().unwrap().contains("loud"));
    let (_, listed) = call(&state, "GET", "/api/v1/jobs?state=succeeded", None).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_requests_get_one_json_error_shape_and_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    let cases = [
        (
            "POST",
            "/api/v1/jobs",
            Some("{not json".to_owned()),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "POST",
            "/api/v1/jobs",
            Some(json!({"bot": {"name": "x", "version": 1}, "colour": 1}).to_string()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_request",
        ),
        (
            "POST",
            "/api/v1/jobs",
            Some(json!({"bot": {"name": "", "version": 1}}).to_string()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            "POST",
            "/api/v1/jobs",
            Some(format!(
                "{{\"bot\":{{\"name\":\"{}\",\"version\":1}}}}",
                "x".repeat(5 << 20)
            )),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (
            "GET",
            "/api/v1/jobs/nope",
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "POST",
            "/api/v1/jobs/nope/cancel",
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "GET",
            "/api/v1/jobs?state=sleeping",
            None,
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "GET",
            "/api/v1/nothing-here",
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (method, uri, body, status, code) in cases {
        let (got, error) = call(&state, method, uri, body).await;
        assert_eq!(got, status, "{method} {uri}: {error}");
        assert_eq!(error["error"]["code"], code, "{method} {uri}: {error}");
        assert!(!error["error"]["message"].as_str().unwrap().is_empty());
    }
    let (_, listed) = call(&state, "GET", "/api/v1/jobs", None).await;
    assert_eq!(listed, json!([]));
}

#[tokio::test]
async fn an_agent_of_another_protocol_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    let body = json!({"protocol": PROTOCOL_VERSION + 1, "message": {"kind": "register", "name": "a", "labels": [], "capabilities": [], "slots": 1, "agent_version": "9"}});
    let (status, error) = call(&state, "POST", "/api/v1/agent", Some(body.to_string())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["error"]["code"], "protocol_mismatch");
}

#[tokio::test]
async fn a_long_poll_wakes_when_a_job_arrives_and_ends_with_no_work_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = state(&dir);
    state.long_poll = Duration::from_secs(5);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, state.clone(), async move {
        stopped.await.ok();
    }));

    let ControlMessage::Registered { agent_id } =
        agent_call(&state, AgentMessage::Register(registration())).await
    else {
        panic!("not registered")
    };
    let waiting = tokio::spawn(request_lease(address, agent_id.clone()));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !waiting.is_finished(),
        "nothing to lease yet: the request waits"
    );
    let package = json!({"entry": "main.rhai", "files": {"main.rhai": "log(\"hi\");"}});
    call(
        &state,
        "POST",
        "/api/v1/bots/b/versions",
        Some(package.to_string()),
    )
    .await;
    call(
        &state,
        "POST",
        "/api/v1/jobs",
        Some(json!({"bot": {"name": "b", "version": 1}}).to_string()),
    )
    .await;
    let answer = tokio::time::timeout(Duration::from_secs(2), waiting)
        .await
        .expect("woken by the new job")
        .unwrap();
    assert!(matches!(answer, ControlMessage::Lease(_)), "{answer:?}");

    let mut quick = state.clone();
    quick.long_poll = Duration::from_millis(100);
    assert_eq!(
        agent_call(
            &quick,
            AgentMessage::RequestLease(LeaseRequest {
                agent_id,
                free_slots: 1
            })
        )
        .await,
        ControlMessage::NoWork
    );

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("graceful shutdown")
        .unwrap()
        .unwrap();
}

/// A lease request over a real socket, with a plain HTTP/1.1 exchange.
#[tokio::test]
async fn a_waiting_poll_gets_a_retried_job_when_its_backoff_ends() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("cp.db")).unwrap();
    let policy = LeasePolicy {
        retry_backoff: Duration::from_secs(1),
        ..LeasePolicy::default()
    };
    let mut state = AppState::new(Arc::new(store), policy);
    state.long_poll = Duration::from_secs(8);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, state.clone(), async move {
        stopped.await.ok();
    }));
    let ControlMessage::Registered { agent_id } =
        agent_call(&state, AgentMessage::Register(registration())).await
    else {
        panic!("not registered")
    };
    let package = json!({"entry": "main.rhai", "files": {"main.rhai": "log(\"hi\");"}});
    let bot = Some(package.to_string());
    call(&state, "POST", "/api/v1/bots/b/versions", bot).await;
    let job = Some(json!({"bot": {"name": "b", "version": 1}}).to_string());
    call(&state, "POST", "/api/v1/jobs", job).await;
    let ControlMessage::Lease(lease) = request_lease(address, agent_id.clone()).await else {
        panic!("the new job is leased")
    };
    let failed = JobResult {
        lease_id: lease.lease_id.clone(),
        outcome: JobOutcome::Failed,
        outputs: Default::default(),
        error: Some(flowbot_model::wire::JobError {
            kind: flowbot_model::wire::ExceptionKind::System,
            message: "the app timed out".to_owned(),
        }),
        finished_at: chrono::Utc::now(),
        last_batch: None,
    };
    assert_eq!(
        agent_call(&state, AgentMessage::Result(failed)).await,
        ControlMessage::Accepted
    );

    // Nothing is ready now; the retry comes due after 1 s, well inside the 8 s poll.
    let answer = tokio::time::timeout(Duration::from_secs(5), request_lease(address, agent_id))
        .await
        .expect("woken when the backoff ends, not at the end of the poll");
    let ControlMessage::Lease(retry) = answer else {
        panic!("the retry is leased: {answer:?}")
    };
    assert_eq!(retry.job.id, lease.job.id);
    assert_eq!(retry.job.attempt, 2);

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("graceful shutdown")
        .unwrap()
        .unwrap();
}

async fn request_lease(address: std::net::SocketAddr, agent_id: AgentId) -> ControlMessage {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let body = serde_json::to_string(&Envelope::new(AgentMessage::RequestLease(LeaseRequest {
        agent_id,
        free_slots: 1,
    })))
    .unwrap();
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "POST /api/v1/agent HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (_, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    serde_json::from_str::<Envelope<ControlMessage>>(body)
        .unwrap()
        .open()
        .unwrap()
}

#[tokio::test]
async fn a_package_that_fails_check_is_refused_with_positions_and_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    let package = json!({"entry": "main.rhai", "files": {"main.rhai": "log(\"ok\");\nno_such_step(1);\nlet x = ;"}});
    let (status, error) = call(
        &state,
        "POST",
        "/api/v1/bots/broken/versions",
        Some(package.to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["error"]["code"], "check_failed");
    let first = &error["error"]["details"][0];
    assert_eq!(first["file"], "main.rhai");
    assert_eq!(first["line"], 3, "{error}");
    let (_, bots) = call(&state, "GET", "/api/v1/bots", None).await;
    assert_eq!(bots, json!([]));
    let (status, error) = call(&state, "GET", "/api/v1/bots/broken/versions/0", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{error}");
}

#[tokio::test]
async fn queue_and_trigger_requests_get_clear_errors_and_store_nothing_half_way() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir);
    let (status, answer) = call(
        &state,
        "POST",
        "/api/v1/queues/none/items",
        Some("{}".into()),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    assert_eq!(answer["error"]["code"], "not_found");

    let (status, _) = call(
        &state,
        "POST",
        "/api/v1/queues",
        Some(r#"{"name":"claims"}"#.into()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, answer) = call(
        &state,
        "POST",
        "/api/v1/queues/claims/items",
        Some("{not json".into()),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let (status, answer) = call(
        &state,
        "POST",
        "/api/v1/queues/claims/items",
        Some(r#"{"reference":"A","colour":"red"}"#.into()),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("colour")
    );
    let (status, answer) = call(
        &state,
        "GET",
        "/api/v1/queues/claims/items?state=lost",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let (_, items) = call(&state, "GET", "/api/v1/queues/claims/items", None).await;
    assert_eq!(items, json!([]), "nothing stored by the refused requests");

    let huge = format!(r#"{{"payload":"{}"}}"#, "x".repeat(5 * 1024 * 1024));
    let (status, answer) = call(&state, "POST", "/api/v1/queues/claims/items", Some(huge)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");

    let (status, answer) = call(&state, "POST", "/api/v1/hooks/nobody", Some("{}".into())).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    let (status, answer) = call(
        &state,
        "POST",
        "/api/v1/triggers",
        Some(r#"{"name":"t","on":"webhook","job":{"bot":{"name":"ghost","version":0}}}"#.into()),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("ghost")
    );
    let (_, triggers) = call(&state, "GET", "/api/v1/triggers", None).await;
    assert_eq!(triggers, json!([]));
}

#[tokio::test]
async fn an_agent_without_the_control_planes_token_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir).with_agent_token(Some("s3cret".to_owned()));
    let body =
        serde_json::to_string(&Envelope::new(AgentMessage::Register(registration()))).unwrap();
    let (status, answer) = call(&state, "POST", "/api/v1/agent", Some(body.clone())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--token")
    );

    let request = |token: &str| {
        Request::builder()
            .method("POST")
            .uri("/api/v1/agent")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::from(body.clone()))
            .unwrap()
    };
    let wrong = router(state.clone())
        .oneshot(request("guess"))
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let right = router(state.clone())
        .oneshot(request("s3cret"))
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::OK);
    assert!(
        state.store.agents().unwrap().len() == 1,
        "only the agent with the token registered"
    );
}
