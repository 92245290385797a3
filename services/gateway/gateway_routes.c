/*  gateway_routes: the route table, path matching, and the generic
 *  request/reply conversion driven by the table. See gateway_routes.h.
 */
#include "gateway_routes.h"
#include "kefu/v1/envelope.pb-c.h"
#include "kefu/v1/replies.pb-c.h"
#include "kefu/v1/tickets.pb-c.h"
#include "kefu/v1/tickets_stats.pb-c.h"
#include "kefu/v1/webhooks.pb-c.h"
#include "kefu_json.h"
#include "kefu_text.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    /*  ListTicketsRequest.limit: 0 = the service's default (50). */
    ROUTES_LIST_LIMIT_MAX = 200,
    /*  Digits of INT64_MAX. */
    ROUTES_INT64_DIGITS_MAX = 19
};

/*  Who may read tickets, and who may change them. */
#define ROUTES_TICKET_WRITERS \
    (KEFU_ROLE_AGENT | KEFU_ROLE_SHIFT_LEAD | KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER)
#define ROUTES_TICKET_READERS \
    (ROUTES_TICKET_WRITERS | KEFU_ROLE_INTEGRATION | KEFU_ROLE_AUDITOR)
#define ROUTES_TICKET_CREATORS (ROUTES_TICKET_WRITERS | KEFU_ROLE_INTEGRATION)
/*  Who reads the statistics (TKT-9): those who answer for the service. */
#define ROUTES_STATS_READERS                                                               \
    (KEFU_ROLE_SHIFT_LEAD | KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER | KEFU_ROLE_AUDITOR | \
     KEFU_ROLE_INTEGRATION)
/*  Who approves and retires standard replies (TKT-10; the service checks
 *  it too). */
#define ROUTES_REPLY_REVIEWERS (KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER)
/*  Who manages webhooks (the webhooks service checks it too). */
#define ROUTES_WEBHOOK_MANAGERS (KEFU_ROLE_ADMIN | KEFU_ROLE_INTEGRATION)

