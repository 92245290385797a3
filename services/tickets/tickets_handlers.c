/*  tickets_handlers: create, get, list, transition and history of tickets.
 *  See tickets_handlers.h; the rules are in tickets_workflow.c, the SQL in
 *  tickets_store.c.
 */
#include "tickets_handlers.h"
#include "tickets_replies.h"
#include "tickets_search.h"
#include "tickets_stats.h"
#include "tickets_store.h"
#include "tickets_workflow.h"

#include "kefu_audit.h"
#include "kefu_idempotency.h"
#include "kefu_outbox.h"
#include "kefu_strbuf.h"
#include "kefu_text.h"
#include "kefu_time.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/*  Field bounds, in characters. */
enum {
    CATEGORY_MAX = 100,
    SUBJECT_MAX = 200,
    DESCRIPTION_MAX = 10000,
    CUSTOMER_ID_MAX = 64,
    COMPLAINANT_NAME_MAX = 200,
    CONTACT_MAX = 200,
    REMEDY_MAX = 4000,
    REASON_MAX = 2000,
    DEPARTMENT_MAX = 100,
    PERSON_MAX = 100,
    LIST_DEFAULT = 50,
    LIST_MAX = 200,
    RESOURCE_MAX = 64,
    MESSAGE_MAX = 256,
    /*  A complaint may be registered as received a little in the future of
     *  our clock: the caller's clock may run ahead. */
    RECEIVED_AT_SKEW_MS = 5 * 60 * 1000,
};

static void
ticket_resource (int64_t id, char *out, size_t size)
{
    snprintf (out, size, "ticket/%" PRId64, id);
}

/*  Answer NOT_FOUND from inside a transaction: release the (empty) rows,
 *  roll back, so nothing of the attempt remains. */
static void
ticket_not_found (kefu_call_t *call, tickets_rows_t *rows, int64_t id)
{
    tickets_rows_release (rows);
    kefu_db_rollback (kefu_call_db (call));
    kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL, "ticket %" PRId64 " not found", id);
}

/*  The actor's roles joined with commas, for the history row. */
static void
actor_roles_text (const Kefu__V1__Actor *actor, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < actor->n_roles && used < size; i++) {
        int n = snprintf (out + used, size - used, "%s%s", i ? "," : "", actor->roles[i]);
        if (n < 0)
            break;
        used += (size_t) n;
    }
}

/*  Check one text field; answer INVALID_ARGUMENT and return false if bad. */
static bool
field_ok (kefu_call_t *call, const char *field, const char *value, kefu_text_kind_t kind, size_t max,
          bool required)
{
    const char *problem = kefu_text_check (value, kind, max, required);
    if (!problem)
        return true;
    kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", field, "%s %s", field, problem);
    return false;
}

static bool
choice_ok (kefu_call_t *call, const char *field, const char *value, const char *const *choices)
{
    if (kefu_text_one_of (value, choices))
        return true;
    kefu_strbuf_t allowed;
    kefu_strbuf_init (&allowed);
    for (const char *const *choice = choices; *choice; choice++)
        kefu_strbuf_appendf (&allowed, "%s%s", choice == choices ? "" : ", ", *choice);
    kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", field, "%s must be one of: %s",
                    field, kefu_strbuf_data (&allowed));
    kefu_strbuf_release (&allowed);
    return false;
}

/* --- tickets.create ------------------------------------------------------- */

