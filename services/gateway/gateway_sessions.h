/*  gateway_sessions: log-in session tokens, as the gateway checks them.
 *
 *  Staff log in through scheduling (POST /v1/sessions), which signs a
 *  token (common/kefu_token.h). The gateway verifies it on every request
 *  with public keys only (KEFU_SESSION_PUBLIC_KEYS), with no database
 *  round trip, and refuses a token that was revoked: a logout, a
 *  suspension or a departure, and sessions ended for account sharing.
 *
 *  Revocations reach the gateway as "session.revoked" events on the bus
 *  (gateway_events hands every event to gateway_sessions_on_event), within
 *  the bus's latency. A gateway that starts later loads the revocations
 *  still relevant from scheduling (sessions.revocations) before it serves
 *  HTTP; it subscribes to the bus first, so none falls between the two.
 *  An entry is forgotten once every token it concerns has expired.
 *
 *  On-shift roles (AUD-2): a token of an agent or shift lead carries its
 *  shift window and expires at its end. Such a token past the window is
 *  not "expired" but "off shift": the request is refused with 403, and the
 *  refusal is recorded by scheduling (gateway_http).
 */
#ifndef GATEWAY_SESSIONS_H_INCLUDED
#define GATEWAY_SESSIONS_H_INCLUDED

#include "gateway_auth.h"

#include "kefu/v1/envelope.pb-c.h"
#include "kefu/v1/scheduling.pb-c.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    GATEWAY_SESSIONS_STAFF_NO_MAX = 32,
    GATEWAY_SESSIONS_SESSION_ID_MAX = 64,
    GATEWAY_SESSIONS_TERMINAL_MAX = 256
};

/*  The identity a token proves, with room for its strings (the identity
 *  points into this). */
typedef struct {
    gateway_identity_t identity;
    char staff_no[GATEWAY_SESSIONS_STAFF_NO_MAX + 1];
    char session_id[GATEWAY_SESSIONS_SESSION_ID_MAX + 1];
    char terminal[GATEWAY_SESSIONS_TERMINAL_MAX + 1];
} gateway_session_identity_t;

typedef enum {
    GATEWAY_SESSION_VALID,
    GATEWAY_SESSION_INVALID,  /* forged, expired, revoked, rotated out: 401 */
    GATEWAY_SESSION_OFF_SHIFT /* genuine, but outside its shift window: 403 */
} gateway_session_verdict_t;

typedef struct _gateway_sessions_t gateway_sessions_t;

/*  Parse the public keys (an empty list: tokens are not accepted). NULL
 *  with *error (the caller frees) on a bad list. */
gateway_sessions_t *gateway_sessions_new (const char *public_keys, char **error);
void gateway_sessions_destroy (gateway_sessions_t **self_p);

/*  True if tokens are accepted at all (some public key is configured). */
bool gateway_sessions_enabled (gateway_sessions_t *self);

/*  Verify the `length` bytes of `token` at `now_ms` (kefu_time). On VALID
 *  and OFF_SHIFT *out holds the identity. */
gateway_session_verdict_t gateway_sessions_verify (gateway_sessions_t *self, const char *token,
                                                   size_t length, int64_t now_ms,
                                                   gateway_session_identity_t *out);

/*  Apply one revocation. Returns 0, or -1 when out of memory (the gateway
 *  then refuses every token: better locked out than let in). */
int gateway_sessions_revoke (gateway_sessions_t *self, const Kefu__V1__SessionRevoked *revocation);

/*  An event from the bus: applies "session.revoked" from scheduling,
 *  ignores the rest. */
void gateway_sessions_on_event (void *self, const Kefu__V1__Event *event);

/*  Load the live revocations from scheduling at `endpoints` (comma-
 *  separated), waiting at most timeout_ms. Returns 0, or -1 (logged). */
int gateway_sessions_load (gateway_sessions_t *self, void *zmq_context, const char *endpoints,
                           int64_t timeout_ms);

/*  --- API keys stored by scheduling ---------------------------------------
 *
 *  A key the gateway does not know ("kefu_ak_...", not in KEFU_API_KEYS) is
 *  resolved by scheduling (api_keys.resolve, by its SHA-256) and the answer,
 *  yes or no, is cached for KEFU_API_KEY_CACHE_S; its revocation (and its
 *  owner's suspension or departure) arrives as a session.revoked event and
 *  evicts it at once. */

typedef enum {
    GATEWAY_KEY_KNOWN,     /* *out holds its identity */
    GATEWAY_KEY_REFUSED,   /* known to be no key, or revoked */
    GATEWAY_KEY_UNRESOLVED /* ask scheduling (hash in `hash`) */
} gateway_key_verdict_t;

void gateway_sessions_set_key_cache_ms (gateway_sessions_t *self, int64_t cache_ms);

/*  Look up an API key of the stored kind in the cache. `hash` receives its
 *  SHA-256 (KEFU_API_KEY_HASH_SIZE bytes) for the resolution. */
gateway_key_verdict_t gateway_sessions_key_lookup (gateway_sessions_t *self, const char *key,
                                                   size_t length, int64_t now_ms, char *hash,
                                                   gateway_session_identity_t *out);

/*  Cache scheduling's answer for `hash`: `key` (NULL: no such key).
 *  Returns 0 with *out filled when the key stands, 1 when there is none
 *  (or it was revoked meanwhile), -1 when out of memory. */
int gateway_sessions_key_store (gateway_sessions_t *self, const char *hash,
                                const Kefu__V1__ApiKey *key, int64_t now_ms,
                                gateway_session_identity_t *out);

/*  Revocations held. */
size_t gateway_sessions_revocation_count (gateway_sessions_t *self);

#endif
