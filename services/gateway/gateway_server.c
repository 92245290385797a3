/*  gateway_server: wiring and the poll loop. See gateway_server.h. */
#include "gateway_server.h"
#include "gateway_auth.h"
#include "gateway_events.h"
#include "gateway_http.h"
#include "gateway_sessions.h"
#include "gateway_upstream.h"
#include "kefu_bus.h"
#include "kefu_log.h"
#include "kefu_strbuf.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <zmq.h>

enum {
    /*  After the request timeout, in-flight requests have all been
     *  settled; this much more lets their responses be written. */
    SERVER_DRAIN_GRACE_MS = 1000,
    /*  Poll slots: the signalfd, MHD, the bus (when there is one), then
     *  the upstream's. */
    SERVER_SIGNAL_ITEM = 0,
    SERVER_HTTP_ITEM = 1,
    SERVER_FIXED_ITEMS = 2,
    SERVER_NUMBER_TEXT_MAX = 24,
    /*  How long a starting gateway waits for scheduling's revocation list
     *  (scheduling may still be applying its migrations). */
    SERVER_REVOCATIONS_LOAD_TIMEOUT_MS = 30000,
    SERVER_MS_PER_SECOND = 1000
};

struct _gateway_server_t {
    void *zmq_context;
    gateway_auth_t *auth;
    gateway_sessions_t *sessions;
    gateway_upstream_t *upstream;
    kefu_bus_t *bus; /* the XSUB/XPUB proxy; NULL when KEFU_BUS_XSUB is empty */
    gateway_events_t *events;
    gateway_http_t *http;
    int signal_fd;
    int64_t request_timeout_ms;
    zmq_pollitem_t *items;
    size_t item_count;
    zmq_pollitem_t *bus_item;       /* into items; NULL without a bus to read */
    zmq_pollitem_t *upstream_items; /* into items */
};

/*  Route SIGTERM/SIGINT to a descriptor the loop polls: no handler runs
 *  at an awkward moment, and no signal can slip in just before the poll. */
