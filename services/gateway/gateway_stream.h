/*  gateway_stream: one Server-Sent Events stream of GET /v1/events.
 *
 *  A stream turns the events of every source (the services of
 *  KEFU_GATEWAY_SERVICES) into SSE text for one client, in each source's
 *  seq order, with no gap and no duplicate, whether they come live from the
 *  bus or are read back with events.replay:
 *
 *      retry: 2000                                  first, once
 *
 *      id: tickets:42,webhooks:7                    one per event
 *      event: ticket.created
 *      data: {"specversion":"1.0",…,"seq":42,"data":{"ticket":{…}}}
 *
 *      : keep-alive                                 when quiet for a while
 *
 *  `id:` is the stream's cursor (gateway_cursor) just after the event. When
 *  the stream starts from "now" it first sends an `id:` line alone, so that
 *  a client that loses the connection before any event still resumes from
 *  where it started (SSE clients take the id without firing an event).
 *
 *  Per source the stream keeps a position and catches up as a kefu_consumer
 *  does: from a cursor (Last-Event-ID) it replays the source from there,
 *  page by page, holding the live events of that source meanwhile (bounded),
 *  then sends those of them that come after what it replayed and goes live;
 *  a live event whose seq jumps ahead (the bus dropped some) sends the source
 *  back to replaying. Without a cursor it asks each source where it stands
 *  (events.replay after INT64_MAX: no events, but last_seq) and starts
 *  there; nothing is sent until every source has answered or failed, since
 *  every `id:` must name every source's position. A source that cannot be
 *  asked (down) starts at the first live event seen from it.
 *
 *  Events the client's `types` do not want, and audit records for anyone
 *  but an auditor (AUD-8), still move the source's position; they are not
 *  sent, and the next event sent carries the advanced cursor.
 *
 *  The text waits in a buffer of at most buffer_bytes until the HTTP side
 *  reads it. History (replay) is fed as the client reads it, and so are
 *  live events the buffer cannot take at once (a burst from the bus): they
 *  are held, up to buffer_bytes of them (their protobuf size). A client
 *  that falls behind by both never holds up the bus or anyone else: the
 *  stream ends with
 *
 *      id: <cursor>
 *      event: kefu.stream.closed
 *      data: {"reason":"slow-consumer","resume":"<cursor>"}
 *
 *  and the client reconnects with that cursor (the same ending, with reason
 *  "shutdown", when the gateway stops). An empty buffer takes any one event,
 *  however large, so a stream always makes progress.
 *
 *  A stream does no I/O itself: its host (gateway_events) sends and cancels
 *  its replay requests and is told when text is ready; time is passed in.
 *  Everything runs in the gateway's one thread.
 */
#ifndef GATEWAY_STREAM_H_INCLUDED
#define GATEWAY_STREAM_H_INCLUDED

#include "gateway_cursor.h"
#include "gateway_pending.h"
#include "gateway_upstream.h"
#include "kefu/v1/envelope.pb-c.h"
#include "kefu/v1/events.pb-c.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    /*  The `types` filter: at most this many prefixes, each 1..64 of
     *  a-z 0-9 . _ */
    GATEWAY_STREAM_TYPES_MAX = 16,
    GATEWAY_STREAM_TYPE_PREFIX_MAX = 64,
    /*  The `subject` filter: at most this many bytes. */
    GATEWAY_STREAM_SUBJECT_MAX = 200,
    /*  Room for a short explanation of a bad `types`. */
    GATEWAY_STREAM_REASON_SIZE = 160,
    /*  Events asked for per events.replay page. */
    GATEWAY_STREAM_REPLAY_PAGE = 500
};

/* --- the types filter ----------------------------------------------------- */

/*  Which event types a client wants: those starting with one of the
 *  prefixes; every type when there are none. And, when `subject` is not
 *  empty, only events whose CloudEvents subject is exactly it (a dashboard
 *  of one staff member follows "staff/<id>": ticket.owner_notified). A
 *  value, no allocation. */
typedef struct {
    size_t count;
    char prefixes[GATEWAY_STREAM_TYPES_MAX][GATEWAY_STREAM_TYPE_PREFIX_MAX + 1];
    char subject[GATEWAY_STREAM_SUBJECT_MAX + 1];
} gateway_stream_types_t;

/*  Parse `text`, comma-separated prefixes ("ticket.,callback."); NULL or ""
 *  means every type. Returns 0, or -1 with a short explanation in `reason`
 *  (GATEWAY_STREAM_REASON_SIZE bytes) when a prefix is empty, too long, has
 *  another character, or there are too many. */
int gateway_stream_types_parse (const char *text, gateway_stream_types_t *types,
                                char reason[GATEWAY_STREAM_REASON_SIZE]);

/*  Set the exact-match subject filter of `types` from `text` (NULL or ""
 *  means any subject). Returns 0, or -1 with `reason` filled when it is
 *  longer than GATEWAY_STREAM_SUBJECT_MAX bytes, not UTF-8, or holds a
 *  control character. */
int gateway_stream_subject_parse (const char *text, gateway_stream_types_t *types,
                                  char reason[GATEWAY_STREAM_REASON_SIZE]);

/*  True if an event about `subject` (may be NULL) passes the subject
 *  filter of `types`. */
bool gateway_stream_subject_match (const gateway_stream_types_t *types, const char *subject);

/*  True if a client with `types`, auditor or not, may be sent an event of
 *  `type`: audit records (audit.record.*) go to auditors only, whatever
 *  their filter says (AUD-8). */
