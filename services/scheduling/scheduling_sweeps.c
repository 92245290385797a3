/*  scheduling_sweeps: the table of the scheduling service's timed rules.
 *  See scheduling_sweeps.h; each rule lives with the resource it belongs to.
 */
#include "scheduling_sweeps.h"
#include "scheduling_attendance.h"
#include "scheduling_handover.h"

const kefu_ticker_sweep_t scheduling_sweeps[] = {
    /*  SCH-5 / SCH-6: undecided leave at shift start, absences, the
     *  attendance report reminder. */
    { "leave.undecided", scheduling_leave_undecided_sweep },
    { "attendance.no_show", scheduling_attendance_no_show_sweep },
    { "attendance.report_due", scheduling_attendance_report_due_sweep },

    /*  SCH-7: handovers left unaccepted. */
    { "handover.overdue", scheduling_handover_overdue_sweep },

    /*  Ends the table (C has no empty arrays); not counted. */
    { NULL, NULL },
};

const size_t scheduling_sweep_count = sizeof scheduling_sweeps / sizeof scheduling_sweeps[0] - 1;
