/*  gateway_events: bus subscription, the set of SSE streams, and their
 *  replay requests. See gateway_events.h.
 *
 *  The streams are kept in an array (order does not matter): an event from
 *  the bus is offered to each in turn, and a stream that goes is replaced
 *  by the last one. A few thousand streams at most, so a linear pass per
 *  event and per tick is cheaper than any index.
 *
 *  A stream sees a lost event when the next one arrives with a seq that
 *  jumps. The last events before a quiet period have no next one (a
 *  publisher that joined the bus late, or died between commit and send):
 *  so while streams are open, a source quiet on the bus for
 *  EVENTS_QUIET_CHECK_MS is asked where it stands, once for all streams,
 *  and the streams behind it replay.
 */
#include "gateway_events.h"
#include "kefu_log.h"

#include "kefu/v1/events.pb-c.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    /*  Messages read per dispatch, so that a busy bus cannot starve HTTP
     *  and the services' replies. */
    EVENTS_DISPATCH_BATCH = 256,
    /*  Messages ZeroMQ queues for the gateway before the bus drops (the
     *  streams then see a gap and replay). */
    EVENTS_RECEIVE_HWM = 100000,
    /*  A stream whose source did not answer asks again this much later. */
    EVENTS_REPLAY_RETRY_MS = 1000,
    /*  A source this quiet on the bus is asked whether it published more. */
    EVENTS_QUIET_CHECK_MS = 1000,
    EVENTS_NUMBER_TEXT_MAX = 24,
    /*  Room for a packed ReplayRequest without type prefixes. */
    EVENTS_PROBE_SIZE_MAX = 32
};

/*  Who the gateway says it is when it reads a source's events. */
static const char EVENTS_ACTOR_STAFF_ID[] = "gateway";
static const char EVENTS_ACTOR_SESSION[] = "gateway:sse";
static const char EVENTS_ACTOR_ROLE[] = "service";

/*  What the bus showed of one source. */
typedef struct {
    uint64_t bus_seen;      /* the highest seq seen on the bus */
    int64_t quiet_since_ms; /* its last event on the bus, or the last check */
    bool checking;          /* a check is in flight */
    gateway_pending_id_t check;
} events_source_t;

struct _gateway_events_t {
    gateway_upstream_t *upstream; /* borrowed */
    events_source_t *sources;
    void *subscriber; /* SUB to the bus; NULL without one */
    gateway_stream_context_t context;
    const char **source_names; /* borrowed from the upstream */
    size_t max_streams;
    int64_t request_timeout_ms;
    gateway_stream_t **streams;
    size_t stream_count;
    bool stopping;
    gateway_events_observer_fn *observer;
    void *observer_arg;
};

/* --- what streams ask of their host ---------------------------------------- */

static gateway_upstream_result_t
events_send_replay (void *host, void *owner, size_t source, const Kefu__V1__ReplayRequest *request,
                    gateway_pending_id_t *id)
{
    gateway_events_t *self = host;
    size_t size = kefu__v1__replay_request__get_packed_size (request);
    uint8_t *payload = malloc (size ? size : 1);
    if (!payload)
        return GATEWAY_UPSTREAM_FAILED;
    kefu__v1__replay_request__pack (request, payload);
    char *roles[] = {(char *)EVENTS_ACTOR_ROLE};
    Kefu__V1__Actor actor = KEFU__V1__ACTOR__INIT;
    actor.staff_id = (char *)EVENTS_ACTOR_STAFF_ID;
    actor.n_roles = sizeof roles / sizeof roles[0];
    actor.roles = roles;
    actor.session_id = (char *)EVENTS_ACTOR_SESSION;
    gateway_upstream_call_t call = {
        .method = "events.replay",
        .actor = &actor,
        .payload = payload,
        .payload_size = size,
        .timeout_ms = self->request_timeout_ms,
    };
    gateway_upstream_result_t sent =
        gateway_upstream_send (self->upstream, source, &call, owner, id);
    free (payload);
    return sent;
}

static void
events_cancel (void *host, gateway_pending_id_t id)
{
    gateway_events_t *self = host;
    gateway_upstream_cancel (self->upstream, id);
}

/* --- construction ---------------------------------------------------------- */

static int
events_set_int (void *socket, int option, int value)
{
    return zmq_setsockopt (socket, option, &value, sizeof value);
}

