#!/usr/bin/env bash
# Builds the libFuzzer targets with clang++ (-fsanitize=fuzzer,address,undefined) into
# <build>/fuzz and runs each for a bounded time on its checked-in corpus (ctest: fuzz_short).
# Usage: run_fuzz.sh <source dir> <build dir> [seconds per target, default 5]
# Exit: 0 all clean, 1 a target failed to build or found a crash, or the compiler or its fuzzer
# runtime is missing. scripts/bootstrap.sh installs both (clang-14, libclang-rt-14-dev), so a
# missing one is a broken setup: failing says so, where a skip would let every run pass unfuzzed.
# The compiler: $SSE_FUZZ_CXX if set, else clang++ (Debian's `clang` package) or clang++-14 (the
# only name `clang-14` installs).
set -uo pipefail
src=${1:?source dir}
out=${2:?build dir}/fuzz
seconds=${3:-5}

if [[ -n ${SSE_FUZZ_CXX:-} ]]; then
  candidates=("$SSE_FUZZ_CXX")
else
  candidates=(clang++ clang++-14)
fi
cxx=
for candidate in "${candidates[@]}"; do
  if command -v "$candidate" >/dev/null 2>&1; then
    cxx=$candidate
    break
  fi
done
if [[ -z $cxx ]]; then
  echo "fuzz: FAILED: none of ${candidates[*]} found on PATH; scripts/bootstrap.sh installs" \
       "clang-14 and libclang-rt-14-dev (apt-get install clang-14 libclang-rt-14-dev)"
  exit 1
fi
echo "fuzz: compiler $(command -v "$cxx")"
mkdir -p "$out"
probe="$out/probe.cpp"
printf '#include <cstddef>\n#include <cstdint>\nextern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }\n' >"$probe"
if ! "$cxx" -fsanitize=fuzzer "$probe" -o "$out/probe" >"$out/probe.log" 2>&1; then
  echo "fuzz: FAILED: $cxx cannot link -fsanitize=fuzzer (apt-get install libclang-rt-14-dev):"
  cat "$out/probe.log"
  exit 1
fi

flags=(-std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -I"$src/src" -DBOOST_JSON_NO_LIB -DBOOST_CONTAINER_NO_LIB)
core=("$src"/src/core/error.cpp "$src"/src/core/stream_id.cpp "$src"/src/core/epoch.cpp "$src"/src/core/text.cpp)
stream=("$src"/src/stream/*.cpp)
json=("$src/tests/fuzz/json_src.cpp")
# src/stream holds the SSE compressor, so whatever links stream/*.cpp links zstd and zlib.
stream_libs="-lzstd -lz"

declare -A sources libs
sources[token_fuzz]="${json[*]} $src/src/core/text.cpp $src/src/core/stream_id.cpp $src/src/core/base64.cpp $src/src/auth/key.cpp $src/src/auth/token.cpp $src/src/auth/authenticator.cpp"
libs[token_fuzz]="-lcrypto"
sources[target_fuzz]="${core[*]} $src/src/http/router.cpp $src/src/http/target.cpp $src/src/http/request_framing.cpp"
libs[target_fuzz]=""
sources[resume_fuzz]="${json[*]} ${core[*]} ${stream[*]}"
libs[resume_fuzz]="$stream_libs"
sources[event_body_fuzz]="${json[*]} ${core[*]} ${stream[*]} $src/src/store/store.cpp $src/src/http/request_body.cpp $src/src/http/known_fields.cpp $src/src/http/api_error.cpp $src/src/ops/api_error.cpp"
libs[event_body_fuzz]="$stream_libs"
sources[redis_record_fuzz]="${json[*]} ${core[*]} ${stream[*]} $src/src/store/redis/record.cpp $src/src/store/redis/legacy.cpp $src/src/store/redis/compression.cpp"
libs[redis_record_fuzz]="$stream_libs"
sources[h2_session_fuzz]="${core[*]} $src/src/http/h2/session.cpp $src/src/http/h2/request_builder.cpp $src/src/http/router.cpp $src/src/http/target.cpp"
libs[h2_session_fuzz]="-lnghttp2"

# Each source is compiled once per run (headers may have changed since the last one) and shared
# by the targets.
objects="$out/obj"
rm -rf "$objects"
mkdir -p "$objects"
compile() {
  local source=$1
  local object="$objects/$(echo "$source" | sed "s|^$src/||; s|/|_|g").o"
  if [[ ! -f "$object" ]]; then
    "$cxx" "${flags[@]}" -c "$source" -o "$object" >>"$out/$2.build.log" 2>&1 || return 1
  fi
  echo "$object"
}

status=0
for target in token_fuzz target_fuzz resume_fuzz event_body_fuzz redis_record_fuzz h2_session_fuzz; do
  bin="$out/$target"
  : >"$out/$target.build.log"
  objs=()
  built=1
  for source in "$src/tests/fuzz/$target.cpp" ${sources[$target]}; do
    if ! object=$(compile "$source" "$target"); then
      built=0
      break
    fi
    objs+=("$object")
  done
  # shellcheck disable=SC2086
  if ((built == 0)) || ! "$cxx" "${flags[@]}" "${objs[@]}" ${libs[$target]} -o "$bin" \
      >>"$out/$target.build.log" 2>&1; then
    echo "fuzz: $target: BUILD FAILED"
    tail -n 30 "$out/$target.build.log"
    status=1
    continue
  fi
  # The checked-in corpus is read only; new inputs go to a scratch folder in the build tree.
  scratch="$out/$target.corpus"
  mkdir -p "$scratch"
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
      -artifact_prefix="$out/$target-" "$scratch" "$src/tests/fuzz/corpus/${target%_fuzz}" \
      >"$out/$target.log" 2>&1; then
    echo "fuzz: $target: clean ($(grep -c '' "$out/$target.log") log lines, ${seconds}s)"
  else
    echo "fuzz: $target: FAILED (crash input saved as $out/$target-*)"
    tail -n 40 "$out/$target.log"
    status=1
  fi
done
exit $status
