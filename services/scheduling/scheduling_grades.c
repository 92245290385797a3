/*  scheduling_grades: evaluations, titles, the eligibility report and
 *  grade changes (SCH-10). See scheduling_grades.h; the criteria are data
 *  in scheduling_grade_rules.c, the SQL in scheduling_grades_store.c.
 */
#include "scheduling_grades.h"
#include "scheduling_creation.h"
#include "scheduling_grade_rules.h"
#include "scheduling_grades_store.h"
#include "scheduling_store.h"

#include "kefu/v1/grades.pb-c.h"
#include "kefu_audit.h"
#include "kefu_outbox.h"
#include "kefu_roles.h"
#include "kefu_text.h"
#include "kefu_time.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    NOTE_MAX = 2000,
    REASON_MAX = 2000,
    TITLE_NAME_MAX = 50,
    RULE_NAME_MAX = GRADE_RULE_NAME_SIZE - 1,
    /*  A department's ranking: 1 = best. */
    RANK_MAX = 10000,
    SCORE_MAX = 100,
    RESOURCE_MAX = 96,
    REPORT_DEFAULT = 50,
    REPORT_MAX = 200,
    /*  Demotion rules one grade has, at most (three today). */
    WARNINGS_MAX = 8,
    MONTH_TEXT_LENGTH = 7, /* YYYY-MM */
    MS_PER_DAY = 86400000
};

/*  Who records evaluations, awards titles, reads the report and proposes
 *  grade changes; who decides them. The gateway admits the same roles. */
#define GRADE_EVALUATORS (KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER)
#define GRADE_DECIDERS   KEFU_ROLE_MANAGER

static const char *const evaluation_kinds[] = {"monthly", "quarterly", NULL};
static const char *const monthly_results[] = {"pass", "fail", NULL};
static const char *const quarterly_grades[] = {"A", "B", "C", "D", NULL};

/* --- common checks -------------------------------------------------------- */

static void
staff_resource (int64_t id, char *out)
{
    snprintf (out, RESOURCE_MAX, "staff/%" PRId64, id);
}

/*  Load person `id` inside the open transaction. 0: loaded; 1: answered
 *  (not found, rolled back); -1: database failure. */
static int
person_load (kefu_call_t *call, int64_t id, bool for_update, grades_people_t *person)
{
    int found = grades_store_person (kefu_call_db (call), id, for_update, person);
    if (found == 1)
        kefu_call_fail_rollback (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                                 "staff %" PRId64 " not found", id);
    return found;
}

/*  Nobody records, proposes or decides about their own grade. */
static bool
not_self (kefu_call_t *call, const grades_person_t *person)
{
    if (strcmp (person->staff_no, kefu_call_staff_id (call)) != 0)
        return true;
    kefu_call_fail_rollback (call, KEFU__V1__CODE__PERMISSION_DENIED, "own-grade", NULL,
                             "nobody evaluates, proposes or decides about their own grade");
    return false;
}

static bool
person_active (kefu_call_t *call, const grades_person_t *person)
{
    if (strcmp (person->status, "active") == 0)
        return true;
    kefu_call_fail_rollback (call, KEFU__V1__CODE__FAILED_PRECONDITION, "staff-not-active", NULL,
                             "staff %" PRId64 " is %s", person->id, person->status);
    return false;
}

/*  The current month (UTC) by the service's clock. */
static int
current_month (void)
{
    return grade_month_of_ms (kefu_time_now_ms ());
}

/*  A month asked about ("at"): YYYY-MM, not after the current month. */
static bool
at_ok (kefu_call_t *call, const char *at, int *month)
{
    if (!grade_month_parse (at, month)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "at",
                        "at must be a month, YYYY-MM");
        return false;
    }
    if (*month > current_month ()) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "period-in-future", "at",
                        "at is a month that has not begun");
        return false;
    }
    return true;
}

/*  The values of an evaluation of `kind`: monthly has a rank and a result,
 *  quarterly a grade; both a score. */
static bool
evaluation_values_ok (kefu_call_t *call, const char *kind, const grades_evaluation_values_t *values)
{
    if (!isfinite (values->score) || values->score < 0 || values->score > SCORE_MAX) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "score",
                        "score must be 0 to %d", SCORE_MAX);
        return false;
    }
    if (!kefu_call_check_text (call, "note", values->note, KEFU_TEXT_MULTILINE, NOTE_MAX, false))
        return false;
    if (strcmp (kind, "monthly") == 0) {
        if (values->rank < 1 || values->rank > RANK_MAX) {
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "rank",
                            "a monthly evaluation has a rank from 1 (best) to %d", RANK_MAX);
            return false;
        }
        if (!kefu_text_one_of (values->result, monthly_results)) {
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "result",
                            "a monthly evaluation has a result: pass or fail");
            return false;
        }
        if (*values->grade) {
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "grade",
                            "a monthly evaluation has no grade");
            return false;
        }
        return true;
    }
    if (!kefu_text_one_of (values->grade, quarterly_grades)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "grade",
                        "a quarterly evaluation has a grade: A, B, C or D");
        return false;
    }
    if (values->rank != 0 || *values->result) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field",
                        values->rank ? "rank" : "result",
                        "a quarterly evaluation has no rank and no result");
        return false;
    }
    return true;
}

