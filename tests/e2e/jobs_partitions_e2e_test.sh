#!/usr/bin/env bash
# Batch scoring across machines (docs/jobs.md, "Batch scoring across
# machines"): `jobs submit predict --partitions N` on a real PostgreSQL
# (scripts/with_postgres.sh) and on SQLite. 1M generated rows are scored by
# three worker processes, one of them SIGKILLed in the middle of its
# partition: the merged output is byte-identical to `churnml predict`'s, and
# only the killed worker's partition ran twice. Also: the alias is resolved
# once at submission (moving it afterwards changes nothing), quoted line
# breaks never split a partition, and a partition that fails for good fails
# its parent and cancels the rest.
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
  "$CHURNML" --store "$store" worker --name "$name" --lease 2 --poll 0.1 "$@" \
    2>"$WORK/$name.log" &
  WPID=$!
}

stop_worker() { kill -TERM "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

# wait_until SECONDS COMMAND...: polls COMMAND every 0.1 s.
wait_until() {
  local limit=$1 i
  shift
  for ((i = 0; i < limit * 10; i++)); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}

# A staging file of a partition part that has bytes in it: the worker is
# in the middle of scoring that partition.
part_being_written() { [[ -n $(find "$WORK" -maxdepth 1 -name ".$1.job*.part*" -size +0 2>/dev/null) ]]; }

scenarios() {  # scenarios NAME STORE
  local n=$1 store=$2 id a b c killed_job
  run "$CHURNML" --store "$store" train --data train.csv --model logistic --register churn \
    --alias champion
  expect_status 0 "$n: train and register churn@champion (version 1)"

  # --- 1M rows, 3 workers, one SIGKILLed mid-partition --------------------
  id=$(submit "$store" predict --model churn@champion --data big.csv --out "$n-scored.csv" \
    --threads 1 --partitions 6)
  expect_eq "$(job_field "$store" "$id" '.args | index("churn/1") != null')" true \
    "$n: the alias was resolved at submission to version 1"
  # Move the alias now: the partitions must still score with version 1.
  run "$CHURNML" --store "$store" train --data train2.csv --model logistic --register churn \
    --alias champion
  expect_status 0 "$n: version 2 becomes the champion after submission"
  expect_eq "$("$CHURNML" --store "$store" jobs list --kind predict-partition --json | jq length)" 6 \
    "$n: six partition jobs"
  start_worker "$store" "$n-w1"
  a=$WPID
  # Freeze the first worker while it writes a part; kill it if it holds a
  # running partition then (else it was between two: let it go on, retry).
  killed_job=null
  local tries
  for ((tries = 0; tries < 50; tries++)); do
    [[ $killed_job == null ]] || break
    wait_until 60 part_being_written "$n-scored.csv" || break
    kill -STOP "$a"
    killed_job=$("$CHURNML" --store "$store" jobs list --state running --json |
      jq -r "[.[] | select(.worker == \"$n-w1\")][0].id")
    [[ $killed_job == null ]] && kill -CONT "$a"
  done
  if [[ $killed_job != null ]]; then pass; else
    fail "$n: the first worker was never caught in the middle of a partition"
  fi
  kill -KILL "$a"
  wait "$a" 2>/dev/null
  start_worker "$store" "$n-w2"
  b=$WPID
  start_worker "$store" "$n-w3"
  c=$WPID
  run "$CHURNML" --store "$store" jobs wait "$id" --timeout 150
  expect_status 0 "$n: the partitioned predict job succeeded"
  stop_worker "$b"
  stop_worker "$c"
  if cmp -s "$n-scored.csv" direct.csv; then pass; else
    fail "$n: the merged output differs from churnml predict's"
  fi
  if cmp -s "$n-scored.csv.rejects.csv" direct.csv.rejects.csv; then pass; else
    fail "$n: the merged rejects differ from churnml predict's"
  fi
  expect_eq "$(job_field "$store" "$id" .result.rows.scored)" 1000000 "$n: lineage: rows scored"
  "$CHURNML" --store "$store" jobs list --kind predict-partition --json >"$WORK/$n-parts.json"
  expect_eq "$(jq '[.[] | select(.state == "succeeded")] | length' "$WORK/$n-parts.json")" 6 \
    "$n: every partition succeeded"
  expect_eq "$(jq -c '[.[] | select(.epoch > 1) | .id]' "$WORK/$n-parts.json")" "[$killed_job]" \
    "$n: only the killed worker's partition ran again"
  expect_eq "$(job_field "$store" "$killed_job" '[.events[] | select(.to == "succeeded")] | length')" 1 \
    "$n: the rescued partition succeeded once"
  expect_eq "$(find "$WORK" -maxdepth 1 -name "*$n-scored.csv*part*" | wc -l)" 0 \
    "$n: the parts (and the killed worker's staging file) are removed after the merge"

  # --- a quoted line break is never a partition boundary ----------------
  id=$(submit "$store" predict --model churn/1 --data quoted.csv --out "$n-quoted.csv" \
    --partitions 7)
  start_worker "$store" "$n-w4"
  a=$WPID
  run "$CHURNML" --store "$store" jobs wait "$id" --timeout 60
  expect_status 0 "$n: partitioned predict of a file with quoted line breaks"
  stop_worker "$a"
  if cmp -s "$n-quoted.csv" direct-quoted.csv; then pass; else
    fail "$n: quoted line breaks: the merged output differs from churnml predict's"
  fi
  if cmp -s "$n-quoted.csv.rejects.csv" direct-quoted.csv.rejects.csv; then pass; else
    fail "$n: quoted line breaks: the merged rejects (rows renumbered) differ"
  fi

  # --- a partition that fails for good fails its parent -------------------
  cp small.csv "$n-changing.csv"
  id=$(submit "$store" predict --model churn/1 --data "$n-changing.csv" --out "$n-never.csv" \
    --partitions 3)
  echo "$(tail -n 1 small.csv)" >>"$n-changing.csv"  # the input changed after submission
  start_worker "$store" "$n-w5"
  a=$WPID
  run "$CHURNML" --store "$store" jobs wait "$id" --timeout 60
  expect_status 2 "$n: the parent of a failed partition fails"
  expect_contains "$WORK/err" "ended failed" "$n: the parent names the failed child"
  stop_worker "$a"
  expect_no_file "$n-never.csv" "$n: no output from a failed partitioned job"
  expect_eq "$("$CHURNML" --store "$store" jobs list --kind predict-partition --json |
    jq "[.[] | select(.parent_id == $id and .state == \"succeeded\")] | length")" 0 \
    "$n: no partition of the failed job succeeded"
}

