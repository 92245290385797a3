/*  scheduling_swaps_store: the SQL of shift swaps. See
 *  scheduling_swaps_store.h.
 */
#include "scheduling_swaps_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  $n::bigint milliseconds as a timestamptz, and a timestamptz as
 *  milliseconds. */
#define MS(n)         "to_timestamp(" n "::bigint / 1000.0)"
#define TO_MS(column) "(extract(epoch FROM " column ") * 1000)::bigint"

enum { NUMBER_TEXT_SIZE = KEFU_DB_INT64_TEXT_SIZE };

/*  Every statement returning swaps returns these columns, in the order of
 *  swap_from_result(). */
#define SWAP_COLUMNS                                                                              \
    "w.id, r.staff_no, c.staff_no, w.swap_shift_id, rfc3339(ss.starts_at), rfc3339(ss.ends_at), " \
    "w.return_shift_id, rfc3339(rs.starts_at), rfc3339(rs.ends_at), w.reason, w.status, "         \
    "coalesce(rfc3339(w.accepted_at), ''), w.decided_by, coalesce(rfc3339(w.decided_at), ''), "   \
    "w.decision_note, w.version, rfc3339(w.created_at), rfc3339(w.updated_at), w.requester_id, "  \
    "w.counterpart_id"
#define SWAP_FROM                                                                                  \
    " FROM swaps w JOIN staff r ON r.id = w.requester_id JOIN staff c ON c.id = w.counterpart_id " \
    "JOIN shifts ss ON ss.id = w.swap_shift_id JOIN shifts rs ON rs.id = w.return_shift_id "

static const kefu_sql_t sql_swap_get = {"scheduling_swap_get",
                                        "SELECT " SWAP_COLUMNS SWAP_FROM "WHERE w.id = $1"};
static const kefu_sql_t sql_swap_get_for_update = {"scheduling_swap_get_for_update",
                                                   "SELECT " SWAP_COLUMNS SWAP_FROM
                                                   "WHERE w.id = $1 FOR UPDATE OF w"};
static const kefu_sql_t sql_swap_list = {
    "scheduling_swap_list",
    "SELECT " SWAP_COLUMNS SWAP_FROM
    "WHERE w.id > $3 AND ($1::bigint = 0 OR $1 IN (w.requester_id, w.counterpart_id)) "
    "  AND ($2 = '' OR w.status = $2) ORDER BY w.id LIMIT $4"};
static const kefu_sql_t sql_swap_insert = {
    "scheduling_swap_insert",
    "INSERT INTO swaps (requester_id, counterpart_id, swap_shift_id, return_shift_id, reason, "
    "created_at, "
    "  updated_at) VALUES ($1, $2, $3, $4, $5, " MS ("$6") ", " MS ("$6") ") RETURNING id"};
static const kefu_sql_t sql_swap_set_status = {
    "scheduling_swap_set_status",
    "UPDATE swaps SET status = $2, version = version + 1, updated_at = " MS (
        "$5") ", "
              "  accepted_at = CASE WHEN $2 = 'accepted' THEN " MS (
                  "$5") " ELSE accepted_at END, "
                        "  decided_by = CASE WHEN $2 = 'accepted' THEN decided_by ELSE $3 END, "
                        "  decided_at = CASE WHEN $2 = 'accepted' THEN decided_at ELSE " MS (
                            "$5") " END, "
                                  "  decision_note = CASE WHEN $2 = 'accepted' THEN decision_note "
                                  "ELSE $4 END "
                                  "WHERE id = $1"};
/*  The roster assignment a shift fills (roster, local day, template), empty
 *  outside rosters: two shifts filling the same one cannot be exchanged. */
#define SHIFT_ROSTER_SLOT                                                           \
    "coalesce(s.roster_id, 0), coalesce(to_char(s.roster_day, 'YYYY-MM-DD'), ''), " \
    "coalesce(s.template_code, '')"
static const kefu_sql_t sql_swap_shift = {
    "scheduling_swap_shift",
    "SELECT s.id, s.staff_id, " TO_MS ("s.starts_at") ", " TO_MS (
        "s.ends_at") ", s.version, "
                     "  EXISTS (SELECT 1 FROM shifts_in_force f WHERE f.id = s.id), s.site_zone, "
                     "p.staff_no, " SHIFT_ROSTER_SLOT " "
                     "FROM shifts s JOIN staff p ON p.id = s.staff_id WHERE s.id = $1"};
