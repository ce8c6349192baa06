//! The agreement and compare data layers against the real embedded server (in-process, real
//! HTTP, two users from a users file): alice and bob score a trace queue and a thread queue
//! with the queue's id, an LLM judge (the admin key, source `online_scoring`, no queue)
//! scores the same name; `annotate::load::agreement` counts only the queue's scores and
//! matches the hand computation, and `dashboard::fetch::compare_rows` + `Comparison` compare
//! the SMEs' `accuracy@ui` with the judge's `accuracy@online_scoring`.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use opik_tui::annotate::load;
use opik_tui::config::Connection;
use opik_tui::dashboard::TimeRange;
use opik_tui::dashboard::compare::{Comparison, Scope, ScoreSpec};
use opik_tui::dashboard::fetch::compare_rows;
use opik_tui::opik::client::{ListQuery, OpikClient};
use opik_tui::opik::model::*;
use opik_tui::server::{self, ServerConfig, ServerHandle};
use opik_tui::stats::Key;
use serde_json::json;
use uuid::Uuid;

const PROJECT: &str = "agree";

async fn start() -> (ServerHandle, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.toml");
    std::fs::write(&users, "alice = \"key-alice\"\nbob = \"key-bob\"\n").unwrap();
    let handle = server::spawn(ServerConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        db_path: dir.path().join("t.db"),
        api_key: Some("key-admin".into()),
        users_file: Some(users),
    })
    .await
    .unwrap();
    (handle, dir)
}

fn client(url: &str, key: &str) -> OpikClient {
    let mut conn = Connection::new(url).unwrap();
    conn.api_key = Some(key.to_string());
    OpikClient::new(&conn).unwrap()
}

async fn post(url: &str, path: &str, body: serde_json::Value) {
    let r = reqwest::Client::new()
        .request(
            if path.contains("close") {
                reqwest::Method::PUT
            } else {
                reqwest::Method::POST
            },
            format!("{url}/v1/private/{path}"),
        )
        .header("authorization", "key-admin")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
}

/// Four traces (two in threads `chat-0` and `chat-1`) and the definitions.
async fn seed(url: &str) -> Vec<Uuid> {
    let ids: Vec<Uuid> = (0..4).map(|_| new_id()).collect();
    let traces: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            json!({"id": id, "project_name": PROJECT, "name": format!("answer-{i}"),
                   "start_time": "2026-11-21T10:00:00Z", "input": {"question": format!("Q{i}?")},
                   "thread_id": format!("chat-{}", i % 2)})
        })
        .collect();
    post(url, "traces/batch", json!({ "traces": traces })).await;
    post(
        url,
        "feedback-definitions",
        json!({"name": "accuracy", "type": "categorical",
               "details": {"categories": {"good": 1.0, "bad": 0.0}}}),
    )
    .await;
    post(
        url,
        "feedback-definitions",
        json!({"name": "helpfulness", "type": "numerical", "details": {"min": 0, "max": 10}}),
    )
    .await;
    ids
}

async fn queue(admin: &OpikClient, scope: &str, items: &[Uuid]) -> AnnotationQueue {
    let project = admin.retrieve_project(PROJECT).await.unwrap();
    let mut q = AnnotationQueue {
        project_id: project.id,
        name: format!("{scope} queue"),
        scope: scope.into(),
        feedback_definition_names: Some(vec!["accuracy".into(), "helpfulness".into()]),
        annotators_per_item: Some(2),
        ..Default::default()
    };
    let id = admin.create_queue(&q).await.unwrap();
    admin.add_queue_items(id, items).await.unwrap();
    q.id = Some(id);
    admin.get_queue(id).await.unwrap()
}

/// A score item for `name`: a category (`good`/`bad`) or a number, written from `source`.
fn item(name: &str, value: f64, queue: Option<Uuid>, source: &str) -> FeedbackScoreItem {
    let category = (name == "accuracy").then_some(if value == 1.0 { "good" } else { "bad" });
    FeedbackScoreItem {
        project_name: Some(PROJECT.into()),
        name: name.into(),
        value: Some(value),
        category_name: category.map(Into::into),
        reason: Some(format!("{name} is {value}")),
        source: Some(source.into()),
        source_queue_id: queue,
        ..Default::default()
    }
}

