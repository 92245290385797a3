/*  tickets_apply: locking, the status change, events and the owner's
 *  notification of every ticket change. See tickets_apply.h.
 */
#include "tickets_apply.h"
#include "tickets_sla.h"
#include "tickets_workflow.h"

#include "kefu_audit.h"
#include "kefu_idempotency.h"
#include "kefu_outbox.h"
#include "kefu_strbuf.h"
#include "kefu_time.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/*  SQLSTATEs answered as a conflict: the state changed under the request
 *  (a name taken meanwhile, a department still referenced). */
static const char SQLSTATE_UNIQUE_VIOLATION[] = "23505";
static const char SQLSTATE_FOREIGN_KEY_VIOLATION[] = "23503";

static const char OWNER_NOTIFIED[] = "ticket.owner_notified";

void
tickets_resource (const char *kind, int64_t id, char *out, size_t size)
{
    snprintf (out, size, "%s/%" PRId64, kind, id);
}

bool
tickets_choice_ok (kefu_call_t *call, const char *field, const char *value, const char *const *choices)
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

bool
tickets_roles_ok (kefu_call_t *call, kefu_roles_t roles)
{
    if (kefu_call_roles (call) & roles)
        return true;
    kefu_call_fail (call, KEFU__V1__CODE__PERMISSION_DENIED, "forbidden", NULL, "your role may not do this");
    return false;
}

bool
tickets_page_ok (kefu_call_t *call, uint32_t requested, int64_t after, uint32_t *limit)
{
    *limit = requested ? requested : TICKETS_LIST_DEFAULT;
    return kefu_call_check_page (call, *limit, after, TICKETS_LIST_MAX);
}

static bool
apply_get (kefu_call_t *call, int64_t id, bool for_update, bool begin, tickets_rows_t *current)
{
    kefu_db_t *db = kefu_call_db (call);
    memset (current, 0, sizeof *current);
    if (begin && kefu_db_begin (db) != 0) {
        tickets_apply_fail_db (call);
        return false;
    }
    int found = tickets_store_get (db, id, for_update, current);
    if (found < 0) {
        tickets_rows_release (current);
        tickets_apply_fail_db (call);
        return false;
    }
    if (found == 1) {
        tickets_rows_release (current);
        kefu_db_rollback (db);
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL, "ticket %" PRId64 " not found", id);
        return false;
    }
    return true;
}

bool
tickets_apply_read (kefu_call_t *call, int64_t id, tickets_rows_t *current)
{
    return apply_get (call, id, false, true, current);
}

bool
tickets_apply_lock (kefu_call_t *call, int64_t id, int64_t expected_version, bool refuse_merged,
                    tickets_rows_t *current)
{
    if (kefu_db_begin (kefu_call_db (call)) != 0) {
        memset (current, 0, sizeof *current);
        tickets_apply_fail_db (call);
        return false;
    }
    return tickets_apply_lock_begun (call, id, expected_version, refuse_merged, current);
}

bool
tickets_apply_lock_begun (kefu_call_t *call, int64_t id, int64_t expected_version, bool refuse_merged,
                          tickets_rows_t *current)
{
    if (!apply_get (call, id, true, false, current))
        return false;
    const Kefu__V1__Ticket *ticket = &current->tickets[0];
    bool changeable = tickets_apply_version_ok (call, ticket, expected_version);
    if (changeable && refuse_merged && strcmp (ticket->status, TICKETS_STATUS_MERGED) == 0) {
        kefu_call_fail (call, KEFU__V1__CODE__FAILED_PRECONDITION, "ticket-merged", NULL,
                        "ticket %" PRId64 " was merged into ticket %" PRId64 "; change that one", ticket->id,
                        ticket->merged_into);
        changeable = false;
    }
    if (changeable)
        return true;
    kefu_db_rollback (kefu_call_db (call));
    tickets_rows_release (current);
    return false;
}

bool
tickets_apply_version_ok (kefu_call_t *call, const Kefu__V1__Ticket *ticket, int64_t expected_version)
{
    if (!expected_version || expected_version == ticket->version)
        return true;
    kefu_call_fail (call, KEFU__V1__CODE__STALE_VERSION, "stale-version", "If-Match",
                    "the ticket is at version %" PRId64 ", not %" PRId64, ticket->version, expected_version);
    return false;
}

