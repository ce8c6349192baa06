//! End to end in tmux: `opik-tui serve --users` (the built binary, as a child process) with
//! three keys. Two SMEs, alice and bob, each work through one queue of three traces in
//! `opik-tui annotate` (the built binary in tmux, each with their own key and outbox): alice
//! says "good" to every answer, bob "good" to the first he sees and "bad" to the others. A
//! judge (the third key) scores the same name from `online_scoring`. Then, in a third session,
//! the queues list's `g` opens the queue's agreement view (exact 33.33%, α −0.25, κ 0.00, the
//! alice–bob pair on 3 items), `Enter` opens a disputed item with both values and reasons,
//! and `Enter` there opens the trace; `:compare accuracy@ui accuracy@online_scoring` compares
//! the SMEs with the judge (κ and the confusion table) and `Enter` opens a trace.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod common;
use common::{Serve, Tmux, tui_env};

const PROJECT: &str = "e2e-agree";

async fn send(m: reqwest::Method, url: String, key: &str, body: Option<Value>) -> Value {
    common::send_json(m, &url, Some(key), body).await
}

/// A TUI session as `key`'s user, with its own home, state and outbox under `dir/name`.
fn session(dir: &Path, name: &str, base: &str, key: &str, args: &str) -> Tmux {
    let home = dir.join(name);
    std::fs::create_dir_all(&home).unwrap();
    let bin = env!("CARGO_BIN_EXE_opik-tui");
    Tmux::start(
        name,
        &format!("{bin} --url {base} --api-key {key} {args}"),
        &tui_env(&home),
    )
    .with_key_delay(Duration::from_millis(150))
    .with_timeout(Duration::from_secs(40))
}

/// Score the three items: `first` for the first item shown, `rest` for the others.
fn annotate(t: &Tmux, first: &str, rest: &str) {
    t.wait_for("Enter: start annotating");
    t.keys(&["Enter"]);
    for (i, key) in [first, rest, rest].into_iter().enumerate() {
        t.wait_for(&format!("item {}/3", i + 1));
        t.keys(&[key]);
        t.keys(&["Enter"]);
    }
    t.wait_for("Nothing left to review");
}

