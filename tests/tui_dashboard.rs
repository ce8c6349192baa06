//! The dashboard screen through the real shell, registry, client and task channel against the
//! embedded server over HTTP (in process): `:dashboard` opens the all-projects overview,
//! `]`/`[` change the range and refetch, `Enter` drills into a project's dashboard, the live
//! refresh picks up new traces on a tick without a key press, and `p` pauses it.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use opik_tui::app::shell::{App, ShellConfig};
use opik_tui::app::tasks::{TaskMsg, Tasks};
use opik_tui::app::testing::{buffer_text, render_app, test_config};
use opik_tui::app::{AppEnv, registry};
use opik_tui::config::Connection;
use opik_tui::opik::client::OpikClient;
use opik_tui::opik::model::{new_id, ts};
use opik_tui::server::{self, ServerConfig, ServerHandle};
use serde_json::json;
use tokio::sync::mpsc::UnboundedReceiver;

mod common;

async fn start(dir: &tempfile::TempDir) -> ServerHandle {
    server::spawn(ServerConfig {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        db_path: dir.path().join("opik.db"),
        api_key: None,
        users_file: None,
    })
    .await
    .expect("server")
}

/// `n` traces in `project`, every third one with an error, each lasting 200 ms.
async fn seed(base: &str, project: &str, n: usize) {
    let now = Utc::now();
    let traces: Vec<_> = (0..n)
        .map(|i| {
            let start =
                now - chrono::Duration::seconds(60) + chrono::Duration::milliseconds(i as i64);
            let mut t = json!({
                "id": new_id(), "project_name": project, "name": format!("t{i}"),
                "start_time": ts::format(&start),
                "end_time": ts::format(&(start + chrono::Duration::milliseconds(200))),
            });
            if i % 3 == 2 {
                t["error_info"] =
                    json!({"exception_type": "E", "message": "boom", "traceback": "tb"});
            }
            t
        })
        .collect();
    common::post_traces(base, traces).await;
}

fn key(app: &mut App, code: KeyCode, now: DateTime<Utc>) {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE), now);
}

fn screen(app: &mut App) -> String {
    buffer_text(&render_app(app, 140, 40))
}

/// Delivers task results until `done` holds.
async fn pump(
    app: &mut App,
    rx: &mut UnboundedReceiver<TaskMsg>,
    what: &str,
    done: impl Fn(&mut App) -> bool,
) {
    for _ in 0..100 {
        if done(app) {
            return;
        }
        match tokio::time::timeout(Duration::from_secs(20), rx.recv()).await {
            Ok(Some(msg)) => app.on_task(msg, Utc::now()),
            _ => break,
        }
    }
    let text = screen(app);
    assert!(done(app), "never reached: {what}\n{text}");
}

