/*  Unit tests for kefu_json: the reflection mapping between protobuf-c
 *  messages and JSON that the gateway uses for every route.
 *
 *  Each test names the rule it proves. Run under ASan (make SANITIZE=1) the
 *  error paths also prove that a half-built message is freed completely.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "kefu_json.h"
#include "kefu/v1/envelope.pb-c.h"
#include "kefu/v1/tickets.pb-c.h"

/* --- helpers --------------------------------------------------------------- */

/*  Parse `text` (a test literal, so it must be valid JSON) and convert it. */
static kefu_json_result_t
convert_text (const char *text, const ProtobufCMessageDescriptor *descriptor,
              ProtobufCMessage **message, kefu_json_error_t *error)
{
    json_error_t parse_error;
    json_t *object = json_loads (text, JSON_REJECT_DUPLICATES, &parse_error);
    assert_non_null (object);
    kefu_json_result_t result = kefu_json_to_proto (object, descriptor, message, error);
    json_decref (object);
    return result;
}

/*  Assert that `text` is refused with `field` named as the culprit. */
static void
assert_refused (const char *text, const ProtobufCMessageDescriptor *descriptor, const char *field)
{
    ProtobufCMessage *message = (ProtobufCMessage *)0x1;
    kefu_json_error_t error;
    assert_int_equal (convert_text (text, descriptor, &message, &error), KEFU_JSON_INVALID);
    assert_null (message);
    assert_string_equal (error.field, field);
    assert_true (strlen (error.reason) > 0);
}

/*  A self-referencing message, built by hand because no kefu message nests
 *  deep enough to reach KEFU_JSON_MAX_DEPTH. */
typedef struct test_node_t test_node_t;
struct test_node_t {
    ProtobufCMessage base;
    int32_t value;
    test_node_t *child;
};

static void test_node_init (ProtobufCMessage *message);

static const ProtobufCMessageDescriptor test_node_descriptor;

static const ProtobufCFieldDescriptor test_node_fields[] = {
    {"value", 1, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_INT32, 0, offsetof (test_node_t, value),
     NULL, NULL, 0, 0, NULL, NULL},
    {"child", 2, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_MESSAGE, 0, offsetof (test_node_t, child),
     &test_node_descriptor, NULL, 0, 0, NULL, NULL},
};
static const unsigned test_node_fields_by_name[] = {1, 0};
static const ProtobufCIntRange test_node_field_ranges[] = {{1, 0}, {0, 2}};

static const ProtobufCMessageDescriptor test_node_descriptor = {
    PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,
    "test.Node",
    "Node",
    "Test__Node",
    "test",
    sizeof (test_node_t),
    2,
    test_node_fields,
    test_node_fields_by_name,
    1,
    test_node_field_ranges,
    test_node_init,
    NULL,
    NULL,
    NULL};

static void
test_node_init (ProtobufCMessage *message)
{
    static const test_node_t initial = {PROTOBUF_C_MESSAGE_INIT (&test_node_descriptor), 0, NULL};
    *(test_node_t *)message = initial;
}

/*  {"child": {"child": ... {"value": 1} ...}} with `levels` objects. */
static char *
nested_node_text (int levels)
{
    size_t size = (size_t)levels * 12 + 16;
    char *text = malloc (size);
    assert_non_null (text);
    text[0] = '\0';
    for (int i = 1; i < levels; i++)
        strcat (text, "{\"child\":");
    strcat (text, "{\"value\":1}");
    for (int i = 1; i < levels; i++)
        strcat (text, "}");
    return text;
}

/* --- message -> JSON -> message ------------------------------------------- */

