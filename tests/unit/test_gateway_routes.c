/*  Unit tests for gateway_routes: matching (404, 405 with Allow), the path
 *  {id} and {key}, If-Match, building a request payload from body, path
 *  and query, and rendering a reply (ETag, Location, list cursor, 204).
 *  DESIGN.md §4.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "gateway_routes.h"
#include "kefu/v1/document.pb-c.h"
#include "kefu/v1/staffing.pb-c.h"
#include "kefu/v1/tickets.pb-c.h"
#include "kefu/v1/webhooks.pb-c.h"

typedef struct {
    const char *names[4];
    const char *values[4];
} test_query_t;

static const char *
test_query_lookup (void *arg, const char *name)
{
    test_query_t *query = arg;
    for (size_t i = 0; i < 4 && query->names[i]; i++)
        if (strcmp (query->names[i], name) == 0)
            return query->values[i];
    return NULL;
}

static const gateway_route_t *
find_route (const char *method, const char *path)
{
    const gateway_route_t *route;
    const char *id_text;
    size_t id_length;
    char allow[GATEWAY_ROUTES_ALLOW_SIZE];
    assert_int_equal (gateway_routes_match (method, path, &route, &id_text, &id_length, allow),
                      GATEWAY_ROUTE_FOUND);
    return route;
}

/*  Known paths find their route and capture {id}; others are 404. */
static void
test_paths_match_their_routes (void **state)
{
    (void)state;
    const gateway_route_t *route;
    const char *id_text;
    size_t id_length;
    char allow[GATEWAY_ROUTES_ALLOW_SIZE];
    assert_int_equal (gateway_routes_match ("POST", "/v1/tickets/42/transitions", &route, &id_text,
                                            &id_length, allow),
                      GATEWAY_ROUTE_FOUND);
    assert_string_equal (route->service_method, "tickets.transition");
    assert_int_equal (id_length, 2);
    assert_memory_equal (id_text, "42", 2);
    assert_string_equal (find_route ("GET", "/v1/tickets")->service_method, "tickets.list");
    assert_string_equal (find_route ("POST", "/v1/tickets")->service_method, "tickets.create");
    assert_string_equal (find_route ("GET", "/v1/tickets/7/history")->service_method,
                         "tickets.history");
    assert_int_equal (find_route ("GET", "/healthz")->kind, GATEWAY_ROUTE_HEALTH);
    assert_true (find_route ("GET", "/readyz")->anonymous);

    const char *unknown[] = {"/",
                             "/v1",
                             "/v1/tickets/",
                             "/v1/tickets//history",
                             "/v2/tickets",
                             "/v1/tickets/1/history/x",
                             "/healthz/"};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
        assert_int_equal (
            gateway_routes_match ("GET", unknown[i], &route, &id_text, &id_length, allow),
            GATEWAY_ROUTE_NO_PATH);
}

/*  A known path with another method is 405, and Allow lists its methods. */
static void
test_wrong_method_lists_allowed_ones (void **state)
{
    (void)state;
    const gateway_route_t *route;
    const char *id_text;
    size_t id_length;
    char allow[GATEWAY_ROUTES_ALLOW_SIZE];
    assert_int_equal (
        gateway_routes_match ("DELETE", "/v1/tickets", &route, &id_text, &id_length, allow),
        GATEWAY_ROUTE_NO_METHOD);
    assert_null (route);
    assert_string_equal (allow, "POST, GET");
    assert_int_equal (gateway_routes_match ("GET", "/v1/tickets/1/transitions", &route, &id_text,
                                            &id_length, allow),
                      GATEWAY_ROUTE_NO_METHOD);
    assert_string_equal (allow, "POST");
}

