#!/usr/bin/env bash
# `churnml drift` on a wide synthetic table (default 1M rows x 200 numeric
# features) against its Python peer (bench/drift_reference.py: pandas +
# numpy + scipy computing the same statistics), in the same run on the same
# files. docs/benchmarks.md records the figures with this command.
#
#   bash bench/drift_wide_bench.sh BUILD_DIR [ROWS] [FEATURES] [RUNS]
#
# Data: a reference of 50,000 rows and a current file of ROWS rows (20 % of
# the features shifted by 0.5 standard deviations); the current file repeats
# a block of 50,000 generated rows (every row is still read, binned and
# tested; generating 1M distinct rows of text in Python takes minutes).
set -euo pipefail
BUILD=${1:?usage: $0 BUILD_DIR [ROWS] [FEATURES] [RUNS]}
ROWS=${2:-1000000}
FEATURES=${3:-200}
RUNS=${4:-3}
CHURNML=$(realpath "$BUILD/churnml")
HERE=$(cd "$(dirname "$0")" && pwd)
OUT="$BUILD/bench-results/drift-wide"
PY=/usr/bin/python3  # Debian's, with python3-numpy, -scipy and -pandas
mkdir -p "$OUT"
cd "$OUT"

"$PY" - "$ROWS" "$FEATURES" <<'PYEOF'
import sys
import numpy as np
rows, features = int(sys.argv[1]), int(sys.argv[2])
names = [f"f{i:03d}" for i in range(features)]
with open("wide.yaml", "w") as f:
    f.write("name: wide\npositive_label: \"1\"\ncolumns:\n  - {name: id, role: id}\n")
    for n in names:
        f.write(f"  - {{name: {n}, type: numeric}}\n")
    f.write("  - {name: y, role: target, categories: [\"0\", \"1\"]}\n")

def block(seed, n, shift):
    rng = np.random.default_rng(seed)
    x = rng.normal(50.0, 10.0, (n, features))
    x[:, : features // 5] += shift * 10.0
    y = (x[:, 0] + x[:, 1] - x[:, 2] + rng.normal(0, 10, n) > 50).astype(int)
    return np.round(x, 2), y

def write(path, x, y, repeat):
    n = len(y)
    text = []
    for r in range(n):
        text.append(",".join(f"{v:.2f}" for v in x[r]) + f",{y[r]}\n")
    with open(path, "w") as f:
        f.write("id," + ",".join(names) + ",y\n")
        for k in range(repeat):
            for r in range(n):
                f.write(f"c{k * n + r}," + text[r])

x, y = block(1, 50000, 0.0)
write("reference.csv", x, y, 1)
x, y = block(2, 50000, 0.5)
write("current.csv", x, y, max(1, rows // 50000))
PYEOF
echo "== data: $(wc -l <current.csv) lines, $(du -h current.csv | cut -f1) current; $(du -h reference.csv | cut -f1) reference"

rm -rf model
"$CHURNML" train --schema wide.yaml --data reference.csv --no-track --out model --model logistic \
  >/dev/null 2>train.err || { cat train.err; exit 1; }

echo "== churnml drift (wall s, peak RSS KB; load / score / bin+statistics s from --json)"
for ((i = 1; i <= RUNS; i++)); do
  /usr/bin/time -f "%e %M" -o time.txt "$CHURNML" drift --model model --data current.csv \
    --json --fail-on never >drift.json 2>drift.err || { cat drift.err; exit 1; }
  read -r secs kb <time.txt
  echo "run $i: $secs s, $kb KB; $(jq -r '"load \(.timings.load_seconds) / score \(.timings.score_seconds) / compare \(.timings.compare_seconds); drifted \(.drifted_features) of \(.features | length)"' drift.json)"
done

echo "== Python peer (pandas + numpy + scipy), same files"
for ((i = 1; i <= RUNS; i++)); do
  /usr/bin/time -f "%e %M" -o time.txt "$PY" "$HERE/drift_reference.py" \
    reference.csv current.csv --profile model/profile.json --churnml drift.json >py.json
  read -r secs kb <time.txt
  echo "run $i: $secs s, $kb KB; $(jq -c . py.json)"
done
