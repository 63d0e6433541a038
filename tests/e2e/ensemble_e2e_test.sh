#!/usr/bin/env bash
# `churnml train --model ensemble` through the real binary: two registered
# models combined by their registry references (average with weights, and
# stacking on out-of-fold scores); the ensemble registered like any model,
# self-contained (members copied inside), predicted, evaluated (ROC AUC at
# least the worse member's on new rows), explained (base + contributions =
# logit(p)), reported, refused by ONNX export with one line, refused when
# tampered; served over HTTP with /predict and /explain, and hot-swapped
# from the average ensemble to the stacked one. Bad usage is one line.
source "$(dirname "$0")/lib.sh"

command -v curl >/dev/null || { echo "curl missing (run scripts/bootstrap.sh)"; exit 2; }

S="$WORK/store"
c() { "$CHURNML" --store "$S" "$@"; }
CUSTOMER='{"customerID":"7590-VHVEG","gender":"Female","SeniorCitizen":0,"Partner":"Yes","Dependents":"No","tenure":1,"PhoneService":"No","MultipleLines":"No phone service","InternetService":"DSL","OnlineSecurity":"No","OnlineBackup":"Yes","DeviceProtection":"No","TechSupport":"No","StreamingTV":"No","StreamingMovies":"No","Contract":"Month-to-month","PaperlessBilling":"Yes","PaymentMethod":"Electronic check","MonthlyCharges":29.85,"TotalCharges":"29.85"}'
KEY=k3y-for-the-ensemble-e2e-test-0123456789ab
printf '%s\n' "$KEY" >keys.txt
chmod 600 keys.txt
AUTH=(-H "Authorization: Bearer $KEY")

run c data generate --rows 6000 --seed 31 --out d.csv; expect_status 0 "generate"
run c data generate --rows 4000 --seed 32 --out new.csv; expect_status 0 "generate new rows"
run c train --data d.csv --calibrate platt --register churn --json
expect_status 0 "train logistic (Platt-calibrated) as version 1"
run c train --data d.csv --model xgboost --n-estimators 80 --max-depth 4 --threads 1 \
  --register churn --json
expect_status 0 "train xgboost as version 2"

# --- bad usage: one line each, nothing recorded ---
run c train --data d.csv --model ensemble --members churn/1
expect_status 2 "one member"
expect_one_line_error "one member"
expect_contains "$WORK/err" "2 to 16" "says how many members an ensemble takes"
run c train --data d.csv --model ensemble --members churn/1,churn/2 --weights 1
expect_status 2 "one weight for two members"
expect_contains "$WORK/err" "1 value(s) for 2 member(s)" "names both counts"
run c train --data d.csv --model ensemble --members churn/1,churn/2 --weights 1,-2
expect_status 2 "negative weight"
expect_contains "$WORK/err" "weight 2" "names the weight"
run c train --data d.csv --model ensemble --members churn/1,churn/2 --method stacking --weights 1,1
expect_status 2 "weights with stacking"
expect_one_line_error "weights with stacking"
run c train --data d.csv --model ensemble --members churn/1,churn/2 --method vote
expect_status 2 "unknown method"
expect_contains "$WORK/err" "average, stacking" "lists the methods"
run c train --data d.csv --model ensemble --members churn/1,churn/9
expect_status 2 "unknown member version"
expect_one_line_error "unknown member version"
run c train --data d.csv --model ensemble --members churn/1,churn/2 --calibrate platt
expect_status 2 "--calibrate with an ensemble"
run c train --data d.csv --members churn/1,churn/2
expect_status 2 "--members without --model ensemble"
expect_contains "$WORK/err" "applies to --model ensemble" "says which model takes it"

# --- average, from registry references, registered as version 3 ---
run c train --data d.csv --model ensemble --members churn/1,churn/2 --weights 0.6,0.4 \
  --register churn --alias challenger --json
expect_status 0 "train an average ensemble"
cp "$WORK/out" avg.json
expect_eq "$(jq -r .kind avg.json)" ensemble "kind"
expect_eq "$(jq -r '[.members[].weight] | map(. * 10 | round) | join(",")' avg.json)" "6,4" \
  "weights normalised as given"
expect_eq "$(jq -r '.members | map(.source) | join(",")' avg.json)" "churn/1,churn/2" \
  "members recorded by version"
expect_eq "$(jq -r '.metrics.roc_auc >= ([.members[].metrics.roc_auc] | min)' avg.json)" true \
  "test ROC AUC at least the worse member's"
expect_eq "$(jq -r .registered.version avg.json)" 3 "registered as version 3"
run_id=$(jq -r .run_id avg.json)
run c runs show "$run_id" --json; expect_status 0 "the run is recorded"
expect_eq "$(jq -r '.params.method' "$WORK/out")" average "run param method"
expect_eq "$(jq -r '.params.members' "$WORK/out")" "churn/1,churn/2" "run param members"
expect_eq "$(jq -r '.metrics.member_2_roc_auc.value > 0.5' "$WORK/out")" true "member metrics logged"

dir=$(c models show churn --json | jq -r '.versions[] | select(.version == 3) | .artifact_path')
expect_eq "$(jq -r .format_version "$dir/model.json")" 3 "ensembles are format version 3"
expect_file "$dir/member-1.model.json" "member 1 copied inside"
expect_file "$dir/member-2.xgboost_model.json" "member 2's booster copied inside"
expect_file "$dir/member-1.calibration.json" "member 1's calibration copied inside"

