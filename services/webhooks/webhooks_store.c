/*  webhooks_store: the SQL of the webhooks service, in one place. See
 *  webhooks_store.h. Tables: migrations/0001_webhooks.sql.
 */
#include "webhooks_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  Every statement that returns webhooks returns these columns, in this
 *  order, matched by webhook_from_row(). Prefixes travel joined by a
 *  newline, which they cannot contain (the handlers refuse control
 *  characters), so no array syntax needs parsing. */
#define WEBHOOK_COLUMNS                                                              \
    "w.id, w.url, array_to_string(w.event_types, E'\\n'), w.description, w.status, " \
    "rfc3339(w.created_at), rfc3339(w.updated_at), w.number"

/*  The same for deliveries, matched by delivery_from_row(). */
#define DELIVERY_COLUMNS                                                                    \
    "d.id, d.webhook_id, d.event_id, d.event_source, d.event_seq, d.event_type, d.status, " \
    "d.attempts, d.last_status_code, d.last_error, d.last_latency_ms, "                     \
    "CASE WHEN d.status = 'pending' THEN rfc3339(d.next_attempt_at) ELSE '' END, "          \
    "coalesce(rfc3339(d.delivered_at), ''), rfc3339(d.created_at), "                        \
    "coalesce(rfc3339(d.last_attempt_at), '')"

enum { NUMBER_TEXT_SIZE = 24 };

/*  The channel of the wake-ups; also in the trigger of the migration. */
#define WAKE_CHANNEL "kefu_webhooks_deliveries"

/*  The statements keep the layout of the SQL they hold, one clause per
 *  line, rather than the formatter's. */
/* clang-format off */
static const kefu_sql_t sql_idempotency_claim = {
    "webhooks_idempotency_claim",
    "INSERT INTO idempotency_keys (actor_staff_id, key, request_hash) VALUES ($1, $2, $3) "
    "ON CONFLICT DO NOTHING RETURNING 1"
};
static const kefu_sql_t sql_idempotency_read = {
    "webhooks_idempotency_read",
    "SELECT request_hash, coalesce(webhook_id, '') FROM idempotency_keys "
    "WHERE actor_staff_id = $1 AND key = $2"
};
static const kefu_sql_t sql_idempotency_bind = {
    "webhooks_idempotency_bind",
    "UPDATE idempotency_keys SET webhook_id = $3 WHERE actor_staff_id = $1 AND key = $2"
};
static const kefu_sql_t sql_webhook_insert = {
    "webhooks_insert",
    "INSERT INTO webhooks AS w (id, url, event_types, description, status, secret_sealed, created_by) "
    "VALUES ($1, $2, string_to_array($3, E'\\n'), $4, 'active', $5::bytea, $6) "
    "RETURNING " WEBHOOK_COLUMNS
};
static const kefu_sql_t sql_webhook_get = {
    "webhooks_get", "SELECT " WEBHOOK_COLUMNS " FROM webhooks w WHERE w.id = $1"
};
static const kefu_sql_t sql_webhook_get_for_update = {
    "webhooks_get_for_update", "SELECT " WEBHOOK_COLUMNS " FROM webhooks w WHERE w.id = $1 FOR UPDATE"
};
static const kefu_sql_t sql_webhook_secret = {
    "webhooks_secret", "SELECT secret_sealed FROM webhooks WHERE id = $1"
};
static const kefu_sql_t sql_webhook_list = {
    "webhooks_list",
    "SELECT " WEBHOOK_COLUMNS " FROM webhooks w WHERE w.number > $1::bigint "
    "ORDER BY w.number LIMIT $2::int"
};
static const kefu_sql_t sql_webhook_delete = {
    "webhooks_delete", "DELETE FROM webhooks w WHERE w.id = $1 RETURNING " WEBHOOK_COLUMNS
};
static const kefu_sql_t sql_webhook_set_status = {
    "webhooks_set_status",
    "UPDATE webhooks w SET status = $2, updated_at = now() WHERE w.id = $1 RETURNING " WEBHOOK_COLUMNS
};
static const kefu_sql_t sql_deliveries = {
    "webhooks_deliveries",
    "SELECT " DELIVERY_COLUMNS " FROM deliveries d WHERE d.webhook_id = $1 "
    "  AND ($2 = '' OR d.status = $2) AND ($3::bigint = 0 OR d.id < $3::bigint) "
    "ORDER BY d.id DESC LIMIT $4::int"
};
/*  A lease held by a sender in the middle of an attempt is left alone: the
 *  attempt records its outcome, and the redelivery follows if it failed. */