/// Authors of the `accuracy` score on each trace, until both SMEs' scores have landed.
async fn wait_for_scores(api: &dyn Fn(&str) -> String, ids: &[String]) {
    let start = Instant::now();
    loop {
        let mut authors = 0;
        for id in ids {
            let t = send(
                reqwest::Method::GET,
                api(&format!("traces/{id}")),
                "key-alice",
                None,
            )
            .await;
            for s in t["feedback_scores"].as_array().cloned().unwrap_or_default() {
                if s["name"] == "accuracy" {
                    authors += s["value_by_author"]
                        .as_object()
                        .map_or(0, |m| m.values().filter(|e| e["source"] == "ui").count());
                }
            }
        }
        if authors == 6 {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "the SMEs' scores never all landed ({authors} of 6)"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_annotators_then_the_agreement_view_and_the_comparison_with_a_judge() {
    let dir = tempfile::tempdir().expect("tempdir");
    let users = dir.path().join("users.toml");
    std::fs::write(
        &users,
        "alice = \"key-alice\"\nbob = \"key-bob\"\njudge = \"key-judge\"\n",
    )
    .unwrap();
    let serve = Serve::with_users(&dir.path().join("opik.db"), &users);
    let base = serve.base();
    let api = |p: &str| format!("{base}/v1/private/{p}");
    let post = reqwest::Method::POST;

    let ids: Vec<String> = (0..3)
        .map(|_| opik_tui::opik::model::new_id().to_string())
        .collect();
    let traces: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            json!({"id": id, "project_name": PROJECT, "name": format!("answer-{i}"),
                   "start_time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                   "input": {"question": format!("Question number {i}?")},
                   "output": {"answer": format!("Answer number {i}.")}})
        })
        .collect();
    send(
        post.clone(),
        api("traces/batch"),
        "key-alice",
        Some(json!({ "traces": traces })),
    )
    .await;
    let def = json!({"name": "accuracy", "type": "categorical",
                     "details": {"categories": {"good": 1.0, "bad": 0.0}}});
    send(
        post.clone(),
        api("feedback-definitions"),
        "key-alice",
        Some(def),
    )
    .await;
    let project_id = common::project_id(&base, PROJECT, Some("key-alice")).await;
    let queue_id = opik_tui::opik::model::new_id().to_string();
    let queue = json!({"id": queue_id, "project_id": project_id, "name": "Agree queue",
                       "scope": "trace", "feedback_definition_names": ["accuracy"],
                       "annotators_per_item": 2});
    send(
        post.clone(),
        api("annotation-queues"),
        "key-alice",
        Some(queue),
    )
    .await;
    send(
        post.clone(),
        api(&format!("annotation-queues/{queue_id}/items/add")),
        "key-alice",
        Some(json!({ "ids": ids })),
    )
    .await;

    // The SMEs, one after the other ("2" is good, "1" is bad).
    let alice = session(
        dir.path(),
        "alice",
        &base,
        "key-alice",
        "annotate 'Agree queue'",
    );
    annotate(&alice, "2", "2");
    drop(alice);
    let bob = session(
        dir.path(),
        "bob",
        &base,
        "key-bob",
        "annotate 'Agree queue'",
    );
    annotate(&bob, "2", "1");
    wait_for_scores(&api, &ids).await;
    drop(bob);
    // The judge calls every answer good, from online scoring, in no queue.
    let judged: Vec<Value> = ids
        .iter()
        .map(|id| {
            json!({"id": id, "project_name": PROJECT, "name": "accuracy", "value": 1.0,
                         "category_name": "good", "source": "online_scoring"})
        })
        .collect();
    send(
        reqwest::Method::PUT,
        api("traces/feedback-scores"),
        "key-judge",
        Some(json!({ "scores": judged })),
    )
    .await;

    // The lead: the queues list, `g`.
    let lead = session(dir.path(), "lead", &base, "key-alice", "queues");
    lead.wait_for("Agree queue");
    lead.keys(&["g"]);
    let s = lead.wait_for("Agreement per definition");
    // alice good ×3, bob good ×1 and bad ×2: exact 1/3; α = 1 − 4/3.2 = −0.25; κ = 0.
    let s = if s.contains("-0.25") {
        s
    } else {
        lead.wait_for("-0.25")
    };
    assert!(s.contains("33.33%"), "{s}");
    assert!(s.contains("0.00"), "κ: {s}");
    assert!(
        s.contains("scores written in this queue"),
        "the judge is left out: {s}"
    );
    assert!(s.contains("0.00 (3)"), "alice–bob on 3 items: {s}");
    assert!(!s.contains("judge"), "{s}");
    // Enter: to the items; Enter: the most disputed item side by side.
    lead.keys(&["Enter"]);
    lead.keys(&["Enter"]);
    let s = lead.wait_for("≠ annotators differ");
    assert!(s.contains("alice") && s.contains("bob"), "{s}");
    assert!(s.contains("good") && s.contains("bad"), "{s}");
    // Enter: the trace itself.
    lead.keys(&["Enter"]);
    lead.wait_for("Trace · answer-");
    lead.keys(&["Escape"]);
    lead.keys(&["Escape"]);
    lead.keys(&["Escape"]);

    // The SMEs against the judge.
    lead.command(&format!("project {PROJECT}"));
    lead.wait_for("answer-2");
    lead.command("compare accuracy@ui accuracy@online_scoring");
    let s = lead.wait_for("Cohen κ");
    assert!(s.contains("items with both   3"), "{s}");
    // SMEs per item: good where both said good, else the tie's first label, bad; the judge
    // says good throughout: p_o = 1/3 = p_e → κ 0.00.
    assert!(s.contains("33.33%"), "{s}");
    assert!(s.contains("bad") && s.contains("good"), "{s}");
    lead.keys(&["Enter"]);
    lead.wait_for("Trace · answer-");
    lead.keys(&["q"]);
    drop(serve);
}
