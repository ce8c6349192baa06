//! Decoded spans → Opik [`SpanWrite`]s and, for root spans, [`TraceWrite`]s (pure; no storage).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::Span;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use opik_model::{ErrorInfo, SpanWrite, TraceWrite};

use super::{attrs::*, ids::*};

/// The project used when neither the header nor the resource names one.
pub const DEFAULT_PROJECT: &str = "Default Project";

/// The Opik records a request maps to.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Mapped {
    /// One per root span.
    pub traces: Vec<TraceWrite>,
    /// Every accepted span, roots included.
    pub spans: Vec<SpanWrite>,
    /// Thread ids learnt from non-root spans whose root is not in this request:
    /// `(project, trace id, thread id)`; the server sets them on the trace (now or when the
    /// root arrives).
    pub thread_hints: Vec<(String, Uuid, String)>,
    /// Spans skipped because their trace or span id is not 16/8 bytes, and why.
    pub rejected: i64,
    pub reject_reason: String,
}

/// Map a decoded request. `header_project` is the `projectName` header.
pub fn map_request(
    req: &ExportTraceServiceRequest,
    header_project: Option<&str>,
    resolver: &mut dyn TraceIdResolver,
) -> Mapped {
    let mut out = Mapped::default();
    for rs in &req.resource_spans {
        let res_attrs: &[KeyValue] = rs
            .resource
            .as_ref()
            .map(|r| r.attributes.as_slice())
            .unwrap_or(&[]);
        let project = project_name(header_project, res_attrs);

        // First pass: the earliest start per trace in this request (Opik sorts by start time
        // and uses the first span's time for a trace it has not seen).
        let mut first_seen: HashMap<&[u8], u64> = HashMap::new();
        for ss in &rs.scope_spans {
            for sp in &ss.spans {
                if valid_ids(sp) {
                    let t = first_seen
                        .entry(sp.trace_id.as_slice())
                        .or_insert(sp.start_time_unix_nano);
                    *t = (*t).min(sp.start_time_unix_nano);
                }
            }
        }
        let mut trace_ids: HashMap<&[u8], Uuid> = HashMap::new();
        for (otel, ns) in &first_seen {
            trace_ids.insert(otel, resolver.resolve(&project, otel, ns / 1_000_000));
        }

        // Thread ids found anywhere in a trace of this request.
        let mut threads: HashMap<&[u8], String> = HashMap::new();
        let mut roots: HashSet<&[u8]> = HashSet::new();
        for ss in &rs.scope_spans {
            for sp in &ss.spans {
                if !valid_ids(sp) {
                    continue;
                }
                if sp.parent_span_id.is_empty() {
                    roots.insert(sp.trace_id.as_slice());
                }
                if let Some(t) = thread_of(&sp.attributes) {
                    threads.entry(sp.trace_id.as_slice()).or_insert(t);
                }
            }
        }

        for ss in &rs.scope_spans {
            for sp in &ss.spans {
                if !valid_ids(sp) {
                    out.rejected += 1;
                    out.reject_reason = format!(
                        "span `{}` has a trace id of {} bytes and a span id of {} bytes; OTLP needs 16 and 8",
                        sp.name.chars().take(80).collect::<String>(),
                        sp.trace_id.len(),
                        sp.span_id.len()
                    );
                    continue;
                }
                let Some(trace_id) = trace_ids.get(sp.trace_id.as_slice()).copied() else {
                    continue;
                };
                let t_ms = uuid_v7_millis(&trace_id);
                let m = map_span(sp, ss.scope.as_ref());
                let id = otel_id_to_uuid_v7(&sp.span_id, t_ms);
                let parent = (!sp.parent_span_id.is_empty())
                    .then(|| otel_id_to_uuid_v7(&sp.parent_span_id, t_ms));
                let thread = threads.get(sp.trace_id.as_slice()).cloned();
                if parent.is_none() {
                    out.traces.push(TraceWrite {
                        id: Some(trace_id),
                        project_name: Some(project.clone()),
                        name: Some(sp.name.clone()),
                        start_time: Some(m.start),
                        end_time: m.end,
                        input: m.input.clone(),
                        output: m.output.clone(),
                        metadata: m.metadata.clone(),
                        tags: m.tags.clone(),
                        error_info: m.error.clone(),
                        thread_id: thread,
                        ..Default::default()
                    });
                } else if let Some(th) = thread
                    && !roots.contains(sp.trace_id.as_slice())
                    && thread_of(&sp.attributes).is_some()
                {
                    out.thread_hints.push((project.clone(), trace_id, th));
                }
                out.spans.push(SpanWrite {
                    id: Some(id),
                    project_name: Some(project.clone()),
                    trace_id: Some(trace_id),
                    parent_span_id: parent,
                    name: Some(sp.name.clone()),
                    span_type: Some(m.span_type.to_string()),
                    start_time: Some(m.start),
                    end_time: m.end,
                    input: m.input,
                    output: m.output,
                    metadata: m.metadata,
                    model: m.model,
                    provider: m.provider,
                    tags: m.tags,
                    usage: m.usage,
                    error_info: m.error,
                    total_estimated_cost: m.cost,
                    ..Default::default()
                });
            }
        }
    }
    out.thread_hints.sort();
    out.thread_hints.dedup();
    out
}

