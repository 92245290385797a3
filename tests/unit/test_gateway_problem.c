/*  Unit tests for gateway_problem: the RFC 9457 documents the gateway
 *  answers errors with, and the kefu.v1.Code -> HTTP status mapping
 *  (DESIGN.md §4).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "gateway_problem.h"

/*  Render and parse back, so tests look at values, not at text layout. */
static json_t *
render_parsed (const gateway_problem_t *problem, const char *instance, const char *request_id)
{
    char *text = gateway_problem_render (problem, instance, request_id);
    assert_non_null (text);
    json_error_t error;
    json_t *document = json_loads (text, 0, &error);
    assert_non_null (document);
    free (text);
    return document;
}

static const char *
member (json_t *document, const char *key)
{
    return json_string_value (json_object_get (document, key));
}

/*  A problem carries type, title, status, detail, field, instance and
 *  request_id, with the type a urn:kefu:problem: URN. */
static void
test_problem_has_every_member (void **state)
{
    (void)state;
    gateway_problem_t problem;
    gateway_problem_set (&problem, GATEWAY_HTTP_BAD_REQUEST, "invalid-field", "subject",
                         "must be a %s", "string");
    json_t *document = render_parsed (&problem, "/v1/tickets", "abc123");
    assert_string_equal (member (document, "type"), "urn:kefu:problem:invalid-field");
    assert_string_equal (member (document, "title"), "Bad request");
    assert_int_equal (json_integer_value (json_object_get (document, "status")), 400);
    assert_string_equal (member (document, "detail"), "must be a string");
    assert_string_equal (member (document, "field"), "subject");
    assert_string_equal (member (document, "instance"), "/v1/tickets");
    assert_string_equal (member (document, "request_id"), "abc123");
    json_decref (document);
}

/*  "field" appears only when one field is at fault. */
static void
test_field_absent_when_not_known (void **state)
{
    (void)state;
    gateway_problem_t problem;
    gateway_problem_set (&problem, GATEWAY_HTTP_SERVICE_UNAVAILABLE, "service-unavailable", NULL,
                         "no tickets service is reachable");
    json_t *document = render_parsed (&problem, "/v1/tickets", "r1");
    assert_null (json_object_get (document, "field"));
    json_decref (document);

    gateway_problem_set (&problem, GATEWAY_HTTP_SERVICE_UNAVAILABLE, "service-unavailable", "",
                         "again");
    document = render_parsed (&problem, NULL, NULL);
    assert_null (json_object_get (document, "field"));
    assert_null (json_object_get (document, "instance"));
    assert_null (json_object_get (document, "request_id"));
    json_decref (document);
}

/*  Each status has its fixed title; an unlisted one gets "Error". */
static void
test_titles_are_fixed_per_status (void **state)
{
    (void)state;
    assert_string_equal (gateway_problem_title (401), "Authentication required");
    assert_string_equal (gateway_problem_title (404), "Not found");
    assert_string_equal (gateway_problem_title (405), "Method not allowed");
    assert_string_equal (gateway_problem_title (412), "Precondition failed");
    assert_string_equal (gateway_problem_title (413), "Payload too large");
    assert_string_equal (gateway_problem_title (415), "Unsupported media type");
    assert_string_equal (gateway_problem_title (422), "Unprocessable content");
    assert_string_equal (gateway_problem_title (503), "Service unavailable");
    assert_string_equal (gateway_problem_title (504), "Gateway timeout");
    assert_string_equal (gateway_problem_title (418), "Error");
}

/*  Quotes, backslashes, control characters and invalid UTF-8 from a
 *  service's message still give valid JSON that says the same thing. */
