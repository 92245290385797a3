/*  gateway_cursor: where an event stream stands in every source's events.
 *
 *  An SSE stream (GET /v1/events) follows every service of
 *  KEFU_GATEWAY_SERVICES at once. Its position in one source is the seq of
 *  the last event of that source it has dealt with: sent to the client, or
 *  passed over because the client's filter does not want it. The cursor is
 *  all these positions together, so that one Last-Event-ID resumes every
 *  source. Its text, sent as the `id:` of each event, lists the sources
 *  whose position is known, sorted by name:
 *
 *      cursor = entry *( "," entry )          "tickets:42,webhooks:7"
 *      entry  = source ":" seq
 *      source = a-z, then up to 31 of a-z 0-9 _   (a service name)
 *      seq    = 1 to 20 digits, a uint64 (at most 18446744073709551615)
 *
 *  Parsing is strict about the shape (a client that sends something else
 *  gets 400) but ignores well-formed entries for sources this gateway does
 *  not serve: a cursor may outlive a change of configuration. A source the
 *  cursor does not name stays unknown, and the stream starts it from "now".
 *
 *  A gateway_cursor_t is a small value with one slot per source, in the
 *  order of the source list it was made for.
 */
#ifndef GATEWAY_CURSOR_H_INCLUDED
#define GATEWAY_CURSOR_H_INCLUDED

#include "kefu_strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    /*  Longest cursor text accepted, in bytes, and most entries in it
     *  (known or not): a header, not a document. */
    GATEWAY_CURSOR_TEXT_MAX = 2048,
    GATEWAY_CURSOR_ENTRIES_MAX = 64,
    /*  Longest source name (as for KEFU_GATEWAY_SERVICES). */
    GATEWAY_CURSOR_SOURCE_MAX = 32,     /* = KEFU_TEXT_SERVICE_NAME_MAX */
    /*  Room for a short explanation of a parse failure. */
    GATEWAY_CURSOR_REASON_SIZE = 160
};

typedef struct _gateway_cursor_t gateway_cursor_t;

/*  A cursor over the `count` sources named in `names` (borrowed: they must
 *  outlive the cursor), every position unknown. NULL when out of memory. */
gateway_cursor_t *gateway_cursor_new (const char *const *names, size_t count);

void gateway_cursor_destroy (gateway_cursor_t **self_p);

/*  A copy of `other`, or NULL when out of memory. */
gateway_cursor_t *gateway_cursor_dup (const gateway_cursor_t *other);

/*  Set the positions named by `text` (the grammar above). Returns 0; or -1
 *  with a short explanation in `reason` (GATEWAY_CURSOR_REASON_SIZE bytes),
 *  and the cursor unchanged, when `text` is malformed: a wrong shape, a seq
 *  that is not a uint64, a source named twice, too long or too many. */
int gateway_cursor_parse (gateway_cursor_t *self, const char *text,
                          char reason[GATEWAY_CURSOR_REASON_SIZE]);

/*  Append the text form to `out`: the known positions, sorted by source
 *  name; nothing when none is known. */
void gateway_cursor_append (const gateway_cursor_t *self, kefu_strbuf_t *out);

size_t gateway_cursor_count (const gateway_cursor_t *self);

bool gateway_cursor_known (const gateway_cursor_t *self, size_t source);

/*  The position in `source`; 0 when unknown. */
uint64_t gateway_cursor_position (const gateway_cursor_t *self, size_t source);

/*  Make the position in `source` known and equal to `seq`. */
void gateway_cursor_set (gateway_cursor_t *self, size_t source, uint64_t seq);

#endif