static const kefu_sql_t sql_swap_shift_for_update = {
    "scheduling_swap_shift_for_update",
    "SELECT s.id, s.staff_id, " TO_MS ("s.starts_at") ", " TO_MS (
        "s.ends_at") ", s.version, "
                     "  EXISTS (SELECT 1 FROM shifts_in_force f WHERE f.id = s.id), s.site_zone, "
                     "p.staff_no, " SHIFT_ROSTER_SLOT " "
                     "FROM shifts s JOIN staff p ON p.id = s.staff_id WHERE s.id = $1 FOR UPDATE "
                     "OF s"};
static const kefu_sql_t sql_swap_shift_reassign = {
    "scheduling_swap_shift_reassign",
    "UPDATE shifts SET staff_id = $2, version = version + 1 WHERE id = $1 RETURNING version"};
static const kefu_sql_t sql_swap_leave_count = {
    "scheduling_swap_leave_count",
    "SELECT count(*) FROM leave_requests WHERE staff_id IN ($1, $2) AND status IN ('requested', "
    "'approved') "
    "  AND ((starts_at < " MS ("$4") " AND ends_at > " MS (
        "$3") ") "
              "    OR (starts_at < " MS ("$6") " AND ends_at > " MS ("$5") "))"};
/*  A shift too close to the one received: it ends less than the rest
 *  before it starts, or starts less than the rest after it ends (overlap
 *  included). */
static const kefu_sql_t sql_swap_too_close = {
    "scheduling_swap_too_close",
    "SELECT count(*) FROM shifts_in_force o, shifts r WHERE r.id = $3 AND o.staff_id = $1 "
    "  AND o.id <> $2 AND o.id <> $3 "
    "  AND o.ends_at > r.starts_at - make_interval(secs => $4::bigint / 1000.0) "
    "  AND o.starts_at < r.ends_at + make_interval(secs => $4::bigint / 1000.0)"};
static const kefu_sql_t sql_swap_consecutive = {
    "scheduling_swap_consecutive",
    "WITH mine AS (SELECT id, starts_at FROM shifts_in_force WHERE staff_id = $1 AND id <> $2 AND "
    "id <> $3), "
    "near AS ((SELECT id FROM mine WHERE starts_at < " MS (
        "$4") " ORDER BY starts_at DESC LIMIT 1) "
              "  UNION (SELECT id FROM mine WHERE starts_at > " MS (
                  "$4") " ORDER BY starts_at LIMIT 1) "
                        "  UNION (SELECT id FROM mine WHERE starts_at < " MS (
                            "$5") " ORDER BY starts_at DESC LIMIT 1) "
                                  "  UNION (SELECT id FROM mine WHERE starts_at > " MS (
                                      "$5") " ORDER BY starts_at LIMIT 1)) "
                                            "SELECT count(*) FROM swaps w WHERE w.status = "
                                            "'approved' AND ("
                                            "  w.swap_shift_id IN ($2, $3) OR w.return_shift_id IN "
                                            "($2, $3) "
                                            "  OR ($1 IN (w.requester_id, w.counterpart_id) "
                                            "      AND (w.swap_shift_id IN (SELECT id FROM near) "
                                            "OR w.return_shift_id IN (SELECT id FROM near))))"};
static const kefu_sql_t sql_swap_month_count = {
    "scheduling_swap_month_count",
    "SELECT count(*) FROM swaps w JOIN shifts s ON s.id = w.swap_shift_id WHERE w.status = "
    "'approved' "
    "  AND $1 IN (w.requester_id, w.counterpart_id) AND s.starts_at >= " MS (
        "$2") "  AND s.starts_at < " MS ("$3")};


void
scheduling_swap_rows_release (scheduling_swap_rows_t *rows)
{
    PQclear (rows->result);
    memset (rows, 0, sizeof *rows);
}

/*  Fill `swap` from row `row` of `result` (SWAP_COLUMNS); the ids of its
 *  people into *requester_id, *counterpart_id. */
static void
swap_from_row (PGresult *result, int row, Kefu__V1__Swap *swap, int64_t *requester_id,
               int64_t *counterpart_id)
{
    kefu__v1__swap__init (swap);
    int c = 0;
    swap->id = kefu_db_int64 (result, row, c++);
    swap->requester_staff_no = PQgetvalue (result, row, c++);
    swap->counterpart_staff_no = PQgetvalue (result, row, c++);
    swap->swap_shift_id = kefu_db_int64 (result, row, c++);
    swap->swap_starts_at = PQgetvalue (result, row, c++);
    swap->swap_ends_at = PQgetvalue (result, row, c++);
    swap->return_shift_id = kefu_db_int64 (result, row, c++);
    swap->return_starts_at = PQgetvalue (result, row, c++);
    swap->return_ends_at = PQgetvalue (result, row, c++);
    swap->reason = PQgetvalue (result, row, c++);
    swap->status = PQgetvalue (result, row, c++);
    swap->accepted_at = PQgetvalue (result, row, c++);
    swap->decided_by = PQgetvalue (result, row, c++);
    swap->decided_at = PQgetvalue (result, row, c++);
    swap->decision_note = PQgetvalue (result, row, c++);
    swap->version = kefu_db_int64 (result, row, c++);
    swap->created_at = PQgetvalue (result, row, c++);
    swap->updated_at = PQgetvalue (result, row, c++);
    *requester_id = kefu_db_int64 (result, row, c++);
    *counterpart_id = kefu_db_int64 (result, row, c++);
}

