/*  scheduling_store: every SQL statement of the scheduling service.
 *
 *  The handlers decide; this file talks to PostgreSQL. Staff rows come back
 *  as kefu.v1.Staff messages whose strings borrow from the PGresult they
 *  were read from, so a scheduling_staff_rows_t must be released and its
 *  messages not used after that. Times go in as Unix milliseconds from the
 *  service's clock (kefu_time), never now(). Functions return 0 on success,
 *  1 where they say "not found", -1 on a database failure (kefu_db_error).
 */
#ifndef SCHEDULING_STORE_H_INCLUDED
#define SCHEDULING_STORE_H_INCLUDED

#include "kefu/v1/scheduling.pb-c.h"
#include "kefu_db.h"

#include <stdbool.h>
#include <stdint.h>

enum { SCHEDULING_LIST_MAX = 64 /* roles, skills of one person */ };

/*  One staff row with what only the service sees (credentials, lockout). */
typedef struct {
    Kefu__V1__Staff staff;
    char *role_texts[SCHEDULING_LIST_MAX];
    char *skill_texts[SCHEDULING_LIST_MAX];
    char *list_storage;         /* the split role and skill lists */
    const char *password_hash;
    int failed_attempts;
    int64_t locked_until_ms;    /* 0: not locked */
} scheduling_staff_row_t;

typedef struct {
    PGresult *result;
    scheduling_staff_row_t row;
} scheduling_staff_rows_t;

void scheduling_staff_rows_release (scheduling_staff_rows_t *rows);

/*  The person with this staff number / id; for_update locks the row. */
int scheduling_store_staff_by_no (kefu_db_t *db, const char *staff_no, bool for_update,
                                  scheduling_staff_rows_t *rows);
int scheduling_store_staff_by_id (kefu_db_t *db, int64_t id, bool for_update, scheduling_staff_rows_t *rows);

/*  Insert a person. 1 if the staff number is taken. */
int scheduling_store_staff_insert (kefu_db_t *db, const Kefu__V1__CreateStaffRequest *request,
                                   const char *password_hash, bool must_change, int64_t now_ms,
                                   scheduling_staff_rows_t *rows);

/*  Change status (active, suspended, departed). */
int scheduling_store_staff_set_status (kefu_db_t *db, int64_t id, const char *status, int64_t now_ms,
                                       scheduling_staff_rows_t *rows);

/*  Change what `request` gives (empty fields and lists stay as they are). */
int scheduling_store_staff_update (kefu_db_t *db, const Kefu__V1__UpdateStaffRequest *request, int64_t now_ms,
                                   scheduling_staff_rows_t *rows);

/*  Replace the password hash; must_change as given; clears the lockout. */
int scheduling_store_staff_set_password (kefu_db_t *db, int64_t id, const char *password_hash, bool must_change,
                                         int64_t now_ms);

/*  Count one failed login; lock the account when the failures reach
 *  max_failures, for base_ms doubled per failure beyond, at most max_ms.
 *  *failures and *locked_until_ms (0: not locked) tell the outcome. */
int scheduling_store_login_failed (kefu_db_t *db, int64_t id, int max_failures, int64_t base_ms, int64_t max_ms,
                                   int64_t now_ms, int *failures, int64_t *locked_until_ms);

/*  A successful login: forget past failures. */
int scheduling_store_login_succeeded (kefu_db_t *db, int64_t id);

/*  The window [from, until] of a shift of `staff_id`, grace included, that
 *  holds now_ms. 1 if there is none. */
int scheduling_store_shift_now (kefu_db_t *db, int64_t staff_id, int64_t now_ms, int64_t grace_before_ms,
                                int64_t grace_after_ms, int64_t *from_ms, int64_t *until_ms);

int scheduling_store_shift_insert (kefu_db_t *db, int64_t staff_id, int64_t starts_ms, int64_t ends_ms,
                                   const char *site_zone, int64_t *id);

/*  Live sessions of a person from another terminal than `terminal`: their
 *  ids and terminals (the caller PQclear()s the result). NULL on failure. */
PGresult *scheduling_store_sessions_elsewhere (kefu_db_t *db, int64_t staff_id, const char *terminal,
                                               int64_t now_ms);

int scheduling_store_session_insert (kefu_db_t *db, const char *session_id, int64_t staff_id,
                                     const char *terminal, int64_t now_ms, int64_t expires_ms);

/*  End one live session. 1 if it is not live (already ended, expired, or
 *  unknown). *expires_ms and staff_no (SCHEDULING_STAFF_NO_SIZE) are filled. */
enum { SCHEDULING_STAFF_NO_SIZE = 64 };
int scheduling_store_session_end (kefu_db_t *db, const char *session_id, const char *reason, int64_t now_ms,
                                  int64_t *expires_ms, char *staff_no);

/*  End every live session of a person. */
int scheduling_store_sessions_end_all (kefu_db_t *db, int64_t staff_id, const char *reason, int64_t now_ms);

int scheduling_store_revocation_insert (kefu_db_t *db, const Kefu__V1__SessionRevoked *revocation);

/*  Revocations not yet expired (at most `limit`), oldest first: rows of
 *  session_id, staff_no, revoked_at_ms, expires_at_ms, reason. NULL on
 *  failure. */
PGresult *scheduling_store_revocations_live (kefu_db_t *db, int64_t now_ms, int limit);

/*  SCH-9: for `count` consecutive intervals of interval_ms from starts_ms,
 *  how many active agents have a shift covering the whole interval, into
 *  scheduled[0 .. count-1]. 0 or -1. */
int scheduling_store_agents_scheduled (kefu_db_t *db, int64_t starts_ms, int64_t interval_ms, int count,
                                       int32_t *scheduled);

/* --- API keys --------------------------------------------------------- */

/*  API keys borrowed from one PGresult (release them). */
typedef struct {
    PGresult *result;
    size_t count;
    Kefu__V1__ApiKey *keys;
    Kefu__V1__ApiKey **key_pointers;
    char **role_texts;      /* SCHEDULING_LIST_MAX per key */
    char *list_storage;
} scheduling_api_key_rows_t;

void scheduling_api_key_rows_release (scheduling_api_key_rows_t *rows);

int scheduling_store_api_key_insert (kefu_db_t *db, const char *id, const char *name, int64_t staff_id,
                                     char *const *roles, size_t role_count, const char *key_hash,
                                     const char *created_by, int64_t now_ms, scheduling_api_key_rows_t *rows);

/*  Keys with id > after (every key: revoked ones too), at most limit. */
int scheduling_store_api_keys_list (kefu_db_t *db, const char *after, int limit, scheduling_api_key_rows_t *rows);

/*  Revoke a live key. 1 if there is no live key with this id. */
int scheduling_store_api_key_revoke (kefu_db_t *db, const char *id, int64_t now_ms, scheduling_api_key_rows_t *rows);

/*  The live key with this hash, of an active person. 1 if none. */
int scheduling_store_api_key_resolve (kefu_db_t *db, const char *key_hash, scheduling_api_key_rows_t *rows);

/*  Revoke every live key of a person (suspended, departed). */
int scheduling_store_api_keys_revoke_staff (kefu_db_t *db, int64_t staff_id, int64_t now_ms);

#endif
