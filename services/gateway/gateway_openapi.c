/*  gateway_openapi: the OpenAPI 3.1 document of the route table. See
 *  gateway_openapi.h.
 *
 *  Building uses one rule for memory: every json_t made is handed straight
 *  to its parent with openapi_set / openapi_append, which take it over even
 *  when they fail and remember the failure; the document is checked once
 *  at the end.
 */
#include "gateway_openapi.h"
#include "gateway_routes.h"
#include "gateway_stream.h"
#include "kefu_json.h"
#include "kefu_log.h"

#include <jansson.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  The version of the /v1 contract; raised with every change to it. */
#define OPENAPI_API_VERSION "1.0.0"
/*  Where generated schemas live in the document. */
#define OPENAPI_SCHEMAS_PREFIX   "#/components/schemas/"
#define OPENAPI_RESPONSES_PREFIX "#/components/responses/"
#define OPENAPI_HEADERS_PREFIX   "#/components/headers/"

enum {
    /*  Bytes of the hash behind the ETag (BLAKE2b). */
    OPENAPI_ETAG_HASH_BYTES = 16,
    /*  Room for a generated name or reference. */
    OPENAPI_NAME_MAX = 160,
    /*  Error statuses one operation can document. */
    OPENAPI_STATUSES_MAX = 16,
    /*  An HTTP status as text: "422". */
    OPENAPI_STATUS_TEXT_SIZE = 4,
    /*  Statuses a problem document can carry. */
    OPENAPI_STATUS_MIN = 400,
    OPENAPI_STATUS_MAX = 599,
    /*  Longest Idempotency-Key (gateway_http checks the same). */
    OPENAPI_IDEMPOTENCY_KEY_MAX = 255
};

struct _gateway_openapi_t {
    char *text;
    size_t length;
    char etag[GATEWAY_OPENAPI_ETAG_SIZE];
};

/*  What is being built, and whether all of it went well. */
typedef struct {
    json_t *schemas;   /* components.schemas */
    json_t *responses; /* components.responses */
    bool ok;
} openapi_builder_t;

/*  Per error status the document names: the problem slug and detail of its
 *  example (what the gateway really sends for a typical case). */
typedef struct {
    unsigned status;
    const char *slug;
    const char *detail;
} openapi_problem_example_t;

static const openapi_problem_example_t openapi_problem_examples[] = {
    {GATEWAY_HTTP_BAD_REQUEST, "invalid-field", "limit: must be an integer from 1 to 200"},
    {GATEWAY_HTTP_UNAUTHORIZED, "unauthenticated",
     "a session token or API key is required: send Authorization: Bearer <token>"},
    {GATEWAY_HTTP_FORBIDDEN, "forbidden", "your role may not use POST /v1/tickets"},
    {GATEWAY_HTTP_NOT_FOUND, "not-found", "no such resource"},
    {GATEWAY_HTTP_CONFLICT, "conflict", "the ticket is resolved; it can no longer move"},
    {GATEWAY_HTTP_PRECONDITION_FAILED, "stale-version",
     "the ticket is at version 4, not the 3 of If-Match"},
    {GATEWAY_HTTP_PAYLOAD_TOO_LARGE, "payload-too-large", "the body must be at most 65536 bytes"},
    {GATEWAY_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type",
     "the body must be JSON, sent as Content-Type: application/json"},
    {GATEWAY_HTTP_UNPROCESSABLE, "invalid-argument", "subject must not be empty"},
    {GATEWAY_HTTP_TOO_MANY_REQUESTS, "too-many-requests",
     "too many requests in flight; retry shortly"},
    {GATEWAY_HTTP_INTERNAL_ERROR, "internal", "out of memory"},
    {GATEWAY_HTTP_BAD_GATEWAY, "bad-gateway",
     "the tickets service sent a reply that is not a "
     "kefu.v1.Ticket"},
    {GATEWAY_HTTP_SERVICE_UNAVAILABLE, "service-unavailable",
     "the tickets service is not reachable"},
    {GATEWAY_HTTP_GATEWAY_TIMEOUT, "deadline-exceeded",
     "the tickets service did not answer within 5000 ms"},
};

#define COUNT_OF(array) (sizeof (array) / sizeof (array)[0])

/* --- building blocks ----------------------------------------------------- */

/*  Set `key` of `object` to `value`, taken over in any case; a failure
 *  (NULL from an allocation, or from setting) is remembered. */
static void
openapi_set (openapi_builder_t *builder, json_t *object, const char *key, json_t *value)
{
    if (!object) {
        json_decref (value);
        builder->ok = false;
    } else if (json_object_set_new (object, key, value) != 0) /* releases value */
        builder->ok = false;
}

static void
openapi_append (openapi_builder_t *builder, json_t *array, json_t *value)
{
    if (!array) {
        json_decref (value);
        builder->ok = false;
    } else if (json_array_append_new (array, value) != 0) /* releases value */
        builder->ok = false;
}