#[tokio::test]
async fn a_trace_queue_scored_by_two_users_and_a_judge() {
    let (srv, _dir) = start().await;
    let url = srv.base_url();
    let ids = seed(&url).await;
    let (admin, alice, bob) = (
        client(&url, "key-admin"),
        client(&url, "key-alice"),
        client(&url, "key-bob"),
    );
    let q = queue(&admin, "trace", &ids).await;
    let qid = q.id;
    // accuracy: alice good, good, bad, good; bob good, bad, bad, –.
    // helpfulness: alice 8, 5, 3; bob 8, 2, 3.
    let scores = |acc: &[f64], help: &[f64]| {
        let mut v = Vec::new();
        for (i, a) in acc.iter().enumerate() {
            v.push(FeedbackScoreItem {
                id: Some(ids[i]),
                ..item("accuracy", *a, qid, "ui")
            });
        }
        for (i, h) in help.iter().enumerate() {
            v.push(FeedbackScoreItem {
                id: Some(ids[i]),
                ..item("helpfulness", *h, qid, "ui")
            });
        }
        FeedbackScoreBatch { scores: v }
    };
    alice
        .put_trace_scores(&scores(&[1.0, 1.0, 0.0, 1.0], &[8.0, 5.0, 3.0]))
        .await
        .unwrap();
    bob.put_trace_scores(&scores(&[1.0, 0.0, 0.0], &[8.0, 2.0, 3.0]))
        .await
        .unwrap();
    // The judge: accuracy 0, 0, 0, 1 from online scoring, in no queue.
    let judge: Vec<_> = [0.0, 0.0, 0.0, 1.0]
        .iter()
        .enumerate()
        .map(|(i, v)| FeedbackScoreItem {
            id: Some(ids[i]),
            ..item("accuracy", *v, None, "online_scoring")
        })
        .collect();
    admin
        .put_trace_scores(&FeedbackScoreBatch { scores: judge })
        .await
        .unwrap();

    let a = load::agreement(&admin, q).await.unwrap();
    let acc = &a.definitions[0];
    assert!(acc.from_queue);
    assert_eq!(
        acc.annotators,
        vec!["alice", "bob"],
        "the judge is not in the queue"
    );
    assert_eq!((acc.scored, acc.pairable), (4, 3));
    // (good, good), (good, bad), (bad, bad): exact 2/3, κ 0.4, α 1 − 2/3.6.
    assert!((acc.exact.unwrap() - 2.0 / 3.0).abs() < 1e-9);
    assert!((acc.kappa.unwrap().unwrap() - 0.4).abs() < 1e-9);
    assert!((acc.alpha.unwrap() - (1.0 - 2.0 / 3.6)).abs() < 1e-9);
    let help = &a.definitions[1];
    // Units (8, 8), (5, 2), (3, 3): D_o ∝ 18, D_e ∝ 418 / 5 → α = 1 − 18 / 83.6.
    assert!((help.alpha.unwrap() - (1.0 - 18.0 / 83.6)).abs() < 1e-9);
    assert_eq!(help.pairs[0].shared, 3);
    // Item 1 is disputed on both (1 + 3/10); 0 and 2 agree; 3 has alice alone.
    let order: Vec<&str> = a.items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(order[0], "answer-1");
    assert!((a.items[0].disagreement.unwrap() - 1.3).abs() < 1e-9);
    assert_eq!(order[3], "answer-3");
    let bob_says = &a.items[0].ratings[0]["bob"];
    assert_eq!(bob_says.label, "bad");
    assert_eq!(bob_says.reason.as_deref(), Some("accuracy is 0"));

    // The SMEs against the judge, by source, over the last 24 hours.
    let window = TimeRange::Day.window(chrono::Utc::now() + chrono::Duration::seconds(5));
    let (rows, _) = compare_rows(&admin, PROJECT, Scope::Traces, &["accuracy"], window)
        .await
        .unwrap();
    assert_eq!(rows.len(), 4);
    let defs = load::definitions(&admin).await.unwrap();
    let spec = |s: &str| ScoreSpec::parse(s).unwrap();
    let c = Comparison::compute(
        spec("accuracy@ui"),
        spec("accuracy@online_scoring"),
        rows,
        &defs,
    );
    assert_eq!(c.pairs.len(), 4);
    // SMEs (mode; a tie takes the first label): good, bad, bad, good; judge: bad, bad, bad, good.
    let cat = c.categories.expect("categories on both sides");
    assert_eq!(cat.table.counts, vec![vec![2, 0], vec![1, 1]]);
    assert_eq!(
        cat.labels,
        BTreeMap::from([(Key(0.0), "bad".into()), (Key(1.0), "good".into())])
    );
    // p_o = 3/4, p_e = (2/4)(3/4) + (2/4)(1/4) = 1/2 → κ = 0.5.
    assert!((cat.kappa.unwrap() - 0.5).abs() < 1e-9);
    assert_eq!(c.pairs[0].title, "answer-0", "the one they disagree on");
    srv.shutdown().await;
}

