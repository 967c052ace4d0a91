#!/usr/bin/env bash
# Runs the Durable Streams conformance suite (npm @durable-streams/server-conformance-tests,
# pinned in package.json / package-lock.json) against real gateways, and fails when fewer tests
# pass than the ratchet: the count the door reached on that topology (README, "Durable
# Streams"), so that a regression fails while the remaining tests are still being worked on.
#
#   run_conformance.sh --gateway BIN --min-pass N --out DIR [--store memory|redis] [--nodes N]
#
# --store redis starts a redis-server of the run's own on a free port; --nodes 2 (or more) puts
# that many gateways on it behind round_robin_proxy.mjs (conformance.mjs starts and checks them).
# The suite's own CLI runs vitest on its runner under node_modules, which vitest excludes by
# default; vitest.config.mjs here includes it. Per-group counts and the names of
# failing tests go to DIR/summary.txt (summarize.mjs).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
gateway= min_pass= out= store=memory nodes=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --gateway) gateway=$2; shift 2 ;;
    --min-pass) min_pass=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --store) store=$2; shift 2 ;;
    --nodes) nodes=$2; shift 2 ;;
    *) echo "run_conformance.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -n $gateway && -n $min_pass && -n $out ]] || {
  echo "usage: run_conformance.sh --gateway BIN --min-pass N --out DIR [--store S] [--nodes N]" >&2
  exit 2; }
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "durable conformance: FAILED: node and npm are needed (scripts/bootstrap.sh installs them)" >&2
  exit 1
fi
if [[ $store == redis ]] && ! command -v redis-server >/dev/null; then
  echo "durable conformance: FAILED: redis-server is needed (scripts/bootstrap.sh installs it)" >&2
  exit 1
fi

bash "$here/npm_ci.sh"

rm -rf "$out" && mkdir -p "$out"
status=0
node "$here/conformance.mjs" --gateway "$gateway" --store "$store" --nodes "$nodes" \
  --out "$out" >"$out/conformance.log" 2>&1 || status=$?
tail -n 30 "$out/vitest.log" 2>/dev/null || true
cat "$out/conformance.log"
# 3: the topology misbehaved (a node crashed, the proxy did not spread the requests, the suite
# hung): a failure whatever the count. Otherwise vitest's status is non-zero as soon as one test
# fails, which is the ratchet's to judge.
[[ $status -ne 3 ]] || exit 1
[[ -s $out/results.json ]] || { echo "no results (conformance.mjs exit $status)" >&2; exit 1; }
node "$here/summarize.mjs" "$out/results.json" "$min_pass" | tee "$out/summary.txt"
