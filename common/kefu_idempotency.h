/*  kefu_idempotency: the Idempotency-Key of a creating request.
 *
 *  DESIGN.md §4 and §5: a creating request may carry a key (1..255 visible
 *  ASCII characters); the same key with the same request returns the first
 *  result, the same key with another request is refused. A service stores
 *  the key, scoped to the acting staff id, with a hash of the request in the
 *  same transaction as the effect (its own table, in its *_store.c); this
 *  class holds what every service checks and computes the same way.
 */
#ifndef KEFU_IDEMPOTENCY_H_INCLUDED
#define KEFU_IDEMPOTENCY_H_INCLUDED

#include "kefu_service.h"

#include <stdbool.h>

enum {
    KEFU_IDEMPOTENCY_KEY_MAX = 255,
    /*  A request hash as hex (BLAKE2b-256) and its NUL. */
    KEFU_IDEMPOTENCY_HASH_TEXT_SIZE = 65,
    /*  Two racing requests with one key: the loser waits for the winner; if
     *  the winner rolls back, claim again, this many times at most. */
    KEFU_IDEMPOTENCY_ATTEMPTS = 3,
};

/*  Check the call's key (empty: none). Returns true if it is absent or
 *  well-formed; otherwise answers INVALID_ARGUMENT naming Idempotency-Key
 *  and returns false. */
bool kefu_idempotency_key_check (kefu_call_t *call);

/*  The hash a key is bound to: BLAKE2b-256 of the request's payload as sent,
 *  as lower-case hex. The gateway packs the payload from parsed JSON, so the
 *  same body gives the same bytes whatever its key order or spacing. */
void kefu_idempotency_request_hash (kefu_call_t *call, char out[KEFU_IDEMPOTENCY_HASH_TEXT_SIZE]);

#endif
