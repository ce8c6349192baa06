//! Heavy traces (issue #19): a trace whose input is ~5 MB of retrieval JSON, whose answer is
//! ~800 KB of markdown, with 10k spans, logged into `opik-tui serve` (a child process, over
//! loopback) and opened through the real app shell, registry and REST client.
//!
//! Figures are the process's own CPU time (getrusage: user + system, every thread, so the
//! background layout tasks count) per key, the wall time to open the trace until its
//! Input/Output tab is laid out, and the peak RSS. The server's CPU is not counted (another
//! process).

use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use chrono::Utc;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opik_tui::app::tasks::{TaskMsg, Tasks};
use opik_tui::app::testing::{buffer_text, fixed_now, test_config};
use opik_tui::app::{App, ScreenRequest, registry};
use opik_tui::opik::model::{Span, Trace, new_id};
use opik_tui::views::fixtures::agent_trace;
use opik_tui::views::fixtures::heavy::heavy_trace;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedReceiver;
use uuid::Uuid;

#[path = "../../tests/common/mod.rs"]
mod common;
use common::Serve;

const PROJECT: &str = "heavy";

/// CPU time of this process (user + system, all threads), ms.
pub fn cpu_ms() -> f64 {
    let u = rusage();
    let tv = |t: libc::timeval| t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
    tv(u.ru_utime) + tv(u.ru_stime)
}

/// Peak resident set size of this process, MB.
pub fn peak_rss_mb() -> f64 {
    rusage().ru_maxrss as f64 / 1024.0
}

fn rusage() -> libc::rusage {
    // SAFETY: getrusage only writes into the struct it is given.
    unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut u);
        u
    }
}

async fn post(http: &reqwest::Client, url: String, body: Value) {
    let r = http.post(&url).json(&body).send().await.expect("POST");
    assert!(r.status().is_success(), "POST {url}: {}", r.status());
}

/// Log `trace` and its `spans` over REST with new UUIDv7 ids (the server takes no others);
/// the trace's id.
async fn log(base: &str, mut trace: Trace, mut spans: Vec<Span>) -> Uuid {
    let id = new_id();
    trace.id = Some(id);
    let ids: std::collections::HashMap<Uuid, Uuid> = spans
        .iter()
        .filter_map(|s| s.id)
        .map(|old| (old, new_id()))
        .collect();
    for s in &mut spans {
        s.id = s.id.and_then(|i| ids.get(&i).copied());
        s.parent_span_id = s.parent_span_id.and_then(|i| ids.get(&i).copied());
        s.trace_id = Some(id);
    }
    let http = reqwest::Client::new();
    let mut t = serde_json::to_value(&trace).expect("json");
    t["project_name"] = json!(PROJECT);
    post(
        &http,
        format!("{base}/v1/private/traces/batch"),
        json!({"traces": [t]}),
    )
    .await;
    for chunk in spans.chunks(1000) {
        let batch: Vec<Value> = chunk
            .iter()
            .map(|s| {
                let mut v = serde_json::to_value(s).expect("json");
                v["project_name"] = json!(PROJECT);
                v
            })
            .collect();
        post(
            &http,
            format!("{base}/v1/private/spans/batch"),
            json!({"spans": batch}),
        )
        .await;
    }
    id
}

/// The app, its task channel and a terminal of the size measured.
struct Rig {
    app: App,
    rx: UnboundedReceiver<TaskMsg>,
    term: Terminal<TestBackend>,
}

impl Rig {
    fn draw(&mut self) {
        let now = Utc::now();
        self.term.draw(|f| self.app.draw(f, now)).expect("draw");
        self.app.after_draw(now);
    }

    /// Deliver task results (drawing after each batch, as `app::run` does) until nothing is
    /// in flight.
    async fn settle(&mut self) {
        self.draw();
        let t = Instant::now();
        while self.app.busy() > 0 {
            assert!(t.elapsed() < Duration::from_secs(120), "never settled");
            match tokio::time::timeout(Duration::from_millis(200), self.rx.recv()).await {
                Ok(Some(m)) => {
                    self.app.on_task(m, Utc::now());
                    while let Ok(m) = self.rx.try_recv() {
                        self.app.on_task(m, Utc::now());
                    }
                }
                Ok(None) => break,
                Err(_) => self.app.tick(Utc::now()),
            }
            self.draw();
        }
    }

    fn screen(&self) -> String {
        buffer_text(self.term.backend().buffer())
    }

    async fn keys(&mut self, keys: &[KeyEvent]) {
        for k in keys {
            self.app.handle_key(*k, Utc::now());
            self.settle().await;
        }
    }

    /// CPU ms per key over `n` presses of `keys` in turn (each settled and drawn).
    async fn per_key(&mut self, keys: &[KeyEvent], n: usize) -> f64 {
        let c = cpu_ms();
        for i in 0..n {
            self.app.handle_key(keys[i % keys.len()], Utc::now());
            self.settle().await;
        }
        (cpu_ms() - c) / n as f64
    }

