#!/usr/bin/env bash
# h2load (nghttp2-client) against ONE release gateway on the memory store, HTTP/2 with prior
# knowledge against HTTP/1.1 (h2load --h1) at the same load:
#
#   bench/h2/h2load.sh OUT_DIR [rounds]
#
# Cases, interleaved per round (h1 first in odd rounds, h2 first in even ones):
#   replay: 20,000 SSE reads of an ended stream of 256 events of ~256 B (each replays the whole
#           buffer, then `end`): h2 as 100 connections x 100 streams (10,000 streams at once),
#           h1 as 100 connections;
#   append: 50,000 appends of one ~256 B event over 4 connections (h2: 16 streams each);
#   live:   10,000 SSE streams held open (h2: 100 connections x 100 streams; h1: 10,000
#           connections) while 100 events are appended (one every 10 ms), then `end`: 1,000,000
#           live deliveries; h2load counts a request done when its stream ends.
# Per case: h2load's summary, and the gateway's CPU (utime + stime from /proc) per request or per
# delivered event. Results: OUT_DIR/results.jsonl (one JSON line per case), h2load outputs, info.
# Environment: GATEWAY (default build/release/src/sse-gateway), GATEWAY_ARGS, CASES (default
# "replay append live").
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:?usage: bench/h2/h2load.sh OUT_DIR [rounds]}
rounds=${2:-2}
# shellcheck source=bench/h2/start_gateway.sh
source bench/h2/start_gateway.sh
base=http://127.0.0.1:$port
{ date -u; git rev-parse --short HEAD; "$gateway" --version; h2load --version | head -1; nproc; } >"$out/info.txt"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
ticks_per_s=$(getconf CLK_TCK)
event=$(printf '{"data":"%s"}' "$(head -c 256 /dev/zero | tr '\0' x)")
printf '%s' "$event" >"$work/event.json"
python3 -c "
import sys
print(''.join(sys.argv[1] + '\n' for _ in range(256)), end='')" "$event" >"$work/replay.ndjson"
curl -sf -X PUT "$base/v1/streams/replay" >/dev/null
curl -sf -H 'Content-Type: application/x-ndjson' --data-binary "@$work/replay.ndjson" \
  "$base/v1/streams/replay/events" >/dev/null
curl -sf -X POST "$base/v1/streams/replay/end" >/dev/null

# record NAME PROTO ITEMS TICKS H2LOAD_OUTPUT: one JSON line from h2load's summary.
record() {
  local name=$1 proto=$2 items=$3 ticks=$4 file=$5
  python3 - "$name" "$proto" "$items" "$ticks" "$ticks_per_s" "$file" <<'EOF' | tee -a "$out/results.jsonl"
import json, re, sys
name, proto, items, ticks, hz, path = sys.argv[1:]
text = open(path).read()
fin = re.search(r"finished in ([\d.]+)(m?s), ([\d.]+) req/s", text)
req = re.search(r"requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed", text)
seconds = float(fin.group(1)) / (1000 if fin.group(2) == "ms" else 1)
cpu_s = int(ticks) / int(hz)
print(json.dumps({"case": name, "proto": proto, "seconds": round(seconds, 3),
                  "req_per_s": float(fin.group(3)), "requests": int(req.group(1)),
                  "succeeded": int(req.group(2)), "failed": int(req.group(3)),
                  "gateway_cpu_s": round(cpu_s, 2), "items": int(items),
                  "gateway_cpu_us_per_item": round(cpu_s * 1e6 / int(items), 2)}))
EOF
}

replay() {  # proto
  local flags=(-n 20000 -c 100 -m 100) file="$out/replay-$1-$RANDOM.txt" before
  [[ $1 == h1 ]] && flags=(--h1 -n 20000 -c 100)
  before=$(cpu_ticks)
  h2load -t 1 "${flags[@]}" "$base/v1/streams/replay/events" >"$file" 2>&1
  record replay "$1" $((20000 * 257)) $(($(cpu_ticks) - before)) "$file"
}

append() {  # proto
  local flags=(-n 50000 -c 4 -m 16) file="$out/append-$1-$RANDOM.txt" before
  [[ $1 == h1 ]] && flags=(--h1 -n 50000 -c 4)
  before=$(cpu_ticks)
  h2load -t 1 "${flags[@]}" -d "$work/event.json" -H 'Content-Type: application/json' \
    "$base/v1/streams/appends-$1/events" >"$file" 2>&1
  record append "$1" 50000 $(($(cpu_ticks) - before)) "$file"
}

live() {  # proto
  local stream=live-$1-$RANDOM flags=(-n 10000 -c 100 -m 100) file="$out/live-$1-$RANDOM.txt"
  local before h2load_pid open=0
  [[ $1 == h1 ]] && flags=(--h1 -n 10000 -c 10000)
  curl -sf -X PUT "$base/v1/streams/$stream" >/dev/null
  h2load -t 1 "${flags[@]}" "$base/v1/streams/$stream/events" >"$file" 2>&1 &
  h2load_pid=$!
  for _ in $(seq 600); do
    open=$(curl -sf "$base/metrics" | awk '/^sse_gateway_sse_connections_open /{print $2}')
    [[ ${open:-0} -ge 10000 ]] && break
    sleep 0.1
  done
  [[ ${open:-0} -ge 10000 ]] || { echo "live $1: only ${open:-0} subscribers" >&2; kill "$h2load_pid"; return 1; }
  before=$(cpu_ticks)
  for _ in $(seq 100); do
    curl -sf -H 'Content-Type: application/json' --data-binary "@$work/event.json" \
      "$base/v1/streams/$stream/events" >/dev/null
    sleep 0.01
  done
  curl -sf -X POST "$base/v1/streams/$stream/end" >/dev/null
  wait "$h2load_pid"
  record live "$1" $((10000 * 101)) $(($(cpu_ticks) - before)) "$file"
}

for r in $(seq "$rounds"); do
  order=(h1 h2)
  (( r % 2 == 0 )) && order=(h2 h1)
  for c in ${CASES:-replay append live}; do
    for p in "${order[@]}"; do
      echo "$(date -u +%T) $c $p, load: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/uptime.txt"
      "$c" "$p"
      sleep 2
    done
  done
done