static const kefu_sql_t sql_redeliver = {
    "webhooks_redeliver",
    "UPDATE deliveries d SET status = 'pending', attempts = 0, first_attempt_at = NULL, "
    "  next_attempt_at = now(), delivered_at = NULL "
    "WHERE d.webhook_id = $1 AND d.id = $2::bigint RETURNING " DELIVERY_COLUMNS
};
static const kefu_sql_t sql_wake = {
    "webhooks_wake", "SELECT pg_notify('" WAKE_CHANNEL "', '')"
};
/*  Only webhooks that existed when the event happened: a consumer that
 *  starts on a source's whole history, or catches up after a pause, must
 *  not flood a receiver registered today with last year's events. */
static const kefu_sql_t sql_enqueue = {
    "webhooks_enqueue",
    "INSERT INTO deliveries (webhook_id, event_id, event_source, event_seq, event_type, body) "
    "SELECT w.id, $1, $2, $3::bigint, $4, $5 FROM webhooks w "
    "WHERE w.created_at <= to_timestamp($6::bigint / 1000.0) "
    "  AND (cardinality(w.event_types) = 0 "
    "       OR EXISTS (SELECT 1 FROM unnest(w.event_types) AS p(prefix) WHERE starts_with($4, p.prefix))) "
    "ON CONFLICT (webhook_id, event_source, event_seq) DO NOTHING"
};
/*  One statement claims and leases, so two senders (or two replicas) never
 *  take the same delivery: SKIP LOCKED passes over a row another sender is
 *  claiming right now, the lease over one it is sending. The choice is a
 *  MATERIALIZED CTE, run exactly once: as a subquery in IN (...) the planner
 *  may rescan it for every outer row, and each rescan can lock and return
 *  another row, so one statement would lease several deliveries. */
static const kefu_sql_t sql_claim = {
    "webhooks_claim",
    "WITH due AS MATERIALIZED ("
    "  SELECT c.id FROM deliveries c JOIN webhooks cw ON cw.id = c.webhook_id "
    "  WHERE c.status = 'pending' AND c.next_attempt_at <= now() "
    "    AND (c.lease_until IS NULL OR c.lease_until < now()) AND cw.status = 'active' "
    "  ORDER BY c.next_attempt_at LIMIT 1 FOR UPDATE OF c SKIP LOCKED) "
    "UPDATE deliveries d SET lease_until = now() + $1::bigint * interval '1 millisecond' "
    "FROM due, webhooks w WHERE d.id = due.id AND w.id = d.webhook_id "
    "RETURNING d.id, d.webhook_id, w.url, w.secret_sealed, d.event_id, d.event_type, d.body, d.attempts"
};
/*  The retry window runs from the first attempt of the current round; the
 *  right-hand sides read the row as it was before this update. */
static const kefu_sql_t sql_record_attempt = {
    "webhooks_record_attempt",
    "UPDATE deliveries d SET attempts = d.attempts + 1, "
    "  first_attempt_at = coalesce(d.first_attempt_at, now()), last_attempt_at = now(), "
    "  last_status_code = $3::int, last_error = $4, last_latency_ms = $5::int, lease_until = NULL, "
    "  status = CASE WHEN $2::bool THEN 'delivered' "
    "                WHEN coalesce(d.first_attempt_at, now()) <= now() - $7::int * interval '1 second' "
    "                THEN 'dead' ELSE 'pending' END, "
    "  delivered_at = CASE WHEN $2::bool THEN now() ELSE d.delivered_at END, "
    "  next_attempt_at = CASE WHEN $2::bool THEN d.next_attempt_at "
    "                         ELSE now() + $6::bigint * interval '1 millisecond' END "
    "WHERE d.id = $1::bigint AND d.status = 'pending' RETURNING " DELIVERY_COLUMNS
};
static const kefu_sql_t sql_release = {
    "webhooks_release", "UPDATE deliveries SET lease_until = NULL WHERE id = $1::bigint"
};
/* clang-format on */

