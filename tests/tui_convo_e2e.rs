//! End to end in tmux: the real `opik-tui` binary against the embedded server (in-process, real
//! HTTP), with a settings file (`OPIK_TUI_SETTINGS`) whose `[conversation_keys]` gives the
//! project its own key, `chat_id`.
//!
//! Proves: the binary reads `[conversation_keys]` and the threads screen of a project without
//! Opik threads finds the conversation under `metadata.chat_id` by itself; `:threads by
//! thread_id` / `:threads by chat_id` switch the grouping and the header says which; `Y`
//! writes the conversation's Opik web URL with OSC 52 (tmux, with `set-clipboard on`, stores
//! it as a paste buffer, read back here); `e` in the trace view writes the trace as JSON into
//! the working directory and the toast says where.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod common;
use common::{Tmux, TmuxOpts};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_keys_threads_by_copy_url_and_export_in_the_binary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let srv = common::embedded::server(dir.path()).await;
    let base = srv.base_url();
    let http = reqwest::Client::new();

    let now = chrono::Utc::now();
    let at = |s: i64| (now - chrono::Duration::seconds(s)).to_rfc3339();
    let ids: Vec<String> = (0..2)
        .map(|_| opik_tui::opik::model::new_id().to_string())
        .collect();
    let traces: Vec<Value> = ids
        .iter()
        .zip([("hello bot", "hi human"), ("how are you", "fine, thanks")])
        .enumerate()
        .map(|(i, (id, (q, a)))| {
            let ago = 60 - 20 * i as i64;
            json!({
                "id": id, "project_name": "e2e-convo", "name": "message",
                "start_time": at(ago), "end_time": at(ago - 1),
                "input": {"query": q}, "output": {"answer": a},
                "metadata": {"chat_id": "chat-e2e", "session_id": "not-this-one"},
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
    let project: Value = http
        .post(format!("{base}/v1/private/projects/retrieve"))
        .json(&json!({"name": "e2e-convo"}))
        .send()
        .await
        .expect("retrieve")
        .json()
        .await
        .expect("json");
    let pid = project["id"].as_str().expect("project id").to_string();

    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).expect("work");
    // The project's own list wins over `default` (which would pick session_id first).
    let settings = dir.path().join("settings.toml");
    std::fs::write(
        &settings,
        "[conversation_keys]\ndefault = [\"session_id\"]\n\"e2e-convo\" = [\"chat_id\"]\n",
    )
    .expect("settings");
    let bin = env!("CARGO_BIN_EXE_opik-tui");
    let cmd = format!("{bin} --url {base} --project e2e-convo threads");
    let mut env = common::tui_env(dir.path());
    env.push(("OPIK_TUI_SETTINGS", settings.display().to_string()));
    let tmux = Tmux::start_with(TmuxOpts {
        name: "convo",
        cmd: &cmd,
        env: &env,
        cwd: Some(&work),
        width: 150,
        height: 40,
    });
    tmux.set_clipboard();

    // Auto-detection with the settings' key.
    let s = tmux.wait_for("chat-e2e");
    assert!(s.contains("by metadata.chat_id"), "{s}");
    assert!(s.contains("hello bot"), "{s}");
    assert!(!s.contains("not-this-one"), "{s}");

    // :threads by KEY, both ways.
    tmux.command("threads by thread_id");
    tmux.wait("grouped by thread_id", |s| {
        s.contains("by thread_id") && !s.contains("chat-e2e")
    });
    tmux.command("threads by chat_id");
    tmux.wait_for("chat-e2e");

    // Y: the conversation's web URL arrives through OSC 52.
    tmux.keys(&["Y"]);
    let ui = base.trim_end_matches("/api");
    let buf = tmux.wait_buffer(&format!(
        "{ui}/default/projects/{pid}/traces?type=traces&traces_filters="
    ));
    assert!(buf.contains("chat_id") && buf.contains("chat-e2e"), "{buf}");
    tmux.wait_for("copied the web URL of conversation");

    // e in the trace view (via the traces list): the JSON file lands in the working directory.
    tmux.command("traces");
    tmux.wait_for("how are you");
    tmux.keys(&["g", "Enter"]);
    tmux.wait_for("Trace · message");
    tmux.keys(&["e"]);
    tmux.wait_for("trace written to");
    let path = work.join(format!("opik-trace-{}.json", ids[1]));
    let start = Instant::now();
    while !path.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no {}:\n{}",
            path.display(),
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    assert_eq!(doc["trace"]["id"], ids[1]);
    assert_eq!(doc["trace"]["input"]["query"], "how are you");
    srv.shutdown().await;
}
