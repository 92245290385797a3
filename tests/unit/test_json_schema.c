/*  Unit tests for kefu_json_schema: the JSON Schema of each side of the
 *  protobuf <-> JSON conversion, which the OpenAPI document publishes. Each
 *  test names the converter rule its schema must mirror.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "kefu/v1/envelope.pb-c.h"
#include "kefu/v1/tickets.pb-c.h"
#include "kefu_json.h"

#define PREFIX "#/components/schemas/"

static json_t *
property (json_t *schema, const char *name)
{
    json_t *found = json_object_get (json_object_get (schema, "properties"), name);
    assert_non_null (found);
    return found;
}

/*  True if the JSON array `array` holds the string `text`. */
static bool
array_has (json_t *array, const char *text)
{
    size_t index;
    json_t *value;
    json_array_foreach (array, index, value)
    {
        if (json_is_string (value) && strcmp (json_string_value (value), text) == 0)
            return true;
    }
    return false;
}

/*  kefu_json_to_proto refuses unknown keys and takes null as absent: the
 *  input schema forbids other properties, requires none, admits null. */
static void
test_input_is_closed_optional_and_nullable (void **state)
{
    (void)state;
    json_t *definitions = json_object ();
    json_t *schema = kefu_json_schema (&kefu__v1__transition_ticket_request__descriptor,
                                       KEFU_JSON_SCHEMA_INPUT, PREFIX, definitions);
    assert_non_null (schema);
    assert_true (json_is_false (json_object_get (schema, "additionalProperties")));
    assert_null (json_object_get (schema, "required"));
    json_t *to = property (schema, "to");
    assert_true (array_has (json_object_get (to, "type"), "string"));
    assert_true (array_has (json_object_get (to, "type"), "null"));
    json_t *version = property (schema, "expected_version");
    assert_true (array_has (json_object_get (version, "type"), "integer"));
    assert_int_equal (json_integer_value (json_object_get (version, "maximum")), INT64_MAX);
    assert_int_equal (json_object_size (json_object_get (schema, "properties")),
                      kefu__v1__transition_ticket_request__descriptor.n_fields);
    json_decref (schema);
    json_decref (definitions);
}

/*  kefu_json_from_proto writes every field; proto3 scalars are never null. */
static void
test_output_requires_every_field (void **state)
{
    (void)state;
    json_t *definitions = json_object ();
    json_t *schema = kefu_json_schema (&kefu__v1__ticket__descriptor, KEFU_JSON_SCHEMA_OUTPUT,
                                       PREFIX, definitions);
    assert_non_null (schema);
    json_t *required = json_object_get (schema, "required");
    assert_int_equal (json_array_size (required), kefu__v1__ticket__descriptor.n_fields);
    for (unsigned i = 0; i < kefu__v1__ticket__descriptor.n_fields; i++)
        assert_true (array_has (required, kefu__v1__ticket__descriptor.fields[i].name));
    assert_string_equal (json_string_value (json_object_get (property (schema, "id"), "type")),
                         "integer");
    assert_string_equal (json_string_value (json_object_get (property (schema, "status"), "type")),
                         "string");
    json_decref (schema);
    json_decref (definitions);
}

/*  Sub-messages are references to definitions, one per side; an unset one
 *  is written as null, so on output the reference admits null; bytes are
 *  base64 text; repeated fields are arrays, bounded on input. */
static void
test_sub_messages_bytes_and_repeated (void **state)
{
    (void)state;
    json_t *definitions = json_object ();
    json_t *output = kefu_json_schema (&kefu__v1__request__descriptor, KEFU_JSON_SCHEMA_OUTPUT,
                                       PREFIX, definitions);
    json_t *input = kefu_json_schema (&kefu__v1__request__descriptor, KEFU_JSON_SCHEMA_INPUT,
                                      PREFIX, definitions);
    assert_non_null (output);
    assert_non_null (input);
    json_t *actor = json_object_get (property (output, "actor"), "anyOf");
    assert_int_equal (json_array_size (actor), 2);
    assert_string_equal (json_string_value (json_object_get (json_array_get (actor, 0), "$ref")),
                         PREFIX "kefu.v1.Actor");
    assert_string_equal (json_string_value (json_object_get (json_array_get (actor, 1), "type")),
                         "null");
    assert_non_null (json_object_get (definitions, "kefu.v1.Actor"));
    assert_non_null (json_object_get (definitions, "kefu.v1.Actor.input"));
    json_t *roles = property (json_object_get (definitions, "kefu.v1.Actor.input"), "roles");
    assert_int_equal (json_integer_value (json_object_get (roles, "maxItems")),
                      KEFU_JSON_MAX_ARRAY);
    roles = property (json_object_get (definitions, "kefu.v1.Actor"), "roles");
    assert_string_equal (json_string_value (json_object_get (roles, "type")), "array");
    assert_string_equal (
        json_string_value (json_object_get (property (output, "payload"), "contentEncoding")),
        "base64");
    json_decref (output);
    json_decref (input);
    json_decref (definitions);
}

/*  Enums travel as their value names; on output a value newer than the
 *  schema is its number. */
static void
test_enums_are_their_names (void **state)
{
    (void)state;
    json_t *definitions = json_object ();
    json_t *input = kefu_json_schema (&kefu__v1__status__descriptor, KEFU_JSON_SCHEMA_INPUT, PREFIX,
                                      definitions);
    assert_non_null (input);
    json_t *code = json_object_get (property (input, "code"), "anyOf");
    json_t *names = json_object_get (json_array_get (code, 0), "enum");
    assert_int_equal (json_array_size (names), kefu__v1__code__descriptor.n_values);
    assert_true (array_has (names, "NOT_FOUND"));
    json_decref (input);
    json_decref (definitions);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_input_is_closed_optional_and_nullable),
        cmocka_unit_test (test_output_requires_every_field),
        cmocka_unit_test (test_sub_messages_bytes_and_repeated),
        cmocka_unit_test (test_enums_are_their_names),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
