/*  tickets_sla_handlers: SLA calendars, policies, and each ticket's SLA.
 *  See tickets_sla_handlers.h; the rules are in tickets_sla.c, the SQL in
 *  tickets_sla_store.c.
 */
#include "tickets_sla_handlers.h"
#include "tickets_sla.h"
#include "tickets_workflow.h"

#include "kefu_audit.h"
#include "kefu_idempotency.h"
#include "kefu_outbox.h"
#include "kefu_roles.h"
#include "kefu_text.h"
#include "kefu_time.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    NAME_MAX_CHARS = 100,
    DEPARTMENT_MAX_CHARS = 100,
    STAFF_ID_MAX_CHARS = 64,
    REASON_MAX_CHARS = 2000,
    LIST_DEFAULT = 50,
    LIST_MAX = 200,
    FIELD_MAX = 64,
    RESOURCE_MAX = 64,
    PERCENT_MAX = 99
};

/*  Who manages calendars and policies (the gateway checks it too). */
#define SLA_MANAGERS (KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER | KEFU_ROLE_ADMIN)

static bool
managers_only (kefu_call_t *call)
{
    if (kefu_call_roles (call) & SLA_MANAGERS)
        return true;
    kefu_call_fail (call, KEFU__V1__CODE__PERMISSION_DENIED, "role-not-allowed", NULL,
                    "SLA calendars and policies are managed by supervisors, managers and admins");
    return false;
}

static void
fail_db (kefu_call_t *call)
{
    kefu_db_rollback (kefu_call_db (call));
    kefu_call_fail_db (call);
}

/* --- validation of definitions ------------------------------------------------- */

static bool
calendar_valid (kefu_call_t *call, const Kefu__V1__SlaCalendar *calendar)
{
    if (!kefu_call_check_text (call, "name", calendar->name, KEFU_TEXT_LINE, NAME_MAX_CHARS, true)
        || !kefu_call_check_text (call, "time_zone", calendar->time_zone,
                                  KEFU_TEXT_LINE, KEFU_TZ_NAME_MAX, true))
        return false;
    for (size_t i = 0; i < calendar->n_dates && i < TICKETS_SLA_DATES_MAX; i++) {
        char field[FIELD_MAX];
        snprintf (field, sizeof field, "dates[%zu].name", i);
        if (!kefu_call_check_text (call, field, calendar->dates[i]->name,
                                   KEFU_TEXT_LINE, NAME_MAX_CHARS, false))
            return false;
    }
    char field[FIELD_MAX] = "";
    const char *problem = NULL;
    kefu_calendar_t *built = tickets_sla_calendar_build (calendar, field, sizeof field, &problem);
    if (!built) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", field, "%s %s", field, problem);
        return false;
    }
    kefu_calendar_destroy (&built);
    return true;
}

static bool
seconds_ok (kefu_call_t *call, const char *field, int64_t value)
{
    if (value >= 1 && value <= TICKETS_SLA_TARGET_MAX_S)
        return true;
    kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", field,
                    "%s must be from 1 to %d business seconds", field, TICKETS_SLA_TARGET_MAX_S);
    return false;
}

