#!/usr/bin/env bash
# install_layout: `cmake --install` puts the programs the README runs by name on PATH.
#   install_test.sh BUILD_DIR WORK_DIR
set -euo pipefail
build=${1:?build dir}
work=${2:?work dir}
rm -rf "$work"
cmake --install "$build" --prefix "$work/prefix" >"$work.log" 2>&1 || { cat "$work.log"; exit 1; }
failed=0
for program in sse-gateway perf-dashboard; do
  if [[ ! -x $work/prefix/bin/$program ]]; then
    echo "FAIL $program is not installed in $work/prefix/bin"
    failed=1
  fi
done
# As the README runs them: by name, from PATH.
export PATH="$work/prefix/bin:$PATH"
if ! sse-gateway migrate --help >"$work/migrate-help.txt" 2>&1; then
  echo "FAIL sse-gateway migrate --help:"; cat "$work/migrate-help.txt"; failed=1
fi
if ! perf-dashboard --help >"$work/dashboard-help.txt" 2>&1; then
  echo "FAIL perf-dashboard --help:"; cat "$work/dashboard-help.txt"; failed=1
fi
if (( failed == 0 )); then
  echo "installed: $(ls "$work/prefix/bin" | tr '\n' ' ')"
fi
exit $failed
