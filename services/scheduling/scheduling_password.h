/*  scheduling_password: the weak-password rule and Argon2id hashing (SCH-2).
 *
 *  Hashes are libsodium crypto_pwhash_str strings (Argon2id, interactive
 *  limits: 64 MiB, 2 passes); a stored hash made with weaker limits is
 *  replaced at the next successful login (scheduling_password_needs_rehash).
 *  Hashing takes tens of milliseconds and 64 MiB by design: callers hash
 *  before they open a transaction, never while holding row locks, and the
 *  service's few workers (KEFU_SCHEDULING_WORKERS) bound the memory.
 *
 *  A weak password is one shorter than the configured minimum, equal to the
 *  staff number (in any case), or in the list of common passwords shipped
 *  with kefu (scheduling_common_passwords.c), compared case-insensitively.
 */
#ifndef SCHEDULING_PASSWORD_H_INCLUDED
#define SCHEDULING_PASSWORD_H_INCLUDED

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>

enum {
    SCHEDULING_PASSWORD_HASH_SIZE = crypto_pwhash_STRBYTES,
    /*  Longest password accepted, in bytes: hashing cost must not depend
     *  on what a caller sends. */
    SCHEDULING_PASSWORD_MAX = 256
};

/*  NULL if `password` may be used by `staff_no`, else why not (static). */
const char *scheduling_password_weakness (const char *password, const char *staff_no, size_t min_length);

/*  Hash into `hash`. Returns 0, or -1 when out of memory. */
int scheduling_password_hash (const char *password, char hash[SCHEDULING_PASSWORD_HASH_SIZE]);

/*  True if `password` matches the stored `hash`. */
bool scheduling_password_verify (const char *hash, const char *password);

/*  True if `hash` was made with other limits than the current ones. */
bool scheduling_password_needs_rehash (const char *hash);

/*  A hash of a random password nobody knows: verifying against it spends
 *  the time of one verification, so that an unknown staff number takes as
 *  long to refuse as a wrong password. Returns 0 or -1. */
int scheduling_password_dummy_new (char hash[SCHEDULING_PASSWORD_HASH_SIZE]);

#endif
