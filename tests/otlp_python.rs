//! End to end with the real OpenTelemetry Python SDK: `opentelemetry-sdk` +
//! `opentelemetry-exporter-otlp-proto-http` (BatchSpanProcessor, protobuf over HTTP) and the
//! OpenInference instrumentation library (`OITracer`, `using_session`), exporting to the
//! embedded server's Opik OTLP path; then the traces, spans and threads are read back over the
//! REST API the TUI uses.
//!
//! Needs the venv that `.ci/run` installs (`OPIK_TUI_VENV` or `$HOME/.cache/opik-tui/venv`);
//! without it the test fails and says so, unless `OPIK_TUI_SKIP_PY=1`.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;

use opik_tui::server::{self, ServerConfig};
use serde_json::Value;

fn venv_python() -> Option<PathBuf> {
    let venv = std::env::var_os("OPIK_TUI_VENV")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/opik-tui/venv"))
        })?;
    let py = venv.join("bin/python");
    py.exists().then_some(py)
}

#[tokio::test]
async fn python_otlp_exporter_and_openinference_reach_traces_and_threads() {
    let Some(py) = venv_python() else {
        if std::env::var("OPIK_TUI_SKIP_PY").as_deref() == Ok("1") {
            eprintln!("OPIK_TUI_SKIP_PY=1: skipping the Python OTLP exporter test");
            return;
        }
        panic!(
            "the Python venv with opentelemetry-sdk is missing: run `bash .ci/run` (or set \
             OPIK_TUI_VENV), or set OPIK_TUI_SKIP_PY=1 to skip Python tests"
        );
    };
    let dir = tempfile::tempdir().unwrap();
    let h = server::spawn(ServerConfig {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        db_path: dir.path().join("opik.db"),
        api_key: None,
        users_file: None,
    })
    .await
    .unwrap();
    let base = h.base_url();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/otel/export_traces.py");
    let endpoint = format!("{base}/v1/private/otel/v1/traces");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(py)
            .arg(script)
            .env("OTLP_ENDPOINT", endpoint)
            .env("OTLP_PROJECT", "otel-e2e")
            .env("OTEL_SDK_DISABLED", "false")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "exporter script failed (is opentelemetry-sdk installed? run .ci/run): {stderr}"
    );
    // The exporter logs export failures instead of failing: none may appear.
    assert!(!stderr.contains("Failed to export"), "{stderr}");
    let ids: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ids["openinference"].as_str().map(str::len), Some(32));

    let c = reqwest::Client::new();
    let get = |p: String| {
        let c = c.clone();
        let url = format!("{base}/v1/private/{p}");
        async move {
            let r = c.get(&url).send().await.unwrap();
            assert_eq!(r.status(), 200, "GET {url}");
            r.json::<Value>().await.unwrap()
        }
    };
    let traces = get("traces?project_name=otel-e2e&size=50".into()).await;
    let traces = traces["content"].as_array().unwrap().clone();
    let by_name = |n: &str| {
        traces
            .iter()
            .find(|t| t["name"] == n)
            .unwrap_or_else(|| panic!("no trace {n}: {traces:?}"))
            .clone()
    };
    assert_eq!(traces.len(), 3, "{traces:?}");

    let agent = by_name("agent-run");
    assert_eq!(agent["thread_id"], "sess-42");
    assert_eq!(agent["input"]["input"], "What is the weather in Paris?");
    assert_eq!(agent["output"]["output"], "Sunny, 21 C");
    assert_eq!(agent["tags"], serde_json::json!(["e2e", "weather"]));
    let spans = get(format!(
        "spans?trace_id={}&size=50",
        agent["id"].as_str().unwrap()
    ))
    .await;
    let spans = spans["content"].as_array().unwrap().clone();
    assert_eq!(spans.len(), 4, "{spans:?}");
    let span = |n: &str| spans.iter().find(|s| s["name"] == n).unwrap().clone();
    let llm = span("llm-call");
    assert_eq!(llm["type"], "llm");
    assert_eq!(llm["model"], "gpt-4o-mini");
    assert_eq!(llm["provider"], "openai");
    assert_eq!(llm["usage"]["prompt_tokens"], 12);
    assert_eq!(llm["usage"]["total_tokens"], 16);
    assert_eq!(
        llm["input"]["messages"][0]["content"],
        "What is the weather in Paris?"
    );
    assert_eq!(llm["parent_span_id"], span("agent-run")["id"]);
    assert_eq!(span("get_weather")["type"], "tool");
    assert_eq!(span("get_weather")["input"]["city"], "Paris");
    let bad = span("flaky-step");
    assert_eq!(bad["error_info"]["exception_type"], "ValueError");
    assert_eq!(bad["error_info"]["message"], "upstream timeout");
    assert!(
        bad["error_info"]["traceback"]
            .as_str()
            .unwrap()
            .contains("Traceback"),
        "{bad}"
    );

    let chat = by_name("chat gpt-4o");
    assert_eq!(
        chat["thread_id"], "sess-42",
        "gen_ai.conversation.id → thread"
    );
    let cs = get(format!("spans?trace_id={}", chat["id"].as_str().unwrap())).await;
    let cs = &cs["content"][0];
    assert_eq!(cs["model"], "gpt-4o-2024-08-06");
    assert_eq!(cs["usage"]["completion_tokens"], 5);
    assert_eq!(cs["output"]["messages"][0]["content"], "Rain.");

    let oi = by_name("oi-chain");
    assert_eq!(
        oi["thread_id"], "sess-oi",
        "OpenInference using_session → thread"
    );
    assert_eq!(oi["input"]["input"], "hello from openinference");

    let threads = get("traces/threads?project_name=otel-e2e".into()).await;
    let threads = threads["content"].as_array().unwrap().clone();
    let t42 = threads
        .iter()
        .find(|t| t["id"] == "sess-42")
        .unwrap_or_else(|| panic!("no thread sess-42: {threads:?}"));
    assert_eq!(
        t42["number_of_messages"], 4,
        "two traces in the thread: {t42}"
    );
    assert!(threads.iter().any(|t| t["id"] == "sess-oi"));
    h.shutdown().await;
}
