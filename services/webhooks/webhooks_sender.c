/*  webhooks_sender: delivery threads, one attempt at a time. See
 *  webhooks_sender.h; the SQL is in webhooks_store.c.
 */
#include "webhooks_sender.h"
#include "webhooks_backoff.h"
#include "webhooks_signature.h"
#include "webhooks_store.h"
#include "webhooks_url.h"

#include "kefu_log.h"
#include "kefu_outbox.h"

#include <assert.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

enum {
    SENDERS_MAX = 32, /* the bound of KEFU_WEBHOOKS_SENDERS */
    /*  A lease outlives the attempt's time limit by this much, so the row
     *  is recorded before another sender may take it. */
    LEASE_MARGIN_MS = 30000,
    RETRY_PAUSE_MS = 1000, /* after a database failure */
    STOP_CHECK_MS = 100,   /* how often an idle thread looks at the stop flag */
    /*  Stored errors are bounded: the log shows why, not a whole page. */
    ERROR_TEXT_MAX = 500,
    RESPONSE_EXCERPT_MAX = 200, /* bytes of a failed response's body kept */
    /*  Room for a response excerpt or curl's message, either of which fits
     *  well within the stored error's bound. */
    DETAIL_SIZE =
        CURL_ERROR_SIZE > RESPONSE_EXCERPT_MAX ? CURL_ERROR_SIZE : RESPONSE_EXCERPT_MAX + 1,
    HEADER_MAX = 256,
    NUMBER_TEXT_SIZE = 24,
};

static const char SCHEMA[] = "webhooks";
static const char USER_AGENT[] = "kefu-webhooks/0.1.0";
static const char ALLOWED_PROTOCOLS[] = "http,https";

typedef struct _sender_thread_t sender_thread_t;

struct _webhooks_sender_t {
    char *dsn;
    webhooks_vault_t *vault; /* borrowed */
    bool allow_private;
    int64_t backoff_base_ms;
    int64_t backoff_max_ms;
    int give_up_s;
    long timeout_ms;
    int poll_ms;
    int thread_count;
    sender_thread_t *threads[SENDERS_MAX];
    atomic_bool stop;
    atomic_uint_least64_t attempts;
};

struct _sender_thread_t {
    webhooks_sender_t *sender;
    pthread_t thread;
    bool thread_started;
    kefu_db_t *db;
    CURL *curl;
    bool listening; /* LISTEN is in place on db's connection */
};

/*  What one HTTP attempt needs and learns, shared with curl's callbacks. */
typedef struct {
    webhooks_sender_t *sender;
    char excerpt[RESPONSE_EXCERPT_MAX + 1];
    size_t excerpt_length;
    char refused[WEBHOOKS_URL_REASON_SIZE]; /* why a connection was refused; "" if none */
    char curl_error[CURL_ERROR_SIZE];
} sender_attempt_t;

/* --- helpers ----------------------------------------------------------------- */

