#!/usr/bin/env bash
# tests/run.sh — every test, with sanitizers, against a throw-away PostgreSQL.
#
# `make test` runs this after deploy/local/deps.sh (and .ci/run runs make test).
# It builds with ASan/UBSan into build/asan, starts a private cluster in a
# temporary directory (deploy/local/pg.sh), runs each C unit test binary
# (build/asan/tests/test_*), the OpenAPI validator on the gateway's document
# (tests/openapi), then the end-to-end tests (pytest, tests/e2e),
# then looks for sanitizer reports in the logs of the services the e2e tests
# started. Everything is torn down at the end, whatever happens.
#
# The last line of output is the summary, `N passed, N failed`, counting each
# unit test binary, the OpenAPI validation and the pytest run as one suite each;
# the exit status is non-zero if anything failed.
#
# What the tests get (environment):
#   KEFU_TEST_PG_PORT      port of the cluster (from KEFU_TEST_PG_PORT, default 25433:
#                          below Linux's ephemeral ports, 32768-60999, so that no
#                          client connection can be holding it when the cluster starts)
#   KEFU_TEST_PG_DATADIR   its data directory
#   KEFU_TEST_PG_CTL       deploy/local/pg.sh, to stop/restart it mid-test
#   KEFU_TEST_DSN_ADMIN    superuser DSN to database kefu
#   KEFU_TEST_BIN          the sanitized service binaries (build/asan/bin)
#   KEFU_TEST_LOG_DIR      where tests write service logs; a test that starts a
#                          service may also write its pid to KEFU_TEST_LOG_DIR/*.pid
#   KEFU_TEST_PYTHONPATH   generated protobuf Python modules (build/py)
#   ASAN_OPTIONS, UBSAN_OPTIONS
# For a quicker loop while working on one part (never in CI):
#   KEFU_TEST_UNITS=<glob>   only the unit binaries matching it (e.g. 'test_tickets*';
#                            'none' for none)
#   KEFU_TEST_PYTEST="<args>" pytest arguments instead of tests/e2e
#                            (e.g. "tests/e2e/test_sla.py -k weekend")
# Service processes left behind by the tests are killed at the end: those
# whose pid is recorded as above, and any build/asan/bin/kefu-* process that
# carries this run's KEFU_TEST_LOG_DIR in its environment.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"

BUILD=$ROOT/build/asan
PG_CTL=$ROOT/deploy/local/pg.sh
PORT=${KEFU_TEST_PG_PORT:-25433}
UNITS=${KEFU_TEST_UNITS:-test_*}
read -r -a PYTEST_ARGS <<<"${KEFU_TEST_PYTEST:-tests/e2e}"
UNIT_TIMEOUT=${KEFU_TEST_UNIT_TIMEOUT:-300} # seconds per unit test binary

passed=0
failed=0
failures=()

