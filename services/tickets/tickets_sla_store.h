/*  tickets_sla_store: every SQL statement of SLAs (TKT-7).
 *
 *  Tables: migrations/0003_tickets_sla.sql. Calendars and policies travel
 *  as their protobuf definitions (bytea); a ticket's SLA row as
 *  tickets_sla_row_t, times in Unix ms with 0 for NULL. Functions return 0,
 *  1 where they say "not found" (or "taken"), -1 on a database failure
 *  (kefu_db_error / kefu_db_sqlstate say why).
 */
#ifndef TICKETS_SLA_STORE_H_INCLUDED
#define TICKETS_SLA_STORE_H_INCLUDED

#include "kefu/v1/tickets_sla.pb-c.h"
#include "kefu_db.h"

#include <stdbool.h>
#include <stdint.h>

/*  SQLSTATEs the handlers answer as the client's fault. */
#define TICKETS_SLA_UNIQUE_VIOLATION "23505"
#define TICKETS_SLA_FOREIGN_KEY_VIOLATION "23503"

typedef enum { TICKETS_SLA_CALENDARS, TICKETS_SLA_POLICIES } tickets_sla_table_t;

/*  A calendar or policy as stored: its definition, unpacked, with id,
 *  version and times filled in from the row. */
typedef struct {
    size_t count;
    ProtobufCMessage **items;   /* SlaCalendar or SlaPolicy, each the caller's via release */
} tickets_sla_definitions_t;

void tickets_sla_definitions_release (tickets_sla_definitions_t *rows);

/*  The keys a definition is looked up by, besides its bytes. */
typedef struct {
    const char *name;
    const char *time_zone;      /* calendars */
    const char *kind;           /* policies */
    const char *priority;
    int64_t calendar_id;
} tickets_sla_keys_t;

/*  Insert a definition (`packed`, `size` bytes); 1 if its name (or, for a
 *  policy, its kind and priority) is taken. */
int tickets_sla_store_insert (kefu_db_t *db, tickets_sla_table_t table, const tickets_sla_keys_t *keys,
                              const uint8_t *packed, size_t size, int64_t now_ms, tickets_sla_definitions_t *rows);

/*  One definition; for_update locks it. 1 if there is none. */
int tickets_sla_store_get (kefu_db_t *db, tickets_sla_table_t table, int64_t id, bool for_update,
                           tickets_sla_definitions_t *rows);

/*  A page with id > after, at most `limit`. */
int tickets_sla_store_list (kefu_db_t *db, tickets_sla_table_t table, int64_t after, uint32_t limit,
                            tickets_sla_definitions_t *rows);

/*  Replace a definition, bump its version; 1 if a key is taken. */
int tickets_sla_store_update (kefu_db_t *db, tickets_sla_table_t table, int64_t id, const tickets_sla_keys_t *keys,
                              const uint8_t *packed, size_t size, int64_t now_ms, tickets_sla_definitions_t *rows);

/*  Delete one; 1 if something still refers to it (a calendar in use). */
int tickets_sla_store_delete (kefu_db_t *db, tickets_sla_table_t table, int64_t id);

/*  Claim an Idempotency-Key for creating a calendar or policy (`noun`).
 *  *claimed false: taken before; `stored_hash` (KEFU_IDEMPOTENCY_HASH_TEXT_SIZE
 *  bytes) and *created_id say by what request and with what result, and
 *  stored_hash is "" when its holder rolled back meanwhile (try again).
 *  Waits for a racing holder, so one of two racing requests claims it. */
int tickets_sla_store_idempotency_claim (kefu_db_t *db, const char *actor, const char *key, const char *noun,
                                         const char *hash, bool *claimed, char *stored_hash, size_t stored_hash_size,
                                         int64_t *created_id);

/*  Record what a claimed key created. */
int tickets_sla_store_idempotency_bind (kefu_db_t *db, const char *actor, const char *key, const char *noun,
                                        int64_t created_id);

/*  The policy for a kind and priority, with its calendar, as packed bytes
 *  (the caller PQfreemem()s both). 1 if none. */
int tickets_sla_store_policy_for (kefu_db_t *db, const char *kind, const char *priority, int64_t *policy_id,
                                  unsigned char **policy, size_t *policy_size, unsigned char **calendar,
                                  size_t *calendar_size);

/*  One ticket's SLA state. */
typedef struct {
    int64_t ticket_id;
    int64_t policy_id;
    unsigned char *policy;          /* packed SlaPolicy; PQfreemem */
    size_t policy_size;
    unsigned char *calendar;        /* packed SlaCalendar; PQfreemem */
    size_t calendar_size;
    int64_t started_ms;
    int64_t first_response_due_ms;
    int64_t first_response_at_risk_ms;
    int64_t first_responded_ms;
    int64_t resolution_due_ms;
    int64_t resolution_at_risk_ms;
    int64_t resolved_ms;
    int64_t closed_ms;
    int64_t paused_since_ms;
    char *pause_reason;             /* malloc'd */
    int64_t paused_business_s;
    bool first_response_at_risk;
    bool first_response_breached;
    bool resolution_at_risk;
    bool resolution_breached;
    int escalation_level;
    int64_t next_escalation_ms;
    int64_t next_check_ms;          /* written, not read */
} tickets_sla_row_t;

void tickets_sla_row_release (tickets_sla_row_t *row);

int tickets_sla_store_row_insert (kefu_db_t *db, const tickets_sla_row_t *row);

/*  A ticket's row, locked. 1 if the ticket has no SLA. */
int tickets_sla_store_row_get (kefu_db_t *db, int64_t ticket_id, tickets_sla_row_t *row);

int tickets_sla_store_row_update (kefu_db_t *db, const tickets_sla_row_t *row);

/*  Up to `limit` rows with next_check_at <= now_ms, locked, skipping rows
 *  another transaction holds (FOR UPDATE SKIP LOCKED), so replicas split
 *  the work and none handles a row twice. *rows (count *count) is the
 *  caller's: release each, then free the array. */
int tickets_sla_store_rows_due (kefu_db_t *db, int64_t now_ms, int limit, tickets_sla_row_t **rows, size_t *count);

#endif
