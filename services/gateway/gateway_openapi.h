/*  gateway_openapi: the HTTP API's contract, generated from the route table.
 *
 *  GET /openapi.json serves an OpenAPI 3.1 document built once, when the
 *  gateway starts, from gateway_routes_table(): every row becomes an
 *  operation with its method, path and query parameters (with the table's
 *  bounds), headers (If-Match, Idempotency-Key, ETag, Location), the roles
 *  it admits (x-kefu-roles), the request body and success response
 *  schemas, and a problem+json response for each error status it can give.
 *  Body schemas come from the protobuf descriptors the row names, through
 *  kefu_json_schema, which follows the same rules as the converters the
 *  gateway runs; so a new route is documented as soon as it is in the
 *  table, and only its summary, description and examples are written by
 *  hand (in the row).
 *
 *  The document is immutable once built: its text and a strong ETag (a
 *  hash of the text) are handed out as borrowed strings.
 */
#ifndef GATEWAY_OPENAPI_H_INCLUDED
#define GATEWAY_OPENAPI_H_INCLUDED

#include <stddef.h>

enum {
    /*  Room for the document's ETag: a quoted 32-digit hex hash. */
    GATEWAY_OPENAPI_ETAG_SIZE = 35
};

typedef struct _gateway_openapi_t gateway_openapi_t;

/*  Build the document of the route table. Returns NULL when out of memory
 *  or when a row's example is not valid JSON (a programmer's error, logged
 *  with the row). */
gateway_openapi_t *gateway_openapi_new (void);

void gateway_openapi_destroy (gateway_openapi_t **self_p);

/*  The document as JSON text (borrowed, NUL-terminated) and its length. */
const char *gateway_openapi_text (gateway_openapi_t *self);
size_t gateway_openapi_length (gateway_openapi_t *self);

/*  The document's strong ETag, quoted: "\"9f…\"" (borrowed). */
const char *gateway_openapi_etag (gateway_openapi_t *self);

/*  The route table as JSON text, the caller's to free (NULL when out of
 *  memory), one object per row in table order:
 *      [{"method": "GET", "pattern": "/v1/tickets/{id}",
 *        "roles": ["agent", ...], "anonymous": false}, ...]
 *  This exact shape is what `kefu-gateway --routes` prints. */
char *gateway_openapi_routes_text (void);

#endif
