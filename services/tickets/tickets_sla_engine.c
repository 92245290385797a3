/*  tickets_sla_engine: the periodic scan for due SLA work. See
 *  tickets_sla_engine.h; what is raised when is in tickets_sla.h.
 */
#include "tickets_sla_engine.h"
#include "tickets_sla.h"

#include "kefu_log.h"
#include "kefu_time.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SCHEMA "tickets"

enum { NS_PER_MS = 1000000, NS_PER_S = 1000000000, MS_PER_S = 1000, COUNT_TEXT_SIZE = 24 };

struct _tickets_sla_engine_t {
    char *dsn;
    int scan_ms;
    kefu_db_t *db;
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;                  /* under lock */
};

/*  One batch in one transaction. Returns events raised, and *taken the
 *  tickets handled, or -1 (the transaction rolled back). */
static int
engine_batch (kefu_db_t *db, int64_t now_ms, size_t *taken)
{
    tickets_sla_row_t *rows = NULL;
    size_t count = 0;
    *taken = 0;
    if (kefu_db_begin (db) != 0
        || tickets_sla_store_rows_due (db, now_ms, TICKETS_SLA_ENGINE_BATCH, &rows, &count) != 0) {
        kefu_db_rollback (db);
        return -1;
    }
    int raised = 0;
    for (size_t i = 0; i < count; i++) {
        tickets_sla_state_t state;
        int64_t ticket_id = rows[i].ticket_id;
        if (tickets_sla_state_open (&state, &rows[i]) != 0) {
            /*  A snapshot this build cannot read must not hold up every
             *  other ticket: say so, and leave it for a fixed build. */
            char id[COUNT_TEXT_SIZE];
            snprintf (id, sizeof id, "%" PRId64, ticket_id);
            kefu_log_error ("sla.snapshot_unreadable", "ticket", id, NULL);
            tickets_sla_state_release (&state);
            continue;
        }
        int step = tickets_sla_check (db, &state, now_ms);
        tickets_sla_state_release (&state);
        if (step < 0) {
            raised = -1;
            break;
        }
        raised += step;
    }
    for (size_t i = 0; i < count; i++)
        tickets_sla_row_release (&rows[i]);
    free (rows);
    if (raised < 0 || kefu_db_commit (db) != 0) {
        kefu_db_rollback (db);
        return -1;
    }
    *taken = count;
    return raised;
}

int
tickets_sla_engine_scan (kefu_db_t *db, int64_t now_ms)
{
    int total = 0;
    for (;;) {
        size_t taken;
        int raised = engine_batch (db, now_ms, &taken);
        if (raised < 0) {
            kefu_log_warn ("sla.scan_failed", "error", kefu_db_error (db), NULL);
            return -1;
        }
        total += raised;
        if (taken < TICKETS_SLA_ENGINE_BATCH)
            return total;
    }
}

/*  Wait up to `ms` or until asked to stop; true when asked. */
static bool
engine_wait (tickets_sla_engine_t *self, int ms)
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
engine_run (void *arg)
{
    tickets_sla_engine_t *self = arg;
    while (!engine_wait (self, self->scan_ms)) {
        if (kefu_db_ensure (self->db) != 0) {
            kefu_log_warn ("sla.db_unavailable", "error", kefu_db_error (self->db), NULL);
            continue;
        }
        int raised = tickets_sla_engine_scan (self->db, kefu_time_now_ms ());
        if (raised > 0) {
            char count[COUNT_TEXT_SIZE];
            snprintf (count, sizeof count, "%d", raised);
            kefu_log_info ("sla.events_raised", "count", count, NULL);
        }
    }
    return NULL;
}

tickets_sla_engine_t *
tickets_sla_engine_new (kefu_config_t *config)
{
    tickets_sla_engine_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->dsn = strdup (kefu_config_service_dsn (config, SCHEMA));
    self->scan_ms = (int) kefu_config_int (config, "KEFU_TICKETS_SLA_SCAN_MS");
    self->db = self->dsn ? kefu_db_new (self->dsn, SCHEMA) : NULL;
    if (!self->db) {
        free (self->dsn);
        free (self);
        return NULL;
    }
    pthread_mutex_init (&self->lock, NULL);
    pthread_cond_init (&self->wake, NULL);
    return self;
}

int
tickets_sla_engine_start (tickets_sla_engine_t *self)
{
    /*  The thread leaves SIGTERM and SIGINT to the main thread. */
    sigset_t all, previous;
    sigfillset (&all);
    pthread_sigmask (SIG_BLOCK, &all, &previous);
    int rc = pthread_create (&self->thread, NULL, engine_run, self);
    pthread_sigmask (SIG_SETMASK, &previous, NULL);
    if (rc != 0) {
        kefu_log_error ("sla.start_failed", NULL);
        return -1;
    }
    self->started = true;
    return 0;
}

void
tickets_sla_engine_destroy (tickets_sla_engine_t **self_p)
{
    assert (self_p);
    tickets_sla_engine_t *self = *self_p;
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
    free (self->dsn);
    free (self);
    *self_p = NULL;
}
