#!/usr/bin/env bash
# Side by side, one run: the Durable Streams door of sse-gateway and the reference Node server
# (npm @durable-streams/server, pinned in package-lock.json), both on the memory store on
# 127.0.0.1, loaded one after the other by load.mjs with identical requests, ROUNDS times in
# alternation (gateway, reference, gateway, ...) so that a change in the machine's load shows.
#
#   bench/durable/run.sh SSE_GATEWAY OUT_DIR [load.mjs flags...]
#
# The gateway runs with --threads ${GATEWAY_THREADS:-1} (the reference server is one Node
# process, one JavaScript thread), --auth none, no telemetry, and per-stream limits large enough
# that nothing is trimmed during a run. OUT_DIR gets one JSON line per run (results.jsonl), the
# servers' logs, and `uptime` before and after. Exit status: non-zero when any check failed.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  sed -n '2,13p' "$0" >&2
  exit 2
fi
gateway=$1
out=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
rounds=${ROUNDS:-2}
mkdir -p "$out"
[[ -f $here/node_modules/@durable-streams/server/package.json ]] ||
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

gw_pid=
ref_pid=
stop_all() {
  for pid in $gw_pid $ref_pid; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $gw_pid $ref_pid; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}
trap stop_all EXIT

wait_port() {  # FILE PID
  for _ in $(seq 100); do
    [[ -s $1 ]] && { cat "$1"; return 0; }
    kill -0 "$2" 2>/dev/null || { echo "server exited at start" >&2; return 1; }
    sleep 0.1
  done
  echo "no port file $1 in 10 s" >&2
  return 1
}

rm -f "$out/gateway.port" "$out/reference.port"
"$gateway" --listen 127.0.0.1:0 --port-file "$out/gateway.port" --auth none --store memory \
  --telemetry none --threads "${GATEWAY_THREADS:-1}" --max-buffer-limit 10000000 \
  --buffer-max-bytes 4GiB --max-body-bytes 1MiB >"$out/gateway.log" 2>&1 &
gw_pid=$!
node "$here/reference_server.mjs" "$out/reference.port" >"$out/reference.log" 2>&1 &
ref_pid=$!
gw_port=$(wait_port "$out/gateway.port" $gw_pid)
ref_port=$(wait_port "$out/reference.port" $ref_pid)

{ date -u; uptime; } >"$out/machine_before.txt"
status=0
for round in $(seq "$rounds"); do
  for target in gateway reference; do
    if [[ $target == gateway ]]; then port=$gw_port pid=$gw_pid; else port=$ref_port pid=$ref_pid; fi
    echo "round $round: $target (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    node "$here/load.mjs" --url "http://127.0.0.1:$port" --pid "$pid" --name "$target" \
      --tag "r$round" "$@" >>"$out/results.jsonl" || status=1
  done
done
{ date -u; uptime; } >"$out/machine_after.txt"
exit $status
