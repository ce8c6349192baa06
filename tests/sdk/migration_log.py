"""The project that tests/opik_cli_migration.rs moves between two embedded servers with the
official Opik CLI (`opik export …` then `opik import …`).

Logs, with the real SDK, into TEST_PROJECT: a three-turn thread (`conv-1`) and one trace outside
it with an error; each turn has an LLM span (model, provider, usage, a cost set by hand) holding
a nested tool span; trace scores with reasons, a span score, tags, metadata and an attachment;
and what the Opik CLI does not carry: a trace comment, a thread score, a feedback definition
and an annotation queue. Prints the trace ids as one JSON line (`IDS [...]`).
Environment: OPIK_URL_OVERRIDE, OPIK_API_KEY, TEST_PROJECT, NOTES (a text file to attach).
"""

import datetime
import json
import os

import opik
from opik import Attachment
from opik.rest_api.types.feedback_create import FeedbackCreate_Numerical
from opik.rest_api.types.numerical_feedback_detail_create import NumericalFeedbackDetailCreate

P = os.environ["TEST_PROJECT"]
client = opik.Opik(project_name=P)
t0 = datetime.datetime(2026, 11, 20, 9, 0, 0, tzinfo=datetime.timezone.utc)


def at(seconds):
    return t0 + datetime.timedelta(seconds=seconds)


traces, llms = [], []
for i in range(3):
    s = 60 * i
    t = client.trace(
        name=f"turn-{i}",
        start_time=at(s),
        end_time=at(s + 5),
        input={"user_message": f"question {i}", "thread_id": "conv-1"},
        output={"answer": f"answer {i}"},
        metadata={"z_channel": "web", "a_turn": i},
        tags=["prod", f"turn-{i}"],
        thread_id="conv-1",
        attachments=[Attachment(data=os.environ["NOTES"], content_type="text/plain")] if i == 0 else None,
    )
    llm = t.span(
        name="chat",
        type="llm",
        start_time=at(s + 1),
        end_time=at(s + 4),
        model="gpt-4o-mini",
        provider="openai",
        input={"messages": [{"role": "user", "content": f"question {i}"}]},
        output={"content": f"answer {i}"},
        usage={"prompt_tokens": 100 + i, "completion_tokens": 20, "total_tokens": 120 + i},
        total_cost=0.5,
    )
    llm.span(name="lookup", type="tool", start_time=at(s + 2), end_time=at(s + 3), input={"q": i}, output={"hits": i})
    traces.append(t)
    llms.append(llm)

lone = client.trace(
    name="batch-job",
    start_time=at(600),
    end_time=at(602),
    input={"job": "nightly"},
    output={"ok": False},
    error_info={"exception_type": "RuntimeError", "message": "boom", "traceback": "Traceback: boom"},
)
client.flush()

client.log_traces_feedback_scores(
    [
        {"id": traces[0].id, "name": "helpful", "value": 1.0, "reason": "clear"},
        {"id": traces[1].id, "name": "helpful", "value": 0.0, "reason": "wrong"},
        {"id": traces[1].id, "name": "tone", "value": 0.5},
    ],
    project_name=P,
)
client.log_spans_feedback_scores(
    [{"id": llms[2].id, "name": "accuracy", "value": 0.75, "reason": "close"}], project_name=P
)
client.flush()

# what the Opik CLI leaves behind
rest = client.rest_client
rest.traces.add_trace_comment(traces[0].id, text="checked by hand")
client.get_threads_client().log_threads_feedback_scores(
    [{"id": "conv-1", "name": "frustration", "value": 0.2, "reason": "calm"}], project_name=P
)
rest.feedback_definitions.create_feedback_definition(
    request=FeedbackCreate_Numerical(name="helpful", details=NumericalFeedbackDetailCreate(min=0.0, max=1.0))
)
queue = client.create_traces_annotation_queue(name="review", project_name=P)
queue.add_traces([client.get_trace_content(traces[2].id)])
client.flush()
print("IDS " + json.dumps([t.id for t in traces] + [lone.id]))
