/*  scheduling_attendance: clock-in/out, absences from post, the monthly
 *  report (SCH-6), and the ticker's absence and reminder rules. See
 *  scheduling_attendance.h; the SQL is in scheduling_attendance_store.c.
 */
#include "scheduling_attendance.h"
#include "scheduling_attendance_store.h"
#include "scheduling_handlers.h"
#include "scheduling_handover.h"
#include "scheduling_leave.h"

#include "kefu/v1/document.pb-c.h"
#include "kefu_audit.h"
#include "kefu_csv.h"
#include "kefu_outbox.h"
#include "kefu_roles.h"
#include "kefu_strbuf.h"
#include "kefu_time.h"
#include "kefu_tz.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    RESOURCE_MAX = 64,
    MS_PER_SECOND = 1000,
    MS_PER_MINUTE = 60 * MS_PER_SECOND,
    SECONDS_PER_DAY = 24 * 60 * 60,
    /*  Absences recorded per sweep transaction; the rest at the next tick. */
    ABSENCE_BATCH = 500,
    /*  People in one month's report: a department, not a city. Past it the
     *  answer is an error, never a truncated report. */
    REPORT_PEOPLE_MAX = 10000,
    /*  "YYYY-MM" and "YYYY-MM-DD". */
    MONTH_TEXT_SIZE = 8,
    DATE_TEXT_SIZE = 11,
    MONTH_YEAR_MIN = 2000,
    MONTH_YEAR_MAX = 2999,
    MONTHS_PER_YEAR = 12,
    /*  The day of the month the report goes to HR (考勤: 每月25日). */
    REPORT_DUE_DAY = 25,
};

static const int64_t ABSENCE_LOOKBACK_MS = (int64_t)SECONDS_PER_DAY * MS_PER_SECOND;

/*  Who reads everyone's report. */
#define REPORT_READERS (KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER | KEFU_ROLE_ADMIN)

/*  The kinds of leave, in the report's CSV column order. */
static const char *const leave_kinds[] = {"personal", "special",     "sick",      "annual",
                                          "marriage", "bereavement", "maternity", "official"};
#define LEAVE_KIND_COUNT (sizeof leave_kinds / sizeof leave_kinds[0])

static void
refuse (kefu_call_t *call, Kefu__V1__Code code, const char *type, const char *message)
{
    kefu_call_fail_rollback (call, code, type, NULL, "%s", message);
}

static const char *
caller_terminal (kefu_call_t *call)
{
    const Kefu__V1__Actor *actor = kefu_call_actor (call);
    return actor && actor->terminal ? actor->terminal : "";
}

/*  Record a violation of `kind` (unless approved leave of `staff_id`
 *  covers [from_ms, until_ms)) with its event and audit record, in the
 *  call's transaction. 0 (recorded or excused), -1. */
static int
violation_record (kefu_call_t *call, int64_t shift_id, int64_t staff_id, const char *staff_no,
                  const char *kind, int64_t from_ms, int64_t until_ms, int64_t break_id,
                  int64_t now_ms)
{
    kefu_db_t *db = kefu_call_db (call);
    int covered = scheduling_store_leave_approved_covers (db, staff_id, from_ms, until_ms);
    if (covered != 0)
        return covered < 0 ? -1 : 0;
    int minutes = (int)((until_ms - from_ms) / MS_PER_MINUTE);
    int inserted =
        scheduling_store_violation_insert (db, shift_id, staff_id, kind, minutes, break_id, now_ms);
    if (inserted != 0)
        return inserted < 0 ? -1 : 0;
    char occurred_at[KEFU_TIME_TEXT_SIZE], resource[RESOURCE_MAX];
    kefu_time_format_rfc3339 (now_ms, occurred_at);
    snprintf (resource, sizeof resource, "shift/%" PRId64, shift_id);
    Kefu__V1__AttendanceViolation violation = KEFU__V1__ATTENDANCE_VIOLATION__INIT;
    violation.shift_id = shift_id;
    violation.staff_no = (char *)staff_no;
    violation.kind = (char *)kind;
    violation.minutes = minutes;
    violation.occurred_at = occurred_at;
    if (kefu_outbox_append_message (db, "attendance.violation", resource, &violation.base) != 0 ||
        kefu_audit_record (call, "attendance.violation", resource, kind, 1) != 0)
        return -1;
    return 0;
}