/*  A Ticket survives the trip to JSON and back byte for byte. */
static void
test_ticket_round_trip_is_lossless (void **state)
{
    (void)state;
    Kefu__V1__Ticket ticket = KEFU__V1__TICKET__INIT;
    ticket.id = 9007199254740993; /* not representable as a double */
    ticket.kind = "complaint";
    ticket.channel = "phone";
    ticket.priority = "high";
    ticket.subject = "退款未到账";
    ticket.description = "line one\nline \"two\"";
    ticket.version = 7;
    ticket.created_at = "2024-05-01T08:00:00Z";

    json_t *json = kefu_json_from_proto (&ticket.base);
    assert_non_null (json);
    assert_int_equal (json_integer_value (json_object_get (json, "id")), 9007199254740993);
    assert_string_equal (json_string_value (json_object_get (json, "subject")), "退款未到账");

    ProtobufCMessage *back = NULL;
    kefu_json_error_t error;
    assert_int_equal (kefu_json_to_proto (json, &kefu__v1__ticket__descriptor, &back, &error),
                      KEFU_JSON_OK);
    json_decref (json);

    size_t size = protobuf_c_message_get_packed_size (&ticket.base);
    assert_int_equal (protobuf_c_message_get_packed_size (back), size);
    uint8_t *expected = malloc (size);
    uint8_t *actual = malloc (size);
    protobuf_c_message_pack (&ticket.base, expected);
    protobuf_c_message_pack (back, actual);
    assert_memory_equal (expected, actual, size);
    free (expected);
    free (actual);
    protobuf_c_message_free_unpacked (back, NULL);
}

/*  proto3 defaults are written out: every field present, "" and 0. */
static void
test_from_proto_writes_every_field_with_defaults (void **state)
{
    (void)state;
    Kefu__V1__Ticket ticket = KEFU__V1__TICKET__INIT;
    json_t *json = kefu_json_from_proto (&ticket.base);
    assert_non_null (json);
    assert_int_equal (json_object_size (json), kefu__v1__ticket__descriptor.n_fields);
    assert_string_equal (json_string_value (json_object_get (json, "kind")), "");
    assert_true (json_is_integer (json_object_get (json, "version")));
    assert_int_equal (json_integer_value (json_object_get (json, "version")), 0);

    /*  An unset sub-message has no default: it is null, and an empty
     *  repeated field is []. */
    Kefu__V1__Request request = KEFU__V1__REQUEST__INIT;
    json_t *request_json = kefu_json_from_proto (&request.base);
    assert_true (json_is_null (json_object_get (request_json, "actor")));
    assert_string_equal (json_string_value (json_object_get (request_json, "payload")), "");
    json_decref (request_json);

    Kefu__V1__ListTicketsReply list = KEFU__V1__LIST_TICKETS_REPLY__INIT;
    json_t *list_json = kefu_json_from_proto (&list.base);
    assert_true (json_is_array (json_object_get (list_json, "items")));
    assert_int_equal (json_array_size (json_object_get (list_json, "items")), 0);
    json_decref (list_json);
    json_decref (json);
}

/*  Repeated sub-messages and nested messages both ways. */
static void
test_nested_and_repeated_fields_round_trip (void **state)
{
    (void)state;
    ProtobufCMessage *message = NULL;
    kefu_json_error_t error;
    assert_int_equal (convert_text ("{\"items\": [{\"id\": 1, \"kind\": \"inquiry\"}, {\"id\": 2}],"
                                    " \"next\": 2}",
                                    &kefu__v1__list_tickets_reply__descriptor, &message, &error),
                      KEFU_JSON_OK);
    Kefu__V1__ListTicketsReply *list = (Kefu__V1__ListTicketsReply *)message;
    assert_int_equal (list->n_items, 2);
    assert_int_equal (list->items[0]->id, 1);
    assert_string_equal (list->items[0]->kind, "inquiry");
    assert_string_equal (list->items[1]->kind, "");
    assert_int_equal (list->next, 2);

    json_t *json = kefu_json_from_proto (message);
    json_t *items = json_object_get (json, "items");
    assert_int_equal (json_array_size (items), 2);
    assert_int_equal (json_integer_value (json_object_get (json_array_get (items, 1), "id")), 2);
    json_decref (json);
    protobuf_c_message_free_unpacked (message, NULL);

    assert_int_equal (
        convert_text ("{\"actor\": {\"staff_id\": \"A01\", \"roles\": [\"agent\", \"admin\"]}}",
                      &kefu__v1__request__descriptor, &message, &error),
        KEFU_JSON_OK);
    Kefu__V1__Request *request = (Kefu__V1__Request *)message;
    assert_non_null (request->actor);
    assert_string_equal (request->actor->staff_id, "A01");
    assert_int_equal (request->actor->n_roles, 2);
    assert_string_equal (request->actor->roles[1], "admin");
    protobuf_c_message_free_unpacked (message, NULL);
}

