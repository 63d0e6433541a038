#!/usr/bin/env bash
# Live drift in `churnml serve`: customers scored through /predict/batch
# (and the Open Inference Protocol) are binned into the served model's
# reference profile; unshifted traffic keeps churnml_score_drift_psi low,
# shifted traffic (`data generate --shift 1`) drives it and the feature PSI
# over 0.25 on /metrics, GET /drift reports drift in `churnml drift --json`'s
# shape, /metrics still passes promtool, a hot swap restarts the window, and
# `--drift-window 0` turns it off.
source "$(dirname "$0")/lib.sh"

for tool in curl jq promtool; do  # scripts/bootstrap.sh installs them
  command -v "$tool" >/dev/null || { echo "$tool missing (run scripts/bootstrap.sh)"; exit 2; }
done

c() { "$CHURNML" "$@"; }  # the default store in $WORK, as serve uses

run c data generate --rows 6000 --seed 1 --out train.csv; expect_status 0 "generate train"
run c data generate --rows 2000 --seed 3 --out same.csv; expect_status 0 "generate same"
run c data generate --rows 2000 --seed 2 --shift 1 --out shifted.csv; expect_status 0 "generate shifted"
run c train --data train.csv --register churn --alias champion; expect_status 0 "train"

# batch_files CSV PREFIX: splits CSV into /predict/batch bodies of 500
# customers, PREFIX.0.json, PREFIX.1.json, … (numbers as JSON numbers).
batch_files() {
  tail -n +2 "$1" | split -l 500 -d -a 2 - "$2."
  local part
  for part in "$2".[0-9][0-9]; do
    jq -R -s -c --arg header "$(head -1 "$1")" '
      ($header | split(",")) as $names
      | {customers: [split("\n")[] | select(length > 0) | split(",")
          | [$names, .] | transpose | map({(.[0]): (.[1] | tonumber? // .)}) | add]}' \
      "$part" >"$part.json"
    rm "$part"
  done
}
batch_files same.csv same
batch_files shifted.csv shifted

post_batches() {  # post_batches PREFIX: posts every batch; counts failures
  local f failed=0
  for f in "$1".*.json; do
    code=$(curl -s -o "$WORK/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
      --data-binary @"$f" "$URL/predict/batch")
    [[ $code == 200 ]] || failed=$((failed + 1))
  done
  expect_eq "$failed" 0 "batches of $1 answered 200"
}

metric() {  # metric NAME_WITH_LABELS: its value on /metrics, or empty
  curl -s "$URL/metrics" | awk -v name="$1" '$1 == name {print $2}'
}

start_server server.log --model churn@champion --drift-window 1h --drift-min-rows 1000 \
  --reload-interval 0.3 --access-log off ||
  { cat server.log; fail "server did not start"; finish; exit 1; }
pass

# --- before any traffic: the window is empty, no PSI yet ---
expect_eq "$(metric churnml_drift_window_rows)" 0 "empty window"
expect_eq "$(metric churnml_drift_enabled)" 1 "drift enabled for a model with a profile"
expect_eq "$(metric churnml_score_drift_psi)" "" "no PSI below --drift-min-rows"
http GET /drift
expect_code 200 "/drift with an empty window"
expect_eq "$(jq -r .window.sufficient_rows "$WORK/body")" false "too few rows for PSI"

# --- unshifted traffic stays low ---
post_batches same
expect_eq "$(metric churnml_drift_window_rows)" 2000 "every scored customer counted"
psi=$(metric churnml_score_drift_psi)
expect_eq "$(awk -v p="$psi" 'BEGIN {print (p != "" && p < 0.1)}')" 1 "score PSI on unshifted traffic < 0.1 (got '$psi')"
contract=$(metric 'churnml_feature_drift_psi{feature="Contract"}')
expect_eq "$(awk -v p="$contract" 'BEGIN {print (p != "" && p < 0.1)}')" 1 "Contract PSI unshifted < 0.1 (got '$contract')"
http GET /drift
expect_code 200 "/drift"
expect_eq "$(jq -r .dataset_drift "$WORK/body")" false "no drift on unshifted traffic"

# The offline command on the same rows agrees with the live window.
run c drift --model churn@champion --data same.csv --json --fail-on never
expect_status 0 "offline drift"
offline=$(jq -r .score.psi "$WORK/out")
live=$(jq -r .score.psi "$WORK/body")
expect_eq "$(awk -v a="$offline" -v b="$live" 'BEGIN {d = a - b; print (d < 1e-9 && d > -1e-9)}')" 1 \
  "live score PSI equals churnml drift's on the same rows ($live vs $offline)"
expect_eq "$(jq -c 'keys' "$WORK/out" | jq -c '. - ["timings"]' | jq -r 'length > 5')" true "offline report has fields"
missing=$(jq -r --slurpfile live "$WORK/body" 'keys - ($live[0] | keys) | join(",")' "$WORK/out")
expect_eq "$missing" "" "GET /drift has every field of churnml drift --json"

# --- shifted traffic: PSI over 0.25, the report says drift ---
# A fresh server so the window holds shifted customers only.
stop_server
start_server server2.log --model churn@champion --drift-window 1h --drift-min-rows 1000 \
  --reload-interval 0.3 --access-log off ||
  { cat server2.log; fail "server 2 did not start"; finish; exit 1; }
post_batches shifted
# One customer through the Open Inference Protocol counts too.
infer=$(jq -c '.customers[0] | del(.Churn) | {id: "d1", inputs: [to_entries[] | select(.key != "customerID") |
  {name: .key, shape: [2], datatype: (if (.value|type) == "number" then (if .key == "MonthlyCharges" or .key == "TotalCharges" then "FP64" else "INT64" end) else "BYTES" end),
   data: [.value, .value]}]}' shifted.00.json)
http POST /v2/models/churn/infer "$infer"
expect_code 200 "infer"
expect_eq "$(metric churnml_drift_window_rows)" 2002 "rows scored by /predict/batch and infer counted"
psi=$(metric churnml_score_drift_psi)
expect_eq "$(awk -v p="$psi" 'BEGIN {print (p != "" && p > 0.25)}')" 1 "score PSI on shifted traffic > 0.25 (got '$psi')"
contract=$(metric 'churnml_feature_drift_psi{feature="Contract"}')
expect_eq "$(awk -v p="$contract" 'BEGIN {print (p != "" && p > 0.25)}')" 1 "Contract PSI shifted > 0.25 (got '$contract')"
http GET /drift
expect_code 200 "/drift shifted"
expect_eq "$(jq -r .dataset_drift "$WORK/body")" true "/drift reports dataset drift"
expect_eq "$(jq -r .score_drift "$WORK/body")" true "/drift reports score drift"
expect_eq "$(jq -r '.features[] | select(.name == "Contract") | .drifted' "$WORK/body")" true "Contract drifted"
http GET /metrics
if promtool check metrics <"$WORK/body" >promtool.out 2>&1; then pass; else
  fail "promtool check metrics: $(head -c 800 promtool.out)"
fi

# --- a hot swap restarts the window against the new version's profile ---
run c train --data shifted.csv --register churn; expect_status 0 "train version 2"
run c models alias set churn champion 2; expect_status 0 "move champion"
swapped=0
for ((i = 0; i < 100; i++)); do
  if grep -q "model swapped" server2.log; then swapped=1; break; fi
  sleep 0.2
done
expect_eq "$swapped" 1 "server swapped to version 2"
sleep 0.3
expect_eq "$(metric churnml_drift_window_rows)" 0 "the window restarts on a swap"
http GET /drift
expect_eq "$(jq -r .window.version "$WORK/body")" 2 "/drift names the new version"
post_batches shifted
psi=$(metric churnml_score_drift_psi)
expect_eq "$(awk -v p="$psi" 'BEGIN {print (p != "" && p < 0.1)}')" 1 "shifted traffic against a model trained on it is stable (got '$psi')"
stop_server
expect_status 0 "server 2 exits 0"

# --- a model without a profile: drift disabled, /drift says so ---
dir=$(c models show churn --json | jq -r '.versions[] | select(.version == 1) | .artifact_path')
cp -r "$dir" old-model
rm old-model/profile.json
jq 'del(.files["profile.json"])' old-model/model.json >m.json && mv m.json old-model/model.json
start_server server3.log --model "$WORK/old-model" --access-log off ||
  { cat server3.log; fail "server 3 did not start"; finish; exit 1; }
post_batches same
expect_eq "$(metric churnml_drift_enabled)" 0 "drift disabled without a profile"
expect_eq "$(metric churnml_score_drift_psi)" "" "no PSI without a profile"
http GET /drift
expect_code 404 "/drift without a profile"
expect_eq "$(jq -r .drift_enabled "$WORK/body")" false "/drift says drift is disabled"
expect_contains "$WORK/body" "profile" "/drift says why"
stop_server

# --- --drift-window 0: off ---
start_server server4.log --model churn@champion --drift-window 0 --access-log off ||
  { cat server4.log; fail "server 4 did not start"; finish; exit 1; }
expect_eq "$(metric churnml_drift_window_rows)" "" "no drift metrics when off"
http GET /drift
expect_code 404 "/drift when off"
expect_contains "$WORK/body" "live drift is off" "/drift says it is off"
stop_server
run c serve --model churn@champion --drift-window soon --port 0
expect_status 2 "bad --drift-window"
expect_one_line_error "bad --drift-window"
expect_contains "$WORK/err" "--drift-window" "the error names the flag"

finish
