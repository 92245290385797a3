/*  tickets_handlers: create, get, list, transition and history of tickets,
 *  and the table of every method of the service. See tickets_handlers.h;
 *  the rules are in tickets_workflow.c, the shared change path in
 *  tickets_apply.c, the SQL in tickets_store.c. A work order whose category
 *  has a routing rule is dispatched in the transaction that creates it.
 */
#include "tickets_handlers.h"
#include "tickets_apply.h"
#include "tickets_parts.h"
#include "tickets_sla.h"
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

enum {
    /*  A complaint may be registered as received a little in the future of
     *  our clock: the caller's clock may run ahead. */
    RECEIVED_AT_SKEW_MS = 5 * 60 * 1000,
};

static void
ticket_resource (int64_t id, char *out, size_t size)
{
    tickets_resource ("ticket", id, out, size);
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

/* --- tickets.create ------------------------------------------------------- */

static bool
create_request_valid (kefu_call_t *call, const Kefu__V1__CreateTicketRequest *request, int64_t *received_at_ms)
{
    if (!tickets_choice_ok (call, "kind", request->kind, tickets_kinds)
    ||  !tickets_choice_ok (call, "channel", request->channel, tickets_channels)
    ||  !tickets_choice_ok (call, "priority", request->priority, tickets_priorities)
    ||  !kefu_call_check_text (call, "category", request->category, KEFU_TEXT_LINE, TICKETS_CATEGORY_MAX, true)
    ||  !kefu_call_check_text (call, "subject", request->subject, KEFU_TEXT_LINE, TICKETS_SUBJECT_MAX, true)
    ||  !kefu_call_check_text (call, "description", request->description, KEFU_TEXT_MULTILINE, TICKETS_DESCRIPTION_MAX,
                   strcmp (request->kind, "complaint") == 0)
    ||  !kefu_call_check_text (call, "customer_id", request->customer_id, KEFU_TEXT_LINE, TICKETS_CUSTOMER_ID_MAX, false)
    ||  !kefu_call_check_text (call, "complainant_name", request->complainant_name, KEFU_TEXT_LINE, TICKETS_NAME_MAX, false)
    ||  !kefu_call_check_text (call, "complainant_contact", request->complainant_contact, KEFU_TEXT_LINE, TICKETS_CONTACT_MAX, false)
    ||  !kefu_call_check_text (call, "requested_remedy", request->requested_remedy, KEFU_TEXT_MULTILINE, TICKETS_REMEDY_MAX, false))
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
    char resource[TICKETS_RESOURCE_MAX];
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
    tickets_rows_t ticket = { 0 }, transition = { 0 }, dispatched = { 0 };
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
        int64_t now_ms = kefu_time_now_ms ();
        if (tickets_store_insert (db, &request, actor, received_at_ms, now_ms, &ticket) != 0 || ticket.count != 1)
            goto failed;
        Kefu__V1__Ticket *created = &ticket.tickets[0];
        char roles[TICKETS_MESSAGE_MAX], resource[TICKETS_RESOURCE_MAX];
        tickets_actor_roles_text (envelope->actor, roles, sizeof roles);
        tickets_resource ("ticket", created->id, resource, sizeof resource);
        if ((*key && tickets_store_idempotency_bind (db, actor, key, created->id) != 0)
        ||  tickets_sla_start (db, created->id, created->kind, created->priority,
                               received_at_ms ? received_at_ms : now_ms) != 0
        ||  tickets_store_record_transition (db, created->id, "", created->status, actor, roles,
                                             "created", created->version, now_ms, &transition) != 0)
            goto failed;
        Kefu__V1__TicketCreated event = KEFU__V1__TICKET_CREATED__INIT;
        event.ticket = created;
        if (kefu_outbox_append_message (db, "ticket.created", resource, &event.base) != 0
        ||  tickets_apply_notify_owner (call, "ticket.created", created) != 0)
            goto failed;
        /*  TKT-6: a work order goes to the department its category is
         *  routed to, through the same status change as by hand. */
        const Kefu__V1__Ticket *reply = created;
        if (strcmp (created->kind, "work_order") == 0) {
            int64_t rule_id, department_id;
            int routed = tickets_store_route (db, created->category, &rule_id, &department_id);
            if (routed < 0)
                goto failed;
            if (routed == 0) {
                char reason[TICKETS_MESSAGE_MAX];
                snprintf (reason, sizeof reason, "routed by rule %" PRId64 " (category %s)", rule_id,
                          created->category);
                Kefu__V1__TransitionTicketRequest dispatch = KEFU__V1__TRANSITION_TICKET_REQUEST__INIT;
                dispatch.id = created->id;
                dispatch.to = TICKETS_STATUS_DISPATCHED;
                dispatch.reason = reason;
                dispatch.department_id = department_id;
                if (tickets_transition_apply (call, created, &dispatch, rule_id, 0, &dispatched) != 0)
                    goto failed;
                reply = &dispatched.tickets[0];
            }
        }
        if (kefu_audit_record (call, "ticket.created", resource, NULL, 1) != 0 || kefu_db_commit (db) != 0)
            goto failed;
        kefu_call_reply (call, &reply->base);
        tickets_rows_release (&ticket);
        tickets_rows_release (&transition);
        tickets_rows_release (&dispatched);
        return;
    }
    kefu_call_fail (call, KEFU__V1__CODE__CONFLICT, "idempotency-key-busy", "Idempotency-Key",
                    "another request with this Idempotency-Key is in progress; retry");
    return;
failed:
    tickets_rows_release (&ticket);
    tickets_rows_release (&transition);
    tickets_rows_release (&dispatched);
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
    char resource[TICKETS_RESOURCE_MAX];
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
    uint32_t limit;
    if (!tickets_page_ok (call, request->limit, request->after, &limit))
        return;
    tickets_list_query_t query = { .filters = request };
    if ((*request->status && !tickets_choice_ok (call, "status", request->status, tickets_statuses))
    ||  (*request->kind && !tickets_choice_ok (call, "kind", request->kind, tickets_kinds))
    ||  (*request->priority && !tickets_choice_ok (call, "priority", request->priority, tickets_priorities))
    ||  (*request->channel && !tickets_choice_ok (call, "channel", request->channel, tickets_channels))
    ||  !kefu_call_check_text (call, "customer_id", request->customer_id, KEFU_TEXT_LINE, TICKETS_CUSTOMER_ID_MAX, false)
    ||  !kefu_call_check_text (call, "assignee", request->assignee, KEFU_TEXT_LINE, TICKETS_NAME_MAX, false)
    ||  !kefu_call_check_text (call, "owner", request->owner, KEFU_TEXT_LINE, TICKETS_STAFF_ID_MAX, false)
    ||  !kefu_call_check_text (call, "responsible_person", request->responsible_person, KEFU_TEXT_LINE,
                               TICKETS_NAME_MAX, false)
    ||  !kefu_call_check_text (call, "category", request->category, KEFU_TEXT_LINE, TICKETS_CATEGORY_MAX, false)
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
    return kefu_call_check_text (call, "to", request->to, KEFU_TEXT_LINE, TICKETS_SUBJECT_MAX, true)
        && kefu_call_check_text (call, "reason", request->reason, KEFU_TEXT_MULTILINE, TICKETS_REASON_MAX, false)
        && kefu_call_check_text (call, "responsible_department", request->responsible_department, KEFU_TEXT_LINE, TICKETS_DEPARTMENT_MAX, false)
        && kefu_call_check_text (call, "responsible_person", request->responsible_person, KEFU_TEXT_LINE, TICKETS_NAME_MAX, false)
        && kefu_call_check_text (call, "remedy", request->remedy, KEFU_TEXT_MULTILINE, TICKETS_REMEDY_MAX, false)
        && kefu_call_check_text (call, "responsible_party", request->responsible_party, KEFU_TEXT_LINE, TICKETS_NAME_MAX, false)
        && kefu_call_check_text (call, "sanction", request->sanction, KEFU_TEXT_MULTILINE, TICKETS_REASON_MAX, false)
        && kefu_call_check_text (call, "customer_confirmation", request->customer_confirmation, KEFU_TEXT_MULTILINE, TICKETS_REASON_MAX, false)
        && kefu_call_check_text (call, "review_summary", request->review_summary, KEFU_TEXT_MULTILINE, TICKETS_REMEDY_MAX, false)
        && kefu_call_check_text (call, "rejection_explanation", request->rejection_explanation, KEFU_TEXT_MULTILINE, TICKETS_REMEDY_MAX, false)
        && kefu_call_check_text (call, "confirmation_method", request->confirmation_method, KEFU_TEXT_LINE, TICKETS_CATEGORY_MAX, false)
        && (request->department_id >= 0
            || (kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "department_id",
                                "department_id must be a department's id"), false));
}