int
scheduling_swaps_store_get (kefu_db_t *db, int64_t id, bool for_update,
                            scheduling_swap_rows_t *rows)
{
    memset (rows, 0, sizeof *rows);
    char id_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (id, id_text);
    const char *values[] = {id_text};
    rows->result =
        kefu_db_run (db, for_update ? &sql_swap_get_for_update : &sql_swap_get, 1, values);
    if (!rows->result)
        return -1;
    if (PQntuples (rows->result) != 1)
        return 1;
    swap_from_row (rows->result, 0, &rows->swap, &rows->requester_id, &rows->counterpart_id);
    return 0;
}

void
scheduling_swap_list_release (scheduling_swap_list_t *list)
{
    PQclear (list->result);
    free (list->items);
    free (list->pointers);
    memset (list, 0, sizeof *list);
}

int
scheduling_swaps_store_list (kefu_db_t *db, int64_t party, const char *status, int64_t after,
                             int limit, scheduling_swap_list_t *list)
{
    memset (list, 0, sizeof *list);
    char text[3][NUMBER_TEXT_SIZE];
    kefu_db_int64_text (party, text[0]);
    kefu_db_int64_text (after, text[1]);
    kefu_db_int64_text (limit, text[2]);
    const char *values[] = {text[0], status, text[1], text[2]};
    list->result = kefu_db_run (db, &sql_swap_list, 4, values);
    if (!list->result)
        return -1;
    size_t count = (size_t)PQntuples (list->result);
    list->items = calloc (count + 1, sizeof *list->items);
    list->pointers = calloc (count + 1, sizeof *list->pointers);
    if (!list->items || !list->pointers)
        return -1;
    for (size_t i = 0; i < count; i++) {
        int64_t requester_id, counterpart_id;
        swap_from_row (list->result, (int)i, &list->items[i], &requester_id, &counterpart_id);
        list->pointers[i] = &list->items[i];
    }
    list->count = count;
    return 0;
}

/*  Run `sql` and read the one number of its one row into *value. */
static int
swaps_number (kefu_db_t *db, const kefu_sql_t *sql, int count, const char *const *values,
              int64_t *value)
{
    PGresult *result = kefu_db_run (db, sql, count, values);
    if (!result)
        return -1;
    int rc = PQntuples (result) == 1 ? 0 : 1;
    if (rc == 0)
        *value = kefu_db_int64 (result, 0, 0);
    PQclear (result);
    return rc;
}

int
scheduling_swaps_store_insert (kefu_db_t *db, int64_t requester_id, int64_t counterpart_id,
                               int64_t swap_shift_id, int64_t return_shift_id, const char *reason,
                               int64_t now_ms, int64_t *id)
{
    char text[5][NUMBER_TEXT_SIZE];
    kefu_db_int64_text (requester_id, text[0]);
    kefu_db_int64_text (counterpart_id, text[1]);
    kefu_db_int64_text (swap_shift_id, text[2]);
    kefu_db_int64_text (return_shift_id, text[3]);
    kefu_db_int64_text (now_ms, text[4]);
    const char *values[] = {text[0], text[1], text[2], text[3], reason, text[4]};
    return swaps_number (db, &sql_swap_insert, 6, values, id) == 0 ? 0 : -1;
}

int
scheduling_swaps_store_set_status (kefu_db_t *db, int64_t id, const char *status, const char *by,
                                   const char *note, int64_t now_ms)
{
    char id_text[NUMBER_TEXT_SIZE], now_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (id, id_text);
    kefu_db_int64_text (now_ms, now_text);
    const char *values[] = {id_text, status, by, note, now_text};
    return kefu_db_command (db, &sql_swap_set_status, 5, values);
}

