/*  Unit tests for the gateway's SSE streams (DESIGN.md §4, GET /v1/events):
 *  the cursor (gateway_cursor: grammar, sorted text, strict parsing), the
 *  types filter and the audit rule (AUD-8), and one stream's state machine
 *  (gateway_stream) driven by hand through a fake host: catching up from a
 *  cursor or from "now", live events held while replaying, gaps replayed,
 *  no duplicate, the bounded buffer (slow-consumer), heartbeats, retries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway_cursor.h"
#include "gateway_stream.h"
#include "kefu/v1/tickets.pb-c.h"

/* --- cursor ---------------------------------------------------------------- */

/*  Two sources, configured in the reverse of their sorted order. */
static const char *const test_sources[] = {"webhooks", "tickets"};
enum { TEST_SOURCES = 2, TEST_WEBHOOKS = 0, TEST_TICKETS = 1 };

static char *
cursor_text (const gateway_cursor_t *cursor)
{
    kefu_strbuf_t text;
    kefu_strbuf_init (&text);
    gateway_cursor_append (cursor, &text);
    return kefu_strbuf_detach (&text);
}

/*  The text lists known sources sorted by name, whatever the
 *  configuration's order; unknown ones are left out. */
static void
test_cursor_text_sorted_and_known_only (void **state)
{
    (void)state;
    gateway_cursor_t *cursor = gateway_cursor_new (test_sources, TEST_SOURCES);
    char *text = cursor_text (cursor);
    assert_string_equal (text, "");
    free (text);
    gateway_cursor_set (cursor, TEST_WEBHOOKS, 7);
    text = cursor_text (cursor);
    assert_string_equal (text, "webhooks:7");
    free (text);
    gateway_cursor_set (cursor, TEST_TICKETS, 42);
    text = cursor_text (cursor);
    assert_string_equal (text, "tickets:42,webhooks:7");
    free (text);
    gateway_cursor_destroy (&cursor);
    gateway_cursor_destroy (&cursor);
}

/*  What the gateway writes it reads back; sources it does not serve are
 *  ignored; the largest uint64 is a seq. */
static void
test_cursor_parse_round_trip (void **state)
{
    (void)state;
    gateway_cursor_t *cursor = gateway_cursor_new (test_sources, TEST_SOURCES);
    char reason[GATEWAY_CURSOR_REASON_SIZE];
    assert_int_equal (gateway_cursor_parse (cursor, "callbacks:5,tickets:42,webhooks:0", reason),
                      0);
    assert_true (gateway_cursor_known (cursor, TEST_TICKETS));
    assert_int_equal (gateway_cursor_position (cursor, TEST_TICKETS), 42);
    assert_true (gateway_cursor_known (cursor, TEST_WEBHOOKS));
    assert_int_equal (gateway_cursor_position (cursor, TEST_WEBHOOKS), 0);
    char *text = cursor_text (cursor);
    assert_string_equal (text, "tickets:42,webhooks:0");
    free (text);

    gateway_cursor_t *other = gateway_cursor_new (test_sources, TEST_SOURCES);
    assert_int_equal (gateway_cursor_parse (other, "tickets:18446744073709551615", reason), 0);
    assert_true (gateway_cursor_position (other, TEST_TICKETS) == UINT64_MAX);
    assert_false (gateway_cursor_known (other, TEST_WEBHOOKS));
    gateway_cursor_destroy (&other);
    gateway_cursor_destroy (&cursor);
}

/*  A malformed cursor is refused with a reason and changes nothing. */
static void
test_cursor_parse_strict (void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "tickets",
        "tickets:",
        ":1",
        "tickets:1,",
        ",tickets:1",
        "tickets:1,,webhooks:2",
        "Tickets:1",
        "1tickets:1",
        "tickets:-1",
        "tickets:+1",
        "tickets: 1",
        "tickets:1 ",
        "tickets:1x",
        "tickets:0x10",
        "tickets:18446744073709551616",
        "tickets:123456789012345678901",
        "tickets:1:2",
        "tickets:1,tickets:2",
        "callbacks:1,callbacks:2",
        "a_very_long_source_name_of_33_chr:1",
    };
    gateway_cursor_t *cursor = gateway_cursor_new (test_sources, TEST_SOURCES);
    gateway_cursor_set (cursor, TEST_TICKETS, 9);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char reason[GATEWAY_CURSOR_REASON_SIZE] = "";
        if (gateway_cursor_parse (cursor, bad[i], reason) != -1)
            fail_msg ("accepted the cursor \"%s\"", bad[i]);
        assert_true (strlen (reason) > 0);
        assert_int_equal (gateway_cursor_position (cursor, TEST_TICKETS), 9);
        assert_false (gateway_cursor_known (cursor, TEST_WEBHOOKS));
    }
    /*  Too many entries, even of sources not served. */
    kefu_strbuf_t many;
    kefu_strbuf_init (&many);
    for (int i = 0; i <= GATEWAY_CURSOR_ENTRIES_MAX; i++)
        kefu_strbuf_appendf (&many, "%ss%d:1", i ? "," : "", i);
    char reason[GATEWAY_CURSOR_REASON_SIZE];
    assert_int_equal (gateway_cursor_parse (cursor, kefu_strbuf_data (&many), reason), -1);
    kefu_strbuf_release (&many);
    gateway_cursor_destroy (&cursor);
}