gateway_events_t *
gateway_events_new (void *zmq_context, const gateway_events_options_t *options,
                    gateway_upstream_t *upstream, gateway_stream_wake_fn *wake)
{
    assert (zmq_context && options && upstream && wake);
    gateway_events_t *self = calloc (1, sizeof *self);
    if (!self) {
        kefu_log_error ("sse.start_failed", "error", "out of memory", NULL);
        return NULL;
    }
    self->upstream = upstream;
    self->max_streams = options->max_streams;
    self->request_timeout_ms = options->request_timeout_ms;
    self->observer = options->observer;
    self->observer_arg = options->observer_arg;
    size_t sources = gateway_upstream_service_count (upstream);
    self->source_names = calloc (sources ? sources : 1, sizeof *self->source_names);
    self->sources = calloc (sources ? sources : 1, sizeof *self->sources);
    self->streams = calloc (options->max_streams ? options->max_streams : 1, sizeof *self->streams);
    if (!self->source_names || !self->sources || !self->streams) {
        kefu_log_error ("sse.start_failed", "error", "out of memory", NULL);
        gateway_events_destroy (&self);
        return NULL;
    }
    int64_t now = gateway_pending_now_ms ();
    for (size_t i = 0; i < sources; i++) {
        self->source_names[i] = gateway_upstream_service_name (upstream, i);
        self->sources[i].quiet_since_ms = now;
    }
    self->context = (gateway_stream_context_t){
        .source_count = sources,
        .source_names = self->source_names,
        .buffer_bytes = options->buffer_bytes,
        .heartbeat_ms = options->heartbeat_ms,
        .client_retry_ms = options->client_retry_ms,
        .replay_retry_ms = EVENTS_REPLAY_RETRY_MS,
        .replay = events_send_replay,
        .cancel = events_cancel,
        .wake = wake,
        .host = self,
    };

    if (options->bus_endpoint && *options->bus_endpoint) {
        self->subscriber = zmq_socket (zmq_context, ZMQ_SUB);
        /*  Every topic: a gap in a source's seq shows only in all of it. */
        if (!self->subscriber || events_set_int (self->subscriber, ZMQ_LINGER, 0) != 0 ||
            events_set_int (self->subscriber, ZMQ_RCVHWM, EVENTS_RECEIVE_HWM) != 0 ||
            zmq_setsockopt (self->subscriber, ZMQ_SUBSCRIBE, "", 0) != 0 ||
            zmq_connect (self->subscriber, options->bus_endpoint) != 0) {
            kefu_log_error ("sse.subscribe_failed", "endpoint", options->bus_endpoint, "error",
                            zmq_strerror (zmq_errno ()), NULL);
            gateway_events_destroy (&self);
            return NULL;
        }
        kefu_log_info ("sse.subscribed", "endpoint", options->bus_endpoint, NULL);
    } else
        kefu_log_warn ("sse.no_bus", "detail",
                       "no bus to read: SSE streams get only what they replay", NULL);
    return self;
}

void
gateway_events_destroy (gateway_events_t **self_p)
{
    assert (self_p);
    gateway_events_t *self = *self_p;
    if (!self)
        return;
    /*  The HTTP side closes every stream as its daemon stops; any left
     *  would be a bug there, but are freed rather than leaked. */
    while (self->stream_count > 0) {
        gateway_stream_t *stream = self->streams[self->stream_count - 1];
        gateway_events_close (self, &stream);
    }
    for (size_t i = 0; self->sources && i < self->context.source_count; i++)
        if (self->sources[i].checking)
            gateway_upstream_cancel (self->upstream, self->sources[i].check);
    if (self->subscriber)
        zmq_close (self->subscriber);
    free (self->streams);
    free (self->sources);
    free (self->source_names);
    free (self);
    *self_p = NULL;
}

/* --- the bus --------------------------------------------------------------- */

bool
gateway_events_poll_item (gateway_events_t *self, zmq_pollitem_t *item)
{
    if (!self->subscriber)
        return false;
    *item = (zmq_pollitem_t){self->subscriber, 0, ZMQ_POLLIN, 0};
    return true;
}

/*  Read one message; false when there is none. *event is the Event it
 *  carried, or NULL when it was not [topic][Event] (dropped). */
