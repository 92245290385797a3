/*  scheduling_store: the SQL of the scheduling service, in one place. See
 *  scheduling_store.h. Tables: migrations/0001_staff.sql.
 */
#include "scheduling_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  Every statement that returns staff returns these columns, in this
 *  order, matched by staff_from_row(). Lists travel comma-joined: staff
 *  numbers, roles and skills never contain commas (the handlers check). */
#define STAFF_COLUMNS                                                                            \
    "id, staff_no, name, array_to_string(roles, ','), grade, array_to_string(skills, ','), "      \
    "department, status, must_change_password, rfc3339(created_at), rfc3339(updated_at), "       \
    "password_hash, failed_attempts, coalesce((extract(epoch FROM locked_until) * 1000)::bigint, 0)"

/*  $n::bigint milliseconds as a timestamptz. */
#define MS(n) "to_timestamp(" n "::bigint / 1000.0)"

enum { NUMBER_TEXT_SIZE = 24 };

static const kefu_sql_t sql_staff_by_no = {
    "scheduling_staff_by_no", "SELECT " STAFF_COLUMNS " FROM staff WHERE staff_no = $1"
};
static const kefu_sql_t sql_staff_by_no_for_update = {
    "scheduling_staff_by_no_for_update", "SELECT " STAFF_COLUMNS " FROM staff WHERE staff_no = $1 FOR UPDATE"
};
static const kefu_sql_t sql_staff_by_id = {
    "scheduling_staff_by_id", "SELECT " STAFF_COLUMNS " FROM staff WHERE id = $1"
};
static const kefu_sql_t sql_staff_by_id_for_update = {
    "scheduling_staff_by_id_for_update", "SELECT " STAFF_COLUMNS " FROM staff WHERE id = $1 FOR UPDATE"
};
static const kefu_sql_t sql_staff_insert = {
    "scheduling_staff_insert",
    "INSERT INTO staff (staff_no, name, roles, grade, skills, department, password_hash, "
    "  must_change_password, created_at, updated_at) "
    "VALUES ($1, $2, string_to_array($3, ','), $4, string_to_array($5, ','), $6, $7, $8, " MS ("$9") ", "
    MS ("$9") ") ON CONFLICT (staff_no) DO NOTHING RETURNING " STAFF_COLUMNS
};
static const kefu_sql_t sql_staff_set_status = {
    "scheduling_staff_set_status",
    "UPDATE staff SET status = $2, updated_at = " MS ("$3") " WHERE id = $1 RETURNING " STAFF_COLUMNS
};
static const kefu_sql_t sql_staff_update = {
    "scheduling_staff_update",
    "UPDATE staff SET name = coalesce($2, name), roles = coalesce(string_to_array($3, ','), roles), "
    "  grade = coalesce($4, grade), skills = coalesce(string_to_array($5, ','), skills), "
    "  department = coalesce($6, department), updated_at = " MS ("$7") " WHERE id = $1 RETURNING " STAFF_COLUMNS
};
static const kefu_sql_t sql_staff_set_password = {
    "scheduling_staff_set_password",
    "UPDATE staff SET password_hash = $2, must_change_password = $3, failed_attempts = 0, "
    "  locked_until = NULL, updated_at = " MS ("$4") " WHERE id = $1"
};
/*  The lockout doubles per failure past the threshold; the exponent is
 *  capped so that the power cannot overflow before least() caps the time. */
static const kefu_sql_t sql_login_failed = {
    "scheduling_login_failed",
    "UPDATE staff SET failed_attempts = failed_attempts + 1, "
    "  locked_until = CASE WHEN failed_attempts + 1 >= $2 THEN "
    "    to_timestamp(($5::bigint + least($4::bigint, $3::bigint * "
    "      power(2, least(failed_attempts + 1 - $2, 30))::bigint)) / 1000.0) "
    "  ELSE locked_until END "
    "WHERE id = $1 RETURNING failed_attempts, "
    "  coalesce((extract(epoch FROM locked_until) * 1000)::bigint, 0)"
};
static const kefu_sql_t sql_login_succeeded = {
    "scheduling_login_succeeded",
    "UPDATE staff SET failed_attempts = 0, locked_until = NULL WHERE id = $1 AND failed_attempts > 0"
};
/*  A person on approved leave now (SCH-5) is not on shift, though the
 *  shift stays in place (migrations/0003). */
