/*  scheduling_handover: handover logs, their checklist, acceptance,
 *  refusal and escalation, the daily countersignature and the overdue
 *  sweep (SCH-7). See scheduling_handover.h; the SQL is in
 *  scheduling_handover_store.c.
 */
#include "scheduling_handover.h"
#include "scheduling_creation.h"
#include "scheduling_handlers.h"
#include "scheduling_handover_store.h"
#include "scheduling_store.h"
#include "scheduling_swaps_store.h"

#include "kefu_audit.h"
#include "kefu_log.h"
#include "kefu_outbox.h"
#include "kefu_roles.h"
#include "kefu_strbuf.h"
#include "kefu_text.h"
#include "kefu_time.h"
#include "kefu_tz.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  Field bounds, in characters or entries. */
enum {
    LOG_TEXT_MAX = 4000,
    PROBLEMS_MAX = 50,
    PROBLEM_TEXT_MAX = 1000,
    TICKETS_PER_PROBLEM_MAX = 20,
    CHECKS_MAX = 100,
    ITEM_CODE_MAX = 32,
    ITEM_LABEL_MAX = 200,
    CHECK_NOTE_MAX = 500,
    REASON_MAX = 2000,
    RESOURCE_MAX = 96,
    FIELD_PATH_SIZE = 64,
    DAY_TEXT_LENGTH = 10, /* YYYY-MM-DD */
    STATUS_SIZE = 16,
    /*  Shift leads told of one refusal; more on duty at once would be a
     *  misconfigured directory, not a call centre. */
    LEADS_NOTIFIED_MAX = 20,
    /*  Logs one sweep takes at a time: short transactions. */
    OVERDUE_BATCH = 100,
    MINUTES_PER_DAY = 24 * 60
};

/*  Who keeps the checklist; who reads any log; who countersigns a day. */
#define CHECKLIST_KEEPERS (KEFU_ROLE_ADMIN | KEFU_ROLE_SUPERVISOR)
#define HANDOVER_READERS \
    (KEFU_ROLE_SHIFT_LEAD | KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER | KEFU_ROLE_ADMIN)
#define COUNTERSIGNERS KEFU_ROLE_SHIFT_LEAD

static const char *
actor_terminal (kefu_call_t *call)
{
    const Kefu__V1__Actor *actor = kefu_call_actor (call);
    return actor && actor->terminal ? actor->terminal : "";
}

static void
handover_resource (int64_t id, char *out)
{
    snprintf (out, RESOURCE_MAX, "handover/%" PRId64, id);
}

int
scheduling_handover_holds_shift (kefu_db_t *db, int64_t shift_id)
{
    char status[STATUS_SIZE];
    int found = scheduling_handover_store_latest_status (db, shift_id, status);
    if (found < 0)
        return -1;
    return found == 0 && strcmp (status, "accepted") != 0 ? 1 : 0;
}

/*  Load handover `id` and fill in whether its shift still holds its person. */
static int
handover_load (kefu_db_t *db, int64_t id, bool for_update, scheduling_handover_rows_t *rows)
{
    int found = scheduling_handover_store_get (db, id, for_update, rows);
    if (found != 0)
        return found;
    int held = scheduling_handover_holds_shift (db, rows->handover.shift_id);
    if (held < 0)
        return -1;
    rows->handover.shift_held = held == 1;
    return 0;
}

/* --- the checklist --------------------------------------------------------- */

void
scheduling_handover_checklist_list (kefu_call_t *call)
{
    scheduling_checklist_rows_t rows = {0};
    if (scheduling_handover_store_checklist (kefu_call_db (call), false, &rows) != 0)
        kefu_call_fail_db (call);
    else {
        Kefu__V1__HandoverChecklist reply = KEFU__V1__HANDOVER_CHECKLIST__INIT;
        reply.n_items = rows.count;
        reply.items = rows.pointers;
        kefu_call_reply (call, &reply.base);
    }
    scheduling_checklist_rows_release (&rows);
}