/*  `object` itself, after remembering a failure to make it. */
static json_t *
openapi_checked (openapi_builder_t *builder, json_t *object)
{
    if (!object)
        builder->ok = false;
    return object;
}

/*  {"$ref": "<prefix><name>"}. */
static json_t *
openapi_reference (const char *prefix, const char *name)
{
    char reference[OPENAPI_NAME_MAX];
    int written = snprintf (reference, sizeof reference, "%s%s", prefix, name);
    if (written < 0 || (size_t)written >= sizeof reference)
        return NULL;
    return json_pack ("{s:s}", "$ref", reference);
}

/*  A row's example: its JSON text parsed; NULL (logged) when it is not
 *  valid JSON. */
static json_t *
openapi_example (openapi_builder_t *builder, const gateway_route_t *route, const char *text)
{
    json_error_t error;
    json_t *example = json_loads (text, JSON_REJECT_DUPLICATES, &error);
    if (!example) {
        kefu_log_error ("openapi.bad_example", "route", route->pattern, "error", error.text, NULL);
        builder->ok = false;
    }
    return example;
}

/*  The role names of a set, in bit order. */
static json_t *
openapi_role_names (kefu_roles_t roles)
{
    json_t *names = json_array ();
    for (unsigned bit = 0; names && bit < sizeof roles * 8; bit++) {
        kefu_roles_t role = 1u << bit;
        if ((roles & role) &&
            json_array_append_new (names, json_string (kefu_role_name (role))) != 0) {
            json_decref (names);
            return NULL;
        }
    }
    return names;
}

/*  True if the route's pattern has `placeholder` ("{id}", "{key}"). */
static bool
openapi_pattern_has (const gateway_route_t *route, const char *placeholder)
{
    return strstr (route->pattern, placeholder) != NULL;
}

/* --- shared components --------------------------------------------------- */

/*  The RFC 9457 document gateway_problem renders. */
static json_t *
openapi_problem_schema (void)
{
    return json_pack (
        "{s:s,s:s,s:[s,s,s],s:{s:{s:s,s:s,s:s},s:{s:s},s:{s:s,s:i,s:i},s:{s:s},s:{s:s,s:s},"
        "s:{s:s,s:s},s:{s:s,s:s}}}",
        "type", "object", "description",
        "An RFC 9457 problem: `type` is stable (switch on it), `title` fixed per status, "
        "`detail` for humans, `field` the input at fault when there is one.",
        "required", "type", "title", "status", "properties", "type", "type", "string", "pattern",
        "^urn:kefu:problem:[a-z0-9-]+$", "description", "urn:kefu:problem:<slug>", "title", "type",
        "string", "status", "type", "integer", "minimum", OPENAPI_STATUS_MIN, "maximum",
        OPENAPI_STATUS_MAX, "detail", "type", "string", "field", "type", "string", "description",
        "the field, query parameter or header at fault", "instance", "type", "string",
        "description", "the request path", "request_id", "type", "string", "description",
        "as sent in X-Request-Id");
}

/*  One component response per error status: the problem schema with that
 *  status, and an example of it. */
static void
openapi_add_problem_responses (openapi_builder_t *builder)
{
    for (size_t i = 0; i < COUNT_OF (openapi_problem_examples); i++) {
        const openapi_problem_example_t *known = &openapi_problem_examples[i];
        char name[OPENAPI_NAME_MAX];
        char type[OPENAPI_NAME_MAX];
        snprintf (name, sizeof name, "Problem%u", known->status);
        snprintf (type, sizeof type, "urn:kefu:problem:%s", known->slug);
        json_t *headers = json_pack ("{s:o}", "X-Request-Id",
                                     openapi_reference (OPENAPI_HEADERS_PREFIX, "X-Request-Id"));
        if (known->status == GATEWAY_HTTP_UNAUTHORIZED)
            openapi_set (builder, headers, "WWW-Authenticate",
                         openapi_reference (OPENAPI_HEADERS_PREFIX, "WWW-Authenticate"));
        if (known->status == GATEWAY_HTTP_TOO_MANY_REQUESTS ||
            known->status == GATEWAY_HTTP_SERVICE_UNAVAILABLE)
            openapi_set (builder, headers, "Retry-After",
                         openapi_reference (OPENAPI_HEADERS_PREFIX, "Retry-After"));
        json_t *response = json_pack (
            "{s:s,s:o,s:{s:{s:{s:[o,{s:s,s:{s:{s:i}}}]},s:{s:s,s:s,s:i,s:s,s:s,s:s}}}}",
            "description", gateway_problem_title (known->status), "headers", headers, "content",
            "application/problem+json", "schema", "allOf",
            openapi_reference (OPENAPI_SCHEMAS_PREFIX, "Problem"), "type", "object", "properties",
            "status", "const", known->status, "example", "type", type, "title",
            gateway_problem_title (known->status), "status", known->status, "detail", known->detail,
            "instance", "/v1/tickets", "request_id", "4bf92f3577b34da6a3ce929d0e0e4736");
        openapi_set (builder, builder->responses, name, response);
    }
}