static bool
policy_valid (kefu_call_t *call, const Kefu__V1__SlaPolicy *policy)
{
    if (!kefu_call_check_text (call, "name", policy->name, KEFU_TEXT_LINE, NAME_MAX_CHARS, true))
        return false;
    if (!kefu_text_one_of (policy->kind, tickets_kinds)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "kind",
                        "kind must be one of: complaint, inquiry, work_order, suggestion");
        return false;
    }
    if (!kefu_text_one_of (policy->priority, tickets_priorities)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "priority",
                        "priority must be one of: low, normal, high, urgent");
        return false;
    }
    if (policy->calendar_id < 1) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "calendar_id",
                        "calendar_id must name a calendar");
        return false;
    }
    if (!seconds_ok (call, "first_response_s", policy->first_response_s)
        || !seconds_ok (call, "resolution_s", policy->resolution_s)
        || !seconds_ok (call, "escalation_interval_s", policy->escalation_interval_s))
        return false;
    if (policy->resolution_s < policy->first_response_s) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "resolution_s",
                        "resolution_s must not be shorter than first_response_s");
        return false;
    }
    if (policy->at_risk_percent > PERCENT_MAX) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "at_risk_percent",
                        "at_risk_percent must be from 1 to %d (0: the default, %d)", PERCENT_MAX,
                        TICKETS_SLA_AT_RISK_DEFAULT);
        return false;
    }
    if (policy->n_escalation < 1 || policy->n_escalation > TICKETS_SLA_LEVELS_MAX) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "escalation",
                        "escalation must list 1 to %d levels, lowest first", TICKETS_SLA_LEVELS_MAX);
        return false;
    }
    for (size_t i = 0; i < policy->n_escalation; i++) {
        const Kefu__V1__SlaEscalationLevel *level = policy->escalation[i];
        char field[FIELD_MAX];
        kefu_role_t role;
        snprintf (field, sizeof field, "escalation[%zu].role", i);
        if (*level->role && !kefu_role_from_name (level->role, strlen (level->role), &role)) {
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", field,
                            "%s must be a staff role (shift_lead, supervisor, manager, ...)", field);
            return false;
        }
        snprintf (field, sizeof field, "escalation[%zu].department", i);
        if (!kefu_call_check_text (call, field, level->department,
                                   KEFU_TEXT_LINE, DEPARTMENT_MAX_CHARS, false))
            return false;
        snprintf (field, sizeof field, "escalation[%zu].staff_id", i);
        if (!kefu_call_check_text (call, field, level->staff_id,
                                   KEFU_TEXT_LINE, STAFF_ID_MAX_CHARS, false))
            return false;
        if (!*level->role && !*level->department && !*level->staff_id) {
            snprintf (field, sizeof field, "escalation[%zu]", i);
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", field,
                            "%s must name a role, a department or a staff member to notify", field);
            return false;
        }
    }
    return true;
}

/* --- definitions, generically ---------------------------------------------------- */

/*  What differs between calendars and policies. */
typedef struct {
    tickets_sla_table_t table;
    const char *noun;               /* "calendar" */
    const char *event_prefix;       /* "sla.calendar" */
    const char *taken_slug;
    const char *taken_message;
} definition_kind_t;

static const definition_kind_t calendar_kind = {
    TICKETS_SLA_CALENDARS, "calendar", "sla.calendar", "name-taken", "a calendar with this name exists",
};
static const definition_kind_t policy_kind = {
    TICKETS_SLA_POLICIES, "policy", "sla.policy", "policy-exists",
    "a policy with this name, or for this kind and priority, exists",
};

static void
definition_resource (const definition_kind_t *kind, int64_t id, char *out, size_t size)
{
    snprintf (out, size, "sla/%s/%" PRId64, kind->noun, id);
}

/*  The request as it is stored: output-only fields cleared, defaults and
 *  level numbers filled in; its keys. The message is modified. */
static void
definition_normalize (const definition_kind_t *kind, ProtobufCMessage *message, tickets_sla_keys_t *keys)
{
    memset (keys, 0, sizeof *keys);
    if (kind->table == TICKETS_SLA_CALENDARS) {
        Kefu__V1__SlaCalendar *calendar = (Kefu__V1__SlaCalendar *) message;
        calendar->id = calendar->version = calendar->expected_version = 0;
        calendar->created_at = calendar->updated_at = "";
        keys->name = calendar->name;
        keys->time_zone = calendar->time_zone;
        return;
    }
    Kefu__V1__SlaPolicy *policy = (Kefu__V1__SlaPolicy *) message;
    policy->id = policy->version = policy->expected_version = 0;
    policy->created_at = policy->updated_at = "";
    if (!policy->at_risk_percent)
        policy->at_risk_percent = TICKETS_SLA_AT_RISK_DEFAULT;
    for (size_t i = 0; i < policy->n_escalation; i++)
        policy->escalation[i]->level = (uint32_t) (i + 1);
    keys->name = policy->name;
    keys->kind = policy->kind;
    keys->priority = policy->priority;
    keys->calendar_id = policy->calendar_id;
}

