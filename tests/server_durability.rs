//! Durability of the real `opik-tui serve` binary: every write answered 2xx survives `kill -9`
//! (ingest, SIGKILL mid-stream, restart, count), batches stay all-or-nothing across the crash,
//! and SIGTERM shuts down gracefully.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use opik_tui::opik::model::new_id;
use serde_json::{Value, json};

/// Start `opik-tui serve` on a free port; returns the child and its base URL.
fn serve(db: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_opik-tui"))
        .args(["serve", "--bind", "127.0.0.1:0", "--db"])
        .arg(db)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run opik-tui serve");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("serve printed nothing").unwrap();
    let url = first
        .rsplit(' ')
        .next()
        .filter(|u| u.starts_with("http://"))
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_string();
    // keep draining stdout so the server never blocks on a full pipe
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

fn batch(n: usize, tag: &str) -> Value {
    let traces: Vec<Value> = (0..n)
        .map(|i| {
            json!({"id": new_id(), "project_name": "durable", "name": format!("{tag}-{i}"),
                   "start_time": "2026-11-21T10:00:00Z", "input": {"i": i}})
        })
        .collect();
    json!({ "traces": traces })
}

async fn count(c: &reqwest::Client, url: &str) -> i64 {
    let v: Value = c
        .get(format!(
            "{url}/v1/private/traces?project_name=durable&size=1"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["total"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("durable.db");
    let (mut child, url) = serve(&db);
    let c = reqwest::Client::new();
    const BATCH: usize = 50;
    // 1. acknowledged batches, then kill -9 right after the last 204
    let mut acked = 0i64;
    for b in 0..10 {
        let r = c
            .post(format!("{url}/v1/private/traces/batch"))
            .json(&batch(BATCH, &format!("a{b}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        acked += BATCH as i64;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let (mut child, url) = serve(&db);
    assert_eq!(
        count(&c, &url).await,
        acked,
        "every acknowledged trace survived kill -9"
    );

    // 2. kill -9 while writers are mid-stream: everything acknowledged is there, and no batch is half-written
    let writer = {
        let c = c.clone();
        let url = url.clone();
        tokio::spawn(async move {
            let mut ok = 0i64;
            for b in 0.. {
                let r = c
                    .post(format!("{url}/v1/private/traces/batch"))
                    .json(&batch(BATCH, &format!("b{b}")))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status() == 204 => ok += BATCH as i64,
                    _ => break,
                }
            }
            ok
        })
    };
    // kill once the writer is well under way (no fixed sleep: wait until batches land)
    let start = std::time::Instant::now();
    while count(&c, &url).await < acked + 3 * BATCH as i64 {
        if start.elapsed() > std::time::Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the writer got fewer than 3 batches in within 30 s");
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let acked_b = writer.await.unwrap();
    assert!(
        acked_b > 0,
        "the writer got some batches in before the kill"
    );

    let (mut child, url) = serve(&db);
    let n = count(&c, &url).await;
    assert!(
        n >= acked + acked_b,
        "lost acknowledged writes: {n} < {}",
        acked + acked_b
    );
    assert_eq!(n % BATCH as i64, 0, "a batch was half-written: {n}");

    // 3. SIGTERM: graceful exit with status 0, data intact
    let st = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "serve exited with {status} on SIGTERM");
    let (mut child, url) = serve(&db);
    assert_eq!(count(&c, &url).await, n);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn serve_refuses_public_bind_without_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_opik-tui"))
        .args(["serve", "--bind", "0.0.0.0:0", "--db"])
        .arg(dir.path().join("x.db"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--api-key"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_opik-tui"))
        .args(["serve", "--bind", "nonsense"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--bind"));
}
