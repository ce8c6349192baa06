//! The main demo data set: the support agent, docs RAG and code assistant projects (traces,
//! threads, scores, comments, queues, feedback definitions), built by [`generate`].

use std::collections::BTreeMap;

use chrono::{Duration, Timelike};
use serde_json::{Value, json};
use uuid::Uuid;

use super::content::Conversation;
use opik_model::{
    AnnotationQueue, ErrorInfo, FeedbackDefinition, FeedbackDetails, FeedbackScoreItem, SpanWrite,
    Timestamp, TraceWrite,
};

use super::*;

/// Opik's default feedback definition, present in every new database (same id and values as
/// Opik's migration `add_user_feedback_definition`).
pub fn user_feedback_definition() -> FeedbackDefinition {
    let mut categories = BTreeMap::new();
    categories.insert("👍".to_string(), 1.0);
    categories.insert("👎".to_string(), 0.0);
    FeedbackDefinition {
        id: Uuid::parse_str("0190babc-62a0-71d2-832a-0feffa4676eb").ok(),
        name: "User feedback".into(),
        description: None,
        details: FeedbackDetails::Categorical { categories },
        created_at: None,
        created_by: None,
        last_updated_at: None,
        last_updated_by: None,
    }
}

pub(super) fn definition(
    name: &str,
    description: &str,
    details: FeedbackDetails,
) -> FeedbackDefinition {
    FeedbackDefinition {
        id: None,
        name: name.into(),
        description: Some(description.into()),
        details,
        created_at: None,
        created_by: None,
        last_updated_at: None,
        last_updated_by: None,
    }
}

/// The demo's own definitions (besides "User feedback", which every DB has).
pub fn demo_definitions() -> Vec<FeedbackDefinition> {
    let cats = |pairs: &[(&str, f64)]| FeedbackDetails::Categorical {
        categories: pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
    };
    vec![
        definition(
            "helpfulness",
            "How well the answer solved the user's problem.",
            cats(&[
                ("Not helpful", 0.0),
                ("Partially helpful", 0.5),
                ("Very helpful", 1.0),
            ]),
        ),
        definition(
            "answer_relevance",
            "Is the answer on topic for the question? 0 = off topic, 1 = fully relevant.",
            FeedbackDetails::Numerical { min: 0.0, max: 1.0 },
        ),
        definition(
            "hallucination",
            "Share of the answer not supported by the retrieved context.",
            FeedbackDetails::Numerical { min: 0.0, max: 1.0 },
        ),
        definition(
            "user_frustration",
            "How frustrated the user sounds over the conversation (0 calm, 1 very frustrated).",
            FeedbackDetails::Numerical { min: 0.0, max: 1.0 },
        ),
        definition(
            "resolved",
            "Did the conversation end with the user's problem solved?",
            FeedbackDetails::Boolean {
                true_label: "Resolved".into(),
                false_label: "Not resolved".into(),
            },
        ),
    ]
}

pub(super) const SUPPORT_SYSTEM: &str = "You are Acme Shop's customer support agent. Be concise and friendly, \
use the tools to look up orders before answering, and never promise refunds the policy does not allow.";
pub(super) const CODE_SYSTEM: &str =
    "You are a senior software engineer. Answer with short explanations and runnable code.";

pub(super) fn ms(n: i64) -> Duration {
    Duration::milliseconds(n)
}

pub(super) fn usage(prompt: i64, completion: i64) -> BTreeMap<String, i64> {
    let mut m = BTreeMap::new();
    m.insert("prompt_tokens".into(), prompt);
    m.insert("completion_tokens".into(), completion);
    m.insert("total_tokens".into(), prompt + completion);
    m
}

pub(super) fn error(exception_type: &str, message: &str, frames: &[&str]) -> ErrorInfo {
    let mut tb = String::from("Traceback (most recent call last):\n");
    for f in frames {
        tb.push_str("  ");
        tb.push_str(f);
        tb.push('\n');
    }
    tb.push_str(&format!("{exception_type}: {message}"));
    ErrorInfo {
        exception_type: Some(exception_type.into()),
        message: Some(message.into()),
        traceback: Some(tb),
    }
}

/// Builds one trace and its spans.
pub(super) struct TraceBuilder<'r> {
    rng: &'r mut Rng,
    project: String,
    trace_id: Uuid,
    spans: Vec<SpanWrite>,
}

pub(super) struct SpanSpec<'a> {
    parent: Option<Uuid>,
    name: &'a str,
    kind: &'a str,
    start: Timestamp,
    end: Timestamp,
    input: Value,
    output: Option<Value>,
}