void
scheduling_handover_checklist_put (kefu_call_t *call)
{
    const Kefu__V1__PutHandoverChecklistItemRequest *request =
        (const Kefu__V1__PutHandoverChecklistItemRequest *)kefu_call_payload (call);
    if (!kefu_call_roles_require (call, CHECKLIST_KEEPERS,
                                  "only an admin or a supervisor keeps the handover checklist"))
        return;
    if (!kefu_text_identifier_valid (request->code, strlen (request->code), ITEM_CODE_MAX)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "code",
                        "code must be 1 to %d of A-Z a-z 0-9 _ -", ITEM_CODE_MAX);
        return;
    }
    if (!kefu_call_check_text (call, "label", request->label, KEFU_TEXT_LINE, ITEM_LABEL_MAX, true))
        return;
    kefu_db_t *db = kefu_call_db (call);
    scheduling_checklist_rows_t current = {0}, updated = {0};
    char resource[RESOURCE_MAX];
    snprintf (resource, sizeof resource, "handover_checklist/%s", request->code);
    if (kefu_db_begin (db) != 0)
        goto failed;
    int found = scheduling_handover_store_checklist_item_lock (db, request->code, &current);
    if (found < 0)
        goto failed;
    if (request->expected_version &&
        (found == 1 || current.items[0].version != request->expected_version)) {
        int64_t version = found == 1 ? 0 : current.items[0].version;
        kefu_call_fail_rollback (call, KEFU__V1__CODE__STALE_VERSION, "stale-version", "If-Match",
                                 "checklist item %s is at version %" PRId64 ", not %" PRId64,
                                 request->code, version, request->expected_version);
        goto done;
    }
    if (scheduling_handover_store_checklist_put (db, request->code, request->label,
                                                 request->retired, kefu_call_staff_id (call),
                                                 kefu_time_now_ms (), &updated) != 0 ||
        kefu_audit_commit_change (call, "handover.checklist_changed", resource, NULL, 0,
                                  &updated.items[0].base) != 0)
        goto failed;
done:
    scheduling_checklist_rows_release (&current);
    scheduling_checklist_rows_release (&updated);
    return;
failed:
    scheduling_checklist_rows_release (&current);
    scheduling_checklist_rows_release (&updated);
    kefu_call_fail_db_rollback (call);
}

/* --- handovers.write ------------------------------------------------------- */

/*  The parts of a log that need no database: texts and lists bounded. */
static bool
log_fields_ok (kefu_call_t *call, const Kefu__V1__WriteHandoverRequest *request)
{
    if (request->shift_id <= 0) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "shift_id",
                        "shift_id must name your shift");
        return false;
    }
    if (!scheduling_staff_no_valid (request->incoming_staff_no)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field",
                        "incoming_staff_no", "incoming_staff_no must be 1 to %d of A-Z a-z 0-9 _ -",
                        SCHEDULING_STAFF_NO_MAX);
        return false;
    }
    if (!kefu_call_check_text (call, "work_in_progress", request->work_in_progress,
                               KEFU_TEXT_MULTILINE, LOG_TEXT_MAX, true) ||
        !kefu_call_check_text (call, "staffing_changes", request->staffing_changes,
                               KEFU_TEXT_MULTILINE, LOG_TEXT_MAX, false) ||
        !kefu_call_check_text (call, "notices", request->notices, KEFU_TEXT_MULTILINE, LOG_TEXT_MAX,
                               false))
        return false;
    if (request->n_open_problems > PROBLEMS_MAX || request->n_checklist > CHECKS_MAX) {
        bool problems = request->n_open_problems > PROBLEMS_MAX;
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field",
                        problems ? "open_problems" : "checklist", "%s has at most %d entries",
                        problems ? "open_problems" : "checklist",
                        problems ? PROBLEMS_MAX : CHECKS_MAX);
        return false;
    }
    char field[FIELD_PATH_SIZE];
    for (size_t i = 0; i < request->n_open_problems; i++) {
        const Kefu__V1__HandoverProblem *problem = request->open_problems[i];
        snprintf (field, sizeof field, "open_problems[%zu].description", i);
        if (!kefu_call_check_text (call, field, problem->description, KEFU_TEXT_MULTILINE,
                                   PROBLEM_TEXT_MAX, true))
            return false;
        snprintf (field, sizeof field, "open_problems[%zu].ticket_ids", i);
        bool ids_ok = problem->n_ticket_ids <= TICKETS_PER_PROBLEM_MAX;
        for (size_t t = 0; ids_ok && t < problem->n_ticket_ids; t++)
            ids_ok = problem->ticket_ids[t] > 0;
        if (!ids_ok) {
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", field,
                            "%s holds at most %d ticket ids, each positive", field,
                            TICKETS_PER_PROBLEM_MAX);
            return false;
        }
    }
    for (size_t i = 0; i < request->n_checklist; i++) {
        const Kefu__V1__HandoverCheck *check = request->checklist[i];
        snprintf (field, sizeof field, "checklist[%zu].item_code", i);
        if (!kefu_text_identifier_valid (check->item_code, strlen (check->item_code),
                                         ITEM_CODE_MAX)) {
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", field,
                            "%s must be 1 to %d of A-Z a-z 0-9 _ -", field, ITEM_CODE_MAX);
            return false;
        }
        snprintf (field, sizeof field, "checklist[%zu].note", i);
        if (!kefu_call_check_text (call, field, check->note, KEFU_TEXT_LINE, CHECK_NOTE_MAX, false))
            return false;
    }
    return true;
}

