#!/usr/bin/env bash
# The pinned packages into tests/durable/node_modules, once: the lock serializes the tests of one
# or several build trees that run at the same time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
(
  flock 9
  if [[ ! -f $here/node_modules/@durable-streams/server-conformance-tests/package.json ]] ||
    [[ ! -f $here/node_modules/@durable-streams/client/package.json ]] ||
    [[ $here/package-lock.json -nt $here/node_modules/.package-lock.json ]]; then
    echo "npm ci in $here"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
  fi
) 9<"$here/package.json"
