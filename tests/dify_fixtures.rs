//! Dify-shaped data (`opik_tui::server::demo::dify`: the dicts Dify's Opik integration hands
//! to `Opik().trace(...)` / `.span(...)`) and a session_id-in-metadata app, logged into the
//! embedded server (a) through the REST batch endpoints and (b) through the real Opik Python
//! SDK's low-level client (`tests/sdk/dify_log.py`, the calls Dify makes), then read back with
//! the REST client and checked the same way:
//!
//! - no Opik threads (no `thread_id`), but three conversations by `metadata.conversation_id`
//!   (3, 3 and 2 turns; Dify's `generate_name_trace` is no turn), each turn reading as the
//!   user's query and the answer, oldest first;
//! - the chatflow's node spans keep `metadata.app_name` / `node_type`, sit under the
//!   `workflow_trace` span, and read as `title · node_type`; the LLM node has model, provider
//!   and usage; the chat app's `llm` span has its model only in `metadata.ls_model_name`;
//! - the session app groups into two conversations by `metadata.session_id`.
//!
//! The SDK half needs the venv made by `.ci/run`; without it it fails and says so, unless
//! `OPIK_TUI_SKIP_PY=1`.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;

use opik_tui::config::Connection;
use opik_tui::opik::client::{ListQuery, OpikClient};
use opik_tui::opik::conversations::{self, Grouping};
use opik_tui::opik::dify;
use opik_tui::opik::messages::{self, Kind};
use opik_tui::opik::model::{Span, SpanSearchRequest, Trace};
use opik_tui::server::demo::dify::{self as demo_dify, BILLING, Fixture, RECIPES, TRIP};
use opik_tui::server::{self, ServerConfig, ServerHandle};
use serde_json::{Value, json};

mod common;
use common::python;

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

fn client(srv: &ServerHandle) -> OpikClient {
    OpikClient::new(&Connection {
        base_url: srv.base_url(),
        api_key: None,
        workspace: "default".into(),
        project: None,
        explicit: true,
    })
    .expect("client")
}

async fn log_rest(srv: &ServerHandle, f: &Fixture) {
    let http = reqwest::Client::new();
    let base = srv.base_url();
    let body = f.json();
    for (path, key) in [("traces", "traces"), ("spans", "spans")] {
        let r = http
            .post(format!("{base}/v1/private/{path}/batch"))
            .json(&json!({ key: body[key] }))
            .send()
            .await
            .expect("post");
        assert!(r.status().is_success(), "{path} batch: {}", r.status());
    }
}

