/*  scheduling_attendance_store: the SQL of leave and attendance. See
 *  scheduling_attendance_store.h; tables in migrations/0003_rosters.sql
 *  (leave_requests, shifts_in_force) and 0006_leave_attendance.sql.
 */
#include "scheduling_attendance_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/*  $n::bigint milliseconds as a timestamptz, and a timestamptz as them. */
#define MS(n)    "to_timestamp(" n "::bigint / 1000.0)"
#define TO_MS(c) "(extract(epoch FROM " c ") * 1000)::bigint"

enum { NUMBER_TEXT_SIZE = KEFU_DB_INT64_TEXT_SIZE };

/*  Room for an int64 as decimal text: a parameter. */
typedef struct {
    char text[NUMBER_TEXT_SIZE];
} number_t;

static const char *
number (number_t *n, int64_t value)
{
    return kefu_db_int64_text (value, n->text);
}

/*  Columns of kefu.v1.Leave in field order, then staff_id, requested_by,
 *  starts_at and ends_at in milliseconds (leave_row_read), from a leave row
 *  `l`. */
#define LEAVE_COLUMNS                                                                              \
    "l.id, (SELECT staff_no FROM staff WHERE id = l.staff_id), "                                   \
    "(SELECT staff_no FROM staff WHERE id = l.requested_by), l.kind, rfc3339(l.starts_at), "         \
    "rfc3339(l.ends_at), l.reason, l.certificate_ref, l.status, "                                   \
    "coalesce((SELECT staff_no FROM staff WHERE id = l.decided_by), ''), "                          \
    "coalesce(rfc3339(l.decided_at), ''), l.decision_note, l.version, rfc3339(l.created_at), "      \
    "rfc3339(l.updated_at), l.staff_id, l.requested_by, " TO_MS ("l.starts_at") ", " TO_MS ("l.ends_at")

static const kefu_sql_t sql_leave_first_shift = {
    "scheduling_leave_first_shift",
    "SELECT s.id, " TO_MS ("s.starts_at") ", s.site_zone, coalesce(t.is_night, false) "
    "FROM shifts_in_force s LEFT JOIN shift_templates t ON t.code = s.template_code "
    "WHERE s.staff_id = $1 AND s.starts_at < " MS ("$3") " AND s.ends_at > " MS ("$2")
    " ORDER BY s.starts_at LIMIT 1"
};
static const kefu_sql_t sql_leave_overlaps = {
    "scheduling_leave_overlaps",
    "SELECT EXISTS (SELECT 1 FROM leave_requests WHERE staff_id = $1 AND status IN ('requested', 'approved') "
    "  AND starts_at < " MS ("$3") " AND ends_at > " MS ("$2") ")"
};
static const kefu_sql_t sql_leave_insert = {
    "scheduling_leave_insert",
    "WITH l AS (INSERT INTO leave_requests (staff_id, requested_by, kind, starts_at, ends_at, reason, "
    "  certificate_ref, created_at, updated_at) VALUES ($1, $2, $3, " MS ("$4") ", " MS ("$5") ", $6, $7, "
    MS ("$8") ", " MS ("$8") ") RETURNING *) SELECT " LEAVE_COLUMNS " FROM l"
};
static const kefu_sql_t sql_leave_by_id = {
    "scheduling_leave_by_id", "SELECT " LEAVE_COLUMNS " FROM leave_requests l WHERE l.id = $1"
};
static const kefu_sql_t sql_leave_by_id_for_update = {
    "scheduling_leave_by_id_for_update",
    "SELECT " LEAVE_COLUMNS " FROM leave_requests l WHERE l.id = $1 FOR UPDATE"
};
static const kefu_sql_t sql_leave_decide = {
    "scheduling_leave_decide",
    "WITH l AS (UPDATE leave_requests SET status = $2, decided_by = nullif($3::bigint, 0), "
    "  decided_at = CASE WHEN $3::bigint = 0 THEN decided_at ELSE " MS ("$5") " END, "
    "  decision_note = $4, version = version + 1, updated_at = " MS ("$5") " WHERE id = $1 RETURNING *) "
    "SELECT " LEAVE_COLUMNS " FROM l"
};
static const kefu_sql_t sql_leave_list = {
    "scheduling_leave_list",
    "SELECT " LEAVE_COLUMNS " FROM leave_requests l WHERE ($1 = '' OR l.status = $1) "
    "  AND ($2 = '' OR l.staff_id = (SELECT id FROM staff WHERE staff_no = $2)) "
    "  AND ($3::bigint = 0 OR l.staff_id = $3 OR l.requested_by = $3) AND l.id > $4 ORDER BY l.id LIMIT $5"
};
static const kefu_sql_t sql_leave_approved_covers = {
    "scheduling_leave_approved_covers",
    "SELECT EXISTS (SELECT 1 FROM leave_requests WHERE staff_id = $1 AND status = 'approved' "
    "  AND starts_at < " MS ("$3") " AND ends_at > " MS ("$2") ")"
};

