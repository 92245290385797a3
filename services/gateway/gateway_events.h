/*  gateway_events: the gateway's reader of the event bus, and the home of
 *  its SSE streams (GET /v1/events).
 *
 *  The gateway runs the bus proxy (kefu_bus, started by gateway_server);
 *  this class reads it with one SUB socket subscribed to every topic, since
 *  a gap in a source's seq can only be seen in its whole stream. Each event
 *  ([topic][kefu.v1.Event]) is unpacked once and offered to every open
 *  stream (gateway_stream), which sends it, holds it, or drops it as a
 *  duplicate. Reading the bus never waits for a client: each stream has a
 *  bounded buffer and is closed when its client falls too far behind.
 *
 *  The streams' replay requests (events.replay) go through gateway_upstream
 *  like any request, with the stream's HTTP exchange as the owner: the
 *  upstream settles them to gateway_http_settle, which hands them back
 *  here (gateway_events_settle). The sources are the upstream's services
 *  (KEFU_GATEWAY_SERVICES), in the same order.
 *
 *  A gap shows when the next event of a source arrives; the last events
 *  before a quiet spell have no next one (a publisher that joined the bus
 *  late, or died between commit and send). So while streams are open, a
 *  source quiet on the bus for a second is asked where it stands (once for
 *  all streams; settled here directly), and the streams behind replay.
 *
 *  Nothing blocks: the owner polls the SUB socket (poll_item), calls
 *  dispatch when it is readable and tick when next_tick is due.
 */
#ifndef GATEWAY_EVENTS_H_INCLUDED
#define GATEWAY_EVENTS_H_INCLUDED

#include "gateway_cursor.h"
#include "gateway_stream.h"
#include "gateway_upstream.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

/*  Told of every event read from the bus, before the streams see it. */
typedef void (gateway_events_observer_fn) (void *arg, const Kefu__V1__Event *event);

typedef struct {
    const char *bus_endpoint;             /* the XPUB to read; NULL or "": no live events */
    gateway_events_observer_fn *observer; /* NULL: none (session revocations) */
    void *observer_arg;
    size_t max_streams;         /* KEFU_SSE_MAX_CLIENTS */
    size_t buffer_bytes;        /* KEFU_SSE_BUFFER_BYTES */
    int64_t heartbeat_ms;       /* KEFU_SSE_HEARTBEAT_MS */
    int64_t client_retry_ms;    /* KEFU_SSE_RETRY_MS */
    int64_t request_timeout_ms; /* KEFU_REQUEST_TIMEOUT_MS, for each replay page */
} gateway_events_options_t;

typedef enum {
    GATEWAY_EVENTS_OPENED = 0,
    GATEWAY_EVENTS_FULL,     /* KEFU_SSE_MAX_CLIENTS streams are open: 503 */
    GATEWAY_EVENTS_STOPPING, /* the gateway is shutting down: 503 */
    GATEWAY_EVENTS_FAILED    /* out of memory: 500 */
} gateway_events_open_result_t;

typedef struct _gateway_events_t gateway_events_t;

/*  Subscribe to the bus (when an endpoint is given) in `zmq_context`
 *  (borrowed), sending replay requests through `upstream` (borrowed; it
 *  must outlive this) and waking readers with `wake`. Returns NULL (logged)
 *  on failure. */
gateway_events_t *gateway_events_new (void *zmq_context, const gateway_events_options_t *options,
                                      gateway_upstream_t *upstream, gateway_stream_wake_fn *wake);

/*  Close the SUB socket and free. Every stream must have been closed with
 *  gateway_events_close (the HTTP side does it as its requests end). */
void gateway_events_destroy (gateway_events_t **self_p);

/*  The SUB socket to poll for input; false (and nothing to poll) when
 *  there is no bus. */
bool gateway_events_poll_item (gateway_events_t *self, zmq_pollitem_t *item);

/*  After zmq_poll: if `item` is readable, read a bounded batch of events
 *  and offer each to every stream. */
void gateway_events_dispatch (gateway_events_t *self, const zmq_pollitem_t *item);

/*  Heartbeats and replay retries that are due. */
void gateway_events_tick (gateway_events_t *self);

/*  When tick next has work (gateway_pending_now_ms clock); INT64_MAX when
 *  never. */
int64_t gateway_events_next_tick (gateway_events_t *self);

/*  A cursor over this gateway's sources, every position unknown: parse a
 *  client's Last-Event-ID into it. NULL when out of memory; the caller
 *  destroys it. */
gateway_cursor_t *gateway_events_cursor_new (gateway_events_t *self);

/*  Open a stream for `owner` (the HTTP exchange: it is woken through the
 *  wake function and owns the stream's upstream requests) with the
 *  client's `types`, role, and `resume` cursor (NULL: from now). On
 *  GATEWAY_EVENTS_OPENED *stream is set; close it with gateway_events_close. */
gateway_events_open_result_t gateway_events_open (gateway_events_t *self, void *owner,
                                                  const gateway_stream_types_t *types, bool auditor,
                                                  const gateway_cursor_t *resume,
                                                  gateway_stream_t **stream);

/*  The request of a stream is over: forget and free the stream (its
 *  pending requests are cancelled). Sets *stream_p to NULL. */
void gateway_events_close (gateway_events_t *self, gateway_stream_t **stream_p);

/*  A replay request of `stream` to source `service` settled. */
void gateway_events_settle (gateway_events_t *self, gateway_stream_t *stream, size_t service,
                            gateway_upstream_outcome_t outcome, const Kefu__V1__Reply *reply);

/*  Shutting down: end every stream with reason "shutdown" and open no
 *  more. */
void gateway_events_shutdown (gateway_events_t *self);

/*  Streams open. */
size_t gateway_events_stream_count (gateway_events_t *self);

#endif
