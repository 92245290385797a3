#!/usr/bin/env bash
# deploy/local/pg.sh — manage a private PostgreSQL cluster for local runs and tests.
#
# deploy/local/run.sh (make run) keeps one under ./var/pgdata; tests/run.sh
# (make test) makes a throw-away one under /tmp; the e2e tests call this script
# (KEFU_TEST_PG_CTL) to stop/restart the database in the middle of a test.
#
# Usage:
#   pg.sh start     DATADIR PORT   initdb if needed, start, wait until it accepts connections
#   pg.sh stop      DATADIR        fast shutdown; no error if it is not running
#   pg.sh restart   DATADIR PORT   fast restart (starts it if it was not running)
#   pg.sh status    DATADIR        exit 0 if running, 3 if not
#   pg.sh bootstrap PORT           create database kefu if missing and run
#                                  deploy/postgres/bootstrap.sql in it (idempotent)
#   pg.sh psql      PORT [ARGS...] superuser psql to database kefu
#
# Environment: KEFU_PG_OPTIONS  extra server options appended verbatim to the
#              command line, e.g. "-c fsync=off -c synchronous_commit=off".
#
# The server listens on 127.0.0.1 only, plus a unix socket in a private
# directory, and the cluster is created with trust authentication: only local
# processes can reach it, which is what a developer machine or CI runner needs.
# Never use this script for anything reachable from a network.
#
# PostgreSQL refuses to run as root: when run as root, the server-side commands
# (initdb, pg_ctl) run as the `postgres` user and the data directory is owned
# by it (mode 700). If the data directory's parent is not reachable by
# postgres (e.g. a repo under /root), the real directory lives in
# /var/tmp/kefu-pg-<hash of the path> and DATADIR becomes a symlink to it.
# Next to the real data directory, <real>.run/ (owned by the server user)
# holds the server log (postgres.log) and the unix socket.
# Client commands (psql, createdb, pg_isready) run as the caller and connect
# over TCP as role postgres: the caller can read files the postgres user may
# not be able to reach (bootstrap.sql in a repo under /root).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
BOOTSTRAP_SQL="$SCRIPT_DIR/../postgres/bootstrap.sql"
PG_USER=postgres # the superuser role, and the OS user when run as root
READY_TIMEOUT=60

die() { echo "pg.sh: $*" >&2; exit 1; }
note() { echo "pg.sh: $*" >&2; }