/* --- rows ------------------------------------------------------------------- */

void
webhooks_rows_release (webhooks_rows_t *rows)
{
    PQclear (rows->result);
    for (size_t i = 0; rows->webhooks && i < rows->count; i++)
        free (rows->webhooks[i].event_types);
    for (size_t i = 0; rows->event_type_text && i < rows->count; i++)
        free (rows->event_type_text[i]);
    free (rows->event_type_text);
    free (rows->webhooks);
    free (rows->webhook_pointers);
    free (rows->numbers);
    free (rows->deliveries);
    free (rows->delivery_pointers);
    memset (rows, 0, sizeof *rows);
}

/*  Split a copy of the newline-joined prefixes into webhook->event_types.
 *  Returns 0 or -1 (out of memory; what was allocated is in rows). */
static int
webhook_split_event_types (webhooks_rows_t *rows, size_t index, const char *joined)
{
    Kefu__V1__Webhook *webhook = &rows->webhooks[index];
    if (!*joined)
        return 0;
    char *copy = strdup (joined);
    if (!copy)
        return -1;
    rows->event_type_text[index] = copy;
    size_t count = 1;
    for (const char *p = copy; *p; p++)
        count += *p == '\n';
    webhook->event_types = calloc (count, sizeof *webhook->event_types);
    if (!webhook->event_types)
        return -1;
    char *save = NULL;
    for (char *item = strtok_r (copy, "\n", &save); item; item = strtok_r (NULL, "\n", &save))
        webhook->event_types[webhook->n_event_types++] = item;
    return 0;
}

static int
webhook_from_row (webhooks_rows_t *rows, size_t index)
{
    PGresult *result = rows->result;
    int row = (int)index;
    Kefu__V1__Webhook *webhook = &rows->webhooks[index];
    kefu__v1__webhook__init (webhook);
    webhook->id = PQgetvalue (result, row, 0);
    webhook->url = PQgetvalue (result, row, 1);
    webhook->description = PQgetvalue (result, row, 3);
    webhook->status = PQgetvalue (result, row, 4);
    webhook->created_at = PQgetvalue (result, row, 5);
    webhook->updated_at = PQgetvalue (result, row, 6);
    rows->numbers[index] = kefu_db_int64 (result, row, 7);
    return webhook_split_event_types (rows, index, PQgetvalue (result, row, 2));
}

static void
delivery_from_row (PGresult *result, int row, Kefu__V1__Delivery *delivery)
{
    kefu__v1__delivery__init (delivery);
    int c = 0;
    delivery->id = kefu_db_int64 (result, row, c++);
    delivery->webhook_id = PQgetvalue (result, row, c++);
    delivery->event_id = PQgetvalue (result, row, c++);
    delivery->event_source = PQgetvalue (result, row, c++);
    delivery->event_seq = (uint64_t)kefu_db_int64 (result, row, c++);
    delivery->event_type = PQgetvalue (result, row, c++);
    delivery->status = PQgetvalue (result, row, c++);
    delivery->attempts = (uint32_t)kefu_db_int64 (result, row, c++);
    delivery->last_status_code = (int32_t)kefu_db_int64 (result, row, c++);
    delivery->last_error = PQgetvalue (result, row, c++);
    delivery->last_latency_ms = (uint32_t)kefu_db_int64 (result, row, c++);
    delivery->next_attempt_at = PQgetvalue (result, row, c++);
    delivery->delivered_at = PQgetvalue (result, row, c++);
    delivery->created_at = PQgetvalue (result, row, c++);
    delivery->last_attempt_at = PQgetvalue (result, row, c++);
}