static const kefu_sql_t sql_shift_now = {
    "scheduling_shift_now",
    "SELECT (extract(epoch FROM starts_at) * 1000)::bigint - $3::bigint, "
    "  (extract(epoch FROM ends_at) * 1000)::bigint + $4::bigint FROM shifts_in_force "
    "WHERE staff_id = $1 AND starts_at <= " MS ("($2::bigint + $3::bigint)")
    "  AND ends_at >= " MS ("($2::bigint - $4::bigint)")
    "  AND NOT EXISTS (SELECT 1 FROM leave_requests l WHERE l.staff_id = $1 AND l.status = 'approved' "
    "    AND l.starts_at <= " MS ("$2") " AND l.ends_at > " MS ("$2") ") ORDER BY ends_at DESC LIMIT 1"
};
static const kefu_sql_t sql_shift_insert = {
    "scheduling_shift_insert",
    "INSERT INTO shifts (staff_id, starts_at, ends_at, site_zone) VALUES ($1, " MS ("$2") ", " MS ("$3")
    ", $4) RETURNING id"
};
static const kefu_sql_t sql_sessions_elsewhere = {
    "scheduling_sessions_elsewhere",
    "SELECT id, terminal FROM sessions WHERE staff_id = $1 AND ended_at IS NULL "
    "  AND expires_at > " MS ("$3") " AND terminal <> $2 ORDER BY created_at"
};
static const kefu_sql_t sql_session_insert = {
    "scheduling_session_insert",
    "INSERT INTO sessions (id, staff_id, terminal, created_at, expires_at) VALUES ($1, $2, $3, " MS ("$4")
    ", " MS ("$5") ")"
};
static const kefu_sql_t sql_session_end = {
    "scheduling_session_end",
    "UPDATE sessions s SET ended_at = " MS ("$3") ", end_reason = $2 FROM staff "
    "WHERE s.id = $1 AND s.ended_at IS NULL AND s.expires_at > " MS ("$3") " AND staff.id = s.staff_id "
    "RETURNING (extract(epoch FROM s.expires_at) * 1000)::bigint, staff.staff_no"
};
static const kefu_sql_t sql_sessions_end_all = {
    "scheduling_sessions_end_all",
    "UPDATE sessions SET ended_at = " MS ("$3") ", end_reason = $2 WHERE staff_id = $1 AND ended_at IS NULL"
};
static const kefu_sql_t sql_revocation_insert = {
    "scheduling_revocation_insert",
    "INSERT INTO revocations (session_id, staff_no, revoked_at, expires_at, reason) "
    "VALUES ($1, $2, " MS ("$3") ", " MS ("$4") ", $5)"
};
static const kefu_sql_t sql_revocations_live = {
    "scheduling_revocations_live",
    "SELECT session_id, staff_no, (extract(epoch FROM revoked_at) * 1000)::bigint, "
    "  (extract(epoch FROM expires_at) * 1000)::bigint, reason FROM revocations "
    "WHERE expires_at > " MS ("$1") " ORDER BY id LIMIT $2"
};

/*  Agents on shift (in force: migrations/0003) for the whole of each
 *  interval (SCH-9); slot k is [$1 + k·$2, $1 + (k+1)·$2) in milliseconds. A person counts once per
 *  interval however their shifts are cut, and not at all while approved leave (SCH-5) takes any of it. */
static const kefu_sql_t sql_agents_scheduled = {
    "scheduling_agents_scheduled",
    "SELECT slot, count(DISTINCT staff.id) FROM generate_series(0, $3::int - 1) AS slot "
    "LEFT JOIN (shifts_in_force shifts JOIN staff ON staff.id = shifts.staff_id AND staff.status = 'active' "
    "    AND 'agent' = ANY (staff.roles)) "
    "  ON shifts.starts_at <= " MS ("($1::bigint + slot * $2::bigint)")
    "  AND shifts.ends_at >= " MS ("($1::bigint + (slot + 1) * $2::bigint)")
    "  AND NOT EXISTS (SELECT 1 FROM leave_requests l WHERE l.staff_id = staff.id AND l.status = 'approved' "
    "    AND l.starts_at < " MS ("($1::bigint + (slot + 1) * $2::bigint)")
    "    AND l.ends_at > " MS ("($1::bigint + slot * $2::bigint)") ")"
    " GROUP BY slot ORDER BY slot"
};

