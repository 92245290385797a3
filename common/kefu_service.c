/*  kefu_service: ROUTER front end, worker threads, request dispatch. See
 *  kefu_service.h for the contract.
 *
 *  Shape (the load-balancing broker of the ZeroMQ guide):
 *
 *      clients ── ROUTER (tcp) ──┐ main thread ┌── ROUTER (inproc) ── REQ worker 1 (own PGconn)
 *                                └─────────────┘                    └─ REQ worker N
 *
 *  A worker announces itself with READY and thereafter each reply it sends
 *  means it is free again. The main thread reads a client request only when
 *  some worker is free, so a burst waits in ZeroMQ's queues, bounded by the
 *  high-water mark, instead of piling up here. Handlers run in workers and
 *  may block on PostgreSQL; the main thread never does.
 */
#include "kefu_service.h"
#include "kefu_frames.h"
#include "kefu_log.h"
#include "kefu_outbox.h"
#include "kefu_publisher.h"
#include "kefu_time.h"

#include "kefu/v1/events.pb-c.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

enum {
    SERVICE_WORKERS_MAX = 64,
    SERVICE_WORKERS_DEFAULT = 2,
    SERVICE_POLL_MS = 100,              /* how often the stop flag is looked at */
    SERVICE_FRAMES_MAX = 16,            /* routing frames + body */
    SERVICE_MESSAGE_MAX = 4 * 1024 * 1024,
    SERVICE_ENDPOINT_MAX = 256,
    SERVICE_MESSAGE_TEXT_MAX = 512,
    SERVICE_LINGER_MS = 2000,           /* let the last replies leave on shutdown */
    SERVICE_RETRY_RESERVE_MS = 50,      /* a retry needs at least this much deadline left */
    REPLAY_DEFAULT = 100,               /* events.replay page sizes */
    REPLAY_MAX = 1000,
    REPLAY_PREFIXES_MAX = 32,
    REPLAY_PREFIX_LENGTH_MAX = 200,     /* an event type's own bound (outbox CHECK) */
};

static const char READY_SIGNAL[] = "READY";
/*  For a service with no configuration rows (one built by a test). */
static const char SERVICE_BIND_ANY[] = "tcp://127.0.0.1:*";

static atomic_bool signalled_stop = false;

typedef struct _kefu_worker_t kefu_worker_t;

struct _kefu_service_t {
    const kefu_service_spec_t *spec;
    kefu_config_t *config;
    char bind[SERVICE_ENDPOINT_MAX];
    char endpoint[SERVICE_ENDPOINT_MAX];
    char backend_endpoint[SERVICE_ENDPOINT_MAX];
    void *context;
    void *frontend;
    void *backend;
    kefu_worker_t *workers[SERVICE_WORKERS_MAX];
    kefu_publisher_t *publisher;
    int worker_count;
    atomic_bool stop;
    bool started;
};

struct _kefu_worker_t {
    kefu_service_t *service;
    kefu_db_t *db;
    pthread_t thread;
    bool thread_started;
    int index;
};

struct _kefu_call_t {
    kefu_worker_t *worker;
    const kefu_method_t *method;
    Kefu__V1__Request *request;
    ProtobufCMessage *payload;
    /* the answer */
    bool answered;
    bool retry;                         /* the transaction may be run again */
    Kefu__V1__Code code;
    char type[64];
    char field[64];
    char message[SERVICE_MESSAGE_TEXT_MAX];
    uint8_t *reply_payload;
    size_t reply_size;
};

/* --- built-in methods ------------------------------------------------------ */

static void
service_ping (kefu_call_t *call)
{
    Kefu__V1__PingReply reply = KEFU__V1__PING_REPLY__INIT;
    reply.service = (char *) call->worker->service->spec->name;
    reply.version = (char *) call->worker->service->spec->version;
    reply.database_up = kefu_db_ping (call->worker->db);
    kefu_call_reply (call, &reply.base);
}

static bool
replay_type_wanted (const Kefu__V1__ReplayRequest *request, const char *type)
{
    if (request->n_type_prefixes == 0)
        return true;
    for (size_t i = 0; i < request->n_type_prefixes; i++)
        if (strncmp (type, request->type_prefixes[i], strlen (request->type_prefixes[i])) == 0)
            return true;
    return false;
}