static int64_t
sender_monotonic_ms (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/*  Copy `text` into `out` (`size` bytes) keeping printable ASCII only: an
 *  error text from a receiver or a library must be valid UTF-8 for
 *  PostgreSQL and safe in a log. */
static void
sender_clean_text (char *out, size_t size, const char *text)
{
    size_t used = 0;
    for (const char *p = text; *p && used + 1 < size; p++)
        out[used++] = (*p >= ' ' && *p < 0x7F) ? *p : '?';
    out[used] = '\0';
}

/*  True if `text` may go into a header value as it is. */
static bool
sender_header_safe (const char *text)
{
    if (!*text)
        return false;
    for (const char *p = text; *p; p++)
        if (*p <= ' ' || *p >= 0x7F)
            return false;
    return true;
}

static bool
sender_stopping (webhooks_sender_t *self)
{
    return atomic_load (&self->stop);
}

/*  Sleep up to `ms`, waking early when asked to stop. */
static void
sender_pause (webhooks_sender_t *self, int ms)
{
    for (int slept = 0; slept < ms && !sender_stopping (self); slept += STOP_CHECK_MS) {
        struct timespec pause = {0, STOP_CHECK_MS * 1000000L};
        nanosleep (&pause, NULL);
    }
}

/* --- curl callbacks ------------------------------------------------------------ */

/*  Keep the first bytes of the response (for the error of a failed
 *  attempt) and drop the rest. */
static size_t
sender_on_body (char *data, size_t size, size_t count, void *arg)
{
    sender_attempt_t *attempt = arg;
    size_t bytes = size * count;
    size_t room = RESPONSE_EXCERPT_MAX - attempt->excerpt_length;
    size_t kept = bytes < room ? bytes : room;
    memcpy (attempt->excerpt + attempt->excerpt_length, data, kept);
    attempt->excerpt_length += kept;
    attempt->excerpt[attempt->excerpt_length] = '\0';
    return bytes;
}

/*  The SSRF guard at the last moment: the address curl is about to connect
 *  to, whatever the name resolved to by now. */
static curl_socket_t
sender_open_socket (void *arg, curlsocktype purpose, struct curl_sockaddr *address)
{
    sender_attempt_t *attempt = arg;
    (void)purpose;
    if (!webhooks_address_allowed (&address->addr, attempt->sender->allow_private)) {
        char text[WEBHOOKS_ADDRESS_TEXT_SIZE];
        webhooks_address_text (&address->addr, text, sizeof text);
        bool private_ = webhooks_address_classify (&address->addr) == WEBHOOKS_ADDRESS_PRIVATE;
        snprintf (attempt->refused, sizeof attempt->refused, "refused to connect to %s: %s", text,
                  private_ ? "a loopback, private or link-local address, not allowed here"
                           : "an address that cannot receive webhooks");
        return CURL_SOCKET_BAD;
    }
    return socket (address->family, address->socktype, address->protocol);
}

/*  Cut an attempt short when the service stops. */
static int
sender_on_progress (void *arg, curl_off_t download_total, curl_off_t downloaded,
                    curl_off_t upload_total, curl_off_t uploaded)
{
    (void)download_total;
    (void)downloaded;
    (void)upload_total;
    (void)uploaded;
    sender_attempt_t *attempt = arg;
    return sender_stopping (attempt->sender) ? 1 : 0;
}

/* --- one attempt --------------------------------------------------------------- */

/*  Append "Name: value" (or "Name:" for NULL) to `headers`; false when
 *  out of memory. */
static bool
sender_add_header (struct curl_slist **headers, const char *name, const char *value)
{
    char line[HEADER_MAX];
    if (value)
        snprintf (line, sizeof line, "%s: %s", name, value);
    else
        snprintf (line, sizeof line, "%s:", name);
    struct curl_slist *grown = curl_slist_append (*headers, line);
    if (!grown)
        return false;
    *headers = grown;
    return true;
}

/*  The request headers of `claim` signed with `secret`, or NULL. */
static struct curl_slist *
sender_headers (const webhooks_claim_t *claim, const char *secret)
{
    char delivery_id[NUMBER_TEXT_SIZE], timestamp[NUMBER_TEXT_SIZE],
        signature[WEBHOOKS_SIGNATURE_SIZE];
    int64_t now = (int64_t)time (NULL);
    snprintf (delivery_id, sizeof delivery_id, "%" PRId64, claim->delivery_id);
    snprintf (timestamp, sizeof timestamp, "%" PRId64, now);
    webhooks_signature_compute (secret, now, claim->body, claim->body_size, signature);
    /*  "Expect" without a value removes curl's own header: no "Expect:
     *  100-continue" round trip for larger bodies. */
    struct curl_slist *headers = NULL;
    bool ok = sender_add_header (&headers, "Content-Type", "application/cloudevents+json") &&
              sender_add_header (&headers, "Kefu-Event-Id", claim->event_id) &&
              sender_add_header (&headers, "Idempotency-Key", claim->event_id) &&
              sender_add_header (&headers, "Kefu-Delivery-Id", delivery_id) &&
              sender_add_header (&headers, "Kefu-Timestamp", timestamp) &&
              sender_add_header (&headers, "Kefu-Signature", signature) &&
              sender_add_header (&headers, "Expect", NULL);
    if (ok && sender_header_safe (claim->event_type))
        ok = sender_add_header (&headers, "Kefu-Event-Type", claim->event_type);
    if (!ok) {
        curl_slist_free_all (headers);
        return NULL;
    }
    return headers;
}

/*  POST the claimed delivery. Fills `result` (its error text in `error`,
 *  ERROR_TEXT_MAX + 1 bytes). Returns false if the attempt was cut short
 *  by a stop and must not be counted. */
static bool
sender_post (sender_thread_t *self, const webhooks_claim_t *claim, webhooks_attempt_t *result,
             char *error)
{
    webhooks_sender_t *sender = self->sender;
    memset (result, 0, sizeof *result);
    error[0] = '\0';
    result->error = error;

    char secret[WEBHOOKS_SECRET_SIZE];
    webhooks_url_t url;
    const char *problem = webhooks_url_parse (claim->url, &url);
    if (problem) {
        snprintf (error, ERROR_TEXT_MAX + 1, "the webhook's url %s", problem);
        return true;
    }
    if (webhooks_vault_open (sender->vault, claim->webhook_id, claim->sealed, claim->sealed_size,
                             secret) != 0) {
        snprintf (error, ERROR_TEXT_MAX + 1,
                  "the webhook's secret does not open with KEFU_WEBHOOKS_SECRET_KEY (was the key "
                  "changed?)");
        kefu_log_error ("delivery.secret_unreadable", "webhook", claim->webhook_id, NULL);
        return true;
    }
    if (!sender_header_safe (claim->event_id)) {
        sodium_memzero (secret, sizeof secret);
        snprintf (error, ERROR_TEXT_MAX + 1, "the event id cannot be sent as a header");
        return true;
    }
    struct curl_slist *headers = sender_headers (claim, secret);
    sodium_memzero (secret, sizeof secret);
    if (!headers) {
        snprintf (error, ERROR_TEXT_MAX + 1, "out of memory");
        return true;
    }

    sender_attempt_t attempt;
    memset (&attempt, 0, sizeof attempt);
    attempt.sender = sender;
    CURL *curl = self->curl;
    /*  Reset drops the previous attempt's options but keeps the connection
     *  cache, so a receiver gets one keep-alive connection per sender. */
    curl_easy_reset (curl);
    curl_easy_setopt (curl, CURLOPT_URL, claim->url);
    curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, ALLOWED_PROTOCOLS);
    curl_easy_setopt (curl, CURLOPT_REDIR_PROTOCOLS_STR, ALLOWED_PROTOCOLS);
    curl_easy_setopt (curl, CURLOPT_FOLLOWLOCATION, 0L);
    /*  "" disables proxies even when http_proxy & co. are set: a proxy
     *  would connect on our behalf, past the address check. */
    curl_easy_setopt (curl, CURLOPT_PROXY, "");
    curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, sender->timeout_ms);
    curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT_MS, sender->timeout_ms);
    curl_easy_setopt (curl, CURLOPT_USERAGENT, USER_AGENT);
    curl_easy_setopt (curl, CURLOPT_POST, 1L);
    curl_easy_setopt (curl, CURLOPT_POSTFIELDS, claim->body);
    curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)claim->body_size);
    curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, sender_on_body);
    curl_easy_setopt (curl, CURLOPT_WRITEDATA, &attempt);
    curl_easy_setopt (curl, CURLOPT_OPENSOCKETFUNCTION, sender_open_socket);
    curl_easy_setopt (curl, CURLOPT_OPENSOCKETDATA, &attempt);
    curl_easy_setopt (curl, CURLOPT_XFERINFOFUNCTION, sender_on_progress);
    curl_easy_setopt (curl, CURLOPT_XFERINFODATA, &attempt);
    curl_easy_setopt (curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, attempt.curl_error);

    int64_t started = sender_monotonic_ms ();
    CURLcode code = curl_easy_perform (curl);
    int64_t latency = sender_monotonic_ms () - started;
    long status = 0;
    if (code == CURLE_OK)
        curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
    /*  The handle must not keep pointers to this frame's `attempt` and
     *  `headers`. */
    curl_easy_reset (curl);
    curl_slist_free_all (headers);
    if (code == CURLE_ABORTED_BY_CALLBACK && sender_stopping (sender))
        return false;

    result->latency_ms = latency > INT32_MAX ? INT32_MAX : (int)latency;
    char detail[DETAIL_SIZE];
    if (code == CURLE_OK) {
        result->status_code = (int)status;
        result->delivered = status >= 200 && status <= 299;
        if (!result->delivered) {
            sender_clean_text (detail, sizeof detail, attempt.excerpt);
            snprintf (error, ERROR_TEXT_MAX + 1, "HTTP %ld%s%s%s", status,
                      status >= 300 && status <= 399 ? " (redirects are not followed)" : "",
                      *detail ? ": " : "", detail);
        }
    } else if (*attempt.refused)
        snprintf (error, ERROR_TEXT_MAX + 1, "%s", attempt.refused);
    else {
        sender_clean_text (detail, sizeof detail, attempt.curl_error);
        snprintf (error, ERROR_TEXT_MAX + 1, "%s%s%s", curl_easy_strerror (code),
                  *detail ? ": " : "", detail);
    }
    return true;
}

