/*  tickets_departments: departments and the routing rules that send work
 *  orders to them by category (TKT-6, 工单派发).
 *
 *  Managed by supervisors, managers and administrators; read by everyone
 *  who handles tickets, and by auditors. Each change is versioned (ETag /
 *  If-Match), writes its event (department.* / routing.rule.*) and its
 *  audit record in the same transaction. A department still named by a
 *  rule or a ticket cannot be deleted (deactivate it instead): the
 *  database refuses and the caller gets a conflict.
 */
#include "tickets_parts.h"
#include "tickets_apply.h"

#include "kefu_outbox.h"
#include "kefu_time.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define MANAGERS (KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER | KEFU_ROLE_ADMIN)
#define READERS                                                                                     \
    (MANAGERS | KEFU_ROLE_AGENT | KEFU_ROLE_SHIFT_LEAD | KEFU_ROLE_AUDITOR | KEFU_ROLE_INTEGRATION)

/*  What differs between departments and routing rules. */
typedef struct {
    const char *noun;           /* "department": the subject "department/<id>", messages */
    const char *event_prefix;   /* "department." */
    int (*get) (kefu_db_t *db, int64_t id, bool for_update, tickets_rows_t *rows);
    int (*remove) (kefu_db_t *db, int64_t id, tickets_rows_t *rows);
} managed_t;

static const managed_t department_kind = {
    "department", "department.", tickets_store_department_get, tickets_store_department_delete
};
static const managed_t rule_kind = {
    "routing_rule", "routing.rule.", tickets_store_rule_get, tickets_store_rule_delete
};

/*  Its event and audit record, commit, and answer with the row. */
static void
managed_finish (kefu_call_t *call, const managed_t *kind, const char *change, ProtobufCMessage *row, int64_t id)
{
    char resource[TICKETS_RESOURCE_MAX], type[TICKETS_RESOURCE_MAX];
    tickets_resource (kind->noun, id, resource, sizeof resource);
    snprintf (type, sizeof type, "%s%s", kind->event_prefix, change);
    const char *actor = kefu_call_request (call)->actor->staff_id;
    int appended;
    if (kind == &department_kind) {
        Kefu__V1__DepartmentChanged event = KEFU__V1__DEPARTMENT_CHANGED__INIT;
        event.department = (Kefu__V1__Department *) row;
        event.actor_staff_id = (char *) actor;
        appended = kefu_outbox_append_message (kefu_call_db (call), type, resource, &event.base);
    } else {
        Kefu__V1__RoutingRuleChanged event = KEFU__V1__ROUTING_RULE_CHANGED__INIT;
        event.rule = (Kefu__V1__RoutingRule *) row;
        event.actor_staff_id = (char *) actor;
        appended = kefu_outbox_append_message (kefu_call_db (call), type, resource, &event.base);
    }
    if (appended != 0) {
        tickets_apply_fail_db (call);
        return;
    }
    tickets_apply_finish (call, type, resource, NULL, row);
}

/*  Begin, lock row `id` and check `expected_version` (0 = any). False when
 *  answered (404, 412, database). */
static bool
managed_lock (kefu_call_t *call, const managed_t *kind, int64_t id, int64_t expected_version, tickets_rows_t *rows)
{
    kefu_db_t *db = kefu_call_db (call);
    memset (rows, 0, sizeof *rows);
    if (kefu_db_begin (db) != 0) {
        tickets_apply_fail_db (call);
        return false;
    }
    int found = kind->get (db, id, true, rows);
    if (found < 0) {
        tickets_rows_release (rows);
        tickets_apply_fail_db (call);
        return false;
    }
    int64_t version = found == 0 ? (kind == &department_kind ? TICKETS_ROW (rows, Kefu__V1__Department, 0)->version
                                                             : TICKETS_ROW (rows, Kefu__V1__RoutingRule, 0)->version)
                                 : 0;
    if (found == 1)
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL, "%s %" PRId64 " not found", kind->noun, id);
    else if (expected_version && expected_version != version)
        kefu_call_fail (call, KEFU__V1__CODE__STALE_VERSION, "stale-version", "If-Match",
                        "%s %" PRId64 " is at version %" PRId64 ", not %" PRId64, kind->noun, id, version,
                        expected_version);
    else
        return true;
    kefu_db_rollback (db);
    tickets_rows_release (rows);
    return false;
}