/*  Raise `event_type` for attendance `attendance_id` with its audit record,
 *  commit, and answer with the record. Returns 0, or -1 (the caller answers
 *  with kefu_call_fail_db_rollback). */
static int
attendance_commit_and_answer (kefu_call_t *call, int64_t attendance_id, const char *event_type,
                              int64_t now_ms)
{
    kefu_db_t *db = kefu_call_db (call);
    PGresult *result = scheduling_store_attendance_record (db, attendance_id, now_ms);
    if (!result || PQntuples (result) != 1) {
        PQclear (result);
        return -1;
    }
    Kefu__V1__AttendanceRecord record = KEFU__V1__ATTENDANCE_RECORD__INIT;
    record.shift_id = kefu_db_int64 (result, 0, 0);
    record.staff_no = PQgetvalue (result, 0, 1);
    record.shift_starts_at = PQgetvalue (result, 0, 2);
    record.shift_ends_at = PQgetvalue (result, 0, 3);
    record.clock_in_at = PQgetvalue (result, 0, 4);
    record.clock_in_terminal = PQgetvalue (result, 0, 5);
    record.late_minutes = (int32_t)kefu_db_int64 (result, 0, 6);
    record.clock_out_at = PQgetvalue (result, 0, 7);
    record.clock_out_terminal = PQgetvalue (result, 0, 8);
    record.away_since = PQgetvalue (result, 0, 9);
    record.away_minutes = (int32_t)kefu_db_int64 (result, 0, 10);
    record.version = kefu_db_int64 (result, 0, 11);
    char resource[RESOURCE_MAX];
    snprintf (resource, sizeof resource, "shift/%" PRId64, record.shift_id);
    int rc = kefu_audit_commit_change (call, event_type, resource, NULL, 1, &record.base);
    PQclear (result);
    return rc;
}

/* --- attendance.clock_in -------------------------------------------------- */

void
scheduling_attendance_clock_in (kefu_call_t *call)
{
    const scheduling_state_t *state = kefu_call_state (call);
    kefu_db_t *db = kefu_call_db (call);
    scheduling_staff_rows_t caller = {0};
    if (kefu_db_begin (db) != 0)
        goto failed;
    int found = scheduling_caller_staff (call, false, &caller);
    if (found < 0)
        goto failed;
    if (found == 1)
        goto answered;
    int64_t now_ms = kefu_time_now_ms ();
    int64_t staff_id = caller.row.staff.id;
    int64_t shift_id, starts_ms, ends_ms, attendance_id;
    found = scheduling_store_attendance_shift_now (db, staff_id, now_ms, state->grace_before_ms,
                                                   &shift_id, &starts_ms, &ends_ms);
    if (found < 0)
        goto failed;
    if (found == 1) {
        refuse (call, KEFU__V1__CODE__INVALID_ARGUMENT, "attendance-no-shift",
                "there is no shift of yours to clock in to now");
        goto answered;
    }
    int64_t late_ms = now_ms > starts_ms ? now_ms - starts_ms : 0;
    int inserted =
        scheduling_store_attendance_insert (db, shift_id, staff_id, now_ms, caller_terminal (call),
                                            (int)(late_ms / MS_PER_MINUTE), &attendance_id);
    if (inserted < 0)
        goto failed;
    if (inserted == 1) {
        refuse (call, KEFU__V1__CODE__FAILED_PRECONDITION, "already-clocked-in",
                "you have already clocked in to this shift");
        goto answered;
    }
    /*  Rule 七: twenty minutes late without leave is a violation. */
    if (late_ms >= state->attendance_violation_ms &&
        violation_record (call, shift_id, staff_id, caller.row.staff.staff_no, "late", starts_ms,
                          now_ms, 0, now_ms) != 0)
        goto failed;
    if (attendance_commit_and_answer (call, attendance_id, "attendance.clocked_in", now_ms) != 0)
        goto failed;
    goto answered;
failed:
    kefu_call_fail_db_rollback (call);
answered:
    scheduling_staff_rows_release (&caller);
}

