#!/usr/bin/env bash
# Model options through the real binary: XGBoost early stopping (best round
# kept, per-round validation metric as step metrics in the store), class
# weights, a threshold chosen on validation rows and Platt/isotonic
# calibration — predict and serve use the artifact's threshold and
# calibrated probabilities; a hostile calibration.json is refused on load;
# flags come from the declared hyperparameters; `tune` with a small budget
# records child runs and registers the refit best; Ctrl-C keeps finished
# trials.
source "$(dirname "$0")/lib.sh"

for tool in curl jq awk sha256sum; do
  command -v "$tool" >/dev/null || { echo "$tool missing (run scripts/bootstrap.sh)"; exit 2; }
done
export CHURNML_STORE="$WORK/mlruns"

CUSTOMER='{"customerID":"7590-VHVEG","gender":"Female","SeniorCitizen":0,"Partner":"Yes","Dependents":"No","tenure":1,"PhoneService":"No","MultipleLines":"No phone service","InternetService":"DSL","OnlineSecurity":"No","OnlineBackup":"Yes","DeviceProtection":"No","TechSupport":"No","StreamingTV":"No","StreamingMovies":"No","Contract":"Month-to-month","PaperlessBilling":"Yes","PaymentMethod":"Electronic check","MonthlyCharges":29.85,"TotalCharges":"29.85"}'

run "$CHURNML" data generate --rows 4000 --seed 3 --difficulty 0.6 --out d.csv
expect_status 0 "generate with --difficulty"

# --- flags, help and validation come from the declarations ---
run "$CHURNML" train --help
expect_contains "$WORK/out" "--early-stopping-rounds" "help lists a declared flag"
expect_contains "$WORK/out" "an integer in [1, 64]" "help shows the declared range"
run "$CHURNML" train --data d.csv --model logistic --max-depth 3 --no-track --out x
expect_status 2 "an xgboost flag with --model logistic"
expect_one_line_error "other kind's flag"
expect_contains "$WORK/err" "--max-depth applies to --model xgboost, not --model logistic" "names the kind"
run "$CHURNML" train --data d.csv --model xgboost --max-depth 0 --no-track --out x
expect_status 2 "out-of-range declared value"
expect_contains "$WORK/err" "--max-depth must be an integer in [1, 64], got 0" "names the range"
run "$CHURNML" train --data d.csv --threshold-for precision=2 --no-track --out x
expect_status 2 "bad --threshold-for"
expect_one_line_error "bad --threshold-for"
run "$CHURNML" train --data d.csv --calibrate sigmoid --no-track --out x
expect_status 2 "bad --calibrate"
expect_contains "$WORK/err" "valid: platt, isotonic" "lists the methods"
run "$CHURNML" train --data d.csv --threshold 0.3 --threshold-for f1 --no-track --out x
expect_status 2 "--threshold with --threshold-for"
expect_no_file x "nothing written on a usage error"

# --- early stopping, class weight, threshold and Platt calibration ---
XGB=(--model xgboost --n-estimators 400 --learning-rate 0.3 --max-depth 6
  --early-stopping-rounds 10 --class-weight balanced --threshold-for cost=5:1 --threads 2)
run "$CHURNML" train --data d.csv "${XGB[@]}" --calibrate platt --out m1 --json
expect_status 0 "train with early stopping, class weight, threshold and calibration"
cp "$WORK/out" m1.json
rounds=$(jq -r .early_stopping.rounds m1.json)
best=$(jq -r .early_stopping.best_rounds m1.json)
if [[ $(jq -r .early_stopping.stopped_early m1.json) == true && $best -lt $rounds &&
  $rounds -lt 400 && $((rounds - best)) -eq 10 ]]; then pass; else
  fail "early stopping: rounds $rounds, best $best"
fi
vrows=$(jq -r .rows.validation m1.json)
if [[ $vrows -ge 319 && $vrows -le 321 ]]; then pass; else
  fail "validation rows: $vrows, expected 10% of the 3,200 training rows"; fi
