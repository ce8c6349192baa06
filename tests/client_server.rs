//! The REST client against the real embedded server (in-process, real HTTP on a free port):
//! every call the screens rely on round-trips, search streams page through the cursor, filter
//! strings parse into filters the server applies, and errors come back typed.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use futures::StreamExt;
use opik_tui::config::Connection;
use opik_tui::opik::client::{ClientOptions, ListQuery, OpikClient, ProjectRef};
use opik_tui::opik::error::ApiError;
use opik_tui::opik::filter_string::{self, Entity};
use opik_tui::opik::model::*;
use opik_tui::server::{self, ServerConfig, ServerHandle};
use serde_json::json;
use uuid::Uuid;

mod common;

async fn start(api_key: Option<&str>) -> (ServerHandle, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let handle = server::spawn(ServerConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        db_path: dir.path().join("t.db"),
        api_key: api_key.map(str::to_string),
        users_file: None,
    })
    .await
    .unwrap();
    (handle, dir)
}

fn client(url: &str, key: Option<&str>) -> OpikClient {
    let mut conn = Connection::new(url).unwrap();
    conn.api_key = key.map(str::to_string);
    let opts = ClientOptions {
        stream_page_size: 10,
        ..ClientOptions::default()
    };
    OpikClient::with_options(&conn, opts).unwrap()
}

