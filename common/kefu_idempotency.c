/*  kefu_idempotency: key checks and request hashes. See kefu_idempotency.h. */
#include "kefu_idempotency.h"

#include <sodium.h>
#include <string.h>

bool
kefu_idempotency_key_check (kefu_call_t *call)
{
    const char *key = kefu_call_request (call)->idempotency_key;
    if (!*key)
        return true;
    size_t length = strlen (key);
    bool ok = length <= KEFU_IDEMPOTENCY_KEY_MAX;
    for (const char *p = key; ok && *p; p++)
        ok = *p > ' ' && *p < 0x7F;
    if (!ok)
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-header", "Idempotency-Key",
                        "Idempotency-Key must be 1 to %d visible ASCII characters", KEFU_IDEMPOTENCY_KEY_MAX);
    return ok;
}

void
kefu_idempotency_request_hash (kefu_call_t *call, char out[KEFU_IDEMPOTENCY_HASH_TEXT_SIZE])
{
    const Kefu__V1__Request *request = kefu_call_request (call);
    unsigned char digest[crypto_generichash_BYTES];
    crypto_generichash (digest, sizeof digest, request->payload.data, request->payload.len, NULL, 0);
    sodium_bin2hex (out, KEFU_IDEMPOTENCY_HASH_TEXT_SIZE, digest, sizeof digest);
}
