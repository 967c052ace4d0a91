#!/usr/bin/env bash
# dashboard_browser_test (issue 6): builds a history of real gate runs, generates the
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
runs=10

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

# playwright-core into tests/browser/node_modules, from package-lock.json. The lock serializes
# two build trees running this test at once.
(
  flock 9
  if [[ ! -f $here/node_modules/playwright-core/package.json ]] ||
    [[ $here/package-lock.json -nt $here/node_modules/.package-lock.json ]]; then
    echo "npm ci in $here"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
  fi
) 9<"$here/package.json"

rm -rf "$out"
mkdir -p "$out/gate-runs" "$out/history"
started=$SECONDS

# A history of real gate runs: short (3 s, 1 s windows) and small, each against a gateway the
# load tool starts. The commit is the checkout's (the tool runs git rev-parse in $repo). Two
# runs differ on purpose so that the pages show the markers the dashboard exists for:
#   run 5 gives the gateway a tiny buffer: trims make the gate fail (verdict fail);
#   run 10 carries a quarter of the load: events/s delivered falls far below the median of
#   the runs before it, a regression the dashboard must flag.
last_id=
for i in $(seq 1 $runs); do
  rate=400
  extra=()
  if [[ $i -eq 5 ]]; then
    extra=(--gateway-arg=--buffer-limit --gateway-arg=8)
  fi
  if [[ $i -eq $runs ]]; then
    rate=100
  fi
  result="$out/gate-runs/run-$i"
  set +e
  (cd "$repo" && timeout 60 "$load" --gateway-bin "$gateway" --out "$result" \
    --duration 3s --window 1s --streams 8 --subscribers 40 --rate $rate --stream-length 100 \
    --batch-interval 50ms --cut-mean 800ms --cut-spread 400ms --resume-pause 100ms \
    --ramp 200ms --seed "$i" "${extra[@]}") >"$out/gate-runs/run-$i.log" 2>&1
  code=$?
  set -e
  verdict=$(grep -E '^GATE (PASSED|FAILED)' "$out/gate-runs/run-$i.log" | head -1 || true)
  echo "gate run $i: exit $code ${verdict:-(no verdict)}"
  # Only run 5 is meant to fail (exit 1, GATE FAILED); every other run must pass. Accepting any
  # run's failure would let a broken gateway or gate feed the dashboard unnoticed.
  if [[ $i -eq 5 ]]; then
    want_code=1 want_verdict="GATE FAILED"
  else
    want_code=0 want_verdict="GATE PASSED"
  fi
  if [[ $code -ne $want_code || $verdict != "$want_verdict"* ]]; then
    echo "dashboard_browser_test: gate run $i: exit $code, ${verdict:-no verdict};" \
      "expected exit $want_code, $want_verdict:" >&2
    tail -20 "$out/gate-runs/run-$i.log" >&2
    exit 1
  fi
  added=$("$dashboard" add --history "$out/history" --run "$result")
  echo "$added"
  last_id=$(sed -n 's/^perf-dashboard: added run \([^ ]*\) as .*/\1/p' <<<"$added")
  # Run ids carry the start second: keep two runs out of the same second.
  sleep 1
done
echo "history of $runs gate runs made in $((SECONDS - started)) s"
if [[ -z $last_id ]]; then
  echo "dashboard_browser_test: perf-dashboard add did not name the last run's id" >&2
  exit 1
fi

"$dashboard" build --history "$out/history" --out "$out/site"

node "$here/dashboard_browser_test.mjs" --site "$out/site" --out "$out" \
  --chromium "$chromium_bin" \
  --expect-regression-run "$last_id" --expect-regression-metric delivered_per_s