/*  The period of an evaluation of `kind`, not one still to come. */
static bool
period_ok (kefu_call_t *call, const char *kind, const char *period)
{
    int number, first_month;
    if (strcmp (kind, "monthly") == 0) {
        if (!grade_month_parse (period, &number)) {
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "period",
                            "a monthly period is YYYY-MM");
            return false;
        }
        first_month = number;
    } else {
        if (!grade_quarter_parse (period, &number)) {
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "period",
                            "a quarterly period is YYYY-Qn, n from 1 to 4");
            return false;
        }
        first_month = grade_quarter_last_month (number) - 2;
    }
    if (first_month > current_month ()) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "period-in-future", "period",
                        "period %s has not begun", period);
        return false;
    }
    return true;
}

/* --- a person's history for the rules ------------------------------------- */

typedef struct {
    grades_evaluation_rows_t monthly_rows;
    grades_evaluation_rows_t quarterly_rows;
    grades_title_rows_t title_rows;
    grade_monthly_t *monthly;
    grade_quarterly_t *quarterly;
    grade_title_t *titles;
    grade_history_t history;
} history_storage_t;

static void
history_release (history_storage_t *storage)
{
    grades_evaluation_rows_release (&storage->monthly_rows);
    grades_evaluation_rows_release (&storage->quarterly_rows);
    grades_title_rows_release (&storage->title_rows);
    free (storage->monthly);
    free (storage->quarterly);
    free (storage->titles);
    memset (storage, 0, sizeof *storage);
}

/*  Load what the rules judge of `person`. 0 or -1 (a database failure, or
 *  out of memory). */
static int
history_load (kefu_db_t *db, const grades_person_t *person, history_storage_t *storage)
{
    memset (storage, 0, sizeof *storage);
    if (grades_store_evaluations (db, person->id, "monthly", &storage->monthly_rows) != 0 ||
        grades_store_evaluations (db, person->id, "quarterly", &storage->quarterly_rows) != 0 ||
        grades_store_titles (db, person->id, &storage->title_rows) != 0)
        return -1;
    size_t monthly_count = storage->monthly_rows.count,
           quarterly_count = storage->quarterly_rows.count, title_count = storage->title_rows.count;
    storage->monthly = calloc (monthly_count ? monthly_count : 1, sizeof *storage->monthly);
    storage->quarterly = calloc (quarterly_count ? quarterly_count : 1, sizeof *storage->quarterly);
    storage->titles = calloc (title_count ? title_count : 1, sizeof *storage->titles);
    if (!storage->monthly || !storage->quarterly || !storage->titles)
        return -1;
    /*  The table's CHECKs keep periods well-formed: a row that still fails
     *  to parse is skipped rather than judged wrongly. */
    size_t used = 0;
    for (size_t i = 0; i < monthly_count; i++) {
        const Kefu__V1__Evaluation *evaluation = &storage->monthly_rows.items[i];
        grade_monthly_t *monthly = &storage->monthly[used];
        if (!grade_month_parse (evaluation->period, &monthly->month))
            continue;
        monthly->rank = evaluation->rank;
        monthly->passed = strcmp (evaluation->result, "pass") == 0;
        used++;
    }
    storage->history.monthly = storage->monthly;
    storage->history.monthly_count = used;
    used = 0;
    for (size_t i = 0; i < quarterly_count; i++) {
        const Kefu__V1__Evaluation *evaluation = &storage->quarterly_rows.items[i];
        grade_quarterly_t *quarterly = &storage->quarterly[used];
        if (!grade_quarter_parse (evaluation->period, &quarterly->quarter))
            continue;
        quarterly->grade = evaluation->grade[0];
        used++;
    }
    storage->history.quarterly = storage->quarterly;
    storage->history.quarterly_count = used;
    used = 0;
    for (size_t i = 0; i < title_count; i++) {
        const Kefu__V1__Title *title = &storage->title_rows.items[i];
        char month_text[MONTH_TEXT_LENGTH + 1];
        snprintf (month_text, sizeof month_text, "%.*s", MONTH_TEXT_LENGTH, title->awarded_on);
        if (!grade_month_parse (month_text, &storage->titles[used].month))
            continue;
        storage->titles[used++].name = title->name;
    }
    storage->history.titles = storage->titles;
    storage->history.title_count = used;
    storage->history.joined_ms = person->joined_ms;
    storage->history.grade_since_ms = person->grade_since_ms;
    return 0;
}

/*  Tenure is counted to the end of the month judged, or to now if that is
 *  sooner: a report on the current month shows today's figures. */
static int64_t
reference_ms (int at_month)
{
    int64_t end_ms = grade_month_start_ms (at_month + 1);
    int64_t now_ms = kefu_time_now_ms ();
    return now_ms < end_ms ? now_ms : end_ms;
}

/* --- Idempotency-Key (scheduling_creation) -------------------------------- */

/*  Audit a replayed answer and end the transaction. */
static int
key_replayed (kefu_call_t *call, const char *resource)
{
    return kefu_audit_record (call, "grade.create_replayed", resource, NULL, 1) == 0 &&
                   kefu_db_commit (kefu_call_db (call)) == 0
               ? 0
               : -1;
}

/* --- grades.record_evaluation --------------------------------------------- */

