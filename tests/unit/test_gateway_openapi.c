/*  Unit tests for gateway_openapi: the OpenAPI document generated from the
 *  route table (every row an operation, query parameters with the row's
 *  types, bounds and `required`, bodies from the descriptors less what the
 *  path and If-Match fill, the row's examples, a strong ETag), and
 *  the route table as `kefu-gateway --routes` prints it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "gateway_openapi.h"
#include "gateway_routes.h"

static json_t *
load_document (gateway_openapi_t *openapi)
{
    json_error_t error;
    json_t *document = json_loadb (gateway_openapi_text (openapi), gateway_openapi_length (openapi),
                                   JSON_REJECT_DUPLICATES, &error);
    assert_non_null (document);
    return document;
}

static json_t *
operation_of (json_t *document, const gateway_route_t *route)
{
    char method[8] = {0};
    for (size_t i = 0; route->method[i] && i + 1 < sizeof method; i++)
        method[i] = (char)tolower ((unsigned char)route->method[i]);
    json_t *item = json_object_get (json_object_get (document, "paths"), route->pattern);
    return json_object_get (item, method);
}

/*  Every row of the table is an operation, with its roles, and each row's
 *  examples (valid JSON, or the build fails) are in it. */
static void
test_every_route_is_an_operation (void **state)
{
    (void)state;
    gateway_openapi_t *openapi = gateway_openapi_new ();
    assert_non_null (openapi);
    json_t *document = load_document (openapi);
    assert_string_equal (json_string_value (json_object_get (document, "openapi")), "3.1.0");
    size_t count;
    const gateway_route_t *routes = gateway_routes_table (&count);
    size_t operations = 0;
    const char *key;
    json_t *item;
    json_object_foreach (json_object_get (document, "paths"), key, item) operations +=
        json_object_size (item);
    assert_int_equal (operations, count);
    for (size_t i = 0; i < count; i++) {
        json_t *operation = operation_of (document, &routes[i]);
        assert_non_null (operation);
        assert_non_null (json_object_get (operation, "summary"));
        json_t *roles = json_object_get (operation, "x-kefu-roles");
        assert_int_equal (json_array_size (roles) == 0, routes[i].anonymous);
        char status[8];
        snprintf (status, sizeof status, "%u", routes[i].success_status);
        json_t *success = json_object_get (json_object_get (operation, "responses"), status);
        assert_non_null (success);
        if (routes[i].example_response && routes[i].document_type) {
            /*  A document's example is its text, under its media type. */
            char media_type[64];
            snprintf (media_type, sizeof media_type, "%.*s", (int) strcspn (routes[i].document_type, "; "),
                      routes[i].document_type);
            json_t *media = json_object_get (json_object_get (success, "content"), media_type);
            assert_string_equal (json_string_value (json_object_get (media, "example")),
                                 routes[i].example_response);
        } else if (routes[i].example_response) {
            json_t *example = json_loads (routes[i].example_response, 0, NULL);
            json_t *media =
                json_object_get (json_object_get (success, "content"), "application/json");
            assert_true (json_equal (example, json_object_get (media, "example")));
            json_decref (example);
        }
    }
    json_decref (document);
    gateway_openapi_destroy (&openapi);
    gateway_openapi_destroy (&openapi);
}

/*  Every row is documented by hand where generation cannot: a summary and a
 *  description, and for a service route an example of the body it takes
 *  and of the body it answers with (204 has none). */
static void
test_every_route_row_is_documented (void **state)
{
    (void)state;
    size_t count;
    const gateway_route_t *routes = gateway_routes_table (&count);
    for (size_t i = 0; i < count; i++) {
        const gateway_route_t *route = &routes[i];
        if (!route->summary || !*route->summary || !route->description || !*route->description)
            fail_msg ("%s %s has no summary or description", route->method, route->pattern);
        if (route->kind != GATEWAY_ROUTE_SERVICE)
            continue;
        if (route->takes_body && !route->example_request)
            fail_msg ("%s %s has no example request", route->method, route->pattern);
        if (route->success_status != GATEWAY_HTTP_NO_CONTENT && !route->example_response)
            fail_msg ("%s %s has no example response", route->method, route->pattern);
        for (size_t j = 0; j < GATEWAY_ROUTE_QUERY_MAX && route->query[j].name; j++)
            if (route->query[j].required && !route->query[j].example)
                fail_msg ("%s %s: the required query parameter %s has no example", route->method,
                          route->pattern, route->query[j].name);
    }
}

