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
} tickets_rows_t;

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

/*  Insert a new ticket in TICKETS_STATUS_INITIAL; received_at_ms 0 = now. */
int tickets_store_insert (kefu_db_t *db, const Kefu__V1__CreateTicketRequest *request,
                          const char *owner_staff_id, int64_t received_at_ms, tickets_rows_t *rows);

/*  One ticket by id; for_update locks it for the rest of the transaction.
 *  1 if there is none. */
int tickets_store_get (kefu_db_t *db, int64_t id, bool for_update, tickets_rows_t *rows);

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
} tickets_changes_t;

/*  Move ticket `id` to `to`, bump its version, apply `changes`. */
int tickets_store_update (kefu_db_t *db, int64_t id, const char *to, const tickets_changes_t *changes,
                          tickets_rows_t *rows);

/*  Append to the transition history; the row written comes back. */
int tickets_store_record_transition (kefu_db_t *db, int64_t ticket_id, const char *from, const char *to,
                                     const char *actor_staff_id, const char *actor_roles,
                                     const char *reason, int64_t version, tickets_rows_t *rows);

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

#endif
