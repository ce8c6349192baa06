//! Helpers shared by the integration tests (each `tests/*.rs` that needs them says
//! `mod common;`): the real binary in a detached tmux session (`send-keys` in,
//! `capture-pane` out), `opik-tui serve` as a child process, the SDK venv's python, free
//! ports, the environment that keeps a TUI run away from the user's own config and state,
//! and polling the REST API until something arrives.
//!
//! Not every test binary uses every helper, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub mod driver;
pub mod embedded;

use serde_json::Value;

/// The real binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_opik-tui");

/// A detached tmux session on its own server socket, killed when dropped.
pub struct Tmux {
    socket: String,
    key_delay: Duration,
    timeout: Duration,
}

/// How to start a [`Tmux`] session: `Tmux::start` covers the common case.
pub struct TmuxOpts<'a> {
    /// Distinguishes sockets of tests running in parallel in one process.
    pub name: &'a str,
    pub cmd: &'a str,
    pub env: &'a [(&'a str, String)],
    pub cwd: Option<&'a Path>,
    pub width: u16,
    pub height: u16,
}

impl Tmux {
    /// `cmd` in a 140×40 session with `env` set.
    pub fn start(name: &str, cmd: &str, env: &[(&str, String)]) -> Tmux {
        Tmux::start_with(TmuxOpts {
            name,
            cmd,
            env,
            cwd: None,
            width: 140,
            height: 40,
        })
    }

    pub fn start_with(o: TmuxOpts<'_>) -> Tmux {
        let status = Command::new("tmux")
            .arg("-V")
            .stdout(Stdio::null())
            .status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "tmux is not installed: run .ci/run (it installs tmux) or `apt-get install tmux`"
        );
        let socket = format!("opik-tui-{}-{}", o.name, std::process::id());
        let mut c = Command::new("tmux");
        c.args(["-L", &socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-s", "t", "-x", &o.width.to_string(), "-y"])
            .arg(o.height.to_string());
        if let Some(cwd) = o.cwd {
            c.arg("-c").arg(cwd);
        }
        for (k, v) in o.env {
            c.args(["-e", &format!("{k}={v}")]);
        }
        c.arg(o.cmd);
        assert!(
            c.status().expect("tmux new-session").success(),
            "tmux new-session failed"
        );
        Tmux {
            socket,
            key_delay: Duration::ZERO,
            timeout: Duration::from_secs(30),
        }
    }

    /// Pause this long after every `keys` call (for screens that must settle between keys).
    pub fn with_key_delay(mut self, d: Duration) -> Tmux {
        self.key_delay = d;
        self
    }

    /// How long the `wait*` helpers wait before failing with the screen.
    pub fn with_timeout(mut self, d: Duration) -> Tmux {
        self.timeout = d;
        self
    }

    /// Any tmux command on this session's server; its stdout.
    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let st = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "t"])
            .args(keys)
            .status()
            .expect("tmux send-keys");
        assert!(st.success(), "tmux send-keys {keys:?} failed");
        if !self.key_delay.is_zero() {
            std::thread::sleep(self.key_delay);
        }
    }

    /// Type a `:` command line and run it.
    pub fn command(&self, line: &str) {
        self.keys(&[":"]);
        self.keys(&["-l", line]);
        self.keys(&["Enter"]);
    }

    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "t"])
    }

    /// Wait until `pred` holds for the screen (the app draws asynchronously); fail with the
    /// screen if it never does.
    pub fn wait(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(
                start.elapsed() < self.timeout,
                "screen never showed {what}:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn wait_for(&self, text: &str) -> String {
        self.wait(&format!("{text:?}"), |s| s.contains(text))
    }

    pub fn wait_gone(&self, text: &str) -> String {
        self.wait(&format!("no {text:?}"), |s| !s.contains(text))
    }

    /// Let the application's OSC 52 set tmux's paste buffer.
    pub fn set_clipboard(&self) {
        self.tmux(&["set-option", "-g", "set-clipboard", "on"]);
    }

    /// Wait until tmux holds a paste buffer containing `text` (set by OSC 52).
    pub fn wait_buffer(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let b = self.tmux(&["show-buffer"]);
            if b.contains(text) {
                return b;
            }
            assert!(
                start.elapsed() < self.timeout,
                "no paste buffer with {text:?} (last: {b:?}):\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .stderr(Stdio::null())
            .status();
    }
}

/// `opik-tui serve` as a child process on a known address; killed when dropped.
pub struct Serve {
    child: Child,
    pub addr: String,
}

impl Serve {
    /// On a free port with the database `db`.
    pub fn start(db: &Path) -> Serve {
        Serve::at(&free_addr(), db)
    }

    /// On a free port with the database `db` and `--users FILE` (a TOML table of user name →
    /// API key): each key writes as its user.
    pub fn with_users(db: &Path, users: &Path) -> Serve {
        Serve::spawn(
            &free_addr(),
            db,
            &[std::ffi::OsStr::new("--users"), users.as_os_str()],
        )
    }

    /// On `addr` (e.g. to restart on the same address and database) once it listens.
    pub fn at(addr: &str, db: &Path) -> Serve {
        Serve::spawn(addr, db, &[])
    }

    fn spawn(addr: &str, db: &Path, extra: &[&std::ffi::OsStr]) -> Serve {
        let child = Command::new(BIN)
            .args(["serve", "--bind", addr, "--db"])
            .arg(db)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("opik-tui serve starts");
        let start = Instant::now();
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "serve never listened on {addr}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Serve {
            child,
            addr: addr.to_string(),
        }
    }

    /// Kill it now (a crash, as far as clients can tell) and reap it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The REST base URL, `http://ADDR/api`.
    pub fn base(&self) -> String {
        format!("http://{}/api", self.addr)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub fn free_addr() -> String {
    format!("127.0.0.1:{}", free_port())
}

/// The SDK venv's python (`OPIK_TUI_VENV` or `~/.cache/opik-tui/venv`), or `None` when
/// `OPIK_TUI_SKIP_PY=1`; without either, the test fails saying how to get the venv.
pub fn python() -> Option<PathBuf> {
    let venv = std::env::var_os("OPIK_TUI_VENV")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/opik-tui/venv"))
        });
    match venv.map(|v| v.join("bin/python")) {
        Some(p) if p.exists() => Some(p),
        _ if std::env::var("OPIK_TUI_SKIP_PY").as_deref() == Ok("1") => {
            eprintln!("OPIK_TUI_SKIP_PY=1: the Python SDK part of this test is skipped");
            None
        }
        _ => panic!(
            "the Opik SDK venv is missing: run .ci/run (it creates ~/.cache/opik-tui/venv with \
             opik==2.2.122), set OPIK_TUI_VENV, or set OPIK_TUI_SKIP_PY=1 to skip SDK tests"
        ),
    }
}