static bool
create_request_valid (kefu_call_t *call, const Kefu__V1__CreateTicketRequest *request, int64_t *received_at_ms)
{
    if (!choice_ok (call, "kind", request->kind, tickets_kinds)
    ||  !choice_ok (call, "channel", request->channel, tickets_channels)
    ||  !choice_ok (call, "priority", request->priority, tickets_priorities)
    ||  !field_ok (call, "category", request->category, KEFU_TEXT_LINE, CATEGORY_MAX, true)
    ||  !field_ok (call, "subject", request->subject, KEFU_TEXT_LINE, SUBJECT_MAX, true)
    ||  !field_ok (call, "description", request->description, KEFU_TEXT_MULTILINE, DESCRIPTION_MAX,
                   strcmp (request->kind, "complaint") == 0)
    ||  !field_ok (call, "customer_id", request->customer_id, KEFU_TEXT_LINE, CUSTOMER_ID_MAX, false)
    ||  !field_ok (call, "complainant_name", request->complainant_name, KEFU_TEXT_LINE, COMPLAINANT_NAME_MAX, false)
    ||  !field_ok (call, "complainant_contact", request->complainant_contact, KEFU_TEXT_LINE, CONTACT_MAX, false)
    ||  !field_ok (call, "requested_remedy", request->requested_remedy, KEFU_TEXT_MULTILINE, REMEDY_MAX, false))
        return false;
    /*  TKT-2: a complaint names its complainant. */
    if (strcmp (request->kind, "complaint") == 0 && !*request->customer_id
    &&  (!*request->complainant_name || !*request->complainant_contact)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "customer_id",
                        "a complaint needs customer_id, or complainant_name and complainant_contact");
        return false;
    }
    *received_at_ms = 0;
    if (*request->received_at) {
        if (!kefu_time_parse_rfc3339 (request->received_at, received_at_ms)) {
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "received_at",
                            "received_at must be an RFC 3339 date-time, e.g. 2026-11-25T09:30:00Z");
            return false;
        }
        if (*received_at_ms > kefu_time_now_ms () + RECEIVED_AT_SKEW_MS) {
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "received_at",
                            "received_at is in the future");
            return false;
        }
    }
    return true;
}

/*  Answer a repeated create with the ticket the key created first. */
static void
create_replay (kefu_call_t *call, int64_t ticket_id)
{
    kefu_db_t *db = kefu_call_db (call);
    tickets_rows_t rows = { 0 };
    char resource[RESOURCE_MAX];
    ticket_resource (ticket_id, resource, sizeof resource);
    if (kefu_db_begin (db) != 0)
        goto failed;
    int found = tickets_store_get (db, ticket_id, false, &rows);
    if (found < 0 || kefu_audit_record (call, "ticket.create_replayed", resource, NULL, 1) != 0
    ||  kefu_db_commit (db) != 0)
        goto failed;
    if (found == 1)
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL, "ticket %" PRId64 " not found", ticket_id);
    else
        kefu_call_reply (call, &rows.tickets[0].base);
    tickets_rows_release (&rows);
    return;
failed:
    tickets_rows_release (&rows);
    kefu_db_rollback (db);
    kefu_call_fail_db (call);
}

static void
tickets_create (kefu_call_t *call)
{
    const Kefu__V1__Request *envelope = kefu_call_request (call);
    Kefu__V1__CreateTicketRequest request = *(const Kefu__V1__CreateTicketRequest *) kefu_call_payload (call);
    if (!*request.priority)
        request.priority = "normal";
    int64_t received_at_ms;
    if (!create_request_valid (call, &request, &received_at_ms))
        return;
    const char *key = envelope->idempotency_key;
    if (!kefu_idempotency_key_check (call))
        return;
    const char *actor = envelope->actor->staff_id;
    char hash[KEFU_IDEMPOTENCY_HASH_TEXT_SIZE] = "";
    if (*key)
        kefu_idempotency_request_hash (call, hash);

    kefu_db_t *db = kefu_call_db (call);
    tickets_rows_t ticket = { 0 }, transition = { 0 };
    for (int attempt = 0; attempt < KEFU_IDEMPOTENCY_ATTEMPTS; attempt++) {
        if (kefu_db_begin (db) != 0)
            goto failed;
        if (*key) {
            bool claimed;
            char stored_hash[KEFU_IDEMPOTENCY_HASH_TEXT_SIZE];
            int64_t stored_ticket;
            if (tickets_store_idempotency_claim (db, actor, key, hash, &claimed, stored_hash,
                                                 sizeof stored_hash, &stored_ticket) != 0)
                goto failed;
            if (!claimed) {
                kefu_db_rollback (db);
                if (!*stored_hash)
                    continue;       /* the holder rolled back: try again */
                if (strcmp (stored_hash, hash) != 0)
                    kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "idempotency-key-reused",
                                    "Idempotency-Key", "this Idempotency-Key was used with a different request");
                else
                    create_replay (call, stored_ticket);
                return;
            }
        }
        if (tickets_store_insert (db, &request, actor, received_at_ms, &ticket) != 0 || ticket.count != 1)
            goto failed;
        Kefu__V1__Ticket *created = &ticket.tickets[0];
        char roles[MESSAGE_MAX], resource[RESOURCE_MAX];
        actor_roles_text (envelope->actor, roles, sizeof roles);
        ticket_resource (created->id, resource, sizeof resource);
        if ((*key && tickets_store_idempotency_bind (db, actor, key, created->id) != 0)
        ||  tickets_store_record_transition (db, created->id, "", created->status, actor, roles,
                                             "created", created->version, &transition) != 0)
            goto failed;
        Kefu__V1__TicketCreated event = KEFU__V1__TICKET_CREATED__INIT;
        event.ticket = created;
        if (kefu_outbox_append_message (db, "ticket.created", resource, &event.base) != 0
        ||  kefu_audit_record (call, "ticket.created", resource, NULL, 1) != 0
        ||  kefu_db_commit (db) != 0)
            goto failed;
        kefu_call_reply (call, &created->base);
        tickets_rows_release (&ticket);
        tickets_rows_release (&transition);
        return;
    }
    kefu_call_fail (call, KEFU__V1__CODE__CONFLICT, "idempotency-key-busy", "Idempotency-Key",
                    "another request with this Idempotency-Key is in progress; retry");
    return;
