//! A heavy trace logged by the real Opik SDK (tests/sdk/heavy_trace.py) into `opik-tui serve`,
//! opened through the real app shell, registry and REST client in-process (keys in with
//! `App::handle_key`, task results pumped as `app::run` does, the screen read from a
//! `TestBackend`): the Input/Output tab shows the retrieval JSON folded with its count above
//! the markdown answer; `/` finds a passage inside the folded array and unfolds to it, `n`
//! wraps around; the input section folds away; `G` reaches the answer's last line; resizing
//! to 80×24 and switching tabs keep it readable.
//!
//! Sizes are smaller than the benchmark's (a debug build) but large enough for the background
//! layout: `HEAVY_JSON_BYTES`, `HEAVY_MD_BYTES`, `HEAVY_SPANS` override them. Without the SDK
//! venv the test fails and says so, unless `OPIK_TUI_SKIP_PY=1`.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;

use chrono::Utc;
use crossterm::event::KeyCode;
use opik_tui::app::ScreenRequest;

mod common;
use common::driver::Driver;
use common::{Serve, python};

const PROJECT: &str = "heavy-sdk";

fn env_or(k: &str, v: &str) -> String {
    std::env::var(k).unwrap_or_else(|_| v.to_string())
}

#[tokio::test(flavor = "current_thread")]
async fn a_heavy_sdk_trace_opens_folds_searches_and_scrolls() {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    // SAFETY: set before any thread of this test binary reads the environment.
    unsafe { std::env::set_var("OPIK_TUI_STATE_DIR", dir.path().join("state")) };
    let server = Serve::start(&dir.path().join("opik.db"));
    let base = server.base();
    let out = Command::new(py)
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sdk/heavy_trace.py"))
        .env("OPIK_URL_OVERRIDE", &base)
        .env("OPIK_WORKSPACE", "default")
        .env("OPIK_SENTRY_ENABLE", "false")
        .env("OPIK_ANALYTICS_ENABLE", "false")
        .env("OPIK_FILE_LOGGING_LEVEL", "ERROR")
        .env("TEST_PROJECT", PROJECT)
        .env("HOME", dir.path())
        .env("HEAVY_JSON_BYTES", env_or("HEAVY_JSON_BYTES", "1000000"))
        .env("HEAVY_MD_BYTES", env_or("HEAVY_MD_BYTES", "120000"))
        .env("HEAVY_SPANS", env_or("HEAVY_SPANS", "2000"))
        .output()
        .expect("run the SDK script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "SDK script failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let trace_id: uuid::Uuid = stdout.trim().parse().expect("the trace id");

    let mut d = Driver::connected(&base, 160, 45);
    d.app.open(
        &ScreenRequest::Trace {
            project: PROJECT.into(),
            trace_id,
        },
        Utc::now(),
    );

    // Input above output; the big array folded with its count; the answer rendered.
    let s = d.until_has("\"retrieved\": [ … ").await;
    assert!(s.contains(" Input/Output "), "{s}");
    assert!(s.contains("▾ Input"), "{s}");
    assert!(s.contains("items ]"), "{s}");
    let s = d.until_has("Incident report").await;
    assert!(s.contains("▾ Output"), "{s}");
    assert!(!s.contains("# Incident"), "markdown rendered:\n{s}");

    // Search inside the folded array: it unfolds to the passage.
    d.press_code(KeyCode::Tab);
    d.press('/');
    d.type_str("doc-00042");
    d.press_code(KeyCode::Enter);
    let s = d.until_has("\"id\": \"doc-00042\"").await;
    assert!(s.contains("/doc-00042 · 1/1"), "{s}");
    assert!(s.contains("\"text\": \""), "{s}");
    assert!(
        s.contains("chars)"),
        "a long passage is cut with its length:\n{s}"
    );
    d.press('n');
    let s = d.screen();
    assert!(s.contains("/doc-00042 · 1/1"), "{s}");

    // Fold the input section from its header: the answer follows it.
    d.press('g');
    d.press('h');
    let s = d.screen();
    assert!(s.contains("▸ Input"), "{s}");
    assert!(s.contains("Incident report"), "{s}");
    d.press('G');
    let s = d.screen();
    assert!(s.contains("The last line of the report."), "{s}");

    // 80×24: laid out again at the new width (in the background), still at the end.
    d.width = 80;
    d.height = 24;
    let s = d
        .until("the answer's end at 80 columns", |s| {
            s.contains("The last line of the report.")
        })
        .await;
    assert!(!s.contains('\u{1b}'), "{s}");

    // Tabs: Metadata, then back to Input/Output with the input still folded.
    d.press(']');
    let s = d.until_has("(no metadata)").await;
    assert!(s.contains(" Metadata "), "{s}");
    d.press('[');
    d.until("the input still folded above the answer", |s| {
        s.contains("▸ Input") && s.contains("Incident report")
    })
    .await;
}