    /// CPU ms per resize over `n` resizes alternating between `sizes`.
    async fn per_resize(&mut self, sizes: &[(u16, u16)], n: usize) -> f64 {
        let c = cpu_ms();
        for i in 0..n {
            let (w, h) = sizes[i % sizes.len()];
            self.term.backend_mut().resize(w, h);
            self.term.autoresize().expect("resize");
            self.settle().await;
        }
        (cpu_ms() - c) / n as f64
    }
}

pub fn k(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

pub fn ch(c: char) -> KeyEvent {
    k(KeyCode::Char(c))
}

fn row(name: &str, v: f64, unit: &str) {
    println!("{name:<58} {v:>9.2} {unit}");
}

/// The value after `--name` on the command line.
fn arg(name: &str) -> Option<String> {
    let mut args = std::env::args().skip_while(|a| a != name);
    args.next()?;
    args.next()
}

/// Sizes of the heavy trace: (JSON input bytes, markdown bytes, spans, keys per measurement).
fn sizes(full: bool) -> (usize, usize, usize, usize) {
    if full {
        (5_000_000, 800_000, 10_000, 100)
    } else {
        (200_000, 40_000, 200, 3)
    }
}

/// Run this benchmark binary again with `args` (and `--bench` when `full`); its stdout.
fn child(full: bool, args: &[&str]) -> String {
    let exe = std::env::current_exe().expect("the benchmark binary");
    let mut c = Command::new(exe);
    if full {
        c.arg("--bench");
    }
    let out = c
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .expect("child");
    assert!(out.status.success(), "{args:?} failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Which part of the heavy benchmark this process is (see [`run`]); `false` when none.
pub fn child_main(full: bool) -> bool {
    let rt = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    };
    if let Some(base) = arg("--heavy-log") {
        let (json_bytes, md_bytes, spans, _) = sizes(full);
        rt().block_on(async {
            let (t, s) = heavy_trace(fixed_now(), json_bytes, md_bytes, spans);
            // A passage 70% down the retrieved list, to search for.
            let docs = t.input.as_ref().and_then(|v| v["top_k"].as_u64());
            let target = format!("doc-{:05}", docs.unwrap_or(0) * 7 / 10);
            let heavy = log(&base, t, s).await;
            let (t, s) = agent_trace(fixed_now(), 0);
            let small = log(&base, t, s).await;
            println!("{heavy} {small} {target}");
        });
        return true;
    }
    let Some(size) = arg("--heavy-size") else {
        return false;
    };
    let (w, h) = size
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
        .expect("WxH");
    let ids = arg("--heavy-ids").unwrap_or_default();
    let mut ids = ids.split(',');
    let (heavy, small, target) = (ids.next(), ids.next(), ids.next().unwrap_or_default());
    let id = |s: Option<&str>| s.and_then(|s| s.parse().ok()).expect("trace id");
    let base = arg("--heavy-base").expect("base URL");
    rt().block_on(measure_size(
        &base,
        id(heavy),
        id(small),
        target,
        w,
        h,
        sizes(full).3,
    ));
    true
}

/// The heavy-trace benchmark; `full` = the real sizes, else a smoke run. This process runs
/// `opik-tui serve`; a child process logs the traces, and one child per terminal size opens
/// them, so each size's CPU and peak RSS are the TUI's own.
pub fn run(full: bool) {
    let (json_bytes, md_bytes, spans, _) = sizes(full);
    println!(
        "heavy trace: {:.1} MB JSON input, {} KB markdown answer, {} spans (opik-tui serve over loopback)",
        json_bytes as f64 / 1e6,
        md_bytes / 1000,
        spans
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let serve = Serve::start(&dir.path().join("opik.db"));
    let base = serve.base();
    let logged = child(full, &["--heavy-log", &base]);
    let mut parts = logged.split_whitespace();
    let ids = format!(
        "{},{},{}",
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default()
    );
    for size in ["160x45", "80x24"] {
        print!(
            "{}",
            child(
                full,
                &[
                    "--heavy-size",
                    size,
                    "--heavy-ids",
                    &ids,
                    "--heavy-base",
                    &base
                ]
            )
        );
    }
}

/// One terminal size: the small trace, then the heavy one, measured.
async fn measure_size(
    base: &str,
    heavy: Uuid,
    small: Uuid,
    target: &str,
    w: u16,
    h: u16,
    n: usize,
) {
    let dir = tempfile::tempdir().expect("tempdir");
    // SAFETY: single-threaded at this point; the outbox file goes to the temp dir.
    unsafe { std::env::set_var("OPIK_TUI_STATE_DIR", dir.path().join("state")) };
    println!("\n-- {w}x{h}");
    let mut rig = open(base, small, w, h).await;
    row("RSS with a small trace open", crate::rss_mb(), "MB");
    rig.keys(&[k(KeyCode::Tab)]).await;
    row(
        "small trace: j (detail cursor)",
        rig.per_key(&[ch('j'), ch('k')], n).await,
        "ms CPU/key",
    );
    row(
        "small trace: PgDn / PgUp",
        rig.per_key(&[k(KeyCode::PageDown), k(KeyCode::PageUp)], n)
            .await,
        "ms CPU/key",
    );
    drop(rig);
    let mut rig = open(base, heavy, w, h).await;
    row(
        "RSS with the heavy trace open and laid out",
        crate::rss_mb(),
        "MB",
    );
    row("peak RSS until then", peak_rss_mb(), "MB");
    measure(&mut rig, target, w, h, n).await;
    row("RSS after the keys above", crate::rss_mb(), "MB");
    row("peak RSS", peak_rss_mb(), "MB");
}

/// Per-key CPU of the detail pane's keys on the heavy trace (Input/Output: the JSON above
/// the markdown).
async fn measure(rig: &mut Rig, target: &str, w: u16, h: u16, n: usize) {
    let screens = std::env::var_os("HEAVY_BENCH_SCREENS").is_some();
    let show = |rig: &Rig, what: &str| {
        if screens {
            println!("[{what}]\n{}", rig.screen());
        }
    };
    show(rig, "opened");
    rig.keys(&[k(KeyCode::Tab)]).await;
    // To the passages' line (its key is a search hit) and unfold it.
    let search = |q: &str| {
        // `/` opens the box with the last query: Ctrl-u clears it.
        let mut v = vec![
            ch('/'),
            KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL),
        ];
        v.extend(q.chars().map(ch));
        v.push(k(KeyCode::Enter));
        v
    };
    rig.keys(&search("\"retrieved\"")).await;
    row(
        "JSON: Enter (unfold the passages)",
        rig.per_key(&[k(KeyCode::Enter)], 1).await,
        "ms CPU",
    );
    show(rig, "passages unfolded");
    row(
        "JSON: j (cursor down)",
        rig.per_key(&[ch('j')], n).await,
        "ms CPU/key",
    );
    row(
        "JSON: PgDn",
        rig.per_key(&[k(KeyCode::PageDown)], n).await,
        "ms CPU/key",
    );
    row(
        "JSON: J (scroll)",
        rig.per_key(&[ch('J')], n).await,
        "ms CPU/key",
    );
    row(
        "G / g (whole tab)",
        rig.per_key(&[ch('G'), ch('g')], n).await,
        "ms CPU/key",
    );
    let c = cpu_ms();
    rig.keys(&search(target)).await;
    row(
        &format!("search: / {target} Enter (typing + search + unfold)"),
        cpu_ms() - c,
        "ms CPU",
    );
    show(rig, "search hit");
    row(
        "search: n / N",
        rig.per_key(&[ch('n'), ch('N')], n).await,
        "ms CPU/key",
    );
    // Fold the input section: the markdown answer follows its header.
    rig.keys(&[k(KeyCode::Esc), ch('g'), ch('h')]).await;
    show(rig, "input folded");
    row(
        "markdown: j",
        rig.per_key(&[ch('j')], n).await,
        "ms CPU/key",
    );
    row(
        "markdown: PgDn",
        rig.per_key(&[k(KeyCode::PageDown)], n).await,
        "ms CPU/key",
    );
    row(
        "markdown: G / g",
        rig.per_key(&[ch('G'), ch('g')], n).await,
        "ms CPU/key",
    );
    row(
        "tab switch ] / [",
        rig.per_key(&[ch(']'), ch('[')], (n.min(40) / 2 * 2).max(2))
            .await,
        "ms CPU/key",
    );
    row(
        "resize (width -1 / +1, laid out once each)",
        rig.per_resize(&[(w - 1, h), (w, h)], n.min(40)).await,
        "ms CPU/resize",
    );
    let widths: Vec<(u16, u16)> = (1..=n.min(10) as u16).map(|d| (w - 2 - d, h)).collect();
    row(
        "resize to a new width each time (markdown laid out again)",
        rig.per_resize(&widths, widths.len()).await,
        "ms CPU/resize",
    );
    show(rig, "after resizes");
}

async fn open(base: &str, id: Uuid, w: u16, h: u16) -> Rig {
    let env = Rc::new(common::driver::env_for(base));
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let app = App::new(test_config(), registry::opener(env), Tasks::new(Some(tx)));
    let mut rig = Rig {
        app,
        rx,
        term: Terminal::new(TestBackend::new(w, h)).expect("backend"),
    };
    let t = Instant::now();
    let c = cpu_ms();
    rig.app.open(
        &ScreenRequest::Trace {
            project: PROJECT.into(),
            trace_id: id,
        },
        Utc::now(),
    );
    rig.settle().await;
    row(
        "open (until laid out), wall",
        t.elapsed().as_secs_f64() * 1e3,
        "ms",
    );
    row("open (until laid out), TUI CPU", cpu_ms() - c, "ms");
    rig
}
