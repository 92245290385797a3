/*  Unit tests of kefu_ticker with PostgreSQL (KEFU_TEST_DSN_ADMIN): every
 *  sweep runs at each tick on the ticker's own connection with the time it
 *  is given, a failing sweep does not stop the others, and destroying a
 *  running ticker stops its thread.
 */
#include "kefu_db.h"
#include "kefu_ticker.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

enum { PERIOD_MS = 10, WAIT_STEP_MS = 5, WAIT_MAX_MS = 10000, TICKS_WANTED = 3 };

typedef struct {
    atomic_int counted;     /* calls of sweep_count */
    atomic_int failed;      /* calls of sweep_fail */
    int64_t last_now_ms;    /* as sweep_count was given it */
} counters_t;

/*  Acts on one thing each time, after a round trip on its connection. */
static int
sweep_count (kefu_db_t *db, int64_t now_ms, void *arg)
{
    counters_t *counters = arg;
    if (kefu_db_exec_script (db, "SELECT 1") != 0)
        return -1;
    counters->last_now_ms = now_ms;
    atomic_fetch_add (&counters->counted, 1);
    return 1;
}

static int
sweep_fail (kefu_db_t *db, int64_t now_ms, void *arg)
{
    (void) db;
    (void) now_ms;
    counters_t *counters = arg;
    atomic_fetch_add (&counters->failed, 1);
    return -1;
}

static const kefu_ticker_sweep_t sweeps[] = {
    { "test.fail", sweep_fail },
    { "test.count", sweep_count },
};

static kefu_ticker_t *
ticker_for (counters_t *counters)
{
    const char *dsn = getenv ("KEFU_TEST_DSN_ADMIN");
    assert_non_null (dsn);
    return kefu_ticker_new (dsn, NULL, PERIOD_MS, sweeps, sizeof sweeps / sizeof sweeps[0], counters);
}

static void
test_run_once_runs_every_sweep (void **state)
{
    (void) state;
    counters_t counters = { 0 };
    kefu_ticker_t *ticker = ticker_for (&counters);
    assert_non_null (ticker);
    /*  The first sweep fails: the result says so, and the second still ran
     *  with the time given. */
    assert_int_equal (kefu_ticker_run_once (ticker, 1234567), -1);
    assert_int_equal (atomic_load (&counters.failed), 1);
    assert_int_equal (atomic_load (&counters.counted), 1);
    assert_int_equal (counters.last_now_ms, 1234567);
    kefu_ticker_destroy (&ticker);
    assert_null (ticker);
}

static void
test_thread_ticks_until_destroyed (void **state)
{
    (void) state;
    counters_t counters = { 0 };
    kefu_ticker_t *ticker = ticker_for (&counters);
    assert_non_null (ticker);
    assert_int_equal (kefu_ticker_start (ticker), 0);
    const struct timespec step = { 0, WAIT_STEP_MS * 1000000L };
    for (int waited = 0; atomic_load (&counters.counted) < TICKS_WANTED && waited < WAIT_MAX_MS;
         waited += WAIT_STEP_MS)
        nanosleep (&step, NULL);
    assert_true (atomic_load (&counters.counted) >= TICKS_WANTED);
    kefu_ticker_destroy (&ticker);
    assert_null (ticker);
    /*  Joined: nothing runs any more. */
    int after = atomic_load (&counters.counted);
    for (int i = 0; i < TICKS_WANTED; i++)
        nanosleep (&(struct timespec){ 0, PERIOD_MS * 1000000L }, NULL);
    assert_int_equal (atomic_load (&counters.counted), after);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_run_once_runs_every_sweep),
        cmocka_unit_test (test_thread_ticks_until_destroyed),
    };
    return cmocka_run_group_tests_name ("ticker", tests, NULL, NULL);
}
