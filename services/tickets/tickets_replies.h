/*  tickets_replies: standard replies (TKT-10, 统一的答复口径), the approved
 *  answers per category that agents give, served by the tickets service.
 *
 *  The rules (proto/kefu/v1/replies.proto): versions draft -> approved ->
 *  retired; an edit writes a new draft version and older versions stay
 *  readable; only the latest version may be approved, by a supervisor or a
 *  manager who did not write it, which retires the version approved before;
 *  a supervisor or manager retires an approved version. Every change bumps
 *  the reply's revision (its ETag), writes an event (reply.*) and an audit
 *  record in the same transaction.
 */
#ifndef TICKETS_REPLIES_H_INCLUDED
#define TICKETS_REPLIES_H_INCLUDED

#include "kefu/v1/replies.pb-c.h"
#include "kefu_db.h"
#include "kefu_service.h"

#include <stdbool.h>
#include <stdint.h>

/*  Handlers of replies.create, .get, .versions, .update, .approve, .retire
 *  and .list, listed in tickets_methods (tickets_handlers.c). */
void tickets_replies_create (kefu_call_t *call);
void tickets_replies_get (kefu_call_t *call);
void tickets_replies_versions (kefu_call_t *call);
void tickets_replies_update (kefu_call_t *call);
void tickets_replies_approve (kefu_call_t *call);
void tickets_replies_retire (kefu_call_t *call);
void tickets_replies_list (kefu_call_t *call);

/*  May a ticket comment cite version `version` of standard reply
 *  `reply_id`? Sets *citable to true when that version exists and is
 *  approved, false otherwise (no such reply or version, a draft, a retired
 *  version). Call it inside the transaction that writes the citation: the
 *  version is locked FOR SHARE until that transaction ends, so it cannot be
 *  retired between this answer and the commit. Returns 0, or -1 on a
 *  database failure (kefu_db_error says why; *citable is then false).
 *  Writes nothing. */
int tickets_replies_citable (kefu_db_t *db, int64_t reply_id, int64_t version, bool *citable);

#endif
