#!/usr/bin/env bash
# The train, drift, report and retrain job kinds and cron schedules with real
# worker processes, on SQLite and a real PostgreSQL (scripts/with_postgres.sh;
# without it the PostgreSQL half fails and says so): each kind's result and
# outputs, its registry writes (a train job registers a version and moves an
# alias, tagged with the job), submission-time validation with one-line
# errors, and a "* * * * *" schedule with three workers per store enqueueing
# the minute's tick exactly once, counted by the workers' --metrics-port
# endpoints (checked with promtool, with the job duration histogram and
# churnml_jobs_queue_depth), and per-queue rate limits kept by the three
# workers together. docs/jobs.md.
source "$(dirname "$0")/jobs_lib.sh"
source "$(dirname "$0")/lib.sh"

submit() {  # submit STORE ARGS... → prints the job id
  local store=$1
  shift
  "$CHURNML" --store "$store" jobs submit "$@" --json | jq -r .id
}
start_worker() {  # start_worker STORE NAME ARGS... → sets $WPID
  local store=$1 name=$2
  shift 2
  "$CHURNML" --store "$store" worker --name "$name" --poll 0.2 "$@" 2>"$WORK/$name.log" &
  WPID=$!
}
stop_worker() { kill -TERM "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

kinds() {  # kinds NAME STORE
  local n=$1 store=$2 tr dr rp rt w
  tr=$(submit "$store" train --data train.csv --register churn --alias champion \
    --experiment jobs --out "$WORK/$n-model")
  dr=$(submit "$store" drift --model churn@champion --data shifted.csv --html "$n-drift.html")
  rp=$(submit "$store" report --model churn@champion --data score.csv --out "$n-report.html" \
    --importance-rows 200)
  rt=$(submit "$store" retrain --model churn@champion --data train2.csv)
  start_worker "$store" "$n-w"
  w=$WPID
  for id in $tr $dr $rp $rt; do
    run "$CHURNML" --store "$store" jobs wait "$id" --timeout 150
    expect_status 0 "$n: job $id ($(job_field "$store" "$id" .kind)) succeeded"
  done
  stop_worker "$w"

  # train: a version registered under the alias, the run tagged with the job.
  expect_eq "$(job_field "$store" "$tr" .result.version)" 1 "$n: train registered version 1"
  expect_eq "$(job_field "$store" "$tr" .result.alias)" champion "$n: train moved the alias"
  expect_file "$WORK/$n-model/model.json" "$n: train's --out published"
  run "$CHURNML" --store "$store" runs show "$(job_field "$store" "$tr" .result.run)" --json
  expect_status 0 "$n: the train job's run exists"
  expect_eq "$(jq -r '.tags.job_id' "$WORK/out")" "$tr" "$n: the run is tagged with the job id"
  run "$CHURNML" --store "$store" models show churn --json
  expect_status 0 "$n: models show churn"
  expect_eq "$(jq -r '.aliases.champion // .versions[0].aliases[0] // empty' "$WORK/out" | head -1 |
    sed 's/^1$/champion/')" champion "$n: churn@champion exists"
  ls "$WORK" | grep -q "$n-model.job" && fail "$n: a staging folder was left" || pass

  # drift: the finding is in the result; the HTML is published.
  expect_eq "$(job_field "$store" "$dr" .result.dataset_drift)" \
    true "$n: the shifted data drifted"
  expect_file "$n-drift.html" "$n: drift --html published"
  # report: one HTML file.
  expect_contains "$n-report.html" "<svg" "$n: the report has charts"
  expect_eq "$(job_field "$store" "$rp" .result.output)" "$WORK/$n-report.html" \
    "$n: the report's lineage names the output"
  # retrain: a decision recorded as a run.
  case "$(job_field "$store" "$rt" .result.decision)" in
    promoted | refused) pass ;;
    *) fail "$n: retrain decision: $(job_field "$store" "$rt" .result)" ;;
  esac
  rerun_after_registration "$n" "$store" "$tr"
}

