/*  kefu-bench-zmq: load generator that talks to a service directly over
 *  ZeroMQ, without the gateway (make bench, tests/bench/run.sh).
 *
 *  One DEALER socket keeps `window` requests in flight: each reply is timed
 *  and answered at once by the next request, for `seconds`; then the last
 *  replies are drained. Comparing its figures with the same case through the
 *  gateway separates the gateway's cost from the service's.
 *
 *      kefu-bench-zmq ENDPOINT create WINDOW SECONDS FIRST CUSTOMERS REGULARS REPEAT_PERCENT
 *      kefu-bench-zmq ENDPOINT get WINDOW SECONDS MAX_ID
 *
 *  create: tickets.create with a unique idempotency key per request (the
 *  body of tests/bench/http.lua), for a customer drawn per request as
 *  tests/bench/bench.py draws them (CUSTOMER_DRAW, which passes the
 *  arguments): with REPEAT_PERCENT % chance one of the REGULARS customers
 *  numbered from FIRST, else one of CUSTOMERS numbered from FIRST; get:
 *  tickets.get of a random id in 1..MAX_ID. A reply whose status is not OK
 *  counts as an error, and so does a request still unanswered
 *  REPLY_TIMEOUT_MS after the end.
 *
 *  Prints one line in the format tests/bench/bench.py reads:
 *      RESULT requests=N seconds=S rps=R p50_ms=A p99_ms=B p999_ms=C errors=E
 */
#include "kefu_frames.h"
#include "kefu_time.h"

#include "kefu/v1/envelope.pb-c.h"
#include "kefu/v1/tickets.pb-c.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

enum {
    WINDOW_MAX = 4096,
    SECONDS_MAX = 3600,
    ID_TEXT_MAX = 64,
    PERCENT = 100,
    CUSTOMERS_MAX = 1000000000,         /* keeps FIRST + a draw within 10 digits */
    POLL_MS = 100,
    REPLY_TIMEOUT_MS = 10000,
    REQUEST_DEADLINE_MS = 30000,        /* the service must not drop a queued request */
    MESSAGE_MAX = 64 * 1024,
    SAMPLES_FIRST = 1 << 16,
};

static const char *const BENCH_ACTOR = "A1001";
static const char *const BENCH_SESSION = "apikey:bench-agent";
static const char *BENCH_ROLES[] = { "agent" };

typedef struct {
    double *values;
    size_t count;
    size_t size;
} samples_t;

static int64_t
monotonic_ns (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (int64_t) now.tv_sec * 1000000000 + now.tv_nsec;
}

static int
samples_add (samples_t *samples, double value)
{
    if (samples->count == samples->size) {
        size_t size = samples->size ? samples->size * 2 : SAMPLES_FIRST;
        double *values = realloc (samples->values, size * sizeof *values);
        if (!values)
            return -1;
        samples->values = values;
        samples->size = size;
    }
    samples->values[samples->count++] = value;
    return 0;
}

