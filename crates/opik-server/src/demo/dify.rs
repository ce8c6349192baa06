//! Conversations logged the way Dify logs them, and conversations keyed by a `session_id` in
//! metadata: the fixtures behind the Dify tests (REST and Python SDK), the Dify snapshots and
//! the `dify-chatbot` / `session-app` projects of `opik-tui demo`.
//!
//! [`dify`] builds, for a given "now", the same records Dify's Opik integration
//! (`api/core/ops/opik_trace/opik_trace.py`) hands to `Opik().trace(...)` / `.span(...)`:
//! chatflow turns (a `message_trace` trace, a `workflow_trace` root span and node spans named
//! by node type with the title in `metadata.app_name`, LLM nodes with `model`/`provider`,
//! `usage` and `output.usage`, other nodes with zero `usage` and the run total in
//! `metadata.total_tokens`) and chat-app turns (the prompt-message list as input, the answer
//! string as output, an `llm` span with usage but the model only in `metadata.ls_model_name`,
//! `moderation_trace`, `dataset_retrieval_trace`, `suggested_question_trace` and tool spans,
//! and a `generate_name_trace` trace), three conversations by `metadata.conversation_id`,
//! never a `thread_id`. [`sessions`] builds an app that logs each LLM call as its own trace
//! with `metadata.session_id`. Both are pure and deterministic (ids are UUIDv7 at the record's
//! time with seeded random bits); [`Fixture::json`] gives the dicts for the SDK script and
//! the REST batch endpoints.

use std::collections::BTreeMap;

use chrono::Duration;
use serde_json::{Value, json};
use uuid::Uuid;

use super::Rng;
use opik_model::{SpanWrite, Timestamp, TraceWrite};

pub const DIFY_PROJECT: &str = "dify-chatbot";
pub const SESSION_PROJECT: &str = "session-app";

/// One turn as a reader should see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub conversation: String,
    pub query: String,
    pub answer: String,
    pub trace_id: Uuid,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fixture {
    pub traces: Vec<TraceWrite>,
    pub spans: Vec<SpanWrite>,
    /// The conversation turns, oldest first within each conversation.
    pub turns: Vec<Turn>,
    /// Traces of plain workflow runs (no conversation, node spans without their root).
    pub workflow_runs: Vec<Uuid>,
}

impl Fixture {
    /// `{"traces": [...], "spans": [...]}` with Opik's wire field names (also what the SDK's
    /// `trace(**d)` / `span(**d)` take).
    pub fn json(&self) -> Value {
        json!({"traces": self.traces, "spans": self.spans})
    }

    /// The conversation ids, in the order they were built.
    pub fn conversations(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for t in &self.turns {
            if !out.contains(&t.conversation) {
                out.push(t.conversation.clone());
            }
        }
        out
    }

    /// The turns of one conversation, oldest first.
    pub fn turns_of(&self, conversation: &str) -> Vec<&Turn> {
        self.turns
            .iter()
            .filter(|t| t.conversation == conversation)
            .collect()
    }
}

/// The three Dify conversations: (conversation id, app kind, turns of (query, answer)).
pub const TRIP: &str = "8c5e2a91-4b7d-4f0e-9d3a-2f61c0b7e415";
pub const BILLING: &str = "1f9b7c3d-6e2a-4d85-b0c4-7a3e9f12d6c8";
pub const RECIPES: &str = "e4d2b6a8-3c1f-4a97-8e5b-0d7c9a2f41b3";

const MODEL: &str = "gpt-4o-mini";
const PROVIDER: &str = "openai";
const TENANT: &str = "0d3e7a52-9f4c-4b1e-a6d8-5c2b9e7f1a04";
const APP: &str = "a7c1e5f3-2b9d-4e68-8f0a-6d4c2b8e9a17";
const END_USER: &str = "web-session-3f8a";

const TRIP_TURNS: &[(&str, &str)] = &[
    (
        "Plan a weekend in Lisbon for two.",
        "**Day one:** Alfama in the morning, tram 28 to Estrela, sunset at Miradouro da Graça.\n\n**Day two:** Belém — the monastery, the tower and a pastel de nata.",
    ),
    (
        "What will the weather be like?",
        "Sunny on Saturday (24°C), a light breeze on Sunday (21°C). Bring a jacket for the evenings.",
    ),
    (
        "Book a table for Saturday dinner.",
        "I can't book for you, but Taberna da Rua das Flores takes reservations by phone; ask for 20:00.",
    ),
];

