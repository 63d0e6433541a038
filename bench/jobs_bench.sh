#!/usr/bin/env bash
# Job queue benchmarks (docs/benchmarks.md, "Job queue"):
#   1. no-op throughput: JOBS noop jobs queued first, then 1, 2 and 4 worker
#      processes drain them; jobs/s = JOBS / (last finish − first start),
#      read from the store's own timestamps;
#   2. submit-to-start latency: one idle worker, SAMPLES jobs submitted one
#      at a time; latency = started_ms − created_ms of each job.
# On SQLite (a folder) and, when CHURNML_TEST_PG_URI is set (run it through
# scripts/with_postgres.sh), on PostgreSQL.
#
#   bash scripts/with_postgres.sh bash bench/jobs_bench.sh build/churnml [JOBS] [SAMPLES]
set -uo pipefail
CHURNML=$(realpath "${1:?usage: $0 PATH_TO_CHURNML [JOBS] [SAMPLES]}")
JOBS=${2:-1000}
SAMPLES=${3:-30}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/churnml-jobs-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 2

new_store() {  # new_store BACKEND NAME → URI
  if [[ $1 == sqlite ]]; then echo "$WORK/$2"; return; fi
  local db="jobs_bench_$2_$$"
  psql "$CHURNML_TEST_PG_URI" -qc "CREATE DATABASE $db" >/dev/null
  mkdir -p "$WORK/art-$2"
  echo "${CHURNML_TEST_PG_URI%/*}/$db?artifact_root=$WORK/art-$2"
}

fill() {  # fill STORE N
  seq 1 "$2" | xargs -P 4 -I{} "$CHURNML" --store "$1" jobs submit noop --ms 0 >/dev/null
}

drain() {  # drain STORE WORKERS → prints jobs/s
  local store=$1 workers=$2 pids=() w
  for ((w = 1; w <= workers; w++)); do
    "$CHURNML" --store "$store" worker --poll 0.05 2>/dev/null &
    pids+=($!)
  done
  while :; do
    local done_count
    done_count=$("$CHURNML" --store "$store" jobs stats --json | jq '[.[].counts.succeeded // 0] | add // 0')
    [[ $done_count -ge $JOBS ]] && break
    sleep 0.5
  done
  kill -TERM "${pids[@]}"
  wait "${pids[@]}" 2>/dev/null
  "$CHURNML" --store "$store" jobs list --limit $((JOBS + 10)) --json |
    jq -r "($JOBS / ((([.[].finished_ms] | max) - ([.[].started_ms] | min)) / 1000)) | floor"
}

latency() {  # latency STORE → prints p50 p90 max (ms)
  local store=$1 i pid
  "$CHURNML" --store "$store" worker --poll "${POLL:-1}" 2>/dev/null &
  pid=$!
  sleep 2
  for ((i = 0; i < SAMPLES; i++)); do
    "$CHURNML" --store "$store" jobs submit noop --ms 0 >/dev/null
    sleep 0.3
  done
  sleep 2
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null
  "$CHURNML" --store "$store" jobs list --limit $((SAMPLES + 10)) --json |
    jq -r '[.[] | .started_ms - .created_ms] | sort | "p50 \(.[length / 2 | floor]) ms, p90 \(.[length * 9 / 10 | floor]) ms, max \(.[-1]) ms"'
}

backends=(sqlite)
[[ -n ${CHURNML_TEST_PG_URI-} ]] && backends+=(postgres)
echo "machine: $(nproc) cores, $(uname -r); $JOBS no-op jobs; $SAMPLES latency samples"
for b in "${backends[@]}"; do
  for workers in 1 2 4; do
    store=$(new_store "$b" "t$workers")
    fill "$store" "$JOBS"
    echo "$b: $workers worker(s): $(drain "$store" "$workers") jobs/s"
  done
  store=$(new_store "$b" lat)
  if [[ $b == postgres ]]; then
    echo "$b: submit-to-start (LISTEN/NOTIFY, poll 1 s fallback): $(POLL=1 latency "$store")"
  else
    echo "$b: submit-to-start (polling every 1 s): $(POLL=1 latency "$store")"
    store=$(new_store "$b" lat2)
    echo "$b: submit-to-start (polling every 0.05 s): $(POLL=0.05 latency "$store")"
  fi
done
