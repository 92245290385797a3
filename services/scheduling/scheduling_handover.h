/*  scheduling_handover: handovers between shifts (SCH-7, 交接班制度).
 *
 *  The outgoing person writes the log of their shift (handovers.write):
 *  work in progress, open problems with the tickets they concern, the
 *  equipment checklist ✓/✗ (one answer per active item of the checklist
 *  admins and supervisors keep: handover_checklist.put/list), staffing
 *  changes and notices; it is signed with who, when and the terminal of
 *  the request. The incoming person named in it, and only they, accepts it
 *  (their signature: who, when, terminal) or refuses it with a reason,
 *  which raises handover.escalated for each shift lead on duty (subject
 *  staff/<staff_no>, so a lead's dashboard filters its own); the outgoing
 *  person then writes a new log for the same shift. The shift lead
 *  countersigns each local day once every log of it is accepted or
 *  refused (handovers.countersign).
 *
 *  接班人未到，交班人不得离开: until the latest log of a shift is accepted,
 *  the shift holds its person (scheduling_handover_holds_shift; clock-out
 *  asks it), and a log still unaccepted KEFU_HANDOVER_OVERDUE_MIN after
 *  the shift's end raises handover.overdue, once (the sweep below).
 */
#ifndef SCHEDULING_HANDOVER_H_INCLUDED
#define SCHEDULING_HANDOVER_H_INCLUDED

#include "kefu_db.h"
#include "kefu_service.h"

#include <stdint.h>

void scheduling_handover_checklist_list (kefu_call_t *call);
void scheduling_handover_checklist_put (kefu_call_t *call);
void scheduling_handover_write (kefu_call_t *call);
void scheduling_handover_get (kefu_call_t *call);
void scheduling_handover_accept (kefu_call_t *call);
void scheduling_handover_refuse (kefu_call_t *call);
void scheduling_handover_countersign (kefu_call_t *call);

/*  Whether shift `shift_id` still holds its person: 1 when its latest
 *  handover log is not accepted (written, or refused and not yet followed
 *  by an accepted one), 0 when it has none or it was accepted, -1 on a
 *  database failure. Runs in the caller's transaction, if any. */
int scheduling_handover_holds_shift (kefu_db_t *db, int64_t shift_id);

/*  The sweep (kefu_ticker_sweep_fn; `arg` is the scheduling_state_t):
 *  raise handover.overdue for each log still unaccepted
 *  KEFU_HANDOVER_OVERDUE_MIN after its shift ended, once. */
int scheduling_handover_overdue_sweep (kefu_db_t *db, int64_t now_ms, void *arg);

#endif