/// Log `n` traces (half tagged `prod`, in thread `chat-N/2`) the way the SDK does.
async fn ingest(base: &str, project: &str, n: usize) -> Vec<Uuid> {
    let ids: Vec<Uuid> = (0..n)
        .map(|_| {
            std::thread::sleep(Duration::from_millis(2));
            new_id()
        })
        .collect();
    let traces: Vec<serde_json::Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            json!({"id": id, "project_name": project, "name": format!("turn-{i}"),
                   "start_time": "2026-11-21T10:00:00.000000Z", "end_time": "2026-11-21T10:00:02.500000Z",
                   "input": {"messages": [{"role": "user", "content": format!("q{i}")}]},
                   "output": {"answer": format!("a{i}")},
                   "metadata": {"k": if i % 2 == 0 { "even" } else { "odd" }},
                   "tags": if i % 2 == 0 { vec!["prod"] } else { vec!["dev"] },
                   "thread_id": format!("chat-{}", i / 2), "source": "sdk"})
        })
        .collect();
    common::post_traces(base, traces).await;
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_round_trips_against_the_embedded_server() {
    let (handle, _dir) = start(None).await;
    let base = handle.base_url();
    // The client normalises a URL given without /api.
    let c = client(base.trim_end_matches("/api"), None);
    assert_eq!(c.base_url(), base);
    c.ping().await.unwrap();
    c.auth_check().await.unwrap();
    assert_eq!(c.workspace_name().await.unwrap(), "default");

    let ids = ingest(&base, "client-e2e", 24).await;

    // Projects.
    let page = c.list_projects(1, 10, Some("client"), &[]).await.unwrap();
    assert_eq!(page.content.len(), 1);
    let project = c.retrieve_project("client-e2e").await.unwrap();
    let pid = project.id.unwrap();
    assert_eq!(c.get_project(pid).await.unwrap().name, "client-e2e");
    let missing = c.retrieve_project("no-such-project").await.unwrap_err();
    assert!(missing.is_not_found(), "{missing:?}");
    assert_eq!(
        missing.to_string().split(" not found").next(),
        Some("project `no-such-project`")
    );

    // Trace list: paging, and a filter string the TUI's `f` key would produce.
    let q = ListQuery {
        size: 5,
        ..ListQuery::for_project(pid)
    };
    let p1 = c.list_traces(&q).await.unwrap();
    assert_eq!(p1.total, Some(24));
    assert_eq!(p1.content.len(), 5);
    let filters = filter_string::parse(
        r#"tags contains "prod" and metadata.k = "even""#,
        Entity::Traces,
    )
    .unwrap();
    let q = ListQuery {
        filters,
        size: 100,
        ..ListQuery::for_project(pid)
    };
    let prod = c.list_traces(&q).await.unwrap();
    assert_eq!(prod.content.len(), 12);
    assert!(
        prod.content
            .iter()
            .all(|t| t.tags.as_deref() == Some(&["prod".to_string()][..]))
    );

    // Search stream: 24 records in pages of 10 (10, 10, 4), newest first, incrementally.
    let req = TraceSearchRequest {
        project_name: Some("client-e2e".into()),
        ..Default::default()
    };
    let mut stream = c.search_traces_stream(req.clone(), None);
    let mut seen = Vec::new();
    while let Some(t) = stream.next().await {
        seen.push(t.unwrap().id.unwrap());
    }
    let mut want = ids.clone();
    want.sort();
    want.reverse();
    assert_eq!(seen, want);
    assert_eq!(c.search_traces(req, Some(13)).await.unwrap().len(), 13);

    // One trace, scores (per author), comments, tags.
    let t0 = ids[0];
    let t = c.get_trace(t0).await.unwrap();
    assert_eq!(t.name.as_deref(), Some("turn-0"));
    c.put_trace_score(
        t0,
        &FeedbackScoreItem {
            name: "accuracy".into(),
            value: Some(0.75),
            source: Some("ui".into()),
            reason: Some("mostly right".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let comment = c.add_trace_comment(t0, "looks fine", None).await.unwrap();
    c.update_trace_comment(comment, "looks fine, edited")
        .await
        .unwrap();
    c.update_trace(
        t0,
        &TraceUpdate {
            project_name: Some("client-e2e".into()),
            tags_to_add: Some(vec!["reviewed".into()]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let t = c.get_trace(t0).await.unwrap();
    let score = &t.feedback_scores.as_ref().unwrap()[0];
    assert_eq!((score.name.as_str(), score.value), ("accuracy", Some(0.75)));
    assert_eq!(t.comments.as_ref().unwrap()[0].text, "looks fine, edited");
    assert!(t.tags.as_ref().unwrap().contains(&"reviewed".to_string()));
    c.delete_trace_score(t0, "accuracy", None).await.unwrap();
    c.delete_trace_comments(&[comment]).await.unwrap();
    let t = c.get_trace(t0).await.unwrap();
    assert!(t.feedback_scores.unwrap_or_default().is_empty());
    assert!(t.comments.unwrap_or_default().is_empty());

    // Stats.
    let stats = c.trace_stats(&ListQuery::for_project(pid)).await.unwrap();
    assert!(!stats.stats.is_empty());

    // Threads: list, retrieve by string id, search, comment by model id, score by thread id.
    let threads = c.list_threads(&ListQuery::for_project(pid)).await.unwrap();
    assert_eq!(threads.total, Some(12));
    let th = c
        .retrieve_thread(&ProjectRef::Name("client-e2e".into()), "chat-3")
        .await
        .unwrap();
    assert_eq!(th.id, "chat-3");
    let model_id = th.thread_model_id.unwrap();
    let found = c
        .search_threads(
            ThreadSearchRequest {
                project_name: Some("client-e2e".into()),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 12);
    c.add_thread_comment(model_id, "thread note", None)
        .await
        .unwrap();
    c.put_thread_scores(&FeedbackScoreBatch {
        scores: vec![FeedbackScoreItem {
            thread_id: Some("chat-3".into()),
            project_name: Some("client-e2e".into()),
            name: "resolved".into(),
            value: Some(1.0),
            source: Some("ui".into()),
            ..Default::default()
        }],
    })
    .await
    .unwrap();
    let th = c
        .retrieve_thread(&ProjectRef::Id(pid), "chat-3")
        .await
        .unwrap();
    assert_eq!(th.feedback_scores.unwrap()[0].name, "resolved");
    assert_eq!(th.comments.unwrap()[0].text, "thread note");

    // Spans of a trace (none logged) and a missing trace.
    let spans = c
        .list_spans(&ListQuery {
            trace_id: Some(t0),
            ..ListQuery::for_project(pid)
        })
        .await
        .unwrap();
    assert!(spans.content.is_empty());
    let nope = Uuid::now_v7();
    let err = c.get_trace(nope).await.unwrap_err();
    assert_eq!(err.to_string(), format!("trace {nope} not found"));

    // Feedback definitions and an annotation queue with a locked item.
    c.create_feedback_definition(&FeedbackDefinition {
        id: None,
        name: "accuracy".into(),
        description: None,
        details: FeedbackDetails::Numerical { min: 0.0, max: 1.0 },
        created_at: None,
        created_by: None,
        last_updated_at: None,
        last_updated_by: None,
    })
    .await
    .unwrap();
    let defs = c.list_feedback_definitions(1, 100, None).await.unwrap();
    assert!(defs.content.iter().any(|d| d.name == "accuracy"));
    let qid = c
        .create_queue(&AnnotationQueue {
            project_id: Some(pid),
            name: "review".into(),
            scope: "trace".into(),
            feedback_definition_names: Some(vec!["accuracy".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    c.add_queue_items(qid, &ids[..3]).await.unwrap();
    assert_eq!(c.get_queue(qid).await.unwrap().items_count, Some(3));
    let lock = c.lock_queue_item(qid, ids[0]).await.unwrap();
    assert!(lock.acquired);
    let locks = c.queue_locks(qid).await.unwrap();
    assert!(locks.locks.contains_key(&ids[0].to_string()));
    let queues = c.list_queues(1, 10, Some("rev"), &[]).await.unwrap();
    assert_eq!(queues.content.len(), 1);

    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_key_is_rejected_with_the_workspace_named() {
    let (handle, _dir) = start(Some("s3cret")).await;
    let base = handle.base_url();
    let err = client(&base, Some("wrong"))
        .list_projects(1, 10, None, &[])
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Unauthorized { status: 401, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("API key rejected for workspace default"),
        "{err}"
    );
    client(&base, Some("s3cret"))
        .list_projects(1, 10, None, &[])
        .await
        .unwrap();
    handle.shutdown().await;
}
