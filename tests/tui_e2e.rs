//! End-to-end test of the real binary in tmux: `opik-tui serve` on a free port, the real Opik
//! Python SDK logs an agent trace into it (tests/sdk/tui_e2e.py), then `opik-tui --url …` runs
//! in a detached tmux session; keys go in with `send-keys` and the screen is read back with
//! `capture-pane`.
//!
//! Needs tmux and the SDK venv (both installed by `.ci/run`). Without the venv the test fails
//! and says so, unless `OPIK_TUI_SKIP_PY=1`: then the same data is logged over REST.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{BIN, Serve, Tmux, TmuxOpts, python};

const PROJECT: &str = "e2e-tui";

/// Tiny blocking HTTP helpers on top of the async client (the test is synchronous).
mod http {
    pub fn post_json(url: &str, body: &serde_json::Value) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let r = ::reqwest::Client::new()
                .post(url)
                .json(body)
                .send()
                .await
                .expect("POST");
            assert!(r.status().is_success(), "POST {url}: {}", r.status());
        })
    }
}

fn log_over_rest(base: &str) {
    use opik_tui::opik::model::new_id;
    let now = chrono::Utc::now();
    let ts =
        |ms: i64| opik_tui::opik::model::ts::format(&(now + chrono::Duration::milliseconds(ms)));
    let trace = new_id();
    let mut traces = vec![serde_json::json!({
        "id": trace, "project_name": PROJECT, "name": "checkout_agent",
        "start_time": ts(0), "end_time": ts(900), "tags": ["e2e"],
        "input": {"question": "Where is my order #1234?"},
        "output": {"output": "Your order is **in transit** and arrives tomorrow."}
    })];
    for i in 0..3 {
        traces.push(serde_json::json!({
            "id": new_id(), "project_name": PROJECT, "name": format!("plain_trace_{i}"),
            "start_time": ts(1000 + i), "end_time": ts(1100 + i),
            "input": {"question": format!("question number {i}")},
            "output": {"answer": format!("answer number {i}")}
        }));
    }
    post_json_ok(
        base,
        "/v1/private/traces/batch",
        serde_json::json!({ "traces": traces }),
    );
    let spans = serde_json::json!({"spans": [
        {"id": new_id(), "trace_id": trace, "project_name": PROJECT, "name": "lookup_order",
         "type": "tool", "start_time": ts(10), "end_time": ts(300), "input": {"order_id": 1234}},
        {"id": new_id(), "trace_id": trace, "project_name": PROJECT, "name": "draft_reply",
         "type": "llm", "model": "gpt-4o-mini", "provider": "openai", "start_time": ts(310),
         "end_time": ts(880), "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150}}
    ]});
    post_json_ok(base, "/v1/private/spans/batch", spans);
}

fn post_json_ok(base: &str, path: &str, body: serde_json::Value) {
    http::post_json(&format!("{base}{path}"), &body);
}

fn log_with_sdk(py: &Path, base: &str, home: &Path) {
    let out = Command::new(py)
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sdk/tui_e2e.py"))
        .env("OPIK_URL_OVERRIDE", base)
        .env("OPIK_WORKSPACE", "default")
        .env("OPIK_SENTRY_ENABLE", "false")
        .env("OPIK_ANALYTICS_ENABLE", "false")
        .env("OPIK_FILE_LOGGING_LEVEL", "ERROR")
        .env("TEST_PROJECT", PROJECT)
        .env("HOME", home)
        .output()
        .expect("run the SDK script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("tui e2e data logged"),
        "SDK script failed:\n{stdout}\n{stderr}"
    );
}

#[test]
fn browse_sdk_traces_in_tmux() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Serve::start(&dir.path().join("opik.db"));
    let base = server.base();
    match python() {
        Some(py) => log_with_sdk(&py, &base, dir.path()),
        None => log_over_rest(&base),
    }

    let cmd = format!("{BIN} --url {base}; echo EXITED $?; sleep 30");
    let env = common::tui_env(dir.path());
    let tmux = Tmux::start_with(TmuxOpts {
        name: "e2e",
        cmd: &cmd,
        env: &env,
        cwd: None,
        width: 160,
        height: 45,
    });

    // Projects list with the SDK's project.
    let screen = tmux.wait_for(PROJECT);
    assert!(screen.contains("Projects"), "{screen}");

    // Open it through the command line with completion.
    tmux.keys(&[":", "project e2e-", "Tab", "Enter"]);
    let screen = tmux.wait_for("checkout_agent");
    assert!(screen.contains("plain_trace_2"), "{screen}");
    assert!(screen.contains("of 4"), "{screen}");

    // Server-side search narrows the list; Esc clears it.
    tmux.keys(&["/", "checkout", "Enter"]);
    tmux.wait_for("/checkout");
    let screen = tmux.wait("the search narrowing the list", |s| {
        !s.contains("plain_trace_2")
    });
    assert!(screen.contains("checkout_agent"), "{screen}");

    // Open the trace: span tree with types and the LLM span's model in the detail.
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("draft_reply");
    assert!(screen.contains("TOOL lookup_order"), "{screen}");
    assert!(screen.contains("LLM draft_reply"), "{screen}");
    tmux.keys(&["j", "j", "j"]);
    let screen = tmux.wait_for("gpt-4o-mini (openai)");
    assert!(screen.contains("tokens 150"), "{screen}");

    // Help overlay is generated from the keymap.
    tmux.keys(&["?"]);
    tmux.wait_for("Everywhere");
    tmux.keys(&["Escape"]);
    // A lone Esc is told apart from an escape sequence by a short pause; wait until it has
    // been read (the overlay is gone) before sending more keys.
    tmux.wait_gone("Everywhere");

    // Back to traces, back to projects, quit; the binary exits cleanly.
    tmux.keys(&["q"]);
    tmux.wait_for("Traces · e2e-tui");
    tmux.keys(&["q", "q"]);
    let screen = tmux.wait_for("EXITED");
    assert!(screen.contains("EXITED 0"), "{screen}");
    drop(server);
}
