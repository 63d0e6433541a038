#!/usr/bin/env bash
# A/B experiments in `churnml serve` (docs/serving.md, "Experiments"): with
# --variant challenger=churn@challenger:10, customers are split 90/10 within
# statistical bounds and sticky (every request of a customer gets the same
# variant; a request without an id is sticky by its request id); answers,
# the X-Churnml-Variant header, /info, /metrics and the access log name the
# variant; --prediction-log writes one line per answered customer (rotated,
# bounded), a torn last line is skipped on read, and `churnml experiments
# report` joins real outcomes and compares the variants (AUC, CI, test).
source "$(dirname "$0")/lib.sh"

for tool in curl jq wrk; do
  command -v "$tool" >/dev/null || { echo "$tool missing (run scripts/bootstrap.sh)"; exit 2; }
done

c() { "$CHURNML" "$@"; }

run c data generate --rows 4000 --seed 5 --out train.csv; expect_status 0 "generate train"
run c data generate --rows 3000 --seed 6 --out holdout.csv; expect_status 0 "generate holdout"
run c train --data train.csv --model logistic --register churn --alias champion
expect_status 0 "train the champion (logistic)"
run c train --data train.csv --model xgboost --register churn --alias challenger
expect_status 0 "train the challenger (xgboost)"

# One JSON customer per line, numbers as JSON numbers, Churn left out.
tail -n +2 holdout.csv | jq -R -c --arg header "$(head -1 holdout.csv)" '
  ($header | split(",")) as $names | split(",") | [$names, .] | transpose
  | map({(.[0]): (.[1] | tonumber? // .)}) | add | del(.Churn)' >customers.jsonl
expect_eq "$(wc -l <customers.jsonl)" 3000 "3000 customers to send"

cat >cycle.lua <<'LUA'
-- POST /predict cycling through customers.jsonl (every customer many times).
local customers = {}
for line in io.lines("customers.jsonl") do customers[#customers + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("POST", "/predict", {["Content-Type"] = "application/json"},
                    customers[(i % #customers) + 1])
end
LUA

start_server serve.log --model churn@champion --variant challenger=churn@challenger:10 \
  --prediction-log plog --prediction-log-max-mb 0.5 --prediction-log-files 4 \
  --access-log access.log --reload-interval 0 ||
  { cat serve.log; fail "server did not start"; finish; exit 1; }

http POST /predict "$(head -1 customers.jsonl)"
expect_code 200 "predict with variants"
first_variant=$(jq -r .variant "$WORK/body")
[[ $first_variant == primary || $first_variant == challenger ]] && pass ||
  fail "answer names its variant: $(cat "$WORK/body")"
grep -qi "^X-Churnml-Variant: $first_variant" "$WORK/headers" && pass ||
  fail "X-Churnml-Variant header: $(cat "$WORK/headers")"
for i in 1 2 3; do
  http POST /predict "$(head -1 customers.jsonl)"
  expect_eq "$(jq -r .variant "$WORK/body")" "$first_variant" "same customer, same variant ($i)"
done
# Without a customer id the request id decides, and stays sticky.
anon=$(head -1 customers.jsonl | jq -c 'del(.customerID)')
http POST /predict "$anon" -H 'X-Request-Id: anon-request-1'
anon_variant=$(jq -r .variant "$WORK/body")
http POST /predict "$anon" -H 'X-Request-Id: anon-request-1'
expect_eq "$(jq -r .variant "$WORK/body")" "$anon_variant" "no id: sticky by request id"

http GET /info
expect_eq "$(jq -r '[.variants[].name] | join(",")' "$WORK/body")" "primary,challenger" "/info lists the variants"
expect_eq "$(jq -r '.variants[1].weight' "$WORK/body")" 10 "/info: challenger weight"
expect_eq "$(jq -r '.variants[0].version' "$WORK/body")" 1 "/info: primary serves version 1"
expect_eq "$(jq -r '.variants[1].version' "$WORK/body")" 2 "/info: challenger serves version 2"

wrk -t2 -c8 -d6s -s cycle.lua "$URL" >wrk.txt 2>&1
requests=$(awk '/requests in/ {print $1}' wrk.txt)
non2xx=$(awk '/Non-2xx/ {print $NF}' wrk.txt)
expect_eq "${non2xx:-0}" 0 "no failed request under load ($requests requests)"
((requests > 6000)) && pass || fail "every customer sent at least twice: only $requests requests"

http GET /metrics
grep -q '^churnml_variant_predictions_total{class="[01]",variant="challenger"}' "$WORK/body" && pass ||
  fail "churnml_variant_predictions_total has the challenger"
grep -q '^churnml_variant_info{model="churn",variant="challenger",version="2"} 1' "$WORK/body" && pass ||
  fail "churnml_variant_info names the challenger's version"
grep -q '^churnml_circuit_breaker_state{breaker="model:challenger",state="closed"} 1' "$WORK/body" &&
  pass || fail "the challenger has its own breaker"

stop_server
expect_eq "$status" 0 "server drained and exited 0"
grep -q '"variant":"challenger"' access.log && pass || fail "access log names the variant"

# The prediction log: bounded files, one variant per customer, a 90/10 split.
files=$(ls plog/predictions*.jsonl | wc -l)
((files >= 1 && files <= 4)) && pass || fail "1-4 log files, found $files"
big=$(find plog -name 'predictions*.jsonl' -size +600k | wc -l)
expect_eq "$big" 0 "no log file over its 0.5 MiB bound (plus one line)"
cat plog/predictions*.jsonl >all.jsonl
jq -r 'select(.customer_id != "") | .customer_id + " " + .variant' all.jsonl | sort -u >pairs.txt
customers=$(cut -d' ' -f1 pairs.txt | sort -u | wc -l)
expect_eq "$(wc -l <pairs.txt)" "$customers" "every customer saw exactly one variant"
challenger=$(grep -c ' challenger$' pairs.txt)
# Binomial(customers, 0.1): within 5 standard deviations of 10%.
awk -v n="$customers" -v k="$challenger" 'BEGIN {
  sd = sqrt(n * 0.1 * 0.9); exit !(n >= 2000 && k > n * 0.1 - 5 * sd && k < n * 0.1 + 5 * sd) }' &&
  pass || fail "90/10 split: $challenger of $customers customers on the challenger"
expect_eq "$(jq -r 'select(.variant == "challenger") | .version' all.jsonl | sort -u | tr '\n' ' ')" "2 " \
  "challenger lines carry version 2"
keys=$(head -1 all.jsonl | jq -r 'keys | join(",")')
expect_eq "$keys" "customer_id,model,prediction,request_id,score,ts,variant,version" \
  "a log line holds no customer data"

# A torn last line (a crash mid-write) is skipped.
newest=plog/predictions.jsonl
printf '{"ts":"2026-12-03T00:00:00Z","request_id":"torn","customer_id":"77' >>"$newest"
run c experiments report --log plog --outcomes holdout.csv --json --html ab.html
expect_status 0 "experiments report"
report=report.json; cp "$WORK/out" report.json
expect_eq "$(jq -r '.skipped_lines' "$report")" 1 "the torn line is skipped"
expect_eq "$(jq -r '[.variants[].variant] | join(",")' "$report")" "primary,challenger" "both variants"
jq -e '.variants[] | .roc_auc > 0.6 and .ci95[0] < .roc_auc and .roc_auc < .ci95[1]' "$report" >/dev/null &&
  pass || fail "an AUC inside its CI per variant: $(cat "$report")"
jq -e '.comparisons[0] | .variant == "challenger" and (.p_value >= 0 and .p_value <= 1)' "$report" >/dev/null &&
  pass || fail "challenger vs primary comparison"
expect_eq "$(jq -r '.customers_joined' "$report")" "$customers" "every logged customer joined an outcome"
expect_contains ab.html "Against the primary" "HTML report written"
grep -q '<script\|http://\|https://' ab.html && fail "HTML page loads nothing" || pass

run c experiments report --log plog --outcomes train.csv
expect_status 2 "no overlap between log and outcomes is an error"
expect_one_line_error "no overlap"
expect_contains "$WORK/err" "has an outcome" "the error says what is missing"

finish