failed:
    tickets_rows_release (&ticket);
    tickets_rows_release (&transition);
    kefu_db_rollback (db);
    kefu_call_fail_db (call);
}

/* --- tickets.get ---------------------------------------------------------- */

static void
tickets_get (kefu_call_t *call)
{
    const Kefu__V1__GetTicketRequest *request = (const Kefu__V1__GetTicketRequest *) kefu_call_payload (call);
    kefu_db_t *db = kefu_call_db (call);
    tickets_rows_t rows = { 0 };
    char resource[RESOURCE_MAX];
    ticket_resource (request->id, resource, sizeof resource);
    if (kefu_db_begin (db) != 0)
        goto failed;
    int found = tickets_store_get (db, request->id, false, &rows);
    if (found < 0)
        goto failed;
    if (found == 1) {
        ticket_not_found (call, &rows, request->id);
        return;
    }
    if (kefu_audit_record (call, "ticket.viewed", resource, NULL, 1) != 0 || kefu_db_commit (db) != 0)
        goto failed;
    kefu_call_reply (call, &rows.tickets[0].base);
    tickets_rows_release (&rows);
    return;
failed:
    tickets_rows_release (&rows);
    kefu_db_rollback (db);
    kefu_call_fail_db (call);
}

/* --- tickets.list --------------------------------------------------------- */

