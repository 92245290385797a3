/*  kefu_ticker: a service's periodic work on a thread of its own. See
 *  kefu_ticker.h.
 */
#include "kefu_ticker.h"

#include "kefu_log.h"
#include "kefu_time.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { NS_PER_MS = 1000000, NS_PER_S = 1000000000, MS_PER_S = 1000, COUNT_TEXT_SIZE = 24 };

struct _kefu_ticker_t {
    int period_ms;
    const kefu_ticker_sweep_t *sweeps;
    size_t sweep_count;
    void *arg;
    kefu_db_t *db;
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;                  /* under lock */
};

kefu_ticker_t *
kefu_ticker_new (const char *dsn, const char *schema, int period_ms,
                 const kefu_ticker_sweep_t *sweeps, size_t sweep_count, void *arg)
{
    assert (dsn && period_ms > 0 && (sweeps || sweep_count == 0));
    kefu_ticker_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->db = kefu_db_new (dsn, schema);
    if (!self->db) {
        free (self);
        return NULL;
    }
    self->period_ms = period_ms;
    self->sweeps = sweeps;
    self->sweep_count = sweep_count;
    self->arg = arg;
    pthread_mutex_init (&self->lock, NULL);
    pthread_cond_init (&self->wake, NULL);
    return self;
}

int
kefu_ticker_run_once (kefu_ticker_t *self, int64_t now_ms)
{
    if (kefu_db_ensure (self->db) != 0) {
        kefu_log_warn ("ticker.db_unavailable", "error", kefu_db_error (self->db), NULL);
        return -1;
    }
    int total = 0;
    bool failed = false;
    for (size_t i = 0; i < self->sweep_count; i++) {
        const kefu_ticker_sweep_t *sweep = &self->sweeps[i];
        int acted = sweep->sweep (self->db, now_ms, self->arg);
        if (acted < 0) {
            /*  The others still run: one rule's trouble (a lock timeout, a
             *  bad row) must not hold up every other rule. */
            kefu_log_warn ("ticker.sweep_failed", "sweep", sweep->name, "error",
                           kefu_db_error (self->db), NULL);
            failed = true;
            continue;
        }
        if (acted > 0) {
            char count[COUNT_TEXT_SIZE];
            snprintf (count, sizeof count, "%d", acted);
            kefu_log_info ("ticker.swept", "sweep", sweep->name, "count", count, NULL);
        }
        total += acted;
    }
    return failed ? -1 : total;
}

/*  Wait up to `ms` or until asked to stop; true when asked. */
static bool
ticker_wait (kefu_ticker_t *self, int ms)
{
    struct timespec until;
    clock_gettime (CLOCK_REALTIME, &until);
    until.tv_sec += ms / MS_PER_S;
    until.tv_nsec += (long) (ms % MS_PER_S) * NS_PER_MS;
    if (until.tv_nsec >= NS_PER_S) {
        until.tv_sec++;
        until.tv_nsec -= NS_PER_S;
    }
    pthread_mutex_lock (&self->lock);
    while (!self->stop)
        if (pthread_cond_timedwait (&self->wake, &self->lock, &until) == ETIMEDOUT)
            break;
    bool stop = self->stop;
    pthread_mutex_unlock (&self->lock);
    return stop;
}

static void *
ticker_run (void *arg)
{
    kefu_ticker_t *self = arg;
    while (!ticker_wait (self, self->period_ms))
        kefu_ticker_run_once (self, kefu_time_now_ms ());
    return NULL;
}

int
kefu_ticker_start (kefu_ticker_t *self)
{
    assert (!self->started);
    /*  The thread leaves SIGTERM and SIGINT to the main thread. */
    sigset_t all, previous;
    sigfillset (&all);
    pthread_sigmask (SIG_BLOCK, &all, &previous);
    int rc = pthread_create (&self->thread, NULL, ticker_run, self);
    pthread_sigmask (SIG_SETMASK, &previous, NULL);
    if (rc != 0) {
        kefu_log_error ("ticker.start_failed", NULL);
        return -1;
    }
    self->started = true;
    return 0;
}

void
kefu_ticker_destroy (kefu_ticker_t **self_p)
{
    assert (self_p);
    kefu_ticker_t *self = *self_p;
    if (!self)
        return;
    if (self->started) {
        pthread_mutex_lock (&self->lock);
        self->stop = true;
        pthread_cond_signal (&self->wake);
        pthread_mutex_unlock (&self->lock);
        pthread_join (self->thread, NULL);
    }
    pthread_cond_destroy (&self->wake);
    pthread_mutex_destroy (&self->lock);
    kefu_db_destroy (&self->db);
    free (self);
    *self_p = NULL;
}
