"""Data for the tmux end-to-end test of the TUI (tests/tui_e2e.rs): the real Opik SDK logs a
small agent trace tree and a few plain traces into the embedded server, then flushes.
Environment: OPIK_URL_OVERRIDE, TEST_PROJECT.
"""

import os

import opik
from opik import opik_context

P = os.environ["TEST_PROJECT"]


@opik.track(project_name=P, name="lookup_order", type="tool")
def lookup_order(order_id):
    return {"order": order_id, "status": "in_transit"}


@opik.track(project_name=P, name="draft_reply", type="llm")
def draft_reply(status):
    opik_context.update_current_span(
        model="gpt-4o-mini",
        provider="openai",
        usage={"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
    )
    return "Your order is **in transit** and arrives tomorrow."


@opik.track(project_name=P, name="checkout_agent")
def checkout_agent(question):
    info = lookup_order(1234)
    answer = draft_reply(info["status"])
    opik_context.update_current_trace(tags=["e2e"], metadata={"channel": "tmux"})
    return answer


checkout_agent("Where is my order #1234?")

client = opik.Opik(project_name=P)
for i in range(3):
    t = client.trace(
        name=f"plain_trace_{i}",
        input={"question": f"question number {i}"},
        output={"answer": f"answer number {i}"},
        project_name=P,
    )
    t.end()
client.flush()
opik.flush_tracker()
print("tui e2e data logged")