pub(super) fn valid_ids(sp: &Span) -> bool {
    sp.trace_id.len() == 16
        && sp.span_id.len() == 8
        && sp.trace_id.iter().any(|b| *b != 0)
        && (sp.parent_span_id.is_empty() || sp.parent_span_id.len() == 8)
}

/// `projectName` header, else resource `openinference.project.name`, else `service.name`
/// (the SDKs' placeholder `unknown_service…` counts as none), else the default project.
pub fn project_name(header: Option<&str>, resource: &[KeyValue]) -> String {
    if let Some(h) = header.map(str::trim).filter(|h| !h.is_empty()) {
        return h.to_string();
    }
    for key in ["openinference.project.name", "service.name"] {
        if let Some(v) = find(resource, key).and_then(any_str)
            && !v.trim().is_empty()
            && !v.starts_with("unknown_service")
        {
            return v.trim().to_string();
        }
    }
    DEFAULT_PROJECT.to_string()
}

pub(super) struct SpanFields {
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    span_type: &'static str,
    input: Option<Value>,
    output: Option<Value>,
    metadata: Option<Value>,
    model: Option<String>,
    provider: Option<String>,
    tags: Option<Vec<String>>,
    usage: Option<BTreeMap<String, i64>>,
    error: Option<ErrorInfo>,
    cost: Option<f64>,
}

pub(super) fn map_span(sp: &Span, scope: Option<&InstrumentationScope>) -> SpanFields {
    let start = nanos_to_time(sp.start_time_unix_nano)
        .or_else(|| nanos_to_time(sp.end_time_unix_nano))
        .unwrap_or_else(Utc::now);
    let end = nanos_to_time(sp.end_time_unix_nano).filter(|e| *e >= start);

    let mut g = Gathered::default();
    let mut used: HashSet<&str> = HashSet::new();
    for kv in &sp.attributes {
        let Some(v) = kv.value.as_ref() else { continue };
        let k = kv.key.as_str();
        if g.attr(k, v) {
            used.insert(k);
        }
    }
    for kv in &sp.attributes {
        if !used.contains(kv.key.as_str())
            && let Some(v) = kv.value.as_ref()
        {
            g.metadata.insert(kv.key.clone(), any_json(v));
        }
    }
    g.events(sp);
    g.finish(sp, scope, start, end)
}

/// What one span's attributes and events say, gathered before it becomes [`SpanFields`].
#[derive(Default)]
struct Gathered {
    input: Option<Value>,
    output: Option<Value>,
    in_msgs: BTreeMap<usize, Msg>,
    out_msgs: BTreeMap<usize, Msg>,
    in_list: Vec<Value>,
    out_list: Vec<Value>,
    metadata: Map<String, Value>,
    model_req: Option<String>,
    model_resp: Option<String>,
    provider: Option<String>,
    usage: BTreeMap<String, i64>,
    tags: Vec<String>,
    kind_oi: Option<String>,
    gen_ai_op: Option<String>,
    cost: Option<f64>,
    error: Option<ErrorInfo>,
}

impl Gathered {
    /// Take one attribute; `true` when it was consumed (the rest go to metadata as is).
    fn attr(&mut self, k: &str, v: &AnyValue) -> bool {
        self.io_attr(k, v) || self.llm_attr(k, v) || self.meta_attr(k, v)
    }

