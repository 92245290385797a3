/*  kefu_publisher: numbers committed outbox events and puts them on the bus.
 *
 *  One per service process, in a thread of its own with its own database
 *  connection. Of several replicas of a service, only the one holding the
 *  PostgreSQL advisory lock "kefu.publisher.<schema>" publishes; the others
 *  wait for it, and take over when its connection (and so its lock) goes.
 *
 *  Gapless, in commit order, never skipping (DESIGN.md §5): outbox rows
 *  carry the id of the transaction that wrote them. A row is numbered only
 *  once its transaction is older than every transaction still running
 *  (pg_snapshot_xmin), so no transaction still in flight can later commit a
 *  row that would need a smaller number. Numbers are written, and the
 *  watermark moved past the rows, in one statement; the events go out on the
 *  PUB socket after that commits. If the process dies in between, the events are
 *  numbered but were never sent: subscribers see the gap and replay it
 *  (events.replay), which is why the outbox, not the bus, is the record.
 *
 *  The publisher wakes on NOTIFY (sent at commit by a trigger on the
 *  outbox) and also polls, because a row held back by a long transaction
 *  becomes publishable when that transaction ends, which notifies nobody.
 */
#ifndef KEFU_PUBLISHER_H_INCLUDED
#define KEFU_PUBLISHER_H_INCLUDED

#include <stdint.h>

typedef struct _kefu_publisher_t kefu_publisher_t;

/*  A publisher for the outbox in schema `source`, connecting to PostgreSQL
 *  with `dsn` and to the bus's XSUB at `bus_endpoint` (empty: number
 *  events but send them nowhere). `zmq_context` is borrowed. */
kefu_publisher_t *kefu_publisher_new (const char *source, const char *dsn, const char *bus_endpoint,
                                      void *zmq_context, int batch_size, int poll_ms);

/*  Start the thread. Returns 0 or -1. */
int kefu_publisher_start (kefu_publisher_t *self);

/*  Stop the thread (it finishes the batch in hand) and free everything. */
void kefu_publisher_destroy (kefu_publisher_t **self_p);

/*  Events published so far by this publisher (for tests and metrics). */
uint64_t kefu_publisher_published (kefu_publisher_t *self);

#endif
