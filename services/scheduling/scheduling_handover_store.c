/*  scheduling_handover_store: the SQL of handovers. See
 *  scheduling_handover_store.h.
 */
#include "scheduling_handover_store.h"

#include "kefu_time.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  $n::bigint milliseconds as a timestamptz, and a timestamptz as
 *  milliseconds. */
#define MS(n)         "to_timestamp(" n "::bigint / 1000.0)"
#define TO_MS(column) "(extract(epoch FROM " column ") * 1000)::bigint"

enum {
    NUMBER_TEXT_SIZE = KEFU_DB_INT64_TEXT_SIZE,
    /*  A ticket id in a comma-joined list: 19 digits and a comma. */
    TICKET_ID_TEXT_SIZE = 21,
    STATUS_SIZE = 16
};

#define CHECKLIST_COLUMNS "code, label, NOT active, version, updated_by, rfc3339(updated_at)"

static const kefu_sql_t sql_checklist_all = {"scheduling_checklist_all",
                                             "SELECT " CHECKLIST_COLUMNS
                                             " FROM handover_checklist_items ORDER BY code"};
static const kefu_sql_t sql_checklist_active = {
    "scheduling_checklist_active",
    "SELECT " CHECKLIST_COLUMNS " FROM handover_checklist_items WHERE active ORDER BY code"};
static const kefu_sql_t sql_checklist_lock = {
    "scheduling_checklist_lock",
    "SELECT " CHECKLIST_COLUMNS " FROM handover_checklist_items WHERE code = $1 FOR UPDATE"};
static const kefu_sql_t sql_checklist_put = {
    "scheduling_checklist_put",
    "INSERT INTO handover_checklist_items (code, label, active, updated_by, created_at, "
    "updated_at) "
    "VALUES ($1, $2, NOT $3::boolean, $4, " MS ("$5") ", " MS (
        "$5") ") "
              "ON CONFLICT (code) DO UPDATE SET label = excluded.label, active = excluded.active, "
              "  updated_by = excluded.updated_by, updated_at = excluded.updated_at, "
              "  version = handover_checklist_items.version + 1 "
              "RETURNING " CHECKLIST_COLUMNS};

#define HANDOVER_COLUMNS                                                                   \
    "h.id, h.shift_id, rfc3339(s.ends_at), s.site_zone, o.staff_no, i.staff_no, "          \
    "h.work_in_progress, "                                                                 \
    "h.staffing_changes, h.notices, h.status, rfc3339(h.outgoing_signed_at), "             \
    "h.outgoing_terminal, "                                                                \
    "coalesce(rfc3339(h.incoming_signed_at), ''), h.incoming_terminal, h.refusal_reason, " \
    "h.version, "                                                                          \
    "rfc3339(h.created_at), rfc3339(h.updated_at), h.outgoing_id, h.incoming_id, " TO_MS ( \
        "s.ends_at")
#define HANDOVER_FROM                                                                            \
    " FROM handovers h JOIN shifts s ON s.id = h.shift_id JOIN staff o ON o.id = h.outgoing_id " \
    "JOIN staff i ON i.id = h.incoming_id "

static const kefu_sql_t sql_handover_get = {
    "scheduling_handover_get", "SELECT " HANDOVER_COLUMNS HANDOVER_FROM "WHERE h.id = $1"};
static const kefu_sql_t sql_handover_get_for_update = {"scheduling_handover_get_for_update",
                                                       "SELECT " HANDOVER_COLUMNS HANDOVER_FROM
                                                       "WHERE h.id = $1 FOR UPDATE OF h"};
static const kefu_sql_t sql_handover_problems = {
    "scheduling_handover_problems", "SELECT description, array_to_string(ticket_ids, ','), "
                                    "cardinality(ticket_ids) FROM handover_problems "
                                    "WHERE handover_id = $1 ORDER BY position"};
static const kefu_sql_t sql_handover_checks = {
    "scheduling_handover_checks",
    "SELECT item_code, ok, note FROM handover_checks WHERE handover_id = $1 ORDER BY item_code"};
