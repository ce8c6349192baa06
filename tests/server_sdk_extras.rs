//! The real Opik Python SDK (`opik==2.2.122`) against the embedded server: annotation queues,
//! feedback definitions (tests/sdk/extras_queues.py) and attachments
//! (tests/sdk/extras_attachments.py). The venv comes from `.ci/run` (`OPIK_TUI_VENV` or
//! `$HOME/.cache/opik-tui/venv`); without it these tests fail with a hint, unless
//! `OPIK_TUI_SKIP_PY=1`.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;

use opik_tui::server::{ServerConfig, spawn};

mod common;
use common::python;

async fn run_script(script: &str, project: &str) {
    let Some(py) = python() else {
        eprintln!("OPIK_TUI_SKIP_PY=1: skipping {script}");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let h = spawn(ServerConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        db_path: dir.path().join("sdk.db"),
        api_key: None,
        users_file: None,
    })
    .await
    .unwrap();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sdk")
        .join(script);
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join("opik.config"), "[opik]\n").unwrap();
    let mut cmd = Command::new(py);
    cmd.arg(&path)
        .env("OPIK_URL_OVERRIDE", h.base_url())
        .env("SDK_TEST_PROJECT", project)
        .env("OPIK_WORKSPACE", "default")
        .env("OPIK_TRACK_DISABLE", "false")
        .env("OPIK_ANALYTICS_ENABLE", "false")
        .env("OPIK_CONFIG_PATH", home.join("opik.config"))
        .env_remove("OPIK_API_KEY")
        .env_remove("OPIK_PROJECT_NAME");
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{script} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    assert!(
        stdout.contains("OK "),
        "{script} did not report success:\n{stdout}\n{stderr}"
    );
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_annotation_queues_and_feedback_definitions() {
    run_script("extras_queues.py", "sdk-queues").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_attachments() {
    run_script("extras_attachments.py", "sdk-attachments").await;
}
