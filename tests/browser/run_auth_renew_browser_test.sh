#!/usr/bin/env bash
# auth_renew_browser_test (issue 18): a page in headless Debian chromium (playwright-core)
# renews an expired `?token=` the way the README's access-control section says: on
# `auth_expired` it closes the EventSource and opens a new one with a fresh token and
# `last_event_id` (auth_renew_browser_test.mjs).
#
#   run_auth_renew_browser_test.sh --gateway BIN
#
# Exit: 0 passed, 1 failed. Never skipped: scripts/bootstrap.sh installs chromium and node, so
# a missing one is a broken setup and fails.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
chromium_bin=${SSE_CHROMIUM:-/usr/bin/chromium}

while [[ $# -gt 0 ]]; do
  case $1 in
    --gateway) gateway=$2; shift 2 ;;
    *) echo "run_auth_renew_browser_test.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
: "${gateway:?--gateway missing}"

if [[ ! -x $chromium_bin ]]; then
  echo "auth_renew_browser_test: FAILED: no chromium at $chromium_bin (scripts/bootstrap.sh installs it)" >&2
  exit 1
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "auth_renew_browser_test: FAILED: node and npm are needed (scripts/bootstrap.sh installs them)" >&2
  exit 1
fi

# playwright-core into tests/browser/node_modules, from package-lock.json. The lock (the same
# one the dashboard test takes) serializes tests that install it at the same time.
(
  flock 9
  if [[ ! -f $here/node_modules/playwright-core/package.json ]] ||
    [[ $here/package-lock.json -nt $here/node_modules/.package-lock.json ]]; then
    echo "npm ci in $here"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
  fi
) 9<"$here/package.json"

exec node "$here/auth_renew_browser_test.mjs" --gateway "$gateway" --chromium "$chromium_bin"