void
scheduling_staff_rows_release (scheduling_staff_rows_t *rows)
{
    PQclear (rows->result);
    free (rows->row.list_storage);
    memset (rows, 0, sizeof *rows);
}

/*  Split comma-joined `text` (copied into `storage` at *used) into items. */
static size_t
split_list (const char *text, char *storage, size_t *used, char **items)
{
    size_t count = 0;
    if (!*text)
        return 0;
    char *copy = storage + *used;
    size_t length = strlen (text);
    memcpy (copy, text, length + 1);
    *used += length + 1;
    char *saveptr = NULL;
    for (char *item = strtok_r (copy, ",", &saveptr); item && count < SCHEDULING_LIST_MAX;
         item = strtok_r (NULL, ",", &saveptr))
        items[count++] = item;
    return count;
}

/*  Fill rows->row from row 0 of rows->result. -1 when out of memory. */
static int
staff_from_result (scheduling_staff_rows_t *rows)
{
    PGresult *result = rows->result;
    scheduling_staff_row_t *row = &rows->row;
    Kefu__V1__Staff *staff = &row->staff;
    kefu__v1__staff__init (staff);
    int c = 0;
    staff->id = kefu_db_int64 (result, 0, c++);
    staff->staff_no = PQgetvalue (result, 0, c++);
    staff->name = PQgetvalue (result, 0, c++);
    const char *roles = PQgetvalue (result, 0, c++);
    staff->grade = PQgetvalue (result, 0, c++);
    const char *skills = PQgetvalue (result, 0, c++);
    row->list_storage = malloc (strlen (roles) + strlen (skills) + 2);
    if (!row->list_storage)
        return -1;
    size_t used = 0;
    staff->n_roles = split_list (roles, row->list_storage, &used, row->role_texts);
    staff->roles = row->role_texts;
    staff->n_skills = split_list (skills, row->list_storage, &used, row->skill_texts);
    staff->skills = row->skill_texts;
    staff->department = PQgetvalue (result, 0, c++);
    staff->status = PQgetvalue (result, 0, c++);
    staff->must_change_password = kefu_db_bool (result, 0, c++);
    staff->created_at = PQgetvalue (result, 0, c++);
    staff->updated_at = PQgetvalue (result, 0, c++);
    row->password_hash = PQgetvalue (result, 0, c++);
    row->failed_attempts = (int) kefu_db_int64 (result, 0, c++);
    row->locked_until_ms = kefu_db_int64 (result, 0, c++);
    return 0;
}

/*  Run a statement returning at most one staff row into `rows`. */
static int
staff_query (kefu_db_t *db, const kefu_sql_t *sql, int count, const char *const *values,
             scheduling_staff_rows_t *rows)
{
    memset (rows, 0, sizeof *rows);
    rows->result = kefu_db_run (db, sql, count, values);
    if (!rows->result)
        return -1;
    if (PQntuples (rows->result) == 0)
        return 1;
    return staff_from_result (rows);
}

int
scheduling_store_staff_by_no (kefu_db_t *db, const char *staff_no, bool for_update, scheduling_staff_rows_t *rows)
{
    const char *values[] = { staff_no };
    return staff_query (db, for_update ? &sql_staff_by_no_for_update : &sql_staff_by_no, 1, values, rows);
}

int
scheduling_store_staff_by_id (kefu_db_t *db, int64_t id, bool for_update, scheduling_staff_rows_t *rows)
{
    char id_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, id);
    const char *values[] = { id_text };
    return staff_query (db, for_update ? &sql_staff_by_id_for_update : &sql_staff_by_id, 1, values, rows);
}

/*  Join `count` strings with commas; the caller frees. */
static char *
join_list (char *const *items, size_t count)
{
    size_t size = 1;
    for (size_t i = 0; i < count; i++)
        size += strlen (items[i]) + 1;
    char *joined = malloc (size);
    if (!joined)
        return NULL;
    joined[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        if (i)
            strcat (joined, ",");
        strcat (joined, items[i]);
    }
    return joined;
}

