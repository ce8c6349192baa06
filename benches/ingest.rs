//! Ingest and query benchmark for the embedded server (a release-mode bench binary:
//! `benches/run.sh` runs it with `cargo bench`). Without `--bench` (as `cargo test
//! --all-targets` runs harness-less bench binaries) it makes a smoke run only: at most 2000
//! spans per phase and 2 timing runs, to check that the benchmark still works.
//!
//! The server runs in a child process (this binary re-executed with `BENCH_ROLE=server`), so
//! its memory is measured alone. Measured, over real HTTP with 4 concurrent senders:
//! 1. OTLP/HTTP protobuf ingest of `BENCH_SPANS` spans (10 per trace, 1000 per request),
//!    counted as acknowledged **and** queryable: the clock stops when every request has been
//!    answered and `spans/stats` reports every span (a 200 is only sent after the commit);
//! 2. the SDK batch endpoints on `BENCH_SDK_SPANS` more spans (`traces/batch` +
//!    `spans/batch`, 1000 records per request; bodies serialised before the clock starts);
//! 3. at that size: a filtered, sorted page of 100 traces (p50/p90 of 30 runs) and 30-day
//!    metrics requests (p50 of 20 runs);
//! 4. the server's peak RSS while ingesting, the database size per million spans, and the
//!    server's CPU time per 1000 spans (a figure the machine's load does not inflate);
//! 5. with `PHOENIX_BIN` set: Arize Phoenix (`phoenix serve`, SQLite) on `BENCH_PHOENIX_SPANS`
//!    OTLP spans, acknowledged and then queryable (rows in its `spans` table), and ours on the
//!    same payloads in the same run, for the ratio.
//!
//! Defaults: `BENCH_SPANS=1000000`, `BENCH_SDK_SPANS=200000`, `BENCH_PHOENIX_SPANS=20000`.
//! `BENCH_KEEP_DB=path` builds the database there and keeps it (to study query plans).
//! Output: a human summary and one `RESULT key=value` line per figure.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue, KeyValue, any_value};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};
use prost::Message;
use serde_json::{Value, json};

/// The same allocator as the `opik-tui` binary (see `src/main.rs`), so the server child
/// measures what `opik-tui serve` runs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SPANS_PER_TRACE: usize = 10;
const SPANS_PER_REQUEST: usize = 1000;
const SENDERS: usize = 4;

static SMOKE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn env_usize(k: &str, d: usize) -> usize {
    if SMOKE.load(Ordering::Relaxed) {
        return 2000.min(d);
    }
    std::env::var(k)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(d)
}

fn runs(n: usize) -> usize {
    if SMOKE.load(Ordering::Relaxed) { 2 } else { n }
}

fn main() {
    if std::env::var("BENCH_ROLE").as_deref() == Ok("server") {
        return run_server();
    }
    // `cargo bench` passes `--bench`. Without it (`cargo test --all-targets` runs harness-less
    // bench binaries too) only a tiny smoke run checks that the benchmark still works.
    if !std::env::args().any(|a| a == "--bench") {
        SMOKE.store(true, Ordering::Relaxed);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(run());
}

/// Child role: serve the given database on the given port until killed.
fn run_server() {
    let db = PathBuf::from(std::env::var("BENCH_DB").expect("BENCH_DB"));
    let port: u16 = std::env::var("BENCH_PORT")
        .expect("BENCH_PORT")
        .parse()
        .expect("port");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async move {
        let h = opik_tui::server::spawn(opik_tui::server::ServerConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], port)),
            db_path: db,
            api_key: None,
            users_file: None,
        })
        .await
        .expect("server");
        println!("ready {}", h.base_url());
        loop {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    });
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

struct Child {
    child: std::process::Child,
    base: String,
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Child {
    fn rss_peak_kb(&self) -> u64 {
        proc_status(self.child.id(), "VmHWM:")
    }
    fn rss_kb(&self) -> u64 {
        proc_status(self.child.id(), "VmRSS:")
    }
    /// The server's CPU time so far (user + system), in ms: a figure the machine's load
    /// does not inflate the way it inflates wall time.
    fn cpu_ms(&self) -> f64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // fields after the `(comm)`: state is field 3, utime 14, stime 15
        let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
        let f: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        // clock ticks are 1/100 s on Linux
        (ticks(11) + ticks(12)) * 10.0
    }
}

