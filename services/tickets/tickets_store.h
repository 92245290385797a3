/*  tickets_store: every SQL statement of the tickets service.
 *
 *  The handlers decide; this file talks to PostgreSQL. Rows come back as
 *  protobuf messages whose strings borrow from the PGresult they were read
 *  from, so a tickets_rows_t must be released (tickets_rows_release) and its
 *  messages not used after that. Every function returns 0 on success, 1
 *  where it says "not found", and -1 on a database failure (the reason is in
 *  kefu_db_error; the caller answers with kefu_call_fail_db).
 */
#ifndef TICKETS_STORE_H_INCLUDED
#define TICKETS_STORE_H_INCLUDED

#include "kefu/v1/tickets.pb-c.h"
#include "kefu_db.h"
#include "tickets_search.h"

#include <stdbool.h>
#include <stdint.h>

/*  Rows of tickets or of transitions, borrowed from one PGresult. */
typedef struct {
    PGresult *result;
    size_t count;
    Kefu__V1__Ticket *tickets;              /* count of them, or NULL */
    Kefu__V1__Ticket **ticket_pointers;     /* for repeated fields */
    Kefu__V1__TicketTransition *transitions;
    Kefu__V1__TicketTransition **transition_pointers;
    /*  Rows of any other message (hand-offs, watchers, comments, ...):
     *  count of them, each of the type the function filling it names. */
    void *messages;
    void **message_pointers;
} tickets_rows_t;

/*  Row `i` of rows filled with messages of type `type`. */
#define TICKETS_ROW(rows, type, i) (&((type *) (rows)->messages)[i])

void tickets_rows_release (tickets_rows_t *rows);

#include "kefu_idempotency.h"

/*  Claim an idempotency key for `actor`. *claimed is false if the key was
 *  already taken; then `stored_hash` (KEFU_IDEMPOTENCY_HASH_TEXT_SIZE bytes) and
 *  *ticket_id say what it was taken for; stored_hash is "" if the holder
 *  rolled back meanwhile (the caller may try again). Waits for a racing
 *  transaction holding the same key to finish, so exactly one of two racing
 *  requests claims it. */
int tickets_store_idempotency_claim (kefu_db_t *db, const char *actor, const char *key, const char *hash,
                                     bool *claimed, char *stored_hash, size_t stored_hash_size,
                                     int64_t *ticket_id);

/*  Record which ticket a claimed key created. */
int tickets_store_idempotency_bind (kefu_db_t *db, const char *actor, const char *key, int64_t ticket_id);

/*  Insert a new ticket in TICKETS_STATUS_INITIAL, created at `now_ms`
 *  (kefu_time_now_ms: the driven clock, never the database's); received
 *  at received_at_ms, 0 = now_ms. */
int tickets_store_insert (kefu_db_t *db, const Kefu__V1__CreateTicketRequest *request,
                          const char *owner_staff_id, int64_t received_at_ms, int64_t now_ms, tickets_rows_t *rows);

/*  One ticket by id; for_update locks it for the rest of the transaction.
 *  1 if there is none. */
int tickets_store_get (kefu_db_t *db, int64_t id, bool for_update, tickets_rows_t *rows);

/*  Lock tickets `a` and `b` (FOR UPDATE) in id order, so that two
 *  transactions taking the same two never wait for each other in a
 *  circle. Missing ids are skipped. 0 or -1. */
int tickets_store_lock_pair (kefu_db_t *db, int64_t a, int64_t b);

/*  What a transition writes besides the status: NULL fields stay as they
 *  are. */
typedef struct {
    const char *responsible_department;
    const char *responsible_person;
    const char *remedy;
    const char *remedy_proposed_by;
    const char *remedy_approved_by;
    const char *customer_confirmation;
    const char *rejection_explanation;
    const char *review_summary;
    const char *responsible_party;
    const char *sanction;
    const char *confirmation_method;
    int64_t merged_into;                    /* 0: as it is */
    int64_t department_id;                  /* 0: as it is */
    const char *assignee_staff_id;
} tickets_changes_t;

