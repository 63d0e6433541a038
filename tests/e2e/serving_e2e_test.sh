#!/usr/bin/env bash
# `churnml serve` as clients and operators use it: every endpoint and error
# status over real HTTP (curl), API keys and rate limits, the Open Inference
# Protocol shapes, `promtool check metrics` on /metrics, a hot swap under
# concurrent load with no failed request, a broken version that is refused,
# and SIGTERM draining an in-flight request.
source "$(dirname "$0")/lib.sh"

for tool in curl wrk promtool; do  # scripts/bootstrap.sh installs them
  command -v "$tool" >/dev/null || { echo "$tool missing (run scripts/bootstrap.sh)"; exit 2; }
done

CUSTOMER='{"customerID":"7590-VHVEG","gender":"Female","SeniorCitizen":0,"Partner":"Yes","Dependents":"No","tenure":1,"PhoneService":"No","MultipleLines":"No phone service","InternetService":"DSL","OnlineSecurity":"No","OnlineBackup":"Yes","DeviceProtection":"No","TechSupport":"No","StreamingTV":"No","StreamingMovies":"No","Contract":"Month-to-month","PaperlessBilling":"Yes","PaymentMethod":"Electronic check","MonthlyCharges":29.85,"TotalCharges":"29.85"}'
KEY=k3y-for-the-e2e-test-0123456789abcdef
printf '# test key\n%s\n' "$KEY" >keys.txt
chmod 600 keys.txt
AUTH=(-H "Authorization: Bearer $KEY")

run "$CHURNML" data generate --rows 3000 --seed 11 --out d.csv
run "$CHURNML" train --data d.csv --register churn --alias champion --json
expect_status 0 "train version 1"
run "$CHURNML" train --data d.csv --seed 5 --register churn --json
expect_status 0 "train version 2"

# --- refuses to start with a short key, naming why, not the key ---
echo "short-key" >short.txt
run "$CHURNML" serve --model churn@champion --api-key-file short.txt --port 0
expect_status 2 "short API key"
expect_contains "$WORK/err" "32" "error says keys need 32 characters"
if grep -q "short-key" "$WORK/err"; then fail "the error printed the key"; else pass; fi

start_server server.log --model churn@champion --api-key-file keys.txt --reload-interval 0.2 \
  --access-log access.log --max-body-bytes 65536 --enable-fault-injection ||
  { cat server.log; fail "server did not start"; finish; exit 1; }
pass

# --- open endpoints need no key ---
http GET /health
expect_code 200 "/health"
expect_eq "$(jq -r .status "$WORK/body")" healthy "/health state"
http GET /ready
expect_code 200 "/ready"
http GET /v2/health/live
expect_code 200 "/v2/health/live"
http GET /v2/health/ready
expect_code 200 "/v2/health/ready"

# --- auth ---
http POST /predict "$CUSTOMER"
expect_code 401 "no key"
expect_header WWW-Authenticate "401 challenges"
http POST /predict "$CUSTOMER" -H "Authorization: Bearer wrong-key-wrong-key-wrong-key-wrong"
expect_code 401 "wrong key"
expect_contains server.log "authentication failed" "failed attempt logged"
if grep -q "wrong-key" server.log; then fail "a presented key reached the log"; else pass; fi

# --- one prediction ---
http POST /predict "$CUSTOMER" "${AUTH[@]}" -H "X-Request-Id: e2e-req-1"
expect_code 200 "/predict"
expect_eq "$(jq -r .customerID "$WORK/body")" 7590-VHVEG "customerID echoed"
expect_eq "$(jq -r '.probability >= 0 and .probability <= 1' "$WORK/body")" true "probability in [0,1]"
expect_eq "$(jq -r '.prediction == 0 or .prediction == 1' "$WORK/body")" true "prediction is a class"
expect_eq "$(jq -r .model "$WORK/body")" churn "model name"
expect_eq "$(jq -r .version "$WORK/body")" 1 "model version"
expect_contains "$WORK/headers" "e2e-req-1" "X-Request-Id honoured"
for h in X-Content-Type-Options X-Frame-Options Content-Security-Policy Referrer-Policy; do
  expect_header "$h" "security header"
done
expect_contains access.log '"request_id":"e2e-req-1"' "access log has the request id"
expect_contains access.log '"route":"/predict"' "access log has the route"

