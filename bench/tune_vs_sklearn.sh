#!/usr/bin/env bash
# `churnml tune` beside scikit-learn's HalvingRandomSearchCV (the Python peer,
# bench/halving_reference.py) on the same generated data (--difficulty 1),
# the same XGBoost search ranges, 3-fold CV ROC AUC, halving factor 3 on
# training rows, and the same number of parallel jobs. Prints one JSON line
# per tool: the defaults' CV AUC, the best CV AUC, the refit's test AUC and
# the wall time. docs/benchmarks.md quotes a run.
#
#   bash bench/tune_vs_sklearn.sh build/churnml [ROWS] [TRIALS] [JOBS]
set -euo pipefail
CHURNML=$(realpath "${1:?usage: $0 PATH_TO_CHURNML [ROWS] [TRIALS] [JOBS]}")
ROWS=${2:-20000}
TRIALS=${3:-27}
JOBS=${4:-2}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/churnml-tune-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

"$CHURNML" data generate --rows "$ROWS" --seed 7 --difficulty 1 --out "$WORK/d.csv" 2>/dev/null
start=$(date +%s.%N)
CHURNML_STORE="$WORK/mlruns" "$CHURNML" tune --data "$WORK/d.csv" --model xgboost \
  --trials "$TRIALS" --cv 3 --parallel "$JOBS" --json >"$WORK/tune.json" 2>/dev/null
end=$(date +%s.%N)
jq -c --arg s "$(echo "$end - $start" | bc)" '{tool: "churnml tune", rows: '"$ROWS"',
  candidates: '"$TRIALS"', default_cv_roc_auc: .baseline.cv_metric, best_cv_roc_auc: .best.cv_metric,
  test_roc_auc: .refit.test_metrics.roc_auc, best: .best.hyperparameters,
  search_seconds: .seconds, total_seconds: ($s | tonumber)}' "$WORK/tune.json"
/usr/bin/python3 "$HERE/halving_reference.py" "$WORK/d.csv" "$TRIALS" "$JOBS" |
  jq -c '{tool: "sklearn HalvingRandomSearchCV"} + .'