static const kefu_sql_t sql_handover_live_exists = {
    "scheduling_handover_live_exists",
    "SELECT EXISTS (SELECT 1 FROM handovers WHERE shift_id = $1 AND status <> 'refused')"};
static const kefu_sql_t sql_handover_insert = {
    "scheduling_handover_insert",
    "INSERT INTO handovers (shift_id, outgoing_id, incoming_id, work_in_progress, "
    "staffing_changes, notices, "
    "  outgoing_signed_at, outgoing_terminal, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, " MS ("$8") ", $7, " MS ("$8") ", " MS (
        "$8") ") RETURNING id"};
static const kefu_sql_t sql_handover_problem_insert = {
    "scheduling_handover_problem_insert",
    "INSERT INTO handover_problems (handover_id, position, description, ticket_ids) "
    "VALUES ($1, $2, $3, string_to_array($4, ',')::bigint[])"};
static const kefu_sql_t sql_handover_check_insert = {
    "scheduling_handover_check_insert",
    "INSERT INTO handover_checks (handover_id, item_code, ok, note) VALUES ($1, $2, $3, $4)"};
static const kefu_sql_t sql_handover_decide = {
    "scheduling_handover_decide",
    "UPDATE handovers SET status = CASE WHEN $2::boolean THEN 'accepted' ELSE 'refused' END, "
    "  incoming_signed_at = CASE WHEN $2::boolean THEN " MS (
        "$5") " END, "
              "  incoming_terminal = CASE WHEN $2::boolean THEN $3 ELSE '' END, refusal_reason = "
              "$4, "
              "  version = version + 1, updated_at = " MS ("$5") " WHERE id = $1"};
static const kefu_sql_t sql_handover_latest_status = {
    "scheduling_handover_latest_status",
    "SELECT status FROM handovers WHERE shift_id = $1 ORDER BY id DESC LIMIT 1"};
/*  A lead on approved leave at $1 (SCH-5) is away, though on the roster. */
#define LEAD_AT MS ("$1")
static const kefu_sql_t sql_handover_leads_on_duty = {
    "scheduling_handover_leads_on_duty",
    "SELECT DISTINCT p.staff_no FROM shifts_in_force s JOIN staff p ON p.id = s.staff_id "
    "WHERE p.status = 'active' AND 'shift_lead' = ANY (p.roles) "
    "  AND s.starts_at <= " LEAD_AT " AND s.ends_at > " LEAD_AT " "
    "  AND NOT EXISTS (SELECT 1 FROM leave_requests l WHERE l.staff_id = p.id "
    "    AND l.status = 'approved' AND l.starts_at <= " LEAD_AT " AND l.ends_at > " LEAD_AT ") "
    "ORDER BY p.staff_no LIMIT $2"};
#undef LEAD_AT
static const kefu_sql_t sql_handover_overdue_lock = {
    "scheduling_handover_overdue_lock",
    "SELECT h.id FROM handovers h JOIN shifts s ON s.id = h.shift_id WHERE h.status = 'written' "
    "  AND h.overdue_at IS NULL AND s.ends_at <= " MS (
        "$1") " ORDER BY h.id LIMIT $2 FOR UPDATE OF h SKIP LOCKED"};
static const kefu_sql_t sql_handover_mark_overdue = {
    "scheduling_handover_mark_overdue",
    "UPDATE handovers SET overdue_at = " MS ("$2") " WHERE id = $1"};
static const kefu_sql_t sql_handover_of_day = {
    "scheduling_handover_of_day",
    "SELECT h.id, h.status FROM handovers h JOIN shifts s ON s.id = h.shift_id WHERE s.site_zone = "
    "$1 "
    "  AND s.ends_at >= " MS ("$2") " AND s.ends_at < " MS ("$3") " ORDER BY h.id"};