int
scheduling_store_staff_insert (kefu_db_t *db, const Kefu__V1__CreateStaffRequest *request,
                               const char *password_hash, bool must_change, int64_t now_ms,
                               scheduling_staff_rows_t *rows)
{
    memset (rows, 0, sizeof *rows);
    char *roles = join_list (request->roles, request->n_roles);
    char *skills = join_list (request->skills, request->n_skills);
    char now_text[NUMBER_TEXT_SIZE];
    snprintf (now_text, sizeof now_text, "%" PRId64, now_ms);
    int rc = -1;
    if (roles && skills) {
        const char *values[] = { request->staff_no, request->name, roles, request->grade, skills,
                                 request->department, password_hash, must_change ? "true" : "false", now_text };
        rc = staff_query (db, &sql_staff_insert, 9, values, rows);
    }
    free (roles);
    free (skills);
    return rc;
}

int
scheduling_store_staff_set_status (kefu_db_t *db, int64_t id, const char *status, int64_t now_ms,
                                   scheduling_staff_rows_t *rows)
{
    char id_text[NUMBER_TEXT_SIZE], now_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, id);
    snprintf (now_text, sizeof now_text, "%" PRId64, now_ms);
    const char *values[] = { id_text, status, now_text };
    return staff_query (db, &sql_staff_set_status, 3, values, rows);
}

/*  NULL for "leave as it is", so an empty optional input never erases. */
static const char *
given (const char *text)
{
    return text && *text ? text : NULL;
}

int
scheduling_store_staff_update (kefu_db_t *db, const Kefu__V1__UpdateStaffRequest *request, int64_t now_ms,
                               scheduling_staff_rows_t *rows)
{
    memset (rows, 0, sizeof *rows);
    char *roles = join_list (request->roles, request->n_roles);
    char *skills = join_list (request->skills, request->n_skills);
    char id_text[NUMBER_TEXT_SIZE], now_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, request->id);
    snprintf (now_text, sizeof now_text, "%" PRId64, now_ms);
    int rc = -1;
    if (roles && skills) {
        const char *values[] = { id_text, given (request->name), given (roles), given (request->grade), given (skills),
                                 given (request->department), now_text };
        rc = staff_query (db, &sql_staff_update, 7, values, rows);
    }
    free (roles);
    free (skills);
    return rc;
}

int
scheduling_store_staff_set_password (kefu_db_t *db, int64_t id, const char *password_hash, bool must_change,
                                     int64_t now_ms)
{
    char id_text[NUMBER_TEXT_SIZE], now_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, id);
    snprintf (now_text, sizeof now_text, "%" PRId64, now_ms);
    const char *values[] = { id_text, password_hash, must_change ? "true" : "false", now_text };
    return kefu_db_command (db, &sql_staff_set_password, 4, values);
}

/*  Run `sql` and read the two numbers of the one row it gives into *first
 *  and *second. Returns 0, 1 if it gave no row, or -1 on a database failure. */
static int
store_row_numbers (kefu_db_t *db, const kefu_sql_t *sql, int count, const char *const *values, int64_t *first,
                   int64_t *second)
{
    PGresult *result = kefu_db_run (db, sql, count, values);
    if (!result)
        return -1;
    int rc = PQntuples (result) == 1 ? 0 : 1;
    if (rc == 0) {
        *first = kefu_db_int64 (result, 0, 0);
        *second = kefu_db_int64 (result, 0, 1);
    }
    PQclear (result);
    return rc;
}

int
scheduling_store_login_failed (kefu_db_t *db, int64_t id, int max_failures, int64_t base_ms, int64_t max_ms,
                               int64_t now_ms, int *failures, int64_t *locked_until_ms)
{
    char id_text[NUMBER_TEXT_SIZE], max_text[NUMBER_TEXT_SIZE], base_text[NUMBER_TEXT_SIZE],
        cap_text[NUMBER_TEXT_SIZE], now_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, id);
    snprintf (max_text, sizeof max_text, "%d", max_failures);
    snprintf (base_text, sizeof base_text, "%" PRId64, base_ms);
    snprintf (cap_text, sizeof cap_text, "%" PRId64, max_ms);
    snprintf (now_text, sizeof now_text, "%" PRId64, now_ms);
    const char *values[] = { id_text, max_text, base_text, cap_text, now_text };
    int64_t failure_count = 0;
    int rc = store_row_numbers (db, &sql_login_failed, 5, values, &failure_count, locked_until_ms);
    if (rc == 0)
        *failures = (int) failure_count;
    return rc;
}

