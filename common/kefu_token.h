/*  kefu_token: session tokens signed with Ed25519 (libsodium crypto_sign).
 *
 *  scheduling signs a kefu.v1.SessionClaims when someone logs in; the
 *  gateway verifies it on every request with public keys only, without a
 *  database round trip. A token is the text
 *
 *      v1.<kid>.<claims>.<signature>
 *
 *  with <claims> the packed message and <signature> the detached signature
 *  of "v1.<kid>.<claims>", both base64url without padding. <kid> names the
 *  key, so keys rotate: the new key is put first in the signing list (it
 *  signs), the old one stays in the gateway's public list until the last
 *  token it signed has expired (KEFU_SESSION_TTL_MIN), then is removed.
 *
 *  Key lists are comma-separated kid:hex entries: 32-byte seeds (64 hex
 *  digits) for signing, 32-byte public keys for verifying. A kid is 1 to
 *  KEFU_TOKEN_KID_MAX of A-Z a-z 0-9 _ -.
 */
#ifndef KEFU_TOKEN_H_INCLUDED
#define KEFU_TOKEN_H_INCLUDED

#include "kefu/v1/scheduling.pb-c.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    KEFU_TOKEN_KID_MAX = 32,
    /*  Longest token accepted: claims are bounded by the service (staff
     *  number, terminal, roles), so anything longer is not ours. */
    KEFU_TOKEN_MAX = 2048
};

typedef enum {
    KEFU_TOKEN_OK = 0,
    KEFU_TOKEN_MALFORMED,     /* not v1.<kid>.<claims>.<signature> */
    KEFU_TOKEN_UNKNOWN_KEY,   /* no key with that kid (rotated out) */
    KEFU_TOKEN_BAD_SIGNATURE,
    KEFU_TOKEN_EXPIRED        /* genuine, but past expires_at_ms */
} kefu_token_verdict_t;

typedef struct _kefu_token_keys_t kefu_token_keys_t;

/*  Parse a key list: seeds when `signing`, else public keys. Returns NULL
 *  with *error (the caller frees; never shows key material) on a bad list.
 *  An empty list gives an empty key ring. */
kefu_token_keys_t *kefu_token_keys_new (const char *list, bool signing, char **error);
void kefu_token_keys_destroy (kefu_token_keys_t **self_p);

size_t kefu_token_keys_count (kefu_token_keys_t *self);

/*  Sign `claims` with the first key of a signing ring. Returns the token
 *  (the caller frees), or NULL (no signing key, out of memory). */
char *kefu_token_sign (kefu_token_keys_t *self, const Kefu__V1__SessionClaims *claims);

/*  Verify the `length` bytes of `token` at time `now_ms`. On KEFU_TOKEN_OK
 *  and KEFU_TOKEN_EXPIRED *claims is the unpacked message (the caller frees
 *  it with kefu__v1__session_claims__free_unpacked); otherwise NULL. */
kefu_token_verdict_t kefu_token_verify (kefu_token_keys_t *self, const char *token, size_t length,
                                        int64_t now_ms, Kefu__V1__SessionClaims **claims);

/*  True if `text` looks like a token (starts with "v1."), as opposed to an
 *  API key. */
bool kefu_token_looks_like (const char *text, size_t length);

/*  Make a new key: "kid:seed-hex" into `seed_entry` and "kid:public-hex"
 *  into `public_entry` (each KEFU_TOKEN_ENTRY_SIZE bytes). */
enum { KEFU_TOKEN_ENTRY_SIZE = KEFU_TOKEN_KID_MAX + 1 + 64 + 1 };
int kefu_token_keygen (const char *kid, char *seed_entry, char *public_entry);

/*  --- API keys stored by scheduling --------------------------------------
 *
 *  "kefu_ak_<16 hex>_<64 hex>": the id ("ak_<16 hex>") names the key in
 *  lists and revocations, the rest is 256 random bits. Only the SHA-256 of
 *  the whole key is stored (and asked for by the gateway).
 */
enum {
    KEFU_API_KEY_ID_SIZE = 3 + 16 + 1,               /* "ak_" + hex + NUL */
    KEFU_API_KEY_SIZE = 5 + 3 + 16 + 1 + 64 + 1,     /* "kefu_" id "_" hex NUL */
    KEFU_API_KEY_HASH_SIZE = 64 + 1                  /* hex SHA-256 + NUL */
};

/*  Make a new key: its id and the whole key. */
void kefu_token_api_key_new (char id[KEFU_API_KEY_ID_SIZE], char key[KEFU_API_KEY_SIZE]);

/*  True if the `length` bytes at `text` have the shape of such a key. */
bool kefu_token_is_api_key (const char *text, size_t length);

/*  The hex SHA-256 of the `length` bytes at `key`. */
void kefu_token_api_key_hash (const char *key, size_t length, char hash[KEFU_API_KEY_HASH_SIZE]);

#endif