/* --- attendance.clock_out, leave_post, return_post ------------------------ */

/*  Every reason to refuse a clock-out of attendance `attendance_id` of shift
 *  `shift_id`, in one place: away from post, a handover not yet accepted
 *  (SCH-7). Returns 0 when
 *  it may proceed, 1 when refused (answered, rolled back), -1 on a database
 *  failure. */
static int
attendance_clock_out_refused (kefu_call_t *call, int64_t attendance_id, int64_t shift_id)
{
    int64_t break_id, left_ms;
    int away =
        scheduling_store_break_open (kefu_call_db (call), attendance_id, &break_id, &left_ms);
    if (away < 0)
        return -1;
    if (away == 0) {
        refuse (call, KEFU__V1__CODE__FAILED_PRECONDITION, "away-from-post",
                "you are away from your post: return to it before clocking out");
        return 1;
    }
    /*  接班人未到，交班人不得离开 (SCH-7): a handover written for this shift
     *  holds its person until the incoming one accepts it. */
    int held = scheduling_handover_holds_shift (kefu_call_db (call), shift_id);
    if (held < 0)
        return -1;
    if (held == 1) {
        refuse (call, KEFU__V1__CODE__FAILED_PRECONDITION, "handover-not-accepted",
                "your handover has not been accepted yet: wait for the incoming person");
        return 1;
    }
    return 0;
}

typedef enum { POST_CLOCK_OUT, POST_LEAVE, POST_RETURN } post_change_t;

static void
attendance_post_change (kefu_call_t *call, post_change_t change)
{
    const scheduling_state_t *state = kefu_call_state (call);
    kefu_db_t *db = kefu_call_db (call);
    scheduling_staff_rows_t caller = {0};
    if (kefu_db_begin (db) != 0)
        goto failed;
    int found = scheduling_caller_staff (call, false, &caller);
    if (found < 0)
        goto failed;
    if (found == 1)
        goto answered;
    int64_t now_ms = kefu_time_now_ms ();
    int64_t attendance_id, shift_id, break_id = 0, left_ms = 0;
    found = scheduling_store_attendance_open (db, caller.row.staff.id, &attendance_id, &shift_id);
    if (found < 0)
        goto failed;
    if (found == 1) {
        refuse (call, KEFU__V1__CODE__FAILED_PRECONDITION, "not-clocked-in",
                "you are not clocked in");
        goto answered;
    }
    const char *terminal = caller_terminal (call);
    const char *event_type;
    if (change == POST_CLOCK_OUT) {
        int refused = attendance_clock_out_refused (call, attendance_id, shift_id);
        if (refused != 0) {
            if (refused < 0)
                goto failed;
            goto answered;
        }
        if (scheduling_store_attendance_clock_out (db, attendance_id, now_ms, terminal) != 0)
            goto failed;
        event_type = "attendance.clocked_out";
    } else {
        int away = scheduling_store_break_open (db, attendance_id, &break_id, &left_ms);
        if (away < 0)
            goto failed;
        if (change == POST_LEAVE && away == 0) {
            refuse (call, KEFU__V1__CODE__FAILED_PRECONDITION, "already-away",
                    "you are already away from your post");
            goto answered;
        }
        if (change == POST_RETURN && away == 1) {
            refuse (call, KEFU__V1__CODE__FAILED_PRECONDITION, "not-away",
                    "you are not away from your post");
            goto answered;
        }
        if (change == POST_LEAVE) {
            if (scheduling_store_break_insert (db, attendance_id, now_ms, terminal) != 0)
                goto failed;
            event_type = "attendance.left_post";
        } else {
            if (scheduling_store_break_close (db, attendance_id, break_id, now_ms, terminal) != 0)
                goto failed;
            /*  Rule 七: twenty minutes away from post without leave. */
            if (now_ms - left_ms >= state->attendance_violation_ms &&
                violation_record (call, shift_id, caller.row.staff.id, caller.row.staff.staff_no,
                                  "off_post", left_ms, now_ms, break_id, now_ms) != 0)
                goto failed;
            event_type = "attendance.returned_to_post";
        }
    }
    if (attendance_commit_and_answer (call, attendance_id, event_type, now_ms) != 0)
        goto failed;
    goto answered;
failed:
    kefu_call_fail_db_rollback (call);
answered:
    scheduling_staff_rows_release (&caller);
}

