/*  scheduling_grades_store: the SQL of grades and promotion (SCH-10), in
 *  one place. See scheduling_grades_store.h; tables in
 *  migrations/0007_grades.sql, the staff table in 0001_staff.sql.
 */
#include "scheduling_grades_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  $n::bigint milliseconds as a timestamptz. */
#define MS(n)            "to_timestamp(" n "::bigint / 1000.0)"
#define EPOCH_MS(column) "(extract(epoch FROM " column ") * 1000)::bigint"

enum { NUMBER_TEXT_SIZE = 32 };

/*  A person, and since when they hold their grade: the last approved
 *  change, else joining. */
#define PERSON_COLUMNS                                                                       \
    "s.id, s.staff_no, s.name, s.grade, s.status, " EPOCH_MS (                               \
        "s.created_at") ", "                                                                 \
                        "coalesce((SELECT " EPOCH_MS (                                       \
                            "max(c.decided_at)") " FROM grade_changes c "                    \
                                                 "  WHERE c.staff_id = s.id AND c.status = " \
                                                 "'approved'), " EPOCH_MS ("s.created_at") ")"

#define EVALUATION_COLUMNS                                                                         \
    "e.id, e.staff_id, s.staff_no, e.kind, e.period, e.score, e.rank, e.result, e.grade, e.note, " \
    "e.evaluated_by, rfc3339(e.recorded_at), e.version, rfc3339(e.updated_at)"
#define EVALUATION_FROM " FROM grade_evaluations e JOIN staff s ON s.id = e.staff_id "

#define TITLE_COLUMNS "id, staff_id, name, awarded_on::text, note, awarded_by, rfc3339(recorded_at)"

#define AMENDMENT_COLUMNS                                                                          \
    "a.evaluation_id, e.period, a.version, a.previous_score, a.previous_rank, a.previous_result, " \
    "a.previous_grade, a.previous_note, a.reason, a.amended_by, rfc3339(a.amended_at)"

#define CHANGE_COLUMNS                                                                           \
    "c.id, c.staff_id, s.staff_no, c.direction, c.from_grade, c.to_grade, c.at, c.exceptional, " \
    "c.rule, "                                                                                   \
    "c.reason, c.status, c.proposed_by, rfc3339(c.proposed_at), c.decided_by, "                  \
    "coalesce(rfc3339(c.decided_at), ''), c.decision_reason, c.version"
#define CHANGE_FROM " FROM grade_changes c JOIN staff s ON s.id = c.staff_id "

#define HISTORY_LIMIT "600" /* GRADES_HISTORY_MAX */

static const kefu_sql_t sql_person = {"grades_person",
                                      "SELECT " PERSON_COLUMNS " FROM staff s WHERE s.id = $1"};
static const kefu_sql_t sql_person_for_update = {"grades_person_for_update",
                                                 "SELECT " PERSON_COLUMNS
                                                 " FROM staff s WHERE s.id = $1 FOR UPDATE OF s"};
static const kefu_sql_t sql_people_graded = {
    "grades_people_graded",
    "SELECT " PERSON_COLUMNS
    " FROM staff s WHERE s.status = 'active' AND s.grade <> '' AND s.id > $1 "
    "ORDER BY s.id LIMIT $2"};
static const kefu_sql_t sql_evaluation_insert = {
    "grades_evaluation_insert",
    "INSERT INTO grade_evaluations (staff_id, kind, period, score, rank, result, grade, note, "
    "evaluated_by, "
    "  recorded_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, " MS ("$10") ", " MS (
        "$10") ") "
               "ON CONFLICT (staff_id, kind, period) DO NOTHING RETURNING id"};
static const kefu_sql_t sql_evaluation_by_id = {
    "grades_evaluation_by_id", "SELECT " EVALUATION_COLUMNS EVALUATION_FROM "WHERE e.id = $1"};
static const kefu_sql_t sql_evaluation_by_id_for_update = {
    "grades_evaluation_by_id_for_update",
    "SELECT " EVALUATION_COLUMNS EVALUATION_FROM "WHERE e.id = $1 FOR UPDATE OF e"};
