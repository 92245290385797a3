/*  kefu_consumer: exactly-once processing of other services' events. See
 *  kefu_consumer.h for the contract.
 *
 *  Per source the consumer keeps `cursor`, the highest seq it has dealt
 *  with (processed, or skipped as not wanted). The durable cursor in
 *  consumer_cursors only moves with a processed event, in that event's
 *  transaction; after a restart the consumer replays from it and skips the
 *  unwanted events again, which is cheap and keeps a write off the path of
 *  every event it does not care about.
 */
#include "kefu_consumer.h"
#include "kefu_frames.h"
#include "kefu_log.h"
#include "kefu_time.h"

#include "kefu/v1/events.pb-c.h"

#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

enum {
    CONSUMER_SOURCES_MAX = 16,
    CONSUMER_TYPES_MAX = 32,
    CONSUMER_NAME_MAX = 64,
    CONSUMER_ENDPOINT_MAX = 256,
    CONSUMER_POLL_DEFAULT_MS = 1000,
    CONSUMER_REPLAY_PAGE = 500,
    CONSUMER_REPLAY_TIMEOUT_MS = 2000,
    CONSUMER_REPLAY_PAGES_PER_ROUND = 200,  /* then look at the bus again */
    CONSUMER_CONNECT_RETRY_MS = 1000,
    CONSUMER_RECEIVE_HWM = 100000,
    /*  After this many failures in a row on one event, each further one is
     *  logged as an error: the source is stuck behind it until it succeeds,
     *  and an operator must look (the event is never skipped). */
    CONSUMER_STUCK_FAILURES = 10,
    /*  Events not wanted move the cursor in memory only, written with the
     *  next event handled; after this many in a row it is written on its
     *  own, so that a restart never replays more than that many again. */
    CONSUMER_SKIPPED_WRITE_EVERY = 1000,
};

typedef struct {
    char name[CONSUMER_NAME_MAX];
    char endpoint[CONSUMER_ENDPOINT_MAX];
    void *dealer;                       /* to the source's ROUTER, for events.replay */
    uint64_t cursor;                    /* highest seq dealt with */
    int64_t retry_at_ms;                /* after a failure, wait until then */
    int failures;                       /* in a row, on the event after cursor */
    int skipped;                        /* unwanted events since the cursor was written */
} consumer_source_t;

struct _kefu_consumer_t {
    char schema[CONSUMER_NAME_MAX];
    char *dsn;
    char *bus_endpoint;
    void *context;
    kefu_consumer_handler_fn *handler;
    void *arg;
    consumer_source_t sources[CONSUMER_SOURCES_MAX];
    int source_count;
    char *types[CONSUMER_TYPES_MAX + 1];
    kefu_consumer_filter_fn *filter;    /* NULL: every event of the types */
    int poll_ms;
    uint64_t request_counter;
    kefu_db_t *db;
    pthread_t thread;
    bool thread_started;
    atomic_bool stop;
    atomic_uint_least64_t processed;
};

static const kefu_sql_t sql_cursor_ensure = {
    "kefu_consumer_cursor_ensure", "INSERT INTO consumer_cursors (source) VALUES ($1) ON CONFLICT DO NOTHING"
};
static const kefu_sql_t sql_cursor_read = {
    "kefu_consumer_cursor_read", "SELECT seq FROM consumer_cursors WHERE source = $1"
};
static const kefu_sql_t sql_cursor_lock = {
    "kefu_consumer_cursor_lock", "SELECT seq FROM consumer_cursors WHERE source = $1 FOR UPDATE"
};
static const kefu_sql_t sql_cursor_move = {
    "kefu_consumer_cursor_move", "UPDATE consumer_cursors SET seq = $2, updated_at = now() WHERE source = $1"
};

