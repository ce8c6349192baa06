//! End to end in tmux: the real `opik-tui` binary against the embedded server (in-process,
//! real HTTP). A thread of three turns is logged through the REST API; the TUI opens the
//! threads screen, the conversation, gives the first turn a thumbs up (read back from REST as
//! "User feedback" = 1, source ui), presses it again (read back as removed), gives a thumbs
//! down on the second turn, and scores the thread with a categorical feedback definition
//! (read back on the thread).
#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};

mod common;
use common::{Tmux, poll, user_feedback};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thumbs_and_thread_score_from_the_tui_are_read_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let srv = common::embedded::server(dir.path()).await;
    let base = srv.base_url();
    let http = reqwest::Client::new();

    // A thread of three turns, oldest first by start time.
    let ids: Vec<String> = (0..3)
        .map(|_| opik_tui::opik::model::new_id().to_string())
        .collect();
    let turns = [
        ("What is Opik?", "Opik is an **observability** platform."),
        (
            "Does it do threads?",
            "Yes: traces that share a `thread_id`.",
        ),
        ("Thanks!", "You're welcome."),
    ];
    let traces: Vec<Value> = ids
        .iter()
        .zip(turns)
        .enumerate()
        .map(|(i, (id, (q, a)))| {
            json!({
                "id": id,
                "project_name": "e2e-threads",
                "name": "chat",
                "start_time": format!("2026-11-21T10:00:{:02}.000Z", i * 10),
                "end_time": format!("2026-11-21T10:00:{:02}.500Z", i * 10 + 1),
                "input": {"messages": [{"role": "user", "content": q}]},
                "output": {"choices": [{"message": {"role": "assistant", "content": a}}]},
                "thread_id": "conv-e2e-1",
            })
        })
        .collect();
    let r = http
        .post(format!("{base}/v1/private/traces/batch"))
        .json(&json!({"traces": traces}))
        .send()
        .await
        .expect("post traces");
    assert!(r.status().is_success(), "traces batch: {}", r.status());
    let r = http
        .post(format!("{base}/v1/private/feedback-definitions"))
        .json(&json!({"name": "resolved", "type": "categorical",
                      "details": {"categories": {"yes": 1.0, "no": 0.0}}}))
        .send()
        .await
        .expect("post definition");
    assert!(
        r.status().is_success(),
        "feedback definition: {}",
        r.status()
    );

    let bin = env!("CARGO_BIN_EXE_opik-tui");
    let cmd = format!("{bin} --url {base} --project e2e-threads threads");
    let env = common::tui_env(dir.path());
    let tmux = Tmux::start("threads", &cmd, &env);
    tmux.wait_for("conv-e2e-1");
    tmux.keys(&["Enter"]);
    let s = tmux.wait_for("Turn 1/3");
    assert!(s.contains("What is Opik?"), "{s}");
    assert!(
        s.contains("observability platform"),
        "markdown rendered without **: {s}"
    );

    // Thumbs up on turn 1.
    tmux.keys(&["+"]);
    let t0 = ids[0].clone();
    let trace = poll("User feedback = 1", || {
        let http = http.clone();
        let url = format!("{base}/v1/private/traces/{t0}");
        async move {
            let v: Value = http.get(url).send().await.ok()?.json().await.ok()?;
            let s = user_feedback(&v)?;
            (s["value"].as_f64() == Some(1.0)).then(|| v.clone())
        }
    })
    .await;
    let score = user_feedback(&trace).expect("score");
    assert_eq!(score["source"], "ui");
    tmux.wait_for("▲ up");

    // The same thumb again removes it.
    tmux.keys(&["+"]);
    poll("User feedback removed", || {
        let http = http.clone();
        let url = format!("{base}/v1/private/traces/{t0}");
        async move {
            let v: Value = http.get(url).send().await.ok()?.json().await.ok()?;
            user_feedback(&v).is_none().then_some(v)
        }
    })
    .await;

    // Thumbs down on turn 2.
    tmux.keys(&["j", "-"]);
    let t1 = ids[1].clone();
    poll("User feedback = 0 on turn 2", || {
        let http = http.clone();
        let url = format!("{base}/v1/private/traces/{t1}");
        async move {
            let v: Value = http.get(url).send().await.ok()?.json().await.ok()?;
            (user_feedback(&v)?["value"].as_f64() == Some(0.0)).then_some(v)
        }
    })
    .await;

    // Score the thread: `s`, pick the definition, pick "yes (1)" (categories ascending by
    // value: "no (0)" is 1, "yes (1)" is 2).
    tmux.keys(&["s"]);
    tmux.wait_for("Score the thread with");
    tmux.keys(&["1"]);
    tmux.wait_for("yes (1)");
    tmux.keys(&["2"]);
    let thread = poll("thread score", || {
        let http = http.clone();
        let url = format!("{base}/v1/private/traces/threads/retrieve");
        async move {
            let v: Value = http
                .post(url)
                .json(&json!({"project_name": "e2e-threads", "thread_id": "conv-e2e-1"}))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            let found = v["feedback_scores"]
                .as_array()?
                .iter()
                .any(|s| s["name"] == "resolved" && s["value"].as_f64() == Some(1.0));
            found.then_some(v)
        }
    })
    .await;
    let s = thread["feedback_scores"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == "resolved").cloned())
        .expect("resolved score");
    assert_eq!(s["category_name"], "yes");
    tmux.wait_for("resolved=yes");
    tmux.keys(&["q", "q", "q"]);
    drop(tmux);
    srv.shutdown().await;
}