/// The value under the first KPI label (`traces`).
fn traces_kpi(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let i = lines
        .iter()
        .position(|l| l.trim_start().starts_with("traces ") && l.contains("threads"))?;
    lines
        .get(i + 1)?
        .split_whitespace()
        .next()
        .map(str::to_string)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overview_drill_in_live_refresh_and_pause() {
    let dir = tempfile::tempdir().expect("tempdir");
    let srv = start(&dir).await;
    let base = srv.base_url();
    seed(&base, "dash-a", 6).await;
    seed(&base, "dash-b", 2).await;

    let client = OpikClient::new(&Connection::new(&base).expect("conn")).expect("client");
    let mut env = AppEnv::new(client, &base, "default");
    env.dashboard_refresh = Duration::from_secs(5);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let cfg = ShellConfig {
        url: base.clone(),
        ..test_config()
    };
    let mut app = App::new(cfg, registry::opener(Rc::new(env)), Tasks::new(Some(tx)));

    // `:dashboard` without a name: the overview of every project.
    let t0 = Utc::now();
    app.run_command("dashboard", t0);
    pump(&mut app, &mut rx, "overview loaded", |a| {
        let s = screen(a);
        s.contains("dash-a") && s.contains("dash-b")
    })
    .await;
    let text = screen(&mut app);
    assert!(text.contains("All projects"), "{text}");
    assert!(text.contains("traces 24h"), "{text}");
    assert!(text.contains("[24h]"), "{text}");

    // `]` → 7d: refetched, the column headers follow.
    key(&mut app, KeyCode::Char(']'), t0);
    pump(&mut app, &mut rx, "7d overview", |a| {
        screen(a).contains("traces 7d")
    })
    .await;
    assert!(screen(&mut app).contains("[7d]"));
    // `[` twice → 1h (client-side 5-minute buckets).
    key(&mut app, KeyCode::Char('['), t0);
    key(&mut app, KeyCode::Char('['), t0);
    pump(&mut app, &mut rx, "1h overview", |a| {
        screen(a).contains("traces 1h")
    })
    .await;

    // Enter on the selected row (the most recently active project) opens its dashboard.
    let first = screen(&mut app)
        .lines()
        .find(|l| l.contains("dash-a") || l.contains("dash-b"))
        .map(|l| {
            if l.contains("dash-a") {
                "dash-a"
            } else {
                "dash-b"
            }
        })
        .expect("a project row");
    key(&mut app, KeyCode::Enter, t0);
    pump(&mut app, &mut rx, "project dashboard", |a| {
        traces_kpi(&screen(a)).is_some()
    })
    .await;
    let text = screen(&mut app);
    let expected = if first == "dash-a" { "6" } else { "2" };
    assert_eq!(traces_kpi(&text).as_deref(), Some(expected), "{text}");
    assert!(text.contains("[1h]"), "the range carries over:\n{text}");
    assert!(text.contains("latency p50/p90/p99"), "{text}");
    assert_eq!(app.project(), Some(first));
    app.dispatch(opik_tui::app::Action::Back, t0);
    pump(&mut app, &mut rx, "back on the overview", |a| {
        screen(a).contains("All projects")
    })
    .await;

    // A project dashboard by name, then new traces arrive: the next tick refetches.
    app.run_command("dashboard dash-b", t0);
    pump(&mut app, &mut rx, "dash-b loaded", |a| {
        traces_kpi(&screen(a)).as_deref() == Some("2")
    })
    .await;
    let text = screen(&mut app);
    assert!(
        text.contains("errors 0") || text.contains("no errors"),
        "{text}"
    );
    seed(&base, "dash-b", 4).await;
    // Not yet due: nothing is fetched.
    app.tick(t0 + chrono::Duration::seconds(2));
    assert_eq!(app.busy(), 0, "refresh before the period");
    app.tick(t0 + chrono::Duration::seconds(7));
    assert_eq!(app.busy(), 1, "the live refresh started on its own");
    pump(&mut app, &mut rx, "6 traces after the refresh", |a| {
        traces_kpi(&screen(a)).as_deref() == Some("6")
    })
    .await;
    assert!(
        screen(&mut app).contains("errors 1"),
        "{}",
        screen(&mut app)
    );

    // `p` pauses: ticks no longer fetch; `p` again resumes and fetches at once.
    key(
        &mut app,
        KeyCode::Char('p'),
        t0 + chrono::Duration::seconds(8),
    );
    assert!(screen(&mut app).contains("paused"));
    app.tick(t0 + chrono::Duration::seconds(30));
    app.tick(t0 + chrono::Duration::seconds(60));
    assert_eq!(app.busy(), 0, "paused dashboards do not refresh");
    key(
        &mut app,
        KeyCode::Char('p'),
        t0 + chrono::Duration::seconds(61),
    );
    assert_eq!(app.busy(), 1, "resuming refreshes at once");
    pump(&mut app, &mut rx, "resumed", |a| a.busy() == 0).await;
    assert!(screen(&mut app).contains("live every 5s"));
}
