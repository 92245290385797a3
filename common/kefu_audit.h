/*  kefu_audit: write an audit record (AUD-1) in the caller's transaction.
 *
 *  Every access to customer data and every change is recorded where it
 *  happens: the record is an outbox event "audit.record.<action>" in the
 *  same transaction as the access (DESIGN.md §2), so the audit service may
 *  be down without a record being lost, and a failed access leaves none.
 */
#ifndef KEFU_AUDIT_H_INCLUDED
#define KEFU_AUDIT_H_INCLUDED

#include "kefu_service.h"

#include <stdint.h>

/*  Record that the caller of `call` did `action` ("ticket.viewed") on
 *  `resource` ("ticket/42"), for `reason` (may be NULL), touching
 *  `record_count` customer records. Uses the call's database connection,
 *  which must be inside a transaction. Returns 0 or -1 (kefu_db_error). */
int kefu_audit_record (kefu_call_t *call, const char *action, const char *resource,
                       const char *reason, uint32_t record_count);

/*  Finish a change the call made: append the event `event_type` about
 *  `resource` carrying `message` to the outbox, record the same action for
 *  audit (`reason`, `record_count` as kefu_audit_record), commit the call's
 *  transaction and answer with `message`, so a change, its event and its
 *  audit record commit together. Returns 0 when committed and answered, -1
 *  on a database failure: nothing answered, the transaction is the caller's
 *  to roll back (kefu_call_fail_db_rollback). `message` stays the
 *  caller's. */
int kefu_audit_commit_change (kefu_call_t *call, const char *event_type, const char *resource,
                              const char *reason, uint32_t record_count,
                              const ProtobufCMessage *message);

/*  The same with another actor than the call's: a login, where the one
 *  acting is the person named in the request, not yet an authenticated
 *  caller. */
int kefu_audit_record_as (kefu_call_t *call, const Kefu__V1__Actor *actor, const char *action,
                          const char *resource, const char *reason, uint32_t record_count);

/*  The same for work no request asked for (a background engine acting on
 *  its own): `actor` names it (e.g. staff_id "system:sla"), there is no
 *  request or trace id, and `db` is the engine's connection, inside a
 *  transaction. */
int kefu_audit_record_system (kefu_db_t *db, const Kefu__V1__Actor *actor, const char *action,
                              const char *resource, const char *reason, uint32_t record_count);

#endif