async fn log_sdk(py: &PathBuf, srv: &ServerHandle, dir: &std::path::Path, f: &Fixture, name: &str) {
    let file = dir.join(format!("{name}.json"));
    std::fs::write(&file, serde_json::to_vec(&f.json()).expect("json")).expect("write fixture");
    let out = tokio::process::Command::new(py)
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sdk/dify_log.py"))
        .arg(&file)
        .env("OPIK_URL_OVERRIDE", srv.base_url())
        .env("OPIK_WORKSPACE", "default")
        .env("OPIK_SENTRY_ENABLE", "false")
        .env("OPIK_ANALYTICS_ENABLE", "false")
        .env("OPIK_FILE_LOGGING_LEVEL", "ERROR")
        .env("HOME", dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output()
        .await
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "dify_log.py failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let last: Value = stdout
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no summary line\nstdout:\n{stdout}\nstderr:\n{stderr}"));
    assert_eq!(last["traces"].as_u64(), Some(f.traces.len() as u64));
    assert_eq!(last["spans"].as_u64(), Some(f.spans.len() as u64));
}

async fn traces(c: &OpikClient, project: &str, want: usize) -> Vec<Trace> {
    // The SDK sends in the background: wait until everything arrived.
    let start = std::time::Instant::now();
    loop {
        let p = c
            .list_traces(&ListQuery {
                project_name: Some(project.into()),
                size: 500,
                ..ListQuery::default()
            })
            .await
            .expect("list traces");
        if p.content.len() >= want {
            return p.content;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "only {} of {want} traces arrived",
            p.content.len()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn spans(c: &OpikClient, project: &str, trace: &Trace) -> Vec<Span> {
    c.search_spans(
        SpanSearchRequest {
            trace_id: trace.id,
            project_name: Some(project.into()),
            ..SpanSearchRequest::default()
        },
        Some(1000),
    )
    .await
    .expect("spans")
}

/// What must hold whichever way the Dify fixture was logged.
async fn check_dify(c: &OpikClient, project: &str, f: &Fixture, how: &str) {
    let all = traces(c, project, f.traces.len()).await;
    assert_eq!(all.len(), f.traces.len(), "{how}");
    assert!(
        all.iter().all(|t| t.thread_id.is_none()),
        "{how}: thread_id"
    );
    let threads = c
        .list_threads(&ListQuery {
            project_name: Some(project.into()),
            ..ListQuery::default()
        })
        .await
        .expect("threads");
    assert!(threads.content.is_empty(), "{how}: no Opik threads");

    let g = conversations::group(&all, &Grouping::Metadata("conversation_id".into()));
    // (Most recently active first: here all were written at once, so any order.)
    let mut ids: Vec<(&str, Option<i64>)> = g
        .iter()
        .map(|t| (t.id.as_str(), t.number_of_messages))
        .collect();
    ids.sort();
    let mut want = vec![(BILLING, Some(6)), (RECIPES, Some(4)), (TRIP, Some(6))];
    want.sort();
    assert_eq!(ids, want, "{how}");
    for conv in [TRIP, BILLING, RECIPES] {
        let mut turns: Vec<&Trace> = all
            .iter()
            .filter(|t| {
                conversations::key_of(t, &Grouping::Metadata("conversation_id".into())).as_deref()
                    == Some(conv)
                    && !dify::is_side_trace(t)
            })
            .collect();
        turns.sort_by_key(|t| t.start_time);
        let want = f.turns_of(conv);
        assert_eq!(turns.len(), want.len(), "{how}: turns of {conv}");
        for (t, w) in turns.iter().zip(want) {
            assert_eq!(t.id, Some(w.trace_id), "{how}: turn order");
            let field = |k| {
                messages::prettify_trace_field(
                    t.input.as_ref(),
                    t.output.as_ref(),
                    t.metadata.as_ref(),
                    k,
                )
            };
            assert_eq!(
                field(Kind::Input).as_deref(),
                Some(w.query.as_str()),
                "{how}"
            );
            assert_eq!(
                field(Kind::Output).as_deref(),
                Some(w.answer.as_str()),
                "{how}"
            );
        }
    }

    // The weather turn of the chatflow: the node spans under the workflow span.
    let turn = f.turns_of(TRIP)[1].trace_id;
    let trace = all
        .iter()
        .find(|t| t.id == Some(turn))
        .expect("weather turn");
    let ss = spans(c, project, trace).await;
    let want_spans = f.spans.iter().filter(|s| s.trace_id == Some(turn)).count();
    assert_eq!(ss.len(), want_spans, "{how}");
    let root = ss
        .iter()
        .find(|s| s.name.as_deref() == Some("workflow_trace"))
        .expect("workflow span");
    assert_eq!(root.parent_span_id, None, "{how}");
    let names: Vec<String> = ss
        .iter()
        .filter(|s| s.parent_span_id == root.id)
        .map(|s| {
            dify::display_name(
                s.name.as_deref(),
                s.span_type.as_deref(),
                s.metadata.as_ref(),
            )
        })
        .collect();
    for want in [
        "start",
        "City guides · knowledge-retrieval",
        "Weather lookup · http-request",
        "Travel planner · llm",
        "answer",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "{how}: {want} not in {names:?}"
        );
    }
    let llm = ss
        .iter()
        .find(|s| s.span_type.as_deref() == Some("llm"))
        .expect("llm node");
    assert_eq!(llm.model.as_deref(), Some("gpt-4o-mini"), "{how}");
    assert_eq!(llm.provider.as_deref(), Some("openai"), "{how}");
    let (u, _) = dify::usage(
        llm.usage.as_ref(),
        llm.metadata.as_ref(),
        llm.output.as_ref(),
    );
    assert_eq!(dify::total_tokens(&u), Some(295), "{how}: llm usage {u:?}");
    let retrieval = ss
        .iter()
        .find(|s| s.name.as_deref() == Some("knowledge-retrieval"))
        .expect("retrieval node");
    let (u, src) = dify::usage(
        retrieval.usage.as_ref(),
        retrieval.metadata.as_ref(),
        retrieval.output.as_ref(),
    );
    assert_eq!(
        (dify::total_tokens(&u), src),
        (Some(35), Some(dify::UsageSource::MetadataTotal)),
        "{how}: retrieval tokens from metadata.total_tokens"
    );

    // The chat app's turn: the llm span has no model field, metadata.ls_* has it.
    let turn = f.turns_of(BILLING)[2].trace_id;
    let trace = all
        .iter()
        .find(|t| t.id == Some(turn))
        .expect("billing turn");
    let ss = spans(c, project, trace).await;
    let mut names: Vec<String> = ss
        .iter()
        .map(|s| {
            dify::display_name(
                s.name.as_deref(),
                s.span_type.as_deref(),
                s.metadata.as_ref(),
            )
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            "current_time",
            "dataset retrieval",
            "llm",
            "moderation",
            "suggested questions"
        ],
        "{how}"
    );
    let llm = ss
        .iter()
        .find(|s| s.name.as_deref() == Some("llm"))
        .expect("llm span");
    assert!(llm.model.as_deref().is_none_or(str::is_empty), "{how}");
    assert_eq!(
        dify::model_provider(
            llm.model.as_deref(),
            llm.provider.as_deref(),
            llm.metadata.as_ref()
        ),
        (Some("gpt-4o-mini".into()), Some("openai".into())),
        "{how}"
    );
    assert_eq!(
        llm.usage.as_ref().and_then(|u| u.get("total_tokens")),
        Some(&482),
        "{how}"
    );
}

async fn check_sessions(c: &OpikClient, project: &str, f: &Fixture, how: &str) {
    let all = traces(c, project, f.traces.len()).await;
    assert!(all.iter().all(|t| t.thread_id.is_none()), "{how}");
    let keys: Vec<String> = conversations::DEFAULT_KEYS
        .iter()
        .map(|s| s.to_string())
        .collect();
    let detected = Grouping::cycle(&keys)
        .into_iter()
        .find(|g| !conversations::group(&all, g).is_empty());
    assert_eq!(
        detected,
        Some(Grouping::Metadata("session_id".into())),
        "{how}"
    );
    let g = conversations::group(&all, &Grouping::Metadata("session_id".into()));
    let mut got: Vec<(&str, Option<i64>)> = g
        .iter()
        .map(|t| (t.id.as_str(), t.number_of_messages))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![("sess-alpha", Some(6)), ("sess-beta", Some(6))],
        "{how}"
    );
    let alpha = g.iter().find(|t| t.id == "sess-alpha").expect("alpha");
    let first = alpha
        .first_message
        .as_ref()
        .and_then(|v| messages::prettify(v, Kind::Input));
    assert_eq!(
        first.as_deref(),
        Some("Summarise this week's incidents."),
        "{how}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dify_and_session_fixtures_through_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let srv = start(&dir).await;
    let now = chrono::Utc::now();
    let f = demo_dify::dify("dify-rest", now);
    log_rest(&srv, &f).await;
    let c = client(&srv);
    check_dify(&c, "dify-rest", &f, "REST").await;
    let s = demo_dify::sessions("sessions-rest", now);
    log_rest(&srv, &s).await;
    check_sessions(&c, "sessions-rest", &s, "REST").await;
    srv.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dify_and_session_fixtures_through_the_python_sdk() {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let srv = start(&dir).await;
    let now = chrono::Utc::now();
    let f = demo_dify::dify("dify-sdk", now);
    log_sdk(&py, &srv, dir.path(), &f, "dify").await;
    let c = client(&srv);
    check_dify(&c, "dify-sdk", &f, "SDK").await;
    let s = demo_dify::sessions("sessions-sdk", now);
    log_sdk(&py, &srv, dir.path(), &s, "sessions").await;
    check_sessions(&c, "sessions-sdk", &s, "SDK").await;
    srv.shutdown().await;
}