void
scheduling_grades_record_evaluation (kefu_call_t *call)
{
    const Kefu__V1__RecordEvaluationRequest *request =
        (const Kefu__V1__RecordEvaluationRequest *)kefu_call_payload (call);
    if (!kefu_call_roles_require (call, GRADE_EVALUATORS,
                                  "only a supervisor or manager may do this") ||
        !scheduling_creation_key_ok (call))
        return;
    if (!kefu_text_one_of (request->kind, evaluation_kinds)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "kind",
                        "kind must be monthly or quarterly");
        return;
    }
    const grades_evaluation_values_t values = {request->score, request->rank, request->result,
                                               request->grade, request->note};
    if (!period_ok (call, request->kind, request->period) ||
        !evaluation_values_ok (call, request->kind, &values))
        return;
    kefu_db_t *db = kefu_call_db (call);
    grades_people_t person = {0};
    grades_evaluation_rows_t rows = {0};
    char resource[RESOURCE_MAX];
    staff_resource (request->staff_id, resource);
    if (kefu_db_begin (db) != 0)
        goto failed;
    int64_t created_id = 0;
    scheduling_creation_t claim =
        scheduling_creation_claim (call, SCHEDULING_CREATION_EVALUATION, &created_id);
    if (claim == SCHEDULING_CREATION_FAILED)
        goto failed;
    if (claim == SCHEDULING_CREATION_ANSWERED)
        goto answered;
    if (claim == SCHEDULING_CREATION_REPLAY) {
        if (grades_store_evaluation_by_id (db, created_id, false, &rows) != 0 ||
            key_replayed (call, resource) != 0)
            goto failed;
        kefu_call_reply (call, &rows.items[0].base);
        goto answered;
    }
    int loaded = person_load (call, request->staff_id, false, &person);
    if (loaded < 0)
        goto failed;
    if (loaded > 0 || !not_self (call, &person.people[0]))
        goto answered;
    if (strcmp (person.people[0].status, "departed") == 0) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__FAILED_PRECONDITION, "staff-not-active",
                                 NULL, "staff %" PRId64 " has departed", request->staff_id);
        goto answered;
    }
    int inserted = grades_store_evaluation_insert (
        db, request->staff_id, request->kind, request->period, &values, kefu_call_staff_id (call),
        kefu_time_now_ms (), &rows);
    if (inserted < 0)
        goto failed;
    if (inserted == 1) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__CONFLICT, "evaluation-exists", "period",
                                 "staff %" PRId64 " has a %s evaluation for %s: amend it instead",
                                 request->staff_id, request->kind, request->period);
        goto answered;
    }
    if (scheduling_creation_bind (call, rows.items[0].id) != 0 ||
        kefu_audit_commit_change (call, "grade.evaluation_recorded", resource, NULL, 1,
                                  &rows.items[0].base) != 0)
        goto failed;
    goto answered;
failed:
    kefu_call_fail_db_rollback (call);
answered:
    grades_people_release (&person);
    grades_evaluation_rows_release (&rows);
}

/* --- grades.amend_evaluation ---------------------------------------------- */

void
scheduling_grades_amend_evaluation (kefu_call_t *call)
{
    const Kefu__V1__AmendEvaluationRequest *request =
        (const Kefu__V1__AmendEvaluationRequest *)kefu_call_payload (call);
    if (!kefu_call_roles_require (call, GRADE_EVALUATORS,
                                  "only a supervisor or manager may do this") ||
        !kefu_call_check_text (call, "reason", request->reason, KEFU_TEXT_MULTILINE, REASON_MAX,
                               true))
        return;
    const grades_evaluation_values_t values = {request->score, request->rank, request->result,
                                               request->grade, request->note};
    kefu_db_t *db = kefu_call_db (call);
    grades_people_t person = {0};
    grades_evaluation_rows_t current = {0}, updated = {0};
    if (kefu_db_begin (db) != 0)
        goto failed;
    int found = grades_store_evaluation_by_id (db, request->id, true, &current);
    if (found < 0)
        goto failed;
    if (found == 1) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                                 "evaluation %" PRId64 " not found", request->id);
        goto answered;
    }
    const Kefu__V1__Evaluation *evaluation = &current.items[0];
    /*  Values are checked against the evaluation's kind, known only now. */
    if (!evaluation_values_ok (call, evaluation->kind, &values)) {
        kefu_db_rollback (db);
        goto answered;
    }
    if (request->version && request->version != evaluation->version) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__STALE_VERSION, "stale-version", "If-Match",
                                 "evaluation %" PRId64 " is at version %d", request->id,
                                 evaluation->version);
        goto answered;
    }
    int loaded = person_load (call, evaluation->staff_id, false, &person);
    if (loaded < 0)
        goto failed;
    if (loaded > 0 || !not_self (call, &person.people[0]))
        goto answered;
    char resource[RESOURCE_MAX];
    staff_resource (evaluation->staff_id, resource);
    if (grades_store_evaluation_amend (db, request->id, &values, request->reason,
                                       kefu_call_staff_id (call), kefu_time_now_ms (),
                                       &updated) != 0 ||
        kefu_audit_commit_change (call, "grade.evaluation_amended", resource, request->reason, 1,
                                  &updated.items[0].base) != 0)
        goto failed;
    goto answered;
failed:
    kefu_call_fail_db_rollback (call);
answered:
    grades_people_release (&person);
    grades_evaluation_rows_release (&current);
    grades_evaluation_rows_release (&updated);
}

/* --- grades.award_title --------------------------------------------------- */

/*  A day "YYYY-MM-DD" that exists and is not after today. */
static bool
awarded_on_ok (kefu_call_t *call, const char *text)
{
    int year, month, day;
    const char *p = text;
    if (!kefu_time_read_date (&p, &year, &month, &day) || *p) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "awarded_on",
                        "awarded_on must be a date, YYYY-MM-DD");
        return false;
    }
    int64_t today = kefu_time_now_ms () / MS_PER_DAY;
    if (kefu_time_days_from_civil (year, month, day) > today) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "period-in-future", "awarded_on",
                        "awarded_on is a day still to come");
        return false;
    }
    return true;
}

