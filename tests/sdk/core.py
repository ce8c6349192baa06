"""Opik Python SDK compatibility suite (core): run by tests/server_sdk.rs against the embedded server.

Logs traces, spans, threads and scores with @opik.track, the low-level client and the threads
client, then reads everything back with the SDK's own search/get calls and asserts exact values.
Environment: OPIK_URL_OVERRIDE, OPIK_API_KEY (author "alice"), KEY_B (author "bob"), TEST_PROJECT.
"""

import math
import os
import sys

import opik
from opik import opik_context

P = os.environ["TEST_PROJECT"]
KEY_B = os.environ["KEY_B"]
failures = []


def eq(actual, expected, what):
    if actual != expected:
        failures.append(f"{what}: got {actual!r}, expected {expected!r}")


def close(actual, expected, what, tol=1e-9):
    if actual is None or not math.isclose(actual, expected, rel_tol=0, abs_tol=tol):
        failures.append(f"{what}: got {actual!r}, expected {expected!r}")


# ---------------------------------------------------------------- @opik.track, nested
@opik.track(project_name=P, name="retrieve")
def retrieve(q):
    return ["doc1", "doc2"]


@opik.track(project_name=P, type="llm", name="call_llm")
def call_llm(prompt):
    opik_context.update_current_span(
        model="gpt-4o-mini",
        provider="openai",
        usage={"prompt_tokens": 1000, "completion_tokens": 200, "total_tokens": 1200},
    )
    return "Paris"


@opik.track(project_name=P, type="tool", name="fail_tool")
def fail_tool():
    raise ValueError("tool broke")


@opik.track(project_name=P, name="agent")
def agent(q):
    docs = retrieve(q)
    answer = call_llm(q + " " + ",".join(docs))
    try:
        fail_tool()
    except ValueError:
        pass
    opik_context.update_current_trace(tags=["decorated"], metadata={"k": "v"}, thread_id="conv-A")
    return answer


agent("capital of France?")
opik.flush_tracker()

# ---------------------------------------------------------------- low-level client
client = opik.Opik(project_name=P)
t = client.trace(name="lowlevel", input={"user": "hi"}, thread_id="conv-A", tags=["lowlevel"])
s1 = t.span(
    name="claude",
    type="llm",
    model="claude-3-5-sonnet-20241022",
    provider="anthropic",
    usage={"input_tokens": 100, "output_tokens": 50},
    input={"p": 1},
)
s1.end(output={"r": 2})
s2 = t.span(name="costed", type="llm", model="gpt-4o", usage={"prompt_tokens": 10, "completion_tokens": 5}, total_cost=0.25)
s2.end()
t.end(output={"assistant": "hello!"})

te = client.trace(
    name="errored",
    input={"x": 1},
    error_info={"exception_type": "RuntimeError", "message": "boom", "traceback": "Traceback: boom"},
)
te.end()

t3 = client.trace(name="turn3", input={"user": "again"}, thread_id="conv-A")
t3.end(output={"assistant": "last"})
tb = client.trace(name="other", input={"user": "b"}, output={"assistant": "b"}, thread_id="conv-B")
client.flush()

# scores from two authors on the same trace and name; a thread score
client.log_traces_feedback_scores([{"id": t.id, "name": "relevance", "value": 1.0, "reason": "a"}], project_name=P)
client.flush()
client_b = opik.Opik(project_name=P, api_key=KEY_B)
client_b.log_traces_feedback_scores([{"id": t.id, "name": "relevance", "value": 0.0, "reason": "b"}], project_name=P)
client_b.flush()
client.get_threads_client().log_threads_feedback_scores(
    [{"id": "conv-A", "name": "frustration", "value": 0.2, "reason": "calm"}], project_name=P
)
client.flush()

# ---------------------------------------------------------------- read back
traces = client.search_traces(project_name=P, max_results=100)
eq(sorted(x.name for x in traces), ["agent", "errored", "lowlevel", "other", "turn3"], "trace names")
ids = [x.id for x in traces]
eq(ids, sorted(ids, reverse=True), "search order is id DESC")

