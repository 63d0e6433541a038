#!/usr/bin/env bash
# Reliability under real faults, driven through the real server:
#  A. a model that turns slow, then fails: the fallback chain answers (the
#     previous version), the model's breaker opens, health goes degraded then
#     critical and /ready fails; all of it recovers when the fault is removed;
#  B. the PostgreSQL registry stopped and restarted under a running server:
#     predictions keep flowing, the store breaker opens, and the server picks
#     up a new version after the database returns, without a restart;
#  C. alerts (when serve has --alerts): a rule fires on the fallbacks and
#     resolves, delivered to a real Alertmanager, while a webhook channel
#     whose receiver refuses connections does not slow serving.
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# Part B stops its database: run beside a PostgreSQL of our own.
if [[ -z ${CHURNML_RELIABILITY_OWN_PG-} ]]; then
  CHURNML_RELIABILITY_OWN_PG=1 exec bash "$root/scripts/with_postgres.sh" bash "$0" "$@"
fi
source "$here/lib.sh"

CUSTOMER='{"customerID":"7590-VHVEG","gender":"Female","SeniorCitizen":0,"Partner":"Yes","Dependents":"No","tenure":1,"PhoneService":"No","MultipleLines":"No phone service","InternetService":"DSL","OnlineSecurity":"No","OnlineBackup":"Yes","DeviceProtection":"No","TechSupport":"No","StreamingTV":"No","StreamingMovies":"No","Contract":"Month-to-month","PaperlessBilling":"Yes","PaymentMethod":"Electronic check","MonthlyCharges":29.85,"TotalCharges":"29.85"}'

# load FILE: sequential predictions until stop.flag exists, one line each:
# "<http code> <fallback or -> <version>".
load() {
  while [[ ! -e stop.flag ]]; do
    curl -s -o "$1.body" -w '%{http_code}' -H 'Content-Type: application/json' \
      --data-binary "$CUSTOMER" "$URL/predict" >"$1.code"
    echo "$(cat "$1.code") $(jq -r '(.fallback // "-") + " " + .version' "$1.body" 2>/dev/null)" >>"$1"
  done
}
# Three clients keep each 1 s health interval above its 20-request minimum
# even on a loaded machine (sanitizer builds, tests running in parallel).
start_load() {
  rm -f stop.flag
  load "$1.a" & la=$!
  load "$1.b" & lb=$!
  load "$1.c" & lc=$!
}
stop_load() { touch stop.flag; wait "$la" "$lb" "$lc"; cat "$1.a" "$1.b" "$1.c" >"$1.txt"; }

health_is() { http GET /health && [[ $(jq -r .status "$WORK/body") == "$1" ]]; }
ready_code_is() { http GET /ready && [[ $code == "$1" ]]; }
serving_version() { http GET /info && [[ $(jq -r .model.version "$WORK/body") == "$1" ]]; }
metric_value() {  # metric_value 'name{labels}' → value from /metrics (0 when absent)
  curl -s "$URL/metrics" | awk -v m="$1" 'index($0, m " ") == 1 {print $2; found=1} END {if (!found) print 0}'
}

run "$CHURNML" data generate --rows 3000 --seed 21 --out d.csv

# ---------------------------------------------------------------- part A
run "$CHURNML" --store a-store train --data d.csv --register churn --alias champion --json
expect_status 0 "train version 1"
run "$CHURNML" --store a-store train --data d.csv --seed 8 --register churn --json
expect_status 0 "train version 2"
start_server a.log --store a-store --model churn@champion --reload-interval 0.2 \
  --model-deadline-ms 40 --enable-fault-injection --access-log off ||
  { cat a.log; fail "server A did not start"; finish; exit 1; }
run "$CHURNML" --store a-store models alias set churn champion 2
wait_for "hot swap to version 2" 20 serving_version 2

# A slow model: past its deadline, the previous version answers.
http POST /admin/faults '{"delay_ms": 80}'
expect_code 200 "inject an 80 ms delay"
http POST /predict "$CUSTOMER"
expect_code 200 "slow model still answered"
expect_eq "$(jq -r .fallback "$WORK/body")" previous_version "answered by the previous version"
expect_eq "$(jq -r .version "$WORK/body")" 1 "tagged with the version that answered"
expect_header X-Churnml-Fallback "fallback header"

