/*  scheduling_attendance_store: the SQL of leave (SCH-5) and attendance
 *  (SCH-6), in one place. Tables: leave_requests (migrations/0003) and
 *  attendance, attendance_breaks, attendance_absences,
 *  attendance_violations, attendance_report_reminders (migrations/0006).
 *
 *  Times go in as Unix milliseconds from the service's clock (kefu_time),
 *  never now(). Functions returning a PGresult give the caller the result
 *  to PQclear (NULL on a database failure, kefu_db_error says why); their
 *  columns are listed in each contract. Others return 0 on success, 1
 *  where they say "not found" or "nothing", -1 on a database failure.
 */
#ifndef SCHEDULING_ATTENDANCE_STORE_H_INCLUDED
#define SCHEDULING_ATTENDANCE_STORE_H_INCLUDED

#include "kefu/v1/attendance.pb-c.h"
#include "kefu_db.h"

#include <stdbool.h>
#include <stdint.h>

/*  A leave row as every leave statement returns it: the fields of
 *  kefu.v1.Leave, strings borrowed from `result` (release it to free), and
 *  what the rules need besides. */
typedef struct {
    PGresult *result;
    Kefu__V1__Leave leave;
    int64_t staff_id;
    int64_t requested_by_id;
    int64_t starts_ms;
    int64_t ends_ms;
} scheduling_leave_row_t;

void scheduling_leave_row_release (scheduling_leave_row_t *row);

/*  The first shift in force of `staff_id` overlapping [starts_ms, ends_ms)
 *  (the leave's first covered shift). Returns 0 with its id, start, zone
 *  (copied into `zone`, `zone_size` bytes) and whether its template is a
 *  night shift; 1 if the leave covers no shift; -1. */
int scheduling_store_leave_first_shift (kefu_db_t *db, int64_t staff_id, int64_t starts_ms, int64_t ends_ms,
                                        int64_t *shift_id, int64_t *shift_starts_ms, char *zone, size_t zone_size,
                                        bool *is_night);

/*  Whether `staff_id` already has leave requested or approved overlapping
 *  [starts_ms, ends_ms): 1 yes, 0 no, -1. */
int scheduling_store_leave_overlaps (kefu_db_t *db, int64_t staff_id, int64_t starts_ms, int64_t ends_ms);

/*  Insert a request, status requested, at `now_ms`, into `row`. */
int scheduling_store_leave_insert (kefu_db_t *db, int64_t staff_id, int64_t requested_by, const char *kind,
                                   int64_t starts_ms, int64_t ends_ms, const char *reason,
                                   const char *certificate_ref, int64_t now_ms, scheduling_leave_row_t *row);

/*  Request `id` into `row`, locked when for_update. 0, 1 not found, -1. */
int scheduling_store_leave_by_id (kefu_db_t *db, int64_t id, bool for_update, scheduling_leave_row_t *row);

/*  Move request `id` to `status`, decided by `decided_by` (0: nobody, for
 *  a cancellation) at `now_ms` with `note`, version + 1, into `row`. */
int scheduling_store_leave_decide (kefu_db_t *db, int64_t id, const char *status, int64_t decided_by,
                                   const char *note, int64_t now_ms, scheduling_leave_row_t *row);

/*  Requests with id > `after`, in id order, at most `limit`: of `status`
 *  ("" any), of the person `staff_no` ("" anyone), and when `party_id` is
 *  not 0 only those that person is on or asked for. Columns: as every
 *  leave statement (read each row with scheduling_leave_read). */
PGresult *scheduling_store_leave_list (kefu_db_t *db, const char *status, const char *staff_no, int64_t party_id,
                                       int64_t after, int limit);

/*  Row `row` of a leave result into `leave` (strings borrowed from it). */
void scheduling_leave_read (PGresult *result, int row, Kefu__V1__Leave *leave);

/*  Whether approved leave of `staff_id` overlaps [from_ms, until_ms): 1
 *  yes, 0 no, -1. */
int scheduling_store_leave_approved_covers (kefu_db_t *db, int64_t staff_id, int64_t from_ms, int64_t until_ms);

/* --- attendance ----------------------------------------------------------- */

