/*  tickets_sla_engine: the escalation engine of the tickets service (TKT-7).
 *
 *  A sweep of the service's ticker (common/kefu_ticker: one thread with its
 *  own database connection), run every KEFU_TICKETS_SLA_SCAN_MS. It takes,
 *  in one transaction at a time, up to TICKETS_SLA_ENGINE_BATCH tickets whose next_check_at has come (an
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

#include "kefu_db.h"

#include <stdint.h>

enum {
    /*  Tickets per transaction: short transactions keep locks brief. */
    TICKETS_SLA_ENGINE_BATCH = 100
};

/*  One pass over what is due at `now_ms`, batch after batch, on `db`.
 *  Returns the number of events raised, or -1 (the ticker logs it). */
int tickets_sla_engine_scan (kefu_db_t *db, int64_t now_ms);

/*  The same as a kefu_ticker sweep (`arg` unused). */
int tickets_sla_engine_sweep (kefu_db_t *db, int64_t now_ms, void *arg);

#endif