int
scheduling_store_login_succeeded (kefu_db_t *db, int64_t id)
{
    char id_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, id);
    const char *values[] = { id_text };
    return kefu_db_command (db, &sql_login_succeeded, 1, values);
}

int
scheduling_store_shift_now (kefu_db_t *db, int64_t staff_id, int64_t now_ms, int64_t grace_before_ms,
                            int64_t grace_after_ms, int64_t *from_ms, int64_t *until_ms)
{
    char id_text[NUMBER_TEXT_SIZE], now_text[NUMBER_TEXT_SIZE], before_text[NUMBER_TEXT_SIZE],
        after_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, staff_id);
    snprintf (now_text, sizeof now_text, "%" PRId64, now_ms);
    snprintf (before_text, sizeof before_text, "%" PRId64, grace_before_ms);
    snprintf (after_text, sizeof after_text, "%" PRId64, grace_after_ms);
    const char *values[] = { id_text, now_text, before_text, after_text };
    return store_row_numbers (db, &sql_shift_now, 4, values, from_ms, until_ms);
}

int
scheduling_store_shift_insert (kefu_db_t *db, int64_t staff_id, int64_t starts_ms, int64_t ends_ms,
                               const char *site_zone, int64_t *id)
{
    char id_text[NUMBER_TEXT_SIZE], starts_text[NUMBER_TEXT_SIZE], ends_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, staff_id);
    snprintf (starts_text, sizeof starts_text, "%" PRId64, starts_ms);
    snprintf (ends_text, sizeof ends_text, "%" PRId64, ends_ms);
    const char *values[] = { id_text, starts_text, ends_text, site_zone };
    PGresult *result = kefu_db_run (db, &sql_shift_insert, 4, values);
    if (!result)
        return -1;
    *id = kefu_db_int64 (result, 0, 0);
    PQclear (result);
    return 0;
}

PGresult *
scheduling_store_sessions_elsewhere (kefu_db_t *db, int64_t staff_id, const char *terminal, int64_t now_ms)
{
    char id_text[NUMBER_TEXT_SIZE], now_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, staff_id);
    snprintf (now_text, sizeof now_text, "%" PRId64, now_ms);
    const char *values[] = { id_text, terminal, now_text };
    return kefu_db_run (db, &sql_sessions_elsewhere, 3, values);
}

int
scheduling_store_session_insert (kefu_db_t *db, const char *session_id, int64_t staff_id, const char *terminal,
                                 int64_t now_ms, int64_t expires_ms)
{
    char id_text[NUMBER_TEXT_SIZE], now_text[NUMBER_TEXT_SIZE], expires_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, staff_id);
    snprintf (now_text, sizeof now_text, "%" PRId64, now_ms);
    snprintf (expires_text, sizeof expires_text, "%" PRId64, expires_ms);
    const char *values[] = { session_id, id_text, terminal, now_text, expires_text };
    return kefu_db_command (db, &sql_session_insert, 5, values);
}

int
scheduling_store_session_end (kefu_db_t *db, const char *session_id, const char *reason, int64_t now_ms,
                              int64_t *expires_ms, char *staff_no)
{
    char now_text[NUMBER_TEXT_SIZE];
    snprintf (now_text, sizeof now_text, "%" PRId64, now_ms);
    const char *values[] = { session_id, reason, now_text };
    PGresult *result = kefu_db_run (db, &sql_session_end, 3, values);
    if (!result)
        return -1;
    int rc = PQntuples (result) == 1 ? 0 : 1;
    if (rc == 0) {
        *expires_ms = kefu_db_int64 (result, 0, 0);
        snprintf (staff_no, SCHEDULING_STAFF_NO_SIZE, "%s", PQgetvalue (result, 0, 1));
    }
    PQclear (result);
    return rc;
}

int
scheduling_store_sessions_end_all (kefu_db_t *db, int64_t staff_id, const char *reason, int64_t now_ms)
{
    char id_text[NUMBER_TEXT_SIZE], now_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, staff_id);
    snprintf (now_text, sizeof now_text, "%" PRId64, now_ms);
    const char *values[] = { id_text, reason, now_text };
    return kefu_db_command (db, &sql_sessions_end_all, 3, values);
}

