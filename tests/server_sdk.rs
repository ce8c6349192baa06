//! Opik Python SDK compatibility (core): the real `opik==2.2.122` SDK logs into the embedded
//! server and reads everything back with its own search/get calls (`tests/sdk/core.py`),
//! eight SDK processes logging at once lose nothing (`tests/sdk/writer.py`), and JSON keys
//! keep the order the SDK sent them in, through the SDK's REST client and opik-tui's
//! (`tests/sdk/key_order.py`).
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

/// Run `tests/sdk/SCRIPT` against `srv` logging into `project`; its stdout, which must end
/// well and contain `ok_line`.
async fn run_script(
    py: &PathBuf,
    script: &str,
    project: &str,
    srv: &ServerHandle,
    dir: &tempfile::TempDir,
    ok_line: &str,
) -> String {
    let out = sdk_command(py, script, srv, dir.path())
        .env("TEST_PROJECT", project)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains(ok_line),
        "{script} failed:\n{stdout}\n{stderr}"
    );
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_core_suite() {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let srv = start(&dir).await;
    run_script(&py, "core.py", "sdk-core", &srv, &dir, "core SDK suite OK").await;
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

/// Every object's keys in order, depth first, as `path: k1,k2,…` (what key order means).
fn key_order(v: &Value) -> Vec<String> {
    fn walk(path: String, v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                out.push(format!(
                    "{path}: {}",
                    m.keys().cloned().collect::<Vec<_>>().join(",")
                ));
                for (k, c) in m {
                    walk(format!("{path}.{k}"), c, out);
                }
            }
            Value::Array(a) => {
                for (i, c) in a.iter().enumerate() {
                    walk(format!("{path}[{i}]"), c, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(String::new(), v, &mut out);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_key_order_is_kept_end_to_end() {
    use opik_tui::opik::client::{ListQuery, OpikClient};
    use opik_tui::opik::messages::{Kind, preview};
    use opik_tui::render::json::pretty;
    use serde_json::json;

    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let srv = start(&dir).await;
    let stdout = run_script(
        &py,
        "key_order.py",
        "key-order",
        &srv,
        &dir,
        "key order SDK suite OK",
    )
    .await;
    let ids: Value = stdout
        .lines()
        .find_map(|l| l.strip_prefix("IDS "))
        .map(|l| serde_json::from_str(l).unwrap())
        .expect("the script prints the ids");
    let id = |k: &str| ids[k].as_str().unwrap().parse::<uuid::Uuid>().unwrap();

    // the same values as key_order.py (json! keeps the literal's order with preserve_order)
    let input = json!({"user_message": "Where is my parcel?", "thread_id": "ko-thread", "zeta": 1,
        "alpha": {"zulu": 1, "bravo": [{"yankee": 1, "alpha": 2}], "mike": {"z": 0, "a": 1}}});
    let output = json!({"zz_answer": "It ships today.", "reasoning": {"step_b": 1, "step_a": 2},
        "a_last": true});
    let metadata =
        json!({"z_source": "web", "customer": {"tier": "gold", "id": 7}, "a_flag": false});
    let span_input = json!({"query": "parcel", "k": 3, "filters": {"z": 1, "a": 2}});
    let span_metadata = json!({"retriever": "bm25", "index": "parcels", "a": 1});

    // the stored text, byte for byte as the server sends it
    let raw = reqwest::Client::new()
        .get(format!(
            "{}/v1/private/traces/{}",
            srv.base_url(),
            id("trace")
        ))
        .header("authorization", "key-alice")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        raw.contains(r#""input":{"user_message":"Where is my parcel?","thread_id":"ko-thread","zeta":1,"alpha":{"zulu":1,"bravo":[{"yankee":1,"alpha":2}],"mike":{"z":0,"a":1}}}"#),
        "{raw}"
    );

    // opik-tui's client: get, list (truncated), span, thread
    let mut conn = opik_tui::config::Connection::new(&srv.base_url()).unwrap();
    conn.api_key = Some("key-alice".into());
    let c = OpikClient::new(&conn).unwrap();
    let t = c.get_trace(id("trace")).await.unwrap();
    assert_eq!(key_order(t.input.as_ref().unwrap()), key_order(&input));
    assert_eq!(key_order(t.output.as_ref().unwrap()), key_order(&output));
    assert_eq!(
        key_order(t.metadata.as_ref().unwrap()),
        key_order(&metadata)
    );
    let s = c.get_span(id("span")).await.unwrap();
    assert_eq!(key_order(s.input.as_ref().unwrap()), key_order(&span_input));
    assert_eq!(
        key_order(s.metadata.as_ref().unwrap()),
        key_order(&span_metadata)
    );
    let q = ListQuery {
        project_name: Some("key-order".into()),
        ..ListQuery::default()
    };
    let page = c.list_traces(&q).await.unwrap();
    let listed = page
        .content
        .iter()
        .find(|t| t.id == Some(id("trace")))
        .unwrap();
    assert_eq!(key_order(listed.input.as_ref().unwrap()), key_order(&input));
    let decorated = page
        .content
        .iter()
        .find(|t| t.id == Some(id("decorated")))
        .unwrap();
    assert_eq!(
        preview(decorated.input.as_ref(), Kind::Input),
        r#"{"user_message":"Second question","thread_id":"ko-thread"}"#
    );

    // shown in order: the list preview, the thread's first message, pretty JSON (R, exports)
    assert!(
        preview(listed.input.as_ref(), Kind::Input).starts_with(r#"{"user_message":"Where"#),
        "{}",
        preview(listed.input.as_ref(), Kind::Input)
    );
    let threads = c.list_threads(&q).await.unwrap();
    assert_eq!(threads.content.len(), 1);
    let first = threads.content[0].first_message.as_ref().unwrap();
    assert_eq!(key_order(first), key_order(&input));
    assert!(preview(Some(first), Kind::Input).starts_with(r#"{"user_message":"#));
    let text = pretty(t.metadata.as_ref().unwrap());
    let at = |k: &str| text.find(&format!("\"{k}\"")).unwrap();
    assert!(at("z_source") < at("customer") && at("tier") < at("id") && at("id") < at("a_flag"));
    srv.shutdown().await;
}

fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}