void
scheduling_grades_award_title (kefu_call_t *call)
{
    const Kefu__V1__AwardTitleRequest *request =
        (const Kefu__V1__AwardTitleRequest *)kefu_call_payload (call);
    if (!kefu_call_roles_require (call, GRADE_EVALUATORS,
                                  "only a supervisor or manager may do this") ||
        !scheduling_creation_key_ok (call) ||
        !kefu_call_check_text (call, "name", request->name, KEFU_TEXT_LINE, TITLE_NAME_MAX, true) ||
        !awarded_on_ok (call, request->awarded_on) ||
        !kefu_call_check_text (call, "note", request->note, KEFU_TEXT_MULTILINE, NOTE_MAX, false))
        return;
    kefu_db_t *db = kefu_call_db (call);
    grades_people_t person = {0};
    grades_title_rows_t rows = {0};
    char resource[RESOURCE_MAX];
    staff_resource (request->staff_id, resource);
    if (kefu_db_begin (db) != 0)
        goto failed;
    int64_t created_id = 0;
    scheduling_creation_t claim =
        scheduling_creation_claim (call, SCHEDULING_CREATION_TITLE, &created_id);
    if (claim == SCHEDULING_CREATION_FAILED)
        goto failed;
    if (claim == SCHEDULING_CREATION_ANSWERED)
        goto answered;
    if (claim == SCHEDULING_CREATION_REPLAY) {
        if (grades_store_title_by_id (db, created_id, &rows) != 0 ||
            key_replayed (call, resource) != 0)
            goto failed;
        kefu_call_reply (call, &rows.items[0].base);
        goto answered;
    }
    int loaded = person_load (call, request->staff_id, false, &person);
    if (loaded < 0)
        goto failed;
    if (loaded > 0 || !not_self (call, &person.people[0]))
        goto answered;
    if (strcmp (person.people[0].status, "departed") == 0) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__FAILED_PRECONDITION, "staff-not-active",
                                 NULL, "staff %" PRId64 " has departed", request->staff_id);
        goto answered;
    }
    int inserted = grades_store_title_insert (
        db, request->staff_id, request->name, request->awarded_on, request->note,
        kefu_call_staff_id (call), kefu_time_now_ms (), &rows);
    if (inserted < 0)
        goto failed;
    if (inserted == 1) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__CONFLICT, "title-exists", "awarded_on",
                                 "staff %" PRId64 " was awarded %s on %s already",
                                 request->staff_id, request->name, request->awarded_on);
        goto answered;
    }
    if (scheduling_creation_bind (call, rows.items[0].id) != 0 ||
        kefu_audit_commit_change (call, "grade.title_awarded", resource, NULL, 1,
                                  &rows.items[0].base) != 0)
        goto failed;
    goto answered;
failed:
    kefu_call_fail_db_rollback (call);
answered:
    grades_people_release (&person);
    grades_title_rows_release (&rows);
}

/* --- grades.history ------------------------------------------------------- */

void
scheduling_grades_history (kefu_call_t *call)
{
    const Kefu__V1__EvaluationHistoryRequest *request =
        (const Kefu__V1__EvaluationHistoryRequest *)kefu_call_payload (call);
    kefu_db_t *db = kefu_call_db (call);
    grades_people_t person = {0};
    grades_evaluation_rows_t monthly = {0}, quarterly = {0};
    grades_title_rows_t titles = {0};
    grades_amendment_rows_t amendments = {0};
    grades_change_rows_t changes = {0};
    char resource[RESOURCE_MAX];
    staff_resource (request->staff_id, resource);
    if (kefu_db_begin (db) != 0)
        goto failed;
    int loaded = person_load (call, request->staff_id, false, &person);
    if (loaded < 0)
        goto failed;
    if (loaded > 0)
        goto answered;
    /*  The person themself, or those who evaluate. */
    if (!(kefu_call_roles (call) & GRADE_EVALUATORS) &&
        strcmp (person.people[0].staff_no, kefu_call_staff_id (call)) != 0) {
        kefu_call_fail_rollback (
            call, KEFU__V1__CODE__PERMISSION_DENIED, "forbidden", NULL,
            "only the person themself, a supervisor or a manager may read these evaluations");
        goto answered;
    }
    if (grades_store_evaluations (db, request->staff_id, "monthly", &monthly) != 0 ||
        grades_store_evaluations (db, request->staff_id, "quarterly", &quarterly) != 0 ||
        grades_store_titles (db, request->staff_id, &titles) != 0 ||
        grades_store_amendments (db, request->staff_id, &amendments) != 0 ||
        grades_store_changes (db, request->staff_id, &changes) != 0 ||
        kefu_audit_record (call, "grade.history_viewed", resource, NULL, 1) != 0 ||
        kefu_db_commit (db) != 0)
        goto failed;
    Kefu__V1__EvaluationHistory reply = KEFU__V1__EVALUATION_HISTORY__INIT;
    reply.staff_id = person.people[0].id;
    reply.staff_no = (char *)person.people[0].staff_no;
    reply.grade = (char *)person.people[0].grade;
    reply.grade_since = person.people[0].grade_since;
    reply.n_monthly = monthly.count;
    reply.monthly = monthly.pointers;
    reply.n_quarterly = quarterly.count;
    reply.quarterly = quarterly.pointers;
    reply.n_titles = titles.count;
    reply.titles = titles.pointers;
    reply.n_amendments = amendments.count;
    reply.amendments = amendments.pointers;
    reply.n_changes = changes.count;
    reply.changes = changes.pointers;
    kefu_call_reply (call, &reply.base);
    goto answered;
failed:
    kefu_call_fail_db_rollback (call);
answered:
    grades_people_release (&person);
    grades_evaluation_rows_release (&monthly);
    grades_evaluation_rows_release (&quarterly);
    grades_title_rows_release (&titles);
    grades_amendment_rows_release (&amendments);
    grades_change_rows_release (&changes);
}