static json_t *
openapi_headers (void)
{
    return json_pack (
        "{s:{s:s,s:{s:s}},s:{s:s,s:{s:s,s:s}},s:{s:s,s:{s:s}},s:{s:s,s:{s:s,s:s}},"
        "s:{s:s,s:{s:s,s:i}}}",
        "X-Request-Id", "description",
        "The request's id (the one sent, or one made up): quote it when reporting a problem.",
        "schema", "type", "string", "ETag", "description",
        "The resource's version, a strong validator: send it back in If-Match.", "schema", "type",
        "string", "pattern", "^\"[0-9a-f]+\"$", "Location", "description",
        "The path of the resource created.", "schema", "type", "string", "WWW-Authenticate",
        "description", "The scheme to authenticate with.", "schema", "type", "string", "const",
        "Bearer realm=\"kefu\"", "Retry-After", "description", "Seconds to wait before retrying.",
        "schema", "type", "integer", "minimum", 0);
}

/*  Both credentials travel as `Authorization: Bearer`; the gateway tells
 *  them apart by their shape (gateway_sessions, kefu_token). */
static json_t *
openapi_security_schemes (void)
{
    return json_pack (
        "{s:{s:s,s:s,s:s,s:s},s:{s:s,s:s,s:s,s:s}}", "apiKey", "type", "http", "scheme", "bearer",
        "bearerFormat", "kefu_ak_<16 hex>_<64 hex>", "description",
        "An API key, sent as `Authorization: Bearer <key>`: one an admin made with POST "
        "/v1/api-keys (shown once; it acts as its staff member with the roles given to it, "
        "until DELETE /v1/api-keys/{key}), or a deployment's static key of KEFU_API_KEYS (one "
        "role each). An operation's x-kefu-roles lists the roles it admits.",
        "bearerToken", "type", "http", "scheme", "bearer", "bearerFormat",
        "v1.<kid>.<claims>.<Ed25519 signature>", "description",
        "A staff session token from POST /v1/sessions (log-in), sent as `Authorization: Bearer "
        "<token>`; it carries the staff member's roles, ends at expires_at or DELETE "
        "/v1/sessions/current, and is refused outside the person's shift where that applies.");
}

/*  The readiness document of /readyz (gateway_http). */
static json_t *
openapi_readiness_schema (void)
{
    return json_pack (
        "{s:s,s:[s,s],s:{s:{s:s,s:[s,s,s]},s:{s:s,s:{s:s,s:[s,s],s:{s:{s:s},s:{s:s}}}}}}", "type",
        "object", "required", "status", "services", "properties", "status", "type", "string",
        "enum", "ready", "not_ready", "stopping", "services", "type", "object",
        "additionalProperties", "type", "object", "required", "up", "database_up", "properties",
        "up", "type", "boolean", "database_up", "type", "boolean");
}

/* --- one operation ------------------------------------------------------- */

/*  True if `route` creates resources (it sends a Location) that the table
 *  lets clients delete (a DELETE on <location_prefix>{id} or {key}): a
 *  retried create (the same Idempotency-Key) then finds what the key
 *  created gone, which the services answer with 404. */
static bool
openapi_creates_deletable (const gateway_route_t *route)
{
    if (!route->location_field || !route->location_prefix)
        return false;
    size_t count;
    const gateway_route_t *routes = gateway_routes_table (&count);
    size_t prefix_length = strlen (route->location_prefix);
    for (size_t i = 0; i < count; i++) {
        const char *pattern = routes[i].pattern;
        if (strcmp (routes[i].method, "DELETE") == 0 &&
            strncmp (pattern, route->location_prefix, prefix_length) == 0 &&
            (strcmp (pattern + prefix_length, "{id}") == 0 ||
             strcmp (pattern + prefix_length, "{key}") == 0))
            return true;
    }
    return false;
}

/*  The error statuses `route` can answer with, as gateway_http and the
 *  services produce them. */
