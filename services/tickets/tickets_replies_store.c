/*  tickets_replies_store: the SQL of standard replies, in one place. See
 *  tickets_replies_store.h.
 */
#include "tickets_replies_store.h"
#include "tickets_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  Every statement returning versions returns these columns, in this order,
 *  matched by reply_from_row(); v is reply_versions, r is replies. */
#define REPLY_COLUMNS                                                                             \
    "v.reply_id, v.version, r.latest_version, r.revision, v.category, v.title, v.body, v.state, " \
    "v.author_staff_id, v.approved_by, coalesce(rfc3339(v.approved_at), ''), v.retired_by, "     \
    "coalesce(rfc3339(v.retired_at), ''), rfc3339(v.created_at), v.row_id"
#define REPLY_FROM " FROM reply_versions v JOIN replies r ON r.id = v.reply_id "

enum { NUMBER_TEXT_SIZE = KEFU_DB_INT64_TEXT_SIZE, REPLY_COLUMN_ROW_ID = 14 };

static const kefu_sql_t sql_idempotency_read = {
    "replies_idempotency_read",
    "SELECT coalesce(reply_id, 0), coalesce(ticket_id, 0) FROM idempotency_keys "
    "WHERE actor_staff_id = $1 AND key = $2"
};
static const kefu_sql_t sql_idempotency_bind = {
    "replies_idempotency_bind",
    "UPDATE idempotency_keys SET reply_id = $3 WHERE actor_staff_id = $1 AND key = $2"
};
static const kefu_sql_t sql_reply_insert = {
    "replies_insert",
    "INSERT INTO replies (created_by, created_at) VALUES ($1, to_timestamp($2::bigint / 1000.0)) "
    "RETURNING id"
};
static const kefu_sql_t sql_version_insert = {
    "replies_version_insert",
    "INSERT INTO reply_versions (reply_id, version, category, title, body, state, author_staff_id, "
    "  created_at) VALUES ($1, $2, $3, $4, $5, 'draft', $6, to_timestamp($7::bigint / 1000.0))"
};
static const kefu_sql_t sql_reply_lock = {
    "replies_lock", "SELECT latest_version, revision FROM replies WHERE id = $1 FOR UPDATE"
};
static const kefu_sql_t sql_reply_touch = {
    "replies_touch",
    "UPDATE replies SET revision = revision + 1, latest_version = $2 WHERE id = $1"
};
static const kefu_sql_t sql_approved_version = {
    "replies_approved_version",
    "SELECT version FROM reply_versions WHERE reply_id = $1 AND state = 'approved'"
};
static const kefu_sql_t sql_version_approve = {
    "replies_version_approve",
    "UPDATE reply_versions SET state = 'approved', approved_by = $3, "
    "  approved_at = to_timestamp($4::bigint / 1000.0) "
    "WHERE reply_id = $1 AND version = $2 AND state = 'draft'"
};
static const kefu_sql_t sql_version_retire = {
    "replies_version_retire",
    "UPDATE reply_versions SET state = 'retired', retired_by = $3, "
    "  retired_at = to_timestamp($4::bigint / 1000.0) "
    "WHERE reply_id = $1 AND version = $2 AND state = 'approved'"
};
static const kefu_sql_t sql_reply_get = {
    "replies_get",
    "SELECT " REPLY_COLUMNS REPLY_FROM
    "WHERE v.reply_id = $1 AND v.version = CASE WHEN $2::integer = 0 THEN r.latest_version "
    "  ELSE $2::integer END"
};
static const kefu_sql_t sql_reply_versions = {
    "replies_versions",
    "SELECT " REPLY_COLUMNS REPLY_FROM "WHERE v.reply_id = $1 ORDER BY v.version"
};
/*  As tickets' list (tickets_store.c): empty filters match everything, the
 *  text search is tickets_search.h's over title and body, spelt as the
 *  indexes of migrations/0004 are, the plan is made per execution, and
 *  with a text query the order is spelt so that the text index drives. */
static const kefu_sql_t sql_reply_list = {
    "replies_list",
    "SELECT " REPLY_COLUMNS REPLY_FROM
    "WHERE v.row_id > $1 AND ($2 = '' OR v.category = $2) AND ($3 = '' OR v.state = $3) "
    "  AND ($4 = '' OR (v.title || E'\\n' || v.body) ILIKE $4) "
    "  AND ($5 = '' OR search_grams(v.title || E'\\n' || v.body) @> ARRAY[lower($5)]) "
    "ORDER BY CASE WHEN $4 = '' THEN v.row_id ELSE v.row_id + 0 END LIMIT $6"
};
static const kefu_sql_t sql_citable = {
    "replies_citable",
    "SELECT state = 'approved' FROM reply_versions WHERE reply_id = $1 AND version = $2 FOR SHARE"
};

