/*  gateway_stream: one SSE stream's catch-up state machine and its output
 *  buffer. See gateway_stream.h for the contract and the wire format.
 *
 *  Each source moves through these phases:
 *
 *      before the start (every source answered or failed):
 *        PROBING ─answer─► PROBED          no cursor for it: where is "now"?
 *        PROBING ─failure─► UNKNOWN        down: starts at its first live event
 *        RESUMING                          the client's cursor named it
 *      then:
 *        RESUMING ─► REPLAYING ◄─► RETRYING   page by page (a failed page is
 *        REPLAYING, caught up ─► DRAINING     asked again later)
 *        PROBED ─► DRAINING ─► LIVE          the held live events, then live
 *        LIVE ─buffer full─► DRAINING        a burst: held, fed as read
 *        LIVE ─gap─► REPLAYING               the bus dropped some
 *        UNKNOWN ─first live event─► LIVE
 *
 *  While a source is not LIVE its live events are held in its backlog
 *  (bounded by buffer_bytes of packed events); DRAINING sends those after
 *  the position, stopping at a gap (which replays again). While replaying,
 *  a full backlog drops the newest and the source replays once more after
 *  draining: the missing ones can only be found there. While live or
 *  draining, a full backlog means the client cannot keep up with live
 *  events at all: the stream closes (slow-consumer), and the client
 *  resumes from its cursor by replay, at its own pace.
 *
 *  Catching up (a page, the backlog) is paced by the client's reading: it
 *  stops when the buffer is half full and goes on when the client has read
 *  it down (gateway_stream_read), so a client that reads at any speed gets
 *  any amount of history, and bursts are absorbed.
 *
 *  The position itself lives in the stream's gateway_cursor, which is also
 *  the text of every `id:`.
 */
#include "gateway_stream.h"
#include "kefu_cloudevent.h"
#include "kefu_log.h"
#include "kefu_strbuf.h"
#include "kefu_text.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    /*  The probe asks for events after the largest seq PostgreSQL's bigint
     *  holds: it gets none, only last_seq. */
    STREAM_PROBE_LIMIT = 1,
    /*  An emptied output buffer larger than this is given back. */
    STREAM_BUFFER_KEEP = 64 * 1024,
    STREAM_BUFFER_INITIAL = 4096,
    /*  Catching up fills the buffer to 1/2 of its bound, and goes on when
     *  the client has read it down to 1/4. */
    STREAM_CATCH_UP_HIGH = 2,
    STREAM_CATCH_UP_LOW = 4,
    STREAM_REASON_MAX = 32
};

static const char STREAM_AUDIT_PREFIX[] = "audit.record.";
static const char STREAM_CLOSED_EVENT[] = "kefu.stream.closed";
static const char STREAM_HEARTBEAT[] = ": keep-alive\n\n";

/* --- the types filter ----------------------------------------------------- */

static bool
stream_type_char_valid (char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
}

int
gateway_stream_types_parse (const char *text, gateway_stream_types_t *types,
                            char reason[GATEWAY_STREAM_REASON_SIZE])
{
    gateway_stream_types_t parsed;
    memset (&parsed, 0, sizeof parsed);
    if (text && *text) {
        const char *cursor = text;
        for (;;) {
            const char *end = strchr (cursor, ',');
            if (!end)
                end = cursor + strlen (cursor);
            size_t length = (size_t)(end - cursor);
            if (length == 0 || length > GATEWAY_STREAM_TYPE_PREFIX_MAX) {
                snprintf (reason, GATEWAY_STREAM_REASON_SIZE,
                          "each type prefix must be 1 to %d characters",
                          GATEWAY_STREAM_TYPE_PREFIX_MAX);
                return -1;
            }
            for (size_t i = 0; i < length; i++)
                if (!stream_type_char_valid (cursor[i])) {
                    snprintf (reason, GATEWAY_STREAM_REASON_SIZE,
                              "a type prefix may only hold a-z, 0-9, '.' and '_'");
                    return -1;
                }
            if (parsed.count == GATEWAY_STREAM_TYPES_MAX) {
                snprintf (reason, GATEWAY_STREAM_REASON_SIZE, "at most %d type prefixes",
                          GATEWAY_STREAM_TYPES_MAX);
                return -1;
            }
            memcpy (parsed.prefixes[parsed.count], cursor, length);
            parsed.prefixes[parsed.count][length] = '\0';
            parsed.count++;
            if (*end == '\0')
                break;
            cursor = end + 1;
        }
    }
    *types = parsed;
    return 0;
}