# store_sql STORE SQL: run SQL against the store's own database.
store_sql() {
  case $1 in
    postgres://* | postgresql://*) psql "${1%%\?*}" -tAqc "$2" ;;
    *) sqlite3 "$1/churnml.db" "$2" ;;
  esac
}

# A train job whose lease ran out after its registration committed but
# before its completion did runs again under a new epoch: the state that
# window leaves (the job `running` with an expired lease, its version
# registered, its --out not yet published) is made here by hand, then a
# worker rescues it. The second attempt must not register a second version.
rerun_after_registration() {  # rerun_after_registration NAME STORE TRAIN_JOB_ID
  local n=$1 store=$2 tr=$3 before after w
  before=$("$CHURNML" --store "$store" models show churn --json | jq '.versions | length')
  store_sql "$store" "UPDATE jobs SET state = 'running', lease_expires_ms = 1, finished_ms = NULL WHERE job_id = $tr" >/dev/null
  rm -rf "$WORK/$n-model"
  start_worker "$store" "$n-rescuer"
  w=$WPID
  run "$CHURNML" --store "$store" jobs wait "$tr" --timeout 150
  expect_status 0 "$n: the rescued train job succeeded again"
  stop_worker "$w"
  expect_eq "$(job_field "$store" "$tr" .epoch)" 2 "$n: the rescue ran under epoch 2"
  expect_eq "$(job_field "$store" "$tr" .result.version)" 1 \
    "$n: the rerun reports the version the first attempt registered"
  expect_eq "$(job_field "$store" "$tr" .result.registered_by_earlier_attempt)" true \
    "$n: the rerun says it registered nothing"
  after=$("$CHURNML" --store "$store" models show churn --json | jq '.versions | length')
  expect_eq "$after" "$before" "$n: no second version was registered"
  expect_file "$WORK/$n-model/model.json" "$n: the rerun published --out"
}

# Validation at submission: one line, naming the flag.
validation() {  # validation STORE
  local store=$1
  run "$CHURNML" --store "$store" jobs submit train --data train.csv --alias champion
  expect_status 2 "train --alias without --register"
  expect_one_line_error "train --alias without --register"
  expect_contains "$WORK/err" "--alias needs --register" "the message names the flags"
  run "$CHURNML" --store "$store" jobs submit train --data train.csv --model forest
  expect_status 2 "train with an unknown model kind"
  expect_contains "$WORK/err" "unknown model kind" "names the kind"
  run "$CHURNML" --store "$store" jobs submit retrain --model churn --data train2.csv
  expect_status 2 "retrain --model without an alias"
  expect_contains "$WORK/err" "NAME@ALIAS" "says the form"
  run "$CHURNML" --store "$store" jobs submit retrain --model churn@champion --data x.csv \
    --cooldown 3w
  expect_contains "$WORK/err" "--cooldown" "a bad cooldown is refused at submission"
  run "$CHURNML" --store "$store" jobs submit drift --model churn@champion --data score.csv \
    --fail-on sometimes
  expect_status 2 "drift --fail-on sometimes"
  run "$CHURNML" --store "$store" jobs submit report --model churn@champion --data score.csv
  expect_status 2 "report without --out"
  expect_one_line_error "report without --out"
  run "$CHURNML" --store "$store" jobs schedule add bad --cron "0 24 * * *" noop
  expect_status 2 "a cron with hour 24"
  expect_one_line_error "a bad cron"
  expect_contains "$WORK/err" "field 2 (hour): 24 is out of range 0-23" "names the field"
  run "$CHURNML" --store "$store" jobs schedule add bad --cron "*/5 * * * *" noop --fail sometimes
  expect_status 2 "a schedule's args are validated as submit validates them"
}

"$CHURNML" data generate --rows 3000 --seed 7 --out train.csv 2>/dev/null
"$CHURNML" data generate --rows 3000 --seed 9 --out train2.csv 2>/dev/null
"$CHURNML" data generate --rows 1000 --seed 8 --out score.csv 2>/dev/null
# A shifted sample: only month-to-month, fiber-optic customers.
{
  head -1 score.csv
  grep ',Fiber optic,' score.csv | grep ',Month-to-month,'
} >shifted.csv