kefu_consumer_t *
kefu_consumer_new (const char *schema, const char *dsn, void *zmq_context, const char *bus_endpoint,
                   kefu_consumer_handler_fn *handler, void *arg)
{
    kefu_consumer_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    snprintf (self->schema, sizeof self->schema, "%s", schema);
    self->dsn = strdup (dsn);
    self->bus_endpoint = strdup (bus_endpoint);
    self->context = zmq_context;
    self->handler = handler;
    self->arg = arg;
    self->poll_ms = CONSUMER_POLL_DEFAULT_MS;
    if (!self->dsn || !self->bus_endpoint) {
        kefu_consumer_destroy (&self);
        return NULL;
    }
    return self;
}

int
kefu_consumer_add_source (kefu_consumer_t *self, const char *source, const char *endpoint)
{
    assert (!self->thread_started);
    if (self->source_count == CONSUMER_SOURCES_MAX)
        return -1;
    consumer_source_t *entry = &self->sources[self->source_count++];
    snprintf (entry->name, sizeof entry->name, "%s", source);
    snprintf (entry->endpoint, sizeof entry->endpoint, "%s", endpoint);
    return 0;
}

int
kefu_consumer_set_types (kefu_consumer_t *self, const char *const *prefixes)
{
    assert (!self->thread_started);
    int count = 0;
    for (; prefixes && prefixes[count]; count++) {
        if (count == CONSUMER_TYPES_MAX)
            return -1;
        self->types[count] = strdup (prefixes[count]);
        if (!self->types[count])
            return -1;
    }
    return 0;
}

void
kefu_consumer_set_filter (kefu_consumer_t *self, kefu_consumer_filter_fn *wanted)
{
    assert (!self->thread_started);
    self->filter = wanted;
}

void
kefu_consumer_set_poll_ms (kefu_consumer_t *self, int poll_ms)
{
    self->poll_ms = poll_ms;
}

uint64_t
kefu_consumer_processed (kefu_consumer_t *self)
{
    return atomic_load (&self->processed);
}

static bool
consumer_wants (kefu_consumer_t *self, const char *type)
{
    if (!self->types[0])
        return true;
    for (int i = 0; self->types[i]; i++)
        if (strncmp (type, self->types[i], strlen (self->types[i])) == 0)
            return true;
    return false;
}

static consumer_source_t *
consumer_source (kefu_consumer_t *self, const char *name)
{
    for (int i = 0; i < self->source_count; i++)
        if (strcmp (self->sources[i].name, name) == 0)
            return &self->sources[i];
    return NULL;
}

/*  Begin a transaction and lock the cursor row of `source`, reading where
 *  it stands into `stored`. The row lock makes replicas of this consumer
 *  take turns; whoever comes second sees the cursor already past the event.
 *  Returns 0 with the transaction open, or -1 (the caller rolls back). */
static int
consumer_lock_cursor (kefu_consumer_t *self, consumer_source_t *source, uint64_t *stored)
{
    const char *lock[] = { source->name };
    if (kefu_db_ensure (self->db) != 0 || kefu_db_begin (self->db) != 0)
        return -1;
    PGresult *locked = kefu_db_run (self->db, &sql_cursor_lock, 1, lock);
    if (!locked || PQntuples (locked) != 1) {
        PQclear (locked);
        return -1;
    }
    *stored = strtoull (PQgetvalue (locked, 0, 0), NULL, 10);
    PQclear (locked);
    return 0;
}

/*  Write the cursor of `source` at `seq` on its own (after a run of
 *  unwanted events), unless a replica has written one as far already.
 *  Returns 0 or -1. */
static int
consumer_write_cursor (kefu_consumer_t *self, consumer_source_t *source, uint64_t seq_number)
{
    char seq[24];
    snprintf (seq, sizeof seq, "%" PRIu64, seq_number);
    const char *move[] = { source->name, seq };
    uint64_t stored;
    if (consumer_lock_cursor (self, source, &stored) != 0)
        goto failed;
    if (stored < seq_number && kefu_db_command (self->db, &sql_cursor_move, 2, move) != 0)
        goto failed;
    if (kefu_db_commit (self->db) != 0)
        goto failed;
    return 0;
failed:
    kefu_log_warn ("consumer.db_failed", "source", source->name, "error", kefu_db_error (self->db), NULL);
    kefu_db_rollback (self->db);
    return -1;
}