bool
gateway_stream_types_match (const gateway_stream_types_t *types, bool auditor, const char *type)
{
    if (!auditor && strncmp (type, STREAM_AUDIT_PREFIX, sizeof STREAM_AUDIT_PREFIX - 1) == 0)
        return false;
    if (types->count == 0)
        return true;
    for (size_t i = 0; i < types->count; i++)
        if (strncmp (type, types->prefixes[i], strlen (types->prefixes[i])) == 0)
            return true;
    return false;
}

int
gateway_stream_subject_parse (const char *text, gateway_stream_types_t *types,
                              char reason[GATEWAY_STREAM_REASON_SIZE])
{
    types->subject[0] = '\0';
    if (!text || !*text)
        return 0;
    if (strlen (text) > GATEWAY_STREAM_SUBJECT_MAX ||
        kefu_text_check (text, KEFU_TEXT_LINE, GATEWAY_STREAM_SUBJECT_MAX, true) != NULL) {
        snprintf (reason, GATEWAY_STREAM_REASON_SIZE,
                  "the subject must be one line of UTF-8 text, at most %d bytes",
                  GATEWAY_STREAM_SUBJECT_MAX);
        return -1;
    }
    snprintf (types->subject, sizeof types->subject, "%s", text);
    return 0;
}

bool
gateway_stream_subject_match (const gateway_stream_types_t *types, const char *subject)
{
    return types->subject[0] == '\0' || (subject && strcmp (subject, types->subject) == 0);
}

/* --- shared live events --------------------------------------------------- */

struct _gateway_stream_event_t {
    Kefu__V1__Event *message;
    size_t size; /* packed, what holding it counts for */
    char *json;  /* rendered on first need */
    bool render_failed;
    size_t references;
};

gateway_stream_event_t *
gateway_stream_event_new (Kefu__V1__Event **event_p)
{
    assert (event_p && *event_p);
    gateway_stream_event_t *self = calloc (1, sizeof *self);
    if (!self) {
        kefu__v1__event__free_unpacked (*event_p, NULL);
        *event_p = NULL;
        return NULL;
    }
    self->message = *event_p;
    self->size = kefu__v1__event__get_packed_size (self->message);
    self->references = 1;
    *event_p = NULL;
    return self;
}

gateway_stream_event_t *
gateway_stream_event_ref (gateway_stream_event_t *self)
{
    self->references++;
    return self;
}

void
gateway_stream_event_unref (gateway_stream_event_t **self_p)
{
    assert (self_p);
    gateway_stream_event_t *self = *self_p;
    if (!self)
        return;
    *self_p = NULL;
    if (--self->references > 0)
        return;
    kefu__v1__event__free_unpacked (self->message, NULL);
    free (self->json);
    free (self);
}

const Kefu__V1__Event *
gateway_stream_event_message (const gateway_stream_event_t *self)
{
    return self->message;
}

/*  The CloudEvents JSON of a shared event (borrowed), or NULL when out of
 *  memory. */
static const char *
stream_event_json (gateway_stream_event_t *self)
{
    if (!self->json && !self->render_failed) {
        self->json = kefu_cloudevent_render (self->message);
        self->render_failed = !self->json;
    }
    return self->json;
}

/* --- the stream ----------------------------------------------------------- */

typedef enum {
    SOURCE_PROBING,   /* asking where the source stands now */
    SOURCE_PROBED,    /* it answered; goes live when the stream starts */
    SOURCE_UNKNOWN,   /* could not be asked: starts at its first live event */
    SOURCE_RESUMING,  /* the cursor gave its position; replays when the stream starts */
    SOURCE_REPLAYING, /* a page is asked for, or being sent */
    SOURCE_RETRYING,  /* the source did not answer; ask again at retry_at_ms */
    SOURCE_DRAINING,  /* caught up: sending the live events held meanwhile */
    SOURCE_LIVE       /* live events go out as they come */
} stream_phase_t;

typedef struct {
    stream_phase_t phase;
    bool waiting; /* a request is in flight */
    gateway_pending_id_t pending;
    uint64_t asked_after; /* after_seq of the page asked for */
    int64_t retry_at_ms;
    Kefu__V1__ReplayReply *page;      /* the page being sent (paced by the client) */
    size_t page_next;                 /* its next event */
    gateway_stream_event_t **backlog; /* live events held while catching up */
    size_t backlog_count;
    size_t backlog_capacity;
    size_t backlog_bytes; /* their packed sizes, bounded by buffer_bytes */
    bool backlog_dropped; /* some were not held: replay once more after draining */
} stream_source_t;

typedef enum {
    STREAM_APPENDED,
    STREAM_FULL, /* over the bound */
    STREAM_NO_MEMORY
} stream_append_result_t;

