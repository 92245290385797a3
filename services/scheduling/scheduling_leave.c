/*  scheduling_leave: leave.request, leave.approve, leave.refuse,
 *  leave.cancel, leave.get (SCH-5). The rules are stated in
 *  scheduling_leave.h; the SQL is in scheduling_attendance_store.c.
 */
#include "scheduling_leave.h"
#include "scheduling_attendance_store.h"
#include "scheduling_creation.h"
#include "scheduling_handlers.h"

#include "kefu_audit.h"
#include "kefu_outbox.h"
#include "kefu_roles.h"
#include "kefu_text.h"
#include "kefu_time.h"
#include "kefu_tz.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    REASON_MAX = 2000,
    NOTE_MAX = 2000,
    CERTIFICATE_REF_MAX = 100,
    RESOURCE_MAX = 64,
    LIST_DEFAULT = 50,
    LIST_MAX = 200,
    ZONE_SIZE = 128,
    MS_PER_SECOND = 1000,
    SECONDS_PER_HOUR = 3600,
    SECONDS_PER_DAY = 24 * SECONDS_PER_HOUR,
    MINUTES_PER_HOUR = 60,
    /*  The night-shift deadline: the last local noon before the shift. */
    NOON_MINUTE = 12 * MINUTES_PER_HOUR,
};

/*  "A day" of leave (SCH-5): the boundary between the supervisor's and
 *  administration's approval, and sick leave's certificate. */
static const int64_t LEAVE_DAY_MS = (int64_t)SECONDS_PER_DAY * MS_PER_SECOND;
/*  Personal (and most) leave is asked a day ahead, special leave an hour. */
static const int64_t NOTICE_DAY_MS = (int64_t)SECONDS_PER_DAY * MS_PER_SECOND;
static const int64_t NOTICE_SPECIAL_MS = (int64_t)SECONDS_PER_HOUR * MS_PER_SECOND;
/*  The longest leave asked at once: maternity leave is under this; a
 *  longer span is a typo. */
static const int64_t LEAVE_MAX_MS = (int64_t)366 * SECONDS_PER_DAY * MS_PER_SECOND;

static const char *const leave_statuses[] = {"requested", "approved", "refused", "cancelled", NULL};
static const char *const leave_kinds[] = {"personal",  "special",  "sick",
                                          "annual",    "marriage", "bereavement",
                                          "maternity", "official", NULL};

/*  Who may read any request; the person on leave and the one who asked
 *  read their own. */
#define LEAVE_READERS (KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER | KEFU_ROLE_ADMIN)

static void
leave_resource (int64_t id, char *out, size_t size)
{
    snprintf (out, size, "leave/%" PRId64, id);
}

int
scheduling_caller_staff (kefu_call_t *call, bool for_update, scheduling_staff_rows_t *rows)
{
    const char *staff_no = kefu_call_staff_id (call);
    int found = *staff_no
                    ? scheduling_store_staff_by_no (kefu_call_db (call), staff_no, for_update, rows)
                    : 1;
    if (found != 1)
        return found;
    /*  A credential of no person (a configured service key): leave and
     *  attendance are a person's. Not 403: the role may use the route. */
    scheduling_staff_rows_release (rows);
    kefu_call_fail_rollback (
        call, KEFU__V1__CODE__INVALID_ARGUMENT, "unknown-staff", NULL,
        "the caller is not in the staff directory: use a person's session or API key");
    return 1;
}

/*  Parse an RFC 3339 field or answer INVALID_ARGUMENT naming it. */
static bool
time_ok (kefu_call_t *call, const char *field, const char *text, int64_t *ms)
{
    if (kefu_time_parse_rfc3339 (text, ms))
        return true;
    kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", field,
                    "%s must be an RFC 3339 date-time, e.g. 2026-11-25T09:00:00Z", field);
    return false;
}

/* --- leave.request -------------------------------------------------------- */