/*  Record `result` for the claimed delivery: one transaction, with the
 *  webhook.delivery.dead event when this failure ended it. Returns 0 or -1. */
static int
sender_record (sender_thread_t *self, const webhooks_claim_t *claim, webhooks_attempt_t *result)
{
    webhooks_sender_t *sender = self->sender;
    result->give_up_s = sender->give_up_s;
    result->retry_in_ms =
        result->delivered ? 0
                          : webhooks_backoff_delay_ms (claim->attempts + 1, sender->backoff_base_ms,
                                                       sender->backoff_max_ms);
    webhooks_rows_t rows = {0};
    if (kefu_db_begin (self->db) != 0)
        goto failed;
    int found = webhooks_store_record_attempt (self->db, claim->delivery_id, result, &rows);
    if (found < 0)
        goto failed;
    if (found == 0 && strcmp (rows.deliveries[0].status, "dead") == 0) {
        char subject[WEBHOOKS_ID_SIZE + 64];
        snprintf (subject, sizeof subject, "webhook/%s/delivery/%" PRId64, claim->webhook_id,
                  claim->delivery_id);
        Kefu__V1__WebhookDeliveryChanged event = KEFU__V1__WEBHOOK_DELIVERY_CHANGED__INIT;
        event.delivery = &rows.deliveries[0];
        if (kefu_outbox_append_message (self->db, "webhook.delivery.dead", subject, &event.base) !=
            0)
            goto failed;
        kefu_log_warn ("delivery.dead", "webhook", claim->webhook_id, "event", claim->event_id,
                       "error", result->error, NULL);
    }
    if (kefu_db_commit (self->db) != 0)
        goto failed;
    atomic_fetch_add (&sender->attempts, 1);
    char code[NUMBER_TEXT_SIZE];
    snprintf (code, sizeof code, "%d", result->status_code);
    kefu_log_debug ("delivery.attempt", "webhook", claim->webhook_id, "event", claim->event_id,
                    "status", code, "error", result->error, NULL);
    webhooks_rows_release (&rows);
    return 0;
failed:
    webhooks_rows_release (&rows);
    kefu_db_rollback (self->db);
    return -1;
}

