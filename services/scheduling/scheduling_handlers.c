/*  scheduling_handlers: staff, sessions, shifts. See scheduling_handlers.h;
 *  the SQL is in scheduling_store.c, the password rule in
 *  scheduling_password.c, tokens in common/kefu_token.c.
 */
#include "scheduling_handlers.h"
#include "scheduling_attendance.h"
#include "scheduling_grades.h"
#include "scheduling_leave.h"
#include "scheduling_rosters.h"
#include "scheduling_staffing.h"
#include "scheduling_store.h"
#include "scheduling_swaps.h"
#include "scheduling_handover.h"
#include "scheduling_security_desk.h"

#include "kefu/v1/attendance.pb-c.h"
#include "kefu/v1/grades.pb-c.h"
#include "kefu/v1/rosters.pb-c.h"
#include "kefu/v1/staffing.pb-c.h"
#include "kefu/v1/swaps_handover.pb-c.h"

#include "kefu_audit.h"
#include "kefu_outbox.h"
#include "kefu_strbuf.h"
#include "kefu_text.h"
#include "kefu_time.h"
#include "kefu_tz.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  Field bounds, in characters. */
enum {
    STAFF_NO_MAX = SCHEDULING_STAFF_NO_MAX,
    PERSON_NAME_MAX = 100,
    DEPARTMENT_MAX = 100,
    SKILL_MAX = 50,
    SKILLS_MAX = 20,
    TERMINAL_MAX = 64,
    REASON_MAX = 2000,
    REQUEST_PATH_MAX = 512,
    RESOURCE_MAX = 96,
    DETAIL_MAX = 256,
    API_KEY_NAME_MAX = 64,
    LIST_DEFAULT = 50,
    LIST_MAX = 200,
    SESSION_ID_BYTES = 16,
    SESSION_ID_SIZE = 2 * SESSION_ID_BYTES + 1,
    /*  Revocations handed to a starting gateway in one answer (about 80
     *  bytes each); more live at once would mean a hundred thousand
     *  log-outs within one token lifetime. Past it the answer is an error,
     *  never a truncated list: the gateway then refuses to start. */
    REVOCATIONS_MAX = 100000,
    MS_PER_MINUTE = 60 * 1000,
    /*  A shift longer than a day is a typo. */
    SHIFT_MAX_MS = 24 * 60 * MS_PER_MINUTE,
};

static const char *const staff_grades[] = { "trainee", "junior", "intermediate", "senior", "reserve_supervisor",
                                            NULL };

bool
scheduling_shift_bound (kefu_roles_t roles, kefu_roles_t exempt)
{
    return (roles & (KEFU_ROLE_AGENT | KEFU_ROLE_SHIFT_LEAD)) && !(roles & exempt);
}

/* --- checks --------------------------------------------------------------- */

bool
scheduling_staff_no_valid (const char *text)
{
    return kefu_text_identifier_valid (text, strlen (text), STAFF_NO_MAX);
}

static bool
staff_no_ok (kefu_call_t *call, const char *staff_no)
{
    if (scheduling_staff_no_valid (staff_no))
        return true;
    kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "staff_no",
                    "staff_no must be 1 to %d of A-Z a-z 0-9 _ -", STAFF_NO_MAX);
    return false;
}

/*  A password field: present, bounded (hashing cost must not depend on the
 *  caller). */
static bool
password_present_ok (kefu_call_t *call, const char *field, const char *password)
{
    if (*password && strlen (password) <= SCHEDULING_PASSWORD_MAX)
        return true;
    kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", field,
                    "%s is required and has at most %d bytes", field, SCHEDULING_PASSWORD_MAX);
    return false;
}

static bool
password_strong_ok (kefu_call_t *call, const char *field, const char *password, const char *staff_no)
{
    const scheduling_state_t *state = kefu_call_state (call);
    const char *weakness = scheduling_password_weakness (password, staff_no, state->password_min_length);
    if (!weakness)
        return true;
    kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "weak-password", field, "%s %s", field, weakness);
    return false;
}

/*  Services re-check what the gateway checked: the staff directory is the
 *  admins' (SCH-1). */
static bool
admin_ok (kefu_call_t *call)
{
    if (kefu_call_roles (call) & KEFU_ROLE_ADMIN)
        return true;
    kefu_call_fail (call, KEFU__V1__CODE__PERMISSION_DENIED, "forbidden", NULL, "only an admin may do this");
    return false;
}

static void
staff_resource (int64_t id, char *out, size_t size)
{
    snprintf (out, size, "staff/%" PRId64, id);
}

/*  The actor of a login: the person named, at the terminal given. */
static Kefu__V1__Actor
login_actor (kefu_call_t *call, const char *staff_no, const char *terminal)
{
    const Kefu__V1__Actor *caller = kefu_call_actor (call);
    Kefu__V1__Actor actor = KEFU__V1__ACTOR__INIT;
    actor.staff_id = (char *) staff_no;
    actor.terminal = (char *) (*terminal ? terminal : (caller ? caller->terminal : ""));
    actor.session_id = "";
    return actor;
}

static void
fail_db (kefu_call_t *call)
{
    kefu_db_rollback (kefu_call_db (call));
    kefu_call_fail_db (call);
}

/*  Revoke one session or (session_id "") every session of staff_no, in the
 *  caller's transaction: the row a starting gateway loads, and the event
 *  running gateways apply. */
static int
revoke (kefu_call_t *call, const char *session_id, const char *staff_no, int64_t now_ms, int64_t expires_ms,
        const char *reason)
{
    kefu_db_t *db = kefu_call_db (call);
    Kefu__V1__SessionRevoked revoked = KEFU__V1__SESSION_REVOKED__INIT;
    revoked.session_id = (char *) session_id;
    revoked.staff_no = (char *) staff_no;
    revoked.revoked_at_ms = now_ms;
    revoked.expires_at_ms = expires_ms;
    revoked.reason = (char *) reason;
    char subject[RESOURCE_MAX];
    snprintf (subject, sizeof subject, "session/%s", *session_id ? session_id : staff_no);
    if (scheduling_store_revocation_insert (db, &revoked) != 0)
        return -1;
    return kefu_outbox_append_message (db, "session.revoked", subject, &revoked.base);
}

/*  Record an access alert (AUD-2, AUD-3) as an event of `type`. */
static int
alert (kefu_call_t *call, const char *type, const char *staff_no, const char *session_id, const char *terminal,
       const char *other_terminal, const char *detail)
{
    char now[KEFU_TIME_TEXT_SIZE], subject[RESOURCE_MAX];
    kefu_time_format_rfc3339 (kefu_time_now_ms (), now);
    snprintf (subject, sizeof subject, "staff_no/%s", staff_no);
    Kefu__V1__AccessAlert event = KEFU__V1__ACCESS_ALERT__INIT;
    event.staff_no = (char *) staff_no;
    event.session_id = (char *) session_id;
    event.terminal = (char *) terminal;
    event.other_terminal = (char *) other_terminal;
    event.detail = (char *) detail;
    event.time = now;
    return kefu_outbox_append_message (kefu_call_db (call), type, subject, &event.base);
}

/* --- staff.create ------------------------------------------------------- */

static bool
roles_ok (kefu_call_t *call, char *const *roles, size_t count, bool required)
{
    if (required && count == 0) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "roles", "roles must name at least one role");
        return false;
    }
    kefu_roles_t seen = 0;
    for (size_t i = 0; i < count; i++) {
        kefu_role_t role;
        if (!kefu_role_from_name (roles[i], strlen (roles[i]), &role)) {
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "roles",
                            "roles: use agent, shift_lead, supervisor, manager, archivist, auditor, admin, integration");
            return false;
        }
        if (seen & role) {
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "roles", "roles: %s appears twice",
                            roles[i]);
            return false;
        }
        seen |= role;
    }
    return true;
}