static const kefu_sql_t sql_handover_countersign = {
    "scheduling_handover_countersign",
    "INSERT INTO handover_countersignatures (day, site_zone, signed_by, signed_at, terminal, note, "
    "handover_ids) "
    "VALUES ($1::date, $2, $3, " MS (
        "$7") ", $4, $5, string_to_array($6, ',')::bigint[]) "
              "ON CONFLICT (day, site_zone) DO NOTHING RETURNING id, rfc3339(signed_at)"};
static const kefu_sql_t sql_countersignature_get = {
    "scheduling_countersignature_get", "SELECT id, to_char(day, 'YYYY-MM-DD'), site_zone, "
                                       "signed_by, rfc3339(signed_at), terminal, note, "
                                       "  array_to_string(handover_ids, ','), "
                                       "cardinality(handover_ids) FROM handover_countersignatures "
                                       "WHERE id = $1"};
static const kefu_sql_t sql_complaint_record = {
    "scheduling_complaint_record",
    "INSERT INTO complaints_received (ticket_id, received_at, channel, priority, category, "
    "subject, recorded_at) "
    "VALUES ($1, " MS ("$2") ", $3, $4, $5, $6, " MS ("$7") ") ON CONFLICT (ticket_id) DO NOTHING"};
#define COMPLAINT_COLUMNS \
    "c.ticket_id, rfc3339(c.received_at), c.channel, c.priority, c.category, c.subject"
static const kefu_sql_t sql_complaints_between = {
    "scheduling_complaints_between",
    "SELECT " COMPLAINT_COLUMNS " FROM complaints_received c WHERE c.received_at >= " MS (
        "$1") "  AND c.received_at < " MS ("$2") " ORDER BY c.received_at, c.ticket_id LIMIT $3"};
static const kefu_sql_t sql_security_desk_insert = {
    "scheduling_security_desk_insert",
    "INSERT INTO security_desk_handovers (site_zone, day, direction, staff_id, security_officer, "
    "notes, terminal, "
    "  complaint_ids, created_at) VALUES ($1, $2::date, $3, $4, $5, $6, $7, string_to_array($8, "
    "',')::bigint[], " MS (
        "$9") ") ON CONFLICT (site_zone, day, direction) DO NOTHING RETURNING id"};
static const kefu_sql_t sql_security_desk_get = {
    "scheduling_security_desk_get",
    "SELECT d.id, d.site_zone, to_char(d.day, 'YYYY-MM-DD'), d.direction, p.staff_no, "
    "d.security_officer, "
    "  d.notes, d.terminal, rfc3339(d.created_at) FROM security_desk_handovers d "
    "JOIN staff p ON p.id = d.staff_id WHERE d.id = $1"};
static const kefu_sql_t sql_security_desk_complaints = {
    "scheduling_security_desk_complaints",
    "SELECT " COMPLAINT_COLUMNS " FROM security_desk_handovers d JOIN complaints_received c "
    "  ON c.ticket_id = ANY (d.complaint_ids) WHERE d.id = $1 ORDER BY c.received_at, c.ticket_id"};


/* --- the checklist --------------------------------------------------------- */

void
scheduling_checklist_rows_release (scheduling_checklist_rows_t *rows)
{
    PQclear (rows->result);
    free (rows->items);
    free (rows->pointers);
    memset (rows, 0, sizeof *rows);
}

static int
checklist_query (kefu_db_t *db, const kefu_sql_t *sql, int count, const char *const *values,
                 scheduling_checklist_rows_t *rows)
{
    memset (rows, 0, sizeof *rows);
    rows->result = kefu_db_run (db, sql, count, values);
    if (!rows->result)
        return -1;
    size_t n = (size_t)PQntuples (rows->result);
    rows->items = calloc (n + 1, sizeof *rows->items);
    rows->pointers = calloc (n + 1, sizeof *rows->pointers);
    if (!rows->items || !rows->pointers)
        return -1;
    for (size_t i = 0; i < n; i++) {
        Kefu__V1__HandoverChecklistItem *item = &rows->items[i];
        int row = (int)i;
        kefu__v1__handover_checklist_item__init (item);
        item->code = PQgetvalue (rows->result, row, 0);
        item->label = PQgetvalue (rows->result, row, 1);
        item->retired = kefu_db_bool (rows->result, row, 2);
        item->version = kefu_db_int64 (rows->result, row, 3);
        item->updated_by = PQgetvalue (rows->result, row, 4);
        item->updated_at = PQgetvalue (rows->result, row, 5);
        rows->pointers[i] = item;
    }
    rows->count = n;
    return n == 0 ? 1 : 0;
}