impl TraceBuilder<'_> {
    fn span(&mut self, s: SpanSpec<'_>) -> Uuid {
        let id = self.rng.uuid_v7(s.start);
        self.spans.push(SpanWrite {
            id: Some(id),
            project_name: Some(self.project.clone()),
            trace_id: Some(self.trace_id),
            parent_span_id: s.parent,
            name: Some(s.name.into()),
            span_type: Some(s.kind.into()),
            start_time: Some(s.start),
            end_time: Some(s.end),
            input: Some(s.input),
            output: s.output,
            last_updated_at: Some(s.end),
            source: Some("sdk".into()),
            ..Default::default()
        });
        id
    }

    fn last(&mut self) -> &mut SpanWrite {
        let n = self.spans.len();
        &mut self.spans[n - 1]
    }

    #[allow(clippy::too_many_arguments)]
    fn llm(
        &mut self,
        parent: Option<Uuid>,
        name: &str,
        (provider, model): (&str, &str),
        start: Timestamp,
        dur_ms: i64,
        messages: Value,
        answer: &str,
        tokens: (i64, i64),
    ) -> Uuid {
        let output = if provider == "anthropic" {
            json!({"role": "assistant", "stop_reason": "end_turn",
                   "content": [{"type": "text", "text": answer}]})
        } else {
            json!({"choices": [{"index": 0, "finish_reason": "stop",
                   "message": {"role": "assistant", "content": answer}}]})
        };
        let id = self.span(SpanSpec {
            parent,
            name,
            kind: "llm",
            start,
            end: start + ms(dur_ms),
            input: json!({ "messages": messages }),
            output: Some(output),
        });
        let temperature = if model.contains("embedding") {
            None
        } else {
            Some(0.2)
        };
        let s = self.last();
        s.provider = Some(provider.into());
        s.model = Some(model.into());
        s.usage = Some(usage(tokens.0, tokens.1));
        s.metadata = Some(json!({"temperature": temperature, "stream": false}));
        id
    }
}

/// The mix of models the support agent's final answer uses, (provider, model).
pub(super) const ANSWER_MODELS: &[(&str, &str)] = &[
    ("openai", "gpt-4o"),
    ("openai", "gpt-4o"),
    ("anthropic", "claude-3-5-sonnet-20241022"),
    ("openai", "gpt-4.1"),
    ("anthropic", "claude-sonnet-4-20250514"),
];
pub(super) const DOCS_MODELS: &[(&str, &str)] = &[
    ("google_ai", "gemini-2.0-flash"),
    ("mistral", "mistral-large-latest"),
    ("openai", "gpt-4o-mini"),
];
pub(super) const CODE_MODELS: &[(&str, &str)] = &[
    ("anthropic", "claude-sonnet-4-20250514"),
    ("openai", "gpt-4.1"),
];
pub(super) const CUSTOMERS: &[&str] = &[
    "cus_8Xk2", "cus_3Lm9", "cus_Q7aa", "cus_0pZr", "cus_77Jd", "cus_K1te",
];
pub(super) const TIERS: &[&str] = &["free", "plus", "plus", "business"];

/// What happened inside one support-agent run.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Outcome {
    Ok,
    ToolTimeout,
    RateLimited,
    GuardrailBlocked,
}

pub(super) struct Gen {
    rng: Rng,
    now: Timestamp,
    data: DemoData,
}

/// Build the demo data set as of `now`. Same `now`, same data.
pub fn generate(now: Timestamp) -> DemoData {
    let mut g = Gen {
        rng: Rng::new(0x0bd1_c0de_2026),
        now,
        data: DemoData {
            definitions: demo_definitions(),
            ..Default::default()
        },
    };
    g.support_singles();
    g.support_threads();
    g.docs_traces();
    g.code_threads();
    g.hello_traces();
    g.queues();
    g.conversation_key_projects();
    g.data
}

impl Gen {
    /// Projects whose conversations live in metadata, not `thread_id`: a Dify chatbot
    /// (`metadata.conversation_id`) and an app with `metadata.session_id`
    /// ([`dify`]).
    fn conversation_key_projects(&mut self) {
        use self::dify as demo_dify;
        for f in [
            demo_dify::dify(demo_dify::DIFY_PROJECT, self.now),
            demo_dify::sessions(demo_dify::SESSION_PROJECT, self.now),
        ] {
            self.data.traces.extend(f.traces);
            self.data.spans.extend(f.spans);
        }
    }

    /// A start time `days_ago` days back, during working hours, strictly before now.
    fn time_on_day(&mut self, days_ago: i64) -> Timestamp {
        let day = self.now - Duration::days(days_ago);
        let hour = self.rng.range(8, 21);
        let minute = self.rng.range(0, 59);
        let second = self.rng.range(0, 59);
        let t = day
            .with_hour(hour as u32)
            .and_then(|t| t.with_minute(minute as u32))
            .and_then(|t| t.with_second(second as u32))
            .unwrap_or(day)
            + ms(self.rng.range(0, 999));
        if t >= self.now - Duration::minutes(2) {
            // Today, later than now: move it into the last hours instead.
            self.now - Duration::minutes(self.rng.range(3, 6 * 60))
        } else {
            t
        }
    }

    /// Start times over the last 7 days, more on recent days (a growing app).
    fn spread(&mut self, total: usize) -> Vec<Timestamp> {
        let weights = [1.0, 1.3, 1.2, 1.6, 1.8, 2.1, 2.4]; // 6 days ago … today
        let sum: f64 = weights.iter().sum();
        let mut out = Vec::new();
        for (i, w) in weights.iter().enumerate() {
            let n = ((total as f64) * w / sum).round() as usize;
            for _ in 0..n {
                let t = self.time_on_day(6 - i as i64);
                out.push(t);
            }
        }
        out.sort();
        out
    }