/*  The operation's query parameter `name`. */
static json_t *
query_parameter_of (json_t *operation, const char *name)
{
    size_t index;
    json_t *parameter;
    json_array_foreach (json_object_get (operation, "parameters"), index, parameter)
    {
        if (strcmp (json_string_value (json_object_get (parameter, "in")), "query") == 0 &&
            strcmp (json_string_value (json_object_get (parameter, "name")), name) == 0)
            return parameter;
    }
    return NULL;
}

/*  One end of a numeric parameter's schema: the bound under `closed_key`
 *  or, when the row leaves it out, under `open_key`; never both. */
static void
assert_bound (json_t *schema, bool exclusive, const char *closed_key, const char *open_key,
              long long bound)
{
    json_t *present = json_object_get (schema, exclusive ? open_key : closed_key);
    assert_true (json_is_integer (present));
    assert_int_equal (json_integer_value (present), bound);
    assert_null (json_object_get (schema, exclusive ? closed_key : open_key));
}

/*  Every query parameter of every row is stated as gateway_routes reads
 *  it: an integer or a number (from the request field's type) with the
 *  row's bounds, open ends as exclusiveMinimum / exclusiveMaximum; text
 *  with its length limit; `required` and the example from the row. The
 *  table has each kind (else this would prove little). */
static void
test_query_parameters_follow_the_table (void **state)
{
    (void)state;
    gateway_openapi_t *openapi = gateway_openapi_new ();
    json_t *document = load_document (openapi);
    size_t count;
    const gateway_route_t *routes = gateway_routes_table (&count);
    size_t integers = 0, numbers = 0, texts = 0, open_minimums = 0, open_maximums = 0;
    size_t required = 0, optional = 0, examples = 0;
    for (size_t i = 0; i < count; i++) {
        const gateway_route_t *route = &routes[i];
        json_t *operation = operation_of (document, route);
        size_t declared = 0;
        size_t index;
        json_t *parameter;
        json_array_foreach (json_object_get (operation, "parameters"), index, parameter)
        {
            declared +=
                strcmp (json_string_value (json_object_get (parameter, "in")), "query") == 0;
        }
        size_t rows = 0;
        for (; rows < GATEWAY_ROUTE_QUERY_MAX && route->query[rows].name; rows++) {
            const gateway_query_param_t *param = &route->query[rows];
            parameter = query_parameter_of (operation, param->name);
            if (!parameter)
                fail_msg ("%s %s: no query parameter %s", route->method, route->pattern,
                          param->name);
            json_t *flag = json_object_get (parameter, "required");
            assert_true (json_is_boolean (flag));
            assert_int_equal (json_is_true (flag), param->required);
            required += param->required;
            optional += !param->required;
            const ProtobufCFieldDescriptor *field =
                protobuf_c_message_descriptor_get_field_by_name (route->request_type, param->name);
            assert_non_null (field);
            json_t *schema = json_object_get (parameter, "schema");
            const char *type = json_string_value (json_object_get (schema, "type"));
            bool numeric =
                gateway_routes_field_is_integer (field) || gateway_routes_field_is_floating (field);
            json_t *example = json_object_get (parameter, "example");
            if (numeric) {
                assert_string_equal (type, gateway_routes_field_is_integer (field) ? "integer"
                                                                                   : "number");
                integers += gateway_routes_field_is_integer (field);
                numbers += gateway_routes_field_is_floating (field);
                assert_bound (schema, param->min_exclusive, "minimum", "exclusiveMinimum",
                              param->min);
                assert_bound (schema, param->max_exclusive, "maximum", "exclusiveMaximum",
                              param->max);
                open_minimums += param->min_exclusive;
                open_maximums += param->max_exclusive;
                if (param->example) {
                    assert_true (json_is_number (example));
                    assert_float_equal (json_number_value (example), strtod (param->example, NULL),
                                        0);
                }
            } else {
                assert_string_equal (type, "string");
                assert_int_equal (json_integer_value (json_object_get (schema, "maxLength")),
                                  GATEWAY_ROUTES_QUERY_TEXT_MAX);
                texts++;
                if (param->example)
                    assert_string_equal (json_string_value (example), param->example);
            }
            if (!param->example)
                assert_null (example);
            examples += param->example != NULL;
        }
        /*  The event stream's own parameters (types, last_event_id) are
         *  not the table's. */
        if (route->kind != GATEWAY_ROUTE_EVENTS)
            assert_int_equal (declared, rows);
    }
    assert_true (integers && numbers && texts && open_minimums && open_maximums);
    assert_true (required && optional && examples);
    json_decref (document);
    gateway_openapi_destroy (&openapi);
}