/*  Bytes travel as standard base64, both ways. */
static void
test_bytes_are_base64_both_ways (void **state)
{
    (void)state;
    ProtobufCMessage *message = NULL;
    kefu_json_error_t error;
    assert_int_equal (convert_text ("{\"payload\": \"aGVsbG8=\"}", &kefu__v1__request__descriptor,
                                    &message, &error),
                      KEFU_JSON_OK);
    Kefu__V1__Request *request = (Kefu__V1__Request *)message;
    assert_int_equal (request->payload.len, 5);
    assert_memory_equal (request->payload.data, "hello", 5);
    json_t *json = kefu_json_from_proto (message);
    assert_string_equal (json_string_value (json_object_get (json, "payload")), "aGVsbG8=");
    json_decref (json);
    protobuf_c_message_free_unpacked (message, NULL);

    assert_refused ("{\"payload\": \"not base64!\"}", &kefu__v1__request__descriptor, "payload");
    assert_refused ("{\"payload\": \"aGVsbG8\"}", &kefu__v1__request__descriptor, "payload");
    assert_refused ("{\"payload\": 5}", &kefu__v1__request__descriptor, "payload");
}

/*  Enums travel as their value names. */
static void
test_enums_are_value_names (void **state)
{
    (void)state;
    ProtobufCMessage *message = NULL;
    kefu_json_error_t error;
    assert_int_equal (convert_text ("{\"code\": \"STALE_VERSION\", \"field\": \"to\"}",
                                    &kefu__v1__status__descriptor, &message, &error),
                      KEFU_JSON_OK);
    assert_int_equal (((Kefu__V1__Status *)message)->code, KEFU__V1__CODE__STALE_VERSION);
    json_t *json = kefu_json_from_proto (message);
    assert_string_equal (json_string_value (json_object_get (json, "code")), "STALE_VERSION");
    json_decref (json);
    protobuf_c_message_free_unpacked (message, NULL);

    assert_refused ("{\"code\": \"NO_SUCH_CODE\"}", &kefu__v1__status__descriptor, "code");
    assert_refused ("{\"code\": 2}", &kefu__v1__status__descriptor, "code");
}

/* --- strictness -------------------------------------------------------------- */

/*  A key that is not a field of the message is an error naming it. */
static void
test_unknown_field_is_refused_by_name (void **state)
{
    (void)state;
    assert_refused ("{\"kind\": \"complaint\", \"subjekt\": \"x\"}",
                    &kefu__v1__create_ticket_request__descriptor, "subjekt");
    assert_refused ("{\"actor\": {\"staff_id\": \"A01\", \"rank\": 3}}",
                    &kefu__v1__request__descriptor, "actor.rank");
}