    fn push_trace(&mut self, t: TraceWrite, spans: Vec<SpanWrite>) {
        self.data.traces.push(t);
        self.data.spans.extend(spans);
    }

    /// One support-agent run; returns the trace id.
    fn support_run(
        &mut self,
        start: Timestamp,
        question: &str,
        answer: &str,
        thread_id: Option<&str>,
        outcome: Outcome,
    ) -> (Uuid, Timestamp) {
        let trace_id = self.rng.uuid_v7(start);
        let customer = *self.rng.pick(CUSTOMERS);
        let tier = *self.rng.pick(TIERS);
        let answer_model = *self.rng.pick(ANSWER_MODELS);
        let wants_order = question.to_lowercase().contains("order")
            || question.contains('#')
            || question.to_lowercase().contains("package")
            || question.to_lowercase().contains("charged");
        let mut b = TraceBuilder {
            rng: &mut self.rng,
            project: SUPPORT_PROJECT.into(),
            trace_id,
            spans: Vec::new(),
        };
        // 1. Input guardrail.
        let g_end = start + ms(b.rng.range(35, 120));
        b.span(SpanSpec {
            parent: None,
            name: "input_guardrails",
            kind: "guardrail",
            start,
            end: g_end,
            input: json!({"text": question}),
            output: Some(json!({"guardrail_result": "passed",
                "checks": [{"name": "prompt_injection", "result": "passed", "score": 0.02},
                           {"name": "topic", "result": "passed"}]})),
        });
        // 2. The agent loop.
        let loop_start = g_end + ms(4);
        let agent = b.span(SpanSpec {
            parent: None,
            name: "agent_loop",
            kind: "general",
            start: loop_start,
            end: loop_start, // fixed below
            input: json!({"question": question, "customer_id": customer}),
            output: None,
        });
        let agent_idx = b.spans.len() - 1;
        let mut t = loop_start + ms(3);
        // 2a. Plan.
        let plan_ms = b.rng.range(550, 1500);
        let plan = if wants_order {
            "1. look up the customer's order\n2. retrieve the matching policy\n3. answer"
        } else {
            "1. retrieve the matching policy\n2. answer"
        };
        let pt = b.rng.range(420, 900);
        let ct = b.rng.range(30, 80);
        b.llm(
            Some(agent),
            "plan_next_step",
            ("openai", "gpt-4o-mini"),
            t,
            plan_ms,
            json!([{"role": "system", "content": SUPPORT_SYSTEM},
                   {"role": "user", "content": question}]),
            plan,
            (pt, ct),
        );
        t += ms(plan_ms) + ms(5);
        // 2b. Retrieval, four levels deep: agent_loop > retrieve_context > rerank > llm.
        let r_start = t;
        let retrieve = b.span(SpanSpec {
            parent: Some(agent),
            name: "retrieve_context",
            kind: "general",
            start: r_start,
            end: r_start,
            input: json!({"query": question, "top_k": 4}),
            output: None,
        });
        let r_idx = b.spans.len() - 1;
        b.last().metadata = Some(json!({"retriever": "pgvector", "index": "kb-2025-03"}));
        let e_ms = b.rng.range(70, 210);
        let embed_tokens = b.rng.range(12, 40);
        b.llm(
            Some(retrieve),
            "embed_query",
            ("openai", "text-embedding-3-small"),
            t,
            e_ms,
            json!([{"role": "user", "content": question}]),
            "[1536-dim vector]",
            (embed_tokens, 0),
        );
        t += ms(e_ms) + ms(2);
        let docs: Vec<(&str, &str)> = (0..3).map(|_| *b.rng.pick(content::DOC_CHUNKS)).collect();
        let vs_ms = b.rng.range(25, 95);
        b.span(SpanSpec {
            parent: Some(retrieve),
            name: "vector_search",
            kind: "tool",
            start: t,
            end: t + ms(vs_ms),
            input: json!({"top_k": 8, "filter": {"locale": "en"}}),
            output: Some(json!({"documents": docs.iter().enumerate().map(|(i, (title, src))|
                json!({"title": title, "source": src, "score": 0.91 - i as f64 * 0.07})).collect::<Vec<_>>()})),
        });
        t += ms(vs_ms) + ms(2);
        let rr_start = t;
        let rerank = b.span(SpanSpec {
            parent: Some(retrieve),
            name: "rerank",
            kind: "general",
            start: rr_start,
            end: rr_start,
            input: json!({"candidates": docs.len()}),
            output: None,
        });
        let rr_idx = b.spans.len() - 1;
        let rs_ms = b.rng.range(280, 800);
        let rr_tokens = (b.rng.range(900, 1800), b.rng.range(8, 20));
        b.llm(
            Some(rerank),
            "rerank_scoring",
            ("openai", "gpt-4o-mini"),
            t + ms(1),
            rs_ms,
            json!([{"role": "system", "content": "Score each passage 0-10 for relevance to the question."},
                   {"role": "user", "content": question}]),
            "[9, 6, 3]",
            rr_tokens,
        );
        t += ms(rs_ms) + ms(3);
        b.spans[rr_idx].end_time = Some(t);
        b.spans[rr_idx].output = Some(json!({"kept": [docs[0].1, docs[1].1]}));
        b.spans[rr_idx].last_updated_at = Some(t);
        b.spans[r_idx].end_time = Some(t + ms(1));
        b.spans[r_idx].output = Some(json!({"context": [docs[0].0, docs[1].0]}));
        b.spans[r_idx].last_updated_at = Some(t + ms(1));
        t += ms(4);
        // 2c. Order lookup tool, with an HTTP call below it.
        if wants_order || outcome == Outcome::ToolTimeout {
            let tool_start = t;
            let lookup = b.span(SpanSpec {
                parent: Some(agent),
                name: "lookup_order",
                kind: "tool",
                start: tool_start,
                end: tool_start,
                input: json!({"customer_id": customer, "order_hint": "latest"}),
                output: None,
            });
            let l_idx = b.spans.len() - 1;
            let http_ms = if outcome == Outcome::ToolTimeout {
                10_000
            } else {
                b.rng.range(90, 420)
            };
            b.span(SpanSpec {
                parent: Some(lookup),
                name: "orders_api.get",
                kind: "general",
                start: t + ms(2),
                end: t + ms(2 + http_ms),
                input: json!({"method": "GET", "url": format!("https://orders.internal/v2/customers/{customer}/orders?limit=1")}),
                output: if outcome == Outcome::ToolTimeout {
                    None
                } else {
                    Some(json!({"status": 200, "order": {"id": "A-10492", "state": "in_transit", "carrier": "DHL"}}))
                },
            });
            if outcome == Outcome::ToolTimeout {
                let e = error(
                    "TimeoutError",
                    "orders-api did not answer within 10s",
                    &[
                        "File \"agent/tools/orders.py\", line 48, in lookup_order",
                        "    resp = await client.get(url, timeout=10)",
                        "File \"httpx/_client.py\", line 1768, in get",
                    ],
                );
                b.last().error_info = Some(e.clone());
                b.spans[l_idx].error_info = Some(e);
            }
            t += ms(http_ms + 6);
            b.spans[l_idx].end_time = Some(t);
            b.spans[l_idx].last_updated_at = Some(t);
            if outcome != Outcome::ToolTimeout {
                b.spans[l_idx].output = Some(json!({"order_id": "A-10492", "state": "in_transit"}));
            }
            t += ms(3);
        }
        // 2d. Compose the answer.
        let final_answer = match outcome {
            Outcome::ToolTimeout => format!(
                "I couldn't reach our order system just now, so I can't see live tracking, but here is what I can tell you from our policies.\n\n{answer}"
            ),
            Outcome::GuardrailBlocked => {
                "I'm sorry, I can't share that information here. I've passed your request to a colleague who will e-mail you within 24 hours.".to_string()
            }
            _ => answer.to_string(),
        };
        let c_ms = b.rng.range(1400, 6500);
        let prompt_tokens = b.rng.range(1800, 4200);
        let completion_tokens = (final_answer.len() as i64 / 4).max(20);
        b.llm(
            Some(agent),
            "compose_answer",
            answer_model,
            t,
            if outcome == Outcome::RateLimited { 420 } else { c_ms },
            json!([{"role": "system", "content": SUPPORT_SYSTEM},
                   {"role": "user", "content": format!("Context:\n- {}\n- {}\n\nQuestion: {question}", docs[0].0, docs[1].0)}]),
            &final_answer,
            if outcome == Outcome::RateLimited { (prompt_tokens, 0) } else { (prompt_tokens, completion_tokens) },
        );
        let mut trace_error = None;
        if outcome == Outcome::RateLimited {
            let e = error(
                "RateLimitError",
                &format!(
                    "Error code: 429 - Rate limit reached for {} in organization org-acme on tokens per min (TPM): Limit 30000, Used 29871, Requested 3120.",
                    answer_model.1
                ),
                &[
                    "File \"agent/loop.py\", line 131, in compose_answer",
                    "    completion = await llm.chat(messages, model=MODEL)",
                    "File \"openai/_base_client.py\", line 1634, in _request",
                ],
            );
            let s = b.last();
            s.output = None;
            s.usage = None; // a rejected request is not billed
            s.error_info = Some(e.clone());
            trace_error = Some(e);
            t += ms(420);
        } else {
            t += ms(c_ms);
        }
        t += ms(3);
        b.spans[agent_idx].end_time = Some(t);
        b.spans[agent_idx].last_updated_at = Some(t);
        if trace_error.is_none() {
            b.spans[agent_idx].output = Some(json!({"answer": final_answer}));
        } else {
            b.spans[agent_idx].error_info = trace_error.clone();
        }
        // 3. Output guardrail.
        if trace_error.is_none() {
            let og_ms = b.rng.range(25, 90);
            let blocked = outcome == Outcome::GuardrailBlocked;
            b.span(SpanSpec {
                parent: None,
                name: "output_guardrails",
                kind: "guardrail",
                start: t + ms(1),
                end: t + ms(1 + og_ms),
                input: json!({"text": if blocked { answer } else { final_answer.as_str() }}),
                output: Some(if blocked {
                    json!({"guardrail_result": "failed",
                           "checks": [{"name": "pii", "result": "failed", "entities": ["IBAN", "PHONE_NUMBER"]}]})
                } else {
                    json!({"guardrail_result": "passed", "checks": [{"name": "pii", "result": "passed"}]})
                }),
            });
            t += ms(og_ms + 3);
        }
        let spans = std::mem::take(&mut b.spans);
        let mut tags = vec!["production".to_string()];
        if thread_id.is_some() {
            tags.push("chat".into());
        }
        if outcome == Outcome::GuardrailBlocked {
            tags.push("guardrail-blocked".into());
        }
        if tier == "business" {
            tags.push("vip".into());
        }
        let trace = TraceWrite {
            id: Some(trace_id),
            project_name: Some(SUPPORT_PROJECT.into()),
            name: Some("support_agent".into()),
            start_time: Some(start),
            end_time: Some(t),
            input: Some(json!({"question": question, "customer_id": customer})),
            output: if trace_error.is_some() {
                None
            } else {
                Some(json!({"answer": final_answer}))
            },
            metadata: Some(
                json!({"customer_tier": tier, "channel": "web_chat", "app_version": "2.14.0",
                                  "agent": {"framework": "acme-agents", "max_steps": 6}}),
            ),
            tags: Some(tags),
            error_info: trace_error,
            last_updated_at: Some(t),
            thread_id: thread_id.map(str::to_string),
            source: Some("sdk".into()),
            environment: Some("production".into()),
            ..Default::default()
        };
        self.push_trace(trace, spans);
        (trace_id, t)
    }

