/*  webhooks_store: every SQL statement of the webhooks service.
 *
 *  The handlers, the intake (the consumer's handler) and the senders decide;
 *  this file talks to PostgreSQL. Rows come back as protobuf messages whose
 *  strings borrow from the PGresult they were read from, so a
 *  webhooks_rows_t (or a webhooks_claim_t) must be released and its
 *  messages not used after that. Every function returns 0 on success, 1
 *  where it says "not found", and -1 on a database failure (the reason is
 *  in kefu_db_error). Tables: migrations/0001_webhooks.sql.
 */
#ifndef WEBHOOKS_STORE_H_INCLUDED
#define WEBHOOKS_STORE_H_INCLUDED

#include "kefu/v1/envelope.pb-c.h"
#include "kefu/v1/webhooks.pb-c.h"
#include "kefu_db.h"
#include "kefu_idempotency.h"

#include <stdbool.h>
#include <stdint.h>

/*  Rows of webhooks or of deliveries, borrowed from one PGresult. */
typedef struct {
    PGresult *result;
    size_t count;
    Kefu__V1__Webhook *webhooks;          /* count of them, or NULL */
    Kefu__V1__Webhook **webhook_pointers; /* for repeated fields */
    int64_t *numbers;                     /* each webhook's list cursor */
    char **event_type_text;               /* private: the split copies */
    Kefu__V1__Delivery *deliveries;
    Kefu__V1__Delivery **delivery_pointers;
} webhooks_rows_t;

void webhooks_rows_release (webhooks_rows_t *rows);


/*  Claim an idempotency key for `actor` (see tickets_store.h: the same
 *  protocol). *claimed is false if the key was taken; then `stored_hash`
 *  and `webhook_id` (WEBHOOKS_ID_SIZE bytes) say what for. stored_hash is
 *  "" if the holder rolled back meanwhile (try again); webhook_id is "" if
 *  the webhook it created was deleted since. */
int webhooks_store_idempotency_claim (kefu_db_t *db, const char *actor, const char *key,
                                      const char *hash, bool *claimed, char *stored_hash,
                                      size_t stored_hash_size, char *webhook_id,
                                      size_t webhook_id_size);

/*  Record which webhook a claimed key created. */
int webhooks_store_idempotency_bind (kefu_db_t *db, const char *actor, const char *key,
                                     const char *webhook_id);

/*  Insert an active webhook. `event_types` is the prefixes joined with
 *  '\n' ("" for none), `sealed` the sealed secret. */
int webhooks_store_insert (kefu_db_t *db, const char *id, const char *url, const char *event_types,
                           const char *description, const unsigned char *sealed, size_t sealed_size,
                           const char *created_by, webhooks_rows_t *rows);

/*  One webhook; for_update locks it for the rest of the transaction. 1 if
 *  there is none. */
int webhooks_store_get (kefu_db_t *db, const char *id, bool for_update, webhooks_rows_t *rows);

/*  The sealed secret of webhook `id` into *sealed (the caller PQfreemem()s
 *  it) and *size. 1 if there is no such webhook. */
int webhooks_store_secret (kefu_db_t *db, const char *id, unsigned char **sealed, size_t *size);

/*  A page of webhooks with list cursor > after, oldest first. */
int webhooks_store_list (kefu_db_t *db, int64_t after, uint32_t limit, webhooks_rows_t *rows);

/*  Delete webhook `id` (and its deliveries); the row as it was comes back.
 *  1 if there is none. */
int webhooks_store_delete (kefu_db_t *db, const char *id, webhooks_rows_t *rows);

/*  Set the status of webhook `id`. 1 if there is none. */
int webhooks_store_set_status (kefu_db_t *db, const char *id, const char *status,
                               webhooks_rows_t *rows);

/*  A page of the delivery log of webhook `webhook_id`, newest first: ids
 *  below `before` (0: from the newest), of `status` ("" for any). */
int webhooks_store_deliveries (kefu_db_t *db, const char *webhook_id, const char *status,
                               int64_t before, uint32_t limit, webhooks_rows_t *rows);

/*  Make delivery `delivery_id` of webhook `webhook_id` pending again, due
 *  now, with a fresh retry window. 1 if there is no such delivery. */
int webhooks_store_redeliver (kefu_db_t *db, const char *webhook_id, int64_t delivery_id,
                              webhooks_rows_t *rows);

/*  Wake the senders when the current transaction commits. */
int webhooks_store_wake_senders (kefu_db_t *db);

/*  Subscribe this connection to the senders' wake-ups (those of
 *  webhooks_store_wake_senders, and the trigger's when deliveries are
 *  queued). Returns 0 or -1. */
int webhooks_store_listen (kefu_db_t *db);

/*  --- The intake ----------------------------------------------------------- */

/*  Queue `event` (rendered as `body`) for every webhook that wants it:
 *  registered before the event happened (`event_time_ms`), and with no
 *  prefixes or one that starts its type. Paused webhooks get it too (sent
 *  when resumed). An event already queued for a webhook is not queued
 *  again. *queued is the number of deliveries created. */
int webhooks_store_enqueue (kefu_db_t *tx, const Kefu__V1__Event *event, int64_t event_time_ms,
                            const char *body, int *queued);

/*  --- The senders ------------------------------------------------------------ */

/*  A delivery claimed for one attempt, borrowed from `result`. */
typedef struct {
    PGresult *result;
    unsigned char *sealed; /* the webhook's sealed secret (PQfreemem) */
    size_t sealed_size;
    int64_t delivery_id;
    const char *webhook_id;
    const char *url;
    const char *event_id;
    const char *event_type;
    const char *body;
    size_t body_size;
    uint32_t attempts; /* made before this one */
} webhooks_claim_t;

void webhooks_claim_release (webhooks_claim_t *claim);

/*  Claim the pending delivery of an active webhook that is due first and
 *  not held by another sender, holding it for `lease_ms`. 1 if nothing is
 *  due. */
int webhooks_store_claim (kefu_db_t *db, int64_t lease_ms, webhooks_claim_t *claim);

/*  What one attempt came to. */
typedef struct {
    bool delivered;    /* the receiver answered 2xx */
    int status_code;   /* 0: no HTTP response */
    const char *error; /* "" when delivered */
    int latency_ms;
    int64_t retry_in_ms; /* if not delivered and not given up */
    int give_up_s;       /* dead once the first attempt is this old */
} webhooks_attempt_t;

/*  Record an attempt on a claimed delivery and release it; the delivery
 *  comes back (status "dead" when this failure ended it). 1 if the
 *  delivery is no longer pending (deleted, or redelivered and done by
 *  another sender). */
int webhooks_store_record_attempt (kefu_db_t *db, int64_t delivery_id,
                                   const webhooks_attempt_t *attempt, webhooks_rows_t *rows);

/*  Give a claimed delivery back without an attempt (shutting down). */
int webhooks_store_release (kefu_db_t *db, int64_t delivery_id);

#endif