/*  events.replay: a page of published events from this service's outbox. */
static void
service_replay (kefu_call_t *call)
{
    const Kefu__V1__ReplayRequest *request = (const Kefu__V1__ReplayRequest *) call->payload;
    uint32_t limit = request->limit ? request->limit : REPLAY_DEFAULT;
    if (limit > REPLAY_MAX) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "limit",
                        "limit must be from 1 to %d", REPLAY_MAX);
        return;
    }
    /*  Sequence numbers are PostgreSQL bigints. */
    if (request->after_seq > (uint64_t) INT64_MAX) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "after_seq",
                        "after_seq must be at most %" PRId64, INT64_MAX);
        return;
    }
    if (request->n_type_prefixes > REPLAY_PREFIXES_MAX) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "type_prefixes",
                        "at most %d type prefixes", REPLAY_PREFIXES_MAX);
        return;
    }
    for (size_t i = 0; i < request->n_type_prefixes; i++)
        if (strlen (request->type_prefixes[i]) > REPLAY_PREFIX_LENGTH_MAX) {
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "type_prefixes",
                            "a type prefix has at most %d characters", REPLAY_PREFIX_LENGTH_MAX);
            return;
        }
    kefu_db_t *db = call->worker->db;
    int64_t last_seq = kefu_outbox_last_seq (db);
    PGresult *result = last_seq < 0 ? NULL : kefu_outbox_read_after (db, request->after_seq, (int) limit);
    if (!result) {
        kefu_call_fail_db (call);
        return;
    }
    int rows = PQntuples (result);
    Kefu__V1__Event *events = calloc ((size_t) rows + 1, sizeof *events);
    Kefu__V1__Event **pointers = calloc ((size_t) rows + 1, sizeof *pointers);
    unsigned char **payloads = calloc ((size_t) rows + 1, sizeof *payloads);
    Kefu__V1__ReplayReply reply = KEFU__V1__REPLAY_REPLY__INIT;
    reply.last_seq = (uint64_t) last_seq;
    reply.scanned_to_seq = request->after_seq;
    bool ok = events && pointers && payloads;
    for (int row = 0; ok && row < rows; row++) {
        Kefu__V1__Event *event = &events[reply.n_events];
        ok = kefu_outbox_event_from_row (result, row, call->worker->service->spec->name, event,
                                         &payloads[row]) == 0;
        if (!ok)
            break;
        reply.scanned_to_seq = event->seq;
        if (replay_type_wanted (request, event->type))
            pointers[reply.n_events++] = event;
    }
    reply.events = pointers;
    if (ok)
        kefu_call_reply (call, &reply.base);
    else
        kefu_call_fail (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "out of memory");
    for (int row = 0; payloads && row < rows; row++)
        PQfreemem (payloads[row]);
    free (payloads);
    free (pointers);
    free (events);
    PQclear (result);
}

static const kefu_method_t service_builtin_methods[] = {
    { "sys.ping", service_ping, NULL, false },
    { "events.replay", service_replay, &kefu__v1__replay_request__descriptor, false },
};

static const kefu_method_t *
service_method_find (kefu_service_t *self, const char *name)
{
    for (size_t i = 0; i < sizeof service_builtin_methods / sizeof service_builtin_methods[0]; i++)
        if (strcmp (service_builtin_methods[i].method, name) == 0)
            return &service_builtin_methods[i];
    for (size_t i = 0; i < self->spec->method_count; i++)
        if (strcmp (self->spec->methods[i].method, name) == 0)
            return &self->spec->methods[i];
    return NULL;
}

/* --- the call API ------------------------------------------------------------ */

const Kefu__V1__Request *
kefu_call_request (kefu_call_t *call)
{
    return call->request;
}

const Kefu__V1__Actor *
kefu_call_actor (kefu_call_t *call)
{
    return call->request->actor;
}

const char *
kefu_call_staff_id (kefu_call_t *call)
{
    const Kefu__V1__Actor *actor = kefu_call_actor (call);
    return actor && actor->staff_id ? actor->staff_id : "";
}

const ProtobufCMessage *
kefu_call_payload (kefu_call_t *call)
{
    return call->payload;
}

kefu_db_t *
kefu_call_db (kefu_call_t *call)
{
    return call->worker->db;
}

const char *
kefu_call_service (kefu_call_t *call)
{
    return call->worker->service->spec->name;
}

