/*  gateway_routes: the HTTP API as a table.
 *
 *  One row per route says everything the gateway needs to serve it: method
 *  and path pattern, the service method it becomes, the protobuf messages
 *  of the request and the reply, who may call it, the success status, and
 *  which parts of the HTTP request fill which request fields (the path's
 *  {id} and {key}, query parameters, If-Match, the JSON body) and which reply fields
 *  become headers (ETag, Location) or a list cursor. Converting between
 *  JSON and protobuf is done by kefu_json from the descriptors, so a new
 *  route is a new row, not new code.
 *
 *  The table is in gateway_routes.c; the API shape it describes is fixed
 *  (clients and tests rely on it). It is also the API's documentation: the
 *  OpenAPI document (GET /openapi.json) is generated from it, with the
 *  summary, description and examples each row carries.
 */
#ifndef GATEWAY_ROUTES_H_INCLUDED
#define GATEWAY_ROUTES_H_INCLUDED

#include "gateway_auth.h"
#include "gateway_problem.h"

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    /*  Query parameters one route may read (the ticket search has 16;
     *  one more for the NULL that ends the list). */
    GATEWAY_ROUTE_QUERY_MAX = 17,
    /*  Room for an Allow header value listing every method of a path. */
    GATEWAY_ROUTES_ALLOW_SIZE = 64,
    /*  Room for header values rendered from a reply. */
    GATEWAY_ROUTES_ETAG_SIZE = 40, /* "\"N\"", or the document's hash (gateway_openapi) */
    GATEWAY_ROUTES_LOCATION_SIZE = 128,
    /*  Longest text query parameter accepted, in bytes. */
    GATEWAY_ROUTES_QUERY_TEXT_MAX = 256,
    /*  Longest path {key} accepted, in bytes. */
    GATEWAY_ROUTES_KEY_MAX = 64,
    /*  Room for a Content-Disposition naming a document's file. */
    GATEWAY_ROUTES_DISPOSITION_SIZE = 128,
    /*  Successes beyond gateway_problem.h's: accepted for later, and
     *  without a body (DELETE); not modified (a copy held is current). */
    GATEWAY_HTTP_ACCEPTED = 202,
    GATEWAY_HTTP_NO_CONTENT = 204,
    GATEWAY_HTTP_NOT_MODIFIED = 304
};

typedef enum {
    GATEWAY_ROUTE_SERVICE, /* forwarded to a service method */
    GATEWAY_ROUTE_HEALTH,  /* answered by the gateway: it is alive */
    GATEWAY_ROUTE_READY,   /* pings every service */
    GATEWAY_ROUTE_EVENTS,  /* the SSE event stream (gateway_events) */
    GATEWAY_ROUTE_OPENAPI  /* the API's OpenAPI document (gateway_openapi) */
} gateway_route_kind_t;

/*  A query parameter, read into the request field of the same name. An
 *  integer field must be an integer, a floating-point field a decimal
 *  number (digits, an optional fraction and exponent: no inf, nan or hex),
 *  either within [min, max], each end left out when its _exclusive flag
 *  says so; a text field is bounded by GATEWAY_ROUTES_QUERY_TEXT_MAX. A
 *  required parameter that is absent is a 400 naming it. The OpenAPI
 *  document (gateway_openapi) states the same bounds and `required`. */
typedef struct {
    const char *name;
    long long min;
    long long max;
    bool required;
    bool min_exclusive;
    bool max_exclusive;
    const char *example; /* a typical value as written in a URL, for the OpenAPI document */
} gateway_query_param_t;

typedef struct {
    const char *method;  /* "GET", "POST" */
    const char *pattern; /* "/v1/tickets/{id}"; {id} is a positive integer, {key} a text id */
    gateway_route_kind_t kind;
    bool anonymous;             /* no API key needed */
    kefu_roles_t roles;         /* roles admitted (unless anonymous) */
    const char *service;        /* "tickets" */
    const char *service_method; /* "tickets.get" */
    const ProtobufCMessageDescriptor *request_type;
    const ProtobufCMessageDescriptor *reply_type;
    unsigned success_status;    /* 200, 201, 202; 204 sends no body */
    bool takes_body;            /* a JSON object body fills the request */
    const char *path_id_field;  /* request field {id} fills (overriding the body) */
    const char *path_key_field; /* request field {key} fills (overriding the body) */
    const char *if_match_field; /* request field If-Match fills; NULL: not read */
    gateway_query_param_t query[GATEWAY_ROUTE_QUERY_MAX]; /* ends at a NULL name */
    const char *etag_field;                               /* reply field sent as ETag: "N" */
    const char *location_field;  /* reply field appended to location_prefix */
    const char *location_prefix; /* "/v1/tickets/" */
    const char *cursor_field;    /* reply field rendered as a cursor: text, or null for 0 */
    /*  The reply is a kefu.v1.Document of this media type, sent as it is
     *  rather than as JSON, with this value as its Content-Type
     *  ("text/csv; charset=utf-8"); reply_type must be
     *  kefu__v1__document__descriptor. NULL: a JSON reply. */
    const char *document_type;
    /*  The request is its query: a value the service refuses
     *  (INVALID_ARGUMENT, a bad filter) is a malformed request, 400, not
     *  unprocessable content, 422. */
    bool refused_query_is_400;
    /*  The route's documentation in the OpenAPI document (gateway_openapi):
     *  a one-line summary, a paragraph of description (may be NULL), and
     *  examples as JSON text: a request body (routes that take one) and the
     *  success response body (routes that send one). Examples are checked
     *  against the route's schemas by the tests. */
    const char *summary;
    const char *description;
    const char *example_request;
    const char *example_response;
} gateway_route_t;

