//! Tests of OTLP decoding, id mapping and span mapping.

use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, span};
use prost::Message;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{decode::*, ids::*, map::*};

fn kv(k: &str, v: any_value::Value) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: Some(AnyValue { value: Some(v) }),
    }
}
fn s(k: &str, v: &str) -> KeyValue {
    kv(k, any_value::Value::StringValue(v.into()))
}
fn i(k: &str, v: i64) -> KeyValue {
    kv(k, any_value::Value::IntValue(v))
}

const T0: u64 = 1_763_700_000_000_000_000; // 2025-11-21T04:40:00Z in ns

fn span(tid: u8, sid: u8, parent: Option<u8>, start_ms: u64, attrs: Vec<KeyValue>) -> Span {
    Span {
        trace_id: vec![tid; 16],
        span_id: vec![sid; 8],
        parent_span_id: parent.map(|p| vec![p; 8]).unwrap_or_default(),
        name: format!("span-{sid}"),
        start_time_unix_nano: T0 + start_ms * 1_000_000,
        end_time_unix_nano: T0 + (start_ms + 100) * 1_000_000,
        attributes: attrs,
        ..Default::default()
    }
}

fn request(resource: Vec<KeyValue>, spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: resource,
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "test".into(),
                    ..Default::default()
                }),
                spans,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

#[test]
fn ids_match_opik_layout_and_are_deterministic() {
    let id = otel_id_to_uuid_v7(&[7u8; 8], 1_700_000_000_123);
    assert_eq!(id.get_version_num(), 7);
    assert_eq!(uuid_v7_millis(&id), 1_700_000_000_123);
    assert_eq!(id, otel_id_to_uuid_v7(&[7u8; 8], 1_700_000_000_123));
    assert_ne!(id, otel_id_to_uuid_v7(&[8u8; 8], 1_700_000_000_123));
    // Bytes 6..16 come from SHA-256 of the id with version/variant bits forced.
    let h = Sha256::digest([7u8; 8]);
    let b = id.as_bytes();
    assert_eq!(b[7], h[1]);
    assert_eq!(b[6] & 0x0F, h[0] & 0x0F);
    assert_eq!(b[8] & 0x3F, h[2] & 0x3F);
    assert_eq!(&b[9..16], &h[3..10]);
}

