/*  scheduling_password: weak-password rule and Argon2id. See
 *  scheduling_password.h.
 */
#include "scheduling_password.h"
#include "scheduling_common_passwords.h"

#include "kefu_text.h"

#include <string.h>
#include <strings.h>

/*  The limits every new hash uses (SCH-2: interactive or stronger). */
#define PASSWORD_OPSLIMIT crypto_pwhash_OPSLIMIT_INTERACTIVE
#define PASSWORD_MEMLIMIT crypto_pwhash_MEMLIMIT_INTERACTIVE

const char *
scheduling_password_weakness (const char *password, const char *staff_no, size_t min_length)
{
    if (strlen (password) > SCHEDULING_PASSWORD_MAX)
        return "is too long";
    if (!kefu_text_valid_utf8 (password))
        return "must be UTF-8 text";
    if (kefu_text_length (password) < min_length)
        return "is shorter than the minimum length (KEFU_PASSWORD_MIN_LENGTH)";
    if (staff_no && strcasecmp (password, staff_no) == 0)
        return "must not be the staff number";
    for (const char *const *common = scheduling_common_passwords; *common; common++)
        if (strcasecmp (password, *common) == 0)
            return "is too common";
    return NULL;
}

int
scheduling_password_hash (const char *password, char hash[SCHEDULING_PASSWORD_HASH_SIZE])
{
    return crypto_pwhash_str (hash, password, strlen (password), PASSWORD_OPSLIMIT, PASSWORD_MEMLIMIT);
}

bool
scheduling_password_verify (const char *hash, const char *password)
{
    return crypto_pwhash_str_verify (hash, password, strlen (password)) == 0;
}

bool
scheduling_password_needs_rehash (const char *hash)
{
    return crypto_pwhash_str_needs_rehash (hash, PASSWORD_OPSLIMIT, PASSWORD_MEMLIMIT) != 0;
}

int
scheduling_password_dummy_new (char hash[SCHEDULING_PASSWORD_HASH_SIZE])
{
    char random_password[crypto_pwhash_SALTBYTES * 2 + 1];
    unsigned char bytes[crypto_pwhash_SALTBYTES];
    randombytes_buf (bytes, sizeof bytes);
    sodium_bin2hex (random_password, sizeof random_password, bytes, sizeof bytes);
    int rc = scheduling_password_hash (random_password, hash);
    sodium_memzero (random_password, sizeof random_password);
    return rc;
}
