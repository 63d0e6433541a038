#!/usr/bin/env bash
# The job queue with real worker processes, on SQLite and on a real
# PostgreSQL (scripts/with_postgres.sh exports CHURNML_TEST_PG_URI; without
# it the PostgreSQL half fails and says so): 4 workers drain 1,000 jobs of
# mixed priority, each claimed and run exactly once, and a priority-1 job
# submitted last starts first. docs/jobs.md.
source "$(dirname "$0")/jobs_lib.sh"
source "$(dirname "$0")/lib.sh"

JOBS=1000
WORKERS=4

# wait_for_count STORE STATE N SECONDS: polls jobs stats until N jobs are
# in STATE. Returns 1 on timeout.
wait_for_count() {
  local store=$1 state=$2 n=$3 seconds=$4 i got
  for ((i = 0; i < seconds * 5; i++)); do
    got=$("$CHURNML" --store "$store" jobs stats --json 2>/dev/null |
      jq "[.[].counts.\"$state\" // 0] | add // 0")
    [[ $got -ge $n ]] && return 0
    sleep 0.2
  done
  echo "timeout: $got of $n jobs $state" >&2
  return 1
}

exactly_once() {  # exactly_once NAME STORE
  local name=$1 store=$2
  # Submit with the workers stopped, four submitters at once; priorities 2–5.
  # Each job takes 10 ms so that no worker can drain the queue before the
  # last one has started (with 0 ms, three workers under CI load once took
  # all 1,000 before the fourth claimed any).
  seq 1 $JOBS | xargs -P 4 -I{} sh -c \
    '"$0" --store "$1" jobs submit noop --ms 10 --priority $(( {} % 4 + 2 )) >/dev/null' \
    "$CHURNML" "$store"
  run "$CHURNML" --store "$store" jobs submit noop --ms 0 --priority 1 --json
  expect_status 0 "$name: submit the priority-1 job last"
  local urgent
  urgent=$(jq -r .id "$WORK/out")
  run "$CHURNML" --store "$store" jobs stats --json
  expect_eq "$(jq '.default.counts.available' "$WORK/out")" "$((JOBS + 1))" \
    "$name: every submission is queued"

  local pids=() w
  for ((w = 1; w <= WORKERS; w++)); do
    "$CHURNML" --store "$store" worker --name "w$w" --poll 0.2 --concurrency 1 \
      2>"$WORK/$name-worker$w.log" &
    pids+=($!)
  done
  if wait_for_count "$store" succeeded $((JOBS + 1)) 150; then pass; else
    fail "$name: not every job succeeded within 150 s"
  fi
  kill -TERM "${pids[@]}" 2>/dev/null
  local code
  for w in "${pids[@]}"; do
    wait "$w"
    code=$?
    expect_eq "$code" 0 "$name: a worker drains and exits 0 on SIGTERM"
  done

  cat "$WORK/$name"-worker*.log >"$WORK/$name-all.log"
  local starts distinct
  starts=$(grep -c ') started: ' "$WORK/$name-all.log")
  distinct=$(grep -o 'job [0-9]* (noop) started' "$WORK/$name-all.log" | sort -u | wc -l)
  expect_eq "$starts" "$((JOBS + 1))" "$name: the workers started $((JOBS + 1)) jobs in all"
  expect_eq "$distinct" "$((JOBS + 1))" "$name: no job started twice"
  local busy=0
  for ((w = 1; w <= WORKERS; w++)); do
    grep -q ') started: ' "$WORK/$name-worker$w.log" && busy=$((busy + 1))
  done
  expect_eq "$busy" "$WORKERS" "$name: every worker ran jobs"

  run "$CHURNML" --store "$store" jobs list --limit 5000 --json
  expect_status 0 "$name: jobs list --json"
  expect_eq "$(jq 'length' "$WORK/out")" "$((JOBS + 1))" "$name: list has every job"
  expect_eq "$(jq '[.[] | select(.state == "succeeded" and .epoch == 1 and .attempt == 1)] | length' \
    "$WORK/out")" "$((JOBS + 1))" "$name: every job claimed once (epoch 1) and succeeded"
  # Claims that run at the same moment skip each other's locked rows, so up
  # to WORKERS jobs start together: the priority-1 job is among them, ahead
  # of the 1,000 older ones.
  local urgent_start started_before
  urgent_start=$(jq ".[] | select(.id == $urgent) | .started_ms" "$WORK/out")
  started_before=$(jq "[.[] | select(.started_ms < $urgent_start)] | length" "$WORK/out")
  if [[ $started_before -lt $WORKERS ]]; then pass; else
    fail "$name: $started_before older jobs started before the priority-1 job"
  fi
  # Within priority, older first: the last priority-5 job started after the
  # first priority-2 job.
  local p5_last p2_first
  p5_last=$(jq '[.[] | select(.priority == 5) | .started_ms] | max' "$WORK/out")
  p2_first=$(jq '[.[] | select(.priority == 2) | .started_ms] | min' "$WORK/out")
  if [[ $p5_last -ge $p2_first ]]; then pass; else fail "$name: priority 5 ran before 2"; fi
  # The event log: submitted, claimed, succeeded — three rows per job.
  run "$CHURNML" --store "$store" jobs show "$urgent" --json
  expect_eq "$(jq -c '[.events[] | .to]' "$WORK/out")" '["available","running","succeeded"]' \
    "$name: the event log of a job"
}

exactly_once sqlite "$WORK/sqlite-store"

if [[ -z ${CHURNML_TEST_PG_URI-} ]]; then
  fail "no PostgreSQL server for the queue on PostgreSQL (run through scripts/with_postgres.sh)"
else
  pg=$(fresh_pg_store queue)
  if [[ -z $pg ]]; then fail "cannot create a PostgreSQL database"; else
    exactly_once postgres "$pg"
    drop_pg_store queue
  fi
fi
finish