void *
kefu_call_state (kefu_call_t *call)
{
    return call->worker->service->spec->state;
}

void
kefu_call_reply (kefu_call_t *call, const ProtobufCMessage *message)
{
    assert (!call->answered);
    call->answered = true;
    call->code = KEFU__V1__CODE__OK;
    if (message) {
        call->reply_size = protobuf_c_message_get_packed_size (message);
        call->reply_payload = malloc (call->reply_size ? call->reply_size : 1);
        if (!call->reply_payload) {
            call->code = KEFU__V1__CODE__INTERNAL;
            snprintf (call->type, sizeof call->type, "internal");
            snprintf (call->message, sizeof call->message, "out of memory");
            call->reply_size = 0;
            return;
        }
        protobuf_c_message_pack (message, call->reply_payload);
    }
}

static void
call_vfail (kefu_call_t *call, Kefu__V1__Code code, const char *type, const char *field,
            const char *format, va_list args)
{
    assert (!call->answered);
    assert (code != KEFU__V1__CODE__OK);
    call->answered = true;
    call->code = code;
    snprintf (call->type, sizeof call->type, "%s", type ? type : "");
    snprintf (call->field, sizeof call->field, "%s", field ? field : "");
    vsnprintf (call->message, sizeof call->message, format, args);
}

void
kefu_call_fail (kefu_call_t *call, Kefu__V1__Code code, const char *type, const char *field,
                const char *format, ...)
{
    va_list args;
    va_start (args, format);
    call_vfail (call, code, type, field, format, args);
    va_end (args);
}

void
kefu_call_fail_rollback (kefu_call_t *call, Kefu__V1__Code code, const char *type,
                         const char *field, const char *format, ...)
{
    kefu_db_rollback (call->worker->db);
    va_list args;
    va_start (args, format);
    call_vfail (call, code, type, field, format, args);
    va_end (args);
}

bool
kefu_call_check_text (kefu_call_t *call, const char *field, const char *value,
                      kefu_text_kind_t kind, size_t max_chars, bool required)
{
    const char *problem = kefu_text_check (value, kind, max_chars, required);
    if (!problem)
        return true;
    kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", field, "%s %s", field,
                    problem);
    return false;
}

bool
kefu_call_check_page (kefu_call_t *call, uint32_t limit, int64_t after, uint32_t max)
{
    if (limit > max) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "limit",
                        "limit must be from 1 to %" PRIu32, max);
        return false;
    }
    if (after < 0) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "after",
                        "after must be a cursor from a previous page");
        return false;
    }
    return true;
}

void
kefu_call_fail_db (kefu_call_t *call)
{
    kefu_db_t *db = call->worker->db;
    if (kefu_db_connection_lost (db)) {
        call->retry = kefu_db_retryable (db);
        kefu_log_warn ("db.connection_lost", "method", call->method->method,
                       "retry", call->retry ? "yes" : "no", "error", kefu_db_error (db), NULL);
        kefu_call_fail (call, KEFU__V1__CODE__UNAVAILABLE, "database-unavailable", NULL,
                        "the database is not reachable; retry later");
    }
    else {
        kefu_log_error ("db.failed", "method", call->method->method, "sqlstate", kefu_db_sqlstate (db),
                        "error", kefu_db_error (db), NULL);
        kefu_call_fail (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "internal error");
    }
}

void
kefu_call_fail_db_rollback (kefu_call_t *call)
{
    kefu_db_rollback (call->worker->db);
    kefu_call_fail_db (call);
}

/*  Forget the outcome of a first attempt before running it again. */
static void
call_reset_answer (kefu_call_t *call)
{
    free (call->reply_payload);
    call->reply_payload = NULL;
    call->reply_size = 0;
    call->answered = false;
    call->retry = false;
    call->code = KEFU__V1__CODE__OK;
    call->type[0] = call->field[0] = call->message[0] = '\0';
}

/* --- a worker --------------------------------------------------------------- */

