//! The threads screen and the conversation view driven through the real app shell (its task
//! loop, the real REST client and the durable outbox) against the embedded server over real
//! HTTP, without a terminal: keys go in with `App::handle_key`, task results are pumped as
//! `app::run` does, and the screen is read from a `TestBackend`.
//!
//! Proves: the threads list shows the thread with its extracted first message; Enter opens
//! the conversation with turns oldest first; `+` writes "User feedback" = 1 (source ui) to the
//! selected turn's trace, `+` again deletes it, `-` on the next turn writes 0; `x` closes the
//! active thread; `#` adds a tag; `c` adds a comment; a metadata-keyed conversation (no
//! thread_id) is found by `b` and opened with its turns.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use chrono::Utc;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opik_tui::app::registry;
use opik_tui::app::tasks::Tasks;
use opik_tui::app::testing::test_config;
use opik_tui::app::{App, AppEnv, ScreenRequest};
use opik_tui::config::Connection;
use opik_tui::opik::client::OpikClient;
use opik_tui::server::{self, ServerConfig};
use serde_json::{Value, json};

mod common;
use common::driver::Driver;

fn enter() -> KeyEvent {
    KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)
}

/// Poll the REST API until `f` finds what it wants (or fail after 30 s), running the app's
/// tasks meanwhile so the outbox drainer keeps going.
async fn poll_rest<F, Fut>(d: &mut Driver, what: &str, mut f: F) -> Value
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<Value>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "never saw {what}"
        );
        tokio::select! {
            Some(msg) = d.rx.recv() => d.app.on_task(msg, Utc::now()),
            _ = tokio::time::sleep(Duration::from_millis(50)) => d.app.tick(Utc::now()),
        }
    }
}

fn user_feedback(trace: &Value) -> Option<f64> {
    trace["feedback_scores"]
        .as_array()?
        .iter()
        .find(|s| s["name"] == "User feedback" && s["source"] == "ui")?["value"]
        .as_f64()
}

async fn get(http: &reqwest::Client, url: String) -> Option<Value> {
    http.get(url).send().await.ok()?.json().await.ok()
}

async fn thread(http: &reqwest::Client, base: &str, id: &str) -> Option<Value> {
    http.post(format!("{base}/v1/private/traces/threads/retrieve"))
        .json(&json!({"project_name": "live", "thread_id": id}))
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()
}

