#!/usr/bin/env bash
# CPU per delivered event of one gateway binary under the load tool, with a CPU profile. Starts the
# gateway on the memory store (or --store redis: a private redis-server on a free port) on
# 127.0.0.1, runs sse-live-resume against it, and records with `perf record -g -p PID` for the whole
# run.
#
#   bench/delivery/profile.sh GATEWAY SSE_LIVE_RESUME OUT_DIR [memory|redis] [load flags...]
#
# Default load: the issue's fan-out case, one stream, 100 subscribers, 1,000 events/s through 4
# producers, 10 s (the tool's default payload sizes; every subscriber cut and resumed). Writes OUT_DIR/summary.json (the tool's), OUT_DIR/cpu.json (the
# gateway's and Redis's utime+stime in seconds, from /proc, over the run), OUT_DIR/perf.data and
# OUT_DIR/perf-report.txt (`perf report --no-children --sort dso,sym`, top entries); on the
# Redis store also OUT_DIR/redis-commandstats.txt (Redis's INFO commandstats after the run).
# NO_PERF=1: no perf record (and no report). Use it for the CPU and latency figures: under
# `perf record -g` the gateway's delivery p50 at the gate mix rose from ~0.6 ms to 7-14 ms on the
# memory store, while nchan, run by bench/nchan/run.sh, is never profiled.
set -euo pipefail
if [[ $# -lt 3 ]]; then
  sed -n '2,12p' "$0" >&2
  exit 2
fi
gateway=$1
tool=$2
out=$3
store=${4:-memory}
shift $(( $# >= 4 ? 4 : 3 ))
load=("$@")
if [[ ${#load[@]} -eq 0 ]]; then
  load=(--subscribers 100 --streams 1 --rate 1000 --producers 4 --duration 10s --window 10s
        --seed 3)
fi
mkdir -p "$out"
dir=$(mktemp -d /tmp/delivery-profile-XXXXXX)
gw_pid=
redis_pid=
cleanup() {
  [[ -n $gw_pid ]] && kill "$gw_pid" 2>/dev/null || true
  [[ -n $redis_pid ]] && kill "$redis_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

cpu_seconds() {  # utime + stime of a pid, in seconds
  awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"
}

store_url=memory
if [[ $store == redis ]]; then
  # A free TCP port: ask the kernel for one, then give it to redis-server.
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
    >"$dir/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  store_url=redis://127.0.0.1:$port
fi

"$gateway" --listen 127.0.0.1:0 --port-file "$dir/port" --auth none \
  --store "$store_url" >"$out/gateway.log" 2>&1 &
gw_pid=$!
for _ in $(seq 100); do [[ -s $dir/port ]] && break; sleep 0.05; done
[[ -s $dir/port ]] || { echo "gateway did not start" >&2; cat "$out/gateway.log" >&2; exit 1; }

gw_before=$(cpu_seconds "$gw_pid")
redis_before=0
[[ -n $redis_pid ]] && redis_before=$(cpu_seconds "$redis_pid")
perf_pid=
if [[ ${NO_PERF:-0} != 1 ]]; then
  perf record -g -F 999 -o "$out/perf.data" -p "$gw_pid" >"$dir/perf.log" 2>&1 &
  perf_pid=$!
fi
set +e
"$tool" --target "http://127.0.0.1:$(cat "$dir/port")" --out "$out" "${load[@]}" >"$out/tool.log" 2>&1
rc=$?
set -e
if [[ -n $perf_pid ]]; then
  kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true
fi
gw_after=$(cpu_seconds "$gw_pid")
redis_after=0
if [[ -n $redis_pid ]]; then
  redis_after=$(cpu_seconds "$redis_pid")
  # Which commands Redis spent its CPU on (calls, usec, usec_per_call per command).
  redis-cli -p "$port" INFO commandstats >"$out/redis-commandstats.txt" 2>&1 || true
fi
cat >"$out/cpu.json" <<JSON
{"gateway_cpu_s": $(printf '%.2f' "$(echo "$gw_after - $gw_before" | bc -l)"), "redis_cpu_s": $(printf '%.2f' "$(echo "$redis_after - $redis_before" | bc -l)"), "store": "$store"}
JSON
if [[ -n $perf_pid ]]; then
perf report -i "$out/perf.data" --no-children --sort dso,sym --stdio 2>/dev/null | \
  grep -v '^#' | grep -v '^$' | head -60 >"$out/perf-report.txt" || true
perf report -i "$out/perf.data" --no-children --sort dso --stdio 2>/dev/null | \
  grep -v '^#' | grep -v '^$' | head -15 >"$out/perf-dso.txt" || true
fi
echo "tool exit $rc; $(cat "$out/cpu.json")"
exit $rc
