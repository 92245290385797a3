/*  scheduling_grade_rules: the promotion criteria and demotion rules of
 *  SCH-10 as tables, and the pure functions judging a history against
 *  them. See scheduling_grade_rules.h; README "Grades and promotion" shows
 *  the same tables.
 */
#include "scheduling_grade_rules.h"

#include "kefu_time.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum {
    MONTHS_PER_YEAR = 12,
    MONTHS_PER_QUARTER = 3,
    QUARTERS_PER_YEAR = 4,
    YEAR_MIN = 2000,
    YEAR_MAX = 9999,
    MS_PER_DAY = 86400000,
    /*  An intermediate's consecutive rules, a senior's year (一年内). */
    RULE_YEAR_MONTHS = 12
};

static const char *const grade_names[GRADE_COUNT] = {"trainee", "junior", "intermediate", "senior",
                                                     "reserve_supervisor"};

/*  晋升条件, per target grade (the index). Where the seed is exact the
 *  figures are its own; where it had to be read:
 *  - junior (初级客服, F): "试用期专业知识及工作技巧考核合格" — the probation
 *    assessment is the monthly evaluation here, so the month asked about
 *    must have one, passed.
 *  - 月均前三名: the average of the monthly ranks over the assessment period
 *    (考核期, 晋升考核方案 2 and 3: 3 months for intermediate, 6 for
 *    senior, 12 for reserve supervisor) at most 3, every month of the
 *    period evaluated.
 *  - the quarterly grades counted are those of the quarters ending within
 *    the same period (a 3-month period holds one quarter's end, 6 months
 *    two, 12 months four); "连续两次" is two quarters in a row.
 *  - 入职满 N 个月: whole months from joining (the staff record's creation)
 *    to the end of the month asked about.
 *  - titles: 优秀客服 awarded at least once (senior) or three times
 *    (reserve supervisor), at any time up to that month.
 *  - reserve supervisor (储备主管) also needs a defence before a panel
 *    organised by HR (晋升考核方案 3); that is outside kefu: the manager's
 *    approval of the proposal records the decision. */
const grade_criteria_t grade_rules_criteria[GRADE_COUNT] = {
    [GRADE_TRAINEE] = {.to_grade = GRADE_TRAINEE},
    [GRADE_JUNIOR] = {.to_grade = GRADE_JUNIOR,
                      .assessment_months = 1,
                      .monthly_pass_required = true},
    [GRADE_INTERMEDIATE] = {.to_grade = GRADE_INTERMEDIATE,
                            .assessment_months = 3,
                            .rank_average_max = GRADE_RULES_TOP_RANK,
                            .quarterly_a_required = 1,
                            .tenure_months = 3},
    [GRADE_SENIOR] = {.to_grade = GRADE_SENIOR,
                      .assessment_months = 6,
                      .rank_average_max = GRADE_RULES_TOP_RANK,
                      .quarterly_a_required = 2,
                      .quarterly_a_consecutive = true,
                      .title = GRADE_RULES_TITLE_OUTSTANDING,
                      .titles_required = 1,
                      .tenure_months = 6},
    [GRADE_RESERVE_SUPERVISOR] = {.to_grade = GRADE_RESERVE_SUPERVISOR,
                                  .assessment_months = 12,
                                  .rank_average_max = GRADE_RULES_TOP_RANK,
                                  .quarterly_a_required = 3,
                                  .title = GRADE_RULES_TITLE_OUTSTANDING,
                                  .titles_required = 3,
                                  .tenure_months = 12},
};

/*  降级 and 辞退. Where it had to be read:
 *  - "连续三次月度考评及格，公司有权予以辞退" is listed among 初级客服's
 *    conditions and says 及格 (passed), which cannot be meant: it is read
 *    as 不及格 (failed). It is kept for juniors, where the seed puts it, and
 *    for trainees, who are judged by the same monthly evaluations. It only
 *    warns: kefu never dismisses anyone.
 *  - "连续" counts evaluations in a row as recorded, period after period
 *    of the kind; a period without an evaluation does not break a run.
 *  - "晋升后": evaluations of periods ending after the grade was given;
 *    a senior's "一年内": the twelve months from the month of promotion.
 *  - A reserve supervisor has no rule: 总经办 decides (储备主管 H), which
 *    is an exceptional grade change with a reason. */
