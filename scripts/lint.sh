#!/usr/bin/env bash
# The static checks `make lint` runs after building BUILD_DIR with clang and
# CHURNML_THREAD_SAFETY_ERRORS=ON (that build already failed on any
# thread-safety violation):
#   1. a known violation (tests/compile_fail/unguarded_write.cc) must be
#      refused, so a green build means the analysis really ran;
#   2. clang-tidy with .clang-tidy over every .cc under src/, fuzz/ and bench/
#      (third_party, generated code and the audit's test corpus excluded).
#      Every enabled check is an error (.clang-tidy says which checks are
#      left out and why), so the run fails on any finding and prints them.
# Usage: scripts/lint.sh BUILD_DIR
# Environment: JOBS (parallel clang-tidy processes, default nproc).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: scripts/lint.sh BUILD_DIR}
build=$(cd "$build" && pwd)
[[ -f $build/compile_commands.json ]] || {
  echo "lint: $build/compile_commands.json missing (configure $build with clang first)" >&2
  exit 2
}

out=$(clang++ -std=c++20 -I"$root/src" -Wthread-safety -Werror=thread-safety -fsyntax-only \
  "$root/tests/compile_fail/unguarded_write.cc" 2>&1) && {
  echo "lint: tests/compile_fail/unguarded_write.cc compiled: the thread-safety analysis is off" >&2
  exit 1
}
if ! grep -q "requires holding mutex 'mu_'" <<<"$out"; then
  echo "lint: unguarded_write.cc failed for another reason:" >&2
  echo "$out" | head -5 >&2
  exit 1
fi
echo "lint: thread-safety analysis refuses an unguarded write (as it must)"

# The fuzz targets are built only in the fuzz tree (scripts/fuzz.sh), so they
# are not in BUILD_DIR's compile_commands.json; clang-tidy then borrows the
# flags of the nearest file that is, and they get every include directory of
# the build on top (generated protobuf headers included). run-clang-tidy
# would skip them, hence one clang-tidy per file here.
mapfile -t files < <(cd "$root" && git ls-files 'src/*.cc' 'fuzz/*.cc' 'bench/*.cc' |
  grep -v '/third_party/\|tree-sitter-python/\|/testdata/')
logs=$build/clang-tidy
rm -rf "$logs"
mkdir -p "$logs"
grep -oE '(-I|-isystem )[^ "]+' "$build/compile_commands.json" | sort -u | tr -d ' ' |
  sed 's/^/--extra-arg=/' >"$logs/fuzz_args"
echo "lint: clang-tidy on ${#files[@]} files (${JOBS:-$(nproc)} at a time)"
start=$SECONDS
printf '%s\n' "${files[@]}" |
  xargs -P "${JOBS:-$(nproc)}" -I{} sh -c '
    extra=""
    case "$3" in fuzz/*) extra=$(cat "$4/fuzz_args") ;; esac
    clang-tidy -p "$1" --quiet $extra "$2/$3" >"$4/$(echo "$3" | tr / _).log" 2>&1 ||
      echo "$3" >>"$4/failed"' _ "$build" "$root" {} "$logs"
cat "$logs"/*.log >"$build/clang-tidy.log"
echo "lint: clang-tidy took $((SECONDS - start)) s"
if [[ -s $logs/failed ]]; then
  # A header's finding repeats once per file that includes it: print it once.
  grep -E '(warning|error): ' "$build/clang-tidy.log" | sed 's/\x1b\[[0-9;]*m//g' | sort -u >&2
  echo "lint: clang-tidy found problems in $(wc -l <"$logs/failed") of ${#files[@]} files" \
    "(full log: $build/clang-tidy.log)" >&2
  exit 1
fi
echo "lint: clang-tidy: no finding"