/* --- the threads ----------------------------------------------------------------- */

/*  Connect if needed and LISTEN for wake-ups. Returns 0 or -1. */
static int
sender_thread_ready (sender_thread_t *self)
{
    if (self->listening && PQstatus (kefu_db_handle (self->db)) == CONNECTION_OK)
        return 0;
    self->listening = false;
    if (kefu_db_ensure (self->db) != 0 || webhooks_store_listen (self->db) != 0)
        return -1;
    self->listening = true;
    return 0;
}

/*  Wait for a NOTIFY, the stop flag, or `timeout_ms`. */
static void
sender_thread_wait (sender_thread_t *self, int timeout_ms)
{
    PGconn *conn = kefu_db_handle (self->db);
    for (int waited = 0; waited < timeout_ms && !sender_stopping (self->sender);
         waited += STOP_CHECK_MS) {
        int slice = timeout_ms - waited < STOP_CHECK_MS ? timeout_ms - waited : STOP_CHECK_MS;
        struct pollfd item = {PQsocket (conn), POLLIN, 0};
        if (item.fd < 0 || poll (&item, 1, slice) < 0) {
            self->listening = false;
            return;
        }
        if (item.revents == 0)
            continue;
        if (!PQconsumeInput (conn)) {
            self->listening = false;
            return;
        }
        bool woken = false;
        PGnotify *notify;
        while ((notify = PQnotifies (conn)) != NULL) {
            PQfreemem (notify);
            woken = true;
        }
        if (woken)
            return;
    }
}

/*  Claim, send and record one delivery. Returns 1 if one was handled, 0 if
 *  none was due, -1 on a database failure. */
static int
sender_thread_step (sender_thread_t *self)
{
    webhooks_sender_t *sender = self->sender;
    webhooks_claim_t claim;
    int found = webhooks_store_claim (self->db, sender->timeout_ms + LEASE_MARGIN_MS, &claim);
    if (found != 0)
        return found == 1 ? 0 : -1;
    webhooks_attempt_t result;
    char error[ERROR_TEXT_MAX + 1];
    int rc = 1;
    if (!sender_post (self, &claim, &result, error)) {
        /*  Stopping: give the delivery back for the next process. */
        if (webhooks_store_release (self->db, claim.delivery_id) != 0)
            kefu_log_warn ("delivery.release_failed", "error", kefu_db_error (self->db), NULL);
    } else if (sender_record (self, &claim, &result) != 0) {
        /*  The lease runs out and another attempt follows: at least once. */
        kefu_log_warn ("delivery.record_failed", "webhook", claim.webhook_id, "event",
                       claim.event_id, "error", kefu_db_error (self->db), NULL);
        rc = -1;
    }
    webhooks_claim_release (&claim);
    return rc;
}