fn proc_status(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

async fn start_server(db: &Path) -> Child {
    let port = free_port();
    let exe = std::env::current_exe().expect("exe");
    let child = Child {
        child: std::process::Command::new(exe)
            .env("BENCH_ROLE", "server")
            .env("BENCH_DB", db)
            .env("BENCH_PORT", port.to_string())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("spawn server"),
        base: format!("http://127.0.0.1:{port}/api"),
    };
    let base = child.base.clone();
    let c = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(r) = c.get(format!("{base}/is-alive/ping")).send().await
            && r.status().is_success()
        {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the bench server did not start");
}

// ------------------------------------------------------------------ payloads

fn kv(k: &str, v: any_value::Value) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: Some(AnyValue { value: Some(v) }),
    }
}
fn sv(k: &str, v: impl Into<String>) -> KeyValue {
    kv(k, any_value::Value::StringValue(v.into()))
}
fn iv(k: &str, v: i64) -> KeyValue {
    kv(k, any_value::Value::IntValue(v))
}

/// A small deterministic PRNG (xorshift), so every run and both servers get the same data.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Request `n` of a run: 100 traces of 10 spans, spread over the 30 days before `now_ns`.
fn otlp_request(
    n: usize,
    total_requests: usize,
    now_ns: u64,
    project: &str,
    seed: u64,
) -> ExportTraceServiceRequest {
    let mut rng = Rng((seed ^ (n as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1);
    let traces_per_req = SPANS_PER_REQUEST / SPANS_PER_TRACE;
    let total_traces = (total_requests * traces_per_req).max(1) as u64;
    let window = 29 * 86_400 * 1_000_000_000u64;
    let mut spans = Vec::with_capacity(SPANS_PER_REQUEST);
    for t in 0..traces_per_req {
        let global = (n * traces_per_req + t) as u64;
        let start = now_ns - window + window / total_traces * global;
        let mut tid = [0u8; 16];
        tid[..8].copy_from_slice(&rng.next().to_be_bytes());
        tid[8..].copy_from_slice(&(seed ^ global).to_be_bytes());
        let root_sid = rng.next().to_be_bytes().to_vec();
        let dur = 200 + rng.next() % 4000;
        let session = format!("session-{}", global / 5);
        let mut root = Span {
            trace_id: tid.to_vec(),
            span_id: root_sid.clone(),
            name: "agent-run".into(),
            kind: 2,
            start_time_unix_nano: start,
            end_time_unix_nano: start + dur * 1_000_000,
            attributes: vec![
                sv("openinference.span.kind", "CHAIN"),
                sv(
                    "input.value",
                    format!(
                        "User question number {global}: what is the status of order {}? Please answer briefly and cite the source.",
                        rng.next() % 100_000
                    ),
                ),
                sv(
                    "output.value",
                    format!(
                        "Order {} shipped on day {} and will arrive within three business days.",
                        rng.next() % 100_000,
                        global % 28
                    ),
                ),
                sv("session.id", session),
                kv(
                    "tag.tags",
                    any_value::Value::ArrayValue(ArrayValue {
                        values: vec![AnyValue {
                            value: Some(any_value::Value::StringValue(
                                if global.is_multiple_of(2) {
                                    "prod"
                                } else {
                                    "dev"
                                }
                                .into(),
                            )),
                        }],
                    }),
                ),
            ],
            ..Default::default()
        };
        if global.is_multiple_of(50) {
            root.status = Some(Status {
                code: 2,
                message: "upstream timeout".into(),
            });
        }
        spans.push(root);
        for k in 1..SPANS_PER_TRACE {
            let s0 = start + (k as u64) * dur * 1_000_000 / (SPANS_PER_TRACE as u64 + 1);
            let llm = k % 3 == 1;
            let mut attrs = vec![sv(
                "openinference.span.kind",
                if llm {
                    "LLM"
                } else if k % 3 == 2 {
                    "TOOL"
                } else {
                    "RETRIEVER"
                },
            )];
            if llm {
                attrs.extend([
                    sv("llm.model_name", "gpt-4o-mini"),
                    sv("llm.provider", "openai"),
                    sv("llm.input_messages.0.message.role", "system"),
                    sv(
                        "llm.input_messages.0.message.content",
                        "You are a helpful support agent. Answer using the order database.",
                    ),
                    sv("llm.input_messages.1.message.role", "user"),
                    sv(
                        "llm.input_messages.1.message.content",
                        format!("What is the status of order {}?", rng.next() % 100_000),
                    ),
                    sv("llm.output_messages.0.message.role", "assistant"),
                    sv(
                        "llm.output_messages.0.message.content",
                        "The order shipped yesterday.",
                    ),
                    iv("llm.token_count.prompt", (50 + rng.next() % 500) as i64),
                    iv("llm.token_count.completion", (10 + rng.next() % 200) as i64),
                ]);
            } else {
                attrs.push(sv(
                    "input.value",
                    format!("{{\"query\": \"order {}\"}}", rng.next() % 100_000),
                ));
                attrs.push(sv("output.value", "{\"rows\": 1}"));
            }
            spans.push(Span {
                trace_id: tid.to_vec(),
                span_id: rng.next().to_be_bytes().to_vec(),
                parent_span_id: root_sid.clone(),
                name: if llm {
                    "llm-call".into()
                } else {
                    format!("step-{k}")
                },
                kind: 1,
                start_time_unix_nano: s0,
                end_time_unix_nano: s0 + dur * 1_000_000 / 20,
                attributes: attrs,
                ..Default::default()
            });
        }
    }
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![
                    sv("service.name", project),
                    sv("openinference.project.name", project),
                ],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                scope: None,
                spans,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

/// Run request `0..requests` through `send` on `SENDERS` concurrent senders sharing one
/// client, each taking the next request number; returns the elapsed time.
async fn fan_out<F, Fut>(requests: usize, send: F) -> Duration
where
    F: Fn(reqwest::Client, usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let c = reqwest::Client::new();
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..SENDERS {
        let next = next.clone();
        let c = c.clone();
        let send = send.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= requests {
                    break;
                }
                send(c.clone(), n).await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("sender");
    }
    t0.elapsed()
}

/// Send `requests` OTLP requests to `url` with `SENDERS` concurrent senders; returns elapsed.
async fn send_otlp(url: &str, requests: usize, now_ns: u64, project: &str, seed: u64) -> Duration {
    let url = url.to_string();
    let project = project.to_string();
    fan_out(requests, move |c, n| {
        let url = url.clone();
        let project = project.clone();
        async move {
            let body = otlp_request(n, requests, now_ns, &project, seed).encode_to_vec();
            let mut tries = 0;
            loop {
                let r = c
                    .post(&url)
                    .header("content-type", "application/x-protobuf")
                    .body(body.clone())
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().is_success() => break,
                    Ok(r) if tries < 5 => {
                        eprintln!("retrying request {n}: {}", r.status());
                    }
                    Err(e) if tries < 5 => eprintln!("retrying request {n}: {e}"),
                    other => panic!("request {n} failed: {other:?}"),
                }
                tries += 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    })
    .await
}

/// The same data as SDK batch records (`traces/batch` + `spans/batch`).
fn sdk_batches(n: usize, total_requests: usize, now_ns: u64, project: &str) -> (Value, Value) {
    let req = otlp_request(n, total_requests, now_ns, project, 7);
    let mut resolver = opik_tui::server::otlp::MemoryResolver::default();
    let m = opik_tui::server::otlp::map_request(&req, None, &mut resolver);
    (json!({"traces": m.traces}), json!({"spans": m.spans}))
}

/// The SDK bodies are serialised before the clock starts: a real SDK builds them in the
/// application's process, and on a 2-core machine building them here would take CPU from the
/// server being measured.
async fn send_sdk(base: &str, requests: usize, now_ns: u64, project: &str) -> Duration {
    let bodies: Arc<Vec<(Vec<u8>, Vec<u8>)>> = Arc::new(
        (0..requests)
            .map(|n| {
                let (traces, spans) = sdk_batches(n, requests, now_ns, project);
                (
                    serde_json::to_vec(&traces).expect("json"),
                    serde_json::to_vec(&spans).expect("json"),
                )
            })
            .collect(),
    );
    let base = base.to_string();
    fan_out(requests, move |c, n| {
        let base = base.clone();
        let bodies = bodies.clone();
        async move {
            let (traces, spans) = &bodies[n];
            for (path, body) in [("traces/batch", traces), ("spans/batch", spans)] {
                let r = c
                    .post(format!("{base}/v1/private/{path}"))
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .expect("send");
                assert!(r.status().is_success(), "{path}: {}", r.status());
            }
        }
    })
    .await
}

async fn span_count(c: &reqwest::Client, base: &str, project: &str) -> i64 {
    let v: Value = c
        .get(format!(
            "{base}/v1/private/spans/stats?project_name={project}"
        ))
        .send()
        .await
        .expect("stats")
        .json()
        .await
        .expect("json");
    v["stats"][0]["value"].as_i64().unwrap_or(-1)
}

fn pct(mut v: Vec<f64>, q: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * q).round() as usize]
}

async fn time_get(c: &reqwest::Client, url: &str, runs: usize) -> (f64, f64) {
    let mut ms = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let r = c.get(url).send().await.expect("get");
        assert!(r.status().is_success(), "{url}: {}", r.status());
        let _ = r.bytes().await;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    (pct(ms.clone(), 0.5), pct(ms, 0.9))
}

async fn time_post(c: &reqwest::Client, url: &str, body: &Value, runs: usize) -> (f64, f64) {
    let mut ms = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let r = c.post(url).json(body).send().await.expect("post");
        assert!(r.status().is_success(), "{url}: {}", r.status());
        let _ = r.bytes().await;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    (pct(ms.clone(), 0.5), pct(ms, 0.9))
}

fn dir_size(db: &Path) -> u64 {
    ["", "-wal", "-shm"]
        .iter()
        .map(|s| {
            std::fs::metadata(format!("{}{s}", db.display()))
                .map(|m| m.len())
                .unwrap_or(0)
        })
        .sum()
}

fn result(k: &str, v: impl std::fmt::Display) {
    println!("RESULT {k}={v}");
}

async fn run() {
    let spans = env_usize("BENCH_SPANS", 1_000_000);
    let sdk_spans = env_usize("BENCH_SDK_SPANS", 200_000);
    let phoenix_spans = env_usize("BENCH_PHOENIX_SPANS", 20_000);
    let requests = spans.div_ceil(SPANS_PER_REQUEST);
    let now_ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let dir = tempfile::tempdir().expect("tempdir");
    // BENCH_KEEP_DB=path: build the database there and keep it (to study query plans).
    let db = match std::env::var("BENCH_KEEP_DB") {
        Ok(p) if !p.is_empty() => PathBuf::from(p),
        _ => dir.path().join("bench.db"),
    };
    let srv = start_server(&db).await;
    let c = reqwest::Client::new();
    let base = srv.base.clone();
    println!(
        "server {base}, {} cores",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    let rss0 = srv.rss_kb();
    let cpu0 = srv.cpu_ms();

    // 1. OTLP ingest.
    let elapsed = send_otlp(
        &format!("{base}/v1/private/otel/v1/traces"),
        requests,
        now_ns,
        "bench-otlp",
        1,
    )
    .await;
    let n = span_count(&c, &base, "bench-otlp").await;
    let elapsed_q = elapsed;
    assert_eq!(
        n as usize,
        requests * SPANS_PER_REQUEST,
        "every acknowledged span is queryable"
    );
    let otlp_rate = n as f64 / elapsed_q.as_secs_f64();
    println!(
        "OTLP ingest: {n} spans in {:.1}s = {otlp_rate:.0} spans/s (acknowledged and queryable)",
        elapsed_q.as_secs_f64()
    );
    result("otlp_spans", n);
    result("otlp_spans_per_s", format!("{otlp_rate:.0}"));
    let cpu1 = srv.cpu_ms();
    let otlp_cpu = (cpu1 - cpu0) / (n as f64 / 1000.0);
    println!("  server CPU: {otlp_cpu:.1} ms per 1000 spans");
    result("otlp_server_cpu_ms_per_1k_spans", format!("{otlp_cpu:.1}"));
    let peak_kb = srv.rss_peak_kb();
    result(
        "server_rss_start_mb",
        format!("{:.0}", rss0 as f64 / 1024.0),
    );
    result(
        "server_rss_peak_mb",
        format!("{:.0}", peak_kb as f64 / 1024.0),
    );
    let size = dir_size(&db);
    result(
        "db_mb_per_million_spans",
        format!("{:.0}", size as f64 / 1e6 / (n as f64 / 1e6)),
    );

    // 2. SDK batch endpoints.
    let sdk_requests = sdk_spans.div_ceil(SPANS_PER_REQUEST);
    let e = send_sdk(&base, sdk_requests, now_ns, "bench-sdk").await;
    let n_sdk = span_count(&c, &base, "bench-sdk").await;
    assert_eq!(n_sdk as usize, sdk_requests * SPANS_PER_REQUEST);
    let sdk_rate = n_sdk as f64 / e.as_secs_f64();
    println!(
        "SDK batch ingest: {n_sdk} spans in {:.1}s = {sdk_rate:.0} spans/s",
        e.as_secs_f64()
    );
    result("sdk_spans_per_s", format!("{sdk_rate:.0}"));
    let sdk_cpu = (srv.cpu_ms() - cpu1) / (n_sdk as f64 / 1000.0);
    println!("  server CPU: {sdk_cpu:.1} ms per 1000 spans");
    result("sdk_server_cpu_ms_per_1k_spans", format!("{sdk_cpu:.1}"));
    result(
        "server_rss_peak_mb_after_sdk",
        format!("{:.0}", srv.rss_peak_kb() as f64 / 1024.0),
    );

    // 3. Queries at this size.
    let total = n + n_sdk;
    result("total_spans", total);
    let filters = percent_encoding::utf8_percent_encode(
        r#"[{"field":"tags","operator":"contains","value":"prod"}]"#,
        percent_encoding::NON_ALPHANUMERIC,
    )
    .to_string();
    let url = format!(
        "{base}/v1/private/traces?project_name=bench-otlp&size=100&page=1&truncate=true&filters={filters}"
    );
    let (p50, p90) = time_get(&c, &url, runs(30)).await;
    println!(
        "filtered page of 100 traces (tags contains prod, newest first): p50 {p50:.1} ms, p90 {p90:.1} ms"
    );
    result("page_filtered_p50_ms", format!("{p50:.1}"));
    result("page_filtered_p90_ms", format!("{p90:.1}"));
    let sorting = percent_encoding::utf8_percent_encode(
        r#"[{"field":"start_time","direction":"DESC"}]"#,
        percent_encoding::NON_ALPHANUMERIC,
    )
    .to_string();
    let (p50, p90) = time_get(&c, &format!("{url}&sorting={sorting}"), runs(30)).await;
    println!("same, sorted by start_time: p50 {p50:.1} ms, p90 {p90:.1} ms");
    result("page_filtered_start_time_p50_ms", format!("{p50:.1}"));
    result("page_filtered_start_time_p90_ms", format!("{p90:.1}"));

    let pid: Value = c
        .post(format!("{base}/v1/private/projects/retrieve"))
        .json(&json!({"name": "bench-otlp"}))
        .send()
        .await
        .expect("retrieve")
        .json()
        .await
        .expect("json");
    let pid = pid["id"].as_str().expect("project id").to_string();
    let start = chrono::Utc::now() - chrono::Duration::days(30);
    for mt in ["TRACE_COUNT", "DURATION", "TOKEN_USAGE", "COST"] {
        let body = json!({"metric_type": mt, "interval": "DAILY",
            "interval_start": opik_tui::opik::model::ts::format(&start)});
        let (p50, p90) = time_post(
            &c,
            &format!("{base}/v1/private/projects/{pid}/metrics"),
            &body,
            runs(20),
        )
        .await;
        println!("30-day {mt} metrics (DAILY): p50 {p50:.1} ms, p90 {p90:.1} ms");
        result(
            &format!("metrics_{}_p50_ms", mt.to_lowercase()),
            format!("{p50:.1}"),
        );
    }
    let (p50, _) = time_get(
        &c,
        &format!("{base}/v1/private/traces/stats?project_name=bench-otlp"),
        5,
    )
    .await;
    result("trace_stats_p50_ms", format!("{p50:.1}"));
    drop(srv);

    // 5. Phoenix on the same payloads, and ours again on a fresh database, same run.
    if let Ok(phx) = std::env::var("PHOENIX_BIN")
        && !SMOKE.load(Ordering::Relaxed)
    {
        let phx_requests = phoenix_spans.div_ceil(SPANS_PER_REQUEST);
        let db2 = dir.path().join("cmp.db");
        let ours = start_server(&db2).await;
        let t = send_otlp(
            &format!("{}/v1/traces", ours.base),
            phx_requests,
            now_ns,
            "bench-cmp",
            3,
        )
        .await;
        let n_ours = span_count(&c, &ours.base, "bench-cmp").await;
        let ours_rate = n_ours as f64 / t.as_secs_f64();
        println!("ours, {n_ours} spans: {ours_rate:.0} spans/s acknowledged and queryable");
        result("cmp_ours_spans_per_s", format!("{ours_rate:.0}"));
        result(
            "cmp_ours_rss_peak_mb",
            format!("{:.0}", ours.rss_peak_kb() as f64 / 1024.0),
        );
        drop(ours);
        match phoenix(&phx, phx_requests, now_ns).await {
            Ok((ack, queryable, n, rss)) => {
                let ack_rate = n as f64 / ack.as_secs_f64();
                let q_rate = n as f64 / queryable.as_secs_f64();
                println!(
                    "Phoenix, {n} spans: {ack_rate:.0} spans/s acknowledged, {q_rate:.0} spans/s queryable"
                );
                result("phoenix_ack_spans_per_s", format!("{ack_rate:.0}"));
                result("phoenix_queryable_spans_per_s", format!("{q_rate:.0}"));
                result("phoenix_rss_peak_mb", format!("{:.0}", rss as f64 / 1024.0));
                result(
                    "ratio_ours_over_phoenix_queryable",
                    format!("{:.1}", ours_rate / q_rate),
                );
            }
            Err(e) => {
                println!("Phoenix could not be measured: {e}");
                result("phoenix_error", e.replace(' ', "_"));
            }
        }
    }
}

/// Run `phoenix serve` on a fresh working dir, send the payloads, wait until its SQLite holds
/// every span. Returns (acknowledged, queryable, spans, peak RSS kB).
async fn phoenix(
    bin: &str,
    requests: usize,
    now_ns: u64,
) -> Result<(Duration, Duration, i64, u64), String> {
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let port = free_port();
    let grpc = free_port();
    let log = std::fs::File::create(work.path().join("phoenix.log")).map_err(|e| e.to_string())?;
    let mut child = std::process::Command::new(bin)
        .arg("serve")
        .env("PHOENIX_WORKING_DIR", work.path())
        .env("PHOENIX_HOST", "127.0.0.1")
        .env("PHOENIX_PORT", port.to_string())
        .env("PHOENIX_GRPC_PORT", grpc.to_string())
        .env("PHOENIX_TELEMETRY_ENABLED", "false")
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start {bin}: {e}"))?;
    let pid = child.id();
    let result = async {
        let c = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let mut up = false;
        for _ in 0..600 {
            if let Ok(r) = c.get(format!("{base}/healthz")).send().await
                && r.status().is_success()
            {
                up = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        if !up {
            let log = std::fs::read_to_string(work.path().join("phoenix.log")).unwrap_or_default();
            return Err(format!(
                "phoenix did not answer /healthz in 120 s; log tail: {}",
                log.chars()
                    .rev()
                    .take(600)
                    .collect::<String>()
                    .chars()
                    .rev()
                    .collect::<String>()
            ));
        }
        let t0 = Instant::now();
        let ack = send_otlp(
            &format!("{base}/v1/traces"),
            requests,
            now_ns,
            "bench-cmp",
            3,
        )
        .await;
        let want = (requests * SPANS_PER_REQUEST) as i64;
        let db = work.path().join("phoenix.db");
        let mut n = 0;
        for _ in 0..3000 {
            n = rusqlite::Connection::open_with_flags(
                &db,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )
            .and_then(|c| c.query_row("SELECT count(*) FROM spans", [], |r| r.get::<_, i64>(0)))
            .unwrap_or(0);
            if n >= want {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let queryable = t0.elapsed();
        if n < want {
            return Err(format!(
                "phoenix stored {n} of {want} spans after 5 minutes"
            ));
        }
        Ok((ack, queryable, n, proc_status(pid, "VmHWM:")))
    }
    .await;
    let _ = child.kill();
    let _ = child.wait();
    result
}