/*  A policy's calendar must exist: answered as the client's fault. Returns
 *  0 fine, 1 answered, -1 database failure. */
static int
policy_calendar_exists (kefu_call_t *call, const definition_kind_t *kind, const tickets_sla_keys_t *keys)
{
    if (kind->table != TICKETS_SLA_POLICIES)
        return 0;
    tickets_sla_definitions_t rows = { 0 };
    int found = tickets_sla_store_get (kefu_call_db (call), TICKETS_SLA_CALENDARS, keys->calendar_id, false, &rows);
    tickets_sla_definitions_release (&rows);
    if (found == 1) {
        kefu_db_rollback (kefu_call_db (call));
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "calendar_id",
                        "calendar %" PRId64 " does not exist", keys->calendar_id);
    }
    return found;
}

static bool
definition_request_valid (kefu_call_t *call, const definition_kind_t *kind, const ProtobufCMessage *message)
{
    return kind->table == TICKETS_SLA_CALENDARS ? calendar_valid (call, (const Kefu__V1__SlaCalendar *) message)
                                                : policy_valid (call, (const Kefu__V1__SlaPolicy *) message);
}

/*  Event "<prefix>.<what>" and audit record, about `row`. */
static int
definition_record (kefu_call_t *call, const definition_kind_t *kind, const char *what, const ProtobufCMessage *row,
                   int64_t id)
{
    char type[FIELD_MAX], resource[RESOURCE_MAX];
    snprintf (type, sizeof type, "%s.%s", kind->event_prefix, what);
    definition_resource (kind, id, resource, sizeof resource);
    if (kefu_outbox_append_message (kefu_call_db (call), type, resource, row) != 0
        || kefu_audit_record (call, type, resource, NULL, 0) != 0)
        return -1;
    return 0;
}

static int64_t
definition_id (const definition_kind_t *kind, const ProtobufCMessage *row)
{
    return kind->table == TICKETS_SLA_CALENDARS ? ((const Kefu__V1__SlaCalendar *) row)->id
                                                : ((const Kefu__V1__SlaPolicy *) row)->id;
}

static int64_t
definition_version (const definition_kind_t *kind, const ProtobufCMessage *row)
{
    return kind->table == TICKETS_SLA_CALENDARS ? ((const Kefu__V1__SlaCalendar *) row)->version
                                                : ((const Kefu__V1__SlaPolicy *) row)->version;
}

/*  Pack the normalized copy of the request. */
static uint8_t *
definition_pack (kefu_call_t *call, const definition_kind_t *kind, tickets_sla_keys_t *keys, size_t *size,
                 int64_t *expected_version, int64_t *id)
{
    const ProtobufCMessage *request = kefu_call_payload (call);
    /*  A shallow copy: normalizing only replaces top-level scalars and
     *  strings, and the level numbers of the chain (which are ours to set). */
    union {
        Kefu__V1__SlaCalendar calendar;
        Kefu__V1__SlaPolicy policy;
    } copy;
    if (kind->table == TICKETS_SLA_CALENDARS) {
        copy.calendar = *(const Kefu__V1__SlaCalendar *) request;
        *expected_version = copy.calendar.expected_version;
        *id = copy.calendar.id;
    } else {
        copy.policy = *(const Kefu__V1__SlaPolicy *) request;
        *expected_version = copy.policy.expected_version;
        *id = copy.policy.id;
    }
    ProtobufCMessage *message = (ProtobufCMessage *) &copy;
    definition_normalize (kind, message, keys);
    *size = protobuf_c_message_get_packed_size (message);
    uint8_t *packed = malloc (*size ? *size : 1);
    if (packed)
        protobuf_c_message_pack (message, packed);
    return packed;
}

