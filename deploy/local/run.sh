#!/usr/bin/env bash
# deploy/local/run.sh — run kefu locally: PostgreSQL, every service, the gateway.
#
# `make run` runs this after deploy/local/deps.sh and the release build
# (build/release/bin/). Everything it keeps lives in ./var/ (ignored by git):
#   var/pgdata     the PostgreSQL cluster (deploy/local/pg.sh), port $KEFU_PG_PORT (25432)
#   var/api-keys   KEFU_API_KEYS for local use (created once, mode 600)
#   var/webhooks-secret-key  KEFU_WEBHOOKS_SECRET_KEY, sealing webhook secrets
#                  (created once, mode 600; losing it makes every webhook's
#                  secret unreadable)
#   var/session-signing-keys  KEFU_SESSION_SIGNING_KEYS (scheduling signs log-in
#                  tokens; created once, mode 600), var/session-public-keys the
#                  gateway's KEFU_SESSION_PUBLIC_KEYS
#   var/log/       one log per process, appended to
# A second run reuses the data and the keys. Ctrl-C (or SIGTERM) stops the
# gateway, then the services, then PostgreSQL.
#
# Environment: KEFU_PG_PORT (25432), KEFU_LOG_LEVEL (info), KEFU_HTTP_PORT
# (8080), KEFU_BIN_DIR (build/release/bin); any other KEFU_* variable is
# passed through to the processes.
set -euo pipefail

# The domain services, started before the gateway. Adding a service: one word.
SERVICES=(tickets webhooks scheduling)
# Default ZeroMQ ports (DESIGN.md, section 3), for the summary.
declare -A DEFAULT_PORT=([tickets]=5551 [callbacks]=5552 [archives]=5553
                         [scheduling]=5554 [audit]=5555 [webhooks]=5556)

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$ROOT"

VAR=$ROOT/var
BIN=${KEFU_BIN_DIR:-$ROOT/build/release/bin}
PG=$ROOT/deploy/local/pg.sh
PGPORT=${KEFU_PG_PORT:-25432}
HTTP_PORT=${KEFU_HTTP_PORT:-8080}
GATEWAY_URL=http://127.0.0.1:$HTTP_PORT
KEYS_FILE=$VAR/api-keys
WEBHOOKS_KEY_FILE=$VAR/webhooks-secret-key
STOP_TIMEOUT=10 # seconds a process gets after SIGTERM before SIGKILL
READY_TIMEOUT=60

say() { echo "run.sh: $*" >&2; }
die() { say "$*"; exit 1; }

for name in "${SERVICES[@]}" gateway; do
    [[ -x $BIN/kefu-$name ]] || die "$BIN/kefu-$name is missing: build first (make run builds it)"
done
if curl -fsS -o /dev/null --max-time 2 "$GATEWAY_URL/readyz" 2>/dev/null; then
    die "something already answers on $GATEWAY_URL (another make run?); stop it first"
fi

mkdir -p "$VAR/log"

# --- shutdown -------------------------------------------------------------------

PIDS=()  # started processes, in start order
NAMES=() # their names, same order
PG_STARTED=0
CLEANED=0

# SIGTERM a process, wait up to STOP_TIMEOUT seconds, then SIGKILL it.
stop_process() {
    local pid=$1 name=$2 i
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        say "$name (pid $pid) did not stop in ${STOP_TIMEOUT}s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    ((CLEANED)) && return 0
    CLEANED=1
    trap '' INT TERM # a second Ctrl-C must not cut the shutdown short (it is bounded)
    local i
    # Reverse start order: the gateway first, then the services.
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        stop_process "${PIDS[i]}" "${NAMES[i]}"
    done
    if ((PG_STARTED)); then
        "$PG" stop "$VAR/pgdata" || say "could not stop PostgreSQL"
    fi
    echo "kefu stopped"
}
trap cleanup EXIT
# Ctrl-C and SIGTERM are how a run is meant to end: a clean shutdown exits 0.
trap 'exit 0' INT TERM

show_logs() {
    local name
    for name in "${NAMES[@]}"; do
        echo "----- last lines of var/log/$name.log -----" >&2
        tail -n 20 "$VAR/log/$name.log" >&2 2>/dev/null || true
    done
}

# --- PostgreSQL --------------------------------------------------------------------

PG_STARTED=1
"$PG" start "$VAR/pgdata" "$PGPORT"
"$PG" bootstrap "$PGPORT"

# --- configuration -------------------------------------------------------------------

random_secret() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }

if [[ ! -s $KEYS_FILE ]]; then
    tmp=$(mktemp "$VAR/api-keys.XXXXXX") # mode 600
    printf 'dev-agent:agent:A1001:%s,dev-supervisor:supervisor:S2001:%s,dev-auditor:auditor:U3001:%s,dev-integration:integration:I7001:%s\n' \
        "$(random_secret)" "$(random_secret)" "$(random_secret)" "$(random_secret)" >"$tmp"
    mv -f "$tmp" "$KEYS_FILE"
    say "created $KEYS_FILE"
fi
chmod 600 "$KEYS_FILE"
if [[ ! -s $WEBHOOKS_KEY_FILE ]]; then
    tmp=$(mktemp "$VAR/webhooks-secret-key.XXXXXX") # mode 600
    random_secret >"$tmp"
    mv -f "$tmp" "$WEBHOOKS_KEY_FILE"
    say "created $WEBHOOKS_KEY_FILE"