/*  Every active checklist item answered exactly once, nothing else.
 *  Returns 0, 1 when answered (422, rolled back), -1 on a database failure. */
static int
checklist_complete (kefu_call_t *call, const Kefu__V1__WriteHandoverRequest *request)
{
    kefu_db_t *db = kefu_call_db (call);
    scheduling_checklist_rows_t active = {0};
    if (scheduling_handover_store_checklist (db, true, &active) != 0) {
        scheduling_checklist_rows_release (&active);
        return -1;
    }
    const char *problem = NULL, *code = "";
    for (size_t i = 0; !problem && i < request->n_checklist; i++) {
        code = request->checklist[i]->item_code;
        bool known = false;
        for (size_t a = 0; a < active.count; a++)
            known = known || strcmp (active.items[a].code, code) == 0;
        for (size_t j = 0; j < i; j++)
            if (strcmp (request->checklist[j]->item_code, code) == 0)
                problem = "is answered twice";
        if (!problem && !known)
            problem = "is not an item of the checklist in use";
    }
    for (size_t a = 0; !problem && a < active.count; a++) {
        bool answered = false;
        for (size_t i = 0; i < request->n_checklist; i++)
            answered =
                answered || strcmp (request->checklist[i]->item_code, active.items[a].code) == 0;
        if (!answered) {
            code = active.items[a].code;
            problem = "is not answered (every item is ✓ or ✗)";
        }
    }
    if (problem) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__INVALID_ARGUMENT, "handover-checklist",
                                 "checklist", "checklist item %s %s", code, problem);
    }
    scheduling_checklist_rows_release (&active);
    return problem ? 1 : 0;
}

/*  Append `event_type` about handover `rows` and its audit record, commit
 *  and answer with the log. Returns 0 or -1 (not answered). */
static int
handover_commit_and_reply (kefu_call_t *call, int64_t id, const char *event_type,
                           const char *reason)
{
    kefu_db_t *db = kefu_call_db (call);
    scheduling_handover_rows_t rows = {0};
    char resource[RESOURCE_MAX];
    handover_resource (id, resource);
    int rc = handover_load (db, id, false, &rows) == 0 &&
                     kefu_audit_commit_change (call, event_type, resource, reason, 0,
                                               &rows.handover.base) == 0
                 ? 0
                 : -1;
    scheduling_handover_rows_release (&rows);
    return rc;
}

/*  A repeated write (same Idempotency-Key, same body): the log it made. */
static void
handover_replay (kefu_call_t *call, int64_t id)
{
    scheduling_handover_rows_t rows = {0};
    int found = handover_load (kefu_call_db (call), id, false, &rows);
    if (found < 0)
        kefu_call_fail_db (call);
    else if (found == 1)
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                        "handover %" PRId64 " not found", id);
    else
        kefu_call_reply (call, &rows.handover.base);
    scheduling_handover_rows_release (&rows);
}

