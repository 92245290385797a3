/*  gateway_sessions: session tokens and their revocations. See
 *  gateway_sessions.h.
 *
 *  Revocations are kept in two arrays: of sessions (looked up by id, kept
 *  sorted for a binary search, since every logout adds one) and of people
 *  (staff-wide revocations: suspensions and departures, few). Both are
 *  pruned of expired entries as new ones arrive.
 */
#include "gateway_sessions.h"

#include "kefu_frames.h"
#include "kefu_log.h"
#include "kefu_text.h"
#include "kefu_time.h"
#include "kefu_token.h"

#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

enum {
    /*  Revocations kept at most: past this a revocation cannot be stored
     *  and every token is refused (fail closed) until entries expire. */
    SESSIONS_REVOCATIONS_MAX = 1000000,
    SESSIONS_INITIAL_CAPACITY = 64,
    SESSIONS_REQUEST_ID_SIZE = 48,
    SESSIONS_REPLY_FRAMES = 2,
    /*  Resolved API keys kept at most; past it the cache starts over. */
    SESSIONS_KEY_CACHE_MAX = 4096
};

static const char sessions_revoked_type[] = "session.revoked";
static const char sessions_source[] = "scheduling";

typedef struct {
    char key[GATEWAY_SESSIONS_SESSION_ID_MAX + 1]; /* session id, or staff number */
    int64_t revoked_at_ms;
    int64_t expires_at_ms;
} sessions_entry_t;

typedef struct {
    sessions_entry_t *entries; /* sorted by key */
    size_t count;
    size_t capacity;
} sessions_set_t;

/*  A resolved API key (or the knowledge that there is none). */
typedef struct {
    char hash[KEFU_API_KEY_HASH_SIZE];
    bool exists;
    char staff_no[GATEWAY_SESSIONS_STAFF_NO_MAX + 1];
    char session_id[GATEWAY_SESSIONS_SESSION_ID_MAX + 1]; /* "apikey:<id>" */
    kefu_roles_t roles;
    int64_t created_at_ms; /* when scheduling made the key */
    int64_t expires_at_ms; /* of this cache entry */
} sessions_key_t;

struct _gateway_sessions_t {
    kefu_token_keys_t *keys;
    sessions_key_t *key_cache;
    size_t key_count;
    int64_t key_cache_ms;
    sessions_set_t sessions;
    sessions_set_t people;
    bool overflowed; /* a revocation could not be stored: refuse every token */
};

gateway_sessions_t *
gateway_sessions_new (const char *public_keys, char **error)
{
    gateway_sessions_t *self = calloc (1, sizeof *self);
    if (!self) {
        *error = strdup ("gateway_sessions: out of memory");
        return NULL;
    }
    self->keys = kefu_token_keys_new (public_keys, false, error);
    if (!self->keys) {
        free (self);
        return NULL;
    }
    return self;
}

void
gateway_sessions_destroy (gateway_sessions_t **self_p)
{
    assert (self_p);
    gateway_sessions_t *self = *self_p;
    if (!self)
        return;
    kefu_token_keys_destroy (&self->keys);
    free (self->sessions.entries);
    free (self->people.entries);
    if (self->key_cache)
        sodium_memzero (self->key_cache, SESSIONS_KEY_CACHE_MAX * sizeof *self->key_cache);
    free (self->key_cache);
    free (self);
    *self_p = NULL;
}

bool
gateway_sessions_enabled (gateway_sessions_t *self)
{
    return kefu_token_keys_count (self->keys) > 0;
}

/*  Index of `key` in `set`, or where it would go (*found false). */
static size_t
sessions_set_find (const sessions_set_t *set, const char *key, bool *found)
{
    size_t low = 0, high = set->count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        int order = strcmp (set->entries[middle].key, key);
        if (order == 0) {
            *found = true;
            return middle;
        }
        if (order < 0)
            low = middle + 1;
        else
            high = middle;
    }
    *found = false;
    return low;
}

