/*  scheduling_rosters_store: the SQL of sites, templates, rosters and
 *  on-duty, in one place. See scheduling_rosters_store.h.
 */
#include "scheduling_rosters_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/*  $n::bigint milliseconds as a timestamptz, and a timestamptz as them. */
#define MS(n) "to_timestamp(" n "::bigint / 1000.0)"
#define TO_MS(column) "(extract(epoch FROM " column ") * 1000)::bigint"

enum { NUMBER_TEXT_SIZE = KEFU_DB_INT64_TEXT_SIZE };

#define SITE_COLUMNS "code, name, zone, rfc3339(created_at)"
#define TEMPLATE_COLUMNS "code, name, start_minute, duration_minutes, is_night, rfc3339(created_at)"
/*  The month's days: first_day as days since 1970-01-01, and how many. */
#define ROSTER_COLUMNS                                                                                        \
    "r.id, r.site_code, sites.zone, to_char(r.month, 'YYYY-MM'), r.status, r.holiday, r.version, "           \
    "(SELECT count(*) FROM shifts WHERE roster_id = r.id AND cancelled_at IS NULL), r.created_by, "          \
    "rfc3339(r.created_at), coalesce(r.published_by, ''), coalesce(rfc3339(r.published_at), ''), "           \
    "r.month - date '1970-01-01', (r.month + interval '1 month')::date - r.month"
#define ROSTER_SHIFT_COLUMNS                                                                                  \
    "s.id, s.roster_id, staff.staff_no, to_char(s.roster_day, 'YYYY-MM-DD'), s.template_code, "              \
    "rfc3339(s.starts_at), rfc3339(s.ends_at), s.site_zone"

static const kefu_sql_t sql_site_insert = {
    "rosters_site_insert",
    "INSERT INTO sites (code, name, zone, created_at) VALUES ($1, $2, $3, " MS ("$4") ") "
    "ON CONFLICT (code) DO NOTHING RETURNING " SITE_COLUMNS
};
static const kefu_sql_t sql_sites = {
    "rosters_sites", "SELECT " SITE_COLUMNS " FROM sites ORDER BY code LIMIT $1"
};
static const kefu_sql_t sql_site_lock = {
    "rosters_site_lock",
    "SELECT " SITE_COLUMNS ", EXISTS (SELECT 1 FROM rosters WHERE site_code = sites.code) FROM sites "
    "WHERE code = $1 FOR UPDATE"
};
static const kefu_sql_t sql_site_update = {
    "rosters_site_update", "UPDATE sites SET name = $2, zone = $3 WHERE code = $1 RETURNING " SITE_COLUMNS
};
static const kefu_sql_t sql_site_delete = {
    "rosters_site_delete", "DELETE FROM sites WHERE code = $1"
};
static const kefu_sql_t sql_template_lock = {
    "rosters_template_lock",
    "SELECT " TEMPLATE_COLUMNS ", EXISTS (SELECT 1 FROM shifts WHERE template_code = t.code) "
    "FROM shift_templates t WHERE code = $1 FOR UPDATE"
};
static const kefu_sql_t sql_template_update = {
    "rosters_template_update",
    "UPDATE shift_templates SET name = $2, start_minute = $3, duration_minutes = $4, is_night = $5 "
    "WHERE code = $1 RETURNING " TEMPLATE_COLUMNS
};
static const kefu_sql_t sql_template_delete = {
    "rosters_template_delete", "DELETE FROM shift_templates WHERE code = $1"
};
static const kefu_sql_t sql_template_insert = {
    "rosters_template_insert",
    "INSERT INTO shift_templates (code, name, start_minute, duration_minutes, is_night, created_at) "
    "VALUES ($1, $2, $3, $4, $5, " MS ("$6") ") ON CONFLICT (code) DO NOTHING RETURNING " TEMPLATE_COLUMNS
};
static const kefu_sql_t sql_templates = {
    "rosters_templates", "SELECT " TEMPLATE_COLUMNS " FROM shift_templates ORDER BY start_minute, code LIMIT $1"
};
static const kefu_sql_t sql_template = {
    "rosters_template", "SELECT " TEMPLATE_COLUMNS " FROM shift_templates WHERE code = $1"
};
/*  The site is checked in the same statement, so that an unknown site is
 *  told apart from a month already planned without a failed statement
 *  aborting the transaction. */