bool gateway_stream_types_match (const gateway_stream_types_t *types, bool auditor,
                                 const char *type);

/* --- a live event, shared by the streams that hold it ----------------------- */

/*  One event from the bus, unpacked once and rendered as CloudEvents JSON
 *  at most once however many streams send it. Reference-counted. */
typedef struct _gateway_stream_event_t gateway_stream_event_t;

/*  Wrap `*event_p` (taken over: *event_p is set to NULL, and the event is
 *  freed with the wrapper). One reference. NULL when out of memory (the
 *  event is freed then too). */
gateway_stream_event_t *gateway_stream_event_new (Kefu__V1__Event **event_p);

/*  Another reference to `self`. */
gateway_stream_event_t *gateway_stream_event_ref (gateway_stream_event_t *self);

/*  Drop one reference (the last frees it); sets *self_p to NULL. */
void gateway_stream_event_unref (gateway_stream_event_t **self_p);

const Kefu__V1__Event *gateway_stream_event_message (const gateway_stream_event_t *self);

/* --- the stream ----------------------------------------------------------- */

/*  Send events.replay `request` to source `source`; the outcome must come
 *  back through gateway_stream_settle (the host passes `owner` along to
 *  find the stream). On GATEWAY_UPSTREAM_SENT *id names the request. */
typedef gateway_upstream_result_t (gateway_stream_replay_fn) (
    void *host, void *owner, size_t source, const Kefu__V1__ReplayRequest *request,
    gateway_pending_id_t *id);

/*  Forget a request sent with the replay function (the stream is going). */
typedef void (gateway_stream_cancel_fn) (void *host, gateway_pending_id_t id);

/*  Text became readable, or the stream finished: read it (the HTTP side
 *  resumes its connection). */
typedef void (gateway_stream_wake_fn) (void *owner);

/*  What every stream of a host shares. Borrowed by each stream: it must
 *  outlive them all. */
typedef struct {
    size_t source_count;
    const char *const *source_names; /* the sources, in upstream service order */
    size_t buffer_bytes;             /* KEFU_SSE_BUFFER_BYTES */
    int64_t heartbeat_ms;            /* KEFU_SSE_HEARTBEAT_MS */
    int64_t client_retry_ms;         /* KEFU_SSE_RETRY_MS, sent as `retry:` */
    int64_t replay_retry_ms;         /* after a failed replay, ask again this much later */
    gateway_stream_replay_fn *replay;
    gateway_stream_cancel_fn *cancel;
    gateway_stream_wake_fn *wake;
    void *host;
} gateway_stream_context_t;

typedef struct _gateway_stream_t gateway_stream_t;

/*  A stream for a client (`owner`, passed to the context's functions) that
 *  wants `types` (copied), is an auditor or not, and resumes from `resume`
 *  (copied; NULL: from now). It starts at once: `retry:` is readable and
 *  its first requests are sent. NULL when out of memory. */
gateway_stream_t *gateway_stream_new (const gateway_stream_context_t *context, void *owner,
                                      const gateway_stream_types_t *types, bool auditor,
                                      const gateway_cursor_t *resume, int64_t now_ms);

/*  Cancel what the stream still waits for, drop what it holds, free it. */
void gateway_stream_destroy (gateway_stream_t **self_p);

/*  A live event of source `source` (borrowed; the stream takes its own
 *  reference if it must hold it). */
void gateway_stream_on_live (gateway_stream_t *self, size_t source, gateway_stream_event_t *event,
                             int64_t now_ms);

/*  The outcome of the stream's replay request to `source` (`reply`
 *  borrowed, NULL unless GATEWAY_UPSTREAM_REPLIED). */
void gateway_stream_settle (gateway_stream_t *self, size_t source,
                            gateway_upstream_outcome_t outcome, const Kefu__V1__Reply *reply,
                            int64_t now_ms);

/*  Source `source` has published up to `last_seq`, more than the bus
 *  brought: if the stream is live in it and behind, it replays what the
 *  bus lost. */
void gateway_stream_on_source_seq (gateway_stream_t *self, size_t source, uint64_t last_seq,
                                   int64_t now_ms);

/*  Do what is due by `now_ms`: a heartbeat, a replay to ask again. */
void gateway_stream_tick (gateway_stream_t *self, int64_t now_ms);

/*  When gateway_stream_tick next has something to do; INT64_MAX: never. */
int64_t gateway_stream_next_tick (const gateway_stream_t *self);

/*  End the stream with kefu.stream.closed and `reason` ("shutdown"); what
 *  is buffered is still read first. Harmless once closed. */
void gateway_stream_close (gateway_stream_t *self, const char *reason);

/*  Move up to `size` bytes of text into `buffer`; returns how many (0 when
 *  nothing is waiting). Catching up goes on from here as the client reads
 *  (it may send replay requests). */
size_t gateway_stream_read (gateway_stream_t *self, char *buffer, size_t size, int64_t now_ms);

/*  True once the stream is closed and everything was read: the response
 *  ends. */
bool gateway_stream_finished (const gateway_stream_t *self);

/*  Why it closed ("slow-consumer", "shutdown", "internal-error"); NULL
 *  while open. */
const char *gateway_stream_closed_reason (const gateway_stream_t *self);

/*  Bytes waiting to be read. */
size_t gateway_stream_buffered (const gateway_stream_t *self);

#endif
