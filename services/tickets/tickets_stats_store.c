/*  tickets_stats_store: the one statement of the ticket statistics. See
 *  tickets_stats_store.h.
 */
#include "tickets_stats_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NUMBER_TEXT_SIZE = 24 };

/*  $1/$2 the range in Unix ms, $3/$4 group by category/department, $5 the
 *  date_trunc unit, $6 the row limit. Reads only the statistics facts of
 *  migrations/0005 (kept by triggers in the transaction of every change),
 *  each by an index-only range scan of its time index, so a request reads
 *  one narrow index entry per ticket received and per resolution in the
 *  range, and sorts nothing but the resolution times of each row for the
 *  percentiles (docs/PERFORMANCE.md has the plans). Periods are truncated
 *  in UTC.
 *  What is counted is what the tables say: opened by received_at, with the
 *  repeat-complaint flag (same customer and category within the 30 days
 *  before, decided and kept by the triggers); resolutions are a ticket's own
 *  steps into resolved (not a copy of a merged duplicate's history, which
 *  stays counted on the duplicate, nor the resolved-to-resolved row a
 *  resolved primary gets when a duplicate is merged into it), and a ticket
 *  resolved more than once in a period counts once, with its last
 *  resolution in the range: the one whose next resolution is after the
 *  range or in another period.
 *  A resolution is on time when it came at or before the SLA's
 *  resolution_due_at (pauses have moved it; a reopen restarts it, so a
 *  reopened ticket is judged against its newest deadline); sla_compliance
 *  is the share on time among the row's resolved tickets that have an
 *  SLA, NULL when none has one. The transaction gives the sort of the
 *  resolution times room in memory (SET LOCAL work_mem, tickets_stats.c's
 *  caller of this), so a year of them does not spill to disk. */
static const kefu_sql_t sql_stats = {
    "tickets_stats",
    "WITH opened AS ("
    "  SELECT CASE WHEN $3::boolean THEN category ELSE '' END AS category, "
    "         CASE WHEN $4::boolean THEN department ELSE '' END AS department, "
    "         date_trunc($5, received_at AT TIME ZONE 'UTC') AS period, count(*) AS opened, "
    "         count(*) FILTER (WHERE repeat_complaint) AS repeat_complaints "
    "  FROM ticket_stats_opened "
    "  WHERE received_at >= to_timestamp($1::bigint / 1000.0) "
    "    AND received_at < to_timestamp($2::bigint / 1000.0) "
    "  GROUP BY 1, 2, 3"
    "), resolved AS ("
    "  SELECT CASE WHEN $3::boolean THEN category ELSE '' END AS category, "
    "         CASE WHEN $4::boolean THEN department ELSE '' END AS department, "
    "         date_trunc($5, resolved_at AT TIME ZONE 'UTC') AS period, count(*) AS resolved, "
    "         percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS median, "
    "         percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) AS p90, "
    "         count(resolution_due_at) AS with_sla, "
    "         count(*) FILTER (WHERE resolved_at <= resolution_due_at) AS on_time "
    "  FROM ticket_stats_resolutions "
    "  WHERE resolved_at >= to_timestamp($1::bigint / 1000.0) "
    "    AND resolved_at < to_timestamp($2::bigint / 1000.0) "
    "    AND (next_resolved_at IS NULL OR next_resolved_at >= to_timestamp($2::bigint / 1000.0) "
    "         OR date_trunc($5, next_resolved_at AT TIME ZONE 'UTC') "
    "            <> date_trunc($5, resolved_at AT TIME ZONE 'UTC')) "
    "  GROUP BY 1, 2, 3"
    ") "
    "SELECT coalesce(o.category, r.category), coalesce(o.department, r.department), "
    "       rfc3339(coalesce(o.period, r.period) AT TIME ZONE 'UTC'), coalesce(o.opened, 0), "
    "       coalesce(r.resolved, 0), coalesce(round(r.median)::bigint, 0), "
    "       coalesce(round(r.p90)::bigint, 0), coalesce(o.repeat_complaints, 0), "
    "       CASE WHEN r.with_sla > 0 THEN r.on_time::double precision / r.with_sla END "
    "FROM opened o FULL JOIN resolved r "
    "  ON o.category = r.category AND o.department = r.department AND o.period = r.period "
    "ORDER BY 3, 1, 2 LIMIT $6"
};

void
tickets_stats_rows_release (tickets_stats_rows_t *rows)
{
    PQclear (rows->result);
    free (rows->rows);
    free (rows->row_pointers);
    memset (rows, 0, sizeof *rows);
}

int
tickets_stats_store_query (kefu_db_t *db, int64_t from_ms, int64_t to_ms, const char *period,
                           bool by_category, bool by_department, uint32_t limit,
                           tickets_stats_rows_t *rows)
{
    char from[NUMBER_TEXT_SIZE], to[NUMBER_TEXT_SIZE], limit_text[NUMBER_TEXT_SIZE];
    snprintf (from, sizeof from, "%" PRId64, from_ms);
    snprintf (to, sizeof to, "%" PRId64, to_ms);
    snprintf (limit_text, sizeof limit_text, "%" PRIu32, limit);
    const char *values[] = {
        from, to, by_category ? "true" : "false", by_department ? "true" : "false", period, limit_text
    };
    memset (rows, 0, sizeof *rows);
    PGresult *result = kefu_db_run (db, &sql_stats, 6, values);
    if (!result)
        return -1;
    rows->result = result;
    rows->count = (size_t) PQntuples (result);
    if (rows->count == 0)
        return 0;
    rows->rows = calloc (rows->count, sizeof *rows->rows);
    rows->row_pointers = calloc (rows->count, sizeof *rows->row_pointers);
    if (!rows->rows || !rows->row_pointers) {
        tickets_stats_rows_release (rows);
        return -1;
    }
    for (size_t i = 0; i < rows->count; i++) {
        Kefu__V1__TicketStatsRow *row = &rows->rows[i];
        kefu__v1__ticket_stats_row__init (row);
        int r = (int) i, c = 0;
        row->category = PQgetvalue (result, r, c++);
        row->department = PQgetvalue (result, r, c++);
        row->period = PQgetvalue (result, r, c++);
        row->opened = kefu_db_int64 (result, r, c++);
        row->resolved = kefu_db_int64 (result, r, c++);
        row->median_resolve_s = kefu_db_int64 (result, r, c++);
        row->p90_resolve_s = kefu_db_int64 (result, r, c++);
        row->repeat_complaints = kefu_db_int64 (result, r, c++);
        if (!PQgetisnull (result, r, c)) {
            row->sla_case = KEFU__V1__TICKET_STATS_ROW__SLA_SLA_COMPLIANCE;
            row->sla_compliance = strtod (PQgetvalue (result, r, c), NULL);
        }
        c++;
        rows->row_pointers[i] = row;
    }
    return 0;
}