static size_t
openapi_error_statuses (const gateway_route_t *route, unsigned statuses[OPENAPI_STATUSES_MAX])
{
    size_t count = 0;
    bool service = route->kind == GATEWAY_ROUTE_SERVICE;
    bool events = route->kind == GATEWAY_ROUTE_EVENTS;
    bool has_path_value = strchr (route->pattern, '{') != NULL;
    bool writes = strcmp (route->method, "GET") != 0;
    /*  Query parameters, If-Match, Idempotency-Key and body fields are
     *  checked by the gateway; `types` and Last-Event-ID by the stream. */
    if (service || events)
        statuses[count++] = GATEWAY_HTTP_BAD_REQUEST;
    /*  An anonymous service route checks the credentials in its body
     *  instead (log-in, password change): refused ones are 401 and 403. */
    if (!route->anonymous || service) {
        statuses[count++] = GATEWAY_HTTP_UNAUTHORIZED;
        statuses[count++] = GATEWAY_HTTP_FORBIDDEN;
    }
    if (has_path_value || openapi_creates_deletable (route))
        statuses[count++] = GATEWAY_HTTP_NOT_FOUND;
    if (service && writes)
        statuses[count++] = GATEWAY_HTTP_CONFLICT;
    if (route->if_match_field)
        statuses[count++] = GATEWAY_HTTP_PRECONDITION_FAILED;
    if (route->takes_body) {
        statuses[count++] = GATEWAY_HTTP_PAYLOAD_TOO_LARGE;
        statuses[count++] = GATEWAY_HTTP_UNSUPPORTED_MEDIA_TYPE;
    }
    if (service) {
        statuses[count++] = GATEWAY_HTTP_UNPROCESSABLE;
        statuses[count++] = GATEWAY_HTTP_TOO_MANY_REQUESTS;
    }
    if (service || events || route->kind == GATEWAY_ROUTE_READY)
        statuses[count++] = GATEWAY_HTTP_INTERNAL_ERROR;
    if (service)
        statuses[count++] = GATEWAY_HTTP_BAD_GATEWAY;
    if (service || events)
        statuses[count++] = GATEWAY_HTTP_SERVICE_UNAVAILABLE;
    if (service)
        statuses[count++] = GATEWAY_HTTP_GATEWAY_TIMEOUT;
    return count;
}

/*  A query parameter's example, as the row writes it in a URL: a JSON
 *  number for a numeric parameter (NULL, logged, when it is not one), or
 *  the text itself. */
static json_t *
openapi_query_example (openapi_builder_t *builder, const gateway_route_t *route,
                       const gateway_query_param_t *param, bool numeric)
{
    if (!numeric)
        return json_string (param->example);
    json_error_t error;
    json_t *example = json_loads (param->example, JSON_DECODE_ANY, &error);
    if (!json_is_number (example)) {
        kefu_log_error ("openapi.bad_example", "route", route->pattern, "parameter", param->name,
                        "error", example ? "not a number" : error.text, NULL);
        json_decref (example);
        builder->ok = false;
        return NULL;
    }
    return example;
}

/*  A query parameter of the table, stated as gateway_routes reads it: an
 *  integer or a decimal number within the row's bounds, each end
 *  exclusiveMinimum / exclusiveMaximum when its _exclusive flag leaves it
 *  out (JSON Schema 2020-12 takes the bound itself there, not a boolean),
 *  or text of at most GATEWAY_ROUTES_QUERY_TEXT_MAX bytes; required when
 *  the row says so; with the row's example, if any. */
static json_t *
openapi_query_parameter (openapi_builder_t *builder, const gateway_route_t *route,
                         const gateway_query_param_t *param)
{
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name (route->request_type, param->name);
    bool integer = field && gateway_routes_field_is_integer (field);
    bool number = field && gateway_routes_field_is_floating (field);
    json_t *schema =
        integer || number
            ? json_pack (
                  "{s:s,s:I,s:I}", "type", integer ? "integer" : "number",
                  param->min_exclusive ? "exclusiveMinimum" : "minimum", (json_int_t)param->min,
                  param->max_exclusive ? "exclusiveMaximum" : "maximum", (json_int_t)param->max)
            : json_pack ("{s:s,s:i}", "type", "string", "maxLength", GATEWAY_ROUTES_QUERY_TEXT_MAX);
    json_t *parameter = openapi_checked (builder, json_pack ("{s:s,s:s,s:b,s:o}", "name",
                                                             param->name, "in", "query", "required",
                                                             param->required, "schema", schema));
    if (param->example)
        openapi_set (builder, parameter, "example",
                     openapi_query_example (builder, route, param, integer || number));
    return parameter;
}