static bool
events_receive (gateway_events_t *self, Kefu__V1__Event **event)
{
    *event = NULL;
    zmq_msg_t frames[2];
    size_t count = 0;
    bool more = true;
    while (more) {
        zmq_msg_t frame;
        zmq_msg_init (&frame);
        if (zmq_msg_recv (&frame, self->subscriber, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (&frame);
            break;
        }
        more = zmq_msg_more (&frame);
        if (count < 2)
            frames[count++] = frame;
        else
            zmq_msg_close (&frame);
    }
    if (count == 0)
        return false;
    if (count == 2)
        *event =
            kefu__v1__event__unpack (NULL, zmq_msg_size (&frames[1]), zmq_msg_data (&frames[1]));
    for (size_t i = 0; i < count; i++)
        zmq_msg_close (&frames[i]);
    if (!*event)
        kefu_log_warn ("sse.bad_bus_message", "reason", "not [topic][kefu.v1.Event]", NULL);
    return true;
}

/*  The index of the source called `name`, or -1 if it is not ours. */
static long
events_source_index (gateway_events_t *self, const char *name)
{
    for (size_t i = 0; i < self->context.source_count; i++)
        if (strcmp (self->source_names[i], name) == 0)
            return (long)i;
    return -1;
}

void
gateway_events_dispatch (gateway_events_t *self, const zmq_pollitem_t *item)
{
    if (!self->subscriber || !(item->revents & ZMQ_POLLIN))
        return;
    for (int batch = 0; batch < EVENTS_DISPATCH_BATCH; batch++) {
        Kefu__V1__Event *message;
        if (!events_receive (self, &message))
            return;
        if (!message)
            continue;
        if (self->observer)
            self->observer (self->observer_arg, message);
        long source = message->source ? events_source_index (self, message->source) : -1;
        /*  Another gateway's services, or an unnumbered event: no stream
         *  of ours can place it. */
        if (source < 0 || message->seq == 0 || !message->type) {
            kefu__v1__event__free_unpacked (message, NULL);
            continue;
        }
        int64_t now = gateway_pending_now_ms ();
        events_source_t *seen = &self->sources[source];
        if (message->seq > seen->bus_seen)
            seen->bus_seen = message->seq;
        seen->quiet_since_ms = now;
        gateway_stream_event_t *event = gateway_stream_event_new (&message);
        if (!event)
            continue; /* out of memory: the streams will see a gap */
        for (size_t i = 0; i < self->stream_count; i++)
            gateway_stream_on_live (self->streams[i], (size_t)source, event, now);
        gateway_stream_event_unref (&event);
    }
}

/* --- quiet sources -------------------------------------------------------- */

/*  The answer to a check (a gateway_upstream_fn; `owner` is the events). */
static void
events_settle_check (void *owner, size_t service, gateway_upstream_outcome_t outcome,
                     const Kefu__V1__Reply *reply)
{
    gateway_events_t *self = owner;
    events_source_t *source = &self->sources[service];
    int64_t now = gateway_pending_now_ms ();
    source->checking = false;
    source->quiet_since_ms = now;
    if (outcome != GATEWAY_UPSTREAM_REPLIED ||
        (reply->status && reply->status->code != KEFU__V1__CODE__OK))
        return; /* down, or busy: the streams' own requests will tell */
    Kefu__V1__ReplayReply *page =
        kefu__v1__replay_reply__unpack (NULL, reply->payload.len, reply->payload.data);
    if (!page)
        return;
    uint64_t last_seq = page->last_seq;
    kefu__v1__replay_reply__free_unpacked (page, NULL);
    if (last_seq <= source->bus_seen)
        return;
    /*  Before the first event from the bus there is nothing to compare
     *  with: only say so once events were seen and then went missing. */
    if (source->bus_seen > 0) {
        char lost[EVENTS_NUMBER_TEXT_MAX];
        snprintf (lost, sizeof lost, "%" PRIu64, last_seq - source->bus_seen);
        kefu_log_info ("sse.bus_lost_events", "source", self->source_names[service], "count", lost,
                       NULL);
    }
    source->bus_seen = last_seq;
    for (size_t i = 0; i < self->stream_count; i++)
        gateway_stream_on_source_seq (self->streams[i], service, last_seq, now);
}

/*  Ask a quiet source where it stands. */
static void
events_check_source (gateway_events_t *self, size_t service, int64_t now)
{
    events_source_t *source = &self->sources[service];
    Kefu__V1__ReplayRequest probe = KEFU__V1__REPLAY_REQUEST__INIT;
    probe.after_seq = (uint64_t)INT64_MAX; /* no events: only last_seq */
    probe.limit = 1;
    uint8_t payload[EVENTS_PROBE_SIZE_MAX];
    assert (kefu__v1__replay_request__get_packed_size (&probe) <= sizeof payload);
    gateway_upstream_call_t call = {
        .method = "events.replay",
        .actor = NULL,
        .payload = payload,
        .payload_size = kefu__v1__replay_request__pack (&probe, payload),
        .timeout_ms = self->request_timeout_ms,
        .settle = events_settle_check,
    };
    source->quiet_since_ms = now;
    source->checking = gateway_upstream_send (self->upstream, service, &call, self,
                                              &source->check) == GATEWAY_UPSTREAM_SENT;
}

/* --- streams --------------------------------------------------------------- */

void
gateway_events_tick (gateway_events_t *self)
{
    int64_t now = gateway_pending_now_ms ();
    for (size_t i = 0; i < self->stream_count; i++)
        if (gateway_stream_next_tick (self->streams[i]) <= now)
            gateway_stream_tick (self->streams[i], now);
    for (size_t i = 0; self->stream_count > 0 && i < self->context.source_count; i++) {
        events_source_t *source = &self->sources[i];
        if (!source->checking && now - source->quiet_since_ms >= EVENTS_QUIET_CHECK_MS)
            events_check_source (self, i, now);
    }
}

int64_t
gateway_events_next_tick (gateway_events_t *self)
{
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < self->stream_count; i++) {
        int64_t due = gateway_stream_next_tick (self->streams[i]);
        if (due < next)
            next = due;
    }
    for (size_t i = 0; self->stream_count > 0 && i < self->context.source_count; i++) {
        events_source_t *source = &self->sources[i];
        if (!source->checking && source->quiet_since_ms + EVENTS_QUIET_CHECK_MS < next)
            next = source->quiet_since_ms + EVENTS_QUIET_CHECK_MS;
    }
    return next;
}