tickets_key_t
tickets_apply_key_claim (kefu_call_t *call, int64_t *replay_id)
{
    const Kefu__V1__Request *envelope = kefu_call_request (call);
    *replay_id = 0;
    if (!*envelope->idempotency_key)
        return TICKETS_KEY_PROCEED;
    if (!kefu_idempotency_key_check (call))
        return TICKETS_KEY_ANSWERED;
    char hash[KEFU_IDEMPOTENCY_HASH_TEXT_SIZE];
    kefu_idempotency_request_hash (call, hash);
    bool claimed;
    tickets_creation_key_t stored;
    if (tickets_store_creation_key_claim (kefu_call_db (call), envelope->actor->staff_id, envelope->idempotency_key,
                                          envelope->method, hash, &claimed, &stored) != 0) {
        kefu_call_fail_db (call);
        return TICKETS_KEY_ANSWERED;
    }
    if (claimed)
        return TICKETS_KEY_PROCEED;
    if (!*stored.hash)
        /*  The request holding it rolled back while we waited: the client
         *  may simply retry. */
        kefu_call_fail (call, KEFU__V1__CODE__CONFLICT, "idempotency-key-busy", "Idempotency-Key",
                        "another request with this Idempotency-Key was in progress; retry");
    else if (strcmp (stored.hash, hash) != 0 || strcmp (stored.method, envelope->method) != 0)
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "idempotency-key-reused", "Idempotency-Key",
                        "this Idempotency-Key was used with a different request");
    else {
        *replay_id = stored.result_id;
        return TICKETS_KEY_REPLAY;
    }
    return TICKETS_KEY_ANSWERED;
}

int
tickets_apply_key_bind (kefu_call_t *call, int64_t created_id)
{
    const Kefu__V1__Request *envelope = kefu_call_request (call);
    if (!*envelope->idempotency_key)
        return 0;
    return tickets_store_creation_key_bind (kefu_call_db (call), envelope->actor->staff_id,
                                            envelope->idempotency_key, created_id);
}

int
tickets_apply_notify_owner (kefu_call_t *call, const char *change, const Kefu__V1__Ticket *ticket)
{
    char subject[TICKETS_RESOURCE_MAX + TICKETS_STAFF_ID_MAX];
    snprintf (subject, sizeof subject, "staff/%s", ticket->owner_staff_id);
    Kefu__V1__TicketOwnerNotified notice = KEFU__V1__TICKET_OWNER_NOTIFIED__INIT;
    notice.owner_staff_id = ticket->owner_staff_id;
    notice.ticket_id = ticket->id;
    notice.change = (char *) change;
    notice.actor_staff_id = kefu_call_request (call)->actor->staff_id;
    notice.version = ticket->version;
    notice.status = ticket->status;
    return kefu_outbox_append_message (kefu_call_db (call), OWNER_NOTIFIED, subject, &notice.base);
}

int
tickets_apply_event (kefu_call_t *call, const char *type, const Kefu__V1__Ticket *ticket,
                     const tickets_change_detail_t *detail)
{
    char resource[TICKETS_RESOURCE_MAX];
    tickets_resource ("ticket", ticket->id, resource, sizeof resource);
    Kefu__V1__TicketChanged event = KEFU__V1__TICKET_CHANGED__INIT;
    event.ticket = (Kefu__V1__Ticket *) ticket;
    event.actor_staff_id = kefu_call_request (call)->actor->staff_id;
    event.reason = (char *) (detail->reason ? detail->reason : "");
    event.handoff = (Kefu__V1__TicketHandoff *) detail->handoff;
    event.watcher = (Kefu__V1__TicketWatcher *) detail->watcher;
    event.attachment = (Kefu__V1__TicketAttachment *) detail->attachment;
    event.dispatch = (Kefu__V1__TicketDispatch *) detail->dispatch;
    event.merged_ticket_id = detail->merged_ticket_id;
    /*  Events reach every subscriber, the CRM included: an internal
     *  comment's text stays behind the API, which knows who may read it. */
    Kefu__V1__TicketComment comment;
    if (detail->comment) {
        comment = *detail->comment;
        comment.body = "";
        event.comment = &comment;
    }
    if (kefu_outbox_append_message (kefu_call_db (call), type, resource, &event.base) != 0)
        return -1;
    return tickets_apply_notify_owner (call, type, ticket);
}

void
tickets_actor_roles_text (const Kefu__V1__Actor *actor, char *out, size_t size)
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

/*  NULL for "leave as it is", so an empty optional input never erases. */
static const char *
given (const char *text)
{
    return *text ? text : NULL;
}

/*  What moving to `to` writes on the ticket besides its status. */
static tickets_changes_t
transition_changes (const Kefu__V1__TransitionTicketRequest *request, const char *actor, bool reopens)
{
    tickets_changes_t changes = { 0 };
    changes.responsible_department = given (request->responsible_department);
    changes.responsible_person = given (request->responsible_person);
    if (strcmp (request->to, "remedy_proposed") == 0) {
        changes.remedy = request->remedy;
        changes.remedy_proposed_by = actor;
        changes.remedy_approved_by = "";
        changes.responsible_party = request->responsible_party;
        changes.sanction = request->sanction;
    }
    if (strcmp (request->to, "remedy_approved") == 0)
        changes.remedy_approved_by = actor;
    if (strcmp (request->to, "customer_accepted") == 0) {
        changes.customer_confirmation = request->customer_confirmation;
        changes.confirmation_method = request->confirmation_method;
    }
    if (strcmp (request->to, "rejected") == 0)
        changes.rejection_explanation = request->rejection_explanation;
    if (strcmp (request->to, "reviewed") == 0)
        changes.review_summary = request->review_summary;
    if (strcmp (request->to, TICKETS_STATUS_DISPATCHED) == 0)
        changes.department_id = request->department_id;
    if (reopens) {
        /*  The next acceptance and review are new ones; the old ones stay
         *  in the events and the history. */
        changes.customer_confirmation = "";
        changes.confirmation_method = "";
        changes.review_summary = "";
    }
    return changes;
}