typedef enum {
    DELIVER_DONE,  /* sent, or passed over: the position moved */
    DELIVER_FULL,  /* no room: nothing changed */
    DELIVER_CLOSED /* the stream had to close */
} stream_deliver_result_t;

struct _gateway_stream_t {
    const gateway_stream_context_t *context; /* borrowed */
    void *owner;
    gateway_stream_types_t types;
    char *prefixes[GATEWAY_STREAM_TYPES_MAX]; /* into types, for ReplayRequest */
    bool auditor;
    gateway_cursor_t *cursor;
    stream_source_t *sources;
    size_t probing; /* sources still PROBING */
    bool started;   /* every source answered or failed: events may go out */
    /*  The output: text from `head` to `tail` waits to be read. */
    char *buffer;
    size_t head;
    size_t tail;
    size_t capacity;
    int64_t last_output_ms;                /* for heartbeats */
    kefu_strbuf_t scratch;                 /* one message being assembled */
    char closed_reason[STREAM_REASON_MAX]; /* "" while open */
};

static void stream_start_replay (gateway_stream_t *self, size_t source, int64_t now_ms);

static bool
stream_closed (const gateway_stream_t *self)
{
    return self->closed_reason[0] != '\0';
}

static size_t
stream_waiting_bytes (const gateway_stream_t *self)
{
    return self->tail - self->head;
}

/*  Catching up is paced by the client: it fills the buffer only to this,
 *  leaving the rest of the bound to live events... */
static bool
stream_has_room_to_catch_up (const gateway_stream_t *self)
{
    return stream_waiting_bytes (self) < self->context->buffer_bytes / STREAM_CATCH_UP_HIGH;
}

/*  ...and goes on once the client has read the buffer down to this. */
static bool
stream_may_go_on (const gateway_stream_t *self)
{
    return stream_waiting_bytes (self) <= self->context->buffer_bytes / STREAM_CATCH_UP_LOW;
}

/*  Append `size` bytes of text. With `bounded`, refuse (STREAM_FULL) when
 *  the buffer already holds something and would go past its bound. */
static stream_append_result_t
stream_append (gateway_stream_t *self, const char *text, size_t size, bool bounded, int64_t now_ms)
{
    size_t waiting = stream_waiting_bytes (self);
    if (bounded && waiting > 0 && waiting + size > self->context->buffer_bytes)
        return STREAM_FULL;
    if (self->tail + size > self->capacity && self->head > 0) {
        memmove (self->buffer, self->buffer + self->head, waiting);
        self->head = 0;
        self->tail = waiting;
    }
    if (self->tail + size > self->capacity) {
        size_t capacity = self->capacity ? self->capacity : STREAM_BUFFER_INITIAL;
        while (capacity < self->tail + size) {
            if (capacity > SIZE_MAX / 2)
                return STREAM_NO_MEMORY;
            capacity *= 2;
        }
        char *buffer = realloc (self->buffer, capacity);
        if (!buffer)
            return STREAM_NO_MEMORY;
        self->buffer = buffer;
        self->capacity = capacity;
    }
    memcpy (self->buffer + self->tail, text, size);
    self->tail += size;
    self->last_output_ms = now_ms;
    if (waiting == 0)
        self->context->wake (self->owner);
    return STREAM_APPENDED;
}

/*  Forget the request in flight for `source`, and the page in hand. */
static void
stream_source_release (gateway_stream_t *self, size_t source)
{
    stream_source_t *entry = &self->sources[source];
    if (entry->waiting)
        self->context->cancel (self->context->host, entry->pending);
    entry->waiting = false;
    entry->pending = (gateway_pending_id_t){0, 0};
    if (entry->page)
        kefu__v1__replay_reply__free_unpacked (entry->page, NULL);
    entry->page = NULL;
}

