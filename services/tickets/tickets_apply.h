/*  tickets_apply: the one way a ticket changes, shared by every handler.
 *
 *  Every method that changes a ticket (a transition, a hand-off, a watcher,
 *  a comment, an attachment, a dispatch, a merge) does the same inside one
 *  transaction: lock the ticket and check If-Match (tickets_apply_lock),
 *  write its change through tickets_store_update (which bumps the version,
 *  so the ETag changes with every change), append its event, and append
 *  ticket.owner_notified for the first-contact owner (TKT-5). Status changes
 *  all go through tickets_transition_apply: the one place where a hook
 *  (SLA deadlines) can see every move of every ticket.
 *
 *  The input checks every handler shares are here too: each answers the
 *  call itself and returns false when the input is bad.
 */
#ifndef TICKETS_APPLY_H_INCLUDED
#define TICKETS_APPLY_H_INCLUDED

#include "kefu/v1/tickets.pb-c.h"
#include "kefu_service.h"
#include "kefu_roles.h"
#include "kefu_text.h"
#include "tickets_store.h"

#include <stdbool.h>
#include <stdint.h>

/*  Field bounds, in characters (shared by every method). */
enum {
    TICKETS_CATEGORY_MAX = 100,
    TICKETS_SUBJECT_MAX = 200,
    TICKETS_DESCRIPTION_MAX = 10000,
    TICKETS_CUSTOMER_ID_MAX = 64,
    TICKETS_NAME_MAX = 200,
    TICKETS_CONTACT_MAX = 200,
    TICKETS_REMEDY_MAX = 4000,
    TICKETS_REASON_MAX = 2000,
    TICKETS_DEPARTMENT_MAX = 100,
    TICKETS_STAFF_ID_MAX = 64,
    TICKETS_LIST_DEFAULT = 50,
    TICKETS_LIST_MAX = 200,
    TICKETS_RESOURCE_MAX = 64,
    TICKETS_MESSAGE_MAX = 256
};

/*  "ticket/<id>", the subject of a ticket's events and its audit resource. */
void tickets_resource (const char *kind, int64_t id, char *out, size_t size);

/*  Check that `value` is one of `choices`; answer INVALID_ARGUMENT listing
 *  them and return false if not. */
bool tickets_choice_ok (kefu_call_t *call, const char *field, const char *value, const char *const *choices);

/*  The caller has one of `roles`; else answer PERMISSION_DENIED. The
 *  gateway checks the same, but the bus is open to other callers. */
bool tickets_roles_ok (kefu_call_t *call, kefu_roles_t roles);

/*  A page size: 0 = the default; else answer INVALID_ARGUMENT. */
bool tickets_page_ok (kefu_call_t *call, uint32_t requested, int64_t after, uint32_t *limit);

/*  Begin a transaction and lock ticket `id` into `current`. When the ticket
 *  is missing, or `expected_version` (0 = any) is not its version, or it is
 *  merged and `refuse_merged`, answer the call, roll back and return false
 *  (current released). Returns false with the call failed on a database
 *  error too. */
bool tickets_apply_lock (kefu_call_t *call, int64_t id, int64_t expected_version, bool refuse_merged,
                         tickets_rows_t *current);

/*  The same inside a transaction the caller began (and locked what it
 *  needed in an order of its own, e.g. tickets_store_lock_pair). */
bool tickets_apply_lock_begun (kefu_call_t *call, int64_t id, int64_t expected_version, bool refuse_merged,
                               tickets_rows_t *current);

/*  Begin a transaction and read ticket `id` (no lock) for a read method;
 *  false when answered (missing, or a database error). */
bool tickets_apply_read (kefu_call_t *call, int64_t id, tickets_rows_t *current);

/*  The details of a change for its event (all optional). */
typedef struct {
    const char *reason;
    const Kefu__V1__TicketHandoff *handoff;
    const Kefu__V1__TicketWatcher *watcher;
    const Kefu__V1__TicketComment *comment;
    const Kefu__V1__TicketAttachment *attachment;
    const Kefu__V1__TicketDispatch *dispatch;
    int64_t merged_ticket_id;
} tickets_change_detail_t;

/*  Append event `type` (a kefu.v1.TicketChanged about `ticket`, the state
 *  after the change) and the owner's notification. 0 or -1 (database). */
int tickets_apply_event (kefu_call_t *call, const char *type, const Kefu__V1__Ticket *ticket,
                         const tickets_change_detail_t *detail);

/*  Append ticket.owner_notified for `ticket` after a change of type
 *  `change`: subject staff/<owner_staff_id>. 0 or -1. */
int tickets_apply_notify_owner (kefu_call_t *call, const char *change, const Kefu__V1__Ticket *ticket);

/*  THE status change of a ticket: move the locked `ticket` to
 *  `request->to` with what `request` carries (the caller has checked that
 *  the move is allowed), write the history row, the dispatch record when
 *  moving to dispatched (`routing_rule_id` when a rule chose it), the
 *  event `ticket.transitioned`, the owner's notification, and return the
 *  new state in `updated` (the caller releases it). `merged_into` non-zero
 *  merges the ticket (status merged). 0, or -1 on a database failure. */
int tickets_transition_apply (kefu_call_t *call, const Kefu__V1__Ticket *ticket,
                              const Kefu__V1__TransitionTicketRequest *request, int64_t routing_rule_id,
                              int64_t merged_into, tickets_rows_t *updated);

/*  The Idempotency-Key of a creating method other than tickets.create,
 *  claimed inside the caller's transaction (DESIGN §4, §5). */
typedef enum {
    TICKETS_KEY_PROCEED,    /* no key, or claimed: create, then bind */
    TICKETS_KEY_REPLAY,     /* this key created *replay_id: answer with it */
    TICKETS_KEY_ANSWERED    /* the call was answered (malformed or reused key, a racing holder, or a
                               database failure): roll back */
} tickets_key_t;

tickets_key_t tickets_apply_key_claim (kefu_call_t *call, int64_t *replay_id);

/*  Bind the claimed key (if any) to what was created. 0 or -1. */
int tickets_apply_key_bind (kefu_call_t *call, int64_t created_id);

/*  The locked ticket is at `expected_version` (0 = any); else answer
 *  STALE_VERSION and return false (nothing rolled back). */
bool tickets_apply_version_ok (kefu_call_t *call, const Kefu__V1__Ticket *ticket, int64_t expected_version);

/*  Whether work may be dispatched to `department_id`: 1 yes; 0 no, the
 *  call answered (unknown or inactive department; nothing rolled back);
 *  -1 on a database failure. */
int tickets_apply_department_usable (kefu_call_t *call, int64_t department_id);

/*  The actor's roles joined with commas, for a history row. */
void tickets_actor_roles_text (const Kefu__V1__Actor *actor, char *out, size_t size);

/*  Audit, commit and answer with `reply`; on failure answer the database
 *  error. Releases nothing. */
void tickets_apply_finish (kefu_call_t *call, const char *action, const char *resource, const char *reason,
                           const ProtobufCMessage *reply);

/*  Roll back and answer the database error (a unique or foreign-key
 *  violation is answered CONFLICT: the state changed under the request). */
void tickets_apply_fail_db (kefu_call_t *call);

#endif
