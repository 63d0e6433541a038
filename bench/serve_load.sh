#!/usr/bin/env bash
# Serving load benchmark (docs/benchmarks.md, "Serving (issue 4) and
# instrumentation cost (issue 5)"): `churnml serve` against FastAPI + uvicorn
# serving the scikit-learn pipeline of the same model (bench/python_serve_reference.py),
# in one run on this machine, wrk sharing the cores. Loopback only.
#
#   bench/serve_load.sh BUILD_DIR [OUT_DIR]
#
# BASELINE=/path/to/an/older/churnml adds a before/after comparison: the
# older binary serves the same model on PORT_BASE beside the new one, and
# the /predict, /predict/batch and no-op runs alternate between them in the
# same window (so a machine shared with other work loads both alike).
#
# Needs wrk, curl and the Debian packages in bench/packages.txt
# (python3-fastapi, python3-uvicorn, python3-uvloop, python3-httptools,
# python3-sklearn, python3-pandas). Takes about three minutes: every wrk run
# is `wrk -t1 -c64 -d${DURATION}s --latency` (DURATION=10 unless set).
# No taskset: the servers and wrk share both cores as the OS schedules them.
set -euo pipefail

BUILD=${1:?usage: bench/serve_load.sh BUILD_DIR [OUT_DIR]}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(cd "$BUILD" && pwd)/churnml
OUT=${2:-$(mktemp -d /tmp/churnml-serve-load.XXXXXX)}
DURATION=${DURATION:-10}
PY=/usr/bin/python3  # Debian's, where python3-fastapi and python3-sklearn live
PORT_ON=${PORT_ON:-18461}
PORT_OFF=${PORT_OFF:-18462}
PORT_PEER=${PORT_PEER:-18463}
PORT_BASE=${PORT_BASE:-18464}
BASELINE=${BASELINE:-}
WRK=(wrk -t1 -c64 "-d${DURATION}s" --latency --timeout 10s)
mkdir -p "$OUT"
cd "$ROOT"

