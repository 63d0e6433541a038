#!/usr/bin/env bash
# Runs the micro-benchmarks (Google Benchmark) and the scripted end-to-end
# benchmarks on 1M generated Telco rows. Figures go to stdout and to
# $BUILD/bench-results/; docs/benchmarks.md records them with this command.
#
#   bash bench/run_benchmarks.sh BUILD_DIR [ROWS]
set -euo pipefail
BUILD=${1:?usage: $0 BUILD_DIR [ROWS]}
ROWS=${2:-1000000}
CHURNML="$BUILD/churnml"
OUT="$BUILD/bench-results"
mkdir -p "$OUT"
DATA="$OUT/telco-$ROWS.csv"

# Benchmark-only packages (the baseline Python stack, timing tools).
missing=()
while read -r pkg; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done <"$(dirname "$0")/packages.txt"
if ((${#missing[@]} > 0)); then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
PY=/usr/bin/python3  # Debian's, where python3-sklearn lives

echo "== machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

echo "== micro-benchmarks"
for b in "$BUILD"/bench/*_bench; do
  [[ -x $b ]] || continue
  echo "-- $(basename "$b")"
  "$b" --benchmark_min_time=0.2 2>&1 | tee "$OUT/$(basename "$b").txt"
done

# measure LABEL CMD...: wall seconds and peak RSS of one run.
measure() {
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" >"$OUT/$label.out" 2>"$OUT/$label.err"
  read -r secs kb <"$OUT/time.txt"
  printf '%-28s %8.2f s  peak RSS %6.1f MB\n' "$label" "$secs" "$(echo "$kb/1024" | bc -l)"
}

echo "== end to end on $ROWS rows"
rm -rf "$OUT/models"
measure "data generate" "$CHURNML" data generate --rows "$ROWS" --seed 1 --out "$DATA"
echo "   file size: $(du -m "$DATA" | cut -f1) MB"
measure "data validate" "$CHURNML" data validate "$DATA"
measure "train logistic" "$CHURNML" train --data "$DATA" --model logistic --no-track --out "$OUT/models/logistic" --json
echo "   ROC AUC (test split): $(jq -r .metrics.roc_auc "$OUT/train logistic.out")  timings: $(jq -c .timings "$OUT/train logistic.out")"
measure "train xgboost" "$CHURNML" train --data "$DATA" --model xgboost --n-estimators 100 --max-depth 6 --threads 2 --no-track --out "$OUT/models/xgb" --json
echo "   ROC AUC (test split): $(jq -r .metrics.roc_auc "$OUT/train xgboost.out")  timings: $(jq -c .timings "$OUT/train xgboost.out")"
measure "predict logistic" "$CHURNML" predict --model "$OUT/models/logistic" --input "$DATA" --output "$OUT/scored.csv"
measure "predict xgboost" "$CHURNML" predict --model "$OUT/models/xgb" --input "$DATA" --output "$OUT/scored-xgb.csv"
measure "evaluate logistic" "$CHURNML" evaluate --model "$OUT/models/logistic" --data "$DATA"

echo "== the Python stack on the same data (bench/python_reference.py)"
measure "py train logistic" "$PY" bench/python_reference.py train-logistic "$DATA" "$OUT/py-logistic.pkl"
echo "   $(cat "$OUT/py train logistic.out")"
measure "py train xgboost" "$PY" bench/python_reference.py train-xgboost "$DATA"
echo "   $(cat "$OUT/py train xgboost.out")"
measure "py predict logistic" "$PY" bench/python_reference.py predict "$OUT/py-logistic.pkl" "$DATA" "$OUT/py-scored.csv"
echo "   $(cat "$OUT/py predict logistic.out")"