/*  Ids are positive decimal integers, nothing else. */
static void
test_path_id_must_be_positive_integer (void **state)
{
    (void)state;
    int64_t id;
    assert_true (gateway_routes_parse_id ("1", 1, &id));
    assert_int_equal (id, 1);
    assert_true (gateway_routes_parse_id ("9223372036854775807", 19, &id));
    assert_true (id == INT64_MAX);
    const char *bad[] = {"0", "-1", "+1", "abc", "1a", " 1", "1.0", "9223372036854775808", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false (gateway_routes_parse_id (bad[i], strlen (bad[i]), &id));
}

/*  If-Match: "N", W/"N" or *; anything else is malformed. */
static void
test_if_match_forms (void **state)
{
    (void)state;
    int64_t version = -1;
    assert_true (gateway_routes_parse_if_match ("\"3\"", &version));
    assert_int_equal (version, 3);
    assert_true (gateway_routes_parse_if_match ("W/\"12\"", &version));
    assert_int_equal (version, 12);
    assert_true (gateway_routes_parse_if_match ("*", &version));
    assert_int_equal (version, 0);
    const char *bad[] = {"3", "\"\"", "\"0\"", "\"x\"", "W/3", "\"3", "\"3\", \"4\"", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false (gateway_routes_parse_if_match (bad[i], &version));
}

/*  The path id overrides the body's; If-Match fills expected_version. */
static void
test_transition_payload_takes_path_id_and_if_match (void **state)
{
    (void)state;
    const gateway_route_t *route = find_route ("POST", "/v1/tickets/5/transitions");
    json_t *body =
        json_pack ("{s:s,s:s,s:I}", "to", "assessed", "reason", "valid", "id", (json_int_t)99);
    test_query_t query = {{NULL}, {NULL}};
    uint8_t *payload;
    size_t size;
    gateway_problem_t problem;
    assert_int_equal (gateway_routes_build_payload (route, body, 5, test_query_lookup, &query,
                                                    "W/\"4\"", &payload, &size, &problem),
                      0);
    json_decref (body);
    Kefu__V1__TransitionTicketRequest *request =
        kefu__v1__transition_ticket_request__unpack (NULL, size, payload);
    assert_non_null (request);
    assert_int_equal (request->id, 5);
    assert_int_equal (request->expected_version, 4);
    assert_string_equal (request->to, "assessed");
    kefu__v1__transition_ticket_request__free_unpacked (request, NULL);
    free (payload);
}

/*  TKT-5: removing a watcher names the ticket by {id} and the staff member
 *  by {key}, and takes If-Match like every change of a ticket. */
static void
test_watcher_removal_takes_id_key_and_if_match (void **state)
{
    (void)state;
    const char *path = "/v1/tickets/12/watchers/S2001";
    const gateway_route_t *route = find_route ("DELETE", path);
    assert_string_equal (route->service_method, "tickets.watcher_remove");
    assert_string_equal (route->etag_field, "ticket_version");
    gateway_path_t values;
    assert_true (gateway_routes_parse_path (route, path, &values));
    json_t *body = json_object ();
    test_query_t query = {{NULL}, {NULL}};
    uint8_t *payload;
    size_t size;
    gateway_problem_t problem;
    assert_int_equal (gateway_routes_build_payload_path (route, body, &values, test_query_lookup,
                                                         &query, "\"3\"", &payload, &size,
                                                         &problem),
                      0);
    json_decref (body);
    Kefu__V1__TicketWatcherRequest *request =
        kefu__v1__ticket_watcher_request__unpack (NULL, size, payload);
    assert_non_null (request);
    assert_int_equal (request->id, 12);
    assert_string_equal (request->staff_id, "S2001");
    assert_int_equal (request->expected_version, 3);
    kefu__v1__ticket_watcher_request__free_unpacked (request, NULL);
    free (payload);
}

/*  Every route that changes a ticket, a department or a routing rule reads
 *  If-Match, and every route answering about one carries an ETag. The SLA
 *  routes (TKT-7) are not ticket changes: a ticket's SLA has no version
 *  of its own (pausing or escalating leaves the ticket's version alone and
 *  conflicts are answered by the SLA's state, 409), and calendars and
 *  policies are versioned resources of their own. */
static void
test_every_update_route_takes_if_match (void **state)
{
    (void)state;
    size_t count;
    const gateway_route_t *table = gateway_routes_table (&count);
    int checked = 0;
    for (size_t i = 0; i < count; i++) {
        const gateway_route_t *route = &table[i];
        bool ours = route->service && strcmp (route->service, "tickets") == 0;
        bool sla = route->service_method && (strncmp (route->service_method, "sla.", 4) == 0 ||
                                             strncmp (route->service_method, "tickets.sla.", 12) == 0 ||
                                             strcmp (route->service_method, "tickets.escalate") == 0);
        bool changes = strcmp (route->method, "GET") != 0 &&
                       strcmp (route->pattern, "/v1/tickets") != 0 &&
                       strcmp (route->pattern, "/v1/replies") != 0 &&
                       strcmp (route->pattern, "/v1/departments") != 0 &&
                       strcmp (route->pattern, "/v1/routing-rules") != 0;
        if (!ours || sla || !changes)
            continue;
        if (!route->if_match_field)
            fail_msg ("%s %s does not read If-Match", route->method, route->pattern);
        if (route->success_status != GATEWAY_HTTP_NO_CONTENT && !route->etag_field)
            fail_msg ("%s %s sends no ETag", route->method, route->pattern);
        checked++;
    }
    /*  12 ticket routes, and the edit, approval and retirement of a
     *  standard reply. */
    assert_int_equal (checked, 15);
}

/*  A body field of the wrong type is 400 invalid-field naming it. */
static void
test_wrong_body_field_is_invalid_field (void **state)
{
    (void)state;
    const gateway_route_t *route = find_route ("POST", "/v1/tickets");
    json_t *body = json_pack ("{s:i}", "subject", 5);
    test_query_t query = {{NULL}, {NULL}};
    uint8_t *payload;
    size_t size;
    gateway_problem_t problem;
    assert_int_equal (gateway_routes_build_payload (route, body, 0, test_query_lookup, &query, NULL,
                                                    &payload, &size, &problem),
                      -1);
    json_decref (body);
    assert_int_equal (problem.status, 400);
    assert_string_equal (problem.slug, "invalid-field");
    assert_string_equal (problem.field, "subject");
}

/*  List query parameters: bounds checked, named when wrong, unknown ones
 *  ignored (they are never looked up). */
static void
test_list_query_parameters (void **state)
{
    (void)state;
    const gateway_route_t *route = find_route ("GET", "/v1/tickets");
    test_query_t good = {{"limit", "after", "status", NULL}, {"200", "41", "received", NULL}};
    json_t *body = json_object ();
    uint8_t *payload;
    size_t size;
    gateway_problem_t problem;
    assert_int_equal (gateway_routes_build_payload (route, body, 0, test_query_lookup, &good, NULL,
                                                    &payload, &size, &problem),
                      0);
    json_decref (body);
    Kefu__V1__ListTicketsRequest *request =
        kefu__v1__list_tickets_request__unpack (NULL, size, payload);
    assert_int_equal (request->limit, 200);
    assert_int_equal (request->after, 41);
    assert_string_equal (request->status, "received");
    kefu__v1__list_tickets_request__free_unpacked (request, NULL);
    free (payload);

    const char *bad[][2] = {
        {"limit", "0"},  {"limit", "201"}, {"limit", "-1"}, {"limit", "1.5"},
        {"limit", ""},   {"after", "abc"}, {"after", "-1"}, {"after", "99999999999999999999999999"},
        {"kind", "\xff"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        test_query_t query = {{bad[i][0], NULL}, {bad[i][1], NULL}};
        body = json_object ();
        assert_int_equal (gateway_routes_build_payload (route, body, 0, test_query_lookup, &query,
                                                        NULL, &payload, &size, &problem),
                          -1);
        json_decref (body);
        assert_int_equal (problem.status, 400);
        assert_string_equal (problem.field, bad[i][0]);
    }
}

/*  The Erlang C query (SCH-9): six parameters, numbers with fractions. */
enum { ERLANG_QUERY_PARAMS = 6 };
static const char *const erlang_query_names[ERLANG_QUERY_PARAMS] = {
    "calls", "interval_s", "aht_s", "target_answer_s", "target_sl", "max_occupancy"};

typedef struct {
    const char *values[ERLANG_QUERY_PARAMS]; /* NULL: absent */
} erlang_query_t;

static const char *
erlang_query_lookup (void *arg, const char *name)
{
    erlang_query_t *query = arg;
    for (size_t i = 0; i < ERLANG_QUERY_PARAMS; i++)
        if (strcmp (erlang_query_names[i], name) == 0)
            return query->values[i];
    return NULL;
}

/*  Floating query parameters: strict decimal numbers within open or closed
 *  bounds; required ones named when absent. */
static void
test_erlang_query_numbers (void **state)
{
    (void)state;
    const gateway_route_t *route = find_route ("GET", "/v1/staffing/erlang-c");
    erlang_query_t good = {{"100.5", "1800", "187.25", "20", "0.8", "1"}};
    json_t *body = json_object ();
    uint8_t *payload;
    size_t size;
    gateway_problem_t problem;
    assert_int_equal (gateway_routes_build_payload (route, body, 0, erlang_query_lookup, &good,
                                                    NULL, &payload, &size, &problem),
                      0);
    json_decref (body);
    Kefu__V1__ErlangCRequest *request = kefu__v1__erlang_crequest__unpack (NULL, size, payload);
    assert_non_null (request);
    assert_float_equal (request->calls, 100.5, 0);
    assert_int_equal (request->interval_s, 1800);
    assert_float_equal (request->aht_s, 187.25, 0);
    assert_float_equal (request->target_answer_s, 20, 0);
    assert_float_equal (request->target_sl, 0.8, 0);
    assert_float_equal (request->max_occupancy, 1, 0);
    kefu__v1__erlang_crequest__free_unpacked (request, NULL);
    free (payload);

    /*  max_occupancy may be left out; 1e2 and .5 are numbers too. */
    erlang_query_t optional = {{"1e2", "1800", "180", "0", ".5", NULL}};
    body = json_object ();
    assert_int_equal (gateway_routes_build_payload (route, body, 0, erlang_query_lookup, &optional,
                                                    NULL, &payload, &size, &problem),
                      0);
    json_decref (body);
    free (payload);

    /*  One parameter replaced (or removed: NULL) at a time. */
    const struct {
        size_t index;
        const char *value;
    } bad[] = {
        {0, NULL},   {0, "0"},     {0, "-5"},     {0, "abc"},   {0, "inf"},  {0, "nan"},
        {0, "0x10"}, {0, "1e999"}, {0, ""},       {0, "1.0.0"}, {0, " 1"},   {0, "1000001"},
        {1, NULL},   {1, "59"},    {1, "1800.5"}, {2, NULL},    {2, "0"},    {2, "14401"},
        {3, NULL},   {3, "-1"},    {3, "3601"},   {4, NULL},    {4, "0"},    {4, "1"},
        {4, "1.5"},  {4, "80%"},   {5, "0"},      {5, "1.01"},  {5, "-0.5"}, {0, "."},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        erlang_query_t query = good;
        query.values[bad[i].index] = bad[i].value;
        body = json_object ();
        assert_int_equal (gateway_routes_build_payload (route, body, 0, erlang_query_lookup, &query,
                                                        NULL, &payload, &size, &problem),
                          -1);
        json_decref (body);
        assert_int_equal (problem.status, 400);
        assert_string_equal (problem.field, erlang_query_names[bad[i].index]);
    }
}

/*  An integer query parameter honours open bounds as a number does, and
 *  the 400 says which ends are left out. A row of its own: no route of the
 *  table has an integer with open ends. */
static void
test_integer_query_open_bounds (void **state)
{
    (void)state;
    const gateway_route_t route = {
        .method = "GET",
        .pattern = "/test/open-bounds",
        .kind = GATEWAY_ROUTE_SERVICE,
        .request_type = &kefu__v1__erlang_crequest__descriptor,
        .reply_type = &kefu__v1__erlang_creply__descriptor,
        .query = {{.name = "interval_s",
                   .min = 60,
                   .max = 120,
                   .min_exclusive = true,
                   .max_exclusive = true}},
    };
    const struct {
        const char *value;
        bool ok;
    } cases[] = {{"60", false}, {"61", true}, {"119", true}, {"120", false}, {NULL, true}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        erlang_query_t query = {{NULL, cases[i].value}};
        json_t *body = json_object ();
        uint8_t *payload = NULL;
        size_t size;
        gateway_problem_t problem;
        int rc = gateway_routes_build_payload (&route, body, 0, erlang_query_lookup, &query, NULL,
                                               &payload, &size, &problem);
        json_decref (body);
        free (payload);
        assert_int_equal (rc, cases[i].ok ? 0 : -1);
        if (!cases[i].ok) {
            assert_int_equal (problem.status, 400);
            assert_string_equal (problem.field, "interval_s");
            assert_non_null (strstr (problem.detail, "an integer above 60 and below 120"));
        }
    }
}

/*  A created ticket renders with ETag "version" and Location /v1/tickets/id. */
static void
test_ticket_reply_has_etag_and_location (void **state)
{
    (void)state;
    const gateway_route_t *route = find_route ("POST", "/v1/tickets");
    Kefu__V1__Ticket ticket = KEFU__V1__TICKET__INIT;
    ticket.id = 17;
    ticket.version = 3;
    uint8_t packed[256];
    size_t size = kefu__v1__ticket__pack (&ticket, packed);
    gateway_rendered_t rendered;
    gateway_problem_t problem;
    assert_int_equal (gateway_routes_render_reply (route, packed, size, &rendered, &problem), 0);
    assert_string_equal (rendered.etag, "\"3\"");
    assert_string_equal (rendered.location, "/v1/tickets/17");
    json_error_t error;
    json_t *json = json_loads (rendered.body, 0, &error);
    assert_int_equal (json_integer_value (json_object_get (json, "id")), 17);
    json_decref (json);
    free (rendered.body);

    /*  Bytes that are not a Ticket are the service's fault: 502. */
    const uint8_t garbage[] = {0xff, 0xff, 0xff};
    assert_int_equal (
        gateway_routes_render_reply (route, garbage, sizeof garbage, &rendered, &problem), -1);
    assert_int_equal (problem.status, 502);
}

/*  A document route sends the document's bytes (NULs included) with the
 *  route's Content-Type and the file name; a document of another media type,
 *  or a file name that could break out of its header, is the service's
 *  fault (502). */
static void
test_document_reply_is_sent_as_it_is (void **state)
{
    (void)state;
    const gateway_route_t route = {
        .method = "GET",
        .pattern = "/v1/things/{id}/export",
        .kind = GATEWAY_ROUTE_SERVICE,
        .service = "things",
        .service_method = "things.export",
        .reply_type = &kefu__v1__document__descriptor,
        .success_status = 200,
        .document_type = "text/csv; charset=utf-8",
    };
    static const uint8_t body[] = "a,b\r\n1,\0\r\n";
    Kefu__V1__Document document = KEFU__V1__DOCUMENT__INIT;
    document.content_type = "TEXT/CSV;charset=utf-8";
    document.filename = "roster-2026-03.csv";
    document.body.data = (uint8_t *)body;
    document.body.len = sizeof body - 1;
    uint8_t packed[256];
    size_t size = kefu__v1__document__pack (&document, packed);
    gateway_rendered_t rendered;
    gateway_problem_t problem;
    assert_int_equal (gateway_routes_render_reply (&route, packed, size, &rendered, &problem), 0);
    assert_int_equal (rendered.body_length, sizeof body - 1);
    assert_memory_equal (rendered.body, body, sizeof body - 1);
    assert_string_equal (rendered.content_type, "text/csv; charset=utf-8");
    assert_string_equal (rendered.disposition, "attachment; filename=\"roster-2026-03.csv\"");
    free (rendered.body);

    /*  No file name: no Content-Disposition; an empty body is still a body. */
    document.filename = "";
    document.body.len = 0;
    size = kefu__v1__document__pack (&document, packed);
    assert_int_equal (gateway_routes_render_reply (&route, packed, size, &rendered, &problem), 0);
    assert_int_equal (rendered.body_length, 0);
    assert_string_equal (rendered.disposition, "");
    free (rendered.body);

    const char *bad_types[] = { "text/calendar", "text/csvx", "", "application/json" };
    for (size_t i = 0; i < sizeof bad_types / sizeof bad_types[0]; i++) {
        document.content_type = (char *)bad_types[i];
        size = kefu__v1__document__pack (&document, packed);
        assert_int_equal (gateway_routes_render_reply (&route, packed, size, &rendered, &problem), -1);
        assert_int_equal (problem.status, 502);
    }
    document.content_type = "text/csv";
    const char *bad_names[] = { "a\"b.csv", "../x.csv", ".hidden", "a b.csv", "x\r\nSet-Cookie: y" };
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        document.filename = (char *)bad_names[i];
        size = kefu__v1__document__pack (&document, packed);
        assert_int_equal (gateway_routes_render_reply (&route, packed, size, &rendered, &problem), -1);
        assert_int_equal (problem.status, 502);
    }
}

/*  A list's cursor is text, or null on the last page. */
static void
test_list_cursor_is_text_or_null (void **state)
{
    (void)state;
    const gateway_route_t *route = find_route ("GET", "/v1/tickets");
    Kefu__V1__ListTicketsReply reply = KEFU__V1__LIST_TICKETS_REPLY__INIT;
    reply.next = 1234567890123;
    uint8_t packed[64];
    size_t size = kefu__v1__list_tickets_reply__pack (&reply, packed);
    gateway_rendered_t rendered;
    gateway_problem_t problem;
    assert_int_equal (gateway_routes_render_reply (route, packed, size, &rendered, &problem), 0);
    assert_string_equal (rendered.body, "{\"items\":[],\"next\":\"1234567890123\"}");
    free (rendered.body);

    reply.next = 0;
    size = kefu__v1__list_tickets_reply__pack (&reply, packed);
    assert_int_equal (gateway_routes_render_reply (route, packed, size, &rendered, &problem), 0);
    assert_string_equal (rendered.body, "{\"items\":[],\"next\":null}");
    free (rendered.body);
}

/*  A {key} is a text id, a following {id} an integer; both fill their
 *  request fields. A malformed key is no resource at all (404). */
static void
test_webhook_paths_take_key_and_id (void **state)
{
    (void)state;
    const char *path = "/v1/webhooks/wh_0a1b2c/deliveries/7/redeliver";
    const gateway_route_t *route = find_route ("POST", path);
    assert_string_equal (route->service_method, "webhooks.redeliver");
    gateway_path_t values;
    assert_true (gateway_routes_parse_path (route, path, &values));
    assert_string_equal (values.key, "wh_0a1b2c");
    assert_int_equal (values.id, 7);
    json_t *body = json_pack ("{s:s}", "webhook_id", "wh_other");
    test_query_t query = {{NULL}, {NULL}};
    uint8_t *payload;
    size_t size;
    gateway_problem_t problem;
    assert_int_equal (gateway_routes_build_payload_path (route, body, &values, test_query_lookup,
                                                         &query, NULL, &payload, &size, &problem),
                      0);
    json_decref (body);
    Kefu__V1__RedeliverRequest *request = kefu__v1__redeliver_request__unpack (NULL, size, payload);
    assert_non_null (request);
    assert_string_equal (request->webhook_id, "wh_0a1b2c");
    assert_int_equal (request->delivery_id, 7);
    kefu__v1__redeliver_request__free_unpacked (request, NULL);
    free (payload);

    const gateway_route_t *get = find_route ("GET", "/v1/webhooks/x");
    const char *bad[] = {"/v1/webhooks/a.b", "/v1/webhooks/a%20b",
                         "/v1/webhooks/"
                         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false (gateway_routes_parse_path (get, bad[i], &values));
    assert_false (
        gateway_routes_parse_path (route, "/v1/webhooks/wh_1/deliveries/x/redeliver", &values));
}

/*  Creating a webhook answers with a Location of its text id; deleting one
 *  answers 204 without a body. */
static void
test_webhook_replies_location_and_no_content (void **state)
{
    (void)state;
    Kefu__V1__Webhook webhook = KEFU__V1__WEBHOOK__INIT;
    webhook.id = "wh_00112233445566778899aabb";
    uint8_t packed[128];
    size_t size = kefu__v1__webhook__pack (&webhook, packed);
    gateway_rendered_t rendered;
    gateway_problem_t problem;
    assert_int_equal (gateway_routes_render_reply (find_route ("POST", "/v1/webhooks"), packed,
                                                   size, &rendered, &problem),
                      0);
    assert_string_equal (rendered.location, "/v1/webhooks/wh_00112233445566778899aabb");
    free (rendered.body);
    const gateway_route_t *delete = find_route ("DELETE", "/v1/webhooks/wh_1");
    assert_int_equal (delete->success_status, GATEWAY_HTTP_NO_CONTENT);
    assert_int_equal (gateway_routes_render_reply (delete, packed, size, &rendered, &problem), 0);
    assert_string_equal (rendered.body, "");
    free (rendered.body);
}

/*  Issue 4 and TKT-9/10: /v1/tickets/stats is not a ticket id, the
 *  replies' routes find their methods, and every query parameter of every
 *  route names a field of its request (so none is silently dropped). */
static void
test_search_replies_and_stats_routes (void **state)
{
    (void)state;
    assert_string_equal (find_route ("GET", "/v1/tickets/stats")->service_method, "tickets.stats");
    assert_string_equal (find_route ("GET", "/v1/tickets/12")->service_method, "tickets.get");
    assert_string_equal (find_route ("POST", "/v1/replies")->service_method, "replies.create");
    assert_string_equal (find_route ("GET", "/v1/replies")->service_method, "replies.list");
    assert_string_equal (find_route ("GET", "/v1/replies/3")->service_method, "replies.get");
    assert_string_equal (find_route ("PUT", "/v1/replies/3")->service_method, "replies.update");
    assert_string_equal (find_route ("GET", "/v1/replies/3/versions")->service_method,
                         "replies.versions");
    assert_string_equal (find_route ("POST", "/v1/replies/3/approve")->service_method,
                         "replies.approve");
    assert_string_equal (find_route ("POST", "/v1/replies/3/retire")->service_method,
                         "replies.retire");
    size_t count;
    const gateway_route_t *table = gateway_routes_table (&count);
    for (size_t i = 0; i < count; i++)
        for (size_t q = 0; q < GATEWAY_ROUTE_QUERY_MAX && table[i].query[q].name; q++)
            assert_non_null (protobuf_c_message_descriptor_get_field_by_name (
                table[i].request_type, table[i].query[q].name));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_paths_match_their_routes),
        cmocka_unit_test (test_wrong_method_lists_allowed_ones),
        cmocka_unit_test (test_path_id_must_be_positive_integer),
        cmocka_unit_test (test_if_match_forms),
        cmocka_unit_test (test_transition_payload_takes_path_id_and_if_match),
        cmocka_unit_test (test_watcher_removal_takes_id_key_and_if_match),
        cmocka_unit_test (test_every_update_route_takes_if_match),
        cmocka_unit_test (test_wrong_body_field_is_invalid_field),
        cmocka_unit_test (test_list_query_parameters),
        cmocka_unit_test (test_ticket_reply_has_etag_and_location),
        cmocka_unit_test (test_list_cursor_is_text_or_null),
        cmocka_unit_test (test_webhook_paths_take_key_and_id),
        cmocka_unit_test (test_webhook_replies_location_and_no_content),
        cmocka_unit_test (test_search_replies_and_stats_routes),
        cmocka_unit_test (test_erlang_query_numbers),
        cmocka_unit_test (test_integer_query_open_bounds),
        cmocka_unit_test (test_document_reply_is_sent_as_it_is),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
