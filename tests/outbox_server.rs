//! The durable outbox against the real embedded server over HTTP: ops are applied in order,
//! comment edits follow their create, and the fault test — the server goes away mid-queue,
//! writes keep being queued (and survive reopening the outbox file), the server comes back on
//! the same address and database, and every score and comment arrives exactly once.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use opik_tui::config::Connection;
use opik_tui::opik::client::OpikClient;
use opik_tui::opik::model::{FeedbackScoreItem, new_id};
use opik_tui::outbox::{CommentRef, CommentTarget, Outbox, OutboxEvent, WriteOp, target_of};
use opik_tui::server::{ServerConfig, ServerHandle, spawn};
use serde_json::json;
use uuid::Uuid;

async fn start(bind: &str, db: &std::path::Path) -> ServerHandle {
    spawn(ServerConfig {
        bind: bind.parse().expect("addr"),
        db_path: db.to_path_buf(),
        api_key: None,
        users_file: None,
    })
    .await
    .expect("server starts")
}

async fn create_trace(base: &str, project: &str) -> Uuid {
    let id = new_id();
    let now = chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string();
    let r = reqwest::Client::new()
        .post(format!("{base}/v1/private/traces/batch"))
        .json(
            &json!({"traces": [{"id": id, "project_name": project, "name": "t",
            "start_time": now, "input": {"q": "hi"}, "output": {"a": "yo"}}]}),
        )
        .send()
        .await
        .expect("send");
    assert!(r.status().is_success(), "create trace: {}", r.status());
    id
}

fn score(name: &str, value: f64, queue: Uuid) -> FeedbackScoreItem {
    FeedbackScoreItem {
        name: name.into(),
        value: Some(value),
        source: Some("ui".into()),
        source_queue_id: Some(queue),
        ..Default::default()
    }
}

fn recorder() -> (
    Arc<Mutex<Vec<OutboxEvent>>>,
    impl Fn(OutboxEvent) + Send + Sync + 'static,
) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    (log, move |e| l.lock().expect("log").push(e))
}

#[tokio::test]
async fn ops_apply_in_order_and_comment_edits_follow_their_create() {
    let dir = tempfile::tempdir().expect("tmp");
    let srv = start("127.0.0.1:0", &dir.path().join("db.sqlite")).await;
    let client = OpikClient::new(&Connection::new(&srv.base_url()).expect("url")).expect("client");
    let trace = create_trace(&srv.base_url(), "p").await;
    let queue = Uuid::now_v7();
    let ob = Outbox::open(&dir.path().join("outbox.sqlite"), target_of(&client)).expect("outbox");
    let target = CommentTarget::Trace { trace_id: trace };
    ob.enqueue(WriteOp::PutTraceScore {
        trace_id: trace,
        score: score("rating", 2.0, queue),
    })
    .expect("enqueue");
    let add = ob
        .enqueue(WriteOp::AddComment {
            target: target.clone(),
            text: "first".into(),
            source_queue_id: Some(queue),
        })
        .expect("enqueue");
    ob.enqueue(WriteOp::UpdateComment {
        target: target.clone(),
        comment: CommentRef::Op(add),
        text: "edited".into(),
    })
    .expect("enqueue");
    ob.enqueue(WriteOp::PutTraceScore {
        trace_id: trace,
        score: score("rating", 4.0, queue),
    })
    .expect("enqueue");
    ob.enqueue(WriteOp::PutTraceScore {
        trace_id: trace,
        score: score("gone", 1.0, queue),
    })
    .expect("enqueue");
    ob.enqueue(WriteOp::DeleteTraceScore {
        trace_id: trace,
        name: "gone".into(),
        author: None,
    })
    .expect("enqueue");
    let (log, events) = recorder();
    let report = ob.drain_once(&client, &events).await;
    assert_eq!(
        (report.applied, report.pending, report.failed),
        (6, 0, 0),
        "{report:?}"
    );
    assert!(report.online);
    let comment_id = ob.created_comment(add).expect("comment id recorded");
    assert!(log.lock().expect("log").iter().any(
        |e| matches!(e, OutboxEvent::Applied { comment_id: Some(c), .. } if *c == comment_id)
    ));

    let t = client.get_trace(trace).await.expect("trace");
    let scores = t.feedback_scores.unwrap_or_default();
    assert_eq!(scores.len(), 1, "{scores:?}");
    assert_eq!(scores[0].name, "rating");
    assert_eq!(scores[0].value, Some(4.0), "the later put wins");
    let comments = t.comments.unwrap_or_default();
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert_eq!(comments[0].text, "edited");
    assert_eq!(comments[0].id, Some(comment_id));

    // Nothing is sent twice: a second round has nothing to do.
    let again = ob.drain_once(&client, &events).await;
    assert_eq!((again.applied, again.pending), (0, 0));
    srv.shutdown().await;
}

