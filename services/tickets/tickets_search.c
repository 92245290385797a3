/*  tickets_search: text queries and date ranges of the tickets service's
 *  lists. See tickets_search.h.
 */
#include "tickets_search.h"

#include "kefu_text.h"
#include "kefu_time.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/*  LIKE's default escape character. */
static const char LIKE_ESCAPE = '\\';

void
tickets_search_like_pattern (const char *q, char *pattern)
{
    char *out = pattern;
    *out++ = '%';
    for (const char *p = q; *p; p++) {
        if (*p == '%' || *p == '_' || *p == LIKE_ESCAPE)
            *out++ = LIKE_ESCAPE;
        *out++ = *p;
    }
    *out++ = '%';
    *out = '\0';
}

bool
tickets_search_text_prepare (kefu_call_t *call, const char *field, const char *q,
                             tickets_search_text_t *text)
{
    text->pattern[0] = '\0';
    text->gram[0] = '\0';
    if (!*q)
        return true;
    const char *problem = kefu_text_check (q, KEFU_TEXT_LINE, TICKETS_SEARCH_Q_MAX, true);
    if (problem) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", field,
                        "%s %s (one line of at most %d characters)", field, problem,
                        TICKETS_SEARCH_Q_MAX);
        return false;
    }
    /*  Checked above: at most TICKETS_SEARCH_Q_MAX characters of at most
     *  TICKETS_SEARCH_UTF8_MAX bytes, so both buffers are large enough. */
    tickets_search_like_pattern (q, text->pattern);
    if (kefu_text_length (q) < TICKETS_SEARCH_TRIGRAM_MIN)
        snprintf (text->gram, sizeof text->gram, "%s", q);
    return true;
}

/*  Parse one bound; false after answering the call. */
static bool
range_bound (kefu_call_t *call, const char *field, const char *value, int64_t *ms)
{
    *ms = INT64_MIN;
    if (!*value)
        return true;
    if (!kefu_time_parse_rfc3339 (value, ms)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", field,
                        "%s must be an RFC 3339 date-time, e.g. 2026-11-25T09:30:00Z", field);
        return false;
    }
    return true;
}

bool
tickets_search_range_prepare (kefu_call_t *call, const char *from_field, const char *from,
                              const char *to_field, const char *to, int64_t *from_ms,
                              int64_t *to_ms)
{
    if (!range_bound (call, from_field, from, from_ms) || !range_bound (call, to_field, to, to_ms))
        return false;
    if (*from_ms != INT64_MIN && *to_ms != INT64_MIN && *from_ms >= *to_ms) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", to_field,
                        "%s must be later than %s", to_field, from_field);
        return false;
    }
    return true;
}

const char *
tickets_search_ms_parameter (int64_t ms, char buffer[TICKETS_SEARCH_MS_TEXT_SIZE])
{
    if (ms == INT64_MIN)
        return NULL;
    snprintf (buffer, TICKETS_SEARCH_MS_TEXT_SIZE, "%" PRId64, ms);
    return buffer;
}
