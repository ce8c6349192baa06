//! Filling a queue from a filter (`A`, issue 21): the client's own CPU time and the server's to
//! count and add every matching trace. Run: `cargo bench --bench fill` (10,000 matching
//! traces out of 30,000, 1,000 of them already in the queue).
//!
//! `opik-tui serve` runs as a child process, so the two CPU figures (user + system time, which
//! the machine's load does not inflate the way it inflates wall time) are each process's own.
//! Without `--bench` (`cargo test --all-targets` runs harness-less benches unoptimised) a
//! smoke run with 300 traces only checks that the benchmark still works.
#![allow(clippy::unwrap_used)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use opik_tui::config::Connection;
use opik_tui::opik::client::OpikClient;
use opik_tui::opik::filter_string::{self, Entity};
use opik_tui::opik::model::{AnnotationQueue, new_id, ts};
use opik_tui::views::queues::{FillJob, Matching};
use serde_json::json;

/// The same allocator as the `opik-tui` binary (see `src/main.rs`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// User + system CPU time of process `pid` (`self` for this one), in ms.
fn cpu_ms(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // after `(comm)`: utime and stime are fields 14 and 15 (clock ticks of 1/100 s)
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) * 10.0
}

struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(addr: &str, db: &std::path::Path) -> Serve {
    let child = Command::new(env!("CARGO_BIN_EXE_opik-tui"))
        .args(["serve", "--bind", addr, "--db"])
        .arg(db)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("opik-tui serve starts");
    let start = Instant::now();
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "serve never listened"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Serve(child)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let total: usize = if full { 30_000 } else { 300 };
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let srv = serve(&addr, &dir.path().join("opik.db"));
    let base = format!("http://{addr}/api");
    let client = OpikClient::new(&Connection {
        base_url: base.clone(),
        api_key: None,
        workspace: "default".into(),
        project: Some("fill".into()),
        explicit: true,
    })
    .unwrap();
    let http = reqwest::Client::new();
    // Every third trace thumbed down; logged 1000 at a time.
    let now = Utc::now();
    let mut down = Vec::new();
    for chunk in (0..total).collect::<Vec<_>>().chunks(1000) {
        let mut traces = Vec::new();
        let mut scores = Vec::new();
        for &i in chunk {
            let id = new_id();
            traces.push(
                json!({"id": id, "project_name": "fill", "name": format!("t{i}"),
                "start_time": ts::format(&(now - chrono::Duration::milliseconds(i as i64))),
                "input": {"q": format!("question {i}")}, "output": {"a": "answer"}}),
            );
            if i % 3 == 0 {
                down.push(id);
                scores.push(json!({"id": id, "project_name": "fill",
                    "name": "User feedback", "value": 0, "source": "ui"}));
            }
        }
        for (path, body) in [
            ("traces/batch", json!({ "traces": traces })),
            ("traces/feedback-scores", json!({ "scores": scores })),
        ] {
            let m = if path == "traces/batch" {
                reqwest::Method::POST
            } else {
                reqwest::Method::PUT
            };
            let r = http
                .request(m, format!("{base}/v1/private/{path}"))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "{path}: {}", r.status());
        }
    }
    let queue = client
        .create_queue(&AnnotationQueue {
            project_name: Some("fill".into()),
            name: "SMEs".into(),
            scope: "trace".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let already = down.len() / 10;
    client
        .add_queue_items(queue, &down[..already])
        .await
        .unwrap();

    let m = Matching::Traces {
        project: "fill".into(),
        filters: filter_string::parse(r#"feedback_scores."User feedback" = 0"#, Entity::Traces)
            .unwrap(),
        search: None,
    };
    let server_pid = srv.0.id().to_string();
    let (me0, srv0, t0) = (cpu_ms("self"), cpu_ms(&server_pid), Instant::now());
    let until = Utc::now();
    let count = m.count(&client, until).await.unwrap();
    let p = FillJob::new(&client, &m, queue, until).run().await.unwrap();
    let (me1, srv1, wall) = (cpu_ms("self"), cpu_ms(&server_pid), t0.elapsed());
    assert_eq!(count as usize, down.len());
    assert_eq!(p.added as usize, down.len() - already, "{p:?}");
    println!(
        "fill: {} matching of {total} ({} already in the queue): added {} in {:.2} s wall; \
         client CPU {:.0} ms ({:.1} ms per 1000), server CPU {:.0} ms ({:.1} ms per 1000)",
        count,
        p.already,
        p.added,
        wall.as_secs_f64(),
        me1 - me0,
        (me1 - me0) / (count as f64 / 1000.0),
        srv1 - srv0,
        (srv1 - srv0) / (count as f64 / 1000.0),
    );
}
