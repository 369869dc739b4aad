#!/usr/bin/env bash
# Make a local PostgreSQL database for the tests and print the line that points them at it:
#   export ROADMAP_TEST_PG_URL=postgresql+psycopg://roadmap:roadmap@127.0.0.1:PORT/roadmap_test
# scripts/test.sh evals that line. Idempotent: a second run finds everything in place and only prints.
# Does nothing when ROADMAP_TEST_PG_URL is already set. Needs root (to install Debian's `postgresql`
# package when no server is present, and to start the cluster); otherwise it prints a note on stderr
# that the PostgreSQL tests will be skipped. Quiet on success; on failure it shows what went wrong and
# exits non-zero.
set -euo pipefail

if [ -n "${ROADMAP_TEST_PG_URL:-}" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "note: not root and ROADMAP_TEST_PG_URL is unset: the PostgreSQL tests will be skipped" >&2
  exit 0
fi

ROLE=roadmap
PASSWORD=roadmap
DATABASE=roadmap_test
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

fail() {
  echo "error: scripts/pg.sh: $1" >&2
  if [ -s "$log" ]; then tail -n 40 "$log" >&2; fi
  exit 1
}

# The newest installed server version (Debian keeps each in /usr/lib/postgresql/VERSION).
server_version() {
  local bin
  for bin in /usr/lib/postgresql/*/bin/postgres; do
    if [ -x "$bin" ]; then basename "$(dirname "$(dirname "$bin")")"; fi
  done | sort -n | tail -n 1
}

version="$(server_version)"
if [ -z "$version" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >>"$log" 2>&1 || fail "apt-get update failed"
  apt-get install -y -q --no-install-recommends postgresql >>"$log" 2>&1 || fail "apt-get install postgresql failed"
  version="$(server_version)"
  [ -n "$version" ] || fail "postgresql is installed but no server binary was found under /usr/lib/postgresql"
fi

# The package's post-install script normally creates the cluster `main`; make one if it did not
# (create_main_cluster = false, or a server installed some other way).
cluster="$(pg_lsclusters -h 2>/dev/null | awk -v v="$version" '$1 == v { print $2; exit }')"
if [ -z "$cluster" ]; then
  cluster=main
  pg_createcluster "$version" "$cluster" >>"$log" 2>&1 || fail "pg_createcluster $version $cluster failed"
fi
port="$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { print $3 }')"
status="$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { print $4 }')"
if [ "$status" != "online" ]; then
  pg_ctlcluster "$version" "$cluster" start >>"$log" 2>&1 || fail "pg_ctlcluster $version $cluster start failed"
fi

# psql as the postgres superuser over the local socket (peer authentication); from / so that it
# does not complain about a working directory it cannot read.
psql_admin() {
  (cd / && runuser -u postgres -- psql -X -q -A -t -v ON_ERROR_STOP=1 -p "$port" "$@")
}
for _ in $(seq 1 30); do
  psql_admin -c "SELECT 1" >/dev/null 2>&1 && break
  sleep 1
done
psql_admin -c "SELECT 1" >>"$log" 2>&1 || fail "the server of cluster $version/$cluster does not answer on port $port"

psql_admin >>"$log" 2>&1 <<SQL || fail "cannot create the role $ROLE"
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE LOGIN;
  END IF;
END \$\$;
ALTER ROLE $ROLE LOGIN PASSWORD '$PASSWORD';
SQL
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != "1" ]; then
  psql_admin -c "CREATE DATABASE $DATABASE OWNER $ROLE" >>"$log" 2>&1 || fail "cannot create the database $DATABASE"
fi

echo "export ROADMAP_TEST_PG_URL=postgresql+psycopg://$ROLE:$PASSWORD@127.0.0.1:$port/$DATABASE"
