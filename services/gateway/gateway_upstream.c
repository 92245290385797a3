/*  gateway_upstream: DEALER sockets, socket monitors, send and settle.
 *  See gateway_upstream.h.
 *
 *  Socket options, and why:
 *  - ZMQ_IMMEDIATE: queue only to completed connections, so a send with
 *    ZMQ_DONTWAIT fails at once (EAGAIN) when no replica is up and the
 *    client gets a fast 503 instead of waiting for its deadline.
 *  - ZMQ_RECONNECT_IVL / _MAX: a restarted service is used again within a
 *    second, without restarting the gateway.
 *  - ZMQ_HEARTBEAT_*: a peer that vanished without closing its connection
 *    (a killed container, a cut network) is noticed in seconds, so its
 *    pending requests fail fast rather than at their deadline.
 *  - ZMQ_LINGER 0: nothing left to deliver matters once the gateway stops.
 *  - ZMQ_SNDHWM / RCVHWM at the pending bound: the table, not the socket,
 *    decides when there are too many requests in flight.
 */
#include "gateway_upstream.h"
#include "kefu_log.h"
#include "kefu_text.h"
#include "kefu_strbuf.h"
#include "kefu_time.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    UPSTREAM_RECONNECT_IVL_MS = 100,
    UPSTREAM_RECONNECT_IVL_MAX_MS = 1000,
    UPSTREAM_HEARTBEAT_IVL_MS = 1000,
    UPSTREAM_HEARTBEAT_TIMEOUT_MS = 3000,
    UPSTREAM_LINGER_MS = 0,
    /*  Messages read from one socket per dispatch, so that one busy
     *  service cannot starve the HTTP side or the other services. */
    UPSTREAM_DISPATCH_BATCH = 256,
    /*  A monitor event's first frame: uint16 event, uint32 value. */
    UPSTREAM_MONITOR_EVENT_SIZE = 6,
    UPSTREAM_CONFIG_NAME_MAX = 64,
    UPSTREAM_MONITOR_ENDPOINT_MAX = 96,
    UPSTREAM_NUMBER_TEXT_MAX = 24
};

typedef struct {
    char name[KEFU_TEXT_SERVICE_NAME_MAX + 1];
    void *dealer;
    void *monitor; /* PAIR receiving the dealer's events */
    size_t connected_peers;
} upstream_service_t;

struct _gateway_upstream_t {
    upstream_service_t *services;
    size_t service_count;
    gateway_pending_t *pending;
    gateway_upstream_fn *settle;
    gateway_upstream_fn **settles; /* per pending slot: the call's own, or NULL */
};

/* --- construction -------------------------------------------------------- */

/*  True if the configuration table knows `name` (kefu_config aborts on a
 *  name it does not know; a service listed by the operator must not be
 *  able to do that). */
static bool
upstream_config_knows (const char *name)
{
    size_t count;
    const kefu_config_entry_t *table = kefu_config_table (&count);
    for (size_t i = 0; i < count; i++)
        if (strcmp (table[i].name, name) == 0)
            return true;
    return false;
}

static int
upstream_set_int (void *socket, int option, int value)
{
    return zmq_setsockopt (socket, option, &value, sizeof value);
}

/*  Create the DEALER and its monitor for `service` and connect it to each
 *  endpoint in the comma-separated `endpoints`. */
