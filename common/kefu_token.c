/*  kefu_token: Ed25519 session tokens. See kefu_token.h. */
#include "kefu_token.h"
#include "kefu_strbuf.h"
#include "kefu_text.h"

#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char token_prefix[] = "v1.";

enum {
    TOKEN_SEED_SIZE = crypto_sign_SEEDBYTES,
    TOKEN_PUBLIC_SIZE = crypto_sign_PUBLICKEYBYTES,
    TOKEN_SECRET_SIZE = crypto_sign_SECRETKEYBYTES,
    TOKEN_SIGNATURE_SIZE = crypto_sign_BYTES,
    TOKEN_HEX_SIZE = 2 * 32,
    /*  Packed claims never exceed this: the service bounds every field. */
    TOKEN_CLAIMS_MAX = 1024
};

typedef struct {
    char kid[KEFU_TOKEN_KID_MAX + 1];
    unsigned char public_key[TOKEN_PUBLIC_SIZE];
    unsigned char secret_key[TOKEN_SECRET_SIZE]; /* signing rings only */
} token_key_t;

struct _kefu_token_keys_t {
    token_key_t *keys;
    size_t count;
    size_t capacity;                /* entries allocated: a refused entry may hold key bytes past count */
    bool signing;
};

static bool
token_kid_valid (const char *kid, size_t length)
{
    return kefu_text_identifier_valid (kid, length, KEFU_TOKEN_KID_MAX);
}

kefu_token_keys_t *
kefu_token_keys_new (const char *list, bool signing, char **error)
{
    assert (error);
    *error = NULL;
    const char *what = signing ? "KEFU_SESSION_SIGNING_KEYS" : "KEFU_SESSION_PUBLIC_KEYS";
    kefu_token_keys_t *self = calloc (1, sizeof *self);
    size_t capacity = 1;
    for (const char *p = list ? list : ""; *p; p++)
        capacity += *p == ',';
    if (self) {
        self->keys = calloc (capacity, sizeof *self->keys);
        self->capacity = self->keys ? capacity : 0;
    }
    if (sodium_init () < 0 || !self || !self->keys) {
        kefu_token_keys_destroy (&self);
        *error = strdup ("kefu_token: out of memory or libsodium failed");
        return NULL;
    }
    self->signing = signing;
    kefu_strbuf_t problem;
    kefu_strbuf_init (&problem);
    const char *cursor = list ? list : "";
    const char *item;
    size_t length;
    while (kefu_text_list_next (&cursor, &item, &length)) {
        size_t number = self->count + 1;
        const char *colon = memchr (item, ':', length);
        size_t kid_length = colon ? (size_t) (colon - item) : 0;
        if (!colon || !token_kid_valid (item, kid_length)) {
            kefu_strbuf_appendf (&problem, "%s: entry %zu is not kid:hex with a kid of 1 to %d of A-Z a-z 0-9 _ -",
                                 what, number, KEFU_TOKEN_KID_MAX);
            break;
        }
        token_key_t *key = &self->keys[self->count];
        memcpy (key->kid, item, kid_length);
        key->kid[kid_length] = '\0';
        const char *hex = colon + 1;
        size_t hex_length = length - kid_length - 1;
        unsigned char bytes[32];
        size_t decoded = 0;
        if (hex_length != TOKEN_HEX_SIZE
        ||  sodium_hex2bin (bytes, sizeof bytes, hex, hex_length, NULL, &decoded, NULL) != 0
        ||  decoded != sizeof bytes) {
            kefu_strbuf_appendf (&problem, "%s: entry %zu (\"%s\"): the key must be %d hex digits", what,
                                 number, key->kid, TOKEN_HEX_SIZE);
            sodium_memzero (bytes, sizeof bytes);
            break;
        }
        if (signing)
            crypto_sign_seed_keypair (key->public_key, key->secret_key, bytes);
        else
            memcpy (key->public_key, bytes, sizeof key->public_key);
        sodium_memzero (bytes, sizeof bytes);
        bool duplicate = false;
        for (size_t other = 0; other < self->count; other++)
            duplicate |= strcmp (self->keys[other].kid, key->kid) == 0;
        if (duplicate) {
            kefu_strbuf_appendf (&problem, "%s: the kid \"%s\" appears twice", what, key->kid);
            break;
        }
        self->count++;
    }
    if (kefu_strbuf_length (&problem) > 0 || !kefu_strbuf_ok (&problem)) {
        *error = kefu_strbuf_detach (&problem);
        if (!*error)
            *error = strdup ("kefu_token: out of memory");
        kefu_token_keys_destroy (&self);
        return NULL;
    }
    kefu_strbuf_release (&problem);
    return self;
}