static const kefu_sql_t sql_amendment_insert = {
    "grades_amendment_insert",
    "INSERT INTO grade_evaluation_amendments (evaluation_id, version, previous_score, "
    "previous_rank, "
    "  previous_result, previous_grade, previous_note, reason, amended_by, amended_at) "
    "SELECT id, version + 1, score, rank, result, grade, note, $2, $3, " MS (
        "$4") " FROM grade_evaluations WHERE id = $1"};
static const kefu_sql_t sql_evaluation_update = {
    "grades_evaluation_update",
    "UPDATE grade_evaluations SET score = $2, rank = $3, result = $4, grade = $5, note = $6, "
    "  version = version + 1, updated_at = " MS ("$7") " WHERE id = $1"};
static const kefu_sql_t sql_evaluations = {
    "grades_evaluations", "SELECT " EVALUATION_COLUMNS EVALUATION_FROM
                          "WHERE e.staff_id = $1 AND e.kind = $2 ORDER BY e.period "
                          "LIMIT " HISTORY_LIMIT};
static const kefu_sql_t sql_title_insert = {
    "grades_title_insert",
    "INSERT INTO grade_titles (staff_id, name, awarded_on, note, awarded_by, recorded_at) "
    "VALUES ($1, $2, $3::date, $4, $5, " MS (
        "$6") ") ON CONFLICT (staff_id, name, awarded_on) DO NOTHING "
              "RETURNING " TITLE_COLUMNS};
static const kefu_sql_t sql_title_by_id = {
    "grades_title_by_id", "SELECT " TITLE_COLUMNS " FROM grade_titles WHERE id = $1"};
static const kefu_sql_t sql_titles = {
    "grades_titles",
    "SELECT " TITLE_COLUMNS
    " FROM grade_titles WHERE staff_id = $1 ORDER BY awarded_on, id LIMIT " HISTORY_LIMIT};
static const kefu_sql_t sql_amendments = {
    "grades_amendments", "SELECT " AMENDMENT_COLUMNS " FROM grade_evaluation_amendments a "
                         "JOIN grade_evaluations e ON e.id = a.evaluation_id WHERE e.staff_id = $1 "
                         "ORDER BY a.id LIMIT " HISTORY_LIMIT};
static const kefu_sql_t sql_changes = {"grades_changes",
                                       "SELECT " CHANGE_COLUMNS CHANGE_FROM
                                       "WHERE c.staff_id = $1 ORDER BY c.id LIMIT " HISTORY_LIMIT};
static const kefu_sql_t sql_change_insert = {
    "grades_change_insert",
    "INSERT INTO grade_changes (staff_id, direction, from_grade, to_grade, at, exceptional, rule, "
    "reason, "
    "  proposed_by, proposed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, " MS (
        "$10") ") "
               "ON CONFLICT (staff_id) WHERE status = 'proposed' DO NOTHING RETURNING id"};
static const kefu_sql_t sql_change_by_id = {"grades_change_by_id",
                                            "SELECT " CHANGE_COLUMNS CHANGE_FROM "WHERE c.id = $1"};
static const kefu_sql_t sql_change_by_id_for_update = {"grades_change_by_id_for_update",
                                                       "SELECT " CHANGE_COLUMNS CHANGE_FROM
                                                       "WHERE c.id = $1 FOR UPDATE OF c"};
static const kefu_sql_t sql_change_decide = {
    "grades_change_decide",
    "UPDATE grade_changes SET status = $2, decided_by = $3, decision_reason = $4, decided_at "
    "= " MS ("$5") ", version = version + 1 WHERE id = $1 AND status = 'proposed'"};

/* --- rows ----------------------------------------------------------------- */

static char *
text_at (const PGresult *result, int row, int column)
{
    return PQgetvalue (result, row, column);
}

/*  Fill `count` messages of `size` bytes from `result`, each by from_row,
 *  with their pointer array. -1 when out of memory (result kept). */
typedef void (row_reader_fn) (const PGresult *result, int row, void *message);

