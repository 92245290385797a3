/*  Unit tests of kefu_service, run as an actor inside this process: a small
 *  service bound to an ephemeral port, against the test PostgreSQL
 *  (KEFU_TEST_DSN_ADMIN, set by tests/run.sh). Proves the runtime's promises:
 *  every frame answered with a status, deadlines honoured, a transaction and
 *  its outbox event together, migrations once, in-flight work finished on
 *  stop.
 */
#include "kefu_db.h"
#include "kefu_outbox.h"
#include "kefu_service.h"

#include "kefu/v1/events.pb-c.h"
#include "kefu/v1/webhooks.pb-c.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>
#include <cmocka.h>

enum { REPLY_TIMEOUT_MS = 5000, SLOW_HANDLER_MS = 300, UNIT_PAGE_MAX = 200 };

static const kefu_migration_t unit_migrations[] = {
    { 1, "0001_notes", "CREATE TABLE notes (id serial PRIMARY KEY, note text NOT NULL);" },
};

static void
unit_echo (kefu_call_t *call)
{
    kefu_call_reply (call, kefu_call_payload (call));
}

static void
unit_insert (kefu_call_t *call)
{
    static const kefu_sql_t insert = { "unit_insert", "INSERT INTO notes (note) VALUES ($1)" };
    const Kefu__V1__Status *payload = (const Kefu__V1__Status *) kefu_call_payload (call);
    kefu_db_t *db = kefu_call_db (call);
    const char *values[] = { payload->message };
    if (kefu_db_begin (db) != 0 || kefu_db_command (db, &insert, 1, values) != 0
    ||  kefu_outbox_append_message (db, "note.created", "note", &payload->base) != 0
    ||  kefu_db_commit (db) != 0) {
        kefu_db_rollback (db);
        kefu_call_fail_db (call);
        return;
    }
    kefu_call_reply (call, NULL);
}

/*  Answers OK when the page window passes kefu_call_check_page. */
static void
unit_page (kefu_call_t *call)
{
    const Kefu__V1__ListWebhooksRequest *request = (const Kefu__V1__ListWebhooksRequest *) kefu_call_payload (call);
    if (kefu_call_check_page (call, request->limit, request->after, UNIT_PAGE_MAX))
        kefu_call_reply (call, NULL);
}

static void
unit_slow (kefu_call_t *call)
{
    struct timespec pause = { 0, SLOW_HANDLER_MS * 1000000L };
    nanosleep (&pause, NULL);
    kefu_call_reply (call, NULL);
}

static void
unit_forgetful (kefu_call_t *call)
{
    (void) call;    /* answers nothing: the runtime must answer INTERNAL */
}

static const kefu_method_t unit_methods[] = {
    { "unit.echo", unit_echo, &kefu__v1__status__descriptor, false },
    { "unit.insert", unit_insert, &kefu__v1__status__descriptor, true },
    { "unit.page", unit_page, &kefu__v1__list_webhooks_request__descriptor, false },
    { "unit.slow", unit_slow, NULL, false },
    { "unit.forgetful", unit_forgetful, NULL, false },
};

static const kefu_service_spec_t unit_spec = {
    .name = "unitsvc",
    .version = "test",
    .methods = unit_methods,
    .method_count = sizeof unit_methods / sizeof unit_methods[0],
    .migrations = unit_migrations,
    .migration_count = 1,
};

typedef struct {
    kefu_config_t *config;
    kefu_service_t *service;
    pthread_t thread;
    void *context;
    void *client;
    void *subscriber;               /* stands in for the bus: the publisher connects here */
    char bus_endpoint[128];
    kefu_db_t *admin;
} fixture_t;

static const char *
lookup_config (const char *name, void *arg)
{
    fixture_t *self = arg;
    if (strcmp (name, "KEFU_DATABASE_URL") == 0)
        return getenv ("KEFU_TEST_DSN_ADMIN");
    if (strcmp (name, "KEFU_DB_CONNECT_TIMEOUT_MS") == 0)
        return "5000";
    if (strcmp (name, "KEFU_BUS_XSUB") == 0)
        return self->bus_endpoint;
    if (strcmp (name, "KEFU_PUBLISH_POLL_MS") == 0)
        return "20";
    return NULL;
}