static int
upstream_service_open (gateway_upstream_t *self, upstream_service_t *service, void *zmq_context,
                       const char *endpoints, size_t max_pending, kefu_strbuf_t *problem)
{
    int high_water_mark = max_pending > INT32_MAX ? INT32_MAX : (int)max_pending;
    service->dealer = zmq_socket (zmq_context, ZMQ_DEALER);
    if (!service->dealer || upstream_set_int (service->dealer, ZMQ_IMMEDIATE, 1) != 0 ||
        upstream_set_int (service->dealer, ZMQ_LINGER, UPSTREAM_LINGER_MS) != 0 ||
        upstream_set_int (service->dealer, ZMQ_RECONNECT_IVL, UPSTREAM_RECONNECT_IVL_MS) != 0 ||
        upstream_set_int (service->dealer, ZMQ_RECONNECT_IVL_MAX, UPSTREAM_RECONNECT_IVL_MAX_MS) !=
            0 ||
        upstream_set_int (service->dealer, ZMQ_HEARTBEAT_IVL, UPSTREAM_HEARTBEAT_IVL_MS) != 0 ||
        upstream_set_int (service->dealer, ZMQ_HEARTBEAT_TIMEOUT, UPSTREAM_HEARTBEAT_TIMEOUT_MS) !=
            0 ||
        upstream_set_int (service->dealer, ZMQ_SNDHWM, high_water_mark) != 0 ||
        upstream_set_int (service->dealer, ZMQ_RCVHWM, high_water_mark) != 0) {
        kefu_strbuf_appendf (problem, "%s: cannot create its DEALER socket: %s", service->name,
                             zmq_strerror (zmq_errno ()));
        return -1;
    }

    /*  The monitor is attached before connecting, so no event is missed. */
    char monitor_endpoint[UPSTREAM_MONITOR_ENDPOINT_MAX];
    snprintf (monitor_endpoint, sizeof monitor_endpoint, "inproc://kefu-gateway-monitor-%p-%s",
              (void *)self, service->name);
    if (zmq_socket_monitor (service->dealer, monitor_endpoint,
                            ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED) != 0 ||
        !(service->monitor = zmq_socket (zmq_context, ZMQ_PAIR)) ||
        upstream_set_int (service->monitor, ZMQ_LINGER, UPSTREAM_LINGER_MS) != 0 ||
        zmq_connect (service->monitor, monitor_endpoint) != 0) {
        kefu_strbuf_appendf (problem, "%s: cannot monitor its DEALER socket: %s", service->name,
                             zmq_strerror (zmq_errno ()));
        return -1;
    }

    size_t connected = 0;
    const char *cursor = endpoints, *first;
    size_t length;
    while (kefu_text_list_next (&cursor, &first, &length)) {
        char *endpoint = strndup (first, length);
        int rc = endpoint ? zmq_connect (service->dealer, endpoint) : -1;
        if (rc != 0)
            kefu_strbuf_appendf (problem, "%s: cannot connect to \"%s\": %s", service->name,
                                 endpoint ? endpoint : "?", zmq_strerror (zmq_errno ()));
        else
            kefu_log_info ("upstream.connecting", "upstream", service->name, "endpoint",
                           endpoint, NULL);
        free (endpoint);
        if (rc != 0)
            return -1;
        connected++;
    }
    if (connected == 0) {
        kefu_strbuf_appendf (problem, "%s: no endpoint configured", service->name);
        return -1;
    }
    return 0;
}

/*  Split KEFU_GATEWAY_SERVICES into self->services (names only). */
static int
upstream_parse_services (gateway_upstream_t *self, const char *list, kefu_strbuf_t *problem)
{
    size_t capacity = 1;
    for (const char *p = list; *p; p++)
        if (*p == ',')
            capacity++;
    self->services = calloc (capacity, sizeof *self->services);
    if (!self->services) {
        kefu_strbuf_append (problem, "out of memory");
        return -1;
    }
    const char *cursor = list, *first;
    size_t length;
    while (kefu_text_list_next (&cursor, &first, &length)) {
        if (!kefu_text_service_name_valid (first, length)) {
            kefu_strbuf_appendf (problem,
                                 "KEFU_GATEWAY_SERVICES: \"%.*s\" is not a service "
                                 "name (a-z, 0-9, _)",
                                 (int)length, first);
            return -1;
        }
        upstream_service_t *service = &self->services[self->service_count];
        memcpy (service->name, first, length);
        service->name[length] = '\0';
        for (size_t i = 0; i < self->service_count; i++)
            if (strcmp (self->services[i].name, service->name) == 0) {
                kefu_strbuf_appendf (problem, "KEFU_GATEWAY_SERVICES: \"%s\" is listed twice",
                                     service->name);
                return -1;
            }
        self->service_count++;
    }
    return 0;
}

