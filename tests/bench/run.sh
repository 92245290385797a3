#!/usr/bin/env bash
# tests/bench/run.sh — `make bench`: kefu's throughput and latency, each next
# to a baseline measured in the same run on the same machine.
#
#   1. create: pgbench runs the writes of one ticket creation straight into
#      PostgreSQL (tests/bench/create.sql), then wrk creates tickets through
#      the gateway (tests/bench/create.lua). The ratio says how close kefu
#      comes to what PostgreSQL itself can commit.
#   2. events: tests/bench/events.py measures commit -> ZeroMQ subscriber and
#      commit -> SSE client latency at a fixed event rate, fan-out to many SSE
#      clients, and webhook deliveries per second (commit times come from
#      PostgreSQL's track_commit_timestamp, on the same clock).
#
# Release binaries (make bench builds them), a throw-away cluster with
# production durability (fsync and synchronous_commit on). Results are
# printed and written to build/bench/results.md; copy them into
# docs/PERFORMANCE.md with the date and the machine.
#
# Environment: KEFU_BENCH_SECONDS (15), KEFU_BENCH_CLIENTS (16: pgbench
# clients and tickets workers), KEFU_BENCH_CONNECTIONS (64: wrk),
# KEFU_BENCH_PG_PORT (55444).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$ROOT"
BIN=$ROOT/build/release/bin
PG=$ROOT/deploy/local/pg.sh
SECONDS_PER_RUN=${KEFU_BENCH_SECONDS:-15}
CLIENTS=${KEFU_BENCH_CLIENTS:-16}
CONNECTIONS=${KEFU_BENCH_CONNECTIONS:-64}
PGPORT=${KEFU_BENCH_PG_PORT:-55444}
HTTP_PORT=18488
TICKETS_PORT=15851
WEBHOOKS_PORT=15856
XSUB_PORT=15860
XPUB_PORT=15861
OUT=$ROOT/build/bench
mkdir -p "$OUT"

"$ROOT/deploy/local/deps.sh" wrk >/dev/null

TMP=$(mktemp -d /tmp/kefu-bench.XXXXXX)
chmod 755 "$TMP"
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    "$PG" stop "$TMP/pgdata" >/dev/null 2>&1 || true
    rm -rf "$TMP"
}
trap cleanup EXIT

echo "== PostgreSQL on 127.0.0.1:$PGPORT (track_commit_timestamp on)"
KEFU_PG_OPTIONS="-c track_commit_timestamp=on" "$PG" start "$TMP/pgdata" "$PGPORT" >/dev/null
"$PG" bootstrap "$PGPORT" >/dev/null
DSN="host=127.0.0.1 port=$PGPORT dbname=kefu"

secret() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
KEY=$(secret)
export KEFU_BENCH_KEY=$KEY                       # an agent: creates tickets
export KEFU_BENCH_SUPERVISOR_KEY=$(secret)       # follows /v1/events
export KEFU_BENCH_INTEGRATION_KEY=$(secret)      # registers a webhook
export KEFU_API_KEYS="bench-agent:agent:A1001:$KEY,bench-integration:integration:I1001:$KEFU_BENCH_INTEGRATION_KEY,bench-supervisor:supervisor:S2001:$KEFU_BENCH_SUPERVISOR_KEY"
export KEFU_LOG_LEVEL=warn
export KEFU_BUS_XSUB=tcp://127.0.0.1:$XSUB_PORT
export KEFU_BUS_XPUB=tcp://127.0.0.1:$XPUB_PORT
export KEFU_TICKETS_BIND=tcp://127.0.0.1:$TICKETS_PORT
export KEFU_TICKETS_ENDPOINT=$KEFU_TICKETS_BIND
export KEFU_TICKETS_DSN="$DSN user=kefu_tickets"
export KEFU_TICKETS_WORKERS=$CLIENTS
export KEFU_HTTP_PORT=$HTTP_PORT
export KEFU_SSE_HEARTBEAT_MS=500      # lets the bench's SSE readers stop promptly
SERVICES=(tickets)
if [[ -x $BIN/kefu-webhooks ]]; then
    SERVICES+=(webhooks)
    export KEFU_WEBHOOKS_BIND=tcp://127.0.0.1:$WEBHOOKS_PORT
    export KEFU_WEBHOOKS_ENDPOINT=$KEFU_WEBHOOKS_BIND
    export KEFU_WEBHOOKS_DSN="$DSN user=kefu_webhooks"
    export KEFU_WEBHOOKS_SECRET_KEY=$(secret)
    export KEFU_WEBHOOKS_ALLOW_PRIVATE=true