#[tokio::test]
async fn server_killed_mid_queue_every_score_and_comment_arrives_exactly_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("db.sqlite");
    let srv = start("127.0.0.1:0", &db).await;
    let addr = srv.addr;
    let base = srv.base_url();
    let client = OpikClient::new(&Connection::new(&base).expect("url")).expect("client");
    let traces = [
        create_trace(&base, "p").await,
        create_trace(&base, "p").await,
        create_trace(&base, "p").await,
    ];
    let queue = Uuid::now_v7();
    let ob_path = dir.path().join("state").join("outbox.sqlite");
    let ob = Outbox::open(&ob_path, target_of(&client)).expect("outbox");
    let (_log, events) = recorder();

    // Item 1 while the server is up.
    ob.enqueue(WriteOp::PutTraceScore {
        trace_id: traces[0],
        score: score("rating", 1.0, queue),
    })
    .expect("enqueue");
    ob.enqueue(WriteOp::AddComment {
        target: CommentTarget::Trace {
            trace_id: traces[0],
        },
        text: "one".into(),
        source_queue_id: Some(queue),
    })
    .expect("enqueue");
    let r = ob.drain_once(&client, &events).await;
    assert_eq!((r.applied, r.pending), (2, 0));

    // The server dies; the SME keeps annotating items 2 and 3.
    srv.shutdown().await;
    for (i, t) in traces.iter().enumerate().skip(1) {
        ob.enqueue(WriteOp::PutTraceScore {
            trace_id: *t,
            score: score("rating", i as f64, queue),
        })
        .expect("enqueue");
        ob.enqueue(WriteOp::AddComment {
            target: CommentTarget::Trace { trace_id: *t },
            text: format!("comment {i}"),
            source_queue_id: Some(queue),
        })
        .expect("enqueue");
        let r = ob.drain_once(&client, &events).await;
        assert!(!r.online, "the outbox notices the server is gone");
        assert!(
            r.last_error
                .as_deref()
                .is_some_and(|e| e.contains("cannot connect")),
            "{r:?}"
        );
    }
    assert_eq!(ob.pending_count(), 4);
    drop(ob);

    // opik-tui restarts too: the outbox file still holds the work.
    let ob = Outbox::open(&ob_path, target_of(&client)).expect("reopen");
    assert_eq!(ob.pending_count(), 4);

    // The server comes back on the same address and database.
    let srv = start(&addr.to_string(), &db).await;
    let r = ob.drain_once(&client, &events).await;
    assert_eq!((r.applied, r.pending, r.failed), (4, 0, 0), "{r:?}");
    assert!(r.online);
    // A further round (e.g. a second drainer wake-up) sends nothing again.
    let r = ob.drain_once(&client, &events).await;
    assert_eq!(r.applied, 0);

    for (i, t) in traces.iter().enumerate() {
        let tr = client.get_trace(*t).await.expect("trace");
        let scores = tr.feedback_scores.unwrap_or_default();
        assert_eq!(scores.len(), 1, "trace {i}: {scores:?}");
        assert_eq!(scores[0].value, Some(if i == 0 { 1.0 } else { i as f64 }));
        let comments = tr.comments.unwrap_or_default();
        assert_eq!(
            comments.len(),
            1,
            "trace {i}: exactly one comment, got {comments:?}"
        );
        let want = if i == 0 {
            "one".to_string()
        } else {
            format!("comment {i}")
        };
        assert_eq!(comments[0].text, want);
        assert_eq!(comments[0].source_queue_id, Some(queue));
    }
    srv.shutdown().await;
}