void
tickets_replies_rows_release (tickets_replies_rows_t *rows)
{
    PQclear (rows->result);
    free (rows->replies);
    free (rows->reply_pointers);
    free (rows->row_ids);
    memset (rows, 0, sizeof *rows);
}


static void
reply_from_row (PGresult *result, int row, Kefu__V1__StandardReply *reply)
{
    kefu__v1__standard_reply__init (reply);
    int c = 0;
    reply->id = kefu_db_int64 (result, row, c++);
    reply->version = kefu_db_int64 (result, row, c++);
    reply->latest_version = kefu_db_int64 (result, row, c++);
    reply->revision = kefu_db_int64 (result, row, c++);
    reply->category = PQgetvalue (result, row, c++);
    reply->title = PQgetvalue (result, row, c++);
    reply->body = PQgetvalue (result, row, c++);
    reply->state = PQgetvalue (result, row, c++);
    reply->author_staff_id = PQgetvalue (result, row, c++);
    reply->approved_by = PQgetvalue (result, row, c++);
    reply->approved_at = PQgetvalue (result, row, c++);
    reply->retired_by = PQgetvalue (result, row, c++);
    reply->retired_at = PQgetvalue (result, row, c++);
    reply->created_at = PQgetvalue (result, row, c++);
}

/*  Take ownership of `result` and read its rows as versions. */
static int
rows_of_replies (PGresult *result, tickets_replies_rows_t *rows)
{
    memset (rows, 0, sizeof *rows);
    rows->result = result;
    rows->count = (size_t) PQntuples (result);
    if (rows->count == 0)
        return 0;
    rows->replies = calloc (rows->count, sizeof *rows->replies);
    rows->reply_pointers = calloc (rows->count, sizeof *rows->reply_pointers);
    rows->row_ids = calloc (rows->count, sizeof *rows->row_ids);
    if (!rows->replies || !rows->reply_pointers || !rows->row_ids) {
        tickets_replies_rows_release (rows);
        return -1;
    }
    for (size_t i = 0; i < rows->count; i++) {
        reply_from_row (result, (int) i, &rows->replies[i]);
        rows->reply_pointers[i] = &rows->replies[i];
        rows->row_ids[i] = kefu_db_int64 (result, (int) i, REPLY_COLUMN_ROW_ID);
    }
    return 0;
}

int
tickets_replies_store_idempotency_read (kefu_db_t *db, const char *actor, const char *key,
                                        int64_t *reply_id, int64_t *other_id)
{
    const char *values[] = { actor, key };
    PGresult *result = kefu_db_run (db, &sql_idempotency_read, 2, values);
    if (!result)
        return -1;
    *reply_id = PQntuples (result) == 1 ? kefu_db_int64 (result, 0, 0) : 0;
    *other_id = PQntuples (result) == 1 ? kefu_db_int64 (result, 0, 1) : 0;
    PQclear (result);
    return 0;
}

