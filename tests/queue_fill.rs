//! Filling a queue from a filter (issue 21 item 1) against the embedded server over HTTP: the
//! fill adds exactly the traces (or threads) the filter and search select, skips those already
//! in the queue and sends nothing twice; and the keys in the real app (`f` a filter, `A`, pick
//! the queue, `y`) do it from the traces list and from conversations grouped by a metadata
//! key, and from Opik threads filtered by their turns (`turns:`). Everything is read back
//! over REST.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;

use chrono::Utc;
use crossterm::event::KeyCode;
use opik_tui::app::ScreenRequest;
use opik_tui::opik::client::ListQuery;
use opik_tui::opik::conversations::{self, Grouping};
use opik_tui::opik::filter_string::{self, Entity};
use opik_tui::opik::model::{AnnotationQueue, new_id, ts};
use opik_tui::views::queues::{FillJob, Matching};
use opik_tui::views::threads::{MAX_SCAN, scan_request, turns_filter};
use serde_json::{Value, json};
use uuid::Uuid;

mod common;
use common::driver::Driver;
use common::embedded::Embedded;

const P: &str = "fill";
const DOWN: &str = r#"feedback_scores."User feedback" = 0"#;

/// The embedded server, with this file's look-ups.
struct Srv(Embedded);

impl std::ops::Deref for Srv {
    type Target = Embedded;
    fn deref(&self) -> &Embedded {
        &self.0
    }
}

async fn start() -> Srv {
    Srv(common::embedded::start(P).await)
}

impl Srv {
    async fn put(&self, path: &str, body: Value) {
        self.send(reqwest::Method::PUT, path, body).await
    }

    async fn post(&self, path: &str, body: Value) {
        self.send(reqwest::Method::POST, path, body).await
    }

    /// Log `traces`, then their `scores`.
    async fn log(&self, traces: Vec<Value>, scores: Vec<Value>) {
        self.post("/v1/private/traces/batch", json!({ "traces": traces }))
            .await;
        self.put(
            "/v1/private/traces/feedback-scores",
            json!({ "scores": scores }),
        )
        .await;
    }

    async fn queue(&self, project: &str, name: &str, scope: &str) -> Uuid {
        self.client
            .create_queue(&AnnotationQueue {
                project_name: Some(project.into()),
                name: name.into(),
                scope: scope.into(),
                ..Default::default()
            })
            .await
            .unwrap()
    }

    /// The queue's items, read back over REST (trace ids, or `thread_model_id`s).
    async fn items(&self, project: &str, queue: Uuid, scope: &str) -> Vec<Uuid> {
        let q = ListQuery {
            project_name: Some(project.into()),
            size: 1000,
            filters: vec![opik_tui::annotate::load::queue_filter(queue)],
            ..ListQuery::default()
        };
        if scope == "thread" {
            let p = self.client.list_threads(&q).await.unwrap();
            p.content.iter().filter_map(|t| t.thread_model_id).collect()
        } else {
            let p = self.client.list_traces(&q).await.unwrap();
            p.content.iter().filter_map(|t| t.id).collect()
        }
    }

    async fn items_count(&self, queue: Uuid) -> i64 {
        self.client
            .get_queue(queue)
            .await
            .unwrap()
            .items_count
            .unwrap_or(0)
    }

    /// The app on this server, driven in process.
    fn driver(&self) -> Driver {
        self.0.driver(150, 40)
    }
}

/// What [`seed`] logged.
struct Seeded {
    /// Every trace, oldest first.
    all: Vec<Uuid>,
    /// Thumbed down (`"User feedback" = 0`): every third trace.
    down: Vec<Uuid>,
    /// Thumbed down and mentioning "needle" in the input.
    down_needle: Vec<Uuid>,
}