/*  Move ticket `id` to `to` (NULL: the status stays), bump its version,
 *  apply `changes`, updated at `at_ms`. Every change of a ticket goes
 *  through here, so the version counts every change. 1 if there is no
 *  such ticket. */
int tickets_store_update (kefu_db_t *db, int64_t id, const char *to, const tickets_changes_t *changes,
                          int64_t at_ms, tickets_rows_t *rows);

/*  Append to the transition history, at `at_ms`; the row written comes
 *  back. */
int tickets_store_record_transition (kefu_db_t *db, int64_t ticket_id, const char *from, const char *to,
                                     const char *actor_staff_id, const char *actor_roles,
                                     const char *reason, int64_t version, int64_t at_ms, tickets_rows_t *rows);

/*  What a list asks for: the request's filters, checked, with its text
 *  query and date ranges prepared (tickets_search.h). */
typedef struct {
    const Kefu__V1__ListTicketsRequest *filters;
    tickets_search_text_t text;
    int64_t created_from_ms, created_to_ms;     /* INT64_MIN: not given */
    int64_t received_from_ms, received_to_ms;
} tickets_list_query_t;

/*  A page of tickets with id > filters->after, in id order, at most
 *  `limit`; empty filters match anything. */
int tickets_store_list (kefu_db_t *db, const tickets_list_query_t *query, uint32_t limit,
                        tickets_rows_t *rows);

/*  Plan the statements of the current transaction for their parameters'
 *  values (see tickets_store.c); used before every search. */
int tickets_store_custom_plans (kefu_db_t *db);

/*  The whole history of ticket `id`, oldest first. */
int tickets_store_history (kefu_db_t *db, int64_t id, tickets_rows_t *rows);

/* --- the parts of a ticket: each "add" returns the row written, each
 *     list the ticket's rows oldest first; `at_ms` is the service clock. */

/*  Kefu__V1__TicketHandoff rows. */
int tickets_store_handoff_add (kefu_db_t *db, int64_t ticket_id, const char *from, const char *to,
                               const char *by, const char *reason, int64_t at_ms, tickets_rows_t *rows);
int tickets_store_handoffs (kefu_db_t *db, int64_t ticket_id, tickets_rows_t *rows);

/*  Kefu__V1__TicketWatcher rows. Add returns 1 when the staff member
 *  already watches; remove returns 1 when they did not. */
int tickets_store_watcher_add (kefu_db_t *db, int64_t ticket_id, const char *staff_id, const char *by,
                               int64_t at_ms, tickets_rows_t *rows);
int tickets_store_watcher_remove (kefu_db_t *db, int64_t ticket_id, const char *staff_id, tickets_rows_t *rows);
int tickets_store_watchers (kefu_db_t *db, int64_t ticket_id, tickets_rows_t *rows);

/*  Claim `key` of `actor` for `method` with request `hash` (the other
 *  creating methods; tickets use tickets_store_idempotency_claim). As that
 *  one: *claimed false when taken, then `stored` says by what
 *  (stored->hash "" when the holder rolled back meanwhile). */
enum { TICKETS_STORE_METHOD_SIZE = 64 };     /* "routing_rules.create" and its NUL fit */

typedef struct {
    char method[TICKETS_STORE_METHOD_SIZE];
    char hash[KEFU_IDEMPOTENCY_HASH_TEXT_SIZE];
    int64_t result_id;
} tickets_creation_key_t;

int tickets_store_creation_key_claim (kefu_db_t *db, const char *actor, const char *key, const char *method,
                                      const char *hash, bool *claimed, tickets_creation_key_t *stored);

/*  Record what a claimed key created. */
int tickets_store_creation_key_bind (kefu_db_t *db, const char *actor, const char *key, int64_t result_id);

/*  One comment or attachment by id (of ticket `ticket_id`); 1 if none. */
int tickets_store_comment_get (kefu_db_t *db, int64_t ticket_id, int64_t id, tickets_rows_t *rows);
int tickets_store_attachment_get (kefu_db_t *db, int64_t ticket_id, int64_t id, tickets_rows_t *rows);