/// The environment for the TUI under test: its own HOME, config, data and state dirs under
/// `dir`, no `~/.opik.config`, a 256-colour terminal.
pub fn tui_env(dir: &Path) -> Vec<(&'static str, String)> {
    let home = dir.join("home");
    std::fs::create_dir_all(&home).expect("home");
    let p = |p: PathBuf| p.display().to_string();
    vec![
        ("HOME", p(home.clone())),
        ("XDG_CONFIG_HOME", p(home.join(".config"))),
        ("XDG_DATA_HOME", p(home.join(".local/share"))),
        ("XDG_STATE_HOME", p(home.join(".local/state"))),
        ("OPIK_TUI_STATE_DIR", p(dir.join("state"))),
        ("OPIK_CONFIG_PATH", p(home.join("none.ini"))),
        ("TERM", "xterm-256color".into()),
        ("COLORTERM", "truecolor".into()),
    ]
}

/// Log `traces` (JSON objects as the SDK sends them) through the REST batch endpoint.
pub async fn post_traces(base: &str, traces: Vec<Value>) {
    let r = reqwest::Client::new()
        .post(format!("{base}/v1/private/traces/batch"))
        .json(&serde_json::json!({ "traces": traces }))
        .send()
        .await
        .expect("POST traces/batch");
    assert!(r.status().is_success(), "traces batch: {}", r.status());
}

/// Call `f` until it returns something (30 s at most, then fail naming `what`).
pub async fn poll<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
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

/// A REST call (as `key`'s user, when given) that must succeed; its JSON body (`Null` when
/// there is none).
pub async fn send_json(
    m: reqwest::Method,
    url: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> Value {
    let mut rb = reqwest::Client::new().request(m, url);
    if let Some(k) = key {
        rb = rb.header("authorization", k);
    }
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let r = rb.send().await.expect("request");
    assert!(r.status().is_success(), "{url}: {}", r.status());
    let t = r.text().await.unwrap_or_default();
    serde_json::from_str(&t).unwrap_or(Value::Null)
}

/// The id of project `name` at REST base `base` (as `key`'s user, when given).
pub async fn project_id(base: &str, name: &str, key: Option<&str>) -> String {
    let url = format!("{base}/v1/private/projects?name={name}");
    let projects = send_json(reqwest::Method::GET, &url, key, None).await;
    projects["content"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no project {name}: {projects}"))
        .to_string()
}

/// The "User feedback" score of a trace read from the REST API.
pub fn user_feedback(trace: &Value) -> Option<&Value> {
    trace["feedback_scores"]
        .as_array()?
        .iter()
        .find(|s| s["name"] == "User feedback")
}
