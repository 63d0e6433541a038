#!/usr/bin/env bash
# Training and evaluation against the scikit-learn/XGBoost peer on the same
# generated file, in the same run (issue 16): logistic regression with the
# dense solver and with liblinear (`--solver liblinear`, the code path
# before issue 16), XGBoost, and `evaluate`. Every line carries wall time,
# CPU time (user + system), peak RSS (GNU time -v) and the 1-minute load
# average when it started: the machine is shared, so a figure without its
# load says little.
#
#   bash bench/train_speed.sh BUILD_DIR [ROWS] [RUNS]
set -euo pipefail
BUILD=${1:?usage: $0 BUILD_DIR [ROWS] [RUNS]}
ROWS=${2:-1000000}
RUNS=${3:-1}
CHURNML="$BUILD/churnml"
OUT="$BUILD/bench-results/train-speed"
mkdir -p "$OUT"
DATA="$OUT/telco-$ROWS.csv"
PY=/usr/bin/python3
HERE=$(dirname "$0")

[[ -f $DATA ]] || "$CHURNML" data generate --rows "$ROWS" --seed 1 --out "$DATA" 2>/dev/null
echo "== $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $ROWS rows, $(du -m "$DATA" | cut -f1) MB"

# measure LABEL CMD...: wall seconds, peak RSS and load average of one run;
# stdout of the command is kept in $OUT/LABEL.out.
measure() {
  local label=$1
  shift
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -v -o "$OUT/$label.time" "$@" >"$OUT/$label.out" 2>"$OUT/$label.err"
  local secs kb cpu
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$OUT/$label.time")
  kb=$(awk -F': ' '/Maximum resident set size/{print $2}' "$OUT/$label.time")
  # user + system: on a loaded machine the steadier figure to compare.
  cpu=$(awk -F': ' '/User time|System time/{s+=$2} END{print s}' "$OUT/$label.time")
  printf '%-26s %7.2f s  CPU %6.2f s  peak RSS %6.0f MB  load %s' "$label" "$secs" "$cpu" \
    "$(echo "$kb/1024" | bc -l)" "$load"
}

auc_of() { jq -r '.metrics.roc_auc // .roc_auc' "$OUT/$1.out"; }
timings_of() { jq -c '.timings // {read: .read_seconds, fit: .fit_seconds}' "$OUT/$1.out"; }

for run in $(seq 1 "$RUNS"); do
  echo "-- run $run"
  for solver in dense liblinear; do
    measure "logistic-$solver" "$CHURNML" train --data "$DATA" --model logistic --solver "$solver" \
      --no-track --force --out "$OUT/model-logistic-$solver" --json
    echo "  AUC $(auc_of "logistic-$solver")  $(timings_of "logistic-$solver")"
  done
  measure "py-logistic" "$PY" "$HERE/python_reference.py" train-logistic "$DATA"
  echo "  AUC $(auc_of py-logistic)  $(timings_of py-logistic)"
  measure "xgboost" "$CHURNML" train --data "$DATA" --model xgboost --n-estimators 100 \
    --max-depth 6 --no-track --force --out "$OUT/model-xgboost" --json
  echo "  AUC $(auc_of xgboost)  $(timings_of xgboost)"
  measure "py-xgboost" "$PY" "$HERE/python_reference.py" train-xgboost "$DATA"
  echo "  AUC $(auc_of py-xgboost)  $(timings_of py-xgboost)"
  measure "evaluate-logistic" "$CHURNML" evaluate --model "$OUT/model-logistic-dense" \
    --data "$DATA" --json
  echo "  AUC $(jq -r '.metrics.roc_auc' "$OUT/evaluate-logistic.out")"
done