static void *
run_service (void *arg)
{
    kefu_service_run (arg);
    return NULL;
}

static int
fixture_setup (void **state)
{
    const char *dsn = getenv ("KEFU_TEST_DSN_ADMIN");
    if (!dsn) {
        fprintf (stderr, "KEFU_TEST_DSN_ADMIN is not set: run through `make test`\n");
        return -1;
    }
    fixture_t *self = calloc (1, sizeof *self);
    self->admin = kefu_db_new (dsn, NULL);
    if (kefu_db_connect (self->admin, 5000) != 0
    ||  kefu_db_exec_script (self->admin, "DROP SCHEMA IF EXISTS unitsvc CASCADE") != 0)
        return -1;
    self->context = zmq_ctx_new ();
    self->subscriber = zmq_socket (self->context, ZMQ_SUB);
    int linger = 0, timeout = REPLY_TIMEOUT_MS;
    zmq_setsockopt (self->subscriber, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt (self->subscriber, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt (self->subscriber, ZMQ_SUBSCRIBE, "", 0);
    size_t size = sizeof self->bus_endpoint;
    if (zmq_bind (self->subscriber, "tcp://127.0.0.1:*") != 0
    ||  zmq_getsockopt (self->subscriber, ZMQ_LAST_ENDPOINT, self->bus_endpoint, &size) != 0)
        return -1;
    char *error = NULL;
    self->config = kefu_config_new_with (lookup_config, self, &error);
    self->service = kefu_service_new (&unit_spec, self->config);
    if (!self->service || kefu_service_start (self->service) != 0)
        return -1;
    pthread_create (&self->thread, NULL, run_service, self->service);
    self->client = zmq_socket (self->context, ZMQ_DEALER);
    zmq_setsockopt (self->client, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt (self->client, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_connect (self->client, kefu_service_endpoint (self->service));
    *state = self;
    return 0;
}

static void
fixture_stop_service (fixture_t *self)
{
    if (!self->service)
        return;
    kefu_service_stop (self->service);
    pthread_join (self->thread, NULL);
    kefu_service_destroy (&self->service);
}

static int
fixture_teardown (void **state)
{
    fixture_t *self = *state;
    fixture_stop_service (self);
    zmq_close (self->client);
    zmq_close (self->subscriber);
    zmq_ctx_term (self->context);
    kefu_config_destroy (&self->config);
    kefu_db_destroy (&self->admin);
    free (self);
    return 0;
}

/*  Send [""][body] and wait for [""][reply]; NULL on timeout. */
static Kefu__V1__Reply *
exchange_raw (fixture_t *self, const void *body, size_t size)
{
    zmq_send (self->client, "", 0, ZMQ_SNDMORE);
    zmq_send (self->client, body, size, 0);
    char delimiter[8];
    if (zmq_recv (self->client, delimiter, sizeof delimiter, 0) != 0)
        return NULL;
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    if (zmq_msg_recv (&frame, self->client, 0) < 0)
        return NULL;
    Kefu__V1__Reply *reply = kefu__v1__reply__unpack (NULL, zmq_msg_size (&frame), zmq_msg_data (&frame));
    zmq_msg_close (&frame);
    return reply;
}

static Kefu__V1__Reply *
exchange (fixture_t *self, Kefu__V1__Request *request, const ProtobufCMessage *payload)
{
    uint8_t payload_bytes[1024], request_bytes[2048];
    if (payload) {
        request->payload.len = protobuf_c_message_pack (payload, payload_bytes);
        request->payload.data = payload_bytes;
    }
    size_t size = kefu__v1__request__pack (request, request_bytes);
    return exchange_raw (self, request_bytes, size);
}

/*  A count, read over the admin connection. Test SQL is fixed text, so
 *  plain PQexec is fine here (services use prepared statements). */
static long
count_rows (fixture_t *self, const char *sql)
{
    PGresult *result = PQexec (kefu_db_handle (self->admin), sql);
    assert_int_equal (PQresultStatus (result), PGRES_TUPLES_OK);
    long count = strtol (PQgetvalue (result, 0, 0), NULL, 10);
    PQclear (result);
    return count;
}

static void
test_ping_answers_with_database_up (void **state)
{
    fixture_t *self = *state;
    Kefu__V1__Request request = KEFU__V1__REQUEST__INIT;
    request.request_id = "r-ping";
    request.method = "sys.ping";
    Kefu__V1__Reply *reply = exchange (self, &request, NULL);
    assert_non_null (reply);
    assert_string_equal (reply->request_id, "r-ping");
    assert_int_equal (reply->status->code, KEFU__V1__CODE__OK);
    Kefu__V1__PingReply *ping = kefu__v1__ping_reply__unpack (NULL, reply->payload.len, reply->payload.data);
    assert_true (ping->database_up);
    assert_string_equal (ping->service, "unitsvc");
    kefu__v1__ping_reply__free_unpacked (ping, NULL);
    kefu__v1__reply__free_unpacked (reply, NULL);
}

/*  A frame that is no Request gets INVALID_ARGUMENT, and the service goes
 *  on serving. */
static void
test_garbage_frame_answered_then_service_goes_on (void **state)
{
    fixture_t *self = *state;
    const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0x0a, 0x7f };
    Kefu__V1__Reply *reply = exchange_raw (self, garbage, sizeof garbage);
    assert_non_null (reply);
    assert_int_equal (reply->status->code, KEFU__V1__CODE__INVALID_ARGUMENT);
    kefu__v1__reply__free_unpacked (reply, NULL);

    Kefu__V1__Status echo = KEFU__V1__STATUS__INIT;
    echo.message = "still here";
    Kefu__V1__Request request = KEFU__V1__REQUEST__INIT;
    request.method = "unit.echo";
    reply = exchange (self, &request, &echo.base);
    assert_int_equal (reply->status->code, KEFU__V1__CODE__OK);
    Kefu__V1__Status *back = kefu__v1__status__unpack (NULL, reply->payload.len, reply->payload.data);
    assert_string_equal (back->message, "still here");
    kefu__v1__status__free_unpacked (back, NULL);
    kefu__v1__reply__free_unpacked (reply, NULL);
}

static void
test_unknown_method_not_found (void **state)
{
    fixture_t *self = *state;
    Kefu__V1__Request request = KEFU__V1__REQUEST__INIT;
    request.method = "unit.nothing";
    Kefu__V1__Reply *reply = exchange (self, &request, NULL);
    assert_int_equal (reply->status->code, KEFU__V1__CODE__NOT_FOUND);
    assert_string_equal (reply->status->type, "unknown-method");
    kefu__v1__reply__free_unpacked (reply, NULL);
}

static void
test_malformed_payload_invalid_argument (void **state)
{
    fixture_t *self = *state;
    Kefu__V1__Request request = KEFU__V1__REQUEST__INIT;
    request.method = "unit.echo";
    uint8_t truncated[] = { 0x12, 0x40, 'a' };     /* field 2, length 64, one byte */
    request.payload.data = truncated;
    request.payload.len = sizeof truncated;
    Kefu__V1__Reply *reply = exchange (self, &request, NULL);
    assert_int_equal (reply->status->code, KEFU__V1__CODE__INVALID_ARGUMENT);
    assert_string_equal (reply->status->field, "payload");
    kefu__v1__reply__free_unpacked (reply, NULL);
}

/*  A page window: limit up to the bound, after not negative; the field at
 *  fault is named. */
static void
test_page_window_checked (void **state)
{
    fixture_t *self = *state;
    const struct {
        uint32_t limit;
        int64_t after;
        Kefu__V1__Code code;
        const char *field;
    } cases[] = {
        { UNIT_PAGE_MAX, 0, KEFU__V1__CODE__OK, NULL },
        { 1, INT64_MAX, KEFU__V1__CODE__OK, NULL },
        { UNIT_PAGE_MAX + 1, 0, KEFU__V1__CODE__INVALID_ARGUMENT, "limit" },
        { 1, -1, KEFU__V1__CODE__INVALID_ARGUMENT, "after" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Kefu__V1__ListWebhooksRequest page = KEFU__V1__LIST_WEBHOOKS_REQUEST__INIT;
        page.limit = cases[i].limit;
        page.after = cases[i].after;
        Kefu__V1__Request request = KEFU__V1__REQUEST__INIT;
        request.method = "unit.page";
        Kefu__V1__Reply *reply = exchange (self, &request, &page.base);
        assert_non_null (reply);
        assert_int_equal (reply->status ? reply->status->code : KEFU__V1__CODE__OK, cases[i].code);
        if (cases[i].field)
            assert_string_equal (reply->status->field, cases[i].field);
        kefu__v1__reply__free_unpacked (reply, NULL);
    }
}

/*  A method that acts for someone refuses a request without an actor, and
 *  writes nothing. */
static void
test_missing_actor_unauthenticated (void **state)
{
    fixture_t *self = *state;
    long before = count_rows (self, "SELECT count(*) FROM unitsvc.notes");
    Kefu__V1__Status note = KEFU__V1__STATUS__INIT;
    note.message = "anonymous";
    Kefu__V1__Request request = KEFU__V1__REQUEST__INIT;
    request.method = "unit.insert";
    Kefu__V1__Reply *reply = exchange (self, &request, &note.base);
    assert_int_equal (reply->status->code, KEFU__V1__CODE__UNAUTHENTICATED);
    kefu__v1__reply__free_unpacked (reply, NULL);
    assert_int_equal (count_rows (self, "SELECT count(*) FROM unitsvc.notes"), before);
}

/*  Past its deadline a request is not started: nothing is written. */
static void
test_expired_deadline_not_started (void **state)
{
    fixture_t *self = *state;
    long before = count_rows (self, "SELECT count(*) FROM unitsvc.notes");
    Kefu__V1__Actor actor = KEFU__V1__ACTOR__INIT;
    actor.staff_id = "A1";
    Kefu__V1__Status note = KEFU__V1__STATUS__INIT;
    note.message = "too late";
    Kefu__V1__Request request = KEFU__V1__REQUEST__INIT;
    request.method = "unit.insert";
    request.actor = &actor;
    request.deadline_unix_ms = 1000;
    Kefu__V1__Reply *reply = exchange (self, &request, &note.base);
    assert_int_equal (reply->status->code, KEFU__V1__CODE__DEADLINE_EXCEEDED);
    kefu__v1__reply__free_unpacked (reply, NULL);
    assert_int_equal (count_rows (self, "SELECT count(*) FROM unitsvc.notes"), before);
}

/*  The change and its outbox event commit together. */
static void
test_change_and_event_commit_together (void **state)
{
    fixture_t *self = *state;
    long notes = count_rows (self, "SELECT count(*) FROM unitsvc.notes");
    long events = count_rows (self, "SELECT count(*) FROM unitsvc.outbox WHERE type = 'note.created'");
    Kefu__V1__Actor actor = KEFU__V1__ACTOR__INIT;
    actor.staff_id = "A1";
    Kefu__V1__Status note = KEFU__V1__STATUS__INIT;
    note.message = "hello";
    Kefu__V1__Request request = KEFU__V1__REQUEST__INIT;
    request.method = "unit.insert";
    request.actor = &actor;
    Kefu__V1__Reply *reply = exchange (self, &request, &note.base);
    assert_int_equal (reply->status->code, KEFU__V1__CODE__OK);
    kefu__v1__reply__free_unpacked (reply, NULL);
    assert_int_equal (count_rows (self, "SELECT count(*) FROM unitsvc.notes"), notes + 1);
    assert_int_equal (count_rows (self, "SELECT count(*) FROM unitsvc.outbox WHERE type = 'note.created'"),
                      events + 1);
}

/*  Outbox rows not numbered yet. */
static const char UNPUBLISHED[] =
    "SELECT count(*) FROM unitsvc.outbox o "
    "WHERE NOT EXISTS (SELECT 1 FROM unitsvc.outbox_published p WHERE p.outbox_id = o.id)";

/*  Wait (bounded) until no outbox row is left unnumbered. */
static void
wait_all_published (fixture_t *self)
{
    for (int i = 0; i < 250; i++) {
        if (count_rows (self, UNPUBLISHED) == 0)
            return;
        struct timespec pause = { 0, 20 * 1000000L };
        nanosleep (&pause, NULL);
    }
    fail_msg ("outbox rows still unpublished after 5 s");
}

static void
insert_note (fixture_t *self, const char *text)
{
    Kefu__V1__Actor actor = KEFU__V1__ACTOR__INIT;
    actor.staff_id = "A1";
    Kefu__V1__Status note = KEFU__V1__STATUS__INIT;
    note.message = (char *) text;
    Kefu__V1__Request request = KEFU__V1__REQUEST__INIT;
    request.method = "unit.insert";
    request.actor = &actor;
    Kefu__V1__Reply *reply = exchange (self, &request, &note.base);
    assert_non_null (reply);
    assert_int_equal (reply->status->code, KEFU__V1__CODE__OK);
    kefu__v1__reply__free_unpacked (reply, NULL);
}

/*  Receive one bus message [topic][Event]; NULL on timeout. */
static Kefu__V1__Event *
receive_event (fixture_t *self)
{
    char topic[256];
    int size = zmq_recv (self->subscriber, topic, sizeof topic, 0);
    if (size < 0)
        return NULL;
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    if (zmq_msg_recv (&frame, self->subscriber, 0) < 0)
        return NULL;
    Kefu__V1__Event *event = kefu__v1__event__unpack (NULL, zmq_msg_size (&frame), zmq_msg_data (&frame));
    zmq_msg_close (&frame);
    assert_non_null (event);
    assert_memory_equal (topic, event->type, strlen (event->type));
    return event;
}

/*  Drain whatever the bus holds now, return the highest seq seen (0 none). */
static uint64_t
drain_events (fixture_t *self)
{
    int quick = 200, slow = REPLY_TIMEOUT_MS;
    zmq_setsockopt (self->subscriber, ZMQ_RCVTIMEO, &quick, sizeof quick);
    uint64_t last = 0;
    Kefu__V1__Event *event;
    while ((event = receive_event (self)) != NULL) {
        last = event->seq;
        kefu__v1__event__free_unpacked (event, NULL);
    }
    zmq_setsockopt (self->subscriber, ZMQ_RCVTIMEO, &slow, sizeof slow);
    return last;
}

/*  The publisher numbers committed events gaplessly and never hands out a
 *  number while an older transaction that wrote to the outbox is still
 *  open: a transaction that began first but commits last can never land
 *  behind a number a consumer has already passed. (Events are numbered in
 *  transaction-id order among transactions that overlapped, which keeps
 *  every causal order: a transaction that saw another's commit has the
 *  larger id.) */
static void
test_publisher_gapless_with_out_of_order_commits (void **state)
{
    fixture_t *self = *state;
    /*  A subscriber misses what is published before its connection is up
     *  (ZeroMQ's slow joiner; replay is the cure). Handshake first: publish
     *  until an event comes through. */
    uint64_t before = 0;
    for (int attempt = 0; attempt < 25 && before == 0; attempt++) {
        insert_note (self, "probe");
        wait_all_published (self);
        before = drain_events (self);
    }
    long base = count_rows (self, "SELECT coalesce(max(seq), 0) FROM unitsvc.outbox_published");
    assert_int_equal ((long) before, base);

    /*  An older transaction writes an event and stays open ... */
    kefu_db_t *held = kefu_db_new (getenv ("KEFU_TEST_DSN_ADMIN"), "unitsvc");
    assert_int_equal (kefu_db_connect (held, 5000), 0);
    assert_int_equal (kefu_db_begin (held), 0);
    const uint8_t payload[] = { 0x0a, 0x01, 'x' };
    assert_int_equal (kefu_outbox_append (held, "note.held", "note", payload, sizeof payload, "application/octet-stream"), 0);

    /*  ... while five later ones commit. */
    enum { LATER = 5 };
    for (int i = 0; i < LATER; i++)
        insert_note (self, "later");
    /*  Many publisher rounds (poll 20 ms) pass: none may number anything. */
    struct timespec pause = { 0, 300 * 1000000L };
    nanosleep (&pause, NULL);
    /*  (The held row is not visible from here: it is not committed.) */
    assert_int_equal (count_rows (self, UNPUBLISHED), LATER);

    /*  The held transaction commits last. */
    assert_int_equal (kefu_db_commit (held), 0);
    kefu_db_destroy (&held);
    wait_all_published (self);

    /*  Gapless from where we were, in order, each exactly once, on the bus. */
    assert_int_equal (count_rows (self, "SELECT max(seq) - min(seq) + 1 - count(*) FROM unitsvc.outbox_published"), 0);
    assert_int_equal (count_rows (self, "SELECT count(*) - count(DISTINCT outbox_id) FROM unitsvc.outbox_published"), 0);
    assert_int_equal (count_rows (self, "SELECT count(*) FROM unitsvc.outbox"),
                      count_rows (self, "SELECT count(*) FROM unitsvc.outbox_published"));
    uint64_t expected = (uint64_t) base + 1;
    int held_seen = 0, later_seen = 0;
    for (int i = 0; i < LATER + 1; i++) {
        Kefu__V1__Event *event = receive_event (self);
        assert_non_null (event);
        assert_int_equal (event->seq, expected++);
        assert_string_equal (event->source, "unitsvc");
        if (strcmp (event->type, "note.held") == 0) {
            held_seen++;
            assert_int_equal (later_seen, 0);   /* it began first: numbered first */
        }
        else
            later_seen++;
        kefu__v1__event__free_unpacked (event, NULL);
    }
    assert_int_equal (held_seen, 1);
    assert_int_equal (later_seen, LATER);
}

static Kefu__V1__ReplayReply *
replay (fixture_t *self, uint64_t after, uint32_t limit, char *prefix, Kefu__V1__Code expect)
{
    Kefu__V1__ReplayRequest page = KEFU__V1__REPLAY_REQUEST__INIT;
    page.after_seq = after;
    page.limit = limit;
    page.type_prefixes = prefix ? &prefix : NULL;
    page.n_type_prefixes = prefix ? 1 : 0;
    Kefu__V1__Request request = KEFU__V1__REQUEST__INIT;
    request.method = "events.replay";
    Kefu__V1__Reply *reply = exchange (self, &request, &page.base);
    assert_non_null (reply);
    assert_int_equal (reply->status->code, expect);
    Kefu__V1__ReplayReply *events = expect == KEFU__V1__CODE__OK
        ? kefu__v1__replay_reply__unpack (NULL, reply->payload.len, reply->payload.data) : NULL;
    kefu__v1__reply__free_unpacked (reply, NULL);
    return events;
}

/*  events.replay pages through the outbox in seq order, filters by type
 *  prefix while still reporting how far it looked, and bounds its pages. */
static void
test_replay_pages_in_order (void **state)
{
    fixture_t *self = *state;
    insert_note (self, "one");
    insert_note (self, "two");
    wait_all_published (self);
    long last = count_rows (self, "SELECT max(seq) FROM unitsvc.outbox_published");

    uint64_t after = 0, seen = 0;
    while (true) {
        Kefu__V1__ReplayReply *page = replay (self, after, 2, NULL, KEFU__V1__CODE__OK);
        assert_int_equal (page->last_seq, last);
        if (page->n_events == 0) {
            kefu__v1__replay_reply__free_unpacked (page, NULL);
            break;
        }
        for (size_t i = 0; i < page->n_events; i++)
            assert_int_equal (page->events[i]->seq, ++seen);
        after = page->scanned_to_seq;
        kefu__v1__replay_reply__free_unpacked (page, NULL);
    }
    assert_int_equal (seen, last);

    Kefu__V1__ReplayReply *held = replay (self, 0, 1000, "note.held", KEFU__V1__CODE__OK);
    assert_int_equal (held->n_events, 1);
    assert_string_equal (held->events[0]->type, "note.held");
    assert_int_equal (held->scanned_to_seq, last);
    kefu__v1__replay_reply__free_unpacked (held, NULL);

    assert_null (replay (self, 0, 1001, NULL, KEFU__V1__CODE__INVALID_ARGUMENT));
    /*  Sequence numbers are bigints: beyond is the caller's error, not ours. */
    assert_null (replay (self, (uint64_t) INT64_MAX + 1, 10, NULL, KEFU__V1__CODE__INVALID_ARGUMENT));
    Kefu__V1__ReplayReply *none = replay (self, (uint64_t) INT64_MAX, 10, NULL, KEFU__V1__CODE__OK);
    assert_int_equal (none->n_events, 0);
    assert_int_equal (none->last_seq, last);
    kefu__v1__replay_reply__free_unpacked (none, NULL);
}

static void
test_unanswered_handler_gets_internal (void **state)
{
    fixture_t *self = *state;
    Kefu__V1__Request request = KEFU__V1__REQUEST__INIT;
    request.method = "unit.forgetful";
    Kefu__V1__Reply *reply = exchange (self, &request, NULL);
    assert_int_equal (reply->status->code, KEFU__V1__CODE__INTERNAL);
    kefu__v1__reply__free_unpacked (reply, NULL);
}

/*  Each migration is recorded once; a second start applies nothing. */
static void
test_migrations_recorded_once (void **state)
{
    fixture_t *self = *state;
    assert_int_equal (count_rows (self, "SELECT count(*) FROM unitsvc.schema_migrations WHERE component = 'unitsvc'"), 1);
    assert_int_equal (count_rows (self, "SELECT count(*) FROM unitsvc.schema_migrations WHERE component = 'kefu'"), 4);
    kefu_db_t *db = kefu_db_new (getenv ("KEFU_TEST_DSN_ADMIN"), "unitsvc");
    assert_int_equal (kefu_db_connect (db, 5000), 0);
    assert_int_equal (kefu_migrate_apply (db, "unitsvc", unit_migrations, 1), 0);
    kefu_db_destroy (&db);
}

/*  On stop, a request already being handled is finished and answered. */
static void
test_stop_finishes_in_flight (void **state)
{
    fixture_t *self = *state;
    Kefu__V1__Request request = KEFU__V1__REQUEST__INIT;
    request.request_id = "r-slow";
    request.method = "unit.slow";
    uint8_t bytes[256];
    size_t size = kefu__v1__request__pack (&request, bytes);
    zmq_send (self->client, "", 0, ZMQ_SNDMORE);
    zmq_send (self->client, bytes, size, 0);
    /*  Let the request reach a worker, then ask the service to stop. */
    struct timespec pause = { 0, SLOW_HANDLER_MS / 3 * 1000000L };
    nanosleep (&pause, NULL);
    kefu_service_stop (self->service);
    char delimiter[8];
    assert_int_equal (zmq_recv (self->client, delimiter, sizeof delimiter, 0), 0);
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    assert_true (zmq_msg_recv (&frame, self->client, 0) > 0);
    Kefu__V1__Reply *reply = kefu__v1__reply__unpack (NULL, zmq_msg_size (&frame), zmq_msg_data (&frame));
    zmq_msg_close (&frame);
    assert_string_equal (reply->request_id, "r-slow");
    assert_int_equal (reply->status->code, KEFU__V1__CODE__OK);
    kefu__v1__reply__free_unpacked (reply, NULL);
    fixture_stop_service (self);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_ping_answers_with_database_up),
        cmocka_unit_test (test_garbage_frame_answered_then_service_goes_on),
        cmocka_unit_test (test_unknown_method_not_found),
        cmocka_unit_test (test_malformed_payload_invalid_argument),
        cmocka_unit_test (test_page_window_checked),
        cmocka_unit_test (test_missing_actor_unauthenticated),
        cmocka_unit_test (test_expired_deadline_not_started),
        cmocka_unit_test (test_change_and_event_commit_together),
        cmocka_unit_test (test_unanswered_handler_gets_internal),
        cmocka_unit_test (test_publisher_gapless_with_out_of_order_commits),
        cmocka_unit_test (test_replay_pages_in_order),
        cmocka_unit_test (test_migrations_recorded_once),
        cmocka_unit_test (test_stop_finishes_in_flight),
    };
    return cmocka_run_group_tests_name ("service", tests, fixture_setup, fixture_teardown);
}
