/*  Unit tests of kefu_consumer with a real bus, a real source service and
 *  PostgreSQL (KEFU_TEST_DSN_ADMIN): every event processed exactly once,
 *  across a consumer that is stopped while events are produced, and across
 *  two replicas consuming at once; events a filter refuses handled never,
 *  their cursor written only now and then.
 */
#include "kefu_bus.h"
#include "kefu_consumer.h"
#include "kefu_db.h"
#include "kefu_migrate.h"
#include "kefu_outbox.h"
#include "kefu_service.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>
#include <cmocka.h>

enum { REPLY_TIMEOUT_MS = 5000, WAIT_STEP_MS = 20, WAIT_MAX_MS = 60000, CONSUMER_POLL_MS = 100 };

/* --- a source service that writes one event per request -------------------- */

static void
source_emit (kefu_call_t *call)
{
    kefu_db_t *db = kefu_call_db (call);
    const uint8_t payload[] = { 0x0a, 0x01, 'e' };
    if (kefu_db_begin (db) != 0
    ||  kefu_outbox_append (db, "thing.happened", "thing", payload, sizeof payload, "application/octet-stream") != 0
    ||  kefu_outbox_append (db, "audit.record.thing", "thing", payload, sizeof payload, "application/octet-stream") != 0
    ||  kefu_db_commit (db) != 0) {
        kefu_db_rollback (db);
        kefu_call_fail_db (call);
        return;
    }
    kefu_call_reply (call, NULL);
}

static const kefu_method_t source_methods[] = {
    { "source.emit", source_emit, NULL, false },
};

static const kefu_service_spec_t source_spec = {
    .name = "unitsrc", .version = "test",
    .methods = source_methods, .method_count = 1,
    .migrations = NULL, .migration_count = 0,
};

/* --- the consuming side ------------------------------------------------------- */

static const kefu_migration_t sink_migrations[] = {
    /*  No unique key on purpose: a duplicate must show up as a second row. */
    { 1, "0001_processed", "CREATE TABLE processed (source text NOT NULL, seq bigint NOT NULL, type text NOT NULL);" },
};

static int
sink_handle (kefu_db_t *tx, const Kefu__V1__Event *event, void *arg)
{
    (void) arg;
    static const kefu_sql_t insert = {
        "unitsink_insert", "INSERT INTO processed (source, seq, type) VALUES ($1, $2, $3)"
    };
    char seq[24];
    snprintf (seq, sizeof seq, "%llu", (unsigned long long) event->seq);
    const char *values[] = { event->source, seq, event->type };
    return kefu_db_command (tx, &insert, 3, values);
}

typedef struct {
    void *context;
    kefu_bus_t *bus;
    kefu_config_t *config;
    kefu_service_t *source;
    pthread_t source_thread;
    void *client;
    kefu_db_t *admin;
} fixture_t;

static const char *
lookup_config (const char *name, void *arg)
{
    fixture_t *self = arg;
    if (strcmp (name, "KEFU_DATABASE_URL") == 0)
        return getenv ("KEFU_TEST_DSN_ADMIN");
    if (strcmp (name, "KEFU_BUS_XSUB") == 0)
        return kefu_bus_xsub_endpoint (self->bus);
    if (strcmp (name, "KEFU_PUBLISH_POLL_MS") == 0)
        return "20";
    return NULL;
}

