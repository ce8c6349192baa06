//! Local-server protections over real HTTP (docs/server.md, "Local-server protections"): web
//! pages (Origin, Content-Type, DNS-rebinding Host), slow and idle clients, one user undoing
//! another's work, and the small hardening items (no SQL in errors, page range, project name
//! length, filters validated first, private files, the version behind the key).
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use opik_tui::server::{self, ServeOptions, ServerConfig, ServerHandle, listen::Limits};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn cfg(dir: &tempfile::TempDir) -> ServerConfig {
    ServerConfig {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        db_path: dir.path().join("opik.db"),
        api_key: None,
        users_file: None,
    }
}

fn id() -> String {
    opik_tui::opik::model::new_id().to_string()
}

fn trace_batch(id: &str, project: &str) -> Value {
    json!({"traces": [{"id": id, "project_name": project, "name": "t",
        "start_time": "2026-01-01T00:00:00Z", "end_time": "2026-01-01T00:00:01Z"}]})
}

async fn trace_count(srv: &ServerHandle, project: &str) -> u64 {
    let r = reqwest::Client::new()
        .get(format!(
            "{}/v1/private/traces?project_name={project}",
            srv.base_url()
        ))
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    v["total"].as_u64().unwrap_or(0)
}

#[tokio::test]
async fn web_pages_cannot_write_foreign_origin_or_non_json() {
    let dir = tempfile::tempdir().unwrap();
    let srv = server::spawn(cfg(&dir)).await.unwrap();
    let c = reqwest::Client::new();
    let url = format!("{}/v1/private/traces/batch", srv.base_url());
    let body = trace_batch(&id(), "web").to_string();

    // a page's fetch(): foreign Origin → 403, nothing stored
    let r = c
        .post(&url)
        .header("origin", "http://evil.example")
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let v: Value = r.json().await.unwrap();
    assert!(v["message"].as_str().unwrap().contains("--allow-origin"));
    // a "simple" request: text/plain → 415
    let r = c
        .post(&url)
        .header("content-type", "text/plain")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let r = c.post(&url).body(body.clone()).send().await.unwrap();
    assert_eq!(r.status(), 415, "no Content-Type");
    assert_eq!(trace_count(&srv, "web").await, 0);
    // a project delete from a page
    let r = c
        .post(format!("{}/v1/private/projects/delete", srv.base_url()))
        .header("origin", "null")
        .header("content-type", "application/json")
        .body(r#"{"ids":[]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // JSON with parameters, and the server's own origin, pass
    let r = c
        .post(&url)
        .header("content-type", "Application/JSON; charset=utf-8")
        .header("origin", format!("http://localhost:{}", srv.addr.port()))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(trace_count(&srv, "web").await, 1);
    // bodiless requests need no Content-Type
    let r = c
        .delete(format!("{}/v1/private/projects/{}", srv.base_url(), id()))
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), 415);
    // OTLP takes protobuf and JSON, not text
    let otlp = format!("{}/v1/private/otel/v1/traces", srv.base_url());
    for (ct, refused) in [
        ("text/plain", true),
        ("application/x-protobuf", false),
        ("application/json", false),
    ] {
        let r = c
            .post(&otlp)
            .header("content-type", ct)
            .body(if ct.ends_with("json") { "{}" } else { "" }.to_string() + " ")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status() == 415, refused, "{ct}: {}", r.status());
    }
    // the attachment upload PUT carries raw bytes without a Content-Type (as the SDK sends it)
    let r = c
        .put(format!("{}/v1/private/attachment/upload", srv.base_url()))
        .body("raw bytes")
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), 415);
    srv.shutdown().await;
}

