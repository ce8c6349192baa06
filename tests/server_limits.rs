//! Hostile bodies against `opik-tui serve` (a child process, so its memory can be measured):
//! JSON and OTLP protobuf "bombs" get a fast 4xx, attachments stream to disk, and the server's
//! peak RSS (VmHWM) stays bounded after all of it.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Child_ {
    child: Child,
    base: String,
}

impl Drop for Child_ {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(extra: &[&str]) -> (Child_, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let addr = common::free_addr();
    let child = Command::new(common::BIN)
        .args(["serve", "--bind", &addr, "--db"])
        .arg(dir.path().join("t.db"))
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("opik-tui serve starts");
    let start = Instant::now();
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "serve never listened"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (
        Child_ {
            child,
            base: format!("http://{addr}/api"),
        },
        dir,
    )
}

/// Peak resident memory of a process, in MiB.
fn vm_hwm_mib(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = s.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb / 1024
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn varint(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn wrap(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    varint(&mut out, content.len());
    out.extend(content);
    out
}

/// `n` empty spans in one ScopeSpans, as an ExportTraceServiceRequest.
fn otlp_empty_spans(n: usize) -> Vec<u8> {
    let spans = [0x12u8, 0x00].repeat(n);
    wrap(0x0a, &wrap(0x12, &spans))
}

/// Send `body`; the status and how long the answer took.
async fn post(
    c: &reqwest::Client,
    url: &str,
    body: Vec<u8>,
    h: &[(&str, &str)],
) -> (u16, Duration, String) {
    send(c, reqwest::Method::POST, url, body, h).await
}

async fn send(
    c: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Vec<u8>,
    headers: &[(&str, &str)],
) -> (u16, Duration, String) {
    let t = Instant::now();
    let mut rb = c.request(method, url).body(body);
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    let r = rb.send().await.unwrap();
    let s = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    (s, t.elapsed(), text)
}

const JSON: (&str, &str) = ("content-type", "application/json");
const GZIP: (&str, &str) = ("content-encoding", "gzip");

#[tokio::test(flavor = "multi_thread")]
async fn bombs_get_a_fast_4xx_and_memory_stays_bounded() {
    let (srv, _dir) = serve(&[]);
    let c = reqwest::Client::new();
    let traces = format!("{}/v1/private/traces/batch", srv.base);
    let quick = Duration::from_secs(10);

    // 1. gzip of {"traces":[{},{},…]}: millions of records in a few KB.
    let bomb = format!("{{\"traces\":[{}]}}", vec!["{}"; 5_000_000].join(","));
    let gz = gzip(bomb.as_bytes());
    assert!(gz.len() < 100_000, "{}", gz.len());
    let (s, t, text) = post(&c, &traces, gz, &[JSON, GZIP]).await;
    assert_eq!(s, 400, "{text}");
    assert!(
        text.contains("traces size must be between 1 and 1000"),
        "{text}"
    );
    assert!(t < quick, "{t:?}");

    // The same for spans and feedback scores.
    for (method, path, key) in [
        ("POST", "spans/batch", "spans"),
        ("PUT", "traces/feedback-scores", "scores"),
        ("PUT", "spans/feedback-scores", "scores"),
        ("PUT", "traces/threads/feedback-scores", "scores"),
        ("POST", "traces/delete", "ids"),
    ] {
        let bomb = format!("{{\"{key}\":[{}]}}", vec!["{}"; 2_000_000].join(","));
        let (s, t, text) = send(
            &c,
            method.parse().unwrap(),
            &format!("{}/v1/private/{path}", srv.base),
            gzip(bomb.as_bytes()),
            &[JSON, GZIP],
        )
        .await;
        assert_eq!(s, 400, "{path}: {text}");
        assert!(text.contains(&format!("{key} size must be")), "{text}");
        assert!(t < quick, "{t:?}");
    }

    // 2. Plain ~60 MB of empty objects inside one trace's input (within the body limit).
    let id = opik_tui::opik::model::new_id();
    let one = json!({"traces": [{"id": id, "name": "x", "start_time": "2024-01-01T00:00:00Z",
        "input": {"a": "PLACEHOLDER"}}]})
    .to_string();
    let big = one.replace(
        "\"PLACEHOLDER\"",
        &format!("[{}]", vec!["{}"; 20_000_000].join(",")),
    );
    assert!(big.len() < 64 * 1024 * 1024);
    let (s, t, text) = post(&c, &traces, big.into_bytes(), &[JSON]).await;
    assert_eq!(s, 413, "{text}");
    assert!(t < quick, "{t:?}");

    // 3. OTLP protobuf: gzip of millions of empty spans.
    let otlp = format!("{}/v1/private/otel/v1/traces", srv.base);
    let pb = gzip(&otlp_empty_spans(30_000_000));
    assert!(pb.len() < 200_000, "{}", pb.len());
    let (s, t, text) = post(
        &c,
        &otlp,
        pb,
        &[("content-type", "application/x-protobuf"), GZIP],
    )
    .await;
    assert_eq!(s, 413, "{text}");
    assert!(text.contains("spans"), "{text}");
    assert!(t < quick, "{t:?}");

    // 4. OTLP JSON with too many spans.
    let spans: Vec<Value> = (0..10_001).map(|_| json!({})).collect();
    let body = json!({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}).to_string();
    let (s, _, text) = post(&c, &otlp, gzip(body.as_bytes()), &[JSON, GZIP]).await;
    assert_eq!(s, 413, "{text}");

    // A normal batch still works afterwards.
    let ok = json!({"traces": [{"id": id, "name": "ok", "start_time": "2024-01-01T00:00:00Z"}]});
    let (s, _, text) = post(&c, &traces, ok.to_string().into_bytes(), &[JSON]).await;
    assert_eq!(s, 204, "{text}");

    // The heaviest bodies still allowed are stored, within the same memory bound.
    for item in ["1", "{\"a\":1}"] {
        let n = if item == "1" { 1_900_000 } else { 150_000 };
        let heavy = one.replace("\"PLACEHOLDER\"", &format!("[{}]", vec![item; n].join(",")));
        let (s, _, text) = post(&c, &traces, heavy.into_bytes(), &[JSON]).await;
        assert_eq!(s, 204, "{text}");
    }

    // A parsed JSON value is 72 bytes (serde_json keeps key order: `preserve_order`), so the
    // heaviest allowed body (2,000,000 values) peaks at ~450 MB, ~330 MB measured alone.
    let peak = vm_hwm_mib(srv.child.id());
    eprintln!("server peak RSS: {peak} MiB");
    assert!(peak < 550, "server peak RSS {peak} MiB");
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_big_uploads_stream_to_disk_and_oversize_is_refused() {
    let (srv, _dir) = serve(&["--max-attachment-mb", "80"]);
    let c = reqwest::Client::new();
    let trace = uuid::Uuid::now_v7();
    let put = |name: &str, mb: usize| {
        let url = format!(
            "{}/v1/private/attachment/upload?file_name={name}&entity_type=trace&entity_id={trace}&mime_type=application/octet-stream",
            srv.base
        );
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            (0..mb * 4).map(|i| Ok(vec![i as u8; 256 * 1024])).collect();
        let body = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
        c.put(url).body(body).send()
    };
    // Four 70 MB uploads at once (chunked, no Content-Length): all stored.
    let rs = futures::future::join_all((0..4).map(|i| put(&format!("f{i}"), 70))).await;
    for r in rs {
        assert_eq!(r.unwrap().status().as_u16(), 204);
    }
    // Four downloads at once stream back from the database.
    let get = |name: String| {
        let url = format!(
            "{}/v1/private/attachment/download?file_name={name}&entity_type=trace&entity_id={trace}",
            srv.base
        );
        let c = c.clone();
        async move {
            let r = c.get(url).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 200);
            let mut stream = r.bytes_stream();
            let mut n = 0usize;
            while let Some(chunk) = futures::StreamExt::next(&mut stream).await {
                n += chunk.unwrap().len();
            }
            n
        }
    };
    let sizes = futures::future::join_all((0..4).map(|i| get(format!("f{i}")))).await;
    assert_eq!(sizes, vec![70 * 1024 * 1024; 4]);
    // One over the limit: 413 (the body is cut off while it streams in). The server answers
    // and closes before the client has sent everything, so a client still writing may see
    // the connection reset instead of the answer; then the upload must not be stored.
    let r = put("big", 90).await;
    match r {
        Ok(r) => assert_eq!(r.status().as_u16(), 413),
        Err(e) => {
            assert!(e.is_request() || e.is_body(), "expected a 413, got {e}");
            let url = format!(
                "{}/v1/private/attachment/download?file_name=big&entity_type=trace&entity_id={trace}",
                srv.base
            );
            let r = c.get(url).send().await.expect("the server still answers");
            assert_eq!(r.status().as_u16(), 404, "the cut-off upload is not stored");
        }
    }
    let peak = vm_hwm_mib(srv.child.id());
    eprintln!("server peak RSS: {peak} MiB");
    assert!(peak < 400, "server peak RSS {peak} MiB");
}