static const kefu_sql_t sql_roster_insert = {
    "rosters_roster_insert",
    "WITH site AS (SELECT code FROM sites WHERE code = $1), "
    "inserted AS (INSERT INTO rosters (site_code, month, holiday, created_by, created_at) "
    "  SELECT code, $2::date, $3, $4, " MS ("$5") " FROM site "
    "  ON CONFLICT (site_code, month) DO NOTHING RETURNING id) "
    "SELECT (SELECT count(*) FROM site), (SELECT id FROM inserted)"
};
static const kefu_sql_t sql_roster = {
    "rosters_roster", "SELECT " ROSTER_COLUMNS " FROM rosters r JOIN sites ON sites.code = r.site_code WHERE r.id = $1"
};
static const kefu_sql_t sql_roster_for_update = {
    "rosters_roster_for_update",
    "SELECT " ROSTER_COLUMNS " FROM rosters r JOIN sites ON sites.code = r.site_code WHERE r.id = $1 "
    "FOR UPDATE OF r"
};
static const kefu_sql_t sql_rosters = {
    "rosters_rosters",
    "SELECT " ROSTER_COLUMNS " FROM rosters r JOIN sites ON sites.code = r.site_code "
    "WHERE r.id > $1 AND ($2::text IS NULL OR r.site_code = $2) AND ($3::date IS NULL OR r.month = $3::date) "
    "ORDER BY r.id LIMIT $4"
};
static const kefu_sql_t sql_roster_shifts = {
    "rosters_roster_shifts",
    "SELECT " ROSTER_SHIFT_COLUMNS " FROM shifts s JOIN staff ON staff.id = s.staff_id "
    "WHERE s.roster_id = $1 AND s.id > $2 AND s.cancelled_at IS NULL AND ($3::text IS NULL OR staff.staff_no = $3) "
    "ORDER BY s.id LIMIT $4"
};
static const kefu_sql_t sql_roster_touch = {
    "rosters_roster_touch", "UPDATE rosters SET version = version + 1 WHERE id = $1"
};
static const kefu_sql_t sql_roster_publish = {
    "rosters_roster_publish",
    "UPDATE rosters SET status = 'published', version = version + 1, published_by = $2, "
    "  published_at = " MS ("$3") " WHERE id = $1 AND status = 'draft'"
};
static const kefu_sql_t sql_shift_insert = {
    "rosters_shift_insert",
    "WITH inserted AS (INSERT INTO shifts (staff_id, starts_at, ends_at, site_zone, roster_id, template_code, "
    "    roster_day) VALUES ($2, " MS ("$5") ", " MS ("$6") ", $7, $1, $4, $3::date) "
    "  ON CONFLICT (roster_id, staff_id, roster_day, template_code) "
    "    WHERE roster_id IS NOT NULL AND cancelled_at IS NULL DO NOTHING RETURNING *) "
    "SELECT " ROSTER_SHIFT_COLUMNS " FROM inserted s JOIN staff ON staff.id = s.staff_id"
};
/*  Only a draft's shifts are ever deleted (0003: nothing deletes a shift
 *  of a published roster); the handler checks the status under the
 *  roster's lock and the statement says it again. */
