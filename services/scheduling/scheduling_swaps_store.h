/*  scheduling_swaps_store: the SQL of shift swaps (SCH-4).
 *
 *  Tables: migrations/0005_swaps_handover.sql (swaps), read against
 *  shifts_in_force, staff and leave_requests (0001, 0003). Swap rows come
 *  back as kefu.v1.Swap messages whose strings borrow from the PGresult,
 *  so a scheduling_swap_rows_t must be released and its message not used
 *  after that. Times go in as Unix milliseconds from the service's clock.
 *  Functions return 0, 1 where they say "not found", or -1 on a database
 *  failure (kefu_db_error).
 */
#ifndef SCHEDULING_SWAPS_STORE_H_INCLUDED
#define SCHEDULING_SWAPS_STORE_H_INCLUDED

#include "kefu/v1/swaps_handover.pb-c.h"
#include "kefu_db.h"

#include <stdbool.h>
#include <stdint.h>

/*  One swap, with the ids of its two people. */
typedef struct {
    PGresult *result;
    Kefu__V1__Swap swap;
    int64_t requester_id;
    int64_t counterpart_id;
} scheduling_swap_rows_t;

void scheduling_swap_rows_release (scheduling_swap_rows_t *rows);

/*  A shift as the swap rules see it. */
typedef struct {
    int64_t id;
    int64_t staff_id;
    int64_t starts_ms;
    int64_t ends_ms;
    int64_t version;
    bool in_force; /* in shifts_in_force (not cancelled, not a draft roster's) */
    char site_zone[72];
    char staff_no[64];
    /*  The roster assignment it fills (0004's shifts_roster_assignment):
     *  roster_id 0 outside any roster. */
    int64_t roster_id;
    char roster_day[16];    /* YYYY-MM-DD */
    char template_code[40]; /* codes are at most 32 characters */
} scheduling_swap_shift_t;

/*  A page of swaps. */
typedef struct {
    PGresult *result;
    size_t count;
    Kefu__V1__Swap *items;
    Kefu__V1__Swap **pointers;
} scheduling_swap_list_t;

void scheduling_swap_list_release (scheduling_swap_list_t *list);

/*  Swaps with id > after, of `party` (a staff id; 0: anyone's), in
 *  `status` ("": any), at most `limit`, by id. */
int scheduling_swaps_store_list (kefu_db_t *db, int64_t party, const char *status, int64_t after,
                                 int limit, scheduling_swap_list_t *list);

/*  The swap `id`; for_update locks its row. */
int scheduling_swaps_store_get (kefu_db_t *db, int64_t id, bool for_update,
                                scheduling_swap_rows_t *rows);

/*  Insert a requested swap; *id is its id. */
int scheduling_swaps_store_insert (kefu_db_t *db, int64_t requester_id, int64_t counterpart_id,
                                   int64_t swap_shift_id, int64_t return_shift_id,
                                   const char *reason, int64_t now_ms, int64_t *id);

/*  Move swap `id` to `status` (version + 1): accepted_at is set when the
 *  status is "accepted", decided_* otherwise. */
int scheduling_swaps_store_set_status (kefu_db_t *db, int64_t id, const char *status,
                                       const char *by, const char *note, int64_t now_ms);

/*  Shift `id` (any state: in_force tells); for_update locks the row. */
int scheduling_swaps_store_shift (kefu_db_t *db, int64_t id, bool for_update,
                                  scheduling_swap_shift_t *shift);

/*  Give shift `id` to `staff_id` (version + 1); *version is the new one. */
int scheduling_swaps_store_shift_reassign (kefu_db_t *db, int64_t id, int64_t staff_id,
                                           int64_t *version);

/*  --- the rules (SCH-4); each sets *count to how many things break it --- */

/*  Leave requested or approved for either person overlapping either of the
 *  two windows [from1, until1), [from2, until2). */
int scheduling_swaps_store_leave_count (kefu_db_t *db, int64_t person1, int64_t person2,
                                        int64_t from1_ms, int64_t until1_ms, int64_t from2_ms,
                                        int64_t until2_ms, int64_t *count);

/*  Shifts in force of `person`, other than `given` and `received`, that
 *  end less than rest_ms before `received` starts or start less than
 *  rest_ms after it ends. */
int scheduling_swaps_store_too_close (kefu_db_t *db, int64_t person, int64_t given,
                                      int64_t received, int64_t rest_ms, int64_t *count);

/*  Approved swaps that make this one consecutive for `person`: one of
 *  shift1/shift2 itself, or the person's shift directly before or after
 *  either (shift1 starting at start1_ms, shift2 at start2_ms), swapped in
 *  an approved swap of theirs. */
int scheduling_swaps_store_consecutive (kefu_db_t *db, int64_t person, int64_t shift1,
                                        int64_t shift2, int64_t start1_ms, int64_t start2_ms,
                                        int64_t *count);

/*  Approved swaps of `person` whose swap day starts in [from, until). */
int scheduling_swaps_store_month_count (kefu_db_t *db, int64_t person, int64_t from_ms,
                                        int64_t until_ms, int64_t *count);

#endif
