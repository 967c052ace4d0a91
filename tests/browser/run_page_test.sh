#!/usr/bin/env bash
# Runs one of the node tests that drive headless Debian chromium through playwright-core
# (cors_browser_test.mjs, auth_renew_browser_test.mjs, readme_examples_test.mjs): installs
# playwright-core from package-lock.json when needed, then runs the script with the rest of the
# arguments and `--chromium`.
#
#   run_page_test.sh SCRIPT.mjs --gateway BIN [more arguments for the script]
#
# Exit: the script's (0 passed, 1 failed). Never skipped: scripts/bootstrap.sh installs chromium
# and node, so a missing one is a broken setup and fails.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
chromium_bin=${SSE_CHROMIUM:-/usr/bin/chromium}
script=${1:?usage: run_page_test.sh SCRIPT.mjs [arguments]}
shift

if [[ ! -x $chromium_bin ]]; then
  echo "$script: FAILED: no chromium at $chromium_bin (scripts/bootstrap.sh installs it)" >&2
  exit 1
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "$script: FAILED: node and npm are needed (scripts/bootstrap.sh installs them)" >&2
  exit 1
fi

# playwright-core into tests/browser/node_modules (shared with the other Chromium runners).
source "$here/install_playwright.sh"

exec node "$here/$script" "$@" --chromium "$chromium_bin"