static void
tickets_list (kefu_call_t *call)
{
    const Kefu__V1__ListTicketsRequest *request = (const Kefu__V1__ListTicketsRequest *) kefu_call_payload (call);
    uint32_t limit = request->limit ? request->limit : LIST_DEFAULT;
    if (limit > LIST_MAX) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "limit",
                        "limit must be from 1 to %d", LIST_MAX);
        return;
    }
    if (request->after < 0) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "after", "after must be a cursor from a previous page");
        return;
    }
    tickets_list_query_t query = { .filters = request };
    if ((*request->status && !choice_ok (call, "status", request->status, tickets_statuses))
    ||  (*request->kind && !choice_ok (call, "kind", request->kind, tickets_kinds))
    ||  (*request->priority && !choice_ok (call, "priority", request->priority, tickets_priorities))
    ||  (*request->channel && !choice_ok (call, "channel", request->channel, tickets_channels))
    ||  !field_ok (call, "customer_id", request->customer_id, KEFU_TEXT_LINE, CUSTOMER_ID_MAX, false)
    ||  !field_ok (call, "assignee", request->assignee, KEFU_TEXT_LINE, PERSON_MAX, false)
    ||  !field_ok (call, "owner", request->owner, KEFU_TEXT_LINE, PERSON_MAX, false)
    ||  !field_ok (call, "category", request->category, KEFU_TEXT_LINE, CATEGORY_MAX, false)
    ||  !tickets_search_text_prepare (call, "q", request->q, &query.text)
    ||  !tickets_search_range_prepare (call, "created_from", request->created_from, "created_to",
                                       request->created_to, &query.created_from_ms, &query.created_to_ms)
    ||  !tickets_search_range_prepare (call, "received_from", request->received_from, "received_to",
                                       request->received_to, &query.received_from_ms, &query.received_to_ms))
        return;

    kefu_db_t *db = kefu_call_db (call);
    tickets_rows_t rows = { 0 };
    /*  One row more than asked tells whether there is a next page. */
    if (kefu_db_begin (db) != 0 || tickets_store_list (db, &query, limit + 1, &rows) != 0)
        goto failed;
    size_t shown = rows.count > limit ? limit : rows.count;
    if (kefu_audit_record (call, "ticket.listed", "tickets", NULL, (uint32_t) shown) != 0
    ||  kefu_db_commit (db) != 0)
        goto failed;
    Kefu__V1__ListTicketsReply reply = KEFU__V1__LIST_TICKETS_REPLY__INIT;
    reply.n_items = shown;
    reply.items = rows.ticket_pointers;
    reply.next = rows.count > limit ? rows.tickets[shown - 1].id : 0;
    kefu_call_reply (call, &reply.base);
    tickets_rows_release (&rows);
    return;
failed:
    tickets_rows_release (&rows);
    kefu_db_rollback (db);
    kefu_call_fail_db (call);
}

/* --- tickets.transition --------------------------------------------------- */

static bool
transition_request_valid (kefu_call_t *call, const Kefu__V1__TransitionTicketRequest *request)
{
    return field_ok (call, "to", request->to, KEFU_TEXT_LINE, SUBJECT_MAX, true)
        && field_ok (call, "reason", request->reason, KEFU_TEXT_MULTILINE, REASON_MAX, false)
        && field_ok (call, "responsible_department", request->responsible_department, KEFU_TEXT_LINE, DEPARTMENT_MAX, false)
        && field_ok (call, "responsible_person", request->responsible_person, KEFU_TEXT_LINE, PERSON_MAX, false)
        && field_ok (call, "remedy", request->remedy, KEFU_TEXT_MULTILINE, REMEDY_MAX, false)
        && field_ok (call, "responsible_party", request->responsible_party, KEFU_TEXT_LINE, COMPLAINANT_NAME_MAX, false)
        && field_ok (call, "sanction", request->sanction, KEFU_TEXT_MULTILINE, REASON_MAX, false)
        && field_ok (call, "customer_confirmation", request->customer_confirmation, KEFU_TEXT_MULTILINE, REASON_MAX, false)
        && field_ok (call, "review_summary", request->review_summary, KEFU_TEXT_MULTILINE, REMEDY_MAX, false);
}

/*  NULL for "leave as it is", so an empty optional input never erases. */
static const char *
given (const char *text)
{
    return *text ? text : NULL;
}

/*  What moving to `to` writes on the ticket besides its status. */
static tickets_changes_t
transition_changes (const Kefu__V1__TransitionTicketRequest *request, const char *actor)
{
    tickets_changes_t changes = { 0 };
    changes.responsible_department = given (request->responsible_department);
    changes.responsible_person = given (request->responsible_person);
    if (strcmp (request->to, "remedy_proposed") == 0) {
        changes.remedy = request->remedy;
        changes.remedy_proposed_by = actor;
        changes.remedy_approved_by = "";
        changes.responsible_party = given (request->responsible_party);
        changes.sanction = given (request->sanction);
    }
    if (strcmp (request->to, "remedy_approved") == 0)
        changes.remedy_approved_by = actor;
    if (strcmp (request->to, "customer_accepted") == 0)
        changes.customer_confirmation = request->customer_confirmation;
    if (strcmp (request->to, "rejected") == 0)
        changes.rejection_explanation = request->reason;
    if (strcmp (request->to, "reviewed") == 0)
        changes.review_summary = request->review_summary;
    return changes;
}