static int
server_open_signal_fd (void)
{
    sigset_t signals;
    sigemptyset (&signals);
    sigaddset (&signals, SIGTERM);
    sigaddset (&signals, SIGINT);
    if (pthread_sigmask (SIG_BLOCK, &signals, NULL) != 0)
        return -1;
    /*  A client that hangs up mid-response must not kill the gateway. */
    signal (SIGPIPE, SIG_IGN);
    return signalfd (-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
}

gateway_server_t *
gateway_server_new (kefu_config_t *config)
{
    gateway_server_t *self = calloc (1, sizeof *self);
    if (!self) {
        kefu_log_error ("gateway.start_failed", "error", "out of memory", NULL);
        return NULL;
    }
    self->signal_fd = server_open_signal_fd ();
    if (self->signal_fd < 0) {
        kefu_log_error ("gateway.start_failed", "error", strerror (errno), NULL);
        gateway_server_destroy (&self);
        return NULL;
    }
    self->request_timeout_ms = kefu_config_int (config, "KEFU_REQUEST_TIMEOUT_MS");

    char *error = NULL;
    self->auth = gateway_auth_new (kefu_config_string (config, "KEFU_API_KEYS"), &error);
    if (!self->auth) {
        kefu_log_error ("gateway.bad_api_keys", "error", error ? error : "out of memory", NULL);
        free (error);
        gateway_server_destroy (&self);
        return NULL;
    }
    if (gateway_auth_count (self->auth) == 0)
        kefu_log_warn ("gateway.no_api_keys", "detail",
                       "KEFU_API_KEYS is empty: every /v1 request will be answered 401", NULL);

    self->sessions =
        gateway_sessions_new (kefu_config_string (config, "KEFU_SESSION_PUBLIC_KEYS"), &error);
    if (!self->sessions) {
        kefu_log_error ("gateway.bad_session_keys", "error", error ? error : "out of memory", NULL);
        free (error);
        gateway_server_destroy (&self);
        return NULL;
    }

    gateway_sessions_set_key_cache_ms (
        self->sessions, kefu_config_int (config, "KEFU_API_KEY_CACHE_S") * SERVER_MS_PER_SECOND);

    size_t max_connections = (size_t)kefu_config_int (config, "KEFU_HTTP_MAX_CONNECTIONS");
    self->zmq_context = zmq_ctx_new ();
    if (self->zmq_context)
        self->upstream = gateway_upstream_new (self->zmq_context, config, max_connections,
                                               gateway_http_settle, &error);
    if (!self->upstream) {
        kefu_log_error ("gateway.bad_services", "error",
                        error ? error : "cannot create a ZeroMQ context", NULL);
        free (error);
        gateway_server_destroy (&self);
        return NULL;
    }

    /*  The bus: services' publishers connect to its XSUB, dashboards and
     *  this gateway's SSE streams read its XPUB. Without one of our own,
     *  the streams may still read a bus run elsewhere (KEFU_BUS_XPUB). */
    const char *bus_input = kefu_config_string (config, "KEFU_BUS_XSUB");
    const char *bus_output = kefu_config_string (config, "KEFU_BUS_XPUB");
    if (*bus_input) {
        self->bus = kefu_bus_new (self->zmq_context, bus_input, bus_output);
        if (!self->bus || kefu_bus_start (self->bus) != 0) {
            kefu_log_error ("gateway.bus_failed", "xsub", bus_input, "xpub", bus_output, NULL);
            gateway_server_destroy (&self);
            return NULL;
        }
        bus_output = kefu_bus_xpub_endpoint (self->bus);
    }
    gateway_events_options_t events_options = {
        .bus_endpoint = bus_output,
        .max_streams = (size_t)kefu_config_int (config, "KEFU_SSE_MAX_CLIENTS"),
        .buffer_bytes = (size_t)kefu_config_int (config, "KEFU_SSE_BUFFER_BYTES"),
        .heartbeat_ms = kefu_config_int (config, "KEFU_SSE_HEARTBEAT_MS"),
        .client_retry_ms = kefu_config_int (config, "KEFU_SSE_RETRY_MS"),
        .request_timeout_ms = self->request_timeout_ms,
        .observer = gateway_sessions_on_event,
        .observer_arg = self->sessions,
    };
    self->events = gateway_events_new (self->zmq_context, &events_options, self->upstream,
                                       gateway_http_stream_wake);
    if (!self->events) {
        gateway_server_destroy (&self);
        return NULL;
    }
    /*  Subscribed to the bus already, so no revocation falls between the
     *  list and the live events. Without the list a token revoked before
     *  this start would pass: refuse to start instead. */
    if (gateway_sessions_enabled (self->sessions)) {
        const char *scheduling = kefu_config_string (config, "KEFU_SCHEDULING_ENDPOINT");
        if (gateway_sessions_load (self->sessions, self->zmq_context, scheduling,
                                   SERVER_REVOCATIONS_LOAD_TIMEOUT_MS) != 0) {
            kefu_log_error ("gateway.start_failed", "error",
                            "session revocations could not be loaded from scheduling", NULL);
            gateway_server_destroy (&self);
            return NULL;
        }
    }

    gateway_http_options_t options = {
        .bind_address = kefu_config_string (config, "KEFU_HTTP_BIND"),
        .port = (unsigned)kefu_config_int (config, "KEFU_HTTP_PORT"),
        .max_connections = max_connections,
        .max_body = (size_t)kefu_config_int (config, "KEFU_HTTP_MAX_BODY"),
        .request_timeout_ms = self->request_timeout_ms,
        .sessions = self->sessions,
    };
    self->http = gateway_http_new (&options, self->auth, self->upstream, self->events);
    if (!self->http) {
        gateway_server_destroy (&self);
        return NULL;
    }

    zmq_pollitem_t bus_item;
    bool reading_bus = gateway_events_poll_item (self->events, &bus_item);
    size_t fixed = SERVER_FIXED_ITEMS + (reading_bus ? 1 : 0);
    self->item_count = fixed + gateway_upstream_poll_count (self->upstream);
    self->items = calloc (self->item_count, sizeof *self->items);
    if (!self->items) {
        kefu_log_error ("gateway.start_failed", "error", "out of memory", NULL);
        gateway_server_destroy (&self);
        return NULL;
    }
    self->items[SERVER_SIGNAL_ITEM] = (zmq_pollitem_t){NULL, self->signal_fd, ZMQ_POLLIN, 0};
    self->items[SERVER_HTTP_ITEM] =
        (zmq_pollitem_t){NULL, gateway_http_poll_fd (self->http), ZMQ_POLLIN, 0};
    if (reading_bus) {
        self->bus_item = &self->items[SERVER_FIXED_ITEMS];
        *self->bus_item = bus_item;
    }
    self->upstream_items = self->items + fixed;
    gateway_upstream_poll_items (self->upstream, self->upstream_items);

    char port[SERVER_NUMBER_TEXT_MAX];
    snprintf (port, sizeof port, "%u", gateway_http_port (self->http));
    kefu_log_info ("gateway.listening", "address", options.bind_address, "port", port, "services",
                   kefu_config_string (config, "KEFU_GATEWAY_SERVICES"), "bus_xsub",
                   self->bus ? kefu_bus_xsub_endpoint (self->bus) : "", "bus_xpub",
                   self->bus ? kefu_bus_xpub_endpoint (self->bus) : bus_output, NULL);
    return self;
}

void
gateway_server_destroy (gateway_server_t **self_p)
{
    assert (self_p);
    gateway_server_t *self = *self_p;
    if (!self)
        return;
    /*  HTTP first: it settles what still waits on the upstream and ends
     *  the event streams; then what they used. */
    gateway_http_destroy (&self->http);
    gateway_events_destroy (&self->events);
    kefu_bus_destroy (&self->bus);
    gateway_upstream_destroy (&self->upstream);
    if (self->zmq_context)
        zmq_ctx_term (self->zmq_context);
    gateway_auth_destroy (&self->auth);
    gateway_sessions_destroy (&self->sessions);
    if (self->signal_fd >= 0)
        close (self->signal_fd);
    free (self->items);
    free (self);
    *self_p = NULL;
}

unsigned
gateway_server_port (gateway_server_t *self)
{
    return gateway_http_port (self->http);
}

/*  Read every queued signal; true if any arrived. */
static bool
server_take_signals (gateway_server_t *self, char *name, size_t size)
{
    bool any = false;
    struct signalfd_siginfo info;
    while (read (self->signal_fd, &info, sizeof info) == (ssize_t)sizeof info) {
        snprintf (name, size, "%s", info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
        any = true;
    }
    return any;
}

/*  The poll timeout: the nearest of MHD's timer, the nearest request
 *  deadline, the next stream heartbeat or retry and, while draining, the
 *  drain limit. -1 = none. */
static long
server_poll_timeout (gateway_server_t *self, bool draining, int64_t drain_deadline)
{
    long timeout = gateway_http_timeout_ms (self->http);
    int64_t now = gateway_pending_now_ms ();
    int64_t deadlines[] = {gateway_upstream_next_deadline (self->upstream),
                           gateway_events_next_tick (self->events),
                           draining ? drain_deadline : INT64_MAX};
    for (size_t i = 0; i < sizeof deadlines / sizeof deadlines[0]; i++) {
        if (deadlines[i] == INT64_MAX)
            continue;
        int64_t until = deadlines[i] > now ? deadlines[i] - now : 0;
        if (timeout < 0 || until < timeout)
            timeout = (long)until;
    }
    return timeout;
}

int
gateway_server_run (gateway_server_t *self)
{
    bool draining = false;
    int64_t drain_deadline = INT64_MAX;
    for (;;) {
        long timeout = server_poll_timeout (self, draining, drain_deadline);
        if (zmq_poll (self->items, (int)self->item_count, timeout) < 0) {
            if (zmq_errno () == EINTR)
                continue;
            kefu_log_error ("gateway.poll_failed", "error", zmq_strerror (zmq_errno ()), NULL);
            return -1;
        }
        char signal_name[SERVER_NUMBER_TEXT_MAX] = "";
        bool signalled = (self->items[SERVER_SIGNAL_ITEM].revents & ZMQ_POLLIN) &&
                         server_take_signals (self, signal_name, sizeof signal_name);

        /*  Everything that may give a stream text, before MHD runs to
         *  send it. */
        gateway_upstream_dispatch (self->upstream, self->upstream_items);
        gateway_upstream_expire (self->upstream);
        if (self->bus_item)
            gateway_events_dispatch (self->events, self->bus_item);
        gateway_events_tick (self->events);
        gateway_http_run (self->http);

        if (signalled && draining) {
            kefu_log_warn ("gateway.stopping_now", "signal", signal_name, NULL);
            drain_deadline = gateway_pending_now_ms ();
        } else if (signalled) {
            char in_flight[SERVER_NUMBER_TEXT_MAX];
            snprintf (in_flight, sizeof in_flight, "%zu", gateway_http_in_flight (self->http));
            kefu_log_info ("gateway.stopping", "signal", signal_name, "in_flight", in_flight, NULL);
            draining = true;
            drain_deadline =
                gateway_pending_now_ms () + self->request_timeout_ms + SERVER_DRAIN_GRACE_MS;
            gateway_http_quiesce (self->http);
            /*  Each stream ends with its resume cursor once its client has
             *  read what was buffered. */
            gateway_events_shutdown (self->events);
        }
        if (draining && (gateway_http_in_flight (self->http) == 0 ||
                         gateway_pending_now_ms () >= drain_deadline)) {
            size_t left = gateway_http_in_flight (self->http);
            if (left > 0) {
                gateway_http_abandon_waiting (self->http);
                gateway_http_run (self->http);
            }
            char abandoned[SERVER_NUMBER_TEXT_MAX];
            snprintf (abandoned, sizeof abandoned, "%zu", left);
            kefu_log_info ("gateway.stopped", "unfinished", abandoned, NULL);
            return 0;
        }
    }
}