/*  Drop entries whose tokens have all expired. */
static void
sessions_set_prune (sessions_set_t *set, int64_t now_ms)
{
    size_t kept = 0;
    for (size_t i = 0; i < set->count; i++)
        if (set->entries[i].expires_at_ms > now_ms)
            set->entries[kept++] = set->entries[i];
    set->count = kept;
}

static int
sessions_set_add (sessions_set_t *set, const char *key, int64_t revoked_at_ms,
                  int64_t expires_at_ms, int64_t now_ms)
{
    bool found;
    size_t at = sessions_set_find (set, key, &found);
    if (found) {
        sessions_entry_t *entry = &set->entries[at];
        /*  A later revocation of a person covers more tokens. */
        if (revoked_at_ms > entry->revoked_at_ms)
            entry->revoked_at_ms = revoked_at_ms;
        if (expires_at_ms > entry->expires_at_ms)
            entry->expires_at_ms = expires_at_ms;
        return 0;
    }
    if (set->count == set->capacity) {
        sessions_set_prune (set, now_ms);
        at = sessions_set_find (set, key, &found);
    }
    if (set->count == set->capacity) {
        size_t capacity = set->capacity ? set->capacity * 2 : SESSIONS_INITIAL_CAPACITY;
        if (capacity > SESSIONS_REVOCATIONS_MAX)
            return -1;
        sessions_entry_t *entries = realloc (set->entries, capacity * sizeof *entries);
        if (!entries)
            return -1;
        set->entries = entries;
        set->capacity = capacity;
    }
    memmove (&set->entries[at + 1], &set->entries[at], (set->count - at) * sizeof *set->entries);
    sessions_entry_t *entry = &set->entries[at];
    snprintf (entry->key, sizeof entry->key, "%s", key);
    entry->revoked_at_ms = revoked_at_ms;
    entry->expires_at_ms = expires_at_ms;
    set->count++;
    return 0;
}

/*  Forget cached keys of a person (staff_no) or with a session id. */
static void
sessions_keys_evict (gateway_sessions_t *self, const char *staff_no, const char *session_id)
{
    size_t kept = 0;
    for (size_t i = 0; i < self->key_count; i++) {
        sessions_key_t *key = &self->key_cache[i];
        bool gone = key->exists && ((staff_no && strcmp (key->staff_no, staff_no) == 0) ||
                                    (session_id && strcmp (key->session_id, session_id) == 0));
        if (!gone)
            self->key_cache[kept++] = *key;
    }
    self->key_count = kept;
}

int
gateway_sessions_revoke (gateway_sessions_t *self, const Kefu__V1__SessionRevoked *revocation)
{
    sessions_keys_evict (self, *revocation->session_id ? NULL : revocation->staff_no,
                         *revocation->session_id ? revocation->session_id : NULL);
    const char *key = *revocation->session_id ? revocation->session_id : revocation->staff_no;
    if (!*key || strlen (key) > GATEWAY_SESSIONS_SESSION_ID_MAX)
        return 0; /* not one of ours: no token carries such an id */
    sessions_set_t *set = *revocation->session_id ? &self->sessions : &self->people;
    int64_t now_ms = kefu_time_now_ms ();
    if (sessions_set_add (set, key, revocation->revoked_at_ms, revocation->expires_at_ms, now_ms) !=
        0) {
        self->overflowed = true;
        kefu_log_error ("sessions.revocation_overflow", "detail", "every session token is refused",
                        NULL);
        return -1;
    }
    return 0;
}

/*  True if a revocation arrived for `session_id`, or for `staff_no` at or
 *  after `since_ms` (when the token was issued or the key made). A person's
 *  revocation covers what was issued before it; what was issued later
 *  (reinstated, logged in again) stands. */
static bool
sessions_is_revoked (gateway_sessions_t *self, const char *session_id, const char *staff_no, int64_t since_ms)
{
    bool found;
    sessions_set_find (&self->sessions, session_id, &found);
    if (found)
        return true;
    size_t at = sessions_set_find (&self->people, staff_no, &found);
    return found && since_ms <= self->people.entries[at].revoked_at_ms;
}

static bool
sessions_revoked (gateway_sessions_t *self, const Kefu__V1__SessionClaims *claims)
{
    return sessions_is_revoked (self, claims->session_id, claims->staff_no, claims->issued_at_ms);
}