/*  Take ownership of `result` and read its rows as webhooks. */
static int
rows_of_webhooks (PGresult *result, webhooks_rows_t *rows)
{
    memset (rows, 0, sizeof *rows);
    rows->result = result;
    rows->count = (size_t)PQntuples (result);
    if (rows->count == 0)
        return 0;
    rows->webhooks = calloc (rows->count, sizeof *rows->webhooks);
    rows->webhook_pointers = calloc (rows->count, sizeof *rows->webhook_pointers);
    rows->numbers = calloc (rows->count, sizeof *rows->numbers);
    rows->event_type_text = calloc (rows->count, sizeof *rows->event_type_text);
    bool ok = rows->webhooks && rows->webhook_pointers && rows->numbers && rows->event_type_text;
    for (size_t i = 0; ok && i < rows->count; i++) {
        ok = webhook_from_row (rows, i) == 0;
        rows->webhook_pointers[i] = &rows->webhooks[i];
    }
    if (!ok) {
        webhooks_rows_release (rows);
        return -1;
    }
    return 0;
}

static int
rows_of_deliveries (PGresult *result, webhooks_rows_t *rows)
{
    memset (rows, 0, sizeof *rows);
    rows->result = result;
    rows->count = (size_t)PQntuples (result);
    if (rows->count == 0)
        return 0;
    rows->deliveries = calloc (rows->count, sizeof *rows->deliveries);
    rows->delivery_pointers = calloc (rows->count, sizeof *rows->delivery_pointers);
    if (!rows->deliveries || !rows->delivery_pointers) {
        webhooks_rows_release (rows);
        return -1;
    }
    for (size_t i = 0; i < rows->count; i++) {
        delivery_from_row (result, (int)i, &rows->deliveries[i]);
        rows->delivery_pointers[i] = &rows->deliveries[i];
    }
    return 0;
}

/*  0 if `rows` holds exactly one row, 1 if none, for "not found". */
static int
rows_found (const webhooks_rows_t *rows)
{
    return rows->count == 1 ? 0 : 1;
}

/* --- webhooks ------------------------------------------------------------------ */

int
webhooks_store_idempotency_claim (kefu_db_t *db, const char *actor, const char *key,
                                  const char *hash, bool *claimed, char *stored_hash,
                                  size_t stored_hash_size, char *webhook_id, size_t webhook_id_size)
{
    const char *values[] = {actor, key, hash};
    PGresult *result = kefu_db_run (db, &sql_idempotency_claim, 3, values);
    if (!result)
        return -1;
    *claimed = PQntuples (result) == 1;
    PQclear (result);
    snprintf (stored_hash, stored_hash_size, "%s", "");
    snprintf (webhook_id, webhook_id_size, "%s", "");
    if (*claimed)
        return 0;
    /*  In READ COMMITTED this statement sees the row of the transaction the
     *  claim waited for. */
    result = kefu_db_run (db, &sql_idempotency_read, 2, values);
    if (!result)
        return -1;
    if (PQntuples (result) == 1) {
        snprintf (stored_hash, stored_hash_size, "%s", PQgetvalue (result, 0, 0));
        snprintf (webhook_id, webhook_id_size, "%s", PQgetvalue (result, 0, 1));
    }
    /*  else the holder rolled back between the two statements: the caller
     *  sees an empty hash and tries again. */
    PQclear (result);
    return 0;
}

int
webhooks_store_idempotency_bind (kefu_db_t *db, const char *actor, const char *key,
                                 const char *webhook_id)
{
    const char *values[] = {actor, key, webhook_id};
    return kefu_db_command (db, &sql_idempotency_bind, 3, values);
}

int
webhooks_store_insert (kefu_db_t *db, const char *id, const char *url, const char *event_types,
                       const char *description, const unsigned char *sealed, size_t sealed_size,
                       const char *created_by, webhooks_rows_t *rows)
{
    const char *values[] = {id, url, event_types, description, (const char *)sealed, created_by};
    int lengths[] = {0, 0, 0, 0, (int)sealed_size, 0};
    int formats[] = {0, 0, 0, 0, 1, 0};
    PGresult *result = kefu_db_run_binary (db, &sql_webhook_insert, 6, values, lengths, formats);
    if (!result)
        return -1;
    if (rows_of_webhooks (result, rows) != 0)
        return -1;
    return rows->count == 1 ? 0 : -1;
}