const grade_demotion_rule_t grade_rules_demotions[] = {
    {"trainee.monthly_failed_consecutive", GRADE_TRAINEE, GRADE_NONE, GRADE_MEASURE_MONTHLY_FAILED,
     3, true, 0},
    {"junior.monthly_failed_consecutive", GRADE_JUNIOR, GRADE_NONE, GRADE_MEASURE_MONTHLY_FAILED, 3,
     true, 0},
    {"intermediate.monthly_outside_top3_consecutive", GRADE_INTERMEDIATE, GRADE_JUNIOR,
     GRADE_MEASURE_MONTHLY_OUTSIDE_TOP, 3, true, 0},
    {"intermediate.quarterly_b_consecutive", GRADE_INTERMEDIATE, GRADE_JUNIOR,
     GRADE_MEASURE_QUARTERLY_B, 2, true, 0},
    {"intermediate.quarterly_below_b", GRADE_INTERMEDIATE, GRADE_JUNIOR,
     GRADE_MEASURE_QUARTERLY_BELOW_B, 1, false, 0},
    {"senior.monthly_outside_top3_within_year", GRADE_SENIOR, GRADE_INTERMEDIATE,
     GRADE_MEASURE_MONTHLY_OUTSIDE_TOP, 3, false, RULE_YEAR_MONTHS},
    {"senior.quarterly_b_within_year", GRADE_SENIOR, GRADE_INTERMEDIATE, GRADE_MEASURE_QUARTERLY_B,
     2, false, RULE_YEAR_MONTHS},
    {"senior.quarterly_below_b_within_year", GRADE_SENIOR, GRADE_INTERMEDIATE,
     GRADE_MEASURE_QUARTERLY_BELOW_B, 1, false, RULE_YEAR_MONTHS},
};
const size_t grade_rules_demotion_count =
    sizeof grade_rules_demotions / sizeof grade_rules_demotions[0];

/* --- names and periods ---------------------------------------------------- */

grade_t
grade_from_name (const char *name)
{
    for (int grade = 0; grade < GRADE_COUNT; grade++)
        if (strcmp (name, grade_names[grade]) == 0)
            return (grade_t)grade;
    return GRADE_NONE;
}

const char *
grade_name (grade_t grade)
{
    return grade > GRADE_NONE && grade < GRADE_COUNT ? grade_names[grade] : "";
}

/*  "YYYY-" with a year in range, at *p; advances *p. */
static bool
year_read (const char **p, int *year)
{
    enum { YEAR_DIGITS = 4 };
    if (!kefu_time_read_digits (p, YEAR_DIGITS, year) || *year < YEAR_MIN || *year > YEAR_MAX ||
        **p != '-')
        return false;
    (*p)++;
    return true;
}

bool
grade_month_parse (const char *text, int *month)
{
    enum { MONTH_DIGITS = 2 };
    int year, number;
    const char *p = text;
    if (!year_read (&p, &year) || !kefu_time_read_digits (&p, MONTH_DIGITS, &number) || *p ||
        number < 1 || number > MONTHS_PER_YEAR)
        return false;
    *month = year * MONTHS_PER_YEAR + number - 1;
    return true;
}

bool
grade_quarter_parse (const char *text, int *quarter)
{
    int year;
    const char *p = text;
    if (!year_read (&p, &year) || p[0] != 'Q' || p[1] < '1' || p[1] > '0' + QUARTERS_PER_YEAR ||
        p[2])
        return false;
    *quarter = year * QUARTERS_PER_YEAR + (p[1] - '1');
    return true;
}

void
grade_month_format (int month, char *out)
{
    snprintf (out, GRADE_PERIOD_TEXT_SIZE, "%04d-%02d", month / MONTHS_PER_YEAR,
              month % MONTHS_PER_YEAR + 1);
}

void
grade_quarter_format (int quarter, char *out)
{
    snprintf (out, GRADE_PERIOD_TEXT_SIZE, "%04d-Q%d", quarter / QUARTERS_PER_YEAR,
              quarter % QUARTERS_PER_YEAR + 1);
}

/*  Civil date and time of day of a Unix time. */
static void
civil_of_ms (int64_t unix_ms, int64_t *year, int *month, int *day, int64_t *ms_of_day)
{
    int64_t days = unix_ms / MS_PER_DAY;
    if (unix_ms % MS_PER_DAY < 0)
        days--;
    *ms_of_day = unix_ms - days * MS_PER_DAY;
    kefu_time_civil_from_days (days, year, month, day);
}