expect_eq "$(jq -r .hyperparameters.class_weight m1.json)" balanced "class weight recorded"
thr=$(jq -r .threshold m1/model.json)
expect_eq "$(jq -r .threshold_choice.goal m1/model.json)" "cost=5:1" "threshold goal recorded"
if awk -v t="$thr" 'BEGIN { exit !(t > 0 && t < 0.5) }'; then pass; else
  fail "a 5:1 cost should lower the threshold below 0.5, got $thr"
fi
expect_eq "$(jq -r .training.early_stopping.best_iteration m1/model.json)" "$((best - 1))" \
  "best iteration (0-based) in the artifact"
expect_eq "$(jq -r .calibration m1/model.json)" platt "model.json names the calibration"
expect_file m1/calibration.json "calibration.json written"
if jq -e '.calibration.test_ece_before > .calibration.test_ece_after' m1.json >/dev/null; then
  pass; else fail "Platt should lower the test ECE of a class-weighted model: $(jq -c .calibration m1.json)"; fi
# The run in the store has the validation log loss at every round.
run_id=$(jq -r .run_id m1.json)
run "$CHURNML" runs show "$run_id" --json
expect_status 0 "runs show"
expect_eq "$(jq '.metric_history.validation_logloss | length' "$WORK/out")" "$rounds" \
  "one validation_logloss step per round"
expect_eq "$(jq '[.metric_history.validation_logloss[].step] | max' "$WORK/out")" "$rounds" \
  "steps are round numbers"

# The same model without calibration (same seed, same validation rows):
# predict's probabilities through m1 are Platt's curve applied to m2's.
run "$CHURNML" train --data d.csv "${XGB[@]}" --out m2 --no-track --json
expect_status 0 "train the uncalibrated twin"
run "$CHURNML" predict --model m1 --data d.csv --out p1.csv
expect_status 0 "predict with the calibrated model"
run "$CHURNML" predict --model m2 --data d.csv --out p2.csv
expect_status 0 "predict with the uncalibrated twin"
a=$(jq -r .a m1/calibration.json)
b=$(jq -r .b m1/calibration.json)
bad=$(paste -d, p1.csv p2.csv | awk -F, -v a="$a" -v b="$b" -v t="$thr" '
  NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "probability" && !p1) p1 = i; else if ($i == "probability") p2 = i;
            if ($i == "prediction" && !c1) c1 = i } next }
  { s = $p2; if (s < 1e-15) s = 1e-15; if (s > 1 - 1e-15) s = 1 - 1e-15
    want = 1 / (1 + exp(a * log(s / (1 - s)) + b))
    d = $p1 - want; if (d < 0) d = -d
    if (d > 1e-9) n++
    if (($p1 >= t) != ($c1 == 1)) n++ }
  END { print n + 0 }')
expect_eq "$bad" 0 "predict: calibrated probabilities and the chosen threshold on every row"

# --- serve answers with the calibrated probability and the chosen threshold ---
start_server server.log --model m1 --allow-unauthenticated ||
  { cat server.log; fail "server did not start"; finish; exit 1; }
http POST /predict "$CUSTOMER"
expect_code 200 "/predict"
served=$(jq -r .probability "$WORK/body")
served_class=$(jq -r .prediction "$WORK/body")
stop_server
{ head -1 d.csv; jq -r '[.customerID,.gender,.SeniorCitizen,.Partner,.Dependents,.tenure,.PhoneService,
  .MultipleLines,.InternetService,.OnlineSecurity,.OnlineBackup,.DeviceProtection,.TechSupport,
  .StreamingTV,.StreamingMovies,.Contract,.PaperlessBilling,.PaymentMethod,.MonthlyCharges,
  .TotalCharges,"No"] | @csv' <<<"$CUSTOMER" | tr -d '"'; } >one.csv