static const gateway_route_t routes_table[] = {
    {
        .method = "GET",
        .pattern = "/healthz",
        .kind = GATEWAY_ROUTE_HEALTH,
        .anonymous = true,
        .success_status = GATEWAY_HTTP_OK,
    },
    {
        .method = "GET",
        .pattern = "/readyz",
        .kind = GATEWAY_ROUTE_READY,
        .anonymous = true,
        .success_status = GATEWAY_HTTP_OK,
    },
    {
        /*  Server-Sent Events; audit records only to auditors (AUD-8). */
        .method = "GET",
        .pattern = "/v1/events",
        .kind = GATEWAY_ROUTE_EVENTS,
        .roles = KEFU_ROLE_SHIFT_LEAD | KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER |
                 KEFU_ROLE_AUDITOR | KEFU_ROLE_INTEGRATION,
        .success_status = GATEWAY_HTTP_OK,
    },
    {
        .method = "POST",
        .pattern = "/v1/tickets",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_CREATORS,
        .service = "tickets",
        .service_method = "tickets.create",
        .request_type = &kefu__v1__create_ticket_request__descriptor,
        .reply_type = &kefu__v1__ticket__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .etag_field = "version",
        .location_field = "id",
        .location_prefix = "/v1/tickets/",
    },
    {
        .method = "GET",
        .pattern = "/v1/tickets",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_READERS,
        .service = "tickets",
        .service_method = "tickets.list",
        .request_type = &kefu__v1__list_tickets_request__descriptor,
        .reply_type = &kefu__v1__list_tickets_reply__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .query =
            {
                {"limit", 1, ROUTES_LIST_LIMIT_MAX},
                {"after", 0, INT64_MAX},
                {"status", 0, 0},
                {"kind", 0, 0},
                {"customer_id", 0, 0},
                {"assignee", 0, 0},
                {"q", 0, 0},
                {"owner", 0, 0},
                {"priority", 0, 0},
                {"channel", 0, 0},
                {"category", 0, 0},
                {"created_from", 0, 0},
                {"created_to", 0, 0},
                {"received_from", 0, 0},
                {"received_to", 0, 0},
            },
        .cursor_field = "next",
        .refused_query_is_400 = true,
    },
    {
        /*  Before /v1/tickets/{id}, which would take "stats" for an id. */
        .method = "GET",
        .pattern = "/v1/tickets/stats",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_STATS_READERS,
        .service = "tickets",
        .service_method = "tickets.stats",
        .request_type = &kefu__v1__ticket_stats_request__descriptor,
        .reply_type = &kefu__v1__ticket_stats_reply__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .query = {{"group_by", 0, 0}, {"period", 0, 0}, {"from", 0, 0}, {"to", 0, 0}},
        .refused_query_is_400 = true,
    },
    {
        .method = "GET",
        .pattern = "/v1/tickets/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_READERS,
        .service = "tickets",
        .service_method = "tickets.get",
        .request_type = &kefu__v1__get_ticket_request__descriptor,
        .reply_type = &kefu__v1__ticket__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .etag_field = "version",
    },
    {
        .method = "POST",
        .pattern = "/v1/tickets/{id}/transitions",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_WRITERS,
        .service = "tickets",
        .service_method = "tickets.transition",
        .request_type = &kefu__v1__transition_ticket_request__descriptor,
        .reply_type = &kefu__v1__ticket__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_version",
        .etag_field = "version",
    },
    {
        .method = "GET",
        .pattern = "/v1/tickets/{id}/history",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_READERS,
        .service = "tickets",
        .service_method = "tickets.history",
        .request_type = &kefu__v1__get_ticket_request__descriptor,
        .reply_type = &kefu__v1__ticket_history__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
    },
    /*  Standard replies (TKT-10), served by the tickets service. */
    {
        .method = "POST",
        .pattern = "/v1/replies",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_WRITERS,
        .service = "tickets",
        .service_method = "replies.create",
        .request_type = &kefu__v1__create_standard_reply_request__descriptor,
        .reply_type = &kefu__v1__standard_reply__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .etag_field = "revision",
        .location_field = "id",
        .location_prefix = "/v1/replies/",
    },
    {
        .method = "GET",
        .pattern = "/v1/replies",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_READERS,
        .service = "tickets",
        .service_method = "replies.list",
        .request_type = &kefu__v1__list_standard_replies_request__descriptor,
        .reply_type = &kefu__v1__list_standard_replies_reply__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .query =
            {
                {"limit", 1, ROUTES_LIST_LIMIT_MAX},
                {"after", 0, INT64_MAX},
                {"q", 0, 0},
                {"category", 0, 0},
                {"state", 0, 0},
            },
        .cursor_field = "next",
        .refused_query_is_400 = true,
    },
    {
        .method = "GET",
        .pattern = "/v1/replies/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_READERS,
        .service = "tickets",
        .service_method = "replies.get",
        .request_type = &kefu__v1__get_standard_reply_request__descriptor,
        .reply_type = &kefu__v1__standard_reply__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .query = {{"version", 1, INT32_MAX}},
        .etag_field = "revision",
        .refused_query_is_400 = true,
    },
    {
        /*  An edit: the body is the new version, in full. */
        .method = "PUT",
        .pattern = "/v1/replies/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_WRITERS,
        .service = "tickets",
        .service_method = "replies.update",
        .request_type = &kefu__v1__update_standard_reply_request__descriptor,
        .reply_type = &kefu__v1__standard_reply__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_revision",
        .etag_field = "revision",
    },
    {
        .method = "GET",
        .pattern = "/v1/replies/{id}/versions",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_READERS,
        .service = "tickets",
        .service_method = "replies.versions",
        .request_type = &kefu__v1__get_standard_reply_request__descriptor,
        .reply_type = &kefu__v1__standard_reply_versions__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
    },
    {
        .method = "POST",
        .pattern = "/v1/replies/{id}/approve",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_REPLY_REVIEWERS,
        .service = "tickets",
        .service_method = "replies.approve",
        .request_type = &kefu__v1__review_standard_reply_request__descriptor,
        .reply_type = &kefu__v1__standard_reply__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_revision",
        .etag_field = "revision",
    },
    {
        .method = "POST",
        .pattern = "/v1/replies/{id}/retire",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_REPLY_REVIEWERS,
        .service = "tickets",
        .service_method = "replies.retire",
        .request_type = &kefu__v1__review_standard_reply_request__descriptor,
        .reply_type = &kefu__v1__standard_reply__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_revision",
        .etag_field = "revision",
    },
    {
        .method = "POST",
        .pattern = "/v1/webhooks",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_WEBHOOK_MANAGERS,
        .service = "webhooks",
        .service_method = "webhooks.create",
        .request_type = &kefu__v1__create_webhook_request__descriptor,
        .reply_type = &kefu__v1__webhook__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .location_field = "id",
        .location_prefix = "/v1/webhooks/",
    },
    {
        .method = "GET",
        .pattern = "/v1/webhooks",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_WEBHOOK_MANAGERS,
        .service = "webhooks",
        .service_method = "webhooks.list",
        .request_type = &kefu__v1__list_webhooks_request__descriptor,
        .reply_type = &kefu__v1__list_webhooks_reply__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .query = {{"limit", 1, ROUTES_LIST_LIMIT_MAX}, {"after", 0, INT64_MAX}},
        .cursor_field = "next",
    },
    {
        .method = "GET",
        .pattern = "/v1/webhooks/{key}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_WEBHOOK_MANAGERS,
        .service = "webhooks",
        .service_method = "webhooks.get",
        .request_type = &kefu__v1__webhook_ref__descriptor,
        .reply_type = &kefu__v1__webhook__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_key_field = "id",
    },
    {
        .method = "DELETE",
        .pattern = "/v1/webhooks/{key}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_WEBHOOK_MANAGERS,
        .service = "webhooks",
        .service_method = "webhooks.delete",
        .request_type = &kefu__v1__webhook_ref__descriptor,
        .reply_type = &kefu__v1__webhook__descriptor,
        .success_status = GATEWAY_HTTP_NO_CONTENT,
        .path_key_field = "id",
    },
    {
        .method = "POST",
        .pattern = "/v1/webhooks/{key}/pause",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_WEBHOOK_MANAGERS,
        .service = "webhooks",
        .service_method = "webhooks.pause",
        .request_type = &kefu__v1__webhook_ref__descriptor,
        .reply_type = &kefu__v1__webhook__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_key_field = "id",
    },
    {
        .method = "POST",
        .pattern = "/v1/webhooks/{key}/resume",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_WEBHOOK_MANAGERS,
        .service = "webhooks",
        .service_method = "webhooks.resume",
        .request_type = &kefu__v1__webhook_ref__descriptor,
        .reply_type = &kefu__v1__webhook__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_key_field = "id",
    },
    {
        .method = "GET",
        .pattern = "/v1/webhooks/{key}/deliveries",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_WEBHOOK_MANAGERS,
        .service = "webhooks",
        .service_method = "webhooks.deliveries",
        .request_type = &kefu__v1__list_deliveries_request__descriptor,
        .reply_type = &kefu__v1__list_deliveries_reply__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_key_field = "webhook_id",
        .query = {{"limit", 1, ROUTES_LIST_LIMIT_MAX}, {"after", 0, INT64_MAX}, {"status", 0, 0}},
        .cursor_field = "next",
    },
    {
        .method = "POST",
        .pattern = "/v1/webhooks/{key}/deliveries/{id}/redeliver",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_WEBHOOK_MANAGERS,
        .service = "webhooks",
        .service_method = "webhooks.redeliver",
        .request_type = &kefu__v1__redeliver_request__descriptor,
        .reply_type = &kefu__v1__delivery__descriptor,
        .success_status = GATEWAY_HTTP_ACCEPTED,
        .path_key_field = "webhook_id",
        .path_id_field = "delivery_id",
    },
};