# --- bad input: each status and a body naming the fields ---
http POST /predict '{"tenure": ' "${AUTH[@]}"
expect_code 400 "invalid JSON"
expect_contains "$WORK/body" "invalid JSON" "400 body"
bad=$(jq -c '.tenure="ten" | .Contract="Weekly" | .MonthlyCharges=-5 | del(.gender)' <<<"$CUSTOMER")
http POST /predict "$bad" "${AUTH[@]}"
expect_code 422 "bad fields"
fields=$(jq -r '[.fields[].field] | sort | join(",")' "$WORK/body")
expect_eq "$fields" "Contract,MonthlyCharges,gender,tenure" "422 lists every offending field"
bad=$(jq -c '.Contract="Weekly" | .MonthlyCharges=-5' <<<"$CUSTOMER")
http POST /predict "$bad" "${AUTH[@]}"
expect_code 422 "unknown category and out of range"
fields=$(jq -r '[.fields[].field] | sort | join(",")' "$WORK/body")
expect_eq "$fields" "Contract,MonthlyCharges" "422 lists every value problem"
head -c 70000 /dev/zero | tr '\0' 'x' >big.json
http POST /predict "@big.json" "${AUTH[@]}"
expect_code 413 "body over the limit"
http GET /nowhere "" "${AUTH[@]}"
expect_code 404 "unknown route"
http GET /predict "" "${AUTH[@]}"
expect_code 405 "wrong method"
expect_header Allow "405 says what is allowed"

# --- batch: one bad row does not fail the batch ---
batch=$(jq -c '{customers: [., (.tenure = -1), (.customerID = "X2")]}' <<<"$CUSTOMER")
http POST /predict/batch "$batch" "${AUTH[@]}"
expect_code 200 "batch"
expect_eq "$(jq -r '.results | length' "$WORK/body")" 3 "three results"
expect_eq "$(jq -r '.results[1].fields[0].field' "$WORK/body")" tenure "row 2's error names tenure"
expect_eq "$(jq -r '.results[2].customerID' "$WORK/body")" X2 "row 3 scored"

# --- Open Inference Protocol ---
http GET /v2 "" "${AUTH[@]}"
expect_code 200 "/v2"
expect_eq "$(jq -r .name "$WORK/body")" churnml "server metadata"
http GET /v2/models/churn "" "${AUTH[@]}"
expect_code 200 "model metadata"
expect_eq "$(jq -r '[.inputs[] | select(.name == "Contract") | .datatype][0]' "$WORK/body")" BYTES "categorical input is BYTES"
http GET /v2/models/churn/versions/1/ready "" "${AUTH[@]}"
expect_code 200 "version ready"
http GET /v2/models/other "" "${AUTH[@]}"
expect_code 404 "unknown model"
infer=$(jq -c '.TotalCharges |= tonumber | {id: "r1", inputs: [to_entries[] | select(.key != "customerID") |
  {name: .key, shape: [2], datatype: (if (.value|type) == "number" then (if .key == "MonthlyCharges" or .key == "TotalCharges" then "FP64" else "INT64" end) else "BYTES" end),
   data: [.value, .value]}]}' <<<"$CUSTOMER")
http POST /v2/models/churn/infer "$infer" "${AUTH[@]}"
expect_code 200 "infer"
expect_eq "$(jq -r '.outputs | map(.name) | sort | join(",")' "$WORK/body")" "prediction,probability" "infer outputs"
expect_eq "$(jq -r '.outputs[] | select(.name == "probability") | .shape[0]' "$WORK/body")" 2 "infer batch of 2"
expect_eq "$(jq -r .id "$WORK/body")" r1 "infer id echoed"
http POST /v2/models/churn/infer '{"inputs": [{"name": "tenure", "shape": [1], "datatype": "INT64", "data": [1, 2]}]}' "${AUTH[@]}"
expect_code 400 "malformed infer"
expect_contains "$WORK/body" '"error"' "OIP error body"

# --- /info, /metrics and promtool ---
http GET /info "" "${AUTH[@]}"
expect_code 200 "/info"
expect_eq "$(jq -r .model.version "$WORK/body")" 1 "/info version"
http GET /metrics
expect_code 200 "/metrics open"
if promtool check metrics <"$WORK/body" >promtool.out 2>&1; then pass; else
  fail "promtool check metrics: $(head -c 800 promtool.out)"
fi
expect_contains "$WORK/body" 'churnml_http_requests_total{' "request counter"
expect_contains "$WORK/body" 'churnml_predictions_total{' "prediction counter"
expect_contains "$WORK/body" 'churnml_model_info{' "model info"

# --- hot swap under load: every answer 200, tagged with its version ---
load() {  # load FILE: sequential predictions until stop.flag exists
  while [[ ! -e stop.flag ]]; do
    curl -s -w ' %{http_code}\n' -H 'Content-Type: application/json' "${AUTH[@]}" \
      --data-binary "$CUSTOMER" "$URL/predict" >>"$1"
  done
}
rm -f stop.flag
load load1.txt &
l1=$!
load load2.txt &
l2=$!
cat >post.lua <<LUA
wrk.method = "POST"
wrk.body = '$CUSTOMER'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $KEY"
LUA
wrk -t1 -c16 -d3s -s post.lua "$URL/predict" >wrk.out 2>&1 &
w=$!
sleep 0.7
run "$CHURNML" models alias set churn champion 2
expect_status 0 "move champion to version 2"
for ((i = 0; i < 50; i++)); do
  http GET /info "" "${AUTH[@]}"
  [[ $(jq -r .model.version "$WORK/body") == 2 ]] && break
  sleep 0.1
