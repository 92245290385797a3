/*  scheduling_swaps: shift swaps (SCH-4, 换班制度).
 *
 *  A swap exchanges two future shifts in force: the requester's (the swap
 *  day, worked by the counterpart) and the counterpart's (the return day,
 *  worked by the requester). swaps.request → swaps.accept (the counterpart
 *  only) → swaps.approve (a supervisor or manager who is neither party),
 *  which gives each shift to the other person (same rows, version + 1) in
 *  one transaction with the events and audit records. swaps.decline (the
 *  counterpart), swaps.refuse (a supervisor or manager) and swaps.cancel
 *  (the requester) end it; swaps.get reads one, swaps.list a page (one's
 *  own, or every swap for those who decide them).
 *
 *  The department's rules, checked on request and again at approval (the
 *  rosters change in between); a broken rule is INVALID_ARGUMENT (422)
 *  with the rule as problem type:
 *    swap-skill-mismatch  the two differ in grade (技术业务水平相当);
 *    swap-leave           either has leave, requested or approved, on the
 *                         local day of either shift (换班和还班均不得请假);
 *    swap-back-to-back    after the exchange either would have less than
 *                         KEFU_ROSTER_MIN_REST_MIN between the end of one
 *                         shift and the start of the next (不允许连班);
 *    swap-consecutive     不允许连续换班, read as: neither shift has been
 *                         swapped already (no swap of a swap), and for each
 *                         person, their shift directly before or after
 *                         either shift of this swap (in their own sequence
 *                         of shifts) was not swapped in an approved swap of
 *                         theirs: nobody swaps two shifts in a row;
 *    swap-monthly-limit   either already has 2 approved swaps whose swap
 *                         day falls in the local month (the site's zone)
 *                         of this swap's swap day (每人每月换班不得超过2次).
 *  Approval locks both people's rows, then both shifts (in id order), so
 *  two approvals touching the same shift or person run one after the
 *  other: the second sees the first's effect and is refused (409
 *  swap-shift-changed, or a rule).
 */
#ifndef SCHEDULING_SWAPS_H_INCLUDED
#define SCHEDULING_SWAPS_H_INCLUDED

#include "kefu_service.h"

void scheduling_swaps_request (kefu_call_t *call);
void scheduling_swaps_get (kefu_call_t *call);
void scheduling_swaps_list (kefu_call_t *call);
void scheduling_swaps_accept (kefu_call_t *call);
void scheduling_swaps_decline (kefu_call_t *call);
void scheduling_swaps_approve (kefu_call_t *call);
void scheduling_swaps_refuse (kefu_call_t *call);
void scheduling_swaps_cancel (kefu_call_t *call);

#endif