#define ROUTE_COUNT (sizeof routes_table / sizeof routes_table[0])

const gateway_route_t *
gateway_routes_table (size_t *count)
{
    *count = ROUTE_COUNT;
    return routes_table;
}

/* --- matching ------------------------------------------------------------ */

/*  Match `path` against `pattern`, where "{...}" stands for one non-empty
 *  segment (captured). */
static bool
routes_pattern_matches (const char *pattern, const char *path, const char **id_text,
                        size_t *id_length)
{
    const char *p = pattern;
    const char *q = path;
    while (*p && *q) {
        if (*p == '{') {
            const char *close = strchr (p, '}');
            assert (close);
            const char *segment_end = q;
            while (*segment_end && *segment_end != '/')
                segment_end++;
            if (segment_end == q)
                return false;
            *id_text = q;
            *id_length = (size_t)(segment_end - q);
            p = close + 1;
            q = segment_end;
        } else if (*p == *q) {
            p++;
            q++;
        } else
            return false;
    }
    return *p == '\0' && *q == '\0';
}

gateway_route_match_t
gateway_routes_match (const char *method, const char *path, const gateway_route_t **route,
                      const char **id_text, size_t *id_length,
                      char allow[GATEWAY_ROUTES_ALLOW_SIZE])
{
    *route = NULL;
    *id_text = NULL;
    *id_length = 0;
    allow[0] = '\0';
    bool path_known = false;
    for (size_t i = 0; i < ROUTE_COUNT; i++) {
        const char *segment = NULL;
        size_t segment_length = 0;
        if (!routes_pattern_matches (routes_table[i].pattern, path, &segment, &segment_length))
            continue;
        if (strcmp (routes_table[i].method, method) == 0) {
            *route = &routes_table[i];
            *id_text = segment;
            *id_length = segment_length;
            return GATEWAY_ROUTE_FOUND;
        }
        path_known = true;
        if (!strstr (allow, routes_table[i].method)) {
            size_t used = strlen (allow);
            snprintf (allow + used, GATEWAY_ROUTES_ALLOW_SIZE - used, "%s%s", used ? ", " : "",
                      routes_table[i].method);
        }
    }
    return path_known ? GATEWAY_ROUTE_NO_METHOD : GATEWAY_ROUTE_NO_PATH;
}