int
scheduling_swaps_store_shift (kefu_db_t *db, int64_t id, bool for_update,
                              scheduling_swap_shift_t *shift)
{
    memset (shift, 0, sizeof *shift);
    char id_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (id, id_text);
    const char *values[] = {id_text};
    PGresult *result =
        kefu_db_run (db, for_update ? &sql_swap_shift_for_update : &sql_swap_shift, 1, values);
    if (!result)
        return -1;
    int rc = PQntuples (result) == 1 ? 0 : 1;
    if (rc == 0) {
        shift->id = kefu_db_int64 (result, 0, 0);
        shift->staff_id = kefu_db_int64 (result, 0, 1);
        shift->starts_ms = kefu_db_int64 (result, 0, 2);
        shift->ends_ms = kefu_db_int64 (result, 0, 3);
        shift->version = kefu_db_int64 (result, 0, 4);
        shift->in_force = kefu_db_bool (result, 0, 5);
        snprintf (shift->site_zone, sizeof shift->site_zone, "%s", PQgetvalue (result, 0, 6));
        snprintf (shift->staff_no, sizeof shift->staff_no, "%s", PQgetvalue (result, 0, 7));
        shift->roster_id = kefu_db_int64 (result, 0, 8);
        snprintf (shift->roster_day, sizeof shift->roster_day, "%s", PQgetvalue (result, 0, 9));
        snprintf (shift->template_code, sizeof shift->template_code, "%s",
                  PQgetvalue (result, 0, 10));
    }
    PQclear (result);
    return rc;
}

int
scheduling_swaps_store_shift_reassign (kefu_db_t *db, int64_t id, int64_t staff_id,
                                       int64_t *version)
{
    char text[2][NUMBER_TEXT_SIZE];
    kefu_db_int64_text (id, text[0]);
    kefu_db_int64_text (staff_id, text[1]);
    const char *values[] = {text[0], text[1]};
    return swaps_number (db, &sql_swap_shift_reassign, 2, values, version) == 0 ? 0 : -1;
}

int
scheduling_swaps_store_leave_count (kefu_db_t *db, int64_t person1, int64_t person2,
                                    int64_t from1_ms, int64_t until1_ms, int64_t from2_ms,
                                    int64_t until2_ms, int64_t *count)
{
    char text[6][NUMBER_TEXT_SIZE];
    kefu_db_int64_text (person1, text[0]);
    kefu_db_int64_text (person2, text[1]);
    kefu_db_int64_text (from1_ms, text[2]);
    kefu_db_int64_text (until1_ms, text[3]);
    kefu_db_int64_text (from2_ms, text[4]);
    kefu_db_int64_text (until2_ms, text[5]);
    const char *values[] = {text[0], text[1], text[2], text[3], text[4], text[5]};
    return swaps_number (db, &sql_swap_leave_count, 6, values, count) == 0 ? 0 : -1;
}

int
scheduling_swaps_store_too_close (kefu_db_t *db, int64_t person, int64_t given, int64_t received,
                                  int64_t rest_ms, int64_t *count)
{
    char text[4][NUMBER_TEXT_SIZE];
    kefu_db_int64_text (person, text[0]);
    kefu_db_int64_text (given, text[1]);
    kefu_db_int64_text (received, text[2]);
    kefu_db_int64_text (rest_ms, text[3]);
    const char *values[] = {text[0], text[1], text[2], text[3]};
    return swaps_number (db, &sql_swap_too_close, 4, values, count) == 0 ? 0 : -1;
}

int
scheduling_swaps_store_consecutive (kefu_db_t *db, int64_t person, int64_t shift1, int64_t shift2,
                                    int64_t start1_ms, int64_t start2_ms, int64_t *count)
{
    char text[5][NUMBER_TEXT_SIZE];
    kefu_db_int64_text (person, text[0]);
    kefu_db_int64_text (shift1, text[1]);
    kefu_db_int64_text (shift2, text[2]);
    kefu_db_int64_text (start1_ms, text[3]);
    kefu_db_int64_text (start2_ms, text[4]);
    const char *values[] = {text[0], text[1], text[2], text[3], text[4]};
    return swaps_number (db, &sql_swap_consecutive, 5, values, count) == 0 ? 0 : -1;
}

int
scheduling_swaps_store_month_count (kefu_db_t *db, int64_t person, int64_t from_ms,
                                    int64_t until_ms, int64_t *count)
{
    char text[3][NUMBER_TEXT_SIZE];
    kefu_db_int64_text (person, text[0]);
    kefu_db_int64_text (from_ms, text[1]);
    kefu_db_int64_text (until_ms, text[2]);
    const char *values[] = {text[0], text[1], text[2]};
    return swaps_number (db, &sql_swap_month_count, 3, values, count) == 0 ? 0 : -1;
}