static json_t *
openapi_parameters (openapi_builder_t *builder, const gateway_route_t *route)
{
    json_t *parameters = openapi_checked (builder, json_array ());
    if (openapi_pattern_has (route, "{id}"))
        openapi_append (builder, parameters,
                        json_pack ("{s:s,s:s,s:b,s:s,s:{s:s,s:s,s:i}}", "name", "id", "in", "path",
                                   "required", 1, "description", "a positive integer id", "schema",
                                   "type", "integer", "format", "int64", "minimum", 1));
    if (openapi_pattern_has (route, "{key}")) {
        char pattern[OPENAPI_NAME_MAX];
        snprintf (pattern, sizeof pattern, "^[A-Za-z0-9_-]{1,%d}$", GATEWAY_ROUTES_KEY_MAX);
        openapi_append (builder, parameters,
                        json_pack ("{s:s,s:s,s:b,s:s,s:{s:s,s:s}}", "name", "key", "in", "path",
                                   "required", 1, "description", "a text id, such as wh_…",
                                   "schema", "type", "string", "pattern", pattern));
    }
    for (size_t i = 0; i < GATEWAY_ROUTE_QUERY_MAX && route->query[i].name; i++)
        openapi_append (builder, parameters,
                        openapi_query_parameter (builder, route, &route->query[i]));
    if (route->if_match_field)
        openapi_append (builder, parameters,
                        json_pack ("{s:s,s:s,s:b,s:s,s:{s:s,s:s}}", "name", "If-Match", "in",
                                   "header", "required", 0, "description",
                                   "The ETag of the version this change is based on (* for any); "
                                   "a stale one is 412.",
                                   "schema", "type", "string", "pattern",
                                   "^(\\*|(W/)?\"[1-9][0-9]{0,18}\")$"));
    /*  Visible ASCII, as gateway_http checks it. */
    char key_pattern[OPENAPI_NAME_MAX];
    snprintf (key_pattern, sizeof key_pattern, "^[!-~]{1,%d}$", OPENAPI_IDEMPOTENCY_KEY_MAX);
    if (route->kind == GATEWAY_ROUTE_SERVICE && strcmp (route->method, "POST") == 0)
        openapi_append (builder, parameters,
                        json_pack ("{s:s,s:s,s:b,s:s,s:{s:s,s:s}}", "name", "Idempotency-Key", "in",
                                   "header", "required", 0, "description",
                                   "Makes a retry safe: the same key returns the first answer; "
                                   "the same key with another body is 422.",
                                   "schema", "type", "string", "pattern", key_pattern));
    if (route->kind == GATEWAY_ROUTE_EVENTS) {
        /*  What gateway_stream_types_parse accepts. */
        char types_pattern[OPENAPI_NAME_MAX];
        snprintf (types_pattern, sizeof types_pattern,
                  "^([a-z0-9._]{1,%d}(,[a-z0-9._]{1,%d}){0,%d})?$", GATEWAY_STREAM_TYPE_PREFIX_MAX,
                  GATEWAY_STREAM_TYPE_PREFIX_MAX, GATEWAY_STREAM_TYPES_MAX - 1);
        openapi_append (
            builder, parameters,
            json_pack ("{s:s,s:s,s:b,s:s,s:{s:s,s:s}}", "name", "types", "in", "query", "required",
                       0, "description",
                       "Comma-separated event type prefixes (ticket.,webhook.); every type when "
                       "absent.",
                       "schema", "type", "string", "pattern", types_pattern));
        openapi_append (builder, parameters,
                        json_pack ("{s:s,s:s,s:b,s:s,s:{s:s}}", "name", "Last-Event-ID", "in",
                                   "header", "required", 0, "description",
                                   "The `id:` of the last event received: the stream resumes "
                                   "after it, with nothing lost.",
                                   "schema", "type", "string"));
        openapi_append (builder, parameters,
                        json_pack ("{s:s,s:s,s:b,s:s,s:{s:s}}", "name", "last_event_id", "in",
                                   "query", "required", 0, "description",
                                   "Last-Event-ID for clients that cannot set headers.", "schema",
                                   "type", "string"));
    }
    if (route->kind == GATEWAY_ROUTE_OPENAPI)
        openapi_append (builder, parameters,
                        json_pack ("{s:s,s:s,s:b,s:s,s:{s:s}}", "name", "If-None-Match", "in",
                                   "header", "required", 0, "description",
                                   "The ETag of a copy held: 304 when it is still current.",
                                   "schema", "type", "string"));
    return parameters;
}

/*  The request body schema: the request message on the input side, less
 *  the fields the path, the query and If-Match fill. */
static json_t *
openapi_request_body (openapi_builder_t *builder, const gateway_route_t *route)
{
    json_t *schema =
        openapi_checked (builder, kefu_json_schema (route->request_type, KEFU_JSON_SCHEMA_INPUT,
                                                    OPENAPI_SCHEMAS_PREFIX, builder->schemas));
    json_t *properties = json_object_get (schema, "properties");
    const char *filled[] = {route->path_id_field, route->path_key_field, route->if_match_field};
    for (size_t i = 0; i < COUNT_OF (filled); i++)
        if (filled[i])
            json_object_del (properties, filled[i]);
    for (size_t i = 0; i < GATEWAY_ROUTE_QUERY_MAX && route->query[i].name; i++)
        json_object_del (properties, route->query[i].name);
    json_t *media = json_pack ("{s:o}", "schema", schema);
    if (route->example_request)
        openapi_set (builder, media, "example",
                     openapi_example (builder, route, route->example_request));
    return json_pack ("{s:b,s:{s:o}}", "required", 1, "content", "application/json", media);
}

