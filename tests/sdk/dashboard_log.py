"""Logs traces for the dashboard tests with the real Opik SDK.

usage: dashboard_log.py PROJECT COUNT [FIRST]

Trace i (counting from FIRST, default 0) lasts 100 * (i + 1) ms, has one LLM span with
10 prompt + 5 completion tokens and a cost of $0.001, the feedback score `relevance` = 0.5 for
even i and 1.0 for odd i, an error when i % 4 == 3, and the thread `conv-{i % 2}`.
Prints one JSON line with the ids logged.
"""

import datetime
import json
import sys

import opik


def main() -> None:
    project = sys.argv[1]
    count = int(sys.argv[2])
    first = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    client = opik.Opik(project_name=project)
    ids = []
    now = datetime.datetime.now(datetime.timezone.utc)
    for i in range(first, first + count):
        start = now - datetime.timedelta(seconds=30) + datetime.timedelta(milliseconds=i)
        end = start + datetime.timedelta(milliseconds=100 * (i + 1))
        error = (
            {"exception_type": "ValueError", "message": f"bad input {i}", "traceback": "tb"}
            if i % 4 == 3
            else None
        )
        trace = client.trace(
            name=f"request-{i}",
            start_time=start,
            end_time=end,
            input={"question": f"q{i}"},
            output={"answer": f"a{i}"},
            project_name=project,
            error_info=error,
            thread_id=f"conv-{i % 2}",
            feedback_scores=[{"name": "relevance", "value": 0.5 if i % 2 == 0 else 1.0}],
        )
        trace.span(
            name="llm",
            type="llm",
            start_time=start,
            end_time=end,
            model="gpt-4o-mini",
            provider="openai",
            usage={"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
            total_cost=0.001,
        )
        ids.append(trace.id)
    client.flush()
    print(json.dumps({"ids": ids}))


if __name__ == "__main__":
    main()