static const kefu_sql_t sql_attendance_shift_now = {
    "scheduling_attendance_shift_now",
    "SELECT id, " TO_MS ("starts_at") ", " TO_MS ("ends_at") " FROM shifts_in_force "
    "WHERE staff_id = $1 AND starts_at <= " MS ("($2::bigint + $3::bigint)") " AND ends_at > " MS ("$2")
    " ORDER BY starts_at LIMIT 1"
};
static const kefu_sql_t sql_attendance_insert = {
    "scheduling_attendance_insert",
    "INSERT INTO attendance (shift_id, staff_id, clock_in_at, clock_in_terminal, late_minutes) "
    "VALUES ($1, $2, " MS ("$3") ", $4, $5) ON CONFLICT (shift_id) DO NOTHING RETURNING id"
};
static const kefu_sql_t sql_attendance_open = {
    "scheduling_attendance_open",
    "SELECT id, shift_id FROM attendance WHERE staff_id = $1 AND clock_out_at IS NULL "
    "ORDER BY clock_in_at DESC LIMIT 1 FOR UPDATE"
};
static const kefu_sql_t sql_break_open = {
    "scheduling_break_open",
    "SELECT id, " TO_MS ("left_at") " FROM attendance_breaks WHERE attendance_id = $1 AND returned_at IS NULL"
};
static const kefu_sql_t sql_attendance_clock_out = {
    "scheduling_attendance_clock_out",
    "UPDATE attendance SET clock_out_at = " MS ("$2") ", clock_out_terminal = $3, version = version + 1 "
    "WHERE id = $1"
};
static const kefu_sql_t sql_break_insert = {
    "scheduling_break_insert",
    "WITH b AS (INSERT INTO attendance_breaks (attendance_id, left_at, left_terminal) "
    "  VALUES ($1, " MS ("$2") ", $3)) UPDATE attendance SET version = version + 1 WHERE id = $1"
};
static const kefu_sql_t sql_break_close = {
    "scheduling_break_close",
    "WITH b AS (UPDATE attendance_breaks SET returned_at = " MS ("$3") ", returned_terminal = $4 WHERE id = $2) "
    "UPDATE attendance SET version = version + 1 WHERE id = $1"
};
static const kefu_sql_t sql_violation_insert = {
    "scheduling_violation_insert",
    "INSERT INTO attendance_violations (shift_id, staff_id, kind, minutes, break_id, occurred_at) "
    "VALUES ($1, $2, $3, $4, nullif($5::bigint, 0), " MS ("$6") ") ON CONFLICT DO NOTHING RETURNING id"
};
/*  Whole minutes of absences from post, an open one counted up to $2. */
static const kefu_sql_t sql_attendance_record = {
    "scheduling_attendance_record",
    "SELECT a.shift_id, st.staff_no, rfc3339(s.starts_at), rfc3339(s.ends_at), rfc3339(a.clock_in_at), "
    "  a.clock_in_terminal, a.late_minutes, coalesce(rfc3339(a.clock_out_at), ''), a.clock_out_terminal, "
    "  coalesce((SELECT rfc3339(left_at) FROM attendance_breaks WHERE attendance_id = a.id "
    "    AND returned_at IS NULL), ''), "
    "  coalesce((SELECT floor(sum(extract(epoch FROM coalesce(returned_at, " MS ("$2") ") - left_at)) / 60) "
    "    FROM attendance_breaks WHERE attendance_id = a.id), 0)::integer, a.version "
    "FROM attendance a JOIN staff st ON st.id = a.staff_id JOIN shifts s ON s.id = a.shift_id WHERE a.id = $1"
};