#[test]
fn openinference_llm_span_maps_messages_model_usage_and_kind() {
    let req = request(
        vec![
            s("openinference.project.name", "oi-proj"),
            s("service.name", "svc"),
        ],
        vec![
            span(
                1,
                1,
                None,
                0,
                vec![
                    s("openinference.span.kind", "CHAIN"),
                    s("input.value", "What is 2+2?"),
                    s("output.value", "{\"answer\": \"4\"}"),
                    s("output.mime_type", "application/json"),
                    s("session.id", "sess-1"),
                    s("tag.tags", "[\"a\",\"b\"]"),
                    s("metadata", "{\"user\":\"u1\"}"),
                ],
            ),
            span(
                1,
                2,
                Some(1),
                10,
                vec![
                    s("openinference.span.kind", "LLM"),
                    s("llm.model_name", "gpt-4o-mini"),
                    s("llm.provider", "OpenAI"),
                    s("llm.input_messages.0.message.role", "system"),
                    s("llm.input_messages.0.message.content", "Be brief"),
                    s("llm.input_messages.1.message.role", "user"),
                    s("llm.input_messages.1.message.content", "What is 2+2?"),
                    s("llm.output_messages.0.message.role", "assistant"),
                    s("llm.output_messages.0.message.content", "4"),
                    i("llm.token_count.prompt", 12),
                    i("llm.token_count.completion", 3),
                    s("custom.attr", "kept"),
                ],
            ),
            span(
                1,
                3,
                Some(2),
                20,
                vec![s("openinference.span.kind", "RETRIEVER")],
            ),
            span(
                1,
                4,
                Some(1),
                30,
                vec![s("openinference.span.kind", "TOOL")],
            ),
            span(
                1,
                5,
                Some(1),
                40,
                vec![s("openinference.span.kind", "GUARDRAIL")],
            ),
        ],
    );
    let mut r = MemoryResolver::default();
    let m = map_request(&req, None, &mut r);
    assert_eq!(m.traces.len(), 1);
    assert_eq!(m.spans.len(), 5);
    let t = &m.traces[0];
    assert_eq!(t.project_name.as_deref(), Some("oi-proj"));
    assert_eq!(t.thread_id.as_deref(), Some("sess-1"));
    assert_eq!(t.input, Some(json!({"input": "What is 2+2?"})));
    assert_eq!(t.output, Some(json!({"answer": "4"})));
    assert_eq!(t.tags, Some(vec!["a".to_string(), "b".to_string()]));
    assert_eq!(t.metadata.as_ref().unwrap()["user"], "u1");
    let trace_id = t.id.unwrap();
    assert_eq!(uuid_v7_millis(&trace_id), T0 / 1_000_000);

    let llm = &m.spans[1];
    assert_eq!(llm.span_type.as_deref(), Some("llm"));
    assert_eq!(llm.model.as_deref(), Some("gpt-4o-mini"));
    assert_eq!(llm.provider.as_deref(), Some("openai"));
    assert_eq!(llm.trace_id, Some(trace_id));
    assert_eq!(llm.parent_span_id, m.spans[0].id);
    let usage = llm.usage.as_ref().unwrap();
    assert_eq!(usage["prompt_tokens"], 12);
    assert_eq!(usage["completion_tokens"], 3);
    assert_eq!(usage["total_tokens"], 15);
    assert_eq!(
        llm.input.as_ref().unwrap()["messages"],
        json!([{"role":"system","content":"Be brief"},{"role":"user","content":"What is 2+2?"}])
    );
    assert_eq!(
        llm.output.as_ref().unwrap()["messages"],
        json!([{"role":"assistant","content":"4"}])
    );
    assert_eq!(llm.metadata.as_ref().unwrap()["custom.attr"], "kept");
    let types: Vec<_> = m
        .spans
        .iter()
        .map(|s| s.span_type.clone().unwrap())
        .collect();
    assert_eq!(types, ["general", "llm", "general", "tool", "guardrail"]);
}

#[test]
fn genai_conventions_map_messages_model_usage_and_conversation() {
    let msgs = r#"[{"role":"user","parts":[{"type":"text","content":"hi there"}]}]"#;
    let out = r#"[{"role":"assistant","parts":[{"type":"text","content":"hello"}],"finish_reason":"stop"}]"#;
    let req = request(
        vec![s("service.name", "genai-svc")],
        vec![span(
            2,
            1,
            None,
            0,
            vec![
                s("gen_ai.operation.name", "chat"),
                s("gen_ai.request.model", "claude-x"),
                s("gen_ai.response.model", "claude-x-2025"),
                s("gen_ai.provider.name", "anthropic"),
                i("gen_ai.usage.input_tokens", 7),
                i("gen_ai.usage.output_tokens", 2),
                s("gen_ai.conversation.id", "conv-9"),
                s("gen_ai.input.messages", msgs),
                s("gen_ai.output.messages", out),
            ],
        )],
    );
    let m = map_request(&req, Some("hdr-proj"), &mut MemoryResolver::default());
    let sp = &m.spans[0];
    assert_eq!(sp.project_name.as_deref(), Some("hdr-proj"), "header wins");
    assert_eq!(sp.span_type.as_deref(), Some("llm"));
    assert_eq!(sp.model.as_deref(), Some("claude-x-2025"));
    assert_eq!(sp.provider.as_deref(), Some("anthropic"));
    assert_eq!(sp.usage.as_ref().unwrap()["total_tokens"], 9);
    assert_eq!(
        sp.input,
        Some(json!({"messages":[{"role":"user","content":"hi there"}]}))
    );
    assert_eq!(
        sp.output,
        Some(json!({"messages":[{"role":"assistant","content":"hello","finish_reason":"stop"}]}))
    );
    assert_eq!(m.traces[0].thread_id.as_deref(), Some("conv-9"));
}