typedef enum {
    GATEWAY_ROUTE_FOUND,
    GATEWAY_ROUTE_NO_PATH,  /* 404 */
    GATEWAY_ROUTE_NO_METHOD /* 405, with Allow */
} gateway_route_match_t;

/*  Reads the query parameter `name`; NULL when absent. */
typedef const char *(gateway_query_lookup_fn)(void *arg, const char *name);

/*  The values of a path's {id} and {key}. */
typedef struct {
    int64_t id;                           /* 0 when the pattern has no {id} */
    char key[GATEWAY_ROUTES_KEY_MAX + 1]; /* "" when it has no {key} */
} gateway_path_t;

/*  A reply rendered for HTTP. */
typedef struct {
    char *body;                          /* JSON text ("" for 204), the caller's to free */
    size_t body_length;                  /* bytes of body (a document may hold NULs) */
    const char *content_type;            /* a document's Content-Type; NULL for JSON */
    char disposition[GATEWAY_ROUTES_DISPOSITION_SIZE]; /* a document's file; "" for none */
    char etag[GATEWAY_ROUTES_ETAG_SIZE]; /* "" when the route has none */
    char location[GATEWAY_ROUTES_LOCATION_SIZE];
} gateway_rendered_t;

/*  The route table; *count is set to its length. */
const gateway_route_t *gateway_routes_table (size_t *count);

/*  Find the route for `method` and `path` (decoded, without the query).
 *  On GATEWAY_ROUTE_FOUND *route is set, and when the pattern has {id},
 *  *id_text / *id_length name that path segment (unchecked). On
 *  GATEWAY_ROUTE_NO_METHOD `allow` holds the methods the path accepts
 *  ("GET, POST"). */
gateway_route_match_t gateway_routes_match (const char *method, const char *path,
                                            const gateway_route_t **route, const char **id_text,
                                            size_t *id_length,
                                            char allow[GATEWAY_ROUTES_ALLOW_SIZE]);

/*  True if `field` holds an integer (a query parameter read into it must
 *  be one, within the row's bounds). */
bool gateway_routes_field_is_integer (const ProtobufCFieldDescriptor *field);

/*  True if `field` holds a floating-point number (a query parameter read
 *  into it must be a decimal number within the row's bounds). */
bool gateway_routes_field_is_floating (const ProtobufCFieldDescriptor *field);

/*  Parse a path {id}: decimal digits only, 1 to INT64_MAX. */
bool gateway_routes_parse_id (const char *text, size_t length, int64_t *id);

/*  Read the {id} and {key} of `path`, a path `route` matches: {id} as by
 *  gateway_routes_parse_id, {key} 1..GATEWAY_ROUTES_KEY_MAX of A-Z a-z
 *  0-9 _ -. False when one is malformed (no such resource). */
bool gateway_routes_parse_path (const gateway_route_t *route, const char *path,
                                gateway_path_t *values);

/*  Parse an If-Match value: "N" or W/"N" with N a positive integer, or *
 *  (any version: *version = 0). False when malformed. */
bool gateway_routes_parse_if_match (const char *header, int64_t *version);

/*  Build the request payload of `route`: the JSON `body` object (borrowed,
 *  and modified: path, query and If-Match values are merged into it), then
 *  `path_id` (when the route has one), the query parameters read through
 *  `lookup`, and `if_match` (NULL when absent). On success returns 0 with
 *  *payload (the caller frees) / *size the packed message; on failure -1
 *  with `problem` filled (400 for the client's fault, 500 when out of
 *  memory). */
int gateway_routes_build_payload (const gateway_route_t *route, json_t *body, int64_t path_id,
                                  gateway_query_lookup_fn *lookup, void *lookup_arg,
                                  const char *if_match, uint8_t **payload, size_t *size,
                                  gateway_problem_t *problem);

/*  The same with every path value: {key} fills path_key_field too. */
int gateway_routes_build_payload_path (const gateway_route_t *route, json_t *body,
                                       const gateway_path_t *path, gateway_query_lookup_fn *lookup,
                                       void *lookup_arg, const char *if_match, uint8_t **payload,
                                       size_t *size, gateway_problem_t *problem);

/*  Render a service's OK reply payload for `route`: JSON body, ETag and
 *  Location; or, for a document route, the document's bytes, media type
 *  and file name. Returns 0, or -1 with `problem` filled (502 for a payload
 *  that is not the route's reply type, or a document of another media type
 *  or with a file name that is not [A-Za-z0-9._-]+; 500 when out of
 *  memory). */
int gateway_routes_render_reply (const gateway_route_t *route, const uint8_t *payload, size_t size,
                                 gateway_rendered_t *rendered, gateway_problem_t *problem);

#endif