void
kefu_token_keys_destroy (kefu_token_keys_t **self_p)
{
    assert (self_p);
    kefu_token_keys_t *self = *self_p;
    if (!self)
        return;
    if (self->keys) {
        sodium_memzero (self->keys, self->capacity * sizeof *self->keys);
        free (self->keys);
    }
    free (self);
    *self_p = NULL;
}

size_t
kefu_token_keys_count (kefu_token_keys_t *self)
{
    return self->count;
}

char *
kefu_token_sign (kefu_token_keys_t *self, const Kefu__V1__SessionClaims *claims)
{
    if (!self->signing || self->count == 0)
        return NULL;
    const token_key_t *key = &self->keys[0];
    size_t packed_size = protobuf_c_message_get_packed_size (&claims->base);
    if (packed_size > TOKEN_CLAIMS_MAX)
        return NULL;
    unsigned char packed[TOKEN_CLAIMS_MAX];
    protobuf_c_message_pack (&claims->base, packed);
    size_t claims_text_size = sodium_base64_ENCODED_LEN (packed_size, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    size_t signature_text_size =
        sodium_base64_ENCODED_LEN (TOKEN_SIGNATURE_SIZE, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    size_t size = sizeof token_prefix + strlen (key->kid) + 1 + claims_text_size + 1 + signature_text_size;
    char *token = malloc (size);
    if (!token)
        return NULL;
    int used = snprintf (token, size, "%s%s.", token_prefix, key->kid);
    sodium_bin2base64 (token + used, size - (size_t) used, packed, packed_size,
                       sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    size_t signed_length = strlen (token);
    unsigned char signature[TOKEN_SIGNATURE_SIZE];
    crypto_sign_detached (signature, NULL, (const unsigned char *) token, signed_length, key->secret_key);
    token[signed_length] = '.';
    sodium_bin2base64 (token + signed_length + 1, size - signed_length - 1, signature, sizeof signature,
                       sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return token;
}

bool
kefu_token_looks_like (const char *text, size_t length)
{
    return length > sizeof token_prefix - 1 && memcmp (text, token_prefix, sizeof token_prefix - 1) == 0;
}

kefu_token_verdict_t
kefu_token_verify (kefu_token_keys_t *self, const char *token, size_t length, int64_t now_ms,
                   Kefu__V1__SessionClaims **claims)
{
    *claims = NULL;
    if (length > KEFU_TOKEN_MAX || !kefu_token_looks_like (token, length))
        return KEFU_TOKEN_MALFORMED;
    const char *end = token + length;
    const char *kid = token + sizeof token_prefix - 1;
    const char *kid_end = memchr (kid, '.', (size_t) (end - kid));
    if (!kid_end)
        return KEFU_TOKEN_MALFORMED;
    const char *claims_text = kid_end + 1;
    const char *claims_end = memchr (claims_text, '.', (size_t) (end - claims_text));
    if (!claims_end)
        return KEFU_TOKEN_MALFORMED;
    const char *signature_text = claims_end + 1;
    const token_key_t *key = NULL;
    size_t kid_length = (size_t) (kid_end - kid);
    for (size_t i = 0; i < self->count && !key; i++)
        if (strlen (self->keys[i].kid) == kid_length && memcmp (self->keys[i].kid, kid, kid_length) == 0)
            key = &self->keys[i];
    if (!key)
        return token_kid_valid (kid, kid_length) ? KEFU_TOKEN_UNKNOWN_KEY : KEFU_TOKEN_MALFORMED;

    unsigned char signature[TOKEN_SIGNATURE_SIZE];
    size_t signature_size = 0;
    const char *parsed_end = NULL;
    if (sodium_base642bin (signature, sizeof signature, signature_text, (size_t) (end - signature_text), NULL,
                           &signature_size, &parsed_end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0
    ||  signature_size != sizeof signature || parsed_end != end)
        return KEFU_TOKEN_MALFORMED;
    /*  The signature covers the text up to the last dot: checked before a
     *  byte of the claims is parsed. */
    if (crypto_sign_verify_detached (signature, (const unsigned char *) token, (unsigned long long) (claims_end - token),
                                     key->public_key) != 0)
        return KEFU_TOKEN_BAD_SIGNATURE;
    unsigned char packed[TOKEN_CLAIMS_MAX];
    size_t packed_size = 0;
    if (sodium_base642bin (packed, sizeof packed, claims_text, (size_t) (claims_end - claims_text), NULL,
                           &packed_size, &parsed_end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0
    ||  parsed_end != claims_end)
        return KEFU_TOKEN_MALFORMED;
    Kefu__V1__SessionClaims *unpacked = kefu__v1__session_claims__unpack (NULL, packed_size, packed);
    if (!unpacked)
        return KEFU_TOKEN_MALFORMED;
    *claims = unpacked;
    return now_ms >= unpacked->expires_at_ms ? KEFU_TOKEN_EXPIRED : KEFU_TOKEN_OK;
}

int
kefu_token_keygen (const char *kid, char *seed_entry, char *public_entry)
{
    if (sodium_init () < 0 || !token_kid_valid (kid, strlen (kid)))
        return -1;
    unsigned char seed[TOKEN_SEED_SIZE], public_key[TOKEN_PUBLIC_SIZE], secret_key[TOKEN_SECRET_SIZE];
    randombytes_buf (seed, sizeof seed);
    crypto_sign_seed_keypair (public_key, secret_key, seed);
    char hex[TOKEN_HEX_SIZE + 1];
    snprintf (seed_entry, KEFU_TOKEN_ENTRY_SIZE, "%s:%s", kid, sodium_bin2hex (hex, sizeof hex, seed, sizeof seed));
    snprintf (public_entry, KEFU_TOKEN_ENTRY_SIZE, "%s:%s", kid,
              sodium_bin2hex (hex, sizeof hex, public_key, sizeof public_key));
    sodium_memzero (seed, sizeof seed);
    sodium_memzero (secret_key, sizeof secret_key);
    sodium_memzero (hex, sizeof hex);
    return 0;
}

/* --- API keys ----------------------------------------------------------- */

enum { API_KEY_ID_BYTES = 8, API_KEY_SECRET_BYTES = 32 };

static const char api_key_prefix[] = "kefu_ak_";

void
kefu_token_api_key_new (char id[KEFU_API_KEY_ID_SIZE], char key[KEFU_API_KEY_SIZE])
{
    unsigned char id_bytes[API_KEY_ID_BYTES], secret[API_KEY_SECRET_BYTES];
    char id_hex[2 * API_KEY_ID_BYTES + 1], secret_hex[2 * API_KEY_SECRET_BYTES + 1];
    randombytes_buf (id_bytes, sizeof id_bytes);
    randombytes_buf (secret, sizeof secret);
    sodium_bin2hex (id_hex, sizeof id_hex, id_bytes, sizeof id_bytes);
    sodium_bin2hex (secret_hex, sizeof secret_hex, secret, sizeof secret);
    snprintf (id, KEFU_API_KEY_ID_SIZE, "ak_%s", id_hex);
    snprintf (key, KEFU_API_KEY_SIZE, "%s%s_%s", api_key_prefix, id_hex, secret_hex);
    sodium_memzero (secret, sizeof secret);
    sodium_memzero (secret_hex, sizeof secret_hex);
}

bool
kefu_token_is_api_key (const char *text, size_t length)
{
    size_t prefix = sizeof api_key_prefix - 1;
    if (length != KEFU_API_KEY_SIZE - 1 || memcmp (text, api_key_prefix, prefix) != 0)
        return false;
    for (size_t i = prefix; i < length; i++) {
        char c = text[i];
        bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        if (i == prefix + 2 * API_KEY_ID_BYTES ? c != '_' : !hex)
            return false;
    }
    return true;
}

void
kefu_token_api_key_hash (const char *key, size_t length, char hash[KEFU_API_KEY_HASH_SIZE])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256 (digest, (const unsigned char *) key, length);
    sodium_bin2hex (hash, KEFU_API_KEY_HASH_SIZE, digest, sizeof digest);
}