run "$CHURNML" predict --model m1 --data one.csv --out one_scored.csv
expect_status 0 "predict the served customer"
batch=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "probability") c = i; next } { print $c }' one_scored.csv)
if awk -v x="$served" -v y="$batch" 'BEGIN { d = x - y; if (d < 0) d = -d; exit !(d < 1e-12) }'; then
  pass; else fail "serve $served vs predict $batch"; fi
want_class=$(awk -v p="$served" -v t="$thr" 'BEGIN { print (p >= t) ? 1 : 0 }')
expect_eq "$served_class" "$want_class" "serve predicts with the chosen threshold"

# --- evaluate shows the calibration error before and after ---
run "$CHURNML" evaluate --model m1 --data d.csv --json
expect_status 0 "evaluate"
if jq -e '.calibration.ece >= 0 and .calibration.before.ece >= 0 and (.calibration.bins | length) == 10' \
  "$WORK/out" >/dev/null; then pass; else fail "evaluate calibration: $(head -c 300 "$WORK/out")"; fi

# --- isotonic, and a hostile calibration.json refused with one line ---
run "$CHURNML" train --data d.csv --model logistic --calibrate isotonic --out m3 --no-track
expect_status 0 "logistic with isotonic calibration"
expect_eq "$(jq -r .method m3/calibration.json)" isotonic "isotonic stored"
cp -r m3 m4
jq -c '.y[0] = 0.9 | .y[1] = 0.1' m3/calibration.json >m4/calibration.json
sum=$(sha256sum m4/calibration.json | cut -d' ' -f1)
jq --arg s "sha256:$sum" '.files["calibration.json"] = $s' m3/model.json >m4/model.json
run "$CHURNML" predict --model m4 --data d.csv --out p4.csv
expect_status 2 "a non-monotone isotonic calibration"
expect_one_line_error "hostile calibration"
expect_contains "$WORK/err" "calibration.json: isotonic calibration: knot 1: \"y\" decreases" "names the file and knot"
expect_no_file p4.csv "nothing scored with a refused model"

# --- tune: child runs, the best refit and registered ---
run "$CHURNML" tune --data d.csv --model logistic --trials 4 --cv 2 --budget 120s \
  --register churn --alias challenger --json
expect_status 0 "tune"
cp "$WORK/out" tune.json
expect_eq "$(jq -r .refit.registered.version tune.json)" 1 "tune registered version 1"
expect_eq "$(jq -r .refit.registered.alias tune.json)" challenger "with the alias"
expect_eq "$(jq -r .best.rows tune.json)" 3200 "the best was scored on every training row"
parent=$(jq -r .run_id tune.json)
run "$CHURNML" runs list --experiment tune --limit 0 --json
expect_status 0 "runs list"
children=$(jq --arg p "$parent" '[.runs[] | select(.tags.parent_run_id == $p)] | length' "$WORK/out")
if [[ $children -ge 5 ]]; then pass; else fail "child runs: $children (trials and refit)"; fi
run "$CHURNML" models show churn --json
expect_eq "$(jq -r .aliases.challenger "$WORK/out")" 1 "the alias points at the tuned version"
run "$CHURNML" predict --model churn@challenger --data one.csv --out tuned.csv
expect_status 0 "the tuned model predicts through its alias"

# --- Ctrl-C keeps the finished trials and reports the best so far ---
"$CHURNML" tune --data d.csv --model xgboost --trials 27 --cv 3 --parallel 1 --experiment stop \
  >stop.out 2>stop.err &
pid=$!
wait_for "a first finished trial" 90 grep -q '^trial ' stop.err
kill -INT "$pid"
wait "$pid"
status=$?
expect_status 130 "tune after Ctrl-C"
expect_contains stop.err "interrupted:" "says it was interrupted"
expect_contains stop.err "best trial" "reports the best so far"
run "$CHURNML" runs list --experiment stop --limit 0 --json
kept=$(jq '[.runs[] | select(.tags.parent_run_id != null and .status == "FINISHED")] | length' "$WORK/out")
if [[ $kept -ge 1 ]]; then pass; else fail "finished trials kept: $kept"; fi

finish
