/*  webhooks_vault: sealing and opening the webhooks' signing secrets. See
 *  webhooks_vault.h.
 */
#include "webhooks_vault.h"

#include <assert.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

enum {
    VAULT_KEY_BYTES = crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
    VAULT_NONCE_BYTES = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
    VAULT_TAG_BYTES = crypto_aead_xchacha20poly1305_ietf_ABYTES,
    SECRET_RANDOM_BYTES = 32,
    ID_RANDOM_BYTES = 12,
};

static const char SECRET_PREFIX[] = "whsec_";
static const char ID_PREFIX[] = "wh_";

struct _webhooks_vault_t {
    unsigned char *key; /* VAULT_KEY_BYTES, sodium_malloc'd */
};

webhooks_vault_t *
webhooks_vault_new (const char *key_hex, const char **problem)
{
    *problem = NULL;
    size_t length = strlen (key_hex);
    if (length == 0) {
        *problem =
            "KEFU_WEBHOOKS_SECRET_KEY is not set: it must be 64 hex digits (32 random bytes), "
            "e.g. from `od -An -tx1 -N32 /dev/urandom | tr -d ' \\n'`";
        return NULL;
    }
    if (length != 2 * VAULT_KEY_BYTES) {
        *problem = "KEFU_WEBHOOKS_SECRET_KEY must be exactly 64 hex digits (32 bytes)";
        return NULL;
    }
    webhooks_vault_t *self = calloc (1, sizeof *self);
    if (self)
        self->key = sodium_malloc (VAULT_KEY_BYTES);
    if (!self || !self->key) {
        *problem = "out of memory";
        webhooks_vault_destroy (&self);
        return NULL;
    }
    size_t decoded = 0;
    const char *end = NULL;
    if (sodium_hex2bin (self->key, VAULT_KEY_BYTES, key_hex, length, NULL, &decoded, &end) != 0 ||
        decoded != VAULT_KEY_BYTES || (end && *end)) {
        *problem = "KEFU_WEBHOOKS_SECRET_KEY must be exactly 64 hex digits (32 bytes)";
        webhooks_vault_destroy (&self);
        return NULL;
    }
    sodium_mprotect_readonly (self->key);
    return self;
}

void
webhooks_vault_destroy (webhooks_vault_t **self_p)
{
    assert (self_p);
    webhooks_vault_t *self = *self_p;
    if (!self)
        return;
    sodium_free (self->key); /* wipes it */
    free (self);
    *self_p = NULL;
}

/*  `prefix` and `count` random bytes in hex. */
static void
vault_random_text (const char *prefix, size_t count, char *out, size_t size)
{
    unsigned char bytes[SECRET_RANDOM_BYTES];
    assert (count <= sizeof bytes && strlen (prefix) + 2 * count + 1 == size);
    randombytes_buf (bytes, count);
    size_t used = strlen (prefix);
    memcpy (out, prefix, used);
    sodium_bin2hex (out + used, size - used, bytes, count);
    sodium_memzero (bytes, sizeof bytes);
}

void
webhooks_vault_new_id (char id[WEBHOOKS_ID_SIZE])
{
    vault_random_text (ID_PREFIX, ID_RANDOM_BYTES, id, WEBHOOKS_ID_SIZE);
}

void
webhooks_vault_new_secret (char secret[WEBHOOKS_SECRET_SIZE])
{
    vault_random_text (SECRET_PREFIX, SECRET_RANDOM_BYTES, secret, WEBHOOKS_SECRET_SIZE);
}

unsigned char *
webhooks_vault_seal (webhooks_vault_t *self, const char *webhook_id, const char *secret,
                     size_t *size)
{
    size_t secret_length = strlen (secret);
    *size = VAULT_NONCE_BYTES + secret_length + VAULT_TAG_BYTES;
    unsigned char *sealed = malloc (*size);
    if (!sealed)
        return NULL;
    randombytes_buf (sealed, VAULT_NONCE_BYTES);
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt (
        sealed + VAULT_NONCE_BYTES, &written, (const unsigned char *)secret, secret_length,
        (const unsigned char *)webhook_id, strlen (webhook_id), NULL, sealed, self->key);
    assert (written == secret_length + VAULT_TAG_BYTES);
    return sealed;
}

int
webhooks_vault_open (webhooks_vault_t *self, const char *webhook_id, const unsigned char *sealed,
                     size_t size, char secret[WEBHOOKS_SECRET_SIZE])
{
    memset (secret, 0, WEBHOOKS_SECRET_SIZE);
    if (size < VAULT_NONCE_BYTES + VAULT_TAG_BYTES ||
        size - VAULT_NONCE_BYTES - VAULT_TAG_BYTES >= WEBHOOKS_SECRET_SIZE)
        return -1;
    unsigned long long written = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt (
            (unsigned char *)secret, &written, NULL, sealed + VAULT_NONCE_BYTES,
            size - VAULT_NONCE_BYTES, (const unsigned char *)webhook_id, strlen (webhook_id),
            sealed, self->key) != 0) {
        memset (secret, 0, WEBHOOKS_SECRET_SIZE);
        return -1;
    }
    secret[written] = '\0';
    return 0;
}
