/*  kefu_consumer: process every event of some sources exactly once.
 *
 *  A service that reacts to other services' events (webhooks delivering
 *  them, callbacks starting on a resolved ticket) builds one consumer. It
 *  subscribes to the bus and keeps, per source, a durable cursor (the last
 *  seq processed) in its own schema's consumer_cursors table. Each event is
 *  handed to the handler inside a transaction that also moves the cursor,
 *  so its effect and the cursor commit together: each (source, seq) takes
 *  effect exactly once, across restarts and across replicas (the cursor row
 *  is locked while an event is processed).
 *
 *  Live delivery may lose events (a late join, a slow subscriber, a
 *  publisher that died after commit). A seq that jumps ahead, a restart, or
 *  a quiet period (KEFU_CONSUMER_POLL_MS) makes the consumer call the
 *  source's events.replay from its cursor until it has caught up, so
 *  nothing committed is ever skipped.
 */
#ifndef KEFU_CONSUMER_H_INCLUDED
#define KEFU_CONSUMER_H_INCLUDED

#include "kefu/v1/envelope.pb-c.h"
#include "kefu_db.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct _kefu_consumer_t kefu_consumer_t;

/*  Process one event inside the transaction `tx` (already begun; do not
 *  commit or roll back). Return 0 to commit and move on, -1 to roll back:
 *  the event is then tried again later, and nothing after it from the same
 *  source is processed before it succeeds. */
typedef int (kefu_consumer_handler_fn) (kefu_db_t *tx, const Kefu__V1__Event *event, void *arg);

/*  A consumer whose cursors live in schema `schema` (reached with `dsn`),
 *  reading the bus at `bus_endpoint` (an XPUB), calling `handler` with
 *  `arg`. `zmq_context` is borrowed. */
kefu_consumer_t *kefu_consumer_new (const char *schema, const char *dsn, void *zmq_context,
                                    const char *bus_endpoint, kefu_consumer_handler_fn *handler, void *arg);

/*  Consume the events of service `source`, whose ROUTER (for events.replay)
 *  is at `endpoint`. Call before start. Returns 0 or -1. */
int kefu_consumer_add_source (kefu_consumer_t *self, const char *source, const char *endpoint);

/*  Only events whose type starts with one of these prefixes reach the
 *  handler (the others still move the cursor). NULL-terminated, copied.
 *  Default: every event. Call before start. */
int kefu_consumer_set_types (kefu_consumer_t *self, const char *const *prefixes);

/*  A finer filter than the types, for what a prefix cannot say: an event
 *  for which `wanted` returns false does not reach the handler and costs no
 *  transaction. Like an event of another type, it moves the cursor in
 *  memory, written with the next event handled (or after a long run of
 *  unwanted ones), so a restart may look at it again and skip it again.
 *  Called on the consumer's thread. Default: every event of the types.
 *  Call before start. */
typedef bool (kefu_consumer_filter_fn) (const Kefu__V1__Event *event);
void kefu_consumer_set_filter (kefu_consumer_t *self, kefu_consumer_filter_fn *wanted);

/*  How long a quiet consumer waits before asking each source whether it
 *  missed anything (default 1000 ms). Call before start. */
void kefu_consumer_set_poll_ms (kefu_consumer_t *self, int poll_ms);

/*  Start the consumer thread (its own database connection and sockets).
 *  Returns 0 or -1. */
int kefu_consumer_start (kefu_consumer_t *self);

/*  Stop (after the event in hand) and free. */
void kefu_consumer_destroy (kefu_consumer_t **self_p);

/*  Events handed to the handler and committed so far, by this object. */
uint64_t kefu_consumer_processed (kefu_consumer_t *self);

#endif