static json_t *
responses_of (json_t *document, const char *method, const char *pattern)
{
    json_t *item = json_object_get (json_object_get (document, "paths"), pattern);
    return json_object_get (json_object_get (item, method), "responses");
}

/*  A create whose resources can be deleted declares 404 (a retry with the
 *  same Idempotency-Key finds the resource gone); one whose resources stay
 *  does not, and neither does a list. */
static void
test_creates_of_deletable_resources_declare_404 (void **state)
{
    (void)state;
    gateway_openapi_t *openapi = gateway_openapi_new ();
    json_t *document = load_document (openapi);
    assert_non_null (json_object_get (responses_of (document, "post", "/v1/sla/calendars"), "404"));
    assert_non_null (json_object_get (responses_of (document, "post", "/v1/sla/policies"), "404"));
    assert_non_null (json_object_get (responses_of (document, "post", "/v1/webhooks"), "404"));
    assert_null (json_object_get (responses_of (document, "post", "/v1/tickets"), "404"));
    assert_null (json_object_get (responses_of (document, "get", "/v1/sla/calendars"), "404"));
    json_decref (document);
    gateway_openapi_destroy (&openapi);
}

/*  A transition's body: the request message less {id} (from the path) and
 *  expected_version (from If-Match), both documented where they come from;
 *  its errors include 412 (If-Match) and 415 (a body). */
static void
test_body_leaves_out_path_and_if_match_fields (void **state)
{
    (void)state;
    gateway_openapi_t *openapi = gateway_openapi_new ();
    json_t *document = load_document (openapi);
    json_t *operation = json_object_get (
        json_object_get (json_object_get (document, "paths"), "/v1/tickets/{id}/transitions"),
        "post");
    json_t *schema = json_object_get (
        json_object_get (json_object_get (json_object_get (operation, "requestBody"), "content"),
                         "application/json"),
        "schema");
    json_t *properties = json_object_get (schema, "properties");
    assert_non_null (json_object_get (properties, "to"));
    assert_null (json_object_get (properties, "id"));
    assert_null (json_object_get (properties, "expected_version"));
    bool has_if_match = false;
    size_t index;
    json_t *parameter;
    json_array_foreach (json_object_get (operation, "parameters"), index, parameter)
    {
        if (strcmp (json_string_value (json_object_get (parameter, "name")), "If-Match") == 0)
            has_if_match = true;
    }
    assert_true (has_if_match);
    json_t *responses = json_object_get (operation, "responses");
    assert_non_null (json_object_get (responses, "412"));
    assert_non_null (json_object_get (responses, "415"));
    json_t *health =
        json_object_get (json_object_get (json_object_get (document, "paths"), "/healthz"), "get");
    assert_null (json_object_get (json_object_get (health, "responses"), "401"));
    assert_non_null (json_object_get (json_object_get (health, "responses"), "200"));
    json_decref (document);
    gateway_openapi_destroy (&openapi);
}

/*  Security: both credentials are HTTP bearer schemes; a route without
 *  credentials says `security: []`, and still documents 401/403 when a
 *  service checks credentials in its body (log-in), not when nothing does
 *  (/healthz); a route with credentials admits either scheme. */