/*  Turn a workflow refusal into an answer. */
static void
transition_refuse (kefu_call_t *call, tickets_workflow_verdict_t verdict, const Kefu__V1__Ticket *ticket,
                   const char *to, const char *field)
{
    char next[MESSAGE_MAX];
    switch (verdict) {
        case TICKETS_WORKFLOW_UNKNOWN_STATUS:
            choice_ok (call, "to", to, tickets_statuses);
            break;
        case TICKETS_WORKFLOW_ILLEGAL:
            tickets_workflow_next (ticket->kind, ticket->status, next, sizeof next);
            kefu_call_fail (call, KEFU__V1__CODE__FAILED_PRECONDITION, "illegal-transition", "to",
                            "a %s in status %s cannot move to %s (allowed: %s)", ticket->kind, ticket->status,
                            to, next);
            break;
        case TICKETS_WORKFLOW_ROLE_NOT_ALLOWED:
            kefu_call_fail (call, KEFU__V1__CODE__PERMISSION_DENIED, "role-not-allowed", "to",
                            "your role may not move a %s from %s to %s", ticket->kind, ticket->status, to);
            break;
        case TICKETS_WORKFLOW_PROPOSER_MAY_NOT:
            kefu_call_fail (call, KEFU__V1__CODE__PERMISSION_DENIED, "approver-is-proposer", "to",
                            "a remedy must be approved by someone other than its proposer");
            break;
        case TICKETS_WORKFLOW_MISSING_FIELD:
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "missing-field", field,
                            "moving to %s needs %s", to, field);
            break;
        case TICKETS_WORKFLOW_OK:
            break;
    }
}

static void
tickets_transition (kefu_call_t *call)
{
    const Kefu__V1__Request *envelope = kefu_call_request (call);
    const Kefu__V1__TransitionTicketRequest *request =
        (const Kefu__V1__TransitionTicketRequest *) kefu_call_payload (call);
    if (!transition_request_valid (call, request))
        return;
    const char *actor = envelope->actor->staff_id;
    kefu_roles_t roles = kefu_call_roles (call);

    kefu_db_t *db = kefu_call_db (call);
    tickets_rows_t current = { 0 }, updated = { 0 }, transition = { 0 };
    if (kefu_db_begin (db) != 0)
        goto failed;
    int found = tickets_store_get (db, request->id, true, &current);
    if (found < 0)
        goto failed;
    if (found == 1) {
        ticket_not_found (call, &current, request->id);
        return;
    }
    const Kefu__V1__Ticket *ticket = &current.tickets[0];
    if (request->expected_version && request->expected_version != ticket->version) {
        kefu_call_fail (call, KEFU__V1__CODE__STALE_VERSION, "stale-version", "If-Match",
                        "the ticket is at version %" PRId64 ", not %" PRId64, ticket->version,
                        request->expected_version);
        goto refused;
    }
    const char *field;
    tickets_workflow_verdict_t verdict = tickets_workflow_check (ticket, request, actor, roles, &field);
    if (verdict != TICKETS_WORKFLOW_OK) {
        transition_refuse (call, verdict, ticket, request->to, field);
        goto refused;
    }
    tickets_changes_t changes = transition_changes (request, actor);
    char roles_text[MESSAGE_MAX], resource[RESOURCE_MAX];
    actor_roles_text (envelope->actor, roles_text, sizeof roles_text);
    ticket_resource (ticket->id, resource, sizeof resource);
    if (tickets_store_update (db, ticket->id, request->to, &changes, &updated) != 0
    ||  tickets_store_record_transition (db, ticket->id, ticket->status, request->to, actor, roles_text,
                                         request->reason, updated.tickets[0].version, &transition) != 0)
        goto failed;
    Kefu__V1__TicketTransitioned event = KEFU__V1__TICKET_TRANSITIONED__INIT;
    event.ticket = &updated.tickets[0];
    event.transition = &transition.transitions[0];
    if (kefu_outbox_append_message (db, "ticket.transitioned", resource, &event.base) != 0
    ||  kefu_audit_record (call, "ticket.transitioned", resource, request->reason, 1) != 0
    ||  kefu_db_commit (db) != 0)
        goto failed;
    kefu_call_reply (call, &updated.tickets[0].base);
    tickets_rows_release (&current);
    tickets_rows_release (&updated);
    tickets_rows_release (&transition);
    return;
refused:
    kefu_db_rollback (db);
    tickets_rows_release (&current);
    return;
failed:
    tickets_rows_release (&current);
    tickets_rows_release (&updated);
    tickets_rows_release (&transition);
    kefu_db_rollback (db);
    kefu_call_fail_db (call);
}

