#!/usr/bin/env bash
# Runs the performance gate, adds its artifacts to a local history folder and regenerates the
# dashboard site. Arguments go to sse-live-resume (through tools/load/run-gate.sh);
# --short first is the CI-sized gate (20 s, 5 s windows).
#   scripts/perf-history.sh                          # full 60 s gate, memory store
#   scripts/perf-history.sh --short                  # 20 s gate, 5 s windows
#   scripts/perf-history.sh --short --store redis    # the short gate on the Redis store
#   scripts/perf-history.sh --duration 30s --window 5s   # any other length (without --short)
# Environment: SSE_PERF_HISTORY (history folder, default build/perf-history), SSE_PERF_SITE
# (site folder, default build/perf-site), SSE_GATE_PRESET (default release), SSE_GATE_OUT (the
# gate's scratch output, default build/perf-gate).
# Exit: the gate's code (0 passed, 1 failed: a failed run is history too and is added), or the
# setup error code when the gate could not run (nothing is added then).
set -euo pipefail
cd "$(dirname "$0")/.."

gate_args=()
if [[ ${1:-} == --short ]]; then
  shift
  gate_args=(--duration 20s --window 5s)
fi
history=${SSE_PERF_HISTORY:-build/perf-history}
site=${SSE_PERF_SITE:-build/perf-site}
preset=${SSE_GATE_PRESET:-release}
export SSE_GATE_PRESET=$preset
export SSE_GATE_OUT=${SSE_GATE_OUT:-build/perf-gate}

# run-gate.sh fails with 1 both when the gate fails and when the build does: a summary.json
# from this run is what tells them apart.
rm -rf "$SSE_GATE_OUT"
set +e
tools/load/run-gate.sh "${gate_args[@]}" "$@"
code=$?
set -e
if [[ $code -ne 0 && $code -ne 1 ]] || [[ ! -f $SSE_GATE_OUT/summary.json ]]; then
  code=$((code == 0 || code == 1 ? 2 : code))
  echo "perf-history: the gate could not run (exit $code); nothing added to $history" >&2
  exit "$code"
fi

cmake --build --preset "$preset" --target perf-dashboard >/dev/null
dashboard=build/$preset/tools/dashboard/perf-dashboard
"$dashboard" add --history "$history" --run "$SSE_GATE_OUT"
"$dashboard" build --history "$history" --out "$site"
echo "perf-history: open $site/index.html"
exit "$code"