static void
managed_get (kefu_call_t *call, const managed_t *kind, int64_t id)
{
    if (!tickets_roles_ok (call, READERS))
        return;
    kefu_db_t *db = kefu_call_db (call);
    tickets_rows_t rows = { 0 };
    if (kefu_db_begin (db) != 0) {
        tickets_apply_fail_db (call);
        return;
    }
    int found = kind->get (db, id, false, &rows);
    if (found != 0) {
        tickets_rows_release (&rows);
        if (found < 0) {
            tickets_apply_fail_db (call);
            return;
        }
        kefu_db_rollback (db);
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL, "%s %" PRId64 " not found", kind->noun, id);
        return;
    }
    if (kefu_db_commit (db) != 0)
        tickets_apply_fail_db (call);
    else
        kefu_call_reply (call, rows.message_pointers[0]);
    tickets_rows_release (&rows);
}

static void
managed_delete (kefu_call_t *call, const managed_t *kind, int64_t id, int64_t expected_version)
{
    if (!tickets_roles_ok (call, MANAGERS))
        return;
    tickets_rows_t current, removed = { 0 };
    if (!managed_lock (call, kind, id, expected_version, &current))
        return;
    if (kind->remove (kefu_call_db (call), id, &removed) != 0) {
        tickets_rows_release (&current);
        tickets_rows_release (&removed);
        tickets_apply_fail_db (call);
        return;
    }
    managed_finish (call, kind, "deleted", removed.message_pointers[0], id);
    tickets_rows_release (&current);
    tickets_rows_release (&removed);
}

/*  A page of either: `list` fills rows; the reply borrows them. */
static bool
managed_page (kefu_call_t *call, const Kefu__V1__ListPageRequest *request,
              int (*list) (kefu_db_t *, int64_t, uint32_t, tickets_rows_t *), tickets_rows_t *rows, size_t *shown,
              uint32_t *limit)
{
    if (!tickets_roles_ok (call, READERS) || !tickets_page_ok (call, request->limit, request->after, limit))
        return false;
    kefu_db_t *db = kefu_call_db (call);
    if (kefu_db_begin (db) != 0 || list (db, request->after, *limit + 1, rows) != 0 || kefu_db_commit (db) != 0) {
        tickets_rows_release (rows);
        tickets_apply_fail_db (call);
        return false;
    }
    *shown = rows->count > *limit ? *limit : rows->count;
    return true;
}

/*  Inside the transaction: claim the call's Idempotency-Key. Returns true
 *  to go on and create (*replayed false), true with the call answered by
 *  the row the key created (*replayed true), or false when answered
 *  otherwise; in both answered cases the transaction is over. */
static bool
managed_key (kefu_call_t *call, const managed_t *kind, bool *replayed)
{
    int64_t replay_id;
    *replayed = false;
    switch (tickets_apply_key_claim (call, &replay_id)) {
        case TICKETS_KEY_PROCEED:
            return true;
        case TICKETS_KEY_ANSWERED:
            kefu_db_rollback (kefu_call_db (call));
            return false;
        case TICKETS_KEY_REPLAY:
            break;
    }
    *replayed = true;
    tickets_rows_t rows = { 0 };
    kefu_db_t *db = kefu_call_db (call);
    /*  Gone since (deleted): the creation cannot be replayed as it was. */
    int found = kind->get (db, replay_id, false, &rows);
    char resource[TICKETS_RESOURCE_MAX], action[TICKETS_RESOURCE_MAX];
    tickets_resource (kind->noun, replay_id, resource, sizeof resource);
    snprintf (action, sizeof action, "%screate_replayed", kind->event_prefix);
    if (found < 0)
        tickets_apply_fail_db (call);
    else if (found == 1) {
        kefu_db_rollback (db);
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                        "the %s this Idempotency-Key created (%" PRId64 ") was deleted since", kind->noun, replay_id);
    } else
        tickets_apply_finish (call, action, resource, NULL, rows.message_pointers[0]);
    tickets_rows_release (&rows);
    return true;
}

/* --- departments ------------------------------------------------------------ */

static bool
department_name_ok (kefu_call_t *call, const char *name)
{
    return kefu_call_check_text (call, "name", name, KEFU_TEXT_LINE, TICKETS_DEPARTMENT_MAX, true);
}

