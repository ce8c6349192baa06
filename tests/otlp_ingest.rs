//! OTLP/HTTP ingest against the real embedded server over HTTP: protobuf and JSON bodies,
//! gzip, both routes, orphans before their parent, re-sends, the project header, malformed
//! bodies; then the metrics, KPI cards and stats endpoints over what was ingested.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;

use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};
use opik_tui::server::{self, ServerConfig, ServerHandle};
use prost::Message;
use serde_json::{Value, json};

struct Srv {
    h: ServerHandle,
    c: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Srv {
    async fn start() -> Srv {
        let dir = tempfile::tempdir().unwrap();
        let h = server::spawn(ServerConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            db_path: dir.path().join("opik.db"),
            api_key: None,
            users_file: None,
        })
        .await
        .unwrap();
        Srv {
            h,
            c: reqwest::Client::new(),
            _dir: dir,
        }
    }
    fn url(&self, p: &str) -> String {
        format!("{}/{p}", self.h.base_url())
    }
    async fn export_pb(
        &self,
        path: &str,
        req: &ExportTraceServiceRequest,
        project: Option<&str>,
    ) -> reqwest::Response {
        let mut r = self
            .c
            .post(self.url(path))
            .header("content-type", "application/x-protobuf")
            .body(req.encode_to_vec());
        if let Some(p) = project {
            r = r.header("projectName", p);
        }
        r.send().await.unwrap()
    }
    async fn get(&self, p: &str) -> Value {
        let r = self.c.get(self.url(p)).send().await.unwrap();
        assert_eq!(r.status(), 200, "GET {p}");
        r.json().await.unwrap()
    }
    async fn post(&self, p: &str, body: Value) -> (u16, Value) {
        let r = self.c.post(self.url(p)).json(&body).send().await.unwrap();
        let s = r.status().as_u16();
        (s, r.json().await.unwrap_or(Value::Null))
    }
    async fn traces(&self, project: &str) -> Vec<Value> {
        let v = self
            .get(&format!(
                "v1/private/traces?project_name={project}&size=100"
            ))
            .await;
        v["content"].as_array().cloned().unwrap_or_default()
    }
    async fn spans(&self, trace_id: &str) -> Vec<Value> {
        let v = self
            .get(&format!("v1/private/spans?trace_id={trace_id}&size=100"))
            .await;
        v["content"].as_array().cloned().unwrap_or_default()
    }
    async fn project_id(&self, name: &str) -> String {
        let (s, v) = self
            .post("v1/private/projects/retrieve", json!({"name": name}))
            .await;
        assert_eq!(s, 200, "{v}");
        v["id"].as_str().unwrap().to_string()
    }
}

fn s(k: &str, v: &str) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(v.into())),
        }),
    }
}
fn i(k: &str, v: i64) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::IntValue(v)),
        }),
    }
}

/// 2026-01-05T10:00:00Z (a Monday) in ns.
const T0: u64 = 1_767_607_200_000_000_000;
const MS: u64 = 1_000_000;

fn span(
    tid: u8,
    sid: u8,
    parent: Option<u8>,
    start_ms: u64,
    dur_ms: u64,
    attrs: Vec<KeyValue>,
) -> Span {
    Span {
        trace_id: vec![tid; 16],
        span_id: vec![sid; 8],
        parent_span_id: parent.map(|p| vec![p; 8]).unwrap_or_default(),
        name: format!("span-{tid}-{sid}"),
        start_time_unix_nano: T0 + start_ms * MS,
        end_time_unix_nano: T0 + (start_ms + dur_ms) * MS,
        attributes: attrs,
        ..Default::default()
    }
}