gateway_session_verdict_t
gateway_sessions_verify (gateway_sessions_t *self, const char *token, size_t length, int64_t now_ms,
                         gateway_session_identity_t *out)
{
    if (self->overflowed)
        return GATEWAY_SESSION_INVALID;
    Kefu__V1__SessionClaims *claims = NULL;
    kefu_token_verdict_t verdict = kefu_token_verify (self->keys, token, length, now_ms, &claims);
    if (verdict != KEFU_TOKEN_OK && verdict != KEFU_TOKEN_EXPIRED)
        return GATEWAY_SESSION_INVALID;
    gateway_session_verdict_t result = GATEWAY_SESSION_INVALID;
    bool bound = claims->shift_until_ms != 0;
    /*  A bound token lives at most until its shift window ends: a request
     *  past that end (with a token whose life the shift ended) or before its
     *  start is off shift, not merely expired. */
    bool off_shift =
        bound &&
        (now_ms < claims->shift_from_ms ||
         (now_ms >= claims->shift_until_ms && claims->expires_at_ms == claims->shift_until_ms));
    if (strlen (claims->staff_no) <= GATEWAY_SESSIONS_STAFF_NO_MAX &&
        strlen (claims->session_id) <= GATEWAY_SESSIONS_SESSION_ID_MAX &&
        strlen (claims->terminal) <= GATEWAY_SESSIONS_TERMINAL_MAX &&
        !sessions_revoked (self, claims) && (verdict == KEFU_TOKEN_OK || off_shift)) {
        snprintf (out->staff_no, sizeof out->staff_no, "%s", claims->staff_no);
        snprintf (out->session_id, sizeof out->session_id, "%s", claims->session_id);
        snprintf (out->terminal, sizeof out->terminal, "%s", claims->terminal);
        out->identity.name = out->staff_no;
        out->identity.staff_id = out->staff_no;
        out->identity.roles = kefu_roles_parse (claims->roles, claims->n_roles);
        out->identity.session_id = out->session_id;
        out->identity.terminal = out->terminal;
        result = off_shift ? GATEWAY_SESSION_OFF_SHIFT : GATEWAY_SESSION_VALID;
    }
    kefu__v1__session_claims__free_unpacked (claims, NULL);
    return result;
}

void
gateway_sessions_on_event (void *arg, const Kefu__V1__Event *event)
{
    gateway_sessions_t *self = arg;
    if (!event->type || strcmp (event->type, sessions_revoked_type) != 0 || !event->source ||
        strcmp (event->source, sessions_source) != 0)
        return;
    Kefu__V1__SessionRevoked *revocation =
        kefu__v1__session_revoked__unpack (NULL, event->data.len, event->data.data);
    if (!revocation) {
        kefu_log_warn ("sessions.bad_revocation", "detail", "a session.revoked event did not parse",
                       NULL);
        return;
    }
    gateway_sessions_revoke (self, revocation);
    kefu__v1__session_revoked__free_unpacked (revocation, NULL);
}

/*  Send sessions.revocations and wait for the answer on `dealer`. Returns
 *  the reply (the caller frees) or NULL. */