fi
export KEFU_GATEWAY_SERVICES=$(IFS=,; echo "${SERVICES[*]}")

for name in "${SERVICES[@]}" gateway; do
    "$BIN/kefu-$name" >>"$TMP/$name.log" 2>&1 &
    PIDS+=($!)
done
for ((i = 0; i < 300; i++)); do
    curl -fsS -o /dev/null "http://127.0.0.1:$HTTP_PORT/readyz" 2>/dev/null && break
    sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$HTTP_PORT/readyz" || { tail "$TMP"/*.log; exit 1; }

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -d "$DSN user=postgres" "$@"; }

echo "== create: PostgreSQL alone (pgbench, $CLIENTS clients, ${SECONDS_PER_RUN}s)"
psql_admin <<'SQL'
CREATE SCHEMA bench;
CREATE TABLE bench.tickets (LIKE tickets.tickets INCLUDING ALL);
CREATE TABLE bench.ticket_transitions (LIKE tickets.ticket_transitions INCLUDING ALL);
CREATE TABLE bench.idempotency_keys (LIKE tickets.idempotency_keys INCLUDING ALL);
CREATE TABLE bench.outbox (LIKE tickets.outbox INCLUDING ALL);
CREATE TRIGGER outbox_notify AFTER INSERT ON bench.outbox
    FOR EACH STATEMENT EXECUTE FUNCTION tickets.outbox_notify();
SQL
pgbench -n -M prepared -c "$CLIENTS" -j 2 -T "$SECONDS_PER_RUN" -f tests/bench/create.sql \
    -h 127.0.0.1 -p "$PGPORT" -U postgres kefu >"$TMP/pgbench.txt" 2>&1 || { cat "$TMP/pgbench.txt"; exit 1; }
pg_tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$TMP/pgbench.txt" | head -1)
pg_latency=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$TMP/pgbench.txt")
echo "   $pg_tps tps, average latency $pg_latency ms"

echo "== create: kefu (wrk, $CONNECTIONS connections, ${SECONDS_PER_RUN}s, POST /v1/tickets)"
wrk -t 2 -c "$CONNECTIONS" -d "${SECONDS_PER_RUN}s" --latency -s tests/bench/create.lua \
    "http://127.0.0.1:$HTTP_PORT" >"$TMP/wrk.txt" 2>&1 || { cat "$TMP/wrk.txt"; exit 1; }
result=$(grep '^RESULT' "$TMP/wrk.txt")
kefu_rps=$(sed 's/.* rps=\([0-9.]*\).*/\1/' <<<"$result")
kefu_p50=$(sed 's/.* p50_ms=\([0-9.]*\).*/\1/' <<<"$result")
kefu_p99=$(sed 's/.* p99_ms=\([0-9.]*\).*/\1/' <<<"$result")
kefu_errors=$(sed 's/.* errors=\([0-9]*\).*/\1/' <<<"$result")
ratio=$(awk -v a="$kefu_rps" -v b="$pg_tps" 'BEGIN { printf "%.2f", a / b }')
echo "   $kefu_rps requests/s, p50 $kefu_p50 ms, p99 $kefu_p99 ms, $kefu_errors errors; kefu/PostgreSQL = $ratio"
[[ $kefu_errors == 0 ]] || { echo "wrk saw errors"; cat "$TMP/wrk.txt"; exit 1; }

{
    echo "## Run of $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), PostgreSQL $(pg_config --version | awk '{print $2}')"
    echo
    echo "| measure | PostgreSQL alone | kefu | kefu / PostgreSQL |"
    echo "|---|---|---|---|"
    echo "| ticket creations per second ($CLIENTS clients / $CONNECTIONS HTTP connections, ${SECONDS_PER_RUN}s) | $pg_tps | $kefu_rps | $ratio |"
    echo "| latency of one creation | average $pg_latency ms | p50 $kefu_p50 ms, p99 $kefu_p99 ms | |"
} >"$OUT/results.md"

if [[ -f tests/bench/events.py ]]; then
    echo "== events"
    KEFU_BENCH_HTTP="http://127.0.0.1:$HTTP_PORT" KEFU_BENCH_XPUB=$KEFU_BUS_XPUB \
    KEFU_BENCH_TICKETS=$KEFU_TICKETS_ENDPOINT KEFU_BENCH_DSN="$DSN user=postgres" \
    KEFU_BENCH_SECONDS=$SECONDS_PER_RUN PYTHONPATH=$ROOT/build/py \
        /usr/bin/python3 tests/bench/events.py >>"$OUT/results.md"
fi

echo
cat "$OUT/results.md"