fn req(resource: Vec<KeyValue>, spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: resource,
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

#[tokio::test]
async fn protobuf_export_creates_traces_spans_and_threads() {
    let srv = Srv::start().await;
    let r = req(
        vec![s("service.name", "svc-ignored")],
        vec![
            span(
                1,
                1,
                None,
                0,
                500,
                vec![
                    s("openinference.span.kind", "CHAIN"),
                    s("input.value", "hi"),
                    s("session.id", "conv-1"),
                ],
            ),
            span(
                1,
                2,
                Some(1),
                10,
                300,
                vec![
                    s("openinference.span.kind", "LLM"),
                    s("llm.model_name", "gpt-4o-mini"),
                    i("llm.token_count.prompt", 10),
                    i("llm.token_count.completion", 5),
                ],
            ),
        ],
    );
    let resp = srv
        .export_pb("v1/private/otel/v1/traces", &r, Some("otlp-pb"))
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "application/x-protobuf"
    );
    let body = resp.bytes().await.unwrap();
    let ack = ExportTraceServiceResponse::decode(body.as_ref()).unwrap();
    assert!(ack.partial_success.is_none());

    let traces = srv.traces("otlp-pb").await;
    assert_eq!(traces.len(), 1, "{traces:?}");
    let t = &traces[0];
    assert_eq!(t["name"], "span-1-1");
    assert_eq!(t["thread_id"], "conv-1");
    assert_eq!(t["input"], json!({"input": "hi"}));
    let spans = srv.spans(t["id"].as_str().unwrap()).await;
    assert_eq!(spans.len(), 2);
    let llm = spans.iter().find(|s| s["type"] == "llm").unwrap();
    assert_eq!(llm["model"], "gpt-4o-mini");
    assert_eq!(llm["usage"]["total_tokens"], 15);
    let root = spans
        .iter()
        .find(|s| s["parent_span_id"].is_null())
        .unwrap();
    assert_eq!(llm["parent_span_id"], root["id"]);

    let threads = srv
        .get("v1/private/traces/threads?project_name=otlp-pb")
        .await;
    assert_eq!(threads["content"][0]["id"], "conv-1", "{threads}");
}