/*  Strict decimal: an optional '-', then 1..19 digits, nothing else. */
static bool
routes_parse_integer (const char *text, size_t length, long long *value)
{
    size_t digits_start = (length > 0 && text[0] == '-') ? 1 : 0;
    size_t digits = length - digits_start;
    if (digits == 0 || digits > ROUTES_INT64_DIGITS_MAX)
        return false;
    for (size_t i = digits_start; i < length; i++)
        if (text[i] < '0' || text[i] > '9')
            return false;
    char buffer[ROUTES_INT64_DIGITS_MAX + 2];
    memcpy (buffer, text, length);
    buffer[length] = '\0';
    errno = 0;
    long long parsed = strtoll (buffer, NULL, 10);
    if (errno == ERANGE)
        return false;
    *value = parsed;
    return true;
}

bool
gateway_routes_parse_id (const char *text, size_t length, int64_t *id)
{
    long long value;
    if (!text || length == 0 || text[0] == '-' || !routes_parse_integer (text, length, &value) ||
        value < 1)
        return false;
    *id = value;
    return true;
}

/*  In a pattern, the placeholder of a text id; any other is an {id}. */
static const char ROUTES_KEY_PLACEHOLDER[] = "{key}";

/*  A path {key}: 1..GATEWAY_ROUTES_KEY_MAX of A-Z a-z 0-9 _ - (ids such
 *  as "wh_0a1b"; nothing a URL would have to escape). */