/*  The ticker's absences: candidates, recorded once by the unique shift_id
 *  (a replica that lost the race inserts nothing), returned with what the
 *  event says. Departed people's shifts are not absences. */
#define ABSENCE_RECORDED                                                                          \
    "), i AS (INSERT INTO attendance_absences (shift_id, staff_id, cause, leave_id, recorded_at) "  \
    "  SELECT shift_id, staff_id, cause, leave_id, " MS ("$1") " FROM c "                           \
    "  ON CONFLICT (shift_id) DO NOTHING RETURNING shift_id, staff_id, cause, leave_id) "          \
    "SELECT i.shift_id, st.staff_no, i.cause, coalesce(i.leave_id, 0), rfc3339(s.starts_at) "        \
    "FROM i JOIN staff st ON st.id = i.staff_id JOIN shifts s ON s.id = i.shift_id ORDER BY i.shift_id"
#define ABSENCE_NOT_YET                                                                           \
    " AND st.status <> 'departed' "                                                              \
    " AND NOT EXISTS (SELECT 1 FROM attendance a WHERE a.shift_id = s.id) "                       \
    " AND NOT EXISTS (SELECT 1 FROM attendance_absences b WHERE b.shift_id = s.id) "              \
    " AND NOT EXISTS (SELECT 1 FROM leave_requests ok WHERE ok.staff_id = s.staff_id "             \
    "   AND ok.status = 'approved' AND ok.starts_at < s.ends_at AND ok.ends_at > s.starts_at) "
static const kefu_sql_t sql_absences_leave_undecided = {
    "scheduling_absences_leave_undecided",
    "WITH c AS (SELECT DISTINCT ON (s.id) s.id AS shift_id, s.staff_id, 'leave_undecided'::text AS cause, "
    "  l.id AS leave_id FROM leave_requests l JOIN shifts_in_force s ON s.staff_id = l.staff_id "
    "  AND s.starts_at < l.ends_at AND s.ends_at > l.starts_at JOIN staff st ON st.id = s.staff_id "
    "  WHERE l.status = 'requested' AND $2::bigint >= 0 AND s.starts_at <= " MS ("$1") " AND s.starts_at > "
    MS ("($1::bigint - $3::bigint)") ABSENCE_NOT_YET " ORDER BY s.id, l.id LIMIT $4" ABSENCE_RECORDED
};
static const kefu_sql_t sql_absences_no_show = {
    "scheduling_absences_no_show",
    "WITH c AS (SELECT s.id AS shift_id, s.staff_id, 'no_show'::text AS cause, NULL::bigint AS leave_id "
    "  FROM shifts_in_force s JOIN staff st ON st.id = s.staff_id "
    "  WHERE s.starts_at <= " MS ("($1::bigint - $2::bigint)") " AND s.starts_at > "
    MS ("($1::bigint - $2::bigint - $3::bigint)") ABSENCE_NOT_YET " ORDER BY s.id LIMIT $4" ABSENCE_RECORDED
};
static const kefu_sql_t sql_report_reminder = {
    "scheduling_report_reminder",
    "INSERT INTO attendance_report_reminders (month, raised_at) VALUES ($1::date, " MS ("$2")
    ") ON CONFLICT (month) DO NOTHING RETURNING month"
};

/*  Per person: shifts in force starting in [$1, $2), and approved leave
 *  in the month (clipped to it). The month is the person's: a shift
 *  belongs whole to the month it starts in, so a night from the 31st to the
 *  1st moves the person's month end to that shift's end, and the start of
 *  the next month to it too; its leave counts with it, never split from
 *  it. Worked time is clock-in to clock-out of those shifts less closed
 *  absences from post. */