gateway_upstream_t *
gateway_upstream_new (void *zmq_context, kefu_config_t *config, size_t max_pending,
                      gateway_upstream_fn *settle, char **error)
{
    assert (zmq_context && config && settle && error);
    *error = NULL;
    kefu_strbuf_t problem;
    kefu_strbuf_init (&problem);
    gateway_upstream_t *self = calloc (1, sizeof *self);
    uint64_t prefix = 0;
    if (!self || sodium_init () < 0)
        kefu_strbuf_append (&problem, "out of memory");
    else {
        self->settle = settle;
        randombytes_buf (&prefix, sizeof prefix);
        self->pending = gateway_pending_new (max_pending, prefix);
        self->settles = calloc (max_pending ? max_pending : 1, sizeof *self->settles);
        if (!self->pending || !self->settles)
            kefu_strbuf_append (&problem, "out of memory");
    }
    if (kefu_strbuf_length (&problem) == 0)
        upstream_parse_services (self, kefu_config_string (config, "KEFU_GATEWAY_SERVICES"),
                                 &problem);

    for (size_t i = 0; i < (self ? self->service_count : 0) && kefu_strbuf_length (&problem) == 0;
         i++) {
        upstream_service_t *service = &self->services[i];
        char variable[UPSTREAM_CONFIG_NAME_MAX];
        snprintf (variable, sizeof variable, "KEFU_%s_ENDPOINT", service->name);
        for (char *p = variable; *p; p++)
            *p = (char)toupper ((unsigned char)*p);
        if (!upstream_config_knows (variable)) {
            kefu_strbuf_appendf (&problem,
                                 "KEFU_GATEWAY_SERVICES: \"%s\" is not a known service "
                                 "(no %s in the configuration table)",
                                 service->name, variable);
            break;
        }
        upstream_service_open (self, service, zmq_context,
                               kefu_config_service_string (config, service->name, "ENDPOINT"),
                               max_pending, &problem);
    }
    if (kefu_strbuf_length (&problem) > 0 || !kefu_strbuf_ok (&problem)) {
        *error = kefu_strbuf_detach (&problem);
        if (!*error)
            *error = strdup ("out of memory");
        gateway_upstream_destroy (&self);
        return NULL;
    }
    kefu_strbuf_release (&problem);
    return self;
}

void
gateway_upstream_destroy (gateway_upstream_t **self_p)
{
    assert (self_p);
    gateway_upstream_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; self->services && i < self->service_count; i++) {
        upstream_service_t *service = &self->services[i];
        if (service->dealer) {
            if (service->monitor)
                zmq_socket_monitor (service->dealer, NULL, 0);
            zmq_close (service->dealer);
        }
        if (service->monitor)
            zmq_close (service->monitor);
    }
    free (self->services);
    gateway_pending_destroy (&self->pending);
    free (self->settles);
    free (self);
    *self_p = NULL;
}

/* --- sending ------------------------------------------------------------- */

size_t
gateway_upstream_service_count (gateway_upstream_t *self)
{
    return self->service_count;
}

const char *
gateway_upstream_service_name (gateway_upstream_t *self, size_t index)
{
    assert (index < self->service_count);
    return self->services[index].name;
}

int
gateway_upstream_service_index (gateway_upstream_t *self, const char *name)
{
    for (size_t i = 0; i < self->service_count; i++)
        if (strcmp (self->services[i].name, name) == 0)
            return (int)i;
    return -1;
}

gateway_upstream_result_t
gateway_upstream_send (gateway_upstream_t *self, size_t service,
                       const gateway_upstream_call_t *call, void *owner, gateway_pending_id_t *id)
{
    assert (service < self->service_count);
    upstream_service_t *target = &self->services[service];
    char request_id[GATEWAY_REQUEST_ID_SIZE];
    int64_t deadline = gateway_pending_now_ms () + call->timeout_ms;
    if (gateway_pending_add (self->pending, service, deadline, owner, id, request_id) != 0)
        return GATEWAY_UPSTREAM_FULL;

    Kefu__V1__Request request = KEFU__V1__REQUEST__INIT;
    request.request_id = request_id;
    request.method = (char *)call->method;
    request.actor = (Kefu__V1__Actor *)call->actor;
    if (call->idempotency_key && *call->idempotency_key)
        request.idempotency_key = (char *)call->idempotency_key;
    request.deadline_unix_ms = kefu_time_real_ms () + call->timeout_ms;
    if (call->trace_id)
        request.trace_id = (char *)call->trace_id;
    request.payload.data = (uint8_t *)call->payload;
    request.payload.len = call->payload_size;

    zmq_msg_t frame;
    size_t size = kefu__v1__request__get_packed_size (&request);
    if (zmq_msg_init_size (&frame, size) != 0) {
        gateway_pending_remove (self->pending, *id);
        return GATEWAY_UPSTREAM_FAILED;
    }
    kefu__v1__request__pack (&request, zmq_msg_data (&frame));

    /*  With ZMQ_IMMEDIATE, EAGAIN on the delimiter means no connected peer
     *  can take the message. Once the first frame is accepted the rest of
     *  the message is (multipart messages are atomic). */
    if (zmq_send (target->dealer, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) != 0) {
        int cause = zmq_errno ();
        zmq_msg_close (&frame);
        gateway_pending_remove (self->pending, *id);
        if (cause == EAGAIN)
            return GATEWAY_UPSTREAM_NO_PEER;
        kefu_log_error ("upstream.send_failed", "upstream", target->name, "error",
                        zmq_strerror (cause), NULL);
        return GATEWAY_UPSTREAM_FAILED;
    }
    if (zmq_msg_send (&frame, target->dealer, ZMQ_DONTWAIT) < 0) {
        kefu_log_error ("upstream.send_failed", "upstream", target->name, "error",
                        zmq_strerror (zmq_errno ()), NULL);
        zmq_msg_close (&frame);
        gateway_pending_remove (self->pending, *id);
        return GATEWAY_UPSTREAM_FAILED;
    }
    self->settles[id->slot] = call->settle;
    return GATEWAY_UPSTREAM_SENT;
}

