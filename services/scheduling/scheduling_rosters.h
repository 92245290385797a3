/*  scheduling_rosters: the methods of sites, shift templates, monthly
 *  rosters (SCH-3) and who is on duty (SCH-8).
 *
 *  sites.create / .list / .update / .delete and shift_templates.create /
 *  .list / .update / .delete keep the places and shift types rosters are
 *  cut from (a site with rosters keeps its zone and stays; a template
 *  shifts were cut from keeps its times and stays). rosters.create opens
 *  a draft roster for a site and month (rosters.get, rosters.list;
 *  rosters.shifts pages through its shifts);
 *  rosters.assign (one) and rosters.assign_bulk (a bounded batch, all or
 *  nothing) put a person on a template on a local day; rosters.remove_shift
 *  takes one off; rosters.set_coverage / rosters.coverage hold the agents
 *  required per 30-minute interval. rosters.validate lists every problem
 *  (overlap, rest below KEFU_ROSTER_MIN_REST_MIN, coverage short, a person
 *  not active or not an agent) and changes nothing; rosters.publish runs
 *  the same validation and publishes or refuses (roster-invalid), a holiday
 *  roster only 7 days or more before its first day (holiday-roster-late).
 *  A published roster is not edited here (roster-published): it changes
 *  through swaps and leave. rosters.export_csv / rosters.export_ical hand a
 *  person's month as a kefu.v1.Document. on_duty.at answers who is on a
 *  shift in force at an instant.
 *
 *  Planners (supervisor, manager, admin) change rosters; shift leads also
 *  read them; an agent exports their own published month. Every change
 *  commits with its event and audit record; nothing is written on a
 *  refusal.
 */
#ifndef SCHEDULING_ROSTERS_H_INCLUDED
#define SCHEDULING_ROSTERS_H_INCLUDED

#include "kefu_service.h"

void scheduling_sites_create (kefu_call_t *call);
void scheduling_sites_list (kefu_call_t *call);
void scheduling_sites_update (kefu_call_t *call);
void scheduling_sites_delete (kefu_call_t *call);
void scheduling_shift_templates_create (kefu_call_t *call);
void scheduling_shift_templates_update (kefu_call_t *call);
void scheduling_shift_templates_delete (kefu_call_t *call);
void scheduling_shift_templates_list (kefu_call_t *call);
void scheduling_rosters_create (kefu_call_t *call);
void scheduling_rosters_get (kefu_call_t *call);
void scheduling_rosters_list (kefu_call_t *call);
void scheduling_rosters_shifts (kefu_call_t *call);
void scheduling_rosters_assign (kefu_call_t *call);
void scheduling_rosters_assign_bulk (kefu_call_t *call);
void scheduling_rosters_remove_shift (kefu_call_t *call);
void scheduling_rosters_set_coverage (kefu_call_t *call);
void scheduling_rosters_coverage (kefu_call_t *call);
void scheduling_rosters_validate (kefu_call_t *call);
void scheduling_rosters_publish (kefu_call_t *call);
void scheduling_rosters_export_csv (kefu_call_t *call);
void scheduling_rosters_export_ical (kefu_call_t *call);
void scheduling_on_duty_at (kefu_call_t *call);

#endif