void
departments_create (kefu_call_t *call)
{
    const Kefu__V1__DepartmentRequest *request = (const Kefu__V1__DepartmentRequest *) kefu_call_payload (call);
    if (!tickets_roles_ok (call, MANAGERS) || !department_name_ok (call, request->name))
        return;
    kefu_db_t *db = kefu_call_db (call);
    tickets_rows_t rows = { 0 };
    bool replayed;
    if (kefu_db_begin (db) != 0) {
        tickets_apply_fail_db (call);
        return;
    }
    if (!managed_key (call, &department_kind, &replayed) || replayed)
        return;
    int created = tickets_store_department_create (db, request->name, kefu_time_now_ms (), &rows);
    if (created == 0 && tickets_apply_key_bind (call, TICKETS_ROW (&rows, Kefu__V1__Department, 0)->id) != 0)
        created = -1;
    if (created < 0) {
        tickets_rows_release (&rows);
        tickets_apply_fail_db (call);
        return;
    }
    if (created == 1) {
        tickets_rows_release (&rows);
        kefu_db_rollback (db);
        kefu_call_fail (call, KEFU__V1__CODE__CONFLICT, "name-taken", "name", "there is a department named %s already",
                        request->name);
        return;
    }
    managed_finish (call, &department_kind, "created", rows.message_pointers[0],
                    TICKETS_ROW (&rows, Kefu__V1__Department, 0)->id);
    tickets_rows_release (&rows);
}

void
departments_get (kefu_call_t *call)
{
    const Kefu__V1__DepartmentRequest *request = (const Kefu__V1__DepartmentRequest *) kefu_call_payload (call);
    managed_get (call, &department_kind, request->id);
}

void
departments_update (kefu_call_t *call)
{
    const Kefu__V1__DepartmentRequest *request = (const Kefu__V1__DepartmentRequest *) kefu_call_payload (call);
    if (!tickets_roles_ok (call, MANAGERS) || !department_name_ok (call, request->name))
        return;
    tickets_rows_t current, updated = { 0 };
    if (!managed_lock (call, &department_kind, request->id, request->expected_version, &current))
        return;
    if (tickets_store_department_update (kefu_call_db (call), request->id, request->name, request->active,
                                         kefu_time_now_ms (), &updated) != 0) {
        tickets_rows_release (&current);
        tickets_rows_release (&updated);
        tickets_apply_fail_db (call);
        return;
    }
    managed_finish (call, &department_kind, "updated", updated.message_pointers[0], request->id);
    tickets_rows_release (&current);
    tickets_rows_release (&updated);
}

void
departments_delete (kefu_call_t *call)
{
    const Kefu__V1__DepartmentRequest *request = (const Kefu__V1__DepartmentRequest *) kefu_call_payload (call);
    managed_delete (call, &department_kind, request->id, request->expected_version);
}

void
departments_list (kefu_call_t *call)
{
    const Kefu__V1__ListPageRequest *request = (const Kefu__V1__ListPageRequest *) kefu_call_payload (call);
    tickets_rows_t rows = { 0 };
    size_t shown;
    uint32_t limit;
    if (!managed_page (call, request, tickets_store_departments, &rows, &shown, &limit))
        return;
    Kefu__V1__Departments reply = KEFU__V1__DEPARTMENTS__INIT;
    reply.n_items = shown;
    reply.items = (Kefu__V1__Department **) rows.message_pointers;
    reply.next = rows.count > limit ? TICKETS_ROW (&rows, Kefu__V1__Department, shown - 1)->id : 0;
    kefu_call_reply (call, &reply.base);
    tickets_rows_release (&rows);
}

/* --- routing rules ---------------------------------------------------------- */

/*  The rule's fields, and its department exists (an inactive one may be
 *  named: its work orders stay undispatched until it is active again). */
static bool
rule_request_ok (kefu_call_t *call, const Kefu__V1__RoutingRuleRequest *request)
{
    if (!tickets_roles_ok (call, MANAGERS)
    ||  !kefu_call_check_text (call, "category", request->category, KEFU_TEXT_LINE, TICKETS_CATEGORY_MAX, true))
        return false;
    if (request->department_id <= 0) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "department_id",
                        "department_id must be a department's id");
        return false;
    }
    return true;
}

