"""SDK compatibility: annotation queues and feedback definitions, with the real Opik SDK.

Run by tests/server_sdk_extras.rs with OPIK_URL_OVERRIDE pointing at the embedded server and
SDK_TEST_PROJECT naming a fresh project. Exits non-zero (AssertionError) on any mismatch.
"""

import os
import sys

import opik
from opik.rest_api.core.api_error import ApiError
from opik.rest_api.types.feedback_create import (
    FeedbackCreate_Boolean,
    FeedbackCreate_Categorical,
    FeedbackCreate_Numerical,
)
from opik.rest_api.types.categorical_feedback_detail_create import CategoricalFeedbackDetailCreate
from opik.rest_api.types.numerical_feedback_detail_create import NumericalFeedbackDetailCreate
from opik.rest_api.types.boolean_feedback_detail_create import BooleanFeedbackDetailCreate

PROJECT = os.environ["SDK_TEST_PROJECT"]


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def main():
    client = opik.Opik(project_name=PROJECT)

    # --- data to queue: three traces, two threads of two turns each -----------------------
    trace_ids = []
    for i in range(3):
        t = client.trace(name=f"answer-{i}", input={"q": f"question {i}"}, output={"a": f"answer {i}"})
        t.end()
        trace_ids.append(t.id)
    for th in ("chat-a", "chat-b"):
        for turn in range(2):
            client.trace(name="turn", input={"q": f"{th} {turn}"}, output={"a": "ok"}, thread_id=th).end()
    client.flush()

    # --- feedback definitions through the REST client ---------------------------------------
    fd = client.rest_client.feedback_definitions
    page = fd.find_feedback_definitions(page=1, size=100)
    names = {d.name for d in page.content}
    check("User feedback" in names, f"default 'User feedback' missing: {names}")
    fd.create_feedback_definition(
        request=FeedbackCreate_Numerical(name="relevance-sdk", details=NumericalFeedbackDetailCreate(min=0.0, max=1.0))
    )
    fd.create_feedback_definition(
        request=FeedbackCreate_Categorical(
            name="tone-sdk", details=CategoricalFeedbackDetailCreate(categories={"good": 1.0, "bad": 0.0})
        )
    )
    fd.create_feedback_definition(
        request=FeedbackCreate_Boolean(
            name="resolved-sdk", details=BooleanFeedbackDetailCreate(true_label="Yes", false_label="No")
        )
    )
    page = fd.find_feedback_definitions(page=1, size=100, name="-sdk")
    by_name = {d.name: d for d in page.content}
    check(set(by_name) == {"relevance-sdk", "tone-sdk", "resolved-sdk"}, f"created definitions: {set(by_name)}")
    check(by_name["relevance-sdk"].type == "numerical", "numerical type")
    check(by_name["relevance-sdk"].details.max == 1.0, f"numerical details {by_name['relevance-sdk'].details}")
    check(by_name["tone-sdk"].details.categories == {"good": 1.0, "bad": 0.0}, "categorical details")
    check(by_name["resolved-sdk"].details.true_label == "Yes", "boolean labels")
    got = fd.get_feedback_definition_by_id(by_name["tone-sdk"].id)
    check(got.name == "tone-sdk", "get by id")
    fd.delete_feedback_definition_by_id(by_name["tone-sdk"].id)
    try:
        fd.get_feedback_definition_by_id(by_name["tone-sdk"].id)
        raise AssertionError("deleted definition still readable")
    except ApiError as e:
        check(e.status_code == 404, f"deleted definition: {e.status_code}")
    try:
        fd.create_feedback_definition(
            request=FeedbackCreate_Numerical(name="relevance-sdk", details=NumericalFeedbackDetailCreate(min=0.0, max=2.0))
        )
        raise AssertionError("duplicate definition name accepted")
    except ApiError as e:
        check(e.status_code == 409, f"duplicate name: {e.status_code}")

    # --- a traces queue ------------------------------------------------------------------------
    tq = client.create_traces_annotation_queue(
        name="review-traces",
        project_name=PROJECT,
        description="d",
        instructions="rate it",
        comments_enabled=True,
        feedback_definition_names=["relevance-sdk"],
    )
    traces = client.search_traces(project_name=PROJECT, filter_string='name starts_with "answer-"')
    check(len(traces) == 3, f"search_traces found {len(traces)}")
    tq.add_traces(traces)
    fresh = client.get_traces_annotation_queue(tq.id)
    check(fresh.items_count == 3, f"items_count {fresh.items_count}")
    check(fresh.name == "review-traces" and fresh.scope == "trace", "queue fields")
    check(fresh.feedback_definition_names == ["relevance-sdk"], f"definition names {fresh.feedback_definition_names}")
    items = tq.get_items()
    check(sorted(t.id for t in items) == sorted(trace_ids), f"queue items {[t.id for t in items]}")
    tq.remove_traces([traces[0]])
    check(client.get_traces_annotation_queue(tq.id).items_count == 2, "items_count after remove")
    check(len(tq.get_items()) == 2, "get_items after remove")
    tq.update(description="changed")
    check(client.get_traces_annotation_queue(tq.id).description == "changed", "update description")

    # --- a threads queue (items are thread_model_ids from search_threads) ----------------------
    thq = client.create_threads_annotation_queue(name="review-threads", project_name=PROJECT)
    threads = client.get_threads_client().search_threads(project_name=PROJECT)
    check(sorted(t.id for t in threads) == ["chat-a", "chat-b"], f"threads {[t.id for t in threads]}")
    thq.add_threads(threads)
    check(client.get_threads_annotation_queue(thq.id).items_count == 2, "thread queue items_count")
    got_threads = thq.get_items()
    check(sorted(t.id for t in got_threads) == ["chat-a", "chat-b"], f"thread queue items {[t.id for t in got_threads]}")

    # --- listing by project (the SDK pages until an empty page) and delete -------------------
    tqs = client.get_traces_annotation_queues(project_name=PROJECT)
    check([q.name for q in tqs] == ["review-traces"], f"traces queues {[q.name for q in tqs]}")
    thqs = client.get_threads_annotation_queues(project_name=PROJECT)
    check([q.name for q in thqs] == ["review-threads"], f"threads queues {[q.name for q in thqs]}")
    client.delete_annotation_queue(tq.id)
    try:
        client.get_traces_annotation_queue(tq.id)
        raise AssertionError("deleted queue still readable")
    except AssertionError:
        raise
    except Exception as e:  # the SDK wraps the 404 NotFoundError in its own exception
        cause = e if isinstance(e, ApiError) else e.__cause__
        check(isinstance(cause, ApiError) and cause.status_code == 404, f"deleted queue: {e!r}")
    check(client.get_traces_annotation_queues(project_name=PROJECT) == [], "no traces queues left")
    print("OK queues + feedback definitions")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"FAILED: {e}", file=sys.stderr)
        sys.exit(1)
