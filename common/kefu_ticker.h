/*  kefu_ticker: a service's periodic work, on a thread of its own.
 *
 *  Some rules act on time alone: an SLA falls due, a handover has waited
 *  too long, a leave request still undecided when its shift starts becomes
 *  an absence, the attendance report is due on the 25th. A ticker is one
 *  thread with its own database connection that wakes every `period_ms`
 *  and runs each of its sweeps in turn with "now" from kefu_time_now_ms(),
 *  so tests drive it with the clock like everything else.
 *
 *  A sweep does its own transactions (short ones: take a batch FOR UPDATE
 *  SKIP LOCKED, act, commit the change with its events), so replicas
 *  running the same ticker split the work and each event is raised once.
 *  A sweep that fails is logged and tried again at the next tick; the
 *  others still run.
 */
#ifndef KEFU_TICKER_H_INCLUDED
#define KEFU_TICKER_H_INCLUDED

#include "kefu_db.h"

#include <stddef.h>
#include <stdint.h>

/*  One pass of a rule at `now_ms` on `db`. Returns how many things it
 *  acted on (logged when > 0), or -1 (logged by the ticker, with the
 *  connection's last error). */
typedef int (kefu_ticker_sweep_fn) (kefu_db_t *db, int64_t now_ms, void *arg);

typedef struct {
    const char *name;            /* for the logs: "handover.overdue" */
    kefu_ticker_sweep_fn *sweep;
} kefu_ticker_sweep_t;

typedef struct _kefu_ticker_t kefu_ticker_t;

/*  A ticker on the database `dsn`, schema `schema`, running `sweeps`
 *  (borrowed: a static table) every `period_ms` with `arg`. Nothing runs
 *  until kefu_ticker_start. NULL when out of memory. */
kefu_ticker_t *kefu_ticker_new (const char *dsn, const char *schema, int period_ms,
                                const kefu_ticker_sweep_t *sweeps, size_t sweep_count, void *arg);

/*  Start the thread (it blocks every signal: they are the main thread's).
 *  Returns 0, or -1 (logged). */
int kefu_ticker_start (kefu_ticker_t *self);

/*  Run every sweep once at `now_ms`, on the caller's thread and the
 *  ticker's connection (connected first if need be); what the thread does
 *  at each tick, and for tests only before kefu_ticker_start. Returns the
 *  total acted on, or -1 if the database or a sweep failed (the other
 *  sweeps still ran). */
int kefu_ticker_run_once (kefu_ticker_t *self, int64_t now_ms);

/*  Stop the thread (a sweep in progress finishes its transaction) and free;
 *  *self_p becomes NULL. */
void kefu_ticker_destroy (kefu_ticker_t **self_p);

#endif
