# Sourced by the Chromium test runners (run_page_test.sh, run_browser_test.sh) with $here set to
# tests/browser: installs playwright-core into tests/browser/node_modules from package-lock.json
# when it is missing or older than the lock. The lock on package.json serializes runners (and
# build trees) that install at the same time.
(
  flock 9
  if [[ ! -f $here/node_modules/playwright-core/package.json ]] ||
    [[ $here/package-lock.json -nt $here/node_modules/.package-lock.json ]]; then
    echo "npm ci in $here"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
  fi
) 9<"$here/package.json"