int
tickets_replies_store_idempotency_bind (kefu_db_t *db, const char *actor, const char *key,
                                        int64_t reply_id)
{
    char id[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (reply_id, id);
    const char *values[] = { actor, key, id };
    return kefu_db_command (db, &sql_idempotency_bind, 3, values);
}

int
tickets_replies_store_insert (kefu_db_t *db, const char *created_by, int64_t now_ms, int64_t *reply_id)
{
    char now[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (now_ms, now);
    const char *values[] = { created_by, now };
    PGresult *result = kefu_db_run (db, &sql_reply_insert, 2, values);
    if (!result)
        return -1;
    *reply_id = PQntuples (result) == 1 ? kefu_db_int64 (result, 0, 0) : 0;
    PQclear (result);
    return *reply_id ? 0 : -1;
}

int
tickets_replies_store_insert_version (kefu_db_t *db, int64_t reply_id, int64_t version,
                                      const char *category, const char *title, const char *body,
                                      const char *author, int64_t now_ms)
{
    char id[NUMBER_TEXT_SIZE], version_text[NUMBER_TEXT_SIZE], now[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (reply_id, id);
    kefu_db_int64_text (version, version_text);
    kefu_db_int64_text (now_ms, now);
    const char *values[] = { id, version_text, category, title, body, author, now };
    return kefu_db_command (db, &sql_version_insert, 7, values);
}

int
tickets_replies_store_lock (kefu_db_t *db, int64_t reply_id, int64_t *latest_version, int64_t *revision)
{
    char id[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (reply_id, id);
    const char *values[] = { id };
    PGresult *result = kefu_db_run (db, &sql_reply_lock, 1, values);
    if (!result)
        return -1;
    int found = PQntuples (result) == 1;
    if (found) {
        *latest_version = kefu_db_int64 (result, 0, 0);
        *revision = kefu_db_int64 (result, 0, 1);
    }
    PQclear (result);
    return found ? 0 : 1;
}

int
tickets_replies_store_touch (kefu_db_t *db, int64_t reply_id, int64_t latest_version)
{
    char id[NUMBER_TEXT_SIZE], latest[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (reply_id, id);
    kefu_db_int64_text (latest_version, latest);
    const char *values[] = { id, latest };
    return kefu_db_command (db, &sql_reply_touch, 2, values);
}

int
tickets_replies_store_approved_version (kefu_db_t *db, int64_t reply_id, int64_t *version)
{
    char id[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (reply_id, id);
    const char *values[] = { id };
    PGresult *result = kefu_db_run (db, &sql_approved_version, 1, values);
    if (!result)
        return -1;
    *version = PQntuples (result) == 1 ? kefu_db_int64 (result, 0, 0) : 0;
    PQclear (result);
    return 0;
}

/*  Run a state change of one version; exactly one row must change. */
static int
version_change (kefu_db_t *db, const kefu_sql_t *statement, int64_t reply_id, int64_t version,
                const char *actor, int64_t now_ms)
{
    char id[NUMBER_TEXT_SIZE], version_text[NUMBER_TEXT_SIZE], now[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (reply_id, id);
    kefu_db_int64_text (version, version_text);
    kefu_db_int64_text (now_ms, now);
    const char *values[] = { id, version_text, actor, now };
    PGresult *result = kefu_db_run (db, statement, 4, values);
    if (!result)
        return -1;
    int changed = atoi (PQcmdTuples (result));
    PQclear (result);
    return changed == 1 ? 0 : 1;
}

int
tickets_replies_store_approve (kefu_db_t *db, int64_t reply_id, int64_t version, const char *actor,
                               int64_t now_ms)
{
    return version_change (db, &sql_version_approve, reply_id, version, actor, now_ms);
}

int
tickets_replies_store_retire (kefu_db_t *db, int64_t reply_id, int64_t version, const char *actor,
                              int64_t now_ms)
{
    return version_change (db, &sql_version_retire, reply_id, version, actor, now_ms);
}

int
tickets_replies_store_get (kefu_db_t *db, int64_t reply_id, int64_t version, tickets_replies_rows_t *rows)
{
    char id[NUMBER_TEXT_SIZE], version_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (reply_id, id);
    kefu_db_int64_text (version, version_text);
    const char *values[] = { id, version_text };
    PGresult *result = kefu_db_run (db, &sql_reply_get, 2, values);
    if (!result || rows_of_replies (result, rows) != 0)
        return -1;
    return rows->count == 1 ? 0 : 1;
}

int
tickets_replies_store_versions (kefu_db_t *db, int64_t reply_id, tickets_replies_rows_t *rows)
{
    char id[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (reply_id, id);
    const char *values[] = { id };
    PGresult *result = kefu_db_run (db, &sql_reply_versions, 1, values);
    if (!result || rows_of_replies (result, rows) != 0)
        return -1;
    return rows->count > 0 ? 0 : 1;
}

int
tickets_replies_store_list (kefu_db_t *db, int64_t after, const char *category, const char *state,
                            const tickets_search_text_t *text, uint32_t limit,
                            tickets_replies_rows_t *rows)
{
    char after_text[NUMBER_TEXT_SIZE], limit_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (after, after_text);
    kefu_db_int64_text (limit, limit_text);
    const char *values[] = { after_text, category, state, text->pattern, text->gram, limit_text };
    if (tickets_store_custom_plans (db) != 0)
        return -1;
    PGresult *result = kefu_db_run (db, &sql_reply_list, 6, values);
    if (!result)
        return -1;
    return rows_of_replies (result, rows);
}

int
tickets_replies_store_citable (kefu_db_t *db, int64_t reply_id, int64_t version, bool *citable)
{
    char id[NUMBER_TEXT_SIZE], version_text[NUMBER_TEXT_SIZE];
    kefu_db_int64_text (reply_id, id);
    kefu_db_int64_text (version, version_text);
    const char *values[] = { id, version_text };
    PGresult *result = kefu_db_run (db, &sql_citable, 2, values);
    if (!result)
        return -1;
    *citable = PQntuples (result) == 1 && kefu_db_bool (result, 0, 0);
    PQclear (result);
    return 0;
}
