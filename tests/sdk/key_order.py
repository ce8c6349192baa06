"""Key order, end to end: run by tests/key_order.rs against the embedded server.

Real Opik keeps a JSON object's keys in the order the client sent them. This logs traces and a
span whose input/output/metadata keys are deliberately out of alphabetical order (nested objects
too, and a decorated function whose arguments become the input), reads them back with the SDK's
own REST client (get by id, search, threads) and asserts the exact key order. It prints the ids
as one JSON line (`IDS {...}`) so the Rust side can read the same records with opik-tui's client.
Environment: OPIK_URL_OVERRIDE, OPIK_API_KEY, TEST_PROJECT.
"""

import json
import os
import sys

import opik

P = os.environ["TEST_PROJECT"]
failures = []

INPUT = {
    "user_message": "Where is my parcel?",
    "thread_id": "ko-thread",
    "zeta": 1,
    "alpha": {"zulu": 1, "bravo": [{"yankee": 1, "alpha": 2}], "mike": {"z": 0, "a": 1}},
}
OUTPUT = {"zz_answer": "It ships today.", "reasoning": {"step_b": 1, "step_a": 2}, "a_last": True}
METADATA = {"z_source": "web", "customer": {"tier": "gold", "id": 7}, "a_flag": False}
SPAN_INPUT = {"query": "parcel", "k": 3, "filters": {"z": 1, "a": 2}}
SPAN_OUTPUT = {"docs": [{"title": "t", "body": "b", "score": 0.9}], "count": 1}
SPAN_METADATA = {"retriever": "bm25", "index": "parcels", "a": 1}


def keys(v):
    """Every object's keys in order, depth first: [[path, [keys…]], …]."""
    out = []

    def walk(path, x):
        if isinstance(x, dict):
            out.append([path, list(x.keys())])
            for k, c in x.items():
                walk(f"{path}.{k}", c)
        elif isinstance(x, list):
            for i, c in enumerate(x):
                walk(f"{path}[{i}]", c)

    walk("", v)
    return out


def same_order(actual, expected, what):
    if actual is None:
        failures.append(f"{what}: missing")
    elif keys(actual) != keys(expected):
        failures.append(f"{what}: key order {keys(actual)!r}, expected {keys(expected)!r}")


@opik.track(project_name=P, name="reply")
def reply(user_message, thread_id):
    return {"text": "ok", "confidence": 0.5}


client = opik.Opik(project_name=P)
t = client.trace(name="ordered", input=INPUT, output=OUTPUT, metadata=METADATA, thread_id="ko-thread")
s = t.span(name="retrieve", type="tool", input=SPAN_INPUT, metadata=SPAN_METADATA)
s.end(output=SPAN_OUTPUT)
t.end()
reply("Second question", "ko-thread")
opik.flush_tracker()
client.flush()

rest = client.rest_client
got = rest.traces.get_trace_by_id(t.id)
same_order(got.input, INPUT, "trace input (get)")
same_order(got.output, OUTPUT, "trace output (get)")
same_order(got.metadata, METADATA, "trace metadata (get)")
span = rest.spans.get_span_by_id(s.id)
same_order(span.input, SPAN_INPUT, "span input (get)")
same_order(span.output, SPAN_OUTPUT, "span output (get)")
same_order(span.metadata, SPAN_METADATA, "span metadata (get)")

found = client.search_traces(project_name=P, filter_string='name = "ordered"')
if len(found) != 1:
    failures.append(f"search_traces found {len(found)} traces")
else:
    same_order(found[0].input, INPUT, "trace input (search)")
    same_order(found[0].metadata, METADATA, "trace metadata (search)")

decorated = client.search_traces(project_name=P, filter_string='name = "reply"')
if len(decorated) != 1:
    failures.append(f"search_traces found {len(decorated)} decorated traces")
else:
    d = decorated[0]
    same_order(d.input, {"user_message": "", "thread_id": ""}, "decorated input")
    same_order(d.output, {"text": "", "confidence": 0}, "decorated output")

threads = client.get_threads_client().search_threads(project_name=P)
if len(threads) != 1:
    failures.append(f"search_threads found {len(threads)} threads")
else:
    first = threads[0].first_message
    first = json.loads(first) if isinstance(first, str) else first
    same_order(first, INPUT, "thread first_message")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("IDS " + json.dumps({"trace": str(t.id), "span": str(s.id), "decorated": str(decorated[0].id)}))
print("key order SDK suite OK")
