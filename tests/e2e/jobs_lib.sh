# Helpers shared by the job-queue e2e tests (jobs_*_e2e_test.sh); source it
# before lib.sh (which changes into the test's work directory). Each store is
# a fresh database on the test PostgreSQL server (scripts/with_postgres.sh
# exports CHURNML_TEST_PG_URI), named after the test
# script and its PID so tests running side by side never share one.
JOBS_DB_PREFIX="churnml_$(basename "$0" _e2e_test.sh)"

# fresh_pg_store NAME: a new database → its store URI (artifacts under $WORK).
fresh_pg_store() {
  local db="${JOBS_DB_PREFIX}_$1_$$"
  psql "$CHURNML_TEST_PG_URI" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
  psql "$CHURNML_TEST_PG_URI" -qc "CREATE DATABASE $db" >/dev/null || return 1
  mkdir -p "$WORK/art-$1"
  echo "${CHURNML_TEST_PG_URI%/*}/$db?artifact_root=$WORK/art-$1"
}

drop_pg_store() {  # drop_pg_store NAME
  psql "$CHURNML_TEST_PG_URI" -qc "DROP DATABASE IF EXISTS ${JOBS_DB_PREFIX}_$1_$$ WITH (FORCE)" \
    >/dev/null 2>&1
}

# job_field STORE ID JQ: a field of `jobs show ID --json`.
job_field() { "$CHURNML" --store "$1" jobs show "$2" --json | jq -r "$3"; }
