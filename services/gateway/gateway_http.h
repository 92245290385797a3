/*  gateway_http: the gateway's HTTP side, on libmicrohttpd.
 *
 *  MHD runs in external-polling epoll mode in the gateway's one thread: the
 *  owner polls gateway_http_poll_fd (MHD's epoll descriptor) next to the
 *  ZeroMQ sockets, with a timeout no longer than gateway_http_timeout_ms,
 *  and calls gateway_http_run after every poll. Nothing needs a lock.
 *
 *  Each HTTP request is an "exchange". Its headers are checked as soon as
 *  they arrive (route, API key and role, media type, size, headers), its
 *  body is read within KEFU_HTTP_MAX_BODY, then it is turned into a
 *  kefu.v1.Request and sent through gateway_upstream, and the connection is
 *  suspended; when gateway_upstream settles it (gateway_http_settle) the
 *  response is stored in the exchange and the connection resumed, so one
 *  thread keeps thousands of requests in flight. Every response is JSON
 *  (errors: RFC 9457 problem+json) with X-Request-Id and Cache-Control:
 *  no-store; every request leaves one access-log line.
 *
 *  GET /v1/events is the exception: its response is an endless
 *  text/event-stream read from a gateway_stream. MHD pulls the text with a
 *  content reader; when there is none the connection is suspended, and the
 *  stream's wake (gateway_http_stream_wake) resumes it.
 */
#ifndef GATEWAY_HTTP_H_INCLUDED
#define GATEWAY_HTTP_H_INCLUDED

#include "gateway_auth.h"
#include "gateway_events.h"
#include "gateway_sessions.h"
#include "gateway_upstream.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *bind_address;   /* KEFU_HTTP_BIND: an IPv4/IPv6 address or a host name */
    unsigned port;              /* KEFU_HTTP_PORT; 0 = any free port */
    size_t max_connections;     /* KEFU_HTTP_MAX_CONNECTIONS */
    size_t max_body;            /* KEFU_HTTP_MAX_BODY */
    int64_t request_timeout_ms; /* KEFU_REQUEST_TIMEOUT_MS */
    /*  Session tokens and stored API keys; borrowed, must outlive the
     *  gateway_http_t. */
    gateway_sessions_t *sessions;
} gateway_http_options_t;

typedef struct _gateway_http_t gateway_http_t;

/*  Start listening. `auth`, `upstream` and `events` are borrowed and must
 *  outlive the gateway_http_t; `upstream` must settle through
 *  gateway_http_settle, and `events` wake streams through
 *  gateway_http_stream_wake. Returns NULL (logged) when the address cannot
 *  be bound. */
gateway_http_t *gateway_http_new (const gateway_http_options_t *options, gateway_auth_t *auth,
                                  gateway_upstream_t *upstream, gateway_events_t *events);

/*  Stop the daemon (answering any request still waiting with 503 first,
 *  as MHD must not be stopped with suspended connections). */
void gateway_http_destroy (gateway_http_t **self_p);

/*  The port actually bound (useful with port 0). */
unsigned gateway_http_port (gateway_http_t *self);

/*  The descriptor to poll for input (MHD's epoll descriptor). */
int gateway_http_poll_fd (gateway_http_t *self);

/*  How long the owner may wait before calling gateway_http_run, in ms; -1
 *  when MHD has no timer running. */
long gateway_http_timeout_ms (gateway_http_t *self);

/*  Let MHD accept, read, call handlers and write; never blocks. */
void gateway_http_run (gateway_http_t *self);

/*  Stop accepting connections (graceful shutdown). Requests already
 *  received are finished; responses say Connection: close; /readyz now
 *  answers 503. */
void gateway_http_quiesce (gateway_http_t *self);

/*  Requests received and not yet answered and completed. */
size_t gateway_http_in_flight (gateway_http_t *self);

/*  Answer every request still waiting for a service with 503 (shutdown:
 *  the wait is over). */
void gateway_http_abandon_waiting (gateway_http_t *self);

/*  The gateway_upstream_fn that settles an exchange's request (an event
 *  stream's replay requests are handed on to gateway_events_settle). */
void gateway_http_settle (void *exchange, size_t service, gateway_upstream_outcome_t outcome,
                          const Kefu__V1__Reply *reply);

/*  The gateway_stream_wake_fn of event streams: the stream of `exchange`
 *  has text to send, or has ended; its connection is resumed. */
void gateway_http_stream_wake (void *exchange);

#endif