static int
rows_read (PGresult *result, size_t size, row_reader_fn *from_row, size_t *count, void **items,
           void ***pointers)
{
    size_t rows = (size_t)PQntuples (result);
    *count = rows;
    *items = calloc (rows ? rows : 1, size);
    *pointers = calloc (rows ? rows : 1, sizeof (void *));
    if (!*items || !*pointers)
        return -1;
    for (size_t i = 0; i < rows; i++) {
        void *message = (char *)*items + i * size;
        from_row (result, (int)i, message);
        (*pointers)[i] = message;
    }
    return 0;
}

#define ROWS_RELEASE(name, type)         \
    void name##_release (name##_t *rows) \
    {                                    \
        PQclear (rows->result);          \
        free (rows->items);              \
        free (rows->pointers);           \
        memset (rows, 0, sizeof *rows);  \
    }
ROWS_RELEASE (grades_evaluation_rows, Kefu__V1__Evaluation)
ROWS_RELEASE (grades_title_rows, Kefu__V1__Title)
ROWS_RELEASE (grades_amendment_rows, Kefu__V1__EvaluationAmendment)
ROWS_RELEASE (grades_change_rows, Kefu__V1__GradeChange)

/*  Run `statement`, then read its rows into `rows` (a GRADES_ROWS type)
 *  with `reader`. 1 when `one` and there is no row. */
#define ROWS_RUN(db, statement, parameter_count, values, rows, type, reader, one)             \
    rows_run (db, statement, parameter_count, values, &(rows)->result, sizeof (type), reader, \
              &(rows)->count, (void **)&(rows)->items, (void ***)&(rows)->pointers, one)

static int
rows_run (kefu_db_t *db, const kefu_sql_t *statement, int count, const char *const *values,
          PGresult **result, size_t size, row_reader_fn *reader, size_t *rows, void **items,
          void ***pointers, bool one)
{
    *result = kefu_db_run (db, statement, count, values);
    if (!*result || rows_read (*result, size, reader, rows, items, pointers) != 0)
        return -1;
    return one && *rows == 0 ? 1 : 0;
}

static void
evaluation_from_row (const PGresult *result, int row, void *message)
{
    Kefu__V1__Evaluation *evaluation = message;
    *evaluation = (Kefu__V1__Evaluation)KEFU__V1__EVALUATION__INIT;
    evaluation->id = kefu_db_int64 (result, row, 0);
    evaluation->staff_id = kefu_db_int64 (result, row, 1);
    evaluation->staff_no = text_at (result, row, 2);
    evaluation->kind = text_at (result, row, 3);
    evaluation->period = text_at (result, row, 4);
    evaluation->score = strtod (PQgetvalue (result, row, 5), NULL);
    evaluation->rank = (int32_t)kefu_db_int64 (result, row, 6);
    evaluation->result = text_at (result, row, 7);
    evaluation->grade = text_at (result, row, 8);
    evaluation->note = text_at (result, row, 9);
    evaluation->evaluated_by = text_at (result, row, 10);
    evaluation->recorded_at = text_at (result, row, 11);
    evaluation->version = (int32_t)kefu_db_int64 (result, row, 12);
    evaluation->updated_at = text_at (result, row, 13);
}

static void
title_from_row (const PGresult *result, int row, void *message)
{
    Kefu__V1__Title *title = message;
    *title = (Kefu__V1__Title)KEFU__V1__TITLE__INIT;
    title->id = kefu_db_int64 (result, row, 0);
    title->staff_id = kefu_db_int64 (result, row, 1);
    title->name = text_at (result, row, 2);
    title->awarded_on = text_at (result, row, 3);
    title->note = text_at (result, row, 4);
    title->awarded_by = text_at (result, row, 5);
    title->recorded_at = text_at (result, row, 6);
}

