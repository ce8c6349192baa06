//! End to end in tmux: `opik-tui serve` (the built binary, as a child process) and
//! `opik-tui annotate QUEUE` (the built binary, in tmux). A queue of three traces with a
//! categorical and a boolean definition is worked through from the intro to "nothing left";
//! the server is killed after the first item, the SME keeps annotating (the screen says
//! offline), the server is restarted on the same address and database, and every score and
//! comment is read back from the REST API exactly once, with `source: ui` and the queue id.
//!
//! The second test is a thread queue: two closed threads are marked in the threads list with
//! `space`, `a` adds them to the queue (read back through the queue's `items/search` by
//! `thread_model_id`), then `:annotate` works through them (the conversation and the thread
//! status are on screen) and the thread scores (by thread id and project) and the comment (on
//! the thread) are read back with the queue id.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod common;
use common::{Serve, Tmux, free_addr, tui_env};

/// The SME screens settle between keys; the wait is longer for the offline part.
fn sme_tmux(name: &str, cmd: &str, env: &[(&str, String)]) -> Tmux {
    Tmux::start(name, cmd, env)
        .with_key_delay(Duration::from_millis(150))
        .with_timeout(Duration::from_secs(40))
}

async fn send(
    _http: &reqwest::Client,
    m: reqwest::Method,
    url: String,
    body: Option<Value>,
) -> Value {
    common::send_json(m, &url, None, body).await
}

