#!/usr/bin/env bash
# HAProxy's cost in front of `churnml serve` (docs/benchmarks.md): wrk on
# POST /predict (one customer, keep-alive) against
#   direct    one replica, every core (--threads 0);
#   proxy-1   HAProxy (leastconn) -> that same one replica;
#   proxy-3   HAProxy (leastconn) -> three replicas with --threads 1 each.
# Everything shares this machine's cores (wrk, HAProxy, the replicas), so
# proxy-3 measures the topology, not more hardware.
# Usage: deploy/haproxy/overhead_bench.sh PATH_TO_CHURNML [SECONDS] [CONNECTIONS]
set -euo pipefail
CHURNML=$(realpath "${1:?usage: $0 PATH_TO_CHURNML [SECONDS] [CONNECTIONS]}")
SECONDS_PER_RUN=${2:-10}
CONNECTIONS=${3:-64}
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK"
BASE=$((21000 + RANDOM % 20000))
FRONT=$((BASE + 200))

"$CHURNML" data generate --rows 2000 --seed 3 --out d.csv 2>/dev/null
"$CHURNML" train --data d.csv --model logistic --register churn --alias champion 2>/dev/null >/dev/null
cat >post.lua <<'EOF'
wrk.method = "POST"
wrk.body = '{"customerID":"7590-VHVEG","gender":"Female","SeniorCitizen":0,"Partner":"Yes","Dependents":"No","tenure":1,"PhoneService":"No","MultipleLines":"No phone service","InternetService":"DSL","OnlineSecurity":"No","OnlineBackup":"Yes","DeviceProtection":"No","TechSupport":"No","StreamingTV":"No","StreamingMovies":"No","Contract":"Month-to-month","PaperlessBilling":"Yes","PaymentMethod":"Electronic check","MonthlyCharges":29.85,"TotalCharges":"29.85"}'
wrk.headers["Content-Type"] = "application/json"
EOF

serve() {  # serve PORT THREADS
  "$CHURNML" serve --model churn@champion --port "$1" --threads "$2" --access-log off 2>"serve-$1.log" &
  PIDS+=($!)
  for _ in $(seq 300); do grep -q '(ready in ' "serve-$1.log" && return; sleep 0.1; done
  echo "serve on $1 did not start" >&2
  exit 1
}
proxy() {  # proxy REPLICAS
  "$CHURNML" deploy haproxy --replicas "$1" --strategy leastconn --base-port "$BASE" \
    --bind "127.0.0.1:$FRONT" --out "haproxy-$1.cfg" 2>/dev/null
  haproxy -db -f "haproxy-$1.cfg" >"haproxy-$1.log" 2>&1 &
  HAPROXY=$!
  PIDS+=($HAPROXY)
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$FRONT/v2/health/ready" && break; sleep 0.1; done
  sleep 3  # every server UP (rise 2 x 1 s)
}
measure() {  # measure NAME URL
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s post.lua "$2/predict" >"wrk-$1.out"
  awk -v name="$1" '
    /Requests\/sec/ {rps = $2}
    /^ +50%/ {p50 = $2} /^ +99%/ {p99 = $2}
    /Non-2xx/ {errors = $NF}
    END {printf "%-8s %10s req/s  p50 %-8s p99 %-8s non-2xx %s\n", name, rps, p50, p99, errors + 0}' "wrk-$1.out"
}

echo "$(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); wrk -t2 -c$CONNECTIONS -d${SECONDS_PER_RUN}s"
serve "$BASE" 0
measure direct "http://127.0.0.1:$BASE"
proxy 1
measure proxy-1 "http://127.0.0.1:$FRONT"
kill "$HAPROXY"; wait "$HAPROXY" 2>/dev/null || true
kill "${PIDS[0]}"; wait "${PIDS[0]}" 2>/dev/null || true
PIDS=()
for i in 0 1 2; do serve $((BASE + i)) 1; done
proxy 3
measure proxy-3 "http://127.0.0.1:$FRONT"
