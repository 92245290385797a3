/*  tickets_sla_engine: the escalation engine of the tickets service (TKT-7).
 *
 *  One thread with its own database connection wakes every
 *  KEFU_TICKETS_SLA_SCAN_MS and takes, in one transaction at a time, up to
 *  TICKETS_SLA_ENGINE_BATCH tickets whose next_check_at has come (an
 *  indexed scan of the partial index ticket_sla_due, FOR UPDATE SKIP
 *  LOCKED), raises what is due for each (tickets_sla_check: at risk,
 *  breached, escalated) and commits the events, their audit records and
 *  the new state together. Replicas running the engine at once split the
 *  due tickets between them, and a ticket's flags change in the same
 *  transaction as its events, so each event is raised exactly once.
 *
 *  "Now" is kefu_time_now_ms(), so tests drive the engine with the clock.
 */
#ifndef TICKETS_SLA_ENGINE_H_INCLUDED
#define TICKETS_SLA_ENGINE_H_INCLUDED

#include "kefu_config.h"
#include "kefu_db.h"

#include <stdint.h>

enum {
    /*  Tickets per transaction: short transactions keep locks brief. */
    TICKETS_SLA_ENGINE_BATCH = 100
};

typedef struct _tickets_sla_engine_t tickets_sla_engine_t;

/*  An engine configured from `config` (read now). NULL when out of memory. */
tickets_sla_engine_t *tickets_sla_engine_new (kefu_config_t *config);

/*  Start the thread. Returns 0, or -1 (logged). */
int tickets_sla_engine_start (tickets_sla_engine_t *self);

/*  Stop the thread (a scan in progress finishes its transaction) and free. */
void tickets_sla_engine_destroy (tickets_sla_engine_t **self_p);

/*  One pass over what is due at `now_ms`, batch after batch, on `db`.
 *  Returns the number of events raised, or -1 (logged). */
int tickets_sla_engine_scan (kefu_db_t *db, int64_t now_ms);

#endif