int
scheduling_handover_store_checklist (kefu_db_t *db, bool active_only,
                                     scheduling_checklist_rows_t *rows)
{
    return checklist_query (db, active_only ? &sql_checklist_active : &sql_checklist_all, 0, NULL,
                            rows) < 0
               ? -1
               : 0;
}

int
scheduling_handover_store_checklist_item_lock (kefu_db_t *db, const char *code,
                                               scheduling_checklist_rows_t *rows)
{
    const char *values[] = {code};
    return checklist_query (db, &sql_checklist_lock, 1, values, rows);
}

int
scheduling_handover_store_checklist_put (kefu_db_t *db, const char *code, const char *label,
                                         bool retired, const char *by, int64_t now_ms,
                                         scheduling_checklist_rows_t *rows)
{
    char now_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (now_ms, now_text);
    const char *values[] = {code, label, retired ? "true" : "false", by, now_text};
    return checklist_query (db, &sql_checklist_put, 5, values, rows) == 0 ? 0 : -1;
}

/* --- handovers ------------------------------------------------------------ */

void
scheduling_handover_rows_release (scheduling_handover_rows_t *rows)
{
    PQclear (rows->result);
    PQclear (rows->problems);
    PQclear (rows->checks);
    free (rows->problem_items);
    free (rows->problem_pointers);
    free (rows->ticket_ids);
    free (rows->check_items);
    free (rows->check_pointers);
    memset (rows, 0, sizeof *rows);
}

/*  Read the problems (with their ticket ids) and checks of rows->handover. */
static int
handover_children (kefu_db_t *db, const char *id_text, scheduling_handover_rows_t *rows)
{
    const char *values[] = {id_text};
    rows->problems = kefu_db_run (db, &sql_handover_problems, 1, values);
    rows->checks = rows->problems ? kefu_db_run (db, &sql_handover_checks, 1, values) : NULL;
    if (!rows->checks)
        return -1;
    size_t problems = (size_t)PQntuples (rows->problems), checks = (size_t)PQntuples (rows->checks),
           tickets = 0;
    for (size_t i = 0; i < problems; i++)
        tickets += (size_t)kefu_db_int64 (rows->problems, (int)i, 2);
    rows->problem_items = calloc (problems + 1, sizeof *rows->problem_items);
    rows->problem_pointers = calloc (problems + 1, sizeof *rows->problem_pointers);
    rows->ticket_ids = calloc (tickets + 1, sizeof *rows->ticket_ids);
    rows->check_items = calloc (checks + 1, sizeof *rows->check_items);
    rows->check_pointers = calloc (checks + 1, sizeof *rows->check_pointers);
    if (!rows->problem_items || !rows->problem_pointers || !rows->ticket_ids ||
        !rows->check_items || !rows->check_pointers)
        return -1;
    size_t used = 0;
    for (size_t i = 0; i < problems; i++) {
        Kefu__V1__HandoverProblem *problem = &rows->problem_items[i];
        kefu__v1__handover_problem__init (problem);
        problem->description = PQgetvalue (rows->problems, (int)i, 0);
        problem->ticket_ids = &rows->ticket_ids[used];
        const char *cursor = PQgetvalue (rows->problems, (int)i, 1);
        size_t expected = (size_t)kefu_db_int64 (rows->problems, (int)i, 2);
        while (*cursor && problem->n_ticket_ids < expected) {
            char *end;
            rows->ticket_ids[used++] = strtoll (cursor, &end, 10);
            problem->n_ticket_ids++;
            cursor = *end == ',' ? end + 1 : end;
        }
        rows->problem_pointers[i] = problem;
    }
    for (size_t i = 0; i < checks; i++) {
        Kefu__V1__HandoverCheck *check = &rows->check_items[i];
        kefu__v1__handover_check__init (check);
        check->item_code = PQgetvalue (rows->checks, (int)i, 0);
        check->ok = kefu_db_bool (rows->checks, (int)i, 1);
        check->note = PQgetvalue (rows->checks, (int)i, 2);
        rows->check_pointers[i] = check;
    }
    rows->handover.n_open_problems = problems;
    rows->handover.open_problems = rows->problem_pointers;
    rows->handover.n_checklist = checks;
    rows->handover.checklist = rows->check_pointers;
    return 0;
}