void
scheduling_attendance_clock_out (kefu_call_t *call)
{
    attendance_post_change (call, POST_CLOCK_OUT);
}

void
scheduling_attendance_leave_post (kefu_call_t *call)
{
    attendance_post_change (call, POST_LEAVE);
}

void
scheduling_attendance_return_post (kefu_call_t *call)
{
    attendance_post_change (call, POST_RETURN);
}

/* --- attendance.report, attendance.report_csv ----------------------------- */

/*  A report being answered: the message and what its strings point into. */
typedef struct {
    Kefu__V1__AttendanceReport report;
    PGresult *result;
    Kefu__V1__AttendanceReportRow *rows;
    Kefu__V1__AttendanceReportRow **row_pointers;
    Kefu__V1__LeaveTaken *leave;           /* LEAVE_KIND_COUNT per row */
    Kefu__V1__LeaveTaken **leave_pointers; /* likewise */
    char month[MONTH_TEXT_SIZE];
    char from[KEFU_TIME_TEXT_SIZE];
    char until[KEFU_TIME_TEXT_SIZE];
} report_t;

static void
report_release (report_t *self)
{
    PQclear (self->result);
    free (self->rows);
    free (self->row_pointers);
    free (self->leave);
    free (self->leave_pointers);
    memset (self, 0, sizeof *self);
}

/*  "YYYY-MM" into its first day's local midnight and the next month's,
 *  as Unix seconds in `tz`. False if malformed. */
static bool
month_bounds (const char *text, const kefu_tz_t *tz, int64_t *from_s, int64_t *until_s)
{
    const char *p = text;
    int year, month;
    if (!kefu_time_read_digits (&p, 4, &year) || *p++ != '-' ||
        !kefu_time_read_digits (&p, 2, &month) || *p || year < MONTH_YEAR_MIN ||
        year > MONTH_YEAR_MAX || month < 1 || month > MONTHS_PER_YEAR)
        return false;
    int next_year = month == MONTHS_PER_YEAR ? year + 1 : year;
    int next_month = month == MONTHS_PER_YEAR ? 1 : month + 1;
    *from_s =
        kefu_tz_local_to_utc (tz, kefu_time_days_from_civil (year, month, 1) * SECONDS_PER_DAY);
    *until_s = kefu_tz_local_to_utc (tz, kefu_time_days_from_civil (next_year, next_month, 1) *
                                             SECONDS_PER_DAY);
    return true;
}

/*  Read "kind:minutes,kind:minutes" into a row's leave (kinds known to
 *  leave_kinds only: the CHECK of leave_requests guarantees it). */
static void
report_row_leave (report_t *self, size_t index, const char *text)
{
    Kefu__V1__AttendanceReportRow *row = &self->rows[index];
    Kefu__V1__LeaveTaken *slots = &self->leave[index * LEAVE_KIND_COUNT];
    row->leave = &self->leave_pointers[index * LEAVE_KIND_COUNT];
    row->n_leave = 0;
    for (size_t k = 0; k < LEAVE_KIND_COUNT; k++) {
        size_t length = strlen (leave_kinds[k]);
        for (const char *p = text; p && *p; p = strchr (p, ',') ? strchr (p, ',') + 1 : NULL) {
            if (strncmp (p, leave_kinds[k], length) == 0 && p[length] == ':') {
                Kefu__V1__LeaveTaken init = KEFU__V1__LEAVE_TAKEN__INIT;
                slots[row->n_leave] = init;
                slots[row->n_leave].kind = (char *)leave_kinds[k];
                slots[row->n_leave].minutes = atoi (p + length + 1);
                row->leave[row->n_leave] = &slots[row->n_leave];
                row->n_leave++;
                break;
            }
        }
    }
}

