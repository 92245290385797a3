/*  kefu_outbox: append events in the caller's transaction. See
 *  kefu_outbox.h; the table is created by common/sql/0001_outbox.sql.
 */
#include "kefu_outbox.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

static const kefu_sql_t sql_outbox_insert = {
    "kefu_outbox_insert",
    "INSERT INTO outbox (type, subject, content_type, payload) VALUES ($1, $2, $3, $4::bytea)"
};

int
kefu_outbox_append (kefu_db_t *tx, const char *type, const char *subject,
                    const uint8_t *payload, size_t size, const char *content_type)
{
    assert (type && subject && content_type);
    /*  An empty message serializes to zero bytes; libpq wants a non-NULL
     *  pointer for a non-NULL binary parameter. */
    static const char empty[1] = "";
    const char *values[] = { type, subject, content_type, size ? (const char *) payload : empty };
    int lengths[] = { 0, 0, 0, (int) size };
    int formats[] = { 0, 0, 0, 1 };
    PGresult *result = kefu_db_run_binary (tx, &sql_outbox_insert, 4, values, lengths, formats);
    PQclear (result);
    return result ? 0 : -1;
}

int
kefu_outbox_append_message (kefu_db_t *tx, const char *type, const char *subject,
                            const ProtobufCMessage *message)
{
    size_t size = protobuf_c_message_get_packed_size (message);
    uint8_t *payload = malloc (size ? size : 1);
    if (!payload)
        return -1;
    protobuf_c_message_pack (message, payload);
    char content_type[256];
    snprintf (content_type, sizeof content_type, "application/protobuf; messageType=%s",
              message->descriptor->name);
    int rc = kefu_outbox_append (tx, type, subject, payload, size, content_type);
    free (payload);
    return rc;
}

/*  Rows whose transaction is older than the oldest one still running are
 *  committed (or aborted and so invisible): numbering only those, in (txid,
 *  id) order, after the highest number given so far, can never leave a hole
 *  that a late commit would fill. One statement takes the batch past the
 *  watermark, numbers it into outbox_published, moves the watermark and
 *  returns the events (common/sql/0004_outbox_published.sql). The batch is
 *  a LATERAL subquery so that the watermark reaches the (txid, id) index as
 *  a scan bound, and the events are fetched by LATERAL lookups of their
 *  ids: as plain joins the planner, which cannot see how small a batch is,
 *  reads the whole outbox for every batch. */
static const kefu_sql_t sql_outbox_number = {
    "kefu_outbox_number",
    "WITH mark AS (SELECT txid, id, seq FROM outbox_watermark LIMIT 1 FOR UPDATE), "
    "batch AS (SELECT b.id, b.txid, mark.seq + row_number() OVER (ORDER BY b.txid, b.id) AS seq "
    "          FROM mark, LATERAL (SELECT o.id, o.txid FROM outbox o "
    "                              WHERE (o.txid, o.id) > (mark.txid, mark.id) "
    "                                AND o.txid < pg_snapshot_xmin(pg_current_snapshot()) "
    "                              ORDER BY o.txid, o.id LIMIT $1) b), "
    "numbered AS (INSERT INTO outbox_published (seq, outbox_id) SELECT seq, id FROM batch "
    "             RETURNING seq, outbox_id), "
    "moved AS (UPDATE outbox_watermark w SET txid = last.txid, id = last.id, seq = last.seq "
    "          FROM (SELECT txid, id, seq FROM batch ORDER BY seq DESC LIMIT 1) last RETURNING w.seq) "
    "SELECT n.seq, o.event_id, o.type, o.subject, rfc3339(o.created_at), o.content_type, o.payload "
    "FROM numbered n, LATERAL (SELECT * FROM outbox WHERE id = n.outbox_id LIMIT 1) o ORDER BY n.seq"
};
static const kefu_sql_t sql_outbox_after = {
    "kefu_outbox_after",
    "SELECT p.seq, o.event_id, o.type, o.subject, rfc3339(o.created_at), o.content_type, o.payload "
    "FROM outbox_published p JOIN outbox o ON o.id = p.outbox_id "
    "WHERE p.seq > $1 ORDER BY p.seq LIMIT $2"
};
static const kefu_sql_t sql_outbox_last = {
    "kefu_outbox_last", "SELECT seq FROM outbox_watermark"
};

PGresult *
kefu_outbox_number_batch (kefu_db_t *db, int limit)
{
    char limit_text[16];
    snprintf (limit_text, sizeof limit_text, "%d", limit);
    const char *values[] = { limit_text };
    return kefu_db_run (db, &sql_outbox_number, 1, values);
}

PGresult *
kefu_outbox_read_after (kefu_db_t *db, uint64_t after_seq, int limit)
{
    char after[24], limit_text[16];
    snprintf (after, sizeof after, "%llu", (unsigned long long) after_seq);
    snprintf (limit_text, sizeof limit_text, "%d", limit);
    const char *values[] = { after, limit_text };
    return kefu_db_run (db, &sql_outbox_after, 2, values);
}

int64_t
kefu_outbox_last_seq (kefu_db_t *db)
{
    PGresult *result = kefu_db_run (db, &sql_outbox_last, 0, NULL);
    if (!result)
        return -1;
    if (PQntuples (result) != 1) {      /* the migration inserts the one row */
        PQclear (result);
        return -1;
    }
    int64_t seq = kefu_db_int64 (result, 0, 0);
    PQclear (result);
    return seq;
}

int
kefu_outbox_event_from_row (PGresult *result, int row, const char *source, Kefu__V1__Event *event,
                            unsigned char **payload)
{
    kefu__v1__event__init (event);
    size_t size = 0;
    *payload = PQunescapeBytea ((const unsigned char *) PQgetvalue (result, row, 6), &size);
    if (!*payload)
        return -1;
    event->seq = strtoull (PQgetvalue (result, row, 0), NULL, 10);
    event->id = PQgetvalue (result, row, 1);
    event->type = PQgetvalue (result, row, 2);
    event->subject = PQgetvalue (result, row, 3);
    event->time = PQgetvalue (result, row, 4);
    event->datacontenttype = PQgetvalue (result, row, 5);
    event->source = (char *) source;
    event->data.data = *payload;
    event->data.len = size;
    return 0;
}

uint8_t *
kefu_outbox_event_pack (const Kefu__V1__Event *event, size_t *size)
{
    *size = kefu__v1__event__get_packed_size (event);
    uint8_t *bytes = malloc (*size ? *size : 1);
    if (bytes)
        kefu__v1__event__pack (event, bytes);
    return bytes;
}