void
gateway_stream_close (gateway_stream_t *self, const char *reason)
{
    if (stream_closed (self))
        return;
    snprintf (self->closed_reason, sizeof self->closed_reason, "%s", reason);
    for (size_t i = 0; i < self->context->source_count; i++)
        stream_source_release (self, i);
    kefu_strbuf_t *text = &self->scratch;
    kefu_strbuf_reset (text);
    kefu_strbuf_t resume;
    kefu_strbuf_init (&resume);
    gateway_cursor_append (self->cursor, &resume);
    if (kefu_strbuf_length (&resume) > 0)
        kefu_strbuf_appendf (text, "id: %s\n", kefu_strbuf_data (&resume));
    kefu_strbuf_appendf (text, "event: %s\ndata: {\"reason\":", STREAM_CLOSED_EVENT);
    kefu_strbuf_append_json_string (text, self->closed_reason);
    kefu_strbuf_append (text, ",\"resume\":");
    if (kefu_strbuf_length (&resume) > 0)
        kefu_strbuf_append_json_string (text, kefu_strbuf_data (&resume));
    else
        kefu_strbuf_append (text, "null");
    kefu_strbuf_append (text, "}\n\n");
    bool built = kefu_strbuf_ok (&resume) && kefu_strbuf_ok (text);
    kefu_log_info ("sse.closed", "reason", self->closed_reason, "resume",
                   kefu_strbuf_data (&resume), NULL);
    kefu_strbuf_release (&resume);
    /*  Past the bound on purpose: the client must learn why it was cut off
     *  and where to resume. Without memory for it, the stream just ends. */
    if (built)
        stream_append (self, kefu_strbuf_data (text), kefu_strbuf_length (text), false,
                       self->last_output_ms);
    self->context->wake (self->owner);
}

/*  The next event of `source` in seq order: send it if the client wants
 *  it, else just move past it. `shared` is the live event it came in, if
 *  any (its JSON is rendered once for every stream). The position moves
 *  only if the event was dealt with. */
static stream_deliver_result_t
stream_deliver (gateway_stream_t *self, size_t source, const Kefu__V1__Event *event,
                gateway_stream_event_t *shared, int64_t now_ms)
{
    /*  A type with a line break would end the `event:` field early. */
    bool sendable = event->type && !strpbrk (event->type, "\r\n") &&
                    gateway_stream_types_match (&self->types, self->auditor, event->type) &&
                    gateway_stream_subject_match (&self->types, event->subject);
    if (!sendable) {
        gateway_cursor_set (self->cursor, source, event->seq);
        return DELIVER_DONE;
    }
    char *rendered = NULL;
    const char *json =
        shared ? stream_event_json (shared) : (rendered = kefu_cloudevent_render (event));
    if (!json) {
        gateway_stream_close (self, "internal-error");
        return DELIVER_CLOSED;
    }
    uint64_t before = gateway_cursor_position (self->cursor, source);
    gateway_cursor_set (self->cursor, source, event->seq);
    kefu_strbuf_t *text = &self->scratch;
    kefu_strbuf_reset (text);
    kefu_strbuf_append (text, "id: ");
    gateway_cursor_append (self->cursor, text);
    kefu_strbuf_appendf (text, "\nevent: %s\ndata: %s\n\n", event->type, json);
    free (rendered);
    stream_append_result_t result =
        kefu_strbuf_ok (text)
            ? stream_append (self, kefu_strbuf_data (text), kefu_strbuf_length (text), true, now_ms)
            : STREAM_NO_MEMORY;
    if (result == STREAM_APPENDED)
        return DELIVER_DONE;
    gateway_cursor_set (self->cursor, source, before);
    if (result == STREAM_FULL)
        return DELIVER_FULL;
    gateway_stream_close (self, "internal-error");
    return DELIVER_CLOSED;
}

/*  Hold a live event of `source` until the client can take it. Returns
 *  false, holding nothing (and marking the backlog as having dropped
 *  some), when the backlog is at its bound or out of memory. */
static bool
stream_backlog_push (gateway_stream_t *self, size_t source, gateway_stream_event_t *event)
{
    stream_source_t *entry = &self->sources[source];
    if (entry->backlog_count > 0 &&
        entry->backlog_bytes + event->size > self->context->buffer_bytes) {
        entry->backlog_dropped = true;
        return false;
    }
    if (entry->backlog_count == entry->backlog_capacity) {
        size_t capacity = entry->backlog_capacity ? entry->backlog_capacity * 2 : 16;
        gateway_stream_event_t **backlog =
            realloc (entry->backlog, capacity * sizeof *entry->backlog);
        if (!backlog) {
            entry->backlog_dropped = true;
            return false;
        }
        entry->backlog = backlog;
        entry->backlog_capacity = capacity;
    }
    entry->backlog[entry->backlog_count++] = gateway_stream_event_ref (event);
    entry->backlog_bytes += event->size;
    return true;
}

/*  A live event of a source that is live or draining. What the buffer
 *  cannot take now is held and fed as the client reads (a burst from the
 *  bus is not the client's fault); a client that falls behind by a whole
 *  backlog as well is too slow, and is cut off rather than hold anything
 *  up: it resumes from its cursor, catching up at its own pace. */