/*  Decode and run one request body; fill `call` with the answer. */
static void
worker_handle (kefu_worker_t *self, kefu_call_t *call, const uint8_t *body, size_t size)
{
    call->request = kefu__v1__request__unpack (NULL, size, body);
    if (!call->request) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "malformed-request", NULL,
                        "the frame is not a kefu.v1.Request");
        return;
    }
    call->method = service_method_find (self->service, call->request->method);
    if (!call->method) {
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "unknown-method", "method",
                        "this service has no method \"%.100s\"", call->request->method);
        return;
    }
    if (call->request->deadline_unix_ms && call->request->deadline_unix_ms <= kefu_time_real_ms ()) {
        kefu_call_fail (call, KEFU__V1__CODE__DEADLINE_EXCEEDED, "deadline-exceeded", NULL,
                        "the request's deadline passed before it could start");
        return;
    }
    if (call->method->needs_actor && (!call->request->actor || !*call->request->actor->staff_id)) {
        kefu_call_fail (call, KEFU__V1__CODE__UNAUTHENTICATED, "unauthenticated", "actor",
                        "this method needs an actor with a staff id");
        return;
    }
    if (call->method->request_type) {
        call->payload = protobuf_c_message_unpack (call->method->request_type, NULL,
                                                   call->request->payload.len, call->request->payload.data);
        if (!call->payload) {
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "malformed-payload", "payload",
                            "the payload is not a %s", call->method->request_type->name);
            return;
        }
    }
    kefu_db_ensure (self->db);
    call->method->handler (call);
    if (call->answered && call->retry) {
        /*  The connection went away before COMMIT: nothing was written, so
         *  run the handler once more on a fresh connection, if the deadline
         *  leaves time for it. */
        int64_t left = call->request->deadline_unix_ms
                     ? call->request->deadline_unix_ms - kefu_time_real_ms () : 10000;
        if (left > SERVICE_RETRY_RESERVE_MS && kefu_db_connect (self->db, left - SERVICE_RETRY_RESERVE_MS) == 0) {
            call_reset_answer (call);
            call->method->handler (call);
        }
    }
    if (!call->answered) {
        kefu_log_error ("service.unanswered", "method", call->method->method, NULL);
        kefu_call_fail (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "internal error");
    }
}

/*  Serialize the answer of `call` into a Reply frame. Returns 0 or -1. */
static int
worker_send_reply (kefu_call_t *call, void *socket, zmq_msg_t *frames, int routing_count)
{
    Kefu__V1__Status status = KEFU__V1__STATUS__INIT;
    Kefu__V1__Reply reply = KEFU__V1__REPLY__INIT;
    status.code = call->code;
    status.message = call->message;
    status.type = call->type;
    status.field = call->field;
    reply.status = &status;
    reply.request_id = call->request ? call->request->request_id : (char *) "";
    reply.payload.data = call->reply_payload;
    reply.payload.len = call->reply_size;

    for (int i = 0; i < routing_count; i++)
        if (zmq_msg_send (&frames[i], socket, ZMQ_SNDMORE) < 0)
            return -1;
    zmq_msg_t out;
    size_t size = kefu__v1__reply__get_packed_size (&reply);
    if (zmq_msg_init_size (&out, size) != 0)
        return -1;
    kefu__v1__reply__pack (&reply, zmq_msg_data (&out));
    if (zmq_msg_send (&out, socket, 0) < 0) {
        zmq_msg_close (&out);
        return -1;
    }
    return 0;
}

static void *
worker_run (void *arg)
{
    kefu_worker_t *self = arg;
    void *socket = zmq_socket (self->service->context, ZMQ_REQ);
    if (!socket || zmq_connect (socket, self->service->backend_endpoint) != 0
    ||  zmq_send (socket, READY_SIGNAL, sizeof READY_SIGNAL - 1, 0) < 0) {
        kefu_log_error ("worker.start_failed", "error", zmq_strerror (zmq_errno ()), NULL);
        if (socket)
            zmq_close (socket);
        return NULL;
    }
    while (true) {
        /*  [routing frames...][body] */
        zmq_msg_t frames[SERVICE_FRAMES_MAX];
        int count = kefu_frames_recv (socket, frames, SERVICE_FRAMES_MAX, NULL);
        if (count <= 0)
            break;          /* ETERM: the service is being destroyed */
        kefu_call_t call = { .worker = self };
        zmq_msg_t *body = &frames[count - 1];
        struct timespec started;
        clock_gettime (CLOCK_MONOTONIC, &started);
        worker_handle (self, &call, zmq_msg_data (body), zmq_msg_size (body));
        if (worker_send_reply (&call, socket, frames, count - 1) != 0) {
            /*  The REQ socket must complete its send before it may receive
             *  again, and the broker counts this worker busy until it does:
             *  end the message with an empty frame (the client gets a reply it
             *  cannot parse rather than none, and this worker lives on). */
            kefu_log_warn ("worker.reply_failed", "error", zmq_strerror (zmq_errno ()), NULL);
            zmq_send (socket, "", 0, 0);
        }
        if (kefu_log_enabled (KEFU_LOG_DEBUG)) {
            struct timespec ended;
            clock_gettime (CLOCK_MONOTONIC, &ended);
            char micros[32];
            snprintf (micros, sizeof micros, "%ld",
                      (long) ((ended.tv_sec - started.tv_sec) * 1000000 + (ended.tv_nsec - started.tv_nsec) / 1000));
            kefu_log_debug ("request", "method", call.request ? call.request->method : "",
                            "code", kefu__v1__code__descriptor.values[call.code].name, "micros", micros, NULL);
        }
        kefu_frames_close (frames, count);
        if (call.payload)
            protobuf_c_message_free_unpacked (call.payload, NULL);
        if (call.request)
            kefu__v1__request__free_unpacked (call.request, NULL);
        free (call.reply_payload);
    }
    zmq_close (socket);
    return NULL;
}

