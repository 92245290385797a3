/*  scheduling_staffing: the staffing methods of the scheduling service
 *  (SCH-9).
 *
 *  staffing.erlang_c answers, for one forecast interval, the smallest
 *  number of agents meeting a service-level target (and a maximum
 *  occupancy), by Erlang C (common/kefu_erlang.h). staffing.plan does the
 *  same for a day of consecutive intervals and sets each against the
 *  agents whose shifts cover it: the gap is scheduled − required.
 *
 *  Both only read: nothing is written, so there is no event and no audit
 *  record. Shift leads, supervisors, managers and admins may ask.
 */
#ifndef SCHEDULING_STAFFING_H_INCLUDED
#define SCHEDULING_STAFFING_H_INCLUDED

#include "kefu_service.h"

/*  The longest forecast staffing.plan takes: a day. */
enum { SCHEDULING_STAFFING_PLAN_SPAN_MAX_S = 86400 };

/*  staffing.erlang_c: ErlangCRequest → ErlangCReply. */
void scheduling_staffing_erlang_c (kefu_call_t *call);

/*  staffing.plan: StaffingPlanRequest → StaffingPlan. */
void scheduling_staffing_plan (kefu_call_t *call);

#endif
