#!/usr/bin/env bash
# The registry and run commands a user coming from MLflow expects, driven as
# a user would: `models register DIR` (validated like a trained artifact),
# run id prefixes in `runs show|compare|delete|restore`, metric directions
# from the eval layer in `runs compare`, one metric name everywhere and a
# filter on an unknown key answered with the known keys, soft `runs delete`
# (asking on a terminal unless --yes) with `runs restore` and `store gc`, and
# `churnml demo` numbering its steps and writing integers as integers.
source "$(dirname "$0")/lib.sh"

run "$CHURNML" data generate --rows 3000 --seed 5 --out d.csv

# --- models register: an untracked model enters the registry ----------------
run "$CHURNML" train --data d.csv --no-track --out untracked --cv 3
expect_status 0 "train --no-track"
# --no-track creates no store, and a read never creates one either.
expect_no_file mlruns "--no-track creates no store"
run "$CHURNML" runs list --json
expect_status 2 "runs list without a store"
expect_contains "$WORK/err" "no tracking store at ./mlruns" "runs list names the missing store"
expect_no_file mlruns "a read creates no store"
run "$CHURNML" models register untracked --name churn --alias champion --json
expect_status 0 "models register"
expect_eq "$(json_field "$WORK/out" '.version')" 1 "first version"
expect_eq "$(json_field "$WORK/out" '.kind')" logistic "kind read from the artifact"
reg_run=$(json_field "$WORK/out" '.run_id')
run "$CHURNML" predict --model churn@champion --data d.csv --out by-alias.csv
expect_status 0 "predict with the registered alias"
run "$CHURNML" predict --model untracked --data d.csv --out by-dir.csv
if cmp -s by-alias.csv by-dir.csv; then pass; else fail "registered copy predicts differently"; fi
run "$CHURNML" runs show "${reg_run:0:8}" --json
expect_status 0 "runs show by prefix"
expect_eq "$(json_field "$WORK/out" '.tags.source')" register "the run says where the model came from"
expect_eq "$(json_field "$WORK/out" '.metrics.cv_roc_auc_mean.value != null')" true \
  "the artifact's cross-validation mean is a metric"

# A folder that is not a valid model is refused before anything is recorded.
mkdir broken && echo '{"format_version": 1, "kind": "logistic"}' >broken/model.json
run "$CHURNML" models register broken --name churn
expect_status 2 "register a broken folder"
expect_one_line_error "register a broken folder"
expect_contains "$WORK/err" "broken" "error names the folder"
cp -r untracked damaged && printf 'not json' >damaged/preprocessor.json
run "$CHURNML" models register damaged --name churn
expect_status 2 "register a damaged artifact"
expect_contains "$WORK/err" "preprocessor.json" "error names the damaged file"
run "$CHURNML" models register nowhere --name churn
expect_status 2 "register a missing folder"
run "$CHURNML" runs list --json
expect_eq "$(json_field "$WORK/out" '.runs | length')" 1 "refused registrations record no run"
run "$CHURNML" models show churn --json
expect_eq "$(json_field "$WORK/out" '.latest_version')" 1 "refused registrations add no version"

# --- metric names and directions ----------------------------------------------
run "$CHURNML" train --data d.csv --model xgboost --n-estimators 20 --max-depth 3 --cv 3 --json
expect_status 0 "tracked xgboost train"
xgb_run=$(json_field "$WORK/out" '.run_id')
run "$CHURNML" train --data d.csv --out lr2 --json
lr_run=$(json_field "$WORK/out" '.run_id')
run "$CHURNML" evaluate --model lr2 --data d.csv
expect_contains "$WORK/out" "average_precision" "text output uses the stored metric name"
expect_contains "$WORK/out" "brier_score" "text output uses the stored metric name (brier)"
if grep -qE '\bpr_auc\b|\bbrier\b ' "$WORK/out"; then fail "text output still says pr_auc/brier"; else pass; fi