/// The app-wide drainer: screens share one outbox handle (`for_client`); the drainer keeps
/// sending after the screen that heard its events is gone, and every subscriber hears it.
#[tokio::test]
async fn one_shared_drainer_keeps_sending_after_a_screen_closes() {
    let dir = tempfile::tempdir().expect("tmp");
    let srv = start("127.0.0.1:0", &dir.path().join("db.sqlite")).await;
    let client = OpikClient::new(&Connection::new(&srv.base_url()).expect("url")).expect("client");
    let trace = create_trace(&srv.base_url(), "p").await;
    let queue = Uuid::now_v7();
    let path = dir.path().join("state").join("outbox.sqlite");
    let app = Outbox::for_client(Some(&path), &client).expect("outbox");
    let screen = Outbox::for_client(Some(&path), &client).expect("outbox");
    // The app's subscription, and a screen's drainer handle that the screen aborts on close.
    let (app_log, app_events) = recorder();
    let _app_sub = app.subscribe(app_events);
    assert!(app.ensure_drainer(client.clone()));
    let (screen_log, screen_events) = recorder();
    let handle = screen.spawn_drainer(client.clone(), screen_events);
    assert!(screen.draining(), "the same drainer serves both handles");
    handle.abort();
    let _ = handle.await;
    // Written through the screen's handle after it closed: the app's drainer sends it.
    screen
        .enqueue(WriteOp::PutTraceScore {
            trace_id: trace,
            score: score("rating", 0.5, queue),
        })
        .expect("enqueue");
    let start = std::time::Instant::now();
    while app.pending_count() > 0 {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "the drainer stopped with the screen"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let applied = |log: &Arc<Mutex<Vec<OutboxEvent>>>| {
        log.lock()
            .expect("log")
            .iter()
            .filter(|e| matches!(e, OutboxEvent::Applied { .. }))
            .count()
    };
    // Wait for the event (sent right after the op is marked done).
    while applied(&app_log) == 0 {
        assert!(start.elapsed() < std::time::Duration::from_secs(20));
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(applied(&app_log), 1);
    assert_eq!(applied(&screen_log), 0, "a closed screen hears nothing");
    let tr = client.get_trace(trace).await.expect("trace");
    let scores = tr.feedback_scores.unwrap_or_default();
    assert_eq!(scores.len(), 1, "{scores:?}");
    assert_eq!(scores[0].value, Some(0.5));
    srv.shutdown().await;
}

#[tokio::test]
async fn quitting_while_a_send_hangs_offline_lets_the_next_start_send_at_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("db.sqlite");
    let srv = start("127.0.0.1:0", &db).await;
    let addr = srv.addr;
    let base = srv.base_url();
    let client = OpikClient::new(&Connection::new(&base).expect("url")).expect("client");
    let trace = create_trace(&base, "p").await;
    srv.shutdown().await;

    // The network is gone: the address accepts connections but nothing ever answers.
    let hang = std::net::TcpListener::bind(addr).expect("bind the dead address");
    let ob_path = dir.path().join("state").join("outbox.sqlite");
    let ob = Outbox::open(&ob_path, target_of(&client)).expect("outbox");
    ob.enqueue(WriteOp::PutTraceScore {
        trace_id: trace,
        score: score("rating", 3.0, Uuid::now_v7()),
    })
    .expect("enqueue");
    let sending = {
        let (ob, client) = (ob.clone(), client.clone());
        tokio::spawn(async move { ob.drain_once(&client, &|_| {}).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(!sending.is_finished(), "the send hangs, holding its lease");
    // The user quits: the app shuts the outbox down and the runtime drops the send.
    ob.shutdown();
    sending.abort();
    let _ = sending.await;
    drop(ob);
    drop(hang);

    // The next start, with the network back, sends at once (not after the lease ran out).
    let srv = start(&addr.to_string(), &db).await;
    let ob = Outbox::open(&ob_path, target_of(&client)).expect("reopen");
    let r = ob.drain_once(&client, &|_| {}).await;
    assert_eq!((r.applied, r.pending), (1, 0), "{r:?}");
    srv.shutdown().await;
}