/*  Build the report the call asks for into `self`: true, or false when the
 *  call has been answered (bad month, too many people, database failure).
 *  Records the reading as `audit_action` in the same transaction. */
static bool
report_build (kefu_call_t *call, report_t *self, const char *audit_action)
{
    const Kefu__V1__AttendanceReportRequest *request =
        (const Kefu__V1__AttendanceReportRequest *)kefu_call_payload (call);
    const scheduling_state_t *state = kefu_call_state (call);
    int64_t from_s, until_s;
    if (!month_bounds (request->month, state->attendance_zone, &from_s, &until_s)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "month",
                        "month must be YYYY-MM, e.g. 2026-11");
        return false;
    }
    kefu_db_t *db = kefu_call_db (call);
    scheduling_staff_rows_t caller = {0};
    int64_t only_staff_id = 0;
    if (kefu_db_begin (db) != 0)
        goto failed;
    if (!(kefu_call_roles (call) & REPORT_READERS)) {
        int found = scheduling_caller_staff (call, false, &caller);
        if (found < 0)
            goto failed;
        if (found == 1)
            return false;
        only_staff_id = caller.row.staff.id;
    }
    self->result = scheduling_store_attendance_report (
        db, from_s * MS_PER_SECOND, until_s * MS_PER_SECOND, only_staff_id, REPORT_PEOPLE_MAX + 1);
    if (!self->result)
        goto failed;
    size_t count = (size_t)PQntuples (self->result);
    if (count > REPORT_PEOPLE_MAX) {
        scheduling_staff_rows_release (&caller);
        refuse (call, KEFU__V1__CODE__INVALID_ARGUMENT, "report-too-large",
                "the month has more people than one report holds");
        return false;
    }
    self->rows = calloc (count + 1, sizeof *self->rows);
    self->row_pointers = calloc (count + 1, sizeof *self->row_pointers);
    self->leave = calloc ((count + 1) * LEAVE_KIND_COUNT, sizeof *self->leave);
    self->leave_pointers = calloc ((count + 1) * LEAVE_KIND_COUNT, sizeof *self->leave_pointers);
    if (!self->rows || !self->row_pointers || !self->leave || !self->leave_pointers)
        goto failed;
    Kefu__V1__AttendanceReport init = KEFU__V1__ATTENDANCE_REPORT__INIT;
    self->report = init;
    snprintf (self->month, sizeof self->month, "%s", request->month);
    kefu_time_format_rfc3339 (from_s * MS_PER_SECOND, self->from);
    kefu_time_format_rfc3339 (until_s * MS_PER_SECOND, self->until);
    self->report.month = self->month;
    self->report.zone = (char *)kefu_tz_name (state->attendance_zone);
    self->report.from = self->from;
    self->report.until = self->until;
    for (size_t i = 0; i < count; i++) {
        Kefu__V1__AttendanceReportRow row_init = KEFU__V1__ATTENDANCE_REPORT_ROW__INIT;
        Kefu__V1__AttendanceReportRow *row = &self->rows[i];
        *row = row_init;
        int r = (int)i;
        row->staff_no = PQgetvalue (self->result, r, 0);
        row->name = PQgetvalue (self->result, r, 1);
        row->shifts = (int32_t)kefu_db_int64 (self->result, r, 2);
        row->scheduled_minutes = (int32_t)kefu_db_int64 (self->result, r, 3);
        row->worked_minutes = (int32_t)kefu_db_int64 (self->result, r, 4);
        row->late_count = (int32_t)kefu_db_int64 (self->result, r, 5);
        row->late_minutes = (int32_t)kefu_db_int64 (self->result, r, 6);
        row->absences = (int32_t)kefu_db_int64 (self->result, r, 7);
        row->violations = (int32_t)kefu_db_int64 (self->result, r, 8);
        report_row_leave (self, i, PQgetvalue (self->result, r, 9));
        self->row_pointers[i] = row;
    }
    self->report.items = self->row_pointers;
    self->report.n_items = count;
    char resource[RESOURCE_MAX];
    snprintf (resource, sizeof resource, "attendance/report/%s", self->month);
    if (kefu_audit_record (call, audit_action, resource, NULL, (uint32_t)count) != 0 ||
        kefu_db_commit (db) != 0)
        goto failed;
    scheduling_staff_rows_release (&caller);
    return true;