fn my_entry<'a>(trace: &'a Value, name: &str) -> Option<&'a Value> {
    let s = trace["feedback_scores"]
        .as_array()?
        .iter()
        .find(|s| s["name"] == name)?;
    let by = s["value_by_author"].as_object()?;
    assert_eq!(by.len(), 1, "one author on {name}: {s}");
    by.values().next()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_queue_in_tmux_with_the_server_killed_midway() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("opik.db");
    let addr = free_addr();
    let base = format!("http://{addr}/api");
    let mut serve = Serve::at(&addr, &db);
    let http = reqwest::Client::new();
    let api = |p: &str| format!("{base}/v1/private/{p}");

    // Three traces, two definitions, a queue holding the traces.
    let ids: Vec<String> = (0..3)
        .map(|_| opik_tui::opik::model::new_id().to_string())
        .collect();
    let traces: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            json!({"id": id, "project_name": "e2e-annotate", "name": format!("answer-{i}"),
                   "start_time": format!("2026-11-21T10:00:{:02}.000Z", i),
                   "input": {"question": format!("Question number {i}?")},
                   "output": {"answer": format!("Answer number {i}.")}})
        })
        .collect();
    send(
        &http,
        reqwest::Method::POST,
        api("traces/batch"),
        Some(json!({"traces": traces})),
    )
    .await;
    send(
        &http,
        reqwest::Method::POST,
        api("feedback-definitions"),
        Some(json!({"name": "accuracy",
        "type": "categorical", "details": {"categories": {"good": 1.0, "bad": 0.0}}})),
    )
    .await;
    send(
        &http,
        reqwest::Method::POST,
        api("feedback-definitions"),
        Some(json!({"name": "safe",
        "type": "boolean", "details": {"true_label": "Safe", "false_label": "Unsafe"}})),
    )
    .await;
    let project_id = common::project_id(&base, "e2e-annotate", None).await;
    let queue_id = opik_tui::opik::model::new_id().to_string();
    send(
        &http,
        reqwest::Method::POST,
        api("annotation-queues"),
        Some(json!({"id": queue_id,
        "project_id": project_id, "name": "E2E queue", "scope": "trace",
        "instructions": "Judge the **answer**.", "comments_enabled": true,
        "feedback_definition_names": ["accuracy", "safe"]})),
    )
    .await;
    send(
        &http,
        reqwest::Method::POST,
        api(&format!("annotation-queues/{queue_id}/items/add")),
        Some(json!({"ids": ids})),
    )
    .await;

    let bin = env!("CARGO_BIN_EXE_opik-tui");
    let env = tui_env(dir.path());
    let tmux = sme_tmux(
        "traces",
        &format!("{bin} --url {base} annotate 'E2E queue'"),
        &env,
    );
    tmux.wait_for("Enter: start annotating");
    tmux.wait_for("Safe / Unsafe");
    tmux.keys(&["Enter"]);
    tmux.wait_for("item 1/3");
    tmux.wait_for("Question number");

    // Item A: good + Safe + a comment, online.
    tmux.keys(&["2"]);
    tmux.keys(&["Tab"]);
    tmux.keys(&["y"]);
    tmux.keys(&["c"]);
    tmux.keys(&["-l", "first comment"]);
    tmux.keys(&["Escape"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("Saved");
    tmux.wait_for("1/3");

    // The server dies; the SME goes on.
    serve.kill();
    // Item B: bad + Unsafe.
    tmux.keys(&["1"]);
    tmux.keys(&["Tab"]);
    tmux.keys(&["n"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("2/3");
    // Item C: good + Safe + a comment.
    tmux.keys(&["2"]);
    tmux.keys(&["Tab"]);
    tmux.keys(&["y"]);
    tmux.keys(&["c"]);
    tmux.keys(&["-l", "third comment"]);
    tmux.keys(&["Escape"]);
    tmux.keys(&["C-s"]);
    let s = tmux.wait_for("Nothing left to review");
    assert!(s.contains("3/3"), "{s}");
    tmux.wait_for("offline");

    // The server comes back; the outbox drains in the background.
    serve = Serve::at(&addr, &db);
    let start = Instant::now();
    let all = loop {
        let mut got = Vec::new();
        for id in &ids {
            got.push(
                send(
                    &http,
                    reqwest::Method::GET,
                    api(&format!("traces/{id}")),
                    None,
                )
                .await,
            );
        }
        let done = got
            .iter()
            .all(|t| my_entry(t, "accuracy").is_some() && my_entry(t, "safe").is_some())
            && got
                .iter()
                .map(|t| t["comments"].as_array().map_or(0, Vec::len))
                .sum::<usize>()
                >= 2;
        if done {
            break got;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the outbox never delivered everything: {got:#?}\n{}",
            tmux.screen()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    tmux.wait_for("all saved");

    // Exactly once: one author per score, one comment on each commented item.
    let mut comments: Vec<String> = Vec::new();
    let mut goods = 0;
    for t in &all {
        let acc = my_entry(t, "accuracy").expect("accuracy");
        let safe = my_entry(t, "safe").expect("safe");
        assert_eq!(acc["source"], "ui", "{acc}");
        assert_eq!(
            acc["source_queue_id"].as_str(),
            Some(queue_id.as_str()),
            "{acc}"
        );
        if acc["value"].as_f64() == Some(1.0) {
            goods += 1;
            assert_eq!(acc["category_name"], "good");
            assert_eq!(safe["value"].as_f64(), Some(1.0));
            assert_eq!(safe["category_name"], "Safe");
        } else {
            assert_eq!(acc["category_name"], "bad");
            assert_eq!(safe["category_name"], "Unsafe");
        }
        let cs = t["comments"].as_array().cloned().unwrap_or_default();
        assert!(cs.len() <= 1, "at most one comment per item: {cs:?}");
        for c in cs {
            assert_eq!(
                c["source_queue_id"].as_str(),
                Some(queue_id.as_str()),
                "{c}"
            );
            comments.push(c["text"].as_str().unwrap_or_default().to_string());
        }
    }
    assert_eq!(goods, 2);
    comments.sort();
    assert_eq!(comments, ["first comment", "third comment"]);

    tmux.keys(&["q"]);
    drop(serve);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_queue_filled_from_the_threads_list_and_annotated_in_tmux() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("opik.db");
    let addr = free_addr();
    let base = format!("http://{addr}/api");
    let _serve = Serve::at(&addr, &db);
    let http = reqwest::Client::new();
    let api = |p: &str| format!("{base}/v1/private/{p}");
    let project = "e2e-threads";

    // Two conversations (two turns and one), closed so their status is "inactive".
    let turns = [
        (
            "conv-alpha",
            "Where is my parcel?",
            "It left the depot this morning.",
        ),
        (
            "conv-alpha",
            "When will it arrive?",
            "Tomorrow before noon.",
        ),
        (
            "conv-beta",
            "Can I change my address?",
            "Yes, under Account.",
        ),
    ];
    let traces: Vec<Value> = turns
        .iter()
        .enumerate()
        .map(|(i, (th, q, a))| {
            json!({"id": opik_tui::opik::model::new_id().to_string(), "project_name": project,
                   "name": "chat", "thread_id": th,
                   "start_time": format!("2026-11-21T10:00:{:02}.000Z", i),
                   "end_time": format!("2026-11-21T10:00:{:02}.500Z", i),
                   "input": {"messages": [{"role": "user", "content": q}]},
                   "output": {"content": a}})
        })
        .collect();
    send(
        &http,
        reqwest::Method::POST,
        api("traces/batch"),
        Some(json!({"traces": traces})),
    )
    .await;
    send(
        &http,
        reqwest::Method::PUT,
        api("traces/threads/close"),
        Some(json!({"project_name": project, "thread_ids": ["conv-alpha", "conv-beta"]})),
    )
    .await;
    send(
        &http,
        reqwest::Method::POST,
        api("feedback-definitions"),
        Some(json!({"name": "solved",
        "type": "categorical", "details": {"categories": {"no": 0.0, "partly": 0.5, "yes": 1.0}}})),
    )
    .await;
    send(
        &http,
        reqwest::Method::POST,
        api("feedback-definitions"),
        Some(json!({"name": "polite",
        "type": "boolean", "details": {"true_label": "Polite", "false_label": "Rude"}})),
    )
    .await;
    let project_id = common::project_id(&base, project, None).await;
    // The thread queue to fill, and a trace queue that must not be offered for threads.
    let queue_id = opik_tui::opik::model::new_id().to_string();
    for (id, name, scope) in [
        (queue_id.clone(), "Thread review", "thread"),
        (
            opik_tui::opik::model::new_id().to_string(),
            "Trace review",
            "trace",
        ),
    ] {
        send(
            &http,
            reqwest::Method::POST,
            api("annotation-queues"),
            Some(
                json!({"id": id, "project_id": project_id, "name": name, "scope": scope,
            "instructions": "Was the customer's problem **solved**?", "comments_enabled": true,
            "feedback_definition_names": ["solved", "polite"]}),
            ),
        )
        .await;
    }
    let threads = send(
        &http,
        reqwest::Method::GET,
        api(&format!("traces/threads?project_name={project}")),
        None,
    )
    .await;
    let model_ids: Vec<String> = threads["content"]
        .as_array()
        .expect("threads")
        .iter()
        .map(|t| {
            t["thread_model_id"]
                .as_str()
                .expect("thread_model_id")
                .to_string()
        })
        .collect();
    assert_eq!(model_ids.len(), 2, "{threads}");

    // The threads list: mark both with space, `a`, pick the thread queue.
    let env = tui_env(dir.path());
    let bin = env!("CARGO_BIN_EXE_opik-tui");
    let tmux = sme_tmux(
        "threads",
        &format!("{bin} --url {base} --project {project} threads"),
        &env,
    );
    tmux.wait_for("conv-alpha");
    tmux.wait_for("conv-beta");
    tmux.keys(&["Space"]);
    tmux.keys(&["Space"]);
    tmux.wait_for("2 marked");
    tmux.keys(&["a"]);
    let s = tmux.wait_for("Thread review");
    assert!(
        !s.contains("Trace review"),
        "a trace queue offered for threads:\n{s}"
    );
    tmux.keys(&["Enter"]);
    tmux.wait_for("Added 2 item(s)");
    let found = send(
        &http,
        reqwest::Method::POST,
        api(&format!("annotation-queues/{queue_id}/items/search")),
        Some(json!({"ids": model_ids})),
    )
    .await;
    let mut found: Vec<String> = found["ids"]
        .as_array()
        .expect("ids")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    found.sort();
    let mut want = model_ids.clone();
    want.sort();
    assert_eq!(
        found, want,
        "the queue holds both threads by thread_model_id"
    );

    // SME mode on the thread queue, from the same TUI.
    tmux.keys(&[":"]);
    tmux.keys(&["-l", "annotate Thread review"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("Enter: start annotating");
    tmux.keys(&["Enter"]);
    tmux.wait_for("item 1/2");
    let s = tmux.wait_for("· inactive");
    let first = if s.contains("thread conv-alpha") {
        tmux.wait_for("Tomorrow before noon");
        "conv-alpha"
    } else {
        tmux.wait_for("Yes, under Account");
        "conv-beta"
    };
    // First thread: yes + Polite + a comment.
    tmux.keys(&["3"]);
    tmux.keys(&["Tab"]);
    tmux.keys(&["y"]);
    tmux.keys(&["c"]);
    tmux.keys(&["-l", "thread comment"]);
    tmux.keys(&["Escape"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("item 2/2");
    // Second thread: partly + Rude.
    tmux.keys(&["2"]);
    tmux.keys(&["Tab"]);
    tmux.keys(&["n"]);
    tmux.keys(&["C-s"]);
    let s = tmux.wait_for("Nothing left to review");
    assert!(s.contains("2/2"), "{s}");

    // Read back: thread scores by thread id + project, the comment on the thread.
    let start = Instant::now();
    let got = loop {
        let mut got = Vec::new();
        for th in ["conv-alpha", "conv-beta"] {
            got.push(
                send(
                    &http,
                    reqwest::Method::POST,
                    api("traces/threads/retrieve"),
                    Some(json!({"project_name": project, "thread_id": th})),
                )
                .await,
            );
        }
        let done = got
            .iter()
            .all(|t| my_entry(t, "solved").is_some() && my_entry(t, "polite").is_some())
            && got
                .iter()
                .map(|t| t["comments"].as_array().map_or(0, Vec::len))
                .sum::<usize>()
                >= 1;
        if done {
            break got;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the thread scores never arrived: {got:#?}\n{}",
            tmux.screen()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    for t in &got {
        let id = t["id"].as_str().unwrap_or_default();
        let solved = my_entry(t, "solved").expect("solved");
        let polite = my_entry(t, "polite").expect("polite");
        for e in [solved, polite] {
            assert_eq!(e["source"], "ui", "{e}");
            assert_eq!(
                e["source_queue_id"].as_str(),
                Some(queue_id.as_str()),
                "{e}"
            );
        }
        let comments = t["comments"].as_array().cloned().unwrap_or_default();
        if id == first {
            assert_eq!(solved["category_name"], "yes", "{solved}");
            assert_eq!(solved["value"].as_f64(), Some(1.0));
            assert_eq!(polite["category_name"], "Polite", "{polite}");
            assert_eq!(comments.len(), 1, "{comments:?}");
            assert_eq!(comments[0]["text"], "thread comment");
            assert_eq!(
                comments[0]["source_queue_id"].as_str(),
                Some(queue_id.as_str()),
                "{}",
                comments[0]
            );
        } else {
            assert_eq!(solved["category_name"], "partly", "{solved}");
            assert_eq!(polite["category_name"], "Rude", "{polite}");
            assert_eq!(polite["value"].as_f64(), Some(0.0));
            assert!(comments.is_empty(), "{comments:?}");
        }
    }
    // The comment went to the thread itself (its thread_model_id), not to a trace.
    let traces = send(
        &http,
        reqwest::Method::GET,
        api(&format!("traces?project_name={project}")),
        None,
    )
    .await;
    for tr in traces["content"].as_array().expect("traces") {
        assert!(
            tr["comments"].as_array().is_none_or(Vec::is_empty),
            "a trace got the comment: {tr}"
        );
    }
    // A queue made with the create form: annotators per item and lock timeout reach Opik.
    tmux.keys(&[":"]);
    tmux.keys(&["-l", "queues"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("Thread review");
    tmux.keys(&["n"]);
    tmux.wait_for("New annotation queue");
    tmux.keys(&["-l", "Form queue"]);
    tmux.keys(&["Tab"]);
    tmux.keys(&["Right"]);
    tmux.keys(&["Tab"]);
    tmux.keys(&["Tab"]);
    tmux.keys(&["-l", "Score politeness."]);
    tmux.keys(&["Tab"]);
    tmux.keys(&["BSpace"]);
    tmux.keys(&["-l", "0"]);
    tmux.keys(&["C-s"]);
    tmux.wait_for("annotators per item must be between 1 and 1000, not 0");
    tmux.keys(&["BSpace"]);
    tmux.keys(&["-l", "2"]);
    tmux.keys(&["Tab"]);
    tmux.keys(&["Left"]);
    tmux.keys(&["C-s"]);
    tmux.wait_for("Created queue");
    let queues = send(
        &http,
        reqwest::Method::GET,
        api("annotation-queues?size=100"),
        None,
    )
    .await;
    let made = queues["content"]
        .as_array()
        .expect("queues")
        .iter()
        .find(|q| q["name"] == "Form queue")
        .cloned()
        .unwrap_or_else(|| panic!("the form's queue is missing: {queues}"));
    assert_eq!(made["annotators_per_item"].as_i64(), Some(2), "{made}");
    assert_eq!(made["lock_timeout_seconds"].as_i64(), Some(270), "{made}");
    assert_eq!(made["scope"], "thread", "{made}");
    assert_eq!(
        made["project_id"].as_str(),
        Some(project_id.as_str()),
        "{made}"
    );
    tmux.keys(&["q"]);
}

/// The outbox drains app-wide: a score left in the outbox by an earlier run is sent by the
/// binary at start although no annotation screen is ever opened, and while the server is
/// down the status bar (on the connection screen) says "offline" and what waits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_drains_at_start_without_an_annotation_screen() {
    use opik_tui::outbox::{Outbox, WriteOp, target_of};
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("opik.db");
    let addr = free_addr();
    let base = format!("http://{addr}/api");
    let serve = Serve::at(&addr, &db);
    let http = reqwest::Client::new();
    let api = |p: &str| format!("{base}/v1/private/{p}");
    let trace_id = opik_tui::opik::model::new_id();
    send(
        &http,
        reqwest::Method::POST,
        api("traces/batch"),
        Some(
            json!({"traces": [{"id": trace_id, "project_name": "e2e-outbox", "name": "t",
            "start_time": "2026-11-21T10:00:00.000Z", "input": {"q": "hi"}}]}),
        ),
    )
    .await;
    drop(serve);

    // An earlier run queued a score and quit before it was sent.
    let client = opik_tui::opik::client::OpikClient::new(
        &opik_tui::config::Connection::new(&base).expect("url"),
    )
    .expect("client");
    let ob_path = dir.path().join("state").join("outbox.sqlite");
    let queue = uuid::Uuid::now_v7();
    {
        let ob = Outbox::open(&ob_path, target_of(&client)).expect("outbox");
        ob.enqueue(WriteOp::PutTraceScore {
            trace_id,
            score: opik_tui::opik::model::FeedbackScoreItem {
                name: "rating".into(),
                value: Some(0.75),
                source: Some("ui".into()),
                source_queue_id: Some(queue),
                ..Default::default()
            },
        })
        .expect("enqueue");
    }

    let env = tui_env(dir.path());
    let bin = env!("CARGO_BIN_EXE_opik-tui");
    let tmux = sme_tmux("outbox", &format!("{bin} --url {base} projects"), &env);
    let s = tmux.wait_for("offline · 1 waiting to send");
    let top = s.lines().next().unwrap_or_default();
    assert!(top.contains("offline · 1 waiting to send"), "{s}");

    // The server comes back: the score arrives without any annotation screen.
    let _serve = Serve::at(&addr, &db);
    let start = Instant::now();
    let entry = loop {
        let t = send(
            &http,
            reqwest::Method::GET,
            api(&format!("traces/{trace_id}")),
            None,
        )
        .await;
        if let Some(e) = my_entry(&t, "rating") {
            break e.clone();
        }
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "the outbox never drained: {t}\n{}",
            tmux.screen()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(entry["value"].as_f64(), Some(0.75), "{entry}");
    assert_eq!(
        entry["source_queue_id"].as_str(),
        Some(queue.to_string().as_str())
    );
    let start = Instant::now();
    while tmux.screen().contains("waiting to send") {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the status bar still counts the sent score:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let ob = Outbox::open(&ob_path, target_of(&client)).expect("outbox");
    assert_eq!(ob.pending_count(), 0);
    tmux.keys(&["C-c"]);
}