/* --- grades.eligibility --------------------------------------------------- */

/*  What a report owns, per person: the judgements (whose texts the
 *  messages borrow) and the messages. */
typedef struct {
    size_t count;
    Kefu__V1__EligibilityEntry *entries;
    Kefu__V1__EligibilityEntry **entry_pointers;
    grade_assessment_t *assessments;
    grade_warning_t *warnings;          /* WARNINGS_MAX per person */
    Kefu__V1__GradeCriterion *criteria; /* GRADE_CRITERIA_MAX per person */
    Kefu__V1__GradeCriterion **criterion_pointers;
    Kefu__V1__GradeWarning *warning_messages; /* WARNINGS_MAX per person */
    Kefu__V1__GradeWarning **warning_pointers;
} report_storage_t;

static void
report_release (report_storage_t *report)
{
    free (report->entries);
    free (report->entry_pointers);
    free (report->assessments);
    free (report->warnings);
    free (report->criteria);
    free (report->criterion_pointers);
    free (report->warning_messages);
    free (report->warning_pointers);
    memset (report, 0, sizeof *report);
}

static int
report_allocate (report_storage_t *report, size_t count)
{
    size_t n = count ? count : 1;
    report->count = count;
    report->entries = calloc (n, sizeof *report->entries);
    report->entry_pointers = calloc (n, sizeof *report->entry_pointers);
    report->assessments = calloc (n, sizeof *report->assessments);
    report->warnings = calloc (n * WARNINGS_MAX, sizeof *report->warnings);
    report->criteria = calloc (n * GRADE_CRITERIA_MAX, sizeof *report->criteria);
    report->criterion_pointers =
        calloc (n * GRADE_CRITERIA_MAX, sizeof *report->criterion_pointers);
    report->warning_messages = calloc (n * WARNINGS_MAX, sizeof *report->warning_messages);
    report->warning_pointers = calloc (n * WARNINGS_MAX, sizeof *report->warning_pointers);
    return report->entries && report->entry_pointers && report->assessments && report->warnings &&
                   report->criteria && report->criterion_pointers && report->warning_messages &&
                   report->warning_pointers
               ? 0
               : -1;
}

/*  Judge `person` at `at_month` into entry `index` of `report`. */
static int
report_entry (kefu_db_t *db, const grades_person_t *person, int at_month, report_storage_t *report,
              size_t index)
{
    history_storage_t storage;
    if (history_load (db, person, &storage) != 0) {
        history_release (&storage);
        return -1;
    }
    grade_t grade = grade_from_name (person->grade);
    grade_t next = grade + 1 < GRADE_COUNT ? grade + 1 : GRADE_NONE;
    grade_assessment_t *assessment = &report->assessments[index];
    grade_rules_assess (next, &storage.history, at_month, reference_ms (at_month), assessment);
    grade_warning_t *warnings = &report->warnings[index * WARNINGS_MAX];
    size_t warning_count =
        grade_rules_warnings (grade, &storage.history, at_month, warnings, WARNINGS_MAX);
    history_release (&storage);

    Kefu__V1__EligibilityEntry *entry = &report->entries[index];
    *entry = (Kefu__V1__EligibilityEntry)KEFU__V1__ELIGIBILITY_ENTRY__INIT;
    entry->staff_id = person->id;
    entry->staff_no = (char *)person->staff_no;
    entry->name = (char *)person->name;
    entry->grade = (char *)person->grade;
    entry->grade_since = (char *)person->grade_since;
    entry->next_grade = (char *)grade_name (next);
    entry->eligible = next != GRADE_NONE && assessment->all_met;
    entry->n_criteria = assessment->count;
    entry->criteria = &report->criterion_pointers[index * GRADE_CRITERIA_MAX];
    for (size_t i = 0; i < assessment->count; i++) {
        Kefu__V1__GradeCriterion *criterion = &report->criteria[index * GRADE_CRITERIA_MAX + i];
        *criterion = (Kefu__V1__GradeCriterion)KEFU__V1__GRADE_CRITERION__INIT;
        criterion->rule = assessment->items[i].rule;
        criterion->met = assessment->items[i].met;
        criterion->actual = assessment->items[i].actual;
        criterion->required = assessment->items[i].required;
        criterion->detail = assessment->items[i].detail;
        entry->criteria[i] = criterion;
    }
    entry->n_warnings = warning_count;
    entry->warnings = &report->warning_pointers[index * WARNINGS_MAX];
    for (size_t i = 0; i < warning_count; i++) {
        Kefu__V1__GradeWarning *warning = &report->warning_messages[index * WARNINGS_MAX + i];
        *warning = (Kefu__V1__GradeWarning)KEFU__V1__GRADE_WARNING__INIT;
        warning->rule = (char *)warnings[i].rule->rule;
        warning->action =
            warnings[i].rule->to_grade == GRADE_NONE ? "dismissal_may_be_considered" : "demote";
        warning->to_grade = (char *)grade_name (warnings[i].rule->to_grade);
        warning->detail = warnings[i].detail;
        entry->warnings[i] = warning;
    }
    report->entry_pointers[index] = entry;
    return 0;
}

