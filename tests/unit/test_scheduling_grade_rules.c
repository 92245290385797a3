/*  Unit tests of scheduling_grade_rules: the promotion criteria and the
 *  demotion rules of SCH-10 judged over evaluation histories, each rule
 *  with a case that meets it and one that does not, and the period
 *  arithmetic they rest on.
 */
#include "scheduling_grade_rules.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

enum { MS_PER_DAY = 86400000, YEAR = 2025 };

/*  Month number of YEAR-month (month may run past 12 into the next year). */
static int
month_of (int month)
{
    return YEAR * 12 + month - 1;
}

static int
quarter_of (int year, int quarter)
{
    return year * 4 + quarter - 1;
}

/*  The criterion named `rule` of an assessment (fails the test if absent). */
static const grade_criterion_result_t *
criterion (const grade_assessment_t *assessment, const char *rule)
{
    for (size_t i = 0; i < assessment->count; i++)
        if (strcmp (assessment->items[i].rule, rule) == 0)
            return &assessment->items[i];
    fail_msg ("no criterion %s", rule);
    return NULL;
}

/*  Whether rule `name` is among the warnings of `grade`. */
static bool
warned (grade_t grade, const grade_history_t *history, int at_month, const char *name)
{
    grade_warning_t warnings[8];
    size_t count = grade_rules_warnings (grade, history, at_month, warnings, 8);
    for (size_t i = 0; i < count; i++)
        if (strcmp (warnings[i].rule->rule, name) == 0)
            return true;
    return false;
}

static void
test_periods_and_months (void **state)
{
    (void)state;
    int month, quarter;
    assert_true (grade_month_parse ("2026-03", &month));
    assert_int_equal (month, 2026 * 12 + 2);
    char text[GRADE_PERIOD_TEXT_SIZE];
    grade_month_format (month, text);
    assert_string_equal (text, "2026-03");
    assert_false (grade_month_parse ("2026-13", &month));
    assert_false (grade_month_parse ("2026-00", &month));
    assert_false (grade_month_parse ("2026-3", &month));
    assert_false (grade_month_parse ("2026-03-01", &month));
    assert_false (grade_month_parse ("1999-12", &month));
    assert_false (grade_month_parse ("", &month));
    assert_true (grade_quarter_parse ("2026-Q4", &quarter));
    assert_int_equal (grade_quarter_last_month (quarter), 2026 * 12 + 11);
    grade_quarter_format (quarter, text);
    assert_string_equal (text, "2026-Q4");
    assert_false (grade_quarter_parse ("2026-Q5", &quarter));
    assert_false (grade_quarter_parse ("2026-Q0", &quarter));
    assert_false (grade_quarter_parse ("2026-Q1 ", &quarter));
    /*  Whole months: complete on the same day and time of a later month. */
    int64_t joined = grade_month_start_ms (month_of (1)) + 9 * (int64_t)MS_PER_DAY; /* 2025-01-10 */
    assert_int_equal (
        grade_whole_months (joined, grade_month_start_ms (month_of (4)) + 9 * (int64_t)MS_PER_DAY),
        3);
    assert_int_equal (
        grade_whole_months (joined, grade_month_start_ms (month_of (4)) + 8 * (int64_t)MS_PER_DAY),
        2);
    assert_int_equal (grade_whole_months (joined, joined - 1), 0);
    assert_int_equal (grade_month_of_ms (joined), month_of (1));
    assert_int_equal (grade_from_name ("reserve_supervisor"), GRADE_RESERVE_SUPERVISOR);
    assert_int_equal (grade_from_name ("boss"), GRADE_NONE);
}

/*  trainee → junior: the month's evaluation recorded and passed. */
static void
test_junior_needs_the_month_passed (void **state)
{
    (void)state;
    grade_monthly_t monthly[] = {{month_of (3), 12, true}};
    grade_history_t history = {.monthly = monthly, .monthly_count = 1};
    grade_assessment_t assessment;
    grade_rules_assess (GRADE_JUNIOR, &history, month_of (3), 0, &assessment);
    assert_true (assessment.all_met);
    assert_true (criterion (&assessment, "junior.monthly_passed")->met);
    monthly[0].passed = false;
    grade_rules_assess (GRADE_JUNIOR, &history, month_of (3), 0, &assessment);
    assert_false (assessment.all_met);
    /*  No evaluation of the month asked about: not met either. */
    monthly[0].passed = true;
    grade_rules_assess (GRADE_JUNIOR, &history, month_of (4), 0, &assessment);
    assert_false (criterion (&assessment, "junior.monthly_passed")->met);
}