static bool
skills_ok (kefu_call_t *call, char *const *skills, size_t count)
{
    if (count > SKILLS_MAX) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "skills", "at most %d skills", SKILLS_MAX);
        return false;
    }
    for (size_t i = 0; i < count; i++)
        if (!kefu_call_check_text (call, "skills", skills[i], KEFU_TEXT_LINE, SKILL_MAX, true))
            return false;
        else if (strchr (skills[i], ',')) {
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "skills", "a skill has no comma");
            return false;
        }
    return true;
}

static bool
grade_ok (kefu_call_t *call, const char *grade)
{
    if (!*grade || kefu_text_one_of (grade, staff_grades))
        return true;
    kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "grade",
                    "grade must be one of: trainee, junior, intermediate, senior, reserve_supervisor");
    return false;
}

static void
staff_create (kefu_call_t *call)
{
    const Kefu__V1__CreateStaffRequest *request = (const Kefu__V1__CreateStaffRequest *) kefu_call_payload (call);
    if (!admin_ok (call) || !staff_no_ok (call, request->staff_no)
    ||  !kefu_call_check_text (call, "name", request->name, KEFU_TEXT_LINE, PERSON_NAME_MAX, true)
    ||  !roles_ok (call, request->roles, request->n_roles, true) || !grade_ok (call, request->grade)
    ||  !skills_ok (call, request->skills, request->n_skills)
    ||  !kefu_call_check_text (call, "department", request->department, KEFU_TEXT_LINE, DEPARTMENT_MAX, false)
    ||  !password_present_ok (call, "password", request->password)
    ||  !password_strong_ok (call, "password", request->password, request->staff_no))
        return;
    char hash[SCHEDULING_PASSWORD_HASH_SIZE];
    if (scheduling_password_hash (request->password, hash) != 0) {
        kefu_call_fail (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "out of memory");
        return;
    }
    kefu_db_t *db = kefu_call_db (call);
    scheduling_staff_rows_t rows = { 0 };
    if (kefu_db_begin (db) != 0)
        goto failed;
    /*  The person sets their own password at first login (SCH-2: credentials
     *  are personal). */
    int inserted = scheduling_store_staff_insert (db, request, hash, true, kefu_time_now_ms (), &rows);
    if (inserted < 0)
        goto failed;
    if (inserted == 1) {
        scheduling_staff_rows_release (&rows);
        kefu_db_rollback (db);
        kefu_call_fail (call, KEFU__V1__CODE__CONFLICT, "staff-exists", "staff_no", "staff number %s is taken",
                        request->staff_no);
        return;
    }
    char resource[RESOURCE_MAX];
    staff_resource (rows.row.staff.id, resource, sizeof resource);
    if (kefu_outbox_append_message (db, "staff.created", resource, &rows.row.staff.base) != 0
    ||  kefu_audit_record (call, "staff.created", resource, NULL, 1) != 0 || kefu_db_commit (db) != 0)
        goto failed;
    kefu_call_reply (call, &rows.row.staff.base);
    scheduling_staff_rows_release (&rows);
    return;
failed:
    scheduling_staff_rows_release (&rows);
    fail_db (call);
}

/* --- staff.get ---------------------------------------------------------- */

static void
staff_get (kefu_call_t *call)
{
    const Kefu__V1__StaffRef *request = (const Kefu__V1__StaffRef *) kefu_call_payload (call);
    kefu_db_t *db = kefu_call_db (call);
    scheduling_staff_rows_t rows = { 0 };
    char resource[RESOURCE_MAX];
    staff_resource (request->id, resource, sizeof resource);
    if (kefu_db_begin (db) != 0)
        goto failed;
    int found = scheduling_store_staff_by_id (db, request->id, false, &rows);
    if (found < 0)
        goto failed;
    if (found == 1) {
        scheduling_staff_rows_release (&rows);
        kefu_db_rollback (db);
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL, "staff %" PRId64 " not found", request->id);
        return;
    }
    if (kefu_audit_record (call, "staff.viewed", resource, NULL, 1) != 0 || kefu_db_commit (db) != 0)
        goto failed;
    kefu_call_reply (call, &rows.row.staff.base);
    scheduling_staff_rows_release (&rows);
    return;
failed:
    scheduling_staff_rows_release (&rows);
    fail_db (call);
}

/* --- changes to a person ------------------------------------------------- */

/*  Which people a change applies to. */
typedef enum {
    STAFF_CHANGE_NOT_DEPARTED, /* suspend, depart, update: anyone still here */
    STAFF_CHANGE_SUSPENDED     /* reinstate: only a suspended person */
} staff_change_t;

/*  Begin a transaction and lock person `id` into `current` for a change.
 *  Returns 0 with the transaction open and the row locked; 1 when the call
 *  has been answered (no such person, or one the change does not apply to;
 *  rolled back, `current` released); -1 on a database failure (the caller
 *  releases `current` and answers with fail_db). */
static int
staff_lock_for_change (kefu_call_t *call, kefu_db_t *db, int64_t id, staff_change_t change,
                       scheduling_staff_rows_t *current)
{
    if (kefu_db_begin (db) != 0)
        return -1;
    int found = scheduling_store_staff_by_id (db, id, true, current);
    if (found < 0)
        return -1;
    bool applies = found == 0
                && (change == STAFF_CHANGE_SUSPENDED ? strcmp (current->row.staff.status, "suspended") == 0
                                                     : strcmp (current->row.staff.status, "departed") != 0);
    if (applies)
        return 0;
    scheduling_staff_rows_release (current);
    kefu_db_rollback (db);
    if (found == 1)
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL, "staff %" PRId64 " not found", id);
    else if (change == STAFF_CHANGE_SUSPENDED)
        kefu_call_fail (call, KEFU__V1__CODE__FAILED_PRECONDITION, "not-suspended", NULL,
                        "only a suspended person can be reinstated");
    else
        kefu_call_fail (call, KEFU__V1__CODE__FAILED_PRECONDITION, "staff-departed", NULL,
                        "staff %" PRId64 " has departed", id);
    return 1;
}

/*  End every session and API key of person `id` and revoke every token of
 *  `staff_no` issued until `now_ms`, for as long as any can live; in the
 *  caller's transaction. `reason` names why (a status, "roles_changed"). */
static int
staff_revoke_access (kefu_call_t *call, int64_t id, const char *staff_no, const char *reason, int64_t now_ms)
{
    const scheduling_state_t *state = kefu_call_state (call);
    kefu_db_t *db = kefu_call_db (call);
    if (scheduling_store_sessions_end_all (db, id, reason, now_ms) != 0
    ||  scheduling_store_api_keys_revoke_staff (db, id, now_ms) != 0)
        return -1;
    return revoke (call, "", staff_no, now_ms, now_ms + state->session_ttl_ms, reason);
}

/*  Answer a change to a person: `updated` when `committed`, else a database
 *  failure (rolled back). Releases both rows either way. */
static void
staff_change_answer (kefu_call_t *call, bool committed, scheduling_staff_rows_t *current,
                     scheduling_staff_rows_t *updated)
{
    if (committed)
        kefu_call_reply (call, &updated->row.staff.base);
    scheduling_staff_rows_release (current);
    scheduling_staff_rows_release (updated);
    if (!committed)
        fail_db (call);
}

/* --- staff.suspend, staff.depart ------------------------------------------ */

/*  Move a person to `status` and revoke every session and API key at once
 *  (SCH-2: departed staff lose access at once). A departed person stays departed. */