static const kefu_sql_t sql_shift_delete = {
    "rosters_shift_delete",
    "WITH deleted AS (DELETE FROM shifts WHERE id = $2 AND roster_id = $1 "
    "    AND (SELECT status FROM rosters WHERE id = $1) = 'draft' RETURNING *) "
    "SELECT " ROSTER_SHIFT_COLUMNS " FROM deleted s JOIN staff ON staff.id = s.staff_id"
};
static const kefu_sql_t sql_coverage_delete = {
    "rosters_coverage_delete", "DELETE FROM roster_coverage WHERE roster_id = $1"
};
static const kefu_sql_t sql_coverage_insert = {
    "rosters_coverage_insert",
    "INSERT INTO roster_coverage (roster_id, weekday, slot, agents) "
    "SELECT $1, w, s, a FROM unnest($2::smallint[], $3::smallint[], $4::integer[]) AS t (w, s, a)"
};
static const kefu_sql_t sql_coverage = {
    "rosters_coverage",
    "SELECT weekday, slot, agents FROM roster_coverage WHERE roster_id = $1 ORDER BY weekday, slot"
};
static const kefu_sql_t sql_covering_shifts = {
    "rosters_covering_shifts",
    "SELECT " TO_MS ("s.starts_at") ", " TO_MS ("s.ends_at") " FROM shifts s JOIN staff ON staff.id = s.staff_id "
    "WHERE s.roster_id = $1 AND s.cancelled_at IS NULL AND staff.status = 'active' AND 'agent' = ANY (staff.roles)"
};
static const kefu_sql_t sql_unfit_staff = {
    "rosters_unfit_staff",
    "SELECT staff.staff_no, staff.status, 'agent' = ANY (staff.roles) FROM staff "
    "WHERE staff.id IN (SELECT staff_id FROM shifts WHERE roster_id = $1 AND cancelled_at IS NULL) "
    "  AND (staff.status <> 'active' OR NOT 'agent' = ANY (staff.roles)) ORDER BY staff.staff_no"
};
/*  Each shift is set against the latest end among the person's earlier
 *  shifts (not only the one just before: a long shift may contain two). A
 *  pair is reported when the later shift or the one just before it belongs
 *  to this roster, so a problem between two other rosters is theirs. */
static const kefu_sql_t sql_rest_problems = {
    "rosters_rest_problems",
    "WITH people AS (SELECT DISTINCT staff_id FROM shifts WHERE roster_id = $1 AND cancelled_at IS NULL), "
    "candidates AS ("
    "  SELECT s.id, s.staff_id, s.starts_at, s.ends_at, s.roster_id IS NOT DISTINCT FROM $1::bigint AS mine "
    "  FROM shifts s LEFT JOIN rosters r ON r.id = s.roster_id "
    "  WHERE s.staff_id IN (SELECT staff_id FROM people) AND s.cancelled_at IS NULL "
    "    AND (s.roster_id = $1 OR s.roster_id IS NULL OR r.status = 'published') "
    "    AND s.starts_at < " MS ("$3") " AND s.ends_at > " MS ("$2") "), "
    "ordered AS ("
    "  SELECT c.*, max(c.ends_at) OVER earlier AS previous_end, lag(c.mine) OVER by_start AS previous_mine "
    "  FROM candidates c "
    "  WINDOW by_start AS (PARTITION BY c.staff_id ORDER BY c.starts_at, c.id), "
    "    earlier AS (PARTITION BY c.staff_id ORDER BY c.starts_at, c.id "
    "      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)) "
    "SELECT staff.staff_no, rfc3339(o.starts_at), rfc3339(o.ends_at), rfc3339(o.previous_end), "
    "  o.starts_at < o.previous_end, "
    "  floor(extract(epoch FROM o.starts_at - o.previous_end) / 60)::bigint "
    "FROM ordered o JOIN staff ON staff.id = o.staff_id "
    "WHERE o.previous_end IS NOT NULL AND (o.mine OR o.previous_mine) "
    "  AND o.starts_at < o.previous_end + $4::bigint * interval '1 millisecond' "
    "ORDER BY staff.staff_no, o.starts_at"
};
static const kefu_sql_t sql_export_shifts = {
    "rosters_export_shifts",
    "SELECT s.id, to_char(s.roster_day, 'YYYY-MM-DD'), s.template_code, t.name, " TO_MS ("s.starts_at") ", "
    "  " TO_MS ("s.ends_at") ", s.version, staff.name "
    "FROM shifts s JOIN shift_templates t ON t.code = s.template_code JOIN staff ON staff.id = s.staff_id "
    "WHERE s.roster_id = $1 AND s.staff_id = $2 AND s.cancelled_at IS NULL ORDER BY s.starts_at, s.id"
};
/*  A person on approved leave at T ($7, SCH-5) is not on duty: the shift
 *  stays in place (migrations/0003), the person is away.
 *  Times leave as milliseconds, formatted by the handler: to_char per row
 *  costs more than the rest of the statement. shifts_by_start finds the
 *  candidates: a shift covering T started at
 *  most 26 hours before (a 24-hour template on the night clocks go back
 *  lasts 25), less the grace after. $2 is the latest start admitted, $3 the
 *  end a shift must pass, $4 the earliest start scanned. */