/*  Each JSON type mismatch names the field. */
static void
test_wrong_json_type_is_refused_by_field (void **state)
{
    (void)state;
    const ProtobufCMessageDescriptor *create = &kefu__v1__create_ticket_request__descriptor;
    assert_refused ("{\"subject\": 5}", create, "subject");
    assert_refused ("{\"subject\": true}", create, "subject");
    assert_refused ("{\"subject\": [\"a\"]}", create, "subject");
    assert_refused ("{\"subject\": {}}", create, "subject");

    const ProtobufCMessageDescriptor *get = &kefu__v1__get_ticket_request__descriptor;
    assert_refused ("{\"id\": \"5\"}", get, "id");
    assert_refused ("{\"id\": 1.5}", get, "id");
    assert_refused ("{\"id\": 1.0}", get, "id");
    assert_refused ("{\"id\": false}", get, "id");

    const ProtobufCMessageDescriptor *ping = &kefu__v1__ping_reply__descriptor;
    assert_refused ("{\"database_up\": 1}", ping, "database_up");
    assert_refused ("{\"database_up\": \"true\"}", ping, "database_up");

    const ProtobufCMessageDescriptor *request = &kefu__v1__request__descriptor;
    assert_refused ("{\"actor\": \"A01\"}", request, "actor");
    assert_refused ("{\"actor\": {\"roles\": \"agent\"}}", request, "actor.roles");
    assert_refused ("{\"actor\": {\"roles\": [\"agent\", 7]}}", request, "actor.roles[1]");
    assert_refused ("{\"actor\": {\"roles\": [\"agent\", null]}}", request, "actor.roles[1]");

    const ProtobufCMessageDescriptor *list = &kefu__v1__list_tickets_reply__descriptor;
    assert_refused ("{\"items\": [{\"id\": 1}, {\"id\": \"x\"}]}", list, "items[1].id");
}

/*  Integers outside the field's range are refused, not wrapped. */
static void
test_integer_out_of_range_is_refused (void **state)
{
    (void)state;
    const ProtobufCMessageDescriptor *list = &kefu__v1__list_tickets_request__descriptor;
    assert_refused ("{\"limit\": -1}", list, "limit");
    assert_refused ("{\"limit\": 4294967296}", list, "limit");

    ProtobufCMessage *message = NULL;
    kefu_json_error_t error;
    assert_int_equal (convert_text ("{\"limit\": 4294967295, \"after\": -9223372036854775808}",
                                    list, &message, &error),
                      KEFU_JSON_OK);
    assert_int_equal (((Kefu__V1__ListTicketsRequest *)message)->limit, UINT32_MAX);
    assert_true (((Kefu__V1__ListTicketsRequest *)message)->after == INT64_MIN);
    protobuf_c_message_free_unpacked (message, NULL);
}

/*  JSON null means "absent": the field keeps its default. */
static void
test_null_means_absent (void **state)
{
    (void)state;
    ProtobufCMessage *message = NULL;
    kefu_json_error_t error;
    assert_int_equal (convert_text ("{\"subject\": null, \"kind\": \"inquiry\"}",
                                    &kefu__v1__create_ticket_request__descriptor, &message, &error),
                      KEFU_JSON_OK);
    Kefu__V1__CreateTicketRequest *create = (Kefu__V1__CreateTicketRequest *)message;
    assert_string_equal (create->subject, "");
    assert_string_equal (create->kind, "inquiry");
    protobuf_c_message_free_unpacked (message, NULL);
}

/*  The document must be an object; strings must not carry NUL. */
static void
test_non_object_and_nul_are_refused (void **state)
{
    (void)state;
    ProtobufCMessage *message = NULL;
    kefu_json_error_t error;
    json_t *array = json_array ();
    assert_int_equal (kefu_json_to_proto (array, &kefu__v1__ticket__descriptor, &message, &error),
                      KEFU_JSON_INVALID);
    assert_string_equal (error.field, "");
    json_decref (array);

    json_t *object = json_object ();
    json_object_set_new (object, "subject", json_stringn ("a\0b", 3));
    assert_int_equal (kefu_json_to_proto (object, &kefu__v1__ticket__descriptor, &message, &error),
                      KEFU_JSON_INVALID);
    assert_string_equal (error.field, "subject");
    json_decref (object);
}

/* --- bounds -------------------------------------------------------------------- */

