#!/usr/bin/env bash
# package_deb: the Debian package as an operator gets it (packaging/CMakeLists.txt).
#   package_deb_test.sh --build DIR --work DIR --version X.Y.Z --source DIR --systemd yes|no
# 1. builds sse-gateway and the files written from it, then `cpack -G DEB` on that build;
# 2. checks the control data (name, version = project(VERSION), Depends from the linked
#    libraries, the conffile) and the contents (the server's files, nothing of the tests/tools);
# 3. `systemd-analyze verify` and `security --offline` on the unit (see the note there);
# 4. `dpkg -x` into a scratch root, sources the installed /etc/default/sse-gateway with every
#    line uncommented (so every default it writes must be accepted), changes the port, starts
#    the installed binary, checks /readyz 200, sends SIGTERM and checks exit status 0.
# Exit 77 (skipped) only where dpkg-deb is missing. Every wait is bounded.
set -euo pipefail

build='' work='' version='' source='' systemd=''
while (($# > 0)); do
  case $1 in
    --build) build=$2 ;;
    --work) work=$2 ;;
    --version) version=$2 ;;
    --source) source=$2 ;;
    --systemd) systemd=$2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift 2
done
[[ -n $build && -n $work && -n $version && -n $source && -n $systemd ]] || {
  echo "usage: $0 --build DIR --work DIR --version X.Y.Z --source DIR --systemd yes|no" >&2
  exit 2
}

if ! command -v dpkg-deb >/dev/null 2>&1; then
  echo "SKIP: dpkg-deb is not installed (not a Debian system): the package cannot be checked"
  exit 77
fi
for tool in cpack dpkg-shlibdeps systemd-analyze curl; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "FAIL: $tool is missing (scripts/bootstrap.sh installs it)"
    exit 1
  }
done

failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
gateway_pid=''
cleanup() {
  if [[ -n $gateway_pid ]] && kill -0 "$gateway_pid" 2>/dev/null; then
    kill -KILL "$gateway_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

rm -rf "$work"
mkdir -p "$work"

# --- 1. build and package -------------------------------------------------------------------
# The test depends on the binary being current: build it (a no-op when it is).
if ! cmake --build "$build" --target sse_gateway_package_files >"$work/build.log" 2>&1; then
  cat "$work/build.log"
  echo "FAIL: cmake --build --target sse_gateway_package_files"
  exit 1
fi
if ! (cd "$build" && cpack -G DEB -B "$work/out") >"$work/cpack.log" 2>&1; then
  cat "$work/cpack.log"
  echo "FAIL: cpack -G DEB"
  exit 1
fi
arch=$(dpkg --print-architecture)
deb="$work/out/sse-gateway_${version}_${arch}.deb"
if [[ ! -f $deb ]]; then
  echo "FAIL: no $deb; cpack wrote: $(ls "$work/out")"
  exit 1
fi
echo "built $(basename "$deb") ($(stat -c %s "$deb") bytes)"

# --- 2. control data and contents -----------------------------------------------------------
dpkg-deb --info "$deb" >"$work/info.txt"
field() { dpkg-deb --field "$deb" "$1"; }
[[ $(field Package) == sse-gateway ]] || fail "Package is '$(field Package)'"
[[ $(field Version) == "$version" ]] || fail "Version '$(field Version)' is not project(VERSION) $version"
[[ $(field Architecture) == "$arch" ]] || fail "Architecture is '$(field Architecture)'"
depends=$(field Depends)
echo "Depends: $depends"
# From dpkg-shlibdeps, i.e. from what the binary really links.
expected_deps=(libhiredis libboost-json libzstd libssl libc6 libstdc++6)
[[ $systemd == yes ]] && expected_deps+=(libsystemd0)
for dep in "${expected_deps[@]}"; do
  [[ $depends == *"$dep"* ]] || fail "Depends lacks $dep"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -x -O ./conffiles >"$work/conffiles" 2>/dev/null ||
  fail "the package has no conffiles"
grep -qx /etc/default/sse-gateway "$work/conffiles" ||
  fail "/etc/default/sse-gateway is not a conffile: $(cat "$work/conffiles")"

dpkg-deb --contents "$deb" | awk '{print $NF}' | sed 's|^\./|/|' >"$work/contents.txt"
for path in /usr/bin/sse-gateway /lib/systemd/system/sse-gateway.service \
  /etc/default/sse-gateway /usr/share/doc/sse-gateway/sse-gateway.help.txt; do
  grep -qx "$path" "$work/contents.txt" || fail "$path is not in the package"
done
# Only the server's files (directories aside): no test programs, no perf-dashboard.
files=$(dpkg-deb --contents "$deb" | awk '$1 !~ /^d/ {print $NF}' | sed 's|^\./|/|' | sort)
expected_files=$(printf '%s\n' /etc/default/sse-gateway /lib/systemd/system/sse-gateway.service \
  /usr/bin/sse-gateway /usr/share/doc/sse-gateway/sse-gateway.help.txt | sort)
[[ $files == "$expected_files" ]] || fail "unexpected files in the package:"$'\n'"$files"

# --- 3. install into a scratch root -----------------------------------------------------------
root="$work/root"
dpkg -x "$deb" "$root"
installed="$root/usr/bin/sse-gateway"
env_file="$root/etc/default/sse-gateway"
unit="$root/lib/systemd/system/sse-gateway.service"
help_txt="$root/usr/share/doc/sse-gateway/sse-gateway.help.txt"

version_line=$("$installed" --version)
echo "installed: $version_line"
[[ $version_line == "sse-gateway $version (git "*")" ]] ||
  fail "--version prints '$version_line', not 'sse-gateway $version (git ...)'"
if commit=$(git -C "$source" rev-parse --short HEAD 2>/dev/null); then
  [[ $version_line == *"(git $commit)" ]] || fail "--version names not HEAD ($commit): $version_line"
fi

# The installed files are what the installed binary writes: they cannot drift.
diff <("$installed" --print-env-file) "$env_file" >/dev/null ||
  fail "/etc/default/sse-gateway differs from sse-gateway --print-env-file"
diff <("$installed" --help) "$help_txt" >/dev/null ||
  fail "the packaged help text differs from sse-gateway --help"
# Every variable --help names is in the environment file, commented out.
help_vars=$(grep -o 'env SSE_GATEWAY_[A-Z0-9_]*' "$help_txt" | sed 's/^env //' | sort -u)
[[ -n $help_vars ]] || fail "no [env SSE_GATEWAY_*] in the help text"
for var in $help_vars; do
  grep -q "^#$var=" "$env_file" || fail "$var (in --help) is not in /etc/default/sse-gateway"
done
if grep -v '^#' "$env_file" | grep -q '[^[:space:]]'; then
  fail "/etc/default/sse-gateway sets something by default:"$'\n'"$(grep -v '^#' "$env_file")"
fi

# --- 4. the unit --------------------------------------------------------------------------------
# `systemd-analyze verify` checks the unit's syntax and that ExecStart is executable; no systemd
# need run (this container has none). It prints problems as warnings and still exits 0, so any
# output counts as a failure. ExecStart must name the installed binary, which is not at
# /usr/bin here: a copy of the unit points it into the scratch root (only that line changes).
# What verify cannot show here: that the sandbox lets the gateway run, since nothing starts it
# under systemd; the run in step 5 is without the sandbox.
for directive in Type=notify ExecStart=/usr/bin/sse-gateway EnvironmentFile=-/etc/default/sse-gateway \
  DynamicUser=yes ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes CapabilityBoundingSet= \
  Restart=on-failure ProtectHome=yes PrivateDevices=yes \
  'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' SystemCallArchitectures=native; do
  grep -qx -- "$directive" "$unit" || fail "the unit lacks the line '$directive'"
done
mkdir -p "$work/verify"
sed "s|^ExecStart=/usr/bin/sse-gateway|ExecStart=$installed|" "$unit" \
  >"$work/verify/sse-gateway.service"
if ! systemd-analyze verify --man=no "$work/verify/sse-gateway.service" >"$work/verify.log" 2>&1 ||
  [[ -s $work/verify.log ]]; then
  fail "systemd-analyze verify:"$'\n'"$(cat "$work/verify.log")"
fi
# The exposure score (0-10, lower is better) as systemd-analyze rates the sandbox; 1.2 today.
# --threshold is in tenths: fail above 1.5, i.e. when a hardening line goes missing.
if ! systemd-analyze security --offline=true --threshold=15 "$work/verify/sse-gateway.service" \
  >"$work/security.log" 2>&1; then
  fail "systemd-analyze security rates the unit above 1.5:"$'\n'"$(grep -E '✗|Overall' "$work/security.log")"
fi
grep Overall "$work/security.log" || true

# The limits the unit sets, against the defaults the gateway writes to the environment file.
seconds() {  # "5s", "250ms", "2m", "7" -> whole seconds, rounded up
  local v=$1
  case $v in
    *ms) echo $(((${v%ms} + 999) / 1000)) ;;
    *s) echo "${v%s}" ;;
    *m) echo $((${v%m} * 60)) ;;
    *h) echo $((${v%h} * 3600)) ;;
    *) echo "$v" ;;
  esac
}
nofile=$(sed -n 's/^LimitNOFILE=//p' "$unit")
max_connections=$(sed -n 's/^#SSE_GATEWAY_MAX_CONNECTIONS=//p' "$env_file")
# Each connection is a descriptor; leave room for Redis connections, files and the listener.
((nofile >= max_connections + 1000)) ||
  fail "LimitNOFILE=$nofile is too low for the default --max-connections $max_connections"
