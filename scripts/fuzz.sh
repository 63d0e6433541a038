#!/usr/bin/env bash
# Builds the request-decoding libFuzzer target with clang (ASan + UBSan +
# coverage) in build-fuzz/ and runs it for N seconds (default 30).
#   scripts/fuzz.sh [seconds] [extra libFuzzer flags...]
# Exits non-zero when the build fails or the fuzzer finds a crash; the
# crashing input is left in build-fuzz/artifacts/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-30}"
shift || true
build="${CHURNML_FUZZ_BUILD_DIR:-$root/build-fuzz}"
target=request_decode_fuzz

if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2
  exit 2
fi

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCHURNML_FUZZ=ON \
  -DCHURNML_BUILD_TESTS=OFF -DCHURNML_BUILD_BENCH=OFF >/dev/null
# Only the fuzz target and the libraries it links are built.
cmake --build "$build" --target "$target" -j"$(nproc)"

# A scratch copy of the seed corpus, so new inputs do not land in git.
work="$build/corpus"
mkdir -p "$work" "$build/artifacts"
cp -n "$root"/fuzz/corpus/* "$work"/ 2>/dev/null || true

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
"$build/fuzz/$target" -max_len=65536 -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix="$build/artifacts/" "$@" "$work"