static bool
routes_parse_key (const char *text, size_t length, char key[GATEWAY_ROUTES_KEY_MAX + 1])
{
    if (length == 0 || length > GATEWAY_ROUTES_KEY_MAX)
        return false;
    for (size_t i = 0; i < length; i++) {
        char c = text[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    memcpy (key, text, length);
    key[length] = '\0';
    return true;
}

bool
gateway_routes_parse_path (const gateway_route_t *route, const char *path, gateway_path_t *values)
{
    memset (values, 0, sizeof *values);
    const char *p = route->pattern;
    const char *q = path;
    while (*p && *q) {
        if (*p != '{') {
            if (*p++ != *q++)
                return false;
            continue;
        }
        const char *close = strchr (p, '}');
        assert (close);
        const char *segment_end = q;
        while (*segment_end && *segment_end != '/')
            segment_end++;
        size_t length = (size_t)(segment_end - q);
        size_t placeholder_length = (size_t)(close - p + 1);
        bool is_key = placeholder_length == sizeof ROUTES_KEY_PLACEHOLDER - 1 &&
                      strncmp (p, ROUTES_KEY_PLACEHOLDER, placeholder_length) == 0;
        if (is_key ? !routes_parse_key (q, length, values->key)
                   : !gateway_routes_parse_id (q, length, &values->id))
            return false;
        p = close + 1;
        q = segment_end;
    }
    return *p == '\0' && *q == '\0';
}

bool
gateway_routes_parse_if_match (const char *header, int64_t *version)
{
    const char *text = header;
    while (*text == ' ' || *text == '\t')
        text++;
    size_t length = strlen (text);
    while (length > 0 && (text[length - 1] == ' ' || text[length - 1] == '\t'))
        length--;
    if (length == 1 && text[0] == '*') {
        *version = 0;
        return true;
    }
    /*  A weak tag names the same version here: versions are the only
     *  validators the gateway hands out. */
    if (length >= 2 && text[0] == 'W' && text[1] == '/') {
        text += 2;
        length -= 2;
    }
    if (length < 3 || text[0] != '"' || text[length - 1] != '"')
        return false;
    return gateway_routes_parse_id (text + 1, length - 2, version);
}

/* --- requests ------------------------------------------------------------ */

static bool
routes_field_is_integer (const ProtobufCFieldDescriptor *field)
{
    switch (field->type) {
        case PROTOBUF_C_TYPE_INT32:
        case PROTOBUF_C_TYPE_SINT32:
        case PROTOBUF_C_TYPE_SFIXED32:
        case PROTOBUF_C_TYPE_UINT32:
        case PROTOBUF_C_TYPE_FIXED32:
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_SINT64:
        case PROTOBUF_C_TYPE_SFIXED64:
        case PROTOBUF_C_TYPE_UINT64:
        case PROTOBUF_C_TYPE_FIXED64:
            return true;
        default:
            return false;
    }
}

/*  Set `key` in `body`; false only when out of memory. */
static bool
routes_body_set (json_t *body, const char *key, json_t *value)
{
    return value && json_object_set_new (body, key, value) == 0;
}

/*  Merge the route's query parameters into `body`. Returns 0, or -1 with
 *  `problem` filled. */
static int
routes_merge_query (const gateway_route_t *route, json_t *body, gateway_query_lookup_fn *lookup,
                    void *lookup_arg, gateway_problem_t *problem)
{
    for (size_t i = 0; i < GATEWAY_ROUTE_QUERY_MAX && route->query[i].name; i++) {
        const gateway_query_param_t *param = &route->query[i];
        const char *text = lookup (lookup_arg, param->name);
        if (!text)
            continue;
        const ProtobufCFieldDescriptor *field =
            protobuf_c_message_descriptor_get_field_by_name (route->request_type, param->name);
        assert (field); /* the table names real fields */
        json_t *value;
        if (routes_field_is_integer (field)) {
            long long number;
            if (!routes_parse_integer (text, strlen (text), &number) || number < param->min ||
                number > param->max) {
                gateway_problem_set (problem, GATEWAY_HTTP_BAD_REQUEST, "invalid-field",
                                     param->name,
                                     "the query parameter %s must be an integer from %lld to %lld",
                                     param->name, param->min, param->max);
                return -1;
            }
            value = json_integer (number);
        } else {
            if (strlen (text) > GATEWAY_ROUTES_QUERY_TEXT_MAX || !kefu_text_valid_utf8 (text)) {
                gateway_problem_set (
                    problem, GATEWAY_HTTP_BAD_REQUEST, "invalid-field", param->name,
                    "the query parameter %s must be UTF-8 text of at most %d bytes", param->name,
                    GATEWAY_ROUTES_QUERY_TEXT_MAX);
                return -1;
            }
            value = json_string (text);
        }
        if (!routes_body_set (body, param->name, value)) {
            gateway_problem_set (problem, GATEWAY_HTTP_INTERNAL_ERROR, "internal", NULL,
                                 "out of memory");
            return -1;
        }
    }
    return 0;
}

int
gateway_routes_build_payload (const gateway_route_t *route, json_t *body, int64_t path_id,
                              gateway_query_lookup_fn *lookup, void *lookup_arg,
                              const char *if_match, uint8_t **payload, size_t *size,
                              gateway_problem_t *problem)
{
    gateway_path_t path = {.id = path_id};
    return gateway_routes_build_payload_path (route, body, &path, lookup, lookup_arg, if_match,
                                              payload, size, problem);
}

int
gateway_routes_build_payload_path (const gateway_route_t *route, json_t *body,
                                   const gateway_path_t *path, gateway_query_lookup_fn *lookup,
                                   void *lookup_arg, const char *if_match, uint8_t **payload,
                                   size_t *size, gateway_problem_t *problem)
{
    assert (route->request_type && json_is_object (body));
    *payload = NULL;
    *size = 0;
    if (routes_merge_query (route, body, lookup, lookup_arg, problem) != 0)
        return -1;
    if (route->if_match_field && if_match) {
        int64_t version;
        if (!gateway_routes_parse_if_match (if_match, &version)) {
            gateway_problem_set (problem, GATEWAY_HTTP_BAD_REQUEST, "invalid-header", "If-Match",
                                 "If-Match must be a version as sent in ETag, like \"3\"");
            return -1;
        }
        if (version > 0 && !routes_body_set (body, route->if_match_field, json_integer (version))) {
            gateway_problem_set (problem, GATEWAY_HTTP_INTERNAL_ERROR, "internal", NULL,
                                 "out of memory");
            return -1;
        }
    }
    if ((route->path_id_field &&
         !routes_body_set (body, route->path_id_field, json_integer (path->id))) ||
        (route->path_key_field &&
         !routes_body_set (body, route->path_key_field, json_string (path->key)))) {
        gateway_problem_set (problem, GATEWAY_HTTP_INTERNAL_ERROR, "internal", NULL,
                             "out of memory");
        return -1;
    }

    ProtobufCMessage *message = NULL;
    kefu_json_error_t error;
    kefu_json_result_t result = kefu_json_to_proto (body, route->request_type, &message, &error);
    if (result == KEFU_JSON_NO_MEMORY) {
        gateway_problem_set (problem, GATEWAY_HTTP_INTERNAL_ERROR, "internal", NULL,
                             "out of memory");
        return -1;
    }
    if (result != KEFU_JSON_OK) {
        gateway_problem_set (problem, GATEWAY_HTTP_BAD_REQUEST, "invalid-field", error.field,
                             "%s%s%s", error.field, *error.field ? ": " : "", error.reason);
        return -1;
    }
    size_t packed_size = protobuf_c_message_get_packed_size (message);
    uint8_t *packed = malloc (packed_size ? packed_size : 1);
    if (!packed) {
        protobuf_c_message_free_unpacked (message, NULL);
        gateway_problem_set (problem, GATEWAY_HTTP_INTERNAL_ERROR, "internal", NULL,
                             "out of memory");
        return -1;
    }
    protobuf_c_message_pack (message, packed);
    protobuf_c_message_free_unpacked (message, NULL);
    *payload = packed;
    *size = packed_size;
    return 0;
}

/* --- replies ------------------------------------------------------------- */

int
gateway_routes_render_reply (const gateway_route_t *route, const uint8_t *payload, size_t size,
                             gateway_rendered_t *rendered, gateway_problem_t *problem)
{
    assert (route->reply_type);
    memset (rendered, 0, sizeof *rendered);
    ProtobufCMessage *message = protobuf_c_message_unpack (route->reply_type, NULL, size, payload);
    if (!message) {
        gateway_problem_set (problem, GATEWAY_HTTP_BAD_GATEWAY, "bad-gateway", NULL,
                             "the %s service sent a reply that is not a %s", route->service,
                             route->reply_type->name);
        return -1;
    }
    json_t *document = kefu_json_from_proto (message);
    protobuf_c_message_free_unpacked (message, NULL);
    if (!document) {
        gateway_problem_set (problem, GATEWAY_HTTP_INTERNAL_ERROR, "internal", NULL,
                             "the reply could not be rendered");
        return -1;
    }
    if (route->etag_field) {
        json_t *version = json_object_get (document, route->etag_field);
        if (json_is_integer (version))
            snprintf (rendered->etag, sizeof rendered->etag, "\"%" JSON_INTEGER_FORMAT "\"",
                      json_integer_value (version));
    }
    if (route->location_field) {
        json_t *id = json_object_get (document, route->location_field);
        char key[GATEWAY_ROUTES_KEY_MAX + 1];
        if (json_is_integer (id))
            snprintf (rendered->location, sizeof rendered->location, "%s%" JSON_INTEGER_FORMAT,
                      route->location_prefix, json_integer_value (id));
        else if (json_is_string (id) &&
                 routes_parse_key (json_string_value (id), json_string_length (id), key))
            snprintf (rendered->location, sizeof rendered->location, "%s%s", route->location_prefix,
                      key);
    }
    bool built = true;
    if (route->cursor_field) {
        /*  A cursor is opaque text to clients (it may stop being a number
         *  one day); no further page is null. */
        json_t *cursor = json_object_get (document, route->cursor_field);
        json_t *text = json_null ();
        if (json_is_integer (cursor) && json_integer_value (cursor) != 0) {
            char digits[ROUTES_INT64_DIGITS_MAX + 2];
            snprintf (digits, sizeof digits, "%" JSON_INTEGER_FORMAT, json_integer_value (cursor));
            text = json_string (digits);
        }
        built = text && json_object_set_new (document, route->cursor_field, text) == 0;
    }
    if (route->success_status == GATEWAY_HTTP_NO_CONTENT)
        rendered->body = built ? strdup ("") : NULL;
    else
        rendered->body = built ? json_dumps (document, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref (document);
    if (!rendered->body) {
        gateway_problem_set (problem, GATEWAY_HTTP_INTERNAL_ERROR, "internal", NULL,
                             "out of memory");
        return -1;
    }
    return 0;
}