#[test]
fn legacy_genai_indexed_prompt_and_completion() {
    let req = request(
        vec![],
        vec![span(
            3,
            1,
            None,
            0,
            vec![
                s("gen_ai.system", "openai"),
                s("gen_ai.prompt.0.role", "user"),
                s("gen_ai.prompt.0.content", "q"),
                s("gen_ai.completion.0.role", "assistant"),
                s("gen_ai.completion.0.content", "a"),
                i("gen_ai.usage.prompt_tokens", 1),
            ],
        )],
    );
    let m = map_request(&req, None, &mut MemoryResolver::default());
    let sp = &m.spans[0];
    assert_eq!(sp.project_name.as_deref(), Some(DEFAULT_PROJECT));
    assert_eq!(sp.provider.as_deref(), Some("openai"));
    assert_eq!(sp.span_type.as_deref(), Some("llm"));
    assert_eq!(
        sp.input,
        Some(json!({"messages":[{"role":"user","content":"q"}]}))
    );
    assert_eq!(
        sp.output,
        Some(json!({"messages":[{"role":"assistant","content":"a"}]}))
    );
}

#[test]
fn error_status_and_exception_event_become_error_info() {
    let mut sp = span(4, 1, None, 0, vec![]);
    sp.status = Some(Status {
        code: 2,
        message: "boom".into(),
    });
    sp.events.push(span::Event {
        name: "exception".into(),
        attributes: vec![
            s("exception.type", "ValueError"),
            s("exception.message", "bad value"),
            s("exception.stacktrace", "Traceback..."),
        ],
        ..Default::default()
    });
    let m = map_request(
        &request(vec![], vec![sp]),
        None,
        &mut MemoryResolver::default(),
    );
    let e = m.traces[0].error_info.clone().unwrap();
    assert_eq!(e.exception_type.as_deref(), Some("ValueError"));
    assert_eq!(e.message.as_deref(), Some("bad value"));
    assert_eq!(e.traceback.as_deref(), Some("Traceback..."));
    assert_eq!(m.spans[0].error_info, Some(e));

    let mut ok = span(4, 2, None, 0, vec![]);
    ok.status = Some(Status {
        code: 2,
        message: "only status".into(),
    });
    let m = map_request(
        &request(vec![], vec![ok]),
        None,
        &mut MemoryResolver::default(),
    );
    let e = m.spans[0].error_info.clone().unwrap();
    assert_eq!(e.exception_type.as_deref(), Some("Error"));
    assert_eq!(e.message.as_deref(), Some("only status"));
}

#[test]
fn orphans_get_their_parents_final_ids_across_batches() {
    // The child arrives first (as BatchSpanProcessor often sends it), the root later.
    let mut r = MemoryResolver::default();
    let child = request(
        vec![],
        vec![span(5, 2, Some(1), 50, vec![s("session.id", "s5")])],
    );
    let m1 = map_request(&child, None, &mut r);
    assert!(m1.traces.is_empty());
    let trace_id = m1.spans[0].trace_id.unwrap();
    assert_eq!(
        m1.thread_hints,
        vec![(DEFAULT_PROJECT.to_string(), trace_id, "s5".to_string())]
    );
    let root = request(vec![], vec![span(5, 1, None, 0, vec![])]);
    let m2 = map_request(&root, None, &mut r);
    assert_eq!(m2.traces[0].id, Some(trace_id), "same trace across batches");
    assert_eq!(
        m1.spans[0].parent_span_id, m2.spans[0].id,
        "child linked to the root"
    );
    // A re-send gives the same ids (upsert).
    let m3 = map_request(&root, None, &mut r);
    assert_eq!(m3.spans[0].id, m2.spans[0].id);
}

