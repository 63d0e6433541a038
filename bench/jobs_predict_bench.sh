#!/usr/bin/env bash
# Partitioned batch scoring (docs/benchmarks.md, "Job queue"): ROWS
# generated rows scored by `jobs submit predict --partitions PARTS` with 1
# and then 2 worker processes (one slot, one scoring thread each, so 2
# workers use the 2 cores a worker machine of this size has), beside
# `churnml predict` on the same file. Time = the parent's finished_ms − the
# first partition's started_ms (the store's own timestamps: scoring, merge,
# publication); the merge alone = the parent's finished_ms − started_ms.
# Each partitioned output is checked byte-identical to `churnml predict`'s.
# SQLite store (the queue's own cost is a few transactions per partition).
#
#   bash bench/jobs_predict_bench.sh build/churnml [ROWS] [PARTS]
# WORKER_COUNTS="1 2 1 2" repeats the runs (the machine is shared: compare
# runs made close together).
set -uo pipefail
CHURNML=$(realpath "${1:?usage: $0 PATH_TO_CHURNML [ROWS] [PARTS]}")
ROWS=${2:-10000000}
PARTS=${3:-8}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/churnml-predict-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 2

echo "machine: $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$CHURNML" data generate --rows 3000 --seed 7 --out train.csv 2>/dev/null
"$CHURNML" train --data train.csv --model logistic --out model --no-track 2>/dev/null
"$CHURNML" data generate --rows "$ROWS" --seed 8 --out big.csv 2>/dev/null
echo "input: $ROWS rows, $(($(stat -c %s big.csv) / 1000000)) MB"

start=$(date +%s.%N)
"$CHURNML" predict --model model --data big.csv --out direct.csv --threads 1 2>/dev/null
echo "churnml predict --threads 1: $(echo "$(date +%s.%N) - $start" | bc) s"
start=$(date +%s.%N)
"$CHURNML" predict --model model --data big.csv --out direct2.csv 2>/dev/null
echo "churnml predict (one thread per core): $(echo "$(date +%s.%N) - $start" | bc) s"

run=0
for workers in ${WORKER_COUNTS:-1 2}; do
  run=$((run + 1))
  store="$WORK/store$run"
  rm -f "scored$workers.csv" "scored$workers.csv.rejects.csv"
  start=$(date +%s.%N)
  id=$("$CHURNML" --store "$store" jobs submit predict --model "$WORK/model" --data big.csv \
    --out "scored$workers.csv" --threads 1 --partitions "$PARTS" --json 2>/dev/null | jq -r .id)
  plan=$(echo "$(date +%s.%N) - $start" | bc)
  pids=()
  for ((w = 1; w <= workers; w++)); do
    "$CHURNML" --store "$store" worker --poll 0.1 2>/dev/null &
    pids+=($!)
  done
  "$CHURNML" --store "$store" jobs wait "$id" --timeout 3600 2>/dev/null || echo "job $id failed"
  kill -TERM "${pids[@]}"
  wait "${pids[@]}" 2>/dev/null
  "$CHURNML" --store "$store" jobs list --limit 10000 --json >"jobs$workers.json"
  echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  jq -r --arg w "$workers" --arg plan "$plan" --argjson id "$id" '
    (.[] | select(.id == $id)) as $p
    | ([.[] | select(.parent_id == $id) | .started_ms] | min) as $first
    | "\($w) worker(s): \(($p.finished_ms - $first) / 1000) s (merge \(($p.finished_ms - $p.started_ms) / 1000) s; submit+plan \($plan) s)"' \
    "jobs$workers.json"
  cmp -s "scored$workers.csv" direct.csv && echo "  output identical to churnml predict's" ||
    echo "  OUTPUT DIFFERS from churnml predict's"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