/*  Answer a repeated create with what its key created first. */
static void
definition_replay (kefu_call_t *call, const definition_kind_t *kind, int64_t id)
{
    tickets_sla_definitions_t rows = { 0 };
    int found = tickets_sla_store_get (kefu_call_db (call), kind->table, id, false, &rows);
    if (found < 0)
        kefu_call_fail_db (call);
    else if (found == 1)
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                        "the SLA %s this Idempotency-Key created (%" PRId64 ") was deleted since", kind->noun, id);
    else
        kefu_call_reply (call, rows.items[0]);
    tickets_sla_definitions_release (&rows);
}

typedef enum { CREATE_ANSWERED, CREATE_AGAIN } create_step_t;

/*  One attempt at creating: claim the key (if any), insert, record,
 *  commit, answer. CREATE_AGAIN when the key's holder rolled back. */
static create_step_t
definition_create_once (kefu_call_t *call, const definition_kind_t *kind, const char *hash,
                        const tickets_sla_keys_t *keys, const uint8_t *packed, size_t size)
{
    kefu_db_t *db = kefu_call_db (call);
    const char *key = kefu_call_request (call)->idempotency_key;
    const char *actor = kefu_call_actor (call)->staff_id;
    tickets_sla_definitions_t rows = { 0 };
    if (kefu_db_begin (db) != 0)
        goto failed;
    if (*key) {
        bool claimed;
        char stored_hash[KEFU_IDEMPOTENCY_HASH_TEXT_SIZE];
        int64_t created_id;
        if (tickets_sla_store_idempotency_claim (db, actor, key, kind->noun, hash, &claimed, stored_hash,
                                                 sizeof stored_hash, &created_id)
            != 0)
            goto failed;
        if (!claimed) {
            kefu_db_rollback (db);
            if (!*stored_hash)
                return CREATE_AGAIN;
            if (strcmp (stored_hash, hash) != 0)
                kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "idempotency-key-reused", "Idempotency-Key",
                                "this Idempotency-Key was used with a different request");
            else
                definition_replay (call, kind, created_id);
            return CREATE_ANSWERED;
        }
    }
    int rc = policy_calendar_exists (call, kind, keys);
    if (rc == 1)
        return CREATE_ANSWERED;     /* the policy's calendar is missing */
    if (rc == 0)
        rc = tickets_sla_store_insert (db, kind->table, keys, packed, size, kefu_time_now_ms (), &rows);
    if (rc < 0)
        goto failed;
    if (rc == 1) {
        kefu_db_rollback (db);
        kefu_call_fail (call, KEFU__V1__CODE__CONFLICT, kind->taken_slug, "name", "%s", kind->taken_message);
        return CREATE_ANSWERED;
    }
    const ProtobufCMessage *row = rows.items[0];
    int64_t id = definition_id (kind, row);
    if ((*key && tickets_sla_store_idempotency_bind (db, actor, key, kind->noun, id) != 0)
        || definition_record (call, kind, "created", row, id) != 0 || kefu_db_commit (db) != 0)
        goto failed;
    kefu_call_reply (call, row);
    tickets_sla_definitions_release (&rows);
    return CREATE_ANSWERED;
failed:
    tickets_sla_definitions_release (&rows);
    fail_db (call);
    return CREATE_ANSWERED;
}

static void
definition_create (kefu_call_t *call, const definition_kind_t *kind)
{
    if (!managers_only (call) || !definition_request_valid (call, kind, kefu_call_payload (call))
        || !kefu_idempotency_key_check (call))
        return;
    char hash[KEFU_IDEMPOTENCY_HASH_TEXT_SIZE] = "";
    if (*kefu_call_request (call)->idempotency_key)
        kefu_idempotency_request_hash (call, hash);
    tickets_sla_keys_t keys;
    size_t size;
    int64_t ignored_version, ignored_id;
    uint8_t *packed = definition_pack (call, kind, &keys, &size, &ignored_version, &ignored_id);
    if (!packed) {
        kefu_call_fail (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "out of memory");
        return;
    }
    create_step_t step = CREATE_AGAIN;
    for (int attempt = 0; attempt < KEFU_IDEMPOTENCY_ATTEMPTS && step == CREATE_AGAIN; attempt++)
        step = definition_create_once (call, kind, hash, &keys, packed, size);
    if (step == CREATE_AGAIN)
        kefu_call_fail (call, KEFU__V1__CODE__CONFLICT, "idempotency-key-busy", "Idempotency-Key",
                        "another request with this Idempotency-Key is in progress; retry");
    free (packed);
}

