/*  gateway_auth: API keys, roles and constant-time lookup. See gateway_auth.h.
 *
 *  Error messages name an entry by its position, and by its name only once
 *  the entry has proven well-formed up to the secret: in a misordered entry
 *  any part could be the secret, and a secret must never reach a log.
 */
#include "gateway_auth.h"
#include "kefu_strbuf.h"

#include <assert.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    AUTH_HASH_SIZE = crypto_generichash_BYTES,
    AUTH_HASH_KEY_SIZE = crypto_generichash_KEYBYTES,
    AUTH_ENTRY_PARTS = 4 /* name:role:staff_id:secret */
};

static const char auth_bearer_scheme[] = "Bearer";

typedef struct {
    char name[GATEWAY_AUTH_NAME_MAX + 1];
    char staff_id[GATEWAY_AUTH_NAME_MAX + 1];
    unsigned char secret_hash[AUTH_HASH_SIZE];
    gateway_identity_t identity; /* points into this entry */
} auth_key_t;

struct _gateway_auth_t {
    auth_key_t *keys;
    size_t count;
    size_t capacity;
    /*  Random per process: the stored hashes are useless outside it. */
    unsigned char hash_key[AUTH_HASH_KEY_SIZE];
};

/*  A key name or staff id: 1..GATEWAY_AUTH_NAME_MAX of A-Z a-z 0-9 . _ - */
static bool
auth_identifier_valid (const char *text, size_t length)
{
    if (length == 0 || length > GATEWAY_AUTH_NAME_MAX)
        return false;
    for (size_t i = 0; i < length; i++) {
        char c = text[i];
        bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '_' || c == '-';
        if (!allowed)
            return false;
    }
    return true;
}

/*  Secrets travel in an HTTP header: visible ASCII, no spaces. */
static bool
auth_secret_characters_valid (const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++)
        if ((unsigned char)text[i] < 0x21 || (unsigned char)text[i] > 0x7E)
            return false;
    return true;
}

static void
auth_hash_secret (const gateway_auth_t *self, const char *secret, size_t length,
                  unsigned char hash[AUTH_HASH_SIZE])
{
    crypto_generichash (hash, AUTH_HASH_SIZE, (const unsigned char *)secret, length, self->hash_key,
                        sizeof self->hash_key);
}

/*  Parse one trimmed, non-empty entry (`number` counts from 1) into
 *  self->keys[self->count]. Returns false with `problem` filled. */
static bool
auth_parse_entry (gateway_auth_t *self, const char *entry, size_t length, size_t number,
                  kefu_strbuf_t *problem)
{
    const char *parts[AUTH_ENTRY_PARTS];
    size_t lengths[AUTH_ENTRY_PARTS];
    const char *cursor = entry;
    const char *end = entry + length;
    for (size_t part = 0; part < AUTH_ENTRY_PARTS - 1; part++) {
        const char *colon = memchr (cursor, ':', (size_t)(end - cursor));
        if (!colon) {
            kefu_strbuf_appendf (
                problem, "KEFU_API_KEYS: entry %zu is not name:role:staff_id:secret", number);
            return false;
        }
        parts[part] = cursor;
        lengths[part] = (size_t)(colon - cursor);
        cursor = colon + 1;
    }
    /*  The secret is the rest, colons and all. */
    parts[AUTH_ENTRY_PARTS - 1] = cursor;
    lengths[AUTH_ENTRY_PARTS - 1] = (size_t)(end - cursor);

    if (!auth_identifier_valid (parts[0], lengths[0])) {
        kefu_strbuf_appendf (problem,
                             "KEFU_API_KEYS: entry %zu: the name must be 1 to %d of "
                             "A-Z a-z 0-9 . _ -",
                             number, GATEWAY_AUTH_NAME_MAX);
        return false;
    }
    kefu_role_t role;
    if (!kefu_role_from_name (parts[1], lengths[1], &role)) {
        kefu_strbuf_appendf (problem,
                             "KEFU_API_KEYS: entry %zu: unknown role; use one of agent, "
                             "shift_lead, supervisor, manager, archivist, auditor, admin, "
                             "integration",
                             number);
        return false;
    }
    auth_key_t *key = &self->keys[self->count];
    key->identity.roles = role;
    memcpy (key->name, parts[0], lengths[0]);
    key->name[lengths[0]] = '\0';
    if (!auth_identifier_valid (parts[2], lengths[2])) {
        kefu_strbuf_appendf (problem,
                             "KEFU_API_KEYS: entry %zu (\"%s\"): the staff id must be 1 "
                             "to %d of A-Z a-z 0-9 . _ -",
                             number, key->name, GATEWAY_AUTH_NAME_MAX);
        return false;
    }
    memcpy (key->staff_id, parts[2], lengths[2]);
    key->staff_id[lengths[2]] = '\0';

    size_t secret_length = lengths[3];
    if (secret_length < GATEWAY_AUTH_SECRET_MIN || secret_length > GATEWAY_AUTH_SECRET_MAX) {
        kefu_strbuf_appendf (problem,
                             "KEFU_API_KEYS: entry %zu (\"%s\"): the secret must have at "
                             "least %d characters (and at most %d)",
                             number, key->name, GATEWAY_AUTH_SECRET_MIN, GATEWAY_AUTH_SECRET_MAX);
        return false;
    }
    if (!auth_secret_characters_valid (parts[3], secret_length)) {
        kefu_strbuf_appendf (problem,
                             "KEFU_API_KEYS: entry %zu (\"%s\"): the secret must be "
                             "visible ASCII without spaces",
                             number, key->name);
        return false;
    }
    for (size_t other = 0; other < self->count; other++)
        if (strcmp (self->keys[other].name, key->name) == 0) {
            kefu_strbuf_appendf (problem,
                                 "KEFU_API_KEYS: entry %zu: the name \"%s\" is already "
                                 "used by entry %zu",
                                 number, key->name, other + 1);
            return false;
        }
    auth_hash_secret (self, parts[3], secret_length, key->secret_hash);
    for (size_t other = 0; other < self->count; other++)
        if (sodium_memcmp (self->keys[other].secret_hash, key->secret_hash, AUTH_HASH_SIZE) == 0) {
            kefu_strbuf_appendf (problem,
                                 "KEFU_API_KEYS: entries %zu (\"%s\") and %zu (\"%s\") "
                                 "have the same secret",
                                 other + 1, self->keys[other].name, number, key->name);
            return false;
        }
    self->count++;
    return true;
}

