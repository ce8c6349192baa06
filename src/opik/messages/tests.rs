//! Table-driven tests, one table per extraction rule, with samples shaped like each
//! integration's real output.

use serde_json::{Value, json};

use super::*;

/// (case name, value, side, expected text or None for "not prettified")
type Case = (&'static str, Value, Kind, Option<&'static str>);

fn run(rule: &str, cases: Vec<Case>) {
    for (name, value, kind, want) in cases {
        let got = prettify(&value, kind);
        assert_eq!(
            got.as_deref(),
            want,
            "rule {rule}, case {name}: value {value}"
        );
    }
}

use Kind::{Input as I, Output as O};

#[test]
fn rule_scalars() {
    run(
        "scalars",
        vec![
            ("integer", json!(42), I, Some("42")),
            ("float", json!(0.5), O, Some("0.5")),
            ("whole float prints like JS", json!(2.0), O, Some("2")),
            ("bool", json!(true), I, Some("true")),
            ("plain string", json!("hello there"), I, Some("hello there")),
            (
                "string is not re-indented",
                json!("[1, 2]"),
                I,
                Some("[1, 2]"),
            ),
            (
                "blank string: the generic rule returns it as is",
                json!("   "),
                I,
                Some("   "),
            ),
            ("empty string", json!(""), O, None),
            ("null", Value::Null, I, None),
        ],
    );
}

