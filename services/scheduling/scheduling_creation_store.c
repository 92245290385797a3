/*  scheduling_creation_store: the SQL of the scheduling service's
 *  Idempotency-Keys. See scheduling_creation_store.h.
 */
#include "scheduling_creation_store.h"

#include <inttypes.h>
#include <stdio.h>

/*  $n::bigint milliseconds as a timestamptz. */
#define MS(n) "to_timestamp(" n "::bigint / 1000.0)"

enum { NUMBER_TEXT_SIZE = 24 };

static const kefu_sql_t sql_claim = {
    "scheduling_creation_key_claim",
    "INSERT INTO creation_keys (actor_staff_id, key, kind, request_hash, created_at) "
    "VALUES ($1, $2, $3, $4, " MS ("$5") ") ON CONFLICT DO NOTHING RETURNING 1"};
static const kefu_sql_t sql_read = {
    "scheduling_creation_key_read",
    "SELECT kind, request_hash, coalesce(created_id, 0) FROM creation_keys "
    "WHERE actor_staff_id = $1 AND key = $2"};
static const kefu_sql_t sql_bind = {
    "scheduling_creation_key_bind",
    "UPDATE creation_keys SET created_id = $3 WHERE actor_staff_id = $1 AND key = $2"};

int
scheduling_creation_store_claim (kefu_db_t *db, const char *actor, const char *key,
                                 const char *kind, const char *hash, int64_t now_ms,
                                 scheduling_creation_key_t *taken)
{
    char now_text[NUMBER_TEXT_SIZE];
    snprintf (now_text, sizeof now_text, "%" PRId64, now_ms);
    const char *values[] = {actor, key, kind, hash, now_text};
    PGresult *result = kefu_db_run (db, &sql_claim, 5, values);
    if (!result)
        return -1;
    bool claimed = PQntuples (result) == 1;
    PQclear (result);
    if (claimed)
        return 0;
    result = kefu_db_run (db, &sql_read, 2, values);
    if (!result)
        return -1;
    int rc = 2;
    if (PQntuples (result) == 1) {
        snprintf (taken->kind, sizeof taken->kind, "%s", PQgetvalue (result, 0, 0));
        snprintf (taken->request_hash, sizeof taken->request_hash, "%s",
                  PQgetvalue (result, 0, 1));
        taken->created_id = kefu_db_int64 (result, 0, 2);
        rc = 1;
    }
    PQclear (result);
    return rc;
}

int
scheduling_creation_store_bind (kefu_db_t *db, const char *actor, const char *key,
                                int64_t created_id)
{
    char id_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, created_id);
    const char *values[] = {actor, key, id_text};
    return kefu_db_command (db, &sql_bind, 3, values);
}