static void
stream_deliver_live (gateway_stream_t *self, size_t source, gateway_stream_event_t *event,
                     int64_t now_ms)
{
    stream_source_t *entry = &self->sources[source];
    if (entry->phase == SOURCE_LIVE) {
        stream_deliver_result_t result =
            stream_deliver (self, source, gateway_stream_event_message (event), event, now_ms);
        if (result != DELIVER_FULL)
            return;
        entry->phase = SOURCE_DRAINING;
    }
    if (!stream_backlog_push (self, source, event))
        gateway_stream_close (self, "slow-consumer");
}

/*  Drop the first `count` events of the backlog of `source`. */
static void
stream_backlog_shift (stream_source_t *entry, size_t count)
{
    if (count == 0)
        return;
    for (size_t i = 0; i < count; i++) {
        entry->backlog_bytes -= entry->backlog[i]->size;
        gateway_stream_event_unref (&entry->backlog[i]);
    }
    memmove (entry->backlog, entry->backlog + count,
             (entry->backlog_count - count) * sizeof *entry->backlog);
    entry->backlog_count -= count;
}

/*  Send the page in hand of `source` as far as the client has room for.
 *  Returns true when the page is done (then freed), false when paused or
 *  the stream closed. */
static bool
stream_send_page (gateway_stream_t *self, size_t source, int64_t now_ms)
{
    stream_source_t *entry = &self->sources[source];
    const Kefu__V1__ReplayReply *page = entry->page;
    /*  The page holds only the types asked for: the seq of one event may
     *  jump past the last, over events the client does not want. */
    while (entry->page_next < page->n_events) {
        const Kefu__V1__Event *event = page->events[entry->page_next];
        if (event->seq > gateway_cursor_position (self->cursor, source)) {
            if (!stream_has_room_to_catch_up (self))
                return false;
            stream_deliver_result_t result = stream_deliver (self, source, event, NULL, now_ms);
            if (result != DELIVER_DONE)
                return false;
        }
        entry->page_next++;
    }
    /*  Everything up to scanned_to_seq was looked at, wanted or not. */
    if (page->scanned_to_seq > gateway_cursor_position (self->cursor, source))
        gateway_cursor_set (self->cursor, source, page->scanned_to_seq);
    return true;
}

/*  Send the backlog of `source` from its position on, as far as the
 *  client has room for. Returns true when it is empty; false when paused,
 *  closed, or replaying again (a gap). */
static bool
stream_send_backlog (gateway_stream_t *self, size_t source, int64_t now_ms)
{
    stream_source_t *entry = &self->sources[source];
    size_t taken = 0;
    bool done = false;
    for (;;) {
        if (taken == entry->backlog_count) {
            done = true;
            break;
        }
        gateway_stream_event_t *held = entry->backlog[taken];
        const Kefu__V1__Event *event = gateway_stream_event_message (held);
        uint64_t position = gateway_cursor_position (self->cursor, source);
        if (event->seq <= position) {
            taken++; /* replayed already */
            continue;
        }
        if (event->seq - position > 1) {
            stream_backlog_shift (entry, taken);
            stream_start_replay (self, source, now_ms);
            return false;
        }
        if (!stream_has_room_to_catch_up (self) ||
            stream_deliver (self, source, event, held, now_ms) != DELIVER_DONE)
            break;
        taken++;
    }
    stream_backlog_shift (entry, taken);
    return done;
}

/*  Take catching up of `source` as far as it goes now: the page in hand,
 *  then the next page or the backlog, then live. */
static void
stream_catch_up (gateway_stream_t *self, size_t source, int64_t now_ms)
{
    stream_source_t *entry = &self->sources[source];
    if (entry->phase == SOURCE_REPLAYING && entry->page) {
        if (!stream_send_page (self, source, now_ms))
            return;
        /*  No progress means nothing more can be had now, whatever
         *  last_seq says: going on then avoids asking the same page
         *  forever. */
        bool caught_up = entry->page->scanned_to_seq >= entry->page->last_seq ||
                         entry->page->scanned_to_seq <= entry->asked_after;
        kefu__v1__replay_reply__free_unpacked (entry->page, NULL);
        entry->page = NULL;
        if (!caught_up) {
            stream_start_replay (self, source, now_ms);
            return;
        }
        entry->phase = SOURCE_DRAINING;
    }
    if (entry->phase != SOURCE_DRAINING || !stream_send_backlog (self, source, now_ms))
        return;
    entry->phase = SOURCE_LIVE;
    if (entry->backlog_dropped) {
        entry->backlog_dropped = false;
        stream_start_replay (self, source, now_ms);
    }
}

