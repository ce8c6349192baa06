//! Issue 13 §1–3, §5 through the real app shell (task loop, REST client) against the embedded
//! server over real HTTP, without a terminal: keys go in with `App::handle_key`, task results
//! are pumped as `app::run` does, and the screen is read from a `TestBackend`.
//!
//! Proves: the settings' `[conversation_keys]` reach the threads screen (a project whose
//! conversations live in `metadata.chat_id`, a key no built-in list has, is found by
//! auto-detection; `b` cycles thread_id ↔ chat_id); `:threads by KEY` regroups the open
//! threads screen (no new screen) and the header names the key; `Y` copies the Opik web URL
//! of a metadata conversation (threads list and conversation view), of a trace (traces list)
//! and of a span (trace view), with the real project id; `e` in the trace view writes the
//! trace, its spans and their scores as JSON and says where.
#![allow(clippy::unwrap_used)]

use chrono::Utc;
use crossterm::event::KeyCode;
use opik_tui::app::ScreenRequest;
use reqwest::Method;
use serde_json::{Value, json};

mod common;
use common::embedded;

#[tokio::test(flavor = "current_thread")]
async fn conversation_keys_threads_by_and_sharing() {
    let e = embedded::start("share").await;
    let dir = &e.dir;
    // Exports go to the current directory: this test's own.
    std::env::set_current_dir(dir.path()).expect("cd");
    let base = e.handle.base_url();
    let http = reqwest::Client::new();

    // Two turns of one conversation kept in metadata.chat_id, no thread_id anywhere; the
    // second (newest) turn has two spans and scores.
    let t1 = opik_tui::opik::model::new_id();
    let t2 = opik_tui::opik::model::new_id();
    let now = Utc::now();
    let at = |s: i64| (now - chrono::Duration::seconds(s)).to_rfc3339();
    let traces: Vec<Value> = [
        (t1, 60, "first question", "first answer"),
        (t2, 30, "second question", "second answer"),
    ]
    .iter()
    .map(|(id, ago, q, a)| {
        json!({
            "id": id.to_string(), "project_name": "share", "name": "message",
            "start_time": at(*ago), "end_time": at(ago - 1),
            "input": {"query": q}, "output": {"answer": a},
            "metadata": {"chat_id": "chat-7"},
        })
    })
    .collect();
    e.send(
        Method::POST,
        "/v1/private/traces/batch",
        json!({"traces": traces}),
    )
    .await;
    let (s1, s2) = (
        opik_tui::opik::model::new_id(),
        opik_tui::opik::model::new_id(),
    );
    e.send(
        Method::POST,
        "/v1/private/spans/batch",
        json!({"spans": [
            {"id": s1.to_string(), "trace_id": t2.to_string(), "project_name": "share",
             "name": "retrieve", "type": "tool", "start_time": at(30), "end_time": at(29),
             "input": {"q": "second question"}, "output": {"docs": ["a"]}},
            {"id": s2.to_string(), "trace_id": t2.to_string(), "parent_span_id": s1.to_string(),
             "project_name": "share", "name": "llm", "type": "llm", "start_time": at(29),
             "end_time": at(28), "input": {"prompt": "p"}, "output": {"text": "second answer"}},
        ]}),
    )
    .await;
    e.send(
        Method::PUT,
        "/v1/private/traces/feedback-scores",
        json!({"scores": [{"id": t2.to_string(), "project_name": "share", "name": "User feedback", "value": 1, "source": "ui"}]}),
    )
    .await;
    e.send(
        Method::PUT,
        "/v1/private/spans/feedback-scores",
        json!({"scores": [{"id": s2.to_string(), "project_name": "share", "name": "relevance", "value": 0.5, "source": "sdk"}]}),
    )
    .await;
    let project: Value = http
        .post(format!("{base}/v1/private/projects/retrieve"))
        .json(&json!({"name": "share"}))
        .send()
        .await
        .expect("retrieve")
        .json()
        .await
        .expect("json");
    let pid = project["id"].as_str().expect("project id").to_string();

    let mut d = e.driver_with(160, 40, |env| {
        // The settings file's [conversation_keys]: this project keeps its chats in chat_id.
        env.conversation_keys = [("share".to_string(), vec!["chat_id".to_string()])]
            .into_iter()
            .collect();
    });
    d.app.open(
        &ScreenRequest::Threads {
            project: "share".into(),
        },
        Utc::now(),
    );

    // No Opik threads: auto-detection tries the project's own keys and finds chat_id.
    let s = d.until_has("chat-7").await;
    assert!(s.contains("by metadata.chat_id"), "{s}");
    assert!(s.contains("first question"), "first message:\n{s}");
    // `b` cycles thread_id → chat_id (the settings' list, not the built-in one).
    d.press('b');
    d.until("by thread_id", |s| {
        s.contains("by thread_id") && !s.contains("chat-7")
    })
    .await;
    d.press('b');
    d.until_has("chat-7").await;
    d.press('b');
    d.until_has("by thread_id").await;
    // `:threads by KEY` regroups the open screen.
    let depth = d.app.depth();
    d.command("threads by chat_id");
    let s = d.until_has("chat-7").await;
    assert!(s.contains("by metadata.chat_id"), "{s}");
    assert_eq!(d.app.depth(), depth, "regrouped in place, no new screen");

    // `Y` on the conversation: the traces page filtered by metadata.chat_id.
    d.press('Y');
    let url = d.copied().await;
    let page = format!(
        "{}/default/projects/{pid}/traces?type=traces&traces_filters=",
        base.trim_end_matches("/api")
    );
    assert!(url.starts_with(&page), "{url}");
    assert!(url.contains("chat_id") && url.contains("chat-7"), "{url}");
    d.toast("copied the web URL of conversation metadata.chat_id = chat-7")
        .await;

    // The same from the conversation view.
    d.press_code(KeyCode::Enter);
    d.until_has("Turn 2/2").await;
    d.press('Y');
    assert_eq!(d.copied().await, url);

    // Traces list: the selected trace's URL.
    d.command("traces");
    d.until_has("second question").await;
    d.press('g');
    d.press('Y');
    let trace_url = d.copied().await;
    assert_eq!(
        trace_url,
        format!(
            "{}/default/projects/{pid}/traces?type=traces&trace={t2}",
            base.trim_end_matches("/api")
        )
    );
    d.toast(&format!(
        "copied the web URL of trace {}",
        &t2.to_string()[..20]
    ))
    .await;

    // Trace view: a span's URL, then `e` exports the trace as JSON.
    d.press_code(KeyCode::Enter);
    d.until_has("retrieve").await;
    d.press('j');
    d.press('Y');
    let span_url = d.copied().await;
    assert_eq!(span_url, format!("{trace_url}&span={s1}"));
    d.press('e');
    let toast = d.toast("trace written to").await;
    let path = dir.path().join(format!("opik-trace-{t2}.json"));
    assert!(
        toast.contains(&path.display().to_string()[..20]) && toast.contains("2 spans"),
        "{toast}"
    );
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("export file")).expect("json");
    assert_eq!(doc["trace"]["id"], t2.to_string());
    assert_eq!(doc["trace"]["output"]["answer"], "second answer");
    let spans = doc["spans"].as_array().expect("spans");
    assert_eq!(spans.len(), 2);
    assert_eq!(spans[0]["name"], "retrieve");
    assert_eq!(spans[1]["parent_span_id"], s1.to_string());
    let scores = doc["feedback_scores"].as_array().expect("scores");
    assert!(
        scores
            .iter()
            .any(|s| s["entity"] == "trace" && s["score"]["name"] == "User feedback"),
        "{scores:?}"
    );
    assert!(
        scores.iter().any(|s| s["entity"] == "span"
            && s["id"] == s2.to_string()
            && s["score"]["value"] == 0.5),
        "{scores:?}"
    );

    // `?` lists the new keys (the help is generated from the keymap and the screen's hints).
    d.press('?');
    let s = d.screen();
    assert!(
        s.contains("Copy the Opik web URL") && s.contains("Export to a file"),
        "{s}"
    );
    d.press_code(KeyCode::Esc);
    // `C` from the trace finds its conversation by the project's own key.
    d.press('C');
    let s = d.until_has("Turn 2/2").await;
    assert!(
        s.contains("first question") && s.contains("second answer"),
        "{s}"
    );
    e.handle.shutdown().await;
}