failed:
    scheduling_staff_rows_release (&caller);
    kefu_call_fail_db_rollback (call);
    return false;
}

void
scheduling_attendance_report (kefu_call_t *call)
{
    report_t report = {0};
    if (report_build (call, &report, "attendance.report_read"))
        kefu_call_reply (call, &report.report.base);
    report_release (&report);
}

/*  The report as CSV: a header line, then a line per person; leave in
 *  minutes per kind, one column each. */
void
scheduling_attendance_report_csv (kefu_call_t *call)
{
    report_t report = {0};
    if (!report_build (call, &report, "attendance.report_exported")) {
        report_release (&report);
        return;
    }
    kefu_strbuf_t csv;
    kefu_strbuf_init (&csv);
    static const char *const columns[] = {"staff_no",          "name",           "shifts",
                                          "scheduled_minutes", "worked_minutes", "late_count",
                                          "late_minutes",      "absences",       "violations"};
    for (size_t c = 0; c < sizeof columns / sizeof columns[0]; c++)
        kefu_csv_field (&csv, columns[c], c == 0);
    for (size_t k = 0; k < LEAVE_KIND_COUNT; k++)
        kefu_strbuf_appendf (&csv, ",leave_%s_minutes", leave_kinds[k]);
    kefu_csv_end_record (&csv);
    for (size_t i = 0; i < report.report.n_items; i++) {
        const Kefu__V1__AttendanceReportRow *row = report.report.items[i];
        kefu_csv_field (&csv, row->staff_no, true);
        kefu_csv_field (&csv, row->name, false);
        const int32_t numbers[] = {row->shifts,     row->scheduled_minutes, row->worked_minutes,
                                   row->late_count, row->late_minutes,      row->absences,
                                   row->violations};
        for (size_t n = 0; n < sizeof numbers / sizeof numbers[0]; n++)
            kefu_csv_number (&csv, numbers[n], false);
        for (size_t k = 0; k < LEAVE_KIND_COUNT; k++) {
            int32_t minutes = 0;
            for (size_t l = 0; l < row->n_leave; l++)
                if (strcmp (row->leave[l]->kind, leave_kinds[k]) == 0)
                    minutes = row->leave[l]->minutes;
            kefu_csv_number (&csv, minutes, false);
        }
        kefu_csv_end_record (&csv);
    }
    if (!kefu_strbuf_ok (&csv)) {
        kefu_call_fail (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "out of memory");
    } else {
        char filename[sizeof "attendance-YYYY-MM.csv" + MONTH_TEXT_SIZE];
        snprintf (filename, sizeof filename, "attendance-%s.csv", report.month);
        Kefu__V1__Document document = KEFU__V1__DOCUMENT__INIT;
        document.content_type = "text/csv; charset=utf-8";
        document.filename = filename;
        document.body.data = (uint8_t *)kefu_strbuf_data (&csv);
        document.body.len = kefu_strbuf_length (&csv);
        kefu_call_reply (call, &document.base);
    }
    kefu_strbuf_release (&csv);
    report_release (&report);
}

/* --- sweeps --------------------------------------------------------------- */

/*  The actor of the ticker's records. */
static Kefu__V1__Actor
system_actor (void)
{
    Kefu__V1__Actor actor = KEFU__V1__ACTOR__INIT;
    actor.staff_id = "system:attendance";
    actor.terminal = "";
    actor.session_id = "";
    return actor;
}

