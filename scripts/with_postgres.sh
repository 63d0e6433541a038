#!/usr/bin/env bash
# Runs a command beside a throw-away PostgreSQL server:
#
#   scripts/with_postgres.sh ctest --test-dir build --output-on-failure
#
# Initialises a cluster in a temporary folder (Debian's postgresql package,
# installed by scripts/bootstrap.sh via scripts/packages.d/tracking.txt),
# starts it on a free loopback port, creates the database churnml_test,
# exports CHURNML_TEST_PG_URI=postgresql://churnml@127.0.0.1:<port>/churnml_test,
# runs the command, and stops the server and removes the folder afterwards —
# also when the command fails or the script is interrupted. Exits with the
# command's status.
set -euo pipefail

if (($# == 0)); then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

pg_bin=""
for dir in /usr/lib/postgresql/*/bin; do
  [[ -x "$dir/initdb" ]] && pg_bin="$dir"
done
if [[ -z "$pg_bin" ]]; then
  echo "with_postgres.sh: PostgreSQL server binaries not found under /usr/lib/postgresql;" \
       "run scripts/bootstrap.sh (package postgresql)" >&2
  exit 2
fi

# initdb refuses to run as root: run the server as the postgres system user.
as_server=()
if [[ $(id -u) -eq 0 ]]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "with_postgres.sh: running as root but the 'postgres' user does not exist" >&2
    exit 2
  fi
  as_server=(runuser -u postgres --)
fi

workdir=$(mktemp -d "${TMPDIR:-/tmp}/churnml-pg.XXXXXX")
chmod 755 "$workdir"
[[ ${#as_server[@]} -gt 0 ]] && chown postgres "$workdir"
data="$workdir/data"
log="$workdir/server.log"

cleanup() {
  local status=$?
  if [[ -f "$data/postmaster.pid" ]]; then
    "${as_server[@]}" "$pg_bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$workdir"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=""
for _ in $(seq 1 50); do
  candidate=$((20000 + RANDOM % 30000))
  if port_is_free "$candidate"; then port=$candidate; break; fi
done
[[ -n "$port" ]] || { echo "with_postgres.sh: no free port found" >&2; exit 2; }

"${as_server[@]}" "$pg_bin/initdb" -D "$data" -U churnml --auth=trust -E UTF8 --no-sync \
  >"$workdir/initdb.log" 2>&1 || { cat "$workdir/initdb.log" >&2; exit 2; }
# fsync off: a throw-away test cluster. Sockets in the work folder only.
"${as_server[@]}" "$pg_bin/pg_ctl" -D "$data" -l "$log" -w -t 60 \
  -o "-h 127.0.0.1 -p $port -k $workdir -c fsync=off -c max_connections=200" start >/dev/null ||
  { cat "$log" >&2; exit 2; }
"${as_server[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U churnml churnml_test

export CHURNML_TEST_PG_URI="postgresql://churnml@127.0.0.1:$port/churnml_test"
# For tests that stop and restart this server (tests/e2e/reliability_e2e_test.sh):
# pg_ctl's folder, the cluster, its log and server options, and the user it
# runs as (empty when not root).
export CHURNML_TEST_PG_BIN="$pg_bin" CHURNML_TEST_PG_DATA="$data" CHURNML_TEST_PG_LOG="$log"
export CHURNML_TEST_PG_OPTIONS="-h 127.0.0.1 -p $port -k $workdir -c fsync=off -c max_connections=200"
export CHURNML_TEST_PG_RUNAS="${as_server[*]:+postgres}"
echo "with_postgres.sh: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') at $CHURNML_TEST_PG_URI" >&2
set +e
"$@"
status=$?
set -e
exit "$status"