static void
definition_get (kefu_call_t *call, const definition_kind_t *kind)
{
    const Kefu__V1__SlaRef *request = (const Kefu__V1__SlaRef *) kefu_call_payload (call);
    kefu_db_t *db = kefu_call_db (call);
    tickets_sla_definitions_t rows = { 0 };
    int found = tickets_sla_store_get (db, kind->table, request->id, false, &rows);
    if (found < 0) {
        kefu_call_fail_db (call);
        return;
    }
    if (found == 1)
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL, "SLA %s %" PRId64 " not found", kind->noun,
                        request->id);
    else
        kefu_call_reply (call, rows.items[0]);
    tickets_sla_definitions_release (&rows);
}

static void
definition_list (kefu_call_t *call, const definition_kind_t *kind)
{
    const Kefu__V1__ListSlaRequest *request = (const Kefu__V1__ListSlaRequest *) kefu_call_payload (call);
    uint32_t limit = request->limit ? request->limit : LIST_DEFAULT;
    if (limit > LIST_MAX || request->after < 0) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", limit > LIST_MAX ? "limit" : "after",
                        "limit must be from 1 to %d, after a cursor from a previous page", LIST_MAX);
        return;
    }
    tickets_sla_definitions_t rows = { 0 };
    /*  One row more than asked tells whether there is a next page. */
    if (tickets_sla_store_list (kefu_call_db (call), kind->table, request->after, limit + 1, &rows) != 0) {
        kefu_call_fail_db (call);
        return;
    }
    size_t shown = rows.count > limit ? limit : rows.count;
    int64_t next = rows.count > limit ? definition_id (kind, rows.items[shown - 1]) : 0;
    if (kind->table == TICKETS_SLA_CALENDARS) {
        Kefu__V1__ListSlaCalendarsReply reply = KEFU__V1__LIST_SLA_CALENDARS_REPLY__INIT;
        reply.n_items = shown;
        reply.items = (Kefu__V1__SlaCalendar **) rows.items;
        reply.next = next;
        kefu_call_reply (call, &reply.base);
    } else {
        Kefu__V1__ListSlaPoliciesReply reply = KEFU__V1__LIST_SLA_POLICIES_REPLY__INIT;
        reply.n_items = shown;
        reply.items = (Kefu__V1__SlaPolicy **) rows.items;
        reply.next = next;
        kefu_call_reply (call, &reply.base);
    }
    tickets_sla_definitions_release (&rows);
}