/*  junior → intermediate: 月均前三名 over 3 months, one quarterly A, 3
 *  months' tenure. */
static void
test_intermediate_criteria (void **state)
{
    (void)state;
    grade_monthly_t monthly[] = {
        {month_of (4), 1, true}, {month_of (5), 3, true}, {month_of (6), 5, true}};
    grade_quarterly_t quarterly[] = {{quarter_of (YEAR, 2), 'A'}};
    int64_t joined =
        grade_month_start_ms (month_of (3)) + 14 * (int64_t)MS_PER_DAY; /* 2025-03-15 */
    grade_history_t history = {.monthly = monthly,
                               .monthly_count = 3,
                               .quarterly = quarterly,
                               .quarterly_count = 1,
                               .joined_ms = joined};
    int64_t end_of_june = grade_month_start_ms (month_of (7));
    grade_assessment_t assessment;
    grade_rules_assess (GRADE_INTERMEDIATE, &history, month_of (6), end_of_june, &assessment);
    assert_int_equal (assessment.count, 3);
    assert_true (assessment.all_met);
    assert_true (criterion (&assessment, "intermediate.monthly_rank_average")->actual == 3.0);
    assert_true (criterion (&assessment, "intermediate.tenure_months")->actual == 3.0);

    /*  An average of 3.33 is outside the top three. */
    monthly[1].rank = 4;
    grade_rules_assess (GRADE_INTERMEDIATE, &history, month_of (6), end_of_june, &assessment);
    assert_false (criterion (&assessment, "intermediate.monthly_rank_average")->met);
    assert_false (assessment.all_met);
    monthly[1].rank = 3;

    /*  A month of the period without an evaluation. */
    history.monthly_count = 2;
    grade_rules_assess (GRADE_INTERMEDIATE, &history, month_of (6), end_of_june, &assessment);
    assert_false (criterion (&assessment, "intermediate.monthly_rank_average")->met);
    history.monthly_count = 3;

    /*  Q2 graded B: no A among the quarters ending in the period. */
    quarterly[0].grade = 'B';
    grade_rules_assess (GRADE_INTERMEDIATE, &history, month_of (6), end_of_june, &assessment);
    assert_false (criterion (&assessment, "intermediate.quarterly_a")->met);
    quarterly[0].grade = 'A';

    /*  Tenure counted to mid-June: two whole months. */
    grade_rules_assess (GRADE_INTERMEDIATE, &history, month_of (6),
                        grade_month_start_ms (month_of (6)) + 13 * (int64_t)MS_PER_DAY,
                        &assessment);
    assert_false (criterion (&assessment, "intermediate.tenure_months")->met);
    assert_true (criterion (&assessment, "intermediate.tenure_months")->actual == 2.0);
}

/*  → senior: 优秀客服 once, top three over 6 months, two quarterly A in a
 *  row, 6 months' tenure. */
static void
test_senior_criteria (void **state)
{
    (void)state;
    grade_monthly_t monthly[6];
    for (int i = 0; i < 6; i++)
        monthly[i] = (grade_monthly_t){month_of (1 + i), 2, true};
    grade_quarterly_t quarterly[] = {{quarter_of (YEAR, 1), 'A'}, {quarter_of (YEAR, 2), 'A'}};
    grade_title_t titles[] = {{GRADE_RULES_TITLE_OUTSTANDING, month_of (2)}};
    grade_history_t history = {.monthly = monthly,
                               .monthly_count = 6,
                               .quarterly = quarterly,
                               .quarterly_count = 2,
                               .titles = titles,
                               .title_count = 1,
                               .joined_ms = grade_month_start_ms (month_of (1) - 1)};
    int64_t end_of_june = grade_month_start_ms (month_of (7));
    grade_assessment_t assessment;
    grade_rules_assess (GRADE_SENIOR, &history, month_of (6), end_of_june, &assessment);
    assert_true (assessment.all_met);
    assert_true (criterion (&assessment, "senior.quarterly_a_consecutive")->actual == 2.0);

    quarterly[0].grade = 'B';
    grade_rules_assess (GRADE_SENIOR, &history, month_of (6), end_of_june, &assessment);
    assert_false (criterion (&assessment, "senior.quarterly_a_consecutive")->met);
    quarterly[0].grade = 'A';

    /*  Another title than 优秀客服 does not count. */
    titles[0].name = "最佳新人";
    grade_rules_assess (GRADE_SENIOR, &history, month_of (6), end_of_june, &assessment);
    assert_false (criterion (&assessment, "senior.titles")->met);
    titles[0].name = GRADE_RULES_TITLE_OUTSTANDING;

    /*  Joined 5 months before the end of June. */
    history.joined_ms = grade_month_start_ms (month_of (2));
    grade_rules_assess (GRADE_SENIOR, &history, month_of (6), end_of_june, &assessment);
    assert_false (criterion (&assessment, "senior.tenure_months")->met);
}