ag = client.search_traces(project_name=P, filter_string='name = "agent"')
eq(len(ag), 1, "filter name = agent")
ag = ag[0]
eq(ag.tags, ["decorated"], "decorated tags")
eq(ag.metadata, {"k": "v"}, "decorated metadata")
eq(ag.thread_id, "conv-A", "decorated thread_id")
eq(ag.output, {"output": "Paris"}, "decorated output")
eq(ag.span_count, 4, "decorated span_count (the agent function is a span too)")
eq(ag.llm_span_count, 1, "decorated llm_span_count")
close(ag.total_estimated_cost, 1000 * 0.15 / 1e6 + 200 * 0.60 / 1e6, "decorated cost (estimated)", 1e-12)
eq(ag.usage.get("prompt_tokens"), 1000, "decorated usage")
spans = client.search_spans(project_name=P, trace_id=ag.id)
eq(sorted((s.name, s.type) for s in spans), [("agent", "general"), ("call_llm", "llm"), ("fail_tool", "tool"), ("retrieve", "general")], "nested spans")
by_name = {s.name: s for s in spans}
eq(by_name["agent"].parent_span_id, None, "the agent span is the root")
eq(by_name["retrieve"].parent_span_id, by_name["agent"].id, "retrieve nests under agent")
eq(by_name["call_llm"].parent_span_id, by_name["agent"].id, "call_llm nests under agent")
eq(by_name["fail_tool"].error_info.exception_type, "ValueError", "span error_info")
eq(by_name["call_llm"].model, "gpt-4o-mini", "span model")
close(by_name["call_llm"].total_estimated_cost, 0.00027, "span estimated cost", 1e-12)
eq(by_name["retrieve"].output, {"output": ["doc1", "doc2"]}, "span output")

low = client.get_trace_content(t.id)
eq(low.span_count, 2, "lowlevel span_count")
eq(low.llm_span_count, 2, "lowlevel llm_span_count")
eq(low.output, {"assistant": "hello!"}, "lowlevel output (PATCH)")
eq(low.usage.get("prompt_tokens"), 110, "lowlevel usage prompt_tokens")
eq(low.usage.get("completion_tokens"), 55, "lowlevel usage completion_tokens")
close(low.total_estimated_cost, 0.25 + (100 * 3.0 + 50 * 15.0) / 1e6, "lowlevel cost (given + estimated)", 1e-12)
fs = {f.name: f for f in (low.feedback_scores or [])}
eq(set(fs), {"relevance"}, "lowlevel scores")
if "relevance" in fs:
    r = fs["relevance"]
    close(r.value, 0.5, "score averaged over authors")
    vba = r.value_by_author or {}
    eq(sorted(vba), ["alice", "bob"], "value_by_author authors")
    if "alice" in vba and "bob" in vba:
        close(vba["alice"].value, 1.0, "alice's value")
        close(vba["bob"].value, 0.0, "bob's value")
sp = client.get_span_content(s2.id)
close(sp.total_estimated_cost, 0.25, "explicit span cost kept")

er = client.get_trace_content(te.id)
eq(er.error_info.exception_type, "RuntimeError", "trace error_info")
eq(er.error_info.message, "boom", "trace error message")
errs = client.search_traces(project_name=P, filter_string="error_info is_not_empty")
eq([x.name for x in errs], ["errored"], "error_info filter")
usage_f = client.search_traces(project_name=P, filter_string="usage.total_tokens > 1000")
eq([x.name for x in usage_f], ["agent"], "usage filter")
tags_f = client.search_traces(project_name=P, filter_string='tags contains "lowlevel"')
eq([x.name for x in tags_f], ["lowlevel"], "tags filter")
meta_f = client.search_traces(project_name=P, filter_string='metadata.k = "v"')
eq([x.name for x in meta_f], ["agent"], "metadata filter")
score_f = client.search_traces(project_name=P, filter_string="feedback_scores.relevance >= 0.5")
eq([x.name for x in score_f], ["lowlevel"], "feedback score filter")

threads = client.get_threads_client().search_threads(project_name=P)
th = {x.id: x for x in threads}
eq(sorted(th), ["conv-A", "conv-B"], "threads")
if "conv-A" in th:
    a = th["conv-A"]
    eq(a.number_of_messages, 6, "conv-A messages")
    eq(a.first_message, {"q": "capital of France?"}, "conv-A first message")
    eq(a.last_message, {"assistant": "last"}, "conv-A last message")
    eq(a.status, "active", "conv-A status")
    eq(bool(a.thread_model_id), True, "thread_model_id")
    tfs = {f.name: f for f in (a.feedback_scores or [])}
    eq(set(tfs), {"frustration"}, "thread scores")
    if "frustration" in tfs:
        close(tfs["frustration"].value, 0.2, "thread score value")
ta = client.get_threads_client().search_threads(project_name=P, filter_string="number_of_messages >= 4")
eq([x.id for x in ta], ["conv-A"], "thread filter")

# ---------------------------------------------------------------- paging past one search page
P2 = P + "-bulk"
bulk_ids = set()
for i in range(2500):
    tr = client.trace(name=f"bulk-{i}", project_name=P2, input={"i": i}, thread_id=f"th-{i:05d}" if i < 2100 else None)
    bulk_ids.add(tr.id)
client.flush()
got = client.search_traces(project_name=P2, max_results=5000)
eq(len(got), 2500, "paged trace count")
eq({x.id for x in got}, bulk_ids, "paged trace ids")
got_threads = client.get_threads_client().search_threads(project_name=P2, max_results=5000)
eq(len(got_threads), 2100, "paged thread count (cursor is the thread id)")
eq(len({x.id for x in got_threads}), 2100, "paged threads are distinct")

if failures:
    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    sys.exit(1)
print("core SDK suite OK")
