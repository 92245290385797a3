/*  scheduling_creation: the one Idempotency-Key flow of the scheduling
 *  service's creating requests (swaps, handover logs, countersignatures,
 *  security-desk handovers, leave, evaluations, titles, grade changes).
 *
 *  DESIGN.md §4, as tickets answers: a POST that creates may carry a key,
 *  scoped to the acting person; the same key with the same request answers
 *  with what the first one created; the same key with another request, or
 *  on another kind of creation, is 422 idempotency-key-reused. The key is
 *  claimed first thing in the creation's transaction and bound to what it
 *  created before the commit, so a creation and its key commit or roll
 *  back together; a concurrent duplicate waits for the first (the table's
 *  primary key) and then answers as a replay. Rows: creation_keys
 *  (migrations/0008), SQL in scheduling_creation_store.c.
 */
#ifndef SCHEDULING_CREATION_H_INCLUDED
#define SCHEDULING_CREATION_H_INCLUDED

#include "kefu_service.h"

#include <stdbool.h>
#include <stdint.h>

/*  The kinds of creation a key is bound to (migrations/0008 lists them). */
#define SCHEDULING_CREATION_SWAP             "swap"
#define SCHEDULING_CREATION_HANDOVER         "handover"
#define SCHEDULING_CREATION_COUNTERSIGNATURE "countersignature"
#define SCHEDULING_CREATION_SECURITY_DESK    "security_desk"
#define SCHEDULING_CREATION_LEAVE            "leave"
#define SCHEDULING_CREATION_EVALUATION       "evaluation"
#define SCHEDULING_CREATION_TITLE            "title"
#define SCHEDULING_CREATION_GRADE_CHANGE     "grade_change"

/*  What claiming the call's key found. */
typedef enum {
    SCHEDULING_CREATION_FAILED = -1, /* database failure; the caller answers */
    SCHEDULING_CREATION_NEW = 0,     /* no key, or claimed now: go on, bind what is created */
    SCHEDULING_CREATION_REPLAY,      /* the same request before: *created_id is what it made;
                                        the transaction is still open */
    SCHEDULING_CREATION_ANSWERED     /* refused (reused or still unbound); rolled back */
} scheduling_creation_t;

/*  Answer a repeated creation with what `created_id` names; called with no
 *  transaction open. */
typedef void (scheduling_creation_replay_fn) (kefu_call_t *call, int64_t created_id);

/*  Before any transaction: the key is absent or well-formed; false when
 *  answered (400-class). */
bool scheduling_creation_key_ok (kefu_call_t *call);

/*  In the creation's open transaction, before anything else: claim the
 *  call's key for `kind`. */
scheduling_creation_t scheduling_creation_claim (kefu_call_t *call, const char *kind,
                                                 int64_t *created_id);

/*  scheduling_creation_claim, a replay answered by `replay` after the
 *  rollback: returns 0 to go on, 1 when the call was answered, -1 on a
 *  database failure. */
int scheduling_creation_claim_or_replay (kefu_call_t *call, const char *kind,
                                         scheduling_creation_replay_fn *replay);

/*  Bind the claimed key to what was created (nothing without a key). */
int scheduling_creation_bind (kefu_call_t *call, int64_t created_id);

#endif