/*  Go on catching up every source that waits for the client to read. */
static void
stream_pump (gateway_stream_t *self, int64_t now_ms)
{
    for (size_t i = 0; i < self->context->source_count && !stream_closed (self); i++) {
        stream_source_t *entry = &self->sources[i];
        if ((entry->phase == SOURCE_REPLAYING && entry->page) || entry->phase == SOURCE_DRAINING)
            stream_catch_up (self, i, now_ms);
    }
}

/*  Send a ReplayRequest to `source`; if it cannot go, try again later. */
static void
stream_send_request (gateway_stream_t *self, size_t source, const Kefu__V1__ReplayRequest *request,
                     int64_t now_ms)
{
    stream_source_t *entry = &self->sources[source];
    gateway_upstream_result_t sent =
        self->context->replay (self->context->host, self->owner, source, request, &entry->pending);
    if (sent == GATEWAY_UPSTREAM_SENT) {
        entry->waiting = true;
        entry->asked_after = request->after_seq;
        return;
    }
    entry->waiting = false;
    if (entry->phase == SOURCE_PROBING) {
        kefu_log_warn ("sse.source_unknown", "source", self->context->source_names[source],
                       "reason", "not reachable", NULL);
        entry->phase = SOURCE_UNKNOWN;
        self->probing--;
    } else {
        entry->phase = SOURCE_RETRYING;
        entry->retry_at_ms = now_ms + self->context->replay_retry_ms;
    }
}

/*  Ask `source` for the page after its position. */
static void
stream_start_replay (gateway_stream_t *self, size_t source, int64_t now_ms)
{
    stream_source_t *entry = &self->sources[source];
    entry->phase = SOURCE_REPLAYING;
    uint64_t position = gateway_cursor_position (self->cursor, source);
    Kefu__V1__ReplayRequest request = KEFU__V1__REPLAY_REQUEST__INIT;
    /*  Sources keep seq in a bigint: past INT64_MAX there is nothing. */
    request.after_seq = position > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : position;
    request.limit = GATEWAY_STREAM_REPLAY_PAGE;
    request.n_type_prefixes = self->types.count;
    request.type_prefixes = self->types.count ? self->prefixes : NULL;
    stream_send_request (self, source, &request, now_ms);
}

/*  Every source answered or failed: let events out. */
static void
stream_start (gateway_stream_t *self, int64_t now_ms)
{
    self->started = true;
    size_t count = self->context->source_count;
    bool probed = false;
    for (size_t i = 0; i < count; i++)
        probed = probed || self->sources[i].phase == SOURCE_PROBED;
    if (probed) {
        /*  A client that starts from now learns where "now" is at once. */
        kefu_strbuf_t *text = &self->scratch;
        kefu_strbuf_reset (text);
        kefu_strbuf_append (text, "id: ");
        gateway_cursor_append (self->cursor, text);
        kefu_strbuf_append (text, "\n\n");
        if (!kefu_strbuf_ok (text) ||
            stream_append (self, kefu_strbuf_data (text), kefu_strbuf_length (text), false,
                           now_ms) != STREAM_APPENDED) {
            gateway_stream_close (self, "internal-error");
            return;
        }
    }
    for (size_t i = 0; i < count && !stream_closed (self); i++) {
        stream_source_t *entry = &self->sources[i];
        switch (entry->phase) {
            case SOURCE_PROBED:
                entry->phase = SOURCE_DRAINING;
                stream_catch_up (self, i, now_ms);
                break;
            case SOURCE_RESUMING:
                stream_start_replay (self, i, now_ms);
                break;
            case SOURCE_UNKNOWN:
                /*  It may have spoken since: start at the first event held. */
                if (entry->backlog_count > 0) {
                    const Kefu__V1__Event *first = gateway_stream_event_message (entry->backlog[0]);
                    gateway_cursor_set (self->cursor, i, first->seq - 1);
                    entry->phase = SOURCE_DRAINING;
                    stream_catch_up (self, i, now_ms);
                }
                break;
            default:
                break;
        }
    }
}

