//! The embedded server's ingest and read paths over real HTTP: upserts, PATCH before create,
//! spans before their trace, aggregates and estimated cost, search streams with cursors,
//! per-author scores, threads, comments, filters and Opik's error shapes.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::net::SocketAddr;

use opik_tui::opik::model::new_id;
use opik_tui::server::{self, ServerConfig, ServerHandle};
use serde_json::{Value, json};

struct Srv {
    h: ServerHandle,
    c: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Srv {
    async fn start() -> Srv {
        Self::start_with(|_| {}).await
    }
    async fn start_with(f: impl FnOnce(&mut ServerConfig)) -> Srv {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = ServerConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            db_path: dir.path().join("opik.db"),
            api_key: None,
            users_file: None,
        };
        f(&mut cfg);
        let h = server::spawn(cfg).await.unwrap();
        Srv {
            h,
            c: reqwest::Client::new(),
            _dir: dir,
        }
    }
    fn url(&self, p: &str) -> String {
        format!("{}/v1/private/{p}", self.h.base_url())
    }
    async fn send(
        &self,
        method: &str,
        p: &str,
        body: Option<Value>,
        key: Option<&str>,
    ) -> (u16, Value, String) {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut rb = self.c.request(m, self.url(p));
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        if let Some(k) = key {
            rb = rb.header("authorization", k);
        }
        let r = rb.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        let v = serde_json::from_str(&text).unwrap_or(Value::Null);
        (status, v, text)
    }
    async fn ok(&self, method: &str, p: &str, body: Value) {
        let (s, _, t) = self.send(method, p, Some(body), None).await;
        assert!((200..300).contains(&s), "{method} {p}: {s} {t}");
    }
    async fn get(&self, p: &str) -> Value {
        let (s, v, t) = self.send("GET", p, None, None).await;
        assert_eq!(s, 200, "GET {p}: {t}");
        v
    }
    async fn stream(&self, p: &str, body: Value) -> Vec<Value> {
        let r = self.c.post(self.url(p)).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/octet-stream");
        let text = r.text().await.unwrap();
        assert!(text.is_empty() || text.ends_with("\r\n"));
        text.split("\r\n")
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

fn ts(sec: u32, micros: u32) -> String {
    format!("2026-11-21T10:00:{sec:02}.{micros:06}Z")
}

#[tokio::test]
async fn traces_spans_aggregates_and_cost() {
    let s = Srv::start().await;
    let (t1, sp1, sp2, sp3) = (new_id(), new_id(), new_id(), new_id());
    // spans arrive before their trace
    s.ok(
        "POST",
        "spans/batch",
        json!({"spans": [
            {"id": sp1, "trace_id": t1, "project_name": "p1", "name": "llm", "type": "llm",
             "start_time": ts(0, 0), "end_time": ts(1, 0), "model": "gpt-4o-mini", "provider": "openai",
             "usage": {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500}},
            {"id": sp2, "trace_id": t1, "project_name": "p1", "name": "tool", "type": "tool",
             "start_time": ts(1, 0), "end_time": ts(2, 0), "total_estimated_cost": 0.5,
             "error_info": {"exception_type": "ValueError", "traceback": "tb"}},
        ]}),
    )
    .await;
    s.ok(
        "POST",
        "traces/batch",
        json!({"traces": [{"id": t1, "project_name": "p1", "name": "agent", "start_time": ts(0, 0),
            "end_time": ts(3, 250), "input": {"q": "hi"}, "tags": ["a"], "metadata": {"k": "v", "n": 3},
            "last_updated_at": ts(0, 1)}]}),
    )
    .await;
    let t = s.get(&format!("traces/{t1}")).await;
    assert_eq!(t["name"], "agent");
    assert_eq!(t["span_count"], 2);
    assert_eq!(t["llm_span_count"], 1);
    assert_eq!(t["has_tool_spans"], true);
    assert_eq!(t["error_count"], 1);
    assert_eq!(t["duration"], 3000.25);
    assert_eq!(t["usage"]["total_tokens"], 1500);
    assert_eq!(t["providers"], json!(["openai"]));
    let est = 1000.0 * 0.15 / 1e6 + 500.0 * 0.60 / 1e6;
    let cost = t["total_estimated_cost"].as_f64().unwrap();
    assert!((cost - (0.5 + est)).abs() < 1e-12, "{cost}");
    let sp = s.get(&format!("spans/{sp1}")).await;
    assert!((sp["total_estimated_cost"].as_f64().unwrap() - est).abs() < 1e-15);
    assert_eq!(sp["project_name"], "p1");
    assert!(t.get("output").is_none(), "null fields are omitted");

    // a newer end record wins as a whole; an older one is ignored
    s.ok(
        "POST",
        "traces/batch",
        json!({"traces": [{"id": t1, "project_name": "p1", "name": "agent2", "start_time": ts(0, 0),
            "end_time": ts(3, 250), "output": {"a": 1}, "last_updated_at": ts(5, 0)}]}),
    )
    .await;
    s.ok(
        "POST",
        "traces/batch",
        json!({"traces": [{"id": t1, "project_name": "p1", "name": "stale", "start_time": ts(0, 0),
            "last_updated_at": ts(4, 0)}]}),
    )
    .await;
    let t = s.get(&format!("traces/{t1}")).await;
    assert_eq!(t["name"], "agent2");
    assert_eq!(t["output"], json!({"a": 1}));
    assert_eq!(t["span_count"], 2, "aggregates survive an upsert");

    // a third span via PATCH-before-create
    s.ok(
        "PATCH",
        &format!("spans/{sp3}"),
        json!({"trace_id": t1, "project_name": "p1", "end_time": ts(2, 500_000), "output": {"y": 2}}),
    )
    .await;
    assert_eq!(
        s.get(&format!("traces/{t1}")).await["span_count"],
        2,
        "a patch alone is no span"
    );
    s.ok(
        "POST",
        "spans/batch",
        json!({"spans": [{"id": sp3, "trace_id": t1, "project_name": "p1", "name": "late", "type": "general",
            "start_time": ts(2, 0), "output": {"y": 1}}]}),
    )
    .await;
    let sp = s.get(&format!("spans/{sp3}")).await;
    assert_eq!(
        sp["output"],
        json!({"y": 2}),
        "the PATCH wins over the create it preceded"
    );
    assert_eq!(sp["end_time"], ts(2, 500_000));
    assert_eq!(sp["duration"], 500.0);
    assert_eq!(s.get(&format!("traces/{t1}")).await["span_count"], 3);

    // trace PATCH before create, then single create
    let t2 = new_id();
    s.ok(
        "PATCH",
        &format!("traces/{t2}"),
        json!({"project_name": "p1", "output": {"o": 1}, "tags_to_add": ["x"]}),
    )
    .await;
    let (st, v, _) = s.send("GET", &format!("traces/{t2}"), None, None).await;
    assert_eq!(st, 404);
    assert_eq!(v["code"], 404);
    let (st, _, _) = s
        .send(
            "POST",
            "traces",
            Some(json!({"id": t2, "project_name": "p1", "name": "single", "start_time": ts(9, 0)})),
            None,
        )
        .await;
    assert_eq!(st, 201);
    let t = s.get(&format!("traces/{t2}")).await;
    assert_eq!(t["name"], "single");
    assert_eq!(t["output"], json!({"o": 1}));
    assert_eq!(t["tags"], json!(["x"]));

    // project created on first ingest, with stats
    let (st, p, _) = s
        .send(
            "POST",
            "projects/retrieve",
            Some(json!({"name": "p1"})),
            None,
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(p["trace_count"], 2);
    assert!(p["last_updated_trace_at"].is_string());
    let (st, e, _) = s
        .send(
            "POST",
            "projects/retrieve",
            Some(json!({"name": "nope"})),
            None,
        )
        .await;
    assert_eq!(st, 404);
    assert!(e["errors"].is_array());
    let page = s.get("projects?name=P1").await;
    assert_eq!(page["total"], 1);
    s.h.shutdown().await;
}

#[tokio::test]
async fn search_streams_filters_and_paging() {
    let s = Srv::start().await;
    let mut ids = Vec::new();
    let mut traces = Vec::new();
    for i in 0..25 {
        let id = new_id();
        ids.push(id.to_string());
        traces.push(json!({"id": id, "project_name": "sp", "name": format!("t{i}"), "start_time": ts(0, i),
            "end_time": ts(1, i), "metadata": {"even": i % 2 == 0, "i": i}, "tags": if i < 5 { json!(["first-five"]) } else { json!([]) },
            "input": {"text": format!("hello {i}")}}));
    }
    s.ok("POST", "traces/batch", json!({"traces": traces}))
        .await;
    // paging: id DESC, cursor = last id
    let p1 = s
        .stream("traces/search", json!({"project_name": "sp", "limit": 10}))
        .await;
    assert_eq!(p1.len(), 10);
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(p1[0]["id"], sorted[0]);
    let mut all: Vec<String> = p1
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    let mut cursor = all.last().unwrap().clone();
    loop {
        let p = s
            .stream(
                "traces/search",
                json!({"project_name": "sp", "limit": 10, "last_retrieved_id": cursor}),
            )
            .await;
        all.extend(p.iter().map(|t| t["id"].as_str().unwrap().to_string()));
        if p.len() < 10 {
            break;
        }
        cursor = all.last().unwrap().clone();
    }
    assert_eq!(all, sorted);

    // from_time / to_time select on the time inside the id
    let old = uuid::Uuid::new_v7(uuid::Timestamp::from_unix(
        uuid::NoContext,
        1_700_000_000,
        0,
    ));
    s.ok(
        "POST",
        "traces/batch",
        json!({"traces": [{"id": old, "project_name": "sp", "name": "old", "start_time": ts(0, 0)}]}),
    )
    .await;
    let r = s
        .stream(
            "traces/search",
            json!({"project_name": "sp", "limit": 100, "to_time": "2024-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["name"], "old");
    let r = s
        .stream(
            "traces/search",
            json!({"project_name": "sp", "limit": 100, "from_time": "2024-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(r.len(), 25);
    s.ok("POST", "traces/delete", json!({"ids": [old]})).await;

    // filters
    let f = |filters: Value| json!({"project_name": "sp", "filters": filters, "limit": 100});
    let r = s.stream("traces/search", f(json!([{"field": "tags", "operator": "contains", "key": "", "value": "first", "type": "list"}]))).await;
    assert_eq!(r.len(), 5);
    let r = s
        .stream(
            "traces/search",
            f(json!([{"field": "metadata", "operator": "=", "key": "even", "value": "true"}])),
        )
        .await;
    assert_eq!(r.len(), 13);
    let r = s
        .stream(
            "traces/search",
            f(json!([{"field": "metadata", "operator": ">=", "key": "i", "value": "20"}])),
        )
        .await;
    assert_eq!(r.len(), 5);
    let r = s
        .stream(
            "traces/search",
            f(json!([{"field": "name", "operator": "=", "key": "", "value": "t7"}])),
        )
        .await;
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["input"]["text"], "hello 7");
    let r = s
        .stream(
            "traces/search",
            f(json!([{"field": "input", "operator": "contains", "key": "", "value": "hello 1"}])),
        )
        .await;
    assert_eq!(r.len(), 11); // 1, 10..19
    // unknown field / operator → 400 naming it
    let (st, v, _) = s
        .send(
            "POST",
            "traces/search",
            Some(f(
                json!([{"field": "bogus_col", "operator": "=", "value": "x"}]),
            )),
            None,
        )
        .await;
    assert_eq!(st, 400);
    assert!(v["message"].as_str().unwrap().contains("bogus_col"));
    let (st, v, _) = s
        .send(
            "POST",
            "spans/search",
            Some(f(
                json!([{"field": "thread_id", "operator": "=", "value": "x"}]),
            )),
            None,
        )
        .await;
    assert_eq!(st, 400, "{v}");
    let (st, v, _) = s
        .send(
            "POST",
            "traces/search",
            Some(f(
                json!([{"field": "duration", "operator": "contains", "value": "1"}]),
            )),
            None,
        )
        .await;
    assert_eq!(st, 400);
    assert!(v["message"].as_str().unwrap().contains("contains"));

    // GET list with page/size/sorting/search/exclude
    let q = urlencode(&json!([{"field": "name", "direction": "ASC"}]).to_string());
    let page = s
        .get(&format!(
            "traces?project_name=sp&page=2&size=10&sorting={q}&exclude=%5B%22input%22%5D"
        ))
        .await;
    assert_eq!(page["total"], 25);
    assert_eq!(page["content"].as_array().unwrap().len(), 10);
    assert_eq!(page["content"][0]["name"], "t18"); // t0,t1,t10..t17 on page 1
    assert!(page["content"][0].get("input").is_none());
    let page = s.get("traces?project_name=sp&search=hello%202").await;
    assert_eq!(page["total"], 6); // "hello 2" matches 2 and 20..24
    s.h.shutdown().await;
}

fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[tokio::test]
async fn scores_per_author_threads_and_comments() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.toml");
    std::fs::write(&users, "alice = \"ka\"\nbob = \"kb\"\n").unwrap();
    let s = Srv::start_with(|c| c.users_file = Some(users.clone())).await;
    let (t1, t2) = (new_id(), new_id());
    // scores before their trace, from two authors
    for (key, v, reason) in [("ka", 1.0, "good"), ("kb", 0.0, "bad")] {
        let (st, _, t) = s
            .send(
                "PUT",
                "traces/feedback-scores",
                Some(json!({"scores": [{"id": t1, "project_name": "sc", "name": "quality", "value": v, "reason": reason, "source": "sdk"}]})),
                Some(key),
            )
            .await;
        assert_eq!(st, 204, "{t}");
    }
    let traces = json!({"traces": [
        {"id": t1, "project_name": "sc", "name": "turn1", "start_time": ts(0, 0), "end_time": ts(1, 0), "thread_id": "conv-1", "input": {"u": "first"}, "output": {"a": "one"}},
        {"id": t2, "project_name": "sc", "name": "turn2", "start_time": ts(2, 0), "end_time": ts(4, 0), "thread_id": "conv-1", "input": {"u": "second"}, "output": {"a": "two"}},
    ]});
    let (st, _, _) = s
        .send("POST", "traces/batch", Some(traces), Some("ka"))
        .await;
    assert_eq!(st, 204);
    let (_, t, _) = s
        .send("GET", &format!("traces/{t1}"), None, Some("ka"))
        .await;
    let fs = &t["feedback_scores"][0];
    assert_eq!(fs["name"], "quality");
    assert_eq!(fs["value"], 0.5);
    assert_eq!(fs["value_by_author"]["alice"]["value"], 1.0);
    assert_eq!(fs["value_by_author"]["bob"]["value"], 0.0);
    // re-sent score replaces only that author's
    s.send(
        "PUT",
        "traces/feedback-scores",
        Some(json!({"scores": [{"id": t1, "project_name": "sc", "name": "quality", "value": 0.5, "source": "sdk"}]})),
        Some("kb"),
    )
    .await;
    let (_, t, _) = s
        .send("GET", &format!("traces/{t1}"), None, Some("ka"))
        .await;
    assert_eq!(t["feedback_scores"][0]["value"], 0.75);
    assert_eq!(
        t["feedback_scores"][0]["value_by_author"]["alice"]["value"],
        1.0
    );
    // filter by score
    let (_, _, body) = s
        .send(
            "POST",
            "traces/search",
            Some(json!({"project_name": "sc", "filters": [{"field": "feedback_scores", "key": "quality", "operator": ">", "value": "0.7"}]})),
            Some("ka"),
        )
        .await;
    assert_eq!(body.matches("\r\n").count(), 1);

    // threads
    let (st, th, t) = s
        .send(
            "POST",
            "traces/threads/retrieve",
            Some(json!({"project_name": "sc", "thread_id": "conv-1"})),
            Some("ka"),
        )
        .await;
    assert_eq!(st, 200, "{t}");
    assert_eq!(th["id"], "conv-1");
    assert_eq!(th["number_of_messages"], 4);
    assert_eq!(th["first_message"], json!({"u": "first"}));
    assert_eq!(th["last_message"], json!({"a": "two"}));
    assert_eq!(th["duration"], 4000.0);
    assert_eq!(th["status"], "active");
    let model_id = th["thread_model_id"].as_str().unwrap().to_string();
    // close; score a closed thread; re-open by a new trace; the score survives
    let (st, _, _) = s
        .send(
            "PUT",
            "traces/threads/close",
            Some(json!({"project_name": "sc", "thread_id": "conv-1"})),
            Some("ka"),
        )
        .await;
    assert_eq!(st, 204);
    let (st, _, _) = s
        .send(
            "PUT",
            "traces/threads/feedback-scores",
            Some(json!({"scores": [{"thread_id": "conv-1", "project_name": "sc", "name": "frustration", "value": 0.1, "source": "sdk"}]})),
            Some("kb"),
        )
        .await;
    assert_eq!(st, 204);
    let (_, th, _) = s
        .send(
            "POST",
            "traces/threads/retrieve",
            Some(json!({"project_name": "sc", "thread_id": "conv-1"})),
            Some("ka"),
        )
        .await;
    assert_eq!(th["status"], "inactive");
    assert_eq!(
        th["feedback_scores"][0]["value_by_author"]["bob"]["value"],
        0.1
    );
    let t3 = new_id();
    s.send(
        "POST",
        "traces/batch",
        Some(json!({"traces": [{"id": t3, "project_name": "sc", "name": "turn3", "start_time": ts(5, 0), "thread_id": "conv-1"}]})),
        Some("ka"),
    )
    .await;
    let (_, th, _) = s
        .send(
            "POST",
            "traces/threads/retrieve",
            Some(json!({"project_name": "sc", "thread_id": "conv-1"})),
            Some("ka"),
        )
        .await;
    assert_eq!(th["status"], "active");
    assert_eq!(th["thread_model_id"], model_id.as_str());
    assert_eq!(th["number_of_messages"], 6);
    assert_eq!(th["feedback_scores"][0]["name"], "frustration");
    // thread search with both cursor forms
    for cursor in [json!(null), json!("zzz-not-there")] {
        let body =
            json!({"project_name": "sc", "limit": 10, "last_retrieved_thread_model_id": cursor});
        let (st, _, _) = s
            .send("POST", "traces/threads/search", Some(body), Some("ka"))
            .await;
        assert_eq!(st, if cursor.is_null() { 200 } else { 400 });
    }

    // comments, authored by the caller
    let r =
        s.c.post(s.url(&format!("traces/{t1}/comments")))
            .header("authorization", "kb")
            .json(&json!({"text": "looks wrong"}))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 201);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let cid = loc.rsplit('/').next().unwrap().to_string();
    let (_, c, _) = s
        .send(
            "GET",
            &format!("traces/{t1}/comments/{cid}"),
            None,
            Some("ka"),
        )
        .await;
    assert_eq!(c["text"], "looks wrong");
    assert_eq!(c["created_by"], "bob");
    s.send(
        "PATCH",
        &format!("traces/comments/{cid}"),
        Some(json!({"text": "fine"})),
        Some("kb"),
    )
    .await;
    let (_, t, _) = s
        .send("GET", &format!("traces/{t1}"), None, Some("ka"))
        .await;
    assert_eq!(t["comments"][0]["text"], "fine");
    assert_eq!(t["comments"][0]["last_updated_by"], "bob");
    s.send(
        "POST",
        "traces/comments/delete",
        Some(json!({"ids": [cid]})),
        Some("kb"),
    )
    .await;
    let (_, t, _) = s
        .send("GET", &format!("traces/{t1}"), None, Some("ka"))
        .await;
    assert!(t.get("comments").is_none());
    // thread comment by thread_model_id
    let (st, _, _) = s
        .send(
            "POST",
            &format!("traces/threads/{model_id}/comments"),
            Some(json!({"text": "thread note"})),
            Some("ka"),
        )
        .await;
    assert_eq!(st, 201);
    s.h.shutdown().await;
}

#[tokio::test]
async fn bad_input_gets_opik_error_shapes() {
    let s = Srv::start().await;
    // malformed JSON → 400 {code, message}
    let r =
        s.c.post(s.url("traces/batch"))
            .header("content-type", "application/json")
            .body("{\"traces\": [")
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], 400);
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("Unable to process JSON")
    );
    // non-v7 id → 400 Invalid UUID for id
    let (st, v, _) = s
        .send(
            "POST",
            "traces/batch",
            Some(json!({"traces": [{"id": uuid::Uuid::new_v4(), "name": "x", "start_time": ts(0, 0)}]})),
            None,
        )
        .await;
    assert_eq!(st, 400);
    assert_eq!(v["message"], "Invalid UUID for id");
    // validation → 422 {errors}
    let (st, v, _) = s
        .send(
            "POST",
            "traces/batch",
            Some(json!({"traces": [{"id": new_id(), "name": "x"}]})),
            None,
        )
        .await;
    assert_eq!(st, 422);
    assert!(v["errors"][0].as_str().unwrap().contains("start_time"));
    let (st, _, _) = s
        .send("POST", "traces/batch", Some(json!({"traces": []})), None)
        .await;
    assert_eq!(st, 422);
    // a batch is all-or-nothing
    let good = new_id();
    let (st, _, _) = s
        .send(
            "POST",
            "traces/batch",
            Some(json!({"traces": [{"id": good, "name": "ok", "start_time": ts(0, 0)}, {"id": new_id(), "name": "bad"}]})),
            None,
        )
        .await;
    assert_eq!(st, 422);
    let (st, _, _) = s.send("GET", &format!("traces/{good}"), None, None).await;
    assert_eq!(st, 404);
    // NaN / Infinity tokens, camelCase keys and gzip
    let id = new_id();
    let body = format!(
        "{{\"traces\": [{{\"id\": \"{id}\", \"name\": \"nan\", \"startTime\": \"{}\", \"metadata\": {{\"x\": 1}}, \"ttft\": NaN}}]}}",
        ts(0, 0)
    );
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(body.as_bytes()).unwrap();
    let r =
        s.c.post(s.url("traces/batch"))
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            .body(enc.finish().unwrap())
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap());
    let t = s.get(&format!("traces/{id}")).await;
    assert_eq!(t["name"], "nan");
    assert_eq!(t["start_time"], ts(0, 0));
    // oversize body (a gzip bomb) → 413
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..70 {
        enc.write_all(&zeros).unwrap();
    }
    let r =
        s.c.post(s.url("traces/batch"))
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            .body(enc.finish().unwrap())
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 413);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], 413);
    // bad ids in paths and queries
    let (st, v, _) = s.send("GET", "traces/not-a-uuid", None, None).await;
    assert_eq!(st, 400, "{v}");
    let (st, _, _) = s
        .send("GET", "traces?project_name=x&page=abc", None, None)
        .await;
    assert_eq!(st, 400);
    let (st, _, _) = s
        .send(
            "GET",
            "traces?project_name=x&filters=%5Bnot-json",
            None,
            None,
        )
        .await;
    assert_eq!(st, 400);
    // projects: create, conflict, blank
    let (st, _, _) = s
        .send("POST", "projects", Some(json!({"name": "dup"})), None)
        .await;
    assert_eq!(st, 201);
    let (st, v, _) = s
        .send("POST", "projects", Some(json!({"name": "dup"})), None)
        .await;
    assert_eq!(st, 409);
    assert!(v["errors"].is_array());
    let (st, _, _) = s
        .send("POST", "projects", Some(json!({"name": " "})), None)
        .await;
    assert_eq!(st, 422);
    s.h.shutdown().await;
}