int
webhooks_store_get (kefu_db_t *db, const char *id, bool for_update, webhooks_rows_t *rows)
{
    const char *values[] = {id};
    PGresult *result =
        kefu_db_run (db, for_update ? &sql_webhook_get_for_update : &sql_webhook_get, 1, values);
    if (!result || rows_of_webhooks (result, rows) != 0)
        return -1;
    return rows_found (rows);
}

int
webhooks_store_secret (kefu_db_t *db, const char *id, unsigned char **sealed, size_t *size)
{
    *sealed = NULL;
    *size = 0;
    const char *values[] = {id};
    PGresult *result = kefu_db_run (db, &sql_webhook_secret, 1, values);
    if (!result)
        return -1;
    int rc = 1;
    if (PQntuples (result) == 1) {
        *sealed = PQunescapeBytea ((const unsigned char *)PQgetvalue (result, 0, 0), size);
        rc = *sealed ? 0 : -1;
    }
    PQclear (result);
    return rc;
}

int
webhooks_store_list (kefu_db_t *db, int64_t after, uint32_t limit, webhooks_rows_t *rows)
{
    char after_text[NUMBER_TEXT_SIZE], limit_text[NUMBER_TEXT_SIZE];
    snprintf (after_text, sizeof after_text, "%" PRId64, after);
    snprintf (limit_text, sizeof limit_text, "%" PRIu32, limit);
    const char *values[] = {after_text, limit_text};
    PGresult *result = kefu_db_run (db, &sql_webhook_list, 2, values);
    if (!result)
        return -1;
    return rows_of_webhooks (result, rows);
}

int
webhooks_store_delete (kefu_db_t *db, const char *id, webhooks_rows_t *rows)
{
    const char *values[] = {id};
    PGresult *result = kefu_db_run (db, &sql_webhook_delete, 1, values);
    if (!result || rows_of_webhooks (result, rows) != 0)
        return -1;
    return rows_found (rows);
}

int
webhooks_store_set_status (kefu_db_t *db, const char *id, const char *status, webhooks_rows_t *rows)
{
    const char *values[] = {id, status};
    PGresult *result = kefu_db_run (db, &sql_webhook_set_status, 2, values);
    if (!result || rows_of_webhooks (result, rows) != 0)
        return -1;
    return rows_found (rows);
}

/* --- deliveries --------------------------------------------------------------- */

int
webhooks_store_deliveries (kefu_db_t *db, const char *webhook_id, const char *status,
                           int64_t before, uint32_t limit, webhooks_rows_t *rows)
{
    char before_text[NUMBER_TEXT_SIZE], limit_text[NUMBER_TEXT_SIZE];
    snprintf (before_text, sizeof before_text, "%" PRId64, before);
    snprintf (limit_text, sizeof limit_text, "%" PRIu32, limit);
    const char *values[] = {webhook_id, status, before_text, limit_text};
    PGresult *result = kefu_db_run (db, &sql_deliveries, 4, values);
    if (!result)
        return -1;
    return rows_of_deliveries (result, rows);
}

int
webhooks_store_redeliver (kefu_db_t *db, const char *webhook_id, int64_t delivery_id,
                          webhooks_rows_t *rows)
{
    char id_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, delivery_id);
    const char *values[] = {webhook_id, id_text};
    PGresult *result = kefu_db_run (db, &sql_redeliver, 2, values);
    if (!result || rows_of_deliveries (result, rows) != 0)
        return -1;
    return rows_found (rows);
}

int
webhooks_store_wake_senders (kefu_db_t *db)
{
    return kefu_db_command (db, &sql_wake, 0, NULL);
}

int
webhooks_store_listen (kefu_db_t *db)
{
    /*  LISTEN takes an identifier, not a parameter; this one is a constant. */
    return kefu_db_exec_script (db, "LISTEN " WAKE_CHANNEL);
}