/*  The last local 12:00 at or before `start_ms` in `zone`, as Unix ms
 *  (the night-shift deadline); -1 if the zone cannot be loaded. */
static int64_t
night_deadline_ms (const char *zone, int64_t start_ms)
{
    const kefu_tz_t *tz = kefu_tz_get (zone, NULL);
    if (!tz)
        return -1;
    int64_t day = kefu_tz_local_day (tz, start_ms);
    int64_t noon_ms = kefu_tz_day_minute_ms (tz, day, NOON_MINUTE);
    return noon_ms <= start_ms ? noon_ms : kefu_tz_day_minute_ms (tz, day - 1, NOON_MINUTE);
}

/*  The timing rules against the first covered shift (see the header).
 *  Returns true when `now_ms` is in time; else answers (rolled back). */
static bool
leave_timing_ok (kefu_call_t *call, const char *kind, int64_t now_ms, int64_t shift_starts_ms,
                 const char *zone, bool is_night)
{
    char shift_at[KEFU_TIME_TEXT_SIZE];
    kefu_time_format_rfc3339 (shift_starts_ms, shift_at);
    bool sick = strcmp (kind, "sick") == 0;
    int64_t notice_ms = sick                            ? 0
                        : strcmp (kind, "special") == 0 ? NOTICE_SPECIAL_MS
                                                        : NOTICE_DAY_MS;
    if (now_ms > shift_starts_ms - notice_ms || (sick && now_ms >= shift_starts_ms)) {
        if (sick)
            kefu_call_fail_rollback (call, KEFU__V1__CODE__INVALID_ARGUMENT, "leave-too-late",
                                     "starts_at",
                                     "sick leave is asked before the shift starts (%s)", shift_at);
        else if (strcmp (kind, "special") == 0)
            kefu_call_fail_rollback (
                call, KEFU__V1__CODE__INVALID_ARGUMENT, "leave-too-late", "starts_at",
                "special leave is asked at least an hour before the shift (%s)", shift_at);
        else
            kefu_call_fail_rollback (
                call, KEFU__V1__CODE__INVALID_ARGUMENT, "leave-too-late", "starts_at",
                "%s leave is asked at least a day before the shift (%s)", kind, shift_at);
        return false;
    }
    if (is_night && !sick) {
        int64_t deadline_ms = night_deadline_ms (zone, shift_starts_ms);
        if (deadline_ms < 0 || now_ms >= deadline_ms) {
            char deadline[KEFU_TIME_TEXT_SIZE];
            kefu_time_format_rfc3339 (deadline_ms < 0 ? shift_starts_ms : deadline_ms, deadline);
            kefu_call_fail_rollback (
                call, KEFU__V1__CODE__INVALID_ARGUMENT, "leave-night-after-noon", "starts_at",
                "leave from a night shift (%s) is asked before 12:00 local the same day (%s)",
                shift_at, deadline);
            return false;
        }
    }
    return true;
}

/*  Answer a repeated request with the leave its key created first,
 *  recorded as a replay. */
static void
leave_replay (kefu_call_t *call, int64_t leave_id)
{
    kefu_db_t *db = kefu_call_db (call);
    scheduling_leave_row_t row = {0};
    char resource[RESOURCE_MAX];
    leave_resource (leave_id, resource, sizeof resource);
    int found = kefu_db_begin (db) == 0 ? scheduling_store_leave_by_id (db, leave_id, false, &row) : -1;
    if (found == 0 && (kefu_audit_record (call, "leave.request_replayed", resource, NULL, 1) != 0 ||
                       kefu_db_commit (db) != 0))
        found = -1;
    if (found < 0)
        kefu_call_fail_db_rollback (call);
    else if (found == 1)
        kefu_call_fail_rollback (call, KEFU__V1__CODE__NOT_FOUND, "not-found", "Idempotency-Key",
                                 "the leave created with this Idempotency-Key is gone");
    else
        kefu_call_reply (call, &row.leave.base);
    scheduling_leave_row_release (&row);
}