    fn outcome(&mut self) -> Outcome {
        let x = self.rng.f();
        if x < 0.07 {
            Outcome::ToolTimeout
        } else if x < 0.11 {
            Outcome::RateLimited
        } else if x < 0.14 {
            Outcome::GuardrailBlocked
        } else {
            Outcome::Ok
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn score(
        &mut self,
        id: Option<Uuid>,
        thread: Option<(&str, &str)>,
        project: &str,
        name: &str,
        value: f64,
        category: Option<&str>,
        reason: Option<&str>,
        (author, source): (&str, &str),
    ) -> FeedbackScoreItem {
        FeedbackScoreItem {
            id,
            thread_id: thread.map(|(_, t)| t.to_string()),
            project_name: Some(thread.map(|(p, _)| p).unwrap_or(project).to_string()),
            name: name.into(),
            value: Some(value),
            source: Some(source.into()),
            category_name: category.map(str::to_string),
            reason: reason.map(str::to_string),
            author: Some(author.into()),
            ..Default::default()
        }
    }

    fn support_singles(&mut self) {
        let times = self.spread(150);
        for start in times {
            let (q, a) = *self.rng.pick(content::SUPPORT_QA);
            let outcome = self.outcome();
            let (id, _) = self.support_run(start, q, a, None, outcome);
            self.online_scores(id, SUPPORT_PROJECT, outcome);
        }
    }

    /// End-user thumbs and the online `answer_relevance` judge.
    fn online_scores(&mut self, id: Uuid, project: &str, outcome: Outcome) {
        if outcome != Outcome::RateLimited && self.rng.chance(0.35) {
            let up = match outcome {
                Outcome::Ok => self.rng.chance(0.82),
                _ => self.rng.chance(0.3),
            };
            let (v, c) = if up { (1.0, "👍") } else { (0.0, "👎") };
            let s = self.score(
                Some(id),
                None,
                project,
                "User feedback",
                v,
                Some(c),
                None,
                (ADMIN, "sdk"),
            );
            self.data.trace_scores.push(s);
        }
        if outcome != Outcome::RateLimited && self.rng.chance(0.6) {
            let base = if outcome == Outcome::Ok { 0.78 } else { 0.45 };
            let v = ((base + self.rng.f() * 0.22) * 100.0).round() / 100.0;
            let reason = if v > 0.85 {
                "The answer directly addresses the question and uses the retrieved policy."
            } else if v > 0.6 {
                "Mostly relevant, but includes details the user did not ask about."
            } else {
                "The answer drifts from the question; key facts are missing."
            };
            let s = self.score(
                Some(id),
                None,
                project,
                "answer_relevance",
                v,
                None,
                Some(reason),
                (ADMIN, "online_scoring"),
            );
            self.data.trace_scores.push(s);
        }
    }

    fn conversation_threads(
        &mut self,
        convs: &'static [Conversation],
        n_threads: usize,
        prefix: &str,
        mut run: impl FnMut(&mut Gen, Timestamp, &str, &str, &str, usize) -> (Uuid, Timestamp),
        project: &str,
    ) {
        for i in 0..n_threads {
            let conv = &convs[i % convs.len()];
            let thread_id = format!("{prefix}-{:04x}", self.rng.next_u64() & 0xffff);
            // The newest two threads are still active (last turn minutes ago).
            let mut t = if i + 2 >= n_threads {
                self.now - Duration::minutes(3 + 4 * conv.turns.len() as i64)
            } else {
                let day = self.rng.range(0, 6);
                self.time_on_day(day) - Duration::minutes(20)
            };
            let turns = if i % 3 == 2 {
                conv.turns.len().min(2)
            } else {
                conv.turns.len()
            };
            for (k, (q, a)) in conv.turns.iter().take(turns).enumerate() {
                let (_, end) = run(self, t, q, a, &thread_id, k);
                t = end + Duration::seconds(self.rng.range(25, 150));
            }
            let frustration = ((self.rng.f() * 0.5) * 100.0).round() / 100.0;
            let s = self.score(
                None,
                Some((project, &thread_id)),
                project,
                "user_frustration",
                frustration,
                None,
                Some(if frustration < 0.2 {
                    "The user stays calm and thanks the agent."
                } else {
                    "The user repeats the request and sounds impatient."
                }),
                (ADMIN, "online_scoring"),
            );
            self.data.thread_scores.push(s);
            let _ = conv.topic;
        }
    }

    fn support_threads(&mut self) {
        self.conversation_threads(
            content::SUPPORT_CONVERSATIONS,
            10,
            "support-chat",
            |g, t, q, a, thread, _| {
                let about_order = q.to_lowercase().contains("order") || q.contains("package");
                let outcome = if about_order && g.rng.chance(0.3) {
                    Outcome::ToolTimeout
                } else {
                    Outcome::Ok
                };
                g.support_run(t, q, a, Some(thread), outcome)
            },
            SUPPORT_PROJECT,
        );
    }

    fn code_threads(&mut self) {
        self.conversation_threads(
            content::CODE_CONVERSATIONS,
            8,
            "session",
            |g, t, q, a, thread, k| g.code_turn(t, q, a, thread, k),
            CODE_PROJECT,
        );
    }

    fn code_turn(
        &mut self,
        start: Timestamp,
        q: &str,
        a: &str,
        thread: &str,
        k: usize,
    ) -> (Uuid, Timestamp) {
        let trace_id = self.rng.uuid_v7(start);
        let model = *self.rng.pick(CODE_MODELS);
        let mut b = TraceBuilder {
            rng: &mut self.rng,
            project: CODE_PROJECT.into(),
            trace_id,
            spans: Vec::new(),
        };
        let messages =
            json!([{"role": "system", "content": CODE_SYSTEM}, {"role": "user", "content": q}]);
        let mut t = start + ms(2);
        // Python questions get their sample executed in a sandbox first (tool > general).
        if a.contains("```python") {
            let tool_start = t;
            let tool = b.span(SpanSpec {
                parent: None,
                name: "run_python",
                kind: "tool",
                start: tool_start,
                end: tool_start,
                input: json!({"code": a.split("```python\n").nth(1).and_then(|s| s.split("```").next()).unwrap_or("")}),
                output: None,
            });
            let idx = b.spans.len() - 1;
            let ex_ms = b.rng.range(180, 900);
            b.span(SpanSpec {
                parent: Some(tool),
                name: "sandbox.exec",
                kind: "general",
                start: t + ms(5),
                end: t + ms(5 + ex_ms),
                input: json!({"image": "python:3.12-slim", "timeout_s": 20}),
                output: Some(json!({"exit_code": 0, "stdout": "ok\n"})),
            });
            t += ms(ex_ms + 12);
            b.spans[idx].end_time = Some(t);
            b.spans[idx].last_updated_at = Some(t);
            b.spans[idx].output = Some(json!({"exit_code": 0}));
        }
        let dur = b.rng.range(2200, 9000);
        let pt = 350 + 420 * k as i64 + b.rng.range(0, 200);
        let ct = (a.len() as i64 / 4).max(30);
        b.llm(
            None,
            "chat_completion",
            model,
            t,
            dur,
            messages.clone(),
            a,
            (pt, ct),
        );
        let end = t + ms(dur + 4);
        let spans = std::mem::take(&mut b.spans);
        let trace = TraceWrite {
            id: Some(trace_id),
            project_name: Some(CODE_PROJECT.into()),
            name: Some("chat".into()),
            start_time: Some(start),
            end_time: Some(end),
            input: Some(json!({"messages": messages})),
            output: Some(
                json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": a}}]}),
            ),
            metadata: Some(json!({"editor": "vscode", "plugin_version": "0.9.3"})),
            tags: Some(vec!["ide".into()]),
            last_updated_at: Some(end),
            thread_id: Some(thread.into()),
            source: Some("sdk".into()),
            environment: Some("production".into()),
            ..Default::default()
        };
        self.push_trace(trace, spans);
        (trace_id, end)
    }

    fn docs_traces(&mut self) {
        let times = self.spread(70);
        for start in times {
            let (q, a) = *self.rng.pick(content::DOCS_QA);
            let trace_id = self.rng.uuid_v7(start);
            let model = *self.rng.pick(DOCS_MODELS);
            let failed = self.rng.chance(0.05);
            let mut b = TraceBuilder {
                rng: &mut self.rng,
                project: DOCS_PROJECT.into(),
                trace_id,
                spans: Vec::new(),
            };
            let r_start = start + ms(2);
            let retrieve = b.span(SpanSpec {
                parent: None,
                name: "retrieve",
                kind: "general",
                start: r_start,
                end: r_start,
                input: json!({"query": q}),
                output: None,
            });
            let r_idx = b.spans.len() - 1;
            let e_ms = b.rng.range(60, 180);
            let et = b.rng.range(10, 30);
            b.llm(
                Some(retrieve),
                "embed",
                ("openai", "text-embedding-3-small"),
                r_start + ms(1),
                e_ms,
                json!([{"role": "user", "content": q}]),
                "[1536-dim vector]",
                (et, 0),
            );
            let s_ms = b.rng.range(20, 70);
            let st = r_start + ms(e_ms + 2);
            b.span(SpanSpec {
                parent: Some(retrieve),
                name: "search_docs",
                kind: "tool",
                start: st,
                end: st + ms(s_ms),
                input: json!({"top_k": 5, "collection": "docs-v3"}),
                output: Some(json!({"hits": 5, "sources": ["docs/config/retries.md", "docs/concepts/projects.md"]})),
            });
            let r_end = st + ms(s_ms + 2);
            b.spans[r_idx].end_time = Some(r_end);
            b.spans[r_idx].last_updated_at = Some(r_end);
            b.spans[r_idx].output = Some(json!({"chunks": 5}));
            let g_ms = b.rng.range(900, 4200);
            let g_start = r_end + ms(3);
            let gt = (
                b.rng.range(2500, 6000),
                if failed {
                    0
                } else {
                    (a.len() as i64 / 4).max(20)
                },
            );
            b.llm(None, "generate_answer", model, g_start, if failed { 300 } else { g_ms },
                  json!([{"role": "system", "content": "Answer from the documentation context only. Cite sources."},
                         {"role": "user", "content": q}]),
                  a, gt);
            let mut err = None;
            if failed {
                let e = error(
                    "BadRequestError",
                    "This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens.",
                    &[
                        "File \"rag/pipeline.py\", line 77, in generate_answer",
                        "    return await llm.complete(prompt)",
                    ],
                );
                b.last().error_info = Some(e.clone());
                b.last().output = None;
                err = Some(e);
            }
            let end = g_start + ms(if failed { 300 } else { g_ms }) + ms(2);
            let spans = std::mem::take(&mut b.spans);
            let trace = TraceWrite {
                id: Some(trace_id),
                project_name: Some(DOCS_PROJECT.into()),
                name: Some("docs_qa".into()),
                start_time: Some(start),
                end_time: Some(end),
                input: Some(json!({"question": q})),
                output: if failed {
                    None
                } else {
                    Some(json!({"answer": a, "sources": ["docs/config/retries.md"]}))
                },
                metadata: Some(json!({"retriever": "hybrid", "docs_version": "v3.2"})),
                tags: Some(vec!["docs".into()]),
                error_info: err,
                last_updated_at: Some(end),
                source: Some("sdk".into()),
                environment: Some(
                    if self.rng.chance(0.2) {
                        "staging"
                    } else {
                        "production"
                    }
                    .into(),
                ),
                ..Default::default()
            };
            self.push_trace(trace, spans);
            if !failed && self.rng.chance(0.65) {
                let h = if self.rng.chance(0.8) {
                    0.0
                } else {
                    *self.rng.pick(&[0.25, 0.5, 1.0])
                };
                let reason = if h == 0.0 {
                    "Every claim is supported by the retrieved chunks."
                } else {
                    "The answer states a limit that is not in the context."
                };
                let s = self.score(
                    Some(trace_id),
                    None,
                    DOCS_PROJECT,
                    "hallucination",
                    h,
                    None,
                    Some(reason),
                    (ADMIN, "online_scoring"),
                );
                self.data.trace_scores.push(s);
            }
            if !failed {
                self.online_scores(trace_id, DOCS_PROJECT, Outcome::Ok);
            }
        }
    }

    fn hello_traces(&mut self) {
        for (i, (q, a)) in content::HELLO_INPUTS.iter().enumerate() {
            let start = self.now - Duration::hours(30) + Duration::minutes(3 * i as i64);
            let trace_id = self.rng.uuid_v7(start);
            let mut b = TraceBuilder {
                rng: &mut self.rng,
                project: DEFAULT_PROJECT.into(),
                trace_id,
                spans: Vec::new(),
            };
            let d = b.rng.range(300, 900);
            let tk = (b.rng.range(9, 20), b.rng.range(3, 12));
            b.llm(
                None,
                "openai_chat_completion",
                ("openai", "gpt-4o-mini"),
                start + ms(1),
                d,
                json!([{"role": "user", "content": q}]),
                a,
                tk,
            );
            let end = start + ms(d + 3);
            let spans = std::mem::take(&mut b.spans);
            let trace = TraceWrite {
                id: Some(trace_id),
                project_name: Some(DEFAULT_PROJECT.into()),
                name: Some("hello_world".into()),
                start_time: Some(start),
                end_time: Some(end),
                input: Some(json!({"prompt": q})),
                output: Some(json!({"output": a})),
                last_updated_at: Some(end),
                source: Some("sdk".into()),
                ..Default::default()
            };
            self.push_trace(trace, spans);
        }
    }

    fn queues(&mut self) {
        let created = self.now - Duration::days(2);
        // A trace queue over recent single-turn support answers, two annotators per item.
        let q1 = self.rng.uuid_v7(created);
        let items: Vec<Uuid> = self
            .data
            .traces
            .iter()
            .filter(|t| {
                t.project_name.as_deref() == Some(SUPPORT_PROJECT)
                    && t.thread_id.is_none()
                    && t.output.is_some()
            })
            .rev()
            .take(14)
            .filter_map(|t| t.id)
            .collect();
        let helpful = [
            ("Very helpful", 1.0),
            ("Partially helpful", 0.5),
            ("Very helpful", 1.0),
            ("Not helpful", 0.0),
        ];
        for (i, id) in items.iter().enumerate() {
            // alice reviewed the first six, bob the first three: three items are complete.
            for (r, limit) in [(REVIEWERS[0], 6), (REVIEWERS[1], 3)] {
                if i >= limit {
                    continue;
                }
                let (cat, v) = helpful[(i + r.len()) % helpful.len()];
                let mut s = self.score(
                    Some(*id),
                    None,
                    SUPPORT_PROJECT,
                    "helpfulness",
                    v,
                    Some(cat),
                    None,
                    (r, "ui"),
                );
                s.source_queue_id = Some(q1);
                if v < 1.0 {
                    s.reason = Some("Misses the follow-up step the policy requires.".into());
                }
                self.data.trace_scores.push(s);
                let rel = ((0.7 + self.rng.f() * 0.3) * 100.0).round() / 100.0;
                let mut s = self.score(
                    Some(*id),
                    None,
                    SUPPORT_PROJECT,
                    "answer_relevance",
                    rel,
                    None,
                    None,
                    (r, "ui"),
                );
                s.source_queue_id = Some(q1);
                self.data.trace_scores.push(s);
            }
            if i == 1 || i == 4 {
                self.data.comments.push(DemoComment {
                    target: CommentTarget::Trace(*id),
                    author: REVIEWERS[0].into(),
                    text: content::COMMENTS[i % content::COMMENTS.len()].into(),
                    source_queue_id: Some(q1),
                });
            }
        }
        self.data.queues.push(DemoQueue {
            queue: AnnotationQueue {
                id: Some(q1),
                name: "Support answers review".into(),
                description: Some("Weekly sample of support-agent answers for the quality team.".into()),
                instructions: Some("Read the customer's question and the agent's answer.\n\n- **helpfulness**: would this answer solve the problem without a follow-up?\n- **answer_relevance**: 1 if fully on topic.\n\nLeave a comment when the answer contradicts the policy.".into()),
                scope: "trace".into(),
                comments_enabled: Some(true),
                feedback_definition_names: Some(vec!["helpfulness".into(), "answer_relevance".into()]),
                annotators_per_item: Some(2),
                lock_timeout_seconds: Some(300),
                created_by: Some(ADMIN.into()),
                ..Default::default()
            },
            project_name: SUPPORT_PROJECT.into(),
            trace_items: items,
            thread_items: Vec::new(),
        });

        // A thread queue over the coding-assistant sessions.
        let q2 = self.rng.uuid_v7(created + Duration::minutes(5));
        let mut threads: Vec<String> = Vec::new();
        for t in &self.data.traces {
            if t.project_name.as_deref() == Some(CODE_PROJECT)
                && let Some(th) = &t.thread_id
                && !threads.contains(th)
            {
                threads.push(th.clone());
            }
        }
        for (i, th) in threads.iter().enumerate().take(2) {
            let mut s = self.score(
                None,
                Some((CODE_PROJECT, th)),
                CODE_PROJECT,
                "resolved",
                if i == 0 { 1.0 } else { 0.0 },
                Some(if i == 0 { "Resolved" } else { "Not resolved" }),
                None,
                (REVIEWERS[0], "ui"),
            );
            s.source_queue_id = Some(q2);
            self.data.thread_scores.push(s);
        }
        if let Some(th) = threads.first() {
            self.data.comments.push(DemoComment {
                target: CommentTarget::Thread {
                    project_name: CODE_PROJECT.into(),
                    thread_id: th.clone(),
                },
                author: REVIEWERS[0].into(),
                text: content::COMMENTS[6].into(),
                source_queue_id: Some(q2),
            });
        }
        self.data.queues.push(DemoQueue {
            queue: AnnotationQueue {
                id: Some(q2),
                name: "Coding sessions".into(),
                description: Some("Multi-turn sessions from the IDE plugin.".into()),
                instructions: Some("Read the whole session. Mark **resolved** if the last answer would let the developer move on.".into()),
                scope: "thread".into(),
                comments_enabled: Some(true),
                feedback_definition_names: Some(vec!["resolved".into(), "user_frustration".into()]),
                annotators_per_item: Some(1),
                lock_timeout_seconds: Some(300),
                created_by: Some(ADMIN.into()),
                ..Default::default()
            },
            project_name: CODE_PROJECT.into(),
            trace_items: Vec::new(),
            thread_items: threads,
        });

        // A few general review comments outside the queues.
        let support: Vec<Uuid> = self
            .data
            .traces
            .iter()
            .filter(|t| t.project_name.as_deref() == Some(SUPPORT_PROJECT))
            .filter_map(|t| t.id)
            .collect();
        for k in 0..5 {
            let id = *self.rng.pick(&support);
            let author = REVIEWERS[k % 2];
            self.data.comments.push(DemoComment {
                target: CommentTarget::Trace(id),
                author: author.into(),
                text: content::COMMENTS[(k * 3) % content::COMMENTS.len()].into(),
                source_queue_id: None,
            });
        }
    }
}