#[tokio::test]
async fn children_first_then_root_and_resends_upsert() {
    let srv = Srv::start().await;
    // The child (with the session id) arrives first, on the exporters' default path, JSON.
    let child = req(
        vec![s("openinference.project.name", "otlp-orphans")],
        vec![span(
            2,
            2,
            Some(1),
            50,
            100,
            vec![
                s("gen_ai.conversation.id", "conv-2"),
                s("gen_ai.operation.name", "chat"),
            ],
        )],
    );
    let json_body = serde_json::to_vec(&json!({"resourceSpans": [{
        "resource": {"attributes": [{"key": "openinference.project.name", "value": {"stringValue": "otlp-orphans"}}]},
        "scopeSpans": [{"spans": [{
            "traceId": hex(&child.resource_spans[0].scope_spans[0].spans[0].trace_id),
            "spanId": hex(&[2u8; 8]),
            "parentSpanId": hex(&[1u8; 8]),
            "name": "child",
            "startTimeUnixNano": (T0 + 50 * MS).to_string(),
            "endTimeUnixNano": (T0 + 150 * MS).to_string(),
            "attributes": [
                {"key": "gen_ai.conversation.id", "value": {"stringValue": "conv-2"}},
                {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}}
            ]
        }]}]
    }]}))
    .unwrap();
    let resp = srv
        .c
        .post(srv.url("v1/traces"))
        .header("content-type", "application/json")
        .body(json_body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "{}");
    assert!(
        srv.traces("otlp-orphans").await.is_empty(),
        "no root yet, no trace"
    );

    // Then the root, gzip-compressed protobuf.
    let root = req(
        vec![s("openinference.project.name", "otlp-orphans")],
        vec![span(
            2,
            1,
            None,
            0,
            400,
            vec![s("input.value", "{\"q\": \"x\"}")],
        )],
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &root.encode_to_vec()).unwrap();
    let resp = srv
        .c
        .post(srv.url("v1/private/otel/v1/traces"))
        .header("content-type", "application/x-protobuf")
        .header("content-encoding", "gzip")
        .body(gz.finish().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    let traces = srv.traces("otlp-orphans").await;
    assert_eq!(traces.len(), 1);
    let t = &traces[0];
    assert_eq!(
        t["thread_id"], "conv-2",
        "the child's session reached the trace: {t}"
    );
    assert_eq!(t["input"], json!({"q": "x"}));
    let tid = t["id"].as_str().unwrap().to_string();
    let spans = srv.spans(&tid).await;
    assert_eq!(spans.len(), 2);
    let root_span = spans
        .iter()
        .find(|s| s["parent_span_id"].is_null())
        .unwrap();
    let child_span = spans
        .iter()
        .find(|s| !s["parent_span_id"].is_null())
        .unwrap();
    assert_eq!(
        child_span["parent_span_id"], root_span["id"],
        "orphan linked"
    );

    // Re-sending both changes nothing.
    srv.export_pb("v1/traces", &root, None).await;
    srv.export_pb("v1/traces", &child, None).await;
    assert_eq!(srv.traces("otlp-orphans").await.len(), 1);
    assert_eq!(srv.spans(&tid).await.len(), 2);
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[tokio::test]
async fn malformed_bodies_get_400_naming_the_problem_and_bad_ids_partial_success() {
    let srv = Srv::start().await;
    let resp = srv
        .c
        .post(srv.url("v1/private/otel/v1/traces"))
        .header("content-type", "application/x-protobuf")
        .body(vec![0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let v: Value = resp.json().await.unwrap();
    assert!(v["message"].as_str().unwrap().contains("protobuf"), "{v}");

    let resp = srv
        .c
        .post(srv.url("v1/traces"))
        .header("content-type", "application/json")
        .body(r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let v: Value = resp.json().await.unwrap();
    assert!(v["message"].as_str().unwrap().contains("traceId"), "{v}");

    let mut bad = span(3, 1, None, 0, 10, vec![]);
    bad.span_id = vec![1, 2];
    let resp = srv
        .export_pb(
            "v1/traces",
            &req(vec![], vec![bad, span(3, 2, None, 0, 10, vec![])]),
            Some("otlp-bad"),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let ack = ExportTraceServiceResponse::decode(resp.bytes().await.unwrap().as_ref()).unwrap();
    assert_eq!(ack.partial_success.unwrap().rejected_spans, 1);
    assert_eq!(srv.traces("otlp-bad").await.len(), 1);
}

#[tokio::test]
async fn metrics_kpis_and_stats_match_hand_computed_values() {
    let srv = Srv::start().await;
    // Day 1 (2026-01-05): traces of 100, 200, 300, 400 ms, one failing. Day 3: one of 1000 ms.
    // Each has one LLM child with usage; days are apart so the buckets are known.
    let mut spans = Vec::new();
    for (n, dur) in [(1u8, 100u64), (2, 200), (3, 300), (4, 400)] {
        let mut root = span(10 + n, 1, None, n as u64 * 1000, dur, vec![]);
        if n == 4 {
            root.status = Some(Status {
                code: 2,
                message: "boom".into(),
            });
        }
        spans.push(root);
        spans.push(span(
            10 + n,
            2,
            Some(1),
            n as u64 * 1000 + 1,
            10,
            vec![
                s("llm.model_name", "m"),
                i("llm.token_count.prompt", 10),
                i("llm.token_count.completion", n as i64),
            ],
        ));
    }
    spans.push(span(20, 1, None, 2 * 86_400_000, 1000, vec![]));
    let resp = srv
        .export_pb("v1/traces", &req(vec![], spans), Some("otlp-metrics"))
        .await;
    assert_eq!(resp.status(), 200);
    let pid = srv.project_id("otlp-metrics").await;

    let metric = |mt: &str, iv: &str| {
        json!({"metric_type": mt, "interval": iv,
               "interval_start": "2026-01-05T00:00:00Z", "interval_end": "2026-01-07T23:59:59Z"})
    };
    let (st, v) = srv
        .post(
            &format!("v1/private/projects/{pid}/metrics"),
            metric("TRACE_COUNT", "DAILY"),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["metric_type"], "TRACE_COUNT");
    let data = &v["results"][0]["data"];
    assert_eq!(v["results"][0]["name"], "traces");
    assert_eq!(
        data.as_array().unwrap().len(),
        3,
        "three daily buckets, filled: {v}"
    );
    assert_eq!(data[0]["time"], "2026-01-05T00:00:00.000000Z");
    assert_eq!(data[0]["value"], 4.0);
    assert!(
        data[1].get("value").is_none(),
        "empty bucket has no value: {v}"
    );
    assert_eq!(data[2]["value"], 1.0);

    let (_, v) = srv
        .post(
            &format!("v1/private/projects/{pid}/metrics"),
            metric("DURATION", "DAILY"),
        )
        .await;
    let series = |name: &str| {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {v}"))["data"]
            .clone()
    };
    // [100, 200, 300, 400]: p50 = 250, p90 = 370, p99 = 397 (linear interpolation).
    assert!((series("duration.p50")[0]["value"].as_f64().unwrap() - 250.0).abs() < 1e-6);
    assert!((series("duration.p90")[0]["value"].as_f64().unwrap() - 370.0).abs() < 1e-6);
    assert!((series("duration.p99")[0]["value"].as_f64().unwrap() - 397.0).abs() < 1e-6);
    assert!((series("duration.p50")[2]["value"].as_f64().unwrap() - 1000.0).abs() < 1e-6);

    let (_, v) = srv
        .post(
            &format!("v1/private/projects/{pid}/metrics"),
            metric("TOKEN_USAGE", "WEEKLY"),
        )
        .await;
    let names: Vec<&str> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["completion_tokens", "prompt_tokens", "total_tokens"],
        "{v}"
    );
    let prompt = &v["results"][1]["data"];
    assert_eq!(prompt.as_array().unwrap().len(), 1, "one Monday-based week");
    assert_eq!(prompt[0]["time"], "2026-01-05T00:00:00.000000Z");
    assert_eq!(prompt[0]["value"], 40.0);
    assert_eq!(v["results"][0]["data"][0]["value"], 10.0, "1+2+3+4");

    // Hourly buckets over day 1 only: 10:00 holds all four.
    let (_, v) = srv
        .post(
            &format!("v1/private/projects/{pid}/metrics"),
            json!({"metric_type": "TRACE_COUNT", "interval": "HOURLY",
                   "interval_start": "2026-01-05T08:30:00Z", "interval_end": "2026-01-05T11:00:00Z"}),
        )
        .await;
    let data = v["results"][0]["data"].as_array().unwrap().clone();
    let times: Vec<&str> = data.iter().map(|p| p["time"].as_str().unwrap()).collect();
    assert_eq!(
        times,
        [
            "2026-01-05T08:00:00.000000Z",
            "2026-01-05T09:00:00.000000Z",
            "2026-01-05T10:00:00.000000Z",
            "2026-01-05T11:00:00.000000Z"
        ]
    );
    assert_eq!(data[2]["value"], 4.0);

    // Trace filters apply (the filter module's fields).
    let (st, v) = srv
        .post(
            &format!("v1/private/projects/{pid}/metrics"),
            json!({"metric_type": "TRACE_COUNT", "interval": "DAILY",
                   "interval_start": "2026-01-05T00:00:00Z", "interval_end": "2026-01-07T23:59:59Z",
                   "trace_filters": [{"field": "duration", "operator": ">", "value": "250"}]}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        v["results"][0]["data"][0]["value"], 2.0,
        "300 and 400 ms: {v}"
    );

    // Bad requests name the problem.
    let (st, v) = srv
        .post(
            &format!("v1/private/projects/{pid}/metrics"),
            json!({"metric_type": "TRACE_COUNT", "interval": "DAILY",
                   "interval_start": "2026-01-07T00:00:00Z", "interval_end": "2026-01-05T00:00:00Z"}),
        )
        .await;
    assert_eq!(st, 400);
    assert!(v["message"].as_str().unwrap().contains("before"), "{v}");

    // KPI cards: day 1 (4 traces, 1 error, avg 250 ms) vs the day before (nothing).
    let (st, v) = srv
        .post(
            &format!("v1/private/projects/{pid}/kpi-cards"),
            json!({"entity_type": "traces", "interval_start": "2026-01-05T00:00:00Z", "interval_end": "2026-01-06T00:00:00Z"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let card = |k: &str| {
        v["stats"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["type"] == k)
            .unwrap()
            .clone()
    };
    assert_eq!(card("count")["current_value"], 4.0);
    assert_eq!(card("count")["previous_value"], 0.0);
    assert_eq!(card("errors")["current_value"], 25.0);
    assert_eq!(card("avg_duration")["current_value"], 250.0);
    // Day 3 against day 2 (the previous period holds nothing, day 3 one trace).
    let (_, v) = srv
        .post(
            &format!("v1/private/projects/{pid}/kpi-cards"),
            json!({"entity_type": "spans", "interval_start": "2026-01-05T00:00:00Z", "interval_end": "2026-01-08T00:00:00Z"}),
        )
        .await;
    assert_eq!(v["stats"][0]["current_value"], 9.0, "9 spans: {v}");

    // traces/stats over everything.
    let v = srv
        .get("v1/private/traces/stats?project_name=otlp-metrics")
        .await;
    let stat = |n: &str| {
        v["stats"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == n)
            .unwrap_or_else(|| panic!("no {n}: {v}"))
            .clone()
    };
    assert_eq!(stat("trace_count")["type"], "COUNT");
    assert_eq!(stat("trace_count")["value"], 5);
    assert_eq!(stat("duration")["type"], "PERCENTAGE");
    // [100, 200, 300, 400, 1000]: p50 = 300, p90 = 760.
    assert!((stat("duration")["value"]["p50"].as_f64().unwrap() - 300.0).abs() < 1e-6);
    assert!((stat("duration")["value"]["p90"].as_f64().unwrap() - 760.0).abs() < 1e-6);
    assert_eq!(stat("error_count")["value"], 1);
    assert_eq!(
        stat("usage.prompt_tokens")["value"],
        8.0,
        "40 tokens over 5 traces"
    );
    assert_eq!(stat("span_count")["value"], 1.8);
    let v = srv
        .get("v1/private/spans/stats?project_name=otlp-metrics&type=llm")
        .await;
    assert_eq!(v["stats"][0]["name"], "span_count");
    assert_eq!(v["stats"][0]["value"], 4);

    let v = srv.get("v1/private/projects/stats?name=otlp-metrics").await;
    let item = &v["content"][0];
    assert_eq!(item["project_id"], pid.as_str());
    assert_eq!(item["trace_count"], 5);
}

#[tokio::test]
async fn thread_metrics_honour_thread_filters() {
    let srv = Srv::start().await;
    // Thread "long": two traces; thread "short": one trace.
    let spans = vec![
        span(30, 1, None, 0, 100, vec![s("session.id", "long")]),
        span(31, 1, None, 1000, 100, vec![s("session.id", "long")]),
        span(32, 1, None, 2000, 100, vec![s("session.id", "short")]),
    ];
    let resp = srv
        .export_pb("v1/traces", &req(vec![], spans), Some("otlp-threads"))
        .await;
    assert_eq!(resp.status(), 200);
    let pid = srv.project_id("otlp-threads").await;
    let body = |filters: Value| {
        json!({"metric_type": "THREAD_COUNT", "interval": "TOTAL",
               "interval_start": "2020-01-01T00:00:00Z", "thread_filters": filters})
    };
    let (st, v) = srv
        .post(
            &format!("v1/private/projects/{pid}/metrics"),
            body(json!([])),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["results"][0]["name"], "threads");
    assert_eq!(v["results"][0]["data"][0]["value"], 2.0, "{v}");
    let (st, v) = srv
        .post(
            &format!("v1/private/projects/{pid}/metrics"),
            body(json!([{"field": "number_of_messages", "operator": ">", "value": "2"}])),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        v["results"][0]["data"][0]["value"], 1.0,
        "only the two-trace thread: {v}"
    );
    let (st, v) = srv
        .post(
            &format!("v1/private/projects/{pid}/kpi-cards"),
            json!({"entity_type": "threads", "interval_start": "2020-01-01T00:00:00Z",
                   "filters": "[{\"field\":\"id\",\"operator\":\"=\",\"value\":\"short\"}]"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["stats"][0]["current_value"], 1.0, "{v}");
}