static const kefu_sql_t sql_on_duty = {
    "rosters_on_duty",
    "SELECT DISTINCT ON (staff.staff_no) staff.staff_no, staff.name, array_to_string(staff.roles, ','), "
    "  " TO_MS ("s.starts_at") ", " TO_MS ("s.ends_at") " "
    "FROM shifts_in_force s JOIN staff ON staff.id = s.staff_id "
    "WHERE s.starts_at <= " MS ("$2") " AND s.starts_at > " MS ("$4") " AND s.ends_at > " MS ("$3")
    "  AND staff.status = 'active' AND ($5 = '' OR $5 = ANY (staff.skills)) AND ($6 = '' OR $6 = ANY (staff.roles)) "
    "  AND NOT EXISTS (SELECT 1 FROM leave_requests l WHERE l.staff_id = staff.id AND l.status = 'approved' "
    "    AND l.starts_at <= " MS ("$7") " AND l.ends_at > " MS ("$7") ") "
    "ORDER BY staff.staff_no, s.ends_at DESC LIMIT $1"
};

/*  Run a statement expected to return at most one row into *result: 0 with
 *  a row, 1 with none (result cleared), -1 on failure. */
static int
store_one (kefu_db_t *db, const kefu_sql_t *sql, int count, const char *const *values, PGresult **result)
{
    *result = kefu_db_run (db, sql, count, values);
    if (!*result)
        return -1;
    if (PQntuples (*result) == 1)
        return 0;
    PQclear (*result);
    *result = NULL;
    return 1;
}


int
scheduling_rosters_store_site_insert (kefu_db_t *db, const char *code, const char *name, const char *zone,
                                      int64_t now_ms, PGresult **result)
{
    char now_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (now_ms, now_text);
    const char *values[] = { code, name, zone, now_text };
    return store_one (db, &sql_site_insert, 4, values, result);
}

int
scheduling_rosters_store_site_lock (kefu_db_t *db, const char *code, PGresult **result)
{
    const char *values[] = { code };
    return store_one (db, &sql_site_lock, 1, values, result);
}

int
scheduling_rosters_store_site_update (kefu_db_t *db, const char *code, const char *name, const char *zone,
                                      PGresult **result)
{
    const char *values[] = { code, name, zone };
    return store_one (db, &sql_site_update, 3, values, result);
}

int
scheduling_rosters_store_site_delete (kefu_db_t *db, const char *code)
{
    const char *values[] = { code };
    return kefu_db_command (db, &sql_site_delete, 1, values);
}

int
scheduling_rosters_store_template_lock (kefu_db_t *db, const char *code, PGresult **result)
{
    const char *values[] = { code };
    return store_one (db, &sql_template_lock, 1, values, result);
}

int
scheduling_rosters_store_template_update (kefu_db_t *db, const char *code, const char *name, int start_minute,
                                          int duration_minutes, bool is_night, PGresult **result)
{
    char start_text[NUMBER_TEXT_SIZE], duration_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (start_minute, start_text);
    kefu_db_int64_text (duration_minutes, duration_text);
    const char *values[] = { code, name, start_text, duration_text, is_night ? "true" : "false" };
    return store_one (db, &sql_template_update, 5, values, result);
}

int
scheduling_rosters_store_template_delete (kefu_db_t *db, const char *code)
{
    const char *values[] = { code };
    return kefu_db_command (db, &sql_template_delete, 1, values);
}

PGresult *
scheduling_rosters_store_sites (kefu_db_t *db, int limit)
{
    char limit_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (limit, limit_text);
    const char *values[] = { limit_text };
    return kefu_db_run (db, &sql_sites, 1, values);
}

int
scheduling_rosters_store_template_insert (kefu_db_t *db, const char *code, const char *name, int start_minute,
                                          int duration_minutes, bool is_night, int64_t now_ms, PGresult **result)
{
    char start_text[NUMBER_TEXT_SIZE], duration_text[NUMBER_TEXT_SIZE], now_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (start_minute, start_text);
    kefu_db_int64_text (duration_minutes, duration_text);
    kefu_db_int64_text (now_ms, now_text);
    const char *values[] = { code, name, start_text, duration_text, is_night ? "true" : "false", now_text };
    return store_one (db, &sql_template_insert, 6, values, result);
}