/* --- the service ------------------------------------------------------------ */

kefu_service_t *
kefu_service_new (const kefu_service_spec_t *spec, kefu_config_t *config)
{
    kefu_service_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->spec = spec;
    self->config = config;
    const char *bind = kefu_config_service_string (config, spec->name, "BIND");
    kefu_service_set_bind (self, bind ? bind : SERVICE_BIND_ANY);
    snprintf (self->backend_endpoint, sizeof self->backend_endpoint, "inproc://kefu-%s-workers-%p",
              spec->name, (void *) self);
    self->context = zmq_ctx_new ();
    if (!self->context) {
        free (self);
        return NULL;
    }
    return self;
}

void
kefu_service_set_bind (kefu_service_t *self, const char *endpoint)
{
    snprintf (self->bind, sizeof self->bind, "%s", endpoint);
}

const char *
kefu_service_endpoint (kefu_service_t *self)
{
    return self->endpoint;
}

static void
service_signal_handler (int signal_number)
{
    (void) signal_number;
    atomic_store (&signalled_stop, true);
}

void
kefu_service_catch_signals (void)
{
    struct sigaction action;
    memset (&action, 0, sizeof action);
    action.sa_handler = service_signal_handler;
    sigemptyset (&action.sa_mask);
    sigaction (SIGTERM, &action, NULL);
    sigaction (SIGINT, &action, NULL);
}

void
kefu_service_stop (kefu_service_t *self)
{
    atomic_store (&self->stop, true);
}

static bool
service_stopping (kefu_service_t *self)
{
    return atomic_load (&self->stop) || atomic_load (&signalled_stop);
}

/*  Apply migrations on a connection of its own, closed afterwards. */
static int
service_migrate (kefu_service_t *self, const char *dsn, int64_t timeout_ms)
{
    kefu_db_t *db = kefu_db_new (dsn, self->spec->name);
    if (!db)
        return -1;
    int rc = -1;
    if (kefu_db_connect (db, timeout_ms) != 0)
        kefu_log_error ("db.connect_failed", "error", kefu_db_error (db), NULL);
    else
    if (kefu_migrate_apply (db, self->spec->name, self->spec->migrations, self->spec->migration_count) >= 0)
        rc = 0;
    kefu_db_destroy (&db);
    return rc;
}

static int
service_set_int (void *socket, int option, int value)
{
    return zmq_setsockopt (socket, option, &value, sizeof value);
}

