/*  gateway_problem: RFC 9457 problem details, as the gateway answers errors.
 *
 *  Every error the gateway sends, whether it found the fault itself (a
 *  malformed body, a missing key) or a service reported it (a kefu.v1.Status
 *  in the Reply), is one application/problem+json document:
 *
 *      {"type": "urn:kefu:problem:<slug>", "title": "...", "status": 422,
 *       "detail": "...", "field": "subject", "instance": "/v1/tickets",
 *       "request_id": "..."}
 *
 *  The slug is stable (clients switch on it); the title is fixed per HTTP
 *  status; detail is for humans; field is present only when one input field
 *  is at fault. This file also holds the one mapping from kefu.v1.Code to
 *  HTTP status, so that every route maps codes the same way.
 *
 *  gateway_problem_t is a value (no allocation): fill it where the fault is
 *  found, render it where the response is made.
 */
#ifndef GATEWAY_PROBLEM_H_INCLUDED
#define GATEWAY_PROBLEM_H_INCLUDED

#include "kefu/v1/envelope.pb-c.h"

#include <stdbool.h>

enum {
    /*  Bounds of the texts a problem carries; longer ones are truncated
     *  (and repaired to valid UTF-8 when rendered). */
    GATEWAY_PROBLEM_SLUG_MAX = 64,
    GATEWAY_PROBLEM_FIELD_MAX = 128,
    GATEWAY_PROBLEM_DETAIL_MAX = 512
};

/*  HTTP statuses the gateway answers with, named once. */
enum {
    GATEWAY_HTTP_OK = 200,
    GATEWAY_HTTP_CREATED = 201,
    GATEWAY_HTTP_BAD_REQUEST = 400,
    GATEWAY_HTTP_UNAUTHORIZED = 401,
    GATEWAY_HTTP_FORBIDDEN = 403,
    GATEWAY_HTTP_NOT_FOUND = 404,
    GATEWAY_HTTP_METHOD_NOT_ALLOWED = 405,
    GATEWAY_HTTP_CONFLICT = 409,
    GATEWAY_HTTP_PRECONDITION_FAILED = 412,
    GATEWAY_HTTP_PAYLOAD_TOO_LARGE = 413,
    GATEWAY_HTTP_UNSUPPORTED_MEDIA_TYPE = 415,
    GATEWAY_HTTP_UNPROCESSABLE = 422,
    GATEWAY_HTTP_TOO_MANY_REQUESTS = 429,
    GATEWAY_HTTP_INTERNAL_ERROR = 500,
    GATEWAY_HTTP_BAD_GATEWAY = 502,
    GATEWAY_HTTP_SERVICE_UNAVAILABLE = 503,
    GATEWAY_HTTP_GATEWAY_TIMEOUT = 504
};

typedef struct {
    unsigned status;                         /* HTTP status */
    char slug[GATEWAY_PROBLEM_SLUG_MAX];     /* "invalid-field" */
    char field[GATEWAY_PROBLEM_FIELD_MAX];   /* "" when no single field is at fault */
    char detail[GATEWAY_PROBLEM_DETAIL_MAX]; /* for humans; never a secret */
} gateway_problem_t;

/*  Fill `self`: status, slug, field (NULL or "" for none) and a printf-style
 *  detail. */
void gateway_problem_set (gateway_problem_t *self, unsigned status, const char *slug,
                          const char *field, const char *format, ...)
    __attribute__ ((format (printf, 5, 6)));

/*  Fill `self` from a service's kefu.v1.Status (code not OK): the HTTP
 *  status by gateway_problem_status_for_code, the service's slug when it is
 *  a well-formed one (else one derived from the code), field and message. */
void gateway_problem_set_from_status (gateway_problem_t *self, const Kefu__V1__Status *status);

/*  The document as compact JSON text, the caller's to free; NULL when out
 *  of memory. `instance` is the request path, `request_id` the id echoed in
 *  X-Request-Id; either may be NULL (then left out). */
char *gateway_problem_render (const gateway_problem_t *self, const char *instance,
                              const char *request_id);

/*  The fixed title of a status ("Not found"); "Error" for one not listed. */
const char *gateway_problem_title (unsigned status);

/*  The HTTP status for a kefu.v1.Code other than OK (DESIGN.md §4):
 *  INVALID_ARGUMENT 422, NOT_FOUND 404, CONFLICT 409, FAILED_PRECONDITION
 *  409, PERMISSION_DENIED 403, UNAUTHENTICATED 401, UNAVAILABLE 503,
 *  INTERNAL 500, DEADLINE_EXCEEDED 504, STALE_VERSION 412; a code this
 *  gateway does not know is 500. */
unsigned gateway_problem_status_for_code (Kefu__V1__Code code);

/*  True if `slug` is a well-formed problem slug: 1..63 characters of
 *  a-z, 0-9 and '-'. */
bool gateway_problem_slug_valid (const char *slug);

#endif
