#!/usr/bin/env bash
# The performance gate, as the README, .ci/run and .github/workflows/perf-gate.yml run
# it: installs dependencies, builds the release preset's gateway and load tool, and runs
# sse-live-resume against a gateway it starts itself. Arguments go to sse-live-resume, e.g.
#   tools/load/run-gate.sh                                      # full 60 s gate, memory store
#   tools/load/run-gate.sh --store redis --duration 20s --window 5s   # the short CI gate
# Artifacts (summary.json, timeseries.json, timeseries.csv, run/*.log) go to
# ${SSE_GATE_OUT:-build/perf-gate}. Exit code: the tool's (0 pass, 1 gate failed, 2 setup error).
set -euo pipefail
cd "$(dirname "$0")/../.."
# A failure to install or build is a setup error (2), like the tool's own, never a gate verdict.
preset=${SSE_GATE_PRESET:-release}
scripts/bootstrap.sh || exit 2
cmake --preset "$preset" >/dev/null || exit 2
cmake --build --preset "$preset" --target sse-gateway sse-live-resume || exit 2
out=${SSE_GATE_OUT:-build/perf-gate}
rm -rf "$out"
exec "build/$preset/tools/load/sse-live-resume" --gateway-bin "build/$preset/src/sse-gateway" \
  --out "$out" "$@"
