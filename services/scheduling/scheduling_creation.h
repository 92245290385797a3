/*  scheduling_creation: the Idempotency-Key of the requests that create
 *  swaps, handover logs, countersignatures and security-desk handovers.
 *
 *  DESIGN.md §4: a POST that creates may carry a key; the same key (of the
 *  same person) with the same request answers with what the first one
 *  created, with another request it is 422 idempotency-key-reused. The key
 *  is claimed first thing in the creation's transaction and bound to what
 *  it created before the commit, so a creation and its key commit or roll
 *  back together, and a second request with the key waits for the first.
 *  Rows: workforce_creation_keys (migrations/0005), SQL in
 *  scheduling_swaps_store.c.
 */
#ifndef SCHEDULING_CREATION_H_INCLUDED
#define SCHEDULING_CREATION_H_INCLUDED

#include "kefu_service.h"

#include <stdbool.h>
#include <stdint.h>

/*  Answer a repeated creation with what `created_id` names (its own read). */
typedef void (scheduling_creation_replay_fn) (kefu_call_t *call, int64_t created_id);

/*  Before any transaction: the key is absent or well-formed; false when
 *  answered (400-class). */
bool scheduling_creation_key_ok (kefu_call_t *call);

/*  In the creation's open transaction, before anything else: returns 0 to
 *  go on (no key, or the key claimed), 1 when the call was answered (rolled
 *  back; replayed with `replay`, or refused as reused), -1 on a database
 *  failure. */
int scheduling_creation_claim (kefu_call_t *call, const char *kind,
                               scheduling_creation_replay_fn *replay);

/*  Bind the claimed key to what was created (nothing without a key). */
int scheduling_creation_bind (kefu_call_t *call, const char *kind, int64_t created_id);

#endif