/*  Begin the request's transaction and claim its Idempotency-Key. Returns
 *  0 with the transaction open (and the key, if any, ours); 1 when the call
 *  has been answered (a replay, or a key reused); -1 on a database failure
 *  (the caller answers). */
static int
leave_key_claim (kefu_call_t *call)
{
    if (kefu_db_begin (kefu_call_db (call)) != 0)
        return -1;
    return scheduling_creation_claim_or_replay (call, SCHEDULING_CREATION_LEAVE, leave_replay);
}

void
scheduling_leave_request (kefu_call_t *call)
{
    const Kefu__V1__CreateLeaveRequest *request =
        (const Kefu__V1__CreateLeaveRequest *)kefu_call_payload (call);
    int64_t starts_ms, ends_ms;
    if (*request->staff_no && !scheduling_staff_no_valid (request->staff_no)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "staff_no",
                        "staff_no must be 1 to %d of A-Z a-z 0-9 _ -", SCHEDULING_STAFF_NO_MAX);
        return;
    }
    if (!kefu_text_one_of (request->kind, leave_kinds)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "kind",
                        "kind must be one of: personal, special, sick, annual, marriage, "
                        "bereavement, maternity, "
                        "official");
        return;
    }
    if (!time_ok (call, "starts_at", request->starts_at, &starts_ms) ||
        !time_ok (call, "ends_at", request->ends_at, &ends_ms))
        return;
    if (ends_ms <= starts_ms || ends_ms - starts_ms > LEAVE_MAX_MS) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "ends_at",
                        "ends_at must be after starts_at, at most 366 days later");
        return;
    }
    if (!kefu_call_check_text (call, "reason", request->reason, KEFU_TEXT_MULTILINE, REASON_MAX,
                               true) ||
        !kefu_call_check_text (call, "certificate_ref", request->certificate_ref, KEFU_TEXT_LINE,
                               CERTIFICATE_REF_MAX, false))
        return;
    bool sick = strcmp (request->kind, "sick") == 0;
    if (sick && ends_ms - starts_ms > LEAVE_DAY_MS && !*request->certificate_ref) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "leave-needs-certificate",
                        "certificate_ref",
                        "sick leave over a day needs the medical certificate's reference");
        return;
    }
    if (!scheduling_creation_key_ok (call))
        return;
    kefu_db_t *db = kefu_call_db (call);
    scheduling_staff_rows_t caller = {0}, person = {0};
    scheduling_leave_row_t row = {0};
    int claimed = leave_key_claim (call);
    if (claimed != 0) {
        if (claimed < 0)
            kefu_call_fail_db_rollback (call);
        return;
    }
    /*  Lock the person on leave only (never two rows: two people asking
     *  for each other at once must not deadlock). */
    bool for_self = !*request->staff_no || strcmp (request->staff_no, kefu_call_actor (call)->staff_id) == 0;
    int found = scheduling_caller_staff (call, for_self, &caller);
    if (found < 0)
        goto failed;
    if (found == 1)
        goto answered;
    bool for_other =
        *request->staff_no && strcmp (request->staff_no, caller.row.staff.staff_no) != 0;
    if (for_other && !sick) {
        kefu_call_fail_rollback (
            call, KEFU__V1__CODE__INVALID_ARGUMENT, "leave-by-proxy", "staff_no",
            "leave is asked by the person themselves; only sick leave may be asked for someone "
            "else");
        goto answered;
    }
    int64_t staff_id = caller.row.staff.id;
    if (for_other) {
        found = scheduling_store_staff_by_no (db, request->staff_no, true, &person);
        if (found < 0)
            goto failed;
        if (found == 1) {
            kefu_call_fail_rollback (call, KEFU__V1__CODE__INVALID_ARGUMENT, "unknown-staff",
                                     "staff_no", "no staff number %s", request->staff_no);
            goto answered;
        }
        staff_id = person.row.staff.id;
        if (strcmp (person.row.staff.status, "departed") == 0) {
            kefu_call_fail_rollback (call, KEFU__V1__CODE__FAILED_PRECONDITION, "staff-departed",
                                     "staff_no", "%s has departed", request->staff_no);
            goto answered;
        }
    }
    int64_t shift_id, shift_starts_ms;
    char zone[ZONE_SIZE];
    bool is_night;
    found = scheduling_store_leave_first_shift (db, staff_id, starts_ms, ends_ms, &shift_id,
                                                &shift_starts_ms, zone, sizeof zone, &is_night);
    if (found < 0)
        goto failed;
    if (found == 1) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__INVALID_ARGUMENT, "leave-covers-no-shift",
                                 "starts_at", "the leave covers no shift in force of the person");
        goto answered;
    }
    int64_t now_ms = kefu_time_now_ms ();
    if (!leave_timing_ok (call, request->kind, now_ms, shift_starts_ms, zone, is_night))
        goto answered;
    /*  The person's row is locked (above), so two requests for one person
     *  cannot both pass this check. */
    int overlaps = scheduling_store_leave_overlaps (db, staff_id, starts_ms, ends_ms);
    if (overlaps < 0)
        goto failed;
    if (overlaps) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__CONFLICT, "leave-overlaps", "starts_at",
                                 "the person already has leave requested or approved in this time");
        goto answered;
    }
    if (scheduling_store_leave_insert (db, staff_id, caller.row.staff.id, request->kind, starts_ms,
                                       ends_ms, request->reason, request->certificate_ref, now_ms,
                                       &row) != 0)
        goto failed;
    if (scheduling_creation_bind (call, row.leave.id) != 0)
        goto failed;
    char resource[RESOURCE_MAX];
    leave_resource (row.leave.id, resource, sizeof resource);
    if (kefu_audit_commit_change (call, "leave.requested", resource, request->reason, 1,
                                  &row.leave.base) != 0)
        goto failed;
    goto answered;
