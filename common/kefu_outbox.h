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

#include "kefu/v1/envelope.pb-c.h"
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


/*  --- Reading the outbox (the publisher and events.replay) ------------ */

/*  Number the next publishable events (at most `limit`) in one statement
 *  and return them in seq order (rows for kefu_outbox_event_from_row; the
 *  caller PQclear()s). NULL on failure. Only the advisory-lock holder may
 *  call this. */
PGresult *kefu_outbox_number_batch (kefu_db_t *db, int limit);

/*  Published events with seq > after_seq, at most `limit`, in seq order.
 *  NULL on failure. */
PGresult *kefu_outbox_read_after (kefu_db_t *db, uint64_t after_seq, int limit);

/*  The highest published seq (0 if none); -1 on failure. */
int64_t kefu_outbox_last_seq (kefu_db_t *db);

/*  Fill `event` from row `row` of a result of the two functions above.
 *  Strings borrow from `result`; the payload is decoded into memory the
 *  caller frees with PQfreemem (*payload). Returns 0 or -1. */
int kefu_outbox_event_from_row (PGresult *result, int row, const char *source, Kefu__V1__Event *event,
                                unsigned char **payload);

/*  Serialize an event for the bus: [topic = type][Event bytes]. Returns
 *  the packed bytes (caller frees) and their size, or NULL. */
uint8_t *kefu_outbox_event_pack (const Kefu__V1__Event *event, size_t *size);

#endif