void
scheduling_handover_write (kefu_call_t *call)
{
    const Kefu__V1__WriteHandoverRequest *request =
        (const Kefu__V1__WriteHandoverRequest *)kefu_call_payload (call);
    if (!log_fields_ok (call, request) || !scheduling_creation_key_ok (call))
        return;
    kefu_db_t *db = kefu_call_db (call);
    int64_t now_ms = kefu_time_now_ms ();
    scheduling_staff_rows_t outgoing = {0}, incoming = {0};
    scheduling_swap_shift_t shift;
    if (kefu_db_begin (db) != 0)
        goto failed;
    int claimed = scheduling_creation_claim_or_replay (call, SCHEDULING_CREATION_HANDOVER,
                                                       handover_replay);
    if (claimed < 0)
        goto failed;
    if (claimed > 0)
        goto done;
    int found = scheduling_store_staff_by_no (db, kefu_call_staff_id (call), false, &outgoing);
    if (found < 0)
        goto failed;
    if (found == 1) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__PERMISSION_DENIED, "forbidden", NULL,
                                 "only staff of the directory write handover logs");
        goto done;
    }
    /*  The shift's row lock serialises two logs written for it at once. */
    found = scheduling_swaps_store_shift (db, request->shift_id, true, &shift);
    if (found < 0)
        goto failed;
    if (found == 1 || !shift.in_force || shift.staff_id != outgoing.row.staff.id ||
        shift.starts_ms > now_ms) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field",
                                 "shift_id",
                                 "shift_id must name a shift of yours in force that has begun");
        goto done;
    }
    found = scheduling_store_staff_by_no (db, request->incoming_staff_no, false, &incoming);
    if (found < 0)
        goto failed;
    if (found == 1 || strcmp (incoming.row.staff.status, "active") != 0 ||
        incoming.row.staff.id == outgoing.row.staff.id) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field",
                                 "incoming_staff_no",
                                 "incoming_staff_no must name another active staff member");
        goto done;
    }
    bool exists;
    if (scheduling_handover_store_live_exists (db, shift.id, &exists) != 0)
        goto failed;
    if (exists) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__CONFLICT, "handover-exists", "shift_id",
                                 "shift %" PRId64 " has a handover log written or accepted already",
                                 shift.id);
        goto done;
    }
    int complete = checklist_complete (call, request);
    if (complete < 0)
        goto failed;
    if (complete > 0)
        goto done;
    int64_t id;
    if (scheduling_handover_store_insert (db, request, outgoing.row.staff.id, incoming.row.staff.id,
                                          actor_terminal (call), now_ms, &id) != 0 ||
        scheduling_creation_bind (call, id) != 0 ||
        handover_commit_and_reply (call, id, "handover.written", NULL) != 0)
        goto failed;
done:
    scheduling_staff_rows_release (&outgoing);
    scheduling_staff_rows_release (&incoming);
    return;
failed:
    scheduling_staff_rows_release (&outgoing);
    scheduling_staff_rows_release (&incoming);
    kefu_call_fail_db_rollback (call);
}

/* --- handovers.get, accept, refuse --------------------------------------------- */

void
scheduling_handover_get (kefu_call_t *call)
{
    const Kefu__V1__HandoverRef *request = (const Kefu__V1__HandoverRef *)kefu_call_payload (call);
    scheduling_handover_rows_t rows = {0};
    int found = handover_load (kefu_call_db (call), request->id, false, &rows);
    const char *me = kefu_call_staff_id (call);
    if (found < 0)
        kefu_call_fail_db (call);
    else if (found == 1)
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                        "handover %" PRId64 " not found", request->id);
    else if (!(kefu_call_roles (call) & HANDOVER_READERS) &&
             strcmp (me, rows.handover.outgoing_staff_no) != 0 &&
             strcmp (me, rows.handover.incoming_staff_no) != 0)
        kefu_call_fail (
            call, KEFU__V1__CODE__PERMISSION_DENIED, "forbidden", NULL,
            "only its two people, shift leads, supervisors, managers and admins read a handover");
    else
        kefu_call_reply (call, &rows.handover.base);
    scheduling_handover_rows_release (&rows);
}