done
expect_eq "$(jq -r .model.version "$WORK/body")" 2 "swapped to version 2"
sleep 0.5
touch stop.flag
wait $l1 $l2
wait "$w"
cat load1.txt load2.txt >load.txt
total=$(wc -l <load.txt)
ok=$(grep -c ' 200$' load.txt)
expect_eq "$ok" "$total" "every request during the swap answered 200"
versions=$(sed 's/ [0-9]*$//' load.txt | jq -r .version | sort -u | tr '\n' ' ')
expect_eq "$versions" "1 2 " "answers tagged with version 1, then 2"
for f in load1.txt load2.txt; do  # per client, 2 never goes back to 1
  seq=$(sed 's/ [0-9]*$//' "$f" | jq -r .version | uniq | tr '\n' ' ')
  expect_eq "$seq" "1 2 " "client sees 1 then 2 ($f)"
done
if grep -q "Non-2xx" wrk.out || grep -q "Socket errors" wrk.out; then
  fail "wrk saw errors during the swap: $(cat wrk.out)"
elif grep -q "requests in" wrk.out; then pass; else
  fail "wrk did not run: $(cat wrk.out)"
fi
expect_contains server.log "model swapped: version 1 -> 2" "swap logged"

# --- a broken version is not swapped in ---
run "$CHURNML" train --data d.csv --seed 9 --register churn --json
expect_status 0 "train version 3"
broken=$(json_field "$WORK/out" .artifact)
echo '{ not json' >"$broken/model.json"
run "$CHURNML" models alias set churn champion 3
for ((i = 0; i < 50; i++)); do
  grep -q "model reload failed for version 3" server.log && break
  sleep 0.1
done
expect_contains server.log "model reload failed for version 3; still serving version 2" "failed swap logged"
http POST /predict "$CUSTOMER" "${AUTH[@]}"
expect_code 200 "still answering"
expect_eq "$(jq -r .version "$WORK/body")" 2 "still version 2"
http GET /metrics
expect_contains "$WORK/body" 'churnml_model_reloads_total{result="failure"}' "failed reload counted"
run "$CHURNML" models alias set churn champion 2

# --- SIGTERM drains the request in flight ---
http POST /admin/faults '{"delay_ms": 800}' "${AUTH[@]}"
expect_code 200 "inject an 800 ms model delay"
curl -s -o slow.json -w '%{http_code}' -H 'Content-Type: application/json' "${AUTH[@]}" \
  --data-binary "$CUSTOMER" "$URL/predict" >slow.code &
c=$!
sleep 0.3
stop_server
expect_status 0 "server exits 0 after SIGTERM"
wait $c
expect_eq "$(cat slow.code)" 200 "in-flight request answered during the drain"
expect_eq "$(jq -r .version slow.json)" 2 "drained answer is a real prediction"
if curl -s -o /dev/null "$URL/health"; then fail "server still accepting after SIGTERM"; else pass; fi

# --- rate limits per key ---
start_server limited.log --model churn@champion --api-key-file keys.txt --rate-limit 0.01 \
  --rate-burst 3 --access-log off || { cat limited.log; fail "limited server did not start"; }
for i in 1 2 3; do
  http POST /predict "$CUSTOMER" "${AUTH[@]}"
  expect_code 200 "request $i within the burst"
done
expect_header X-RateLimit-Limit "rate limit headers"
expect_eq "$(grep -i '^X-RateLimit-Remaining:' "$WORK/headers" | tr -d '\r' | awk '{print $2}')" 0 "burst used up"
http POST /predict "$CUSTOMER" "${AUTH[@]}"
expect_code 429 "over the limit"
expect_header Retry-After "429 says when to retry"
http GET /health
expect_code 200 "health is not rate limited"
stop_server

# --- the demo ends by checking the champion serves, then says how to serve it
# (stdout is not a terminal here, so it does not keep serving) ---
run "$CHURNML" demo --workdir demo --rows 2000 --port 0 </dev/null
expect_status 0 "demo"
expect_contains "$WORK/err" "7/7 checking that churn@champion serves" "demo serves the champion"
expect_contains "$WORK/out" "curl -s -X POST http://127.0.0.1:" "demo prints a curl command"
answer=$(sed -n 's/^Self-check: *POST \/predict answered //p' "$WORK/out")
expect_eq "$(jq -r '.probability >= 0 and .probability <= 1' <<<"$answer")" true "demo's own request was answered"

finish