stores=("sqlite:$WORK/sqlite")
if [[ -z ${CHURNML_TEST_PG_URI-} ]]; then
  fail "no PostgreSQL server for the PostgreSQL half (run through scripts/with_postgres.sh)"
else
  stores+=("postgres:$(fresh_pg_store kinds)")
fi

for entry in "${stores[@]}"; do
  kinds "${entry%%:*}" "${entry#*:}"
  validation "${entry#*:}"
done

# --- schedules: three workers per store, one job per tick -------------------
pids=()
for entry in "${stores[@]}"; do
  n=${entry%%:*}
  store=${entry#*:}
  run "$CHURNML" --store "$store" jobs schedule add every-minute --cron "* * * * *" noop --ms 0
  expect_status 0 "$n: schedule add"
  # Rate limits across the three workers: 12 jobs at 2/s (a burst of 2,
  # then one every 500 ms), and 4 jobs at 1/h (one runs; three stay, and
  # are the queue depth every worker exports).
  run "$CHURNML" --store "$store" jobs limit rated --rate 2/s
  expect_status 0 "$n: jobs limit --rate"
  run "$CHURNML" --store "$store" jobs limit parked --rate 1/h
  for i in $(seq 12); do "$CHURNML" --store "$store" jobs submit noop --ms 0 --queue rated >/dev/null; done
  for i in 1 2 3 4; do "$CHURNML" --store "$store" jobs submit noop --ms 0 --queue parked >/dev/null; done
  run "$CHURNML" --store "$store" jobs limit rated --rate 2/x
  expect_status 2 "$n: a malformed --rate"
  expect_contains "$WORK/err" '--rate "2/x" is not COUNT/PERIOD' "$n: the message names --rate"
  for i in 1 2 3; do
    start_worker "$store" "$n-s$i" --schedule-interval 0.2 --kinds noop --metrics-port 0
    pids+=("$WPID")
  done
done
# The first tick is the next minute boundary after the add; wait past it.
sleep $((61 - $(date +%-S) + 8))
# worker --metrics-port: Prometheus text that promtool accepts; the three
# workers of a store together claimed and completed every scheduled job.
for entry in "${stores[@]}"; do
  n=${entry%%:*}
  : >"$WORK/$n-metrics.txt"
  for i in 1 2 3; do
    url=$(grep -o 'metrics on http://[0-9.:]*/metrics' "$WORK/$n-s$i.log" | head -1 | cut -d' ' -f3)
    if [[ -z $url ]]; then fail "$n-s$i: no metrics line in its log"; continue; fi
    curl -sf "$url" >"$WORK/$n-s$i.prom" || fail "$n-s$i: GET $url"
    promtool check metrics <"$WORK/$n-s$i.prom" >/dev/null 2>&1 ||
      fail "$n-s$i: promtool check metrics: $(promtool check metrics <"$WORK/$n-s$i.prom" 2>&1 | head -3)"
    cat "$WORK/$n-s$i.prom" >>"$WORK/$n-metrics.txt"
  done
  expect_contains "$WORK/$n-metrics.txt" "churnml_worker_jobs_running 0" "$n: running gauge"
  # The queue depth, the same on every worker: the three parked jobs.
  expect_eq "$(grep -c '^churnml_jobs_queue_depth{queue="parked"} 3$' "$WORK/$n-metrics.txt")" 3 \
    "$n: every worker exports churnml_jobs_queue_depth of the parked queue"
  # The duration histogram counts every job whose code ran.
  hist=$(awk '$1 == "churnml_worker_job_duration_seconds_count{kind=\"noop\"}" {s += $2} END {print s + 0}' \
    "$WORK/$n-metrics.txt")
  inf=$(awk '$1 == "churnml_worker_job_duration_seconds_bucket{kind=\"noop\",le=\"+Inf\"}" {s += $2} END {print s + 0}' \
    "$WORK/$n-metrics.txt")
  sum() { awk -v m="$1" '$1 == m "{kind=\"noop\"}" {s += $2} END {print s + 0}' "$WORK/$n-metrics.txt"; }
  claimed=$(sum churnml_worker_jobs_claimed_total)
  succeeded=$(sum churnml_worker_jobs_succeeded_total)
  if [[ $claimed -ge 1 && $claimed -eq $succeeded ]]; then pass; else
    fail "$n: workers' metrics: $claimed claimed, $succeeded succeeded"
  fi
  if [[ $hist -eq $succeeded && $inf -eq $hist ]]; then pass; else
    fail "$n: duration histogram: count $hist, +Inf bucket $inf, $succeeded succeeded"
  fi
  echo "$claimed" >"$WORK/$n-claimed"
done
for pid in "${pids[@]}"; do stop_worker "$pid"; done
for entry in "${stores[@]}"; do
  n=${entry%%:*}
  store=${entry#*:}
  "$CHURNML" --store "$store" jobs list --kind noop --json >"$WORK/$n-ticks.json"
  # One tick passed (two if the wait straddled another boundary); each once.
  ticks=$(jq '[.[] | select(.unique_key | startswith("schedule:every-minute:"))] | length' \
    "$WORK/$n-ticks.json")
  distinct=$(jq '[.[] | .unique_key | select(startswith("schedule:"))] | unique | length' \
    "$WORK/$n-ticks.json")
  if [[ $ticks -ge 1 && $ticks -le 2 && $ticks -eq $distinct ]]; then pass; else
    fail "$n: $ticks scheduled job(s) for $distinct distinct tick(s)"
  fi
  expect_eq "$(jq '[.[] | select(.queue == "default" and .state != "succeeded")] | length' \
    "$WORK/$n-ticks.json")" 0 "$n: the scheduled jobs ran"
  # Every scheduled job once, plus the 12 rated jobs and the one parked job.
  expect_eq "$(cat "$WORK/$n-claimed")" "$((ticks + 13))" "$n: the metrics count each job once"
  "$CHURNML" --store "$store" jobs list --queue rated --json >"$WORK/$n-rated.json"
  expect_eq "$(jq '[.[] | select(.state == "succeeded")] | length' "$WORK/$n-rated.json")" 12 \
    "$n: the rated jobs ran"
  # GCRA: the i-th start (from 0) is at least (i - 1) × 500 ms after the
  # first (each claim's time is read before it waits for the limits row's
  # lock, hence 100 ms of slack).
  jq '[.[] | .started_ms] | sort | . as $t | [range(1; length) | select($t[.] - $t[0] < (. - 1) * 500 - 100)] | length' \
    "$WORK/$n-rated.json" >"$WORK/$n-early"
  expect_eq "$(cat "$WORK/$n-early")" 0 "$n: three workers together kept to 2 starts per second"
  expect_eq "$(jq '[.[] | .started_ms] | max - min >= 4400' "$WORK/$n-rated.json")" true \
    "$n: 12 starts at 2/s took at least 5 s less the burst"
  "$CHURNML" --store "$store" jobs list --queue parked --json >"$WORK/$n-parked.json"
  expect_eq "$(jq -c '[.[] | .state] | sort' "$WORK/$n-parked.json")" \
    '["available","available","available","succeeded"]' "$n: at 1/h one parked job ran"
  run "$CHURNML" --store "$store" jobs schedule list --json
  expect_eq "$(jq -r '.[0].name' "$WORK/out")" every-minute "$n: schedule list"
  run "$CHURNML" --store "$store" jobs schedule remove every-minute
  expect_status 0 "$n: schedule remove"
  run "$CHURNML" --store "$store" jobs schedule remove every-minute
  expect_status 2 "$n: removing an unknown schedule"
done

[[ -n ${CHURNML_TEST_PG_URI-} ]] && drop_pg_store kinds
finish
