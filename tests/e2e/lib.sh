# Shared helpers for the end-to-end tests: each test script drives the real
# `churnml` binary (path in $CHURNML) as a user would, in a fresh temp folder.
set -uo pipefail

CHURNML=$(realpath "${1:?usage: $0 PATH_TO_CHURNML}")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/churnml-e2e.XXXXXX")
trap '[[ -n ${CHURNML_E2E_KEEP-} ]] || rm -rf "$WORK"' EXIT
cd "$WORK" || exit 2
failures=0
checks=0

# Memory bounds in the tests are for the release build; AddressSanitizer
# (make check) keeps freed memory in quarantine and shadows every byte, so a
# bound is multiplied by MEMORY_SCALE there. Still far below what an
# unbounded input costs (gigabytes).
MEMORY_SCALE=1
if ldd "$CHURNML" 2>/dev/null | grep -q libasan; then MEMORY_SCALE=5; fi

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
# wait_for DESCRIPTION SECONDS COMMAND...: polls COMMAND every 0.2 s.
wait_for() {
  local what=$1 seconds=$2 i
  shift 2
  for ((i = 0; i < seconds * 5; i++)); do
    if "$@" >/dev/null 2>&1; then pass; return 0; fi
    sleep 0.2
  done
  fail "$what: not within ${seconds} s"
  return 1
}
# free_port: a loopback port nothing listens on now (for servers that
# cannot take --port 0, such as Alertmanager), below the kernel's ephemeral
# range so another test's --port 0 server cannot take it before the bind.
free_port() {
  local p low
  low=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  for _ in $(seq 1 50); do
    p=$((10000 + RANDOM % (low - 10000)))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
}
json_field() { jq -r "$2" "$1"; }

finish() {
  echo "$((checks - failures)) passed, $failures failed"
  [[ $failures -eq 0 ]]
}

# --- servers ---------------------------------------------------------------
# start_server LOG ARGS...: starts `churnml serve ARGS... --port 0` in the
# background, waits until it prints its ready line, and sets $SERVER_PID and
# $PORT (and $URL). Returns 1 when it exits or is not ready within 30 s.
start_server() {
  local log=$1
  shift
  "$CHURNML" serve "$@" --port 0 2>"$log" &
  SERVER_PID=$!
  local i
  for ((i = 0; i < 300; i++)); do
    if grep -q ' (ready in ' "$log" 2>/dev/null; then
      PORT=$(sed -n 's|.* on http://[^:]*:\([0-9]*\) (ready in.*|\1|p' "$log" | head -1)
      URL="http://127.0.0.1:$PORT"
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then return 1; fi
    sleep 0.1
  done
  return 1
}

# stop_server: SIGTERM, then wait; sets $status to the server's exit code.
stop_server() {
  kill -TERM "$SERVER_PID" 2>/dev/null
  wait "$SERVER_PID"
  status=$?
}

# http METHOD PATH [BODY] [CURL ARGS...]: one request to $URL; the body goes
# to $WORK/body, headers to $WORK/headers, and the status code to $code.
http() {
  local method=$1 path=$2 body=${3-}
  shift 3 2>/dev/null || shift $#
  local data=()
  [[ -n $body ]] && data=(--data-binary "$body" -H 'Content-Type: application/json')
  code=$(curl -s -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' -X "$method" \
    "${data[@]}" "$@" "$URL$path")
}

expect_code() {  # expect_code CODE DESCRIPTION
  if [[ $code == "$1" ]]; then pass; else
    fail "$2: HTTP $code, expected $1; body: $(head -c 400 "$WORK/body")"
  fi
}

expect_header() {  # expect_header NAME DESCRIPTION
  if grep -qi "^$1:" "$WORK/headers"; then pass; else
    fail "$2: no $1 header in: $(tr -d '\r' <"$WORK/headers" | head -c 600)"
  fi
}