int
scheduling_store_revocation_insert (kefu_db_t *db, const Kefu__V1__SessionRevoked *revocation)
{
    char revoked_text[NUMBER_TEXT_SIZE], expires_text[NUMBER_TEXT_SIZE];
    snprintf (revoked_text, sizeof revoked_text, "%" PRId64, revocation->revoked_at_ms);
    snprintf (expires_text, sizeof expires_text, "%" PRId64, revocation->expires_at_ms);
    const char *values[] = { revocation->session_id, revocation->staff_no, revoked_text, expires_text,
                             revocation->reason };
    return kefu_db_command (db, &sql_revocation_insert, 5, values);
}

PGresult *
scheduling_store_revocations_live (kefu_db_t *db, int64_t now_ms, int limit)
{
    char now_text[NUMBER_TEXT_SIZE], limit_text[NUMBER_TEXT_SIZE];
    snprintf (now_text, sizeof now_text, "%" PRId64, now_ms);
    snprintf (limit_text, sizeof limit_text, "%d", limit);
    const char *values[] = { now_text, limit_text };
    return kefu_db_run (db, &sql_revocations_live, 2, values);
}

int
scheduling_store_agents_scheduled (kefu_db_t *db, int64_t starts_ms, int64_t interval_ms, int count,
                                   int32_t *scheduled)
{
    char starts_text[NUMBER_TEXT_SIZE], interval_text[NUMBER_TEXT_SIZE], count_text[NUMBER_TEXT_SIZE];
    snprintf (starts_text, sizeof starts_text, "%" PRId64, starts_ms);
    snprintf (interval_text, sizeof interval_text, "%" PRId64, interval_ms);
    snprintf (count_text, sizeof count_text, "%d", count);
    const char *values[] = { starts_text, interval_text, count_text };
    PGresult *result = kefu_db_run (db, &sql_agents_scheduled, 3, values);
    if (!result)
        return -1;
    int rc = PQntuples (result) == count ? 0 : -1;
    for (int row = 0; rc == 0 && row < count; row++)
        scheduled[row] = (int32_t) kefu_db_int64 (result, row, 1);
    PQclear (result);
    return rc;
}

/* --- API keys --------------------------------------------------------- */

#define API_KEY_COLUMNS                                                                           \
    "k.id, k.name, s.staff_no, array_to_string(k.roles, ','), rfc3339(k.created_at), k.created_by, " \
    "coalesce(rfc3339(k.revoked_at), '')"

static const kefu_sql_t sql_api_key_insert = {
    "scheduling_api_key_insert",
    "WITH k AS (INSERT INTO api_keys (id, name, staff_id, roles, key_hash, created_by, created_at) "
    "  VALUES ($1, $2, $3, string_to_array($4, ','), $5, $6, " MS ("$7") ") RETURNING *) "
    "SELECT " API_KEY_COLUMNS " FROM k JOIN staff s ON s.id = k.staff_id"
};
static const kefu_sql_t sql_api_keys_list = {
    "scheduling_api_keys_list",
    "SELECT " API_KEY_COLUMNS " FROM api_keys k JOIN staff s ON s.id = k.staff_id WHERE k.id > $1 "
    "ORDER BY k.id LIMIT $2"
};
static const kefu_sql_t sql_api_key_revoke = {
    "scheduling_api_key_revoke",
    "WITH k AS (UPDATE api_keys SET revoked_at = " MS ("$2") " WHERE id = $1 AND revoked_at IS NULL "
    "  RETURNING *) SELECT " API_KEY_COLUMNS " FROM k JOIN staff s ON s.id = k.staff_id"
};
static const kefu_sql_t sql_api_key_resolve = {
    "scheduling_api_key_resolve",
    "SELECT " API_KEY_COLUMNS " FROM api_keys k JOIN staff s ON s.id = k.staff_id "
    "WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND s.status = 'active'"
};
static const kefu_sql_t sql_api_keys_revoke_staff = {
    "scheduling_api_keys_revoke_staff",
    "UPDATE api_keys SET revoked_at = " MS ("$2") " WHERE staff_id = $1 AND revoked_at IS NULL"
};

void
scheduling_api_key_rows_release (scheduling_api_key_rows_t *rows)
{
    PQclear (rows->result);
    free (rows->keys);
    free (rows->key_pointers);
    free (rows->role_texts);
    free (rows->list_storage);
    memset (rows, 0, sizeof *rows);
}