/*  Tell every shift lead on duty of a refused log (handover.escalated,
 *  subject staff/<staff_no>), in the caller's transaction. */
static int
escalate_to_leads (kefu_call_t *call, int64_t id, int64_t now_ms)
{
    kefu_db_t *db = kefu_call_db (call);
    PGresult *leads = scheduling_handover_store_leads_on_duty (db, now_ms, LEADS_NOTIFIED_MAX);
    scheduling_handover_rows_t rows = {0};
    int rc = leads && handover_load (db, id, false, &rows) == 0 ? 0 : -1;
    for (int i = 0; rc == 0 && i < PQntuples (leads); i++) {
        char subject[RESOURCE_MAX];
        snprintf (subject, sizeof subject, "staff/%s", PQgetvalue (leads, i, 0));
        Kefu__V1__HandoverEscalated event = KEFU__V1__HANDOVER_ESCALATED__INIT;
        event.handover = &rows.handover;
        event.shift_lead_staff_no = PQgetvalue (leads, i, 0);
        rc = kefu_outbox_append_message (db, "handover.escalated", subject, &event.base);
    }
    scheduling_handover_rows_release (&rows);
    PQclear (leads);
    return rc;
}

static void
handover_decide (kefu_call_t *call, bool accept)
{
    const Kefu__V1__HandoverRef *request = (const Kefu__V1__HandoverRef *)kefu_call_payload (call);
    if (!kefu_call_check_text (call, "reason", request->reason, KEFU_TEXT_MULTILINE, REASON_MAX,
                               !accept))
        return;
    kefu_db_t *db = kefu_call_db (call);
    scheduling_handover_rows_t rows = {0};
    if (kefu_db_begin (db) != 0)
        goto failed;
    int found = scheduling_handover_store_get (db, request->id, true, &rows);
    if (found < 0)
        goto failed;
    if (found == 1) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                                 "handover %" PRId64 " not found", request->id);
        goto done;
    }
    if (strcmp (kefu_call_staff_id (call), rows.handover.incoming_staff_no) != 0) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__PERMISSION_DENIED, "forbidden", NULL,
                                 "only the incoming person (%s) may %s this handover",
                                 rows.handover.incoming_staff_no, accept ? "accept" : "refuse");
        goto done;
    }
    if (request->expected_version && request->expected_version != rows.handover.version) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__STALE_VERSION, "stale-version", "If-Match",
                                 "handover %" PRId64 " is at version %" PRId64 ", not %" PRId64,
                                 request->id, rows.handover.version, request->expected_version);
        goto done;
    }
    if (strcmp (rows.handover.status, "written") != 0) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__FAILED_PRECONDITION, "handover-state", NULL,
                                 "handover %" PRId64 " is %s already", request->id,
                                 rows.handover.status);
        goto done;
    }
    int64_t now_ms = kefu_time_now_ms ();
    if (scheduling_handover_store_decide (db, request->id, accept, actor_terminal (call),
                                          accept ? "" : request->reason, now_ms) != 0 ||
        (!accept && escalate_to_leads (call, request->id, now_ms) != 0) ||
        handover_commit_and_reply (call, request->id,
                                   accept ? "handover.accepted" : "handover.refused",
                                   accept ? NULL : request->reason) != 0)
        goto failed;
done:
    scheduling_handover_rows_release (&rows);
    return;
failed:
    scheduling_handover_rows_release (&rows);
    kefu_call_fail_db_rollback (call);
}

void
scheduling_handover_accept (kefu_call_t *call)
{
    handover_decide (call, true);
}

void
scheduling_handover_refuse (kefu_call_t *call)
{
    handover_decide (call, false);
}

/* --- handovers.countersign ------------------------------------------------ */

/*  A repeated countersignature (same Idempotency-Key, same body): the one
 *  it recorded. */