/*  Kefu__V1__TicketComment rows; `visibility` "" lists every one. A comment
 *  cites version `reply_version` of standard reply `reply_id` (0, 0: none;
 *  the caller has checked it with tickets_replies_citable). */
int tickets_store_comment_add (kefu_db_t *db, int64_t ticket_id, const char *body, const char *visibility,
                               const char *author, int64_t reply_id, int64_t reply_version, int64_t at_ms,
                               tickets_rows_t *rows);
int tickets_store_comments (kefu_db_t *db, int64_t ticket_id, const char *visibility, tickets_rows_t *rows);

/*  Kefu__V1__TicketAttachment rows. */
int tickets_store_attachment_add (kefu_db_t *db, const Kefu__V1__AddAttachmentRequest *request,
                                  const char *by, int64_t at_ms, tickets_rows_t *rows);
int tickets_store_attachments (kefu_db_t *db, int64_t ticket_id, tickets_rows_t *rows);

/*  Kefu__V1__TicketDispatch rows; from 0 = first dispatch, rule 0 = by hand. */
int tickets_store_dispatch_add (kefu_db_t *db, int64_t ticket_id, int64_t from_department, int64_t to_department,
                                const char *by, const char *reason, int64_t rule_id, int64_t at_ms,
                                tickets_rows_t *rows);
int tickets_store_dispatches (kefu_db_t *db, int64_t ticket_id, tickets_rows_t *rows);

/*  Carry the history, comments, attachments and watchers of `duplicate`
 *  over to `primary` (copies marked merged_from_ticket_id = duplicate; the
 *  duplicate keeps its own). */
int tickets_store_merge_parts (kefu_db_t *db, int64_t duplicate, int64_t primary);

/*  TKT-8: a page of tickets by responsible department / person / party. */
int tickets_store_accountability (kefu_db_t *db, const Kefu__V1__ListAccountabilityRequest *filters,
                                  uint32_t limit, tickets_rows_t *rows);

/* --- departments and routing rules (TKT-6) ---------------------------- */

/*  Kefu__V1__Department rows. Create returns 1 if the name is taken;
 *  get/update/delete return 1 when there is no such department. An update
 *  with expected_version != 0 that does not match returns 2. */
int tickets_store_department_create (kefu_db_t *db, const char *name, int64_t at_ms, tickets_rows_t *rows);
int tickets_store_department_get (kefu_db_t *db, int64_t id, bool for_update, tickets_rows_t *rows);
int tickets_store_department_update (kefu_db_t *db, int64_t id, const char *name, bool active,
                                     int64_t at_ms, tickets_rows_t *rows);
int tickets_store_department_delete (kefu_db_t *db, int64_t id, tickets_rows_t *rows);
int tickets_store_departments (kefu_db_t *db, int64_t after, uint32_t limit, tickets_rows_t *rows);

/*  Kefu__V1__RoutingRule rows. Create returns 1 if the category has a
 *  rule; get/update/delete return 1 when there is no such rule. */
int tickets_store_rule_create (kefu_db_t *db, const char *category, int64_t department_id, int64_t at_ms,
                               tickets_rows_t *rows);
int tickets_store_rule_get (kefu_db_t *db, int64_t id, bool for_update, tickets_rows_t *rows);
int tickets_store_rule_update (kefu_db_t *db, int64_t id, const char *category, int64_t department_id,
                               int64_t at_ms, tickets_rows_t *rows);
int tickets_store_rule_delete (kefu_db_t *db, int64_t id, tickets_rows_t *rows);
int tickets_store_rules (kefu_db_t *db, int64_t after, uint32_t limit, tickets_rows_t *rows);

/*  The rule of `category` whose department is active: 0 with *rule_id
 *  and *department_id, or 1 when there is none. */
int tickets_store_route (kefu_db_t *db, const char *category, int64_t *rule_id, int64_t *department_id);

#endif