int
grade_month_of_ms (int64_t unix_ms)
{
    int64_t year, ms_of_day;
    int month, day;
    civil_of_ms (unix_ms, &year, &month, &day, &ms_of_day);
    return (int)(year * MONTHS_PER_YEAR + month - 1);
}

int64_t
grade_month_start_ms (int month)
{
    return kefu_time_days_from_civil (month / MONTHS_PER_YEAR, month % MONTHS_PER_YEAR + 1, 1) *
           MS_PER_DAY;
}

int
grade_quarter_last_month (int quarter)
{
    return quarter * MONTHS_PER_QUARTER + MONTHS_PER_QUARTER - 1;
}

int
grade_whole_months (int64_t from_ms, int64_t to_ms)
{
    if (to_ms <= from_ms)
        return 0;
    int64_t from_year, to_year, from_time, to_time;
    int from_month, to_month, from_day, to_day;
    civil_of_ms (from_ms, &from_year, &from_month, &from_day, &from_time);
    civil_of_ms (to_ms, &to_year, &to_month, &to_day, &to_time);
    int64_t months = (to_year - from_year) * MONTHS_PER_YEAR + (to_month - from_month);
    if (to_day < from_day || (to_day == from_day && to_time < from_time))
        months--;
    return (int)months;
}

/* --- assessing the criteria ----------------------------------------------- */