    /// Input, output and their messages (OpenInference and GenAI, flat or as JSON).
    fn io_attr(&mut self, k: &str, v: &AnyValue) -> bool {
        match k {
            "input.value" => self.input = Some(value_object(any_json(v), "input")),
            "output.value" => self.output = Some(value_object(any_json(v), "output")),
            "input.mime_type" | "output.mime_type" => {}
            "gen_ai.input.messages" | "gen_ai.prompt" => {
                let j = any_json(v);
                match genai_messages(&j) {
                    Some(m) => self.in_list.extend(m),
                    None => {
                        self.input
                            .get_or_insert_with(|| json!({}))
                            .as_object_mut()
                            .map(|o| o.insert("prompt".into(), j));
                    }
                }
            }
            "gen_ai.output.messages" | "gen_ai.completion" => {
                let j = any_json(v);
                match genai_messages(&j) {
                    Some(m) => self.out_list.extend(m),
                    None => {
                        self.output
                            .get_or_insert_with(|| json!({}))
                            .as_object_mut()
                            .map(|o| o.insert("completion".into(), j));
                    }
                }
            }
            "gen_ai.system_instructions" => {
                if let Some(s) = genai_messages(&any_json(v)) {
                    for m in s {
                        let mut m = m;
                        if let Some(o) = m.as_object_mut() {
                            o.insert("role".into(), json!("system"));
                        }
                        self.in_list.insert(0, m);
                    }
                }
            }
            _ => {
                return if let Some(rest) = k.strip_prefix("llm.input_messages.") {
                    push_msg_attr(&mut self.in_msgs, rest, v)
                } else if let Some(rest) = k.strip_prefix("llm.output_messages.") {
                    push_msg_attr(&mut self.out_msgs, rest, v)
                } else if let Some(rest) = k.strip_prefix("gen_ai.prompt.") {
                    push_msg_attr(&mut self.in_msgs, rest, v)
                } else if let Some(rest) = k.strip_prefix("gen_ai.completion.") {
                    push_msg_attr(&mut self.out_msgs, rest, v)
                } else {
                    false
                };
            }
        }
        true
    }

    /// Span kind, model, provider, operation, token usage and cost.
    fn llm_attr(&mut self, k: &str, v: &AnyValue) -> bool {
        match k {
            "openinference.span.kind" => {
                self.kind_oi = any_str(v).map(|s| s.to_ascii_uppercase());
            }
            "llm.model_name" | "gen_ai.response.model" => self.model_resp = any_str(v),
            "gen_ai.request.model" => self.model_req = any_str(v),
            "llm.provider" | "gen_ai.provider.name" => {
                self.provider = any_str(v).or(self.provider.take());
            }
            "llm.system" | "gen_ai.system" => {
                if self.provider.is_none() {
                    self.provider = any_str(v);
                }
            }
            "gen_ai.operation.name" => self.gen_ai_op = any_str(v),
            "llm.token_count.prompt"
            | "gen_ai.usage.input_tokens"
            | "gen_ai.usage.prompt_tokens" => self.count("prompt_tokens", v),
            "llm.token_count.completion"
            | "gen_ai.usage.output_tokens"
            | "gen_ai.usage.completion_tokens" => self.count("completion_tokens", v),
            "llm.token_count.total" | "gen_ai.usage.total_tokens" => self.count("total_tokens", v),
            "llm.cost.total" | "gen_ai.usage.cost" => {
                self.cost = match v.value.as_ref() {
                    Some(any_value::Value::DoubleValue(d)) if d.is_finite() => Some(*d),
                    Some(any_value::Value::IntValue(i)) => Some(*i as f64),
                    Some(any_value::Value::StringValue(s)) => {
                        s.trim().parse::<f64>().ok().filter(|f| f.is_finite())
                    }
                    _ => None,
                };
            }
            _ => return false,
        }
        true
    }

    fn count(&mut self, key: &str, v: &AnyValue) {
        if let Some(n) = any_i64(v) {
            self.usage.insert(key.into(), n);
        }
    }

    /// Tags, metadata, thread ids and invocation parameters.
    fn meta_attr(&mut self, k: &str, v: &AnyValue) -> bool {
        match k {
            "tag.tags" => self.tags.extend(tags_of(v)),
            "metadata" => match any_json(v) {
                Value::Object(o) => self.metadata.extend(o),
                other => {
                    self.metadata.insert("metadata".into(), other);
                }
            },
            "session.id" | "gen_ai.conversation.id" | "thread_id" | "thread.id" => {
                // Becomes the trace's thread id; kept in metadata too so span-level views show it.
                self.metadata.insert(k.to_string(), any_json(v));
            }
            "llm.invocation_parameters" => {
                self.metadata
                    .insert("invocation_parameters".into(), any_json(v));
            }
            _ => return false,
        }
        true
    }

    /// Older GenAI semconv sends messages as events; exceptions come as events too.
    fn events(&mut self, sp: &Span) {
        for ev in &sp.events {
            match ev.name.as_str() {
                "gen_ai.system.message"
                | "gen_ai.user.message"
                | "gen_ai.assistant.message"
                | "gen_ai.tool.message" => {
                    let role = ev.name["gen_ai.".len()..].trim_end_matches(".message");
                    let content = find(&ev.attributes, "content").map(any_json);
                    let mut m = json!({ "role": role });
                    if let Some(c) = content {
                        m["content"] = c;
                    }
                    self.in_list.push(m);
                }
                "gen_ai.choice" => {
                    if let Some(msg) = find(&ev.attributes, "message").map(any_json) {
                        self.out_list.push(msg);
                    }
                }
                "exception" => {
                    self.error = Some(ErrorInfo {
                        exception_type: find(&ev.attributes, "exception.type").and_then(any_str),
                        message: find(&ev.attributes, "exception.message").and_then(any_str),
                        traceback: Some(
                            find(&ev.attributes, "exception.stacktrace")
                                .and_then(any_str)
                                .unwrap_or_default(),
                        ),
                    });
                }
                _ => {}
            }
        }
    }