# --- stacking, registered as version 4 ---
run c train --data d.csv --model ensemble --members churn/1,churn@challenger --method stacking
expect_status 2 "an ensemble member that is an ensemble"
expect_contains "$WORK/err" "do not nest" "says ensembles do not nest"
run c train --data d.csv --model ensemble --members churn/1,churn/2 --method stacking \
  --stacking-folds 3 --register churn --json
expect_status 0 "train a stacked ensemble"
cp "$WORK/out" stack.json
expect_eq "$(jq -r .method stack.json)" stacking "method"
expect_eq "$(jq -r '[.members[].weight] | all(. > 0)' stack.json)" true \
  "both useful members get a positive meta weight"
expect_eq "$(jq -r '.metrics.roc_auc >= ([.members[].metrics.roc_auc] | min)' stack.json)" true \
  "stacked test ROC AUC at least the worse member's"

# --- predict and evaluate on new rows ---
run c predict --model churn@challenger --data new.csv --out scored.csv
expect_status 0 "predict with the ensemble"
expect_eq "$(tail -n +2 scored.csv | wc -l)" 4000 "one line per row"
for v in 1 2 3 4; do
  run c evaluate --model churn/$v --data new.csv --json; expect_status 0 "evaluate version $v"
  jq -r .metrics.roc_auc "$WORK/out" >"auc$v"
done
check=$(awk 'FNR == 1 {a[FILENAME] = $1} END {
  worse = a["auc1"] < a["auc2"] ? a["auc1"] : a["auc2"]
  print (a["auc3"] >= worse ? "ok" : "average below " worse), (a["auc4"] >= worse ? "ok" : "stacking below " worse)
}' auc1 auc2 auc3 auc4)
expect_eq "$check" "ok ok" "evaluate: each ensemble's ROC AUC at least the worse member's"

# --- explain: base + contributions = logit(p), same probabilities as predict ---
run c explain --model churn@challenger --input new.csv --output why.csv --top-k 19
expect_status 0 "explain the ensemble"
check=$(/usr/bin/python3 - why.csv scored.csv <<'PY'
import csv, math, sys
why = list(csv.DictReader(open(sys.argv[1])))
scored = list(csv.DictReader(open(sys.argv[2])))
bad, worst = 0, 0.0
for w, s in zip(why, scored):
    p = float(w["probability"])
    if abs(p - float(s["probability"])) > 1e-12:
        bad += 1
        continue
    terms = [float(w["base_value"])] + [float(w[f"top{i}_contribution"]) for i in range(1, 20)]
    worst = max(worst, abs(sum(terms) - math.log(p / (1 - p))) / sum(abs(t) for t in terms))
print(len(why), bad, "ok" if worst < 1e-5 else f"additivity {worst}")
PY
)
expect_eq "$check" "4000 0 ok" "ensemble explanation adds up to the ensemble's log-odds"

# --- report, export refusal ---
run c report --model churn@challenger --data new.csv --out report.html
expect_status 0 "report on an ensemble"
expect_contains report.html 'data-chart="calibration"' "the report has the calibration chart"
run c export --model churn@challenger --format onnx --out e.onnx
expect_status 2 "export refuses an ensemble"
expect_one_line_error "export refuses an ensemble"
expect_contains "$WORK/err" "ensemble" "the refusal says why"
expect_no_file e.onnx "no ONNX file written"

# --- tampering with a member file inside the ensemble is refused ---
cp -r "$dir" tampered
sed -i 's/"max_depth": 4/"max_depth": 5/' tampered/member-2.hyperparameters.json
run c predict --model tampered --data new.csv --out t.csv
expect_status 2 "tampered member refused"
expect_one_line_error "tampered member refused"
expect_contains "$WORK/err" "member-2.hyperparameters.json" "names the file"

# --- serve: /predict, /explain, then a hot swap to the stacked ensemble ---
export CHURNML_STORE="$S"
start_server server.log --model churn@challenger --api-key-file keys.txt --reload-interval 0.2 ||
  { cat server.log; fail "server did not start"; finish; exit 1; }
pass
http POST /predict "$CUSTOMER" "${AUTH[@]}"
expect_code 200 "/predict with the ensemble"
expect_eq "$(jq -r .version "$WORK/body")" 3 "answered by version 3"
p=$(jq -r .probability "$WORK/body")
http POST /explain "$CUSTOMER" "${AUTH[@]}"
expect_code 200 "/explain with the ensemble"
ok=$(jq -r --argjson p "$p" '(.base_value + ([.contributions[] | if type == "object" then .contribution else . end] | add)) as $m
  | (($m - (($p / (1 - $p)) | log)) | fabs) < 1e-5 and (.probability == $p)' "$WORK/body")
expect_eq "$ok" true "/explain: base_value + contributions = logit(/predict's probability)"
run c models alias set churn challenger 4; expect_status 0 "move the alias to the stacked ensemble"
for _ in $(seq 1 150); do
  http POST /predict "$CUSTOMER" "${AUTH[@]}"
  [[ $(jq -r .version "$WORK/body") == 4 ]] && break
  sleep 0.2
done
expect_eq "$(jq -r .version "$WORK/body")" 4 "hot-swapped to version 4"
stop_server
expect_eq "$status" 0 "server drained and exited 0"
finish
