/*  scheduling_creation: the one Idempotency-Key flow of the scheduling
 *  service. See scheduling_creation.h.
 */
#include "scheduling_creation.h"
#include "scheduling_creation_store.h"

#include "kefu_idempotency.h"
#include "kefu_time.h"

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

scheduling_creation_t
scheduling_creation_claim (kefu_call_t *call, const char *kind, int64_t *created_id)
{
    const char *key = creation_key (call);
    *created_id = 0;
    if (!*key)
        return SCHEDULING_CREATION_NEW;
    kefu_db_t *db = kefu_call_db (call);
    char hash[KEFU_IDEMPOTENCY_HASH_TEXT_SIZE];
    kefu_idempotency_request_hash (call, hash);
    scheduling_creation_key_t taken = {0};
    /*  The insert waits for a concurrent holder of the key: its commit
     *  leaves its row to read, its rollback lets this insert claim. Only a
     *  row gone between the insert and the read sends us round again. */
    for (int attempt = 0; attempt < KEFU_IDEMPOTENCY_ATTEMPTS; attempt++) {
        int claimed = scheduling_creation_store_claim (db, kefu_call_staff_id (call), key, kind,
                                                       hash, kefu_time_now_ms (), &taken);
        if (claimed < 0)
            return SCHEDULING_CREATION_FAILED;
        if (claimed == 0)
            return SCHEDULING_CREATION_NEW;
        if (claimed == 1)
            break;
    }
    if (!*taken.kind || taken.created_id == 0) {
        /*  Still free after every attempt, or committed without what it
         *  created: nothing to answer with yet. */
        kefu_call_fail_rollback (call, KEFU__V1__CODE__CONFLICT, "idempotency-key-busy",
                                 "Idempotency-Key",
                                 "another request with this Idempotency-Key is in progress; retry");
        return SCHEDULING_CREATION_ANSWERED;
    }
    if (strcmp (taken.kind, kind) != 0 || strcmp (taken.request_hash, hash) != 0) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__INVALID_ARGUMENT, "idempotency-key-reused",
                                 "Idempotency-Key",
                                 "this Idempotency-Key was used with a different request");
        return SCHEDULING_CREATION_ANSWERED;
    }
    *created_id = taken.created_id;
    return SCHEDULING_CREATION_REPLAY;
}

int
scheduling_creation_claim_or_replay (kefu_call_t *call, const char *kind,
                                     scheduling_creation_replay_fn *replay)
{
    int64_t created_id;
    switch (scheduling_creation_claim (call, kind, &created_id)) {
    case SCHEDULING_CREATION_NEW:
        return 0;
    case SCHEDULING_CREATION_REPLAY:
        kefu_db_rollback (kefu_call_db (call));
        replay (call, created_id);
        return 1;
    case SCHEDULING_CREATION_ANSWERED:
        return 1;
    case SCHEDULING_CREATION_FAILED:
        break;
    }
    return -1;
}

int
scheduling_creation_bind (kefu_call_t *call, int64_t created_id)
{
    const char *key = creation_key (call);
    if (!*key)
        return 0;
    return scheduling_creation_store_bind (kefu_call_db (call), kefu_call_staff_id (call), key,
                                           created_id);
}
