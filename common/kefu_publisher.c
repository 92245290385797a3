/*  kefu_publisher: the outbox publisher thread. See kefu_publisher.h; the
 *  SQL is in kefu_outbox.c.
 */
#include "kefu_publisher.h"
#include "kefu_db.h"
#include "kefu_log.h"
#include "kefu_outbox.h"

#include <assert.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

enum {
    PUBLISHER_RETRY_MS = 1000,          /* between attempts to connect or to take the lock */
    PUBLISHER_SEND_HWM = 100000,        /* events queued for the bus before ZeroMQ drops */
    PUBLISHER_NAME_MAX = 128,
};

struct _kefu_publisher_t {
    char source[PUBLISHER_NAME_MAX];
    char *dsn;
    char *bus_endpoint;
    void *context;
    int batch_size;
    int poll_ms;
    pthread_t thread;
    bool thread_started;
    atomic_bool stop;
    atomic_uint_least64_t published;
};

static const kefu_sql_t sql_try_lock = {
    "kefu_publisher_try_lock", "SELECT pg_try_advisory_lock(hashtext('kefu.publisher.' || $1))"
};
static const kefu_sql_t sql_listen_statement = {
    "kefu_publisher_listen", "SELECT format('LISTEN %I', 'kefu_outbox_' || $1)"
};

kefu_publisher_t *
kefu_publisher_new (const char *source, const char *dsn, const char *bus_endpoint, void *zmq_context,
                    int batch_size, int poll_ms)
{
    kefu_publisher_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    snprintf (self->source, sizeof self->source, "%s", source);
    self->dsn = strdup (dsn);
    self->bus_endpoint = strdup (bus_endpoint ? bus_endpoint : "");
    self->context = zmq_context;
    self->batch_size = batch_size;
    self->poll_ms = poll_ms;
    if (!self->dsn || !self->bus_endpoint) {
        kefu_publisher_destroy (&self);
        return NULL;
    }
    return self;
}

uint64_t
kefu_publisher_published (kefu_publisher_t *self)
{
    return atomic_load (&self->published);
}

/*  Sleep up to `ms`, waking early when asked to stop. */
static void
publisher_pause (kefu_publisher_t *self, int ms)
{
    for (int slept = 0; slept < ms && !atomic_load (&self->stop); slept += 50) {
        struct timespec pause = { 0, 50 * 1000000L };
        nanosleep (&pause, NULL);
    }
}

/*  Connect, take the lock, LISTEN. Returns 0 when this process is the
 *  publisher, -1 to try again later. */
static int
publisher_acquire (kefu_publisher_t *self, kefu_db_t *db)
{
    if (kefu_db_ensure (db) != 0)
        return -1;
    const char *values[] = { self->source };
    PGresult *locked = kefu_db_run (db, &sql_try_lock, 1, values);
    if (!locked)
        return -1;
    bool have_lock = strcmp (PQgetvalue (locked, 0, 0), "t") == 0;
    PQclear (locked);
    if (!have_lock)
        return -1;
    /*  LISTEN takes an identifier, not a parameter: the server quotes it. */
    PGresult *statement = kefu_db_run (db, &sql_listen_statement, 1, values);
    if (!statement)
        return -1;
    int rc = kefu_db_exec_script (db, PQgetvalue (statement, 0, 0));
    PQclear (statement);
    if (rc == 0)
        kefu_log_info ("publisher.active", "source", self->source, NULL);
    return rc;
}