static const kefu_sql_t sql_attendance_report = {
    "scheduling_attendance_report",
    "WITH sh AS (SELECT id, staff_id, starts_at, ends_at FROM shifts_in_force "
    "  WHERE starts_at >= " MS ("$1") " AND starts_at < " MS ("$2") " AND ($3::bigint = 0 OR staff_id = $3)), "
    "lc AS (SELECT l.staff_id, l.kind, l.starts_at, l.ends_at, "
    "  coalesce((SELECT max(s.ends_at) FROM shifts_in_force s WHERE s.staff_id = l.staff_id "
    "    AND s.starts_at < " MS ("$1") " AND s.ends_at > " MS ("$1") "), " MS ("$1") ") AS from_at, "
    "  coalesce((SELECT max(sh.ends_at) FROM sh WHERE sh.staff_id = l.staff_id AND sh.ends_at > " MS ("$2")
    "), " MS ("$2") ") AS until_at "
    "  FROM leave_requests l WHERE l.status = 'approved' AND l.ends_at > " MS ("$1")
    "  AND ($3::bigint = 0 OR l.staff_id = $3) AND (l.starts_at < " MS ("$2")
    "    OR EXISTS (SELECT 1 FROM sh WHERE sh.staff_id = l.staff_id AND sh.ends_at > l.starts_at))), "
    "lv AS (SELECT staff_id, kind, floor(sum(extract(epoch FROM least(ends_at, until_at) - "
    "  greatest(starts_at, from_at))) / 60)::bigint AS minutes FROM lc "
    "  WHERE least(ends_at, until_at) > greatest(starts_at, from_at) GROUP BY staff_id, kind), "
    "wk AS (SELECT sh.staff_id, a.late_minutes, extract(epoch FROM a.clock_out_at - a.clock_in_at) - "
    "  coalesce((SELECT sum(extract(epoch FROM b.returned_at - b.left_at)) FROM attendance_breaks b "
    "    WHERE b.attendance_id = a.id AND b.returned_at IS NOT NULL), 0) AS worked_s "
    "  FROM attendance a JOIN sh ON sh.id = a.shift_id), "
    "people AS (SELECT staff_id FROM sh UNION SELECT staff_id FROM lv) "
    "SELECT st.staff_no, st.name, "
    "  (SELECT count(*) FROM sh WHERE sh.staff_id = p.staff_id), "
    "  (SELECT coalesce(floor(sum(extract(epoch FROM ends_at - starts_at)) / 60), 0)::bigint FROM sh "
    "    WHERE sh.staff_id = p.staff_id), "
    "  (SELECT coalesce(floor(sum(worked_s) / 60), 0)::bigint FROM wk WHERE wk.staff_id = p.staff_id "
    "    AND worked_s IS NOT NULL), "
    "  (SELECT count(*) FROM wk WHERE wk.staff_id = p.staff_id AND late_minutes > 0), "
    "  (SELECT coalesce(sum(late_minutes), 0) FROM wk WHERE wk.staff_id = p.staff_id), "
    "  (SELECT count(*) FROM attendance_absences b JOIN sh ON sh.id = b.shift_id WHERE sh.staff_id = p.staff_id "
    "    AND NOT EXISTS (SELECT 1 FROM attendance a WHERE a.shift_id = b.shift_id)), "
    "  (SELECT count(*) FROM attendance_violations v JOIN sh ON sh.id = v.shift_id "
    "    WHERE v.staff_id = p.staff_id), "
    "  (SELECT coalesce(string_agg(kind || ':' || minutes, ',' ORDER BY kind), '') FROM lv "
    "    WHERE lv.staff_id = p.staff_id) "
    "FROM people p JOIN staff st ON st.id = p.staff_id ORDER BY st.staff_no LIMIT $4"
};

/* --- leave ---------------------------------------------------------------- */

void
scheduling_leave_row_release (scheduling_leave_row_t *row)
{
    PQclear (row->result);
    row->result = NULL;
}