/*  The shift in force of `staff_id` that one may clock in to at `now_ms`:
 *  started no more than `grace_before_ms` ahead and not yet ended; the
 *  earliest if several. 0 with its id and bounds, 1 none, -1. */
int scheduling_store_attendance_shift_now (kefu_db_t *db, int64_t staff_id, int64_t now_ms, int64_t grace_before_ms,
                                           int64_t *shift_id, int64_t *starts_ms, int64_t *ends_ms);

/*  Record a clock-in for `shift_id`. 0 with the row's id, 1 if that shift
 *  has one already, -1. */
int scheduling_store_attendance_insert (kefu_db_t *db, int64_t shift_id, int64_t staff_id, int64_t now_ms,
                                        const char *terminal, int late_minutes, int64_t *attendance_id);

/*  The open attendance (clocked in, not out) of `staff_id`, locked: 0 with
 *  its id and shift id, 1 none, -1. */
int scheduling_store_attendance_open (kefu_db_t *db, int64_t staff_id, int64_t *attendance_id, int64_t *shift_id);

/*  The open absence from post of attendance `attendance_id`: 0 with its id
 *  and start, 1 none, -1. */
int scheduling_store_break_open (kefu_db_t *db, int64_t attendance_id, int64_t *break_id, int64_t *left_ms);

/*  Clock out attendance `attendance_id` at `now_ms` from `terminal`. */
int scheduling_store_attendance_clock_out (kefu_db_t *db, int64_t attendance_id, int64_t now_ms, const char *terminal);

/*  Open an absence from post, or close `break_id`; each bumps the
 *  attendance's version. */
int scheduling_store_break_insert (kefu_db_t *db, int64_t attendance_id, int64_t now_ms, const char *terminal);
int scheduling_store_break_close (kefu_db_t *db, int64_t attendance_id, int64_t break_id, int64_t now_ms,
                                  const char *terminal);

/*  Record a violation; `break_id` 0 for lateness. 0 recorded, 1 already
 *  there (a retried request), -1. */
int scheduling_store_violation_insert (kefu_db_t *db, int64_t shift_id, int64_t staff_id, const char *kind,
                                       int minutes, int64_t break_id, int64_t now_ms);

/*  Attendance `attendance_id` as a record at `now_ms` (away_minutes counts
 *  an open absence up to now). Columns: shift_id, staff_no,
 *  shift_starts_at, shift_ends_at, clock_in_at, clock_in_terminal,
 *  late_minutes, clock_out_at, clock_out_terminal, away_since,
 *  away_minutes, version; one row. */
PGresult *scheduling_store_attendance_record (kefu_db_t *db, int64_t attendance_id, int64_t now_ms);

/* --- the ticker's rules -------------------------------------------------- */

/*  Absences recorded at `now_ms`, at most `batch`, each once (a unique row
 *  per shift): for shifts that started in (now - lookback, now] covered by
 *  a request still undecided (`no_show` false), or for shifts that started
 *  in (now - threshold - lookback, now - threshold] with no clock-in and no
 *  approved leave (`no_show` true); neither when the shift already has an
 *  absence or a clock-in. Columns of the rows recorded: shift_id, staff_no,
 *  cause, leave_id, shift_starts_at. */
PGresult *scheduling_store_absences_record (kefu_db_t *db, bool no_show, int64_t now_ms, int64_t threshold_ms,
                                            int64_t lookback_ms, int batch);

/*  Raise the reminder of `month` ("YYYY-MM-01") at `now_ms`: 0 raised now,
 *  1 raised before, -1. */
int scheduling_store_report_reminder (kefu_db_t *db, const char *month, int64_t now_ms);

/*  The attendance report of shifts starting in [from_ms, until_ms), for
 *  `staff_id` alone (0: everyone), at most `limit` people, ordered by staff
 *  number. Columns: staff_no, name, shifts, scheduled_minutes,
 *  worked_minutes, late_count, late_minutes, absences, violations, leave
 *  ("kind:minutes,..." of approved leave overlapping the range). */
PGresult *scheduling_store_attendance_report (kefu_db_t *db, int64_t from_ms, int64_t until_ms, int64_t staff_id,
                                              int limit);

#endif