gateway_stream_t *
gateway_stream_new (const gateway_stream_context_t *context, void *owner,
                    const gateway_stream_types_t *types, bool auditor,
                    const gateway_cursor_t *resume, int64_t now_ms)
{
    assert (context && types);
    gateway_stream_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->context = context;
    self->owner = owner;
    self->types = *types;
    for (size_t i = 0; i < self->types.count; i++)
        self->prefixes[i] = self->types.prefixes[i];
    self->auditor = auditor;
    self->last_output_ms = now_ms;
    kefu_strbuf_init (&self->scratch);
    self->cursor = resume ? gateway_cursor_dup (resume)
                          : gateway_cursor_new (context->source_names, context->source_count);
    self->sources =
        calloc (context->source_count ? context->source_count : 1, sizeof *self->sources);
    if (!self->cursor || !self->sources) {
        gateway_stream_destroy (&self);
        return NULL;
    }
    kefu_strbuf_appendf (&self->scratch, "retry: %" PRId64 "\n\n", context->client_retry_ms);
    if (!kefu_strbuf_ok (&self->scratch) ||
        stream_append (self, kefu_strbuf_data (&self->scratch), kefu_strbuf_length (&self->scratch),
                       false, now_ms) != STREAM_APPENDED) {
        gateway_stream_destroy (&self);
        return NULL;
    }
    for (size_t i = 0; i < context->source_count; i++)
        if (gateway_cursor_known (self->cursor, i))
            self->sources[i].phase = SOURCE_RESUMING;
        else {
            self->sources[i].phase = SOURCE_PROBING;
            self->probing++;
        }
    for (size_t i = 0; i < context->source_count; i++) {
        if (self->sources[i].phase != SOURCE_PROBING)
            continue;
        Kefu__V1__ReplayRequest probe = KEFU__V1__REPLAY_REQUEST__INIT;
        probe.after_seq = (uint64_t)INT64_MAX;
        probe.limit = STREAM_PROBE_LIMIT;
        stream_send_request (self, i, &probe, now_ms);
    }
    if (self->probing == 0)
        stream_start (self, now_ms);
    return self;
}

void
gateway_stream_destroy (gateway_stream_t **self_p)
{
    assert (self_p);
    gateway_stream_t *self = *self_p;
    if (!self)
        return;
    if (self->sources) {
        for (size_t i = 0; i < self->context->source_count; i++) {
            stream_source_t *entry = &self->sources[i];
            stream_source_release (self, i);
            stream_backlog_shift (entry, entry->backlog_count);
            free (entry->backlog);
        }
        free (self->sources);
    }
    gateway_cursor_destroy (&self->cursor);
    kefu_strbuf_release (&self->scratch);
    free (self->buffer);
    free (self);
    *self_p = NULL;
}

void
gateway_stream_on_live (gateway_stream_t *self, size_t source, gateway_stream_event_t *event,
                        int64_t now_ms)
{
    assert (source < self->context->source_count);
    if (stream_closed (self))
        return;
    stream_source_t *entry = &self->sources[source];
    const Kefu__V1__Event *message = gateway_stream_event_message (event);
    if (message->seq == 0)
        return; /* never published: not part of any sequence */
    switch (entry->phase) {
        case SOURCE_LIVE: {
            uint64_t position = gateway_cursor_position (self->cursor, source);
            if (message->seq <= position)
                return; /* a duplicate, or already replayed */
            if (message->seq - position == 1) {
                stream_deliver_live (self, source, event, now_ms);
                return;
            }
            /*  The bus lost what lies between: fetch it, hold this one. */
            stream_backlog_push (self, source, event);
            stream_start_replay (self, source, now_ms);
            return;
        }
        case SOURCE_DRAINING:
            if (message->seq > gateway_cursor_position (self->cursor, source))
                stream_deliver_live (self, source, event, now_ms);
            return;
        case SOURCE_UNKNOWN:
            if (self->started) {
                gateway_cursor_set (self->cursor, source, message->seq - 1);
                entry->phase = SOURCE_LIVE;
                stream_deliver_live (self, source, event, now_ms);
                return;
            }
            stream_backlog_push (self, source, event);
            return;
        default:
            /*  Catching up: what is not held is replayed afterwards. */
            stream_backlog_push (self, source, event);
            return;
    }
}

/*  The ReplayReply in `reply`, or NULL (logged) when the source refused or
 *  sent something else. The caller frees it. */
static Kefu__V1__ReplayReply *
stream_unpack_page (gateway_stream_t *self, size_t source, const Kefu__V1__Reply *reply)
{
    if (reply->status && reply->status->code != KEFU__V1__CODE__OK) {
        kefu_log_warn ("sse.replay_refused", "source", self->context->source_names[source], "error",
                       reply->status->message ? reply->status->message : "", NULL);
        return NULL;
    }
    Kefu__V1__ReplayReply *page =
        kefu__v1__replay_reply__unpack (NULL, reply->payload.len, reply->payload.data);
    if (!page)
        kefu_log_warn ("sse.replay_refused", "source", self->context->source_names[source], "error",
                       "the reply is not a kefu.v1.ReplayReply", NULL);
    return page;
}