static int
api_keys_query (kefu_db_t *db, const kefu_sql_t *sql, int count, const char *const *values,
                scheduling_api_key_rows_t *rows)
{
    memset (rows, 0, sizeof *rows);
    rows->result = kefu_db_run (db, sql, count, values);
    if (!rows->result)
        return -1;
    size_t n = (size_t) PQntuples (rows->result);
    size_t storage = 1;
    for (size_t i = 0; i < n; i++)
        storage += strlen (PQgetvalue (rows->result, (int) i, 3)) + 1;
    rows->keys = calloc (n + 1, sizeof *rows->keys);
    rows->key_pointers = calloc (n + 1, sizeof *rows->key_pointers);
    rows->role_texts = calloc ((n + 1) * SCHEDULING_LIST_MAX, sizeof *rows->role_texts);
    rows->list_storage = malloc (storage);
    if (!rows->keys || !rows->key_pointers || !rows->role_texts || !rows->list_storage)
        return -1;
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        Kefu__V1__ApiKey *key = &rows->keys[i];
        PGresult *result = rows->result;
        int row = (int) i;
        kefu__v1__api_key__init (key);
        key->id = PQgetvalue (result, row, 0);
        key->name = PQgetvalue (result, row, 1);
        key->staff_no = PQgetvalue (result, row, 2);
        key->roles = &rows->role_texts[i * SCHEDULING_LIST_MAX];
        key->n_roles = split_list (PQgetvalue (result, row, 3), rows->list_storage, &used, key->roles);
        key->created_at = PQgetvalue (result, row, 4);
        key->created_by = PQgetvalue (result, row, 5);
        key->revoked_at = PQgetvalue (result, row, 6);
        rows->key_pointers[i] = key;
    }
    rows->count = n;
    return n == 0 ? 1 : 0;
}

int
scheduling_store_api_key_insert (kefu_db_t *db, const char *id, const char *name, int64_t staff_id,
                                 char *const *roles, size_t role_count, const char *key_hash,
                                 const char *created_by, int64_t now_ms, scheduling_api_key_rows_t *rows)
{
    memset (rows, 0, sizeof *rows);
    char *joined = join_list (roles, role_count);
    if (!joined)
        return -1;
    char id_text[NUMBER_TEXT_SIZE], now_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, staff_id);
    snprintf (now_text, sizeof now_text, "%" PRId64, now_ms);
    const char *values[] = { id, name, id_text, joined, key_hash, created_by, now_text };
    int rc = api_keys_query (db, &sql_api_key_insert, 7, values, rows);
    free (joined);
    return rc == 0 ? 0 : -1;
}

int
scheduling_store_api_keys_list (kefu_db_t *db, const char *after, int limit, scheduling_api_key_rows_t *rows)
{
    char limit_text[NUMBER_TEXT_SIZE];
    snprintf (limit_text, sizeof limit_text, "%d", limit);
    const char *values[] = { after, limit_text };
    return api_keys_query (db, &sql_api_keys_list, 2, values, rows) < 0 ? -1 : 0;
}

int
scheduling_store_api_key_revoke (kefu_db_t *db, const char *id, int64_t now_ms, scheduling_api_key_rows_t *rows)
{
    char now_text[NUMBER_TEXT_SIZE];
    snprintf (now_text, sizeof now_text, "%" PRId64, now_ms);
    const char *values[] = { id, now_text };
    return api_keys_query (db, &sql_api_key_revoke, 2, values, rows);
}

int
scheduling_store_api_key_resolve (kefu_db_t *db, const char *key_hash, scheduling_api_key_rows_t *rows)
{
    const char *values[] = { key_hash };
    return api_keys_query (db, &sql_api_key_resolve, 1, values, rows);
}

int
scheduling_store_api_keys_revoke_staff (kefu_db_t *db, int64_t staff_id, int64_t now_ms)
{
    char id_text[NUMBER_TEXT_SIZE], now_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, staff_id);
    snprintf (now_text, sizeof now_text, "%" PRId64, now_ms);
    const char *values[] = { id_text, now_text };
    return kefu_db_command (db, &sql_api_keys_revoke_staff, 2, values);
}
