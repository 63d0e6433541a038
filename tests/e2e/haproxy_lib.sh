# Shared by the haproxy_*_e2e_test.sh scripts: three real `churnml serve`
# replicas on loopback behind a real HAProxy 2.6 (Debian's), driven by wrk
# and curl. Source after lib.sh.

for tool in haproxy wrk curl socat jq; do  # scripts/bootstrap.sh installs them
  command -v "$tool" >/dev/null || { echo "$tool missing (run scripts/bootstrap.sh)"; exit 2; }
done

CUSTOMER='{"customerID":"7590-VHVEG","gender":"Female","SeniorCitizen":0,"Partner":"Yes","Dependents":"No","tenure":1,"PhoneService":"No","MultipleLines":"No phone service","InternetService":"DSL","OnlineSecurity":"No","OnlineBackup":"Yes","DeviceProtection":"No","TechSupport":"No","StreamingTV":"No","StreamingMovies":"No","Contract":"Month-to-month","PaperlessBilling":"Yes","PaymentMethod":"Electronic check","MonthlyCharges":29.85,"TotalCharges":"29.85"}'
SOCK="$WORK/haproxy.sock"
declare -A REPLICA_PID=()
HAPROXY_PID=""
WRK_PID=""

cleanup_haproxy_test() {
  [[ -n $WRK_PID ]] && kill "$WRK_PID" 2>/dev/null
  [[ -n $HAPROXY_PID ]] && kill "$HAPROXY_PID" 2>/dev/null
  for pid in "${REPLICA_PID[@]}"; do kill -9 "$pid" 2>/dev/null; done
  wait 2>/dev/null
  [[ -n ${CHURNML_E2E_KEEP-} ]] || rm -rf "$WORK"
}
trap cleanup_haproxy_test EXIT

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Picks BASE (replica HTTP ports BASE..BASE+2), AGENT_BASE (BASE+100..) and
# FRONT (BASE+200) among free ports, below the kernel's ephemeral range, so a
# server another test starts on --port 0 (or any outgoing connection) cannot
# take one of them between the pick and the bind.
pick_ports() {
  local attempt p ok low
  low=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  for ((attempt = 0; attempt < 50; attempt++)); do
    BASE=$((10000 + RANDOM % (low - 10300)))
    AGENT_BASE=$((BASE + 100))
    FRONT=$((BASE + 200))
    ok=1
    for p in $BASE $((BASE + 1)) $((BASE + 2)) $AGENT_BASE $((AGENT_BASE + 1)) $((AGENT_BASE + 2)) $FRONT; do
      port_free "$p" || ok=0
    done
    [[ $ok == 1 ]] && return 0
  done
  return 1
}

# train_model: one registered model churn@champion in ./mlruns.
train_model() {
  run "$CHURNML" data generate --rows 2000 --seed 3 --out d.csv
  run "$CHURNML" train --data d.csv --model logistic --register churn --alias champion
  expect_status 0 "train the model the replicas serve"
}

# start_replica I [ARGS...]: replica I (1..3) on BASE+I-1, agent on
# AGENT_BASE+I-1; waits for its ready line.
start_replica() {
  local i=$1
  shift
  local log="$WORK/replica$i.log"
  "$CHURNML" serve --model churn@champion --port $((BASE + i - 1)) --threads 1 \
    --access-log off --enable-fault-injection --reload-interval 0 "$@" 2>>"$log" &
  REPLICA_PID[$i]=$!
  local n
  for ((n = 0; n < 300; n++)); do
    if grep -q "(ready in " "$log" 2>/dev/null && { [[ " $* " != *" --agent-port "* ]] ||
      grep -q "agent-check on" "$log"; }; then
      return 0
    fi
    kill -0 "${REPLICA_PID[$i]}" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

replica_url() { echo "http://127.0.0.1:$((BASE + $1 - 1))"; }

# faults I JSON: sets replica I's injected faults.
faults() {
  curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data-binary "$2" "$(replica_url "$1")/admin/faults"
}

# predictions I: replica I's count of answered POST /predict requests.
predictions() {
  curl -s "$(replica_url "$1")/metrics" |
    awk '/^churnml_http_requests_total\{/ && /route="\/predict"/ && /code="200"/ {s += $NF} END {printf "%d\n", s}'
}

haproxy_cmd() { echo "$1" | socat stdio "unix-connect:$SOCK"; }

# server_stat NAME FIELD: a field of `show stat` (CSV) for server NAME of
# the churnml_replicas backend ("status", "weight", "agent_status", ...).
server_stat() {
  haproxy_cmd "show stat" | awk -F, -v name="$1" -v field="$2" '
    NR == 1 { sub(/^# /, ""); for (i = 1; i <= NF; i++) col[$i] = i; next }
    $1 == "churnml_replicas" && $2 == name { print $(col[field]) }'
}

# start_haproxy CFG: runs HAProxy in the foreground on CFG and waits until
# every server is UP.
start_haproxy() {
  haproxy -db -f "$1" >"$WORK/haproxy.log" 2>&1 &
  HAPROXY_PID=$!
  local n
  for ((n = 0; n < 200; n++)); do
    if [[ -S $SOCK ]] && all_up; then return 0; fi
    kill -0 "$HAPROXY_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

all_up() {
  local name
  for name in r1 r2 r3; do [[ $(server_stat "$name" status) == UP ]] || return 1; done
}

stop_haproxy() {
  kill "$HAPROXY_PID" 2>/dev/null
  wait "$HAPROXY_PID" 2>/dev/null
  HAPROXY_PID=""
  rm -f "$SOCK"
}

# wait_until DESCRIPTION SECONDS COMMAND...: polls COMMAND every 0.2 s.
wait_until() {
  local what=$1 seconds=$2
  shift 2
  local n
  for ((n = 0; n < seconds * 5; n++)); do
    if "$@"; then pass; return 0; fi
    sleep 0.2
  done
  fail "$what: not within ${seconds}s"
  return 1
}

write_wrk_script() {
  cat >"$WORK/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '$CUSTOMER'
wrk.headers["Content-Type"] = "application/json"
EOF
}

# wrk_errors FILE: failed requests in a wrk report (non-2xx + socket errors).
wrk_errors() {
  local non2xx socket
  non2xx=$(sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$1")
  socket=$(sed -n 's/.*Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1 \2 \3 \4/p' "$1" |
    awk '{print $1 + $2 + $3 + $4}')
  echo $((${non2xx:-0} + ${socket:-0}))
}

wrk_requests() { sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$1"; }

# share A B: A / B with two decimals.
share() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", (b > 0 ? a / b : 0) }'; }
# within X LO HI: LO <= X <= HI.
within() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x <= hi) }'; }