"$CHURNML" data generate --rows 3000 --seed 7 --out train.csv 2>/dev/null
"$CHURNML" data generate --rows 3000 --seed 9 --out train2.csv 2>/dev/null
"$CHURNML" data generate --rows 1000000 --seed 8 --out big.csv 2>/dev/null
"$CHURNML" data generate --rows 300 --seed 10 --out small.csv 2>/dev/null
# Quoted ids with line breaks in them, and one row the schema rejects.
awk -F, 'NR > 1 && NR % 5 == 0 { $1 = "\"" $1 "\n-" NR "\"" } NR == 77 { $6 = "x" } 1' OFS=, \
  small.csv >quoted.csv
run "$CHURNML" train --data train.csv --model logistic --out model --no-track
expect_status 0 "train the model directly (the same as version 1)"
run "$CHURNML" predict --model model --data big.csv --out direct.csv
expect_status 0 "churnml predict of 1M rows"
run "$CHURNML" predict --model model --data quoted.csv --out direct-quoted.csv
expect_status 3 "churnml predict of the quoted file (one row rejected)"

# Validation at submission.
run "$CHURNML" --store "$WORK/sqlite" jobs submit predict --model model --data big.csv \
  --out x.csv --partitions 0
expect_status 2 "--partitions 0"
expect_contains "$WORK/err" "--partitions \"0\" is not a whole number in 1-4096" "names the flag"
run "$CHURNML" --store "$WORK/sqlite" jobs submit predict-partition --model model
expect_status 2 "predict-partition is not submitted by hand"

if [[ -z ${CHURNML_TEST_PG_URI-} ]]; then
  fail "no PostgreSQL server for the PostgreSQL half (run through scripts/with_postgres.sh)"
else
  pg=$(fresh_pg_store partitions)
  scenarios postgres "$pg"
  drop_pg_store partitions
fi
rm -f postgres-scored.csv postgres-scored.csv.rejects.csv
scenarios sqlite "$WORK/sqlite"
finish