failed:
    kefu_call_fail_db_rollback (call);
answered:
    scheduling_leave_row_release (&row);
    scheduling_staff_rows_release (&caller);
    scheduling_staff_rows_release (&person);
}

/* --- leave.approve, leave.refuse, leave.cancel ---------------------------- */

/*  Whether the caller (`caller_id`, `roles`) may decide `leave`; else
 *  answers (rolled back). Level by level: up to a day the supervisor, over
 *  a day administration (a manager). */
static bool
approver_ok (kefu_call_t *call, const scheduling_leave_row_t *leave, int64_t caller_id,
             kefu_roles_t roles)
{
    if (caller_id == leave->staff_id || caller_id == leave->requested_by_id) {
        kefu_call_fail_rollback (
            call, KEFU__V1__CODE__INVALID_ARGUMENT, "leave-approver-not-allowed", NULL,
            "leave is decided by someone other than the person on leave and the one who asked "
            "for it");
        return false;
    }
    bool over_a_day = leave->ends_ms - leave->starts_ms > LEAVE_DAY_MS;
    if (over_a_day ? !(roles & KEFU_ROLE_MANAGER) : !(roles & KEFU_ROLE_SUPERVISOR)) {
        kefu_call_fail_rollback (
            call, KEFU__V1__CODE__INVALID_ARGUMENT, "leave-approver-not-allowed", NULL,
            over_a_day ? "leave over a day is decided by administration (a manager)"
                       : "leave of up to a day is decided by the supervisor");
        return false;
    }
    return true;
}

typedef enum { LEAVE_APPROVE, LEAVE_REFUSE, LEAVE_CANCEL } leave_change_t;