int
webhooks_store_enqueue (kefu_db_t *tx, const Kefu__V1__Event *event, int64_t event_time_ms,
                        const char *body, int *queued)
{
    char seq_text[NUMBER_TEXT_SIZE], time_text[NUMBER_TEXT_SIZE];
    snprintf (seq_text, sizeof seq_text, "%" PRIu64, event->seq);
    snprintf (time_text, sizeof time_text, "%" PRId64, event_time_ms);
    const char *values[] = {event->id, event->source, seq_text, event->type, body, time_text};
    PGresult *result = kefu_db_run (tx, &sql_enqueue, 6, values);
    if (!result)
        return -1;
    *queued = atoi (PQcmdTuples (result));
    PQclear (result);
    return 0;
}

/* --- senders ---------------------------------------------------------------------- */

void
webhooks_claim_release (webhooks_claim_t *claim)
{
    PQclear (claim->result);
    if (claim->sealed)
        PQfreemem (claim->sealed);
    memset (claim, 0, sizeof *claim);
}

int
webhooks_store_claim (kefu_db_t *db, int64_t lease_ms, webhooks_claim_t *claim)
{
    memset (claim, 0, sizeof *claim);
    char lease_text[NUMBER_TEXT_SIZE];
    snprintf (lease_text, sizeof lease_text, "%" PRId64, lease_ms);
    const char *values[] = {lease_text};
    PGresult *result = kefu_db_run (db, &sql_claim, 1, values);
    if (!result)
        return -1;
    if (PQntuples (result) == 0) {
        PQclear (result);
        return 1;
    }
    /*  The statement leases one row at most (its LIMIT 1); should that ever
     *  change, the others are still leased and are taken again when their
     *  lease runs out. */
    claim->result = result;
    claim->delivery_id = kefu_db_int64 (result, 0, 0);
    claim->webhook_id = PQgetvalue (result, 0, 1);
    claim->url = PQgetvalue (result, 0, 2);
    claim->sealed =
        PQunescapeBytea ((const unsigned char *)PQgetvalue (result, 0, 3), &claim->sealed_size);
    claim->event_id = PQgetvalue (result, 0, 4);
    claim->event_type = PQgetvalue (result, 0, 5);
    claim->body = PQgetvalue (result, 0, 6);
    claim->body_size = (size_t)PQgetlength (result, 0, 6);
    claim->attempts = (uint32_t)kefu_db_int64 (result, 0, 7);
    if (!claim->sealed) {
        /*  Out of memory: give the delivery back rather than hold it for
         *  the whole lease. */
        int64_t id = claim->delivery_id;
        webhooks_claim_release (claim);
        webhooks_store_release (db, id);
        return -1;
    }
    return 0;
}

int
webhooks_store_record_attempt (kefu_db_t *db, int64_t delivery_id,
                               const webhooks_attempt_t *attempt, webhooks_rows_t *rows)
{
    char id_text[NUMBER_TEXT_SIZE], code_text[NUMBER_TEXT_SIZE], latency_text[NUMBER_TEXT_SIZE],
        retry_text[NUMBER_TEXT_SIZE], give_up_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, delivery_id);
    snprintf (code_text, sizeof code_text, "%d", attempt->status_code);
    snprintf (latency_text, sizeof latency_text, "%d", attempt->latency_ms);
    snprintf (retry_text, sizeof retry_text, "%" PRId64, attempt->retry_in_ms);
    snprintf (give_up_text, sizeof give_up_text, "%d", attempt->give_up_s);
    const char *values[] = {id_text,      attempt->delivered ? "true" : "false",
                            code_text,    attempt->error,
                            latency_text, retry_text,
                            give_up_text};
    PGresult *result = kefu_db_run (db, &sql_record_attempt, 7, values);
    if (!result || rows_of_deliveries (result, rows) != 0)
        return -1;
    return rows_found (rows);
}

int
webhooks_store_release (kefu_db_t *db, int64_t delivery_id)
{
    char id_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, delivery_id);
    const char *values[] = {id_text};
    return kefu_db_command (db, &sql_release, 1, values);
}