static void
staff_set_status (kefu_call_t *call, const char *status, const char *event_type)
{
    const Kefu__V1__StaffRef *request = (const Kefu__V1__StaffRef *) kefu_call_payload (call);
    if (!admin_ok (call)
    ||  !kefu_call_check_text (call, "reason", request->reason, KEFU_TEXT_MULTILINE, REASON_MAX, false))
        return;
    kefu_db_t *db = kefu_call_db (call);
    scheduling_staff_rows_t current = { 0 }, updated = { 0 };
    char resource[RESOURCE_MAX];
    staff_resource (request->id, resource, sizeof resource);
    int locked = staff_lock_for_change (call, db, request->id, STAFF_CHANGE_NOT_DEPARTED, &current);
    if (locked > 0)
        return;
    /*  Read with the row locked: a log-in that held the lock first issued
     *  its token before this time, so the revocation covers it. */
    int64_t now_ms = kefu_time_now_ms ();
    bool committed = locked == 0
        && scheduling_store_staff_set_status (db, request->id, status, now_ms, &updated) == 0
        && staff_revoke_access (call, request->id, updated.row.staff.staff_no, status, now_ms) == 0
        && kefu_outbox_append_message (db, event_type, resource, &updated.row.staff.base) == 0
        && kefu_audit_record (call, event_type, resource, request->reason, 1) == 0 && kefu_db_commit (db) == 0;
    staff_change_answer (call, committed, &current, &updated);
}

static void
staff_suspend (kefu_call_t *call)
{
    staff_set_status (call, "suspended", "staff.suspended");
}

static void
staff_depart (kefu_call_t *call)
{
    staff_set_status (call, "departed", "staff.departed");
}

/* --- staff.update, staff.reinstate ---------------------------------------- */

/*  Change a person's details. A change of roles ends their sessions and
 *  API keys: tokens carry roles, and keys must stay within them. */
static void
staff_update (kefu_call_t *call)
{
    const Kefu__V1__UpdateStaffRequest *request = (const Kefu__V1__UpdateStaffRequest *) kefu_call_payload (call);
    if (!admin_ok (call) || !kefu_call_check_text (call, "name", request->name, KEFU_TEXT_LINE, PERSON_NAME_MAX, false)
    ||  !roles_ok (call, request->roles, request->n_roles, false) || !grade_ok (call, request->grade)
    ||  !skills_ok (call, request->skills, request->n_skills)
    ||  !kefu_call_check_text (call, "department", request->department, KEFU_TEXT_LINE, DEPARTMENT_MAX, false))
        return;
    kefu_db_t *db = kefu_call_db (call);
    scheduling_staff_rows_t current = { 0 }, updated = { 0 };
    char resource[RESOURCE_MAX];
    staff_resource (request->id, resource, sizeof resource);
    int locked = staff_lock_for_change (call, db, request->id, STAFF_CHANGE_NOT_DEPARTED, &current);
    if (locked > 0)
        return;
    /*  After the lock, as in staff_set_status. */
    int64_t now_ms = kefu_time_now_ms ();
    bool roles_changed = locked == 0 && request->n_roles > 0
                      && kefu_roles_parse (request->roles, request->n_roles)
                             != kefu_roles_parse (current.row.staff.roles, current.row.staff.n_roles);
    bool committed = locked == 0
        && scheduling_store_staff_update (db, request, now_ms, &updated) == 0
        && (!roles_changed
            || staff_revoke_access (call, request->id, updated.row.staff.staff_no, "roles_changed", now_ms) == 0)
        && kefu_outbox_append_message (db, "staff.updated", resource, &updated.row.staff.base) == 0
        && kefu_audit_record (call, "staff.updated", resource, roles_changed ? "roles changed" : NULL, 1) == 0
        && kefu_db_commit (db) == 0;
    staff_change_answer (call, committed, &current, &updated);
}

/*  A suspended person comes back (a departed one never does). */
static void
staff_reinstate (kefu_call_t *call)
{
    const Kefu__V1__StaffRef *request = (const Kefu__V1__StaffRef *) kefu_call_payload (call);
    if (!admin_ok (call)
    ||  !kefu_call_check_text (call, "reason", request->reason, KEFU_TEXT_MULTILINE, REASON_MAX, false))
        return;
    kefu_db_t *db = kefu_call_db (call);
    scheduling_staff_rows_t current = { 0 }, updated = { 0 };
    char resource[RESOURCE_MAX];
    staff_resource (request->id, resource, sizeof resource);
    int locked = staff_lock_for_change (call, db, request->id, STAFF_CHANGE_SUSPENDED, &current);
    if (locked > 0)
        return;
    bool committed = locked == 0
        && scheduling_store_staff_set_status (db, request->id, "active", kefu_time_now_ms (), &updated) == 0
        && kefu_outbox_append_message (db, "staff.reinstated", resource, &updated.row.staff.base) == 0
        && kefu_audit_record (call, "staff.reinstated", resource, request->reason, 1) == 0 && kefu_db_commit (db) == 0;
    staff_change_answer (call, committed, &current, &updated);
}

/* --- staff.reset_password ------------------------------------------------- */

static void
staff_reset_password (kefu_call_t *call)
{
    const Kefu__V1__ResetPasswordRequest *request = (const Kefu__V1__ResetPasswordRequest *) kefu_call_payload (call);
    if (!admin_ok (call) || !password_present_ok (call, "password", request->password))
        return;
    kefu_db_t *db = kefu_call_db (call);
    scheduling_staff_rows_t rows = { 0 };
    /*  The staff number is needed for the weak-password rule: read it
     *  first, hash outside the transaction, then write. */
    int found = scheduling_store_staff_by_id (db, request->id, false, &rows);
    if (found < 0)
        goto failed;
    if (found == 1) {
        scheduling_staff_rows_release (&rows);
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL, "staff %" PRId64 " not found", request->id);
        return;
    }
    if (!password_strong_ok (call, "password", request->password, rows.row.staff.staff_no)) {
        scheduling_staff_rows_release (&rows);
        return;
    }
    scheduling_staff_rows_release (&rows);
    char hash[SCHEDULING_PASSWORD_HASH_SIZE];
    if (scheduling_password_hash (request->password, hash) != 0) {
        kefu_call_fail (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "out of memory");
        return;
    }
    char resource[RESOURCE_MAX];
    staff_resource (request->id, resource, sizeof resource);
    /*  A reset also lifts a lockout: it is how an admin unlocks. */
    if (kefu_db_begin (db) != 0 || scheduling_store_staff_set_password (db, request->id, hash, true, kefu_time_now_ms ()) != 0
    ||  kefu_audit_record (call, "staff.password_reset", resource, NULL, 1) != 0
    ||  scheduling_store_staff_by_id (db, request->id, false, &rows) != 0 || kefu_db_commit (db) != 0)
        goto failed;
    kefu_call_reply (call, &rows.row.staff.base);
    scheduling_staff_rows_release (&rows);
    return;
failed:
    scheduling_staff_rows_release (&rows);
    fail_db (call);
}

/* --- checking a password (log-in and password change) --------------------- */

typedef enum {
    CHECK_OK,
    CHECK_ANSWERED      /* refused (audited) or failed: the call is answered */
} check_result_t;

/*  Write the audit record (and alert) of a refused credential check and
 *  answer with `code`/`type`/`message`. */
static void
refuse_audited (kefu_call_t *call, const Kefu__V1__Actor *actor, const char *action, const char *resource,
                const char *detail, Kefu__V1__Code code, const char *type, const char *message)
{
    kefu_db_t *db = kefu_call_db (call);
    if (kefu_db_begin (db) != 0 || kefu_audit_record_as (call, actor, action, resource, detail, 0) != 0
    ||  kefu_db_commit (db) != 0) {
        fail_db (call);
        return;
    }
    kefu_call_fail (call, code, type, NULL, "%s", message);
}

/*  Check staff_no's password for a log-in or a change: the person exists,
 *  is not locked, the password matches (a failure counts toward the
 *  lockout), and is active. On CHECK_OK `rows` holds the person (release
 *  it). */