fi
chmod 600 "$WEBHOOKS_KEY_FILE"

SIGNING_KEYS_FILE=$VAR/session-signing-keys
PUBLIC_KEYS_FILE=$VAR/session-public-keys
if [[ ! -s $SIGNING_KEYS_FILE || ! -s $PUBLIC_KEYS_FILE ]]; then
    keys=$("$BIN/kefu-scheduling" keygen local1)
    tmp=$(mktemp "$VAR/session-signing-keys.XXXXXX") # mode 600
    sed -n 's/^KEFU_SESSION_SIGNING_KEYS=//p' <<<"$keys" >"$tmp"
    mv -f "$tmp" "$SIGNING_KEYS_FILE"
    sed -n 's/^KEFU_SESSION_PUBLIC_KEYS=//p' <<<"$keys" >"$PUBLIC_KEYS_FILE"
    say "created $SIGNING_KEYS_FILE"
fi
chmod 600 "$SIGNING_KEYS_FILE"

export KEFU_SESSION_SIGNING_KEYS_FILE=$SIGNING_KEYS_FILE
KEFU_SESSION_PUBLIC_KEYS=$(cat "$PUBLIC_KEYS_FILE")
export KEFU_SESSION_PUBLIC_KEYS
export KEFU_API_KEYS_FILE=$KEYS_FILE
export KEFU_WEBHOOKS_SECRET_KEY_FILE=$WEBHOOKS_KEY_FILE
# Local receivers (a test server on 127.0.0.1) are the point of a local run.
export KEFU_WEBHOOKS_ALLOW_PRIVATE=${KEFU_WEBHOOKS_ALLOW_PRIVATE:-true}
export KEFU_LOG_LEVEL=${KEFU_LOG_LEVEL:-info}
export KEFU_HTTP_PORT=$HTTP_PORT
KEFU_GATEWAY_SERVICES=$(IFS=,; echo "${SERVICES[*]}")
export KEFU_GATEWAY_SERVICES
for svc in "${SERVICES[@]}"; do
    export "KEFU_${svc^^}_DSN=host=127.0.0.1 port=$PGPORT dbname=kefu user=kefu_$svc"
done

# --- processes -------------------------------------------------------------------------

start_process() {
    local name=$1
    {
        echo
        echo "===== $(date -Is) starting kefu-$name ====="
    } >>"$VAR/log/$name.log"
    "$BIN/kefu-$name" >>"$VAR/log/$name.log" 2>&1 &
    PIDS+=($!)
    NAMES+=("$name")
}

for svc in "${SERVICES[@]}"; do
    start_process "$svc"
done
start_process gateway

ready=0
for ((i = 0; i < READY_TIMEOUT * 4; i++)); do
    for j in "${!PIDS[@]}"; do
        if ! kill -0 "${PIDS[j]}" 2>/dev/null; then
            show_logs
            die "kefu-${NAMES[j]} exited during start-up"
        fi
    done
    if curl -fsS -o /dev/null --max-time 2 "$GATEWAY_URL/readyz" 2>/dev/null; then
        ready=1
        break
    fi
    sleep 0.25
done
if ((!ready)); then
    show_logs
    die "$GATEWAY_URL/readyz did not answer 200 within ${READY_TIMEOUT}s"
fi

# --- summary -------------------------------------------------------------------------------

agent_secret=$(tr ',' '\n' <"$KEYS_FILE" | awk -F: '$1 == "dev-agent" { print $4 }')
pg_real=$(readlink -f "$VAR/pgdata")
{
    echo
    echo "kefu is running."
    echo "  gateway          $GATEWAY_URL   (/healthz /readyz)"
    for svc in "${SERVICES[@]}"; do
        bind_var="KEFU_${svc^^}_BIND"
        printf '  %-16s %s\n' "$svc" "${!bind_var:-tcp://127.0.0.1:${DEFAULT_PORT[$svc]:-?}}"
    done
    echo "  PostgreSQL       127.0.0.1:$PGPORT, database kefu, data in $pg_real"
    echo "                   superuser shell: deploy/local/pg.sh psql $PGPORT"
    echo "  logs             $VAR/log/{$(IFS=,; echo "${NAMES[*]}")}.log"
    echo "                   $pg_real.run/postgres.log"
    echo "  API keys         $KEYS_FILE (name:role:staff_id:secret)"
    echo "  first admin      KEFU_SCHEDULING_DSN='$KEFU_SCHEDULING_DSN' make admin STAFF_NO=D0001 NAME=..."
    echo
    echo "  try: curl -H \"Authorization: Bearer $agent_secret\" $GATEWAY_URL/v1/tickets"
    echo
    echo "Ctrl-C stops everything."
}

# Wait; if any process dies on its own, report it and stop the rest.
set +e
wait -n "${PIDS[@]}"
status=$?
set -e
for j in "${!PIDS[@]}"; do
    if ! kill -0 "${PIDS[j]}" 2>/dev/null; then
        say "kefu-${NAMES[j]} exited unexpectedly (status $status); see var/log/${NAMES[j]}.log"
    fi
done
exit 1