const BILLING_TURNS: &[(&str, &str)] = &[
    (
        "How do I change my billing email?",
        "Open **Settings → Billing**, choose *Edit contact* and enter the new address; we send a confirmation link.",
    ),
    (
        "And download last month's invoice?",
        "Invoices are under **Billing → History**: pick the month and press *Download PDF*.",
    ),
    (
        "What time is it in Lisbon right now?",
        "It is 14:05 in Lisbon (WET, UTC+0).",
    ),
];

const RECIPE_TURNS: &[(&str, &str)] = &[
    (
        "Give me a quick vegan pasta recipe.",
        "Cook 200 g spaghetti; fry garlic in olive oil, add cherry tomatoes and spinach, toss with the pasta and lemon zest.",
    ),
    (
        "Without garlic, please.",
        "Swap the garlic for a finely chopped shallot and a pinch of chili flakes; everything else stays.",
    ),
];

const SYSTEM_PROMPT: &str = "You are the support assistant of Acme Cloud. Answer briefly.";

struct Gen {
    rng: Rng,
    project: String,
    out: Fixture,
}

fn usage(prompt: i64, completion: i64) -> BTreeMap<String, i64> {
    [
        ("completion_tokens".to_string(), completion),
        ("prompt_tokens".to_string(), prompt),
        ("total_tokens".to_string(), prompt + completion),
    ]
    .into_iter()
    .collect()
}

fn zero_usage() -> BTreeMap<String, i64> {
    usage(0, 0)
}

/// `wrap_metadata`: every record Dify logs says where it came from.
fn wrap(mut m: Value) -> Value {
    if let Some(o) = m.as_object_mut() {
        o.insert("created_from".into(), json!("dify"));
    }
    m
}

fn ms(n: i64) -> Duration {
    Duration::milliseconds(n)
}

impl Gen {
    fn id(&mut self, t: Timestamp) -> Uuid {
        self.rng.uuid_v7(t)
    }

