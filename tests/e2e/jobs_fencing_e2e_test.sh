#!/usr/bin/env bash
# Failure modes of the job queue with real worker processes, on SQLite and
# a real PostgreSQL (scripts/with_postgres.sh; without it the PostgreSQL
# half fails and says so): a worker SIGKILLed mid-job (rescued after its
# lease, completed once), a worker SIGSTOPped past its lease (another
# finishes; after SIGCONT its completion is refused and the output is the
# other's), deadlines (expired, never started), retries (failed with every
# attempt's error), SIGTERM drain (released, not lost), and predict and
# evaluate jobs whose outputs equal the commands'. docs/jobs.md.
source "$(dirname "$0")/jobs_lib.sh"
source "$(dirname "$0")/lib.sh"


# wait_state STORE ID STATE SECONDS
wait_state() {
  local i s
  for ((i = 0; i < $4 * 10; i++)); do
    s=$(job_field "$1" "$2" .state 2>/dev/null)
    [[ $s == "$3" ]] && return 0
    sleep 0.1
  done
  echo "job $2 is '$s', not '$3' after $4 s" >&2
  return 1
}

submit() {  # submit STORE ARGS... → prints the job id
  local store=$1
  shift
  "$CHURNML" --store "$store" jobs submit "$@" --json | jq -r .id
}

start_worker() {  # start_worker STORE NAME ARGS... → sets $WPID
  local store=$1 name=$2
  shift 2
  "$CHURNML" --store "$store" worker --name "$name" --lease 2 --poll 0.1 --retry-base 0.2 "$@" \
    2>"$WORK/$name.log" &
  WPID=$!
}