int
kefu_service_start (kefu_service_t *self)
{
    assert (!self->started);
    const char *dsn = kefu_config_service_dsn (self->config, self->spec->name);
    int64_t timeout_ms = kefu_config_int (self->config, "KEFU_DB_CONNECT_TIMEOUT_MS");
    if (service_migrate (self, dsn, timeout_ms) != 0)
        return -1;

    int64_t max_message = SERVICE_MESSAGE_MAX;
    self->frontend = zmq_socket (self->context, ZMQ_ROUTER);
    self->backend = zmq_socket (self->context, ZMQ_ROUTER);
    if (!self->frontend || !self->backend
    ||  service_set_int (self->frontend, ZMQ_LINGER, SERVICE_LINGER_MS) != 0
    ||  zmq_setsockopt (self->frontend, ZMQ_MAXMSGSIZE, &max_message, sizeof max_message) != 0
    ||  service_set_int (self->backend, ZMQ_LINGER, 0) != 0
    ||  zmq_bind (self->backend, self->backend_endpoint) != 0) {
        kefu_log_error ("service.socket_failed", "error", zmq_strerror (zmq_errno ()), NULL);
        return -1;
    }
    if (zmq_bind (self->frontend, self->bind) != 0) {
        kefu_log_error ("service.bind_failed", "endpoint", self->bind, "error", zmq_strerror (zmq_errno ()), NULL);
        return -1;
    }
    size_t size = sizeof self->endpoint;
    zmq_getsockopt (self->frontend, ZMQ_LAST_ENDPOINT, self->endpoint, &size);

    /*  Workers must not take SIGTERM: the main thread's poll sees it. */
    sigset_t all, previous;
    sigfillset (&all);
    pthread_sigmask (SIG_BLOCK, &all, &previous);
    int wanted = (int) kefu_config_service_int (self->config, self->spec->name, "WORKERS", SERVICE_WORKERS_DEFAULT);
    for (int i = 0; i < wanted && i < SERVICE_WORKERS_MAX; i++) {
        kefu_worker_t *worker = calloc (1, sizeof *worker);
        if (!worker)
            break;
        worker->service = self;
        worker->index = i;
        self->workers[self->worker_count++] = worker;
        worker->db = kefu_db_new (dsn, self->spec->name);
        if (!worker->db)
            break;
        /*  A worker that cannot connect now reconnects on its first request. */
        if (kefu_db_connect (worker->db, 0) != 0)
            kefu_log_warn ("worker.db_not_ready", "error", kefu_db_error (worker->db), NULL);
        if (pthread_create (&worker->thread, NULL, worker_run, worker) != 0)
            break;
        worker->thread_started = true;
    }
    /*  The publisher thread, too, leaves signals to the main thread. */
    const char *bus = kefu_config_string (self->config, "KEFU_BUS_XSUB");
    self->publisher = kefu_publisher_new (self->spec->name, dsn, bus, self->context,
                                          (int) kefu_config_int (self->config, "KEFU_PUBLISH_BATCH"),
                                          (int) kefu_config_int (self->config, "KEFU_PUBLISH_POLL_MS"));
    bool publishing = self->publisher && kefu_publisher_start (self->publisher) == 0;
    pthread_sigmask (SIG_SETMASK, &previous, NULL);
    if (!publishing) {
        kefu_log_error ("service.publisher_failed", NULL);
        return -1;
    }
    if (self->worker_count < wanted || !self->workers[self->worker_count - 1]->thread_started) {
        kefu_log_error ("service.workers_failed", NULL);
        return -1;
    }
    self->started = true;
    char workers[16];
    snprintf (workers, sizeof workers, "%d", self->worker_count);
    kefu_log_info ("service.started", "endpoint", self->endpoint, "workers", workers,
                   "version", self->spec->version, NULL);
    return 0;
}

/*  Move one whole multipart message from `from` to `to`, dropping the first
 *  `skip` frames (the worker's identity and REQ delimiter). */
static int
service_forward (void *from, void *to, int skip)
{
    bool more = true;
    int index = 0;
    while (more) {
        zmq_msg_t frame;
        zmq_msg_init (&frame);
        if (zmq_msg_recv (&frame, from, 0) < 0) {
            zmq_msg_close (&frame);
            return -1;
        }
        more = zmq_msg_more (&frame);
        if (index++ < skip)
            zmq_msg_close (&frame);
        else
        if (zmq_msg_send (&frame, to, more ? ZMQ_SNDMORE : 0) < 0) {
            zmq_msg_close (&frame);
            return -1;
        }
    }
    return 0;
}

/*  Read one client request and hand it to `worker_identity`, or, if it has
 *  too many frames to be a request, answer it here. Returns true if the
 *  worker was given the request (the identity frame is then consumed). */
