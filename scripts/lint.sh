#!/usr/bin/env bash
# The static checks `make lint` runs after building BUILD_DIR with clang and
# CHURNML_THREAD_SAFETY_ERRORS=ON (that build already failed on any
# thread-safety violation):
#   1. a known violation (tests/compile_fail/unguarded_write.cc) must be
#      refused, so a green build means the analysis really ran;
#   2. clang-tidy with .clang-tidy over every .cc under src/ (third_party
#      and generated code excluded): fails on the checks .clang-tidy lists
#      in WarningsAsErrors, and counts the others per check.
# Usage: scripts/lint.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: scripts/lint.sh BUILD_DIR}
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

mapfile -t files < <(cd "$root" && git ls-files 'src/*.cc' | grep -v '/third_party/\|tree-sitter-python/')
echo "lint: clang-tidy on ${#files[@]} files"
run-clang-tidy -quiet -p "$build" -j "${JOBS:-$(nproc)}" "${files[@]/#/$root/}" >"$build/clang-tidy.log" 2>&1 || {
  grep -E 'warning:|error:' "$build/clang-tidy.log" | sort -u | head -50 >&2
  echo "lint: clang-tidy found problems (full log: $build/clang-tidy.log)" >&2
  exit 1
}
# Reported, not failing (.clang-tidy says why): a count per check.
sed 's/\x1b\[[0-9;]*m//g' "$build/clang-tidy.log" | grep -E ' warning: .*\[[a-z-]+[],]' | sort -u |
  sed -E 's/.*\[([a-z-]+)[],].*/\1/' | sort | uniq -c | sort -rn |
  sed 's/^/lint: reported: /'
echo "lint: clang-tidy: no finding of a failing check"