/*  Deal with one event of `source`, in order. Returns 0 when it is dealt
 *  with (processed now, or before, or not wanted), -1 if it must be tried
 *  again later. */
static int
consumer_process (kefu_consumer_t *self, consumer_source_t *source, const Kefu__V1__Event *event)
{
    if (event->seq <= source->cursor)
        return 0;
    if (!consumer_wants (self, event->type) || (self->filter && !self->filter (event))) {
        /*  No transaction for an event nobody here wants: handling it again
         *  after a restart would do nothing either. */
        if (source->skipped + 1 >= CONSUMER_SKIPPED_WRITE_EVERY) {
            if (consumer_write_cursor (self, source, event->seq) != 0)
                return -1;
            source->skipped = 0;
        }
        else
            source->skipped++;
        source->cursor = event->seq;
        return 0;
    }
    char seq[24];
    snprintf (seq, sizeof seq, "%" PRIu64, event->seq);
    const char *move[] = { source->name, seq };
    uint64_t stored;
    if (consumer_lock_cursor (self, source, &stored) != 0)
        goto failed;
    if (stored >= event->seq) {
        kefu_db_rollback (self->db);
        source->cursor = stored;
        return 0;
    }
    if (self->handler (self->db, event, self->arg) != 0) {
        if (++source->failures >= CONSUMER_STUCK_FAILURES)
            kefu_log_error ("consumer.stuck", "source", source->name, "seq", seq, "type", event->type, NULL);
        else
            kefu_log_warn ("consumer.handler_failed", "source", source->name, "seq", seq, "type", event->type, NULL);
        kefu_db_rollback (self->db);
        return -1;
    }
    if (kefu_db_command (self->db, &sql_cursor_move, 2, move) != 0 || kefu_db_commit (self->db) != 0)
        goto failed;
    source->failures = 0;
    source->skipped = 0;
    source->cursor = event->seq;
    atomic_fetch_add (&self->processed, 1);
    return 0;
failed:
    kefu_log_warn ("consumer.db_failed", "source", source->name, "error", kefu_db_error (self->db), NULL);
    kefu_db_rollback (self->db);
    return -1;
}

/*  Ask `source` for a page of events after our cursor. NULL if it does not
 *  answer in time. */
static Kefu__V1__ReplayReply *
consumer_replay_page (kefu_consumer_t *self, consumer_source_t *source)
{
    char request_id[CONSUMER_NAME_MAX + 32];
    snprintf (request_id, sizeof request_id, "%s-replay-%" PRIu64, self->schema, ++self->request_counter);
    Kefu__V1__ReplayRequest page = KEFU__V1__REPLAY_REQUEST__INIT;
    page.after_seq = source->cursor;
    page.limit = CONSUMER_REPLAY_PAGE;
    page.type_prefixes = self->types;
    for (page.n_type_prefixes = 0; self->types[page.n_type_prefixes]; page.n_type_prefixes++)
        ;
    uint8_t page_bytes[1024];
    if (kefu__v1__replay_request__get_packed_size (&page) > sizeof page_bytes)
        return NULL;
    char *roles[] = { "service" };
    Kefu__V1__Actor actor = KEFU__V1__ACTOR__INIT;
    actor.staff_id = self->schema;
    actor.roles = roles;
    actor.n_roles = 1;
    actor.session_id = "service";
    Kefu__V1__Request request = KEFU__V1__REQUEST__INIT;
    request.request_id = request_id;
    request.method = "events.replay";
    request.actor = &actor;
    request.deadline_unix_ms = kefu_time_real_ms () + CONSUMER_REPLAY_TIMEOUT_MS;
    request.payload.len = kefu__v1__replay_request__pack (&page, page_bytes);
    request.payload.data = page_bytes;
    size_t size = kefu__v1__request__get_packed_size (&request);
    uint8_t *bytes = malloc (size);
    if (!bytes)
        return NULL;
    kefu__v1__request__pack (&request, bytes);
    int sent = zmq_send (source->dealer, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) == 0
            && zmq_send (source->dealer, bytes, size, ZMQ_DONTWAIT) == (int) size;
    free (bytes);
    if (!sent)
        return NULL;        /* not connected (ZMQ_IMMEDIATE): the source is down */

    int64_t give_up = kefu_time_real_ms () + CONSUMER_REPLAY_TIMEOUT_MS;
    while (!atomic_load (&self->stop)) {
        int64_t left = give_up - kefu_time_real_ms ();
        if (left <= 0)
            return NULL;
        zmq_pollitem_t item = { source->dealer, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll (&item, 1, (long) left) <= 0)
            continue;
        /*  [""][Reply]; a late reply to an earlier, timed-out request is
         *  dropped by its request id. */
        zmq_msg_t frames[2];
        int count = kefu_frames_recv (source->dealer, frames, 2, NULL);
        Kefu__V1__Reply *reply = count == 2
            ? kefu__v1__reply__unpack (NULL, zmq_msg_size (&frames[1]), zmq_msg_data (&frames[1])) : NULL;
        kefu_frames_close (frames, count);
        if (!reply)
            continue;
        Kefu__V1__ReplayReply *events = NULL;
        if (strcmp (reply->request_id, request_id) == 0) {
            if (reply->status && reply->status->code == KEFU__V1__CODE__OK)
                events = kefu__v1__replay_reply__unpack (NULL, reply->payload.len, reply->payload.data);
            else
                kefu_log_warn ("consumer.replay_refused", "source", source->name,
                               "error", reply->status ? reply->status->message : "", NULL);
            kefu__v1__reply__free_unpacked (reply, NULL);
            return events;
        }
        kefu__v1__reply__free_unpacked (reply, NULL);
    }
    return NULL;
}