static bool
service_dispatch (kefu_service_t *self, zmq_msg_t *worker_identity)
{
    zmq_msg_t frames[SERVICE_FRAMES_MAX];
    bool overflow = false;
    int count = kefu_frames_recv (self->frontend, frames, SERVICE_FRAMES_MAX, &overflow);
    if (count < 2 || overflow) {
        /*  A ROUTER message is at least [identity][body]; anything else
         *  cannot be a request. Answer it with INVALID_ARGUMENT rather than
         *  dropping it, so the client is never left waiting. */
        if (count >= 1) {
            kefu_call_t call = { .worker = NULL };
            kefu_call_fail (&call, KEFU__V1__CODE__INVALID_ARGUMENT, "malformed-request", NULL,
                            "a request is routing frames then one kefu.v1.Request frame");
            worker_send_reply (&call, self->frontend, frames, 1);
        }
        kefu_frames_close (frames, count);
        return false;
    }
    zmq_msg_t delimiter;
    zmq_msg_init (&delimiter);
    zmq_msg_send (worker_identity, self->backend, ZMQ_SNDMORE);
    zmq_msg_send (&delimiter, self->backend, ZMQ_SNDMORE);
    for (int i = 0; i < count; i++)
        zmq_msg_send (&frames[i], self->backend, i + 1 < count ? ZMQ_SNDMORE : 0);
    return true;
}

int
kefu_service_run (kefu_service_t *self)
{
    assert (self->started);
    zmq_msg_t idle[SERVICE_WORKERS_MAX];
    int idle_count = 0, ready_count = 0;

    while (true) {
        bool stopping = service_stopping (self);
        /*  Stop once every worker that ever said READY is idle again. */
        if (stopping && idle_count == ready_count)
            break;
        zmq_pollitem_t items[] = {
            { self->backend, 0, ZMQ_POLLIN, 0 },
            { self->frontend, 0, ZMQ_POLLIN, 0 },
        };
        int item_count = (!stopping && idle_count > 0) ? 2 : 1;
        int rc = zmq_poll (items, item_count, SERVICE_POLL_MS);
        if (rc < 0) {
            if (zmq_errno () == EINTR)
                continue;
            kefu_log_error ("service.poll_failed", "error", zmq_strerror (zmq_errno ()), NULL);
            break;
        }
        if (items[0].revents & ZMQ_POLLIN) {
            /*  [worker id][""][READY] or [worker id][""][routing...][reply] */
            zmq_msg_t identity, delimiter, first;
            zmq_msg_init (&identity);
            zmq_msg_init (&delimiter);
            zmq_msg_init (&first);
            zmq_msg_recv (&identity, self->backend, 0);
            zmq_msg_recv (&delimiter, self->backend, 0);
            zmq_msg_close (&delimiter);
            zmq_msg_recv (&first, self->backend, 0);
            if (!zmq_msg_more (&first) && zmq_msg_size (&first) == sizeof READY_SIGNAL - 1
            &&  memcmp (zmq_msg_data (&first), READY_SIGNAL, sizeof READY_SIGNAL - 1) == 0) {
                ready_count++;
                zmq_msg_close (&first);
            }
            else {
                zmq_msg_send (&first, self->frontend, zmq_msg_more (&first) ? ZMQ_SNDMORE : 0);
                if (service_forward (self->backend, self->frontend, 0) != 0)
                    kefu_log_warn ("service.forward_failed", "error", zmq_strerror (zmq_errno ()), NULL);
            }
            idle[idle_count++] = identity;
        }
        if (item_count > 1 && (items[1].revents & ZMQ_POLLIN) && idle_count > 0)
            if (service_dispatch (self, &idle[idle_count - 1]))
                idle_count--;
    }
    for (int i = 0; i < idle_count; i++)
        zmq_msg_close (&idle[i]);
    kefu_log_info ("service.stopped", NULL);
    return 0;
}

void
kefu_service_destroy (kefu_service_t **self_p)
{
    assert (self_p);
    kefu_service_t *self = *self_p;
    if (!self)
        return;
    kefu_publisher_destroy (&self->publisher);
    if (self->frontend)
        zmq_close (self->frontend);
    if (self->backend)
        zmq_close (self->backend);
    /*  Wakes the workers' blocking receives with ETERM. */
    zmq_ctx_shutdown (self->context);
    for (int i = 0; i < self->worker_count; i++) {
        kefu_worker_t *worker = self->workers[i];
        if (worker->thread_started)
            pthread_join (worker->thread, NULL);
        kefu_db_destroy (&worker->db);
        free (worker);
    }
    zmq_ctx_term (self->context);
    free (self);
    *self_p = NULL;
}
