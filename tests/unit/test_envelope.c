/*  Unit tests of the kefu.v1 envelope: what the gateway packs, a service
 *  unpacks unchanged, and the wire numbers that other languages rely on do
 *  not move.
 */
#include "kefu/v1/envelope.pb-c.h"
#include "kefu/v1/tickets.pb-c.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static void
test_request_round_trip (void **state)
{
    (void) state;
    char *roles[] = { "agent", "supervisor" };
    Kefu__V1__Actor actor = KEFU__V1__ACTOR__INIT;
    actor.staff_id = "A1001";
    actor.roles = roles;
    actor.n_roles = 2;
    actor.session_id = "apikey:crm";
    actor.terminal = "10.0.0.7";
    Kefu__V1__CreateTicketRequest create = KEFU__V1__CREATE_TICKET_REQUEST__INIT;
    create.kind = "complaint";
    create.subject = "退款未到账";
    uint8_t payload[256];
    Kefu__V1__Request request = KEFU__V1__REQUEST__INIT;
    request.request_id = "r-1";
    request.method = "tickets.create";
    request.actor = &actor;
    request.idempotency_key = "key-1";
    request.deadline_unix_ms = 1795599000250LL;
    request.trace_id = "trace";
    request.payload.len = kefu__v1__create_ticket_request__pack (&create, payload);
    request.payload.data = payload;

    uint8_t wire[1024];
    size_t size = kefu__v1__request__pack (&request, wire);
    Kefu__V1__Request *back = kefu__v1__request__unpack (NULL, size, wire);
    assert_non_null (back);
    assert_string_equal (back->request_id, "r-1");
    assert_string_equal (back->method, "tickets.create");
    assert_string_equal (back->actor->staff_id, "A1001");
    assert_int_equal (back->actor->n_roles, 2);
    assert_string_equal (back->actor->roles[1], "supervisor");
    assert_string_equal (back->actor->terminal, "10.0.0.7");
    assert_string_equal (back->idempotency_key, "key-1");
    assert_int_equal (back->deadline_unix_ms, 1795599000250LL);
    Kefu__V1__CreateTicketRequest *inner =
        kefu__v1__create_ticket_request__unpack (NULL, back->payload.len, back->payload.data);
    assert_string_equal (inner->subject, "退款未到账");
    kefu__v1__create_ticket_request__free_unpacked (inner, NULL);
    kefu__v1__request__free_unpacked (back, NULL);
}

static void
test_reply_round_trip (void **state)
{
    (void) state;
    Kefu__V1__Status status = KEFU__V1__STATUS__INIT;
    status.code = KEFU__V1__CODE__FAILED_PRECONDITION;
    status.message = "illegal";
    status.type = "illegal-transition";
    status.field = "to";
    Kefu__V1__Reply reply = KEFU__V1__REPLY__INIT;
    reply.request_id = "r-2";
    reply.status = &status;
    uint8_t wire[256];
    size_t size = kefu__v1__reply__pack (&reply, wire);
    Kefu__V1__Reply *back = kefu__v1__reply__unpack (NULL, size, wire);
    assert_int_equal (back->status->code, KEFU__V1__CODE__FAILED_PRECONDITION);
    assert_string_equal (back->status->type, "illegal-transition");
    assert_string_equal (back->status->field, "to");
    assert_int_equal (back->payload.len, 0);
    kefu__v1__reply__free_unpacked (back, NULL);
}

/*  The numbers of the codes are part of the wire format. */
static void
test_status_codes_stable (void **state)
{
    (void) state;
    assert_int_equal (KEFU__V1__CODE__OK, 0);
    assert_int_equal (KEFU__V1__CODE__INVALID_ARGUMENT, 1);
    assert_int_equal (KEFU__V1__CODE__NOT_FOUND, 2);
    assert_int_equal (KEFU__V1__CODE__CONFLICT, 3);
    assert_int_equal (KEFU__V1__CODE__FAILED_PRECONDITION, 4);
    assert_int_equal (KEFU__V1__CODE__PERMISSION_DENIED, 5);
    assert_int_equal (KEFU__V1__CODE__UNAUTHENTICATED, 6);
    assert_int_equal (KEFU__V1__CODE__UNAVAILABLE, 7);
    assert_int_equal (KEFU__V1__CODE__INTERNAL, 8);
    assert_int_equal (KEFU__V1__CODE__DEADLINE_EXCEEDED, 9);
    assert_int_equal (KEFU__V1__CODE__STALE_VERSION, 10);
}

/*  Truncated or garbage bytes do not unpack (the runtime then answers
 *  INVALID_ARGUMENT). */
static void
test_truncated_request_refused (void **state)
{
    (void) state;
    Kefu__V1__Request request = KEFU__V1__REQUEST__INIT;
    request.method = "tickets.get";
    request.request_id = "r-3";
    uint8_t wire[128];
    size_t size = kefu__v1__request__pack (&request, wire);
    assert_null (kefu__v1__request__unpack (NULL, size - 2, wire));
    const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0xff };
    assert_null (kefu__v1__request__unpack (NULL, sizeof garbage, garbage));
}

static void
test_event_round_trip (void **state)
{
    (void) state;
    uint8_t data[] = { 1, 2, 3 };
    Kefu__V1__Event event = KEFU__V1__EVENT__INIT;
    event.id = "8c5e...";
    event.source = "tickets";
    event.type = "ticket.created";
    event.subject = "ticket/42";
    event.time = "2026-11-25T09:30:00.250Z";
    event.datacontenttype = "application/protobuf; messageType=kefu.v1.TicketCreated";
    event.data.data = data;
    event.data.len = sizeof data;
    event.seq = 7;
    uint8_t wire[512];
    size_t size = kefu__v1__event__pack (&event, wire);
    Kefu__V1__Event *back = kefu__v1__event__unpack (NULL, size, wire);
    assert_string_equal (back->type, "ticket.created");
    assert_int_equal (back->seq, 7);
    assert_memory_equal (back->data.data, data, sizeof data);
    kefu__v1__event__free_unpacked (back, NULL);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_request_round_trip),
        cmocka_unit_test (test_reply_round_trip),
        cmocka_unit_test (test_status_codes_stable),
        cmocka_unit_test (test_truncated_request_refused),
        cmocka_unit_test (test_event_round_trip),
    };
    return cmocka_run_group_tests_name ("envelope", tests, NULL, NULL);
}