static void
definition_update (kefu_call_t *call, const definition_kind_t *kind)
{
    if (!managers_only (call) || !definition_request_valid (call, kind, kefu_call_payload (call)))
        return;
    tickets_sla_keys_t keys;
    size_t size;
    int64_t expected_version, id;
    uint8_t *packed = definition_pack (call, kind, &keys, &size, &expected_version, &id);
    if (!packed) {
        kefu_call_fail (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "out of memory");
        return;
    }
    kefu_db_t *db = kefu_call_db (call);
    tickets_sla_definitions_t current = { 0 }, updated = { 0 };
    int found = kefu_db_begin (db) == 0 ? tickets_sla_store_get (db, kind->table, id, true, &current) : -1;
    if (found == 1) {
        kefu_db_rollback (db);
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL, "SLA %s %" PRId64 " not found", kind->noun,
                        id);
        goto done;
    }
    if (found < 0)
        goto failed;
    int64_t version = definition_version (kind, current.items[0]);
    if (expected_version && expected_version != version) {
        kefu_db_rollback (db);
        kefu_call_fail (call, KEFU__V1__CODE__STALE_VERSION, "stale-version", "If-Match",
                        "the %s is at version %" PRId64 ", not %" PRId64, kind->noun, version, expected_version);
        goto done;
    }
    int rc = policy_calendar_exists (call, kind, &keys);
    if (rc == 1)
        goto done;
    if (rc < 0)
        goto failed;
    rc = tickets_sla_store_update (db, kind->table, id, &keys, packed, size, kefu_time_now_ms (), &updated);
    if (rc == 1) {
        kefu_db_rollback (db);
        kefu_call_fail (call, KEFU__V1__CODE__CONFLICT, kind->taken_slug, "name", "%s", kind->taken_message);
        goto done;
    }
    if (rc < 0 || definition_record (call, kind, "updated", updated.items[0], id) != 0 || kefu_db_commit (db) != 0)
        goto failed;
    kefu_call_reply (call, updated.items[0]);
    goto done;
failed:
    fail_db (call);
done:
    free (packed);
    tickets_sla_definitions_release (&current);
    tickets_sla_definitions_release (&updated);
}

static void
definition_delete (kefu_call_t *call, const definition_kind_t *kind)
{
    if (!managers_only (call))
        return;
    const Kefu__V1__SlaRef *request = (const Kefu__V1__SlaRef *) kefu_call_payload (call);
    kefu_db_t *db = kefu_call_db (call);
    tickets_sla_definitions_t current = { 0 };
    int found = kefu_db_begin (db) == 0 ? tickets_sla_store_get (db, kind->table, request->id, true, &current) : -1;
    if (found == 1) {
        kefu_db_rollback (db);
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL, "SLA %s %" PRId64 " not found", kind->noun,
                        request->id);
        tickets_sla_definitions_release (&current);
        return;
    }
    int rc = found == 0 ? tickets_sla_store_delete (db, kind->table, request->id) : -1;
    if (rc == 1) {
        kefu_db_rollback (db);
        kefu_call_fail (call, KEFU__V1__CODE__FAILED_PRECONDITION, "calendar-in-use", NULL,
                        "SLA %s %" PRId64 " is used by a policy; change or delete the policy first", kind->noun,
                        request->id);
    } else if (rc < 0 || definition_record (call, kind, "deleted", current.items[0], request->id) != 0
               || kefu_db_commit (db) != 0)
        fail_db (call);
    else
        kefu_call_reply (call, current.items[0]);
    tickets_sla_definitions_release (&current);
}

static void sla_calendars_create (kefu_call_t *call) { definition_create (call, &calendar_kind); }
static void sla_calendars_get (kefu_call_t *call) { definition_get (call, &calendar_kind); }
static void sla_calendars_list (kefu_call_t *call) { definition_list (call, &calendar_kind); }
static void sla_calendars_update (kefu_call_t *call) { definition_update (call, &calendar_kind); }
static void sla_calendars_delete (kefu_call_t *call) { definition_delete (call, &calendar_kind); }
static void sla_policies_create (kefu_call_t *call) { definition_create (call, &policy_kind); }
static void sla_policies_get (kefu_call_t *call) { definition_get (call, &policy_kind); }
static void sla_policies_list (kefu_call_t *call) { definition_list (call, &policy_kind); }
static void sla_policies_update (kefu_call_t *call) { definition_update (call, &policy_kind); }
static void sla_policies_delete (kefu_call_t *call) { definition_delete (call, &policy_kind); }

/* --- a ticket's SLA ------------------------------------------------------------------ */

/*  Begin and load ticket `id`'s SLA, answering when there is none.
 *  Returns 0 loaded (transaction open), 1 answered, -1 database failure. */