static Kefu__V1__Reply *
sessions_request_revocations (void *dealer, int64_t timeout_ms)
{
    char request_id[SESSIONS_REQUEST_ID_SIZE];
    snprintf (request_id, sizeof request_id, "gateway-revocations-%lld",
              (long long)kefu_time_now_ms ());
    Kefu__V1__Actor actor = KEFU__V1__ACTOR__INIT;
    actor.staff_id = "gateway";
    actor.session_id = "gateway:sessions";
    Kefu__V1__Request request = KEFU__V1__REQUEST__INIT;
    request.request_id = request_id;
    request.method = "sessions.revocations";
    request.actor = &actor;
    /*  One deadline for the whole wait: a stray reply (to an earlier,
     *  timed-out request) must not restart the clock. */
    int64_t give_up = kefu_time_real_ms () + timeout_ms;
    request.deadline_unix_ms = give_up;
    size_t size = kefu__v1__request__get_packed_size (&request);
    uint8_t *bytes = malloc (size ? size : 1);
    if (!bytes)
        return NULL;
    kefu__v1__request__pack (&request, bytes);
    bool sent = zmq_send (dealer, "", 0, ZMQ_SNDMORE) == 0 &&
                zmq_send (dealer, bytes, size, 0) == (int)size;
    free (bytes);
    if (!sent)
        return NULL;
    zmq_pollitem_t item = {dealer, 0, ZMQ_POLLIN, 0};
    for (int64_t left = timeout_ms; left > 0; left = give_up - kefu_time_real_ms ()) {
        if (zmq_poll (&item, 1, (long)left) <= 0)
            break;
        zmq_msg_t frames[SESSIONS_REPLY_FRAMES];
        int count = kefu_frames_recv (dealer, frames, SESSIONS_REPLY_FRAMES, NULL);
        if (count != SESSIONS_REPLY_FRAMES) {
            if (count > 0)
                kefu_frames_close (frames, count);
            continue;
        }
        Kefu__V1__Reply *reply =
            kefu__v1__reply__unpack (NULL, zmq_msg_size (&frames[1]), zmq_msg_data (&frames[1]));
        kefu_frames_close (frames, count);
        if (reply && reply->request_id && strcmp (reply->request_id, request_id) == 0)
            return reply;
        if (reply)
            kefu__v1__reply__free_unpacked (reply, NULL);
    }
    return NULL;
}

int
gateway_sessions_load (gateway_sessions_t *self, void *zmq_context, const char *endpoints,
                       int64_t timeout_ms)
{
    void *dealer = zmq_socket (zmq_context, ZMQ_DEALER);
    int linger = 0;
    if (!dealer || zmq_setsockopt (dealer, ZMQ_LINGER, &linger, sizeof linger) != 0) {
        if (dealer)
            zmq_close (dealer);
        kefu_log_error ("sessions.load_failed", "error", zmq_strerror (zmq_errno ()), NULL);
        return -1;
    }
    const char *cursor = endpoints, *item;
    size_t length;
    char endpoint[GATEWAY_SESSIONS_TERMINAL_MAX + 1];
    while (kefu_text_list_next (&cursor, &item, &length)) {
        if (length >= sizeof endpoint)
            continue;
        memcpy (endpoint, item, length);
        endpoint[length] = '\0';
        if (zmq_connect (dealer, endpoint) != 0)
            kefu_log_warn ("sessions.connect_failed", "endpoint", endpoint, NULL);
    }
    Kefu__V1__Reply *reply = sessions_request_revocations (dealer, timeout_ms);
    zmq_close (dealer);
    int rc = -1;
    Kefu__V1__RevocationList *list = NULL;
    if (!reply)
        kefu_log_error ("sessions.load_failed", "error",
                        "scheduling did not answer sessions.revocations", NULL);
    else if (reply->status && reply->status->code != KEFU__V1__CODE__OK)
        kefu_log_error ("sessions.load_failed", "error", reply->status->message, NULL);
    else if (!(list = kefu__v1__revocation_list__unpack (NULL, reply->payload.len,
                                                         reply->payload.data)))
        kefu_log_error ("sessions.load_failed", "error", "the revocation list did not parse", NULL);
    else {
        rc = 0;
        for (size_t i = 0; rc == 0 && i < list->n_items; i++)
            rc = gateway_sessions_revoke (self, list->items[i]);
        char count[SESSIONS_REQUEST_ID_SIZE];
        snprintf (count, sizeof count, "%zu", list->n_items);
        kefu_log_info ("sessions.revocations_loaded", "count", count, NULL);
    }
    if (list)
        kefu__v1__revocation_list__free_unpacked (list, NULL);
    if (reply)
        kefu__v1__reply__free_unpacked (reply, NULL);
    return rc;
}

void
gateway_sessions_set_key_cache_ms (gateway_sessions_t *self, int64_t cache_ms)
{
    self->key_cache_ms = cache_ms;
}