run "$CHURNML" runs list --filter "metrics.average_precision > 0.1"
expect_status 0 "filter on the one metric name"
head -1 "$WORK/out" >header.txt
expect_contains header.txt "MODEL" "runs list shows the model kind"
expect_contains header.txt "roc_auc" "runs list shows ROC AUC by default"
expect_contains "$WORK/out" "xgboost" "model kind column filled"
run "$CHURNML" runs list --filter "metrics.pr_auc > 0.6"
expect_status 2 "filter on a former metric name"
expect_one_line_error "filter on a former metric name"
expect_contains "$WORK/err" "did you mean metrics.average_precision?" "former name points at the new one"
expect_contains "$WORK/err" "known metrics:" "unknown metric lists the known ones"
run "$CHURNML" runs list --filter "params.modle = 'xgboost'"
expect_status 2 "filter on a misspelt param"
expect_contains "$WORK/err" "did you mean params.model?" "param typo gets a suggestion"

run "$CHURNML" runs compare "${xgb_run:0:6}" "${lr_run:0:6}" --json
expect_status 0 "runs compare with prefixes"
expect_eq "$(json_field "$WORK/out" '.metrics.train_seconds.goal')" min "train_seconds: lower is better"
expect_eq "$(json_field "$WORK/out" '.metrics.roc_auc.goal')" max "roc_auc: higher is better"
expect_eq "$(json_field "$WORK/out" '.metrics.log_loss.goal')" min "log_loss: lower is better"
fastest=$(jq -r '.metrics.train_seconds.values | to_entries | min_by(.value) | .key' "$WORK/out")
expect_eq "$(json_field "$WORK/out" '.metrics.train_seconds.best')" "$fastest" "the fastest run is best"
run "$CHURNML" runs compare "${xgb_run:0:6}" "${lr_run:0:6}"
expect_contains "$WORK/out" "metric train_seconds (min)" "text compare shows the direction"
run "$CHURNML" runs compare "${xgb_run:0:6}" 0000000000
expect_status 2 "unknown prefix"
expect_one_line_error "unknown prefix"
run "$CHURNML" runs compare "${xgb_run:0:3}" "${lr_run:0:6}"
expect_status 2 "prefix too short"
expect_contains "$WORK/err" "at least 4" "says how long a prefix must be"

# Ambiguous prefix: give two runs ids with a common start (the store is ours).
amb_a=abcd1111$(printf '%024d' 0)
amb_b=abcd2222$(printf '%024d' 0)
"$CHURNML" train --data d.csv --out t1 --json >t1.json 2>/dev/null
"$CHURNML" train --data d.csv --out t2 --json >t2.json 2>/dev/null
for pair in "$(jq -r .run_id t1.json) $amb_a" "$(jq -r .run_id t2.json) $amb_b"; do
  set -- $pair
  mv "mlruns/artifacts/$1" "mlruns/artifacts/$2"
  sqlite3 mlruns/churnml.db "PRAGMA foreign_keys=OFF;
    UPDATE runs SET run_id='$2', artifact_path='$2/model' WHERE run_id='$1';
    UPDATE params SET run_id='$2' WHERE run_id='$1'; UPDATE tags SET run_id='$2' WHERE run_id='$1';
    UPDATE metrics SET run_id='$2' WHERE run_id='$1';
    UPDATE latest_metrics SET run_id='$2' WHERE run_id='$1';"
done
run "$CHURNML" runs compare abcd "${lr_run:0:6}"
expect_status 2 "ambiguous prefix"
expect_one_line_error "ambiguous prefix"
expect_contains "$WORK/err" "$amb_a, $amb_b" "ambiguous prefix lists the matching runs"
run "$CHURNML" runs compare abcd1 abcd2
expect_status 0 "longer prefixes resolve"

# --- soft delete, restore, gc ---------------------------------------------------
run "$CHURNML" runs delete "$reg_run" --yes
expect_status 2 "deleting the source of a version is refused"
expect_contains "$WORK/err" "churn/1" "refusal names the version"