#[tokio::test]
async fn allow_origin_admits_that_origin_only() {
    let dir = tempfile::tempdir().unwrap();
    let srv = server::spawn_with(
        cfg(&dir),
        ServeOptions {
            allow_origins: vec!["http://localhost:3000/".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let c = reqwest::Client::new();
    let url = format!("{}/v1/private/projects", srv.base_url());
    for (origin, want) in [
        ("http://localhost:3000", 200),
        ("http://localhost:3001", 403),
    ] {
        let r = c.get(&url).header("origin", origin).send().await.unwrap();
        assert_eq!(r.status(), want, "{origin}");
    }
    assert!(
        server::spawn_with(
            cfg(&dir),
            ServeOptions {
                allow_origins: vec!["localhost:3000".into()],
                ..Default::default()
            }
        )
        .await
        .is_err()
    );
    srv.shutdown().await;
}

#[tokio::test]
async fn dns_rebinding_host_is_refused_on_keyless_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let srv = server::spawn(cfg(&dir)).await.unwrap();
    let c = reqwest::Client::new();
    let url = format!("{}/v1/private/projects", srv.base_url());
    for (host, want) in [
        ("evil.example:5173", 421),
        ("localhost.evil.example", 421),
        ("localhost:5173", 200),
        ("127.0.0.1:9", 200),
        ("[::1]:5173", 200),
    ] {
        let r = c.get(&url).header("host", host).send().await.unwrap();
        assert_eq!(r.status(), want, "{host}");
        if want == 421 {
            let v: Value = r.json().await.unwrap();
            assert!(v["message"].as_str().unwrap().contains("DNS rebinding"));
        }
    }
    srv.shutdown().await;

    // with a key, any Host is answered (the key protects it)
    let mut keyed = cfg(&dir);
    keyed.api_key = Some("k".into());
    let srv = server::spawn(keyed).await.unwrap();
    let r = c
        .get(format!("{}/v1/private/projects", srv.base_url()))
        .header("host", "opik.example.org")
        .header("authorization", "k")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    srv.shutdown().await;
}

fn short_limits(max_connections: usize) -> ServeOptions {
    ServeOptions {
        limits: Limits {
            max_connections,
            header_timeout: Duration::from_secs(1),
            body_timeout: Duration::from_secs(1),
        },
        ..Default::default()
    }
}

/// Read until EOF (or `limit`); what was read, and how long it took.
async fn read_to_close(s: &mut TcpStream, limit: Duration) -> (String, Duration) {
    let t = Instant::now();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(limit, s.read_to_end(&mut out)).await;
    (String::from_utf8_lossy(&out).into_owned(), t.elapsed())
}

#[tokio::test]
async fn half_sent_and_idle_connections_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let srv = server::spawn_with(cfg(&dir), short_limits(64))
        .await
        .unwrap();
    // half-sent headers
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    s.write_all(b"GET /api/is-alive/ping HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .unwrap();
    let (_, took) = read_to_close(&mut s, Duration::from_secs(10)).await;
    assert!(took < Duration::from_secs(5), "held {took:?}");
    // an idle keep-alive connection after a complete request
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    s.write_all(b"GET /api/is-alive/ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let (got, took) = read_to_close(&mut s, Duration::from_secs(10)).await;
    assert!(got.starts_with("HTTP/1.1 200"), "{got}");
    assert!(took < Duration::from_secs(5), "held {took:?}");
    srv.shutdown().await;
}

#[tokio::test]
async fn slow_body_is_cut_with_408() {
    let dir = tempfile::tempdir().unwrap();
    let srv = server::spawn_with(cfg(&dir), short_limits(64))
        .await
        .unwrap();
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    s.write_all(
        b"POST /api/v1/private/traces/batch HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"traces\":",
    )
    .await
    .unwrap();
    let (got, took) = read_to_close(&mut s, Duration::from_secs(10)).await;
    assert!(got.starts_with("HTTP/1.1 408"), "{got}");
    assert!(got.contains("did not arrive"), "{got}");
    assert!(took < Duration::from_secs(5), "held {took:?}");
    srv.shutdown().await;
}

#[tokio::test]
async fn connections_beyond_the_limit_get_503_and_others_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = short_limits(4);
    opts.limits.header_timeout = Duration::from_secs(30);
    let srv = server::spawn_with(cfg(&dir), opts).await.unwrap();
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(TcpStream::connect(srv.addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut s = TcpStream::connect(srv.addr).await.unwrap();
    let _ = s
        .write_all(b"GET /api/is-alive/ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await;
    let (got, took) = read_to_close(&mut s, Duration::from_secs(10)).await;
    assert!(got.starts_with("HTTP/1.1 503"), "{got}");
    assert!(took < Duration::from_secs(3), "held {took:?}");
    // once the idle ones go, the server answers again
    drop(idle);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = reqwest::get(format!("http://{}/api/is-alive/ping", srv.addr))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    srv.shutdown().await;
}

struct Users {
    srv: ServerHandle,
    c: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Users {
    async fn start() -> Users {
        let dir = tempfile::tempdir().unwrap();
        let users = dir.path().join("users.toml");
        std::fs::write(&users, "alice = \"ka\"\nbob = \"kb\"\n").unwrap();
        let mut c = cfg(&dir);
        c.users_file = Some(users);
        c.api_key = Some("root".into());
        let srv = server::spawn(c).await.unwrap();
        Users {
            srv,
            c: reqwest::Client::new(),
            _dir: dir,
        }
    }

    async fn send(&self, method: &str, path: &str, body: Value, key: &str) -> (u16, Value) {
        let r = self
            .c
            .request(
                method.parse().unwrap(),
                format!("{}/v1/private/{path}", self.srv.base_url()),
            )
            .header("authorization", key)
            .json(&body)
            .send()
            .await
            .unwrap();
        let st = r.status().as_u16();
        let text = r.text().await.unwrap();
        (st, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn authors(&self, trace: &str) -> Vec<String> {
        let r = self
            .c
            .get(format!("{}/v1/private/traces/{trace}", self.srv.base_url()))
            .header("authorization", "root")
            .send()
            .await
            .unwrap();
        let v: Value = r.json().await.unwrap();
        v["feedback_scores"][0]["value_by_author"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }
}

#[tokio::test]
async fn users_change_and_delete_only_their_own_scores_and_comments() {
    let u = Users::start().await;
    let t = id();
    assert_eq!(
        u.send("POST", "traces/batch", trace_batch(&t, "own"), "ka")
            .await
            .0,
        204
    );
    for key in ["ka", "kb"] {
        let s = json!({"scores": [{"id": t, "project_name": "own", "name": "q", "value": 1, "source": "ui"}]});
        assert_eq!(u.send("PUT", "traces/feedback-scores", s, key).await.0, 204);
    }
    assert_eq!(u.authors(&t).await, ["alice", "bob"]);
    let del = format!("traces/{t}/feedback-scores/delete");
    // bob naming alice → 403, her score stays
    let (st, v) = u
        .send("POST", &del, json!({"name": "q", "author": "alice"}), "kb")
        .await;
    assert_eq!(st, 403, "{v}");
    assert!(v["message"].as_str().unwrap().contains("only their own"));
    // bob without an author deletes only his own
    assert_eq!(
        u.send("POST", &del, json!({"name": "q"}), "kb").await.0,
        204
    );
    assert_eq!(u.authors(&t).await, ["alice"]);
    // the admin may delete alice's
    assert_eq!(
        u.send(
            "POST",
            &del,
            json!({"name": "q", "author": "alice"}),
            "root"
        )
        .await
        .0,
        204
    );
    assert!(u.authors(&t).await.is_empty());

    // comments
    let r =
        u.c.post(format!(
            "{}/v1/private/traces/{t}/comments",
            u.srv.base_url()
        ))
        .header("authorization", "ka")
        .json(&json!({"text": "alice's note"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let cid = r.headers()["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let edit = format!("traces/comments/{cid}");
    assert_eq!(
        u.send("PATCH", &edit, json!({"text": "bob was here"}), "kb")
            .await
            .0,
        403
    );
    assert_eq!(
        u.send(
            "POST",
            "traces/comments/delete",
            json!({"ids": [cid]}),
            "kb"
        )
        .await
        .0,
        403
    );
    let (_, c) = u
        .send(
            "GET",
            &format!("traces/{t}/comments/{cid}"),
            json!({}),
            "kb",
        )
        .await;
    assert_eq!(c["text"], "alice's note");
    assert_eq!(
        u.send("PATCH", &edit, json!({"text": "edited"}), "ka")
            .await
            .0,
        204
    );
    assert_eq!(
        u.send(
            "POST",
            "traces/comments/delete",
            json!({"ids": [cid]}),
            "root"
        )
        .await
        .0,
        204
    );
    u.srv.shutdown().await;
}

#[tokio::test]
async fn bad_names_pages_and_filters_get_plain_4xx() {
    let dir = tempfile::tempdir().unwrap();
    let srv = server::spawn(cfg(&dir)).await.unwrap();
    let c = reqwest::Client::new();
    let base = srv.base_url();
    let r = c
        .post(format!("{base}/v1/private/traces/batch"))
        .json(&trace_batch(&id(), "p"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let get = |q: String| {
        let c = c.clone();
        let url = format!("{base}/v1/private/traces?{q}");
        async move {
            let r = c.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let enc = |f: Value| urlencode(&f.to_string());
    // NUL in a metadata key / a usage field
    for f in [
        json!([{"field": "metadata", "operator": "=", "key": "a\u{0}b", "value": "x"}]),
        json!([{"field": "usage.\u{0}x", "operator": ">", "value": "1"}]),
    ] {
        let (st, body) = get(format!("project_name=p&filters={}", enc(f))).await;
        assert_eq!(st, 400, "{body}");
        assert!(body.contains("control characters"), "{body}");
        assert!(!body.to_lowercase().contains("select"), "{body}");
    }
    let s = json!([{"field": "usage.\u{0}x", "direction": "ASC"}]);
    let (st, _) = get(format!("project_name=p&sorting={}", enc(s))).await;
    assert_eq!(st, 400);
    // page out of range
    let (st, body) = get("project_name=p&page=1000000000000000000".into()).await;
    assert_eq!(st, 400, "{body}");
    assert!(body.contains("out of range"), "{body}");
    // a filter is checked before the project is looked up
    let f = json!([{"field": "no_such_field", "operator": "=", "value": "x"}]);
    let (st, body) = get(format!("project_name=does-not-exist&filters={}", enc(f))).await;
    assert_eq!(st, 400, "{body}");
    assert!(body.contains("no_such_field"), "{body}");

    // project name length (Opik: VARCHAR(150))
    for (n, want) in [(150, 201), (151, 422)] {
        let r = c
            .post(format!("{base}/v1/private/projects"))
            .json(&json!({"name": "x".repeat(n)}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), want, "{n}");
    }
    let r = c
        .post(format!("{base}/v1/private/traces/batch"))
        .json(&trace_batch(&id(), &"y".repeat(60_000)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    srv.shutdown().await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn version_needs_the_key_when_keys_are_configured() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = cfg(&dir);
    c.api_key = Some("k".into());
    let srv = server::spawn(c).await.unwrap();
    let http = reqwest::Client::new();
    let url = format!("{}/is-alive/ver", srv.base_url());
    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(!r.text().await.unwrap().contains("opik-tui-"));
    let r = http
        .get(&url)
        .header("authorization", "k")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // the liveness probe stays open (the SDK pings before it sends the key)
    let r = http
        .get(format!("{}/is-alive/ping", srv.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    srv.shutdown().await;
}

#[cfg(unix)]
#[tokio::test]
async fn database_files_and_directory_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mut c = cfg(&dir);
    c.db_path = dir.path().join("data/opik/opik.db");
    let srv = server::spawn(c).await.unwrap();
    let r = reqwest::Client::new()
        .post(format!("{}/v1/private/traces/batch", srv.base_url()))
        .json(&trace_batch(&id(), "perm"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let mode = |p: &str| {
        std::fs::metadata(dir.path().join(p))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("data"), 0o700);
    assert_eq!(mode("data/opik"), 0o700);
    assert_eq!(mode("data/opik/opik.db"), 0o600);
    assert_eq!(mode("data/opik/opik.db-wal"), 0o600);
    srv.shutdown().await;
}