/// 30 traces in 6 threads of 5 turns: every third thumbed down, every other thumbed up, every
/// fourth asks about a needle; threads t1 and t4 are scored down as threads.
async fn seed(s: &Srv) -> Seeded {
    let now = Utc::now();
    let mut traces = Vec::new();
    let mut out = Seeded {
        all: Vec::new(),
        down: Vec::new(),
        down_needle: Vec::new(),
    };
    let mut scores = Vec::new();
    for i in 0..30i64 {
        let id = new_id();
        let start = now - chrono::Duration::seconds(60 - i);
        let question = if i % 4 == 0 {
            format!("where is the needle {i}?")
        } else {
            format!("question {i}")
        };
        traces.push(json!({
            "id": id, "project_name": P, "name": format!("turn_{i:02}"),
            "start_time": ts::format(&start),
            "end_time": ts::format(&(start + chrono::Duration::milliseconds(200))),
            "input": {"question": question}, "output": {"answer": format!("answer {i}")},
            "thread_id": format!("t{}", i / 5),
        }));
        out.all.push(id);
        let value = match i % 3 {
            0 => Some(0),
            1 => Some(1),
            _ => None,
        };
        if let Some(v) = value {
            scores.push(json!({"id": id, "project_name": P, "name": "User feedback",
                "value": v, "source": "ui"}));
        }
        if value == Some(0) {
            out.down.push(id);
            if i % 4 == 0 {
                out.down_needle.push(id);
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    s.log(traces, scores).await;
    let thread_scores: Vec<Value> = [("t1", 0), ("t4", 0), ("t2", 1)]
        .iter()
        .map(|(t, v)| {
            json!({"thread_id": t, "project_name": P, "name": "User feedback",
                "value": v, "source": "ui"})
        })
        .collect();
    s.put(
        "/v1/private/traces/threads/feedback-scores",
        json!({ "scores": thread_scores }),
    )
    .await;
    out
}

fn set(ids: &[Uuid]) -> HashSet<Uuid> {
    ids.iter().copied().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fill_adds_exactly_the_matching_traces_and_nothing_twice() {
    let s = start().await;
    let seeded = seed(&s).await;
    let q = s.queue(P, "SMEs", "trace").await;
    // Already in the queue: two thumbed-down traces and one thumbed up.
    let before = [seeded.down[0], seeded.down[1], seeded.all[1]];
    s.client.add_queue_items(q, &before).await.unwrap();

    let m = Matching::Traces {
        project: P.into(),
        filters: filter_string::parse(DOWN, Entity::Traces).unwrap(),
        search: None,
    };
    let until = Utc::now();
    assert_eq!(m.count(&s.client, until).await.unwrap(), 10);
    let p = FillJob::new(&s.client, &m, q, until).run().await.unwrap();
    assert_eq!((p.read, p.added, p.already), (10, 8, 2), "{p:?}");
    let mut want = set(&seeded.down);
    want.insert(seeded.all[1]);
    let items = s.items(P, q, "trace").await;
    assert_eq!(items.len(), want.len(), "no item twice: {items:?}");
    assert_eq!(set(&items), want);
    assert_eq!(s.items_count(q).await, 11);

    // Again: everything is in it already, nothing is sent.
    let p = FillJob::new(&s.client, &m, q, Utc::now())
        .run()
        .await
        .unwrap();
    assert_eq!((p.added, p.already), (0, 10), "{p:?}");
    assert_eq!(s.items_count(q).await, 11);

    // A full-text search with the filter goes through the paged list.
    let q2 = s.queue(P, "needles", "trace").await;
    let m = Matching::Traces {
        project: P.into(),
        filters: filter_string::parse(DOWN, Entity::Traces).unwrap(),
        search: Some("needle".into()),
    };
    assert_eq!(m.count(&s.client, Utc::now()).await.unwrap(), 3);
    let p = FillJob::new(&s.client, &m, q2, Utc::now())
        .run()
        .await
        .unwrap();
    assert_eq!(p.added, 3, "{p:?}");
    assert_eq!(
        set(&s.items(P, q2, "trace").await),
        set(&seeded.down_needle)
    );

    // Traces logged after the count are not added.
    let q3 = s.queue(P, "frozen", "trace").await;
    let m = Matching::Traces {
        project: P.into(),
        filters: Vec::new(),
        search: None,
    };
    let until = Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let late = new_id();
    s.post(
        "/v1/private/traces/batch",
        json!({"traces": [{"id": late, "project_name": P, "name": "late",
            "start_time": ts::format(&Utc::now())}]}),
    )
    .await;
    let p = FillJob::new(&s.client, &m, q3, until).run().await.unwrap();
    assert_eq!(p.added, 30, "{p:?}");
    assert!(!s.items(P, q3, "trace").await.contains(&late));
    s.0.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fill_of_threads_adds_the_threads_the_filter_selects() {
    let s = start().await;
    seed(&s).await;
    let q = s.queue(P, "thread SMEs", "thread").await;
    let m = Matching::Threads {
        project: P.into(),
        filters: filter_string::parse(DOWN, Entity::Threads).unwrap(),
        search: None,
    };
    assert_eq!(m.count(&s.client, Utc::now()).await.unwrap(), 2);
    let p = FillJob::new(&s.client, &m, q, Utc::now())
        .run()
        .await
        .unwrap();
    assert_eq!((p.added, p.already), (2, 0), "{p:?}");
    let threads = s
        .client
        .list_threads(&ListQuery {
            project_name: Some(P.into()),
            size: 100,
            ..ListQuery::default()
        })
        .await
        .unwrap();
    let want: HashSet<Uuid> = threads
        .content
        .iter()
        .filter(|t| t.id == "t1" || t.id == "t4")
        .filter_map(|t| t.thread_model_id)
        .collect();
    assert_eq!(want.len(), 2);
    assert_eq!(set(&s.items(P, q, "thread").await), want);
    s.0.handle.shutdown().await;
}

/// `f` with the thumbs-down filter, until `then` shows.
async fn filter_down(d: &mut Driver, then: &str) {
    d.press('f');
    d.type_str(DOWN);
    d.press_code(KeyCode::Enter);
    d.until_has(then).await;
}

/// `A`: until the picker's heading is `title` and it offers `queue`, Enter on it, until
/// `question` is asked.
async fn pick(d: &mut Driver, title: &str, queue: &str, question: &str) {
    d.press('A');
    d.until_has(title).await;
    d.until_has(queue).await;
    d.press_code(KeyCode::Enter);
    d.until_has(question).await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_in_the_traces_list_adds_every_trace_matching_the_filter() {
    let s = start().await;
    let seeded = seed(&s).await;
    let q = s.queue(P, "SMEs", "trace").await;
    s.client
        .add_queue_items(q, &[seeded.down[0]])
        .await
        .unwrap();
    let mut d = s.driver();
    d.app
        .open(&ScreenRequest::Traces { project: P.into() }, Utc::now());
    d.until_has("turn_29").await;
    filter_down(&mut d, "f: feedback_scores").await;
    pick(
        &mut d,
        "Add the 10 traces matching the filter to:",
        "SMEs",
        "Add 10 traces to “SMEs”? (y/n)",
    )
    .await;
    d.press('y');
    let toast = d.toast("to “SMEs”").await;
    assert_eq!(toast, "Added 9 traces to “SMEs” (1 already in it)");
    let items = s.items(P, q, "trace").await;
    assert_eq!(items.len(), 10);
    assert_eq!(set(&items), set(&seeded.down));
    s.0.handle.shutdown().await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_on_conversations_grouped_by_metadata_adds_their_traces() {
    let s = start().await;
    let project = "fill-meta";
    let now = Utc::now();
    let mut traces = Vec::new();
    let mut scores = Vec::new();
    let mut down = Vec::new();
    for i in 0..9i64 {
        let id = new_id();
        let start = now - chrono::Duration::seconds(30 - i);
        traces.push(json!({
            "id": id, "project_name": project, "name": format!("chat_{i}"),
            "start_time": ts::format(&start),
            "end_time": ts::format(&(start + chrono::Duration::milliseconds(100))),
            "input": {"question": format!("q{i}")}, "output": {"answer": format!("a{i}")},
            "metadata": {"session_id": format!("s{}", i % 3)},
        }));
        // Thumbs down on two turns of s0 and one of s2.
        if [0, 3, 5].contains(&i) {
            down.push(id);
            scores.push(json!({"id": id, "project_name": project,
                "name": "User feedback", "value": 0, "source": "ui"}));
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    s.log(traces, scores).await;
    let q = s.queue(project, "session review", "trace").await;
    let mut d = s.driver();
    d.app.open(
        &ScreenRequest::ThreadsBy {
            project: project.into(),
            by: "session_id".into(),
        },
        Utc::now(),
    );
    d.until_has("9 traces scanned").await;
    // A trace filter narrows the scan: conversations of the thumbed-down turns.
    filter_down(&mut d, "3 traces scanned").await;
    pick(
        &mut d,
        "Add the 3 traces of these conversations to:",
        "session review",
        "Add 3 traces to “session review”? (y/n)",
    )
    .await;
    // `n` goes back to the picker; Enter and `y` add.
    d.press('n');
    d.until("the question gone", |s| !s.contains("(y/n)")).await;
    d.press_code(KeyCode::Enter);
    d.until_has("(y/n)").await;
    d.press('y');
    let toast = d.toast("to “session review”").await;
    assert_eq!(toast, "Added 3 traces to “session review”");
    assert_eq!(set(&s.items(project, q, "trace").await), set(&down));
    s.0.handle.shutdown().await;
}

const TURNS_DOWN: &str = r#"turns: feedback_scores."User feedback" = 0"#;

/// Beside [`seed`]'s six threads (each with a thumbed-down turn): thread `calm` (thumbed up
/// only) and thread `old`, thumbed down eight days ago (outside a 7d range).
async fn seed_with_calm_threads(s: &Srv) {
    seed(s).await;
    let now = Utc::now();
    // Opik reads a range by the ids' (UUIDv7) time, as the embedded server does.
    let turn = |thread: &str, name: &str, start: chrono::DateTime<Utc>| {
        let secs = u64::try_from(start.timestamp()).unwrap();
        let id = Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, secs, 0));
        let t = json!({
            "id": id, "project_name": P, "name": name,
            "start_time": ts::format(&start),
            "end_time": ts::format(&(start + chrono::Duration::milliseconds(100))),
            "input": {"question": name}, "output": {"answer": "ok"}, "thread_id": thread,
        });
        (id, t)
    };
    let (up, calm) = turn("calm", "calm_1", now - chrono::Duration::seconds(5));
    let (_, calm2) = turn("calm", "calm_2", now - chrono::Duration::seconds(4));
    let (old_id, old) = turn("old", "old_1", now - chrono::Duration::days(8));
    s.log(
        vec![calm, calm2, old],
        vec![
            json!({"id": up, "project_name": P, "name": "User feedback", "value": 1, "source": "ui"}),
            json!({"id": old_id, "project_name": P, "name": "User feedback", "value": 0, "source": "ui"}),
        ],
    )
    .await;
}

/// The `thread_model_id`s of threads `ids`, read back over REST.
async fn model_ids(s: &Srv, ids: &[&str]) -> HashSet<Uuid> {
    let q = ListQuery {
        project_name: Some(P.into()),
        size: 100,
        ..ListQuery::default()
    };
    let threads = s.client.list_threads(&q).await.unwrap();
    let out: HashSet<Uuid> = threads
        .content
        .iter()
        .filter(|t| ids.contains(&t.id.as_str()))
        .filter_map(|t| t.thread_model_id)
        .collect();
    assert_eq!(out.len(), ids.len(), "every thread exists");
    out
}

const DOWN_THREADS: &[&str] = &["t0", "t1", "t2", "t3", "t4", "t5"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turns_filter_fills_a_thread_queue_with_the_threads_having_a_thumbed_down_turn() {
    let s = start().await;
    seed_with_calm_threads(&s).await;
    // The scan the threads list runs for `turns:` over 7 days, grouped by thread_id.
    let cond = turns_filter(TURNS_DOWN).unwrap();
    let filters = filter_string::parse(cond, Entity::Traces).unwrap();
    let req = scan_request(P, &Grouping::ThreadId, &filters, 24 * 7);
    let traces = s.client.search_traces(req, Some(MAX_SCAN)).await.unwrap();
    let rows: Vec<String> = conversations::group(&traces, &Grouping::ThreadId)
        .into_iter()
        .map(|t| t.id)
        .collect();
    let mut sorted = rows.clone();
    sorted.sort();
    assert_eq!(
        sorted, DOWN_THREADS,
        "not calm (thumbed up), not old (8 days)"
    );

    let q = s.queue(P, "thread SMEs", "thread").await;
    // t1 is in the queue already.
    let t1 = model_ids(&s, &["t1"]).await;
    s.client
        .add_queue_items(q, &t1.iter().copied().collect::<Vec<_>>())
        .await
        .unwrap();
    let m = Matching::ThreadIds {
        project: P.into(),
        thread_ids: rows,
    };
    assert_eq!(m.scope(), "thread");
    assert_eq!(m.count(&s.client, Utc::now()).await.unwrap(), 6);
    let p = FillJob::new(&s.client, &m, q, Utc::now())
        .run()
        .await
        .unwrap();
    assert_eq!((p.read, p.added, p.already), (6, 5, 1), "{p:?}");
    let want = model_ids(&s, DOWN_THREADS).await;
    let items = s.items(P, q, "thread").await;
    assert_eq!(items.len(), 6, "no thread twice: {items:?}");
    assert_eq!(set(&items), want);

    // Again: nothing is sent twice.
    let p = FillJob::new(&s.client, &m, q, Utc::now())
        .run()
        .await
        .unwrap();
    assert_eq!((p.added, p.already), (0, 6), "{p:?}");
    assert_eq!(s.items_count(q).await, 6);
    s.0.handle.shutdown().await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_on_threads_filtered_by_their_turns_adds_those_threads_to_a_thread_queue() {
    let s = start().await;
    seed_with_calm_threads(&s).await;
    let q = s.queue(P, "thread SMEs", "thread").await;
    let mut d = s.driver();
    d.app
        .open(&ScreenRequest::Threads { project: P.into() }, Utc::now());
    d.until_has("calm").await;
    d.press('f');
    d.type_str(TURNS_DOWN);
    d.until_has("turns: …").await;
    d.press_code(KeyCode::Enter);
    // 10 thumbed-down turns of t0…t5 in the last 7d; calm and old are gone.
    d.until_has("10 traces scanned").await;
    let screen = d
        .until("the six threads listed", |s| {
            DOWN_THREADS
                .iter()
                .all(|t| s.contains(&format!("│ {t} ")) || s.contains(&format!("▌{t} ")))
        })
        .await;
    assert!(
        !screen.contains("calm") && !screen.contains(" old "),
        "{screen}"
    );
    // Marks are not for these rows: A is.
    d.press(' ');
    d.toast("cannot be marked").await;
    pick(
        &mut d,
        "Add the 6 threads whose turns match the filter to:",
        "thread SMEs",
        "Add 6 threads to “thread SMEs”? (y/n)",
    )
    .await;
    d.press('y');
    let toast = d.toast("to “thread SMEs”").await;
    assert_eq!(toast, "Added 6 threads to “thread SMEs”");
    assert_eq!(
        set(&s.items(P, q, "thread").await),
        model_ids(&s, DOWN_THREADS).await
    );
    // Esc clears the filter: the server-paged list of every thread again.
    d.until("back on the list", |s| s.contains("f: turns:"))
        .await;
    d.press_code(KeyCode::Esc);
    let screen = d.until_has("calm").await;
    assert!(
        screen.contains("● live") && !screen.contains("scanned"),
        "{screen}"
    );
    s.0.handle.shutdown().await;
}