static int
ticket_sla_open (kefu_call_t *call, int64_t id, tickets_sla_state_t *state)
{
    kefu_db_t *db = kefu_call_db (call);
    memset (state, 0, sizeof *state);
    int found = kefu_db_begin (db) == 0 ? tickets_sla_state_load (db, id, state) : -1;
    if (found == 1) {
        kefu_db_rollback (db);
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "no-sla", NULL,
                        "ticket %" PRId64 " has no SLA (no such ticket, or no policy for its kind and priority)", id);
    }
    return found;
}

/*  Audit, commit and answer with the state. */
static void
ticket_sla_finish (kefu_call_t *call, tickets_sla_state_t *state, const char *action, const char *reason)
{
    kefu_db_t *db = kefu_call_db (call);
    char resource[RESOURCE_MAX];
    snprintf (resource, sizeof resource, "ticket/%" PRId64, state->row.ticket_id);
    if (kefu_audit_record (call, action, resource, reason, 1) != 0 || kefu_db_commit (db) != 0) {
        fail_db (call);
        return;
    }
    tickets_sla_view_t view;
    tickets_sla_view (state, &view);
    kefu_call_reply (call, &view.message.base);
}

static void
tickets_sla_get (kefu_call_t *call)
{
    const Kefu__V1__SlaRef *request = (const Kefu__V1__SlaRef *) kefu_call_payload (call);
    tickets_sla_state_t state;
    int rc = ticket_sla_open (call, request->id, &state);
    if (rc == 0)
        ticket_sla_finish (call, &state, "ticket.sla_viewed", NULL);
    else if (rc < 0)
        fail_db (call);
    tickets_sla_state_release (&state);
}

static void
tickets_sla_pause_method (kefu_call_t *call)
{
    const Kefu__V1__PauseTicketSlaRequest *request = (const Kefu__V1__PauseTicketSlaRequest *) kefu_call_payload (call);
    if (!kefu_call_check_text (call, "reason", request->reason,
                               KEFU_TEXT_MULTILINE, REASON_MAX_CHARS, true))
        return;
    tickets_sla_state_t state;
    int rc = ticket_sla_open (call, request->id, &state);
    if (rc == 0) {
        rc = tickets_sla_pause (kefu_call_db (call), &state, kefu_time_now_ms (), request->reason,
                                kefu_call_actor (call)->staff_id);
        if (rc == 0)
            ticket_sla_finish (call, &state, "ticket.sla_paused", request->reason);
        else if (rc > 0) {
            kefu_db_rollback (kefu_call_db (call));
            if (rc == 1)
                kefu_call_fail (call, KEFU__V1__CODE__CONFLICT, "sla-paused", NULL, "the SLA is paused already");
            else
                kefu_call_fail (call, KEFU__V1__CODE__FAILED_PRECONDITION, "sla-stopped", NULL,
                                "the ticket is resolved or closed: its SLA clocks have stopped");
        }
    }
    if (rc < 0)
        fail_db (call);
    tickets_sla_state_release (&state);
}

static void
tickets_sla_resume_method (kefu_call_t *call)
{
    const Kefu__V1__PauseTicketSlaRequest *request = (const Kefu__V1__PauseTicketSlaRequest *) kefu_call_payload (call);
    if (!kefu_call_check_text (call, "reason", request->reason,
                               KEFU_TEXT_MULTILINE, REASON_MAX_CHARS, false))
        return;
    tickets_sla_state_t state;
    int rc = ticket_sla_open (call, request->id, &state);
    if (rc == 0) {
        rc = tickets_sla_resume (kefu_call_db (call), &state, kefu_time_now_ms (), kefu_call_actor (call)->staff_id);
        if (rc == 0)
            ticket_sla_finish (call, &state, "ticket.sla_resumed", request->reason);
        else if (rc > 0) {
            kefu_db_rollback (kefu_call_db (call));
            kefu_call_fail (call, KEFU__V1__CODE__CONFLICT, "sla-not-paused", NULL, "the SLA is not paused");
        }
    }
    if (rc < 0)
        fail_db (call);
    tickets_sla_state_release (&state);
}