void
scheduling_leave_read (PGresult *result, int r, Kefu__V1__Leave *leave)
{
    Kefu__V1__Leave init = KEFU__V1__LEAVE__INIT;
    *leave = init;
    leave->id = kefu_db_int64 (result, r, 0);
    leave->staff_no = PQgetvalue (result, r, 1);
    leave->requested_by = PQgetvalue (result, r, 2);
    leave->kind = PQgetvalue (result, r, 3);
    leave->starts_at = PQgetvalue (result, r, 4);
    leave->ends_at = PQgetvalue (result, r, 5);
    leave->reason = PQgetvalue (result, r, 6);
    leave->certificate_ref = PQgetvalue (result, r, 7);
    leave->status = PQgetvalue (result, r, 8);
    leave->decided_by = PQgetvalue (result, r, 9);
    leave->decided_at = PQgetvalue (result, r, 10);
    leave->decision_note = PQgetvalue (result, r, 11);
    leave->version = kefu_db_int64 (result, r, 12);
    leave->created_at = PQgetvalue (result, r, 13);
    leave->updated_at = PQgetvalue (result, r, 14);
}

/*  Fill `row` from the first row of `result` (LEAVE_COLUMNS), taking it
 *  over. 0, or 1 (released) when there is no row. */
static int
leave_row_read (PGresult *result, scheduling_leave_row_t *row)
{
    if (PQntuples (result) == 0) {
        PQclear (result);
        return 1;
    }
    row->result = result;
    scheduling_leave_read (result, 0, &row->leave);
    row->staff_id = kefu_db_int64 (result, 0, 15);
    row->requested_by_id = kefu_db_int64 (result, 0, 16);
    row->starts_ms = kefu_db_int64 (result, 0, 17);
    row->ends_ms = kefu_db_int64 (result, 0, 18);
    return 0;
}

/*  Run `statement` and read a leave row from it. */
static int
leave_run (kefu_db_t *db, const kefu_sql_t *statement, int count, const char *const *values,
           scheduling_leave_row_t *row)
{
    PGresult *result = kefu_db_run (db, statement, count, values);
    return result ? leave_row_read (result, row) : -1;
}

/*  Run a statement answering one boolean: 1 true, 0 false, -1. */
static int
run_exists (kefu_db_t *db, const kefu_sql_t *statement, int count, const char *const *values)
{
    PGresult *result = kefu_db_run (db, statement, count, values);
    if (!result)
        return -1;
    int exists = kefu_db_bool (result, 0, 0) ? 1 : 0;
    PQclear (result);
    return exists;
}

int
scheduling_store_leave_first_shift (kefu_db_t *db, int64_t staff_id, int64_t starts_ms, int64_t ends_ms,
                                    int64_t *shift_id, int64_t *shift_starts_ms, char *zone, size_t zone_size,
                                    bool *is_night)
{
    number_t a, b, c;
    const char *values[] = { number (&a, staff_id), number (&b, starts_ms), number (&c, ends_ms) };
    PGresult *result = kefu_db_run (db, &sql_leave_first_shift, 3, values);
    if (!result)
        return -1;
    int found = PQntuples (result) == 1 ? 0 : 1;
    if (found == 0) {
        *shift_id = kefu_db_int64 (result, 0, 0);
        *shift_starts_ms = kefu_db_int64 (result, 0, 1);
        snprintf (zone, zone_size, "%s", PQgetvalue (result, 0, 2));
        *is_night = kefu_db_bool (result, 0, 3);
    }
    PQclear (result);
    return found;
}

int
scheduling_store_leave_overlaps (kefu_db_t *db, int64_t staff_id, int64_t starts_ms, int64_t ends_ms)
{
    number_t a, b, c;
    const char *values[] = { number (&a, staff_id), number (&b, starts_ms), number (&c, ends_ms) };
    return run_exists (db, &sql_leave_overlaps, 3, values);
}

