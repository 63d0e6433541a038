#!/usr/bin/env bash
# The live dashboard of `churnml serve` (docs/dashboard.md) in a real
# browser: Debian's chromium driven by Playwright (tests/browser, installed
# by scripts/bootstrap.sh with `npm ci`). The page loads with no console
# error and no failed or external request, its figures follow the traffic
# the test sends (and the shadow panel the comparison with the --shadow
# model), it keeps working across a model hot swap, and a screenshot
# is kept ($WORK/dashboard.png, copied to $CHURNML_ARTIFACT_DIR when set: the
# CI artifact). The browser signs in as a person would: HTTP Basic
# credentials with the API key as password, answered to the page's Basic
# challenge and sent on the event stream too. Over HTTP: /dashboard and its
# event stream need the API key (401 without or with a wrong one; Bearer or
# Basic), the 17th event stream gets 503, and
# SIGTERM ends open streams and the server exits 0.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$(dirname "$0")/lib.sh"
BROWSER_DIR="$ROOT/tests/browser"
# Missing tools fail the test (never a silent skip): the dashboard is only
# tested in a browser.
missing=()
for tool in curl node npm; do command -v "$tool" >/dev/null || missing+=("$tool"); done
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[[ -x $CHROMIUM ]] || missing+=("chromium ($CHROMIUM; Debian package chromium, scripts/packages.d/quality.txt)")
[[ -d $BROWSER_DIR/node_modules/playwright-core ]] ||
  missing+=("playwright-core (npm ci --prefix tests/browser, run by scripts/bootstrap.sh)")
if ((${#missing[@]} > 0)); then
  fail "the dashboard e2e test needs: ${missing[*]}"
  finish
  exit 1
fi

KEY=dashboard-e2e-key-0123456789abcdef  # churnml:ignore CML-S016 -- test key for a throwaway server
printf '%s\n' "$KEY" >keys.txt
chmod 600 keys.txt
c() { "$CHURNML" "$@"; }

run c data generate --rows 1500 --seed 3 --out d.csv; expect_status 0 "generate"
run c train --data d.csv --register churn --alias champion; expect_status 0 "train version 1"
run c train --data d.csv --seed 9 --register churn; expect_status 0 "train version 2"

start_server server.log --model churn@champion --shadow churn/2 --api-key-file keys.txt \
  --reload-interval 0.3 --drift-min-rows 50 --access-log off ||
  { cat server.log; fail "server did not start"; finish; exit 1; }
pass

# --- the page and its stream need the key, like /info ---
for path in /dashboard /dashboard/events /dashboard/dashboard.js; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$URL$path")
  expect_eq "$code" 401 "GET $path without a key"
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer wrong-key-0123456789abcdef-wrong" "$URL$path")
  expect_eq "$code" 401 "GET $path with a wrong key"
done
code=$(curl -s -o page.html -D page.headers -w '%{http_code}' -H "Authorization: Bearer $KEY" "$URL/dashboard")
expect_eq "$code" 200 "GET /dashboard with the key"
expect_contains page.headers "Content-Security-Policy: default-src 'self'" "strict policy on the page"
expect_contains page.html '<script src="/dashboard/dashboard.js"' "page loads its script from the server"
# A browser cannot send a Bearer header on navigation: the page asks for
# HTTP Basic credentials (the key as password), which every route takes.
curl -s -o /dev/null -D nokey.headers "$URL/dashboard"
expect_contains nokey.headers 'WWW-Authenticate: Basic realm="churnml"' "the page challenges with Basic"
curl -s -o /dev/null -D api.headers "$URL/info"
expect_contains api.headers 'WWW-Authenticate: Bearer realm="churnml"' "the API challenges with Bearer"
code=$(curl -s -o /dev/null -w '%{http_code}' -u "agent:$KEY" "$URL/dashboard")
expect_eq "$code" 200 "GET /dashboard with Basic credentials"
code=$(curl -s -o /dev/null -w '%{http_code}' -u "agent:wrong-key-0123456789abcdef-wrong" "$URL/dashboard")
expect_eq "$code" 401 "GET /dashboard with a wrong Basic password"
curl -s -N --max-time 5 -u "agent:$KEY" "$URL/dashboard/events" >basic.stream 2>/dev/null
expect_contains basic.stream 'event: snapshot' "the event stream with Basic credentials"
code=$(curl -s -o /dev/null -w '%{http_code}' -u "agent:$KEY" "$URL/info")
expect_eq "$code" 200 "GET /info with Basic credentials"

# --- the browser: loads clean, follows traffic, survives a hot swap ---
if node "$BROWSER_DIR/dashboard_check.mjs" "$URL" "$KEY" "$WORK/dashboard.png" \
  "$CHURNML" models alias set churn champion 2 >browser.out 2>&1; then
  pass
else
  fail "browser checks: $(grep -v '^ok:' browser.out | head -c 2000)"
fi
cat browser.out
expect_contains server.log "model swapped" "the server swapped to version 2"
expect_file "$WORK/dashboard.png" "screenshot"
if [[ -n ${CHURNML_ARTIFACT_DIR-} && -f $WORK/dashboard.png ]]; then
  mkdir -p "$CHURNML_ARTIFACT_DIR" && cp "$WORK/dashboard.png" "$CHURNML_ARTIFACT_DIR/dashboard.png"
  expect_file "$CHURNML_ARTIFACT_DIR/dashboard.png" "screenshot artifact"
fi

# --- at most 16 event streams; the 17th gets 503 ---
stream_pids=()
for i in $(seq 1 16); do
  curl -s -N -H "Authorization: Bearer $KEY" "$URL/dashboard/events" >"stream.$i" 2>/dev/null &
  stream_pids+=($!)
done
streams_open() { local f n=0; for f in stream.*; do grep -q '^event: snapshot' "$f" && n=$((n + 1)); done; [[ $n -eq 16 ]]; }
wait_for "16 event streams get snapshots" 30 streams_open
code=$(curl -s -o over.json -w '%{http_code}' --max-time 10 -H "Authorization: Bearer $KEY" "$URL/dashboard/events")
expect_eq "$code" 503 "the 17th event stream"
expect_contains over.json "at most 16 event streams" "503 says why"

# --- SIGTERM ends the open streams and the server drains ---
started=$(date +%s)
stop_server
expect_eq "$status" 0 "serve exits 0 on SIGTERM with 16 open streams"
for pid in "${stream_pids[@]}"; do
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then fail "a stream client still open after the drain"; kill "$pid"; else pass; fi
done
elapsed=$(($(date +%s) - started))
expect_eq "$((elapsed < 10))" 1 "drain with open streams took ${elapsed} s (< 10)"

finish
