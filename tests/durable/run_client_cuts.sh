#!/usr/bin/env bash
# The official client against three gateway nodes with connections cut (client_cuts_test.mjs):
#   run_client_cuts.sh --gateway BIN --out DIR [--messages N] [--seed N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for tool in node npm redis-server; do
  command -v $tool >/dev/null || {
    echo "durable client cuts: FAILED: $tool is needed (scripts/bootstrap.sh installs it)" >&2
    exit 1
  }
done
bash "$here/npm_ci.sh"
exec node "$here/client_cuts_test.mjs" "$@"