int
tickets_transition_apply (kefu_call_t *call, const Kefu__V1__Ticket *ticket,
                          const Kefu__V1__TransitionTicketRequest *request, int64_t routing_rule_id,
                          int64_t merged_into, tickets_rows_t *updated)
{
    kefu_db_t *db = kefu_call_db (call);
    const Kefu__V1__Request *envelope = kefu_call_request (call);
    const char *actor = envelope->actor->staff_id;
    const tickets_transition_t *edge = tickets_workflow_find (ticket->kind, ticket->status, request->to);
    tickets_changes_t changes = transition_changes (request, actor, edge && edge->reopens);
    changes.merged_into = merged_into;
    char roles_text[TICKETS_MESSAGE_MAX];
    tickets_actor_roles_text (envelope->actor, roles_text, sizeof roles_text);
    tickets_rows_t transition = { 0 }, dispatch = { 0 };
    memset (updated, 0, sizeof *updated);
    int64_t now_ms = kefu_time_now_ms ();
    if (tickets_store_update (db, ticket->id, request->to, &changes, now_ms, updated) != 0
    ||  tickets_sla_on_transition (db, ticket->id, ticket->status, request->to, edge && edge->reopens, now_ms) != 0
    ||  tickets_store_record_transition (db, ticket->id, ticket->status, request->to, actor, roles_text,
                                         request->reason, updated->tickets[0].version, now_ms, &transition) != 0)
        goto failed;
    const Kefu__V1__Ticket *after = &updated->tickets[0];
    Kefu__V1__TicketTransitioned event = KEFU__V1__TICKET_TRANSITIONED__INIT;
    event.ticket = (Kefu__V1__Ticket *) after;
    event.transition = &transition.transitions[0];
    char resource[TICKETS_RESOURCE_MAX];
    tickets_resource ("ticket", ticket->id, resource, sizeof resource);
    if (kefu_outbox_append_message (db, "ticket.transitioned", resource, &event.base) != 0
    ||  tickets_apply_notify_owner (call, "ticket.transitioned", after) != 0)
        goto failed;
    if (strcmp (request->to, TICKETS_STATUS_DISPATCHED) == 0) {
        tickets_change_detail_t detail = { .reason = request->reason };
        if (tickets_store_dispatch_add (db, ticket->id, ticket->department_id, request->department_id, actor,
                                        request->reason, routing_rule_id, now_ms, &dispatch) != 0)
            goto failed;
        detail.dispatch = TICKETS_ROW (&dispatch, Kefu__V1__TicketDispatch, 0);
        if (tickets_apply_event (call, "ticket.dispatched", after, &detail) != 0)
            goto failed;
    }
    tickets_rows_release (&transition);
    tickets_rows_release (&dispatch);
    return 0;
failed:
    tickets_rows_release (&transition);
    tickets_rows_release (&dispatch);
    tickets_rows_release (updated);
    return -1;
}

int
tickets_apply_department_usable (kefu_call_t *call, int64_t department_id)
{
    tickets_rows_t rows = { 0 };
    int found = tickets_store_department_get (kefu_call_db (call), department_id, false, &rows);
    bool active = found == 0 && TICKETS_ROW (&rows, Kefu__V1__Department, 0)->active;
    tickets_rows_release (&rows);
    if (found < 0)
        return -1;
    if (found == 1)
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "unknown-department", "department_id",
                        "there is no department %" PRId64, department_id);
    else if (!active)
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "inactive-department", "department_id",
                        "department %" PRId64 " is inactive and receives no work", department_id);
    return active ? 1 : 0;
}

void
tickets_apply_finish (kefu_call_t *call, const char *action, const char *resource, const char *reason,
                      const ProtobufCMessage *reply)
{
    kefu_db_t *db = kefu_call_db (call);
    if (kefu_audit_record (call, action, resource, reason, 1) != 0 || kefu_db_commit (db) != 0) {
        tickets_apply_fail_db (call);
        return;
    }
    kefu_call_reply (call, reply);
}

void
tickets_apply_fail_db (kefu_call_t *call)
{
    kefu_db_t *db = kefu_call_db (call);
    const char *state = kefu_db_sqlstate (db);
    bool conflict = strcmp (state, SQLSTATE_UNIQUE_VIOLATION) == 0
                 || strcmp (state, SQLSTATE_FOREIGN_KEY_VIOLATION) == 0;
    kefu_db_rollback (db);
    if (conflict)
        kefu_call_fail (call, KEFU__V1__CODE__CONFLICT, "conflict", NULL,
                        "the change conflicts with the current state (a name taken, or still in use)");
    else
        kefu_call_fail_db (call);
}