/*  Number one batch and send it. Returns the number of events, or -1. */
static int
publisher_publish_batch (kefu_publisher_t *self, kefu_db_t *db, void *socket)
{
    PGresult *result = kefu_outbox_number_batch (db, self->batch_size);
    if (!result)
        return -1;
    int count = PQntuples (result);
    for (int row = 0; row < count; row++) {
        Kefu__V1__Event event;
        unsigned char *payload;
        if (kefu_outbox_event_from_row (result, row, self->source, &event, &payload) != 0)
            continue;
        size_t size;
        uint8_t *bytes = kefu_outbox_event_pack (&event, &size);
        /*  Never block the publisher on the bus: ZeroMQ drops at the
         *  high-water mark and subscribers replay what they missed. */
        if (bytes && socket) {
            zmq_send (socket, event.type, strlen (event.type), ZMQ_SNDMORE | ZMQ_DONTWAIT);
            zmq_send (socket, bytes, size, ZMQ_DONTWAIT);
        }
        free (bytes);
        PQfreemem (payload);
    }
    PQclear (result);
    atomic_fetch_add (&self->published, (uint64_t) count);
    return count;
}

/*  Take whatever notifications libpq holds. Returns how many, or -1 if
 *  the connection broke. */
static int
publisher_drain_notifies (PGconn *conn)
{
    if (!PQconsumeInput (conn))
        return -1;
    int count = 0;
    PGnotify *notify;
    while ((notify = PQnotifies (conn)) != NULL) {
        PQfreemem (notify);
        count++;
    }
    return count;
}

/*  Wait for a NOTIFY or `timeout_ms`. A NOTIFY that came in while the last
 *  batch was being numbered already sits in libpq's buffer, where poll()
 *  cannot see it: look there first, or an event committed during a batch
 *  would wait for the next one. Returns -1 if the connection broke. */
static int
publisher_wait (kefu_db_t *db, int timeout_ms)
{
    PGconn *conn = kefu_db_handle (db);
    int pending = publisher_drain_notifies (conn);
    if (pending != 0)
        return pending < 0 ? -1 : 0;
    struct pollfd item = { PQsocket (conn), POLLIN, 0 };
    if (item.fd < 0)
        return -1;
    if (poll (&item, 1, timeout_ms) > 0 && publisher_drain_notifies (conn) < 0)
        return -1;
    return 0;
}

static void *
publisher_run (void *arg)
{
    kefu_publisher_t *self = arg;
    kefu_db_t *db = kefu_db_new (self->dsn, self->source);
    void *socket = NULL;
    if (*self->bus_endpoint) {
        socket = zmq_socket (self->context, ZMQ_PUB);
        int hwm = PUBLISHER_SEND_HWM, linger = 0;
        zmq_setsockopt (socket, ZMQ_SNDHWM, &hwm, sizeof hwm);
        zmq_setsockopt (socket, ZMQ_LINGER, &linger, sizeof linger);
        if (zmq_connect (socket, self->bus_endpoint) != 0)
            kefu_log_error ("publisher.connect_failed", "endpoint", self->bus_endpoint,
                            "error", zmq_strerror (zmq_errno ()), NULL);
    }
    bool active = false;
    while (db && !atomic_load (&self->stop)) {
        if (!active) {
            if (publisher_acquire (self, db) != 0) {
                publisher_pause (self, PUBLISHER_RETRY_MS);
                continue;
            }
            active = true;
        }
        int count = publisher_publish_batch (self, db, socket);
        if (count < 0 || (count < self->batch_size && publisher_wait (db, self->poll_ms) != 0)) {
            /*  The lock went with the connection: start over. */
            kefu_log_warn ("publisher.lost", "source", self->source, "error", kefu_db_error (db), NULL);
            active = false;
            publisher_pause (self, PUBLISHER_RETRY_MS);
        }
    }
    if (socket)
        zmq_close (socket);
    kefu_db_destroy (&db);
    return NULL;
}

int
kefu_publisher_start (kefu_publisher_t *self)
{
    assert (!self->thread_started);
    if (pthread_create (&self->thread, NULL, publisher_run, self) != 0)
        return -1;
    self->thread_started = true;
    return 0;
}

void
kefu_publisher_destroy (kefu_publisher_t **self_p)
{
    assert (self_p);
    kefu_publisher_t *self = *self_p;
    if (!self)
        return;
    if (self->thread_started) {
        atomic_store (&self->stop, true);
        pthread_join (self->thread, NULL);
    }
    free (self->dsn);
    free (self->bus_endpoint);
    free (self);
    *self_p = NULL;
}