static void
countersignature_replay (kefu_call_t *call, int64_t id)
{
    PGresult *row = scheduling_handover_store_countersignature_get (kefu_call_db (call), id);
    int64_t *ids = NULL;
    if (!row || PQntuples (row) != 1) {
        kefu_call_fail_db (call);
        PQclear (row);
        return;
    }
    size_t count = (size_t)kefu_db_int64 (row, 0, 8);
    ids = calloc (count + 1, sizeof *ids);
    if (!ids) {
        kefu_call_fail (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "out of memory");
        PQclear (row);
        return;
    }
    const char *cursor = PQgetvalue (row, 0, 7);
    size_t used = 0;
    while (*cursor && used < count) {
        char *end;
        ids[used++] = strtoll (cursor, &end, 10);
        cursor = *end == ',' ? end + 1 : end;
    }
    Kefu__V1__HandoverCountersignature reply = KEFU__V1__HANDOVER_COUNTERSIGNATURE__INIT;
    reply.id = kefu_db_int64 (row, 0, 0);
    reply.day = PQgetvalue (row, 0, 1);
    reply.site_zone = PQgetvalue (row, 0, 2);
    reply.signed_by = PQgetvalue (row, 0, 3);
    reply.signed_at = PQgetvalue (row, 0, 4);
    reply.terminal = PQgetvalue (row, 0, 5);
    reply.note = PQgetvalue (row, 0, 6);
    reply.n_handover_ids = used;
    reply.handover_ids = ids;
    kefu_call_reply (call, &reply.base);
    free (ids);
    PQclear (row);
}

void
scheduling_handover_countersign (kefu_call_t *call)
{
    const Kefu__V1__CountersignHandoversRequest *request =
        (const Kefu__V1__CountersignHandoversRequest *)kefu_call_payload (call);
    if (!kefu_call_roles_require (call, COUNTERSIGNERS,
                                  "only a shift lead countersigns the day's handovers"))
        return;
    const char *cursor = request->day;
    int year, month, day;
    if (strlen (request->day) != DAY_TEXT_LENGTH ||
        !kefu_time_read_date (&cursor, &year, &month, &day)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "day",
                        "day must be a date YYYY-MM-DD");
        return;
    }
    const kefu_tz_t *tz =
        kefu_tz_name_valid (request->site_zone) ? kefu_tz_get (request->site_zone, NULL) : NULL;
    if (!tz) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "site_zone",
                        "site_zone must be a known IANA time zone such as Asia/Shanghai");
        return;
    }
    if (!kefu_call_check_text (call, "note", request->note, KEFU_TEXT_MULTILINE, REASON_MAX, false))
        return;
    int64_t days = kefu_time_days_from_civil (year, month, day);
    int64_t from_ms = kefu_tz_day_minute_ms (tz, days, 0),
            until_ms = kefu_tz_day_minute_ms (tz, days + 1, 0);
    int64_t now_ms = kefu_time_now_ms ();
    if (now_ms < until_ms) {
        kefu_call_fail (call, KEFU__V1__CODE__FAILED_PRECONDITION, "handover-day-open", "day",
                        "%s is not over yet in %s", request->day, request->site_zone);
        return;
    }
    kefu_db_t *db = kefu_call_db (call);
    kefu_strbuf_t ids;
    kefu_strbuf_init (&ids);
    PGresult *of_day = NULL;
    if (!scheduling_creation_key_ok (call))
        goto done;
    if (kefu_db_begin (db) != 0)
        goto failed;
    int claimed = scheduling_creation_claim_or_replay (call, SCHEDULING_CREATION_COUNTERSIGNATURE,
                                                       countersignature_replay);
    if (claimed < 0)
        goto failed;
    if (claimed > 0)
        goto done;
    if (!(of_day = scheduling_handover_store_of_day (db, request->site_zone, from_ms, until_ms)))
        goto failed;
    int count = PQntuples (of_day);
    size_t handover_count = 0;
    for (int i = 0; i < count; i++) {
        if (strcmp (PQgetvalue (of_day, i, 1), "written") == 0) {
            kefu_call_fail_rollback (call, KEFU__V1__CODE__FAILED_PRECONDITION, "handover-day-open",
                                     "day", "handover %s of %s is not yet accepted or refused",
                                     PQgetvalue (of_day, i, 0), request->day);
            goto done;
        }
        kefu_strbuf_appendf (&ids, "%s%s", i ? "," : "", PQgetvalue (of_day, i, 0));
        handover_count++;
    }
    if (!kefu_strbuf_ok (&ids))
        goto failed;
    int64_t id;
    char signed_at[KEFU_TIME_TEXT_SIZE], resource[RESOURCE_MAX];
    int signed_now = scheduling_handover_store_countersign (
        db, request->day, request->site_zone, kefu_call_staff_id (call), actor_terminal (call),
        request->note, kefu_strbuf_data (&ids), now_ms, &id, signed_at);
    if (signed_now < 0)
        goto failed;
    if (signed_now == 1) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__CONFLICT, "handover-day-countersigned",
                                 "day", "%s is countersigned already for %s", request->day,
                                 request->site_zone);
        goto done;
    }
    int64_t *id_list = calloc (handover_count + 1, sizeof *id_list);
    if (!id_list)
        goto failed;
    for (size_t i = 0; i < handover_count; i++)
        id_list[i] = kefu_db_int64 (of_day, (int)i, 0);
    snprintf (resource, sizeof resource, "handover_day/%s/%s", request->site_zone, request->day);
    Kefu__V1__HandoverCountersignature reply = KEFU__V1__HANDOVER_COUNTERSIGNATURE__INIT;
    reply.id = id;
    reply.day = request->day;
    reply.site_zone = request->site_zone;
    reply.signed_by = (char *)kefu_call_staff_id (call);
    reply.signed_at = signed_at;
    reply.terminal = (char *)actor_terminal (call);
    reply.note = request->note;
    reply.n_handover_ids = handover_count;
    reply.handover_ids = id_list;
    bool committed = scheduling_creation_bind (call, id) == 0 &&
                     kefu_audit_commit_change (call, "handover.countersigned", resource, NULL, 0,
                                               &reply.base) == 0;
    free (id_list);
    if (!committed)
        goto failed;
