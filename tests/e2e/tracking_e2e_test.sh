#!/usr/bin/env bash
# Tracking and the registry as a user drives them: train records runs,
# --register/--alias publish versions, NAME@ALIAS works wherever a model is
# taken, concurrent trains get consecutive versions, and a killed or
# interrupted train leaves no half-registered version.
source "$(dirname "$0")/lib.sh"

run "$CHURNML" data generate --rows 3000 --seed 3 --out d.csv

# --- train records a run; register two versions; the alias follows ---
run "$CHURNML" train --data d.csv --register churn --alias champion --json
expect_status 0 "tracked train"
first_run=$(json_field "$WORK/out" '.run_id')
expect_eq "$(json_field "$WORK/out" '.registered.version')" 1 "first version"
run "$CHURNML" train --data d.csv --model xgboost --n-estimators 30 --max-depth 3 \
  --register churn --alias champion --json
expect_status 0 "second tracked train"
expect_eq "$(json_field "$WORK/out" '.registered.version')" 2 "second version"

run "$CHURNML" runs show "$first_run" --json
expect_status 0 "runs show"
expect_eq "$(json_field "$WORK/out" '.status')" FINISHED "run finished"
expect_eq "$(json_field "$WORK/out" '.params.model')" logistic "model param recorded"
expect_eq "$(json_field "$WORK/out" '.data.rows')" 3000 "data fingerprint row count"

run "$CHURNML" models show churn --json
expect_eq "$(json_field "$WORK/out" '.aliases.champion')" 2 "champion points at version 2"

# --- NAME@ALIAS and NAME/VERSION wherever a model is taken ---
run "$CHURNML" predict --model churn@champion --input d.csv --output by-alias.csv
expect_status 0 "predict churn@champion"
run "$CHURNML" predict --model churn/2 --input d.csv --output by-version.csv
if cmp -s by-alias.csv by-version.csv; then pass; else fail "churn@champion differs from churn/2"; fi
run "$CHURNML" evaluate --model churn/1 --data d.csv --json
expect_status 0 "evaluate churn/1"
run "$CHURNML" predict --model churn@nobody --input d.csv --output x.csv
expect_status 2 "unknown alias"
expect_one_line_error "unknown alias"
expect_contains "$WORK/err" "nobody" "error names the alias"

# --- alias moves; a version an alias points at cannot be deleted ---
run "$CHURNML" models alias set churn champion 1
expect_status 0 "alias set"
run "$CHURNML" models delete-version churn 1
expect_status 2 "delete-version refused under an alias"
expect_contains "$WORK/err" "champion" "refusal names the alias"

# --- filters ---
run "$CHURNML" runs list --filter "params.model = 'xgboost' and metrics.roc_auc > 0.5" --json
expect_status 0 "runs list with a filter"
expect_eq "$(json_field "$WORK/out" '.runs | length')" 1 "filter selects the xgboost run"
run "$CHURNML" runs list --filter "metrics.roc_auc >> 0.5"
expect_status 2 "malformed filter"
expect_one_line_error "malformed filter"

# --- two trains at once: both succeed, versions 3 and 4 ---
"$CHURNML" train --data d.csv --register churn --json >a.json 2>a.err &
pa=$!
"$CHURNML" train --data d.csv --register churn --json >b.json 2>b.err &
pb=$!
wait $pa; sa=$?
wait $pb; sb=$?
expect_eq "$sa,$sb" "0,0" "concurrent trains both succeed ($(cat a.err b.err | head -c 300))"
versions=$(jq -r '.registered.version' a.json b.json | sort | tr '\n' ' ')
expect_eq "$versions" "3 4 " "concurrent trains get consecutive versions"

# --- Ctrl-C marks the run KILLED; nothing is registered ---
run "$CHURNML" data generate --rows 200000 --seed 4 --out big.csv
"$CHURNML" train --data big.csv --model xgboost --n-estimators 500 --register churn >/dev/null 2>int.err &
pid=$!
sleep 1.5
kill -INT "$pid"
wait "$pid"
expect_eq "$?" 130 "interrupted train exits 130"
expect_contains int.err "marked KILLED" "interrupted train says what it did"
run "$CHURNML" runs list --filter "attributes.status = 'KILLED'" --json
expect_status 0 "list KILLED runs"
expect_eq "$(json_field "$WORK/out" '.runs | length')" 1 "one KILLED run"
run "$CHURNML" models show churn --json
expect_eq "$(json_field "$WORK/out" '.latest_version')" 4 "no version from the interrupted train"

# --- SIGKILL: run stays RUNNING (stale later); store check reports leftovers ---
"$CHURNML" train --data big.csv --model xgboost --n-estimators 500 --register churn >/dev/null 2>&1 &
pid=$!
sleep 1.5
kill -9 "$pid"
wait "$pid" 2>/dev/null
run "$CHURNML" runs list --filter "attributes.status = 'RUNNING'" --stale-after 1 --json
expect_status 0 "list RUNNING runs"
expect_eq "$(json_field "$WORK/out" '.runs | length')" 1 "killed run is still RUNNING"
expect_eq "$(json_field "$WORK/out" '.runs[0].stale')" true "and is marked stale"
run "$CHURNML" models show churn --json
expect_eq "$(json_field "$WORK/out" '.latest_version')" 4 "no half-registered version"
run "$CHURNML" store check --stale-after 1 --grace 0 --json
expect_status 1 "store check finds the killed run's leftovers"
run "$CHURNML" store check --stale-after 1 --grace 0 --repair
run "$CHURNML" store check --stale-after 1 --grace 0
expect_status 0 "store check is clean after --repair"

# --- an unreachable PostgreSQL fails fast with one line ---
start=$(date +%s)
run "$CHURNML" --store "postgresql://churnml@127.0.0.1:9/none?connect_timeout=2" runs list
expect_status 2 "unreachable PostgreSQL"
expect_one_line_error "unreachable PostgreSQL"
elapsed=$(($(date +%s) - start))
if ((elapsed < 15)); then pass; else fail "unreachable PostgreSQL took ${elapsed}s"; fi

finish
