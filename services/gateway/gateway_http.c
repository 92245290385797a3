/*  gateway_http: libmicrohttpd glue, exchanges, suspend/resume.
 *  See gateway_http.h.
 *
 *  MHD calls the access handler several times per request: once when the
 *  headers are in (everything that can be checked from headers is checked
 *  then, so a bad request costs no body upload), once per piece of body,
 *  and once more when the request is complete (dispatch). A response can
 *  be queued on the first and on the last call only, not while the body is
 *  being read; an over-long chunked body is therefore counted and dropped,
 *  and answered 413 when it ends (or the connection is closed if it goes on
 *  far past the limit). After dispatch the connection is suspended; the
 *  settle callback stores the response and resumes it, and MHD then calls
 *  the handler again, which queues what was stored.
 */
#include "gateway_http.h"
#include "gateway_events.h"
#include "gateway_openapi.h"
#include "gateway_problem.h"
#include "gateway_routes.h"
#include "kefu_json.h"
#include "kefu_log.h"
#include "kefu_strbuf.h"
#include "kefu_time.h"
#include "kefu_token.h"
#include "kefu/v1/scheduling.pb-c.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

enum {
    /*  An idle keep-alive connection is closed after this. Suspended
     *  connections do not time out (their deadline is the service's). */
    HTTP_IDLE_TIMEOUT_SECONDS = 30,
    /*  Bytes MHD asks an event stream for at a time. */
    HTTP_STREAM_BLOCK_SIZE = 16 * 1024,
    /*  The kernel's send buffer of an event stream's socket. Left to
     *  autotuning it grows to megabytes for a client that does not read,
     *  hiding it from the stream's own bound (KEFU_SSE_BUFFER_BYTES), which
     *  is where a lagging client is measured and cut off. */
    HTTP_STREAM_SOCKET_BUFFER = 64 * 1024,
    /*  /readyz waits this long for each service's sys.ping. */
    HTTP_READY_PING_TIMEOUT_MS = 1000,
    /*  Retry-After, in seconds, on 429 and 503. */
    HTTP_RETRY_AFTER_SECONDS = 1,
    /*  A body this many times over KEFU_HTTP_MAX_BODY is not even read to
     *  its end to answer 413: the connection is closed. */
    HTTP_DISCARD_LIMIT_FACTOR = 4,
    /*  Sizes of what an exchange keeps about its request. */
    HTTP_METHOD_MAX = 16,
    HTTP_PATH_MAX = 512,
    HTTP_REQUEST_ID_MAX = 129,    /* X-Request-Id: up to 128 characters */
    HTTP_GENERATED_ID_BYTES = 16, /* 32 hex digits, like a W3C trace id */
    HTTP_IDEMPOTENCY_KEY_MAX = 255,
    HTTP_CLIENT_ADDRESS_MAX = INET6_ADDRSTRLEN,
    HTTP_SESSION_MAX = 80,
    /*  A packed AccessRefusal: a method and a path of at most HTTP_PATH_MAX. */
    HTTP_REFUSAL_MAX = 2048,
    /*  A packed one-string message: the string, its tag and its length. */
    HTTP_PACKED_FIELD_OVERHEAD = 8,
    HTTP_LOG_MESSAGE_MAX = 256,
    HTTP_NUMBER_TEXT_MAX = 24,
    /*  W3C traceparent: "00-" 32 hex "-" 16 hex "-" 2 hex. */
    HTTP_TRACEPARENT_LENGTH = 55,
    HTTP_VERSION_DIGITS = 2,
    HTTP_TRACE_ID_OFFSET = 3,
    HTTP_TRACE_ID_DIGITS = 32,
    HTTP_PARENT_ID_OFFSET = 36,
    HTTP_PARENT_ID_DIGITS = 16,
    HTTP_FLAGS_OFFSET = 53,
    HTTP_FLAGS_DIGITS = 2
};

static const char http_json_type[] = "application/json";
static const char http_problem_type[] = "application/problem+json";
static const char http_challenge[] = "Bearer realm=\"kefu\"";
/*  The answer when there is no memory left to render one. */
static char http_out_of_memory_body[] =
    "{\"type\":\"urn:kefu:problem:internal\",\"title\":\"Internal server error\",\"status\":500}";

typedef enum {
    EXCHANGE_RECEIVING, /* reading headers and body */
    EXCHANGE_WAITING,   /* suspended until every upstream call settles */
    EXCHANGE_ANSWERED,  /* a response is stored, to be queued */
    EXCHANGE_STREAMING, /* an event stream is open, its response to be queued */
    EXCHANGE_SENT       /* queued: MHD takes it from here */
} http_exchange_state_t;

/*  One service's answer to /readyz. */
typedef struct {
    gateway_pending_id_t pending;
    bool waiting;
    bool up;
    bool database_up;
} http_probe_t;

typedef struct _http_exchange_t http_exchange_t;

struct _http_exchange_t {
    gateway_http_t *http;
    struct MHD_Connection *connection;
    http_exchange_t *previous; /* the live list */
    http_exchange_t *next;
    http_exchange_state_t state;
    bool suspended;
    int64_t started_ms;
    char method[HTTP_METHOD_MAX];
    char path[HTTP_PATH_MAX];             /* printable ASCII, for logs and "instance" */
    char request_id[HTTP_REQUEST_ID_MAX]; /* echoed in X-Request-Id; the trace id */
    const gateway_route_t *route;
    gateway_path_t path_values; /* the {id} and {key} of the route's pattern */
    const gateway_identity_t *identity;
    gateway_session_identity_t session; /* identity's storage for a session token */
    /*  Refused at the gateway ("role", "off-shift"): scheduling records the
     *  refusal and its answer is the response. NULL: not refused. */
    const char *refusal;
    bool authorization_given;
    bool path_bad;                              /* the path's {id} or {key} is malformed */
    char key_hash[KEFU_API_KEY_HASH_SIZE];      /* a stored API key to resolve; "" if none */
    char resolved_hash[KEFU_API_KEY_HASH_SIZE]; /* the key being resolved */
    bool resolving_key;                         /* api_keys.resolve in flight */
    bool admit_pending;                         /* resolved: run http_exchange_admit */
    kefu_strbuf_t body;
    size_t body_received;
    bool body_too_large;
    size_t waiting_for;           /* upstream calls not yet settled */
    gateway_pending_id_t pending; /* a service route's call */
    http_probe_t *probes;         /* /readyz: one per service */
    gateway_stream_t *stream;     /* GET /v1/events: what the response reads */
    /*  The response. */
    unsigned status;
    char *answer;
    size_t answer_length;
    const char *answer_type; /* a document's media type; NULL: JSON or a problem */
    char disposition[GATEWAY_ROUTES_DISPOSITION_SIZE];
    bool answer_is_problem;
    char etag[GATEWAY_ROUTES_ETAG_SIZE];
    char location[GATEWAY_ROUTES_LOCATION_SIZE];
    char allow[GATEWAY_ROUTES_ALLOW_SIZE];
    bool challenge;   /* WWW-Authenticate */
    bool retry_later; /* Retry-After */
};

struct _gateway_http_t {
    struct MHD_Daemon *daemon;
    gateway_auth_t *auth;           /* borrowed */
    gateway_upstream_t *upstream;   /* borrowed */
    gateway_events_t *events;       /* borrowed */
    gateway_openapi_t *openapi;     /* GET /openapi.json, built once at start */
    gateway_http_options_t options; /* bind_address not kept */
    unsigned port;
    int epoll_fd;
    bool quiescing;
    /*  A connection was resumed since MHD last ran: it must run again at
     *  once (a resumption inside a callback is taken in on the next run). */
    bool resumed;
    http_exchange_t *exchanges;
    size_t exchange_count;
};

/* --- small helpers ------------------------------------------------------- */

static const char *
http_header (http_exchange_t *exchange, const char *name)
{
    return MHD_lookup_connection_value (exchange->connection, MHD_HEADER_KIND, name);
}

static const char *
http_query_lookup (void *arg, const char *name)
{
    http_exchange_t *exchange = arg;
    return MHD_lookup_connection_value (exchange->connection, MHD_GET_ARGUMENT_KIND, name);
}

