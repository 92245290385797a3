/*  scheduling_grades_store: every SQL statement of grades and promotion
 *  (SCH-10). Tables: migrations/0007_grades.sql.
 *
 *  Rows come back as kefu.v1 messages (grades.proto) whose strings borrow
 *  from the PGresult they were read from: release the rows, and stop using
 *  the messages, together. Times go in as Unix milliseconds from the
 *  service's clock (kefu_time), never now(). Functions return 0 on
 *  success, 1 where they say so (not found, a conflict), -1 on a database
 *  failure (kefu_db_error).
 */
#ifndef SCHEDULING_GRADES_STORE_H_INCLUDED
#define SCHEDULING_GRADES_STORE_H_INCLUDED

#include "kefu/v1/grades.pb-c.h"
#include "kefu_db.h"
#include "kefu_time.h"

#include <stdbool.h>
#include <stdint.h>

/*  The most of each kind one history holds: fifty years of monthly
 *  evaluations, and as many of the rest; a person never comes near. */
enum { GRADES_HISTORY_MAX = 600 };

/*  A person as grades see them. */
typedef struct {
    int64_t id;
    const char *staff_no;
    const char *name;
    const char *grade;
    const char *status;
    int64_t joined_ms;      /* staff.created_at: 入职 */
    int64_t grade_since_ms; /* the last approved grade change, else joined_ms */
    char grade_since[KEFU_TIME_TEXT_SIZE];
} grades_person_t;

typedef struct {
    PGresult *result;
    size_t count;
    grades_person_t *people;
} grades_people_t;

void grades_people_release (grades_people_t *rows);

/*  Person `id` (FOR UPDATE when for_update); 1 if there is none. */
int grades_store_person (kefu_db_t *db, int64_t id, bool for_update, grades_people_t *rows);

/*  Active people with a grade, id above `after`, by id, at most `limit`. */
int grades_store_people_graded (kefu_db_t *db, int64_t after, int limit, grades_people_t *rows);

/*  Lists of one message type, borrowed from `result`. */
#define GRADES_ROWS(name, type) \
    typedef struct {            \
        PGresult *result;       \
        size_t count;           \
        type *items;            \
        type **pointers;        \
    } name
GRADES_ROWS (grades_evaluation_rows_t, Kefu__V1__Evaluation);
GRADES_ROWS (grades_title_rows_t, Kefu__V1__Title);
GRADES_ROWS (grades_amendment_rows_t, Kefu__V1__EvaluationAmendment);
GRADES_ROWS (grades_change_rows_t, Kefu__V1__GradeChange);

void grades_evaluation_rows_release (grades_evaluation_rows_t *rows);
void grades_title_rows_release (grades_title_rows_t *rows);
void grades_amendment_rows_release (grades_amendment_rows_t *rows);
void grades_change_rows_release (grades_change_rows_t *rows);

/*  Values of an evaluation (record and amend). */
typedef struct {
    double score;
    int rank;
    const char *result;
    const char *grade;
    const char *note;
} grades_evaluation_values_t;

/*  Insert an evaluation; 1 if the person has one for that kind and period. */
int grades_store_evaluation_insert (kefu_db_t *db, int64_t staff_id, const char *kind,
                                    const char *period, const grades_evaluation_values_t *values,
                                    const char *by, int64_t now_ms, grades_evaluation_rows_t *rows);

/*  Evaluation `id` (FOR UPDATE when for_update); 1 if there is none. */
int grades_store_evaluation_by_id (kefu_db_t *db, int64_t id, bool for_update,
                                   grades_evaluation_rows_t *rows);

/*  Keep evaluation `id`'s current values as an amendment with `reason`,
 *  then replace them and bump the version. The row must be locked. */
int grades_store_evaluation_amend (kefu_db_t *db, int64_t id,
                                   const grades_evaluation_values_t *values, const char *reason,
                                   const char *by, int64_t now_ms, grades_evaluation_rows_t *rows);

/*  A person's evaluations of `kind`, oldest period first. */
int grades_store_evaluations (kefu_db_t *db, int64_t staff_id, const char *kind,
                              grades_evaluation_rows_t *rows);

/*  Title `id`; 1 if there is none. */
int grades_store_title_by_id (kefu_db_t *db, int64_t id, grades_title_rows_t *rows);

/*  Award a title; 1 if the person has that title from that day already. */
int grades_store_title_insert (kefu_db_t *db, int64_t staff_id, const char *name,
                               const char *awarded_on, const char *note, const char *by,
                               int64_t now_ms, grades_title_rows_t *rows);

int grades_store_titles (kefu_db_t *db, int64_t staff_id, grades_title_rows_t *rows);
int grades_store_amendments (kefu_db_t *db, int64_t staff_id, grades_amendment_rows_t *rows);
int grades_store_changes (kefu_db_t *db, int64_t staff_id, grades_change_rows_t *rows);

/*  Propose a change (`request` checked by the caller); 1 if the person has
 *  an open proposal already. */
int grades_store_change_insert (kefu_db_t *db, const Kefu__V1__ProposeGradeChangeRequest *request,
                                const char *direction, const char *from_grade, const char *by,
                                int64_t now_ms, grades_change_rows_t *rows);

/*  Change `id` (FOR UPDATE when for_update); 1 if there is none. */
int grades_store_change_by_id (kefu_db_t *db, int64_t id, bool for_update,
                               grades_change_rows_t *rows);

/*  Decide an open change: status approved or refused. */
int grades_store_change_decide (kefu_db_t *db, int64_t id, const char *status, const char *by,
                                const char *reason, int64_t now_ms, grades_change_rows_t *rows);

#endif
