#!/usr/bin/env bash
# Runs sse-live-resume against a gateway on Redis Cluster: starts a private cluster of 3 masters
# (no replicas) on free loopback ports with the settings of the test harness
# (tests/support/redis_cluster.cpp: cluster-enabled, no persistence, explicit bus ports, joined
# by `redis-cli --cluster create`), lets the tool start the gateway with
# `--store redis-cluster://<the three masters>` and tears the cluster down afterwards.
#
#   bench/cluster/run.sh SSE_LIVE_RESUME SSE_GATEWAY OUT_DIR [sse-live-resume flags...]
#
# The flags are the load (--subscribers, --streams, --rate, --producers, --duration, ...) and
# any --gateway-arg (e.g. --gateway-arg=--threads --gateway-arg=2). After the run it writes
# OUT_DIR/redis_cpu.txt: CPU seconds (utime+stime) of each master over the run.
# Exit status: the tool's.
set -euo pipefail

if [[ $# -lt 3 ]]; then
  sed -n '2,13p' "$0" >&2
  exit 2
fi
tool=$1
gateway=$2
out=$3
shift 3

dir=$(mktemp -d /tmp/cluster-bench-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
cpu_seconds() {  # utime + stime of a pid, in seconds
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"
}

ports=()
for i in 0 1 2; do
  port=$(free_port)
  mkdir -p "$dir/$i"
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir/$i" \
    --daemonize no --protected-mode no --cluster-enabled yes --cluster-config-file nodes.conf \
    --cluster-node-timeout 2000 --cluster-port "$(free_port)" >"$dir/$i/log" 2>&1 &
  pids+=($!)
  ports+=("$port")
done
for port in "${ports[@]}"; do
  # Bounded (30 s): a loaded machine may take seconds to start a node.
  for _ in $(seq 300); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -p "$port" ping >/dev/null 2>&1 || { echo "error: node on $port did not start" >&2; exit 1; }
done
redis-cli --cluster create "${ports[@]/#/127.0.0.1:}" --cluster-replicas 0 --cluster-yes \
  >"$dir/create.log"
for _ in $(seq 300); do
  ok=0
  for port in "${ports[@]}"; do
    redis-cli -p "$port" cluster info | grep -q 'cluster_state:ok' && ok=$((ok + 1))
  done
  [[ $ok == 3 ]] && break
  sleep 0.1
done
seeds=$(IFS=,; echo "${ports[*]/#/127.0.0.1:}")

declare -A before
for p in "${pids[@]}"; do before[$p]=$(cpu_seconds "$p"); done
status=0
"$tool" --gateway-bin "$gateway" --gateway-arg=--store --gateway-arg="redis-cluster://$seeds" \
  --out "$out" "$@" || status=$?
{
  for p in "${pids[@]}"; do
    echo "master pid $p cpu_s $(awk -v a="$(cpu_seconds "$p")" -v b="${before[$p]}" 'BEGIN { printf "%.2f", a - b }')"
  done
} >"$out/redis_cpu.txt"
exit $status
