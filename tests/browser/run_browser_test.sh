#!/usr/bin/env bash
# dashboard_browser_test: builds a history of real gate runs, generates the
# perf-dashboard site from it, and checks the site in headless Debian chromium through
# playwright-core (dashboard_browser_test.mjs). Screenshots land in --out.
#
#   run_browser_test.sh --gateway BIN --load BIN --dashboard BIN --out DIR
#
# Exit: 0 passed, 1 failed (also when chromium is missing: scripts/bootstrap.sh installs it, so
# its absence is a broken setup, not a reason to pass without looking at the pages).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
chromium_bin=${SSE_CHROMIUM:-/usr/bin/chromium}
runs=13

while [[ $# -gt 0 ]]; do
  case $1 in
    --gateway) gateway=$2; shift 2 ;;
    --load) load=$2; shift 2 ;;
    --dashboard) dashboard=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "run_browser_test.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
: "${gateway:?--gateway missing}" "${load:?--load missing}" "${dashboard:?--dashboard missing}"
: "${out:?--out missing}"

can_apt() { [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; }

apt_install() {
  echo "installing $* with apt-get"
  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
}

# Chromium: installed by scripts/bootstrap.sh; installed here too when missing and possible.
if [[ ! -x $chromium_bin ]] && can_apt; then
  apt_install chromium || true
fi
if [[ ! -x $chromium_bin ]]; then
  echo "dashboard_browser_test: FAILED: no chromium at $chromium_bin, and it could not be" \
    "installed (scripts/bootstrap.sh installs it: apt-get install chromium)." >&2
  exit 1
fi

# Node and npm may come from Debian or elsewhere; install Debian's only when neither is there.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  if can_apt; then
    apt_install nodejs npm
  fi
fi
command -v node >/dev/null && command -v npm >/dev/null ||
  { echo "dashboard_browser_test: node and npm are needed (apt-get install nodejs npm)" >&2; exit 1; }

# playwright-core into tests/browser/node_modules (shared with the other Chromium runners).
source "$here/install_playwright.sh"

rm -rf "$out"
mkdir -p "$out/gate-runs" "$out/history"
started=$SECONDS

# A gateway that is SIGKILLed 1.5 s into its run: the load tool stops the run with a setup
# error (exit 2, setup_error in summary.json), as when a real gateway crashes.
dying_gateway="$out/dying-gateway.sh"
printf '#!/bin/sh\nexec timeout -s KILL 1.5s %q "$@"\n' "$gateway" >"$dying_gateway"
chmod +x "$dying_gateway"

# A history of real gate runs: short (3 s, 1 s windows) and small, each against a gateway the
# load tool starts. The commit is the checkout's (the tool runs git rev-parse in $repo). Runs
# 1-10 share one store and load (memory, 400 events/s); some differ on purpose so that the
# pages show what the dashboard exists for:
#   run 5 gives the gateway a tiny buffer: trims make the gate fail (verdict fail);
#   run 10 holds resumes 250 ms for a second (--fault-resume): the longest resume is far above
#   the median of the runs before it, a regression the dashboard must flag;
#   run 11 uses the Redis store and run 12 a quarter of the load: setups of their own, which
#   must get their own charts, not be compared with runs 1-10;
#   run 13's gateway dies mid-run: a setup error, listed with its error and drawn nowhere.
last_id= regression_id= setup_error_id=
for i in $(seq 1 $runs); do
  rate=400
  bin=$gateway
  extra=()
  want_code=0 want_verdict="GATE PASSED"
  case $i in
    5)
      extra=(--gateway-arg=--buffer-limit --gateway-arg=8)
      want_code=1 want_verdict="GATE FAILED" ;;
    10) extra=(--gateway-arg=--fault-resume --gateway-arg=delay=250ms,after=500ms,for=1s) ;;
    11)
      # Either verdict: what counts here is the setup. (Short Redis runs fail window 1 now and
      # then with a few append errors while the store warms up; that is the gate's business.)
      extra=(--store redis)
      want_code="[01]" want_verdict="GATE " ;;
    12) rate=100 ;;
    13)
      bin=$dying_gateway
      want_code=2 want_verdict="SETUP ERROR" ;;
  esac
  result="$out/gate-runs/run-$i"
  set +e
  (cd "$repo" && timeout 60 "$load" --gateway-bin "$bin" --out "$result" \
    --duration 3s --window 1s --streams 8 --subscribers 40 --rate $rate --stream-length 100 \
    --batch-interval 50ms --cut-mean 800ms --cut-spread 400ms --resume-pause 100ms \
    --ramp 200ms --seed "$i" "${extra[@]}") >"$out/gate-runs/run-$i.log" 2>&1
  code=$?
  set -e
  verdict=$(grep -E '^(GATE (PASSED|FAILED)|SETUP ERROR)' "$out/gate-runs/run-$i.log" | head -1 ||
    true)
  echo "gate run $i: exit $code ${verdict:-(no verdict)}"
  # Every run must end as planned: accepting any run's failure would let a broken gateway or
  # gate feed the dashboard unnoticed.
  if [[ ! $code =~ ^${want_code}$ || $verdict != "$want_verdict"* ]]; then
    echo "dashboard_browser_test: gate run $i: exit $code, ${verdict:-no verdict};" \
      "expected exit $want_code, $want_verdict:" >&2
    tail -20 "$out/gate-runs/run-$i.log" >&2
    exit 1
  fi
  added=$("$dashboard" add --history "$out/history" --run "$result")
  echo "$added"
  last_id=$(sed -n 's/^perf-dashboard: added run \([^ ]*\) as .*/\1/p' <<<"$added")
  case $i in
    10) regression_id=$last_id ;;
    13) setup_error_id=$last_id ;;
  esac
  # Run ids carry the start second: keep two runs out of the same second.
  sleep 1