done:
    PQclear (of_day);
    kefu_strbuf_release (&ids);
    return;
failed:
    PQclear (of_day);
    kefu_strbuf_release (&ids);
    kefu_call_fail_db_rollback (call);
}

/* --- the overdue sweep ------------------------------------------------------- */

int
scheduling_handover_overdue_sweep (kefu_db_t *db, int64_t now_ms, void *arg)
{
    const scheduling_state_t *state = arg;
    Kefu__V1__Actor actor = KEFU__V1__ACTOR__INIT;
    actor.staff_id = "system:handover";
    actor.session_id = "";
    actor.terminal = "";
    if (kefu_db_begin (db) != 0)
        return -1;
    PGresult *due = scheduling_handover_store_overdue_lock (db, now_ms - state->handover_overdue_ms,
                                                            OVERDUE_BATCH);
    int raised = due ? 0 : -1;
    for (int i = 0; due && raised >= 0 && i < PQntuples (due); i++) {
        int64_t id = kefu_db_int64 (due, i, 0);
        scheduling_handover_rows_t rows = {0};
        char resource[RESOURCE_MAX], due_at[KEFU_TIME_TEXT_SIZE];
        handover_resource (id, resource);
        bool ok = scheduling_handover_store_mark_overdue (db, id, now_ms) == 0 &&
                  handover_load (db, id, false, &rows) == 0;
        if (ok) {
            kefu_time_format_rfc3339 (rows.shift_ends_ms + state->handover_overdue_ms, due_at);
            Kefu__V1__HandoverOverdue event = KEFU__V1__HANDOVER_OVERDUE__INIT;
            event.handover = &rows.handover;
            event.due_at = due_at;
            ok = kefu_outbox_append_message (db, "handover.overdue", resource, &event.base) == 0 &&
                 kefu_audit_record_system (db, &actor, "handover.overdue", resource, NULL, 0) == 0;
        }
        scheduling_handover_rows_release (&rows);
        raised = ok ? raised + 1 : -1;
    }
    PQclear (due);
    if (raised < 0 || kefu_db_commit (db) != 0) {
        kefu_db_rollback (db);
        return -1;
    }
    return raised;
}