static bool
auth_is_separator (char c)
{
    return c == ',' || c == '\n';
}

static bool
auth_is_blank (char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

gateway_auth_t *
gateway_auth_new (const char *keys, char **error)
{
    assert (error);
    *error = NULL;
    if (sodium_init () < 0) {
        *error = strdup ("gateway_auth: libsodium failed to initialise");
        return NULL;
    }
    gateway_auth_t *self = calloc (1, sizeof *self);
    size_t capacity = 1;
    for (const char *p = keys ? keys : ""; *p; p++)
        if (auth_is_separator (*p))
            capacity++;
    if (self) {
        self->keys = calloc (capacity, sizeof *self->keys);
        self->capacity = capacity;
    }
    if (!self || !self->keys) {
        gateway_auth_destroy (&self);
        *error = strdup ("gateway_auth: out of memory");
        return NULL;
    }
    randombytes_buf (self->hash_key, sizeof self->hash_key);

    kefu_strbuf_t problem;
    kefu_strbuf_init (&problem);
    const char *cursor = keys ? keys : "";
    size_t number = 0;
    while (*cursor) {
        const char *end = cursor;
        while (*end && !auth_is_separator (*end))
            end++;
        const char *first = cursor;
        const char *last = end;
        while (first < last && auth_is_blank (*first))
            first++;
        while (last > first && auth_is_blank (last[-1]))
            last--;
        /*  Blank entries (a trailing comma, an empty line in a file) are
         *  layout, not keys. */
        if (last > first) {
            number++;
            if (!auth_parse_entry (self, first, (size_t)(last - first), number, &problem))
                break;
        }
        cursor = *end ? end + 1 : end;
    }
    if (kefu_strbuf_length (&problem) > 0 || !kefu_strbuf_ok (&problem)) {
        *error = kefu_strbuf_detach (&problem);
        if (!*error)
            *error = strdup ("gateway_auth: out of memory");
        gateway_auth_destroy (&self);
        return NULL;
    }
    kefu_strbuf_release (&problem);
    for (size_t i = 0; i < self->count; i++) {
        auth_key_t *key = &self->keys[i];
        key->identity.name = key->name;
        key->identity.staff_id = key->staff_id;
    }
    return self;
}

void
gateway_auth_destroy (gateway_auth_t **self_p)
{
    assert (self_p);
    gateway_auth_t *self = *self_p;
    if (!self)
        return;
    if (self->keys) {
        sodium_memzero (self->keys, self->capacity * sizeof *self->keys);
        free (self->keys);
    }
    sodium_memzero (self->hash_key, sizeof self->hash_key);
    free (self);
    *self_p = NULL;
}

size_t
gateway_auth_count (gateway_auth_t *self)
{
    return self->count;
}

const gateway_identity_t *
gateway_auth_lookup (gateway_auth_t *self, const char *secret, size_t length)
{
    if (!secret || length == 0 || length > GATEWAY_AUTH_SECRET_MAX)
        return NULL;
    unsigned char presented[AUTH_HASH_SIZE];
    auth_hash_secret (self, secret, length, presented);

    /*  Compare with every key, no early exit, and pick the match without a
     *  branch on the comparison: mask is all ones only for the match. */
    size_t found_index = 0;
    size_t found = 0;
    for (size_t i = 0; i < self->count; i++) {
        size_t equal =
            (size_t)(sodium_memcmp (presented, self->keys[i].secret_hash, AUTH_HASH_SIZE) +
                     1); /* 1 or 0 */
        size_t mask = (size_t)0 - equal;
        found_index = (found_index & ~mask) | (i & mask);
        found |= equal;
    }
    sodium_memzero (presented, sizeof presented);
    return found ? &self->keys[found_index].identity : NULL;
}

const char *
gateway_auth_bearer (const char *authorization, size_t *length)
{
    if (!authorization)
        return NULL;
    size_t scheme_length = sizeof auth_bearer_scheme - 1;
    if (strncasecmp (authorization, auth_bearer_scheme, scheme_length) != 0 ||
        authorization[scheme_length] != ' ')
        return NULL;
    const char *token = authorization + scheme_length;
    while (*token == ' ')
        token++;
    *length = strlen (token);
    while (*length > 0 && token[*length - 1] == ' ')
        (*length)--;
    return token;
}

const gateway_identity_t *
gateway_auth_authenticate (gateway_auth_t *self, const char *authorization)
{
    size_t length = 0;
    const char *token = gateway_auth_bearer (authorization, &length);
    return token ? gateway_auth_lookup (self, token, length) : NULL;
}
