/*  tickets_stats_store: the statements of the ticket statistics. See
 *  tickets_stats_store.h.
 */
#include "tickets_stats_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NUMBER_TEXT_SIZE = 24 };

/*  work_mem of the statistics' transaction: room for the resolutions'
 *  arrays of a year grouped by day (see sql_planner_settings). */
#define TICKETS_STATS_WORK_MEM "64MB"

/*  Before the statistics are read, the days older than `open_days` by the
 *  domain clock ($1, Unix ms) are closed, at most $3 of them at a time
 *  (migrations/0005: ticket_stats_close). */
static const kefu_sql_t sql_close_days = {
    "tickets_stats_close_days",
    "SELECT ticket_stats_close((to_timestamp($1::bigint / 1000.0) AT TIME ZONE 'UTC')::date - $2::integer, "
    "                          $3::integer)"
};
/*  The planner prices the per-row arrays of the resolutions' hashed
 *  grouping above a sort of every resolution by category, department and
 *  period, which on the bench's year (140,000 resolutions) took 3 times as
 *  long (docs/PERFORMANCE.md); and the arrays need more than the default
 *  4 MB of work_mem not to spill. Both only for the statistics' transaction. */
static const kefu_sql_t sql_planner_settings = {
    "tickets_stats_planner_settings",
    "SELECT set_config('enable_sort', 'off', true), set_config('work_mem', $1, true)"
};

/*  $1/$2 the range in Unix ms, $3/$4 group by category/department, $5 the
 *  date_trunc unit, $6 the row limit. Reads only the statistics facts of
 *  migrations/0005, kept by triggers in the transaction of every change:
 *    opened   the whole UTC days of the range that are closed from their
 *             sums per day (ticket_stats_opened_days), the rest (the
 *             range's partial first and last days, the days not closed)
 *             from the per-ticket facts, each an index-only range scan;
 *    resolved the per-resolution facts of the range (index-only, their
 *             periods stored with them), grouped
 *             by hashing, each group's times to resolve gathered in an
 *             array whose percentiles are taken at the end (a sort of each
 *             group's few hundred values instead of one sort of all).
 *  Periods are truncated in UTC; every closed day is a whole UTC day, so
 *  its sums fall in one period whatever the unit.
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
 *  SLA, NULL when none has one. */
#define STATS_FROM "to_timestamp($1::bigint / 1000.0)"
#define STATS_TO "to_timestamp($2::bigint / 1000.0)"
#define STATS_GROUPS                                                                                    \
    "CASE WHEN $3::boolean THEN category ELSE '' END AS category, "                                     \
    "CASE WHEN $4::boolean THEN department ELSE '' END AS department, "
/*  A resolution's period, and whether it is its ticket's last resolution
 *  in it, as stored by the migration for each unit ($5 is one of them). */
#define STATS_RESOLVED_PERIOD                                                                           \
    "CASE $5 WHEN 'day' THEN resolved_day WHEN 'week' THEN resolved_week ELSE resolved_month END"
#define STATS_RESOLVED_LAST                                                                             \
    "CASE $5 WHEN 'day' THEN last_of_day WHEN 'week' THEN last_of_week ELSE last_of_month END"
static const kefu_sql_t sql_stats = {
    "tickets_stats",
    "WITH edges AS ("
    /* The closed whole days of the range: [first_day, last_day). */
    "  SELECT first_day, greatest(first_day, least(to_day, closed_before)) AS last_day "
    "  FROM (SELECT ((" STATS_FROM " AT TIME ZONE 'UTC') + interval '1 day' - interval '1 microsecond')::date "
    "               AS first_day, (" STATS_TO " AT TIME ZONE 'UTC')::date AS to_day, closed_before "
    "        FROM ticket_stats_closed) e"
    "), opened_parts AS ("
    "  SELECT " STATS_GROUPS " date_trunc($5, day::timestamp) AS period, opened, repeat_complaints "
    "  FROM ticket_stats_opened_days "
    "  WHERE day >= (SELECT first_day FROM edges) AND day < (SELECT last_day FROM edges) "
    "  UNION ALL "
    "  SELECT " STATS_GROUPS " date_trunc($5, received_at AT TIME ZONE 'UTC'), 1, repeat_complaint::integer "
    "  FROM ticket_stats_opened "
    "  WHERE received_at >= " STATS_FROM " "
    "    AND received_at < least(" STATS_TO ", (SELECT first_day FROM edges)::timestamp AT TIME ZONE 'UTC') "
    "  UNION ALL "
    "  SELECT " STATS_GROUPS " date_trunc($5, received_at AT TIME ZONE 'UTC'), 1, repeat_complaint::integer "
    "  FROM ticket_stats_opened "
    "  WHERE received_at >= greatest(" STATS_FROM ", (SELECT last_day FROM edges)::timestamp AT TIME ZONE 'UTC') "
    "    AND received_at < " STATS_TO
    "), opened AS ("
    "  SELECT category, department, period, sum(opened) AS opened, sum(repeat_complaints) AS repeat_complaints "
    "  FROM opened_parts GROUP BY 1, 2, 3 HAVING sum(opened) > 0"
    "), resolved AS ("
    "  SELECT category, department, period, resolved, with_sla, on_time, "
    "         (SELECT percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY s) FROM unnest(seconds) s) "
    "         AS percentiles "
    "  FROM (SELECT " STATS_GROUPS " (" STATS_RESOLVED_PERIOD ")::timestamp AS period, "
    "               count(*) AS resolved, array_agg(seconds) AS seconds, count(resolution_due_at) AS with_sla, "
    "               count(*) FILTER (WHERE resolved_at <= resolution_due_at) AS on_time "
    "        FROM ticket_stats_resolutions "
    "        WHERE resolved_at >= " STATS_FROM " AND resolved_at < " STATS_TO " "
    "          AND (" STATS_RESOLVED_LAST " OR next_resolved_at >= " STATS_TO ") "
    "        GROUP BY 1, 2, 3) g"
    ") "
    "SELECT coalesce(o.category, r.category), coalesce(o.department, r.department), "
    "       rfc3339(coalesce(o.period, r.period) AT TIME ZONE 'UTC'), coalesce(o.opened, 0), "
    "       coalesce(r.resolved, 0), coalesce(round(r.percentiles[1])::bigint, 0), "
    "       coalesce(round(r.percentiles[2])::bigint, 0), coalesce(o.repeat_complaints, 0), "
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
    const char *settings[] = { TICKETS_STATS_WORK_MEM };
    if (kefu_db_command (db, &sql_planner_settings, 1, settings) != 0)
        return -1;
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

int
tickets_stats_store_close_days (kefu_db_t *db, int64_t now_ms, int open_days, int days_max)
{
    char now[NUMBER_TEXT_SIZE], open[NUMBER_TEXT_SIZE], most[NUMBER_TEXT_SIZE];
    snprintf (now, sizeof now, "%" PRId64, now_ms);
    snprintf (open, sizeof open, "%d", open_days);
    snprintf (most, sizeof most, "%d", days_max);
    const char *values[] = { now, open, most };
    return kefu_db_command (db, &sql_close_days, 3, values);
}
