#!/usr/bin/env bash
# HTTP/2 against HTTP/1.1 at the same load, against ONE release gateway on the memory store
# (h2c with prior knowledge on its plain port), with bench/h2/h2_vs_h1.mjs as the client:
#
#   bench/h2/run.sh OUT_DIR [rounds]
#
# Per round, interleaved (h1 first in odd rounds, h2 first in even ones):
#   memory: 10,000 idle SSE subscriptions, h2 as 100 connections x 100 streams, h1 as 10,000
#           connections: gateway RSS growth per subscription;
#   cpu:    1,000 subscribers over 100 streams (h2: 10 connections x 100 streams; h1: 1,000
#           connections), 2,000 events/s of ~256 B for 20 s: gateway and client CPU per delivery,
#           every subscriber checked for losses and duplicates (20,000 deliveries/s).
# CASES="memory cpu" (default) or one of them.
# Default 2 rounds. Results: OUT_DIR/results.jsonl (one JSON line per case), gateway log, uptime.
# PERF=h2 (or h1): afterwards one more cpu case of that protocol under `perf record -g -p PID`
# (OUT_DIR/perf-report.txt: by library, then the top symbols). `run.sh OUT 0` runs only that.
# Environment: GATEWAY (default build/release/src/sse-gateway), GATEWAY_ARGS (extra flags),
# MEM_ARGS / CPU_ARGS (extra client flags, e.g. "--subs 2000"). `ulimit -n` is raised to the hard
# limit (the 10,000 HTTP/1.1 connections need a descriptor each on both sides).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:?usage: bench/h2/run.sh OUT_DIR [rounds]}
rounds=${2:-2}
# shellcheck source=bench/h2/start_gateway.sh
source bench/h2/start_gateway.sh
client=(node bench/h2/h2_vs_h1.mjs --port "$port" --pid "$pid")
{ date -u; git rev-parse --short HEAD; "$gateway" --version; echo "$gateway ${GATEWAY_ARGS:-}"; } >"$out/info.txt"
step() {  # mode proto [extra flags]
  local mode=$1 proto=$2
  shift 2
  echo "$(date -u +%T) $mode $proto, load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/uptime.txt" >&2
  # shellcheck disable=SC2086
  "${client[@]}" "$mode" --proto "$proto" --tag "$mode-$proto-$RANDOM" "$@" >>"$out/results.jsonl"
  sleep 2
}
for r in $(seq "$rounds"); do
  order=(h1 h2)
  (( r % 2 == 0 )) && order=(h2 h1)
  # shellcheck disable=SC2086
  for c in ${CASES:-memory cpu}; do
    args=${MEM_ARGS:-}
    [[ $c == cpu ]] && args=${CPU_ARGS:-}
    # shellcheck disable=SC2086
    for p in "${order[@]}"; do step "$c" "$p" $args; done
  done
done
if [[ -n ${PERF:-} ]]; then
  perf record -g -F 999 -o "$out/perf.data" -p "$pid" >"$work/perf.log" 2>&1 &
  perf_pid=$!
  # shellcheck disable=SC2086
  step cpu "$PERF" ${CPU_ARGS:-}
  kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true
  report=(perf report -i "$out/perf.data" --no-children --stdio -g none)
  { "${report[@]}" --sort dso 2>/dev/null | grep '%' | head -12
    "${report[@]}" --sort dso,sym 2>/dev/null | grep '%' | head -40 | cut -c1-160; } >"$out/perf-report.txt" || true  # head closes the pipes early
fi
cat "$out/results.jsonl"
