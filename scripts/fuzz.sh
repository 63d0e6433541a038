#!/usr/bin/env bash
# Builds every libFuzzer target in fuzz/ with clang (ASan + UBSan + coverage)
# in build-fuzz/ and runs each for N seconds (default 30).
#   scripts/fuzz.sh [seconds] [target...]
# With no target named, every fuzz/*_fuzz.cc runs. Exits non-zero when the
# build fails or a fuzzer finds a crash, a leak, a hang or an out-of-memory;
# the crashing input is left in build-fuzz/artifacts/TARGET/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-30}"
shift || true
build="${CHURNML_FUZZ_BUILD_DIR:-$root/build-fuzz}"

targets=("$@")
if ((${#targets[@]} == 0)); then
  for source in "$root"/fuzz/*_fuzz.cc; do
    targets+=("$(basename "$source" .cc)")
  done
fi

if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2
  exit 2
fi

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCHURNML_FUZZ=ON \
  -DCHURNML_BUILD_TESTS=OFF -DCHURNML_BUILD_BENCH=OFF >/dev/null
# Only the fuzz targets and the libraries they link are built.
cmake --build "$build" --target "${targets[@]}" -j"$(nproc)"

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
for target in "${targets[@]}"; do
  # A scratch copy of the seed corpus, so new inputs do not land in git.
  work="$build/corpus/$target"
  mkdir -p "$work" "$build/artifacts/$target"
  cp -n "$root/fuzz/corpus/$target"/* "$work"/ 2>/dev/null || true
  echo "fuzz.sh: $target for ${seconds}s" >&2
  # -rss_limit_mb and -timeout turn exhaustion and hangs into findings.
  "$build/fuzz/$target" -max_len=65536 -max_total_time="$seconds" -print_final_stats=1 \
    -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$build/artifacts/$target/" "$work"
done