void
scheduling_grades_eligibility (kefu_call_t *call)
{
    const Kefu__V1__EligibilityRequest *request =
        (const Kefu__V1__EligibilityRequest *)kefu_call_payload (call);
    uint32_t limit = request->limit ? request->limit : REPORT_DEFAULT;
    int at_month = current_month ();
    char at[GRADE_PERIOD_TEXT_SIZE];
    /*  Without `at`, the current month: today's figures. */
    if (!kefu_call_roles_require (call, GRADE_EVALUATORS,
                                  "only a supervisor or manager may do this") ||
        !kefu_call_check_page (call, limit, request->after, REPORT_MAX) ||
        (*request->at && !at_ok (call, request->at, &at_month)))
        return;
    grade_month_format (at_month, at);
    kefu_db_t *db = kefu_call_db (call);
    grades_people_t people = {0};
    report_storage_t report = {0};
    /*  One person more than asked tells whether there is a next page. */
    if (kefu_db_begin (db) != 0 ||
        grades_store_people_graded (db, request->after, (int)limit + 1, &people) != 0)
        goto failed;
    size_t shown = people.count > limit ? limit : people.count;
    if (report_allocate (&report, shown) != 0)
        goto failed;
    for (size_t i = 0; i < shown; i++)
        if (report_entry (db, &people.people[i], at_month, &report, i) != 0)
            goto failed;
    if (kefu_audit_record (call, "grade.eligibility_viewed", "grades/eligibility", NULL,
                           (uint32_t)shown) != 0 ||
        kefu_db_commit (db) != 0)
        goto failed;
    Kefu__V1__EligibilityReport reply = KEFU__V1__ELIGIBILITY_REPORT__INIT;
    reply.at = at;
    reply.n_items = shown;
    reply.items = report.entry_pointers;
    reply.next = people.count > limit ? people.people[shown - 1].id : 0;
    kefu_call_reply (call, &reply.base);
    goto answered;
failed:
    kefu_call_fail_db_rollback (call);
answered:
    grades_people_release (&people);
    report_release (&report);
}

/* --- grade changes -------------------------------------------------------- */

/*  Whether changing `person` from `from` to `to`, judged at `at_month`,
 *  keeps the rules: a promotion meets the criteria of `to` and skips no
 *  level unless exceptional; a demotion cites a rule of `from` leading to
 *  `to` that has triggered (a reserve supervisor: exceptional, no rule).
 *  0: it does; 1: answered (rolled back); -1: database failure. */
static int
change_rules_ok (kefu_call_t *call, const grades_person_t *person, grade_t from, grade_t to,
                 bool exceptional, const char *rule_name, int at_month)
{
    if (to > from) {
        if (*rule_name) {
            kefu_call_fail_rollback (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field",
                                     "rule", "a promotion cites no demotion rule");
            return 1;
        }
        if (to > from + 1 && !exceptional) {
            kefu_call_fail_rollback (
                call, KEFU__V1__CODE__INVALID_ARGUMENT, "grade-level-skipped", "exceptional",
                "%s to %s skips a level: only an exceptional promotion (越级) may",
                grade_name (from), grade_name (to));
            return 1;
        }
    } else if (from == GRADE_RESERVE_SUPERVISOR) {
        if (!exceptional || *rule_name || to != from - 1) {
            kefu_call_fail_rollback (
                call, KEFU__V1__CODE__INVALID_ARGUMENT, "grade-demotion-rule-not-triggered",
                "exceptional",
                "a reserve supervisor is demoted to senior only by an exceptional decision "
                "(总经办), citing no "
                "rule");
            return 1;
        }
        return 0;
    } else {
        const grade_demotion_rule_t *rule = grade_rules_demotion_named (rule_name);
        if (!rule || rule->grade != from || rule->to_grade != to) {
            kefu_call_fail_rollback (
                call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "rule",
                "a demotion from %s to %s cites one of that grade's demotion rules",
                grade_name (from), grade_name (to));
            return 1;
        }
    }
    history_storage_t storage;
    if (history_load (kefu_call_db (call), person, &storage) != 0) {
        history_release (&storage);
        return -1;
    }
    int answer = 0;
    if (to > from) {
        grade_assessment_t assessment;
        grade_rules_assess (to, &storage.history, at_month, reference_ms (at_month), &assessment);
        for (size_t i = 0; i < assessment.count && answer == 0; i++)
            if (!assessment.items[i].met) {
                kefu_call_fail_rollback (call, KEFU__V1__CODE__INVALID_ARGUMENT,
                                         "grade-criteria-not-met", assessment.items[i].rule,
                                         "%s not met: %s", assessment.items[i].rule,
                                         assessment.items[i].detail);
                answer = 1;
            }
    } else {
        grade_warning_t warnings[WARNINGS_MAX];
        size_t count =
            grade_rules_warnings (from, &storage.history, at_month, warnings, WARNINGS_MAX);
        bool triggered = false;
        for (size_t i = 0; i < count; i++)
            triggered = triggered || strcmp (warnings[i].rule->rule, rule_name) == 0;
        if (!triggered) {
            char at[GRADE_PERIOD_TEXT_SIZE];
            grade_month_format (at_month, at);
            kefu_call_fail_rollback (call, KEFU__V1__CODE__INVALID_ARGUMENT,
                                     "grade-demotion-rule-not-triggered", rule_name,
                                     "%s has not triggered by %s", rule_name, at);
            answer = 1;
        }
    }
    history_release (&storage);
    return answer;
}

