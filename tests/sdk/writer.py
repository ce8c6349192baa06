"""Concurrent SDK writers (tests/server_sdk.rs): forks PROCS processes (after importing the SDK once,
so the test is not dominated by eight slow imports); each creates its own Opik client and logs
N_TRACES traces with two spans and one score into TEST_PROJECT, flushes, and checks that the SDK
reported no loss. Exits non-zero if any writer failed."""

import datetime
import os
import sys
import time

import opik

P = os.environ["TEST_PROJECT"]
N = int(os.environ["N_TRACES"])
PROCS = int(os.environ["PROCS"])


def work(w):
    t0 = time.time()
    client = opik.Opik(project_name=P)
    ids = []
    for i in range(N):
        now = datetime.datetime.now(datetime.timezone.utc)
        # start and end given at creation: batched creates only (no per-record PATCH requests)
        t = client.trace(name=f"w{w}-{i}", input={"worker": w, "i": i}, output={"done": True},
                         thread_id=f"w{w}-conv-{i % 5}", start_time=now, end_time=now)
        for k in range(2):
            t.span(name=f"step{k}", type="llm" if k else "general", model="gpt-4o-mini", output={"k": k},
                   usage={"prompt_tokens": 10, "completion_tokens": 2}, start_time=now, end_time=now)
        ids.append(t.id)
    client.log_traces_feedback_scores([{"id": i, "name": "ok", "value": 1.0} for i in ids], project_name=P)
    if not client.flush(timeout=120):
        print(f"writer {w}: flush reported a failure", file=sys.stderr, flush=True)
        return 1
    print(f"writer {w} (pid {os.getpid()}) done in {time.time() - t0:.1f} s", flush=True)
    return 0


pids = []
for w in range(PROCS):
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = work(w)
        finally:
            # flushed (or failed) already: skip the SDK's slow interpreter-exit teardown
            os._exit(code)
    pids.append(pid)

failed = 0
for pid in pids:
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        failed += 1
if failed:
    print(f"{failed} writer(s) failed", file=sys.stderr)
    sys.exit(1)
print("all writers done")