PGresult *
scheduling_rosters_store_templates (kefu_db_t *db, int limit)
{
    char limit_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (limit, limit_text);
    const char *values[] = { limit_text };
    return kefu_db_run (db, &sql_templates, 1, values);
}

int
scheduling_rosters_store_template (kefu_db_t *db, const char *code, PGresult **result)
{
    const char *values[] = { code };
    return store_one (db, &sql_template, 1, values, result);
}

int
scheduling_rosters_store_roster_insert (kefu_db_t *db, const char *site_code, const char *first_day, bool holiday,
                                        const char *created_by, int64_t now_ms, PGresult **result)
{
    *result = NULL;
    char now_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (now_ms, now_text);
    const char *values[] = { site_code, first_day, holiday ? "true" : "false", created_by, now_text };
    PGresult *inserted = kefu_db_run (db, &sql_roster_insert, 5, values);
    if (!inserted)
        return -1;
    bool site_known = kefu_db_int64 (inserted, 0, 0) == 1;
    bool is_new = !PQgetisnull (inserted, 0, 1);
    int64_t id = kefu_db_int64 (inserted, 0, 1);
    PQclear (inserted);
    if (!site_known)
        return 2;
    if (!is_new)
        return 1;
    int found = scheduling_rosters_store_roster (db, id, false, result);
    return found == 0 ? 0 : -1;
}

int
scheduling_rosters_store_roster (kefu_db_t *db, int64_t id, bool for_update, PGresult **result)
{
    char id_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (id, id_text);
    const char *values[] = { id_text };
    return store_one (db, for_update ? &sql_roster_for_update : &sql_roster, 1, values, result);
}

PGresult *
scheduling_rosters_store_rosters (kefu_db_t *db, int64_t after, const char *site_code, const char *first_day,
                                  int limit)
{
    char after_text[NUMBER_TEXT_SIZE], limit_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (after, after_text);
    kefu_db_int64_text (limit, limit_text);
    const char *values[] = { after_text, site_code, first_day, limit_text };
    return kefu_db_run (db, &sql_rosters, 4, values);
}

PGresult *
scheduling_rosters_store_roster_shifts (kefu_db_t *db, int64_t roster_id, int64_t after, const char *staff_no,
                                        int limit)
{
    char roster_text[NUMBER_TEXT_SIZE], after_text[NUMBER_TEXT_SIZE], limit_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (roster_id, roster_text);
    kefu_db_int64_text (after, after_text);
    kefu_db_int64_text (limit, limit_text);
    const char *values[] = { roster_text, after_text, staff_no, limit_text };
    return kefu_db_run (db, &sql_roster_shifts, 4, values);
}

int
scheduling_rosters_store_roster_touch (kefu_db_t *db, int64_t id)
{
    char id_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (id, id_text);
    const char *values[] = { id_text };
    return kefu_db_command (db, &sql_roster_touch, 1, values);
}

int
scheduling_rosters_store_roster_publish (kefu_db_t *db, int64_t id, const char *published_by, int64_t now_ms)
{
    char id_text[NUMBER_TEXT_SIZE], now_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (id, id_text);
    kefu_db_int64_text (now_ms, now_text);
    const char *values[] = { id_text, published_by, now_text };
    return kefu_db_command (db, &sql_roster_publish, 3, values);
}

int
scheduling_rosters_store_shift_insert (kefu_db_t *db, int64_t roster_id, int64_t staff_id, const char *day,
                                       const char *template_code, int64_t starts_ms, int64_t ends_ms,
                                       const char *zone, PGresult **result)
{
    char roster_text[NUMBER_TEXT_SIZE], staff_text[NUMBER_TEXT_SIZE], starts_text[NUMBER_TEXT_SIZE],
        ends_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (roster_id, roster_text);
    kefu_db_int64_text (staff_id, staff_text);
    kefu_db_int64_text (starts_ms, starts_text);
    kefu_db_int64_text (ends_ms, ends_text);
    const char *values[] = { roster_text, staff_text, day, template_code, starts_text, ends_text, zone };
    return store_one (db, &sql_shift_insert, 7, values, result);
}