static check_result_t
credentials_check (kefu_call_t *call, const Kefu__V1__Actor *actor, const char *staff_no, const char *password,
                   scheduling_staff_rows_t *rows)
{
    const scheduling_state_t *state = kefu_call_state (call);
    kefu_db_t *db = kefu_call_db (call);
    int64_t now_ms = kefu_time_now_ms ();
    int found = scheduling_store_staff_by_no (db, staff_no, false, rows);
    if (found < 0) {
        scheduling_staff_rows_release (rows);
        kefu_call_fail_db (call);
        return CHECK_ANSWERED;
    }
    char resource[RESOURCE_MAX];
    snprintf (resource, sizeof resource, "staff_no/%s", staff_no);
    if (found == 1) {
        scheduling_staff_rows_release (rows);
        /*  As long as a wrong password, so the answer time does not tell
         *  which staff numbers exist. */
        (void) scheduling_password_verify (state->dummy_hash, password);
        refuse_audited (call, actor, "session.login_failed", resource, "unknown staff number",
                        KEFU__V1__CODE__UNAUTHENTICATED, "invalid-credentials", "wrong staff number or password");
        return CHECK_ANSWERED;
    }
    int64_t id = rows->row.staff.id;
    staff_resource (id, resource, sizeof resource);
    if (rows->row.locked_until_ms > now_ms) {
        char until[KEFU_TIME_TEXT_SIZE], message[DETAIL_MAX];
        kefu_time_format_rfc3339 (rows->row.locked_until_ms, until);
        snprintf (message, sizeof message, "too many wrong passwords: the account is locked until %s", until);
        scheduling_staff_rows_release (rows);
        refuse_audited (call, actor, "session.login_refused_locked", resource, message,
                        KEFU__V1__CODE__PERMISSION_DENIED, "account-locked", message);
        return CHECK_ANSWERED;
    }
    /*  The slow part, with no transaction open. */
    if (!scheduling_password_verify (rows->row.password_hash, password)) {
        scheduling_staff_rows_release (rows);
        int failures = 0;
        int64_t locked_until_ms = 0;
        if (kefu_db_begin (db) != 0
        ||  scheduling_store_login_failed (db, id, state->login_max_failures, state->lockout_base_ms,
                                          state->lockout_max_ms, now_ms, &failures, &locked_until_ms) != 0
        ||  kefu_audit_record_as (call, actor, "session.login_failed", resource, "wrong password", 0) != 0
        ||  (locked_until_ms > now_ms && failures >= state->login_max_failures
             && kefu_audit_record_as (call, actor, "staff.locked_out", resource, "too many wrong passwords", 0) != 0)
        ||  kefu_db_commit (db) != 0) {
            fail_db (call);
            return CHECK_ANSWERED;
        }
        kefu_call_fail (call, KEFU__V1__CODE__UNAUTHENTICATED, "invalid-credentials", NULL,
                        "wrong staff number or password");
        return CHECK_ANSWERED;
    }
    if (strcmp (rows->row.staff.status, "active") != 0) {
        char message[DETAIL_MAX];
        snprintf (message, sizeof message, "the account is %s", rows->row.staff.status);
        scheduling_staff_rows_release (rows);
        refuse_audited (call, actor, "session.login_refused_inactive", resource, message,
                        KEFU__V1__CODE__PERMISSION_DENIED, "account-inactive", message);
        return CHECK_ANSWERED;
    }
    return CHECK_OK;
}

/* --- sessions.create ------------------------------------------------------ */

static void
session_new_id (char id[SESSION_ID_SIZE])
{
    unsigned char bytes[SESSION_ID_BYTES];
    randombytes_buf (bytes, sizeof bytes);
    sodium_bin2hex (id, SESSION_ID_SIZE, bytes, sizeof bytes);
}

/*  AUD-3: live sessions of this person from other terminals raise one
 *  alert per log-in (naming the first other terminal); by policy they are
 *  ended too. In the caller's transaction. */
static int
sessions_shared_check (kefu_call_t *call, const Kefu__V1__Actor *actor, int64_t staff_id, const char *staff_no,
                       const char *session_id, const char *terminal, int64_t now_ms)
{
    const scheduling_state_t *state = kefu_call_state (call);
    kefu_db_t *db = kefu_call_db (call);
    PGresult *others = scheduling_store_sessions_elsewhere (db, staff_id, terminal, now_ms);
    if (!others)
        return -1;
    int rc = 0;
    int count = PQntuples (others);
    if (count > 0) {
        char resource[RESOURCE_MAX], detail[DETAIL_MAX];
        snprintf (resource, sizeof resource, "staff_no/%s", staff_no);
        snprintf (detail, sizeof detail, "%d live session(s) on other terminals; %s", count,
                  state->end_older_session ? "ended" : "left live");
        const char *other_terminal = PQgetvalue (others, 0, 1);
        rc = alert (call, "audit.alert.shared_account", staff_no, session_id, terminal, other_terminal, detail);
        if (rc == 0)
            rc = kefu_audit_record_as (call, actor, "session.shared_account", resource, detail, 0);
    }
    for (int row = 0; rc == 0 && state->end_older_session && row < count; row++) {
        const char *other_session = PQgetvalue (others, row, 0);
        int64_t expires_ms = 0;
        char ended_staff_no[SCHEDULING_STAFF_NO_SIZE];
        int ended = scheduling_store_session_end (db, other_session, "shared_account", now_ms, &expires_ms,
                                                  ended_staff_no);
        rc = ended < 0 ? -1
             : ended == 0 ? revoke (call, other_session, staff_no, now_ms, expires_ms, "shared_account")
                          : 0;
    }
    PQclear (others);
    return rc;
}

