/*  gateway_server: the whole gateway, and its one event loop.
 *
 *  Builds the parts from configuration (API keys, the upstream DEALERs, the
 *  event bus proxy (kefu_bus, in a thread of its own) and the reader of it
 *  for SSE (gateway_events), the HTTP daemon) and runs them in one thread:
 *  zmq_poll over MHD's epoll descriptor, the bus SUB socket, every DEALER
 *  and its monitor, and a signalfd for SIGTERM and SIGINT, with the timeout
 *  the nearest of MHD's timer, the nearest request deadline and the next
 *  stream heartbeat. Nothing blocks but that poll.
 *
 *  Shutdown is graceful: on the first signal the gateway stops accepting,
 *  ends every event stream (kefu.stream.closed, reason "shutdown", with the
 *  cursor to resume from), lets in-flight requests finish (each is bounded
 *  by its deadline) and returns; a second signal, or the drain limit,
 *  answers what is still waiting with 503 and returns at once.
 */
#ifndef GATEWAY_SERVER_H_INCLUDED
#define GATEWAY_SERVER_H_INCLUDED

#include "kefu_config.h"

typedef struct _gateway_server_t gateway_server_t;

/*  Build the gateway and start listening. Blocks SIGTERM and SIGINT in the
 *  calling thread (they are read from a signalfd), so call it before any
 *  other thread exists. Returns NULL on failure (logged). */
gateway_server_t *gateway_server_new (kefu_config_t *config);

void gateway_server_destroy (gateway_server_t **self_p);

/*  The HTTP port actually bound. */
unsigned gateway_server_port (gateway_server_t *self);

/*  Serve until SIGTERM or SIGINT, then drain. Returns 0 after a clean
 *  stop, -1 if the loop failed. */
int gateway_server_run (gateway_server_t *self);

#endif