/*  The success body schema: the reply message on the output side, by
 *  reference, or inline when the route renders a field its own way (a
 *  list cursor is text, or null on the last page). */
static json_t *
openapi_reply_schema (openapi_builder_t *builder, const gateway_route_t *route)
{
    char name[OPENAPI_NAME_MAX];
    if (!route->cursor_field &&
        kefu_json_schema_name (route->reply_type, KEFU_JSON_SCHEMA_OUTPUT, name, sizeof name)) {
        if (!json_object_get (builder->schemas, name))
            openapi_set (builder, builder->schemas, name,
                         kefu_json_schema (route->reply_type, KEFU_JSON_SCHEMA_OUTPUT,
                                           OPENAPI_SCHEMAS_PREFIX, builder->schemas));
        return openapi_reference (OPENAPI_SCHEMAS_PREFIX, name);
    }
    json_t *schema =
        openapi_checked (builder, kefu_json_schema (route->reply_type, KEFU_JSON_SCHEMA_OUTPUT,
                                                    OPENAPI_SCHEMAS_PREFIX, builder->schemas));
    if (route->cursor_field)
        openapi_set (builder, json_object_get (schema, "properties"), route->cursor_field,
                     json_pack ("{s:[s,s],s:s}", "type", "string", "null", "description",
                                "pass as `after` for the next page; null on the last one"));
    return schema;
}

/*  The schema of a success body the gateway makes itself. */
static json_t *
openapi_gateway_body_schema (const gateway_route_t *route)
{
    switch (route->kind) {
        case GATEWAY_ROUTE_HEALTH:
            return json_pack ("{s:s,s:[s],s:{s:{s:s}}}", "type", "object", "required", "status",
                              "properties", "status", "const", "ok");
        case GATEWAY_ROUTE_READY:
            return openapi_reference (OPENAPI_SCHEMAS_PREFIX, "Readiness");
        case GATEWAY_ROUTE_OPENAPI:
            return json_pack ("{s:s,s:[s,s,s],s:{s:{s:s},s:{s:s},s:{s:s}},s:s}", "type", "object",
                              "required", "openapi", "info", "paths", "properties", "openapi",
                              "type", "string", "info", "type", "object", "paths", "type", "object",
                              "description", "an OpenAPI 3.1 document");
        case GATEWAY_ROUTE_EVENTS:
            return json_pack ("{s:s,s:s}", "type", "string", "description",
                              "SSE text: `retry:` once, then per event `id:` (the cursor), "
                              "`event:` (the type) and `data:` (the CloudEvent as JSON); "
                              "`: keep-alive` comments when quiet; a last event "
                              "kefu.stream.closed with the cursor to resume from when the "
                              "gateway ends the stream.");
        case GATEWAY_ROUTE_SERVICE:
            break;
    }
    return NULL;
}

/*  A document route's success: text of its media type (the key has no
 *  parameters: "text/csv"), its example as a string, and a
 *  Content-Disposition naming the file. */
static json_t *
openapi_document_response (openapi_builder_t *builder, const gateway_route_t *route,
                           json_t *response)
{
    char media_type[GATEWAY_ROUTES_DISPOSITION_SIZE];
    snprintf (media_type, sizeof media_type, "%.*s",
              (int) strcspn (route->document_type, "; "), route->document_type);
    json_t *media = json_pack ("{s:{s:s}}", "schema", "type", "string");
    if (route->example_response)
        openapi_set (builder, media, "example", json_string (route->example_response));
    openapi_set (builder, response, "content", json_pack ("{s:o}", media_type, media));
    openapi_set (builder, json_object_get (response, "headers"), "Content-Disposition",
                 json_pack ("{s:s,s:{s:s}}", "description",
                            "attachment; filename=\"...\": the file to save it as", "schema",
                            "type", "string"));
    return response;
}

static json_t *
openapi_success_response (openapi_builder_t *builder, const gateway_route_t *route)
{
    json_t *headers = json_pack ("{s:o}", "X-Request-Id",
                                 openapi_reference (OPENAPI_HEADERS_PREFIX, "X-Request-Id"));
    if (route->etag_field || route->kind == GATEWAY_ROUTE_OPENAPI)
        openapi_set (builder, headers, "ETag", openapi_reference (OPENAPI_HEADERS_PREFIX, "ETag"));
    if (route->location_field)
        openapi_set (builder, headers, "Location",
                     openapi_reference (OPENAPI_HEADERS_PREFIX, "Location"));
    json_t *response = json_pack ("{s:s,s:o}", "description",
                                  route->summary ? route->summary : "success", "headers", headers);
    if (route->success_status == GATEWAY_HTTP_NO_CONTENT)
        return response;
    if (route->document_type)
        return openapi_document_response (builder, route, response);
    json_t *schema = route->kind == GATEWAY_ROUTE_SERVICE ? openapi_reply_schema (builder, route)
                                                          : openapi_gateway_body_schema (route);
    json_t *media = json_pack ("{s:o}", "schema", schema);
    if (route->example_response)
        openapi_set (builder, media, "example",
                     openapi_example (builder, route, route->example_response));
    const char *type =
        route->kind == GATEWAY_ROUTE_EVENTS ? "text/event-stream" : "application/json";
    openapi_set (builder, response, "content", json_pack ("{s:o}", type, media));
    return response;
}

