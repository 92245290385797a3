#!/usr/bin/env bash
# deploy/docker/postgres-entrypoint.sh — entrypoint of deploy/docker/postgres.Dockerfile.
#
# Runs as user postgres. On first start, creates the cluster in $PGDATA
# (C.UTF-8, UTF8). On every start: brings the server up on its unix socket
# only, creates database kefu if missing, runs bootstrap.sql (idempotent),
# sets the password of every kefu_* role from KEFU_DB_PASSWORD, then restarts
# it in the foreground listening on all interfaces. The superuser can only
# log in through the socket inside the container (peer); the kefu_* roles
# only to database kefu, over TCP from the compose network, with
# scram-sha-256.
set -euo pipefail

: "${PGDATA:?}"
: "${KEFU_DB_PASSWORD:?set KEFU_DB_PASSWORD}"
BOOTSTRAP_SQL=${KEFU_BOOTSTRAP_SQL:-/usr/local/share/kefu/bootstrap.sql}
SOCKET_DIR=/tmp

if [[ ! -f $PGDATA/PG_VERSION ]]; then
    initdb -D "$PGDATA" --locale=C.UTF-8 -E UTF8 -U postgres \
        --auth-local=peer --auth-host=reject
    cat >"$PGDATA/pg_hba.conf" <<'HBA'
# TYPE  DATABASE  USER      ADDRESS   METHOD
local   all       postgres            peer
host    kefu      all       samenet   scram-sha-256
HBA
fi

# Set up with no TCP listener, so nothing connects before the roles are ready.
pg_ctl -D "$PGDATA" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories=$SOCKET_DIR" start
trap 'pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true' EXIT # if set-up fails
psql_super() { psql -X -q -v ON_ERROR_STOP=1 -h "$SOCKET_DIR" -U postgres "$@"; }

if [[ $(psql_super -d postgres -At -c "SELECT 1 FROM pg_database WHERE datname = 'kefu'") != 1 ]]; then
    createdb -h "$SOCKET_DIR" -U postgres -T template0 -E UTF8 --locale=C.UTF-8 kefu
fi
psql_super -d kefu --single-transaction -f "$BOOTSTRAP_SQL"
# The password goes from the environment to a psql variable (\getenv), quoted
# by format(%L): never on a command line.
psql_super -d kefu >/dev/null <<'SQL'
\getenv pw KEFU_DB_PASSWORD
SELECT format('ALTER ROLE %I PASSWORD %L', rolname, :'pw')
  FROM pg_roles WHERE rolname LIKE 'kefu\_%' AND rolcanlogin \gexec
SQL
pg_ctl -D "$PGDATA" -m fast -w -t 60 stop
trap - EXIT

exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories="$SOCKET_DIR" \
    -c password_encryption=scram-sha-256 -c max_connections=200