static void
amendment_from_row (const PGresult *result, int row, void *message)
{
    Kefu__V1__EvaluationAmendment *amendment = message;
    *amendment = (Kefu__V1__EvaluationAmendment)KEFU__V1__EVALUATION_AMENDMENT__INIT;
    amendment->evaluation_id = kefu_db_int64 (result, row, 0);
    amendment->period = text_at (result, row, 1);
    amendment->version = (int32_t)kefu_db_int64 (result, row, 2);
    amendment->previous_score = strtod (PQgetvalue (result, row, 3), NULL);
    amendment->previous_rank = (int32_t)kefu_db_int64 (result, row, 4);
    amendment->previous_result = text_at (result, row, 5);
    amendment->previous_grade = text_at (result, row, 6);
    amendment->previous_note = text_at (result, row, 7);
    amendment->reason = text_at (result, row, 8);
    amendment->amended_by = text_at (result, row, 9);
    amendment->amended_at = text_at (result, row, 10);
}

static void
change_from_row (const PGresult *result, int row, void *message)
{
    Kefu__V1__GradeChange *change = message;
    *change = (Kefu__V1__GradeChange)KEFU__V1__GRADE_CHANGE__INIT;
    change->id = kefu_db_int64 (result, row, 0);
    change->staff_id = kefu_db_int64 (result, row, 1);
    change->staff_no = text_at (result, row, 2);
    change->direction = text_at (result, row, 3);
    change->from_grade = text_at (result, row, 4);
    change->to_grade = text_at (result, row, 5);
    change->at = text_at (result, row, 6);
    change->exceptional = kefu_db_bool (result, row, 7);
    change->rule = text_at (result, row, 8);
    change->reason = text_at (result, row, 9);
    change->status = text_at (result, row, 10);
    change->proposed_by = text_at (result, row, 11);
    change->proposed_at = text_at (result, row, 12);
    change->decided_by = text_at (result, row, 13);
    change->decided_at = text_at (result, row, 14);
    change->decision_reason = text_at (result, row, 15);
    change->version = (int32_t)kefu_db_int64 (result, row, 16);
}

/* --- people --------------------------------------------------------------- */

void
grades_people_release (grades_people_t *rows)
{
    PQclear (rows->result);
    free (rows->people);
    memset (rows, 0, sizeof *rows);
}

static int
people_read (kefu_db_t *db, const kefu_sql_t *statement, int count, const char *const *values,
             grades_people_t *rows)
{
    rows->result = kefu_db_run (db, statement, count, values);
    if (!rows->result)
        return -1;
    rows->count = (size_t)PQntuples (rows->result);
    rows->people = calloc (rows->count ? rows->count : 1, sizeof *rows->people);
    if (!rows->people)
        return -1;
    for (size_t i = 0; i < rows->count; i++) {
        grades_person_t *person = &rows->people[i];
        int row = (int)i;
        person->id = kefu_db_int64 (rows->result, row, 0);
        person->staff_no = text_at (rows->result, row, 1);
        person->name = text_at (rows->result, row, 2);
        person->grade = text_at (rows->result, row, 3);
        person->status = text_at (rows->result, row, 4);
        person->joined_ms = kefu_db_int64 (rows->result, row, 5);
        person->grade_since_ms = kefu_db_int64 (rows->result, row, 6);
        kefu_time_format_rfc3339 (person->grade_since_ms, person->grade_since);
    }
    return 0;
}

int
grades_store_person (kefu_db_t *db, int64_t id, bool for_update, grades_people_t *rows)
{
    char id_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, id);
    const char *values[] = {id_text};
    if (people_read (db, for_update ? &sql_person_for_update : &sql_person, 1, values, rows) != 0)
        return -1;
    return rows->count == 0 ? 1 : 0;
}

int
grades_store_people_graded (kefu_db_t *db, int64_t after, int limit, grades_people_t *rows)
{
    char after_text[NUMBER_TEXT_SIZE], limit_text[NUMBER_TEXT_SIZE];
    snprintf (after_text, sizeof after_text, "%" PRId64, after);
    snprintf (limit_text, sizeof limit_text, "%d", limit);
    const char *values[] = {after_text, limit_text};
    return people_read (db, &sql_people_graded, 2, values, rows);
}