static json_t *
openapi_responses (openapi_builder_t *builder, const gateway_route_t *route)
{
    json_t *responses = openapi_checked (builder, json_object ());
    char status_text[OPENAPI_STATUS_TEXT_SIZE];
    snprintf (status_text, sizeof status_text, "%u", route->success_status);
    openapi_set (builder, responses, status_text, openapi_success_response (builder, route));
    if (route->kind == GATEWAY_ROUTE_READY)
        /*  Not ready is the same document, not a problem. */
        openapi_set (builder, responses, "503",
                     json_pack ("{s:s,s:{s:{s:o}}}", "description",
                                "not ready: a service or its database is down, or the gateway "
                                "is stopping",
                                "content", "application/json", "schema",
                                openapi_reference (OPENAPI_SCHEMAS_PREFIX, "Readiness")));
    if (route->kind == GATEWAY_ROUTE_OPENAPI) {
        snprintf (status_text, sizeof status_text, "%d", GATEWAY_HTTP_NOT_MODIFIED);
        openapi_set (
            builder, responses, status_text,
            json_pack ("{s:s}", "description", "the copy held (If-None-Match) is current"));
    }
    unsigned statuses[OPENAPI_STATUSES_MAX];
    size_t count = openapi_error_statuses (route, statuses);
    for (size_t i = 0; i < count; i++) {
        char name[OPENAPI_NAME_MAX];
        snprintf (status_text, sizeof status_text, "%u", statuses[i]);
        snprintf (name, sizeof name, "Problem%u", statuses[i]);
        if (!json_object_get (responses, status_text))
            openapi_set (builder, responses, status_text,
                         openapi_reference (OPENAPI_RESPONSES_PREFIX, name));
    }
    return responses;
}

/*  The operation's id: its service method, or the gateway's own name. */
static const char *
openapi_operation_id (const gateway_route_t *route)
{
    switch (route->kind) {
        case GATEWAY_ROUTE_HEALTH:
            return "gateway.health";
        case GATEWAY_ROUTE_READY:
            return "gateway.ready";
        case GATEWAY_ROUTE_EVENTS:
            return "gateway.events";
        case GATEWAY_ROUTE_OPENAPI:
            return "gateway.openapi";
        case GATEWAY_ROUTE_SERVICE:
            break;
    }
    return route->service_method;
}

static json_t *
openapi_operation (openapi_builder_t *builder, const gateway_route_t *route)
{
    json_t *operation = json_pack (
        "{s:s,s:s,s:[s],s:o,s:b,s:o}", "operationId", openapi_operation_id (route), "summary",
        route->summary ? route->summary : route->pattern, "tags",
        route->service ? route->service : "gateway", "x-kefu-roles",
        openapi_role_names (route->anonymous ? 0 : route->roles), "x-kefu-anonymous",
        route->anonymous, "security",
        route->anonymous ? json_array () : json_pack ("[{s:[]},{s:[]}]", "apiKey", "bearerToken"));
    if (route->description)
        openapi_set (builder, operation, "description", json_string (route->description));
    json_t *parameters = openapi_parameters (builder, route);
    if (json_array_size (parameters) > 0)
        openapi_set (builder, operation, "parameters", parameters);
    else
        json_decref (parameters);
    if (route->takes_body)
        openapi_set (builder, operation, "requestBody", openapi_request_body (builder, route));
    openapi_set (builder, operation, "responses", openapi_responses (builder, route));
    return openapi_checked (builder, operation);
}