/* --- types filter ---------------------------------------------------------- */

static void
test_types_parse (void **state)
{
    (void)state;
    gateway_stream_types_t types;
    char reason[GATEWAY_STREAM_REASON_SIZE];
    assert_int_equal (gateway_stream_types_parse (NULL, &types, reason), 0);
    assert_int_equal (types.count, 0);
    assert_int_equal (gateway_stream_types_parse ("", &types, reason), 0);
    assert_int_equal (types.count, 0);
    assert_int_equal (gateway_stream_types_parse ("ticket.,callback.", &types, reason), 0);
    assert_int_equal (types.count, 2);
    assert_string_equal (types.prefixes[1], "callback.");

    static const char *const bad[] = {",",        "ticket.,", "ticket.,,x", "Ticket.",  "ticket. ",
                                      "ticket-x", "tické",    "a*",         "ticket.\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (gateway_stream_types_parse (bad[i], &types, reason) != -1)
            fail_msg ("accepted types \"%s\"", bad[i]);

    char longest[GATEWAY_STREAM_TYPE_PREFIX_MAX + 2];
    memset (longest, 'a', sizeof longest);
    longest[GATEWAY_STREAM_TYPE_PREFIX_MAX] = '\0';
    assert_int_equal (gateway_stream_types_parse (longest, &types, reason), 0);
    longest[GATEWAY_STREAM_TYPE_PREFIX_MAX] = 'a';
    longest[GATEWAY_STREAM_TYPE_PREFIX_MAX + 1] = '\0';
    assert_int_equal (gateway_stream_types_parse (longest, &types, reason), -1);

    kefu_strbuf_t many;
    kefu_strbuf_init (&many);
    for (int i = 0; i < GATEWAY_STREAM_TYPES_MAX; i++)
        kefu_strbuf_appendf (&many, "%st%d", i ? "," : "", i);
    assert_int_equal (gateway_stream_types_parse (kefu_strbuf_data (&many), &types, reason), 0);
    kefu_strbuf_append (&many, ",one.more");
    assert_int_equal (gateway_stream_types_parse (kefu_strbuf_data (&many), &types, reason), -1);
    kefu_strbuf_release (&many);
}

/*  TKT-5: ?subject= is an exact match on the event's subject, so one staff
 *  member's dashboard gets its owner notifications and nobody else's. */
static void
test_subject_filter_exact (void **state)
{
    (void)state;
    gateway_stream_types_t types;
    char reason[GATEWAY_STREAM_REASON_SIZE];
    assert_int_equal (gateway_stream_types_parse (NULL, &types, reason), 0);
    assert_int_equal (gateway_stream_subject_parse (NULL, &types, reason), 0);
    assert_true (gateway_stream_subject_match (&types, "staff/A1001"));
    assert_true (gateway_stream_subject_match (&types, NULL));
    assert_int_equal (gateway_stream_subject_parse ("staff/A1001", &types, reason), 0);
    assert_true (gateway_stream_subject_match (&types, "staff/A1001"));
    assert_false (gateway_stream_subject_match (&types, "staff/A10011"));
    assert_false (gateway_stream_subject_match (&types, "staff/A100"));
    assert_false (gateway_stream_subject_match (&types, "ticket/1"));
    assert_false (gateway_stream_subject_match (&types, NULL));

    char longest[GATEWAY_STREAM_SUBJECT_MAX + 2];
    memset (longest, 'a', sizeof longest);
    longest[GATEWAY_STREAM_SUBJECT_MAX] = '\0';
    assert_int_equal (gateway_stream_subject_parse (longest, &types, reason), 0);
    longest[GATEWAY_STREAM_SUBJECT_MAX] = 'a';
    longest[GATEWAY_STREAM_SUBJECT_MAX + 1] = '\0';
    assert_int_equal (gateway_stream_subject_parse (longest, &types, reason), -1);
    static const char *const bad[] = {"staff/\n1", "staff/\xff", "a\tb"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal (gateway_stream_subject_parse (bad[i], &types, reason), -1);
}

/*  AUD-8: audit records go to auditors only, whatever the filter. */
static void
test_types_audit_records_only_for_auditors (void **state)
{
    (void)state;
    gateway_stream_types_t all, audit, tickets;
    char reason[GATEWAY_STREAM_REASON_SIZE];
    assert_int_equal (gateway_stream_types_parse (NULL, &all, reason), 0);
    assert_int_equal (gateway_stream_types_parse ("audit.", &audit, reason), 0);
    assert_int_equal (gateway_stream_types_parse ("ticket.", &tickets, reason), 0);
    assert_true (gateway_stream_types_match (&all, false, "ticket.created"));
    assert_false (gateway_stream_types_match (&all, false, "audit.record.ticket.viewed"));
    assert_false (gateway_stream_types_match (&audit, false, "audit.record.ticket.viewed"));
    assert_true (gateway_stream_types_match (&audit, false, "audit.alert"));
    assert_true (gateway_stream_types_match (&all, true, "audit.record.ticket.viewed"));
    assert_true (gateway_stream_types_match (&audit, true, "audit.record.ticket.viewed"));
    assert_false (gateway_stream_types_match (&tickets, true, "audit.record.ticket.viewed"));
    assert_true (gateway_stream_types_match (&tickets, false, "ticket.transitioned"));
    assert_false (gateway_stream_types_match (&tickets, false, "callback.due"));
}

/* --- a stream, driven through a fake host ---------------------------------- */

enum { TEST_REQUESTS_MAX = 64 };

typedef struct {
    size_t source;
    uint64_t after_seq;
    uint32_t limit;
    size_t prefixes;
    gateway_pending_id_t id;
    bool cancelled;
} test_request_t;

typedef struct {
    test_request_t requests[TEST_REQUESTS_MAX];
    size_t request_count;
    gateway_upstream_result_t answer; /* what the next sends return */
    uint64_t next_sequence;
    size_t wakes;
} test_host_t;

static gateway_upstream_result_t
test_replay (void *host, void *owner, size_t source, const Kefu__V1__ReplayRequest *request,
             gateway_pending_id_t *id)
{
    test_host_t *self = host;
    (void)owner;
    if (self->answer != GATEWAY_UPSTREAM_SENT)
        return self->answer;
    assert_true (self->request_count < TEST_REQUESTS_MAX);
    *id = (gateway_pending_id_t){(uint32_t)self->request_count, ++self->next_sequence};
    self->requests[self->request_count++] = (test_request_t){
        source, request->after_seq, request->limit, request->n_type_prefixes, *id, false};
    return GATEWAY_UPSTREAM_SENT;
}

static void
test_cancel (void *host, gateway_pending_id_t id)
{
    test_host_t *self = host;
    for (size_t i = 0; i < self->request_count; i++)
        if (self->requests[i].id.sequence == id.sequence)
            self->requests[i].cancelled = true;
}

static void
test_wake (void *owner)
{
    test_host_t *self = owner;
    self->wakes++;
}

static gateway_stream_context_t
test_context (test_host_t *host, size_t buffer_bytes)
{
    memset (host, 0, sizeof *host);
    host->answer = GATEWAY_UPSTREAM_SENT;
    return (gateway_stream_context_t){
        .source_count = TEST_SOURCES,
        .source_names = test_sources,
        .buffer_bytes = buffer_bytes,
        .heartbeat_ms = 1000,
        .client_retry_ms = 2000,
        .replay_retry_ms = 500,
        .replay = test_replay,
        .cancel = test_cancel,
        .wake = test_wake,
        .host = host,
    };
}

/*  The last request sent to `source`. */
static const test_request_t *
test_last_request (test_host_t *host, size_t source)
{
    for (size_t i = host->request_count; i > 0; i--)
        if (host->requests[i - 1].source == source)
            return &host->requests[i - 1];
    fail_msg ("no request to source %zu", source);
    return NULL;
}

/*  An unpacked kefu.v1.Event of `type` with `seq` from `source`. */
static Kefu__V1__Event *
test_event (const char *source, const char *type, uint64_t seq)
{
    char id[32], subject[32];
    snprintf (id, sizeof id, "%s-%" PRIu64, source, seq);
    snprintf (subject, sizeof subject, "ticket/%" PRIu64, seq);
    Kefu__V1__Ticket ticket = KEFU__V1__TICKET__INIT;
    ticket.id = (int64_t)seq;
    ticket.subject = subject;
    Kefu__V1__TicketCreated created = KEFU__V1__TICKET_CREATED__INIT;
    created.ticket = &ticket;
    uint8_t data[256];
    Kefu__V1__Event event = KEFU__V1__EVENT__INIT;
    event.id = id;
    event.source = (char *)source;
    event.type = (char *)type;
    event.subject = subject;
    event.time = "2026-11-25T09:30:00.000Z";
    event.datacontenttype = "application/protobuf; messageType=kefu.v1.TicketCreated";
    event.data.len = kefu__v1__ticket_created__pack (&created, data);
    event.data.data = data;
    event.seq = seq;
    uint8_t packed[1024];
    size_t size = kefu__v1__event__pack (&event, packed);
    return kefu__v1__event__unpack (NULL, size, packed);
}

static void
test_live (gateway_stream_t *stream, size_t source, const char *type, uint64_t seq, int64_t now)
{
    Kefu__V1__Event *message = test_event (test_sources[source], type, seq);
    gateway_stream_event_t *event = gateway_stream_event_new (&message);
    assert_null (message);
    gateway_stream_on_live (stream, source, event, now);
    gateway_stream_event_unref (&event);
    assert_null (event);
}

/*  Answer the last request to `source` with a page: events `first`..`last`
 *  of `type` (none when first > last), scanned to `scanned`, last_seq `top`. */
static void
test_page (gateway_stream_t *stream, size_t source, const char *type, uint64_t first, uint64_t last,
           uint64_t scanned, uint64_t top)
{
    Kefu__V1__Event *events[TEST_REQUESTS_MAX];
    size_t count = 0;
    for (uint64_t seq = first; seq <= last && first > 0; seq++)
        events[count++] = test_event (test_sources[source], type, seq);
    Kefu__V1__ReplayReply page = KEFU__V1__REPLAY_REPLY__INIT;
    page.n_events = count;
    page.events = events;
    page.scanned_to_seq = scanned;
    page.last_seq = top;
    size_t size = kefu__v1__replay_reply__get_packed_size (&page);
    uint8_t *packed = malloc (size + 1);
    kefu__v1__replay_reply__pack (&page, packed);
    Kefu__V1__Reply reply = KEFU__V1__REPLY__INIT;
    reply.payload.data = packed;
    reply.payload.len = size;
    gateway_stream_settle (stream, source, GATEWAY_UPSTREAM_REPLIED, &reply, 0);
    free (packed);
    for (size_t i = 0; i < count; i++)
        kefu__v1__event__free_unpacked (events[i], NULL);
}

/*  Everything readable now, as a string (caller frees). */
static char *
test_read_all (gateway_stream_t *stream)
{
    kefu_strbuf_t all;
    kefu_strbuf_init (&all);
    char chunk[7]; /* small, to cross message boundaries */
    size_t got;
    while ((got = gateway_stream_read (stream, chunk, sizeof chunk, 0)) > 0)
        kefu_strbuf_append_bytes (&all, chunk, got);
    return kefu_strbuf_detach (&all);
}

/*  How many times `needle` occurs in `text`. */
static size_t
test_count (const char *text, const char *needle)
{
    size_t count = 0;
    for (const char *p = strstr (text, needle); p; p = strstr (p + 1, needle))
        count++;
    return count;
}

/*  The ids of the events in `text`, in order, joined by '|' (caller frees). */
static char *
test_event_ids (const char *text)
{
    kefu_strbuf_t ids;
    kefu_strbuf_init (&ids);
    for (const char *p = strstr (text, "\"id\":\""); p; p = strstr (p + 1, "\"id\":\"")) {
        const char *start = p + strlen ("\"id\":\"");
        const char *end = strchr (start, '"');
        kefu_strbuf_appendf (&ids, "%s%.*s", kefu_strbuf_length (&ids) ? "|" : "",
                             (int)(end - start), start);
    }
    return kefu_strbuf_detach (&ids);
}

/*  Without a cursor the stream asks each source where it stands, sends
 *  nothing but `retry:` until all answered, then the starting cursor, then
 *  only what comes after (no duplicate of what was already published). */
static void
test_stream_from_now (void **state)
{
    (void)state;
    test_host_t host;
    gateway_stream_context_t context = test_context (&host, 1 << 20);
    gateway_stream_types_t types = {0};
    gateway_stream_t *stream = gateway_stream_new (&context, &host, &types, false, NULL, 0);
    assert_non_null (stream);
    assert_int_equal (host.request_count, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_true (host.requests[i].after_seq == (uint64_t)INT64_MAX);
        assert_int_equal (host.requests[i].limit, 1);
    }
    char *text = test_read_all (stream);
    assert_string_equal (text, "retry: 2000\n\n");
    free (text);

    /*  Live events before the answers are held, not sent. */
    test_live (stream, TEST_TICKETS, "ticket.created", 41, 0);
    test_live (stream, TEST_TICKETS, "ticket.created", 42, 0);
    test_page (stream, TEST_TICKETS, "ticket.created", 0, 0, (uint64_t)INT64_MAX, 41);
    text = test_read_all (stream);
    assert_string_equal (text, "");
    free (text);
    test_page (stream, TEST_WEBHOOKS, "webhook.created", 0, 0, (uint64_t)INT64_MAX, 7);
    text = test_read_all (stream);
    assert_true (strncmp (text, "id: tickets:41,webhooks:7\n\n", 27) == 0);
    assert_non_null (strstr (text, "id: tickets:42,webhooks:7\nevent: ticket.created\ndata: {"));
    assert_int_equal (test_count (text, "event: "), 1);
    free (text);

    /*  Live: in order, duplicates dropped. */
    test_live (stream, TEST_TICKETS, "ticket.created", 42, 0);
    test_live (stream, TEST_WEBHOOKS, "webhook.created", 8, 0);
    test_live (stream, TEST_TICKETS, "ticket.created", 43, 0);
    text = test_read_all (stream);
    char *ids = test_event_ids (text);
    assert_string_equal (ids, "webhooks-8|tickets-43");
    assert_non_null (strstr (text, "id: tickets:43,webhooks:8\n"));
    free (ids);
    free (text);
    gateway_stream_destroy (&stream);
    assert_null (stream);
}

/*  From a cursor: replay page by page while live events are held; then
 *  the held ones after the replayed position, each exactly once. */
static void
test_stream_resume_without_gap_or_duplicate (void **state)
{
    (void)state;
    test_host_t host;
    gateway_stream_context_t context = test_context (&host, 1 << 20);
    gateway_stream_types_t types;
    char reason[GATEWAY_STREAM_REASON_SIZE];
    assert_int_equal (gateway_stream_types_parse ("ticket.", &types, reason), 0);
    gateway_cursor_t *resume = gateway_cursor_new (test_sources, TEST_SOURCES);
    assert_int_equal (gateway_cursor_parse (resume, "tickets:10,webhooks:3", reason), 0);
    gateway_stream_t *stream = gateway_stream_new (&context, &host, &types, false, resume, 0);
    gateway_cursor_destroy (&resume);
    assert_int_equal (host.request_count, 2);
    const test_request_t *asked = test_last_request (&host, TEST_TICKETS);
    assert_int_equal (asked->after_seq, 10);
    assert_int_equal (asked->limit, GATEWAY_STREAM_REPLAY_PAGE);
    assert_int_equal (asked->prefixes, 1);

    /*  Live 14..16 arrive while 11..13 are being replayed. */
    test_live (stream, TEST_TICKETS, "ticket.created", 14, 0);
    test_live (stream, TEST_TICKETS, "ticket.created", 15, 0);
    test_page (stream, TEST_TICKETS, "ticket.created", 11, 12, 12, 15);
    assert_int_equal (test_last_request (&host, TEST_TICKETS)->after_seq, 12);
    test_live (stream, TEST_TICKETS, "ticket.created", 16, 0);
    test_page (stream, TEST_TICKETS, "ticket.created", 13, 14, 14, 15);
    /*  Not caught up (14 < 15): one more page, which holds 15. */
    assert_int_equal (test_last_request (&host, TEST_TICKETS)->after_seq, 14);
    test_page (stream, TEST_TICKETS, "ticket.created", 15, 15, 15, 15);
    test_page (stream, TEST_WEBHOOKS, "webhook.created", 0, 0, 3, 3);
    test_live (stream, TEST_TICKETS, "ticket.created", 17, 0);
    char *text = test_read_all (stream);
    char *ids = test_event_ids (text);
    assert_string_equal (ids, "tickets-11|tickets-12|tickets-13|tickets-14|tickets-15|tickets-16|"
                              "tickets-17");
    assert_non_null (strstr (text, "id: tickets:17,webhooks:3\n"));
    assert_null (strstr (text, "retry: 2000\n\nid: tickets:10")); /* no start id on resume */
    free (ids);
    free (text);
    gateway_stream_destroy (&stream);
}

/*  A live event that jumps ahead sends the source back to replaying; the
 *  held event goes out after the gap is filled. */
static void
test_stream_gap_replays (void **state)
{
    (void)state;
    test_host_t host;
    gateway_stream_context_t context = test_context (&host, 1 << 20);
    gateway_stream_types_t types = {0};
    gateway_stream_t *stream = gateway_stream_new (&context, &host, &types, false, NULL, 0);
    test_page (stream, TEST_TICKETS, "ticket.created", 0, 0, (uint64_t)INT64_MAX, 5);
    test_page (stream, TEST_WEBHOOKS, "webhook.created", 0, 0, (uint64_t)INT64_MAX, 0);
    free (test_read_all (stream));
    size_t before = host.request_count;
    test_live (stream, TEST_TICKETS, "ticket.created", 6, 0);
    test_live (stream, TEST_TICKETS, "ticket.created", 9, 0);
    assert_int_equal (host.request_count, before + 1);
    assert_int_equal (test_last_request (&host, TEST_TICKETS)->after_seq, 6);
    test_live (stream, TEST_TICKETS, "ticket.created", 10, 0);
    test_page (stream, TEST_TICKETS, "ticket.created", 7, 9, 9, 10);
    /*  Not caught up by last_seq: asks again after 9; the page holds 10. */
    test_page (stream, TEST_TICKETS, "ticket.created", 10, 10, 10, 10);
    char *text = test_read_all (stream);
    char *ids = test_event_ids (text);
    assert_string_equal (ids, "tickets-6|tickets-7|tickets-8|tickets-9|tickets-10");
    free (ids);
    free (text);
    gateway_stream_destroy (&stream);
}

/*  Events lost at the end of a burst have no successor to show the gap:
 *  when the source says it published more than the stream has, a live
 *  stream replays them; one already there does nothing. */
static void
test_stream_quiet_tail_replayed (void **state)
{
    (void)state;
    test_host_t host;
    gateway_stream_context_t context = test_context (&host, 1 << 20);
    gateway_stream_types_t types = {0};
    gateway_stream_t *stream = gateway_stream_new (&context, &host, &types, false, NULL, 0);
    test_page (stream, TEST_TICKETS, "ticket.created", 0, 0, (uint64_t)INT64_MAX, 5);
    test_page (stream, TEST_WEBHOOKS, "webhook.created", 0, 0, (uint64_t)INT64_MAX, 0);
    free (test_read_all (stream));
    size_t before = host.request_count;
    gateway_stream_on_source_seq (stream, TEST_TICKETS, 5, 0);
    assert_int_equal (host.request_count, before);
    gateway_stream_on_source_seq (stream, TEST_TICKETS, 7, 0);
    assert_int_equal (host.request_count, before + 1);
    assert_int_equal (test_last_request (&host, TEST_TICKETS)->after_seq, 5);
    test_page (stream, TEST_TICKETS, "ticket.created", 6, 7, 7, 7);
    char *text = test_read_all (stream);
    char *ids = test_event_ids (text);
    assert_string_equal (ids, "tickets-6|tickets-7");
    free (ids);
    free (text);
    gateway_stream_destroy (&stream);
}

/*  Unwanted types and audit records (for a non-auditor) move the cursor
 *  silently; the next event sent carries it. AUD-8. */
static void
test_stream_filter_moves_cursor (void **state)
{
    (void)state;
    test_host_t host;
    gateway_stream_context_t context = test_context (&host, 1 << 20);
    gateway_stream_types_t types;
    char reason[GATEWAY_STREAM_REASON_SIZE];
    assert_int_equal (gateway_stream_types_parse ("ticket.,audit.", &types, reason), 0);
    gateway_stream_t *stream = gateway_stream_new (&context, &host, &types, false, NULL, 0);
    test_page (stream, TEST_TICKETS, "ticket.created", 0, 0, (uint64_t)INT64_MAX, 0);
    test_page (stream, TEST_WEBHOOKS, "webhook.created", 0, 0, (uint64_t)INT64_MAX, 0);
    free (test_read_all (stream));
    test_live (stream, TEST_TICKETS, "ticket.created", 1, 0);
    test_live (stream, TEST_TICKETS, "audit.record.ticket.created", 2, 0);
    test_live (stream, TEST_WEBHOOKS, "webhook.created", 1, 0);
    test_live (stream, TEST_TICKETS, "ticket.transitioned", 3, 0);
    char *text = test_read_all (stream);
    assert_int_equal (test_count (text, "event: "), 2);
    assert_null (strstr (text, "audit.record"));
    assert_non_null (strstr (text, "id: tickets:3,webhooks:1\nevent: ticket.transitioned\n"));
    free (text);
    gateway_stream_destroy (&stream);

    /*  An auditor gets them. */
    stream = gateway_stream_new (&context, &host, &types, true, NULL, 0);
    test_page (stream, TEST_TICKETS, "ticket.created", 0, 0, (uint64_t)INT64_MAX, 0);
    test_page (stream, TEST_WEBHOOKS, "webhook.created", 0, 0, (uint64_t)INT64_MAX, 0);
    test_live (stream, TEST_TICKETS, "audit.record.ticket.created", 1, 0);
    text = test_read_all (stream);
    assert_non_null (strstr (text, "event: audit.record.ticket.created\n"));
    free (text);
    gateway_stream_destroy (&stream);
}

/*  A client that does not read: live events past the buffer's bound are
 *  held, and when the held ones reach the bound too the stream ends with
 *  kefu.stream.closed, the resume cursor being the last event in the
 *  buffer; it takes no more. Memory stays bounded all along. */
static void
test_stream_slow_consumer_closed (void **state)
{
    (void)state;
    enum { TEST_SMALL_BUFFER = 1500, TEST_EVENTS_MAX = 100 };
    test_host_t host;
    gateway_stream_context_t context = test_context (&host, TEST_SMALL_BUFFER);
    gateway_stream_types_t types = {0};
    gateway_stream_t *stream = gateway_stream_new (&context, &host, &types, false, NULL, 0);
    test_page (stream, TEST_TICKETS, "ticket.created", 0, 0, (uint64_t)INT64_MAX, 0);
    test_page (stream, TEST_WEBHOOKS, "webhook.created", 0, 0, (uint64_t)INT64_MAX, 0);
    uint64_t seq = 0;
    while (seq < TEST_EVENTS_MAX && !gateway_stream_closed_reason (stream)) {
        test_live (stream, TEST_TICKETS, "ticket.created", ++seq, 0);
        assert_true (gateway_stream_buffered (stream) < TEST_SMALL_BUFFER + 512);
    }
    assert_non_null (gateway_stream_closed_reason (stream));
    assert_string_equal (gateway_stream_closed_reason (stream), "slow-consumer");
    test_live (stream, TEST_TICKETS, "ticket.created", seq + 1, 0);
    assert_false (gateway_stream_finished (stream));
    char *text = test_read_all (stream);
    assert_true (gateway_stream_finished (stream));
    size_t sent = test_count (text, "event: ticket.created");
    /*  Some were only held, never sent: the cursor says where to go on. */
    assert_true (sent >= 1 && sent + 2 < seq);
    char expected[160];
    snprintf (expected, sizeof expected,
              "id: tickets:%zu,webhooks:0\nevent: kefu.stream.closed\n"
              "data: {\"reason\":\"slow-consumer\",\"resume\":\"tickets:%zu,webhooks:0\"}\n\n",
              sent, sent);
    /*  The ending is the last thing sent. */
    assert_true (strlen (text) > strlen (expected));
    assert_string_equal (text + strlen (text) - strlen (expected), expected);
    free (text);
    gateway_stream_destroy (&stream);
}

/*  A burst of live events larger than the buffer is not the client's
 *  fault: what does not fit is held and fed as it reads, in order. */
static void
test_stream_live_burst_absorbed (void **state)
{
    (void)state;
    enum { TEST_SMALL_BUFFER = 3000 };
    test_host_t host;
    gateway_stream_context_t context = test_context (&host, TEST_SMALL_BUFFER);
    gateway_stream_types_t types = {0};
    gateway_stream_t *stream = gateway_stream_new (&context, &host, &types, false, NULL, 0);
    test_page (stream, TEST_TICKETS, "ticket.created", 0, 0, (uint64_t)INT64_MAX, 0);
    test_page (stream, TEST_WEBHOOKS, "webhook.created", 0, 0, (uint64_t)INT64_MAX, 0);
    for (uint64_t seq = 1; seq <= 6; seq++)
        test_live (stream, TEST_TICKETS, "ticket.created", seq, 0);
    assert_null (gateway_stream_closed_reason (stream));
    assert_true (gateway_stream_buffered (stream) <= TEST_SMALL_BUFFER);
    char *text = test_read_all (stream);
    assert_true (strlen (text) > TEST_SMALL_BUFFER); /* it was a burst */
    char *ids = test_event_ids (text);
    assert_string_equal (ids, "tickets-1|tickets-2|tickets-3|tickets-4|tickets-5|tickets-6");
    free (ids);
    free (text);
    /*  Drained: live again. */
    test_live (stream, TEST_TICKETS, "ticket.created", 7, 0);
    text = test_read_all (stream);
    assert_non_null (strstr (text, "id: tickets:7,webhooks:0\n"));
    free (text);
    gateway_stream_destroy (&stream);
}

/*  History is fed as the client reads: a replay and the live events held
 *  meanwhile, far more than the bound, all arrive in order, and the stream
 *  is not closed for it. */
static void
test_stream_catch_up_paced_by_reader (void **state)
{
    (void)state;
    enum { TEST_SMALL_BUFFER = 1500 };
    test_host_t host;
    gateway_stream_context_t context = test_context (&host, TEST_SMALL_BUFFER);
    gateway_stream_types_t types = {0};
    gateway_cursor_t *resume = gateway_cursor_new (test_sources, TEST_SOURCES);
    char reason[GATEWAY_CURSOR_REASON_SIZE];
    assert_int_equal (gateway_cursor_parse (resume, "tickets:0,webhooks:0", reason), 0);
    gateway_stream_t *stream = gateway_stream_new (&context, &host, &types, false, resume, 0);
    gateway_cursor_destroy (&resume);
    test_page (stream, TEST_WEBHOOKS, "webhook.created", 0, 0, 0, 0);
    for (uint64_t seq = 21; seq <= 30; seq++)
        test_live (stream, TEST_TICKETS, "ticket.created", seq, 0);
    test_page (stream, TEST_TICKETS, "ticket.created", 1, 20, 20, 20);
    assert_true (gateway_stream_buffered (stream) <= TEST_SMALL_BUFFER);
    char *text = test_read_all (stream);
    assert_null (gateway_stream_closed_reason (stream));
    char *ids = test_event_ids (text);
    kefu_strbuf_t expected;
    kefu_strbuf_init (&expected);
    for (int seq = 1; seq <= 30; seq++)
        kefu_strbuf_appendf (&expected, "%stickets-%d", seq > 1 ? "|" : "", seq);
    assert_string_equal (ids, kefu_strbuf_data (&expected));
    kefu_strbuf_release (&expected);
    free (ids);
    free (text);
    /*  Caught up: live again. */
    test_live (stream, TEST_TICKETS, "ticket.created", 31, 0);
    text = test_read_all (stream);
    assert_non_null (strstr (text, "id: tickets:31,webhooks:0\n"));
    free (text);
    gateway_stream_destroy (&stream);
}

/*  A quiet stream gets a comment line every heartbeat. */
static void
test_stream_heartbeat (void **state)
{
    (void)state;
    test_host_t host;
    gateway_stream_context_t context = test_context (&host, 1 << 20);
    gateway_stream_types_t types = {0};
    gateway_stream_t *stream = gateway_stream_new (&context, &host, &types, false, NULL, 100);
    free (test_read_all (stream));
    assert_int_equal (gateway_stream_next_tick (stream), 1100);
    gateway_stream_tick (stream, 1099);
    char *text = test_read_all (stream);
    assert_string_equal (text, "");
    free (text);
    size_t wakes = host.wakes;
    gateway_stream_tick (stream, 1100);
    assert_int_equal (host.wakes, wakes + 1);
    text = test_read_all (stream);
    assert_string_equal (text, ": keep-alive\n\n");
    free (text);
    assert_int_equal (gateway_stream_next_tick (stream), 2100);
    gateway_stream_close (stream, "shutdown");
    assert_int_equal (gateway_stream_next_tick (stream), INT64_MAX);
    text = test_read_all (stream);
    assert_string_equal (text, "event: kefu.stream.closed\n"
                               "data: {\"reason\":\"shutdown\",\"resume\":null}\n\n");
    free (text);
    /*  Its probes were forgotten with it. */
    assert_true (host.requests[0].cancelled && host.requests[1].cancelled);
    gateway_stream_destroy (&stream);
}

/*  A source that cannot be asked at start begins at its first live event;
 *  one that fails while replaying is asked again after replay_retry_ms. */
static void
test_stream_source_down (void **state)
{
    (void)state;
    test_host_t host;
    gateway_stream_context_t context = test_context (&host, 1 << 20);
    gateway_stream_types_t types = {0};
    host.answer = GATEWAY_UPSTREAM_NO_PEER;
    gateway_stream_t *stream = gateway_stream_new (&context, &host, &types, false, NULL, 0);
    char *text = test_read_all (stream);
    assert_string_equal (text, "retry: 2000\n\n");
    free (text);
    test_live (stream, TEST_TICKETS, "ticket.created", 5, 0);
    text = test_read_all (stream);
    assert_non_null (strstr (text, "id: tickets:5\nevent: ticket.created\n"));
    free (text);
    gateway_stream_destroy (&stream);

    host.answer = GATEWAY_UPSTREAM_SENT;
    gateway_cursor_t *resume = gateway_cursor_new (test_sources, TEST_SOURCES);
    char reason[GATEWAY_CURSOR_REASON_SIZE];
    assert_int_equal (gateway_cursor_parse (resume, "tickets:2,webhooks:0", reason), 0);
    stream = gateway_stream_new (&context, &host, &types, false, resume, 1000);
    gateway_cursor_destroy (&resume);
    gateway_stream_settle (stream, TEST_TICKETS, GATEWAY_UPSTREAM_UNAVAILABLE, NULL, 1000);
    assert_int_equal (gateway_stream_next_tick (stream), 1500);
    size_t before = host.request_count;
    gateway_stream_tick (stream, 1499);
    assert_int_equal (host.request_count, before);
    gateway_stream_tick (stream, 1500);
    assert_int_equal (host.request_count, before + 1);
    assert_int_equal (test_last_request (&host, TEST_TICKETS)->after_seq, 2);
    test_page (stream, TEST_TICKETS, "ticket.created", 3, 3, 3, 3);
    text = test_read_all (stream);
    char *ids = test_event_ids (text);
    assert_string_equal (ids, "tickets-3");
    free (ids);
    free (text);
    gateway_stream_destroy (&stream);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_cursor_text_sorted_and_known_only),
        cmocka_unit_test (test_cursor_parse_round_trip),
        cmocka_unit_test (test_cursor_parse_strict),
        cmocka_unit_test (test_types_parse),
        cmocka_unit_test (test_subject_filter_exact),
        cmocka_unit_test (test_types_audit_records_only_for_auditors),
        cmocka_unit_test (test_stream_from_now),
        cmocka_unit_test (test_stream_resume_without_gap_or_duplicate),
        cmocka_unit_test (test_stream_gap_replays),
        cmocka_unit_test (test_stream_quiet_tail_replayed),
        cmocka_unit_test (test_stream_filter_moves_cursor),
        cmocka_unit_test (test_stream_slow_consumer_closed),
        cmocka_unit_test (test_stream_catch_up_paced_by_reader),
        cmocka_unit_test (test_stream_live_burst_absorbed),
        cmocka_unit_test (test_stream_heartbeat),
        cmocka_unit_test (test_stream_source_down),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