static void
sessions_create (kefu_call_t *call)
{
    const Kefu__V1__CreateSessionRequest *request = (const Kefu__V1__CreateSessionRequest *) kefu_call_payload (call);
    if (!staff_no_ok (call, request->staff_no) || !password_present_ok (call, "password", request->password)
    ||  !kefu_call_check_text (call, "terminal", request->terminal, KEFU_TEXT_LINE, TERMINAL_MAX, true))
        return;
    const scheduling_state_t *state = kefu_call_state (call);
    kefu_db_t *db = kefu_call_db (call);
    Kefu__V1__Actor actor = login_actor (call, request->staff_no, request->terminal);
    scheduling_staff_rows_t rows = { 0 };
    if (credentials_check (call, &actor, request->staff_no, request->password, &rows) != CHECK_OK)
        return;
    int64_t now_ms = kefu_time_now_ms ();
    int64_t staff_id = rows.row.staff.id;
    char resource[RESOURCE_MAX];
    staff_resource (staff_id, resource, sizeof resource);
    if (rows.row.staff.must_change_password) {
        scheduling_staff_rows_release (&rows);
        refuse_audited (call, &actor, "session.login_refused_password_change", resource, "password change required",
                        KEFU__V1__CODE__PERMISSION_DENIED, "password-change-required",
                        "the password must be changed first: POST /v1/sessions/password");
        return;
    }
    kefu_roles_t roles = kefu_roles_parse (rows.row.staff.roles, rows.row.staff.n_roles);
    int64_t shift_from_ms = 0, shift_until_ms = 0;
    if (scheduling_shift_bound (roles, state->shift_exempt_roles)) {
        int on_shift = scheduling_store_shift_now (db, staff_id, now_ms, state->grace_before_ms,
                                                   state->grace_after_ms, &shift_from_ms, &shift_until_ms);
        if (on_shift < 0) {
            scheduling_staff_rows_release (&rows);
            kefu_call_fail_db (call);
            return;
        }
        if (on_shift == 1) {
            /*  AUD-2: refused, recorded and alerted together. */
            if (kefu_db_begin (db) != 0
            ||  kefu_audit_record_as (call, &actor, "session.login_refused_off_shift", resource, "no shift now", 0) != 0
            ||  alert (call, "audit.alert.off_shift", request->staff_no, "", request->terminal, "", "log-in outside the shift") != 0
            ||  kefu_db_commit (db) != 0) {
                scheduling_staff_rows_release (&rows);
                fail_db (call);
                return;
            }
            scheduling_staff_rows_release (&rows);
            kefu_call_fail (call, KEFU__V1__CODE__PERMISSION_DENIED, "off-shift", NULL,
                            "you are not on shift now (shift ± grace)");
            return;
        }
    }
    /*  Better limits than the stored hash's: rehash now, before the
     *  transaction, while the password is at hand. */
    char rehash[SCHEDULING_PASSWORD_HASH_SIZE] = "";
    if (scheduling_password_needs_rehash (rows.row.password_hash)
    &&  scheduling_password_hash (request->password, rehash) != 0)
        rehash[0] = '\0';

    char session_id[SESSION_ID_SIZE];
    session_new_id (session_id);
    int64_t expires_ms = now_ms + state->session_ttl_ms;
    if (shift_until_ms && shift_until_ms < expires_ms)
        expires_ms = shift_until_ms;
    actor.session_id = session_id;
    Kefu__V1__SessionClaims claims = KEFU__V1__SESSION_CLAIMS__INIT;
    claims.staff_id = staff_id;
    claims.staff_no = rows.row.staff.staff_no;
    claims.n_roles = rows.row.staff.n_roles;
    claims.roles = rows.row.staff.roles;
    claims.session_id = session_id;
    claims.terminal = request->terminal;
    claims.issued_at_ms = now_ms;
    claims.expires_at_ms = expires_ms;
    claims.shift_from_ms = shift_from_ms;
    claims.shift_until_ms = shift_until_ms;
    char *token = kefu_token_sign (state->signing_keys, &claims);
    if (!token) {
        scheduling_staff_rows_release (&rows);
        kefu_call_fail (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "the session token could not be signed");
        return;
    }
    /*  The person may have been suspended, departed or reset since the
     *  password was checked: look again with the row locked. A suspension
     *  waiting on this lock stamps its revocation after this token's
     *  issue time, so the token is covered by it. */
    scheduling_staff_rows_t locked = { 0 };
    if (kefu_db_begin (db) != 0 || scheduling_store_staff_by_id (db, staff_id, true, &locked) != 0) {
        scheduling_staff_rows_release (&locked);
        free (token);
        scheduling_staff_rows_release (&rows);
        fail_db (call);
        return;
    }
    bool unchanged = strcmp (locked.row.staff.status, "active") == 0 && !locked.row.staff.must_change_password
                  && strcmp (locked.row.password_hash, rows.row.password_hash) == 0;
    scheduling_staff_rows_release (&locked);
    if (!unchanged) {
        kefu_db_rollback (db);
        free (token);
        scheduling_staff_rows_release (&rows);
        kefu_call_fail (call, KEFU__V1__CODE__CONFLICT, "account-changed", NULL,
                        "the account changed during the log-in; try again");
        return;
    }
    if (scheduling_store_login_succeeded (db, staff_id) != 0
    ||  (*rehash && scheduling_store_staff_set_password (db, staff_id, rehash, false, now_ms) != 0)
    ||  sessions_shared_check (call, &actor, staff_id, request->staff_no, session_id, request->terminal, now_ms) != 0
    ||  scheduling_store_session_insert (db, session_id, staff_id, request->terminal, now_ms, expires_ms) != 0
    ||  kefu_audit_record_as (call, &actor, "session.login", resource, NULL, 0) != 0 || kefu_db_commit (db) != 0) {
        free (token);
        scheduling_staff_rows_release (&rows);
        fail_db (call);
        return;
    }
    char expires_at[KEFU_TIME_TEXT_SIZE];
    kefu_time_format_rfc3339 (expires_ms, expires_at);
    Kefu__V1__SessionCreated reply = KEFU__V1__SESSION_CREATED__INIT;
    reply.token = token;
    reply.expires_at = expires_at;
    reply.staff = &rows.row.staff;
    reply.session_id = session_id;
    kefu_call_reply (call, &reply.base);
    sodium_memzero (token, strlen (token));
    free (token);
    scheduling_staff_rows_release (&rows);
}

/* --- sessions.change_password --------------------------------------------- */

static void
sessions_change_password (kefu_call_t *call)
{
    const Kefu__V1__ChangePasswordRequest *request = (const Kefu__V1__ChangePasswordRequest *) kefu_call_payload (call);
    if (!staff_no_ok (call, request->staff_no) || !password_present_ok (call, "password", request->password)
    ||  !password_present_ok (call, "new_password", request->new_password)
    ||  !password_strong_ok (call, "new_password", request->new_password, request->staff_no))
        return;
    if (strcmp (request->password, request->new_password) == 0) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "weak-password", "new_password",
                        "new_password must differ from the current one");
        return;
    }
    Kefu__V1__Actor actor = login_actor (call, request->staff_no, "");
    scheduling_staff_rows_t rows = { 0 };
    if (credentials_check (call, &actor, request->staff_no, request->password, &rows) != CHECK_OK)
        return;
    int64_t staff_id = rows.row.staff.id;
    scheduling_staff_rows_release (&rows);
    char hash[SCHEDULING_PASSWORD_HASH_SIZE];
    if (scheduling_password_hash (request->new_password, hash) != 0) {
        kefu_call_fail (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "out of memory");
        return;
    }
    kefu_db_t *db = kefu_call_db (call);
    char resource[RESOURCE_MAX];
    staff_resource (staff_id, resource, sizeof resource);
    if (kefu_db_begin (db) != 0 || scheduling_store_staff_set_password (db, staff_id, hash, false, kefu_time_now_ms ()) != 0
    ||  kefu_audit_record_as (call, &actor, "staff.password_changed", resource, NULL, 0) != 0
    ||  scheduling_store_staff_by_id (db, staff_id, false, &rows) != 0 || kefu_db_commit (db) != 0) {
        scheduling_staff_rows_release (&rows);
        fail_db (call);
        return;
    }
    kefu_call_reply (call, &rows.row.staff.base);
    scheduling_staff_rows_release (&rows);
}

/* --- sessions.end --------------------------------------------------------- */

static void
sessions_end (kefu_call_t *call)
{
    const Kefu__V1__Actor *actor = kefu_call_actor (call);
    if (!*actor->session_id || strncmp (actor->session_id, "apikey:", strlen ("apikey:")) == 0) {
        kefu_call_fail (call, KEFU__V1__CODE__FAILED_PRECONDITION, "not-a-session", NULL,
                        "only a log-in session can be ended; API keys are revoked instead");
        return;
    }
    kefu_db_t *db = kefu_call_db (call);
    int64_t now_ms = kefu_time_now_ms (), expires_ms = 0;
    char staff_no[SCHEDULING_STAFF_NO_SIZE], resource[RESOURCE_MAX];
    snprintf (resource, sizeof resource, "session/%s", actor->session_id);
    if (kefu_db_begin (db) != 0)
        goto failed;
    int ended = scheduling_store_session_end (db, actor->session_id, "logout", now_ms, &expires_ms, staff_no);
    if (ended < 0)
        goto failed;
    if (ended == 1) {
        kefu_db_rollback (db);
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL, "this session has already ended");
        return;
    }
    if (revoke (call, actor->session_id, staff_no, now_ms, expires_ms, "logout") != 0
    ||  kefu_audit_record (call, "session.logout", resource, NULL, 0) != 0 || kefu_db_commit (db) != 0)
        goto failed;
    kefu_call_reply (call, NULL);
    return;
failed:
    fail_db (call);
}

/* --- sessions.revocations ------------------------------------------------- */

