/*  Unit tests for gateway_pending: the table of requests in flight between
 *  the gateway and the services (bounded, matched by request id, expired
 *  by deadline, failed per service).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway_pending.h"

enum { TEST_PREFIX = 0x0123456789abcdefu };

/*  The table never holds more than its capacity. */
static void
test_table_is_bounded (void **state)
{
    (void)state;
    gateway_pending_t *pending = gateway_pending_new (2, TEST_PREFIX);
    gateway_pending_id_t id;
    char request_id[GATEWAY_REQUEST_ID_SIZE];
    assert_int_equal (gateway_pending_add (pending, 0, 100, NULL, &id, request_id), 0);
    assert_int_equal (gateway_pending_add (pending, 0, 100, NULL, &id, request_id), 0);
    assert_int_equal (gateway_pending_add (pending, 0, 100, NULL, &id, request_id), -1);
    assert_true (gateway_pending_remove (pending, id));
    assert_int_equal (gateway_pending_add (pending, 0, 100, NULL, &id, request_id), 0);
    gateway_pending_destroy (&pending);
    gateway_pending_destroy (&pending);
}

/*  A reply is matched by its request id, once, and only from the service
 *  the request went to; malformed, foreign and stale ids match nothing. */
static void
test_reply_matches_only_its_request (void **state)
{
    (void)state;
    gateway_pending_t *pending = gateway_pending_new (4, TEST_PREFIX);
    int owner;
    gateway_pending_id_t id;
    char request_id[GATEWAY_REQUEST_ID_SIZE];
    assert_int_equal (gateway_pending_add (pending, 1, 100, &owner, &id, request_id), 0);
    assert_int_equal (strlen (request_id), GATEWAY_REQUEST_ID_LENGTH);
    assert_memory_equal (request_id, "0123456789abcdef", 16);

    gateway_pending_entry_t entry;
    assert_false (gateway_pending_take (pending, request_id, strlen (request_id), 0, &entry));
    char foreign[GATEWAY_REQUEST_ID_SIZE];
    memcpy (foreign, request_id, sizeof foreign);
    foreign[0] = foreign[0] == 'f' ? 'e' : 'f';
    assert_false (gateway_pending_take (pending, foreign, strlen (foreign), 1, &entry));
    assert_false (gateway_pending_take (pending, request_id, strlen (request_id) - 1, 1, &entry));
    assert_false (gateway_pending_take (pending, "zz", 2, 1, &entry));

    assert_true (gateway_pending_take (pending, request_id, strlen (request_id), 1, &entry));
    assert_ptr_equal (entry.owner, &owner);
    assert_int_equal (entry.service, 1);
    assert_false (gateway_pending_take (pending, request_id, strlen (request_id), 1, &entry));

    /*  The slot is reused by a new request: the old id stays stale. */
    char newer[GATEWAY_REQUEST_ID_SIZE];
    assert_int_equal (gateway_pending_add (pending, 1, 100, &owner, &id, newer), 0);
    assert_false (gateway_pending_take (pending, request_id, strlen (request_id), 1, &entry));
    assert_true (gateway_pending_take (pending, newer, strlen (newer), 1, &entry));
    gateway_pending_destroy (&pending);
}

/*  Deadlines come out earliest first, whatever order they went in and
 *  whatever was removed in between. */
static void
test_deadlines_expire_in_order (void **state)
{
    (void)state;
    enum { COUNT = 64 };
    gateway_pending_t *pending = gateway_pending_new (COUNT, TEST_PREFIX);
    gateway_pending_id_t ids[COUNT];
    char request_id[GATEWAY_REQUEST_ID_SIZE];
    for (int i = 0; i < COUNT; i++) {
        int64_t deadline = (i * 37) % COUNT; /* a permutation of 0..63 */
        assert_int_equal (gateway_pending_add (pending, 0, deadline, NULL, &ids[i], request_id), 0);
    }
    /*  Remove every third one from the middle of the heap. */
    int removed = 0;
    for (int i = 0; i < COUNT; i += 3) {
        assert_true (gateway_pending_remove (pending, ids[i]));
        removed++;
    }
    assert_int_equal (gateway_pending_count (pending), COUNT - removed);
    assert_false (gateway_pending_remove (pending, ids[0]));

    gateway_pending_entry_t entry;
    int64_t previous = -1;
    int taken = 0;
    while (gateway_pending_take_expired (pending, COUNT, &entry)) {
        assert_true (entry.deadline_ms >= previous);
        previous = entry.deadline_ms;
        taken++;
    }
    assert_int_equal (taken, COUNT - removed);
    assert_true (gateway_pending_next_deadline (pending) == INT64_MAX);
    gateway_pending_destroy (&pending);
}

/*  Nothing expires before its deadline. */
static void
test_nothing_expires_early (void **state)
{
    (void)state;
    gateway_pending_t *pending = gateway_pending_new (4, TEST_PREFIX);
    gateway_pending_id_t id;
    char request_id[GATEWAY_REQUEST_ID_SIZE];
    gateway_pending_add (pending, 0, 500, NULL, &id, request_id);
    gateway_pending_add (pending, 0, 200, NULL, &id, request_id);
    assert_true (gateway_pending_next_deadline (pending) == 200);
    gateway_pending_entry_t entry;
    assert_false (gateway_pending_take_expired (pending, 199, &entry));
    assert_true (gateway_pending_take_expired (pending, 200, &entry));
    assert_false (gateway_pending_take_expired (pending, 499, &entry));
    gateway_pending_destroy (&pending);
}

/*  Every request of one service can be failed at once, leaving others. */
static void
test_service_requests_are_failed_together (void **state)
{
    (void)state;
    gateway_pending_t *pending = gateway_pending_new (8, TEST_PREFIX);
    gateway_pending_id_t id;
    char request_id[GATEWAY_REQUEST_ID_SIZE];
    for (int i = 0; i < 8; i++)
        gateway_pending_add (pending, (size_t)(i % 2), 100 + i, NULL, &id, request_id);
    size_t cursor = 0;
    gateway_pending_entry_t entry;
    int failed = 0;
    while (gateway_pending_take_service (pending, 1, &cursor, &entry)) {
        assert_int_equal (entry.service, 1);
        failed++;
    }
    assert_int_equal (failed, 4);
    assert_int_equal (gateway_pending_count (pending), 4);
    assert_true (gateway_pending_next_deadline (pending) == 100);
    gateway_pending_destroy (&pending);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_table_is_bounded),
        cmocka_unit_test (test_reply_matches_only_its_request),
        cmocka_unit_test (test_deadlines_expire_in_order),
        cmocka_unit_test (test_nothing_expires_early),
        cmocka_unit_test (test_service_requests_are_failed_together),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
