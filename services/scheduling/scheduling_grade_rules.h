/*  scheduling_grade_rules: the department's promotion criteria and demotion
 *  rules (SCH-10) as data, and the pure functions that judge a person's
 *  evaluation history against them.
 *
 *  Source: the seed document 客服部管理制度 篇2 (晋升构造图, 晋升条件,
 *  晋升考核方案). The ladder is trainee (新客服, 试用) → junior (初级) →
 *  intermediate (中级) → senior (高级) → reserve supervisor (储备主管).
 *  The tables (grade_rules_criteria, grade_rules_demotions) are in
 *  scheduling_grade_rules.c, in one place, and README's "Grades and
 *  promotion" section shows them. Nothing here reads the database or the
 *  clock: the handlers (scheduling_grades.c) load the history and pass the
 *  time in, and tests call these functions directly.
 *
 *  Months are counted as "month numbers": year·12 + (month − 1); quarters
 *  as year·4 + (quarter − 1). Calendar months in UTC.
 */
#ifndef SCHEDULING_GRADE_RULES_H_INCLUDED
#define SCHEDULING_GRADE_RULES_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*  The grades in ladder order; GRADE_NONE for a person without one. */
typedef enum {
    GRADE_NONE = -1,
    GRADE_TRAINEE,
    GRADE_JUNIOR,
    GRADE_INTERMEDIATE,
    GRADE_SENIOR,
    GRADE_RESERVE_SUPERVISOR,
    GRADE_COUNT
} grade_t;

/*  The grade named `name` ("junior"), or GRADE_NONE. */
grade_t grade_from_name (const char *name);
/*  The name of a grade ("" for GRADE_NONE). */
const char *grade_name (grade_t grade);

/*  Periods. Parse "YYYY-MM" / "YYYY-Qn" (years 2000..9999) into a month or
 *  quarter number; false if malformed. Format back into `out`
 *  (GRADE_PERIOD_TEXT_SIZE bytes). */
enum { GRADE_PERIOD_TEXT_SIZE = 16 };
bool grade_month_parse (const char *text, int *month);
bool grade_quarter_parse (const char *text, int *quarter);
void grade_month_format (int month, char *out);
void grade_quarter_format (int quarter, char *out);
/*  The month number of a Unix time (UTC), and the Unix time at which month
 *  number `month` starts. */
int grade_month_of_ms (int64_t unix_ms);
int64_t grade_month_start_ms (int month);
/*  The last month of quarter number `quarter`. */
int grade_quarter_last_month (int quarter);
/*  Whole months from `from_ms` to `to_ms` (0 if to_ms is earlier): a month
 *  is complete on the same day and time of day of a later month. */
int grade_whole_months (int64_t from_ms, int64_t to_ms);

/*  What the criteria need to know of a person, each list sorted by period
 *  (oldest first). Borrowed by the functions below. */
typedef struct {
    int month; /* month number */
    int rank;  /* in the department, 1 = best */
    bool passed;
} grade_monthly_t;

typedef struct {
    int quarter; /* quarter number */
    char grade;  /* 'A' .. 'D' */
} grade_quarterly_t;

typedef struct {
    const char *name;
    int month; /* the month number it was awarded in */
} grade_title_t;

typedef struct {
    const grade_monthly_t *monthly;
    size_t monthly_count;
    const grade_quarterly_t *quarterly;
    size_t quarterly_count;
    const grade_title_t *titles;
    size_t title_count;
    int64_t joined_ms;      /* 入职: tenure counts from here */
    int64_t grade_since_ms; /* when the current grade was given */
} grade_history_t;

/*  The criteria for promotion to one grade (晋升条件), judged over an
 *  assessment period (考核期) of `assessment_months` ending with the month
 *  asked about. A zero or NULL field is not a criterion. */
typedef struct {
    grade_t to_grade;
    int assessment_months;
    bool monthly_pass_required;   /* the period's monthly evaluations all passed */
    int rank_average_max;         /* average monthly rank over the period at most this */
    int quarterly_a_required;     /* quarters graded A among those ending in the period */
    bool quarterly_a_consecutive; /* ... in a row */
    const char *title;            /* a title ... */
    int titles_required;          /* ... awarded at least this often (ever, up to the month) */
    int tenure_months;            /* whole months since joining, at the end of the month */
} grade_criteria_t;

/*  A demotion or dismissal rule (降级, 辞退) of a grade. It has triggered
 *  when, among the evaluations whose period ends after the grade was given
 *  (and within `within_months` of that month, when not 0), `count`
 *  evaluations match `measure` (in a row when `consecutive`). */
typedef enum {
    GRADE_MEASURE_MONTHLY_OUTSIDE_TOP, /* monthly rank > GRADE_RULES_TOP_RANK (未进前三名) */
    GRADE_MEASURE_MONTHLY_FAILED,      /* monthly result fail (不及格) */
    GRADE_MEASURE_QUARTERLY_B,         /* quarterly grade B */
    GRADE_MEASURE_QUARTERLY_BELOW_B    /* quarterly grade C or D (B等级以下) */
} grade_measure_t;

typedef struct {
    const char *rule; /* stable name, "<grade>.<what>" */
    grade_t grade;    /* the grade it applies to */
    grade_t to_grade; /* GRADE_NONE: dismissal may be considered */
    grade_measure_t measure;
    int count;
    bool consecutive;
    int within_months; /* 0: any time since the grade was given */
} grade_demotion_rule_t;

/*  "Top three" in 月均前三名 and 未进前三名. */
enum { GRADE_RULES_TOP_RANK = 3 };

/*  The tables: the criteria per target grade (the index is the grade;
 *  GRADE_TRAINEE has none: it is where one starts) and the demotion rules. */
extern const grade_criteria_t grade_rules_criteria[GRADE_COUNT];
extern const grade_demotion_rule_t grade_rules_demotions[];
extern const size_t grade_rules_demotion_count;

/*  The title the senior and reserve-supervisor criteria count. */
#define GRADE_RULES_TITLE_OUTSTANDING "优秀客服"

/*  One criterion judged. */
enum { GRADE_RULE_NAME_SIZE = 64, GRADE_DETAIL_SIZE = 256, GRADE_CRITERIA_MAX = 6 };
typedef struct {
    char rule[GRADE_RULE_NAME_SIZE]; /* "senior.tenure_months" */
    bool met;
    double actual;
    double required;
    char detail[GRADE_DETAIL_SIZE];
} grade_criterion_result_t;

typedef struct {
    size_t count;
    grade_criterion_result_t items[GRADE_CRITERIA_MAX];
    bool all_met;
} grade_assessment_t;

/*  Judge `history` against the criteria for `to_grade` at month number
 *  `at_month`, tenure counted up to `reference_ms` (the caller passes the
 *  end of that month, or now if earlier). `to_grade` must have criteria
 *  (junior .. reserve supervisor). */
void grade_rules_assess (grade_t to_grade, const grade_history_t *history, int at_month,
                         int64_t reference_ms, grade_assessment_t *assessment);

/*  A rule that has triggered. */
typedef struct {
    const grade_demotion_rule_t *rule;
    char detail[GRADE_DETAIL_SIZE];
} grade_warning_t;

/*  The rules of `grade` that have triggered by month number `at_month`,
 *  into warnings[0 .. max-1]; returns how many. */
size_t grade_rules_warnings (grade_t grade, const grade_history_t *history, int at_month,
                             grade_warning_t *warnings, size_t max);

/*  The demotion rule named `rule`, or NULL. */
const grade_demotion_rule_t *grade_rules_demotion_named (const char *rule);

#endif