#[test]
fn rule_cut_off_json_strings() {
    let cut = r#"{"question":"What is \"Opik\"?\nTell me","context":"aaaaaaaaaaaaaaaaaaaaaaaaa"#;
    run(
        "cut-off JSON",
        vec![
            (
                "input question",
                json!(cut),
                I,
                Some("What is \"Opik\"?\nTell me"),
            ),
            (
                "input order: question before content",
                json!(r#"{"content":"c","question":"q","x":"#),
                I,
                Some("q"),
            ),
            (
                "output answer",
                json!(r#"{"answer":"42 is it","sources":[{"u"#),
                O,
                Some("42 is it"),
            ),
            (
                "unterminated value falls to the next field",
                json!(r#"{"reply":"done","answer":"never ends"#),
                O,
                Some("done"),
            ),
            (
                "nothing known: the string itself",
                json!(r#"{"foo":"bar","#),
                I,
                Some(r#"{"foo":"bar","#),
            ),
            (
                "empty value skipped",
                json!(r#"{"text":"","prompt":"p"}"#),
                I,
                Some("p"),
            ),
            (
                "spaced JSON is not matched",
                json!(r#"{"answer": "x"}"#),
                O,
                Some(r#"{"answer": "x"}"#),
            ),
            (
                "unicode escapes decoded",
                json!(r#"{"output":"caf\u00e9 \ud83d\ude00","#),
                O,
                Some("café 😀"),
            ),
        ],
    );
}

#[test]
fn rule_openai_chat() {
    let request = json!({
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": "First question"},
            {"role": "assistant", "content": "First answer"},
            {"role": "user", "content": "Second question"}
        ],
        "temperature": 0.2
    });
    let multimodal = json!({"messages": [
        {"role": "user", "content": [
            {"type": "text", "text": "describe"},
            {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
            {"type": "text", "text": "this image"}
        ]}
    ]});
    let completion = json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi **there**"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
    });
    let conversation_output = json!({"messages": [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "a1"},
        {"role": "assistant", "content": "a2"},
        {"role": "user", "content": "q2"}
    ]});
    run(
        "OpenAI chat",
        vec![
            ("last user message", request, I, Some("Second question")),
            (
                "last text part, not joined",
                multimodal,
                I,
                Some("this image"),
            ),
            (
                "choices message content",
                completion,
                O,
                Some("Hi **there**"),
            ),
            (
                "output messages: last assistant",
                conversation_output,
                O,
                Some("a2"),
            ),
            (
                "tool-call choice has no content: generic has nothing either",
                json!({"choices": [{"message": {"role": "assistant", "content": null, "tool_calls": []}}], "model": "m"}),
                O,
                None,
            ),
        ],
    );
}

#[test]
fn rule_openai_agents() {
    let input = json!({"input": [
        {"role": "user", "content": "Plan a trip"},
        {"role": "assistant", "content": "Where to?"},
        {"role": "user", "content": "Lisbon"}
    ]});
    let output = json!({"output": [
        {"type": "reasoning", "summary": []},
        {"id": "msg_1", "type": "message", "role": "assistant", "status": "completed",
         "content": [{"type": "output_text", "text": "Day 1: Alfama", "annotations": []}]},
        {"type": "function_call", "name": "book", "arguments": "{}"},
        {"id": "msg_2", "type": "message", "role": "assistant",
         "content": [{"type": "output_text", "text": "Day 2: Belém"}, {"type": "refusal", "refusal": "no"}]}
    ]});
    run(
        "OpenAI Agents",
        vec![
            (
                "all user messages joined",
                input,
                I,
                Some("Plan a trip\n\n  ----------------- \n\nLisbon"),
            ),
            (
                "output_text parts joined",
                output,
                O,
                Some("Day 1: Alfama\n\n  ----------------- \n\nDay 2: Belém"),
            ),
        ],
    );
}

#[test]
fn rule_google_adk() {
    let input = json!({"role": "user", "parts": [{"text": "What's the weather in Paris?"}]});
    let contents = json!({"contents": [
        {"role": "user", "parts": [{"text": "older"}]},
        {"role": "user", "parts": [{"inline_data": {}}, {"text": "newest"}]}
    ], "config": {}});
    let output = json!({
        "content": {"role": "model", "parts": [{"function_call": {"name": "w"}}, {"text": "Sunny, 21°C"}]},
        "usage_metadata": {"prompt_token_count": 10},
        "invocation_id": "e-1"
    });
    run(
        "ADK",
        vec![
            (
                "parts: last part text",
                input,
                I,
                Some("What's the weather in Paris?"),
            ),
            (
                "contents: last content's last part",
                contents,
                I,
                Some("newest"),
            ),
            ("content.parts", output, O, Some("Sunny, 21°C")),
        ],
    );
}

#[test]
fn rule_langgraph() {
    let state_in = json!({"messages": [
        {"type": "human", "content": "hi", "id": "1"},
        {"type": "ai", "content": "hello"},
        {"type": "human", "content": [{"type": "text", "text": "look"}, {"type": "image_url"}, {"type": "text", "text": "at this"}]}
    ]});
    let state_out = json!({"messages": [
        {"type": "human", "content": "q"},
        {"type": "ai", "content": "", "tool_calls": [{"name": "search"}]},
        {"type": "tool", "content": "result"},
        {"type": "ai", "content": [{"type": "text", "text": "Final **answer**", "annotations": []}]}
    ]});
    let two_texts = json!({"messages": [
        {"type": "ai", "content": "first"},
        {"type": "ai", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}
    ]});
    run(
        "LangGraph",
        vec![
            ("last human, last text item", state_in, I, Some("at this")),
            (
                "last ai with one text item",
                state_out,
                O,
                Some("Final **answer**"),
            ),
            ("two text items don't count", two_texts, O, Some("first")),
        ],
    );
}

#[test]
fn rule_langchain() {
    let input = json!({"messages": [[
        {"lc": 1, "type": "system", "content": "sys"},
        {"lc": 1, "type": "human", "content": "Translate to French: cat"}
    ]]});
    let output = json!({"generations": [[
        {"text": "chat", "generation_info": {"finish_reason": "stop"}, "type": "ChatGeneration",
         "message": {"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", "AIMessage"],
                     "kwargs": {"content": "chat", "type": "ai"}}}
    ]], "llm_output": {"model_name": "gpt-4o"}});
    let several = json!({"generations": [[{"text": "a", "message": {"kwargs": {"type": "ai"}}}], [{"text": "b", "message": {"kwargs": {"type": "ai"}}}]], "run": null});
    run(
        "LangChain",
        vec![
            (
                "single prompt: last human",
                input,
                I,
                Some("Translate to French: cat"),
            ),
            ("single generation: ai text", output, O, Some("chat")),
            ("several generations: not prettified", several, O, None),
        ],
    );
}

#[test]
fn rule_text_blocks() {
    run(
        "text blocks",
        vec![
            (
                "blocks joined",
                json!({"blocks": [{"block_type": "text", "text": "one"}, {"block_type": "image"}, {"block_type": "text", "text": "two"}]}),
                O,
                Some("one\n\ntwo"),
            ),
            (
                "nested output.blocks",
                json!({"output": {"blocks": [{"block_type": "text", "text": "nested"}]}, "x": 1}),
                O,
                Some("nested"),
            ),
        ],
    );
}

#[test]
fn rule_openclaw() {
    let prompt = "Conversation info (untrusted metadata):\n```json\n{\"a\": 1}\n```\n\n[Fri 2026-03-06 11:35 GMT+1] What time is it?";
    run(
        "OpenClaw",
        vec![
            (
                "prompt stripped",
                json!({"prompt": prompt, "systemPrompt": "You are Claw"}),
                I,
                Some("What time is it?"),
            ),
            (
                "output with lastAssistant",
                json!({"output": "It is noon", "lastAssistant": {"role": "assistant"}}),
                O,
                Some("It is noon"),
            ),
        ],
    );
}

#[test]
fn rule_other_shapes() {
    let gemini = json!({
        "candidates": [{"content": {"role": "model", "parts": [{"text": "Gemini says hi"}, {"text": ""}]}, "finish_reason": "STOP"}],
        "usage_metadata": {"total_token_count": 9},
        "model_version": "gemini-2.0-flash"
    });
    run(
        "other shapes",
        vec![
            (
                "prompt[]: last user",
                json!({"prompt": [{"role": "user", "content": "p1"}, {"role": "user", "content": "p2"}], "model": "m"}),
                I,
                Some("p2"),
            ),
            ("Gemini candidates", gemini, O, Some("Gemini says hi")),
            (
                "output[] ai message",
                json!({"output": [{"type": "ai", "content": "x"}, {"type": "ai", "content": "y"}], "k": 1}),
                O,
                Some("y"),
            ),
        ],
    );
}

#[test]
fn rule_generic_keys_and_unwrapping() {
    run(
        "generic",
        vec![
            (
                "one key unwrapped to string",
                json!({"user_message": "hey"}),
                I,
                Some("hey"),
            ),
            (
                "one key, inner one string key",
                json!({"payload": {"body": "inner"}}),
                I,
                Some("inner"),
            ),
            (
                "one key, inner one non-string key",
                json!({"payload": {"body": 3}}),
                I,
                None,
            ),
            ("one-element array", json!(["only"]), I, Some("only")),
            (
                "input key order: question before input",
                json!({"input": "i", "question": "q", "k": 1}),
                I,
                Some("q"),
            ),
            (
                "Dify sys.query literal key",
                json!({"sys.query": "How do I reset?", "sys.user_id": "u", "sys.files": []}),
                I,
                Some("How do I reset?"),
            ),
            (
                "Dify sys.query as a path",
                json!({"sys": {"query": "nested q", "user_id": "u"}, "x": 1}),
                I,
                Some("nested q"),
            ),
            (
                "query.body.question path",
                json!({"query": {"body": {"question": "deep"}}, "x": 1}),
                I,
                Some("deep"),
            ),
            (
                "output answer",
                json!({"answer": "A", "output": "O"}),
                O,
                Some("A"),
            ),
            (
                "output final_output",
                json!({"final_output": "done", "steps": 3}),
                O,
                Some("done"),
            ),
            (
                "answer.answer path",
                json!({"answer": {"answer": "inner", "score": 1}, "meta": 1}),
                O,
                Some("inner"),
            ),
            (
                "output keys not used for input",
                json!({"answer": "A", "other": 1}),
                I,
                None,
            ),
            ("nothing: not prettified", json!({"a": 1, "b": 2}), O, None),
            (
                "JSON result re-indented",
                json!({"output": "{\"k\":[1,2]}", "x": 1}),
                O,
                Some("{\n  \"k\": [\n    1,\n    2\n  ]\n}"),
            ),
        ],
    );
}

#[test]
fn rule_anthropic_addition() {
    let response = json!({
        "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-sonnet-4",
        "content": [{"type": "thinking", "thinking": "..."}, {"type": "text", "text": "Part one."}, {"type": "tool_use", "id": "t", "name": "x", "input": {}}, {"type": "text", "text": "Part two."}],
        "stop_reason": "end_turn", "usage": {"input_tokens": 1, "output_tokens": 2}
    });
    let request = json!({"model": "claude", "max_tokens": 100, "system": "s", "messages": [
        {"role": "user", "content": [{"type": "text", "text": "Anthropic question"}]}
    ]});
    run(
        "Anthropic (addition)",
        vec![
            (
                "text blocks and the tool call, in order",
                response,
                O,
                Some("Part one.\n\n**Tool call** `x`\n\n```json\n{}\n```\n\nPart two."),
            ),
            (
                "a tool_use turn shows the call's name and input",
                json!({"role": "assistant", "stop_reason": "tool_use", "content": [
                    {"type": "text", "text": "Let me check the weather."},
                    {"type": "tool_use", "id": "toolu_1", "name": "get_weather",
                     "input": {"location": "Paris", "unit": "celsius"}}
                ]}),
                O,
                Some(concat!(
                    "Let me check the weather.\n\n**Tool call** `get_weather`\n\n",
                    "```json\n{\n  \"location\": \"Paris\",\n  \"unit\": \"celsius\"\n}\n```"
                )),
            ),
            (
                "request handled by the OpenAI rule",
                request,
                I,
                Some("Anthropic question"),
            ),
            (
                "a tool_use block without a name: not prettified",
                json!({"content": [{"type": "tool_use", "id": "t"}], "role": "assistant"}),
                O,
                None,
            ),
        ],
    );
}

#[test]
fn rule_openinference() {
    let legacy_in = json!({
        "llm.input_messages.0.message.role": "system",
        "llm.input_messages.0.message.content": "sys",
        "llm.input_messages.1.message.role": "user",
        "llm.input_messages.1.message.content": "legacy question",
        "llm.model_name": "gpt"
    });
    let legacy_out = json!({
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.contents.0.message_content.type": "text",
        "llm.output_messages.0.message.contents.0.message_content.text": "part a",
        "llm.output_messages.0.message.contents.1.message_content.text": "part b"
    });
    run(
        "OpenInference",
        vec![
            (
                "legacy input",
                legacy_in.clone(),
                I,
                Some("legacy question"),
            ),
            (
                "legacy output contents joined",
                legacy_out.clone(),
                O,
                Some("part a\n\npart b"),
            ),
        ],
    );
    // Older ingestion stored output attributes with the input: recovered for the output.
    let mixed = json!({
        "llm.input_messages.0.message.role": "user",
        "llm.input_messages.0.message.content": "q",
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.content": "recovered answer"
    });
    let got = prettify_trace_field(Some(&mixed), Some(&json!({})), None, Kind::Output);
    assert_eq!(got.as_deref(), Some("recovered answer"));
    // A metadata hint selects OpenInference ahead of the OpenAI rule: canonical messages with
    // a `model` role count as the assistant's.
    let canonical = json!({"messages": [{"role": "user", "content": "u"}, {"role": "model", "content": "from model"}]});
    let meta = json!({"openinference.span.kind": "LLM"});
    let got = prettify_trace_field(None, Some(&canonical), Some(&meta), Kind::Output);
    assert_eq!(got.as_deref(), Some("from model"));
    let without_hint = prettify(&canonical, Kind::Output);
    assert_eq!(
        without_hint, None,
        "no hint: OpenAI rule finds no assistant message"
    );
}

#[test]
fn markdown_detection() {
    let yes = [
        "# Title",
        "Some **bold** text",
        "- item one\n- item two",
        "1. first",
        "see [docs](https://x.y)",
        "> quoted text",
        "```rust\nfn main() {}\n```",
        "use `cargo`",
        "| a | b |",
        "---",
        "my_snake_case_name",
    ];
    for s in yes {
        assert!(looks_like_markdown(s), "should look like markdown: {s:?}");
    }
    let no = [
        "",
        "ab",
        "Just a plain sentence.",
        "{\"a\": \"# not a title\"}",
        "[\"- x\", \"**y**\"]",
        "Paris is the capital of France.",
    ];
    for s in no {
        assert!(
            !looks_like_markdown(s),
            "should not look like markdown: {s:?}"
        );
    }
}

#[test]
fn json_detection() {
    assert!(looks_like_json("{\"a\": 1}"));
    assert!(looks_like_json("  [1, 2, 3]\n"));
    assert!(!looks_like_json("{not json}"));
    assert!(!looks_like_json("\"a string\""));
    assert!(!looks_like_json("42"));
}

#[test]
fn body_classification() {
    assert_eq!(body(None, I), Body::Empty);
    assert_eq!(body(Some(&Value::Null), I), Body::Empty);
    assert_eq!(
        body(Some(&json!({"question": "plain words", "x": 1})), I),
        Body::Plain("plain words".into())
    );
    assert_eq!(
        body(Some(&json!({"answer": "# Hi", "x": 1})), O),
        Body::Markdown("# Hi".into())
    );
    assert!(
        matches!(body(Some(&json!({"answer": "{\"a\":1}", "x": 1})), O), Body::Json(ref s) if s.contains("\"a\": 1"))
    );
    let raw = json!({"a": 1, "b": [1, 2]});
    assert_eq!(body(Some(&raw), O), Body::Raw(raw.clone()));
}

#[test]
fn preview_is_one_sanitized_line() {
    let v = json!({"messages": [{"role": "user", "content": "line one\n\x1b[31mred\x1b[0m line"}]});
    assert_eq!(preview(Some(&v), I), "line one red line");
    assert_eq!(preview(Some(&json!({"a": 1})), O), "{\"a\":1}");
    assert_eq!(preview(None, O), "");
}

/// Dify's shapes (`api/core/ops/opik_trace/opik_trace.py`): the message trace (saved prompt
/// messages in, answer string out), its `llm` span (`{"input": [...]}` / `{"output": ...}`),
/// the chatflow's run inputs (`sys.query`) and outputs (`answer`).
#[test]
fn rule_dify_shapes() {
    let prompt = json!([
        {"role": "system", "text": "You are a travel agent.", "files": []},
        {"role": "user", "text": "Earlier question", "files": []},
        {"role": "assistant", "text": "Earlier answer", "files": []},
        {"role": "user", "text": "Is Lisbon warm in May?", "files": []}
    ]);
    run(
        "Dify (addition)",
        vec![
            (
                "message trace input: last user text",
                prompt.clone(),
                I,
                Some("Is Lisbon warm in May?"),
            ),
            (
                "llm span input under one key",
                json!({"input": prompt}),
                I,
                Some("Is Lisbon warm in May?"),
            ),
            (
                "single prompt message (generic rule)",
                json!([{"role": "user", "text": "Only one", "files": []}]),
                I,
                Some("Only one"),
            ),
            (
                "answer string",
                json!("Yes, around 22°C."),
                O,
                Some("Yes, around 22°C."),
            ),
            (
                "llm span output",
                json!({"output": "Yes, around 22°C."}),
                O,
                Some("Yes, around 22°C."),
            ),
            (
                "chatflow run inputs",
                json!({"sys.query": "Book it", "sys.files": [], "sys.conversation_id": "c-1", "sys.user_id": "u"}),
                I,
                Some("Book it"),
            ),
            (
                "chatflow run outputs",
                json!({"answer": "Booked.", "files": []}),
                O,
                Some("Booked."),
            ),
            (
                "LLM node outputs",
                json!({"text": "Sunny.", "usage": {"total_tokens": 3}, "finish_reason": "stop"}),
                O,
                Some("Sunny."),
            ),
            (
                "text without usage is not a node output",
                json!({"text": "x", "other": 1}),
                O,
                None,
            ),
            (
                "prompt list without a user message",
                json!([{"role": "system", "text": "s"}, {"role": "system", "text": "t"}]),
                I,
                None,
            ),
        ],
    );
}