/*  Replay `source` from our cursor until caught up. Returns 0, or -1 if the
 *  source did not answer or an event failed (tried again later). */
static int
consumer_catch_up (kefu_consumer_t *self, consumer_source_t *source)
{
    if (kefu_time_real_ms () < source->retry_at_ms)
        return -1;
    for (int round = 0; round < CONSUMER_REPLAY_PAGES_PER_ROUND && !atomic_load (&self->stop); round++) {
        uint64_t after = source->cursor;
        Kefu__V1__ReplayReply *page = consumer_replay_page (self, source);
        if (!page) {
            source->retry_at_ms = kefu_time_real_ms () + self->poll_ms;
            return -1;
        }
        int rc = 0;
        for (size_t i = 0; i < page->n_events && rc == 0; i++)
            rc = consumer_process (self, source, page->events[i]);
        if (rc == 0 && page->scanned_to_seq > source->cursor)
            source->cursor = page->scanned_to_seq;
        /*  A page of unwanted events only is no end: it moved the cursor. */
        bool done = page->scanned_to_seq >= page->last_seq || page->scanned_to_seq <= after;
        kefu__v1__replay_reply__free_unpacked (page, NULL);
        if (rc != 0) {
            source->retry_at_ms = kefu_time_real_ms () + self->poll_ms;
            return -1;
        }
        if (done)
            return 0;
    }
    return 0;
}

/*  One message from the bus: [topic][Event]. */
static void
consumer_on_live_event (kefu_consumer_t *self, void *subscriber)
{
    zmq_msg_t frames[2];
    int count = kefu_frames_recv (subscriber, frames, 2, NULL);
    Kefu__V1__Event *event = count == 2
        ? kefu__v1__event__unpack (NULL, zmq_msg_size (&frames[1]), zmq_msg_data (&frames[1])) : NULL;
    kefu_frames_close (frames, count);
    if (!event)
        return;
    consumer_source_t *source = consumer_source (self, event->source);
    if (source && event->seq > source->cursor && kefu_time_real_ms () >= source->retry_at_ms) {
        /*  A jump means we missed something: fill it from the source first,
         *  which usually delivers this event too. */
        if (event->seq > source->cursor + 1)
            consumer_catch_up (self, source);
        if (event->seq == source->cursor + 1 && consumer_process (self, source, event) != 0)
            source->retry_at_ms = kefu_time_real_ms () + self->poll_ms;
    }
    kefu__v1__event__free_unpacked (event, NULL);
}

