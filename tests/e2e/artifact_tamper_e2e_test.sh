#!/usr/bin/env bash
# Damaged and hostile model artifacts, as an attacker with write access to
# the store's artifact folder (or a careless operator) would make them:
#  - a registered version whose trees were swapped and whose model.json was
#    edited to match is refused by a running server when its alias moves to
#    it (the old version keeps answering, no request fails, the refusal is
#    logged and counted); a restart on that alias and predict/evaluate refuse
#    it with one line and exit 2;
#  - hand-made artifacts (checksums in model.json made to match) with a child
#    index out of range, a node pointing at itself, a huge tree count, another
#    objective, swapped liblinear labels, positive_rate 5 or threshold 1e308
#    are refused by predict with one line and exit 2 — no crash, no hang.
source "$(dirname "$0")/lib.sh"

for tool in curl jq sha256sum timeout; do
  command -v "$tool" >/dev/null || { echo "$tool missing (run scripts/bootstrap.sh)"; exit 2; }
done

CUSTOMER='{"customerID":"7590-VHVEG","gender":"Female","SeniorCitizen":0,"Partner":"Yes","Dependents":"No","tenure":1,"PhoneService":"No","MultipleLines":"No phone service","InternetService":"DSL","OnlineSecurity":"No","OnlineBackup":"Yes","DeviceProtection":"No","TechSupport":"No","StreamingTV":"No","StreamingMovies":"No","Contract":"Month-to-month","PaperlessBilling":"Yes","PaymentMethod":"Electronic check","MonthlyCharges":29.85,"TotalCharges":"29.85"}'
KEY=k3y-for-the-tamper-e2e-test-0123456789ab
printf '%s\n' "$KEY" >keys.txt
chmod 600 keys.txt
AUTH=(-H "Authorization: Bearer $KEY")

# rewrite_listed DIR FILE: makes model.json's checksum of FILE match FILE
# again, as someone covering their tracks would.
rewrite_listed() {
  local sum
  sum=$(sha256sum "$1/$2" | cut -d' ' -f1)
  jq --arg f "$2" --arg s "sha256:$sum" '.files[$f] = $s' "$1/model.json" >"$1/model.json.new" &&
    mv "$1/model.json.new" "$1/model.json"
}

# edit_json FILE JQ_EXPR: rewrites FILE in place.
edit_json() { jq -c "$2" "$1" >"$1.new" && mv "$1.new" "$1"; }

run "$CHURNML" data generate --rows 2000 --seed 11 --out d.csv
expect_status 0 "generate data"
run "$CHURNML" train --data d.csv --model xgboost --register churn --alias champion --json
expect_status 0 "train version 1"
run "$CHURNML" train --data d.csv --model xgboost --seed 5 --register churn --json
expect_status 0 "train version 2"
v2=$(json_field "$WORK/out" .artifact)
[[ -d $v2 ]] || { fail "version 2 has no artifact folder ($v2)"; finish; exit 1; }

# --- tamper with version 2 behind model.json's back, then cover it up ---
# A node pointing at itself: XGBoost's predictor loops forever on it.
edit_json "$v2/xgboost_model.json" '.learner.gradient_booster.model.trees[0].left_children[1] = 1'
rewrite_listed "$v2" xgboost_model.json

start_server server.log --model churn@champion --api-key-file keys.txt --reload-interval 0.2 ||
  { cat server.log; fail "server did not start"; finish; exit 1; }
pass

load() {  # load FILE: sequential predictions until stop.flag exists
  while [[ ! -e stop.flag ]]; do
    curl -s -m 10 -w ' %{http_code}\n' -H 'Content-Type: application/json' "${AUTH[@]}" \
      --data-binary "$CUSTOMER" "$URL/predict" >>"$1"
  done
}
rm -f stop.flag
load load.txt &
loader=$!
sleep 0.5
run "$CHURNML" models alias set churn champion 2
expect_status 0 "move champion to the tampered version 2"
for ((i = 0; i < 100; i++)); do
  grep -q "model reload failed for version 2" server.log && break
  sleep 0.1
done
expect_contains server.log "model reload failed for version 2; still serving version 1" \
  "the refusal is logged"
expect_contains server.log "model.json: checksum mismatch" "the log names the file"
expect_contains server.log "the store recorded for version 2" "the store's record caught it"
sleep 1  # keep the load running across a few more reload checks
touch stop.flag
wait "$loader"
total=$(wc -l <load.txt)
ok=$(grep -c ' 200$' load.txt)
if ((total > 10)); then pass; else fail "too few requests during the swap attempt ($total)"; fi
expect_eq "$ok" "$total" "every request answered 200 while the bad version was refused"
versions=$(sed 's/ [0-9]*$//' load.txt | jq -r .version | sort -u | tr '\n' ' ')
expect_eq "$versions" "1 " "every answer came from version 1"
http GET /metrics
expect_contains "$WORK/body" 'churnml_model_reloads_total{result="failure"}' "failed reload counted"
http GET /ready
expect_code 200 "still ready"
stop_server
expect_status 0 "SIGTERM is not blocked by the refused version"