static void
change_resource (int64_t id, char *out)
{
    snprintf (out, RESOURCE_MAX, "grade_change/%" PRId64, id);
}

void
scheduling_grades_propose_change (kefu_call_t *call)
{
    const Kefu__V1__ProposeGradeChangeRequest *request =
        (const Kefu__V1__ProposeGradeChangeRequest *)kefu_call_payload (call);
    int at_month;
    grade_t to = grade_from_name (request->to_grade);
    if (!kefu_call_roles_require (call, GRADE_EVALUATORS,
                                  "only a supervisor or manager may do this") ||
        !scheduling_creation_key_ok (call))
        return;
    if (to == GRADE_NONE) {
        kefu_call_fail (
            call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "to_grade",
            "to_grade must be one of: trainee, junior, intermediate, senior, reserve_supervisor");
        return;
    }
    if (!at_ok (call, request->at, &at_month) ||
        !kefu_call_check_text (call, "reason", request->reason, KEFU_TEXT_MULTILINE, REASON_MAX,
                               true) ||
        !kefu_call_check_text (call, "rule", request->rule, KEFU_TEXT_LINE, RULE_NAME_MAX, false))
        return;
    kefu_db_t *db = kefu_call_db (call);
    grades_people_t person = {0};
    grades_change_rows_t rows = {0};
    char resource[RESOURCE_MAX];
    if (kefu_db_begin (db) != 0)
        goto failed;
    int64_t created_id = 0;
    scheduling_creation_t claim =
        scheduling_creation_claim (call, SCHEDULING_CREATION_GRADE_CHANGE, &created_id);
    if (claim == SCHEDULING_CREATION_FAILED)
        goto failed;
    if (claim == SCHEDULING_CREATION_ANSWERED)
        goto answered;
    if (claim == SCHEDULING_CREATION_REPLAY) {
        change_resource (created_id, resource);
        if (grades_store_change_by_id (db, created_id, false, &rows) != 0 ||
            key_replayed (call, resource) != 0)
            goto failed;
        kefu_call_reply (call, &rows.items[0].base);
        goto answered;
    }
    int loaded = person_load (call, request->staff_id, true, &person);
    if (loaded < 0)
        goto failed;
    if (loaded > 0 || !not_self (call, &person.people[0]) ||
        !person_active (call, &person.people[0]))
        goto answered;
    grade_t from = grade_from_name (person.people[0].grade);
    if (from == GRADE_NONE) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__INVALID_ARGUMENT, "no-grade", "staff_id",
                                 "staff %" PRId64 " has no grade to change", request->staff_id);
        goto answered;
    }
    if (from == to) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field",
                                 "to_grade", "staff %" PRId64 " is %s already", request->staff_id,
                                 grade_name (from));
        goto answered;
    }
    int rules = change_rules_ok (call, &person.people[0], from, to, request->exceptional,
                                 request->rule, at_month);
    if (rules < 0)
        goto failed;
    if (rules > 0)
        goto answered;
    int inserted = grades_store_change_insert (db, request, to > from ? "promotion" : "demotion",
                                               grade_name (from), kefu_call_staff_id (call),
                                               kefu_time_now_ms (), &rows);
    if (inserted < 0)
        goto failed;
    if (inserted == 1) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__CONFLICT, "grade-change-open", "staff_id",
                                 "staff %" PRId64 " has a grade change awaiting a decision",
                                 request->staff_id);
        goto answered;
    }
    change_resource (rows.items[0].id, resource);
    if (scheduling_creation_bind (call, rows.items[0].id) != 0 ||
        kefu_audit_commit_change (call, "grade.change_proposed", resource, request->reason, 1,
                                  &rows.items[0].base) != 0)
        goto failed;
    goto answered;
failed:
    kefu_call_fail_db_rollback (call);
answered:
    grades_people_release (&person);
    grades_change_rows_release (&rows);
}

/*  Lock change `id` and check it awaits a decision. 0: locked; 1:
 *  answered (rolled back); -1: database failure. */
static int
change_lock_open (kefu_call_t *call, int64_t id, grades_change_rows_t *rows)
{
    int found = grades_store_change_by_id (kefu_call_db (call), id, true, rows);
    if (found < 0)
        return -1;
    if (found == 1) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                                 "grade change %" PRId64 " not found", id);
        return 1;
    }
    if (strcmp (rows->items[0].status, "proposed") != 0) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__FAILED_PRECONDITION, "grade-change-decided",
                                 NULL, "grade change %" PRId64 " was %s already", id,
                                 rows->items[0].status);
        return 1;
    }
    return 0;
}