stop_worker() { kill -TERM "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

scenarios() {  # scenarios NAME STORE
  local n=$1 store=$2 id a b

  # --- SIGKILL mid-job: rescued after the lease, completed once ----------
  id=$(submit "$store" noop --ms 3000 --out "$WORK/$n-kill.txt")
  start_worker "$store" "$n-killed"
  a=$WPID
  if wait_state "$store" "$id" running 30; then pass; else fail "$n: job never started"; fi
  kill -KILL "$a"
  wait "$a" 2>/dev/null
  start_worker "$store" "$n-rescuer"
  b=$WPID
  if wait_state "$store" "$id" succeeded 60; then pass; else fail "$n: killed job not rescued"; fi
  stop_worker "$b"
  expect_eq "$(job_field "$store" "$id" '.epoch')" 2 "$n: the rescue claimed it with epoch 2"
  expect_eq "$(cat "$WORK/$n-kill.txt")" "job $id epoch 2 worker $n-rescuer" \
    "$n: the output is the rescuer's"
  expect_eq "$(job_field "$store" "$id" '[.events[] | select(.to == "succeeded")] | length')" 1 \
    "$n: succeeded once"
  job_field "$store" "$id" '.events[] | .message' >"$WORK/$n-kill-events"
  expect_contains "$WORK/$n-kill-events" "lease of $n-killed expired (epoch 1" \
    "$n: the event log says whose lease expired"

  # --- SIGSTOP past the lease: the stalled worker's completion is refused -
  id=$(submit "$store" noop --ms 1500 --out "$WORK/$n-stop.txt")
  start_worker "$store" "$n-stalled"
  a=$WPID
  if wait_state "$store" "$id" running 30; then pass; else fail "$n: job never started"; fi
  kill -STOP "$a"
  start_worker "$store" "$n-healthy"
  b=$WPID
  if wait_state "$store" "$id" succeeded 60; then pass; else fail "$n: stalled job not taken over"; fi
  stop_worker "$b"
  kill -CONT "$a"
  # The stalled worker wakes, finishes its wait, and offers its result.
  local i
  for ((i = 0; i < 100; i++)); do
    grep -q "result refused" "$WORK/$n-stalled.log" && break
    sleep 0.1
  done
  expect_contains "$WORK/$n-stalled.log" "job $id (noop): result refused: job $id: lease lost (epoch 1 presented" \
    "$n: the stalled worker's completion is refused"
  stop_worker "$a"
  expect_eq "$(cat "$WORK/$n-stop.txt")" "job $id epoch 2 worker $n-healthy" \
    "$n: the output is the healthy worker's"
  expect_eq "$(job_field "$store" "$id" '[.events[] | select(.to == "succeeded")] | length')" 1 \
    "$n: succeeded once, by epoch 2"
  expect_eq "$(job_field "$store" "$id" '.worker')" "$n-healthy" "$n: recorded worker"
  expect_eq "$(find "$WORK" -maxdepth 1 -name "$n-stop.txt.*" | wc -l)" 0 \
    "$n: the refused worker left no staged output behind"

  # --- deadlines ----------------------------------------------------------
  id=$(submit "$store" noop --ms 0 --deadline +1s)
  local late
  late=$(submit "$store" noop --ms 8000 --deadline +3s)
  sleep 1.5
  start_worker "$store" "$n-deadline"
  a=$WPID
  if wait_state "$store" "$late" expired 30; then pass; else fail "$n: running job past deadline"; fi
  stop_worker "$a"
  expect_eq "$(job_field "$store" "$id" .state)" expired "$n: waiting past its deadline → expired"
  expect_eq "$(job_field "$store" "$id" .attempt)" 0 "$n: the expired job never started"
  if grep -q "job $id (noop) started" "$WORK/$n-deadline.log"; then
    fail "$n: the expired job started"
  else pass; fi
  expect_eq "$(job_field "$store" "$late" '.events[-1].message')" \
    "deadline passed while running: cancelled" "$n: a running job past its deadline is expired"

  # --- retries: retryable errors back off, then the dead letter ----------
  id=$(submit "$store" noop --fail io --max-attempts 3)
  local bad
  bad=$(submit "$store" noop --fail invalid --max-attempts 3)
  start_worker "$store" "$n-retries"
  a=$WPID
  run "$CHURNML" --store "$store" jobs wait "$id" --timeout 60
  expect_status 2 "$n: jobs wait exits 2 for a failed job"
  expect_contains "$WORK/err" "job $id failed: IOError: noop --fail io on attempt 3" \
    "$n: jobs wait names the last error"
  wait_state "$store" "$bad" failed 30
  stop_worker "$a"
  job_field "$store" "$id" '.events[] | select(.from == "running") | .message' >"$WORK/$n-errors"
  expect_eq "$(wc -l <"$WORK/$n-errors")" 3 "$n: one error event per attempt"
  expect_contains "$WORK/$n-errors" "attempt 1 of 3: IOError: noop --fail io on attempt 1 (retry in" \
    "$n: the first attempt's error and its backoff"
  expect_contains "$WORK/$n-errors" "attempt 3 of 3: IOError: noop --fail io on attempt 3" \
    "$n: the last attempt's error"
  expect_eq "$(job_field "$store" "$bad" .attempt)" 1 "$n: a non-retryable error is not retried"
  run "$CHURNML" --store "$store" jobs list --state failed --json
  expect_eq "$(jq 'length' "$WORK/out")" 2 "$n: failed jobs stay listable (dead letter)"
  run "$CHURNML" --store "$store" jobs retry "$bad"
  expect_status 0 "$n: jobs retry"
  expect_eq "$(job_field "$store" "$bad" .state)" available "$n: retried job is available"
  run "$CHURNML" --store "$store" jobs cancel "$bad"
  expect_status 0 "$n: jobs cancel"
  run "$CHURNML" --store "$store" jobs cancel "$bad"
  expect_status 2 "$n: cancelling a cancelled job"
  expect_one_line_error "$n: cancelling a cancelled job"

  # --- SIGTERM drain: a job still running after --grace is released ------
  id=$(submit "$store" noop --ms 20000)
  start_worker "$store" "$n-drain" --grace 0.5
  a=$WPID
  wait_state "$store" "$id" running 30
  kill -TERM "$a"
  wait "$a"
  expect_eq "$?" 0 "$n: the draining worker exits 0"
  expect_eq "$(job_field "$store" "$id" .state)" available "$n: its job is back in the queue"
  expect_eq "$(job_field "$store" "$id" .attempt)" 0 "$n: releasing used up no attempt"
  run "$CHURNML" --store "$store" jobs cancel "$id"

  # --- predict and evaluate jobs equal the commands ----------------------
  id=$(submit "$store" predict --model model --data score.csv --out "$n-jobs.csv")
  local ev
  ev=$(submit "$store" evaluate --model model --data score.csv --out "$n-metrics.json")
  start_worker "$store" "$n-predict"
  a=$WPID
  run "$CHURNML" --store "$store" jobs wait "$id" --timeout 120
  expect_status 0 "$n: predict job succeeded"
  run "$CHURNML" --store "$store" jobs wait "$ev" --timeout 120
  expect_status 0 "$n: evaluate job succeeded"
  stop_worker "$a"
  if cmp -s "$n-jobs.csv" direct.csv; then pass; else
    fail "$n: the predict job's output differs from churnml predict's"
  fi
  expect_eq "$(jq -c .metrics "$n-metrics.json")" "$(jq -c .metrics direct-metrics.json)" \
    "$n: the evaluate job's metrics equal churnml evaluate's"
  expect_eq "$(job_field "$store" "$id" .result.rows.scored)" 2000 "$n: lineage: rows scored"
}

"$CHURNML" data generate --rows 3000 --seed 7 --out train.csv 2>/dev/null
"$CHURNML" data generate --rows 2000 --seed 8 --out score.csv 2>/dev/null
run "$CHURNML" train --data train.csv --model logistic --out model --no-track
expect_status 0 "train a model to score with"
run "$CHURNML" predict --model model --data score.csv --out direct.csv
expect_status 0 "churnml predict"
run "$CHURNML" evaluate --model model --data score.csv --out direct-metrics.json
expect_status 0 "churnml evaluate"

# Job validation is the command's own, at submission.
run "$CHURNML" --store "$WORK/sqlite" jobs submit predict --model model --data score.csv
expect_status 2 "predict job without --out"
expect_contains "$WORK/err" "--out is required" "the command's own message"
run "$CHURNML" --store "$WORK/sqlite" jobs submit predict --model model --data - --out x.csv
expect_status 2 "a job cannot read stdin"
run "$CHURNML" --store "$WORK/sqlite" jobs submit transcode --x 1
expect_status 2 "unknown kind"
expect_contains "$WORK/err" "known: drift, evaluate, noop, predict, predict-partition, report, retrain, train" \
  "the known kinds are listed"

scenarios sqlite "$WORK/sqlite"
if [[ -z ${CHURNML_TEST_PG_URI-} ]]; then
  fail "no PostgreSQL server for the PostgreSQL half (run through scripts/with_postgres.sh)"
else
  pg=$(fresh_pg_store fencing)
  scenarios postgres "$pg"
  drop_pg_store fencing
fi
finish
