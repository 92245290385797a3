/*  tickets_stats: the tickets.stats method (TKT-9). See tickets_stats.h. */
#include "tickets_stats.h"
#include "tickets_apply.h"
#include "tickets_search.h"
#include "tickets_stats_store.h"

#include "kefu_text.h"
#include "kefu_time.h"

#include <stdint.h>
#include <string.h>

enum {
    /*  At most this many periods in one request: a year of days. */
    STATS_PERIODS_MAX = 366,
    /*  At most this many rows in one answer. */
    STATS_ROWS_MAX = 5000,
    /*  Longest group_by: "category,department" with room for spaces. */
    STATS_GROUP_BY_MAX = 64,
    /*  Days stay open (their opened tickets read ticket by ticket) for a
     *  week: most changes of department come in a ticket's first days, and
     *  a change on a closed day updates that day's sums, which concurrent
     *  changes of the same day, category and department then wait for
     *  (migrations/0005). Also in the migration's ticket_stats_rebuild(7). */
    STATS_OPEN_DAYS = 7,
    /*  Days closed by one request at most: it holds back ticket creation
     *  meanwhile (a month of the bench load's days takes tens of ms). */
    STATS_CLOSE_DAYS_MAX = 31
};

static const int64_t MS_PER_DAY = 24LL * 60 * 60 * 1000;

/*  The periods, with the longest each can be (for the bound on the range). */
static const char *const stats_periods[] = { "day", "week", "month", NULL };
static const int stats_period_days[] = { 1, 7, 31 };
static const char STATS_PERIOD_DEFAULT[] = "month";

/*  Read group_by, a comma-separated list of category and department. */
static bool
group_by_valid (kefu_call_t *call, const char *group_by, bool *by_category, bool *by_department)
{
    *by_category = *by_department = false;
    const char *cursor = group_by, *item;
    size_t length;
    while (kefu_text_list_next (&cursor, &item, &length)) {
        if (length == strlen ("category") && strncmp (item, "category", length) == 0)
            *by_category = true;
        else if (length == strlen ("department") && strncmp (item, "department", length) == 0)
            *by_department = true;
        else {
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "group_by",
                            "group_by is a comma-separated list of: category, department");
            return false;
        }
    }
    return true;
}

void
tickets_stats (kefu_call_t *call)
{
    const Kefu__V1__TicketStatsRequest *request = (const Kefu__V1__TicketStatsRequest *) kefu_call_payload (call);
    const char *period = *request->period ? request->period : STATS_PERIOD_DEFAULT;
    bool by_category, by_department;
    int64_t from_ms, to_ms;
    if (!kefu_call_check_text (call, "group_by", request->group_by, KEFU_TEXT_LINE, STATS_GROUP_BY_MAX, false)
    ||  !group_by_valid (call, request->group_by, &by_category, &by_department)
    ||  !tickets_choice_ok (call, "period", period, stats_periods)
    ||  !tickets_search_range_prepare (call, "from", request->from, "to", request->to, &from_ms, &to_ms))
        return;
    if (from_ms == INT64_MIN || to_ms == INT64_MIN) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field",
                        from_ms == INT64_MIN ? "from" : "to", "from and to are required (RFC 3339)");
        return;
    }
    int period_days = 0;
    for (size_t i = 0; stats_periods[i]; i++)
        if (strcmp (period, stats_periods[i]) == 0)
            period_days = stats_period_days[i];
    if ((to_ms - from_ms) / MS_PER_DAY > (int64_t) period_days * STATS_PERIODS_MAX) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "to",
                        "from and to may span at most %d periods of a %s", STATS_PERIODS_MAX, period);
        return;
    }

    kefu_db_t *db = kefu_call_db (call);
    tickets_stats_rows_t rows = { 0 };
    /*  Closing days commits on its own, before the query: its lock holds
     *  back creations, which must not wait for a year's statistics too.
     *  One row more than allowed tells that the answer would be too long. */
    if (tickets_stats_store_close_days (db, kefu_time_now_ms (), STATS_OPEN_DAYS, STATS_CLOSE_DAYS_MAX) != 0
    ||  kefu_db_begin (db) != 0
    ||  tickets_stats_store_query (db, from_ms, to_ms, period, by_category, by_department, STATS_ROWS_MAX + 1,
                                   &rows) != 0
    ||  kefu_db_commit (db) != 0) {
        kefu_db_rollback (db);
        tickets_stats_rows_release (&rows);
        kefu_call_fail_db (call);
        return;
    }
    if (rows.count > STATS_ROWS_MAX) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "to",
                        "more than %d rows: shorten the range, take longer periods or group by less",
                        STATS_ROWS_MAX);
    } else {
        Kefu__V1__TicketStatsReply reply = KEFU__V1__TICKET_STATS_REPLY__INIT;
        reply.n_rows = rows.count;
        reply.rows = rows.row_pointers;
        kefu_call_reply (call, &reply.base);
    }
    tickets_stats_rows_release (&rows);
}