static void
sessions_revocations (kefu_call_t *call)
{
    PGresult *result = scheduling_store_revocations_live (kefu_call_db (call), kefu_time_now_ms (),
                                                          REVOCATIONS_MAX + 1);
    if (!result) {
        kefu_call_fail_db (call);
        return;
    }
    size_t count = (size_t) PQntuples (result);
    if (count > REVOCATIONS_MAX) {
        PQclear (result);
        kefu_call_fail (call, KEFU__V1__CODE__FAILED_PRECONDITION, "too-many-revocations", NULL,
                        "more than %d live revocations; lower KEFU_SESSION_TTL_MIN", REVOCATIONS_MAX);
        return;
    }
    Kefu__V1__SessionRevoked *items = calloc (count + 1, sizeof *items);
    Kefu__V1__SessionRevoked **pointers = calloc (count + 1, sizeof *pointers);
    if (!items || !pointers) {
        kefu_call_fail (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "out of memory");
    } else {
        for (size_t i = 0; i < count; i++) {
            kefu__v1__session_revoked__init (&items[i]);
            items[i].session_id = PQgetvalue (result, (int) i, 0);
            items[i].staff_no = PQgetvalue (result, (int) i, 1);
            items[i].revoked_at_ms = kefu_db_int64 (result, (int) i, 2);
            items[i].expires_at_ms = kefu_db_int64 (result, (int) i, 3);
            items[i].reason = PQgetvalue (result, (int) i, 4);
            pointers[i] = &items[i];
        }
        Kefu__V1__RevocationList reply = KEFU__V1__REVOCATION_LIST__INIT;
        reply.n_items = count;
        reply.items = pointers;
        kefu_call_reply (call, &reply.base);
    }
    free (items);
    free (pointers);
    PQclear (result);
}

/* --- shifts.create -------------------------------------------------------- */

static void
shifts_create (kefu_call_t *call)
{
    const Kefu__V1__CreateShiftRequest *request = (const Kefu__V1__CreateShiftRequest *) kefu_call_payload (call);
    int64_t starts_ms, ends_ms;
    if (!(kefu_call_roles (call) & (KEFU_ROLE_ADMIN | KEFU_ROLE_MANAGER | KEFU_ROLE_SUPERVISOR))) {
        kefu_call_fail (call, KEFU__V1__CODE__PERMISSION_DENIED, "forbidden", NULL,
                        "only a supervisor, manager or admin may plan shifts");
        return;
    }
    if (!staff_no_ok (call, request->staff_no))
        return;
    if (!kefu_time_parse_rfc3339 (request->starts_at, &starts_ms)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "starts_at",
                        "starts_at must be an RFC 3339 date-time, e.g. 2026-11-25T09:00:00Z");
        return;
    }
    if (!kefu_time_parse_rfc3339 (request->ends_at, &ends_ms)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "ends_at",
                        "ends_at must be an RFC 3339 date-time, e.g. 2026-11-25T17:00:00Z");
        return;
    }
    if (ends_ms <= starts_ms || ends_ms - starts_ms > SHIFT_MAX_MS) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "ends_at",
                        "ends_at must be after starts_at, at most 24 hours later");
        return;
    }
    if (!kefu_tz_name_valid (request->site_zone)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "site_zone",
                        "site_zone must be an IANA time zone such as Asia/Shanghai");
        return;
    }
    kefu_db_t *db = kefu_call_db (call);
    scheduling_staff_rows_t rows = { 0 };
    if (kefu_db_begin (db) != 0)
        goto failed;
    int found = scheduling_store_staff_by_no (db, request->staff_no, false, &rows);
    if (found < 0)
        goto failed;
    if (found == 1) {
        scheduling_staff_rows_release (&rows);
        kefu_db_rollback (db);
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "unknown-staff", "staff_no", "no staff number %s",
                        request->staff_no);
        return;
    }
    int64_t id;
    if (scheduling_store_shift_insert (db, rows.row.staff.id, starts_ms, ends_ms, request->site_zone, &id) != 0)
        goto failed;
    char starts_at[KEFU_TIME_TEXT_SIZE], ends_at[KEFU_TIME_TEXT_SIZE], resource[RESOURCE_MAX];
    kefu_time_format_rfc3339 (starts_ms, starts_at);
    kefu_time_format_rfc3339 (ends_ms, ends_at);
    snprintf (resource, sizeof resource, "shift/%" PRId64, id);
    Kefu__V1__Shift shift = KEFU__V1__SHIFT__INIT;
    shift.id = id;
    shift.staff_no = rows.row.staff.staff_no;
    shift.starts_at = starts_at;
    shift.ends_at = ends_at;
    shift.site_zone = request->site_zone;
    if (kefu_outbox_append_message (db, "shift.created", resource, &shift.base) != 0
    ||  kefu_audit_record (call, "shift.created", resource, NULL, 1) != 0 || kefu_db_commit (db) != 0)
        goto failed;
    kefu_call_reply (call, &shift.base);
    scheduling_staff_rows_release (&rows);
    return;
failed:
    scheduling_staff_rows_release (&rows);
    fail_db (call);
}

/* --- access.refuse ----------------------------------------------------- */

/*  The gateway refused a request (a role not admitted by the route, or an
 *  on-shift role outside its window: AUD-2) and cannot write: it asks here
 *  and answers its client with this method's answer, so no refusal goes
 *  unrecorded (if this service is down the client gets 503, and still
 *  nothing was allowed). */
static void
access_refuse (kefu_call_t *call)
{
    const Kefu__V1__AccessRefusal *request = (const Kefu__V1__AccessRefusal *) kefu_call_payload (call);
    static const char *const reasons[] = { "off-shift", "role", NULL };
    if (!kefu_call_check_text (call, "method", request->method, KEFU_TEXT_LINE, STAFF_NO_MAX, true)
    ||  !kefu_call_check_text (call, "path", request->path, KEFU_TEXT_LINE, REQUEST_PATH_MAX, true))
        return;
    if (!kefu_text_one_of (request->reason, reasons)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "reason",
                        "reason must be off-shift or role");
        return;
    }
    bool off_shift = strcmp (request->reason, "off-shift") == 0;
    const Kefu__V1__Actor *actor = kefu_call_actor (call);
    char detail[DETAIL_MAX + REQUEST_PATH_MAX];
    snprintf (detail, sizeof detail, "%s %s %s", request->method, request->path,
              off_shift ? "outside the shift" : "not allowed to the role");
    kefu_db_t *db = kefu_call_db (call);
    if (kefu_db_begin (db) != 0
    ||  kefu_audit_record (call, off_shift ? "access.refused_off_shift" : "access.refused_role", request->path,
                           detail, 0) != 0
    ||  (off_shift && alert (call, "audit.alert.off_shift", actor->staff_id, actor->session_id, actor->terminal, "",
                             detail) != 0)
    ||  kefu_db_commit (db) != 0) {
        fail_db (call);
        return;
    }
    if (off_shift)
        kefu_call_fail (call, KEFU__V1__CODE__PERMISSION_DENIED, "off-shift", NULL,
                        "you are not on shift now (shift ± grace)");
    else
        kefu_call_fail (call, KEFU__V1__CODE__PERMISSION_DENIED, "forbidden", NULL,
                        "your role may not use %s %s", request->method, request->path);
}

/* --- API keys ----------------------------------------------------------- */