summary() {
    if ((${#failures[@]})); then
        echo "failed: ${failures[*]}"
    fi
    echo "$passed passed, $failed failed"
}

# --- build --------------------------------------------------------------------------

echo "== build (SANITIZE=1)"
if ! make --no-print-directory SANITIZE=1 build python; then
    failed=1
    failures+=(build)
    summary
    exit 1
fi

# --- throw-away cluster and clean-up ----------------------------------------------------

TMP=$(mktemp -d /tmp/kefu-test.XXXXXX)
chmod 755 "$TMP" # the postgres user must reach the data directory inside
DATADIR=$TMP/pgdata
LOGDIR=$TMP/logs
mkdir -p "$LOGDIR"
CLEANED=0

# Is $1 a kefu binary of this build started by this run?
ours() {
    local pid=$1 exe
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
    [[ $exe == "$BUILD/bin/kefu-"* ]] || return 1
    tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qxF "KEFU_TEST_LOG_DIR=$LOGDIR"
}

kill_leftovers() {
    local pids=() pid f i
    for f in "$LOGDIR"/*.pid; do
        [[ -f $f ]] || continue
        pid=$(tr -dc '0-9' <"$f")
        [[ -n $pid ]] && readlink "/proc/$pid/exe" 2>/dev/null | grep -q "^$BUILD/bin/kefu-" &&
            pids+=("$pid")
    done
    # Scoped to this repo's build and to this run: never another developer's
    # processes. A walk over /proc rather than pgrep, which a minimal Debian
    # lacks (procps).
    for f in /proc/[0-9]*; do
        pid=${f#/proc/}
        ours "$pid" && pids+=("$pid")
    done
    ((${#pids[@]})) || return 0
    echo "killing leftover service processes: ${pids[*]}"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "${pids[@]}" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
}

cleanup() {
    ((CLEANED)) && return 0
    CLEANED=1
    kill_leftovers || true
    "$PG_CTL" stop "$DATADIR" || echo "could not stop PostgreSQL in $DATADIR"
    if ((failed)) && [[ -n $(ls -A "$LOGDIR" 2>/dev/null) ]]; then
        rm -rf "$BUILD/test-logs"
        cp -r "$LOGDIR" "$BUILD/test-logs" && echo "service logs kept in $BUILD/test-logs"
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- sanitizer options -----------------------------------------------------------------

# LeakSanitizer needs ptrace-like access to the process; it refuses to work
# under a debugger/tracer and in some containers. Probe it with a program that
# leaks: if it does not report the leak, turn leak detection off rather than
# fail every test for a reason that has nothing to do with kefu.
detect_leaks=1
printf '#include <stdlib.h>\nint main (void) { void *volatile p = malloc (42); p = 0; return 0; }\n' \
    >"$TMP/leak.c"
if cc -fsanitize=address -g "$TMP/leak.c" -o "$TMP/leak" 2>/dev/null; then
    probe=$(ASAN_OPTIONS=detect_leaks=1 "$TMP/leak" 2>&1 || true)
    if [[ $probe != *"LeakSanitizer: detected memory leaks"* ]]; then
        detect_leaks=0
        echo "LeakSanitizer does not work here (ptrace?): leak detection off"
    fi
fi

export ASAN_OPTIONS="abort_on_error=1:detect_leaks=$detect_leaks:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

echo "== PostgreSQL on 127.0.0.1:$PORT ($DATADIR)"
if ! "$PG_CTL" start "$DATADIR" "$PORT" || ! "$PG_CTL" bootstrap "$PORT"; then
    failed=1
    failures+=(postgres)
    cleanup
    summary
    exit 1
fi

export KEFU_TEST_PG_PORT=$PORT
export KEFU_TEST_PG_DATADIR=$DATADIR
export KEFU_TEST_PG_CTL=$PG_CTL
export KEFU_TEST_DSN_ADMIN="host=127.0.0.1 port=$PORT dbname=kefu user=postgres"
export KEFU_TEST_BIN=$BUILD/bin
export KEFU_TEST_LOG_DIR=$LOGDIR
export KEFU_TEST_PYTHONPATH=$ROOT/build/py

# --- unit tests (C, cmocka) -----------------------------------------------------------------

for t in "$BUILD"/tests/$UNITS; do
    [[ -f $t && -x $t ]] || continue
    name=$(basename "$t")
    echo "== unit $name"
    if timeout --kill-after=10 "$UNIT_TIMEOUT" "$t"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failures+=("$name")
    fi
done

# --- the OpenAPI contract ------------------------------------------------------------------

# The document the gateway serves (kefu-gateway --openapi prints the same
# bytes; an e2e test checks that and validates the served copy too), through
# a real OpenAPI validator (tests/openapi, installed by deps.sh).
echo "== openapi (tests/openapi/validate.js)"
if "$BUILD/bin/kefu-gateway" --openapi >"$TMP/openapi.json" &&
    node "$ROOT/tests/openapi/validate.js" "$TMP/openapi.json"; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    failures+=(openapi)
fi

# --- end-to-end tests --------------------------------------------------------------------------

echo "== e2e (pytest ${PYTEST_ARGS[*]})"
if /usr/bin/python3 -m pytest -q "${PYTEST_ARGS[@]}"; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    failures+=(e2e)
fi

# --- sanitizer reports in service logs --------------------------------------------------------

echo "== sanitizer reports in service logs"
if grep -rn -E "ERROR: AddressSanitizer|runtime error:|LeakSanitizer" "$LOGDIR" 2>/dev/null; then
    failed=$((failed + 1))
    failures+=(sanitizer-reports-in-service-logs)
else
    echo "none"
fi

cleanup
summary
((failed == 0))
