//! End to end in tmux against `opik-tui serve` (the real binary, run headless on a free
//! port): a Dify chatbot's project (`opik_tui::server::demo::dify`: what Dify's Opik
//! integration logs, no `thread_id` anywhere) is logged through the REST API; the real binary
//! opens the threads screen on it, which finds no Opik threads and shows the three Dify
//! conversations by `metadata.conversation_id`; one opens with the user's queries and the
//! answers in order (not the raw prompt-message lists, without the `generate_name_trace`);
//! `+` on its second turn is read back from the REST API as "User feedback" = 1 (source ui)
//! on that turn's trace, and `-` on the third as 0. Then the trace view of the turn
//! (`t`) names the spans readably.
#![allow(clippy::unwrap_used)]

use opik_tui::server::demo::dify::{self as demo_dify, BILLING, RECIPES, TRIP};
use serde_json::{Value, json};

mod common;
use common::{Serve, Tmux, poll, user_feedback};

const PROJECT: &str = "dify-e2e";

async fn feedback_value(http: &reqwest::Client, base: &str, id: &str, want: f64) -> Value {
    let url = format!("{base}/v1/private/traces/{id}");
    poll(&format!("User feedback = {want} on {id}"), || {
        let http = http.clone();
        let url = url.clone();
        async move {
            let v: Value = http.get(url).send().await.ok()?.json().await.ok()?;
            let s = user_feedback(&v)?;
            (s["value"].as_f64() == Some(want) && s["source"] == "ui").then(|| v.clone())
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dify_conversations_in_the_threads_screen_and_thumbs_read_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let serve = Serve::start(&dir.path().join("opik.db"));
    let base = serve.base();
    let http = reqwest::Client::new();

    let f = demo_dify::dify(PROJECT, chrono::Utc::now());
    let body = f.json();
    for path in ["traces", "spans"] {
        let r = http
            .post(format!("{base}/v1/private/{path}/batch"))
            .json(&json!({ path: body[path] }))
            .send()
            .await
            .expect("post batch");
        assert!(r.status().is_success(), "{path} batch: {}", r.status());
    }

    let bin = env!("CARGO_BIN_EXE_opik-tui");
    let cmd = format!("{bin} --url {base} --project {PROJECT} threads");
    let env = common::tui_env(dir.path());
    let tmux = Tmux::start("dify", &cmd, &env);

    // No thread_id anywhere: the screen falls back to metadata.conversation_id and lists the
    // three Dify conversations (ids may be cut by the column: match their first 8 chars).
    let short = |id: &str| id[..8].to_string();
    let s = tmux.wait("the three Dify conversations", |s| {
        [TRIP, BILLING, RECIPES]
            .iter()
            .all(|c| s.contains(&short(c)))
    });
    assert!(s.contains("metadata.conversation_id"), "{s}");
    // The billing conversation's first message is the user's query, not the prompt list.
    // (The column cuts it: the cost and tags columns are wider since issue 20.)
    assert!(s.contains("How do I change "), "{s}");
    assert!(!s.contains("\"role\""), "{s}");

    // Open the billing conversation: move to its row.
    let rows: Vec<&str> = s.lines().collect();
    let row_of = |id: &str| rows.iter().position(|l| l.contains(&short(id)));
    let billing = row_of(BILLING).expect("billing row");
    let first = [TRIP, BILLING, RECIPES]
        .iter()
        .filter_map(|c| row_of(c))
        .min()
        .expect("rows");
    for _ in first..billing {
        tmux.keys(&["j"]);
    }
    tmux.keys(&["Enter"]);
    let s = tmux.wait_for("Turn 1/3");
    let turns = f.turns_of(BILLING);
    let mut at = 0;
    for t in &turns {
        for text in [&t.query, &t.answer] {
            // Answers are markdown: compare a plain stretch of them.
            let probe: String = text.chars().take(18).collect();
            let probe = probe.replace("**", "");
            let i = s[at..]
                .find(&probe)
                .unwrap_or_else(|| panic!("{probe:?} not in order on screen:\n{s}"));
            at += i;
        }
    }
    assert!(
        !s.contains("Turn 4"),
        "generate_name_trace shown as a turn:\n{s}"
    );
    assert!(!s.contains("Billing email"), "{s}");

    // Thumbs up on turn 2, thumbs down on turn 3, read back on those traces.
    tmux.keys(&["j", "+"]);
    let t2 = turns[1].trace_id.to_string();
    feedback_value(&http, &base, &t2, 1.0).await;
    tmux.keys(&["j", "-"]);
    let t3 = turns[2].trace_id.to_string();
    feedback_value(&http, &base, &t3, 0.0).await;
    // Turn 1 got nothing.
    let v: Value = http
        .get(format!("{base}/v1/private/traces/{}", turns[0].trace_id))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert!(user_feedback(&v).is_none(), "{v}");

    // `t` opens the selected turn's trace: Dify's spans read plainly.
    tmux.keys(&["t"]);
    let s = tmux.wait_for("suggested questi");
    for want in [
        "TRACE message",
        "TOOL moderation",
        "TOOL dataset retrieval",
        "LLM llm",
    ] {
        assert!(s.contains(want), "{want:?} missing:\n{s}");
    }
    tmux.keys(&["q", "q", "q"]);
    drop(tmux);
    drop(serve);
}
