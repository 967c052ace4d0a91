#!/usr/bin/env bash
# deploy_install: `cmake --install` (component deploy) puts the Grafana dashboard and the alert
# rules where the README says (share/sse-gateway/{grafana,prometheus}), byte for byte as in
# deploy/.
#   deploy_install_test.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
build=${1:?build dir}
source=${2:?source dir}
work=${3:?work dir}
rm -rf "$work"
# Only this component: the test must not need every program built.
cmake --install "$build" --component deploy --prefix "$work/prefix" >"$work.log" 2>&1 ||
  { cat "$work.log"; exit 1; }
failed=0
for file in grafana/sse-gateway.json prometheus/alerts.yml; do
  installed=$work/prefix/share/sse-gateway/$file
  if ! cmp -s "$source/deploy/$file" "$installed"; then
    echo "FAIL $installed is missing or differs from deploy/$file"
    failed=1
  fi
done
if (( failed == 0 )); then
  echo "installed: $(cd "$work/prefix/share/sse-gateway" && find . -type f | sort | tr '\n' ' ')"
fi
exit $failed