    /// A Dify-side id (UUIDv4, as Dify's own records use), as a string.
    fn uuid4(&mut self) -> String {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.rng.next_u64().to_le_bytes());
        b[8..].copy_from_slice(&self.rng.next_u64().to_le_bytes());
        uuid::Builder::from_random_bytes(b).into_uuid().to_string()
    }

    fn trace(&mut self, w: TraceWrite) {
        self.out.traces.push(TraceWrite {
            project_name: Some(self.project.clone()),
            ..w
        });
    }

    fn span(&mut self, w: SpanWrite) {
        self.out.spans.push(SpanWrite {
            project_name: Some(self.project.clone()),
            ..w
        });
    }

    /// A chatflow turn (`workflow_trace` with a `message_id`): the message trace, the
    /// workflow root span and its node spans.
    fn chatflow_turn(&mut self, conv: &str, n: usize, start: Timestamp, q: &str, a: &str) {
        let trace_id = self.id(start);
        let root_id = self.id(start);
        let run_id = self.uuid4();
        let message_id = self.uuid4();
        let (p, c) = (180 + 40 * n as i64, 60 + 15 * n as i64);
        let end = start + ms(3200);
        let inputs = json!({
            "sys.query": q,
            "sys.files": [],
            "sys.conversation_id": conv,
            "sys.user_id": END_USER,
            "sys.dialogue_count": n + 1,
            "sys.app_id": APP,
            "sys.workflow_id": "wf-travel-1",
            "sys.workflow_run_id": run_id,
        });
        let outputs = json!({"answer": a});
        let meta = wrap(json!({
            "workflow_id": "wf-travel-1",
            "conversation_id": conv,
            "workflow_run_id": run_id,
            "tenant_id": TENANT,
            "elapsed_time": 3.2,
            "status": "succeeded",
            "version": "2026-11-01 10:00:00",
            "total_tokens": p + c + 35,
            "file_list": [],
            "triggered_from": "app-run",
            "app_id": APP,
            "message_id": message_id,
            "workflow_app_log_id": null,
        }));
        self.trace(TraceWrite {
            id: Some(trace_id),
            name: Some("message_trace".into()),
            start_time: Some(start),
            end_time: Some(end),
            input: Some(inputs.clone()),
            output: Some(outputs.clone()),
            metadata: Some(meta.clone()),
            tags: Some(vec!["message".into(), "workflow".into()]),
            ..Default::default()
        });
        self.span(SpanWrite {
            id: Some(root_id),
            trace_id: Some(trace_id),
            name: Some("workflow_trace".into()),
            start_time: Some(start),
            end_time: Some(end),
            input: Some(inputs),
            output: Some(outputs),
            metadata: Some(meta),
            tags: Some(vec!["workflow".into()]),
            ..Default::default()
        });
        // Nodes: (type, title, offset ms, duration ms).
        let weather = q.contains("weather");
        let mut nodes: Vec<(&str, &str, i64, i64)> = vec![
            ("start", "Start", 0, 5),
            ("knowledge-retrieval", "City guides", 10, 240),
        ];
        if weather {
            nodes.push(("http-request", "Weather lookup", 260, 420));
        } else {
            nodes.push(("code", "Format context", 260, 12));
        }
        nodes.push(("llm", "Travel planner", 700, 2300));
        nodes.push(("answer", "Answer", 3010, 4));
        for (node_type, title, off, dur) in nodes {
            let at = start + ms(off);
            let id = self.id(at);
            let node_execution_id = self.uuid4();
            let mut meta = json!({
                "workflow_run_id": run_id,
                "node_execution_id": node_execution_id,
                "tenant_id": TENANT,
                "app_id": APP,
                "app_name": title,
                "node_type": node_type,
                "status": "succeeded",
            });
            let (input, output, span_type, span_usage, model, provider) = match node_type {
                "llm" => {
                    if let Some(o) = meta.as_object_mut() {
                        o.insert("total_tokens".into(), json!(p + c));
                        o.insert("total_price".into(), json!("0.000063"));
                        o.insert("currency".into(), json!("USD"));
                        o.insert("ls_provider".into(), json!(PROVIDER));
                        o.insert("ls_model_name".into(), json!(MODEL));
                    }
                    (
                        json!({"input": [
                            {"role": "system", "text": "You plan short city trips.", "files": []},
                            {"role": "user", "text": q, "files": []}
                        ]}),
                        json!({
                            "text": a,
                            "usage": {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c,
                                      "total_price": "0.000063", "currency": "USD", "latency": 2.3},
                            "finish_reason": "stop"
                        }),
                        "llm",
                        usage(p, c),
                        Some(MODEL.to_string()),
                        Some(PROVIDER.to_string()),
                    )
                }
                "knowledge-retrieval" => {
                    if let Some(o) = meta.as_object_mut() {
                        o.insert("total_tokens".into(), json!(35));
                    }
                    (
                        json!({"query": q}),
                        json!({"result": [{"content": "Lisbon: trams, miradouros and pastéis de nata.",
                                           "title": "lisbon.md", "metadata": {"score": 0.82}}]}),
                        "tool",
                        zero_usage(),
                        None,
                        None,
                    )
                }
                "http-request" => (
                    json!({"url": "https://api.weather.example/v1/forecast?city=Lisbon", "method": "get"}),
                    json!({"status_code": 200, "body": "{\"sat\": 24, \"sun\": 21}"}),
                    "tool",
                    zero_usage(),
                    None,
                    None,
                ),
                "start" => (
                    json!({"sys.query": q}),
                    json!({"sys.query": q}),
                    "tool",
                    zero_usage(),
                    None,
                    None,
                ),
                "answer" => (
                    json!({}),
                    json!({"answer": a}),
                    "tool",
                    zero_usage(),
                    None,
                    None,
                ),
                _ => (
                    json!({"chunks": 1}),
                    json!({"result": "context ready"}),
                    "tool",
                    zero_usage(),
                    None,
                    None,
                ),
            };
            self.span(SpanWrite {
                id: Some(id),
                trace_id: Some(trace_id),
                parent_span_id: Some(root_id),
                name: Some(node_type.into()),
                span_type: Some(span_type.into()),
                start_time: Some(at),
                end_time: Some(at + ms(dur)),
                metadata: Some(wrap(meta)),
                input: Some(input),
                output: Some(output),
                tags: Some(vec!["node_execution".into()]),
                usage: Some(span_usage),
                model,
                provider,
                ..Default::default()
            });
        }
        self.out.turns.push(Turn {
            conversation: conv.into(),
            query: q.into(),
            answer: a.into(),
            trace_id,
        });
    }

    /// A chat-app turn (`message_trace`): the prompt messages as input, the answer string as
    /// output, the `llm` span, and the moderation / retrieval / suggested-question / tool
    /// spans Dify attaches to the message's trace.
    fn chat_turn(
        &mut self,
        conv: &str,
        history: &[(&str, &str)],
        start: Timestamp,
        q: &str,
        a: &str,
    ) {
        let trace_id = self.id(start);
        let message_id = self.uuid4();
        let end = start + ms(2600);
        let mut prompt = vec![json!({"role": "system", "text": SYSTEM_PROMPT, "files": []})];
        for (hq, ha) in history {
            prompt.push(json!({"role": "user", "text": hq, "files": []}));
            prompt.push(json!({"role": "assistant", "text": ha, "files": []}));
        }
        prompt.push(json!({"role": "user", "text": q, "files": []}));
        let prompt = Value::Array(prompt);
        let meta = wrap(json!({
            "conversation_id": conv,
            "ls_provider": PROVIDER,
            "ls_model_name": MODEL,
            "status": "normal",
            "from_end_user_id": null,
            "from_account_id": null,
            "agent_based": q.contains("time"),
            "workflow_run_id": null,
            "from_source": "api",
            "message_id": message_id,
            "user_id": null,
            "file_list": [],
            "end_user_id": END_USER,
        }));
        self.trace(TraceWrite {
            id: Some(trace_id),
            name: Some("message_trace".into()),
            start_time: Some(start),
            end_time: Some(end),
            input: Some(prompt.clone()),
            output: Some(json!(a)),
            metadata: Some(meta.clone()),
            tags: Some(vec!["message".into(), "chat".into()]),
            ..Default::default()
        });
        let step_meta = wrap(json!({
            "message_id": message_id,
            "ls_provider": PROVIDER,
            "ls_model_name": MODEL,
            "status": "normal",
            "from_source": "api",
        }));
        // Moderation first, then retrieval, the LLM call (with a tool for the agent turn),
        // then the suggested questions.
        let id = self.id(start);
        self.span(SpanWrite {
            id: Some(id),
            trace_id: Some(trace_id),
            name: Some("moderation_trace".into()),
            span_type: Some("tool".into()),
            start_time: Some(start),
            end_time: Some(start + ms(40)),
            metadata: Some(wrap(json!({
                "message_id": message_id, "action": "direct_output",
                "preset_response": "", "query": q
            }))),
            input: Some(json!({"input": {}})),
            output: Some(json!({
                "action": "direct_output", "flagged": false,
                "preset_response": "", "inputs": {}
            })),
            tags: Some(vec!["moderation".into()]),
            ..Default::default()
        });
        let at = start + ms(50);
        let id = self.id(at);
        self.span(SpanWrite {
            id: Some(id),
            trace_id: Some(trace_id),
            name: Some("dataset_retrieval_trace".into()),
            span_type: Some("tool".into()),
            start_time: Some(at),
            end_time: Some(at + ms(180)),
            metadata: Some(step_meta.clone()),
            input: Some(json!({"input": q})),
            output: Some(json!({"documents": [
                {"page_content": "Billing settings: contact email, invoices, payment methods.",
                 "metadata": {"dataset_name": "Help center", "document_name": "billing.md", "score": 0.91}}
            ]})),
            tags: Some(vec!["dataset_retrieval".into()]),
            ..Default::default()
        });
        let n = history.len() as i64;
        let (p, c) = (240 + 90 * n, 48 + 7 * n);
        let at = start + ms(250);
        let id = self.id(at);
        self.span(SpanWrite {
            id: Some(id),
            trace_id: Some(trace_id),
            name: Some("llm".into()),
            span_type: Some("llm".into()),
            start_time: Some(at),
            end_time: Some(end),
            metadata: Some(meta),
            input: Some(json!({"input": prompt})),
            output: Some(json!({"output": a})),
            tags: Some(vec!["llm".into(), "chat".into()]),
            usage: Some(usage(p, c)),
            ..Default::default()
        });
        if q.contains("time") {
            let at = start + ms(900);
            let id = self.id(at);
            self.span(SpanWrite {
                id: Some(id),
                trace_id: Some(trace_id),
                name: Some("current_time".into()),
                span_type: Some("tool".into()),
                start_time: Some(at),
                end_time: Some(at + ms(15)),
                metadata: Some(wrap(json!({
                    "message_id": message_id, "tool_name": "current_time",
                    "tool_inputs": {"timezone": "Europe/Lisbon"},
                    "tool_outputs": "2026-11-21 14:05:09 WET", "tool_config": {},
                    "time_cost": 0.015, "error": "", "tool_parameters": {"timezone": "Europe/Lisbon"}
                }))),
                input: Some(json!({"timezone": "Europe/Lisbon"})),
                output: Some(json!({"output": "2026-11-21 14:05:09 WET"})),
                tags: Some(vec!["tool".into(), "current_time".into()]),
                ..Default::default()
            });
        }
        let at = end + ms(100);
        let id = self.id(at);
        self.span(SpanWrite {
            id: Some(id),
            trace_id: Some(trace_id),
            name: Some("suggested_question_trace".into()),
            span_type: Some("tool".into()),
            start_time: Some(at),
            end_time: Some(at + ms(700)),
            metadata: Some(step_meta),
            input: Some(json!({"input": prompt})),
            output: Some(json!({"output": [
                "Can I add a second billing contact?",
                "Where do I change the payment method?",
                "Do invoices include VAT?"
            ]})),
            tags: Some(vec!["suggested_question".into()]),
            ..Default::default()
        });
        self.out.turns.push(Turn {
            conversation: conv.into(),
            query: q.into(),
            answer: a.into(),
            trace_id,
        });
    }

    /// A plain workflow app's run (`workflow_trace` without a message): the trace only, no
    /// root span, so the node spans name a parent (the app log's id) that is never logged.
    fn workflow_run(&mut self, start: Timestamp) {
        let trace_id = self.id(start);
        let missing_parent = self.id(start);
        let run_id = self.uuid4();
        let log_id = self.uuid4();
        let end = start + ms(2100);
        let article =
            "Lisbon's tram 28 climbs through Graça and Alfama; riders are advised to board early.";
        let summary = "Tram 28 crosses the old town; board early.";
        let meta = wrap(json!({
            "workflow_id": "wf-summary-1",
            "conversation_id": null,
            "workflow_run_id": run_id,
            "tenant_id": TENANT,
            "elapsed_time": 2.1,
            "status": "succeeded",
            "version": "2026-11-01 10:00:00",
            "total_tokens": 142,
            "file_list": [],
            "triggered_from": "app-run",
            "app_id": APP,
            "message_id": null,
            "workflow_app_log_id": log_id,
        }));
        self.trace(TraceWrite {
            id: Some(trace_id),
            name: Some("message_trace".into()),
            start_time: Some(start),
            end_time: Some(end),
            input: Some(json!({"article": article, "sys.files": [], "sys.user_id": END_USER})),
            output: Some(json!({"summary": summary})),
            metadata: Some(meta),
            tags: Some(vec!["workflow".into()]),
            ..Default::default()
        });
        for (node_type, title, off, dur) in [
            ("start", "Start", 0, 4),
            ("llm", "Summarizer", 10, 2000),
            ("end", "End", 2050, 3),
        ] {
            let at = start + ms(off);
            let id = self.id(at);
            let node_execution_id = self.uuid4();
            let llm = node_type == "llm";
            let mut meta = json!({
                "workflow_run_id": run_id, "node_execution_id": node_execution_id,
                "tenant_id": TENANT, "app_id": APP, "app_name": title,
                "node_type": node_type, "status": "succeeded",
            });
            if llm && let Some(o) = meta.as_object_mut() {
                o.insert("total_tokens".into(), json!(142));
                o.insert("ls_provider".into(), json!(PROVIDER));
                o.insert("ls_model_name".into(), json!(MODEL));
            }
            self.span(SpanWrite {
                id: Some(id),
                trace_id: Some(trace_id),
                parent_span_id: Some(missing_parent),
                name: Some(node_type.into()),
                span_type: Some(if llm { "llm" } else { "tool" }.into()),
                start_time: Some(at),
                end_time: Some(at + ms(dur)),
                metadata: Some(wrap(meta)),
                input: Some(if llm {
                    json!({"input": [{"role": "user", "text": format!("Summarise: {article}"), "files": []}]})
                } else {
                    json!({"article": article})
                }),
                output: Some(if llm {
                    json!({"text": summary, "usage": {"prompt_tokens": 118, "completion_tokens": 24, "total_tokens": 142}})
                } else {
                    json!({"summary": summary})
                }),
                tags: Some(vec!["node_execution".into()]),
                usage: Some(if llm { usage(118, 24) } else { zero_usage() }),
                model: llm.then(|| MODEL.to_string()),
                provider: llm.then(|| PROVIDER.to_string()),
                ..Default::default()
            });
        }
        self.out.workflow_runs.push(trace_id);
    }

    /// `generate_name_trace`: a trace of its own naming the conversation (not a turn).
    fn generate_name(&mut self, conv: &str, start: Timestamp, q: &str, name: &str) {
        let trace_id = self.id(start);
        let meta = wrap(json!({"conversation_id": conv, "tenant_id": TENANT}));
        let end = start + ms(900);
        self.trace(TraceWrite {
            id: Some(trace_id),
            name: Some("generate_name_trace".into()),
            start_time: Some(start),
            end_time: Some(end),
            input: Some(json!({"input": q})),
            output: Some(json!({"output": name})),
            metadata: Some(meta.clone()),
            tags: Some(vec!["generate_name".into()]),
            ..Default::default()
        });
        let id = self.id(start);
        self.span(SpanWrite {
            id: Some(id),
            trace_id: Some(trace_id),
            name: Some("generate_name_trace".into()),
            start_time: Some(start),
            end_time: Some(end),
            metadata: Some(meta),
            input: Some(json!({"input": q})),
            output: Some(json!({"output": name})),
            tags: Some(vec!["generate_name".into()]),
            ..Default::default()
        });
    }
}

