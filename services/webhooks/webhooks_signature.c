/*  webhooks_signature: HMAC-SHA256 over "<timestamp>.<body>". See
 *  webhooks_signature.h for the scheme.
 */
#include "webhooks_signature.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const char SIGNATURE_VERSION[] = "v1=";

enum { TIMESTAMP_TEXT_SIZE = 24 };

void
webhooks_signature_compute (const char *secret, int64_t timestamp, const void *body, size_t size,
                            char out[WEBHOOKS_SIGNATURE_SIZE])
{
    char prefix[TIMESTAMP_TEXT_SIZE];
    int prefix_length = snprintf (prefix, sizeof prefix, "%" PRId64 ".", timestamp);
    /*  libsodium's HMAC takes a key of any length, as HMAC does (a key
     *  longer than a SHA-256 block is hashed first), so the secret string
     *  is the key as it is: what integrators get is what they use. */
    crypto_auth_hmacsha256_state state;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init (&state, (const unsigned char *)secret, strlen (secret));
    crypto_auth_hmacsha256_update (&state, (const unsigned char *)prefix,
                                   (unsigned long long)prefix_length);
    crypto_auth_hmacsha256_update (&state, body, size);
    crypto_auth_hmacsha256_final (&state, mac);
    memcpy (out, SIGNATURE_VERSION, sizeof SIGNATURE_VERSION - 1);
    sodium_bin2hex (out + sizeof SIGNATURE_VERSION - 1,
                    WEBHOOKS_SIGNATURE_SIZE - (sizeof SIGNATURE_VERSION - 1), mac, sizeof mac);
    sodium_memzero (&state, sizeof state);
}
