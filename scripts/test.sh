#!/usr/bin/env bash
# The README's test command: installs dependencies, builds the debug preset (warnings are errors)
# and runs every test with ctest. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
preset=${SSE_TEST_PRESET:-debug}
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
ctest --preset "$preset" -j "$(nproc)"