int
scheduling_store_leave_insert (kefu_db_t *db, int64_t staff_id, int64_t requested_by, const char *kind,
                               int64_t starts_ms, int64_t ends_ms, const char *reason, const char *certificate_ref,
                               int64_t now_ms, scheduling_leave_row_t *row)
{
    number_t a, b, c, d, e;
    const char *values[] = { number (&a, staff_id), number (&b, requested_by), kind, number (&c, starts_ms),
                             number (&d, ends_ms), reason, certificate_ref, number (&e, now_ms) };
    int read = leave_run (db, &sql_leave_insert, 8, values, row);
    return read == 0 ? 0 : -1;
}

int
scheduling_store_leave_by_id (kefu_db_t *db, int64_t id, bool for_update, scheduling_leave_row_t *row)
{
    number_t a;
    const char *values[] = { number (&a, id) };
    return leave_run (db, for_update ? &sql_leave_by_id_for_update : &sql_leave_by_id, 1, values, row);
}

int
scheduling_store_leave_decide (kefu_db_t *db, int64_t id, const char *status, int64_t decided_by, const char *note,
                               int64_t now_ms, scheduling_leave_row_t *row)
{
    number_t a, b, c;
    const char *values[] = { number (&a, id), status, number (&b, decided_by), note, number (&c, now_ms) };
    int read = leave_run (db, &sql_leave_decide, 5, values, row);
    return read == 0 ? 0 : -1;
}

PGresult *
scheduling_store_leave_list (kefu_db_t *db, const char *status, const char *staff_no, int64_t party_id, int64_t after,
                             int limit)
{
    number_t a, b, c;
    const char *values[] = { status, staff_no, number (&a, party_id), number (&b, after), number (&c, limit) };
    return kefu_db_run (db, &sql_leave_list, 5, values);
}

int
scheduling_store_leave_approved_covers (kefu_db_t *db, int64_t staff_id, int64_t from_ms, int64_t until_ms)
{
    number_t a, b, c;
    const char *values[] = { number (&a, staff_id), number (&b, from_ms), number (&c, until_ms) };
    return run_exists (db, &sql_leave_approved_covers, 3, values);
}

/* --- attendance ----------------------------------------------------------- */

int
scheduling_store_attendance_shift_now (kefu_db_t *db, int64_t staff_id, int64_t now_ms, int64_t grace_before_ms,
                                       int64_t *shift_id, int64_t *starts_ms, int64_t *ends_ms)
{
    number_t a, b, c;
    const char *values[] = { number (&a, staff_id), number (&b, now_ms), number (&c, grace_before_ms) };
    PGresult *result = kefu_db_run (db, &sql_attendance_shift_now, 3, values);
    if (!result)
        return -1;
    int found = PQntuples (result) == 1 ? 0 : 1;
    if (found == 0) {
        *shift_id = kefu_db_int64 (result, 0, 0);
        *starts_ms = kefu_db_int64 (result, 0, 1);
        *ends_ms = kefu_db_int64 (result, 0, 2);
    }
    PQclear (result);
    return found;
}

int
scheduling_store_attendance_insert (kefu_db_t *db, int64_t shift_id, int64_t staff_id, int64_t now_ms,
                                    const char *terminal, int late_minutes, int64_t *attendance_id)
{
    number_t a, b, c, d;
    const char *values[] = { number (&a, shift_id), number (&b, staff_id), number (&c, now_ms), terminal,
                             number (&d, late_minutes) };
    PGresult *result = kefu_db_run (db, &sql_attendance_insert, 5, values);
    if (!result)
        return -1;
    int inserted = PQntuples (result) == 1 ? 0 : 1;
    if (inserted == 0)
        *attendance_id = kefu_db_int64 (result, 0, 0);
    PQclear (result);
    return inserted;
}

/*  Run a statement answering at most one row of two numbers. */
static int
run_two_numbers (kefu_db_t *db, const kefu_sql_t *statement, int count, const char *const *values, int64_t *first,
                 int64_t *second)
{
    PGresult *result = kefu_db_run (db, statement, count, values);
    if (!result)
        return -1;
    int found = PQntuples (result) == 1 ? 0 : 1;
    if (found == 0) {
        *first = kefu_db_int64 (result, 0, 0);
        *second = kefu_db_int64 (result, 0, 1);
    }
    PQclear (result);
    return found;
}

