//! End to end in tmux: the real `opik-tui` binary against the embedded server (in-process,
//! real HTTP). A thread of three turns is logged through the REST API; the TUI opens the
//! threads screen, the conversation, gives the first turn a thumbs up (read back from REST as
//! "User feedback" = 1, source ui), presses it again (read back as removed), gives a thumbs
//! down on the second turn, and scores the thread with a categorical feedback definition
//! (read back on the thread).

use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use opik_tui::server::{self, ServerConfig};
use serde_json::{Value, json};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(cmd: &str, env: &[(&str, String)]) -> Tmux {
        let status = Command::new("tmux").arg("-V").status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "tmux is not installed: run .ci/run (it installs tmux) or `apt-get install tmux`"
        );
        let socket = format!("opik-tui-threads-{}", std::process::id());
        let mut c = Command::new("tmux");
        c.args([
            "-L",
            &socket,
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "140",
            "-y",
            "40",
        ]);
        for (k, v) in env {
            c.args(["-e", &format!("{k}={v}")]);
        }
        c.arg(cmd);
        let st = c.status().expect("tmux new-session");
        assert!(st.success(), "tmux new-session failed");
        Tmux { socket }
    }

    fn keys(&self, keys: &[&str]) {
        let st = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "t"])
            .args(keys)
            .status()
            .expect("tmux send-keys");
        assert!(st.success());
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "t"])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Wait until the screen contains `text` (the app draws asynchronously).
    fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "screen never showed {text:?}:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

async fn poll<F, Fut>(what: &str, mut f: F) -> Value
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
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

fn user_feedback(trace: &Value) -> Option<&Value> {
    trace["feedback_scores"]
        .as_array()?
        .iter()
        .find(|s| s["name"] == "User feedback")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thumbs_and_thread_score_from_the_tui_are_read_back() {
    let dir = tempfile::tempdir().expect("tempdir");
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

    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let bin = env!("CARGO_BIN_EXE_opik-tui");
    let cmd = format!("{bin} --url {base} --project e2e-threads threads");
    let env = [
        ("HOME", home.display().to_string()),
        (
            "XDG_CONFIG_HOME",
            home.join(".config").display().to_string(),
        ),
        (
            "XDG_DATA_HOME",
            home.join(".local/share").display().to_string(),
        ),
        (
            "XDG_STATE_HOME",
            home.join(".local/state").display().to_string(),
        ),
        (
            "OPIK_TUI_STATE_DIR",
            home.join("state").display().to_string(),
        ),
        ("TERM", "xterm-256color".to_string()),
        ("COLORTERM", "truecolor".to_string()),
    ];
    let tmux = Tmux::start(&cmd, &env);
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
