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