done
echo "history of $runs gate runs made in $((SECONDS - started)) s"

# A run recorded before the cost figures existed: run 1's artifacts without
# aggregates.cost and the per-window CPU/RSS columns, dated a day earlier, so that it is the
# oldest run of run 1's setup. The cost charts must show it as a gap, the others as a point.
old_run="$out/gate-runs/run-old"
mkdir -p "$old_run"
node -e '
  const fs = require("fs");
  const [from, to] = process.argv.slice(1);
  const s = JSON.parse(fs.readFileSync(`${from}/summary.json`));
  delete s.aggregates.cost;
  const d = new Date(Date.parse(s.date) - 86400000);
  s.date = d.toISOString().replace(/\.\d+Z$/, "Z");
  fs.writeFileSync(`${to}/summary.json`, JSON.stringify(s));
  const t = JSON.parse(fs.readFileSync(`${from}/timeseries.json`));
  for (const row of t.rows) {
    delete row.gateway_cpu_seconds; delete row.redis_cpu_seconds; delete row.gateway_rss_bytes;
  }
  fs.writeFileSync(`${to}/timeseries.json`, JSON.stringify(t));
' "$out/gate-runs/run-1" "$old_run"
added=$("$dashboard" add --history "$out/history" --run "$old_run")
echo "$added"
old_id=$(sed -n 's/^perf-dashboard: added run \([^ ]*\) as .*/\1/p' <<<"$added")

if [[ -z $regression_id || -z $setup_error_id || -z $old_id ]]; then
  echo "dashboard_browser_test: perf-dashboard add did not name the runs' ids" >&2
  exit 1
fi

"$dashboard" build --history "$out/history" --out "$out/site"

node "$here/dashboard_browser_test.mjs" --site "$out/site" --out "$out" \
  --chromium "$chromium_bin" \
  --expect-regression-run "$regression_id" --expect-regression-metric resume_max \
  --expect-setup-error-run "$setup_error_id" --expect-setups 3 --expect-run-without-cost "$old_id"