stop_timeout=$(seconds "$(sed -n 's/^TimeoutStopSec=//p' "$unit")")
grace=$(seconds "$(sed -n 's/^#SSE_GATEWAY_SHUTDOWN_GRACE=//p' "$env_file")")
# The drain takes up to 2 x grace + 1 s (relay calls, then connections, then a last second).
((stop_timeout > 2 * grace + 1)) ||
  fail "TimeoutStopSec=${stop_timeout}s is not above the drain (2 x ${grace}s + 1s)"

# --- 5. serve from the installed binary with the installed environment file ------------------
# Every line uncommented: every default the file writes must be one the gateway accepts. Then
# the changes an operator would make: a free port (0 + the port file), and access control.
port_file="$work/port"
sed -e 's/^#\(SSE_GATEWAY_[A-Z0-9_]*=\)/\1/' \
  -e 's|^SSE_GATEWAY_LISTEN=.*|SSE_GATEWAY_LISTEN=127.0.0.1:0|' \
  -e "s|^SSE_GATEWAY_PORT_FILE=.*|SSE_GATEWAY_PORT_FILE=$port_file|" \
  -e 's|^SSE_GATEWAY_AUTH=.*|SSE_GATEWAY_AUTH=none|' \
  "$env_file" >"$work/env"
set -a
# shellcheck disable=SC1091
. "$work/env"
set +a
"$installed" >"$work/gateway.out" 2>"$work/gateway.err" &
gateway_pid=$!
for _ in $(seq 1 100); do  # 10 s
  [[ -s $port_file ]] && break
  kill -0 "$gateway_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ ! -s $port_file ]]; then
  echo "FAIL: the installed gateway did not start; stderr:"
  cat "$work/gateway.err"
  exit 1
fi
port=$(cat "$port_file")
status=$(curl -s -o "$work/readyz.json" -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/readyz" || true)
[[ $status == 200 ]] || fail "/readyz answered $status: $(cat "$work/readyz.json" 2>/dev/null)"
kill -TERM "$gateway_pid"
for _ in $(seq 1 200); do  # 20 s
  kill -0 "$gateway_pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$gateway_pid" 2>/dev/null; then
  fail "the gateway did not exit within 20 s of SIGTERM"
else
  code=0
  wait "$gateway_pid" || code=$?
  gateway_pid=''
  ((code == 0)) || fail "the gateway exited $code after SIGTERM; stderr:"$'\n'"$(cat "$work/gateway.err")"
  grep -q 'shutting down' "$work/gateway.err" || fail "no 'shutting down' in the gateway's log"
fi

if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "package_deb: all checks passed"