void
gateway_stream_settle (gateway_stream_t *self, size_t source, gateway_upstream_outcome_t outcome,
                       const Kefu__V1__Reply *reply, int64_t now_ms)
{
    assert (source < self->context->source_count);
    stream_source_t *entry = &self->sources[source];
    if (!entry->waiting)
        return; /* cancelled meanwhile: not ours any more */
    entry->waiting = false;
    entry->pending = (gateway_pending_id_t){0, 0};
    if (stream_closed (self))
        return;
    Kefu__V1__ReplayReply *page =
        outcome == GATEWAY_UPSTREAM_REPLIED ? stream_unpack_page (self, source, reply) : NULL;
    if (entry->phase == SOURCE_PROBING) {
        if (!page)
            kefu_log_warn ("sse.source_unknown", "source", self->context->source_names[source],
                           "reason",
                           outcome == GATEWAY_UPSTREAM_DEADLINE      ? "no answer in time"
                           : outcome == GATEWAY_UPSTREAM_UNAVAILABLE ? "went away"
                                                                     : "refused",
                           NULL);
        if (page) {
            gateway_cursor_set (self->cursor, source, page->last_seq);
            entry->phase = SOURCE_PROBED;
            kefu__v1__replay_reply__free_unpacked (page, NULL);
        } else
            entry->phase = SOURCE_UNKNOWN;
        if (--self->probing == 0)
            stream_start (self, now_ms);
    } else if (entry->phase == SOURCE_REPLAYING && page) {
        entry->page = page;
        entry->page_next = 0;
        stream_catch_up (self, source, now_ms);
    } else if (entry->phase == SOURCE_REPLAYING) {
        entry->phase = SOURCE_RETRYING;
        entry->retry_at_ms = now_ms + self->context->replay_retry_ms;
    } else if (page)
        kefu__v1__replay_reply__free_unpacked (page, NULL);
}

void
gateway_stream_on_source_seq (gateway_stream_t *self, size_t source, uint64_t last_seq,
                              int64_t now_ms)
{
    assert (source < self->context->source_count);
    if (stream_closed (self))
        return;
    /*  Sources catching up learn last_seq from their own pages. */
    if (self->sources[source].phase == SOURCE_LIVE &&
        gateway_cursor_position (self->cursor, source) < last_seq)
        stream_start_replay (self, source, now_ms);
}

void
gateway_stream_tick (gateway_stream_t *self, int64_t now_ms)
{
    if (stream_closed (self))
        return;
    for (size_t i = 0; i < self->context->source_count; i++) {
        stream_source_t *entry = &self->sources[i];
        if (entry->phase == SOURCE_RETRYING && now_ms >= entry->retry_at_ms)
            stream_start_replay (self, i, now_ms);
    }
    if (!stream_closed (self) && now_ms - self->last_output_ms >= self->context->heartbeat_ms) {
        stream_append_result_t result =
            stream_append (self, STREAM_HEARTBEAT, sizeof STREAM_HEARTBEAT - 1, true, now_ms);
        if (result != STREAM_APPENDED)
            gateway_stream_close (self, result == STREAM_FULL ? "slow-consumer" : "internal-error");
    }
}

int64_t
gateway_stream_next_tick (const gateway_stream_t *self)
{
    if (stream_closed (self))
        return INT64_MAX;
    int64_t next = self->last_output_ms + self->context->heartbeat_ms;
    for (size_t i = 0; i < self->context->source_count; i++)
        if (self->sources[i].phase == SOURCE_RETRYING && self->sources[i].retry_at_ms < next)
            next = self->sources[i].retry_at_ms;
    return next;
}

size_t
gateway_stream_read (gateway_stream_t *self, char *buffer, size_t size, int64_t now_ms)
{
    /*  Catching up waits for the client: it has read enough to go on. */
    if (!stream_closed (self) && stream_may_go_on (self))
        stream_pump (self, now_ms);
    size_t waiting = stream_waiting_bytes (self);
    size_t count = waiting < size ? waiting : size;
    if (count > 0) {
        memcpy (buffer, self->buffer + self->head, count);
        self->head += count;
    }
    if (self->head == self->tail) {
        self->head = self->tail = 0;
        /*  A burst made it big; a quiet stream need not keep it. */
        if (self->capacity > STREAM_BUFFER_KEEP) {
            free (self->buffer);
            self->buffer = NULL;
            self->capacity = 0;
        }
    }
    return count;
}

bool
gateway_stream_finished (const gateway_stream_t *self)
{
    return stream_closed (self) && self->head == self->tail;
}

const char *
gateway_stream_closed_reason (const gateway_stream_t *self)
{
    return stream_closed (self) ? self->closed_reason : NULL;
}

size_t
gateway_stream_buffered (const gateway_stream_t *self)
{
    return stream_waiting_bytes (self);
}
