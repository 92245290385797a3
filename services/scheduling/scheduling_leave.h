/*  scheduling_leave: leave requests and their decisions (SCH-5).
 *
 *  leave.request asks for leave (for oneself; sick leave also for someone
 *  else, who is then the person on leave and the caller requested_by),
 *  leave.approve and leave.refuse decide it, leave.cancel withdraws it,
 *  leave.get reads it, leave.list lists requests (supervisors, managers
 *  and admins anyone's, others those they are on or asked for). The department's rules (客服部请假制度), each
 *  refused with its own problem type (422 unless said otherwise):
 *
 *  - the leave must cover a shift in force (leave-covers-no-shift); the
 *    timing rules are measured against the first one covered;
 *  - personal leave and every kind but special and sick a day (24 h) ahead
 *    of that shift, special leave an hour ahead, sick leave before the
 *    shift starts (an emergency is phoned in before the shift)
 *    (leave-too-late);
 *  - a night shift (its template is_night) only before the last 12:00,
 *    local to the shift's site, at or before its start: 12:00 the same day
 *    for a night starting in the evening, the day before for one starting
 *    at midnight; sick leave excepted (leave-night-after-noon);
 *  - no leave by proxy except sick leave (leave-by-proxy);
 *  - sick leave over a day needs a certificate reference
 *    (leave-needs-certificate);
 *  - "a day" is the leave's own duration, ends_at - starts_at, over
 *    24 hours; up to a day is decided by a supervisor, beyond by
 *    administration (a manager), level by level (逐级: neither skips the
 *    other), never by the person on leave or the one who asked
 *    (leave-approver-not-allowed);
 *  - leave overlapping one's own requested or approved leave is 409
 *    (leave-overlaps); deciding what is not pending 409
 *    (leave-not-pending); cancelling by anyone but the person on leave 403,
 *    after the start 409 (leave-started).
 *
 *  Each change commits with its event (leave.*) and audit record. What
 *  happens to a request still undecided when its shift starts is in
 *  scheduling_attendance.c (the ticker records an absence); a decision
 *  taken later still counts for the shifts after, but does not undo that
 *  absence, which is what happened.
 */
#ifndef SCHEDULING_LEAVE_H_INCLUDED
#define SCHEDULING_LEAVE_H_INCLUDED

#include "scheduling_store.h"

#include "kefu_service.h"

void scheduling_leave_request (kefu_call_t *call);
void scheduling_leave_approve (kefu_call_t *call);
void scheduling_leave_refuse (kefu_call_t *call);
void scheduling_leave_cancel (kefu_call_t *call);
void scheduling_leave_get (kefu_call_t *call);
void scheduling_leave_list (kefu_call_t *call);

/*  The caller's own staff row into `rows`, in the open transaction,
 *  locked when `for_update` (serialising one person's requests): 0; 1
 *  when the caller is no staff member (answered INVALID_ARGUMENT
 *  unknown-staff, rolled back, `rows` released); -1 on a database failure
 *  (the caller answers). */
int scheduling_caller_staff (kefu_call_t *call, bool for_update, scheduling_staff_rows_t *rows);

#endif