static void *
sender_thread_run (void *arg)
{
    sender_thread_t *self = arg;
    webhooks_sender_t *sender = self->sender;
    while (!sender_stopping (sender)) {
        if (sender_thread_ready (self) != 0) {
            kefu_log_warn ("sender.db_unavailable", "error", kefu_db_error (self->db), NULL);
            sender_pause (sender, RETRY_PAUSE_MS);
            continue;
        }
        int handled = sender_thread_step (self);
        if (handled < 0) {
            if (kefu_db_connection_lost (self->db))
                self->listening = false;
            sender_pause (sender, RETRY_PAUSE_MS);
        } else if (handled == 0)
            sender_thread_wait (self, sender->poll_ms);
    }
    return NULL;
}

static void
sender_thread_destroy (sender_thread_t **self_p)
{
    sender_thread_t *self = *self_p;
    if (!self)
        return;
    if (self->thread_started)
        pthread_join (self->thread, NULL);
    if (self->curl)
        curl_easy_cleanup (self->curl);
    kefu_db_destroy (&self->db);
    free (self);
    *self_p = NULL;
}

/* --- the sender ---------------------------------------------------------------------- */

webhooks_sender_t *
webhooks_sender_new (kefu_config_t *config, webhooks_vault_t *vault)
{
    webhooks_sender_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->dsn = strdup (kefu_config_service_dsn (config, SCHEMA));
    if (!self->dsn) {
        free (self);
        return NULL;
    }
    self->vault = vault;
    self->allow_private = kefu_config_bool (config, "KEFU_WEBHOOKS_ALLOW_PRIVATE");
    self->backoff_base_ms = kefu_config_int (config, "KEFU_WEBHOOKS_BACKOFF_BASE_MS");
    self->backoff_max_ms = kefu_config_int (config, "KEFU_WEBHOOKS_BACKOFF_MAX_MS");
    self->give_up_s = (int)kefu_config_int (config, "KEFU_WEBHOOKS_GIVE_UP_S");
    self->timeout_ms = (long)kefu_config_int (config, "KEFU_WEBHOOKS_TIMEOUT_MS");
    self->poll_ms = (int)kefu_config_int (config, "KEFU_WEBHOOKS_POLL_MS");
    int wanted = (int)kefu_config_int (config, "KEFU_WEBHOOKS_SENDERS");
    self->thread_count = wanted < SENDERS_MAX ? wanted : SENDERS_MAX;
    return self;
}

int
webhooks_sender_start (webhooks_sender_t *self)
{
    /*  The threads leave SIGTERM and SIGINT to the main thread, which
     *  stops the service. */
    sigset_t all, previous;
    sigfillset (&all);
    pthread_sigmask (SIG_BLOCK, &all, &previous);
    int rc = 0;
    for (int i = 0; i < self->thread_count && rc == 0; i++) {
        sender_thread_t *thread = calloc (1, sizeof *thread);
        if (!thread) {
            rc = -1;
            break;
        }
        self->threads[i] = thread;
        thread->sender = self;
        thread->db = kefu_db_new (self->dsn, SCHEMA);
        thread->curl = curl_easy_init ();
        if (!thread->db || !thread->curl ||
            pthread_create (&thread->thread, NULL, sender_thread_run, thread) != 0)
            rc = -1;
        else
            thread->thread_started = true;
    }
    pthread_sigmask (SIG_SETMASK, &previous, NULL);
    if (rc != 0)
        kefu_log_error ("sender.start_failed", NULL);
    return rc;
}

void
webhooks_sender_destroy (webhooks_sender_t **self_p)
{
    assert (self_p);
    webhooks_sender_t *self = *self_p;
    if (!self)
        return;
    atomic_store (&self->stop, true);
    for (int i = 0; i < self->thread_count; i++)
        sender_thread_destroy (&self->threads[i]);
    free (self->dsn);
    free (self);
    *self_p = NULL;
}

uint64_t
webhooks_sender_attempts (webhooks_sender_t *self)
{
    return atomic_load (&self->attempts);
}
