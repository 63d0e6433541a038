#!/usr/bin/env bash
# `churnml export --format onnx`: a logistic and an XGBoost model, trained on
# generated data, exported as one ONNX graph each, pass ONNX's own checker
# (python3-onnx, full_check with shape inference) and score 10,000 new rows in
# onnxruntime-node (a runtime churnml did not write) with the same
# probabilities as `churnml predict`, within 1e-6 absolute (docs/export.md
# explains the float32 bound), and the same labels wherever the probability is
# not within that bound of the threshold. Refusals are one line naming the
# part that has no exact ONNX form.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$(dirname "$0")/lib.sh"

ORT_DIR="$ROOT/tests/onnx"
if ! command -v node >/dev/null 2>&1 || [[ ! -d $ORT_DIR/node_modules/onnxruntime-node ]]; then
  echo "SKIP: onnxruntime-node is not installed (npm ci --ignore-scripts --prefix tests/onnx)"
  exit 77
fi
TOLERANCE=1e-6

run "$CHURNML" data generate --rows 6000 --seed 21 --out train.csv
expect_status 0 "generate training data"
run "$CHURNML" data generate --rows 10000 --seed 22 --out new.csv
expect_status 0 "generate rows to score"
# Missing values: TotalCharges is blank for every tenure-0 customer (NaN
# in the graph's double input, imputed with the training median).
blank=$(awk -F, 'NR > 1 && $20 ~ /^ *$/' new.csv | wc -l | tr -d ' ')
expect_eq "$blank" "$(awk -F, 'NR > 1 && $6 == 0' new.csv | wc -l | tr -d ' ')" \
  "blank TotalCharges for every tenure-0 row"
if ((blank == 0)); then fail "the rows to score have no missing value"; fi

# export_and_compare KIND MODEL_DIR [TOLERANCE]: export, check, score both
# ways, compare.
export_and_compare() {
  local kind=$1 model=$2 tolerance=${3:-$TOLERANCE}
  run "$CHURNML" export --model "$model" --format onnx --out "$kind.onnx" --json
  expect_status 0 "$kind: export"
  cp "$WORK/out" "$kind.inputs.json"
  expect_eq "$(jq -r '.model_kind' "$kind.inputs.json")" "$kind" "$kind: model kind in --json"
  expect_eq "$(jq -r '.inputs | length' "$kind.inputs.json")" 19 "$kind: one input per feature column"
  expect_eq "$(jq -r '.inputs[] | select(.name == "tenure") | .type' "$kind.inputs.json")" double \
    "$kind: numeric columns are double inputs"
  expect_eq "$(jq -r '.inputs[] | select(.name == "Contract") | .type' "$kind.inputs.json")" string \
    "$kind: categorical columns are string inputs"
  expect_eq "$(ls -a | grep -c '\.tmp-')" 0 "$kind: no temporary file left"
  # Debian's python3-onnx (scripts/packages.d/export.txt), not churnml's copy.
  run /usr/bin/python3 - "$kind.onnx" <<'PY'
import sys
import onnx
m = onnx.load(sys.argv[1])
onnx.checker.check_model(m, full_check=True)
ops = sorted({(n.domain or "ai.onnx") + ":" + n.op_type for n in m.graph.node})
print(" ".join(ops))
PY
  expect_status 0 "$kind: onnx.checker.check_model(full_check=True)"
  expect_contains "$WORK/out" "ai.onnx.ml:OneHotEncoder" "$kind: one-hot encoding in the graph"
  expect_contains "$WORK/out" "ai.onnx.ml:LabelEncoder" "$kind: category lookup in the graph"
  local model_op=ai.onnx.ml:LinearClassifier
  [[ $kind == xgboost ]] && model_op=ai.onnx.ml:TreeEnsembleClassifier
  expect_contains "$WORK/out" "$model_op" "$kind: the model's operator"

  run node "$ORT_DIR/score.mjs" "$kind.onnx" "$kind.inputs.json" new.csv "$kind.ort.csv"
  expect_status 0 "$kind: onnxruntime-node scores the rows"
  cat "$WORK/err" >&2
  run "$CHURNML" predict --model "$model" --data new.csv --out "$kind.churnml.csv"
  expect_status 0 "$kind: churnml predict"
  local threshold
  threshold=$(jq -r '.threshold' "$kind.inputs.json")
  run node "$ORT_DIR/compare.mjs" "$kind.churnml.csv" "$kind.ort.csv" "$tolerance" "$threshold"
  echo "$model: $(cat "$WORK/out")" >&2
  expect_status 0 "$model: probabilities within $tolerance of churnml's, same labels"
  expect_eq "$(jq -r '.rows' "$WORK/out")" 10000 "$kind: 10,000 rows compared"
}

run "$CHURNML" train --data train.csv --model logistic --no-track --out logistic
expect_status 0 "train logistic"
export_and_compare logistic logistic
run "$CHURNML" train --data train.csv --model xgboost --no-track --out xgboost
expect_status 0 "train xgboost"
export_and_compare xgboost xgboost

# Through the registry: NAME@ALIAS resolves as predict resolves it.
run "$CHURNML" --store store train --data train.csv --model logistic --register churn --alias champion
expect_status 0 "train and register"
run "$CHURNML" --store store export --model churn@champion --out registered.onnx
expect_status 0 "export churn@champion"
expect_file registered.onnx "the registered model's graph"

# Calibration (train --calibrate): Platt is part of the graph; isotonic is refused.
run "$CHURNML" train --data train.csv --model logistic --no-track --calibrate platt \
  --out platt-logistic
expect_status 0 "train logistic with Platt calibration"
export_and_compare logistic platt-logistic
run "$CHURNML" train --data train.csv --model xgboost --no-track --calibrate platt \
  --out platt-xgboost
expect_status 0 "train xgboost with Platt calibration"
expect_eq "$(jq -r '.calibration' <("$CHURNML" export --model platt-xgboost --out p.onnx --json))" \
  platt "the calibration is part of the graph"
# XGBoost and ONNX Runtime both sum the trees' leaves in float32, in a
# different order (ORT adds the base margin last): the margins differ by a
# few float32 steps, and Platt's slope a * p(1 - p) carries that difference
# into the calibrated probability where p is near 0.5 (docs/export.md).
export_and_compare xgboost platt-xgboost 1e-5
run "$CHURNML" train --data train.csv --model logistic --no-track --calibrate isotonic \
  --out isotonic
expect_status 0 "train with isotonic calibration"
run "$CHURNML" export --model isotonic --out isotonic.onnx
expect_status 2 "isotonic calibration is refused"
expect_one_line_error "isotonic refusal"
expect_contains "$WORK/err" "isotonic calibration" "the refusal names the part"
expect_no_file isotonic.onnx "nothing written when refused"

run "$CHURNML" export --model logistic --format pmml --out x.pmml
expect_status 2 "an unknown format"
expect_one_line_error "unknown format"
run "$CHURNML" export --model nowhere --out x.onnx
expect_status 2 "a missing model"
expect_one_line_error "missing model"
expect_no_file x.onnx "nothing written for a missing model"
finish