void
gateway_upstream_cancel (gateway_upstream_t *self, gateway_pending_id_t id)
{
    gateway_pending_remove (self->pending, id);
}

/* --- receiving ----------------------------------------------------------- */

size_t
gateway_upstream_poll_count (gateway_upstream_t *self)
{
    return 2 * self->service_count;
}

/*  Dealers first, then monitors: dispatch reads in that order so that a
 *  Reply a service sent just before it went away is delivered before the
 *  disconnect fails what is left. */
void
gateway_upstream_poll_items (gateway_upstream_t *self, zmq_pollitem_t *items)
{
    for (size_t i = 0; i < self->service_count; i++) {
        items[i] = (zmq_pollitem_t){self->services[i].dealer, 0, ZMQ_POLLIN, 0};
        items[self->service_count + i] =
            (zmq_pollitem_t){self->services[i].monitor, 0, ZMQ_POLLIN, 0};
    }
}

/*  Drop the remaining frames of a message whose first frames were read. */
static void
upstream_discard_rest (void *socket, bool more)
{
    while (more) {
        zmq_msg_t frame;
        zmq_msg_init (&frame);
        if (zmq_msg_recv (&frame, socket, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (&frame);
            return;
        }
        more = zmq_msg_more (&frame);
        zmq_msg_close (&frame);
    }
}

/*  Settle a request taken from the pending table, through the function its
 *  call named or the upstream's. */
static void
upstream_settle (gateway_upstream_t *self, const gateway_pending_entry_t *entry,
                 gateway_upstream_outcome_t outcome, const Kefu__V1__Reply *reply)
{
    gateway_upstream_fn *settle = self->settles[entry->id.slot];
    self->settles[entry->id.slot] = NULL;
    (settle ? settle : self->settle) (entry->owner, entry->service, outcome, reply);
}

/*  Read one message from a DEALER. Returns false when there is none;
 *  otherwise true with *reply the decoded Reply, or NULL if the message
 *  was not empty + Reply (it is then logged and dropped). */
static bool
upstream_receive_reply (upstream_service_t *service, Kefu__V1__Reply **reply)
{
    *reply = NULL;
    zmq_msg_t delimiter;
    zmq_msg_init (&delimiter);
    if (zmq_msg_recv (&delimiter, service->dealer, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&delimiter);
        return false;
    }
    bool more = zmq_msg_more (&delimiter);
    bool well_framed = zmq_msg_size (&delimiter) == 0 && more;
    zmq_msg_close (&delimiter);
    if (!well_framed) {
        upstream_discard_rest (service->dealer, more);
        kefu_log_warn ("upstream.bad_reply", "upstream", service->name, "reason",
                       "no empty delimiter frame", NULL);
        return true;
    }
    zmq_msg_t body;
    zmq_msg_init (&body);
    if (zmq_msg_recv (&body, service->dealer, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&body);
        return true;
    }
    more = zmq_msg_more (&body);
    if (!more)
        *reply = kefu__v1__reply__unpack (NULL, zmq_msg_size (&body), zmq_msg_data (&body));
    zmq_msg_close (&body);
    upstream_discard_rest (service->dealer, more);
    if (!*reply)
        kefu_log_warn ("upstream.bad_reply", "upstream", service->name, "reason",
                       more ? "more than two frames" : "not a kefu.v1.Reply", NULL);
    return true;
}

static void
upstream_handle_reply (gateway_upstream_t *self, size_t index, const Kefu__V1__Reply *reply)
{
    upstream_service_t *service = &self->services[index];
    const char *request_id = reply->request_id ? reply->request_id : "";
    gateway_pending_entry_t entry;
    if (!gateway_pending_take (self->pending, request_id, strlen (request_id), index, &entry)) {
        /*  Settled already (deadline, cancelled) or not ours. */
        kefu_log_debug ("upstream.reply_dropped", "upstream", service->name, "request_id",
                        request_id, "reason", "no such request pending", NULL);
        return;
    }
    if (gateway_pending_now_ms () > entry.deadline_ms) {
        kefu_log_debug ("upstream.reply_dropped", "upstream", service->name, "request_id",
                        request_id, "reason", "past its deadline", NULL);
        upstream_settle (self, &entry, GATEWAY_UPSTREAM_DEADLINE, NULL);
        return;
    }
    upstream_settle (self, &entry, GATEWAY_UPSTREAM_REPLIED, reply);
}

/*  Settle every request of service `index` as unavailable. */
static void
upstream_fail_service (gateway_upstream_t *self, size_t index)
{
    size_t cursor = 0;
    size_t failed = 0;
    gateway_pending_entry_t entry;
    while (gateway_pending_take_service (self->pending, index, &cursor, &entry)) {
        upstream_settle (self, &entry, GATEWAY_UPSTREAM_UNAVAILABLE, NULL);
        failed++;
    }
    if (failed > 0) {
        char count[UPSTREAM_NUMBER_TEXT_MAX];
        snprintf (count, sizeof count, "%zu", failed);
        kefu_log_warn ("upstream.requests_failed", "upstream", self->services[index].name, "count",
                       count, "reason", "no replica connected", NULL);
    }
}

/*  Read one event from a monitor socket; false when there is none. */
static bool
upstream_handle_monitor_event (gateway_upstream_t *self, size_t index)
{
    upstream_service_t *service = &self->services[index];
    zmq_msg_t header;
    zmq_msg_init (&header);
    if (zmq_msg_recv (&header, service->monitor, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&header);
        return false;
    }
    uint16_t event = 0;
    bool more = zmq_msg_more (&header);
    if (zmq_msg_size (&header) == UPSTREAM_MONITOR_EVENT_SIZE)
        memcpy (&event, zmq_msg_data (&header), sizeof event);
    zmq_msg_close (&header);

    char endpoint[UPSTREAM_MONITOR_ENDPOINT_MAX] = "";
    if (more) {
        zmq_msg_t address;
        zmq_msg_init (&address);
        if (zmq_msg_recv (&address, service->monitor, ZMQ_DONTWAIT) >= 0) {
            size_t length = zmq_msg_size (&address);
            if (length >= sizeof endpoint)
                length = sizeof endpoint - 1;
            memcpy (endpoint, zmq_msg_data (&address), length);
            endpoint[length] = '\0';
            more = zmq_msg_more (&address);
        } else
            more = false;
        zmq_msg_close (&address);
        upstream_discard_rest (service->monitor, more);
    }

    char peers[UPSTREAM_NUMBER_TEXT_MAX];
    if (event == ZMQ_EVENT_CONNECTED) {
        service->connected_peers++;
        snprintf (peers, sizeof peers, "%zu", service->connected_peers);
        kefu_log_info ("upstream.connected", "upstream", service->name, "endpoint", endpoint,
                       "peers", peers, NULL);
    } else if (event == ZMQ_EVENT_DISCONNECTED) {
        if (service->connected_peers > 0)
            service->connected_peers--;
        snprintf (peers, sizeof peers, "%zu", service->connected_peers);
        kefu_log_warn ("upstream.disconnected", "upstream", service->name, "endpoint", endpoint,
                       "peers", peers, NULL);
        /*  With no replica left, nothing sent can be answered. */
        if (service->connected_peers == 0)
            upstream_fail_service (self, index);
    }
    return true;
}

void
gateway_upstream_dispatch (gateway_upstream_t *self, const zmq_pollitem_t *items)
{
    for (size_t i = 0; i < self->service_count; i++) {
        if (!(items[i].revents & ZMQ_POLLIN))
            continue;
        for (int batch = 0; batch < UPSTREAM_DISPATCH_BATCH; batch++) {
            Kefu__V1__Reply *reply;
            if (!upstream_receive_reply (&self->services[i], &reply))
                break;
            if (reply) {
                upstream_handle_reply (self, i, reply);
                kefu__v1__reply__free_unpacked (reply, NULL);
            }
        }
    }
    for (size_t i = 0; i < self->service_count; i++) {
        if (!(items[self->service_count + i].revents & ZMQ_POLLIN))
            continue;
        while (upstream_handle_monitor_event (self, i))
            ;
    }
}

void
gateway_upstream_expire (gateway_upstream_t *self)
{
    int64_t now = gateway_pending_now_ms ();
    gateway_pending_entry_t entry;
    while (gateway_pending_take_expired (self->pending, now, &entry))
        upstream_settle (self, &entry, GATEWAY_UPSTREAM_DEADLINE, NULL);
}

int64_t
gateway_upstream_next_deadline (gateway_upstream_t *self)
{
    return gateway_pending_next_deadline (self->pending);
}

size_t
gateway_upstream_pending_count (gateway_upstream_t *self)
{
    return gateway_pending_count (self->pending);
}