/*  True if a revocation arrived for the key's id, or for its owner after
 *  the key was made: scheduling revokes every key of a person it revokes,
 *  so whatever order the answer and the event arrive in, such a key is
 *  revoked (a key made later is a new one). */
static bool
sessions_key_revoked (gateway_sessions_t *self, const sessions_key_t *key)
{
    return sessions_is_revoked (self, key->session_id, key->staff_no, key->created_at_ms);
}

static void
sessions_key_identity (const sessions_key_t *key, gateway_session_identity_t *out)
{
    snprintf (out->staff_no, sizeof out->staff_no, "%s", key->staff_no);
    snprintf (out->session_id, sizeof out->session_id, "%s", key->session_id);
    out->terminal[0] = '\0';
    out->identity.name = out->session_id + strlen ("apikey:");
    out->identity.staff_id = out->staff_no;
    out->identity.roles = key->roles;
    out->identity.session_id = out->session_id;
    out->identity.terminal = NULL;
}

gateway_key_verdict_t
gateway_sessions_key_lookup (gateway_sessions_t *self, const char *key, size_t length,
                             int64_t now_ms, char *hash, gateway_session_identity_t *out)
{
    if (self->overflowed)
        return GATEWAY_KEY_REFUSED;
    kefu_token_api_key_hash (key, length, hash);
    for (size_t i = 0; i < self->key_count; i++) {
        sessions_key_t *cached = &self->key_cache[i];
        if (cached->expires_at_ms <= now_ms ||
            sodium_memcmp (cached->hash, hash, sizeof cached->hash) != 0)
            continue;
        if (!cached->exists || sessions_key_revoked (self, cached))
            return GATEWAY_KEY_REFUSED;
        sessions_key_identity (cached, out);
        return GATEWAY_KEY_KNOWN;
    }
    return GATEWAY_KEY_UNRESOLVED;
}

int
gateway_sessions_key_store (gateway_sessions_t *self, const char *hash, const Kefu__V1__ApiKey *key,
                            int64_t now_ms, gateway_session_identity_t *out)
{
    if (!self->key_cache &&
        !(self->key_cache = calloc (SESSIONS_KEY_CACHE_MAX, sizeof *self->key_cache)))
        return -1;
    if (self->key_count == SESSIONS_KEY_CACHE_MAX) {
        size_t kept = 0;
        for (size_t i = 0; i < self->key_count; i++)
            if (self->key_cache[i].expires_at_ms > now_ms)
                self->key_cache[kept++] = self->key_cache[i];
        self->key_count = kept == SESSIONS_KEY_CACHE_MAX ? 0 : kept;
    }
    sessions_key_t *entry = &self->key_cache[self->key_count];
    memset (entry, 0, sizeof *entry);
    snprintf (entry->hash, sizeof entry->hash, "%s", hash);
    entry->expires_at_ms = now_ms + self->key_cache_ms;
    if (key && strlen (key->staff_no) <= GATEWAY_SESSIONS_STAFF_NO_MAX &&
        strlen (key->id) + strlen ("apikey:") <= GATEWAY_SESSIONS_SESSION_ID_MAX &&
        kefu_time_parse_rfc3339 (key->created_at, &entry->created_at_ms)) {
        entry->exists = true;
        snprintf (entry->staff_no, sizeof entry->staff_no, "%s", key->staff_no);
        snprintf (entry->session_id, sizeof entry->session_id, "apikey:%s", key->id);
        entry->roles = kefu_roles_parse (key->roles, key->n_roles);
    }
    /*  Replace an expired entry of the same key rather than pile up. */
    for (size_t i = 0; i < self->key_count; i++)
        if (strcmp (self->key_cache[i].hash, hash) == 0) {
            self->key_cache[i] = *entry;
            entry = &self->key_cache[i];
            goto stored;
        }
    self->key_count++;
stored:
    if (entry->exists && !sessions_key_revoked (self, entry)) {
        sessions_key_identity (entry, out);
        return 0;
    }
    return 1;
}

size_t
gateway_sessions_revocation_count (gateway_sessions_t *self)
{
    return self->sessions.count + self->people.count;
}