static void
test_security_follows_the_table (void **state)
{
    (void)state;
    gateway_openapi_t *openapi = gateway_openapi_new ();
    json_t *document = load_document (openapi);
    json_t *schemes = json_object_get (json_object_get (document, "components"), "securitySchemes");
    const char *names[] = {"apiKey", "bearerToken"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        json_t *scheme = json_object_get (schemes, names[i]);
        assert_string_equal (json_string_value (json_object_get (scheme, "type")), "http");
        assert_string_equal (json_string_value (json_object_get (scheme, "scheme")), "bearer");
    }
    size_t count;
    const gateway_route_t *routes = gateway_routes_table (&count);
    bool saw_anonymous_service = false;
    for (size_t i = 0; i < count; i++) {
        json_t *operation = operation_of (document, &routes[i]);
        json_t *security = json_object_get (operation, "security");
        json_t *responses = json_object_get (operation, "responses");
        assert_true (json_is_boolean (json_object_get (operation, "x-kefu-anonymous")));
        assert_int_equal (json_is_true (json_object_get (operation, "x-kefu-anonymous")),
                          routes[i].anonymous);
        bool credentials_checked = !routes[i].anonymous || routes[i].kind == GATEWAY_ROUTE_SERVICE;
        assert_int_equal (json_object_get (responses, "401") != NULL, credentials_checked);
        assert_int_equal (json_object_get (responses, "403") != NULL, credentials_checked);
        if (routes[i].anonymous) {
            assert_int_equal (json_array_size (security), 0);
            saw_anonymous_service |= routes[i].kind == GATEWAY_ROUTE_SERVICE;
        } else {
            assert_int_equal (json_array_size (security), 2);
            assert_non_null (json_object_get (json_array_get (security, 0), "apiKey"));
            assert_non_null (json_object_get (json_array_get (security, 1), "bearerToken"));
        }
    }
    assert_true (saw_anonymous_service); /* POST /v1/sessions */
    json_decref (document);
    gateway_openapi_destroy (&openapi);
}

/*  The ETag is strong, and the same for the same document. */
static void
test_etag_is_strong_and_stable (void **state)
{
    (void)state;
    gateway_openapi_t *first = gateway_openapi_new ();
    gateway_openapi_t *second = gateway_openapi_new ();
    const char *etag = gateway_openapi_etag (first);
    assert_int_equal (strlen (etag), GATEWAY_OPENAPI_ETAG_SIZE - 1);
    assert_true (etag[0] == '"' && etag[strlen (etag) - 1] == '"');
    assert_string_equal (etag, gateway_openapi_etag (second));
    assert_string_equal (gateway_openapi_text (first), gateway_openapi_text (second));
    gateway_openapi_destroy (&first);
    gateway_openapi_destroy (&second);
}

/*  --routes: one row per route, in table order, in the fixed shape. */
static void
test_routes_text_shape (void **state)
{
    (void)state;
    char *text = gateway_openapi_routes_text ();
    assert_non_null (text);
    const char *first = "[{\"method\": \"GET\", \"pattern\": \"/healthz\", \"roles\": [], "
                        "\"anonymous\": true}, ";
    assert_memory_equal (text, first, strlen (first));
    assert_non_null (strstr (text, "{\"method\": \"GET\", \"pattern\": \"/v1/tickets/{id}\", "
                                   "\"roles\": [\"agent\", "));
    json_t *rows = json_loads (text, 0, NULL);
    size_t count;
    gateway_routes_table (&count);
    assert_int_equal (json_array_size (rows), count);
    json_decref (rows);
    free (text);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_every_route_is_an_operation),
        cmocka_unit_test (test_every_route_row_is_documented),
        cmocka_unit_test (test_query_parameters_follow_the_table),
        cmocka_unit_test (test_creates_of_deletable_resources_declare_404),
        cmocka_unit_test (test_body_leaves_out_path_and_if_match_fields),
        cmocka_unit_test (test_etag_is_strong_and_stable),
        cmocka_unit_test (test_routes_text_shape),
        cmocka_unit_test (test_security_follows_the_table),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
