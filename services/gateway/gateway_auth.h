/*  gateway_auth: API keys and roles, as the gateway checks them.
 *
 *  Integrations (and, until staff log-in exists, everyone) present
 *  "Authorization: Bearer <secret>". The keys come from KEFU_API_KEYS (or
 *  KEFU_API_KEYS_FILE) as comma- or newline-separated entries
 *
 *      name:role:staff_id:secret
 *
 *  parsed strictly at start: a bad entry stops the gateway with a message
 *  that names the entry but never shows a secret. A key carries one role,
 *  the routes say which roles they admit (gateway_routes), and the key's
 *  name and staff id become the Actor a service sees.
 *
 *  Secrets are kept only as keyed BLAKE2b hashes. A lookup hashes the
 *  presented secret once and compares it with every stored hash using
 *  sodium_memcmp, all of them, whatever matched, so the time taken tells
 *  nothing about which key (or how much of one) was guessed right.
 */
#ifndef GATEWAY_AUTH_H_INCLUDED
#define GATEWAY_AUTH_H_INCLUDED

#include "kefu_roles.h"

#include <stdbool.h>
#include <stddef.h>


enum {
    /*  Secrets shorter than this are refused at start: a key must not be
     *  guessable. */
    GATEWAY_AUTH_SECRET_MIN = 16,
    /*  Longest secret (and presented bearer token) considered. */
    GATEWAY_AUTH_SECRET_MAX = 512,
    /*  Longest key name and staff id. */
    GATEWAY_AUTH_NAME_MAX = 64
};

/*  Who a request comes from: an API key's owner (borrowed from the
 *  gateway_auth_t) or a session token's holder (gateway_sessions). */
typedef struct {
    const char *name; /* the key's name: session "apikey:<name>" */
    const char *staff_id;
    kefu_roles_t roles;
    const char *session_id; /* a log-in session's id; NULL for an API key */
    const char *terminal;   /* the terminal logged in from; NULL: the client address */
} gateway_identity_t;

typedef struct _gateway_auth_t gateway_auth_t;

/*  Parse the key list. Returns NULL on a bad list, with *error set to a
 *  message for the operator (never containing a secret) that the caller
 *  frees. An empty list is valid: every protected route then answers 401. */
gateway_auth_t *gateway_auth_new (const char *keys, char **error);

void gateway_auth_destroy (gateway_auth_t **self_p);

/*  Number of keys. */
size_t gateway_auth_count (gateway_auth_t *self);

/*  The identity whose secret is exactly the `length` bytes at `secret`, or
 *  NULL. Takes the same time whichever key (if any) matches. */
const gateway_identity_t *gateway_auth_lookup (gateway_auth_t *self, const char *secret,
                                               size_t length);

/*  The credential in an Authorization header value ("Bearer <secret>",
 *  scheme in any case, surrounding spaces dropped): a pointer into it and
 *  *length, or NULL when the header is missing (NULL) or malformed. */
const char *gateway_auth_bearer (const char *authorization, size_t *length);

/*  The identity for an Authorization header value ("Bearer <secret>",
 *  scheme in any case), or NULL when the header is missing (NULL),
 *  malformed, or names no key. */
const gateway_identity_t *gateway_auth_authenticate (gateway_auth_t *self,
                                                     const char *authorization);



#endif