void
scheduling_grades_approve_change (kefu_call_t *call)
{
    const Kefu__V1__GradeChangeDecision *request =
        (const Kefu__V1__GradeChangeDecision *)kefu_call_payload (call);
    if (!kefu_call_roles_require (call, GRADE_DECIDERS, "only a manager may do this") ||
        !kefu_call_check_text (call, "reason", request->reason, KEFU_TEXT_MULTILINE, REASON_MAX,
                               false))
        return;
    kefu_db_t *db = kefu_call_db (call);
    grades_change_rows_t change = {0}, decided = {0};
    grades_people_t person = {0};
    scheduling_staff_rows_t staff = {0};
    char resource[RESOURCE_MAX], staff_subject[RESOURCE_MAX];
    change_resource (request->id, resource);
    if (kefu_db_begin (db) != 0)
        goto failed;
    int locked = change_lock_open (call, request->id, &change);
    if (locked < 0)
        goto failed;
    if (locked > 0)
        goto answered;
    const Kefu__V1__GradeChange *proposal = &change.items[0];
    if (strcmp (proposal->proposed_by, kefu_call_staff_id (call)) == 0) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__PERMISSION_DENIED, "approver-is-proposer",
                                 NULL,
                                 "a grade change is approved by someone other than its proposer");
        goto answered;
    }
    int loaded = person_load (call, proposal->staff_id, true, &person);
    if (loaded < 0)
        goto failed;
    if (loaded > 0 || !not_self (call, &person.people[0]) ||
        !person_active (call, &person.people[0]))
        goto answered;
    if (strcmp (person.people[0].grade, proposal->from_grade) != 0) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__FAILED_PRECONDITION, "grade-changed", NULL,
                                 "staff %" PRId64 " is %s now, not %s as proposed",
                                 proposal->staff_id, person.people[0].grade, proposal->from_grade);
        goto answered;
    }
    /*  Judged again now: an evaluation may have been amended since. */
    int at_month = 0;
    grade_month_parse (proposal->at, &at_month);
    int rules = change_rules_ok (call, &person.people[0], grade_from_name (proposal->from_grade),
                                 grade_from_name (proposal->to_grade), proposal->exceptional,
                                 proposal->rule, at_month);
    if (rules < 0)
        goto failed;
    if (rules > 0)
        goto answered;
    int64_t now_ms = kefu_time_now_ms ();
    Kefu__V1__UpdateStaffRequest update = KEFU__V1__UPDATE_STAFF_REQUEST__INIT;
    update.id = proposal->staff_id;
    update.grade = proposal->to_grade;
    staff_resource (proposal->staff_id, staff_subject);
    if (grades_store_change_decide (db, request->id, "approved", kefu_call_staff_id (call),
                                    request->reason, now_ms, &decided) != 0 ||
        scheduling_store_staff_update (db, &update, now_ms, &staff) != 0 ||
        kefu_outbox_append_message (db, "grade.change_approved", resource,
                                    &decided.items[0].base) != 0 ||
        kefu_outbox_append_message (db, "staff.updated", staff_subject, &staff.row.staff.base) !=
            0 ||
        kefu_audit_record (call, "grade.change_approved", resource,
                           *request->reason ? request->reason : NULL, 1) != 0 ||
        kefu_db_commit (db) != 0)
        goto failed;
    kefu_call_reply (call, &decided.items[0].base);
    goto answered;
failed:
    kefu_call_fail_db_rollback (call);
answered:
    grades_change_rows_release (&change);
    grades_change_rows_release (&decided);
    grades_people_release (&person);
    scheduling_staff_rows_release (&staff);
}

void
scheduling_grades_refuse_change (kefu_call_t *call)
{
    const Kefu__V1__GradeChangeDecision *request =
        (const Kefu__V1__GradeChangeDecision *)kefu_call_payload (call);
    if (!kefu_call_roles_require (call, GRADE_DECIDERS, "only a manager may do this") ||
        !kefu_call_check_text (call, "reason", request->reason, KEFU_TEXT_MULTILINE, REASON_MAX,
                               true))
        return;
    kefu_db_t *db = kefu_call_db (call);
    grades_change_rows_t change = {0}, decided = {0};
    char resource[RESOURCE_MAX];
    change_resource (request->id, resource);
    if (kefu_db_begin (db) != 0)
        goto failed;
    int locked = change_lock_open (call, request->id, &change);
    if (locked < 0)
        goto failed;
    if (locked > 0)
        goto answered;
    if (grades_store_change_decide (db, request->id, "refused", kefu_call_staff_id (call),
                                    request->reason, kefu_time_now_ms (), &decided) != 0 ||
        kefu_audit_commit_change (call, "grade.change_refused", resource, request->reason, 1,
                                  &decided.items[0].base) != 0)
        goto failed;
    goto answered;
failed:
    kefu_call_fail_db_rollback (call);
answered:
    grades_change_rows_release (&change);
    grades_change_rows_release (&decided);
}

void
scheduling_grades_get_change (kefu_call_t *call)
{
    const Kefu__V1__GradeChangeDecision *request =
        (const Kefu__V1__GradeChangeDecision *)kefu_call_payload (call);
    if (!kefu_call_roles_require (call, GRADE_EVALUATORS,
                                  "only a supervisor or manager may do this"))
        return;
    kefu_db_t *db = kefu_call_db (call);
    grades_change_rows_t change = {0};
    char resource[RESOURCE_MAX];
    change_resource (request->id, resource);
    if (kefu_db_begin (db) != 0)
        goto failed;
    int found = grades_store_change_by_id (db, request->id, false, &change);
    if (found < 0)
        goto failed;
    if (found == 1) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                                 "grade change %" PRId64 " not found", request->id);
        goto answered;
    }
    if (kefu_audit_record (call, "grade.change_viewed", resource, NULL, 1) != 0 ||
        kefu_db_commit (db) != 0)
        goto failed;
    kefu_call_reply (call, &change.items[0].base);
    goto answered;
failed:
    kefu_call_fail_db_rollback (call);
answered:
    grades_change_rows_release (&change);
}
