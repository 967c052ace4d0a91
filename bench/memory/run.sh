#!/usr/bin/env bash
# Memory probes of a release-build gateway on the memory store (see memory_probe.py):
#
#   bench/memory/run.sh idle    [probe options]   10,000 idle SSE connections: RSS per connection,
#                                                 then RSS each second for 10 s after they close
#   bench/memory/run.sh idle --streams 200 --events-per-stream 256
#                                                 the same, each stream's buffer full (256 events)
#   bench/memory/run.sh streams [probe options]   50,000 streams of one 40-byte event (TTL 40 s:
#                                                 all alive at the peak): RSS per stream, then 45 s more (all expired)
#
# Environment: GATEWAY (binary, default build/release/src/sse-gateway), GATEWAY_ARGS (extra
# flags), PRELOAD (an allocator to LD_PRELOAD into the gateway only, for comparisons).
# Both processes need ~N+100 descriptors: the script raises `ulimit -n` to the hard limit.
set -euo pipefail
cd "$(dirname "$0")/../.."
probe=${1:?usage: run.sh idle|streams [probe options]}
shift
gateway=${GATEWAY:-build/release/src/sse-gateway}
ulimit -n "$(ulimit -Hn)"
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

defaults=()
if [[ $probe == idle ]]; then
  defaults=(--connections 10000 --streams 1000)
else
  defaults=(--streams 50000 --after 45)
  GATEWAY_ARGS="--ttl 40s ${GATEWAY_ARGS:-}"
fi
# shellcheck disable=SC2086  # GATEWAY_ARGS is a list of flags
env ${PRELOAD:+LD_PRELOAD=$PRELOAD} "$gateway" --listen 127.0.0.1:0 --port-file "$work/port" \
  --auth none --log-level warn ${GATEWAY_ARGS:-} >"$work/gateway.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  [[ -s $work/port ]] && break
  sleep 0.1
done
[[ -s $work/port ]] || { cat "$work/gateway.log" >&2; exit 1; }
echo "$(date -u +%FT%TZ) $gateway ${GATEWAY_ARGS:-} ${PRELOAD:+LD_PRELOAD=$PRELOAD} (pid $pid)" >&2
/usr/bin/python3 bench/memory/memory_probe.py "$probe" --port "$(cat "$work/port")" --pid "$pid" \
  "${defaults[@]}" "$@"
