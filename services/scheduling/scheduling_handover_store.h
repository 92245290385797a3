/*  scheduling_handover_store: the SQL of handovers (SCH-7): the checklist,
 *  the logs with their problems and checks, the daily countersignature,
 *  the complaints recorded from the tickets service and the security-desk
 *  handovers.
 *
 *  Tables: migrations/0005_swaps_handover.sql. Rows come back as protobuf
 *  messages whose strings borrow from the PGresults they were read from:
 *  release the rows, and do not use the messages after that. Times go in
 *  as Unix milliseconds from the service's clock. Functions return 0, 1
 *  where they say "not found", or -1 on a database failure (kefu_db_error).
 */
#ifndef SCHEDULING_HANDOVER_STORE_H_INCLUDED
#define SCHEDULING_HANDOVER_STORE_H_INCLUDED

#include "kefu/v1/swaps_handover.pb-c.h"
#include "kefu/v1/tickets.pb-c.h"
#include "kefu_db.h"

#include <stdbool.h>
#include <stdint.h>

/* --- the checklist --------------------------------------------------------- */

typedef struct {
    PGresult *result;
    size_t count;
    Kefu__V1__HandoverChecklistItem *items;
    Kefu__V1__HandoverChecklistItem **pointers;
} scheduling_checklist_rows_t;

void scheduling_checklist_rows_release (scheduling_checklist_rows_t *rows);

/*  Every item (retired ones too unless active_only), by code. */
int scheduling_handover_store_checklist (kefu_db_t *db, bool active_only,
                                         scheduling_checklist_rows_t *rows);

/*  Item `code`, locked; 1 if there is none. */
int scheduling_handover_store_checklist_item_lock (kefu_db_t *db, const char *code,
                                                   scheduling_checklist_rows_t *rows);

/*  Create or change item `code`, then read it into `rows`. */
int scheduling_handover_store_checklist_put (kefu_db_t *db, const char *code, const char *label,
                                             bool retired, const char *by, int64_t now_ms,
                                             scheduling_checklist_rows_t *rows);

/* --- handovers ------------------------------------------------------------ */

typedef struct {
    PGresult *result;
    PGresult *problems;
    PGresult *checks;
    Kefu__V1__Handover handover;
    Kefu__V1__HandoverProblem *problem_items;
    Kefu__V1__HandoverProblem **problem_pointers;
    int64_t *ticket_ids; /* every problem's, one after another */
    Kefu__V1__HandoverCheck *check_items;
    Kefu__V1__HandoverCheck **check_pointers;
    int64_t outgoing_id;
    int64_t incoming_id;
    int64_t shift_ends_ms;
} scheduling_handover_rows_t;

void scheduling_handover_rows_release (scheduling_handover_rows_t *rows);

/*  Handover `id` with its problems and checks; for_update locks it. */
int scheduling_handover_store_get (kefu_db_t *db, int64_t id, bool for_update,
                                   scheduling_handover_rows_t *rows);

/*  1 if shift `shift_id` has a log written or accepted (not refused). */
int scheduling_handover_store_live_exists (kefu_db_t *db, int64_t shift_id, bool *exists);

/*  Insert a written log with its problems and checks; *id is its id. */
int scheduling_handover_store_insert (kefu_db_t *db, const Kefu__V1__WriteHandoverRequest *request,
                                      int64_t outgoing_id, int64_t incoming_id,
                                      const char *terminal, int64_t now_ms, int64_t *id);

/*  Sign (accepted) or refuse a written log: status, the incoming
 *  signature or the reason, version + 1. */
int scheduling_handover_store_decide (kefu_db_t *db, int64_t id, bool accepted,
                                      const char *terminal, const char *reason, int64_t now_ms);

/*  The status of the latest log of a shift; 1 if it has none. `status`
 *  has room for 16 bytes. */
int scheduling_handover_store_latest_status (kefu_db_t *db, int64_t shift_id, char *status);

/*  Staff numbers of the active shift leads on a shift in force at now_ms
 *  (at most `limit`); the caller PQclear()s. NULL on failure. */
PGresult *scheduling_handover_store_leads_on_duty (kefu_db_t *db, int64_t now_ms, int limit);

/*  Ids of logs still written (not accepted, not refused) whose shift ended
 *  before `due_before_ms` and for which no overdue alert was raised, at
 *  most `limit`, locked (SKIP LOCKED). The caller PQclear()s. */
PGresult *scheduling_handover_store_overdue_lock (kefu_db_t *db, int64_t due_before_ms, int limit);
int scheduling_handover_store_mark_overdue (kefu_db_t *db, int64_t id, int64_t now_ms);

/*  Ids and statuses of the logs of shifts in `site_zone` that ended in
 *  [from, until), by id. The caller PQclear()s. */
PGresult *scheduling_handover_store_of_day (kefu_db_t *db, const char *site_zone, int64_t from_ms,
                                            int64_t until_ms);

/*  Record a countersignature; 1 if the day is signed already. *id is its
 *  id, signed_at (KEFU_TIME_TEXT_SIZE bytes) its time as RFC 3339. */
int scheduling_handover_store_countersign (kefu_db_t *db, const char *day, const char *site_zone,
                                           const char *by, const char *terminal, const char *note,
                                           const char *handover_ids, int64_t now_ms, int64_t *id,
                                           char *signed_at);

/*  Countersignature `id`: one row of id, day, site_zone, signed_by,
 *  signed_at, terminal, note, handover_ids (comma-joined) and their count.
 *  The caller PQclear()s; NULL on failure. */
PGresult *scheduling_handover_store_countersignature_get (kefu_db_t *db, int64_t id);

/* --- complaints and the security desk -------------------------------------- */

/*  Record a complaint the tickets service registered (once per ticket). */
int scheduling_handover_store_complaint_record (kefu_db_t *db, const Kefu__V1__Ticket *ticket,
                                                int64_t received_ms, int64_t now_ms);

/*  Complaints received in [from, until), oldest first, at most `limit`:
 *  rows of ticket_id, received_at, channel, priority, category, subject.
 *  The caller PQclear()s. */
PGresult *scheduling_handover_store_complaints_between (kefu_db_t *db, int64_t from_ms,
                                                        int64_t until_ms, int limit);

/*  Record a security-desk handover; 1 if that one is recorded already. */
int scheduling_handover_store_security_desk_insert (
    kefu_db_t *db, const Kefu__V1__RecordSecurityDeskHandoverRequest *request, int64_t staff_id,
    const char *terminal, const char *complaint_ids, int64_t now_ms, int64_t *id);

/*  A security-desk handover: one row of id, site_zone, day, direction,
 *  staff_no, security_officer, notes, terminal, created_at,
 *  complaint_ids (comma-joined). The caller PQclear()s; NULL on failure. */
PGresult *scheduling_handover_store_security_desk_get (kefu_db_t *db, int64_t id);

/*  The complaints of a recorded security-desk handover, as at
 *  complaints_between. */
PGresult *scheduling_handover_store_security_desk_complaints (kefu_db_t *db, int64_t id);

#endif
