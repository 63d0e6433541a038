# Shared helpers for the end-to-end tests: each test script drives the real
# `churnml` binary (path in $CHURNML) as a user would, in a fresh temp folder.
set -uo pipefail

CHURNML=$(realpath "${1:?usage: $0 PATH_TO_CHURNML}")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/churnml-e2e.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 2
failures=0
checks=0

pass() { checks=$((checks + 1)); }
fail() {
  checks=$((checks + 1))
  failures=$((failures + 1))
  echo "FAIL: $*" >&2
}

# run CMD...: runs the command, keeping stdout, stderr and exit status in
# $WORK/out, $WORK/err and $status.
run() {
  "$@" >"$WORK/out" 2>"$WORK/err"
  status=$?
}

expect_status() {  # expect_status CODE DESCRIPTION
  if [[ $status -eq $1 ]]; then pass; else
    fail "$2: exit status $status, expected $1; stderr: $(head -c 600 "$WORK/err")"
  fi
}

expect_contains() {  # expect_contains FILE TEXT DESCRIPTION
  if grep -qF -- "$2" "$1"; then pass; else
    fail "$3: '$2' not in $1: $(head -c 600 "$1")"
  fi
}

expect_file() { if [[ -e $1 ]]; then pass; else fail "$2: $1 does not exist"; fi; }
expect_no_file() { if [[ ! -e $1 ]]; then pass; else fail "$2: $1 exists"; fi; }

expect_eq() {  # expect_eq ACTUAL EXPECTED DESCRIPTION
  if [[ "$1" == "$2" ]]; then pass; else fail "$3: got '$1', expected '$2'"; fi
}

# expect_one_line_error: stderr is exactly one line starting "churnml: error:".
expect_one_line_error() {
  local lines
  lines=$(wc -l <"$WORK/err")
  if [[ $lines -eq 1 ]] && grep -q '^churnml: error: ' "$WORK/err"; then pass; else
    fail "$1: stderr is not one error line: $(head -c 600 "$WORK/err")"
  fi
}

# json_field FILE EXPR: reads a value from a JSON file with jq.
json_field() { jq -r "$2" "$1"; }

finish() {
  echo "$((checks - failures)) passed, $failures failed"
  [[ $failures -eq 0 ]]
}
