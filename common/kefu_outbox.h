/*  kefu_outbox: write an event in the caller's transaction.
 *
 *  The transactional outbox (DESIGN.md §2): a service never publishes an
 *  event directly. It appends the event to its own `outbox` table inside the
 *  transaction that makes the change, so the event exists if and only if the
 *  change committed. The publisher (common/, event backbone) later numbers
 *  committed rows in commit order and puts them on the bus.
 *
 *  Audit records (AUD-1) are outbox events too, typed "audit.record.*".
 */
#ifndef KEFU_OUTBOX_H_INCLUDED
#define KEFU_OUTBOX_H_INCLUDED

#include "kefu_db.h"

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

/*  Append an event with a serialized payload. `tx` must be inside a
 *  transaction (kefu_db_begin). `content_type` names the payload, e.g.
 *  "application/protobuf; messageType=kefu.v1.TicketCreated". Returns 0, or
 *  -1 with the error in kefu_db_error(tx); the caller then rolls back. */
int kefu_outbox_append (kefu_db_t *tx, const char *type, const char *subject,
                        const uint8_t *payload, size_t size, const char *content_type);

/*  The same for a protobuf message: serialized here, its content type taken
 *  from its descriptor. */
int kefu_outbox_append_message (kefu_db_t *tx, const char *type, const char *subject,
                                const ProtobufCMessage *message);

#endif
