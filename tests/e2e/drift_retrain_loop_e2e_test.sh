#!/usr/bin/env bash
# Issue 12's whole loop against real servers: train on one population and
# serve it with live drift and alert rules; score a shifted population
# through `serve` and watch /metrics cross the drift threshold; the drift
# alert reaches a real Alertmanager; `retrain --if-drift` promotes a
# challenger while wrk loads the server, which swaps to it with zero failed
# requests; `models rollback` swaps back. (The refused noise challenger and
# the cooldown are in quality_loop_e2e_test.sh.)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/lib.sh"

for tool in curl jq wrk; do
  command -v "$tool" >/dev/null || { echo "$tool missing (run scripts/bootstrap.sh)"; exit 2; }
done
am_bin=$(command -v prometheus-alertmanager || command -v alertmanager || true)
[[ -n $am_bin ]] || { echo "prometheus-alertmanager missing (run scripts/bootstrap.sh)"; exit 2; }

S="$WORK/store"
c() { "$CHURNML" --store "$S" "$@"; }
champion() { c models show churn --json | jq -r '.aliases.champion'; }

metric() {  # metric NAME: its value on /metrics, or empty
  curl -s "$URL/metrics" | awk -v name="$1" '$1 == name {print $2}'
}
cleanup() {
  [[ -n ${SERVER_PID-} ]] && kill -TERM "$SERVER_PID" 2>/dev/null
  [[ -n ${am_pid-} ]] && kill "$am_pid" 2>/dev/null
  [[ -n ${wrk_pid-} ]] && kill "$wrk_pid" 2>/dev/null
  wait 2>/dev/null
  [[ -n ${CHURNML_E2E_KEEP-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT

run c data generate --rows 20000 --seed 1 --out old.csv; expect_status 0 "generate old"
run c data generate --rows 20000 --seed 2 --shift 1 --out shifted.csv
expect_status 0 "generate shifted"
run c train --data old.csv --register churn --alias champion; expect_status 0 "train champion"
expect_eq "$(champion)" 1 "champion is version 1"

# --- a real Alertmanager, and the shipped drift rule made quick ----------
am_port=$(free_port)
AM="http://127.0.0.1:$am_port"
"$am_bin" --config.file="$root/deploy/alerts/alertmanager.yml" --storage.path="$WORK/am" \
  --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= >am.log 2>&1 &
am_pid=$!
am_ready() { curl -sf "$AM/-/ready"; }
wait_for "Alertmanager is ready" 30 am_ready || { cat am.log; finish; exit 1; }
# The shipped rule's condition (deploy/alerts/rules.yaml), with `for` cut
# from 30 minutes to 2 s.
shipped=$(awk '/name: ChurnmlScoreDrift/ {on = 1} on && /expr:|threshold:/ {print $2} on && /for:/ {exit}' \
  "$root/deploy/alerts/rules.yaml" | tr '\n' ' ')
expect_eq "$shipped" "value(churnml_score_drift_psi) 0.25 " "the shipped score-drift rule"
cat >rules.yaml <<YAML
evaluation_interval: 1s
repeat_interval: 1h
group_by: [alertname]
rules:
  - name: ChurnmlScoreDrift
    expr: value(churnml_score_drift_psi)
    op: ">"
    threshold: 0.25
    for: 2s
    severity: warning
    annotations:
      summary: The served model's scores drifted
channels:
  - type: alertmanager
    url: $AM
    timeout: 2s
YAML
run c alerts check rules.yaml; expect_status 0 "rules file is valid"

start_server server.log --store "$S" --model churn@champion --alerts rules.yaml \
  --drift-window 1h --drift-min-rows 1000 --reload-interval 0.3 --access-log off ||
  { cat server.log; fail "server did not start"; finish; exit 1; }
pass

# --- shifted customers through /predict/batch, 500 at a time ------------
tail -n +2 shifted.csv | head -n 4000 | split -l 500 -d -a 2 - batch.
for part in batch.[0-9][0-9]; do
  jq -R -s -c --arg header "$(head -1 shifted.csv)" '
    ($header | split(",")) as $names
    | {customers: [split("\n")[] | select(length > 0) | split(",")
        | [$names, .] | transpose | map({(.[0]): (.[1] | tonumber? // .)}) | add]}' \
    "$part" >"$part.json"
done
expect_eq "$(metric churnml_score_drift_psi)" "" "no PSI before --drift-min-rows customers"
failed=0
psi_crossed=""
for f in batch.*.json; do
  code=$(curl -s -o body.json -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary @"$f" "$URL/predict/batch")
  [[ $code == 200 ]] || failed=$((failed + 1))
  psi=$(metric churnml_score_drift_psi)
  if [[ -n $psi ]] && awk -v p="$psi" 'BEGIN {exit !(p > 0.25)}'; then psi_crossed=$psi; fi
done
expect_eq "$failed" 0 "every batch answered 200"
if [[ -n $psi_crossed ]]; then pass; else
  fail "churnml_score_drift_psi never crossed 0.25 (last: $(metric churnml_score_drift_psi))"
fi
expect_eq "$(metric churnml_drift_window_rows)" 4000 "the window holds the scored customers"

am_firing() {
  curl -s "$AM/api/v2/alerts?filter=alertname%3D%22ChurnmlScoreDrift%22" |
    jq -e '[.[] | select(.status.state == "active")] | length >= 1'
}
wait_for "the drift alert reaches Alertmanager" 60 am_firing
expect_eq "$(curl -s "$AM/api/v2/alerts" | jq -r '.[0].labels.severity')" warning "with its labels"

# --- retrain --if-drift under load: the server swaps, nothing fails ------
cat >customer.json <<'JSON'
{"customerID":"7590-VHVEG","gender":"Female","SeniorCitizen":0,"Partner":"Yes","Dependents":"No","tenure":1,"PhoneService":"No","MultipleLines":"No phone service","InternetService":"DSL","OnlineSecurity":"No","OnlineBackup":"Yes","DeviceProtection":"No","TechSupport":"No","StreamingTV":"No","StreamingMovies":"No","Contract":"Month-to-month","PaperlessBilling":"Yes","PaymentMethod":"Electronic check","MonthlyCharges":29.85,"TotalCharges":29.85}
JSON
cat >predict.lua <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("customer.json")
wrk.body = f:read("*a")
f:close()
local threads = {}
function setup(thread) table.insert(threads, thread) end
-- 1 ms between a connection's requests: steady load (thousands of requests
-- per second) that leaves the shared CI cores to retrain and the swap.
function delay() return 1 end
function init(args) versions = {} ; bad = 0 end
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
  local v = body:match('"version":%s*"?(%d+)')
  if v then versions[v] = (versions[v] or 0) + 1 end
end
function done(summary, latency, requests)
  local seen, bad_total = {}, 0
  for _, t in ipairs(threads) do
    bad_total = bad_total + t:get("bad")
    for v, n in pairs(t:get("versions")) do seen[v] = (seen[v] or 0) + n end
  end
  local e = summary.errors
  io.write(string.format("requests %d non200 %d connect %d read %d write %d timeout %d status %d\n",
    summary.requests, bad_total, e.connect, e.read, e.write, e.timeout, e.status))
  for v, n in pairs(seen) do io.write(string.format("version %s %d\n", v, n)) end
end
LUA
wrk -t2 -c8 -d40s --timeout 5s -s predict.lua "$URL/predict" >wrk.out 2>&1 &
wrk_pid=$!
serving_version() {
  curl -s -H 'Content-Type: application/json' --data-binary @customer.json "$URL/predict" |
    jq -e --arg v "$1" '.version == $v or .version == ($v | tonumber)'
}
wait_for "the server answers with version 1 under load" 20 serving_version 1
run c retrain --model churn@champion --data shifted.csv --if-drift --json
expect_status 0 "retrain --if-drift"
expect_eq "$(jq -r .decision "$WORK/out")" promoted "the challenger is promoted"
new=$(jq -r .challenger_version "$WORK/out")
expect_eq "$(champion)" "$new" "champion moved"
swapped() { grep -q "model swapped: version 1 -> $new" server.log; }
wait_for "the server swaps to the new champion" 30 swapped
wait_for "the new version answers" 10 serving_version "$new"
kill -0 "$wrk_pid" 2>/dev/null && pass || fail "wrk ended before the swap: $(cat wrk.out)"
wait "$wrk_pid"
wrk_pid=""
counts=$(grep '^requests ' wrk.out)
echo "load during the swap: $counts; $(grep "^version" wrk.out | tr "\n" " ")"
read -r _ total _ non200 _ connect _ read_e _ write_e _ timeout _ status_e <<<"$counts"
expect_eq "$non200 $connect $read_e $write_e $timeout $status_e" "0 0 0 0 0 0" \
  "zero failed requests across the swap ($counts)"
if ((total > 100)); then pass; else fail "too little load: $counts"; fi
old_n=$(awk '$1 == "version" && $2 == 1 {print $3}' wrk.out)
new_n=$(awk -v v="$new" '$1 == "version" && $2 == v {print $3}' wrk.out)
if ((${old_n:-0} > 0 && ${new_n:-0} > 0)); then pass; else
  fail "the load saw both versions: $(cat wrk.out)"
fi

# --- rollback swaps back -------------------------------------------------
run c models rollback churn; expect_status 0 "rollback"
expect_eq "$(champion)" 1 "champion is version 1 again"
wait_for "the server swaps back" 30 serving_version 1
stop_server
expect_status 0 "server drains and exits 0"
SERVER_PID=""
finish
