#!/usr/bin/env bash
# Runs the Durable Streams conformance suite (npm @durable-streams/server-conformance-tests,
# pinned in package.json / package-lock.json) against a real gateway on the memory store, and
# fails when fewer tests pass than the ratchet: the count the door reached (README, "Durable
# Streams"), so that a regression fails while the remaining tests are still being worked on.
#
#   run_conformance.sh --gateway BIN --min-pass N --out DIR
#
# The suite's own CLI runs vitest on its runner under node_modules, which vitest excludes by
# default; vitest.config.mjs here includes it. Per-group counts go to DIR/summary.txt.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
gateway= min_pass= out=
while [[ $# -gt 0 ]]; do
  case $1 in
    --gateway) gateway=$2; shift 2 ;;
    --min-pass) min_pass=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "run_conformance.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -n $gateway && -n $min_pass && -n $out ]] || {
  echo "usage: run_conformance.sh --gateway BIN --min-pass N --out DIR" >&2; exit 2; }
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "durable conformance: FAILED: node and npm are needed (scripts/bootstrap.sh installs them)" >&2
  exit 1
fi

# The pinned suite into tests/durable/node_modules, once (the lock serializes build trees).
(
  flock 9
  if [[ ! -f $here/node_modules/@durable-streams/server-conformance-tests/package.json ]] ||
    [[ $here/package-lock.json -nt $here/node_modules/.package-lock.json ]]; then
    echo "npm ci in $here"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
  fi
) 9<"$here/package.json"

rm -rf "$out" && mkdir -p "$out"
port_file=$out/port
# Large limits: the suite appends big bodies and many events to one stream. The long-poll wait is
# short so that the suite's timeout tests finish in seconds.
"$gateway" --listen 127.0.0.1:0 --port-file "$port_file" --auth none --store memory \
  --telemetry none --max-body-bytes 64MiB --buffer-max-bytes 256MiB \
  --durable-long-poll-timeout 2s >"$out/gateway.log" 2>&1 &
gateway_pid=$!
trap 'kill $gateway_pid 2>/dev/null || true; wait $gateway_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  [[ -s $port_file ]] && break
  kill -0 $gateway_pid 2>/dev/null || { echo "gateway exited:"; cat "$out/gateway.log"; exit 1; }
  sleep 0.1
done
[[ -s $port_file ]] || { echo "gateway did not write its port file in 10 s" >&2; exit 1; }
url=http://127.0.0.1:$(cat "$port_file")

cd "$here"
status=0
CONFORMANCE_TEST_URL=$url timeout 900 node_modules/.bin/vitest run --config vitest.config.mjs \
  --reporter=dot --reporter=json --outputFile.json="$out/results.json" >"$out/vitest.log" 2>&1 ||
  status=$?
tail -n 30 "$out/vitest.log"
[[ -s $out/results.json ]] || { echo "no results (vitest exit $status)" >&2; exit 1; }
node "$here/summarize.mjs" "$out/results.json" "$min_pass" | tee "$out/summary.txt"