# 10% failures: degraded (error rate over 5%), the breaker stays closed.
http POST /admin/faults '{"delay_ms": 0, "error_rate": 0.1}'
start_load a1
wait_for "health degraded at 10% model failures" 60 health_is degraded
expect_contains "$WORK/body" "error rate" "degraded reason names the error rate"
# Every model call fails: the breaker opens, health turns critical, /ready fails.
http POST /admin/faults '{"error_rate": 1}'
model_breaker_open() { [[ $(metric_value 'churnml_circuit_breaker_state{breaker="model",state="open"}') == 1 ]]; }
critical_for_breaker() { health_is critical && grep -q "circuit breaker 'model' is open" "$WORK/body"; }
wait_for "the model's breaker opens (shown in /metrics)" 30 model_breaker_open
wait_for "health critical, naming the open breaker" 10 critical_for_breaker
wait_for "/ready fails while critical" 5 ready_code_is 503
http GET /v2/health/ready
expect_code 503 "OIP readiness fails too"
expect_eq "$(metric_value 'churnml_health_state{state="critical"}')" 1 "health state in /metrics"
# The fault is removed: half-open probes succeed, health and readiness return.
http POST /admin/faults '{"error_rate": 0}'
wait_for "/ready recovers" 40 ready_code_is 200
wait_for "health back to healthy" 20 health_is healthy
expect_eq "$(metric_value 'churnml_circuit_breaker_state{breaker="model",state="closed"}')" 1 "breaker closed again"
stop_load a1
total=$(wc -l <a1.txt)
ok=$(grep -c '^200 ' a1.txt)
expect_eq "$ok" "$total" "every request answered 200 through the faults"
if grep -q '^200 previous_version 1$' a1.txt; then pass; else fail "no fallback answers seen under load"; fi
fallbacks=$(metric_value 'churnml_fallbacks_total{fallback="previous_version"}')
if awk -v v="$fallbacks" 'BEGIN {exit !(v > 0)}'; then pass; else fail "fallbacks not counted: $fallbacks"; fi
expect_contains a.log "circuit breaker 'model' closed -> open" "breaker transition logged"
stop_server
expect_status 0 "server A drained"

# ---------------------------------------------------------------- part B
if [[ -z ${CHURNML_TEST_PG_URI-} || -z ${CHURNML_TEST_PG_DATA-} ]]; then
  fail "no PostgreSQL to stop (run through scripts/with_postgres.sh)"
  finish
  exit 1
fi
pg_ctl=()
[[ -n $CHURNML_TEST_PG_RUNAS ]] && pg_ctl=(runuser -u "$CHURNML_TEST_PG_RUNAS" --)
pg_ctl+=("$CHURNML_TEST_PG_BIN/pg_ctl" -D "$CHURNML_TEST_PG_DATA" -l "$CHURNML_TEST_PG_LOG" -w -t 60
  -o "$CHURNML_TEST_PG_OPTIONS")
mkdir -p pg-artifacts
PG="$CHURNML_TEST_PG_URI?artifact_root=$WORK/pg-artifacts"
run "$CHURNML" --store "$PG" train --data d.csv --register churn --alias champion --json
expect_status 0 "train into PostgreSQL"
run "$CHURNML" --store "$PG" train --data d.csv --seed 4 --register churn --json
expect_status 0 "second version into PostgreSQL"
start_server b.log --store "$PG" --model churn@champion --reload-interval 0.3 --access-log off ||
  { cat b.log; fail "server B did not start"; finish; exit 1; }
start_load b1
(cd / && "${pg_ctl[@]}" stop -m fast >/dev/null)
pass
wait_for "store breaker opens while the database is down" 30 \
  grep -q "circuit breaker 'store' closed -> open" b.log
expect_contains b.log "model store: attempt" "store retries logged"
health_names_store() { http GET /health && grep -q "circuit breaker 'store' is open" "$WORK/body"; }
wait_for "health names the open store breaker" 10 health_names_store
http POST /predict "$CUSTOMER"
expect_code 200 "predictions flow with the database down"
(cd / && "${pg_ctl[@]}" start >/dev/null)
pass
run "$CHURNML" --store "$PG" models alias set churn champion 2
expect_status 0 "move the alias after the restart"
wait_for "server picks up version 2 after the database returns" 30 serving_version 2
stop_load b1
total=$(wc -l <b1.txt)
ok=$(grep -c '^200 ' b1.txt)
expect_eq "$ok" "$total" "every request answered 200 through the outage"
if kill -0 "$SERVER_PID" 2>/dev/null; then pass; else fail "server B died"; fi
stop_server
expect_status 0 "server B drained"