int
scheduling_rosters_store_shift_delete (kefu_db_t *db, int64_t roster_id, int64_t shift_id, PGresult **result)
{
    char roster_text[NUMBER_TEXT_SIZE], shift_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (roster_id, roster_text);
    kefu_db_int64_text (shift_id, shift_text);
    const char *values[] = { roster_text, shift_text };
    return store_one (db, &sql_shift_delete, 2, values, result);
}

int
scheduling_rosters_store_coverage_set (kefu_db_t *db, int64_t roster_id, const char *weekdays, const char *slots,
                                       const char *agents)
{
    char roster_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (roster_id, roster_text);
    const char *delete_values[] = { roster_text };
    const char *insert_values[] = { roster_text, weekdays, slots, agents };
    if (kefu_db_command (db, &sql_coverage_delete, 1, delete_values) != 0)
        return -1;
    return kefu_db_command (db, &sql_coverage_insert, 4, insert_values);
}

PGresult *
scheduling_rosters_store_coverage (kefu_db_t *db, int64_t roster_id)
{
    char roster_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (roster_id, roster_text);
    const char *values[] = { roster_text };
    return kefu_db_run (db, &sql_coverage, 1, values);
}

PGresult *
scheduling_rosters_store_covering_shifts (kefu_db_t *db, int64_t roster_id)
{
    char roster_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (roster_id, roster_text);
    const char *values[] = { roster_text };
    return kefu_db_run (db, &sql_covering_shifts, 1, values);
}

PGresult *
scheduling_rosters_store_unfit_staff (kefu_db_t *db, int64_t roster_id)
{
    char roster_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (roster_id, roster_text);
    const char *values[] = { roster_text };
    return kefu_db_run (db, &sql_unfit_staff, 1, values);
}

PGresult *
scheduling_rosters_store_rest_problems (kefu_db_t *db, int64_t roster_id, int64_t from_ms, int64_t until_ms,
                                        int64_t min_rest_ms)
{
    char roster_text[NUMBER_TEXT_SIZE], from_text[NUMBER_TEXT_SIZE], until_text[NUMBER_TEXT_SIZE],
        rest_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (roster_id, roster_text);
    kefu_db_int64_text (from_ms, from_text);
    kefu_db_int64_text (until_ms, until_text);
    kefu_db_int64_text (min_rest_ms, rest_text);
    const char *values[] = { roster_text, from_text, until_text, rest_text };
    return kefu_db_run (db, &sql_rest_problems, 4, values);
}

PGresult *
scheduling_rosters_store_export_shifts (kefu_db_t *db, int64_t roster_id, int64_t staff_id)
{
    char roster_text[NUMBER_TEXT_SIZE], staff_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (roster_id, roster_text);
    kefu_db_int64_text (staff_id, staff_text);
    const char *values[] = { roster_text, staff_text };
    return kefu_db_run (db, &sql_export_shifts, 2, values);
}

PGresult *
scheduling_rosters_store_on_duty (kefu_db_t *db, int64_t at_ms, bool with_grace, int64_t grace_before_ms,
                                  int64_t grace_after_ms, const char *skill, const char *role, int limit)
{
    /*  Without grace a shift holds [start, end); with it [start - before,
     *  end + after], both ends included as the log-in rule has them. */
    enum { MS_PER_HOUR = 3600 * 1000, LONGEST_SHIFT_MS = 26 * MS_PER_HOUR };
    int64_t latest_start_ms = with_grace ? at_ms + grace_before_ms : at_ms;
    int64_t end_after_ms = with_grace ? at_ms - grace_after_ms - 1 : at_ms;
    char limit_text[NUMBER_TEXT_SIZE], latest_text[NUMBER_TEXT_SIZE], end_text[NUMBER_TEXT_SIZE],
        earliest_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (limit, limit_text);
    kefu_db_int64_text (latest_start_ms, latest_text);
    kefu_db_int64_text (end_after_ms, end_text);
    kefu_db_int64_text (end_after_ms - LONGEST_SHIFT_MS, earliest_text);
    char at_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (at_ms, at_text);
    const char *values[] = { limit_text, latest_text, end_text, earliest_text, skill, role, at_text };
    return kefu_db_run (db, &sql_on_duty, 7, values);
}