/// Three Dify conversations in `project`, their turns two minutes apart, the first starting
/// three hours before `now`: a chatflow (three turns), a chat app with moderation, retrieval,
/// an agent tool and suggested questions (three turns, plus its `generate_name_trace`), and
/// another chatflow (two turns); and one plain workflow run (no conversation) half an hour
/// before `now`.
pub fn dify(project: &str, now: Timestamp) -> Fixture {
    let mut g = Gen {
        rng: Rng::new(0xd1f7_2026),
        project: project.into(),
        out: Fixture::default(),
    };
    let base = now - Duration::hours(3);
    for (i, (q, a)) in TRIP_TURNS.iter().enumerate() {
        g.chatflow_turn(TRIP, i, base + Duration::minutes(2 * i as i64), q, a);
    }
    let base = now - Duration::hours(2);
    g.generate_name(
        BILLING,
        base + ms(2800),
        BILLING_TURNS[0].0,
        "Billing email",
    );
    for (i, (q, a)) in BILLING_TURNS.iter().enumerate() {
        g.chat_turn(
            BILLING,
            &BILLING_TURNS[..i],
            base + Duration::minutes(2 * i as i64),
            q,
            a,
        );
    }
    let base = now - Duration::hours(1);
    for (i, (q, a)) in RECIPE_TURNS.iter().enumerate() {
        g.chatflow_turn(RECIPES, i, base + Duration::minutes(2 * i as i64), q, a);
    }
    g.workflow_run(now - Duration::minutes(30));
    g.out
}