int
scheduling_handover_store_get (kefu_db_t *db, int64_t id, bool for_update,
                               scheduling_handover_rows_t *rows)
{
    memset (rows, 0, sizeof *rows);
    char id_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (id, id_text);
    const char *values[] = {id_text};
    rows->result =
        kefu_db_run (db, for_update ? &sql_handover_get_for_update : &sql_handover_get, 1, values);
    if (!rows->result)
        return -1;
    if (PQntuples (rows->result) != 1)
        return 1;
    PGresult *result = rows->result;
    Kefu__V1__Handover *handover = &rows->handover;
    kefu__v1__handover__init (handover);
    int c = 0;
    handover->id = kefu_db_int64 (result, 0, c++);
    handover->shift_id = kefu_db_int64 (result, 0, c++);
    handover->shift_ends_at = PQgetvalue (result, 0, c++);
    handover->site_zone = PQgetvalue (result, 0, c++);
    handover->outgoing_staff_no = PQgetvalue (result, 0, c++);
    handover->incoming_staff_no = PQgetvalue (result, 0, c++);
    handover->work_in_progress = PQgetvalue (result, 0, c++);
    handover->staffing_changes = PQgetvalue (result, 0, c++);
    handover->notices = PQgetvalue (result, 0, c++);
    handover->status = PQgetvalue (result, 0, c++);
    handover->outgoing_signed_at = PQgetvalue (result, 0, c++);
    handover->outgoing_terminal = PQgetvalue (result, 0, c++);
    handover->incoming_signed_at = PQgetvalue (result, 0, c++);
    handover->incoming_terminal = PQgetvalue (result, 0, c++);
    handover->refusal_reason = PQgetvalue (result, 0, c++);
    handover->version = kefu_db_int64 (result, 0, c++);
    handover->created_at = PQgetvalue (result, 0, c++);
    handover->updated_at = PQgetvalue (result, 0, c++);
    rows->outgoing_id = kefu_db_int64 (result, 0, c++);
    rows->incoming_id = kefu_db_int64 (result, 0, c++);
    rows->shift_ends_ms = kefu_db_int64 (result, 0, c++);
    return handover_children (db, id_text, rows);
}

int
scheduling_handover_store_live_exists (kefu_db_t *db, int64_t shift_id, bool *exists)
{
    char id_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (shift_id, id_text);
    const char *values[] = {id_text};
    PGresult *result = kefu_db_run (db, &sql_handover_live_exists, 1, values);
    if (!result)
        return -1;
    *exists = kefu_db_bool (result, 0, 0);
    PQclear (result);
    return 0;
}

/*  The ticket ids of a problem, comma-joined, into `out` (room for
 *  count * TICKET_ID_TEXT_SIZE + 1). */
static void
ticket_ids_join (const int64_t *ids, size_t count, char *out)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < count; i++)
        used += (size_t)snprintf (out + used, TICKET_ID_TEXT_SIZE + 1, "%s%" PRId64, i ? "," : "",
                                  ids[i]);
}

