/*  tickets_sla_engine: the periodic scan for due SLA work. See
 *  tickets_sla_engine.h; what is raised when is in tickets_sla.h.
 */
#include "tickets_sla_engine.h"
#include "tickets_sla.h"

#include "kefu_log.h"
#include "kefu_time.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

enum { COUNT_TEXT_SIZE = 24 };

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
        if (raised < 0)
            return -1;
        total += raised;
        if (taken < TICKETS_SLA_ENGINE_BATCH)
            return total;
    }
}

int
tickets_sla_engine_sweep (kefu_db_t *db, int64_t now_ms, void *arg)
{
    (void) arg;
    return tickets_sla_engine_scan (db, now_ms);
}