/* --- evaluations ---------------------------------------------------------- */

int
grades_store_evaluation_by_id (kefu_db_t *db, int64_t id, bool for_update,
                               grades_evaluation_rows_t *rows)
{
    char id_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, id);
    const char *values[] = {id_text};
    return ROWS_RUN (db, for_update ? &sql_evaluation_by_id_for_update : &sql_evaluation_by_id, 1,
                     values, rows, Kefu__V1__Evaluation, evaluation_from_row, true);
}

int
grades_store_evaluation_insert (kefu_db_t *db, int64_t staff_id, const char *kind,
                                const char *period, const grades_evaluation_values_t *values,
                                const char *by, int64_t now_ms, grades_evaluation_rows_t *rows)
{
    char staff_text[NUMBER_TEXT_SIZE], score_text[NUMBER_TEXT_SIZE], rank_text[NUMBER_TEXT_SIZE],
        now_text[NUMBER_TEXT_SIZE];
    snprintf (staff_text, sizeof staff_text, "%" PRId64, staff_id);
    snprintf (score_text, sizeof score_text, "%.17g", values->score);
    snprintf (rank_text, sizeof rank_text, "%d", values->rank);
    snprintf (now_text, sizeof now_text, "%" PRId64, now_ms);
    const char *parameters[] = {staff_text,     kind,          period,       score_text, rank_text,
                                values->result, values->grade, values->note, by,         now_text};
    PGresult *result = kefu_db_run (db, &sql_evaluation_insert, 10, parameters);
    if (!result)
        return -1;
    if (PQntuples (result) == 0) {
        PQclear (result);
        return 1;
    }
    int64_t id = kefu_db_int64 (result, 0, 0);
    PQclear (result);
    return grades_store_evaluation_by_id (db, id, false, rows) == 0 ? 0 : -1;
}

int
grades_store_evaluation_amend (kefu_db_t *db, int64_t id, const grades_evaluation_values_t *values,
                               const char *reason, const char *by, int64_t now_ms,
                               grades_evaluation_rows_t *rows)
{
    char id_text[NUMBER_TEXT_SIZE], score_text[NUMBER_TEXT_SIZE], rank_text[NUMBER_TEXT_SIZE],
        now_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, id);
    snprintf (score_text, sizeof score_text, "%.17g", values->score);
    snprintf (rank_text, sizeof rank_text, "%d", values->rank);
    snprintf (now_text, sizeof now_text, "%" PRId64, now_ms);
    const char *kept[] = {id_text, reason, by, now_text};
    const char *updated[] = {id_text,       score_text,   rank_text, values->result,
                             values->grade, values->note, now_text};
    if (kefu_db_command (db, &sql_amendment_insert, 4, kept) != 0 ||
        kefu_db_command (db, &sql_evaluation_update, 7, updated) != 0)
        return -1;
    return grades_store_evaluation_by_id (db, id, false, rows) == 0 ? 0 : -1;
}

int
grades_store_evaluations (kefu_db_t *db, int64_t staff_id, const char *kind,
                          grades_evaluation_rows_t *rows)
{
    char staff_text[NUMBER_TEXT_SIZE];
    snprintf (staff_text, sizeof staff_text, "%" PRId64, staff_id);
    const char *values[] = {staff_text, kind};
    return ROWS_RUN (db, &sql_evaluations, 2, values, rows, Kefu__V1__Evaluation,
                     evaluation_from_row, false);
}

/* --- titles and amendments ------------------------------------------------ */

int
grades_store_title_insert (kefu_db_t *db, int64_t staff_id, const char *name,
                           const char *awarded_on, const char *note, const char *by, int64_t now_ms,
                           grades_title_rows_t *rows)
{
    char staff_text[NUMBER_TEXT_SIZE], now_text[NUMBER_TEXT_SIZE];
    snprintf (staff_text, sizeof staff_text, "%" PRId64, staff_id);
    snprintf (now_text, sizeof now_text, "%" PRId64, now_ms);
    const char *values[] = {staff_text, name, awarded_on, note, by, now_text};
    return ROWS_RUN (db, &sql_title_insert, 6, values, rows, Kefu__V1__Title, title_from_row, true);
}