[[ -x "$BIN" ]] || { echo "no churnml binary at $BIN" >&2; exit 1; }
# Benchmark-only packages (bench/packages.txt), as bench/run_benchmarks.sh installs them.
missing=()
while read -r pkg; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done <"$ROOT/bench/packages.txt"
if ((${#missing[@]} > 0)); then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

now_ns() { date +%s%N; }

# wait_ready PORT PID: polls GET /ready until 200 (tight loop, 30 s at most);
# fails when the process dies first.
wait_ready() {
  local port=$1 pid=$2 deadline=$(( $(date +%s) + 30 ))
  until curl -sf -o /dev/null "http://127.0.0.1:$port/ready"; do
    kill -0 "$pid" 2>/dev/null || { echo "server $pid died before ready" >&2; return 1; }
    (( $(date +%s) < deadline )) || { echo "server $pid not ready in 30 s" >&2; return 1; }
  done
}

stop() {
  local pid=$1
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# start_churnml PORT INSTRUMENTATION LOG [BINARY]: sets SERVER_PID and READY_MS.
start_churnml() {
  local port=$1 instr=$2 log=$3 bin=${4:-$BIN} t0
  t0=$(now_ns)
  "$bin" serve --model "$OUT/model" --port "$port" --access-log off \
    --instrumentation "$instr" >"$log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  wait_ready "$port" "$SERVER_PID"
  READY_MS=$(( ($(now_ns) - t0) / 1000 ))
  READY_MS=$(awk -v us="$READY_MS" 'BEGIN { printf "%.1f", us / 1000 }')
}

# start_peer WORKERS LOG: sets SERVER_PID and READY_MS.
start_peer() {
  local workers=$1 log=$2 t0
  t0=$(now_ns)
  CHURN_PEER_MODEL="$OUT/peer-logistic.pkl" CHURN_PEER_DATA="$OUT/data.csv" \
    "$PY" -m uvicorn --app-dir "$ROOT/bench" python_serve_reference:app \
    --host 127.0.0.1 --port "$PORT_PEER" --workers "$workers" --no-access-log \
    --log-level warning >"$log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  wait_ready "$PORT_PEER" "$SERVER_PID"
  READY_MS=$(( ($(now_ns) - t0) / 1000 ))
  READY_MS=$(awk -v us="$READY_MS" 'BEGIN { printf "%.1f", us / 1000 }')
  if (( workers > 1 )); then
    # /ready answers once the first worker is up; the others were spawned at
    # the same time: give them a few seconds to load the model too.
    sleep 5
  fi
}

# run_wrk NAME SCRIPT URL: writes $OUT/wrk-NAME.txt; sets RPS, P99_MS, BAD.
run_wrk() {
  local name=$1 script=$2 url=$3 file="$OUT/wrk-$1.txt"
  if [[ -n "$script" ]]; then
    "${WRK[@]}" -s "$script" "$url" >"$file" 2>&1
  else
    "${WRK[@]}" "$url" >"$file" 2>&1
  fi
  RPS=$(awk '/^Requests\/sec:/ { print $2 }' "$file")
  P99_MS=$(awk '$1 == "99%" {
      v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
      if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000;
      printf "%.2f", v }' "$file")
  BAD=$(awk '/Non-2xx/ { n += $NF } /Socket errors/ { gsub(",", ""); n += $4 + $6 + $8 + $10 }
             END { print n + 0 }' "$file")
  printf '  %-22s %10s req/s  p99 %8s ms  errors %s\n' "$name" "$RPS" "$P99_MS" "$BAD"
}

# rss_kb PID FIELD: VmRSS or VmHWM of one process, in kB.
rss_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# tree_rss_kb PID FIELD: summed over the process and its children.
tree_rss_kb() {
  local total=0 pid
  for pid in $1 $(pgrep -P "$1" || true); do
    total=$(( total + $(rss_kb "$pid" "$2" || echo 0) ))
  done
  echo "$total"
}

mb() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "n/a" }'; }
mean() { awk 'BEGIN { s = 0; for (i = 1; i < ARGC; i++) s += ARGV[i]; printf "%.1f", s / (ARGC - 1) }' "$@"; }
median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }

echo "== serve load benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), out: $OUT"
echo "uptime: $(uptime)"
echo "churnml: $BIN ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown))"

echo "== data and models"
"$BIN" data generate --rows 20000 --seed 42 --out "$OUT/data.csv" >/dev/null
"$BIN" train --data "$OUT/data.csv" --model logistic --no-track --out "$OUT/model" --force \
  >"$OUT/train.txt" 2>&1
"$PY" bench/python_reference.py train-logistic "$OUT/data.csv" "$OUT/peer-logistic.pkl" \
  >"$OUT/peer-train.txt"
"$PY" bench/serve/make_batch.py "$OUT/data.csv" 100 "$OUT/batch.json"
export CHURN_BATCH_BODY="$OUT/batch.json" CHURN_CUSTOMER="$ROOT/bench/serve/customer.json"
PRED_LUA="$ROOT/bench/serve/predict.lua"
BATCH_LUA="$ROOT/bench/serve/batch.lua"

echo "== churnml serve: start to ready (3 starts, median)"
starts=()
for i in 1 2 3; do
  start_churnml "$PORT_ON" on "$OUT/serve-start-$i.log"
  starts+=("$READY_MS")
  stop "$SERVER_PID"
done
CML_READY=$(median3 "${starts[@]}")
CML_READY_SELF=$(grep -o 'ready in [0-9.]* ms' "$OUT/serve-start-2.log" | grep -o '[0-9.]*' || echo n/a)
echo "  external (process start -> GET /ready 200): ${starts[*]} ms; serve's own line (run 2): $CML_READY_SELF ms"

echo "== churnml serve: load (instrumentation on :$PORT_ON and off :$PORT_OFF, both up)"
start_churnml "$PORT_ON" on "$OUT/serve-on.log"
PID_ON=$SERVER_PID
start_churnml "$PORT_OFF" off "$OUT/serve-off.log"
PID_OFF=$SERVER_PID
RSS_IDLE=$(rss_kb "$PID_ON" VmRSS)
noop=() on=() off=() on_p99=() off_p99=() errors=0
for round in 1 2; do
  run_wrk "noop-$round" "" "http://127.0.0.1:$PORT_ON/v2/health/live"
  noop+=("$RPS"); errors=$((errors + BAD))
  # on before off in round 1, off before on in round 2 (no order bias).
  for instr in $([[ $round == 1 ]] && echo "on off" || echo "off on"); do
    port=$PORT_ON; [[ $instr == off ]] && port=$PORT_OFF
    run_wrk "predict-$instr-$round" "$PRED_LUA" "http://127.0.0.1:$port"
    errors=$((errors + BAD))
    if [[ $instr == on ]]; then on+=("$RPS") on_p99+=("$P99_MS"); else off+=("$RPS") off_p99+=("$P99_MS"); fi
  done
done
run_wrk "batch-on" "$BATCH_LUA" "http://127.0.0.1:$PORT_ON"
CML_BATCH_RPS=$RPS CML_BATCH_P99=$P99_MS; errors=$((errors + BAD))
RSS_ON=$(rss_kb "$PID_ON" VmRSS) HWM_ON=$(rss_kb "$PID_ON" VmHWM)
RSS_OFF=$(rss_kb "$PID_OFF" VmRSS) HWM_OFF=$(rss_kb "$PID_OFF" VmHWM)

scrapes=()
for i in 1 2 3 4 5; do
  scrapes+=("$(curl -s -o "$OUT/metrics.txt" -w '%{time_total}' "http://127.0.0.1:$PORT_ON/metrics")")
done
SCRAPE_MS=$(printf '%s\n' "${scrapes[@]}" | sort -g | sed -n 3p | awk '{ printf "%.2f", $1 * 1000 }')
SCRAPE_SELF_MS=$(awk '$1 == "churnml_metrics_scrape_duration_seconds" { printf "%.3f", $2 * 1000 }' "$OUT/metrics.txt")
SCRAPE_BYTES=$(wc -c <"$OUT/metrics.txt")
SCRAPE_SERIES=$(grep -vc '^#' "$OUT/metrics.txt")
curl -s "http://127.0.0.1:$PORT_ON/health" >"$OUT/health.json"
stop "$PID_ON"
stop "$PID_OFF"

if [[ -n "$BASELINE" ]]; then
  echo "== before/after: $BASELINE (:$PORT_BASE) beside $BIN (:$PORT_ON), alternating"
  start_churnml "$PORT_ON" on "$OUT/ab-after.log"
  PID_AFTER=$SERVER_PID
  start_churnml "$PORT_BASE" on "$OUT/ab-before.log" "$BASELINE"
  PID_BEFORE=$SERVER_PID
  ab_before=() ab_after=() ab_noop_before=() ab_noop_after=() ab_p99_before=() ab_p99_after=()
  for round in 1 2 3; do
    for side in $([[ $round == 2 ]] && echo "after before" || echo "before after"); do
      port=$PORT_ON; [[ $side == before ]] && port=$PORT_BASE
      run_wrk "ab-noop-$side-$round" "" "http://127.0.0.1:$port/v2/health/live"
      errors=$((errors + BAD))
      if [[ $side == before ]]; then ab_noop_before+=("$RPS"); else ab_noop_after+=("$RPS"); fi
      run_wrk "ab-predict-$side-$round" "$PRED_LUA" "http://127.0.0.1:$port"
      errors=$((errors + BAD))
      if [[ $side == before ]]; then ab_before+=("$RPS") ab_p99_before+=("$P99_MS")
      else ab_after+=("$RPS") ab_p99_after+=("$P99_MS"); fi
    done
  done
  run_wrk "ab-batch-before" "$BATCH_LUA" "http://127.0.0.1:$PORT_BASE"
  AB_BATCH_BEFORE=$RPS; errors=$((errors + BAD))
  run_wrk "ab-batch-after" "$BATCH_LUA" "http://127.0.0.1:$PORT_ON"
  AB_BATCH_AFTER=$RPS; errors=$((errors + BAD))
  curl -s "http://127.0.0.1:$PORT_BASE/metrics" >"$OUT/ab-metrics-before.txt"
  curl -s "http://127.0.0.1:$PORT_ON/metrics" >"$OUT/ab-metrics-after.txt"
  stop "$PID_AFTER"
  stop "$PID_BEFORE"
fi

echo "== FastAPI + uvicorn (bench/python_serve_reference.py)"
declare -A PEER_RPS PEER_P99 PEER_BATCH PEER_READY PEER_RSS PEER_WORKER_RSS PEER_HWM
for workers in 1 2; do
  start_peer "$workers" "$OUT/peer-$workers.log"
  PEER_READY[$workers]=$READY_MS
  run_wrk "peer-w$workers-predict" "$PRED_LUA" "http://127.0.0.1:$PORT_PEER"
  PEER_RPS[$workers]=$RPS PEER_P99[$workers]=$P99_MS; errors=$((errors + BAD))
  run_wrk "peer-w$workers-batch" "$BATCH_LUA" "http://127.0.0.1:$PORT_PEER"
  PEER_BATCH[$workers]=$RPS; errors=$((errors + BAD))
  PEER_RSS[$workers]=$(tree_rss_kb "$SERVER_PID" VmRSS)
  PEER_HWM[$workers]=$(tree_rss_kb "$SERVER_PID" VmHWM)
  if (( workers == 1 )); then
    PEER_WORKER_RSS[$workers]=${PEER_RSS[$workers]}
  else
    PEER_WORKER_RSS[$workers]=$(for p in $(pgrep -P "$SERVER_PID"); do rss_kb "$p" VmRSS; done | sort -n | tail -1)
  fi
  stop "$SERVER_PID"
done
echo "uptime after: $(uptime)"

# --- summary ---------------------------------------------------------------
NOOP=$(mean "${noop[@]}") ON=$(mean "${on[@]}") OFF=$(mean "${off[@]}")
ON_P99=$(printf '%s\n' "${on_p99[@]}" | sort -g | tail -1)
PEER_BEST=$(printf '%s\n' "${PEER_RPS[1]}" "${PEER_RPS[2]}" | sort -g | tail -1)
PEER_BATCH_BEST=$(printf '%s\n' "${PEER_BATCH[1]}" "${PEER_BATCH[2]}" | sort -g | tail -1)
CML_CPS=$(awk -v r="$CML_BATCH_RPS" 'BEGIN { printf "%.0f", r * 100 }')
PEER_CPS=$(awk -v r="$PEER_BATCH_BEST" 'BEGIN { printf "%.0f", r * 100 }')
PEER_READY_BEST=$(printf '%s\n' "${PEER_READY[1]}" "${PEER_READY[2]}" | sort -g | head -1)
INSTR_COST=$(awk -v on="$ON" -v off="$OFF" 'BEGIN { printf "%+.1f", (on - off) / off * 100 }')
SLOWEST=$(grep -o '"summary":"[^"]*"' "$OUT/health.json" | head -1 | cut -d'"' -f4 || true)

{
echo
echo "| figure | churnml serve | FastAPI + uvicorn, 1 worker | 2 workers | ratio (churnml / peer's best) |"
echo "| --- | --- | --- | --- | --- |"
echo "| POST /predict req/s, 64 conn | ${on[*]} (mean $ON) | ${PEER_RPS[1]} | ${PEER_RPS[2]} | $(ratio "$ON" "$PEER_BEST")× |"
echo "| POST /predict p99 ms | ${on_p99[*]} | ${PEER_P99[1]} | ${PEER_P99[2]} | |"
echo "| POST /predict/batch (100) customers/s | $CML_CPS (p99 $CML_BATCH_P99 ms) | $(awk -v r="${PEER_BATCH[1]}" 'BEGIN{printf "%.0f", r*100}') | $(awk -v r="${PEER_BATCH[2]}" 'BEGIN{printf "%.0f", r*100}') | $(ratio "$CML_CPS" "$PEER_CPS")× |"
echo "| RSS after load MB (VmRSS / VmHWM) | $(mb "$RSS_ON") / $(mb "$HWM_ON") (idle $(mb "$RSS_IDLE")) | $(mb "${PEER_RSS[1]}") / $(mb "${PEER_HWM[1]}") | $(mb "${PEER_RSS[2]}") total, $(mb "${PEER_WORKER_RSS[2]}") per worker | |"
echo "| start to ready ms (process start → /ready 200) | $CML_READY (median of ${starts[*]}; serve says $CML_READY_SELF) | ${PEER_READY[1]} | ${PEER_READY[2]} | $(ratio "$PEER_READY_BEST" "$CML_READY")× faster |"
echo
echo "| churnml only | value |"
echo "| --- | --- |"
echo "| GET /v2/health/live req/s (no-op ceiling) | ${noop[*]} (mean $NOOP) |"
echo "| /predict as share of the no-op route | $(awk -v a="$ON" -v b="$NOOP" 'BEGIN { printf "%.0f%%", a / b * 100 }') |"
echo "| /predict req/s, --instrumentation off | ${off[*]} (mean $OFF), p99 ${off_p99[*]} ms |"
echo "| instrumentation on vs off | $INSTR_COST% |"
echo "| instrumentation-off server RSS MB (VmRSS / VmHWM) | $(mb "$RSS_OFF") / $(mb "$HWM_OFF") |"
echo "| /metrics scrape, curl time_total (median of 5) | $SCRAPE_MS ms ($SCRAPE_BYTES bytes, $SCRAPE_SERIES samples) |"
echo "| churnml_metrics_scrape_duration_seconds | $SCRAPE_SELF_MS ms |"
echo "| slowest stage (GET /health) | ${SLOWEST:-n/a} |"
echo "| wrk errors (non-2xx + socket errors, all runs) | $errors |"
echo
echo "Stage means from churnml_stage_duration_seconds (instrumentation-on server, whole run):"
awk '/^churnml_stage_duration_seconds_sum/ { match($0, /stage="[^"]*"/); s = substr($0, RSTART + 7, RLENGTH - 8); sum[s] = $2 }
     /^churnml_stage_duration_seconds_count/ { match($0, /stage="[^"]*"/); s = substr($0, RSTART + 7, RLENGTH - 8); cnt[s] = $2 }
     END { for (s in sum) if (cnt[s] > 0) printf "  %-10s count %-10d mean %.2f µs\n", s, cnt[s], sum[s] / cnt[s] * 1e6 }' \
  "$OUT/metrics.txt" | sort
if [[ -n "$BASELINE" ]]; then
  echo
  echo "Before/after, same model, alternating runs in one window (BASELINE=$BASELINE):"
  echo
  echo "| figure | before | after | after / before |"
  echo "| --- | --- | --- | --- |"
  echo "| POST /predict req/s, 64 conn | ${ab_before[*]} (mean $(mean "${ab_before[@]}")) | ${ab_after[*]} (mean $(mean "${ab_after[@]}")) | $(ratio "$(mean "${ab_after[@]}")" "$(mean "${ab_before[@]}")")× |"
  echo "| POST /predict p99 ms | ${ab_p99_before[*]} | ${ab_p99_after[*]} | |"
  echo "| GET /v2/health/live req/s (no-op) | ${ab_noop_before[*]} (mean $(mean "${ab_noop_before[@]}")) | ${ab_noop_after[*]} (mean $(mean "${ab_noop_after[@]}")) | |"
  echo "| /predict as share of the same server's no-op | $(awk -v a="$(mean "${ab_before[@]}")" -v b="$(mean "${ab_noop_before[@]}")" 'BEGIN { printf "%.0f%%", a / b * 100 }') | $(awk -v a="$(mean "${ab_after[@]}")" -v b="$(mean "${ab_noop_after[@]}")" 'BEGIN { printf "%.0f%%", a / b * 100 }') | |"
  echo "| POST /predict/batch (100) customers/s | $(awk -v r="$AB_BATCH_BEFORE" 'BEGIN{printf "%.0f", r*100}') | $(awk -v r="$AB_BATCH_AFTER" 'BEGIN{printf "%.0f", r*100}') | $(ratio "$AB_BATCH_AFTER" "$AB_BATCH_BEFORE")× |"
  for side in before after; do
    echo
    echo "Stage means, $side:"
    awk '/^churnml_stage_duration_seconds_sum/ { match($0, /stage="[^"]*"/); s = substr($0, RSTART + 7, RLENGTH - 8); sum[s] = $2 }
         /^churnml_stage_duration_seconds_count/ { match($0, /stage="[^"]*"/); s = substr($0, RSTART + 7, RLENGTH - 8); cnt[s] = $2 }
         END { for (s in sum) if (cnt[s] > 0) printf "  %-10s count %-10d mean %.2f µs\n", s, cnt[s], sum[s] / cnt[s] * 1e6 }' \
      "$OUT/ab-metrics-$side.txt" | sort
  done
fi
} | tee "$OUT/summary.md"