static void
api_keys_create (kefu_call_t *call)
{
    const Kefu__V1__CreateApiKeyRequest *request = (const Kefu__V1__CreateApiKeyRequest *) kefu_call_payload (call);
    if (!admin_ok (call) || !kefu_call_check_text (call, "name", request->name, KEFU_TEXT_LINE, API_KEY_NAME_MAX, true)
    ||  !staff_no_ok (call, request->staff_no) || !roles_ok (call, request->roles, request->n_roles, true))
        return;
    kefu_db_t *db = kefu_call_db (call);
    scheduling_staff_rows_t owner = { 0 };
    scheduling_api_key_rows_t rows = { 0 };
    if (kefu_db_begin (db) != 0)
        goto failed;
    int found = scheduling_store_staff_by_no (db, request->staff_no, true, &owner);
    if (found < 0)
        goto failed;
    kefu_roles_t wanted = kefu_roles_parse (request->roles, request->n_roles);
    if (found == 1 || strcmp (owner.row.staff.status, "active") != 0
    ||  (wanted & ~kefu_roles_parse (owner.row.staff.roles, owner.row.staff.n_roles))) {
        bool missing = found == 1;
        scheduling_staff_rows_release (&owner);
        kefu_db_rollback (db);
        if (missing)
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "unknown-staff", "staff_no", "no staff number %s",
                            request->staff_no);
        else
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "roles",
                            "a key acts for an active person with some of that person's roles");
        return;
    }
    char id[KEFU_API_KEY_ID_SIZE], key[KEFU_API_KEY_SIZE], hash[KEFU_API_KEY_HASH_SIZE], resource[RESOURCE_MAX];
    kefu_token_api_key_new (id, key);
    kefu_token_api_key_hash (key, strlen (key), hash);
    snprintf (resource, sizeof resource, "api_key/%s", id);
    if (scheduling_store_api_key_insert (db, id, request->name, owner.row.staff.id, request->roles, request->n_roles,
                                         hash, kefu_call_actor (call)->staff_id, kefu_time_now_ms (), &rows) != 0
    ||  kefu_outbox_append_message (db, "apikey.created", resource, &rows.keys[0].base) != 0
    ||  kefu_audit_record (call, "api_key.created", resource, NULL, 1) != 0 || kefu_db_commit (db) != 0)
        goto failed;
    Kefu__V1__ApiKeyCreated reply = KEFU__V1__API_KEY_CREATED__INIT;
    reply.api_key = &rows.keys[0];
    reply.key = key;
    kefu_call_reply (call, &reply.base);
    sodium_memzero (key, sizeof key);
    scheduling_staff_rows_release (&owner);
    scheduling_api_key_rows_release (&rows);
    return;
failed:
    sodium_memzero (key, sizeof key);
    scheduling_staff_rows_release (&owner);
    scheduling_api_key_rows_release (&rows);
    fail_db (call);
}

static void
api_keys_list (kefu_call_t *call)
{
    const Kefu__V1__ListApiKeysRequest *request = (const Kefu__V1__ListApiKeysRequest *) kefu_call_payload (call);
    uint32_t limit = request->limit ? request->limit : LIST_DEFAULT;
    /*  The cursor is a key id, checked as text below: no number to check. */
    if (!admin_ok (call) || !kefu_call_check_page (call, limit, 0, LIST_MAX))
        return;
    if (!kefu_call_check_text (call, "after", request->after, KEFU_TEXT_LINE, API_KEY_NAME_MAX, false))
        return;
    kefu_db_t *db = kefu_call_db (call);
    scheduling_api_key_rows_t rows = { 0 };
    /*  One row more than asked tells whether there is a next page. */
    if (kefu_db_begin (db) != 0 || scheduling_store_api_keys_list (db, request->after, (int) limit + 1, &rows) != 0)
        goto failed;
    size_t shown = rows.count > limit ? limit : rows.count;
    if (kefu_audit_record (call, "api_key.listed", "api_keys", NULL, (uint32_t) shown) != 0 || kefu_db_commit (db) != 0)
        goto failed;
    Kefu__V1__ApiKeyList reply = KEFU__V1__API_KEY_LIST__INIT;
    reply.n_items = shown;
    reply.items = rows.key_pointers;
    reply.next = rows.count > limit ? rows.keys[shown - 1].id : "";
    kefu_call_reply (call, &reply.base);
    scheduling_api_key_rows_release (&rows);
    return;
failed:
    scheduling_api_key_rows_release (&rows);
    fail_db (call);
}

static void
api_keys_revoke (kefu_call_t *call)
{
    const Kefu__V1__ApiKeyRef *request = (const Kefu__V1__ApiKeyRef *) kefu_call_payload (call);
    if (!admin_ok (call) || !kefu_call_check_text (call, "id", request->id, KEFU_TEXT_LINE, API_KEY_NAME_MAX, true))
        return;
    const scheduling_state_t *state = kefu_call_state (call);
    kefu_db_t *db = kefu_call_db (call);
    scheduling_api_key_rows_t rows = { 0 };
    int64_t now_ms = kefu_time_now_ms ();
    char resource[RESOURCE_MAX], session[RESOURCE_MAX];
    snprintf (resource, sizeof resource, "api_key/%s", request->id);
    snprintf (session, sizeof session, "apikey:%s", request->id);
    if (kefu_db_begin (db) != 0)
        goto failed;
    int revoked = scheduling_store_api_key_revoke (db, request->id, now_ms, &rows);
    if (revoked < 0)
        goto failed;
    if (revoked == 1) {
        scheduling_api_key_rows_release (&rows);
        kefu_db_rollback (db);
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL, "no live API key %s", request->id);
        return;
    }
    /*  Gateways cache a resolved key briefly (far less than a session's
     *  life): the revocation outlives every cached copy. */
    if (revoke (call, session, rows.keys[0].staff_no, now_ms, now_ms + state->session_ttl_ms, "api_key_revoked") != 0
    ||  kefu_audit_record (call, "api_key.revoked", resource, NULL, 1) != 0 || kefu_db_commit (db) != 0)
        goto failed;
    kefu_call_reply (call, NULL);
    scheduling_api_key_rows_release (&rows);
    return;
failed:
    scheduling_api_key_rows_release (&rows);
    fail_db (call);
}

/*  The gateway asks who holds a key it has not seen (or no longer caches). */
static void
api_keys_resolve (kefu_call_t *call)
{
    const Kefu__V1__ResolveApiKeyRequest *request = (const Kefu__V1__ResolveApiKeyRequest *) kefu_call_payload (call);
    if (strlen (request->key_hash) != KEFU_API_KEY_HASH_SIZE - 1
    ||  strspn (request->key_hash, "0123456789abcdef") != KEFU_API_KEY_HASH_SIZE - 1) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "key_hash",
                        "key_hash must be 64 lower-case hex digits");
        return;
    }
    scheduling_api_key_rows_t rows = { 0 };
    int found = scheduling_store_api_key_resolve (kefu_call_db (call), request->key_hash, &rows);
    if (found < 0)
        kefu_call_fail_db (call);
    else if (found == 1)
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL, "no such API key");
    else
        kefu_call_reply (call, &rows.keys[0].base);
    scheduling_api_key_rows_release (&rows);
}

