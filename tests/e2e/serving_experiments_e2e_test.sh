#!/usr/bin/env bash
# Shadow model and experiment reloads in `churnml serve` (docs/serving.md,
# "Shadow model", "Reloading experiments"):
#  - --shadow churn@candidate scores every request off the request path:
#    answers are byte-identical whether the shadow is healthy, slow
#    (POST /admin/faults/shadow, 200 ms per call) or crashing (every call
#    fails), and latency with a slow shadow stays far below the shadow's
#    delay and within noise of the healthy run; a full queue drops and
#    counts, a crashing shadow counts failures and opens its own breaker;
#  - GET /experiments and /metrics report the comparison (agreement,
#    score differences, Spearman) and the counts;
#  - the prediction log carries "record":"shadow" pairs joined with the
#    answer, and customer features only with --log-features;
#  - SIGHUP re-reads serve.variant / serve.shadow from the config file under
#    wrk load with zero non-2xx answers, and a bad file changes nothing.
source "$(dirname "$0")/lib.sh"

for tool in curl jq wrk; do
  command -v "$tool" >/dev/null || { echo "$tool missing (run scripts/bootstrap.sh)"; exit 2; }
done

c() { "$CHURNML" "$@"; }

run c data generate --rows 3000 --seed 5 --out train.csv; expect_status 0 "generate train"
run c data generate --rows 3000 --seed 8 --out train2.csv; expect_status 0 "generate train2"
run c data generate --rows 600 --seed 6 --out holdout.csv; expect_status 0 "generate holdout"
run c train --data train.csv --model logistic --register churn --alias champion
expect_status 0 "train the champion (version 1)"
run c train --data train2.csv --model logistic --register churn --alias challenger
expect_status 0 "train the challenger (version 2)"
run c train --data train2.csv --model logistic --C 0.5 --register churn --alias candidate
[[ $status -eq 0 ]] || run c train --data train2.csv --model logistic --register churn --alias candidate
expect_status 0 "train the shadow candidate (version 3)"