#[test]
fn bad_ids_are_rejected_not_fatal() {
    let mut bad = span(6, 1, None, 0, vec![]);
    bad.span_id = vec![1, 2, 3];
    let good = span(6, 2, None, 0, vec![]);
    let m = map_request(
        &request(vec![], vec![bad, good]),
        None,
        &mut MemoryResolver::default(),
    );
    assert_eq!(m.rejected, 1);
    assert!(m.reject_reason.contains("3 bytes"), "{}", m.reject_reason);
    assert_eq!(m.spans.len(), 1);
}

#[test]
fn project_falls_back_from_header_to_resource() {
    assert_eq!(project_name(Some(" p "), &[]), "p");
    assert_eq!(project_name(None, &[s("service.name", "svc")]), "svc");
    assert_eq!(
        project_name(
            None,
            &[
                s("service.name", "svc"),
                s("openinference.project.name", "oi")
            ]
        ),
        "oi"
    );
    assert_eq!(
        project_name(None, &[s("service.name", "unknown_service:python")]),
        DEFAULT_PROJECT
    );
}

fn sample_json() -> String {
    r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"json-svc"}}]},
      "scopeSpans":[{"scope":{"name":"x"},"spans":[
        {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"root",
         "kind":2,"startTimeUnixNano":"1544712660000000000","endTimeUnixNano":1544712661000000000,
         "attributes":[{"key":"input.value","value":{"stringValue":"hello"}},
                       {"key":"llm.token_count.prompt","value":{"intValue":"5"}},
                       {"key":"score","value":{"doubleValue":0.5}},
                       {"key":"flags","value":{"arrayValue":{"values":[{"boolValue":true}]}}},
                       {"key":"obj","value":{"kvlistValue":{"values":[{"key":"a","value":{"intValue":1}}]}}}],
         "status":{"code":"STATUS_CODE_ERROR","message":"bad"}},
        {"trace_id":"5b8efff798038103d269b633813fc60c","span_id":"eee19b7ec3c1b175","parent_span_id":"eee19b7ec3c1b174",
         "name":"child","start_time_unix_nano":"1544712660500000000","end_time_unix_nano":"1544712660600000000"}
      ]}]}]}"#
        .to_string()
}

#[test]
fn json_and_protobuf_decode_to_the_same_request() {
    let from_json = decode(sample_json().as_bytes(), Some("application/json"), None).unwrap();
    let sp = &from_json.resource_spans[0].scope_spans[0].spans;
    assert_eq!(sp.len(), 2);
    assert_eq!(
        hex::encode(&sp[0].trace_id),
        "5b8efff798038103d269b633813fc60c"
    );
    assert_eq!(sp[0].start_time_unix_nano, 1_544_712_660_000_000_000);
    assert_eq!(sp[0].end_time_unix_nano, 1_544_712_661_000_000_000);
    assert_eq!(sp[0].status.as_ref().unwrap().code, 2);
    assert_eq!(sp[0].kind, 2);
    assert_eq!(sp[1].parent_span_id, sp[0].span_id);
    let pb = from_json.encode_to_vec();
    let from_pb = decode(&pb, Some("application/x-protobuf"), None).unwrap();
    assert_eq!(from_pb, from_json);

    // gzip, with and without the header.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &pb).unwrap();
    let gz = gz.finish().unwrap();
    assert_eq!(decode(&gz, None, Some("gzip")).unwrap(), from_json);
    assert_eq!(decode(&gz, None, None).unwrap(), from_json);

    let m = map_request(&from_json, None, &mut MemoryResolver::default());
    assert_eq!(m.traces[0].project_name.as_deref(), Some("json-svc"));
    assert_eq!(
        m.traces[0].error_info.as_ref().unwrap().message.as_deref(),
        Some("bad")
    );
    let meta = m.spans[0].metadata.as_ref().unwrap();
    assert_eq!(meta["score"], 0.5);
    assert_eq!(meta["flags"], json!([true]));
    assert_eq!(meta["obj"], json!({"a": 1}));
    assert_eq!(m.spans[0].usage.as_ref().unwrap()["prompt_tokens"], 5);
}

