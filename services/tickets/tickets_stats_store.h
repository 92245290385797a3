/*  tickets_stats_store: the SQL of the ticket statistics (TKT-9). See
 *  proto/kefu/v1/tickets_stats.proto for what is counted. As in
 *  tickets_store.h, rows borrow their strings from the PGresult they were
 *  read from; functions return 0 or -1 (kefu_db_error).
 */
#ifndef TICKETS_STATS_STORE_H_INCLUDED
#define TICKETS_STATS_STORE_H_INCLUDED

#include "kefu/v1/tickets_stats.pb-c.h"
#include "kefu_db.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    PGresult *result;
    size_t count;
    Kefu__V1__TicketStatsRow *rows;
    Kefu__V1__TicketStatsRow **row_pointers;
} tickets_stats_rows_t;

void tickets_stats_rows_release (tickets_stats_rows_t *rows);

/*  The statistics of [from_ms, to_ms) by `period` ("day", "week",
 *  "month"), grouped by category and/or department as asked, at most
 *  `limit` rows. Sets planner settings for the rest of the transaction:
 *  call it inside one. */
int tickets_stats_store_query (kefu_db_t *db, int64_t from_ms, int64_t to_ms, const char *period,
                               bool by_category, bool by_department, uint32_t limit,
                               tickets_stats_rows_t *rows);

/*  Close the UTC days before the day of `now_ms` minus `open_days`, at
 *  most `days_max` more than are closed already (migrations/0005: their
 *  opened tickets are then read from sums per day). When there is
 *  something to close (once a day) it takes a lock that holds back the
 *  creation of tickets until the transaction ends: call it outside one,
 *  so that it commits at once. */
int tickets_stats_store_close_days (kefu_db_t *db, int64_t now_ms, int open_days, int days_max);

#endif
