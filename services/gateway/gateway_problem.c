/*  gateway_problem: RFC 9457 problem details. See gateway_problem.h. */
#include "gateway_problem.h"
#include "kefu_json.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PROBLEM_TYPE_PREFIX "urn:kefu:problem:"

typedef struct {
    unsigned status;
    const char *title;
} problem_title_t;

static const problem_title_t problem_titles[] = {
    {GATEWAY_HTTP_BAD_REQUEST, "Bad request"},
    {GATEWAY_HTTP_UNAUTHORIZED, "Authentication required"},
    {GATEWAY_HTTP_FORBIDDEN, "Forbidden"},
    {GATEWAY_HTTP_NOT_FOUND, "Not found"},
    {GATEWAY_HTTP_METHOD_NOT_ALLOWED, "Method not allowed"},
    {GATEWAY_HTTP_CONFLICT, "Conflict"},
    {GATEWAY_HTTP_PRECONDITION_FAILED, "Precondition failed"},
    {GATEWAY_HTTP_PAYLOAD_TOO_LARGE, "Payload too large"},
    {GATEWAY_HTTP_UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"},
    {GATEWAY_HTTP_UNPROCESSABLE, "Unprocessable content"},
    {GATEWAY_HTTP_TOO_MANY_REQUESTS, "Too many requests"},
    {GATEWAY_HTTP_INTERNAL_ERROR, "Internal server error"},
    {GATEWAY_HTTP_BAD_GATEWAY, "Bad gateway"},
    {GATEWAY_HTTP_SERVICE_UNAVAILABLE, "Service unavailable"},
    {GATEWAY_HTTP_GATEWAY_TIMEOUT, "Gateway timeout"},
};

/*  Per code: the HTTP status, and the slug used when the service sent none. */
typedef struct {
    Kefu__V1__Code code;
    unsigned status;
    const char *slug;
} problem_code_t;

static const problem_code_t problem_codes[] = {
    {KEFU__V1__CODE__INVALID_ARGUMENT, GATEWAY_HTTP_UNPROCESSABLE, "invalid-argument"},
    {KEFU__V1__CODE__NOT_FOUND, GATEWAY_HTTP_NOT_FOUND, "not-found"},
    {KEFU__V1__CODE__CONFLICT, GATEWAY_HTTP_CONFLICT, "conflict"},
    {KEFU__V1__CODE__FAILED_PRECONDITION, GATEWAY_HTTP_CONFLICT, "failed-precondition"},
    {KEFU__V1__CODE__PERMISSION_DENIED, GATEWAY_HTTP_FORBIDDEN, "forbidden"},
    {KEFU__V1__CODE__UNAUTHENTICATED, GATEWAY_HTTP_UNAUTHORIZED, "unauthenticated"},
    {KEFU__V1__CODE__UNAVAILABLE, GATEWAY_HTTP_SERVICE_UNAVAILABLE, "service-unavailable"},
    {KEFU__V1__CODE__INTERNAL, GATEWAY_HTTP_INTERNAL_ERROR, "internal"},
    {KEFU__V1__CODE__DEADLINE_EXCEEDED, GATEWAY_HTTP_GATEWAY_TIMEOUT, "deadline-exceeded"},
    {KEFU__V1__CODE__STALE_VERSION, GATEWAY_HTTP_PRECONDITION_FAILED, "stale-version"},
};

#define COUNT_OF(array) (sizeof (array) / sizeof (array)[0])

const char *
gateway_problem_title (unsigned status)
{
    for (size_t i = 0; i < COUNT_OF (problem_titles); i++)
        if (problem_titles[i].status == status)
            return problem_titles[i].title;
    return "Error";
}

static const problem_code_t *
problem_code_find (Kefu__V1__Code code)
{
    for (size_t i = 0; i < COUNT_OF (problem_codes); i++)
        if (problem_codes[i].code == code)
            return &problem_codes[i];
    return NULL;
}

unsigned
gateway_problem_status_for_code (Kefu__V1__Code code)
{
    const problem_code_t *known = problem_code_find (code);
    return known ? known->status : GATEWAY_HTTP_INTERNAL_ERROR;
}

bool
gateway_problem_slug_valid (const char *slug)
{
    size_t length = 0;
    for (const char *p = slug; *p; p++, length++) {
        bool allowed = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-';
        if (!allowed || length + 1 >= GATEWAY_PROBLEM_SLUG_MAX)
            return false;
    }
    return length > 0;
}

void
gateway_problem_set (gateway_problem_t *self, unsigned status, const char *slug, const char *field,
                     const char *format, ...)
{
    self->status = status;
    snprintf (self->slug, sizeof self->slug, "%s", slug);
    snprintf (self->field, sizeof self->field, "%s", field ? field : "");
    va_list args;
    va_start (args, format);
    vsnprintf (self->detail, sizeof self->detail, format, args);
    va_end (args);
}

void
gateway_problem_set_from_status (gateway_problem_t *self, const Kefu__V1__Status *status)
{
    const problem_code_t *known = problem_code_find (status->code);
    const char *slug = status->type && gateway_problem_slug_valid (status->type) ? status->type
                       : known                                                   ? known->slug
                                                                                 : "internal";
    const char *message =
        status->message && *status->message
            ? status->message
            : gateway_problem_title (gateway_problem_status_for_code (status->code));
    gateway_problem_set (self, gateway_problem_status_for_code (status->code), slug, status->field,
                         "%s", message);
}

/*  Set `key` to a repaired copy of `text`; false when out of memory. */
static bool
problem_set_text (json_t *document, const char *key, const char *text)
{
    json_t *value = kefu_json_string_lossy (text);
    return value && json_object_set_new (document, key, value) == 0;
}

char *
gateway_problem_render (const gateway_problem_t *self, const char *instance, const char *request_id)
{
    json_t *document = json_object ();
    if (!document)
        return NULL;
    char type[sizeof PROBLEM_TYPE_PREFIX + GATEWAY_PROBLEM_SLUG_MAX];
    snprintf (type, sizeof type, PROBLEM_TYPE_PREFIX "%s", self->slug);
    const char *detail = *self->detail ? self->detail : gateway_problem_title (self->status);

    bool built = problem_set_text (document, "type", type) &&
                 problem_set_text (document, "title", gateway_problem_title (self->status)) &&
                 json_object_set_new (document, "status", json_integer (self->status)) == 0 &&
                 problem_set_text (document, "detail", detail) &&
                 (!*self->field || problem_set_text (document, "field", self->field)) &&
                 (!instance || problem_set_text (document, "instance", instance)) &&
                 (!request_id || problem_set_text (document, "request_id", request_id));
    char *text = built ? json_dumps (document, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref (document);
    return text;
}