# --- a restart on the tampered alias refuses to start ---
run timeout 60 "$CHURNML" serve --model churn@champion --api-key-file keys.txt --port 0
expect_status 2 "serve refuses the tampered version at startup"
expect_one_line_error "serve startup"
expect_contains "$WORK/err" "checksum mismatch" "startup error names the mismatch"

# --- predict and evaluate refuse it too ---
run timeout 60 "$CHURNML" predict --model churn@champion --data d.csv --out p.csv
expect_status 2 "predict refuses the tampered version"
expect_one_line_error "predict"
expect_contains "$WORK/err" "model.json: checksum mismatch" "predict names the file"
expect_no_file p.csv "no output from a refused model"
run timeout 60 "$CHURNML" evaluate --model churn/2 --data d.csv
expect_status 2 "evaluate refuses the tampered version"
expect_one_line_error "evaluate"
expect_contains "$WORK/err" "checksum mismatch" "evaluate names the mismatch"
# Version 1 is untouched and still loads.
run timeout 60 "$CHURNML" evaluate --model churn/1 --data d.csv
expect_status 0 "the untouched version still evaluates"

# --- hand-made artifacts: checksums match, the content is hostile ---
run "$CHURNML" train --data d.csv --model xgboost --out xgb
expect_status 0 "train an xgboost directory"
run "$CHURNML" train --data d.csv --out lin
expect_status 0 "train a logistic directory"

# hostile NAME SOURCE_DIR FILE JQ_EXPR EXPECTED: copies SOURCE_DIR, edits
# FILE with JQ_EXPR, fixes model.json's checksum, and expects predict to
# refuse it with one line containing EXPECTED (within 60 s: no hang).
hostile() {
  local name=$1 source=$2 file=$3 expr=$4 expected=$5
  rm -rf "$name"
  cp -r "$source" "$name"
  edit_json "$name/$file" "$expr"
  [[ $file == model.json ]] || rewrite_listed "$name" "$file"
  run timeout 60 "$CHURNML" predict --model "$name" --data d.csv --out "$name.csv"
  expect_status 2 "$name: predict refuses it"
  expect_one_line_error "$name"
  expect_contains "$WORK/err" "$expected" "$name: the error says why"
}
T='.learner.gradient_booster.model.trees'
hostile out-of-range xgb xgboost_model.json "$T[0].left_children[0] = 2000000000" \
  "left_children[0]: 2000000000 is not a node index"
hostile self-loop xgb xgboost_model.json "$T[0].left_children[1] = 1" "is reached twice"
hostile huge-num-trees xgb xgboost_model.json \
  '.learner.gradient_booster.model.gbtree_model_param.num_trees = "1000000000"' \
  "num_trees: is 1000000000 but the file holds"
hostile wrong-objective xgb xgboost_model.json '.learner.objective.name = "reg:squarederror"' \
  'is not "binary:logistic"'
hostile positive-rate lin model.json '.positive_rate = 5' '"positive_rate" is 5, not a probability'
hostile threshold lin model.json '.threshold = 1e308' '"threshold" is 1e+308, not a probability'

# Swapped liblinear labels: every prediction would silently invert.
rm -rf swapped && cp -r lin swapped
sed -i 's/^label 1 -1$/label -1 1/' swapped/model.txt
rewrite_listed swapped model.txt
run timeout 60 "$CHURNML" predict --model swapped --data d.csv --out swapped.csv
expect_status 2 "swapped labels: predict refuses it"
expect_one_line_error "swapped labels"
expect_contains "$WORK/err" 'label order "-1 1" is not "1 -1"' "swapped labels: the error says why"

# A changed file without the cover-up is named by model.json's checksum.
rm -rf changed && cp -r lin changed
edit_json changed/preprocessor.json '.columns[0].mean = 1234.5'
run timeout 60 "$CHURNML" predict --model changed --data d.csv --out changed.csv
expect_status 2 "a changed preprocessor is refused"
expect_contains "$WORK/err" "preprocessor.json: checksum mismatch" "the changed file is named"

# The untouched directories still predict.
run timeout 60 "$CHURNML" predict --model xgb --data d.csv --out ok.csv
expect_status 0 "the untouched xgboost directory predicts"

finish
