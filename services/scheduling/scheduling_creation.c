/*  scheduling_creation: Idempotency-Key of workforce creations. See
 *  scheduling_creation.h.
 */
#include "scheduling_creation.h"
#include "scheduling_swaps_store.h"

#include "kefu_idempotency.h"

#include <string.h>

static const char *
creation_key (kefu_call_t *call)
{
    const Kefu__V1__Request *request = kefu_call_request (call);
    return request && request->idempotency_key ? request->idempotency_key : "";
}

bool
scheduling_creation_key_ok (kefu_call_t *call)
{
    return kefu_idempotency_key_check (call);
}

int
scheduling_creation_claim (kefu_call_t *call, const char *kind,
                           scheduling_creation_replay_fn *replay)
{
    const char *key = creation_key (call);
    if (!*key)
        return 0;
    kefu_db_t *db = kefu_call_db (call);
    char hash[KEFU_IDEMPOTENCY_HASH_TEXT_SIZE], stored_hash[KEFU_IDEMPOTENCY_HASH_TEXT_SIZE];
    kefu_idempotency_request_hash (call, hash);
    bool claimed;
    int64_t created_id = 0;
    if (scheduling_swaps_store_key_claim (db, kefu_call_staff_id (call), key, kind, hash, &claimed,
                                          stored_hash, &created_id) != 0)
        return -1;
    if (claimed)
        return 0;
    kefu_db_rollback (db);
    if (strcmp (stored_hash, hash) != 0)
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "idempotency-key-reused",
                        "Idempotency-Key",
                        "this Idempotency-Key was used with a different request");
    else
        replay (call, created_id);
    return 1;
}

int
scheduling_creation_bind (kefu_call_t *call, const char *kind, int64_t created_id)
{
    const char *key = creation_key (call);
    if (!*key)
        return 0;
    return scheduling_swaps_store_key_bind (kefu_call_db (call), kefu_call_staff_id (call), key,
                                            kind, created_id);
}