tail -n +2 holdout.csv | jq -R -c --arg header "$(head -1 holdout.csv)" '
  ($header | split(",")) as $names | split(",") | [$names, .] | transpose
  | map({(.[0]): (.[1] | tonumber? // .)}) | add | del(.Churn)' >customers.jsonl
expect_eq "$(wc -l <customers.jsonl)" 600 "600 customers to send"
head -150 customers.jsonl >probe.jsonl

cat >cycle.lua <<'LUA'
local customers = {}
for line in io.lines("customers.jsonl") do customers[#customers + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("POST", "/predict", {["Content-Type"] = "application/json"},
                    customers[(i % #customers) + 1])
end
LUA

cat >serve.yaml <<'YAML'
serve:
  variant:
    - challenger=churn@challenger:10
  shadow: churn@candidate
YAML

start_server serve.log --config serve.yaml --model churn@champion --reload-interval 0 \
  --prediction-log plog --shadow-queue 8 --shadow-window 500 --enable-fault-injection \
  --access-log off ||
  { cat serve.log; fail "server did not start"; finish; exit 1; }

# answers FILE [ID_PREFIX]: the bodies of the probe customers, one per line
# (request ids PREFIX-N when a prefix is given).
answers() {
  : >"$1"
  local n=0 id=()
  while IFS= read -r customer; do
    n=$((n + 1))
    [[ -n ${2-} ]] && id=(-H "X-Request-Id: $2-$n")
    http POST /predict "$customer" "${id[@]}"
    [[ $code == 200 ]] || echo "HTTP $code" >>"$1"
    cat "$WORK/body" >>"$1"
    echo >>"$1"
  done <probe.jsonl
}
# p50 and p99 latency of 4 s of wrk in ms ("p50 p99").
latency() {
  wrk --latency -t2 -c8 -d4s -s cycle.lua "$URL" >"$1" 2>&1
  awk '/^ +(50|99)%/ {
    v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
    ms = (u == "us") ? v / 1000 : (u == "s") ? v * 1000 : v; printf "%s ", ms }' "$1"
}
non2xx() { awk '/Non-2xx/ {print $NF}' "$1"; }
experiments() { http GET /experiments; cp "$WORK/body" experiments.json; }

http GET /experiments
expect_code 200 "GET /experiments"
expect_eq "$(jq -r '[.variants[] | .name + ":" + (.weight|tostring)] | join(",")' "$WORK/body")" \
  "primary:90,challenger:10" "/experiments: weights from the config file"
expect_eq "$(jq -r '.shadow.enabled, .shadow.ref, .shadow.version' "$WORK/body" | tr '\n' ' ')" \
  "true churn@candidate 3 " "/experiments: the shadow and its version"

# Healthy shadow: reference answers and latency, then the comparison.
answers healthy.txt
read -r base_p50 base_p99 <<<"$(latency wrk_healthy.txt)"
expect_eq "$(non2xx wrk_healthy.txt)" "" "no failed request with a healthy shadow"
wait_for "the shadow catches up" 30 bash -c \
  "curl -s $URL/experiments | jq -e '.shadow.queue_depth == 0 and .shadow.scored > 100'"
experiments
jq -e '.shadow.window.pairs > 100 and .shadow.window.agreement >= 0.8 and
       .shadow.window.agreement <= 1 and .shadow.window.spearman > 0.8 and
       .shadow.window.mean_abs_diff < 0.1 and .shadow.failed == 0' experiments.json >/dev/null &&
  pass || fail "agreement of two logistic models reported: $(jq -c .shadow experiments.json)"
echo "healthy shadow: p50 ${base_p50} ms p99 ${base_p99} ms;" \
  "$(jq -c '.shadow | {offered, dropped, scored, window}' experiments.json)"

# Slow shadow: 200 ms per call. Same bodies, latency far below 200 ms.
http POST /admin/faults/shadow '{"delay_ms":200}'
expect_code 200 "slow the shadow down"
http GET /admin/faults
expect_eq "$(jq -r .delay_ms "$WORK/body")" 0 "the primary's faults are untouched"
answers slow.txt
cmp -s healthy.txt slow.txt && pass || fail "a slow shadow changed answers: $(diff healthy.txt slow.txt | head -5)"
read -r slow_p50 slow_p99 <<<"$(latency wrk_slow.txt)"
expect_eq "$(non2xx wrk_slow.txt)" "" "no failed request with a slow shadow"
echo "slow shadow (200 ms): p50 ${slow_p50} ms p99 ${slow_p99} ms"
awk -v p99="$slow_p99" 'BEGIN { exit !(p99 > 0 && p99 < 100) }' && pass ||
  fail "p99 with a 200 ms shadow is ${slow_p99} ms: the shadow is on the request path"
awk -v s="$slow_p50" -v b="$base_p50" 'BEGIN { exit !(s > 0 && s < 3 * b + 2) }' && pass ||
  fail "p50 with a slow shadow ${slow_p50} ms vs ${base_p50} ms healthy: beyond noise"
experiments
jq -e '.shadow.dropped > 0' experiments.json >/dev/null && pass ||
  fail "a full shadow queue drops and counts: $(jq -c .shadow experiments.json)"

# Crashing shadow: every call fails. Same bodies; failures counted, own breaker.
http POST /admin/faults/shadow '{"delay_ms":0,"error_rate":1}'
expect_code 200 "make the shadow fail"
wait_for "the slow queue drains" 60 bash -c \
  "curl -s $URL/experiments | jq -e '.shadow.queue_depth == 0'"
answers crashing.txt
cmp -s healthy.txt crashing.txt && pass ||
  fail "a crashing shadow changed answers: $(diff healthy.txt crashing.txt | head -5)"
wait_for "shadow failures counted and its breaker open" 30 bash -c \
  "curl -s $URL/experiments | jq -e '.shadow.failed > 20 and .shadow.breaker == \"open\"'"
http GET /health
[[ $(jq -r .state "$WORK/body") != critical ]] && pass ||
  fail "a crashing shadow made the server critical: $(cat "$WORK/body")"
http GET /metrics
grep -q '^churnml_shadow_requests_total{outcome="failed"} [1-9]' "$WORK/body" && pass ||
  fail "churnml_shadow_requests_total counts failures"
grep -q '^churnml_circuit_breaker_state{breaker="model:shadow",state="open"} 1' "$WORK/body" && pass ||
  fail "the shadow's breaker is exported"
for metric in churnml_shadow_agreement_ratio churnml_shadow_rank_correlation \
  churnml_shadow_score_abs_diff_mean 'churnml_shadow_info{model="churn",version="3"}'; do
  grep -q "^$metric" "$WORK/body" && pass || fail "/metrics has $metric"
done
http POST /admin/faults/shadow '{"delay_ms":0,"error_rate":0}'
expect_code 200 "heal the shadow"

# SIGHUP under load: challenger 10% -> 50%, shadow off; zero non-2xx.
wrk -t2 -c8 -d8s -s cycle.lua "$URL" >wrk_reload.txt 2>&1 &
wrk_pid=$!
sleep 2
cat >serve.yaml <<'YAML'
serve:
  variant: [challenger=churn@challenger:50]
  shadow: off
YAML
kill -HUP "$SERVER_PID"
wait_for "the reload is applied" 30 bash -c \
  "curl -s $URL/experiments | jq -e '.reloads.applied == 1'"
wait "$wrk_pid"
expect_eq "$(non2xx wrk_reload.txt)" "" "no failed request across the SIGHUP reload"
grep -q "Socket errors" wrk_reload.txt && fail "socket errors during the reload: $(cat wrk_reload.txt)" || pass
reload_requests=$(awk '/requests in/ {print $1}' wrk_reload.txt)
((reload_requests > 500)) && pass || fail "wrk ran during the reload: $(cat wrk_reload.txt)"
experiments
expect_eq "$(jq -r '[.variants[] | .name + ":" + (.weight|tostring)] | join(",")' experiments.json)" \
  "primary:50,challenger:50" "weights after the reload"
expect_eq "$(jq -r .shadow.enabled experiments.json)" false "shadow off after the reload"
grep -q 'SIGHUP: serve.yaml: challenger 10% -> 50%; shadow churn@candidate -> off' serve.log && pass ||
  fail "the reload is logged: $(grep SIGHUP serve.log)"
# The split now sends about half of the customers to the challenger.
hits=0
for ((i = 0; i < 400; i++)); do
  http POST /predict "$(sed -n "$((i + 1))p" customers.jsonl)"
  [[ $(jq -r .variant "$WORK/body") == challenger ]] && hits=$((hits + 1))
done
# Binomial(400, 0.5): within 5 standard deviations (10).
((hits > 150 && hits < 250)) && pass || fail "50/50 split after the reload: $hits of 400 on the challenger"

# A bad file changes nothing and is counted.
printf 'serve:\n  variant: [newcomer=churn@champion:5]\n  shadow: churn@candidate\n' >serve.yaml
kill -HUP "$SERVER_PID"
wait_for "the failed reload is counted" 30 bash -c \
  "curl -s $URL/experiments | jq -e '.reloads.failed == 1'"
experiments
expect_eq "$(jq -r '.variants[1].weight, .shadow.enabled' experiments.json | tr '\n' ' ')" "50 false " \
  "a failed reload changes nothing"
jq -r .reloads.last_error experiments.json | grep -q "variant newcomer was not started" && pass ||
  fail "the failed reload says why: $(jq -c .reloads experiments.json)"
# The shadow back on by SIGHUP.
printf 'serve:\n  shadow: churn@candidate\n' >serve.yaml
kill -HUP "$SERVER_PID"
wait_for "the shadow is back" 30 bash -c \
  "curl -s $URL/experiments | jq -e '.shadow.enabled and .reloads.applied == 2'"
answers back.txt back
wait_for "the shadow scores again" 30 bash -c \
  "curl -s $URL/experiments | jq -e '.shadow.window.pairs >= 100'"

stop_server
expect_eq "$status" 0 "server drained and exited 0"

# The prediction log: shadow pairs joined with the answers, no features.
cat plog/predictions*.jsonl >all.jsonl
shadow_lines=$(jq -c 'select(.record == "shadow")' all.jsonl | wc -l)
((shadow_lines > 100)) && pass || fail "shadow records in the prediction log: $shadow_lines"
expect_eq "$(jq -r 'select(.record == "shadow") | keys | join(",")' all.jsonl | sort -u)" \
  "customer_id,prediction,record,request_id,score,shadow_model,shadow_prediction,shadow_score,shadow_version,ts,variant" \
  "a shadow record's fields"
# Each pair's score is the answer logged for the same request and customer
# (the last probes, sent after the load: no log line was dropped for them).
jq -r 'select(.record == null and (.request_id | startswith("back-"))) | .request_id + " " + .customer_id + " " + (.score|tostring)' all.jsonl |
  sort >answers.idx
jq -r 'select(.record == "shadow" and (.request_id | startswith("back-"))) | .request_id + " " + .customer_id + " " + (.score|tostring)' all.jsonl |
  sort >pairs.idx
(($(wc -l <pairs.idx) >= 100)) && pass || fail "shadow pairs of the last probes: $(wc -l <pairs.idx)"
expect_eq "$(comm -13 answers.idx pairs.idx | wc -l)" 0 "every shadow pair joins a logged answer"
expect_eq "$(jq -r 'select(.features != null)' all.jsonl | wc -l)" 0 "no features without --log-features"
run c experiments report --log plog --outcomes holdout.csv --json
expect_status 0 "experiments report reads a log with shadow records"
expect_eq "$(jq -r .skipped_lines "$WORK/out")" 0 "shadow records are not skipped as torn"

# --log-features: the raw features beside the answer.
start_server serve2.log --model churn@champion --reload-interval 0 --prediction-log flog \
  --log-features --access-log off || { cat serve2.log; fail "server 2 did not start"; }
http POST /predict "$(head -1 customers.jsonl)"
expect_code 200 "predict with --log-features"
stop_server
line=$(head -1 flog/predictions.jsonl)
expect_eq "$(jq -r '.features.Contract' <<<"$line")" "$(head -1 customers.jsonl | jq -r .Contract)" \
  "the log holds the customer's Contract"
expect_eq "$(jq -r '.features.tenure' <<<"$line")" "$(head -1 customers.jsonl | jq -r .tenure)" \
  "the log holds the customer's tenure"
expect_eq "$(jq -r '.features | has("customerID") or has("Churn")' <<<"$line")" false \
  "features hold feature columns only"

finish