static void
leave_change (kefu_call_t *call, leave_change_t change)
{
    const Kefu__V1__LeaveRef *request = (const Kefu__V1__LeaveRef *)kefu_call_payload (call);
    if (!kefu_call_check_text (call, "note", request->note, KEFU_TEXT_MULTILINE, NOTE_MAX, false))
        return;
    kefu_roles_t roles = kefu_call_roles (call);
    if (change != LEAVE_CANCEL && !(roles & (KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER))) {
        kefu_call_fail (call, KEFU__V1__CODE__PERMISSION_DENIED, "forbidden", NULL,
                        "only a supervisor or a manager decides leave");
        return;
    }
    kefu_db_t *db = kefu_call_db (call);
    scheduling_staff_rows_t caller = {0};
    scheduling_leave_row_t current = {0}, updated = {0};
    if (kefu_db_begin (db) != 0)
        goto failed;
    int found = scheduling_caller_staff (call, false, &caller);
    if (found < 0)
        goto failed;
    if (found == 1)
        goto answered;
    found = scheduling_store_leave_by_id (db, request->id, true, &current);
    if (found < 0)
        goto failed;
    if (found == 1) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                                 "leave %" PRId64 " not found", request->id);
        goto answered;
    }
    if (request->expected_version && request->expected_version != current.leave.version) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__STALE_VERSION, "stale-version", "If-Match",
                                 "the leave is at version %" PRId64 ", not %" PRId64,
                                 current.leave.version, request->expected_version);
        goto answered;
    }
    int64_t now_ms = kefu_time_now_ms ();
    if (change == LEAVE_CANCEL && caller.row.staff.id != current.staff_id) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__PERMISSION_DENIED, "forbidden", NULL,
                                 "leave is cancelled by the person on leave");
        goto answered;
    }
    bool pending = strcmp (current.leave.status, "requested") == 0;
    if (change == LEAVE_CANCEL ? !pending && strcmp (current.leave.status, "approved") != 0
                               : !pending) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__FAILED_PRECONDITION, "leave-not-pending",
                                 NULL, "the leave is %s", current.leave.status);
        goto answered;
    }
    if (change == LEAVE_CANCEL && now_ms >= current.starts_ms) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__FAILED_PRECONDITION, "leave-started", NULL,
                                 "the leave began at %s: it can no longer be cancelled",
                                 current.leave.starts_at);
        goto answered;
    }
    if (change != LEAVE_CANCEL && !approver_ok (call, &current, caller.row.staff.id, roles))
        goto answered;
    static const char *const statuses[] = {"approved", "refused", "cancelled"};
    static const char *const events[] = {"leave.approved", "leave.refused", "leave.cancelled"};
    if (scheduling_store_leave_decide (db, request->id, statuses[change],
                                       change == LEAVE_CANCEL ? 0 : caller.row.staff.id,
                                       request->note, now_ms, &updated) != 0)
        goto failed;
    char resource[RESOURCE_MAX];
    leave_resource (request->id, resource, sizeof resource);
    if (kefu_audit_commit_change (call, events[change], resource, request->note, 1,
                                  &updated.leave.base) != 0)
        goto failed;
    goto answered;
failed:
    kefu_call_fail_db_rollback (call);
answered:
    scheduling_leave_row_release (&current);
    scheduling_leave_row_release (&updated);
    scheduling_staff_rows_release (&caller);
}

void
scheduling_leave_approve (kefu_call_t *call)
{
    leave_change (call, LEAVE_APPROVE);
}

void
scheduling_leave_refuse (kefu_call_t *call)
{
    leave_change (call, LEAVE_REFUSE);
}

void
scheduling_leave_cancel (kefu_call_t *call)
{
    leave_change (call, LEAVE_CANCEL);
}

/* --- leave.get ------------------------------------------------------------ */

