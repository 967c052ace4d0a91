# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034  # `out` comes from the caller; `port` is for it
# Sourced by bench/h2/run.sh and bench/h2/h2load.sh, from the project root, after they set
# `out` (the results folder): starts ONE gateway (GATEWAY, default build/release/src/sse-gateway;
# memory store, no access control, GATEWAY_ARGS appended) on a free loopback port, with its log in
# $out/gateway.log. Sets `gateway`, `pid`, `port` and `work` (a temporary folder); the EXIT trap
# stops the gateway and removes `work`. Raises `ulimit -n` to the hard limit.
gateway=${GATEWAY:-build/release/src/sse-gateway}
mkdir -p "$out"
ulimit -n "$(ulimit -Hn)"
work=$(mktemp -d)
pid=
trap '[[ -n $pid ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
# shellcheck disable=SC2086  # GATEWAY_ARGS is a list of flags
"$gateway" --listen 127.0.0.1:0 --port-file "$work/port" --auth none --store memory \
  --log-level warn ${GATEWAY_ARGS:-} >"$out/gateway.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [[ -s $work/port ]] && break; sleep 0.1; done
[[ -s $work/port ]] || { cat "$out/gateway.log" >&2; exit 1; }
port=$(cat "$work/port")