/*  Inside the transaction: 1 the department exists; 0 answered; -1 db. */
static int
rule_department_exists (kefu_call_t *call, int64_t department_id)
{
    tickets_rows_t rows = { 0 };
    int found = tickets_store_department_get (kefu_call_db (call), department_id, false, &rows);
    tickets_rows_release (&rows);
    if (found == 1)
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "unknown-department", "department_id",
                        "there is no department %" PRId64, department_id);
    return found < 0 ? -1 : found == 0;
}

void
routing_rules_create (kefu_call_t *call)
{
    const Kefu__V1__RoutingRuleRequest *request = (const Kefu__V1__RoutingRuleRequest *) kefu_call_payload (call);
    if (!rule_request_ok (call, request))
        return;
    kefu_db_t *db = kefu_call_db (call);
    tickets_rows_t rows = { 0 };
    bool replayed;
    if (kefu_db_begin (db) != 0) {
        tickets_apply_fail_db (call);
        return;
    }
    if (!managed_key (call, &rule_kind, &replayed) || replayed)
        return;
    int exists = rule_department_exists (call, request->department_id);
    int created = exists == 1 ? tickets_store_rule_create (db, request->category, request->department_id,
                                                           kefu_time_now_ms (), &rows)
                              : 0;
    if (created == 0 && exists == 1
    &&  tickets_apply_key_bind (call, TICKETS_ROW (&rows, Kefu__V1__RoutingRule, 0)->id) != 0)
        created = -1;
    if (exists < 0 || created < 0) {
        tickets_rows_release (&rows);
        tickets_apply_fail_db (call);
        return;
    }
    if (exists == 0 || created == 1) {
        tickets_rows_release (&rows);
        kefu_db_rollback (db);
        if (created == 1)
            kefu_call_fail (call, KEFU__V1__CODE__CONFLICT, "category-routed", "category",
                            "category %s has a routing rule already; change that one", request->category);
        return;
    }
    managed_finish (call, &rule_kind, "created", rows.message_pointers[0], TICKETS_ROW (&rows, Kefu__V1__RoutingRule, 0)->id);
    tickets_rows_release (&rows);
}

void
routing_rules_get (kefu_call_t *call)
{
    const Kefu__V1__RoutingRuleRequest *request = (const Kefu__V1__RoutingRuleRequest *) kefu_call_payload (call);
    managed_get (call, &rule_kind, request->id);
}

void
routing_rules_update (kefu_call_t *call)
{
    const Kefu__V1__RoutingRuleRequest *request = (const Kefu__V1__RoutingRuleRequest *) kefu_call_payload (call);
    if (!rule_request_ok (call, request))
        return;
    tickets_rows_t current, updated = { 0 };
    if (!managed_lock (call, &rule_kind, request->id, request->expected_version, &current))
        return;
    int exists = rule_department_exists (call, request->department_id);
    if (exists == 0) {
        kefu_db_rollback (kefu_call_db (call));
        tickets_rows_release (&current);
        return;
    }
    if (exists < 0 || tickets_store_rule_update (kefu_call_db (call), request->id, request->category,
                                                 request->department_id, kefu_time_now_ms (), &updated) != 0) {
        tickets_rows_release (&current);
        tickets_rows_release (&updated);
        tickets_apply_fail_db (call);
        return;
    }
    managed_finish (call, &rule_kind, "updated", updated.message_pointers[0], request->id);
    tickets_rows_release (&current);
    tickets_rows_release (&updated);
}

void
routing_rules_delete (kefu_call_t *call)
{
    const Kefu__V1__RoutingRuleRequest *request = (const Kefu__V1__RoutingRuleRequest *) kefu_call_payload (call);
    managed_delete (call, &rule_kind, request->id, request->expected_version);
}

void
routing_rules_list (kefu_call_t *call)
{
    const Kefu__V1__ListPageRequest *request = (const Kefu__V1__ListPageRequest *) kefu_call_payload (call);
    tickets_rows_t rows = { 0 };
    size_t shown;
    uint32_t limit;
    if (!managed_page (call, request, tickets_store_rules, &rows, &shown, &limit))
        return;
    Kefu__V1__RoutingRules reply = KEFU__V1__ROUTING_RULES__INIT;
    reply.n_items = shown;
    reply.items = (Kefu__V1__RoutingRule **) rows.message_pointers;
    reply.next = rows.count > limit ? TICKETS_ROW (&rows, Kefu__V1__RoutingRule, shown - 1)->id : 0;
    kefu_call_reply (call, &reply.base);
    tickets_rows_release (&rows);
}
