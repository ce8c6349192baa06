"""Log a Dify-shaped fixture through the Opik SDK's low-level client, the way Dify does.

Dify's integration (api/core/ops/opik_trace/opik_trace.py, OpikDataTrace.add_trace/add_span)
builds plain dicts and calls `Opik(project_name=..., workspace=..., host=...)`'s
`trace(**trace_data)` and `span(**span_data)`. This script reads those dicts (the fixture
built by opik_tui::server::demo_dify, written to the JSON file given as argv[1]: {"traces":
[...], "spans": [...]} with ISO timestamps), turns timestamps into datetimes as Dify's
trace_info objects hold them, and makes the same calls. It prints one JSON line with counts.

Run by tests/dify_fixtures.rs with OPIK_URL_OVERRIDE pointing at the embedded server.
"""

import datetime
import json
import sys

import opik

# The keyword arguments Dify passes (everything else in the fixture is Opik wire naming).
TRACE_KEYS = ("id", "name", "start_time", "end_time", "metadata", "input", "output", "tags", "project_name")
SPAN_KEYS = (
    "id",
    "trace_id",
    "parent_span_id",
    "name",
    "type",
    "start_time",
    "end_time",
    "metadata",
    "input",
    "output",
    "tags",
    "project_name",
    "usage",
    "model",
    "provider",
)


def when(s):
    if s is None:
        return None
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def main():
    with open(sys.argv[1]) as f:
        data = json.load(f)
    project = data["traces"][0]["project_name"]
    client = opik.Opik(project_name=project, workspace="default")
    for t in data["traces"]:
        d = {k: t[k] for k in TRACE_KEYS if t.get(k) is not None}
        d["start_time"] = when(d.get("start_time"))
        d["end_time"] = when(d.get("end_time"))
        client.trace(**d)
    for s in data["spans"]:
        d = {k: s[k] for k in SPAN_KEYS if s.get(k) is not None}
        d["start_time"] = when(d.get("start_time"))
        d["end_time"] = when(d.get("end_time"))
        client.span(**d)
    client.flush()
    print(json.dumps({"traces": len(data["traces"]), "spans": len(data["spans"])}))


if __name__ == "__main__":
    main()