/* --- tickets.history ------------------------------------------------------ */

static void
tickets_history (kefu_call_t *call)
{
    const Kefu__V1__GetTicketRequest *request = (const Kefu__V1__GetTicketRequest *) kefu_call_payload (call);
    kefu_db_t *db = kefu_call_db (call);
    tickets_rows_t ticket = { 0 }, history = { 0 };
    char resource[RESOURCE_MAX];
    ticket_resource (request->id, resource, sizeof resource);
    if (kefu_db_begin (db) != 0)
        goto failed;
    int found = tickets_store_get (db, request->id, false, &ticket);
    if (found < 0)
        goto failed;
    if (found == 1) {
        ticket_not_found (call, &ticket, request->id);
        return;
    }
    if (tickets_store_history (db, request->id, &history) != 0
    ||  kefu_audit_record (call, "ticket.history_viewed", resource, NULL, 1) != 0
    ||  kefu_db_commit (db) != 0)
        goto failed;
    Kefu__V1__TicketHistory reply = KEFU__V1__TICKET_HISTORY__INIT;
    reply.n_items = history.count;
    reply.items = history.transition_pointers;
    kefu_call_reply (call, &reply.base);
    tickets_rows_release (&ticket);
    tickets_rows_release (&history);
    return;
failed:
    tickets_rows_release (&ticket);
    tickets_rows_release (&history);
    kefu_db_rollback (db);
    kefu_call_fail_db (call);
}

bool
tickets_field_ok (kefu_call_t *call, const char *field, const char *value, kefu_text_kind_t kind, size_t max,
                  bool required)
{
    return field_ok (call, field, value, kind, max, required);
}

bool
tickets_choice_ok (kefu_call_t *call, const char *field, const char *value, const char *const *choices)
{
    return choice_ok (call, field, value, choices);
}

const kefu_method_t tickets_methods[] = {
    { "tickets.create", tickets_create, &kefu__v1__create_ticket_request__descriptor, true },
    { "tickets.get", tickets_get, &kefu__v1__get_ticket_request__descriptor, true },
    { "tickets.list", tickets_list, &kefu__v1__list_tickets_request__descriptor, true },
    { "tickets.transition", tickets_transition, &kefu__v1__transition_ticket_request__descriptor, true },
    { "tickets.history", tickets_history, &kefu__v1__get_ticket_request__descriptor, true },
    { "tickets.stats", tickets_stats, &kefu__v1__ticket_stats_request__descriptor, true },
    /*  Standard replies (TKT-10): tickets_replies.c. */
    { "replies.create", tickets_replies_create, &kefu__v1__create_standard_reply_request__descriptor, true },
    { "replies.get", tickets_replies_get, &kefu__v1__get_standard_reply_request__descriptor, true },
    { "replies.versions", tickets_replies_versions, &kefu__v1__get_standard_reply_request__descriptor, true },
    { "replies.update", tickets_replies_update, &kefu__v1__update_standard_reply_request__descriptor, true },
    { "replies.approve", tickets_replies_approve, &kefu__v1__review_standard_reply_request__descriptor, true },
    { "replies.retire", tickets_replies_retire, &kefu__v1__review_standard_reply_request__descriptor, true },
    { "replies.list", tickets_replies_list, &kefu__v1__list_standard_replies_request__descriptor, true },
};

const size_t tickets_method_count = sizeof tickets_methods / sizeof tickets_methods[0];