/*  Connect to PostgreSQL and load the cursors. Returns 0 or -1. */
static int
consumer_load_cursors (kefu_consumer_t *self)
{
    if (kefu_db_ensure (self->db) != 0)
        return -1;
    for (int i = 0; i < self->source_count; i++) {
        const char *values[] = { self->sources[i].name };
        if (kefu_db_command (self->db, &sql_cursor_ensure, 1, values) != 0)
            return -1;
        PGresult *result = kefu_db_run (self->db, &sql_cursor_read, 1, values);
        if (!result)
            return -1;
        self->sources[i].cursor = strtoull (PQgetvalue (result, 0, 0), NULL, 10);
        PQclear (result);
    }
    return 0;
}

static void *
consumer_run (void *arg)
{
    kefu_consumer_t *self = arg;
    while (!atomic_load (&self->stop) && consumer_load_cursors (self) != 0) {
        kefu_log_warn ("consumer.waiting_for_database", "error", kefu_db_error (self->db), NULL);
        struct timespec pause = { CONSUMER_CONNECT_RETRY_MS / 1000, 0 };
        nanosleep (&pause, NULL);
    }
    void *subscriber = zmq_socket (self->context, ZMQ_SUB);
    int hwm = CONSUMER_RECEIVE_HWM, linger = 0, immediate = 1;
    zmq_setsockopt (subscriber, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt (subscriber, ZMQ_LINGER, &linger, sizeof linger);
    /*  Every event of the bus: seq gaps can only be seen in the whole
     *  stream of a source, not in a filtered one. */
    zmq_setsockopt (subscriber, ZMQ_SUBSCRIBE, "", 0);
    zmq_connect (subscriber, self->bus_endpoint);
    for (int i = 0; i < self->source_count; i++) {
        consumer_source_t *source = &self->sources[i];
        source->dealer = zmq_socket (self->context, ZMQ_DEALER);
        zmq_setsockopt (source->dealer, ZMQ_LINGER, &linger, sizeof linger);
        zmq_setsockopt (source->dealer, ZMQ_IMMEDIATE, &immediate, sizeof immediate);
        zmq_connect (source->dealer, source->endpoint);
    }
    int64_t next_check = 0;     /* catch up at once */
    while (!atomic_load (&self->stop)) {
        int64_t now = kefu_time_real_ms ();
        if (now >= next_check) {
            for (int i = 0; i < self->source_count; i++)
                consumer_catch_up (self, &self->sources[i]);
            next_check = kefu_time_real_ms () + self->poll_ms;
            continue;
        }
        zmq_pollitem_t item = { subscriber, 0, ZMQ_POLLIN, 0 };
        int rc = zmq_poll (&item, 1, (long) (next_check - now));
        if (rc > 0) {
            consumer_on_live_event (self, subscriber);
            next_check = kefu_time_real_ms () + self->poll_ms;
        }
    }
    for (int i = 0; i < self->source_count; i++)
        if (self->sources[i].dealer)
            zmq_close (self->sources[i].dealer);
    zmq_close (subscriber);
    return NULL;
}

int
kefu_consumer_start (kefu_consumer_t *self)
{
    assert (!self->thread_started);
    self->db = kefu_db_new (self->dsn, self->schema);
    if (!self->db || pthread_create (&self->thread, NULL, consumer_run, self) != 0)
        return -1;
    self->thread_started = true;
    return 0;
}

void
kefu_consumer_destroy (kefu_consumer_t **self_p)
{
    assert (self_p);
    kefu_consumer_t *self = *self_p;
    if (!self)
        return;
    if (self->thread_started) {
        atomic_store (&self->stop, true);
        pthread_join (self->thread, NULL);
    }
    kefu_db_destroy (&self->db);
    for (int i = 0; self->types[i]; i++)
        free (self->types[i]);
    free (self->dsn);
    free (self->bus_endpoint);
    free (self);
    *self_p = NULL;
}
