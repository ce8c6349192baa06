//! The dashboard against real parts: traces logged by the real Opik Python SDK
//! (`tests/sdk/dashboard_log.py`) into the embedded server over HTTP, read back by the
//! dashboard's fetch layer (metrics + stats endpoints for 24h, client-side bucketing of the
//! trace list for 1h) and by the overview; then, in tmux, the real binary's dashboard changes
//! its numbers when more traces are logged with the SDK, without a key press.
//!
//! Needs the venv made by `.ci/run` (`$OPIK_TUI_VENV` or `~/.cache/opik-tui/venv`) and tmux;
//! without the venv these tests fail and say so, unless `OPIK_TUI_SKIP_PY=1`.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use opik_tui::config::Connection;
use opik_tui::dashboard::fetch;
use opik_tui::dashboard::{Kpi, TimeRange};
use opik_tui::opik::client::OpikClient;
use opik_tui::server::ServerHandle;

mod common;
use common::{Tmux, embedded, python};

/// Logs `count` traces (numbered from `first`) into `project` with the SDK.
async fn log_traces(
    py: &Path,
    srv: &ServerHandle,
    home: &Path,
    project: &str,
    count: usize,
    first: usize,
) {
    let out = tokio::process::Command::new(py)
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sdk/dashboard_log.py"))
        .args([project, &count.to_string(), &first.to_string()])
        .env("OPIK_URL_OVERRIDE", srv.base_url())
        .env("OPIK_WORKSPACE", "default")
        .env("OPIK_SENTRY_ENABLE", "false")
        .env("OPIK_ANALYTICS_ENABLE", "false")
        .env("OPIK_FILE_LOGGING_LEVEL", "ERROR")
        .env("HOME", home)
        .kill_on_drop(true)
        .output()
        .await
        .expect("run python");
    assert!(
        out.status.success(),
        "dashboard_log.py failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn kpi<'a>(kpis: &'a [Kpi], label: &str) -> &'a Kpi {
    kpis.iter()
        .find(|k| k.label == label)
        .unwrap_or_else(|| panic!("no KPI {label} in {kpis:?}"))
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-6 * b.abs().max(1.0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_numbers_match_what_the_sdk_logged() {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let srv = embedded::server(dir.path()).await;
    log_traces(&py, &srv, dir.path(), "dash-sdk", 8, 0).await;
    log_traces(&py, &srv, dir.path(), "dash-other", 2, 0).await;

    let client = OpikClient::new(&Connection::new(&srv.base_url()).expect("url")).expect("client");
    let project = client.retrieve_project("dash-sdk").await.expect("project");
    let id = project.id.expect("project id");
    let now = Utc::now() + chrono::Duration::seconds(1);

    // 24h: series from the metrics endpoint, KPIs from the stats endpoints.
    let d = fetch::project_dashboard(&client, id, "dash-sdk", TimeRange::Day, now).await;
    assert!(d.notes.is_empty(), "requests failed: {:?}", d.notes);
    let k = &d.kpis;
    assert_eq!(kpi(k, "traces").current, Some(8.0));
    assert_eq!(
        kpi(k, "traces").delta_text(),
        "▲ +8",
        "nothing in the previous 24h"
    );
    assert_eq!(kpi(k, "threads").current, Some(2.0));
    assert!(
        close(kpi(k, "error rate").current, 0.25),
        "{:?}",
        kpi(k, "error rate")
    );
    assert!(close(kpi(k, "cost").current, 0.008), "{:?}", kpi(k, "cost"));
    assert!(
        close(kpi(k, "tokens").current, 120.0),
        "{:?}",
        kpi(k, "tokens")
    );
    // Durations 100..=800 ms: linear-interpolated percentiles.
    assert!(
        close(kpi(k, "latency p50").current, 450.0),
        "{:?}",
        kpi(k, "latency p50")
    );
    assert!(
        close(kpi(k, "latency p90").current, 730.0),
        "{:?}",
        kpi(k, "latency p90")
    );
    assert_eq!(kpi(k, "latency p50").value_text(), "450 ms");
    assert!(
        close(kpi(k, "relevance").current, 0.75),
        "{:?}",
        kpi(k, "relevance")
    );
    let s = &d.series;
    assert_eq!(s.traces.total(), Some(8.0));
    assert_eq!(s.errors.total(), Some(2.0));
    assert_eq!(s.tokens.total(), Some(120.0));
    assert!(close(s.cost.total(), 0.008), "{:?}", s.cost);
    assert_eq!(s.traces.len(), 25, "24 hourly buckets plus the partial one");
    assert!(s.latency[0].has_data() && s.latency[2].has_data());
    assert_eq!(s.scores.len(), 1);
    assert_eq!(s.scores[0].name, "relevance");
    assert!(close(s.scores[0].mean(), 0.75), "{:?}", s.scores[0]);

    // 1h: the same numbers bucketed on the client from the trace list (5-minute buckets).
    let h = fetch::project_dashboard(&client, id, "dash-sdk", TimeRange::Hour, now).await;
    assert!(h.notes.is_empty(), "requests failed: {:?}", h.notes);
    assert_eq!(h.series.traces.len(), 13);
    assert_eq!(h.series.traces.total(), Some(8.0));
    assert_eq!(h.series.errors.total(), Some(2.0));
    assert_eq!(h.series.tokens.total(), Some(120.0));
    assert!(close(h.series.cost.total(), 0.008), "{:?}", h.series.cost);
    assert_eq!(kpi(&h.kpis, "traces").current, Some(8.0));

    // The overview has both projects, most recently active first.
    let o = fetch::overview(&client, TimeRange::Day, now)
        .await
        .expect("overview");
    let names: Vec<&str> = o.rows.iter().map(|r| r.name.as_str()).collect();
    assert!(
        names.contains(&"dash-sdk") && names.contains(&"dash-other"),
        "{names:?}"
    );
    let row = o.rows.iter().find(|r| r.name == "dash-sdk").expect("row");
    assert_eq!(row.total_traces(), 8.0);
    assert_eq!(row.total_errors(), 2.0);
    assert!(row.last_p90().is_some());
    assert!(row.error.is_none(), "{:?}", row.error);

    // An empty range says so: nothing 30 days before the data.
    let old = fetch::project_dashboard(
        &client,
        id,
        "dash-sdk",
        TimeRange::Hour,
        now - chrono::Duration::days(30),
    )
    .await;
    assert!(!old.series.traces.has_data());
    assert_eq!(kpi(&old.kpis, "latency p50").value_text(), "–");
}
/// The value under the `traces` KPI label (first card of the KPI row).
fn traces_kpi(screen: &str) -> Option<String> {
    let lines: Vec<&str> = screen.lines().collect();
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
async fn live_dashboard_updates_without_a_key_press() {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let srv = embedded::server(dir.path()).await;
    log_traces(&py, &srv, dir.path(), "dash-live", 3, 0).await;

    let bin = env!("CARGO_BIN_EXE_opik-tui");
    let cmd = format!(
        "{bin} --url {} --project dash-live --log-file {} dashboard --refresh 1",
        srv.base_url(),
        dir.path().join("tui.log").display()
    );
    let env = common::tui_env(dir.path());
    let tmux = Tmux::start("dash", &cmd, &env).with_timeout(Duration::from_secs(40));
    let first = tmux.wait("3 traces", |s| traces_kpi(s).as_deref() == Some("3"));
    assert!(first.contains("[24h]"), "{first}");
    assert!(first.contains("live every 1s"), "{first}");

    // More traces arrive while the dashboard is open; no key is pressed.
    log_traces(&py, &srv, dir.path(), "dash-live", 5, 3).await;
    let after = tmux.wait("8 traces", |s| traces_kpi(s).as_deref() == Some("8"));
    assert!(
        after.contains("errors 2"),
        "the errors panel counts i=3 and i=7:\n{after}"
    );
    assert!(after.contains("updated"), "{after}");
}
