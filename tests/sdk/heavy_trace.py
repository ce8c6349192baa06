"""A heavy trace logged with the real Opik SDK (tests/tui_heavy.rs, issue #19): a retrieval
input of HEAVY_JSON_BYTES of JSON (passages of ~8 KB), an answer of HEAVY_MD_BYTES of
markdown, and HEAVY_SPANS spans under one agent span. Prints the trace id.
Environment: OPIK_URL_OVERRIDE, TEST_PROJECT, HEAVY_JSON_BYTES, HEAVY_MD_BYTES, HEAVY_SPANS.
"""

import datetime
import os

import opik

P = os.environ["TEST_PROJECT"]
JSON_BYTES = int(os.environ.get("HEAVY_JSON_BYTES", "5000000"))
MD_BYTES = int(os.environ.get("HEAVY_MD_BYTES", "800000"))
SPANS = int(os.environ.get("HEAVY_SPANS", "10000"))

WORDS = (
    "retrieval passage vector index latency answer model context token policy refund order "
    "shipping customer warehouse invoice carrier depot tracking return warranty battery "
    "délai livraison 配送 注文 the a of and to in is for with on that by this from"
).split()


class Words:
    def __init__(self, seed):
        self.state = seed

    def word(self):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) % 2**64
        return WORDS[(self.state >> 33) % len(WORDS)]

    def text(self, size):
        out, n = [], 0
        while n < size:
            w = self.word()
            out.append(w)
            n += len(w) + 1
        return " ".join(out) + "."


def retrieval_input(size):
    w = Words(7)
    docs, total, i = [], 0, 0
    while total < size:
        text = w.text(7800)
        total += len(text) + 260
        docs.append(
            {
                "id": f"doc-{i:05}",
                "score": round(0.95 - i * 0.0001, 6),
                "source": f"kb/articles/{w.word()}-{i % 97}.md",
                "text": text,
                "metadata": {"chunk": i % 13, "page": 1 + i % 40, "tags": [w.word(), w.word()]},
            }
        )
        i += 1
    return {"index": "kb-v3", "top_k": len(docs), "retrieved": docs}


def markdown_answer(size):
    w = Words(11)
    parts, n, total = ["# Incident report: delayed orders\n\n"], 0, 0
    while total < size:
        n += 1
        block = f"## {n}. {w.word()} {w.word()}\n\n{w.text(420)} **{w.word()}** `{w.word()}`.\n\n"
        block += "".join(f"- item {k}: {w.text(60)}\n" for k in range(4)) + "\n"
        if n % 7 == 0:
            block += "```python\n" + "".join(
                f"def step_{k}(order):\n    return order.get('{w.word()}', {k})\n" for k in range(8)
            ) + "```\n\n"
        parts.append(block)
        total += len(block)
    parts.append("## Conclusion\n\nThe **last line** of the report.\n")
    return "".join(parts)


client = opik.Opik(project_name=P)
t0 = datetime.datetime.now(datetime.timezone.utc)
trace = client.trace(
    name="rag_agent",
    start_time=t0,
    end_time=t0 + datetime.timedelta(seconds=30),
    input=retrieval_input(JSON_BYTES),
    output={"output": markdown_answer(MD_BYTES)},
    project_name=P,
)
root = client.span(
    trace_id=trace.id,
    name="agent_loop",
    start_time=t0,
    end_time=t0 + datetime.timedelta(seconds=29),
    input={"goal": "answer"},
    project_name=P,
)
for i in range(SPANS):
    s = t0 + datetime.timedelta(milliseconds=10 + i)
    client.span(
        trace_id=trace.id,
        parent_span_id=root.id,
        name=f"tool_call_{i}",
        type="tool",
        start_time=s,
        end_time=s + datetime.timedelta(milliseconds=40),
        input={"query": f"step {i}"},
        output={"result": "ok"},
        project_name=P,
    )
client.flush()
print(trace.id)