#[tokio::test]
async fn a_thread_queue_reads_the_thread_scores_by_author() {
    let (srv, _dir) = start().await;
    let url = srv.base_url();
    seed(&url).await;
    for t in ["chat-0", "chat-1"] {
        post(
            &url,
            "traces/threads/close",
            json!({"project_name": PROJECT, "thread_id": t}),
        )
        .await;
    }
    let (admin, alice, bob) = (
        client(&url, "key-admin"),
        client(&url, "key-alice"),
        client(&url, "key-bob"),
    );
    let threads = admin
        .list_threads(&ListQuery {
            project_name: Some(PROJECT.into()),
            ..ListQuery::default()
        })
        .await
        .unwrap()
        .content;
    let model_ids: Vec<Uuid> = threads.iter().filter_map(|t| t.thread_model_id).collect();
    assert_eq!(model_ids.len(), 2);
    let q = queue(&admin, "thread", &model_ids).await;
    let on = |thread: &str, name: &str, v: f64| FeedbackScoreItem {
        thread_id: Some(thread.into()),
        ..item(name, v, q.id, "ui")
    };
    alice
        .put_thread_scores(&FeedbackScoreBatch {
            scores: vec![on("chat-0", "accuracy", 1.0), on("chat-1", "accuracy", 1.0)],
        })
        .await
        .unwrap();
    bob.put_thread_scores(&FeedbackScoreBatch {
        scores: vec![on("chat-0", "accuracy", 1.0), on("chat-1", "accuracy", 0.0)],
    })
    .await
    .unwrap();
    let a = load::agreement(&admin, q).await.unwrap();
    let acc = &a.definitions[0];
    assert_eq!(acc.annotators, vec!["alice", "bob"]);
    assert_eq!(acc.pairable, 2);
    assert!((acc.exact.unwrap() - 0.5).abs() < 1e-9);
    // alice gave one label throughout, bob two: p_e = 1·(1/2) = 1/2, p_o = 1/2 → κ = 0.
    assert!(acc.kappa.unwrap().unwrap().abs() < 1e-9);
    assert_eq!(a.items[0].title, "thread chat-1");
    assert_eq!(a.items[0].disputed, vec!["accuracy"]);
    assert_eq!(
        a.definitions[1].alpha.err().map(|w| w.reason()),
        Some("no item has two annotators")
    );
    // The compare view reads thread scores the same way (threads of the last day).
    let window = TimeRange::Day.window(chrono::Utc::now() + chrono::Duration::seconds(5));
    let (rows, _) = compare_rows(&admin, PROJECT, Scope::Threads, &["accuracy"], window)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|r| r.scores().iter().any(|s| s.name == "accuracy"))
    );
    srv.shutdown().await;
}
