/*  scheduling_attendance: attendance (SCH-6) and the timed rules of leave
 *  and attendance.
 *
 *  Methods, each for the caller themselves, the terminal being the one of
 *  the caller's session (as log-in records it):
 *  - attendance.clock_in: to the shift in force now (from
 *    KEFU_SHIFT_GRACE_BEFORE_MIN before its start until its end), once per
 *    shift; lateness is whole minutes after the start, and lateness of
 *    KEFU_ATTENDANCE_VIOLATION_MIN or more not covered by approved leave
 *    is a violation ('late');
 *  - attendance.clock_out: refused while away from post (all of clock-out's
 *    refusals are in one function, attendance_clock_out_refused);
 *  - attendance.leave_post / attendance.return_post: an absence from post
 *    (脱岗); one of KEFU_ATTENDANCE_VIOLATION_MIN or more not covered by
 *    approved leave is a violation ('off_post');
 *  - attendance.report and attendance.report_csv: the month's report
 *    (month in KEFU_ATTENDANCE_ZONE), everyone's for supervisors, managers
 *    and admins, one's own for anyone else.
 *
 *  Sweeps (scheduling_sweeps.c), with "now" from the driven clock:
 *  - leave.undecided: a shift that starts while a leave request covering
 *    it is still undecided, and nobody clocked in, becomes an absence
 *    (cause leave_undecided: 否则按旷工处理);
 *  - attendance.no_show: a shift with no clock-in
 *    KEFU_ATTENDANCE_VIOLATION_MIN after its start and no approved leave
 *    covering it becomes an absence (cause no_show);
 *  - attendance.report_due: from the 25th (KEFU_ATTENDANCE_ZONE) the
 *    month's report reminder, once per month.
 *  Both absence rules look back a day at most, so a ticker stopped for
 *  longer does not raise old absences on restart.
 */
#ifndef SCHEDULING_ATTENDANCE_H_INCLUDED
#define SCHEDULING_ATTENDANCE_H_INCLUDED

#include "kefu_db.h"
#include "kefu_service.h"

#include <stdint.h>

void scheduling_attendance_clock_in (kefu_call_t *call);
void scheduling_attendance_clock_out (kefu_call_t *call);
void scheduling_attendance_leave_post (kefu_call_t *call);
void scheduling_attendance_return_post (kefu_call_t *call);
void scheduling_attendance_report (kefu_call_t *call);
void scheduling_attendance_report_csv (kefu_call_t *call);

/*  kefu_ticker sweeps; `arg` is the service's scheduling_state_t. */
int scheduling_leave_undecided_sweep (kefu_db_t *db, int64_t now_ms, void *arg);
int scheduling_attendance_no_show_sweep (kefu_db_t *db, int64_t now_ms, void *arg);
int scheduling_attendance_report_due_sweep (kefu_db_t *db, int64_t now_ms, void *arg);

#endif
