#!/usr/bin/env bash
# Runs sse-live-resume against nginx + nchan on a private redis-server (the nchan side-by-side
# benchmark). Everything lives in a temporary folder on free loopback ports; no root needed (as
# root, nginx runs its workers as nobody). Needs the Debian packages nginx and libnginx-mod-nchan
# (not installed by scripts/bootstrap.sh).
#
#   bench/nchan/run.sh SSE_LIVE_RESUME OUT_DIR [sse-live-resume flags...]
#
# The flags are the load (--subscribers, --streams, --rate, --producers, --duration, ...); the
# script adds --target-kind nchan, --publish-url, --subscribe-url and --out OUT_DIR. After the
# run it writes OUT_DIR/nchan_resources.json: CPU seconds (utime+stime) and peak RSS (VmHWM)
# of redis-server, the nginx master and the sum over its workers, read before they are stopped.
# Exit status: the tool's.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  sed -n '2,15p' "$0" >&2
  exit 2
fi
tool=$1
out=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
nginx_bin=${NGINX:-/usr/sbin/nginx}
[[ -x $nginx_bin ]] || { echo "error: $nginx_bin not found (apt-get install nginx libnginx-mod-nchan)" >&2; exit 2; }
[[ -e /usr/lib/nginx/modules/ngx_nchan_module.so ]] || { echo "error: nchan module missing (libnginx-mod-nchan)" >&2; exit 2; }

dir=$(mktemp -d /tmp/nchan-bench-XXXXXX)
chmod 755 "$dir"  # nginx workers (nobody when started as root) write their temp files here
redis_pid=
nginx_pid=
stop_all() {
  [[ -n $nginx_pid ]] && kill -QUIT "$nginx_pid" 2>/dev/null || true
  [[ -n $redis_pid ]] && kill "$redis_pid" 2>/dev/null || true
  for _ in $(seq 50); do
    { [[ -n $nginx_pid ]] && kill -0 "$nginx_pid" 2>/dev/null; } ||
      { [[ -n $redis_pid ]] && kill -0 "$redis_pid" 2>/dev/null; } || break
    sleep 0.1
  done
  [[ -n $nginx_pid ]] && kill -KILL "$nginx_pid" 2>/dev/null || true
  [[ -n $redis_pid ]] && kill -KILL "$redis_pid" 2>/dev/null || true
  [[ ${KEEP:-0} == 1 ]] || rm -rf "$dir"  # KEEP=1 keeps the logs and the generated config
}
trap stop_all EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
redis_port=$(free_port)
port=$(free_port)

redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
  --logfile "$dir/redis.log" --daemonize no &
redis_pid=$!
for _ in $(seq 100); do
  redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break
  sleep 0.1
done

sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$port|g" -e "s|@REDIS_PORT@|$redis_port|g" \
  "$here/nginx.conf" >"$dir/nginx.conf"
ulimit -n "$(ulimit -Hn)"
"$nginx_bin" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" &
nginx_pid=$!
for _ in $(seq 100); do
  curl -s -o /dev/null -X POST --data 'ping' "http://127.0.0.1:$port/pub/bench-probe" && break
  sleep 0.1
done
echo "redis-server pid $redis_pid on port $redis_port; nginx pid $nginx_pid on port $port ($dir)"

rc=0
"$tool" --target-kind nchan --publish-url "http://127.0.0.1:$port/pub/{id}" \
  --subscribe-url "http://127.0.0.1:$port/sub/{id}" --out "$out" "$@" || rc=$?

usage() {  # pid -> "cpu_seconds peak_rss_bytes"
  local tck
  tck=$(getconf CLK_TCK)
  awk -v t="$tck" '{ split($0, a, ") "); split(a[2], f, " "); printf "%.2f ", (f[12] + f[13]) / t }' \
    "/proc/$1/stat"
  awk '/^VmHWM:/ { print $2 * 1024 }' "/proc/$1/status"
}
read -r redis_cpu redis_rss < <(usage "$redis_pid")
read -r master_cpu master_rss < <(usage "$nginx_pid")
workers_cpu=0
workers_rss=0
nworkers=0
for w in $(pgrep -P "$nginx_pid"); do
  read -r c r < <(usage "$w")
  workers_cpu=$(awk -v a="$workers_cpu" -v b="$c" 'BEGIN { printf "%.2f", a + b }')
  workers_rss=$((workers_rss + r))
  nworkers=$((nworkers + 1))
done
mkdir -p "$out"
cat >"$out/nchan_resources.json" <<JSON
{"redis": {"pid": $redis_pid, "cpu_seconds": $redis_cpu, "peak_rss_bytes": $redis_rss},
 "nginx_master": {"pid": $nginx_pid, "cpu_seconds": $master_cpu, "peak_rss_bytes": $master_rss},
 "nginx_workers": {"count": $nworkers, "cpu_seconds": $workers_cpu, "peak_rss_bytes_sum": $workers_rss}}
JSON
echo "redis-server cpu ${redis_cpu} s peak rss $((redis_rss / 1048576)) MiB; nginx workers ($nworkers) cpu ${workers_cpu} s peak rss sum $((workers_rss / 1048576)) MiB; master cpu ${master_cpu} s"
if grep -q -E '\[(alert|crit|emerg|error)\]' "$dir/error.log"; then
  echo "nginx error.log (last 5 error lines):"
  grep -E '\[(alert|crit|emerg|error)\]' "$dir/error.log" | tail -5
fi
exit "$rc"