int
scheduling_store_attendance_open (kefu_db_t *db, int64_t staff_id, int64_t *attendance_id, int64_t *shift_id)
{
    number_t a;
    const char *values[] = { number (&a, staff_id) };
    return run_two_numbers (db, &sql_attendance_open, 1, values, attendance_id, shift_id);
}

int
scheduling_store_break_open (kefu_db_t *db, int64_t attendance_id, int64_t *break_id, int64_t *left_ms)
{
    number_t a;
    const char *values[] = { number (&a, attendance_id) };
    return run_two_numbers (db, &sql_break_open, 1, values, break_id, left_ms);
}

int
scheduling_store_attendance_clock_out (kefu_db_t *db, int64_t attendance_id, int64_t now_ms, const char *terminal)
{
    number_t a, b;
    const char *values[] = { number (&a, attendance_id), number (&b, now_ms), terminal };
    return kefu_db_command (db, &sql_attendance_clock_out, 3, values);
}

int
scheduling_store_break_insert (kefu_db_t *db, int64_t attendance_id, int64_t now_ms, const char *terminal)
{
    number_t a, b;
    const char *values[] = { number (&a, attendance_id), number (&b, now_ms), terminal };
    return kefu_db_command (db, &sql_break_insert, 3, values);
}

int
scheduling_store_break_close (kefu_db_t *db, int64_t attendance_id, int64_t break_id, int64_t now_ms,
                              const char *terminal)
{
    number_t a, b, c;
    const char *values[] = { number (&a, attendance_id), number (&b, break_id), number (&c, now_ms), terminal };
    return kefu_db_command (db, &sql_break_close, 4, values);
}

int
scheduling_store_violation_insert (kefu_db_t *db, int64_t shift_id, int64_t staff_id, const char *kind, int minutes,
                                   int64_t break_id, int64_t now_ms)
{
    number_t a, b, c, d, e;
    const char *values[] = { number (&a, shift_id), number (&b, staff_id), kind, number (&c, minutes),
                             number (&d, break_id), number (&e, now_ms) };
    PGresult *result = kefu_db_run (db, &sql_violation_insert, 6, values);
    if (!result)
        return -1;
    int inserted = PQntuples (result) == 1 ? 0 : 1;
    PQclear (result);
    return inserted;
}

PGresult *
scheduling_store_attendance_record (kefu_db_t *db, int64_t attendance_id, int64_t now_ms)
{
    number_t a, b;
    const char *values[] = { number (&a, attendance_id), number (&b, now_ms) };
    return kefu_db_run (db, &sql_attendance_record, 2, values);
}

/* --- the ticker's rules -------------------------------------------------- */

PGresult *
scheduling_store_absences_record (kefu_db_t *db, bool no_show, int64_t now_ms, int64_t threshold_ms,
                                  int64_t lookback_ms, int batch)
{
    number_t a, b, c, d;
    const char *values[] = { number (&a, now_ms), number (&b, threshold_ms), number (&c, lookback_ms),
                             number (&d, batch) };
    return kefu_db_run (db, no_show ? &sql_absences_no_show : &sql_absences_leave_undecided, 4, values);
}

int
scheduling_store_report_reminder (kefu_db_t *db, const char *month, int64_t now_ms)
{
    number_t a;
    const char *values[] = { month, number (&a, now_ms) };
    PGresult *result = kefu_db_run (db, &sql_report_reminder, 2, values);
    if (!result)
        return -1;
    int raised = PQntuples (result) == 1 ? 0 : 1;
    PQclear (result);
    return raised;
}

PGresult *
scheduling_store_attendance_report (kefu_db_t *db, int64_t from_ms, int64_t until_ms, int64_t staff_id, int limit)
{
    number_t a, b, c, d;
    const char *values[] = { number (&a, from_ms), number (&b, until_ms), number (&c, staff_id), number (&d, limit) };
    return kefu_db_run (db, &sql_attendance_report, 4, values);
}
