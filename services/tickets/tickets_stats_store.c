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
 *  date_trunc unit, $6 the row limit. Opened tickets come from the
 *  received_at index, resolutions from the partial index of transitions to
 *  resolved (migrations/0004), each resolved ticket's SLA from ticket_sla's
 *  primary key, so only the range is read (the SLA is a LATERAL look-up
 *  fenced with OFFSET 0: as a plain join the planner hashed the whole of
 *  ticket_sla, 333,333 rows and 60 ms on the large bench load, even for a
 *  range without a resolution; docs/PERFORMANCE.md). Periods are truncated in UTC.
 *  A resolution is a ticket's own step into resolved: not a copy of a merged
 *  duplicate's history (merged_from_ticket_id), which stays counted on the
 *  duplicate, nor the resolved-to-resolved row a resolved primary gets when a
 *  duplicate is merged into it.
 *  A resolution is on time when it came at or before the SLA's
 *  resolution_due_at (pauses have moved it; a reopen restarts it, so a
 *  reopened ticket is judged against its newest deadline); sla_compliance
 *  is the share on time among the row's resolved tickets that have an
 *  SLA, NULL when none has one. */
static const kefu_sql_t sql_stats = {
    "tickets_stats",
    "WITH opened AS ("
    "  SELECT CASE WHEN $3::boolean THEN t.category ELSE '' END AS category, "
    "         CASE WHEN $4::boolean THEN t.responsible_department ELSE '' END AS department, "
    "         date_trunc($5, t.received_at AT TIME ZONE 'UTC') AS period, count(*) AS opened, "
    "         count(*) FILTER (WHERE t.kind = 'complaint' AND t.customer_id <> '' AND EXISTS ("
    "             SELECT 1 FROM tickets p WHERE p.customer_id = t.customer_id AND p.customer_id <> '' "
    "               AND p.category = t.category AND p.kind = 'complaint' "
    "               AND (p.received_at, p.id) < (t.received_at, t.id) "
    "               AND p.received_at >= t.received_at - interval '30 days')) AS repeat_complaints "
    "  FROM tickets t "
    "  WHERE t.received_at >= to_timestamp($1::bigint / 1000.0) "
    "    AND t.received_at < to_timestamp($2::bigint / 1000.0) "
    "  GROUP BY 1, 2, 3"
    "), resolutions AS ("
    "  SELECT DISTINCT ON (r.ticket_id, 2) r.ticket_id, "
    "         date_trunc($5, r.at AT TIME ZONE 'UTC') AS period, "
    "         extract(epoch FROM r.at - t.received_at) AS seconds, "
    "         CASE WHEN $3::boolean THEN t.category ELSE '' END AS category, "
    "         CASE WHEN $4::boolean THEN t.responsible_department ELSE '' END AS department, "
    "         CASE WHEN s.ticket_id IS NOT NULL THEN r.at <= s.resolution_due_at END AS on_time "
    "  FROM ticket_transitions r JOIN tickets t ON t.id = r.ticket_id "
    "       LEFT JOIN LATERAL (SELECT ticket_id, resolution_due_at FROM ticket_sla "
    "                          WHERE ticket_id = r.ticket_id OFFSET 0) s ON true "
    "  WHERE r.to_status = 'resolved' AND r.from_status <> 'resolved' AND r.merged_from_ticket_id IS NULL "
    "    AND r.at >= to_timestamp($1::bigint / 1000.0) "
    "    AND r.at < to_timestamp($2::bigint / 1000.0) "
    "  ORDER BY r.ticket_id, 2, r.at DESC"
    "), resolved AS ("
    "  SELECT category, department, period, count(*) AS resolved, "
    "         percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS median, "
    "         percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) AS p90, "
    "         count(on_time) AS with_sla, count(*) FILTER (WHERE on_time) AS on_time "
    "  FROM resolutions GROUP BY 1, 2, 3"
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
