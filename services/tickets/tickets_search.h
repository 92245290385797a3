/*  tickets_search: what ticket search and standard-reply search share.
 *
 *  A text query `q` is matched as a case-insensitive substring (ILIKE
 *  '%q%', with q's own %, _ and \ escaped so that "100%" finds "100%" and
 *  not everything). How PostgreSQL finds candidates without reading a
 *  table whole depends on q's length, in characters
 *  (migrations/0004_tickets_search_replies.sql): from
 *  TICKETS_SEARCH_TRIGRAM_MIN characters on, the pg_trgm index of the
 *  ILIKE; below it, the index of search_grams(), the text's single
 *  characters and adjacent pairs, looked up with q itself. The store's
 *  statements take both values below and apply what is not empty.
 *
 *  Also here: the check of an RFC 3339 date range filter, the same for
 *  every list.
 */
#ifndef TICKETS_SEARCH_H_INCLUDED
#define TICKETS_SEARCH_H_INCLUDED

#include "kefu_service.h"

#include <stdbool.h>
#include <stdint.h>

enum {
    /*  Longest q, in characters: a phrase, not a document. */
    TICKETS_SEARCH_Q_MAX = 100,
    /*  Shortest q that has a trigram to look up; shorter ones use grams. */
    TICKETS_SEARCH_TRIGRAM_MIN = 3,
    /*  Longest character in UTF-8, in bytes. */
    TICKETS_SEARCH_UTF8_MAX = 4,
    /*  Room for the pattern: every byte of q escaped, two %, the NUL. */
    TICKETS_SEARCH_PATTERN_SIZE = 2 * TICKETS_SEARCH_Q_MAX * TICKETS_SEARCH_UTF8_MAX + 3,
    /*  Room for a gram: q of fewer than TICKETS_SEARCH_TRIGRAM_MIN characters. */
    TICKETS_SEARCH_GRAM_SIZE = (TICKETS_SEARCH_TRIGRAM_MIN - 1) * TICKETS_SEARCH_UTF8_MAX + 1
};

/*  A text query as the store's search statements take it. Both are "" when
 *  there is no query. */
typedef struct {
    char pattern[TICKETS_SEARCH_PATTERN_SIZE]; /* ILIKE pattern '%q%', q escaped */
    char gram[TICKETS_SEARCH_GRAM_SIZE];       /* q, when it is shorter than a trigram */
} tickets_search_text_t;

/*  Check the query `q` of field `field` (one line of UTF-8, at most
 *  TICKETS_SEARCH_Q_MAX characters, not only spaces; "" means no query)
 *  and fill `text`. Returns true, or false after answering the call with
 *  INVALID_ARGUMENT naming `field`. */
bool tickets_search_text_prepare (kefu_call_t *call, const char *field, const char *q,
                                  tickets_search_text_t *text);

/*  Escape `q` for a LIKE pattern with the default escape character and
 *  wrap it in %: writes "%<q escaped>%" to `pattern` (at least
 *  2 * strlen (q) + 3 bytes). */
void tickets_search_like_pattern (const char *q, char *pattern);

/*  A date range filter [from, to): each an RFC 3339 date-time or "" for
 *  none, from strictly before to when both are given. On success *from_ms
 *  / *to_ms are the instants in Unix milliseconds, or INT64_MIN when not
 *  given, and true is returned; otherwise the call is answered with
 *  INVALID_ARGUMENT naming the field at fault and false is returned. */
bool tickets_search_range_prepare (kefu_call_t *call, const char *from_field, const char *from,
                                   const char *to_field, const char *to, int64_t *from_ms,
                                   int64_t *to_ms);

/*  Text for a statement parameter: the instant `ms` in decimal into
 *  `buffer`, or NULL (SQL NULL) when it is INT64_MIN. */
enum { TICKETS_SEARCH_MS_TEXT_SIZE = 24 };
const char *tickets_search_ms_parameter (int64_t ms, char buffer[TICKETS_SEARCH_MS_TEXT_SIZE]);

#endif