/*  The whole document. */
static json_t *
openapi_document (openapi_builder_t *builder)
{
    size_t count;
    const gateway_route_t *routes = gateway_routes_table (&count);
    json_t *paths = openapi_checked (builder, json_object ());
    for (size_t i = 0; i < count; i++) {
        const gateway_route_t *route = &routes[i];
        json_t *item = json_object_get (paths, route->pattern);
        if (!item) {
            item = json_object ();
            openapi_set (builder, paths, route->pattern, item);
            if (!builder->ok)
                break;
        }
        char method[GATEWAY_ROUTES_ALLOW_SIZE];
        size_t length = strlen (route->method);
        for (size_t c = 0; c < length && c + 1 < sizeof method; c++)
            method[c] = (char)(route->method[c] - 'A' + 'a');
        method[length < sizeof method ? length : sizeof method - 1] = '\0';
        openapi_set (builder, item, method, openapi_operation (builder, route));
    }
    /*  One tag per service, in table order, and the gateway's own. */
    json_t *tags = openapi_checked (builder, json_pack ("[{s:s,s:s}]", "name", "gateway",
                                                        "description", "Answered by the gateway"));
    for (size_t i = 0; i < count; i++) {
        const char *service = routes[i].service;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = routes[j].service && strcmp (routes[j].service, service ? service : "") == 0;
        if (service && !seen) {
            char description[OPENAPI_NAME_MAX];
            snprintf (description, sizeof description, "Served by the %s service", service);
            openapi_append (builder, tags,
                            json_pack ("{s:s,s:s}", "name", service, "description", description));
        }
    }
    json_t *components = json_pack ("{s:O,s:O,s:o,s:o}", "schemas", builder->schemas, "responses",
                                    builder->responses, "headers", openapi_headers (),
                                    "securitySchemes", openapi_security_schemes ());
    return json_pack (
        "{s:s,s:{s:s,s:s,s:s,s:{s:s,s:s}},s:[{s:s,s:s}],s:[{s:[]},{s:[]}],"
        "s:o,s:o,s:o}",
        "openapi", "3.1.0", "info", "title", "kefu HTTP API", "version", OPENAPI_API_VERSION,
        "description",
        "The HTTP/JSON API of kefu, the customer-service back office. JSON in and out; errors "
        "are RFC 9457 application/problem+json with a stable `type`; ETag / If-Match on "
        "updates (a stale version is 412); Idempotency-Key on creating POSTs; cursor pagination "
        "(?limit=&after=). Each operation's x-kefu-roles lists the roles it admits; operations "
        "with `security: []` (x-kefu-anonymous) need no credentials, such as POST /v1/sessions, "
        "which logs in and returns a session token. Generated "
        "by the gateway from its route table.",
        "license", "name", "MIT", "identifier", "MIT", "servers", "url", "/", "description",
        "this gateway", "security", "apiKey", "bearerToken", "tags", tags, "paths", paths,
        "components", components);
}

/* --- the class ----------------------------------------------------------- */

gateway_openapi_t *
gateway_openapi_new (void)
{
    if (sodium_init () < 0)
        return NULL;
    gateway_openapi_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    openapi_builder_t builder = {
        .schemas = json_object (), .responses = json_object (), .ok = true};
    if (!builder.schemas || !builder.responses)
        builder.ok = false;
    openapi_set (&builder, builder.schemas, "Problem", openapi_problem_schema ());
    openapi_set (&builder, builder.schemas, "Readiness", openapi_readiness_schema ());
    openapi_add_problem_responses (&builder);
    json_t *document = builder.ok ? openapi_document (&builder) : NULL;
    json_decref (builder.schemas);
    json_decref (builder.responses);
    if (document && builder.ok)
        self->text = json_dumps (document, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref (document);
    if (!self->text) {
        free (self);
        return NULL;
    }
    self->length = strlen (self->text);
    unsigned char hash[OPENAPI_ETAG_HASH_BYTES];
    crypto_generichash (hash, sizeof hash, (const unsigned char *)self->text, self->length, NULL,
                        0);
    char hex[OPENAPI_ETAG_HASH_BYTES * 2 + 1];
    sodium_bin2hex (hex, sizeof hex, hash, sizeof hash);
    snprintf (self->etag, sizeof self->etag, "\"%s\"", hex);
    return self;
}

void
gateway_openapi_destroy (gateway_openapi_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->text);
    free (*self_p);
    *self_p = NULL;
}

const char *
gateway_openapi_text (gateway_openapi_t *self)
{
    return self->text;
}

size_t
gateway_openapi_length (gateway_openapi_t *self)
{
    return self->length;
}

const char *
gateway_openapi_etag (gateway_openapi_t *self)
{
    return self->etag;
}

char *
gateway_openapi_routes_text (void)
{
    size_t count;
    const gateway_route_t *routes = gateway_routes_table (&count);
    json_t *list = json_array ();
    bool built = list != NULL;
    for (size_t i = 0; built && i < count; i++) {
        const gateway_route_t *route = &routes[i];
        json_t *row =
            json_pack ("{s:s,s:s,s:o,s:b}", "method", route->method, "pattern", route->pattern,
                       "roles", openapi_role_names (route->anonymous ? 0 : route->roles),
                       "anonymous", route->anonymous);
        built = row && json_array_append_new (list, row) == 0;
    }
    /*  ", " and ": " separators, one line: the shape promised. */
    char *text = built ? json_dumps (list, JSON_PRESERVE_ORDER) : NULL;
    json_decref (list);
    return text;
}