/// An app that logs each LLM call as its own trace with `metadata.session_id` (no
/// `thread_id` anywhere): two sessions of three calls and one call without a session.
pub fn sessions(project: &str, now: Timestamp) -> Fixture {
    let mut g = Gen {
        rng: Rng::new(0x5e55_2026),
        project: project.into(),
        out: Fixture::default(),
    };
    let chats: [(&str, &[(&str, &str)]); 2] = [
        (
            "sess-alpha",
            &[
                (
                    "Summarise this week's incidents.",
                    "Two incidents: a DNS outage on Tuesday and slow builds on Thursday.",
                ),
                (
                    "Which one took longer?",
                    "The DNS outage: 47 minutes against 20.",
                ),
                (
                    "Draft a status note.",
                    "Status: all systems operational; DNS provider changed, build cache enlarged.",
                ),
            ],
        ),
        (
            "sess-beta",
            &[
                ("Translate 'good morning' to Portuguese.", "Bom dia."),
                ("And 'good night'?", "Boa noite."),
                (
                    "Formal 'thank you'?",
                    "Muito obrigado (or obrigada, if you are a woman).",
                ),
            ],
        ),
    ];
    for (k, (session, turns)) in chats.iter().enumerate() {
        let base = now - Duration::minutes(90 - 40 * k as i64);
        for (i, (q, a)) in turns.iter().enumerate() {
            let start = base + Duration::minutes(3 * i as i64);
            let id = g.id(start);
            g.trace(TraceWrite {
                id: Some(id),
                name: Some("chat_completion".into()),
                start_time: Some(start),
                end_time: Some(start + ms(1200)),
                input: Some(json!({"messages": [{"role": "user", "content": q}]})),
                output: Some(
                    json!({"choices": [{"message": {"role": "assistant", "content": a}}]}),
                ),
                metadata: Some(json!({"session_id": session, "model": MODEL})),
                ..Default::default()
            });
            let sid = g.id(start);
            g.span(SpanWrite {
                id: Some(sid),
                trace_id: Some(id),
                name: Some("openai.chat".into()),
                span_type: Some("llm".into()),
                start_time: Some(start),
                end_time: Some(start + ms(1150)),
                model: Some(MODEL.into()),
                provider: Some(PROVIDER.into()),
                usage: Some(usage(30 + 10 * i as i64, 12)),
                ..Default::default()
            });
            g.out.turns.push(Turn {
                conversation: session.to_string(),
                query: q.to_string(),
                answer: a.to_string(),
                trace_id: id,
            });
        }
    }
    let start = now - Duration::minutes(5);
    let id = g.id(start);
    g.trace(TraceWrite {
        id: Some(id),
        name: Some("chat_completion".into()),
        start_time: Some(start),
        end_time: Some(start + ms(800)),
        input: Some(json!({"messages": [{"role": "user", "content": "ping"}]})),
        output: Some(json!({"choices": [{"message": {"role": "assistant", "content": "pong"}}]})),
        metadata: Some(json!({"model": MODEL})),
        ..Default::default()
    });
    g.out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn now() -> Timestamp {
        chrono::Utc
            .with_ymd_and_hms(2026, 11, 21, 15, 0, 0)
            .single()
            .expect("time")
    }

    #[test]
    fn fixture_is_deterministic_and_well_formed() {
        let a = dify(DIFY_PROJECT, now());
        assert_eq!(a, dify(DIFY_PROJECT, now()));
        let traces: std::collections::HashSet<Uuid> =
            a.traces.iter().filter_map(|t| t.id).collect();
        assert_eq!(traces.len(), a.traces.len(), "unique trace ids");
        let spans: std::collections::HashSet<Uuid> = a.spans.iter().filter_map(|s| s.id).collect();
        assert_eq!(spans.len(), a.spans.len(), "unique span ids");
        for s in &a.spans {
            assert!(traces.contains(&s.trace_id.expect("trace id")));
            if let Some(p) = s.parent_span_id {
                let run = a.workflow_runs.contains(&s.trace_id.expect("trace id"));
                assert_eq!(
                    spans.contains(&p),
                    !run,
                    "parent exists except in workflow runs"
                );
            }
        }
        assert_eq!(a.conversations(), vec![TRIP, BILLING, RECIPES]);
        assert_eq!(a.turns_of(TRIP).len(), 3);
        let names: std::collections::BTreeSet<&str> =
            a.spans.iter().filter_map(|s| s.name.as_deref()).collect();
        for want in [
            "workflow_trace",
            "llm",
            "knowledge-retrieval",
            "http-request",
            "moderation_trace",
            "dataset_retrieval_trace",
            "suggested_question_trace",
            "current_time",
            "generate_name_trace",
        ] {
            assert!(names.contains(want), "{want} missing");
        }
    }
}