int
scheduling_handover_store_insert (kefu_db_t *db, const Kefu__V1__WriteHandoverRequest *request,
                                  int64_t outgoing_id, int64_t incoming_id, const char *terminal,
                                  int64_t now_ms, int64_t *id)
{
    char text[4][NUMBER_TEXT_SIZE];
    kefu_db_int64_text (request->shift_id, text[0]);
    kefu_db_int64_text (outgoing_id, text[1]);
    kefu_db_int64_text (incoming_id, text[2]);
    kefu_db_int64_text (now_ms, text[3]);
    const char *values[] = {
        text[0],          text[1],  text[2], request->work_in_progress, request->staffing_changes,
        request->notices, terminal, text[3]};
    PGresult *result = kefu_db_run (db, &sql_handover_insert, 8, values);
    if (!result)
        return -1;
    *id = kefu_db_int64 (result, 0, 0);
    PQclear (result);
    char id_text[NUMBER_TEXT_SIZE], position[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (*id, id_text);
    for (size_t i = 0; i < request->n_open_problems; i++) {
        const Kefu__V1__HandoverProblem *problem = request->open_problems[i];
        char *tickets = malloc (problem->n_ticket_ids * TICKET_ID_TEXT_SIZE + 1);
        if (!tickets)
            return -1;
        ticket_ids_join (problem->ticket_ids, problem->n_ticket_ids, tickets);
        snprintf (position, sizeof position, "%zu", i);
        const char *problem_values[] = {id_text, position, problem->description, tickets};
        int rc = kefu_db_command (db, &sql_handover_problem_insert, 4, problem_values);
        free (tickets);
        if (rc != 0)
            return -1;
    }
    for (size_t i = 0; i < request->n_checklist; i++) {
        const Kefu__V1__HandoverCheck *check = request->checklist[i];
        const char *check_values[] = {id_text, check->item_code, check->ok ? "true" : "false",
                                      check->note};
        if (kefu_db_command (db, &sql_handover_check_insert, 4, check_values) != 0)
            return -1;
    }
    return 0;
}

int
scheduling_handover_store_decide (kefu_db_t *db, int64_t id, bool accepted, const char *terminal,
                                  const char *reason, int64_t now_ms)
{
    char id_text[NUMBER_TEXT_SIZE], now_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (id, id_text);
    kefu_db_int64_text (now_ms, now_text);
    const char *values[] = {id_text, accepted ? "true" : "false", terminal, reason, now_text};
    return kefu_db_command (db, &sql_handover_decide, 5, values);
}

int
scheduling_handover_store_latest_status (kefu_db_t *db, int64_t shift_id, char *status)
{
    char id_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (shift_id, id_text);
    const char *values[] = {id_text};
    PGresult *result = kefu_db_run (db, &sql_handover_latest_status, 1, values);
    if (!result)
        return -1;
    int rc = PQntuples (result) == 1 ? 0 : 1;
    if (rc == 0)
        snprintf (status, STATUS_SIZE, "%s", PQgetvalue (result, 0, 0));
    PQclear (result);
    return rc;
}

PGresult *
scheduling_handover_store_leads_on_duty (kefu_db_t *db, int64_t now_ms, int limit)
{
    char now_text[NUMBER_TEXT_SIZE], limit_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (now_ms, now_text);
    kefu_db_int64_text (limit, limit_text);
    const char *values[] = {now_text, limit_text};
    return kefu_db_run (db, &sql_handover_leads_on_duty, 2, values);
}

PGresult *
scheduling_handover_store_overdue_lock (kefu_db_t *db, int64_t due_before_ms, int limit)
{
    char due_text[NUMBER_TEXT_SIZE], limit_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (due_before_ms, due_text);
    kefu_db_int64_text (limit, limit_text);
    const char *values[] = {due_text, limit_text};
    return kefu_db_run (db, &sql_handover_overdue_lock, 2, values);
}

int
scheduling_handover_store_mark_overdue (kefu_db_t *db, int64_t id, int64_t now_ms)
{
    char id_text[NUMBER_TEXT_SIZE], now_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (id, id_text);
    kefu_db_int64_text (now_ms, now_text);
    const char *values[] = {id_text, now_text};
    return kefu_db_command (db, &sql_handover_mark_overdue, 2, values);
}

PGresult *
scheduling_handover_store_of_day (kefu_db_t *db, const char *site_zone, int64_t from_ms,
                                  int64_t until_ms)
{
    char from_text[NUMBER_TEXT_SIZE], until_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (from_ms, from_text);
    kefu_db_int64_text (until_ms, until_text);
    const char *values[] = {site_zone, from_text, until_text};
    return kefu_db_run (db, &sql_handover_of_day, 3, values);
}

int
scheduling_handover_store_countersign (kefu_db_t *db, const char *day, const char *site_zone,
                                       const char *by, const char *terminal, const char *note,
                                       const char *handover_ids, int64_t now_ms, int64_t *id,
                                       char *signed_at)
{
    char now_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (now_ms, now_text);
    const char *values[] = {day, site_zone, by, terminal, note, handover_ids, now_text};
    PGresult *result = kefu_db_run (db, &sql_handover_countersign, 7, values);
    if (!result)
        return -1;
    int rc = PQntuples (result) == 1 ? 0 : 1;
    if (rc == 0) {
        *id = kefu_db_int64 (result, 0, 0);
        snprintf (signed_at, KEFU_TIME_TEXT_SIZE, "%s", PQgetvalue (result, 0, 1));
    }
    PQclear (result);
    return rc;
}

PGresult *
scheduling_handover_store_countersignature_get (kefu_db_t *db, int64_t id)
{
    char id_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (id, id_text);
    const char *values[] = {id_text};
    return kefu_db_run (db, &sql_countersignature_get, 1, values);
}

/* --- complaints and the security desk -------------------------------------- */

int
scheduling_handover_store_complaint_record (kefu_db_t *db, const Kefu__V1__Ticket *ticket,
                                            int64_t received_ms, int64_t now_ms)
{
    char text[3][NUMBER_TEXT_SIZE];
    kefu_db_int64_text (ticket->id, text[0]);
    kefu_db_int64_text (received_ms, text[1]);
    kefu_db_int64_text (now_ms, text[2]);
    const char *values[] = {text[0],          text[1],         ticket->channel, ticket->priority,
                            ticket->category, ticket->subject, text[2]};
    return kefu_db_command (db, &sql_complaint_record, 7, values);
}

PGresult *
scheduling_handover_store_complaints_between (kefu_db_t *db, int64_t from_ms, int64_t until_ms,
                                              int limit)
{
    char text[3][NUMBER_TEXT_SIZE];
    kefu_db_int64_text (from_ms, text[0]);
    kefu_db_int64_text (until_ms, text[1]);
    kefu_db_int64_text (limit, text[2]);
    const char *values[] = {text[0], text[1], text[2]};
    return kefu_db_run (db, &sql_complaints_between, 3, values);
}

int
scheduling_handover_store_security_desk_insert (
    kefu_db_t *db, const Kefu__V1__RecordSecurityDeskHandoverRequest *request, int64_t staff_id,
    const char *terminal, const char *complaint_ids, int64_t now_ms, int64_t *id)
{
    char staff_text[NUMBER_TEXT_SIZE], now_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (staff_id, staff_text);
    kefu_db_int64_text (now_ms, now_text);
    const char *values[] = {
        request->site_zone, request->day, request->direction, staff_text, request->security_officer,
        request->notes,     terminal,     complaint_ids,      now_text};
    PGresult *result = kefu_db_run (db, &sql_security_desk_insert, 9, values);
    if (!result)
        return -1;
    int rc = PQntuples (result) == 1 ? 0 : 1;
    if (rc == 0)
        *id = kefu_db_int64 (result, 0, 0);
    PQclear (result);
    return rc;
}

PGresult *
scheduling_handover_store_security_desk_get (kefu_db_t *db, int64_t id)
{
    char id_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (id, id_text);
    const char *values[] = {id_text};
    return kefu_db_run (db, &sql_security_desk_get, 1, values);
}

PGresult *
scheduling_handover_store_security_desk_complaints (kefu_db_t *db, int64_t id)
{
    char id_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (id, id_text);
    const char *values[] = {id_text};
    return kefu_db_run (db, &sql_security_desk_complaints, 1, values);
}