/*  A repeated field longer than KEFU_JSON_MAX_ARRAY is refused. */
static void
test_array_longer_than_bound_is_refused (void **state)
{
    (void)state;
    json_t *roles = json_array ();
    for (int i = 0; i < KEFU_JSON_MAX_ARRAY + 1; i++)
        json_array_append_new (roles, json_string ("agent"));
    json_t *request = json_pack ("{s:{s:o}}", "actor", "roles", roles);
    ProtobufCMessage *message = NULL;
    kefu_json_error_t error;
    assert_int_equal (
        kefu_json_to_proto (request, &kefu__v1__request__descriptor, &message, &error),
        KEFU_JSON_INVALID);
    assert_string_equal (error.field, "actor.roles");

    /*  At the bound it is fine. */
    json_array_remove (roles, 0);
    assert_int_equal (
        kefu_json_to_proto (request, &kefu__v1__request__descriptor, &message, &error),
        KEFU_JSON_OK);
    assert_int_equal (((Kefu__V1__Request *)message)->actor->n_roles, KEFU_JSON_MAX_ARRAY);
    protobuf_c_message_free_unpacked (message, NULL);
    json_decref (request);
}

/*  Objects nested deeper than KEFU_JSON_MAX_DEPTH are refused. */
static void
test_nesting_deeper_than_bound_is_refused (void **state)
{
    (void)state;
    ProtobufCMessage *message = NULL;
    kefu_json_error_t error;
    char *text = nested_node_text (KEFU_JSON_MAX_DEPTH);
    assert_int_equal (convert_text (text, &test_node_descriptor, &message, &error), KEFU_JSON_OK);
    free (text);
    json_t *json = kefu_json_from_proto (message);
    assert_non_null (json);
    json_decref (json);
    protobuf_c_message_free_unpacked (message, NULL);

    text = nested_node_text (KEFU_JSON_MAX_DEPTH + 1);
    assert_int_equal (convert_text (text, &test_node_descriptor, &message, &error),
                      KEFU_JSON_INVALID);
    assert_null (message);
    assert_true (strncmp (error.field, "child.child.", strlen ("child.child.")) == 0);
    free (text);
}

/*  Text that is not UTF-8 becomes U+FFFD in the output, never raw bytes. */
static void
test_invalid_utf8_is_repaired_on_output (void **state)
{
    (void)state;
    json_t *string = kefu_json_string_lossy ("ok\xff\xc3");
    assert_non_null (string);
    assert_string_equal (json_string_value (string), "ok\xEF\xBF\xBD\xEF\xBF\xBD");
    json_decref (string);

    Kefu__V1__Ticket ticket = KEFU__V1__TICKET__INIT;
    ticket.subject = "bad \xc0\xaf overlong";
    json_t *json = kefu_json_from_proto (&ticket.base);
    assert_non_null (json);
    assert_string_equal (json_string_value (json_object_get (json, "subject")),
                         "bad \xEF\xBF\xBD\xEF\xBF\xBD overlong");
    json_decref (json);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_ticket_round_trip_is_lossless),
        cmocka_unit_test (test_from_proto_writes_every_field_with_defaults),
        cmocka_unit_test (test_nested_and_repeated_fields_round_trip),
        cmocka_unit_test (test_bytes_are_base64_both_ways),
        cmocka_unit_test (test_enums_are_value_names),
        cmocka_unit_test (test_unknown_field_is_refused_by_name),
        cmocka_unit_test (test_wrong_json_type_is_refused_by_field),
        cmocka_unit_test (test_integer_out_of_range_is_refused),
        cmocka_unit_test (test_null_means_absent),
        cmocka_unit_test (test_non_object_and_nul_are_refused),
        cmocka_unit_test (test_array_longer_than_bound_is_refused),
        cmocka_unit_test (test_nesting_deeper_than_bound_is_refused),
        cmocka_unit_test (test_invalid_utf8_is_repaired_on_output),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
