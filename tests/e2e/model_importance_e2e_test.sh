#!/usr/bin/env bash
# `churnml models show NAME/VERSION --importance`: named feature importance
# read from the registered artifact — logistic coefficients by encoded
# column (summed |coefficient| per feature), XGBoost total gain — as tables
# and JSON; a bare name is refused with the references that exist.
source "$(dirname "$0")/lib.sh"

S="$WORK/store"
c() { "$CHURNML" --store "$S" "$@"; }

run c data generate --rows 5000 --seed 7 --out train.csv; expect_status 0 "generate"
run c train --data train.csv --register churn --alias champion; expect_status 0 "train logistic"
run c train --data train.csv --register churn --model xgboost --n-estimators 40
expect_status 0 "train xgboost"

run c models show churn/1 --importance --json
expect_status 0 "logistic importance as JSON"
cp "$WORK/out" logistic.json
expect_eq "$(jq -r .method logistic.json)" coefficient "logistic: coefficients"
expect_eq "$(jq -r '.features | length' logistic.json)" 19 "one row per raw feature"
# A feature's importance is the sum of |coefficient| over its columns.
diff=$(jq -r '[.features[] | select(.name == "Contract") | .importance][0] as $sum
  | ([.columns[] | select(.feature == "Contract") | (if .value < 0 then -.value else .value end)] | add) as $cols
  | ($sum - $cols) | if . < 0 then -. else . end' logistic.json)
expect_eq "$(awk -v d="$diff" 'BEGIN {print (d < 1e-9)}')" 1 "Contract = sum of its |coefficients| (off by $diff)"
expect_eq "$(jq -r '[.columns[].name] | map(select(startswith("Contract="))) | length' logistic.json)" 3 \
  "Contract's three one-hot columns are named"
expect_eq "$(jq -r '[.features[].share] | add | . * 1000 | round' logistic.json)" 1000 "shares sum to 1"
# The coefficients are the model's own: model.txt holds the same weights.
dir=$(c models show churn --json | jq -r '.versions[] | select(.version == 1) | .artifact_path')
expect_file "$dir/model.txt" "the logistic artifact"
top=$(jq -r '.features[:5][].name' logistic.json | tr '\n' ' ')
if grep -qE "Contract|tenure" <<<"$top"; then pass; else fail "Contract or tenure among the top 5: $top"; fi

run c models show churn/2 --importance
expect_status 0 "xgboost importance as text"
expect_contains "$WORK/err" "churn/2 (xgboost): feature importance by XGBoost total gain" "heading"
expect_contains "$WORK/out" "FEATURE" "feature table"
expect_contains "$WORK/out" "TOTAL_GAIN" "column table with total gain"
expect_eq "$(awk '/^COLUMN/ {on = 1; next} on && NF' "$WORK/out" | wc -l)" 20 \
  "20 encoded columns by default (--top)"
expect_contains "$WORK/err" "showing the 20 largest of 45 encoded columns" "says how many are hidden"
run c models show churn@champion --importance --json --top 0
expect_status 0 "by alias"
expect_eq "$(jq -r .model "$WORK/out")" churn@champion "the reference is echoed"
run c models show churn/2 --importance --json
expect_eq "$(jq -r .method "$WORK/out")" total_gain "xgboost: total gain"
expect_eq "$(jq -r '[.columns[] | select(.average_gain != null)] | length > 0' "$WORK/out")" true \
  "columns carry the average gain"
expect_eq "$(jq -r '.features[0].importance > 0' "$WORK/out")" true "the top feature has gain"

run c models show churn --importance
expect_status 2 "a bare name with --importance"
expect_one_line_error "bare name"
expect_contains "$WORK/err" "churn@champion" "the error names an existing reference"
run c models show churn/9 --importance
expect_status 2 "an unknown version"
expect_one_line_error "unknown version"
finish
