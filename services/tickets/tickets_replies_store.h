/*  tickets_replies_store: every SQL statement about standard replies
 *  (TKT-10). Tables: migrations/0004_tickets_search_replies.sql.
 *
 *  As in tickets_store.h: rows come back as protobuf messages whose strings
 *  borrow from the PGresult they were read from, so a tickets_replies_rows_t
 *  must be released and its messages not used after that; functions return
 *  0 on success, 1 where they say "not found", -1 on a database failure
 *  (kefu_db_error). Times are Unix milliseconds from kefu_time_now_ms().
 */
#ifndef TICKETS_REPLIES_STORE_H_INCLUDED
#define TICKETS_REPLIES_STORE_H_INCLUDED

#include "kefu/v1/replies.pb-c.h"
#include "kefu_db.h"
#include "tickets_search.h"

#include <stdbool.h>
#include <stdint.h>

/*  Versions of standard replies, borrowed from one PGresult. */
typedef struct {
    PGresult *result;
    size_t count;
    Kefu__V1__StandardReply *replies;           /* count of them, or NULL */
    Kefu__V1__StandardReply **reply_pointers;   /* for repeated fields */
    int64_t *row_ids;                           /* list order (cursor) of each */
} tickets_replies_rows_t;

void tickets_replies_rows_release (tickets_replies_rows_t *rows);

/*  After tickets_store_idempotency_claim found `key` taken: what the key
 *  created, a reply (*reply_id) or something else (*other_id, e.g. a
 *  ticket); both 0 while its holder has not finished. */
int tickets_replies_store_idempotency_read (kefu_db_t *db, const char *actor, const char *key,
                                            int64_t *reply_id, int64_t *other_id);

/*  Record which reply a claimed key created. */
int tickets_replies_store_idempotency_bind (kefu_db_t *db, const char *actor, const char *key,
                                            int64_t reply_id);

/*  A new reply; its id in *reply_id. Its version 1 is written with
 *  tickets_replies_store_insert_version. */
int tickets_replies_store_insert (kefu_db_t *db, const char *created_by, int64_t now_ms,
                                  int64_t *reply_id);

/*  Write version `version` of reply `reply_id` as a draft by `author`. */
int tickets_replies_store_insert_version (kefu_db_t *db, int64_t reply_id, int64_t version,
                                          const char *category, const char *title,
                                          const char *body, const char *author, int64_t now_ms);

/*  Lock reply `reply_id` for the rest of the transaction and read its
 *  latest version number and revision. 1 if there is none. */
int tickets_replies_store_lock (kefu_db_t *db, int64_t reply_id, int64_t *latest_version,
                                int64_t *revision);

/*  Count a change of reply `reply_id`: revision + 1, latest version set. */
int tickets_replies_store_touch (kefu_db_t *db, int64_t reply_id, int64_t latest_version);

/*  The version of reply `reply_id` in state approved, or 0 in *version. */
int tickets_replies_store_approved_version (kefu_db_t *db, int64_t reply_id, int64_t *version);

/*  Move a version to approved (by `actor`) or to retired (by `actor`). */
int tickets_replies_store_approve (kefu_db_t *db, int64_t reply_id, int64_t version,
                                   const char *actor, int64_t now_ms);
int tickets_replies_store_retire (kefu_db_t *db, int64_t reply_id, int64_t version,
                                  const char *actor, int64_t now_ms);

/*  One version (0: the latest) of reply `reply_id`. 1 if either is missing. */
int tickets_replies_store_get (kefu_db_t *db, int64_t reply_id, int64_t version,
                               tickets_replies_rows_t *rows);

/*  Every version of reply `reply_id`, oldest first; 1 if there is no such
 *  reply. */
int tickets_replies_store_versions (kefu_db_t *db, int64_t reply_id, tickets_replies_rows_t *rows);

/*  A page of versions after cursor `after`, in a stable order, at most
 *  `limit`: of category `category` ("" any), in state `state` ("" any), and
 *  containing `text` in title or body (tickets_search.h). */
int tickets_replies_store_list (kefu_db_t *db, int64_t after, const char *category, const char *state,
                                const tickets_search_text_t *text, uint32_t limit,
                                tickets_replies_rows_t *rows);

/*  Whether version `version` of reply `reply_id` exists and is approved;
 *  the row is locked FOR SHARE until the transaction ends, so it cannot be
 *  retired before the caller commits what cites it. */
int tickets_replies_store_citable (kefu_db_t *db, int64_t reply_id, int64_t version, bool *citable);

#endif
