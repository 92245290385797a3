#!/usr/bin/env bash
# tests/bench/run.sh — `make bench`: kefu's throughput and latency, each next
# to a PostgreSQL baseline measured in the same run, on the same cluster.
#
# This script owns the processes: a throw-away PostgreSQL with production
# durability (fsync and synchronous_commit on), the tickets and webhooks
# services and the gateway, from the release build. tests/bench/bench.py
# runs the cases against them (see docs/PERFORMANCE.md, "How each figure is
# made"), prints the table, writes bench/results/<date>-<host>.json and
# refreshes the generated table of docs/PERFORMANCE.md; then
# tests/bench/events.py measures event latency and fan-out.
#
# Environment:
#   BENCH_QUICK=1        about a minute: 2 s per case, no event benchmark; the
#                        results go to build/bench/results/ and the docs are
#                        left alone (a smoke run, not a measurement)
#   BENCH_LARGE=1        also the 1,000,000-ticket case (KEFU_BENCH_LARGE_TICKETS)
#   PROFILE=1            also profile ticket creation (perf record, or, where
#                        perf cannot record, callgrind on kefu-tickets: then
#                        that is all the run does, its figures being
#                        valgrind's); KEFU_BENCH_PROFILER=perf|callgrind chooses;
#                        KEFU_BENCH_PROFILE_CASE=get|list profiles another case
#   KEFU_BENCH_SECONDS   per case (15; 2 with BENCH_QUICK)
#   KEFU_BENCH_PG_PORT   (25447: below the ephemeral port range, as in tests/run.sh)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$ROOT"
BIN=$ROOT/build/release/bin
PG=$ROOT/deploy/local/pg.sh
QUICK=${BENCH_QUICK:-0}
PROFILE=${PROFILE:-0}
PGPORT=${KEFU_BENCH_PG_PORT:-25447}
HTTP_PORT=18488
TICKETS_PORT=15851
WEBHOOKS_PORT=15856
XSUB_PORT=15860
XPUB_PORT=15861
# Enough service workers and gateway slots for the largest client count
# (64): requests queue in PostgreSQL, not in front of it.
TICKETS_WORKERS=${KEFU_BENCH_WORKERS:-16}
if [[ $QUICK == 1 ]]; then
    export KEFU_BENCH_SECONDS=${KEFU_BENCH_SECONDS:-2}
    export KEFU_BENCH_RESULTS=${KEFU_BENCH_RESULTS:-$ROOT/build/bench/results}
else
    export KEFU_BENCH_SECONDS=${KEFU_BENCH_SECONDS:-15}
    export KEFU_BENCH_RESULTS=${KEFU_BENCH_RESULTS:-$ROOT/bench/results}
    export KEFU_BENCH_DOCS=${KEFU_BENCH_DOCS-$ROOT/docs/PERFORMANCE.md}   # set empty: leave the docs alone
fi
mkdir -p "$KEFU_BENCH_RESULTS"

# wrk drives HTTP; a profile falls back to callgrind where perf cannot record.
BENCH_PACKAGES=(wrk)
[[ $PROFILE == 1 ]] && BENCH_PACKAGES+=(valgrind)
"$ROOT/deploy/local/deps.sh" "${BENCH_PACKAGES[@]}" >/dev/null

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

# The log never rotates (a capture reads one file from one offset to another).
# Statements are logged (as JSON lines, read back through pg_read_file) only
# while bench.py captures the SQL of one request, for its baseline script.
echo "== PostgreSQL on 127.0.0.1:$PGPORT (fsync, synchronous_commit and track_commit_timestamp on)"
KEFU_PG_OPTIONS="-c fsync=on -c synchronous_commit=on -c track_commit_timestamp=on \
-c logging_collector=on -c log_destination=stderr,jsonlog -c log_directory=log \
-c log_rotation_size=0 -c log_rotation_age=0" \
    "$PG" start "$TMP/pgdata" "$PGPORT" >/dev/null
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
export KEFU_TICKETS_WORKERS=$TICKETS_WORKERS
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

# perf needs perf_event_paranoid <= 0 (or root) to record every process;
# otherwise kefu-tickets runs under callgrind, which is much slower, so its
# profile says where its time goes, not how fast it is.
PROFILER=none
if [[ $PROFILE == 1 && -n ${KEFU_BENCH_PROFILER:-} ]]; then
    PROFILER=$KEFU_BENCH_PROFILER         # perf or callgrind, to try the other one
elif [[ $PROFILE == 1 ]]; then
    if perf record -a -o "$TMP/perf-check.data" -- true >/dev/null 2>&1; then
        PROFILER=perf
    else
        PROFILER=callgrind
    fi
fi
export KEFU_BENCH_PROFILER=$PROFILER

declare -A PID_OF
for name in "${SERVICES[@]}" gateway; do
    if [[ $name == tickets && $PROFILER == callgrind ]]; then
        valgrind --tool=callgrind --callgrind-out-file="$TMP/callgrind.out" \
            "$BIN/kefu-$name" >>"$TMP/$name.log" 2>&1 &
    else
        "$BIN/kefu-$name" >>"$TMP/$name.log" 2>&1 &
    fi
    PIDS+=($!)
    PID_OF[$name]=$!
done
for ((i = 0; i < 600; i++)); do
    curl -fsS -o /dev/null "http://127.0.0.1:$HTTP_PORT/readyz" 2>/dev/null && break
    sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$HTTP_PORT/readyz" || { tail "$TMP"/*.log; exit 1; }

export KEFU_BENCH_HTTP="http://127.0.0.1:$HTTP_PORT"
export KEFU_BENCH_TICKETS=$KEFU_TICKETS_ENDPOINT
export KEFU_BENCH_DSN="$DSN user=postgres"
export KEFU_BENCH_PG_HOST=127.0.0.1 KEFU_BENCH_PG_PORT=$PGPORT
export KEFU_BENCH_PIDS="tickets=${PID_OF[tickets]},gateway=${PID_OF[gateway]}"
[[ -n ${PID_OF[webhooks]:-} ]] && KEFU_BENCH_PIDS+=",webhooks=${PID_OF[webhooks]}"
export KEFU_BENCH_ZMQ=$BIN/kefu-bench-zmq
export KEFU_BENCH_WORKERS=$TICKETS_WORKERS
export KEFU_BENCH_TMP=$TMP
export KEFU_BENCH_COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(
    git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo "+changes")
PYTHONPATH=$ROOT/build/py /usr/bin/python3 tests/bench/bench.py

if [[ $PROFILER == callgrind ]]; then
    kill -TERM "${PID_OF[tickets]}"; wait "${PID_OF[tickets]}" 2>/dev/null || true
    callgrind_annotate "$TMP/callgrind.out" 2>/dev/null | sed -n 1,80p >"$(cat "$TMP/profile-path")"
    echo "== profile (callgrind, kefu-tickets only): $(cat "$TMP/profile-path")"
fi

if [[ $QUICK != 1 && -f tests/bench/events.py ]]; then
    echo "== events"
    KEFU_BENCH_XPUB=$KEFU_BUS_XPUB PYTHONPATH=$ROOT/build/py \
        /usr/bin/python3 tests/bench/events.py | tee "$ROOT/build/bench/events.md"
    if [[ -n $KEFU_BENCH_DOCS ]]; then
        /usr/bin/python3 tests/bench/bench.py --append-to-docs "$ROOT/build/bench/events.md"
    fi
fi