static void
tickets_escalate (kefu_call_t *call)
{
    const Kefu__V1__EscalateTicketRequest *request = (const Kefu__V1__EscalateTicketRequest *) kefu_call_payload (call);
    if (!kefu_call_check_text (call, "reason", request->reason,
                               KEFU_TEXT_MULTILINE, REASON_MAX_CHARS, true))
        return;
    if (request->level < 1 || request->level > TICKETS_SLA_LEVELS_MAX) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "level",
                        "level must be from 1 to %d", TICKETS_SLA_LEVELS_MAX);
        return;
    }
    kefu_db_t *db = kefu_call_db (call);
    tickets_sla_state_t state;
    int rc = ticket_sla_open (call, request->id, &state);
    if (rc != 0) {
        if (rc < 0)
            fail_db (call);
        tickets_sla_state_release (&state);
        return;
    }
    unsigned current = (unsigned) state.row.escalation_level;
    size_t levels = state.policy->n_escalation;
    if (request->level > levels) {
        kefu_db_rollback (db);
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "level",
                        "the ticket's escalation chain has %zu levels", levels);
    } else if (state.row.resolved_ms || state.row.closed_ms) {
        kefu_db_rollback (db);
        kefu_call_fail (call, KEFU__V1__CODE__FAILED_PRECONDITION, "sla-stopped", NULL,
                        "the ticket is resolved or closed: there is nothing to escalate");
    } else if (request->level <= current) {
        kefu_db_rollback (db);
        kefu_call_fail (call, KEFU__V1__CODE__CONFLICT, "already-escalated", "level",
                        "the ticket is at escalation level %u already", current);
    } else if (request->level > current + 1 && !request->emergency) {
        /*  TKT-7: reports go up level by level (请示报告逐级进行). */
        kefu_db_rollback (db);
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "level-skipped", "level",
                        "escalation goes one level at a time (next: %u); skipping needs \"emergency\": true",
                        current + 1);
    } else if (tickets_sla_escalate (db, &state, kefu_time_now_ms (), request->level, request->reason,
                                     request->emergency, kefu_call_actor (call)->staff_id)
               != 0)
        fail_db (call);
    else
        ticket_sla_finish (call, &state, "ticket.escalated", request->reason);
    tickets_sla_state_release (&state);
}

const kefu_method_t tickets_sla_methods[] = {
    { "sla.calendars.create", sla_calendars_create, &kefu__v1__sla_calendar__descriptor, true },
    { "sla.calendars.get", sla_calendars_get, &kefu__v1__sla_ref__descriptor, true },
    { "sla.calendars.list", sla_calendars_list, &kefu__v1__list_sla_request__descriptor, true },
    { "sla.calendars.update", sla_calendars_update, &kefu__v1__sla_calendar__descriptor, true },
    { "sla.calendars.delete", sla_calendars_delete, &kefu__v1__sla_ref__descriptor, true },
    { "sla.policies.create", sla_policies_create, &kefu__v1__sla_policy__descriptor, true },
    { "sla.policies.get", sla_policies_get, &kefu__v1__sla_ref__descriptor, true },
    { "sla.policies.list", sla_policies_list, &kefu__v1__list_sla_request__descriptor, true },
    { "sla.policies.update", sla_policies_update, &kefu__v1__sla_policy__descriptor, true },
    { "sla.policies.delete", sla_policies_delete, &kefu__v1__sla_ref__descriptor, true },
    { "tickets.sla.get", tickets_sla_get, &kefu__v1__sla_ref__descriptor, true },
    { "tickets.sla.pause", tickets_sla_pause_method, &kefu__v1__pause_ticket_sla_request__descriptor, true },
    { "tickets.sla.resume", tickets_sla_resume_method, &kefu__v1__pause_ticket_sla_request__descriptor, true },
    { "tickets.escalate", tickets_escalate, &kefu__v1__escalate_ticket_request__descriptor, true },
};

const size_t tickets_sla_method_count = sizeof tickets_sla_methods / sizeof tickets_sla_methods[0];
