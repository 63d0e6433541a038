#!/usr/bin/env bash
# The cost of an explained request in `churnml serve`, server-bound
# (docs/benchmarks.md, "Serving targets re-measured"): wrk at 64
# connections against one server, alternating /predict, /explain and the
# no-op route GET /v2/health/live, for a model of trees of depth 6 (XGBoost,
# 100 trees, 3,000 generated training rows; the issue's target: an
# explained request at most 3× an unexplained one) and for logistic
# regression. Every run prints the 1-minute load average beside it: the
# machine is shared, so compare the rows of one run with each other.
#
#   bench/serve_explain_load.sh BUILD_DIR [SECONDS] [ROUNDS]
#
# Needs wrk and curl. With PERF=1, also records `perf record -g` of the
# server during one /explain run into $OUT/perf-explain.txt (perf report).
set -euo pipefail
BIN=$(realpath "${1:?usage: $0 BUILD_DIR [SECONDS] [ROUNDS]}/churnml")
SECONDS_PER_RUN=${2:-8}
ROUNDS=${3:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$(mktemp -d /tmp/churnml-explain-load.XXXXXX)}
PORT=${PORT:-18471}
WRK=(wrk -t1 -c64 "-d${SECONDS_PER_RUN}s" --latency --timeout 10s)
mkdir -p "$OUT"
cd "$OUT"
pid=
trap '[[ -n $pid ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true' EXIT

load1() { cut -d' ' -f1 /proc/loadavg; }

# POST body of one customer, as /predict and /explain read it.
export CHURN_CUSTOMER="$ROOT/bench/serve/customer.json"
cat >explain.lua <<'LUA'
local f = assert(io.open(os.getenv("CHURN_CUSTOMER"), "r"))
local body = f:read("*a"):gsub("%s+$", "")
f:close()
wrk.method = "POST"
wrk.path = os.getenv("CHURN_PATH")
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
LUA

# run NAME PATH: one wrk run; prints and sets RPS, P50, P99.
run() {
  local name=$1 path=$2 file before
  file="wrk-$MODEL-$(tr -c 'a-z0-9\n' '_' <<<"$1").txt"
  before=$(load1)
  if [[ $path == /v2/health/live ]]; then
    "${WRK[@]}" "http://127.0.0.1:$PORT$path" >"$file" 2>&1
  else
    CHURN_PATH=$path "${WRK[@]}" -s explain.lua "http://127.0.0.1:$PORT" >"$file" 2>&1
  fi
  RPS=$(awk '/^Requests\/sec:/ { print $2 }' "$file")
  ms() { awk -v q="$1" '$1 == q { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
      if (u == "us") v /= 1000; else if (u == "s") v *= 1000; printf "%.2f", v }' "$file"; }
  P50=$(ms 50%) P99=$(ms 99%)
  local bad
  bad=$(awk '/Non-2xx/ { n += $NF } END { print n + 0 }' "$file")
  printf '| %s | %s | %s | %s | %s | %s–%s |\n' "$MODEL" "$name" "$RPS" "$P50" "$P99" "$before" "$(load1)"
  [[ $bad == 0 ]] || echo "  ($bad non-2xx answers in $name)" >&2
}

"$BIN" data generate --rows 3000 --seed 31 --out train.csv 2>/dev/null
"$BIN" train --data train.csv --no-track --model xgboost --max-depth 6 --n-estimators 100 \
  --threads 1 --out xgboost --force >/dev/null 2>&1
"$BIN" train --data train.csv --no-track --model logistic --out logistic --force >/dev/null 2>&1

echo "== serve explain load, $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null), out: $OUT"
echo "uptime: $(uptime)"
echo
echo "| model | route | req/s | p50 ms | p99 ms | load average (1 min) before–after |"
echo "| --- | --- | --- | --- | --- | --- |"
declare -A SUM
for MODEL in xgboost logistic; do
  "$BIN" serve --model "$MODEL" --port "$PORT" --access-log off 2>"serve-$MODEL.log" &
  pid=$!
  for _ in $(seq 300); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/ready" && break; sleep 0.1; done
  for round in $(seq "$ROUNDS"); do
    for route in /v2/health/live /predict /explain; do
      run "$route#$round" "$route"
      SUM[$MODEL$route]=$(awk -v a="${SUM[$MODEL$route]:-0}" -v b="$RPS" 'BEGIN { print a + b }')
    done
  done
  if [[ ${PERF:-0} == 1 && $MODEL == xgboost ]]; then
    perf record -g -o perf-explain.data -p "$pid" -- sleep "$SECONDS_PER_RUN" >/dev/null 2>&1 &
    perf_pid=$!
    CHURN_PATH=/explain "${WRK[@]}" -s explain.lua "http://127.0.0.1:$PORT" >wrk-perf.txt 2>&1
    wait "$perf_pid" || true
    perf report -i perf-explain.data --no-children --percent-limit 1.5 --stdio \
      >perf-explain.txt 2>/dev/null || true
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
done
echo
for MODEL in xgboost logistic; do
  awk -v m="$MODEL" -v n="${SUM[$MODEL/v2/health/live]}" -v p="${SUM[$MODEL/predict]}" \
    -v e="${SUM[$MODEL/explain]}" 'BEGIN {
      printf "%s: /predict is %.0f%% of the no-op route; an explained request costs %.2f× an unexplained one (throughput ratio, summed over rounds)\n",
        m, p / n * 100, p / e }'
done
echo "uptime after: $(uptime)"