#[tokio::test(flavor = "current_thread")]
async fn conversation_view_against_the_embedded_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The outbox file goes to this test's own directory.
    // SAFETY: set before any thread of this test binary reads the environment.
    unsafe { std::env::set_var("OPIK_TUI_STATE_DIR", dir.path().join("state")) };
    let srv = server::spawn(ServerConfig {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        db_path: dir.path().join("opik.db"),
        api_key: None,
        users_file: None,
    })
    .await
    .expect("server");
    let base = srv.base_url();
    let http = reqwest::Client::new();

    // Ids are time-ordered (UUIDv7); reversed so id order disagrees with start-time order.
    let mut ids: Vec<String> = (0..3)
        .map(|_| opik_tui::opik::model::new_id().to_string())
        .collect();
    ids.reverse();
    let turns = [
        (
            "First question?",
            "# Answer one\n\n- point **a**\n- point b",
        ),
        ("Second question?", "Plain second answer."),
        ("Third question?", "Third answer with `code`."),
    ];
    let mut traces: Vec<Value> = ids
        .iter()
        .zip(turns)
        .enumerate()
        .map(|(i, (id, (q, a)))| {
            json!({
                "id": id, "project_name": "live", "name": "chat",
                "start_time": format!("2026-11-21T10:00:{:02}.000Z", 10 + i * 10),
                "end_time": format!("2026-11-21T10:00:{:02}.500Z", 10 + i * 10 + 1),
                "input": {"messages": [{"role": "user", "content": q}]},
                "output": {"choices": [{"message": {"role": "assistant", "content": a}}]},
                "thread_id": "live-thread",
            })
        })
        .collect();
    // Sent newest first: turn order must come from start times.
    traces.reverse();
    // A Dify-style conversation: no thread_id, the conversation id in metadata.
    for (i, q) in ["dify hello", "dify again"].iter().enumerate() {
        traces.push(json!({
            "id": opik_tui::opik::model::new_id().to_string(), "project_name": "live", "name": "message",
            "start_time": Utc::now().to_rfc3339(),
            "end_time": Utc::now().to_rfc3339(),
            "input": {"query": q, "inputs": {}, "files": []},
            "output": {"answer": format!("dify answer {i}")},
            "metadata": {"conversation_id": "dify-conv-1", "end_user_id": "u1"},
        }));
    }
    let r = http
        .post(format!("{base}/v1/private/traces/batch"))
        .json(&json!({"traces": traces}))
        .send()
        .await
        .expect("post traces");
    assert!(r.status().is_success(), "traces batch: {}", r.status());

    let client = OpikClient::new(&Connection {
        base_url: base.clone(),
        api_key: None,
        workspace: "default".into(),
        project: Some("live".into()),
        explicit: true,
    })
    .expect("client");
    let env = Rc::new(AppEnv::new(client, &base, "default"));
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let app = App::new(test_config(), registry::opener(env), Tasks::new(Some(tx)));
    let mut d = Driver::new(app, rx, 140, 40);
    d.app.open(
        &ScreenRequest::Threads {
            project: "live".into(),
        },
        Utc::now(),
    );

    let s = d.until_has("live-thread").await;
    assert!(
        s.contains("First question?"),
        "first message extracted:\n{s}"
    );
    d.press_key(enter());
    let s = d.until_has("Turn 1/3").await;
    let p1 = s.find("First question?").expect("turn 1");
    let p2 = s.find("Second question?").expect("turn 2");
    assert!(p1 < p2, "oldest first:\n{s}");
    assert!(
        s.contains("Answer one") && !s.contains("# Answer one"),
        "markdown heading rendered:\n{s}"
    );

    // Thumbs up on turn 1, read back; again removes it.
    let t1 = ids[0].clone();
    d.press('+');
    d.until_has("▲ up").await;
    let url = format!("{base}/v1/private/traces/{t1}");
    poll_rest(&mut d, "User feedback = 1", || {
        let (http, url) = (http.clone(), url.clone());
        async move {
            get(&http, url)
                .await
                .filter(|v| user_feedback(v) == Some(1.0))
        }
    })
    .await;
    d.until("thumb reconciled", |s| {
        s.contains("▲ up") && !s.contains("▲ up …")
    })
    .await;
    d.press('+');
    poll_rest(&mut d, "User feedback removed", || {
        let (http, url) = (http.clone(), url.clone());
        async move { get(&http, url).await.filter(|v| user_feedback(v).is_none()) }
    })
    .await;
    // Thumbs down on turn 2.
    d.press('j');
    d.press('-');
    let t2 = ids[1].clone();
    let url2 = format!("{base}/v1/private/traces/{t2}");
    poll_rest(&mut d, "User feedback = 0", || {
        let (http, url) = (http.clone(), url2.clone());
        async move {
            get(&http, url)
                .await
                .filter(|v| user_feedback(v) == Some(0.0))
        }
    })
    .await;

    // Tag, comment, close.
    d.until_has("● active").await;
    // Tags as people type them: commas and spaces separate, each is trimmed.
    d.press('#');
    d.type_str("+reviewed, billing");
    d.press_key(enter());
    poll_rest(&mut d, "tags", || {
        let http = http.clone();
        let base = base.clone();
        async move {
            thread(&http, &base, "live-thread").await.filter(|v| {
                v["tags"].as_array().is_some_and(|t| {
                    let mut t: Vec<&str> = t.iter().filter_map(|x| x.as_str()).collect();
                    t.sort_unstable();
                    t == ["billing", "reviewed"]
                })
            })
        }
    })
    .await;
    d.until("the header's tags", |s| {
        s.contains("tags reviewed, billing") || s.contains("tags billing, reviewed")
    })
    .await;
    d.press('c');
    d.type_str("looks good");
    d.press_key(enter());
    poll_rest(&mut d, "comment", || {
        let http = http.clone();
        let base = base.clone();
        async move {
            thread(&http, &base, "live-thread").await.filter(|v| {
                v["comments"]
                    .as_array()
                    .is_some_and(|c| c.iter().any(|x| x["text"] == "looks good"))
            })
        }
    })
    .await;
    let s = d.until_has("  1 comment").await;
    assert!(!s.contains("1 comments"), "{s}");
    d.press('x');
    poll_rest(&mut d, "closed", || {
        let http = http.clone();
        let base = base.clone();
        async move {
            thread(&http, &base, "live-thread")
                .await
                .filter(|v| v["status"] == "inactive")
        }
    })
    .await;
    d.until_has("● inactive").await;

    // Search inside the conversation.
    d.press('/');
    d.type_str("third");
    d.press_key(enter());
    d.until_has("match 1/").await;

    // Back to the list; `b` groups by metadata.conversation_id and finds the Dify chat.
    d.press_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    d.press_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    d.until_has("by thread_id").await;
    d.press('b');
    let s = d.until_has("dify-conv-1").await;
    assert!(s.contains("by metadata.conversation_id"), "{s}");
    assert!(
        s.contains("dify hello"),
        "first message is the user's query:\n{s}"
    );
    d.press_key(enter());
    let s = d.until_has("Turn 2/2").await;
    assert!(
        s.contains("dify again") && s.contains("dify answer 1"),
        "{s}"
    );
    srv.shutdown().await;
}