static void *
run_source (void *arg)
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
    ||  kefu_db_exec_script (self->admin, "DROP SCHEMA IF EXISTS unitsrc CASCADE; DROP SCHEMA IF EXISTS unitsink CASCADE") != 0)
        return -1;
    kefu_db_t *sink = kefu_db_new (dsn, "unitsink");
    int migrated = kefu_db_connect (sink, 5000) == 0 ? kefu_migrate_apply (sink, "unitsink", sink_migrations, 1) : -1;
    kefu_db_destroy (&sink);
    if (migrated < 0)
        return -1;
    self->context = zmq_ctx_new ();
    self->bus = kefu_bus_new (self->context, "tcp://127.0.0.1:*", "tcp://127.0.0.1:*");
    if (!self->bus || kefu_bus_start (self->bus) != 0)
        return -1;
    char *error = NULL;
    self->config = kefu_config_new_with (lookup_config, self, &error);
    self->source = kefu_service_new (&source_spec, self->config);
    if (!self->source || kefu_service_start (self->source) != 0)
        return -1;
    pthread_create (&self->source_thread, NULL, run_source, self->source);
    self->client = zmq_socket (self->context, ZMQ_DEALER);
    int linger = 0, timeout = REPLY_TIMEOUT_MS;
    zmq_setsockopt (self->client, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt (self->client, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_connect (self->client, kefu_service_endpoint (self->source));
    *state = self;
    return 0;
}

static int
fixture_teardown (void **state)
{
    fixture_t *self = *state;
    kefu_service_stop (self->source);
    pthread_join (self->source_thread, NULL);
    kefu_service_destroy (&self->source);
    zmq_close (self->client);
    kefu_bus_destroy (&self->bus);
    zmq_ctx_term (self->context);
    kefu_config_destroy (&self->config);
    kefu_db_destroy (&self->admin);
    free (self);
    return 0;
}

/*  Ask the source for one transaction with two events. */
static void
emit (fixture_t *self)
{
    Kefu__V1__Request request = KEFU__V1__REQUEST__INIT;
    request.method = "source.emit";
    uint8_t bytes[128];
    size_t size = kefu__v1__request__pack (&request, bytes);
    zmq_send (self->client, "", 0, ZMQ_SNDMORE);
    zmq_send (self->client, bytes, size, 0);
    char delimiter[8];
    assert_int_equal (zmq_recv (self->client, delimiter, sizeof delimiter, 0), 0);
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    assert_true (zmq_msg_recv (&frame, self->client, 0) >= 0);
    Kefu__V1__Reply *reply = kefu__v1__reply__unpack (NULL, zmq_msg_size (&frame), zmq_msg_data (&frame));
    zmq_msg_close (&frame);
    assert_int_equal (reply->status->code, KEFU__V1__CODE__OK);
    kefu__v1__reply__free_unpacked (reply, NULL);
}

static long
query_long (fixture_t *self, const char *sql)
{
    PGresult *result = PQexec (kefu_db_handle (self->admin), sql);
    assert_int_equal (PQresultStatus (result), PGRES_TUPLES_OK);
    long value = strtol (PQgetvalue (result, 0, 0), NULL, 10);
    PQclear (result);
    return value;
}

/*  Bounded wait until `sql` counts `expected`. */
static void
wait_for_count (fixture_t *self, const char *sql, long expected)
{
    long value = -1;
    for (int waited = 0; waited < WAIT_MAX_MS; waited += WAIT_STEP_MS) {
        value = query_long (self, sql);
        if (value >= expected)
            break;
        struct timespec pause = { 0, WAIT_STEP_MS * 1000000L };
        nanosleep (&pause, NULL);
    }
    assert_int_equal (value, expected);
}

/*  The filter of test_filtered_events_move_the_cursor_now_and_then. */
static bool
refuse_everything (const Kefu__V1__Event *event)
{
    (void) event;
    return false;
}

static kefu_consumer_t *
consumer_start_filtered (fixture_t *self, kefu_consumer_filter_fn *filter)
{
    static const char *const wanted[] = { "thing.", NULL };
    kefu_consumer_t *consumer = kefu_consumer_new ("unitsink", getenv ("KEFU_TEST_DSN_ADMIN"), self->context,
                                                   kefu_bus_xpub_endpoint (self->bus), sink_handle, NULL);
    assert_non_null (consumer);
    assert_int_equal (kefu_consumer_add_source (consumer, "unitsrc", kefu_service_endpoint (self->source)), 0);
    assert_int_equal (kefu_consumer_set_types (consumer, wanted), 0);
    if (filter)
        kefu_consumer_set_filter (consumer, filter);
    kefu_consumer_set_poll_ms (consumer, CONSUMER_POLL_MS);
    assert_int_equal (kefu_consumer_start (consumer), 0);
    return consumer;
}

static kefu_consumer_t *
consumer_start (fixture_t *self)
{
    return consumer_start_filtered (self, NULL);
}

static const char COUNT_ALL[] = "SELECT count(*) FROM unitsink.processed";
static const char COUNT_DISTINCT[] = "SELECT count(DISTINCT (source, seq)) FROM unitsink.processed";

/*  Stop the consumer, produce 1000 events, start it again: each processed
 *  exactly once, none of the unwanted type, and the durable cursor at the
 *  end of the source's sequence. */
static void
test_exactly_once_across_consumer_restart (void **state)
{
    fixture_t *self = *state;
    kefu_consumer_t *consumer = consumer_start (self);
    enum { FIRST = 10, WHILE_DOWN = 1000 };
    for (int i = 0; i < FIRST; i++)
        emit (self);
    wait_for_count (self, COUNT_ALL, FIRST);
    kefu_consumer_destroy (&consumer);
    assert_null (consumer);

    for (int i = 0; i < WHILE_DOWN; i++)
        emit (self);
    consumer = consumer_start (self);
    wait_for_count (self, COUNT_ALL, FIRST + WHILE_DOWN);
    /*  Quiet for a few polls: nothing more may arrive. */
    struct timespec pause = { 0, 5 * CONSUMER_POLL_MS * 1000000L };
    nanosleep (&pause, NULL);
    kefu_consumer_destroy (&consumer);

    assert_int_equal (query_long (self, COUNT_ALL), FIRST + WHILE_DOWN);
    assert_int_equal (query_long (self, COUNT_DISTINCT), FIRST + WHILE_DOWN);
    assert_int_equal (query_long (self, "SELECT count(*) FROM unitsink.processed WHERE type <> 'thing.happened'"), 0);
    /*  Two events per transaction, the wanted one first: seq 1, 3, 5, ... */
    assert_int_equal (query_long (self, "SELECT count(*) FROM unitsink.processed WHERE seq % 2 = 0"), 0);
    assert_int_equal (query_long (self, "SELECT max(seq) FROM unitsink.processed"), 2 * (FIRST + WHILE_DOWN) - 1);
    assert_int_equal (query_long (self, "SELECT seq FROM unitsink.consumer_cursors WHERE source = 'unitsrc'"),
                      2 * (FIRST + WHILE_DOWN) - 1);
}

/*  Two replicas of a consumer at once: still each event exactly once. */
static void
test_two_replicas_process_each_event_once (void **state)
{
    fixture_t *self = *state;
    long before = query_long (self, COUNT_ALL);
    kefu_consumer_t *one = consumer_start (self);
    kefu_consumer_t *two = consumer_start (self);
    enum { EVENTS = 300 };
    for (int i = 0; i < EVENTS; i++)
        emit (self);
    wait_for_count (self, COUNT_ALL, before + EVENTS);
    struct timespec pause = { 0, 5 * CONSUMER_POLL_MS * 1000000L };
    nanosleep (&pause, NULL);
    assert_int_equal (kefu_consumer_processed (one) + kefu_consumer_processed (two), EVENTS);
    kefu_consumer_destroy (&one);
    kefu_consumer_destroy (&two);
    assert_int_equal (query_long (self, COUNT_ALL), before + EVENTS);
    assert_int_equal (query_long (self, COUNT_DISTINCT), before + EVENTS);
}

static const char CURSOR[] = "SELECT seq FROM unitsink.consumer_cursors WHERE source = 'unitsrc'";

/*  A filter that refuses every event: the handler never runs, and yet the
 *  durable cursor moves once enough events were skipped one by one (the
 *  consumer's CONSUMER_SKIPPED_WRITE_EVERY, 1000), so that a restart does
 *  not look at them all again. Events that come through a replay page
 *  while the consumer catches up are skipped by the page (the source
 *  filters by type) and not counted: emitting 2 x 1100 events makes 1100
 *  of them, at least, pass the filter one by one. */
static void
test_filtered_events_move_the_cursor_now_and_then (void **state)
{
    fixture_t *self = *state;
    enum { EMITS = 1100 };
    long handled = query_long (self, COUNT_ALL);
    long cursor = query_long (self, CURSOR);
    long last_seq = query_long (self, "SELECT coalesce(max(seq), 0) FROM unitsrc.outbox_published");
    kefu_consumer_t *consumer = consumer_start_filtered (self, refuse_everything);
    for (int i = 0; i < EMITS; i++)
        emit (self);
    long moved = cursor;
    for (int waited = 0; waited < WAIT_MAX_MS && moved == cursor; waited += WAIT_STEP_MS) {
        struct timespec pause = { 0, WAIT_STEP_MS * 1000000L };
        nanosleep (&pause, NULL);
        moved = query_long (self, CURSOR);
    }
    assert_true (moved > cursor);
    assert_true (moved <= last_seq + 2 * EMITS);
    assert_int_equal (kefu_consumer_processed (consumer), 0);
    kefu_consumer_destroy (&consumer);
    assert_int_equal (query_long (self, COUNT_ALL), handled);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_exactly_once_across_consumer_restart),
        cmocka_unit_test (test_two_replicas_process_each_event_once),
        cmocka_unit_test (test_filtered_events_move_the_cursor_now_and_then),
    };
    return cmocka_run_group_tests_name ("consumer", tests, fixture_setup, fixture_teardown);
}