int
grades_store_titles (kefu_db_t *db, int64_t staff_id, grades_title_rows_t *rows)
{
    char staff_text[NUMBER_TEXT_SIZE];
    snprintf (staff_text, sizeof staff_text, "%" PRId64, staff_id);
    const char *values[] = {staff_text};
    return ROWS_RUN (db, &sql_titles, 1, values, rows, Kefu__V1__Title, title_from_row, false);
}

int
grades_store_amendments (kefu_db_t *db, int64_t staff_id, grades_amendment_rows_t *rows)
{
    char staff_text[NUMBER_TEXT_SIZE];
    snprintf (staff_text, sizeof staff_text, "%" PRId64, staff_id);
    const char *values[] = {staff_text};
    return ROWS_RUN (db, &sql_amendments, 1, values, rows, Kefu__V1__EvaluationAmendment,
                     amendment_from_row, false);
}

/* --- grade changes -------------------------------------------------------- */

int
grades_store_changes (kefu_db_t *db, int64_t staff_id, grades_change_rows_t *rows)
{
    char staff_text[NUMBER_TEXT_SIZE];
    snprintf (staff_text, sizeof staff_text, "%" PRId64, staff_id);
    const char *values[] = {staff_text};
    return ROWS_RUN (db, &sql_changes, 1, values, rows, Kefu__V1__GradeChange, change_from_row,
                     false);
}

int
grades_store_change_by_id (kefu_db_t *db, int64_t id, bool for_update, grades_change_rows_t *rows)
{
    char id_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, id);
    const char *values[] = {id_text};
    return ROWS_RUN (db, for_update ? &sql_change_by_id_for_update : &sql_change_by_id, 1, values,
                     rows, Kefu__V1__GradeChange, change_from_row, true);
}

int
grades_store_change_insert (kefu_db_t *db, const Kefu__V1__ProposeGradeChangeRequest *request,
                            const char *direction, const char *from_grade, const char *by,
                            int64_t now_ms, grades_change_rows_t *rows)
{
    char staff_text[NUMBER_TEXT_SIZE], now_text[NUMBER_TEXT_SIZE];
    snprintf (staff_text, sizeof staff_text, "%" PRId64, request->staff_id);
    snprintf (now_text, sizeof now_text, "%" PRId64, now_ms);
    const char *values[] = {
        staff_text,        direction,       from_grade,
        request->to_grade, request->at,     request->exceptional ? "true" : "false",
        request->rule,     request->reason, by,
        now_text};
    PGresult *result = kefu_db_run (db, &sql_change_insert, 10, values);
    if (!result)
        return -1;
    if (PQntuples (result) == 0) {
        PQclear (result);
        return 1;
    }
    int64_t id = kefu_db_int64 (result, 0, 0);
    PQclear (result);
    return grades_store_change_by_id (db, id, false, rows) == 0 ? 0 : -1;
}

int
grades_store_change_decide (kefu_db_t *db, int64_t id, const char *status, const char *by,
                            const char *reason, int64_t now_ms, grades_change_rows_t *rows)
{
    char id_text[NUMBER_TEXT_SIZE], now_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, id);
    snprintf (now_text, sizeof now_text, "%" PRId64, now_ms);
    const char *values[] = {id_text, status, by, reason, now_text};
    if (kefu_db_command (db, &sql_change_decide, 5, values) != 0)
        return -1;
    return grades_store_change_by_id (db, id, false, rows) == 0 ? 0 : -1;
}

int
grades_store_title_by_id (kefu_db_t *db, int64_t id, grades_title_rows_t *rows)
{
    char id_text[NUMBER_TEXT_SIZE];
    snprintf (id_text, sizeof id_text, "%" PRId64, id);
    const char *values[] = {id_text};
    return ROWS_RUN (db, &sql_title_by_id, 1, values, rows, Kefu__V1__Title, title_from_row, true);
}

