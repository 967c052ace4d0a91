#!/usr/bin/env bash
# The README's run command: installs dependencies, builds the release preset and starts the
# gateway on the embedded store with the demo producer and page on http://127.0.0.1:8080/.
# Extra arguments go to sse-gateway (e.g. --listen 0.0.0.0:8080 --auth none: off loopback the
# gateway needs an explicit access-control choice).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target sse-gateway
exec build/release/src/sse-gateway --demo "$@"
