/*  kefu_bus: the event bus, an XSUB/XPUB proxy in a thread.
 *
 *  Publishers (every service's kefu_publisher) connect PUB sockets to the
 *  XSUB side; subscribers (dashboards, kefu_consumer, the gateway's SSE)
 *  connect SUB sockets to the XPUB side and filter by topic prefix, the
 *  topic being the event type. The gateway runs it (DESIGN.md §3: XSUB 5560,
 *  XPUB 5561). The bus keeps nothing: a subscriber that falls behind its
 *  high-water mark loses messages and replays them from the source.
 */
#ifndef KEFU_BUS_H_INCLUDED
#define KEFU_BUS_H_INCLUDED

typedef struct _kefu_bus_t kefu_bus_t;

/*  Bind both sides ("tcp://127.0.0.1:*" for an ephemeral port). Returns
 *  NULL on failure (logged). `zmq_context` is borrowed. */
kefu_bus_t *kefu_bus_new (void *zmq_context, const char *xsub_endpoint, const char *xpub_endpoint);

/*  The endpoints actually bound. Borrowed. */
const char *kefu_bus_xsub_endpoint (kefu_bus_t *self);
const char *kefu_bus_xpub_endpoint (kefu_bus_t *self);

/*  Run the proxy in a thread. Returns 0 or -1. */
int kefu_bus_start (kefu_bus_t *self);

/*  Stop the proxy and close its sockets. */
void kefu_bus_destroy (kefu_bus_t **self_p);

#endif