    fn finish(
        self,
        sp: &Span,
        scope: Option<&InstrumentationScope>,
        start: DateTime<Utc>,
        end: Option<DateTime<Utc>>,
    ) -> SpanFields {
        let Gathered {
            input,
            output,
            in_msgs,
            out_msgs,
            in_list,
            out_list,
            mut metadata,
            model_req,
            model_resp,
            provider,
            mut usage,
            mut tags,
            kind_oi,
            gen_ai_op,
            cost,
            error,
        } = self;
        let mut in_all = msgs_to_json(in_msgs);
        in_all.extend(in_list);
        let mut out_all = msgs_to_json(out_msgs);
        out_all.extend(out_list);
        let input = with_messages(input, "messages", in_all);
        let output = with_messages(output, "messages", out_all);
        let error = span_error(sp, error, &mut metadata);
        if !usage.contains_key("total_tokens")
            && let (Some(p), Some(c)) = (usage.get("prompt_tokens"), usage.get("completion_tokens"))
        {
            let t = p.saturating_add(*c);
            usage.insert("total_tokens".into(), t);
        }
        let model = model_resp.or(model_req);
        let span_type = span_type(
            kind_oi.as_deref(),
            gen_ai_op.as_deref(),
            model.is_some() || !usage.is_empty(),
        );
        if let Some(s) = scope.filter(|s| !s.name.is_empty()) {
            metadata
                .entry("otel.scope.name")
                .or_insert_with(|| json!(s.name));
        }
        tags.dedup();
        SpanFields {
            start,
            end,
            span_type,
            input,
            output,
            metadata: (!metadata.is_empty()).then_some(Value::Object(metadata)),
            model,
            provider: provider.map(|p| p.to_ascii_lowercase()),
            tags: (!tags.is_empty()).then_some(tags),
            usage: (!usage.is_empty()).then_some(usage),
            error,
            cost,
        }
    }
}

/// The span's error: a failed status (code 2) gives one, filled in from an exception event;
/// an exception event on a span that did not fail is kept in metadata, not as an error.
fn span_error(
    sp: &Span,
    error: Option<ErrorInfo>,
    metadata: &mut Map<String, Value>,
) -> Option<ErrorInfo> {
    let status_error = sp.status.as_ref().is_some_and(|s| s.code == 2);
    if status_error {
        let msg = sp
            .status
            .as_ref()
            .map(|s| s.message.clone())
            .unwrap_or_default();
        let mut e = error.unwrap_or_default();
        if e.exception_type.is_none() {
            e.exception_type = Some("Error".into());
        }
        if e.message.as_deref().unwrap_or("").is_empty() && !msg.is_empty() {
            e.message = Some(msg);
        }
        if e.traceback.is_none() {
            e.traceback = Some(String::new());
        }
        Some(e)
    } else {
        if let Some(e) = error {
            metadata.insert(
                "exception".into(),
                serde_json::to_value(e).unwrap_or(Value::Null),
            );
        }
        None
    }
}

/// Opik's span types are `general`, `tool`, `llm` and `guardrail`.
pub(super) fn span_type(
    openinference: Option<&str>,
    gen_ai_op: Option<&str>,
    looks_llm: bool,
) -> &'static str {
    if let Some(k) = openinference {
        return match k {
            "LLM" | "EMBEDDING" => "llm",
            "TOOL" => "tool",
            "GUARDRAIL" => "guardrail",
            // RETRIEVER, CHAIN, AGENT, RERANKER, EVALUATOR, …
            _ => "general",
        };
    }
    if let Some(op) = gen_ai_op {
        return match op {
            "chat" | "text_completion" | "generate_content" | "embeddings" | "completion" => "llm",
            "execute_tool" => "tool",
            _ => "general",
        };
    }
    if looks_llm { "llm" } else { "general" }
}

pub(super) fn tags_of(v: &AnyValue) -> Vec<String> {
    let j = any_json(v);
    let list: Vec<String> = match j {
        Value::Array(a) => a
            .into_iter()
            .filter_map(|t| match t {
                Value::String(s) => Some(s),
                Value::Null => None,
                other => Some(other.to_string()),
            })
            .collect(),
        Value::String(s) => s.split(',').map(str::to_string).collect(),
        _ => Vec::new(),
    };
    list.into_iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}