void
scheduling_leave_get (kefu_call_t *call)
{
    const Kefu__V1__LeaveRef *request = (const Kefu__V1__LeaveRef *)kefu_call_payload (call);
    kefu_db_t *db = kefu_call_db (call);
    scheduling_staff_rows_t caller = {0};
    scheduling_leave_row_t row = {0};
    if (kefu_db_begin (db) != 0)
        goto failed;
    int found = scheduling_caller_staff (call, false, &caller);
    if (found < 0)
        goto failed;
    if (found == 1)
        goto answered;
    found = scheduling_store_leave_by_id (db, request->id, false, &row);
    if (found < 0)
        goto failed;
    /*  Someone else's leave is not found rather than forbidden: its
     *  existence is nobody else's business. */
    if (found == 1 ||
        (!(kefu_call_roles (call) & LEAVE_READERS) && caller.row.staff.id != row.staff_id &&
         caller.row.staff.id != row.requested_by_id)) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                                 "leave %" PRId64 " not found", request->id);
        goto answered;
    }
    char resource[RESOURCE_MAX];
    leave_resource (request->id, resource, sizeof resource);
    if (kefu_audit_record (call, "leave.viewed", resource, NULL, 1) != 0 ||
        kefu_db_commit (db) != 0)
        goto failed;
    kefu_call_reply (call, &row.leave.base);
    goto answered;
failed:
    kefu_call_fail_db_rollback (call);
answered:
    scheduling_leave_row_release (&row);
    scheduling_staff_rows_release (&caller);
}

/* --- leave.list ----------------------------------------------------------- */

void
scheduling_leave_list (kefu_call_t *call)
{
    const Kefu__V1__ListLeaveRequest *request =
        (const Kefu__V1__ListLeaveRequest *)kefu_call_payload (call);
    uint32_t limit = request->limit ? request->limit : LIST_DEFAULT;
    if (!kefu_call_check_page (call, limit, request->after, LIST_MAX))
        return;
    if (*request->status && !kefu_text_one_of (request->status, leave_statuses)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "status",
                        "status must be one of: requested, approved, refused, cancelled");
        return;
    }
    if (*request->staff_no && !scheduling_staff_no_valid (request->staff_no)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "staff_no",
                        "staff_no must be 1 to %d of A-Z a-z 0-9 _ -", SCHEDULING_STAFF_NO_MAX);
        return;
    }
    kefu_db_t *db = kefu_call_db (call);
    scheduling_staff_rows_t caller = {0};
    PGresult *result = NULL;
    Kefu__V1__Leave *items = NULL;
    Kefu__V1__Leave **pointers = NULL;
    int64_t party_id = 0;
    if (kefu_db_begin (db) != 0)
        goto failed;
    /*  Supervisors, managers and admins list anyone's; others what they are
     *  on or asked for. */
    if (!(kefu_call_roles (call) & LEAVE_READERS)) {
        int found = scheduling_caller_staff (call, false, &caller);
        if (found < 0)
            goto failed;
        if (found == 1)
            goto answered;
        party_id = caller.row.staff.id;
    }
    /*  One row more than asked tells whether there is a next page. */
    result = scheduling_store_leave_list (db, request->status, request->staff_no, party_id,
                                          request->after, (int)limit + 1);
    if (!result)
        goto failed;
    size_t count = (size_t)PQntuples (result);
    size_t shown = count > limit ? limit : count;
    items = calloc (shown + 1, sizeof *items);
    pointers = calloc (shown + 1, sizeof *pointers);
    if (!items || !pointers)
        goto failed;
    for (size_t i = 0; i < shown; i++) {
        scheduling_leave_read (result, (int)i, &items[i]);
        pointers[i] = &items[i];
    }
    if (kefu_audit_record (call, "leave.listed", "leave", NULL, (uint32_t)shown) != 0 ||
        kefu_db_commit (db) != 0)
        goto failed;
    Kefu__V1__LeaveList reply = KEFU__V1__LEAVE_LIST__INIT;
    reply.items = pointers;
    reply.n_items = shown;
    reply.next = count > limit ? items[shown - 1].id : 0;
    kefu_call_reply (call, &reply.base);
    goto answered;
failed:
    kefu_call_fail_db_rollback (call);
answered:
    free (items);
    free (pointers);
    PQclear (result);
    scheduling_staff_rows_release (&caller);
}
