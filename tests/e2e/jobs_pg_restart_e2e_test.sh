#!/usr/bin/env bash
# The job queue's PostgreSQL server restarted under load (needs
# scripts/with_postgres.sh, which exports how to stop and start its server):
# two workers run 150 jobs; the server is stopped and started in the
# middle; the workers survive, reconnect (new connections for claims,
# heartbeats and notifications), and every job ends succeeded with exactly
# one `succeeded` event — none lost, none completed twice. docs/jobs.md.
source "$(dirname "$0")/lib.sh"

if [[ -z ${CHURNML_TEST_PG_URI-} || -z ${CHURNML_TEST_PG_BIN-} ]]; then
  fail "no PostgreSQL server to restart (run through scripts/with_postgres.sh)"
  finish
  exit
fi
pg_ctl=()
[[ -n ${CHURNML_TEST_PG_RUNAS-} ]] && pg_ctl=(runuser -u "$CHURNML_TEST_PG_RUNAS" --)
pg_ctl+=("$CHURNML_TEST_PG_BIN/pg_ctl" -D "$CHURNML_TEST_PG_DATA" -l "$CHURNML_TEST_PG_LOG" -w -t 60
  -o "$CHURNML_TEST_PG_OPTIONS")

db="churnml_jobs_restart_$$"
psql "$CHURNML_TEST_PG_URI" -qc "CREATE DATABASE $db" >/dev/null
mkdir -p "$WORK/art"
DB_URI="${CHURNML_TEST_PG_URI%/*}/$db"
STORE="$DB_URI?artifact_root=$WORK/art"
sql() { psql "$DB_URI" -tAc "$1"; }

N=150
for ((i = 0; i < N; i++)); do
  "$CHURNML" --store "$STORE" jobs submit noop --ms 100 --json >/dev/null ||
    fail "submit job $i"
done
pids=()
for w in a b; do
  "$CHURNML" --store "$STORE" worker --name "$w" --lease 3 --poll 0.2 --retry-base 0.2 \
    --concurrency 2 2>"$WORK/$w.log" &
  pids+=($!)
done
succeeded() { sql "SELECT COUNT(*) FROM jobs WHERE state = 'succeeded'" 2>/dev/null || echo 0; }
at_least() { [[ $(succeeded) -ge $1 ]]; }
wait_for "20 jobs done before the restart" 120 at_least 20

(cd / && "${pg_ctl[@]}" stop -m fast >/dev/null) && pass || fail "pg_ctl stop"
sleep 3
(cd / && "${pg_ctl[@]}" start >/dev/null) && pass || fail "pg_ctl start"

wait_for "all $N jobs succeeded after the restart" 150 at_least "$N"
for p in "${pids[@]}"; do
  if kill -0 "$p" 2>/dev/null; then pass; else fail "a worker died during the restart"; fi
done
for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done

expect_eq "$(sql "SELECT COUNT(*) FROM jobs WHERE state <> 'succeeded'")" 0 "no job lost"
expect_eq "$(sql "SELECT COUNT(*) FROM (SELECT job_id FROM job_events WHERE to_state = 'succeeded'
  GROUP BY job_id HAVING COUNT(*) <> 1) t")" 0 "no job completed twice"
expect_eq "$(sql "SELECT COUNT(DISTINCT job_id) FROM job_events WHERE to_state = 'succeeded'")" \
  "$N" "every job has its one succeeded event"
cat "$WORK/a.log" "$WORK/b.log" >"$WORK/workers.log"
expect_contains "$WORK/workers.log" "reconnected to the store" "the workers reconnected"
echo "restart: $(sql "SELECT COUNT(*) FROM jobs WHERE epoch > 1") job(s) ran again after a lost lease" >&2

psql "$CHURNML_TEST_PG_URI" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
finish
