/*  gateway_upstream: the gateway's ZeroMQ side, one DEALER per service.
 *
 *  For each service in KEFU_GATEWAY_SERVICES the gateway keeps one DEALER
 *  connected to every endpoint in KEFU_<SERVICE>_ENDPOINT (several replicas
 *  share the load: DEALER deals requests round-robin over connected peers).
 *  A request goes out as two frames, empty delimiter then a serialized
 *  kefu.v1.Request; the service answers empty + kefu.v1.Reply carrying the
 *  same request_id, which gateway_pending matches back to its owner.
 *
 *  Every request is settled exactly once, through the callback given to
 *  gateway_upstream_new (or the call's own), with one of three outcomes: the Reply arrived in
 *  time; the deadline passed (a Reply arriving later is dropped); or the
 *  service became unreachable (the last connected peer went away, as the
 *  socket monitor reports, so no Reply can come). A request no peer could
 *  take is refused at once by gateway_upstream_send (ZMQ_IMMEDIATE), never
 *  queued for a service that is down.
 *
 *  Nothing here blocks: the owner polls the sockets (poll_items), calls
 *  dispatch when they are readable and expire when a deadline is due.
 */
#ifndef GATEWAY_UPSTREAM_H_INCLUDED
#define GATEWAY_UPSTREAM_H_INCLUDED

#include "gateway_pending.h"
#include "kefu/v1/envelope.pb-c.h"
#include "kefu_config.h"

#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

typedef enum {
    GATEWAY_UPSTREAM_REPLIED,    /* the Reply is passed along */
    GATEWAY_UPSTREAM_DEADLINE,   /* no Reply before the deadline */
    GATEWAY_UPSTREAM_UNAVAILABLE /* the service went away */
} gateway_upstream_outcome_t;

/*  Settles one request. `reply` is borrowed for the call, NULL unless the
 *  outcome is GATEWAY_UPSTREAM_REPLIED. Must not call back into the
 *  upstream except gateway_upstream_cancel. */
typedef void (gateway_upstream_fn) (void *owner, size_t service, gateway_upstream_outcome_t outcome,
                                    const Kefu__V1__Reply *reply);

typedef enum {
    GATEWAY_UPSTREAM_SENT = 0,
    GATEWAY_UPSTREAM_NO_PEER, /* no replica connected: 503 */
    GATEWAY_UPSTREAM_FULL,    /* too many requests in flight: 429 */
    GATEWAY_UPSTREAM_FAILED   /* out of memory or a socket error: 500 */
} gateway_upstream_result_t;

/*  One request to send. Everything is borrowed for the call. */
typedef struct {
    const char *method;           /* "tickets.create" */
    const Kefu__V1__Actor *actor; /* NULL: none (sys.ping) */
    const char *idempotency_key;  /* NULL or "": none */
    const char *trace_id;
    const uint8_t *payload;
    size_t payload_size;
    int64_t timeout_ms;          /* deadline = now + timeout */
    gateway_upstream_fn *settle; /* NULL: the one given to gateway_upstream_new */
} gateway_upstream_call_t;

typedef struct _gateway_upstream_t gateway_upstream_t;

/*  Create the DEALERs and their monitors for KEFU_GATEWAY_SERVICES in
 *  `zmq_context` (borrowed), with room for `max_pending` requests in
 *  flight, settling each through `settle`. Returns NULL on failure with
 *  *error set to a message the caller frees. */
gateway_upstream_t *gateway_upstream_new (void *zmq_context, kefu_config_t *config,
                                          size_t max_pending, gateway_upstream_fn *settle,
                                          char **error);

/*  Close the sockets. Requests still in flight are dropped unsettled: the
 *  owner must have settled or cancelled them. */
void gateway_upstream_destroy (gateway_upstream_t **self_p);

size_t gateway_upstream_service_count (gateway_upstream_t *self);

/*  The name of service `index` ("tickets"). Borrowed. */
const char *gateway_upstream_service_name (gateway_upstream_t *self, size_t index);

/*  The index of the service called `name`, or -1 if it is not configured. */
int gateway_upstream_service_index (gateway_upstream_t *self, const char *name);

/*  Send `call` to service `service`. On GATEWAY_UPSTREAM_SENT the request
 *  is pending (named by *id) and will be settled exactly once with `owner`;
 *  on anything else nothing is pending and nothing will be settled. */
gateway_upstream_result_t gateway_upstream_send (gateway_upstream_t *self, size_t service,
                                                 const gateway_upstream_call_t *call, void *owner,
                                                 gateway_pending_id_t *id);

/*  Forget a pending request without settling it (its owner is going away).
 *  Harmless if it was settled already. */
void gateway_upstream_cancel (gateway_upstream_t *self, gateway_pending_id_t id);

/*  How many zmq_pollitem_t the upstream needs, and fill them in. */
size_t gateway_upstream_poll_count (gateway_upstream_t *self);
void gateway_upstream_poll_items (gateway_upstream_t *self, zmq_pollitem_t *items);

/*  After zmq_poll: read replies and monitor events on the readable items
 *  (as filled by gateway_upstream_poll_items), settling what they settle. */
void gateway_upstream_dispatch (gateway_upstream_t *self, const zmq_pollitem_t *items);

/*  Settle every request whose deadline has passed. */
void gateway_upstream_expire (gateway_upstream_t *self);

/*  The earliest pending deadline (gateway_pending_now_ms clock), or
 *  INT64_MAX when nothing is pending. */
int64_t gateway_upstream_next_deadline (gateway_upstream_t *self);

/*  Requests in flight. */
size_t gateway_upstream_pending_count (gateway_upstream_t *self);

#endif
