//! Opik Python SDK compatibility (core): the real `opik==2.2.122` SDK logs into the embedded
//! server and reads everything back with its own search/get calls (`tests/sdk/core.py`), and
//! eight SDK processes logging at once lose nothing (`tests/sdk/writer.py`).
//!
//! Needs the venv made by `.ci/run` (`$OPIK_TUI_VENV` or `~/.cache/opik-tui/venv`); without it
//! these tests fail and say so, unless `OPIK_TUI_SKIP_PY=1`.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;

use opik_tui::server::{self, ServerConfig, ServerHandle};
use serde_json::Value;

mod common;
use common::python;

async fn start(dir: &tempfile::TempDir) -> ServerHandle {
    let users = dir.path().join("users.toml");
    std::fs::write(&users, "alice = \"key-alice\"\nbob = \"key-bob\"\n").unwrap();
    server::spawn(ServerConfig {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        db_path: dir.path().join("opik.db"),
        api_key: None,
        users_file: Some(users),
    })
    .await
    .unwrap()
}

fn sdk_command(
    py: &PathBuf,
    script: &str,
    srv: &ServerHandle,
    home: &std::path::Path,
) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(py);
    c.arg(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/sdk")
            .join(script),
    )
    .env("OPIK_URL_OVERRIDE", srv.base_url())
    .env("OPIK_WORKSPACE", "default")
    .env("OPIK_API_KEY", "key-alice")
    .env("KEY_B", "key-bob")
    .env("OPIK_SENTRY_ENABLE", "false")
    .env("OPIK_ANALYTICS_ENABLE", "false")
    .env("OPIK_FILE_LOGGING_LEVEL", "ERROR")
    .env("HOME", home)
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .kill_on_drop(true);
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_core_suite() {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let srv = start(&dir).await;
    let out = sdk_command(&py, "core.py", &srv, dir.path())
        .env("TEST_PROJECT", "sdk-core")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "SDK suite failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("core SDK suite OK"), "{stdout}\n{stderr}");
    srv.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_sdk_processes_lose_nothing() {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let srv = start(&dir).await;
    let procs: usize = std::env::var("SDK_PROCS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    const TRACES: usize = 150;
    let t0 = std::time::Instant::now();
    // one Python process imports the SDK, then forks `procs` writer processes
    let out = sdk_command(&py, "writer.py", &srv, dir.path())
        .env("TEST_PROJECT", "sdk-concurrent")
        .env("PROCS", procs.to_string())
        .env("N_TRACES", TRACES.to_string())
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}(after {:?})", t0.elapsed());
    assert!(
        out.status.success(),
        "writers failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.matches(" done in ").count(), procs, "{stdout}");
    let c = reqwest::Client::new();
    let get = |p: String| {
        let c = c.clone();
        async move {
            let r = c
                .get(p)
                .header("authorization", "key-alice")
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.unwrap()
        }
    };
    let base = format!("{}/v1/private", srv.base_url());
    let traces = get(format!("{base}/traces?project_name=sdk-concurrent&size=1")).await;
    assert_eq!(traces["total"], (procs * TRACES) as i64);
    let spans = get(format!("{base}/spans?project_name=sdk-concurrent&size=1")).await;
    assert_eq!(spans["total"], (procs * TRACES * 2) as i64);
    // every trace got both its spans and its score
    let f = urlencode(r#"[{"field":"span_count","operator":"=","value":"2"}]"#);
    let full = get(format!(
        "{base}/traces?project_name=sdk-concurrent&size=1&filters={f}"
    ))
    .await;
    assert_eq!(full["total"], (procs * TRACES) as i64);
    let f = urlencode(r#"[{"field":"feedback_scores","key":"ok","operator":"=","value":"1"}]"#);
    let scored = get(format!(
        "{base}/traces?project_name=sdk-concurrent&size=1&filters={f}"
    ))
    .await;
    assert_eq!(scored["total"], (procs * TRACES) as i64);
    srv.shutdown().await;
}

fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}