# ---------------------------------------------------------------- part C
am_bin=$(command -v prometheus-alertmanager || command -v alertmanager || true)
if [[ -z $am_bin ]]; then
  fail "prometheus-alertmanager is missing (scripts/bootstrap.sh installs it)"
  finish
  exit 1
fi
am_port=$(free_port)
AM="http://127.0.0.1:$am_port"
"$am_bin" --config.file="$root/deploy/alerts/alertmanager.yml" --storage.path="$WORK/am" \
  --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= >am.log 2>&1 &
am_pid=$!
am_ready() { curl -sf "$AM/-/ready"; }
wait_for "Alertmanager is ready" 30 am_ready
dead_port=$(free_port)  # nothing listens: the webhook receiver refuses connections
cat >rules.yaml <<YAML
evaluation_interval: 1s
repeat_interval: 1h
group_by: [alertname]
rules:
  - name: ChurnmlFallbackAnswers
    expr: rate(churnml_fallbacks_total[3s])
    op: ">"
    threshold: 0
    for: 1s
    severity: warning
    annotations:
      summary: Predictions are being answered by the fallback chain
channels:
  - type: alertmanager
    url: $AM
    timeout: 2s
  - type: webhook
    name: webhook
    url: http://127.0.0.1:$dead_port/hook
    timeout: 500ms
    breaker: {failure_threshold: 2, open_duration: 2s}
    retry: {max_attempts: 2, initial_backoff: 50ms, max_backoff: 100ms, jitter: full}
YAML
run "$CHURNML" alerts check rules.yaml
expect_status 0 "rules file is valid"
start_server c.log --store a-store --model churn@champion --alerts rules.yaml \
  --enable-fault-injection --access-log off ||
  { cat c.log; fail "server C did not start"; finish; exit 1; }
am_alert() {  # am_alert STATE: Alertmanager lists the alert (active) or not (gone)
  local n
  n=$(curl -s "$AM/api/v2/alerts?filter=alertname%3D%22ChurnmlFallbackAnswers%22" |
    jq '[.[] | select(.status.state == "active")] | length')
  if [[ $1 == active ]]; then [[ $n -ge 1 ]]; else [[ $n -eq 0 ]]; fi
}
http POST /admin/faults '{"error_rate": 1}'
start_load c1
wait_for "the alert fires and reaches Alertmanager" 30 am_alert active
run "$CHURNML" alerts list --server "$URL" --json
expect_status 0 "alerts list"
expect_eq "$(jq -r '.alerts[0].name + " " + .alerts[0].state' "$WORK/out")" \
  "ChurnmlFallbackAnswers firing" "the server lists the firing alert"
webhook_failing() {
  [[ $(metric_value 'churnml_circuit_breaker_state{breaker="alert:webhook",state="open"}') == 1 ]]
}
wait_for "the dead webhook's breaker opens" 20 webhook_failing
http POST /predict "$CUSTOMER" --max-time 2
expect_code 200 "serving answers while a channel is dead"
http POST /admin/faults '{"error_rate": 0}'
wait_for "the resolution reaches Alertmanager" 40 am_alert resolved
stop_load c1
total=$(wc -l <c1.txt)
ok=$(grep -c '^200 ' c1.txt)
expect_eq "$ok" "$total" "every request answered 200 while alerts were delivered"
queued=$(metric_value 'churnml_alert_queue_length{channel="webhook"}')
if awk -v v="$queued" 'BEGIN {exit !(v >= 1)}'; then pass; else
  fail "the dead webhook's notifications are not queued: $queued"
fi
sent=$(metric_value 'churnml_alert_notifications_total{channel="alertmanager",result="sent"}')
if awk -v v="$sent" 'BEGIN {exit !(v >= 2)}'; then pass; else fail "firing + resolved not both sent: $sent"; fi
# Silences from the command line.
run "$CHURNML" alerts silence --server "$URL" --matcher alertname=ChurnmlFallbackAnswers \
  --duration 1h --comment "e2e drill"
expect_status 0 "alerts silence"
http GET /alerts/silences
expect_eq "$(jq -r '.silences[0].comment' "$WORK/body")" "e2e drill" "silence listed"
run "$CHURNML" alerts expire --server "$URL" "$(jq -r '.silences[0].id' "$WORK/body")"
expect_status 0 "alerts expire"
stop_server
expect_status 0 "server C drained"
kill "$am_pid" 2>/dev/null
wait "$am_pid" 2>/dev/null

finish