/*  Turn a workflow refusal into an answer. */
static void
transition_refuse (kefu_call_t *call, tickets_workflow_verdict_t verdict, const Kefu__V1__Ticket *ticket,
                   const char *to, const char *field)
{
    char next[TICKETS_MESSAGE_MAX];
    switch (verdict) {
        case TICKETS_WORKFLOW_UNKNOWN_STATUS:
            tickets_choice_ok (call, "to", to, tickets_statuses);
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
    tickets_rows_t current, updated = { 0 };
    if (!tickets_apply_lock (call, request->id, request->expected_version, false, &current))
        return;
    const Kefu__V1__Ticket *ticket = &current.tickets[0];
    const char *field;
    tickets_workflow_verdict_t verdict =
        tickets_workflow_check (ticket, request, envelope->actor->staff_id, kefu_call_roles (call), &field);
    if (verdict != TICKETS_WORKFLOW_OK) {
        transition_refuse (call, verdict, ticket, request->to, field);
        goto refused;
    }
    if (strcmp (request->to, TICKETS_STATUS_DISPATCHED) == 0) {
        int usable = tickets_apply_department_usable (call, request->department_id);
        if (usable < 0)
            goto failed;
        if (usable == 0)
            goto refused;
    }
    if (tickets_transition_apply (call, ticket, request, 0, 0, &updated) != 0)
        goto failed;
    char resource[TICKETS_RESOURCE_MAX];
    tickets_resource ("ticket", ticket->id, resource, sizeof resource);
    tickets_apply_finish (call, "ticket.transitioned", resource, request->reason, &updated.tickets[0].base);
    tickets_rows_release (&current);
    tickets_rows_release (&updated);
    return;
refused:
    kefu_db_rollback (kefu_call_db (call));
    tickets_rows_release (&current);
    return;
failed:
    tickets_rows_release (&current);
    tickets_rows_release (&updated);
    tickets_apply_fail_db (call);
}

/* --- tickets.history ------------------------------------------------------ */

static void
tickets_history (kefu_call_t *call)
{
    const Kefu__V1__GetTicketRequest *request = (const Kefu__V1__GetTicketRequest *) kefu_call_payload (call);
    kefu_db_t *db = kefu_call_db (call);
    tickets_rows_t ticket = { 0 }, history = { 0 };
    char resource[TICKETS_RESOURCE_MAX];
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

const kefu_method_t tickets_methods[] = {
    { "tickets.create", tickets_create, &kefu__v1__create_ticket_request__descriptor, true },
    { "tickets.get", tickets_get, &kefu__v1__get_ticket_request__descriptor, true },
    { "tickets.list", tickets_list, &kefu__v1__list_tickets_request__descriptor, true },
    { "tickets.transition", tickets_transition, &kefu__v1__transition_ticket_request__descriptor, true },
    { "tickets.history", tickets_history, &kefu__v1__get_ticket_request__descriptor, true },
    { "tickets.merge", tickets_merge, &kefu__v1__merge_ticket_request__descriptor, true },
    { "tickets.dispatch", tickets_dispatch, &kefu__v1__dispatch_ticket_request__descriptor, true },
    { "tickets.dispatches", tickets_dispatches, &kefu__v1__get_ticket_request__descriptor, true },
    { "tickets.handoff", tickets_handoff, &kefu__v1__hand_off_ticket_request__descriptor, true },
    { "tickets.handoffs", tickets_handoffs, &kefu__v1__get_ticket_request__descriptor, true },
    { "tickets.watcher_add", tickets_watcher_add, &kefu__v1__ticket_watcher_request__descriptor, true },
    { "tickets.watcher_remove", tickets_watcher_remove, &kefu__v1__ticket_watcher_request__descriptor, true },
    { "tickets.watchers", tickets_watchers, &kefu__v1__get_ticket_request__descriptor, true },
    { "tickets.comment_add", tickets_comment_add, &kefu__v1__add_comment_request__descriptor, true },
    { "tickets.comments", tickets_comments, &kefu__v1__list_comments_request__descriptor, true },
    { "tickets.attachment_add", tickets_attachment_add, &kefu__v1__add_attachment_request__descriptor, true },
    { "tickets.attachments", tickets_attachments, &kefu__v1__get_ticket_request__descriptor, true },
    { "tickets.accountability", tickets_accountability, &kefu__v1__list_accountability_request__descriptor, true },
    { "departments.create", departments_create, &kefu__v1__department_request__descriptor, true },
    { "departments.get", departments_get, &kefu__v1__department_request__descriptor, true },
    { "departments.update", departments_update, &kefu__v1__department_request__descriptor, true },
    { "departments.delete", departments_delete, &kefu__v1__department_request__descriptor, true },
    { "departments.list", departments_list, &kefu__v1__list_page_request__descriptor, true },
    { "routing_rules.create", routing_rules_create, &kefu__v1__routing_rule_request__descriptor, true },
    { "routing_rules.get", routing_rules_get, &kefu__v1__routing_rule_request__descriptor, true },
    { "routing_rules.update", routing_rules_update, &kefu__v1__routing_rule_request__descriptor, true },
    { "routing_rules.delete", routing_rules_delete, &kefu__v1__routing_rule_request__descriptor, true },
    { "routing_rules.list", routing_rules_list, &kefu__v1__list_page_request__descriptor, true },
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
