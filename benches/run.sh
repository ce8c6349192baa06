#!/usr/bin/env bash
# Ingest/query benchmark of the embedded server, with Arize Phoenix on the same payloads.
#
#   benches/run.sh                 # 1M spans through OTLP, 200k through the SDK batch endpoints,
#                                  # 20k OTLP spans to Phoenix and to a fresh server of ours
#   BENCH_SPANS=200000 benches/run.sh
#
# Phoenix is measured when it can be installed: a separate venv (not committed), default
# /work/phoenix-venv or $PHOENIX_VENV, with `pip install arize-phoenix`; it runs on loopback
# with its SQLite in a temporary PHOENIX_WORKING_DIR. Set NO_PHOENIX=1 to skip it.
set -euo pipefail
cd "$(dirname "$0")/.."
PHOENIX_VENV="${PHOENIX_VENV:-/work/phoenix-venv}"
if [ -z "${NO_PHOENIX:-}" ]; then
  if [ ! -x "$PHOENIX_VENV/bin/phoenix" ]; then
    python3 -m venv "$PHOENIX_VENV" && "$PHOENIX_VENV/bin/pip" install -q arize-phoenix || true
  fi
  if [ -x "$PHOENIX_VENV/bin/phoenix" ]; then
    export PHOENIX_BIN="$PHOENIX_VENV/bin/phoenix"
  else
    echo "Phoenix could not be installed into $PHOENIX_VENV; measuring opik-tui only" >&2
  fi
fi
cargo bench --bench ingest 2>&1 | tee "${BENCH_LOG:-/tmp/opik-tui-bench.log}"
