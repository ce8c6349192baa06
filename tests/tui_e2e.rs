//! End-to-end test of the real binary in tmux: `opik-tui serve` on a free port, the real Opik
//! Python SDK logs an agent trace into it (tests/sdk/tui_e2e.py), then `opik-tui --url …` runs
//! in a detached tmux session; keys go in with `send-keys` and the screen is read back with
//! `capture-pane`.
//!
//! Needs tmux and the SDK venv (both installed by `.ci/run`). Without the venv the test fails
//! and says so, unless `OPIK_TUI_SKIP_PY=1`: then the same data is logged over REST.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_opik-tui");
const PROJECT: &str = "e2e-tui";

fn python() -> Option<PathBuf> {
    let venv = std::env::var_os("OPIK_TUI_VENV")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/opik-tui/venv"))
        });
    match venv.map(|v| v.join("bin/python")) {
        Some(p) if p.exists() => Some(p),
        _ if std::env::var("OPIK_TUI_SKIP_PY").as_deref() == Ok("1") => None,
        _ => panic!(
            "the Opik SDK venv is missing: run .ci/run (it creates ~/.cache/opik-tui/venv with \
             opik==2.2.122), set OPIK_TUI_VENV, or set OPIK_TUI_SKIP_PY=1 to log over REST instead"
        ),
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Tmux(String);

impl Tmux {
    fn run(args: &[&str]) -> String {
        let out = Command::new("tmux").args(args).output().expect(
            "tmux is not installed: run .ci/run (it installs tmux) or apt-get install tmux",
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.0];
        args.extend_from_slice(keys);
        Tmux::run(&args);
    }
    fn text(&self) -> String {
        Tmux::run(&["capture-pane", "-p", "-t", &self.0])
    }
    /// Wait (generously) until the screen contains `needle`; fail with the screen if not.
    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let t = self.text();
            if t.contains(needle) {
                return t;
            }
            if Instant::now() > deadline {
                panic!("the screen never showed {needle:?}; it shows:\n{t}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Tmux {
    fn wait_gone(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let t = self.text();
            if !t.contains(needle) {
                return;
            }
            if Instant::now() > deadline {
                panic!("the screen kept showing {needle:?}:\n{t}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        Tmux::run(&["kill-session", "-t", &self.0]);
    }
}

fn wait_alive(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let url = format!("{base}/is-alive/ping");
    loop {
        let ok = http::blocking_get(&url);
        if ok {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "opik-tui serve did not answer at {url}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Tiny blocking HTTP helpers on top of the async client (the test is synchronous).
mod http {
    pub fn blocking_get(url: &str) -> bool {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async { matches!(::reqwest::get(url).await, Ok(r) if r.status().is_success()) })
    }

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
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let base = format!("http://{bind}/api");
    let server = Server(
        Command::new(BIN)
            .args(["serve", "--bind", &bind, "--db"])
            .arg(dir.path().join("opik.db"))
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start opik-tui serve"),
    );
    wait_alive(&base);
    match python() {
        Some(py) => log_with_sdk(&py, &base, dir.path()),
        None => log_over_rest(&base),
    }

    let session = format!("opik-tui-e2e-{port}");
    let cmd = format!(
        "env HOME={home} XDG_CONFIG_HOME={home}/config XDG_DATA_HOME={home}/data \
         XDG_STATE_HOME={home}/state TERM=xterm-256color COLORTERM=truecolor {BIN} --url {base}; \
         echo EXITED $?; sleep 30",
        home = dir.path().display()
    );
    Tmux::run(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "160",
        "-y",
        "45",
        &cmd,
    ]);
    let tmux = Tmux(session);

    // Projects list with the SDK's project.
    let screen = tmux.wait_for(PROJECT);
    assert!(screen.contains("Projects"), "{screen}");

    // Open it through the command line with completion.
    tmux.send(&[":", "project e2e-", "Tab", "Enter"]);
    let screen = tmux.wait_for("checkout_agent");
    assert!(screen.contains("plain_trace_2"), "{screen}");
    assert!(screen.contains("of 4"), "{screen}");

    // Server-side search narrows the list; Esc clears it.
    tmux.send(&["/", "checkout", "Enter"]);
    let screen = tmux.wait_for("/checkout");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut screen = screen;
    while screen.contains("plain_trace_2") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        screen = tmux.text();
    }
    assert!(
        !screen.contains("plain_trace_2"),
        "search did not narrow:\n{screen}"
    );
    assert!(screen.contains("checkout_agent"), "{screen}");

    // Open the trace: span tree with types and the LLM span's model in the detail.
    tmux.send(&["Enter"]);
    let screen = tmux.wait_for("draft_reply");
    assert!(screen.contains("TOOL lookup_order"), "{screen}");
    assert!(screen.contains("LLM draft_reply"), "{screen}");
    tmux.send(&["j", "j", "j"]);
    let screen = tmux.wait_for("gpt-4o-mini (openai)");
    assert!(screen.contains("tokens 150"), "{screen}");

    // Help overlay is generated from the keymap.
    tmux.send(&["?"]);
    tmux.wait_for("Everywhere");
    tmux.send(&["Escape"]);
    // A lone Esc is told apart from an escape sequence by a short pause; wait until it has
    // been read (the overlay is gone) before sending more keys.
    tmux.wait_gone("Everywhere");

    // Back to traces, back to projects, quit; the binary exits cleanly.
    tmux.send(&["q"]);
    tmux.wait_for("Traces · e2e-tui");
    tmux.send(&["q", "q"]);
    let screen = tmux.wait_for("EXITED");
    assert!(screen.contains("EXITED 0"), "{screen}");
    drop(server);
}