#[test]
fn malformed_bodies_name_the_problem() {
    let e = decode(b"\xff\xff\xff\xff", Some("application/x-protobuf"), None).unwrap_err();
    assert_eq!(e.status(), 400);
    assert!(e.to_string().contains("protobuf"), "{e}");
    let e = decode(b"{not json", Some("application/json"), None).unwrap_err();
    assert!(e.to_string().contains("OTLP JSON"), "{e}");
    let e = decode(
        br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz"}]}]}]}"#,
        Some("application/json"),
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("traceId"), "{e}");
    let e = decode(b"\x1f\x8b\x08garbage", None, Some("gzip")).unwrap_err();
    assert!(e.to_string().contains("gzip"), "{e}");
    let e = decode(b"x", None, Some("br")).unwrap_err();
    assert_eq!(e.status(), 415);
}

#[test]
fn responses_use_the_request_encoding() {
    assert!(encode_response(Encoding::Protobuf, 0, "").is_empty());
    assert_eq!(encode_response(Encoding::Json, 0, ""), b"{}");
    let pb = encode_response(Encoding::Protobuf, 2, "bad ids");
    let r = ExportTraceServiceResponse::decode(pb.as_slice()).unwrap();
    assert_eq!(r.partial_success.unwrap().rejected_spans, 2);
    let j: Value = serde_json::from_slice(&encode_response(Encoding::Json, 2, "x")).unwrap();
    assert_eq!(j["partialSuccess"]["rejectedSpans"], "2");
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512),
                                    json in any::<bool>(), gz in any::<bool>()) {
            let ct = if json { "application/json" } else { "application/x-protobuf" };
            let enc = if gz { Some("gzip") } else { None };
            if let Ok(req) = decode(&bytes, Some(ct), enc) {
                let _ = map_request(&req, None, &mut MemoryResolver::default());
            }
        }

        #[test]
        fn mutated_valid_protobuf_never_panics(pos in 0usize..4096, byte in any::<u8>(), cut in 0usize..4096) {
            let req = decode(sample_json().as_bytes(), Some("application/json"), None).unwrap();
            let mut pb = req.encode_to_vec();
            let n = pb.len();
            pb[pos % n] = byte;
            pb.truncate(cut % (n + 1));
            if let Ok(req) = decode(&pb, None, None) {
                let _ = map_request(&req, Some("p"), &mut MemoryResolver::default());
            }
        }

        #[test]
        fn mutated_valid_json_never_panics(pos in 0usize..4096, ch in proptest::char::any()) {
            let mut s: Vec<char> = sample_json().chars().collect();
            let n = s.len();
            s[pos % n] = ch;
            let s: String = s.into_iter().collect();
            if let Ok(req) = decode(s.as_bytes(), Some("application/json"), None) {
                let _ = map_request(&req, None, &mut MemoryResolver::default());
            }
        }

        #[test]
        fn arbitrary_attribute_values_map(key in "[a-z_.0-9]{1,30}", sv in ".{0,40}", iv in any::<i64>(), dv in any::<f64>()) {
            let req = request(vec![], vec![span(9, 1, None, 0, vec![
                s(&key, &sv), i(&format!("{key}.n"), iv), kv(&format!("{key}.d"), any_value::Value::DoubleValue(dv)),
                s("llm.input_messages.x.message.role", &sv), s("gen_ai.input.messages", &sv), s("tag.tags", &sv),
            ])]);
            let m = map_request(&req, None, &mut MemoryResolver::default());
            prop_assert_eq!(m.spans.len(), 1);
        }
    }
}