usage() {
    sed -n '/^# Usage:/,/^# Environment/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}

# --- binaries ------------------------------------------------------------------

# The highest /usr/lib/postgresql/<version>/bin that has the server, else pg_config's.
find_bindir() {
    local d='' c
    for c in /usr/lib/postgresql/*/bin; do
        if [[ -x $c/pg_ctl ]]; then d+="$c"$'\n'; fi
    done
    d=$(printf '%s' "$d" | sort -V | tail -n 1)
    if [[ -z $d ]] && command -v pg_config >/dev/null 2>&1; then
        d=$(pg_config --bindir)
    fi
    [[ -n $d && -x $d/pg_ctl ]] || die "no PostgreSQL server binaries found (run deploy/local/deps.sh)"
    printf '%s\n' "$d"
}
BINDIR=$(find_bindir)

# Run a server-side command as the server user.
if ((EUID == 0)); then
    id "$PG_USER" >/dev/null 2>&1 || die "running as root but there is no '$PG_USER' user"
    # cd /: the caller's working directory may be unreadable for postgres.
    as_server() { (cd / && runuser -u "$PG_USER" -- "$@"); }
else
    as_server() { "$@"; }
fi

# --- data directory --------------------------------------------------------------

# Absolute path of $1 without resolving its last component (it may be a symlink).
abspath() {
    local parent base
    parent=$(dirname -- "$1")
    base=$(basename -- "$1")
    mkdir -p -- "$parent"
    printf '%s/%s\n' "$(cd -- "$parent" && pwd -P)" "$base"
}

# Sets REAL (the real data directory) and RUN (its sibling for log and socket)
# for DATADIR $1, creating both with the right owner and mode.
prepare_datadir() {
    local abs parent hash
    abs=$(abspath "$1")
    parent=$(dirname -- "$abs")
    if [[ -L $abs ]]; then
        REAL=$(readlink -m -- "$abs")
    elif ((EUID == 0)) && ! runuser -u "$PG_USER" -- test -x "$parent" 2>/dev/null; then
        hash=$(printf '%s' "$abs" | sha256sum | cut -c1-12)
        REAL=/var/tmp/kefu-pg-$hash
        if [[ -e $abs ]]; then
            [[ -d $abs && -z $(ls -A -- "$abs") ]] ||
                die "$abs exists but user $PG_USER cannot reach $parent; move it away or use another path"
            rmdir -- "$abs"
        fi
        ln -s -- "$REAL" "$abs"
        note "user $PG_USER cannot reach $parent: the data lives in $REAL ($abs links to it)"
    else
        REAL=$abs
    fi
    RUN=$REAL.run
    local d
    for d in "$REAL" "$RUN"; do
        mkdir -p -- "$d"
        if ((EUID == 0)); then
            # /var/tmp is world-writable: refuse a directory someone else planted.
            local owner
            owner=$(stat -c %U -- "$d")
            [[ $owner == root || $owner == "$PG_USER" ]] || die "$d is owned by $owner; refusing to use it"
            chown "$PG_USER:" -- "$d"
        fi
        chmod 700 -- "$d"
    done
    if [[ ! -f $REAL/PG_VERSION ]]; then
        note "initialising a new cluster in $REAL"
        as_server "$BINDIR/initdb" -D "$REAL" --locale=C.UTF-8 -E UTF8 --auth=trust \
            -U "$PG_USER" >"$RUN/initdb.log" 2>&1 ||
            { cat "$RUN/initdb.log" >&2; die "initdb failed"; }
    fi
}

# Sets REAL and RUN for an existing DATADIR $1 without creating anything;
# returns 1 if there is no cluster there.
locate_datadir() {
    local abs
    [[ -d $(dirname -- "$1") ]] || return 1
    abs=$(abspath "$1")
    if [[ -L $abs ]]; then REAL=$(readlink -m -- "$abs"); else REAL=$abs; fi
    RUN=$REAL.run
    [[ -f $REAL/PG_VERSION ]]
}

is_running() { as_server "$BINDIR/pg_ctl" -D "$REAL" status >/dev/null 2>&1; }

server_options() {
    local port=$1 sockdir=$RUN
    # A unix socket path is limited to 107 bytes; we connect over TCP anyway,
    # so with a very deep data directory just go without the socket.
    if ((${#sockdir} + 20 > 107)); then
        note "$RUN is too long for a unix socket path; TCP only"
        sockdir=
    fi
    printf -- "-c listen_addresses=127.0.0.1 -c port=%s -c unix_socket_directories='%s'" "$port" "$sockdir"
    printf -- ' -c fsync=on -c max_connections=200'
    if [[ -n ${KEFU_PG_OPTIONS:-} ]]; then
        printf ' %s' "$KEFU_PG_OPTIONS" # later -c options win
    fi
}

wait_ready() {
    local port=$1 i
    for ((i = 0; i < READY_TIMEOUT * 4; i++)); do
        if "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$port"; then
            return 0
        fi
        sleep 0.25
    done
    [[ -n ${RUN:-} && -f $RUN/postgres.log ]] && tail -n 30 "$RUN/postgres.log" >&2
    die "PostgreSQL on 127.0.0.1:$port not ready after ${READY_TIMEOUT}s"
}

check_port() {
    if ! [[ $1 =~ ^[0-9]+$ ]] || (($1 < 1 || $1 > 65535)); then
        die "bad port: $1"
    fi
}

# --- commands ----------------------------------------------------------------------

cmd_start() {
    local datadir=$1 port=$2
    check_port "$port"
    prepare_datadir "$datadir"
    if is_running; then
        note "already running ($REAL)"
    else
        as_server "$BINDIR/pg_ctl" -D "$REAL" -w -t "$READY_TIMEOUT" -l "$RUN/postgres.log" \
            -o "$(server_options "$port")" start >/dev/null ||
            { tail -n 30 "$RUN/postgres.log" >&2 || true; die "could not start PostgreSQL in $REAL"; }
    fi
    wait_ready "$port"
}

cmd_stop() {
    local datadir=$1
    if ! locate_datadir "$datadir"; then
        note "no cluster in $datadir; nothing to stop"
        return 0
    fi
    if is_running; then
        as_server "$BINDIR/pg_ctl" -D "$REAL" -m fast -w -t "$READY_TIMEOUT" stop >/dev/null
    fi
}

cmd_restart() {
    local datadir=$1 port=$2
    check_port "$port"
    prepare_datadir "$datadir"
    if is_running; then
        as_server "$BINDIR/pg_ctl" -D "$REAL" -m fast -w -t "$READY_TIMEOUT" -l "$RUN/postgres.log" \
            -o "$(server_options "$port")" restart >/dev/null ||
            { tail -n 30 "$RUN/postgres.log" >&2 || true; die "could not restart PostgreSQL in $REAL"; }
        wait_ready "$port"
    else
        cmd_start "$datadir" "$port"
    fi
}

cmd_status() {
    locate_datadir "$1" || { note "no cluster in $1"; exit 3; }
    is_running || exit 3
}

# psql as the superuser over TCP, ignoring ~/.psqlrc and failing on the first error.
super_psql() {
    local port=$1 db=$2
    shift 2
    "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U "$PG_USER" -d "$db" "$@"
}

cmd_bootstrap() {
    local port=$1
    check_port "$port"
    [[ -f $BOOTSTRAP_SQL ]] || die "missing $BOOTSTRAP_SQL"
    wait_ready "$port"
    local exists
    exists=$(super_psql "$port" postgres -At -c "SELECT 1 FROM pg_database WHERE datname = 'kefu'")
    if [[ $exists != 1 ]]; then
        # A concurrent bootstrap may win the race: recheck before failing.
        "$BINDIR/createdb" -h 127.0.0.1 -p "$port" -U "$PG_USER" \
            -T template0 -E UTF8 --locale=C.UTF-8 kefu 2>/dev/null ||
            [[ $(super_psql "$port" postgres -At -c "SELECT 1 FROM pg_database WHERE datname = 'kefu'") == 1 ]] ||
            die "could not create database kefu"
    fi
    super_psql "$port" kefu --single-transaction -f "$BOOTSTRAP_SQL" >/dev/null
}

cmd_psql() {
    local port=$1
    shift
    check_port "$port"
    exec "$BINDIR/psql" -h 127.0.0.1 -p "$port" -U "$PG_USER" -d kefu "$@"
}

(($# >= 1)) || usage
cmd=$1
shift
case $cmd in
    start)     (($# == 2)) || usage; cmd_start "$@" ;;
    stop)      (($# == 1)) || usage; cmd_stop "$@" ;;
    restart)   (($# == 2)) || usage; cmd_restart "$@" ;;
    status)    (($# == 1)) || usage; cmd_status "$@" ;;
    bootstrap) (($# == 1)) || usage; cmd_bootstrap "$@" ;;
    psql)      (($# >= 1)) || usage; cmd_psql "$@" ;;
    *)         usage ;;
esac