/*  Copy `text` into `out` as printable ASCII: other bytes become %XX, so
 *  a path is safe to log and to echo whatever the client sent. */
static void
http_copy_printable (char *out, size_t size, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t used = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p && used + 1 < size; p++) {
        if (*p > 0x20 && *p < 0x7F && *p != '%')
            out[used++] = (char)*p;
        else {
            if (used + 3 >= size)
                break;
            out[used++] = '%';
            out[used++] = hex[*p >> 4];
            out[used++] = hex[*p & 0xF];
        }
    }
    out[used] = '\0';
}

static bool
http_is_lower_hex (const char *text, size_t digits)
{
    for (size_t i = 0; i < digits; i++)
        if (!((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f')))
            return false;
    return true;
}

static bool
http_all_zero (const char *text, size_t digits)
{
    for (size_t i = 0; i < digits; i++)
        if (text[i] != '0')
            return false;
    return true;
}

/*  X-Request-Id from a client: 1..128 of A-Z a-z 0-9 . _ : - */
static bool
http_request_id_valid (const char *text)
{
    size_t length = strlen (text);
    if (length == 0 || length >= HTTP_REQUEST_ID_MAX)
        return false;
    for (size_t i = 0; i < length; i++) {
        char c = text[i];
        bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '_' || c == ':' || c == '-';
        if (!allowed)
            return false;
    }
    return true;
}

/*  The trace id of a valid W3C traceparent, copied to `out`. */
static bool
http_traceparent_trace_id (const char *header, char *out, size_t size)
{
    if (strlen (header) != HTTP_TRACEPARENT_LENGTH ||
        !http_is_lower_hex (header, HTTP_VERSION_DIGITS) ||
        strncmp (header, "ff", HTTP_VERSION_DIGITS) == 0 || header[HTTP_VERSION_DIGITS] != '-' ||
        header[HTTP_PARENT_ID_OFFSET - 1] != '-' || header[HTTP_FLAGS_OFFSET - 1] != '-' ||
        !http_is_lower_hex (header + HTTP_TRACE_ID_OFFSET, HTTP_TRACE_ID_DIGITS) ||
        !http_is_lower_hex (header + HTTP_PARENT_ID_OFFSET, HTTP_PARENT_ID_DIGITS) ||
        !http_is_lower_hex (header + HTTP_FLAGS_OFFSET, HTTP_FLAGS_DIGITS) ||
        http_all_zero (header + HTTP_TRACE_ID_OFFSET, HTTP_TRACE_ID_DIGITS) ||
        http_all_zero (header + HTTP_PARENT_ID_OFFSET, HTTP_PARENT_ID_DIGITS) ||
        size <= HTTP_TRACE_ID_DIGITS)
        return false;
    memcpy (out, header + HTTP_TRACE_ID_OFFSET, HTTP_TRACE_ID_DIGITS);
    out[HTTP_TRACE_ID_DIGITS] = '\0';
    return true;
}

/*  The id this exchange is known by: the client's X-Request-Id if valid,
 *  else the trace id of its traceparent, else a new random one. */
static void
http_choose_request_id (http_exchange_t *exchange)
{
    const char *given = http_header (exchange, "X-Request-Id");
    if (given && http_request_id_valid (given)) {
        snprintf (exchange->request_id, sizeof exchange->request_id, "%s", given);
        return;
    }
    const char *traceparent = http_header (exchange, "traceparent");
    if (traceparent &&
        http_traceparent_trace_id (traceparent, exchange->request_id, sizeof exchange->request_id))
        return;
    unsigned char random[HTTP_GENERATED_ID_BYTES];
    randombytes_buf (random, sizeof random);
    sodium_bin2hex (exchange->request_id, sizeof exchange->request_id, random, sizeof random);
}

/*  Content-Type application/json, any case, parameters allowed. */
static bool
http_media_type_is_json (const char *value)
{
    if (!value)
        return false;
    while (*value == ' ' || *value == '\t')
        value++;
    size_t length = sizeof http_json_type - 1;
    if (strncasecmp (value, http_json_type, length) != 0)
        return false;
    const char *rest = value + length;
    while (*rest == ' ' || *rest == '\t')
        rest++;
    return *rest == '\0' || *rest == ';';
}

/*  Idempotency-Key: 1..255 visible ASCII characters. */
static bool
http_idempotency_key_valid (const char *key)
{
    size_t length = strlen (key);
    if (length == 0 || length > HTTP_IDEMPOTENCY_KEY_MAX)
        return false;
    for (size_t i = 0; i < length; i++)
        if ((unsigned char)key[i] < 0x21 || (unsigned char)key[i] > 0x7E)
            return false;
    return true;
}

static void
http_client_address (http_exchange_t *exchange, char *out, size_t size)
{
    snprintf (out, size, "unknown");
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info (exchange->connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!info || !info->client_addr)
        return;
    socklen_t length = info->client_addr->sa_family == AF_INET6 ? sizeof (struct sockaddr_in6)
                                                                : sizeof (struct sockaddr_in);
    if (getnameinfo (info->client_addr, length, out, (socklen_t)size, NULL, 0, NI_NUMERICHOST) != 0)
        snprintf (out, size, "unknown");
}

/* --- answers ------------------------------------------------------------- */

/*  Store a JSON answer (`text` is taken over; NULL means out of memory). */
static void
http_answer_json (http_exchange_t *exchange, unsigned status, char *text)
{
    free (exchange->answer);
    exchange->answer = text;
    exchange->answer_length = text ? strlen (text) : 0;
    exchange->answer_type = NULL;
    exchange->status = text ? status : GATEWAY_HTTP_INTERNAL_ERROR;
    exchange->answer_is_problem = !text;
    exchange->state = EXCHANGE_ANSWERED;
}

/*  A service's reply as rendered (gateway_routes_render_reply): JSON, or a
 *  document with its own media type and file name. Takes the body. */
static void
http_answer_rendered (http_exchange_t *exchange, unsigned status, gateway_rendered_t *rendered)
{
    http_answer_json (exchange, status, rendered->body);
    exchange->answer_length = rendered->body_length;
    exchange->answer_type = rendered->content_type;
    memcpy (exchange->disposition, rendered->disposition, sizeof exchange->disposition);
    memcpy (exchange->etag, rendered->etag, sizeof exchange->etag);
    memcpy (exchange->location, rendered->location, sizeof exchange->location);
}

static void
http_answer_problem (http_exchange_t *exchange, const gateway_problem_t *problem)
{
    http_answer_json (exchange, problem->status,
                      gateway_problem_render (problem, exchange->path, exchange->request_id));
    exchange->answer_is_problem = true;
    if (problem->status == GATEWAY_HTTP_UNAUTHORIZED)
        exchange->challenge = true;
    if (problem->status == GATEWAY_HTTP_TOO_MANY_REQUESTS ||
        problem->status == GATEWAY_HTTP_SERVICE_UNAVAILABLE)
        exchange->retry_later = true;
}

static void
http_answer_problem_with (http_exchange_t *exchange, unsigned status, const char *slug,
                          const char *field, const char *detail)
{
    gateway_problem_t problem;
    gateway_problem_set (&problem, status, slug, field, "%s", detail);
    http_answer_problem (exchange, &problem);
}

static void
http_add_header (struct MHD_Response *response, const char *name, const char *value, bool *ok)
{
    if (MHD_add_response_header (response, name, value) != MHD_YES)
        *ok = false;
}

/*  Hand the stored answer to MHD. Only valid where MHD allows queueing
 *  (first or last handler call). */
static enum MHD_Result
http_queue_answer (http_exchange_t *exchange)
{
    assert (exchange->state == EXCHANGE_ANSWERED);
    struct MHD_Response *response;
    if (exchange->answer) {
        response = MHD_create_response_from_buffer (exchange->answer_length, exchange->answer,
                                                    MHD_RESPMEM_MUST_FREE);
        if (response)
            exchange->answer = NULL; /* MHD frees it now */
    } else {
        exchange->status = GATEWAY_HTTP_INTERNAL_ERROR;
        exchange->answer_is_problem = true;
        response = MHD_create_response_from_buffer (
            strlen (http_out_of_memory_body), http_out_of_memory_body, MHD_RESPMEM_PERSISTENT);
    }
    if (!response)
        return MHD_NO;

    bool ok = true;
    if (exchange->status != GATEWAY_HTTP_NO_CONTENT &&
        exchange->status != GATEWAY_HTTP_NOT_MODIFIED)
        http_add_header (response, MHD_HTTP_HEADER_CONTENT_TYPE,
                         exchange->answer_is_problem ? http_problem_type
                         : exchange->answer_type     ? exchange->answer_type
                                                     : http_json_type,
                         &ok);
    if (*exchange->disposition)
        http_add_header (response, MHD_HTTP_HEADER_CONTENT_DISPOSITION, exchange->disposition, &ok);
    http_add_header (response, "X-Request-Id", exchange->request_id, &ok);
    /*  The API document may be kept, as long as it is revalidated (ETag);
     *  every other answer is someone's data, or of the moment. */
    bool revalidate = exchange->route && exchange->route->kind == GATEWAY_ROUTE_OPENAPI;
    http_add_header (response, MHD_HTTP_HEADER_CACHE_CONTROL, revalidate ? "no-cache" : "no-store",
                     &ok);
    if (*exchange->etag)
        http_add_header (response, MHD_HTTP_HEADER_ETAG, exchange->etag, &ok);
    if (*exchange->location)
        http_add_header (response, MHD_HTTP_HEADER_LOCATION, exchange->location, &ok);
    if (*exchange->allow)
        http_add_header (response, MHD_HTTP_HEADER_ALLOW, exchange->allow, &ok);
    if (exchange->challenge)
        http_add_header (response, MHD_HTTP_HEADER_WWW_AUTHENTICATE, http_challenge, &ok);
    if (exchange->retry_later) {
        char seconds[HTTP_NUMBER_TEXT_MAX];
        snprintf (seconds, sizeof seconds, "%d", HTTP_RETRY_AFTER_SECONDS);
        http_add_header (response, MHD_HTTP_HEADER_RETRY_AFTER, seconds, &ok);
    }
    /*  While shutting down, tell keep-alive clients to go elsewhere. */
    if (exchange->http->quiescing)
        http_add_header (response, MHD_HTTP_HEADER_CONNECTION, "close", &ok);

    enum MHD_Result result =
        ok ? MHD_queue_response (exchange->connection, exchange->status, response) : MHD_NO;
    MHD_destroy_response (response);
    exchange->state = EXCHANGE_SENT;
    return result;
}

/* --- the exchange's life ------------------------------------------------- */

static http_exchange_t *
http_exchange_new (gateway_http_t *self, struct MHD_Connection *connection, const char *url,
                   const char *method)
{
    http_exchange_t *exchange = calloc (1, sizeof *exchange);
    if (!exchange)
        return NULL;
    exchange->http = self;
    exchange->connection = connection;
    exchange->state = EXCHANGE_RECEIVING;
    exchange->started_ms = gateway_pending_now_ms ();
    http_copy_printable (exchange->method, sizeof exchange->method, method);
    http_copy_printable (exchange->path, sizeof exchange->path, url);
    kefu_strbuf_init (&exchange->body);
    exchange->next = self->exchanges;
    if (self->exchanges)
        self->exchanges->previous = exchange;
    self->exchanges = exchange;
    self->exchange_count++;
    return exchange;
}

/*  Forget every upstream call still pending for the exchange. */
static void
http_exchange_cancel_calls (http_exchange_t *exchange)
{
    gateway_upstream_t *upstream = exchange->http->upstream;
    gateway_upstream_cancel (upstream, exchange->pending);
    exchange->pending = (gateway_pending_id_t){0, 0};
    if (exchange->probes)
        for (size_t i = 0; i < gateway_upstream_service_count (upstream); i++)
            if (exchange->probes[i].waiting) {
                gateway_upstream_cancel (upstream, exchange->probes[i].pending);
                exchange->probes[i].waiting = false;
            }
    exchange->waiting_for = 0;
}

static void
http_exchange_destroy (http_exchange_t **exchange_p)
{
    http_exchange_t *exchange = *exchange_p;
    if (!exchange)
        return;
    gateway_http_t *self = exchange->http;
    http_exchange_cancel_calls (exchange);
    if (exchange->previous)
        exchange->previous->next = exchange->next;
    else
        self->exchanges = exchange->next;
    if (exchange->next)
        exchange->next->previous = exchange->previous;
    self->exchange_count--;
    gateway_events_close (self->events, &exchange->stream);
    kefu_strbuf_release (&exchange->body);
    free (exchange->probes);
    free (exchange->answer);
    free (exchange);
    *exchange_p = NULL;
}

/*  Hold the connection until http_exchange_resume: MHD neither reads nor
 *  times it out meanwhile. */
static void
http_exchange_suspend (http_exchange_t *exchange)
{
    exchange->suspended = true;
    MHD_suspend_connection (exchange->connection);
}

static void
http_exchange_resume (http_exchange_t *exchange)
{
    if (exchange->suspended) {
        exchange->suspended = false;
        exchange->http->resumed = true;
        MHD_resume_connection (exchange->connection);
    }
}

/*  Who sent the request: a session token's holder (verified with
 *  gateway_sessions) or an API key's owner. Sets exchange->identity, or
 *  leaves it NULL when neither proves anyone. */
static gateway_session_verdict_t
http_exchange_authenticate (http_exchange_t *exchange, const char *authorization)
{
    gateway_http_t *self = exchange->http;
    exchange->identity = NULL;
    size_t length = 0;
    const char *token = gateway_auth_bearer (authorization, &length);
    gateway_sessions_t *sessions = self->options.sessions;
    if (token && sessions && kefu_token_looks_like (token, length)) {
        gateway_session_verdict_t verdict = gateway_sessions_verify (
            sessions, token, length, kefu_time_now_ms (), &exchange->session);
        if (verdict != GATEWAY_SESSION_INVALID)
            exchange->identity = &exchange->session.identity;
        return verdict;
    }
    exchange->identity = token ? gateway_auth_lookup (self->auth, token, length) : NULL;
    if (!exchange->identity && token && sessions && kefu_token_is_api_key (token, length)) {
        switch (gateway_sessions_key_lookup (sessions, token, length, kefu_time_now_ms (),
                                             exchange->key_hash, &exchange->session)) {
            case GATEWAY_KEY_KNOWN:
                exchange->identity = &exchange->session.identity;
                exchange->key_hash[0] = '\0';
                break;
            case GATEWAY_KEY_REFUSED:
                exchange->key_hash[0] = '\0';
                break;
            case GATEWAY_KEY_UNRESOLVED:
                break;
        }
    }
    return GATEWAY_SESSION_VALID;
}

/*  Every check that needs to know who is asking, and those of the
 *  headers. On return the exchange is answered, refused (exchange->refusal:
 *  recorded once the request is read), or ready to read its body. */
static void
http_exchange_admit (http_exchange_t *exchange, gateway_session_verdict_t verdict)
{
    gateway_http_t *self = exchange->http;
    const gateway_route_t *route = exchange->route;
    if (!route->anonymous) {
        if (!exchange->identity) {
            http_answer_problem_with (exchange, GATEWAY_HTTP_UNAUTHORIZED, "unauthenticated", NULL,
                                      exchange->authorization_given
                                          ? "the API key or session token is not valid "
                                            "(unknown, expired or revoked)"
                                          : "a session token or API key is required: "
                                            "send Authorization: Bearer <token>");
            return;
        }
        /*  Refusals are recorded by scheduling once the request is read
         *  (http_exchange_dispatch); nothing else about it matters. */
        if (verdict == GATEWAY_SESSION_OFF_SHIFT) {
            exchange->refusal = "off-shift";
            return;
        }
        if (!(route->roles & exchange->identity->roles)) {
            exchange->refusal = "role";
            return;
        }
    }
    if (exchange->path_bad) {
        http_answer_problem_with (exchange, GATEWAY_HTTP_NOT_FOUND, "not-found", NULL,
                                  "no such resource: ids are positive integers or, for "
                                  "webhooks, their wh_ identifiers");
        return;
    }
    const char *idempotency_key = http_header (exchange, "Idempotency-Key");
    if (idempotency_key && !http_idempotency_key_valid (idempotency_key)) {
        http_answer_problem_with (exchange, GATEWAY_HTTP_BAD_REQUEST, "invalid-header",
                                  "Idempotency-Key",
                                  "Idempotency-Key must be 1 to 255 visible ASCII characters");
        return;
    }
    const char *if_match = http_header (exchange, MHD_HTTP_HEADER_IF_MATCH);
    int64_t version;
    if (route->if_match_field && if_match && !gateway_routes_parse_if_match (if_match, &version)) {
        http_answer_problem_with (exchange, GATEWAY_HTTP_BAD_REQUEST, "invalid-header", "If-Match",
                                  "If-Match must be a version as sent in ETag, like \"3\"");
        return;
    }
    if (route->takes_body &&
        !http_media_type_is_json (http_header (exchange, MHD_HTTP_HEADER_CONTENT_TYPE))) {
        http_answer_problem_with (exchange, GATEWAY_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                  "unsupported-media-type", NULL,
                                  "the body must be JSON, sent as Content-Type: application/json");
        return;
    }
    /*  Refuse an announced oversized body before a byte of it is read. */
    const char *content_length = http_header (exchange, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (content_length) {
        errno = 0;
        char *end;
        unsigned long long announced = strtoull (content_length, &end, 10);
        if (errno == ERANGE || announced > self->options.max_body) {
            gateway_problem_t problem;
            gateway_problem_set (&problem, GATEWAY_HTTP_PAYLOAD_TOO_LARGE, "payload-too-large",
                                 NULL, "the body must be at most %zu bytes",
                                 self->options.max_body);
            http_answer_problem (exchange, &problem);
            return;
        }
    }
}

/*  Everything that can be decided from the request line and headers. On
 *  return the exchange is either answered or ready to read its body. */
static void
http_exchange_begin (http_exchange_t *exchange, const char *url, const char *method)
{
    http_choose_request_id (exchange);

    const char *id_text;
    size_t id_length;
    gateway_route_match_t match =
        gateway_routes_match (method, url, &exchange->route, &id_text, &id_length, exchange->allow);
    if (match == GATEWAY_ROUTE_NO_PATH) {
        http_answer_problem_with (exchange, GATEWAY_HTTP_NOT_FOUND, "not-found", NULL,
                                  "no such resource");
        return;
    }
    if (match == GATEWAY_ROUTE_NO_METHOD) {
        gateway_problem_t problem;
        gateway_problem_set (&problem, GATEWAY_HTTP_METHOD_NOT_ALLOWED, "method-not-allowed", NULL,
                             "%s is not allowed here; use %s", exchange->method, exchange->allow);
        http_answer_problem (exchange, &problem);
        return;
    }
    exchange->allow[0] = '\0';
    const gateway_route_t *route = exchange->route;

    (void)id_length;
    exchange->path_bad = id_text && !gateway_routes_parse_path (route, url, &exchange->path_values);
    gateway_session_verdict_t verdict = GATEWAY_SESSION_VALID;
    if (!route->anonymous) {
        const char *authorization = http_header (exchange, MHD_HTTP_HEADER_AUTHORIZATION);
        exchange->authorization_given = authorization != NULL;
        verdict = http_exchange_authenticate (exchange, authorization);
        /*  A stored API key not seen lately: scheduling says whose it is
         *  once the request is read (http_exchange_dispatch), then the
         *  checks below run. */
        if (exchange->key_hash[0])
            return;
    }
    http_exchange_admit (exchange, verdict);
}

/*  True if the request says a body follows (Content-Length above zero, or
 *  a Transfer-Encoding). */
static bool
http_exchange_announces_body (http_exchange_t *exchange)
{
    if (http_header (exchange, MHD_HTTP_HEADER_TRANSFER_ENCODING))
        return true;
    const char *content_length = http_header (exchange, MHD_HTTP_HEADER_CONTENT_LENGTH);
    return content_length && strspn (content_length, "0") != strlen (content_length);
}

/*  Take one piece of the body. Returns false when the connection should be
 *  closed (a body far past the limit). */
static bool
http_exchange_receive (http_exchange_t *exchange, const char *data, size_t size)
{
    size_t max_body = exchange->http->options.max_body;
    if (exchange->state != EXCHANGE_RECEIVING)
        return true;
    if (size > SIZE_MAX - exchange->body_received)
        return false;
    exchange->body_received += size;
    if (exchange->body_received > max_body) {
        if (!exchange->body_too_large) {
            exchange->body_too_large = true;
            kefu_strbuf_release (&exchange->body);
        }
        return exchange->body_received / HTTP_DISCARD_LIMIT_FACTOR <= max_body;
    }
    kefu_strbuf_append_bytes (&exchange->body, data, size);
    return true;
}

/*  Parse the body as a JSON object. NULL with the exchange answered when it
 *  is not one. */
static json_t *
http_exchange_body_json (http_exchange_t *exchange)
{
    if (!exchange->route->takes_body)
        return json_object ();
    if (!kefu_strbuf_ok (&exchange->body)) {
        http_answer_problem_with (exchange, GATEWAY_HTTP_INTERNAL_ERROR, "internal", NULL,
                                  "out of memory");
        return NULL;
    }
    if (exchange->body_received == 0) {
        http_answer_problem_with (exchange, GATEWAY_HTTP_BAD_REQUEST, "malformed-json", NULL,
                                  "the body is empty; a JSON object is expected");
        return NULL;
    }
    json_error_t error;
    json_t *body =
        json_loadb (kefu_strbuf_data (&exchange->body), kefu_strbuf_length (&exchange->body),
                    JSON_REJECT_DUPLICATES, &error);
    if (!body) {
        gateway_problem_t problem;
        gateway_problem_set (&problem, GATEWAY_HTTP_BAD_REQUEST, "malformed-json", NULL,
                             "the body is not valid JSON: %s (line %d, column %d)", error.text,
                             error.line, error.column);
        http_answer_problem (exchange, &problem);
        return NULL;
    }
    if (!json_is_object (body)) {
        json_decref (body);
        http_answer_problem_with (exchange, GATEWAY_HTTP_BAD_REQUEST, "malformed-json", NULL,
                                  "the body must be a JSON object");
        return NULL;
    }
    return body;
}

static void http_exchange_send (http_exchange_t *exchange, size_t service, const char *method,
                                const uint8_t *payload, size_t payload_size);

/*  A request refused at the gateway: scheduling records the refusal (the
 *  gateway has no database) and its answer, a 403, is the response; if it
 *  cannot be reached the client gets 503: refused either way, and never
 *  silently. A gateway without scheduling answers 403 itself and logs. */
static void
http_exchange_refuse (http_exchange_t *exchange)
{
    gateway_http_t *self = exchange->http;
    const gateway_route_t *route = exchange->route;
    int service = gateway_upstream_service_index (self->upstream, "scheduling");
    bool off_shift = strcmp (exchange->refusal, "off-shift") == 0;
    if (service < 0) {
        kefu_log_warn ("http.refusal_unrecorded", "reason", exchange->refusal, "staff_id",
                       exchange->identity->staff_id, "path", exchange->path, "detail",
                       "the scheduling service is not configured in this gateway", NULL);
        gateway_problem_t problem;
        if (off_shift)
            gateway_problem_set (&problem, GATEWAY_HTTP_FORBIDDEN, "off-shift", NULL,
                                 "you are not on shift now (shift ± grace)");
        else
            gateway_problem_set (&problem, GATEWAY_HTTP_FORBIDDEN, "forbidden", NULL,
                                 "your role may not use %s %s", route->method, route->pattern);
        http_answer_problem (exchange, &problem);
        return;
    }
    Kefu__V1__AccessRefusal refusal = KEFU__V1__ACCESS_REFUSAL__INIT;
    refusal.method = (char *)route->method;
    refusal.path = exchange->path;
    refusal.reason = (char *)exchange->refusal;
    uint8_t payload[HTTP_REFUSAL_MAX];
    size_t size = kefu__v1__access_refusal__get_packed_size (&refusal);
    if (size > sizeof payload) {
        http_answer_problem_with (exchange, GATEWAY_HTTP_FORBIDDEN, "forbidden", NULL,
                                  "this request is not allowed");
        return;
    }
    kefu__v1__access_refusal__pack (&refusal, payload);
    http_exchange_send (exchange, (size_t)service, "access.refuse", payload, size);
}

/*  Send the request of a service route and suspend, or answer. */
static void
http_exchange_call_service (http_exchange_t *exchange)
{
    gateway_http_t *self = exchange->http;
    const gateway_route_t *route = exchange->route;
    int service = gateway_upstream_service_index (self->upstream, route->service);
    if (service < 0) {
        gateway_problem_t problem;
        gateway_problem_set (&problem, GATEWAY_HTTP_SERVICE_UNAVAILABLE, "service-unavailable",
                             NULL, "the %s service is not configured in this gateway",
                             route->service);
        http_answer_problem (exchange, &problem);
        return;
    }
    json_t *body = http_exchange_body_json (exchange);
    if (!body)
        return;
    uint8_t *payload = NULL;
    size_t payload_size = 0;
    gateway_problem_t problem;
    int built = gateway_routes_build_payload_path (
        route, body, &exchange->path_values, http_query_lookup, exchange,
        http_header (exchange, MHD_HTTP_HEADER_IF_MATCH), &payload, &payload_size, &problem);
    json_decref (body);
    /*  The body has been read into the payload; its text is not needed. */
    kefu_strbuf_release (&exchange->body);
    if (built != 0) {
        http_answer_problem (exchange, &problem);
        return;
    }

    http_exchange_send (exchange, (size_t)service, route->service_method, payload, payload_size);
    free (payload);
}

/*  Send `method` with `payload` to `service` as the exchange's actor and
 *  suspend, or answer. */
static void
http_exchange_send (http_exchange_t *exchange, size_t service, const char *method,
                    const uint8_t *payload, size_t payload_size)
{
    gateway_http_t *self = exchange->http;
    const gateway_route_t *route = exchange->route;
    gateway_problem_t problem;
    char terminal[HTTP_CLIENT_ADDRESS_MAX];
    char session[HTTP_SESSION_MAX];
    http_client_address (exchange, terminal, sizeof terminal);
    /*  An anonymous route (logging in) has no one yet: the service learns
     *  who from the request itself. */
    const gateway_identity_t *identity = exchange->identity;
    snprintf (session, sizeof session, "%s%s", identity && !identity->session_id ? "apikey:" : "",
              !identity              ? "anonymous"
              : identity->session_id ? identity->session_id
                                     : identity->name);
    char *roles[KEFU_ROLE_COUNT];
    size_t role_count = 0;
    for (unsigned bit = 0; bit < KEFU_ROLE_COUNT; bit++)
        if (identity && (identity->roles & (1u << bit)))
            roles[role_count++] = (char *)kefu_role_name ((kefu_role_t)(1u << bit));
    Kefu__V1__Actor actor = KEFU__V1__ACTOR__INIT;
    actor.staff_id = identity ? (char *)identity->staff_id : "";
    actor.n_roles = role_count;
    actor.roles = roles;
    actor.session_id = session;
    actor.terminal = identity && identity->terminal ? (char *)identity->terminal : terminal;

    gateway_upstream_call_t call = {
        .method = method,
        .actor = &actor,
        .idempotency_key = http_header (exchange, "Idempotency-Key"),
        .trace_id = exchange->request_id,
        .payload = payload,
        .payload_size = payload_size,
        .timeout_ms = self->options.request_timeout_ms,
    };
    gateway_upstream_result_t sent =
        gateway_upstream_send (self->upstream, service, &call, exchange, &exchange->pending);
    switch (sent) {
        case GATEWAY_UPSTREAM_SENT:
            exchange->waiting_for = 1;
            exchange->state = EXCHANGE_WAITING;
            http_exchange_suspend (exchange);
            return;
        case GATEWAY_UPSTREAM_NO_PEER:
            gateway_problem_set (&problem, GATEWAY_HTTP_SERVICE_UNAVAILABLE, "service-unavailable",
                                 NULL, "the %s service is not reachable", route->service);
            break;
        case GATEWAY_UPSTREAM_FULL:
            gateway_problem_set (&problem, GATEWAY_HTTP_TOO_MANY_REQUESTS, "too-many-requests",
                                 NULL, "too many requests in flight; retry shortly");
            break;
        case GATEWAY_UPSTREAM_FAILED:
            gateway_problem_set (&problem, GATEWAY_HTTP_INTERNAL_ERROR, "internal", NULL,
                                 "the request could not be sent to the %s service", route->service);
            break;
    }
    http_answer_problem (exchange, &problem);
}

/*  /readyz: store the readiness document from the probes. */
static void
http_exchange_answer_readiness (http_exchange_t *exchange)
{
    gateway_http_t *self = exchange->http;
    bool ready = !self->quiescing;
    json_t *services = json_object ();
    bool built = services != NULL;
    size_t count = gateway_upstream_service_count (self->upstream);
    for (size_t i = 0; built && i < count; i++) {
        const http_probe_t *probe = &exchange->probes[i];
        ready = ready && probe->up && probe->database_up;
        json_t *state = json_pack ("{s:b,s:b}", "up", probe->up, "database_up", probe->database_up);
        built = state &&
                json_object_set_new (services, gateway_upstream_service_name (self->upstream, i),
                                     state) == 0;
    }
    const char *status = ready ? "ready" : self->quiescing ? "stopping" : "not_ready";
    json_t *document =
        built ? json_pack ("{s:s,s:O}", "status", status, "services", services) : NULL;
    char *text = document ? json_dumps (document, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref (document);
    json_decref (services);
    http_answer_json (exchange, ready ? GATEWAY_HTTP_OK : GATEWAY_HTTP_SERVICE_UNAVAILABLE, text);
}

/*  /readyz: ping every service; answer when all have settled. */
static void
http_exchange_probe_services (http_exchange_t *exchange)
{
    gateway_http_t *self = exchange->http;
    size_t count = gateway_upstream_service_count (self->upstream);
    exchange->probes = calloc (count ? count : 1, sizeof *exchange->probes);
    if (!exchange->probes) {
        http_answer_problem_with (exchange, GATEWAY_HTTP_INTERNAL_ERROR, "internal", NULL,
                                  "out of memory");
        return;
    }
    if (!self->quiescing) {
        gateway_upstream_call_t call = {
            .method = "sys.ping",
            .trace_id = exchange->request_id,
            .timeout_ms = self->options.request_timeout_ms < HTTP_READY_PING_TIMEOUT_MS
                              ? self->options.request_timeout_ms
                              : HTTP_READY_PING_TIMEOUT_MS,
        };
        for (size_t i = 0; i < count; i++) {
            http_probe_t *probe = &exchange->probes[i];
            if (gateway_upstream_send (self->upstream, i, &call, exchange, &probe->pending) ==
                GATEWAY_UPSTREAM_SENT) {
                probe->waiting = true;
                exchange->waiting_for++;
            }
        }
    }
    if (exchange->waiting_for == 0) {
        http_exchange_answer_readiness (exchange);
        return;
    }
    exchange->state = EXCHANGE_WAITING;
    http_exchange_suspend (exchange);
}

/* --- event streams (GET /v1/events) -------------------------------------- */

/*  The body of an event stream, as MHD asks for it. Nothing to send yet:
 *  returning 0 alone would make MHD ask again at once, a busy loop in
 *  external polling mode; so the connection is suspended until the stream
 *  has text again (gateway_http_stream_wake) and 0 returned. */
static ssize_t
http_stream_read (void *cls, uint64_t position, char *buffer, size_t size)
{
    (void)position;
    http_exchange_t *exchange = cls;
    size_t copied = gateway_stream_read (exchange->stream, buffer, size, gateway_pending_now_ms ());
    if (copied > 0)
        return (ssize_t)copied;
    if (gateway_stream_finished (exchange->stream))
        return MHD_CONTENT_READER_END_OF_STREAM;
    http_exchange_suspend (exchange);
    return 0;
}

void
gateway_http_stream_wake (void *owner)
{
    http_exchange_resume (owner);
}

/*  Answer 400 for a bad `types` or Last-Event-ID. */
static void
http_answer_bad_stream_option (http_exchange_t *exchange, const char *slug, const char *field,
                               const char *reason)
{
    gateway_problem_t problem;
    gateway_problem_set (&problem, GATEWAY_HTTP_BAD_REQUEST, slug, field, "%s is not valid: %s",
                         field, reason);
    http_answer_problem (exchange, &problem);
}

/*  Read the client's filters (?types=, ?subject=) and cursor (Last-Event-ID, or
 *  ?last_event_id= for clients that cannot set headers), then open its
 *  stream; or answer a problem. An empty Last-Event-ID is no cursor: SSE
 *  clients send it so before they have seen an id. */
static void
http_exchange_open_stream (http_exchange_t *exchange)
{
    gateway_http_t *self = exchange->http;
    gateway_stream_types_t types;
    char reason[GATEWAY_STREAM_REASON_SIZE];
    if (gateway_stream_types_parse (http_query_lookup (exchange, "types"), &types, reason) != 0) {
        http_answer_bad_stream_option (exchange, "invalid-field", "types", reason);
        return;
    }
    if (gateway_stream_subject_parse (http_query_lookup (exchange, "subject"), &types, reason) !=
        0) {
        http_answer_bad_stream_option (exchange, "invalid-field", "subject", reason);
        return;
    }
    const char *field = "Last-Event-ID";
    const char *slug = "invalid-header";
    const char *last_event_id = http_header (exchange, field);
    if (!last_event_id) {
        field = "last_event_id";
        slug = "invalid-field";
        last_event_id = http_query_lookup (exchange, field);
    }
    gateway_cursor_t *resume = NULL;
    if (last_event_id && *last_event_id) {
        char why[GATEWAY_CURSOR_REASON_SIZE];
        resume = gateway_events_cursor_new (self->events);
        if (!resume) {
            http_answer_problem_with (exchange, GATEWAY_HTTP_INTERNAL_ERROR, "internal", NULL,
                                      "out of memory");
            return;
        }
        if (gateway_cursor_parse (resume, last_event_id, why) != 0) {
            gateway_cursor_destroy (&resume);
            http_answer_bad_stream_option (exchange, slug, field, why);
            return;
        }
    }
    bool auditor = (exchange->identity->roles & KEFU_ROLE_AUDITOR) != 0;
    gateway_events_open_result_t opened =
        self->quiescing ? GATEWAY_EVENTS_STOPPING
                        : gateway_events_open (self->events, exchange, &types, auditor, resume,
                                               &exchange->stream);
    gateway_cursor_destroy (&resume);
    switch (opened) {
        case GATEWAY_EVENTS_OPENED:
            exchange->state = EXCHANGE_STREAMING;
            return;
        case GATEWAY_EVENTS_FULL:
            http_answer_problem_with (exchange, GATEWAY_HTTP_SERVICE_UNAVAILABLE,
                                      "too-many-streams", NULL,
                                      "the gateway serves as many event streams as it may; "
                                      "retry shortly");
            return;
        case GATEWAY_EVENTS_STOPPING:
            http_answer_problem_with (exchange, GATEWAY_HTTP_SERVICE_UNAVAILABLE,
                                      "service-unavailable", NULL, "the gateway is shutting down");
            return;
        case GATEWAY_EVENTS_FAILED:
            http_answer_problem_with (exchange, GATEWAY_HTTP_INTERNAL_ERROR, "internal", NULL,
                                      "out of memory");
            return;
    }
}

/*  Queue the endless response of an open stream. Only valid where MHD
 *  allows queueing (the last handler call). */
static enum MHD_Result
http_queue_stream (http_exchange_t *exchange)
{
    assert (exchange->state == EXCHANGE_STREAMING && exchange->stream);
    exchange->status = GATEWAY_HTTP_OK;
    exchange->state = EXCHANGE_SENT;
    struct MHD_Response *response = MHD_create_response_from_callback (
        MHD_SIZE_UNKNOWN, HTTP_STREAM_BLOCK_SIZE, http_stream_read, exchange, NULL);
    if (!response)
        return MHD_NO;
    bool ok = true;
    http_add_header (response, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream", &ok);
    http_add_header (response, "X-Request-Id", exchange->request_id, &ok);
    http_add_header (response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store", &ok);
    /*  nginx would otherwise hold events back to fill its buffers. */
    http_add_header (response, "X-Accel-Buffering", "no", &ok);
    enum MHD_Result result =
        ok ? MHD_queue_response (exchange->connection, exchange->status, response) : MHD_NO;
    MHD_destroy_response (response);
    const union MHD_ConnectionInfo *socket_info =
        MHD_get_connection_info (exchange->connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    int send_buffer = HTTP_STREAM_SOCKET_BUFFER;
    if (result == MHD_YES && socket_info &&
        setsockopt (socket_info->connect_fd, SOL_SOCKET, SO_SNDBUF, &send_buffer,
                    sizeof send_buffer) != 0)
        kefu_log_warn ("http.stream_socket", "error", strerror (errno), NULL);
    return result;
}

/*  Ask scheduling whose stored API key this is (the answer comes back to
 *  http_settle_key). */
static void
http_exchange_resolve_key (http_exchange_t *exchange)
{
    gateway_http_t *self = exchange->http;
    int service = gateway_upstream_service_index (self->upstream, "scheduling");
    if (service < 0) {
        exchange->key_hash[0] = '\0';
        http_exchange_admit (exchange, GATEWAY_SESSION_VALID);
        if (exchange->state == EXCHANGE_RECEIVING && exchange->refusal)
            http_exchange_refuse (exchange);
        return;
    }
    Kefu__V1__ResolveApiKeyRequest request = KEFU__V1__RESOLVE_API_KEY_REQUEST__INIT;
    request.key_hash = exchange->key_hash;
    uint8_t payload[KEFU_API_KEY_HASH_SIZE + HTTP_PACKED_FIELD_OVERHEAD];
    size_t size = kefu__v1__resolve_api_key_request__pack (&request, payload);
    memcpy (exchange->resolved_hash, exchange->key_hash, sizeof exchange->resolved_hash);
    exchange->key_hash[0] = '\0';
    exchange->resolving_key = true;
    http_exchange_send (exchange, (size_t)service, "api_keys.resolve", payload, size);
}

/*  True if an If-None-Match value names `etag` (or is *): a list of
 *  entity tags, weak ones comparing equal too (RFC 9110 13.1.2). */
static bool
http_if_none_match (const char *header, const char *etag)
{
    size_t etag_length = strlen (etag);
    const char *p = header;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '*')
            return true;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        const char *end = p;
        while (*end && *end != ',' && *end != ' ' && *end != '\t')
            end++;
        if ((size_t)(end - p) == etag_length && strncmp (p, etag, etag_length) == 0)
            return true;
        p = end;
    }
    return false;
}

/*  GET /openapi.json: the document built at start, or 304 when the
 *  client's copy is current. */
static void
http_exchange_answer_openapi (http_exchange_t *exchange)
{
    gateway_openapi_t *openapi = exchange->http->openapi;
    const char *etag = gateway_openapi_etag (openapi);
    const char *if_none_match = http_header (exchange, MHD_HTTP_HEADER_IF_NONE_MATCH);
    if (if_none_match && http_if_none_match (if_none_match, etag))
        http_answer_json (exchange, GATEWAY_HTTP_NOT_MODIFIED, strdup (""));
    else
        http_answer_json (exchange, GATEWAY_HTTP_OK, strdup (gateway_openapi_text (openapi)));
    if (exchange->answer)
        snprintf (exchange->etag, sizeof exchange->etag, "%s", etag);
}

/*  The request is complete: answer it or send it on. */
static void
http_exchange_dispatch (http_exchange_t *exchange)
{
    if (!exchange->refusal && exchange->body_too_large) {
        gateway_problem_t problem;
        gateway_problem_set (&problem, GATEWAY_HTTP_PAYLOAD_TOO_LARGE, "payload-too-large", NULL,
                             "the body must be at most %zu bytes",
                             exchange->http->options.max_body);
        http_answer_problem (exchange, &problem);
        return;
    }
    if (exchange->key_hash[0]) {
        http_exchange_resolve_key (exchange);
        return;
    }
    if (exchange->admit_pending) {
        exchange->admit_pending = false;
        http_exchange_admit (exchange, GATEWAY_SESSION_VALID);
        if (exchange->state != EXCHANGE_RECEIVING)
            return;
    }
    if (exchange->refusal) {
        http_exchange_refuse (exchange);
        return;
    }
    switch (exchange->route->kind) {
        case GATEWAY_ROUTE_HEALTH:
            http_answer_json (exchange, GATEWAY_HTTP_OK, strdup ("{\"status\":\"ok\"}"));
            return;
        case GATEWAY_ROUTE_READY:
            http_exchange_probe_services (exchange);
            return;
        case GATEWAY_ROUTE_SERVICE:
            http_exchange_call_service (exchange);
            return;
        case GATEWAY_ROUTE_EVENTS:
            http_exchange_open_stream (exchange);
            return;
        case GATEWAY_ROUTE_OPENAPI:
            http_exchange_answer_openapi (exchange);
            return;
    }
}

/* --- settling (called by gateway_upstream) ------------------------------- */

static void
http_settle_probe (http_exchange_t *exchange, size_t service, gateway_upstream_outcome_t outcome,
                   const Kefu__V1__Reply *reply)
{
    http_probe_t *probe = &exchange->probes[service];
    probe->waiting = false;
    if (outcome != GATEWAY_UPSTREAM_REPLIED)
        return;
    /*  It answered, so it is up; its database is up only if it says so. */
    probe->up = true;
    if (reply->status && reply->status->code != KEFU__V1__CODE__OK)
        return;
    Kefu__V1__PingReply *ping =
        kefu__v1__ping_reply__unpack (NULL, reply->payload.len, reply->payload.data);
    if (ping) {
        probe->database_up = ping->database_up;
        kefu__v1__ping_reply__free_unpacked (ping, NULL);
    }
}

static void
http_settle_call (http_exchange_t *exchange, gateway_upstream_outcome_t outcome,
                  const Kefu__V1__Reply *reply)
{
    const gateway_route_t *route = exchange->route;
    int64_t timeout = exchange->http->options.request_timeout_ms;
    gateway_problem_t problem;
    exchange->pending = (gateway_pending_id_t){0, 0};
    if (outcome == GATEWAY_UPSTREAM_DEADLINE) {
        gateway_problem_set (&problem, GATEWAY_HTTP_GATEWAY_TIMEOUT, "deadline-exceeded", NULL,
                             "the %s service did not answer within %" PRId64 " ms", route->service,
                             timeout);
        http_answer_problem (exchange, &problem);
        return;
    }
    if (outcome == GATEWAY_UPSTREAM_UNAVAILABLE) {
        gateway_problem_set (&problem, GATEWAY_HTTP_SERVICE_UNAVAILABLE, "service-unavailable",
                             NULL, "the %s service went away before answering", route->service);
        http_answer_problem (exchange, &problem);
        return;
    }
    /*  A Reply without a Status carries the proto3 default: OK. */
    if (exchange->refusal && (!reply->status || reply->status->code == KEFU__V1__CODE__OK)) {
        http_answer_problem_with (exchange, GATEWAY_HTTP_FORBIDDEN, "forbidden", NULL,
                                  "this request is not allowed");
        return;
    }
    if (reply->status && reply->status->code != KEFU__V1__CODE__OK) {
        gateway_problem_set_from_status (&problem, reply->status);
        if (route->refused_query_is_400 && problem.status == GATEWAY_HTTP_UNPROCESSABLE)
            problem.status = GATEWAY_HTTP_BAD_REQUEST;
        http_answer_problem (exchange, &problem);
        return;
    }
    gateway_rendered_t rendered;
    if (gateway_routes_render_reply (route, reply->payload.data, reply->payload.len, &rendered,
                                     &problem) != 0) {
        http_answer_problem (exchange, &problem);
        return;
    }
    http_answer_rendered (exchange, route->success_status, &rendered);
}

/*  Scheduling said whose key it is (or that there is none): cache it, and
 *  let the request go on through the checks (http_exchange_dispatch, once
 *  the connection is resumed). */
static void
http_settle_key (http_exchange_t *exchange, gateway_upstream_outcome_t outcome,
                 const Kefu__V1__Reply *reply)
{
    gateway_sessions_t *sessions = exchange->http->options.sessions;
    exchange->resolving_key = false;
    exchange->pending = (gateway_pending_id_t){0, 0};
    if (outcome != GATEWAY_UPSTREAM_REPLIED) {
        http_answer_problem_with (exchange, GATEWAY_HTTP_SERVICE_UNAVAILABLE, "service-unavailable",
                                  NULL, "the API key could not be checked now; retry later");
        return;
    }
    bool found = !reply->status || reply->status->code == KEFU__V1__CODE__OK;
    if (!found && reply->status->code != KEFU__V1__CODE__NOT_FOUND) {
        gateway_problem_t problem;
        gateway_problem_set_from_status (&problem, reply->status);
        http_answer_problem (exchange, &problem);
        return;
    }
    Kefu__V1__ApiKey *key =
        found ? kefu__v1__api_key__unpack (NULL, reply->payload.len, reply->payload.data) : NULL;
    if (gateway_sessions_key_store (sessions, exchange->resolved_hash, key, kefu_time_now_ms (),
                                    &exchange->session) == 0)
        exchange->identity = &exchange->session.identity;
    if (key)
        kefu__v1__api_key__free_unpacked (key, NULL);
    exchange->admit_pending = true;
    exchange->state = EXCHANGE_RECEIVING;
}

void
gateway_http_settle (void *owner, size_t service, gateway_upstream_outcome_t outcome,
                     const Kefu__V1__Reply *reply)
{
    http_exchange_t *exchange = owner;
    if (exchange->stream) {
        /*  A stream's replay request: the stream keeps its own count. */
        gateway_events_settle (exchange->http->events, exchange->stream, service, outcome, reply);
        return;
    }
    assert (exchange->state == EXCHANGE_WAITING && exchange->waiting_for > 0);
    exchange->waiting_for--;
    if (exchange->resolving_key)
        http_settle_key (exchange, outcome, reply);
    else if (exchange->route->kind == GATEWAY_ROUTE_READY) {
        http_settle_probe (exchange, service, outcome, reply);
        if (exchange->waiting_for == 0)
            http_exchange_answer_readiness (exchange);
    } else
        http_settle_call (exchange, outcome, reply);
    if (exchange->waiting_for == 0)
        http_exchange_resume (exchange);
}

/* --- MHD callbacks ------------------------------------------------------- */

static enum MHD_Result
http_access_handler (void *cls, struct MHD_Connection *connection, const char *url,
                     const char *method, const char *version, const char *upload_data,
                     size_t *upload_data_size, void **request_context)
{
    (void)version;
    gateway_http_t *self = cls;
    http_exchange_t *exchange = *request_context;
    if (!exchange) {
        exchange = http_exchange_new (self, connection, url, method);
        if (!exchange)
            return MHD_NO;
        *request_context = exchange;
        http_exchange_begin (exchange, url, method);
        /*  An answer queued now makes MHD skip the body and close the
         *  connection; without a body, wait for the next call and keep
         *  the connection alive. */
        if (exchange->state == EXCHANGE_ANSWERED && http_exchange_announces_body (exchange))
            return http_queue_answer (exchange);
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        bool keep = http_exchange_receive (exchange, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return keep ? MHD_YES : MHD_NO;
    }
    switch (exchange->state) {
        case EXCHANGE_RECEIVING:
            http_exchange_dispatch (exchange);
            if (exchange->state == EXCHANGE_STREAMING)
                return http_queue_stream (exchange);
            return exchange->state == EXCHANGE_ANSWERED ? http_queue_answer (exchange) : MHD_YES;
        case EXCHANGE_ANSWERED:
            return http_queue_answer (exchange);
        case EXCHANGE_STREAMING:
            return http_queue_stream (exchange);
        case EXCHANGE_WAITING:
        case EXCHANGE_SENT:
            break;
    }
    return MHD_YES;
}

static const char *
http_termination_name (enum MHD_RequestTerminationCode termination)
{
    switch (termination) {
        case MHD_REQUEST_TERMINATED_COMPLETED_OK:
            return "completed";
        case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
            return "timeout";
        case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
            return "shutdown";
        case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
            return "client_gone";
        case MHD_REQUEST_TERMINATED_READ_ERROR:
            return "read_error";
        default:
            return "error";
    }
}

/*  The request is over (answered, or the client went away): log it, let go
 *  of its upstream calls, free it. */
static void
http_request_completed (void *cls, struct MHD_Connection *connection, void **request_context,
                        enum MHD_RequestTerminationCode termination)
{
    (void)cls;
    (void)connection;
    http_exchange_t *exchange = *request_context;
    if (!exchange)
        return;
    char status[HTTP_NUMBER_TEXT_MAX];
    char latency[HTTP_NUMBER_TEXT_MAX];
    snprintf (status, sizeof status, "%u", exchange->state == EXCHANGE_SENT ? exchange->status : 0);
    snprintf (latency, sizeof latency, "%" PRId64,
              gateway_pending_now_ms () - exchange->started_ms);
    kefu_log_info ("http.request", "method", exchange->method, "path", exchange->path, "status",
                   status, "latency_ms", latency, "request_id", exchange->request_id, "outcome",
                   http_termination_name (termination), NULL);
    http_exchange_destroy (&exchange);
    *request_context = NULL;
}

static void
http_mhd_log (void *cls, const char *format, va_list args)
{
    (void)cls;
    char message[HTTP_LOG_MESSAGE_MAX];
    vsnprintf (message, sizeof message, format, args);
    size_t length = strlen (message);
    while (length > 0 && (message[length - 1] == '\n' || message[length - 1] == '\r'))
        message[--length] = '\0';
    kefu_log_warn ("http.mhd", "message", message, NULL);
}

/* --- the daemon ---------------------------------------------------------- */

/*  Resolve the bind address into `address`; false (logged) on failure. */
static bool
http_resolve_bind (const char *bind_address, unsigned port, struct sockaddr_storage *address)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *found = NULL;
    int rc = getaddrinfo (bind_address, NULL, &hints, &found);
    if (rc != 0 || !found) {
        kefu_log_error ("gateway.bind_failed", "address", bind_address, "error",
                        rc ? gai_strerror (rc) : "no address", NULL);
        if (found)
            freeaddrinfo (found);
        return false;
    }
    memset (address, 0, sizeof *address);
    memcpy (address, found->ai_addr, found->ai_addrlen);
    freeaddrinfo (found);
    if (address->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)address)->sin6_port = htons ((uint16_t)port);
    else
        ((struct sockaddr_in *)address)->sin_port = htons ((uint16_t)port);
    return true;
}

gateway_http_t *
gateway_http_new (const gateway_http_options_t *options, gateway_auth_t *auth,
                  gateway_upstream_t *upstream, gateway_events_t *events)
{
    assert (options && auth && upstream && events);
    struct sockaddr_storage address;
    if (!http_resolve_bind (options->bind_address, options->port, &address))
        return NULL;
    gateway_http_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->openapi = gateway_openapi_new ();
    if (!self->openapi) {
        kefu_log_error ("gateway.openapi_failed", "error",
                        "the OpenAPI document could not be built", NULL);
        free (self);
        return NULL;
    }
    self->auth = auth;
    self->upstream = upstream;
    self->events = events;
    self->options = *options;
    self->options.bind_address = NULL;
    self->epoll_fd = -1;

    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (address.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    unsigned connection_limit =
        options->max_connections > UINT_MAX ? UINT_MAX : (unsigned)options->max_connections;
    self->daemon = MHD_start_daemon (
        flags, (uint16_t)options->port, NULL, NULL, http_access_handler, self,
        MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, self, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&address, MHD_OPTION_CONNECTION_LIMIT, connection_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_IDLE_TIMEOUT_SECONDS,
        MHD_OPTION_NOTIFY_COMPLETED, http_request_completed, self,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_END);
    if (!self->daemon) {
        char port[HTTP_NUMBER_TEXT_MAX];
        snprintf (port, sizeof port, "%u", options->port);
        kefu_log_error ("gateway.bind_failed", "address", options->bind_address, "port", port,
                        "error", strerror (errno), NULL);
        gateway_openapi_destroy (&self->openapi);
        free (self);
        return NULL;
    }
    const union MHD_DaemonInfo *epoll_info =
        MHD_get_daemon_info (self->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    const union MHD_DaemonInfo *port_info =
        MHD_get_daemon_info (self->daemon, MHD_DAEMON_INFO_BIND_PORT);
    if (!epoll_info || !port_info) {
        kefu_log_error ("gateway.bind_failed", "address", options->bind_address, "error",
                        "libmicrohttpd gave no epoll descriptor or port", NULL);
        MHD_stop_daemon (self->daemon);
        gateway_openapi_destroy (&self->openapi);
        free (self);
        return NULL;
    }
    self->epoll_fd = epoll_info->epoll_fd;
    self->port = port_info->port;
    return self;
}

void
gateway_http_destroy (gateway_http_t **self_p)
{
    assert (self_p);
    gateway_http_t *self = *self_p;
    if (!self)
        return;
    if (self->daemon) {
        /*  MHD must not be stopped with suspended connections: answer them,
         *  end the event streams (which resumes them), and let MHD take the
         *  resumptions in before stopping. */
        gateway_events_shutdown (self->events);
        gateway_http_abandon_waiting (self);
        MHD_run (self->daemon);
        MHD_stop_daemon (self->daemon);
    }
    /*  MHD_stop_daemon completes every request it knows, which frees its
     *  exchange; free any it did not report rather than leak them. */
    while (self->exchanges) {
        http_exchange_t *exchange = self->exchanges;
        http_exchange_destroy (&exchange);
    }
    gateway_openapi_destroy (&self->openapi);
    free (self);
    *self_p = NULL;
}

unsigned
gateway_http_port (gateway_http_t *self)
{
    return self->port;
}

int
gateway_http_poll_fd (gateway_http_t *self)
{
    return self->epoll_fd;
}

long
gateway_http_timeout_ms (gateway_http_t *self)
{
    MHD_UNSIGNED_LONG_LONG timeout;
    if (self->resumed)
        return 0;
    if (MHD_get_timeout (self->daemon, &timeout) != MHD_YES)
        return -1;
    return timeout > (MHD_UNSIGNED_LONG_LONG)LONG_MAX ? LONG_MAX : (long)timeout;
}

void
gateway_http_run (gateway_http_t *self)
{
    self->resumed = false;
    if (MHD_run (self->daemon) != MHD_YES)
        kefu_log_error ("http.run_failed", NULL);
}

void
gateway_http_quiesce (gateway_http_t *self)
{
    if (self->quiescing)
        return;
    self->quiescing = true;
    MHD_socket listener = MHD_quiesce_daemon (self->daemon);
    /*  In external polling mode the listening socket is ours to close. */
    if (listener != MHD_INVALID_SOCKET)
        close (listener);
}

size_t
gateway_http_in_flight (gateway_http_t *self)
{
    return self->exchange_count;
}

void
gateway_http_abandon_waiting (gateway_http_t *self)
{
    for (http_exchange_t *exchange = self->exchanges; exchange; exchange = exchange->next) {
        if (exchange->state != EXCHANGE_WAITING)
            continue;
        http_exchange_cancel_calls (exchange);
        http_answer_problem_with (exchange, GATEWAY_HTTP_SERVICE_UNAVAILABLE, "service-unavailable",
                                  NULL, "the gateway is shutting down");
        http_exchange_resume (exchange);
    }
}