const kefu_method_t scheduling_methods[] = {
    { "staff.create", staff_create, &kefu__v1__create_staff_request__descriptor, true },
    { "staff.get", staff_get, &kefu__v1__staff_ref__descriptor, true },
    { "staff.suspend", staff_suspend, &kefu__v1__staff_ref__descriptor, true },
    { "staff.depart", staff_depart, &kefu__v1__staff_ref__descriptor, true },
    { "staff.update", staff_update, &kefu__v1__update_staff_request__descriptor, true },
    { "staff.reinstate", staff_reinstate, &kefu__v1__staff_ref__descriptor, true },
    { "staff.reset_password", staff_reset_password, &kefu__v1__reset_password_request__descriptor, true },
    { "sessions.create", sessions_create, &kefu__v1__create_session_request__descriptor, false },
    { "sessions.change_password", sessions_change_password, &kefu__v1__change_password_request__descriptor, false },
    { "sessions.end", sessions_end, &kefu__v1__end_session_request__descriptor, true },
    { "sessions.revocations", sessions_revocations, NULL, false },
    { "shifts.create", shifts_create, &kefu__v1__create_shift_request__descriptor, true },
    { "access.refuse", access_refuse, &kefu__v1__access_refusal__descriptor, true },
    /*  SCH-9, in scheduling_staffing.c. */
    { "staffing.erlang_c", scheduling_staffing_erlang_c, &kefu__v1__erlang_crequest__descriptor, true },
    { "staffing.plan", scheduling_staffing_plan, &kefu__v1__staffing_plan_request__descriptor, true },
    { "api_keys.create", api_keys_create, &kefu__v1__create_api_key_request__descriptor, true },
    { "api_keys.list", api_keys_list, &kefu__v1__list_api_keys_request__descriptor, true },
    { "api_keys.revoke", api_keys_revoke, &kefu__v1__api_key_ref__descriptor, true },
    { "api_keys.resolve", api_keys_resolve, &kefu__v1__resolve_api_key_request__descriptor, false },
    /*  SCH-3 rosters and SCH-8 on duty, in scheduling_rosters.c. */
    { "sites.create", scheduling_sites_create, &kefu__v1__site__descriptor, true },
    { "sites.list", scheduling_sites_list, &kefu__v1__list_sites_request__descriptor, true },
    { "sites.update", scheduling_sites_update, &kefu__v1__site__descriptor, true },
    { "sites.delete", scheduling_sites_delete, &kefu__v1__catalogue_ref__descriptor, true },
    { "shift_templates.create", scheduling_shift_templates_create, &kefu__v1__shift_template__descriptor, true },
    { "shift_templates.list", scheduling_shift_templates_list, &kefu__v1__list_shift_templates_request__descriptor,
      true },
    { "shift_templates.update", scheduling_shift_templates_update, &kefu__v1__shift_template__descriptor, true },
    { "shift_templates.delete", scheduling_shift_templates_delete, &kefu__v1__catalogue_ref__descriptor, true },
    { "rosters.create", scheduling_rosters_create, &kefu__v1__create_roster_request__descriptor, true },
    { "rosters.get", scheduling_rosters_get, &kefu__v1__roster_ref__descriptor, true },
    { "rosters.list", scheduling_rosters_list, &kefu__v1__list_rosters_request__descriptor, true },
    { "rosters.shifts", scheduling_rosters_shifts, &kefu__v1__list_roster_shifts_request__descriptor, true },
    { "rosters.assign", scheduling_rosters_assign, &kefu__v1__assign_roster_shift_request__descriptor, true },
    { "rosters.assign_bulk", scheduling_rosters_assign_bulk, &kefu__v1__assign_roster_shifts_request__descriptor,
      true },
    { "rosters.remove_shift", scheduling_rosters_remove_shift, &kefu__v1__remove_roster_shift_request__descriptor,
      true },
    { "rosters.set_coverage", scheduling_rosters_set_coverage, &kefu__v1__set_roster_coverage_request__descriptor,
      true },
    { "rosters.coverage", scheduling_rosters_coverage, &kefu__v1__roster_ref__descriptor, true },
    { "rosters.validate", scheduling_rosters_validate, &kefu__v1__roster_ref__descriptor, true },
    { "rosters.publish", scheduling_rosters_publish, &kefu__v1__roster_ref__descriptor, true },
    { "rosters.export_csv", scheduling_rosters_export_csv, &kefu__v1__roster_export_request__descriptor, true },
    { "rosters.export_ical", scheduling_rosters_export_ical, &kefu__v1__roster_export_request__descriptor, true },
    { "on_duty.at", scheduling_on_duty_at, &kefu__v1__on_duty_request__descriptor, true },

    /*  SCH-5 leave and SCH-6 attendance, in scheduling_leave.c and
     *  scheduling_attendance.c. */
    { "leave.request", scheduling_leave_request, &kefu__v1__create_leave_request__descriptor, true },
    { "leave.get", scheduling_leave_get, &kefu__v1__leave_ref__descriptor, true },
    { "leave.list", scheduling_leave_list, &kefu__v1__list_leave_request__descriptor, true },
    { "leave.approve", scheduling_leave_approve, &kefu__v1__leave_ref__descriptor, true },
    { "leave.refuse", scheduling_leave_refuse, &kefu__v1__leave_ref__descriptor, true },
    { "leave.cancel", scheduling_leave_cancel, &kefu__v1__leave_ref__descriptor, true },
    { "attendance.clock_in", scheduling_attendance_clock_in, &kefu__v1__attendance_action__descriptor, true },
    { "attendance.clock_out", scheduling_attendance_clock_out, &kefu__v1__attendance_action__descriptor, true },
    { "attendance.leave_post", scheduling_attendance_leave_post, &kefu__v1__attendance_action__descriptor, true },
    { "attendance.return_post", scheduling_attendance_return_post, &kefu__v1__attendance_action__descriptor, true },
    { "attendance.report", scheduling_attendance_report, &kefu__v1__attendance_report_request__descriptor, true },
    { "attendance.report_csv", scheduling_attendance_report_csv, &kefu__v1__attendance_report_request__descriptor,
      true },

    /*  SCH-4 swaps and SCH-7 handovers, in scheduling_swaps.c and
     *  scheduling_handover.c. */
    { "swaps.request", scheduling_swaps_request, &kefu__v1__request_swap_request__descriptor, true },
    { "swaps.get", scheduling_swaps_get, &kefu__v1__swap_ref__descriptor, true },
    { "swaps.list", scheduling_swaps_list, &kefu__v1__list_swaps_request__descriptor, true },
    { "swaps.accept", scheduling_swaps_accept, &kefu__v1__swap_ref__descriptor, true },
    { "swaps.decline", scheduling_swaps_decline, &kefu__v1__swap_ref__descriptor, true },
    { "swaps.approve", scheduling_swaps_approve, &kefu__v1__swap_ref__descriptor, true },
    { "swaps.refuse", scheduling_swaps_refuse, &kefu__v1__swap_ref__descriptor, true },
    { "swaps.cancel", scheduling_swaps_cancel, &kefu__v1__swap_ref__descriptor, true },
    { "handover_checklist.list", scheduling_handover_checklist_list,
      &kefu__v1__list_handover_checklist_request__descriptor, true },
    { "handover_checklist.put", scheduling_handover_checklist_put,
      &kefu__v1__put_handover_checklist_item_request__descriptor, true },
    { "handovers.write", scheduling_handover_write, &kefu__v1__write_handover_request__descriptor, true },
    { "handovers.get", scheduling_handover_get, &kefu__v1__handover_ref__descriptor, true },
    { "handovers.accept", scheduling_handover_accept, &kefu__v1__handover_ref__descriptor, true },
    { "handovers.refuse", scheduling_handover_refuse, &kefu__v1__handover_ref__descriptor, true },
    { "handovers.countersign", scheduling_handover_countersign,
      &kefu__v1__countersign_handovers_request__descriptor, true },
    { "security_desk.record", scheduling_security_desk_record,
      &kefu__v1__record_security_desk_handover_request__descriptor, true },
    { "security_desk.get", scheduling_security_desk_get, &kefu__v1__security_desk_handover_ref__descriptor, true },

    /*  SCH-10 grades, in scheduling_grades.c. */
    { "grades.record_evaluation", scheduling_grades_record_evaluation, &kefu__v1__record_evaluation_request__descriptor,
      true },
    { "grades.amend_evaluation", scheduling_grades_amend_evaluation, &kefu__v1__amend_evaluation_request__descriptor,
      true },
    { "grades.award_title", scheduling_grades_award_title, &kefu__v1__award_title_request__descriptor, true },
    { "grades.history", scheduling_grades_history, &kefu__v1__evaluation_history_request__descriptor, true },
    { "grades.eligibility", scheduling_grades_eligibility, &kefu__v1__eligibility_request__descriptor, true },
    { "grades.propose_change", scheduling_grades_propose_change, &kefu__v1__propose_grade_change_request__descriptor,
      true },
    { "grades.approve_change", scheduling_grades_approve_change, &kefu__v1__grade_change_decision__descriptor, true },
    { "grades.refuse_change", scheduling_grades_refuse_change, &kefu__v1__grade_change_decision__descriptor, true },
    { "grades.get_change", scheduling_grades_get_change, &kefu__v1__grade_change_decision__descriptor, true },
};

const size_t scheduling_method_count = sizeof scheduling_methods / sizeof scheduling_methods[0];