gateway_cursor_t *
gateway_events_cursor_new (gateway_events_t *self)
{
    return gateway_cursor_new (self->source_names, self->context.source_count);
}

gateway_events_open_result_t
gateway_events_open (gateway_events_t *self, void *owner, const gateway_stream_types_t *types,
                     bool auditor, const gateway_cursor_t *resume, gateway_stream_t **stream)
{
    *stream = NULL;
    if (self->stopping)
        return GATEWAY_EVENTS_STOPPING;
    if (self->stream_count == self->max_streams)
        return GATEWAY_EVENTS_FULL;
    *stream = gateway_stream_new (&self->context, owner, types, auditor, resume,
                                  gateway_pending_now_ms ());
    if (!*stream)
        return GATEWAY_EVENTS_FAILED;
    self->streams[self->stream_count++] = *stream;
    char count[EVENTS_NUMBER_TEXT_MAX];
    snprintf (count, sizeof count, "%zu", self->stream_count);
    kefu_log_debug ("sse.opened", "streams", count, NULL);
    return GATEWAY_EVENTS_OPENED;
}

void
gateway_events_close (gateway_events_t *self, gateway_stream_t **stream_p)
{
    assert (stream_p);
    gateway_stream_t *stream = *stream_p;
    if (!stream)
        return;
    for (size_t i = 0; i < self->stream_count; i++)
        if (self->streams[i] == stream) {
            self->streams[i] = self->streams[--self->stream_count];
            break;
        }
    gateway_stream_destroy (stream_p);
}

void
gateway_events_settle (gateway_events_t *self, gateway_stream_t *stream, size_t service,
                       gateway_upstream_outcome_t outcome, const Kefu__V1__Reply *reply)
{
    (void)self;
    gateway_stream_settle (stream, service, outcome, reply, gateway_pending_now_ms ());
}

void
gateway_events_shutdown (gateway_events_t *self)
{
    self->stopping = true;
    for (size_t i = 0; i < self->stream_count; i++)
        gateway_stream_close (self->streams[i], "shutdown");
}

size_t
gateway_events_stream_count (gateway_events_t *self)
{
    return self->stream_count;
}