# On a terminal, delete asks; "n" keeps the run.
script -qec "$CHURNML runs delete ${lr_run:0:8}" /dev/null <<<"n" >prompt.txt 2>&1
expect_contains prompt.txt "[y/N]" "delete asks on a terminal"
run "$CHURNML" runs show "$lr_run" --json
expect_eq "$(json_field "$WORK/out" '.deleted_ms')" null "answering n deletes nothing"
script -qec "$CHURNML runs delete ${lr_run:0:8}" /dev/null <<<"y" >prompt.txt 2>&1
run "$CHURNML" runs show "$lr_run" --json
expect_eq "$(json_field "$WORK/out" '.deleted_ms != null')" true "answering y deletes"

run "$CHURNML" runs list --json --limit 0
if jq -e --arg id "$lr_run" '[.runs[].run_id] | index($id) == null' "$WORK/out" >/dev/null; then pass; else
  fail "a deleted run is still listed"
fi
run "$CHURNML" runs list --deleted -q
expect_eq "$(cat "$WORK/out")" "$lr_run" "runs list --deleted shows it"
run "$CHURNML" runs restore "${lr_run:0:8}"
expect_status 0 "runs restore"
run "$CHURNML" runs list -q --limit 0
expect_contains "$WORK/out" "$lr_run" "restored run is listed again"
run "$CHURNML" runs restore "$lr_run"
expect_status 2 "restoring a live run"

artifact="$(jq -r .artifact_path <("$CHURNML" runs show "$lr_run" --json))"
expect_file "$artifact" "the run's artifact exists"
run "$CHURNML" runs delete "$lr_run" --yes
expect_status 0 "runs delete --yes"
expect_file "$artifact" "soft delete keeps the artifact"
run "$CHURNML" store gc --older-than 1h --yes --json
expect_status 0 "store gc (too young)"
expect_eq "$(json_field "$WORK/out" '.purged_runs | length')" 0 "a run deleted just now is younger than 1h"
run "$CHURNML" store gc --older-than 0 --yes --json
expect_status 0 "store gc --older-than 0"
expect_eq "$(json_field "$WORK/out" '.purged_runs[0]')" "$lr_run" "gc purges the deleted run"
expect_no_file "$artifact" "gc removes the artifact"
run "$CHURNML" runs show "$lr_run"
expect_status 2 "a purged run is gone"
run "$CHURNML" store check
expect_status 0 "store is clean after gc"
run "$CHURNML" store gc --older-than soon
expect_status 2 "bad --older-than"
expect_one_line_error "bad --older-than"

# --- the demo: steps n/N in order, integers in the sample, re-runnable ----------
for attempt in 1 2; do
  run "$CHURNML" demo --workdir demo --rows 2000 --port 0 </dev/null
  expect_status 0 "demo run $attempt"
  steps=$(grep -oE '^[0-9]+/[0-9]+ ' "$WORK/err" | tr -d ' ' | tr '\n' ' ')
  expect_eq "$steps" "1/7 2/7 3/7 4/7 5/7 6/7 7/7 " "demo steps are numbered in order (run $attempt)"
done
expect_eq "$(jq -r '.tenure | type' demo/customer.json)" number "tenure is a number"
if grep -qE '"(tenure|SeniorCitizen)":[0-9]+\.' demo/customer.json; then
  fail "integers written as decimals: $(cat demo/customer.json)"
else pass; fi
expect_contains "$WORK/out" "Serve it:    churnml --store demo/mlruns serve --model churn@champion" \
  "without a terminal the demo prints the command that serves"
expect_contains "$WORK/out" "-d @demo/customer.json" "the curl line posts the file the demo wrote"
if grep -q '^Try it:' "$WORK/out"; then fail "demo offers a curl at a server it stopped"; else pass; fi
run "$CHURNML" --store demo/mlruns models show churn --json
expect_eq "$(json_field "$WORK/out" '.latest_version')" 4 "a second demo adds versions 3 and 4"

finish