static int
compare_double (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

/*  The value below which `fraction` of the sorted samples lie. */
static double
percentile (const samples_t *samples, double fraction)
{
    if (samples->count == 0)
        return 0;
    size_t index = (size_t) (fraction * (double) samples->count);
    return samples->values[index < samples->count ? index : samples->count - 1];
}

/*  Who complains: see the comment at the top. */
typedef struct {
    int64_t first;
    int64_t customers;
    int64_t regulars;
    int64_t repeat_percent;
} customer_draw_t;

/*  A uniform draw in 0..count-1 (count <= CUSTOMERS_MAX); two rand() calls,
 *  RAND_MAX being as small as 32767 in places. */
static int64_t
draw_below (int64_t count)
{
    uint64_t wide = (uint64_t) rand () * ((uint64_t) RAND_MAX + 1) + (uint64_t) rand ();
    return (int64_t) (wide % (uint64_t) count);
}

typedef struct {
    void *dealer;
    bool create;
    customer_draw_t draw;
    int64_t max_id;
    uint64_t run_tag;           /* makes keys unique across runs */
    uint64_t sent;
    int64_t *sent_at;           /* per window slot, 0 = free */
} client_t;

/*  Send the request for window slot `slot`; the slot number is the
 *  request id, so a reply finds its start time without a search. */
static int
client_send (client_t *self, int slot)
{
    char request_id[ID_TEXT_MAX], key[ID_TEXT_MAX], customer[ID_TEXT_MAX];
    snprintf (request_id, sizeof request_id, "%d", slot);
    snprintf (key, sizeof key, "zmq-%" PRIx64 "-%" PRIu64, self->run_tag, self->sent);

    uint8_t payload[MESSAGE_MAX];
    size_t payload_size;
    if (self->create) {
        Kefu__V1__CreateTicketRequest create = KEFU__V1__CREATE_TICKET_REQUEST__INIT;
        create.kind = "complaint";
        create.channel = "phone";
        create.priority = "high";
        create.category = "billing";
        create.subject = "退款未到账";
        create.description = "Refund promised on 11-18 has not arrived.";
        const customer_draw_t *draw = &self->draw;
        int64_t drawn = draw_below (PERCENT) < draw->repeat_percent
                      ? draw_below (draw->regulars) : draw_below (draw->customers);
        snprintf (customer, sizeof customer, "%" PRId64, draw->first + drawn);
        create.customer_id = customer;
        create.requested_remedy = "refund";
        payload_size = kefu__v1__create_ticket_request__pack (&create, payload);
    } else {
        Kefu__V1__GetTicketRequest get = KEFU__V1__GET_TICKET_REQUEST__INIT;
        get.id = 1 + (int64_t) ((uint64_t) rand () % (uint64_t) self->max_id);
        payload_size = kefu__v1__get_ticket_request__pack (&get, payload);
    }
    Kefu__V1__Actor actor = KEFU__V1__ACTOR__INIT;
    actor.staff_id = (char *) BENCH_ACTOR;
    actor.session_id = (char *) BENCH_SESSION;
    actor.roles = (char **) BENCH_ROLES;
    actor.n_roles = sizeof BENCH_ROLES / sizeof BENCH_ROLES[0];
    Kefu__V1__Request request = KEFU__V1__REQUEST__INIT;
    request.request_id = request_id;
    request.method = self->create ? "tickets.create" : "tickets.get";
    request.actor = &actor;
    request.idempotency_key = self->create ? key : "";
    request.deadline_unix_ms = kefu_time_real_ms () + REQUEST_DEADLINE_MS;
    request.payload.data = payload;
    request.payload.len = payload_size;

    uint8_t frame[MESSAGE_MAX];
    if (kefu__v1__request__get_packed_size (&request) > sizeof frame)
        return -1;
    size_t size = kefu__v1__request__pack (&request, frame);
    self->sent_at[slot] = monotonic_ns ();
    self->sent++;
    if (zmq_send (self->dealer, "", 0, ZMQ_SNDMORE) < 0 || zmq_send (self->dealer, frame, size, 0) < 0)
        return -1;
    return 0;
}

/*  Read one reply: its slot (-1 if it names none of ours) and whether its
 *  status is OK. Returns -1 on a socket failure. */
static int
client_receive (client_t *self, int window, int *slot, bool *ok)
{
    *slot = -1;
    *ok = false;
    /*  The empty delimiter, then the Reply. */
    zmq_msg_t frames[2];
    int count = kefu_frames_recv (self->dealer, frames, 2, NULL);
    if (count < 0)
        return -1;
    Kefu__V1__Reply *reply = count == 2
        ? kefu__v1__reply__unpack (NULL, zmq_msg_size (&frames[1]), zmq_msg_data (&frames[1])) : NULL;
    kefu_frames_close (frames, count);
    if (reply) {
        char *end;
        long number = strtol (reply->request_id, &end, 10);
        if (*reply->request_id && !*end && number >= 0 && number < window)
            *slot = (int) number;
        *ok = reply->status && reply->status->code == KEFU__V1__CODE__OK;
        kefu__v1__reply__free_unpacked (reply, NULL);
    }
    return 0;
}

int
main (int argc, char **argv)
{
    bool create = argc == 9 && strcmp (argv[2], "create") == 0;
    if (!create && !(argc == 6 && strcmp (argv[2], "get") == 0)) {
        fprintf (stderr, "usage: kefu-bench-zmq ENDPOINT create WINDOW SECONDS FIRST CUSTOMERS REGULARS "
                         "REPEAT_PERCENT\n       kefu-bench-zmq ENDPOINT get WINDOW SECONDS MAX_ID\n");
        return EXIT_FAILURE;
    }
    int window = atoi (argv[3]);
    int seconds = atoi (argv[4]);
    client_t client = { .create = create, .max_id = create ? 0 : strtoll (argv[5], NULL, 10) };
    if (create)
        client.draw = (customer_draw_t) { .first = strtoll (argv[5], NULL, 10),
                                          .customers = strtoll (argv[6], NULL, 10),
                                          .regulars = strtoll (argv[7], NULL, 10),
                                          .repeat_percent = strtoll (argv[8], NULL, 10) };
    const customer_draw_t *draw = &client.draw;
    if (window < 1 || window > WINDOW_MAX || seconds < 1 || seconds > SECONDS_MAX
    ||  (!create && client.max_id < 1)
    ||  (create && (draw->first < 0 || draw->first > CUSTOMERS_MAX || draw->customers < 1
                    || draw->customers > CUSTOMERS_MAX || draw->regulars < 1 || draw->regulars > draw->customers
                    || draw->repeat_percent < 0 || draw->repeat_percent > PERCENT))) {
        fprintf (stderr, "kefu-bench-zmq: WINDOW 1..%d, SECONDS 1..%d, MAX_ID >= 1 for get; for create "
                         "FIRST 0..%d, CUSTOMERS 1..%d, REGULARS 1..CUSTOMERS, REPEAT_PERCENT 0..%d\n",
                 WINDOW_MAX, SECONDS_MAX, CUSTOMERS_MAX, CUSTOMERS_MAX, PERCENT);
        return EXIT_FAILURE;
    }
    srand ((unsigned) monotonic_ns ());
    client.run_tag = (uint64_t) monotonic_ns ();
    client.sent_at = calloc ((size_t) window, sizeof *client.sent_at);
    void *context = zmq_ctx_new ();
    client.dealer = zmq_socket (context, ZMQ_DEALER);
    int no_linger = 0;
    zmq_setsockopt (client.dealer, ZMQ_LINGER, &no_linger, sizeof no_linger);
    if (!client.sent_at || !client.dealer || zmq_connect (client.dealer, argv[1]) != 0) {
        fprintf (stderr, "kefu-bench-zmq: cannot connect to %s: %s\n", argv[1], zmq_strerror (zmq_errno ()));
        return EXIT_FAILURE;
    }

    samples_t samples = { 0 };
    uint64_t errors = 0, answered = 0;
    int in_flight = 0;
    int64_t start = monotonic_ns ();
    int64_t stop = start + (int64_t) seconds * 1000000000;
    int64_t give_up = stop + (int64_t) REPLY_TIMEOUT_MS * 1000000;
    for (int slot = 0; slot < window; slot++, in_flight++)
        if (client_send (&client, slot) != 0)
            goto socket_failed;
    int64_t finished = start;
    while (in_flight > 0) {
        int64_t now = monotonic_ns ();
        if (now > give_up)
            break;
        zmq_pollitem_t item = { client.dealer, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll (&item, 1, POLL_MS) < 0 && zmq_errno () != EINTR)
            goto socket_failed;
        if (!(item.revents & ZMQ_POLLIN))
            continue;
        int slot;
        bool ok;
        if (client_receive (&client, window, &slot, &ok) != 0)
            goto socket_failed;
        if (slot < 0 || client.sent_at[slot] == 0) {
            errors++;
            continue;
        }
        now = monotonic_ns ();
        if (samples_add (&samples, (double) (now - client.sent_at[slot]) / 1e6) != 0) {
            fprintf (stderr, "kefu-bench-zmq: out of memory\n");
            return EXIT_FAILURE;
        }
        client.sent_at[slot] = 0;
        answered++;
        errors += !ok;
        finished = now;
        in_flight--;
        if (now < stop) {
            if (client_send (&client, slot) != 0)
                goto socket_failed;
            in_flight++;
        }
    }
    errors += (uint64_t) in_flight;         /* never answered */
    double elapsed = (double) (finished - start) / 1e9;
    qsort (samples.values, samples.count, sizeof *samples.values, compare_double);
    printf ("RESULT requests=%" PRIu64 " seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f errors=%" PRIu64
            "\n", answered, elapsed, elapsed > 0 ? (double) answered / elapsed : 0, percentile (&samples, 0.5),
            percentile (&samples, 0.99), percentile (&samples, 0.999), errors);
    free (samples.values);
    free (client.sent_at);
    zmq_close (client.dealer);
    zmq_ctx_term (context);
    return EXIT_SUCCESS;

socket_failed:
    fprintf (stderr, "kefu-bench-zmq: %s\n", zmq_strerror (zmq_errno ()));
    return EXIT_FAILURE;
}
