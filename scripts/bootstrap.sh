#!/usr/bin/env bash
# Installs what building and testing sse-gateway needs, from Debian 12 packages only.
# Idempotent and quiet when everything is present; needs root (or sudo) when something is missing.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config git ca-certificates
  libboost1.81-dev libboost-json1.81-dev
  libhiredis-dev libzstd-dev zlib1g-dev libspdlog-dev libfmt-dev libcli11-dev libssl-dev
  libnghttp2-dev  # HTTP/2 (src/http/h2)
  nghttp2-client  # nghttp and h2load: the tests/h2 clients
  zstd
  libgtest-dev libgmock-dev libbenchmark-dev libjemalloc-dev
  redis-server redis-tools
  chromium
  clang-14 libclang-rt-14-dev
  curl  # the README's examples, which the readme_examples test runs as written
  prometheus  # its promtool checks deploy/prometheus/alerts.yml (ctest -L deploy)
  libsystemd-dev  # sd_notify for the service's Type=notify (optional to the build)
  # The Debian package (cpack -G DEB) and its tests (ctest -L package): dpkg-shlibdeps and file
  # for the Depends line, systemd-analyze to verify the unit, python3 to play systemd's
  # notification socket.
  dpkg-dev file systemd python3
)
# The dashboard's browser test drives chromium with playwright-core from npm. Node may already be
# on the machine from elsewhere (with its own npm, which Debian's npm package would conflict
# with): only install Debian's when there is none.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "bootstrap: installing ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