/*  → reserve supervisor: 优秀客服 three times, three quarterly A (not
 *  necessarily in a row) within 12 months, 12 months' tenure. */
static void
test_reserve_supervisor_criteria (void **state)
{
    (void)state;
    grade_monthly_t monthly[12];
    for (int i = 0; i < 12; i++)
        monthly[i] = (grade_monthly_t){month_of (1 + i), 1, true};
    grade_quarterly_t quarterly[] = {{quarter_of (YEAR, 1), 'A'},
                                     {quarter_of (YEAR, 2), 'B'},
                                     {quarter_of (YEAR, 3), 'A'},
                                     {quarter_of (YEAR, 4), 'A'}};
    grade_title_t titles[] = {{GRADE_RULES_TITLE_OUTSTANDING, month_of (1)},
                              {GRADE_RULES_TITLE_OUTSTANDING, month_of (5)},
                              {GRADE_RULES_TITLE_OUTSTANDING, month_of (9)}};
    grade_history_t history = {.monthly = monthly,
                               .monthly_count = 12,
                               .quarterly = quarterly,
                               .quarterly_count = 4,
                               .titles = titles,
                               .title_count = 3,
                               .joined_ms = grade_month_start_ms (month_of (1) - 12)};
    int64_t end = grade_month_start_ms (month_of (13));
    grade_assessment_t assessment;
    grade_rules_assess (GRADE_RESERVE_SUPERVISOR, &history, month_of (12), end, &assessment);
    assert_true (assessment.all_met);
    quarterly[3].grade = 'C';
    grade_rules_assess (GRADE_RESERVE_SUPERVISOR, &history, month_of (12), end, &assessment);
    assert_false (criterion (&assessment, "reserve_supervisor.quarterly_a")->met);
    quarterly[3].grade = 'A';
    /*  A title awarded after the month asked about does not count yet. */
    grade_rules_assess (GRADE_RESERVE_SUPERVISOR, &history, month_of (8),
                        grade_month_start_ms (month_of (9)), &assessment);
    assert_false (criterion (&assessment, "reserve_supervisor.titles")->met);
}

/*  降级: an intermediate back to junior. */
static void
test_intermediate_demotion_rules (void **state)
{
    (void)state;
    /*  Promoted on 2025-04-10; March's evaluation was before. */
    grade_monthly_t monthly[] = {{month_of (3), 9, true},
                                 {month_of (4), 5, true},
                                 {month_of (5), 4, true},
                                 {month_of (6), 2, true},
                                 {month_of (7), 6, true}};
    grade_history_t history = {.monthly = monthly,
                               .monthly_count = 5,
                               .grade_since_ms =
                                   grade_month_start_ms (month_of (4)) + 9 * (int64_t)MS_PER_DAY};
    const char *consecutive = "intermediate.monthly_outside_top3_consecutive";
    /*  Outside the top three in April, May and July, but June breaks the run,
     *  and March was before the promotion. */
    assert_false (warned (GRADE_INTERMEDIATE, &history, month_of (7), consecutive));
    monthly[3].rank = 7;
    assert_true (warned (GRADE_INTERMEDIATE, &history, month_of (7), consecutive));
    /*  Judged at May, the run is not complete yet. */
    assert_false (warned (GRADE_INTERMEDIATE, &history, month_of (5), consecutive));

    grade_quarterly_t quarterly[] = {
        {quarter_of (YEAR, 2), 'B'}, {quarter_of (YEAR, 3), 'A'}, {quarter_of (YEAR, 4), 'B'}};
    history.quarterly = quarterly;
    history.quarterly_count = 3;
    assert_false (warned (GRADE_INTERMEDIATE, &history, month_of (12),
                          "intermediate.quarterly_b_consecutive"));
    quarterly[1].grade = 'B';
    assert_true (warned (GRADE_INTERMEDIATE, &history, month_of (12),
                         "intermediate.quarterly_b_consecutive"));
    assert_false (
        warned (GRADE_INTERMEDIATE, &history, month_of (12), "intermediate.quarterly_below_b"));
    quarterly[2].grade = 'C';
    assert_true (
        warned (GRADE_INTERMEDIATE, &history, month_of (12), "intermediate.quarterly_below_b"));
    /*  Rules apply to the grade held: a senior with this history is judged
     *  by the senior rules. */
    assert_false (warned (GRADE_JUNIOR, &history, month_of (12), "intermediate.quarterly_below_b"));
}

