/*  scheduling_creation_store: the SQL of the scheduling service's
 *  Idempotency-Keys (table creation_keys, migrations/0008). The flow that
 *  uses it is scheduling_creation.c.
 */
#ifndef SCHEDULING_CREATION_STORE_H_INCLUDED
#define SCHEDULING_CREATION_STORE_H_INCLUDED

#include "kefu_db.h"
#include "kefu_idempotency.h"

#include <stdbool.h>
#include <stdint.h>

/*  Longest kind name and its NUL (the kinds are in migrations/0008). */
enum { SCHEDULING_CREATION_KIND_SIZE = 32 };

/*  What a key taken before was given to. */
typedef struct {
    char kind[SCHEDULING_CREATION_KIND_SIZE];
    char request_hash[KEFU_IDEMPOTENCY_HASH_TEXT_SIZE];
    int64_t created_id; /* 0: none bound */
} scheduling_creation_key_t;

/*  In the caller's transaction: claim (actor, key) for `kind` and request
 *  `hash` at now_ms. A concurrent holder of the key is waited for (the
 *  primary key): its commit makes this a conflict, its rollback lets this
 *  claim. Returns 0 claimed, 1 taken before (*taken says by what), 2 taken
 *  and gone again (its row no longer visible: claim again), -1 on a
 *  database failure. */
int scheduling_creation_store_claim (kefu_db_t *db, const char *actor, const char *key,
                                     const char *kind, const char *hash, int64_t now_ms,
                                     scheduling_creation_key_t *taken);

/*  Bind the claimed (actor, key) to what its request created. */
int scheduling_creation_store_bind (kefu_db_t *db, const char *actor, const char *key,
                                    int64_t created_id);

#endif