static void
test_detail_is_escaped_and_repaired (void **state)
{
    (void)state;
    gateway_problem_t problem;
    gateway_problem_set (&problem, GATEWAY_HTTP_UNPROCESSABLE, "invalid-argument", "a\"b",
                         "say \"no\" \\ then\n\x01 bad:\xff 中文");
    char *text = gateway_problem_render (&problem, "/v1/tickets/1</script>", "id");
    assert_non_null (text);
    assert_null (strchr (text, '\n'));
    assert_null (strchr (text, '\x01'));
    json_error_t error;
    json_t *document = json_loads (text, 0, &error);
    assert_non_null (document);
    assert_string_equal (member (document, "detail"),
                         "say \"no\" \\ then\n\x01 bad:\xEF\xBF\xBD 中文");
    assert_string_equal (member (document, "field"), "a\"b");
    assert_string_equal (member (document, "instance"), "/v1/tickets/1</script>");
    json_decref (document);
    free (text);
}

/*  An empty detail falls back to the title rather than "". */
static void
test_empty_detail_uses_title (void **state)
{
    (void)state;
    gateway_problem_t problem;
    gateway_problem_set (&problem, GATEWAY_HTTP_NOT_FOUND, "not-found", NULL, "%s", "");
    json_t *document = render_parsed (&problem, "/x", "r");
    assert_string_equal (member (document, "detail"), "Not found");
    json_decref (document);
}

/*  DESIGN.md §4: the one mapping of codes to statuses. */
static void
test_codes_map_to_http_statuses (void **state)
{
    (void)state;
    assert_int_equal (gateway_problem_status_for_code (KEFU__V1__CODE__INVALID_ARGUMENT), 422);
    assert_int_equal (gateway_problem_status_for_code (KEFU__V1__CODE__NOT_FOUND), 404);
    assert_int_equal (gateway_problem_status_for_code (KEFU__V1__CODE__CONFLICT), 409);
    assert_int_equal (gateway_problem_status_for_code (KEFU__V1__CODE__FAILED_PRECONDITION), 409);
    assert_int_equal (gateway_problem_status_for_code (KEFU__V1__CODE__PERMISSION_DENIED), 403);
    assert_int_equal (gateway_problem_status_for_code (KEFU__V1__CODE__UNAUTHENTICATED), 401);
    assert_int_equal (gateway_problem_status_for_code (KEFU__V1__CODE__UNAVAILABLE), 503);
    assert_int_equal (gateway_problem_status_for_code (KEFU__V1__CODE__INTERNAL), 500);
    assert_int_equal (gateway_problem_status_for_code (KEFU__V1__CODE__DEADLINE_EXCEEDED), 504);
    assert_int_equal (gateway_problem_status_for_code (KEFU__V1__CODE__STALE_VERSION), 412);
    assert_int_equal (gateway_problem_status_for_code ((Kefu__V1__Code)99), 500);
}

/*  A service's Status becomes the problem: its slug, field and message;
 *  a malformed slug is replaced by the code's own. */
static void
test_service_status_becomes_problem (void **state)
{
    (void)state;
    Kefu__V1__Status status = KEFU__V1__STATUS__INIT;
    status.code = KEFU__V1__CODE__FAILED_PRECONDITION;
    status.type = "illegal-transition";
    status.field = "to";
    status.message = "received -> resolved is not allowed";
    gateway_problem_t problem;
    gateway_problem_set_from_status (&problem, &status);
    assert_int_equal (problem.status, 409);
    assert_string_equal (problem.slug, "illegal-transition");
    assert_string_equal (problem.field, "to");
    assert_string_equal (problem.detail, "received -> resolved is not allowed");

    status.type = "Not A Slug!";
    gateway_problem_set_from_status (&problem, &status);
    assert_string_equal (problem.slug, "failed-precondition");

    status.type = "";
    status.code = KEFU__V1__CODE__STALE_VERSION;
    gateway_problem_set_from_status (&problem, &status);
    assert_int_equal (problem.status, 412);
    assert_string_equal (problem.slug, "stale-version");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_problem_has_every_member),
        cmocka_unit_test (test_field_absent_when_not_known),
        cmocka_unit_test (test_titles_are_fixed_per_status),
        cmocka_unit_test (test_detail_is_escaped_and_repaired),
        cmocka_unit_test (test_empty_detail_uses_title),
        cmocka_unit_test (test_codes_map_to_http_statuses),
        cmocka_unit_test (test_service_status_becomes_problem),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