/*  降级: a senior back to intermediate, within a year of promotion. */
static void
test_senior_demotion_within_a_year (void **state)
{
    (void)state;
    grade_monthly_t monthly[] = {
        {month_of (2), 5, true}, {month_of (6), 4, true}, {month_of (14), 8, true}};
    grade_history_t history = {.monthly = monthly,
                               .monthly_count = 3,
                               .grade_since_ms = grade_month_start_ms (month_of (2))};
    const char *rule = "senior.monthly_outside_top3_within_year";
    /*  Promoted in February 2025: the year runs to January 2026; the third
     *  is in February 2026. */
    assert_false (warned (GRADE_SENIOR, &history, month_of (14), rule));
    monthly[2].month = month_of (13);
    assert_true (warned (GRADE_SENIOR, &history, month_of (14), rule));

    grade_quarterly_t quarterly[] = {{quarter_of (YEAR, 1), 'B'}, {quarter_of (YEAR, 3), 'B'}};
    history.quarterly = quarterly;
    history.quarterly_count = 2;
    /*  Two B, not in a row, both within the year (Q1 ends in March, after
     *  the February promotion). */
    assert_true (warned (GRADE_SENIOR, &history, month_of (12), "senior.quarterly_b_within_year"));
    quarterly[1].grade = 'A';
    assert_false (warned (GRADE_SENIOR, &history, month_of (12), "senior.quarterly_b_within_year"));
    assert_false (
        warned (GRADE_SENIOR, &history, month_of (12), "senior.quarterly_below_b_within_year"));
    quarterly[1].grade = 'D';
    assert_true (
        warned (GRADE_SENIOR, &history, month_of (12), "senior.quarterly_below_b_within_year"));
}

/*  辞退: three failed monthly evaluations in a row only warn. */
static void
test_three_failed_months_warn_of_dismissal (void **state)
{
    (void)state;
    grade_monthly_t monthly[] = {{month_of (1), 20, false},
                                 {month_of (2), 21, false},
                                 {month_of (3), 22, true},
                                 {month_of (4), 20, false}};
    grade_history_t history = {.monthly = monthly, .monthly_count = 4, .grade_since_ms = 0};
    assert_false (
        warned (GRADE_TRAINEE, &history, month_of (4), "trainee.monthly_failed_consecutive"));
    monthly[2].passed = false;
    grade_warning_t warnings[8];
    size_t count = grade_rules_warnings (GRADE_TRAINEE, &history, month_of (4), warnings, 8);
    assert_int_equal (count, 1);
    assert_string_equal (warnings[0].rule->rule, "trainee.monthly_failed_consecutive");
    assert_int_equal (warnings[0].rule->to_grade, GRADE_NONE);
    assert_non_null (strstr (warnings[0].detail, "2025-01 (fail)"));
    assert_true (
        warned (GRADE_JUNIOR, &history, month_of (4), "junior.monthly_failed_consecutive"));
    /*  A reserve supervisor has no rule: 总经办 decides. */
    assert_int_equal (
        grade_rules_warnings (GRADE_RESERVE_SUPERVISOR, &history, month_of (4), warnings, 8), 0);
    assert_null (grade_rules_demotion_named ("reserve_supervisor.anything"));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_periods_and_months),
        cmocka_unit_test (test_junior_needs_the_month_passed),
        cmocka_unit_test (test_intermediate_criteria),
        cmocka_unit_test (test_senior_criteria),
        cmocka_unit_test (test_reserve_supervisor_criteria),
        cmocka_unit_test (test_intermediate_demotion_rules),
        cmocka_unit_test (test_senior_demotion_within_a_year),
        cmocka_unit_test (test_three_failed_months_warn_of_dismissal),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