/*  Record absences (see scheduling_store_absences_record) with an event and
 *  an audit record each, in one transaction. The number recorded, or -1. */
static int
absences_sweep (kefu_db_t *db, int64_t now_ms, const scheduling_state_t *state, bool no_show)
{
    if (kefu_db_begin (db) != 0)
        return -1;
    PGresult *result = scheduling_store_absences_record (
        db, no_show, now_ms, state->attendance_violation_ms, ABSENCE_LOOKBACK_MS, ABSENCE_BATCH);
    if (!result) {
        kefu_db_rollback (db);
        return -1;
    }
    Kefu__V1__Actor actor = system_actor ();
    int count = PQntuples (result);
    for (int i = 0; i < count; i++) {
        Kefu__V1__AttendanceAbsence absence = KEFU__V1__ATTENDANCE_ABSENCE__INIT;
        absence.shift_id = kefu_db_int64 (result, i, 0);
        absence.staff_no = PQgetvalue (result, i, 1);
        absence.cause = PQgetvalue (result, i, 2);
        absence.leave_id = kefu_db_int64 (result, i, 3);
        absence.shift_starts_at = PQgetvalue (result, i, 4);
        char resource[RESOURCE_MAX];
        snprintf (resource, sizeof resource, "shift/%" PRId64, absence.shift_id);
        if (kefu_outbox_append_message (db, "attendance.absent", resource, &absence.base) != 0 ||
            kefu_audit_record_system (db, &actor, "attendance.absent", resource, absence.cause,
                                      1) != 0) {
            PQclear (result);
            kefu_db_rollback (db);
            return -1;
        }
    }
    PQclear (result);
    if (kefu_db_commit (db) != 0) {
        kefu_db_rollback (db);
        return -1;
    }
    return count;
}

int
scheduling_leave_undecided_sweep (kefu_db_t *db, int64_t now_ms, void *arg)
{
    return absences_sweep (db, now_ms, arg, false);
}

int
scheduling_attendance_no_show_sweep (kefu_db_t *db, int64_t now_ms, void *arg)
{
    return absences_sweep (db, now_ms, arg, true);
}

int
scheduling_attendance_report_due_sweep (kefu_db_t *db, int64_t now_ms, void *arg)
{
    const scheduling_state_t *state = arg;
    int64_t days = kefu_tz_local_day (state->attendance_zone, now_ms);
    int64_t year;
    int month, day;
    kefu_time_civil_from_days (days, &year, &month, &day);
    if (day < REPORT_DUE_DAY)
        return 0;
    char first_day[DATE_TEXT_SIZE + 8], month_text[MONTH_TEXT_SIZE + 8], due_on[DATE_TEXT_SIZE + 8];
    snprintf (first_day, sizeof first_day, "%04" PRId64 "-%02d-01", year, month);
    snprintf (month_text, sizeof month_text, "%04" PRId64 "-%02d", year, month);
    snprintf (due_on, sizeof due_on, "%04" PRId64 "-%02d-%02d", year, month, REPORT_DUE_DAY);
    if (kefu_db_begin (db) != 0)
        return -1;
    int raised = scheduling_store_report_reminder (db, first_day, now_ms);
    if (raised != 0) {
        kefu_db_rollback (db);
        return raised < 0 ? -1 : 0;
    }
    char resource[RESOURCE_MAX];
    snprintf (resource, sizeof resource, "attendance/report/%s", month_text);
    Kefu__V1__AttendanceReportDue due = KEFU__V1__ATTENDANCE_REPORT_DUE__INIT;
    due.month = month_text;
    due.due_on = due_on;
    due.zone = (char *)kefu_tz_name (state->attendance_zone);
    Kefu__V1__Actor actor = system_actor ();
    if (kefu_outbox_append_message (db, "attendance.report_due", resource, &due.base) != 0 ||
        kefu_audit_record_system (db, &actor, "attendance.report_due", resource, NULL, 0) != 0 ||
        kefu_db_commit (db) != 0) {
        kefu_db_rollback (db);
        return -1;
    }
    return 1;
}