/*  Append to a detail text, truncating (never overflowing) when full. */
static void detail_append (char *detail, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

static void
detail_append (char *detail, const char *format, ...)
{
    size_t used = strlen (detail);
    if (used + 1 >= GRADE_DETAIL_SIZE)
        return;
    va_list args;
    va_start (args, format);
    vsnprintf (detail + used, GRADE_DETAIL_SIZE - used, format, args);
    va_end (args);
}

static grade_criterion_result_t *
criterion_add (grade_assessment_t *assessment, grade_t to_grade, const char *name, double actual,
               double required, bool met)
{
    grade_criterion_result_t *item = &assessment->items[assessment->count++];
    snprintf (item->rule, sizeof item->rule, "%s.%s", grade_name (to_grade), name);
    item->actual = actual;
    item->required = required;
    item->met = met;
    item->detail[0] = '\0';
    if (!met)
        assessment->all_met = false;
    return item;
}

/*  The monthly evaluation of month number `month`, or NULL. */
static const grade_monthly_t *
monthly_of (const grade_history_t *history, int month)
{
    for (size_t i = 0; i < history->monthly_count; i++)
        if (history->monthly[i].month == month)
            return &history->monthly[i];
    return NULL;
}

static const grade_quarterly_t *
quarterly_of (const grade_history_t *history, int quarter)
{
    for (size_t i = 0; i < history->quarterly_count; i++)
        if (history->quarterly[i].quarter == quarter)
            return &history->quarterly[i];
    return NULL;
}

static void
assess_monthly_passed (const grade_criteria_t *criteria, const grade_history_t *history, int first,
                       int last, grade_assessment_t *assessment)
{
    int passed = 0;
    for (int month = first; month <= last; month++) {
        const grade_monthly_t *evaluation = monthly_of (history, month);
        passed += evaluation && evaluation->passed;
    }
    grade_criterion_result_t *item =
        criterion_add (assessment, criteria->to_grade, "monthly_passed", passed,
                       criteria->assessment_months, passed == criteria->assessment_months);
    char from[GRADE_PERIOD_TEXT_SIZE], to[GRADE_PERIOD_TEXT_SIZE];
    grade_month_format (first, from);
    grade_month_format (last, to);
    detail_append (item->detail, "%d of %d monthly evaluations (%s to %s) recorded and passed",
                   passed, criteria->assessment_months, from, to);
}

static void
assess_rank_average (const grade_criteria_t *criteria, const grade_history_t *history, int first,
                     int last, grade_assessment_t *assessment)
{
    int recorded = 0, rank_sum = 0;
    for (int month = first; month <= last; month++) {
        const grade_monthly_t *evaluation = monthly_of (history, month);
        if (evaluation) {
            recorded++;
            rank_sum += evaluation->rank;
        }
    }
    double average = recorded ? (double)rank_sum / recorded : 0;
    bool complete = recorded == criteria->assessment_months;
    grade_criterion_result_t *item = criterion_add (
        assessment, criteria->to_grade, "monthly_rank_average", average, criteria->rank_average_max,
        complete && average <= criteria->rank_average_max);
    char from[GRADE_PERIOD_TEXT_SIZE], to[GRADE_PERIOD_TEXT_SIZE];
    grade_month_format (first, from);
    grade_month_format (last, to);
    detail_append (
        item->detail,
        "average monthly rank %.2f over %d of %d months (%s to %s); at most %d, every month "
        "evaluated",
        average, recorded, criteria->assessment_months, from, to, criteria->rank_average_max);
}

static void
assess_quarterly_a (const grade_criteria_t *criteria, const grade_history_t *history, int first,
                    int last, grade_assessment_t *assessment)
{
    int count = 0, run = 0, longest_run = 0;
    char detail[GRADE_DETAIL_SIZE] = "";
    for (int quarter = first / MONTHS_PER_QUARTER; grade_quarter_last_month (quarter) <= last;
         quarter++) {
        if (grade_quarter_last_month (quarter) < first)
            continue;
        const grade_quarterly_t *evaluation = quarterly_of (history, quarter);
        char period[GRADE_PERIOD_TEXT_SIZE];
        grade_quarter_format (quarter, period);
        detail_append (detail, "%s%s %c", *detail ? ", " : "", period,
                       evaluation ? evaluation->grade : '-');
        if (evaluation && evaluation->grade == 'A') {
            count++;
            run++;
            if (run > longest_run)
                longest_run = run;
        } else
            run = 0;
    }
    int actual = criteria->quarterly_a_consecutive ? longest_run : count;
    grade_criterion_result_t *item = criterion_add (
        assessment, criteria->to_grade,
        criteria->quarterly_a_consecutive ? "quarterly_a_consecutive" : "quarterly_a", actual,
        criteria->quarterly_a_required, actual >= criteria->quarterly_a_required);
    detail_append (item->detail,
                   "%d quarterly grade A%s of %d required, quarters ending in the period: %s",
                   actual, criteria->quarterly_a_consecutive ? " in a row" : "",
                   criteria->quarterly_a_required, *detail ? detail : "none");
}

static void
assess_titles (const grade_criteria_t *criteria, const grade_history_t *history, int at_month,
               grade_assessment_t *assessment)
{
    int count = 0;
    for (size_t i = 0; i < history->title_count; i++)
        count += history->titles[i].month <= at_month &&
                 strcmp (history->titles[i].name, criteria->title) == 0;
    grade_criterion_result_t *item =
        criterion_add (assessment, criteria->to_grade, "titles", count, criteria->titles_required,
                       count >= criteria->titles_required);
    detail_append (item->detail, "title %s awarded %d times, %d required", criteria->title, count,
                   criteria->titles_required);
}

static void
assess_tenure (const grade_criteria_t *criteria, const grade_history_t *history,
               int64_t reference_ms, grade_assessment_t *assessment)
{
    int months = grade_whole_months (history->joined_ms, reference_ms);
    grade_criterion_result_t *item =
        criterion_add (assessment, criteria->to_grade, "tenure_months", months,
                       criteria->tenure_months, months >= criteria->tenure_months);
    detail_append (item->detail, "%d whole months since joining, %d required", months,
                   criteria->tenure_months);
}

void
grade_rules_assess (grade_t to_grade, const grade_history_t *history, int at_month,
                    int64_t reference_ms, grade_assessment_t *assessment)
{
    memset (assessment, 0, sizeof *assessment);
    assessment->all_met = true;
    if (to_grade <= GRADE_TRAINEE || to_grade >= GRADE_COUNT)
        return;
    const grade_criteria_t *criteria = &grade_rules_criteria[to_grade];
    int first = at_month - criteria->assessment_months + 1;
    if (criteria->monthly_pass_required)
        assess_monthly_passed (criteria, history, first, at_month, assessment);
    if (criteria->rank_average_max)
        assess_rank_average (criteria, history, first, at_month, assessment);
    if (criteria->quarterly_a_required)
        assess_quarterly_a (criteria, history, first, at_month, assessment);
    if (criteria->titles_required)
        assess_titles (criteria, history, at_month, assessment);
    if (criteria->tenure_months)
        assess_tenure (criteria, history, reference_ms, assessment);
}

/* --- demotion warnings ---------------------------------------------------- */

static const char *
measure_text (grade_measure_t measure)
{
    switch (measure) {
        case GRADE_MEASURE_MONTHLY_OUTSIDE_TOP:
            return "monthly evaluations outside the top 3";
        case GRADE_MEASURE_MONTHLY_FAILED:
            return "monthly evaluations failed";
        case GRADE_MEASURE_QUARTERLY_B:
            return "quarterly grades B";
        case GRADE_MEASURE_QUARTERLY_BELOW_B:
            return "quarterly grades below B";
    }
    return "";
}

/*  Whether the evaluation with index `i` of the rule's kind matches its
 *  measure; *period and *figure describe it. */
static bool
measure_matches (const grade_demotion_rule_t *rule, const grade_history_t *history, size_t i,
                 int *last_month, char *period, char *figure, size_t figure_size)
{
    if (rule->measure == GRADE_MEASURE_MONTHLY_OUTSIDE_TOP ||
        rule->measure == GRADE_MEASURE_MONTHLY_FAILED) {
        const grade_monthly_t *evaluation = &history->monthly[i];
        *last_month = evaluation->month;
        grade_month_format (evaluation->month, period);
        if (rule->measure == GRADE_MEASURE_MONTHLY_FAILED) {
            snprintf (figure, figure_size, "%s", evaluation->passed ? "pass" : "fail");
            return !evaluation->passed;
        }
        snprintf (figure, figure_size, "rank %d", evaluation->rank);
        return evaluation->rank > GRADE_RULES_TOP_RANK;
    }
    const grade_quarterly_t *evaluation = &history->quarterly[i];
    *last_month = grade_quarter_last_month (evaluation->quarter);
    grade_quarter_format (evaluation->quarter, period);
    snprintf (figure, figure_size, "%c", evaluation->grade);
    return rule->measure == GRADE_MEASURE_QUARTERLY_B ? evaluation->grade == 'B'
                                                      : evaluation->grade > 'B';
}

/*  Whether `rule` has triggered by `at_month`; the detail names the
 *  evaluations that triggered it. */
static bool
rule_triggered (const grade_demotion_rule_t *rule, const grade_history_t *history, int at_month,
                char *detail)
{
    enum { FIGURE_SIZE = 24 };
    int since_month = grade_month_of_ms (history->grade_since_ms);
    int until_month = at_month;
    if (rule->within_months && since_month + rule->within_months - 1 < until_month)
        until_month = since_month + rule->within_months - 1;
    bool monthly = rule->measure == GRADE_MEASURE_MONTHLY_OUTSIDE_TOP ||
                   rule->measure == GRADE_MEASURE_MONTHLY_FAILED;
    size_t count = monthly ? history->monthly_count : history->quarterly_count;
    int matched = 0;
    char found[GRADE_DETAIL_SIZE] = "";
    for (size_t i = 0; i < count && matched < rule->count; i++) {
        int last_month;
        char period[GRADE_PERIOD_TEXT_SIZE], figure[FIGURE_SIZE];
        bool matches =
            measure_matches (rule, history, i, &last_month, period, figure, sizeof figure);
        if (last_month < since_month || last_month > until_month)
            continue;
        if (matches) {
            matched++;
            detail_append (found, "%s%s (%s)", *found ? ", " : "", period, figure);
        } else if (rule->consecutive) {
            matched = 0;
            found[0] = '\0';
        }
    }
    if (matched < rule->count)
        return false;
    char since[GRADE_PERIOD_TEXT_SIZE];
    grade_month_format (since_month, since);
    detail[0] = '\0';
    detail_append (detail, "%d %s%s since %s%s: %s", rule->count, measure_text (rule->measure),
                   rule->consecutive ? " in a row" : "", since,
                   rule->within_months ? " (within a year)" : "", found);
    return true;
}

size_t
grade_rules_warnings (grade_t grade, const grade_history_t *history, int at_month,
                      grade_warning_t *warnings, size_t max)
{
    size_t count = 0;
    for (size_t i = 0; i < grade_rules_demotion_count && count < max; i++) {
        const grade_demotion_rule_t *rule = &grade_rules_demotions[i];
        if (rule->grade != grade)
            continue;
        warnings[count].rule = rule;
        if (rule_triggered (rule, history, at_month, warnings[count].detail))
            count++;
    }
    return count;
}

const grade_demotion_rule_t *
grade_rules_demotion_named (const char *rule)
{
    for (size_t i = 0; i < grade_rules_demotion_count; i++)
        if (strcmp (grade_rules_demotions[i].rule, rule) == 0)
            return &grade_rules_demotions[i];
    return NULL;
}
