/*  Unit tests of kefu_erlang (SCH-9: Erlang C staffing).
 *
 *  Reference figures: the worked example of Call Centre Helper, "Erlang C
 *  Formula – Made Simple With an Easy Worked Example"
 *  (https://www.callcentrehelper.com/erlang-c-formula-example-121281.htm):
 *  100 calls in 30 minutes, AHT 180 s, 80 % answered in 20 s, maximum
 *  occupancy 85 % → 10 Erlangs, 14 agents. The figures to full precision are
 *  as published by the CRAN package ErlangC 0.1.0, which reproduces that
 *  example in its README
 *  (https://stat.ethz.ch/CRAN/web/packages/ErlangC/readme/README.html):
 *
 *      N = 11: wait probability 0.6821182, service level 0.3896138
 *      N = 14: wait probability 0.1741319, service level 0.88835,
 *              average speed of answer 7.83593701177724 s,
 *              occupancy 0.7142857, agents required 14
 *
 *  Besides, every Erlang C value is checked against an independent
 *  computation: the textbook formula summed term by term in long double.
 */
#include "kefu_erlang.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

/*  The published figures have 7 significant digits (ASA more). */
static const double PUBLISHED_TOLERANCE = 5e-7;
/*  Recursion against direct summation: both are accurate to a few ulps. */
static const double CROSS_CHECK_RELATIVE_TOLERANCE = 1e-11;
/*  Against sums of exp(log term): lgamma of ~10^5 carries a few ulps of a
 *  large number into every term. */
static const double LOG_CROSS_CHECK_RELATIVE_TOLERANCE = 1e-7;

static const kefu_erlang_target_t reference_target = {
    .calls = 100,
    .interval_s = 1800,
    .aht_s = 180,
    .target_answer_s = 20,
    .target_sl = 0.8,
    .max_occupancy = 0.85,
};

/*  Erlang C by the textbook formula, summing A^k/k! term by term in long
 *  double (no factorial is formed either, but nothing is shared with the
 *  recursion under test):
 *      C = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A)) */
static double
erlang_c_by_summation (double traffic, int agents)
{
    long double term = 1.0L, sum = 0.0L;
    for (int k = 0; k < agents; k++) {
        sum += term;
        term = term * traffic / (k + 1);
    }
    long double waiting = term * agents / (agents - traffic);
    return (double)(waiting / (sum + waiting));
}

/*  Erlang C by the same formula in logarithms (lgamma for log k!), each
 *  term scaled by the largest before summing: independent of the recursion
 *  and safe for thousands of Erlangs, where the terms themselves overflow. */
static double
erlang_c_by_log_summation (double traffic, int agents)
{
    long double log_traffic = logl (traffic);
    long double log_waiting = agents * log_traffic - lgammal (agents + 1.0L) +
                              logl ((long double)agents / (agents - traffic));
    long double largest = log_waiting;
    for (int k = 0; k < agents; k++) {
        long double log_term = k * log_traffic - lgammal (k + 1.0L);
        if (log_term > largest)
            largest = log_term;
    }
    long double sum = 0.0L;
    for (int k = 0; k < agents; k++)
        sum += expl (k * log_traffic - lgammal (k + 1.0L) - largest);
    long double waiting = expl (log_waiting - largest);
    return (double)(waiting / (sum + waiting));
}

/*  SCH-9: the published worked example, agent by agent and as a search. */
static void
test_matches_published_worked_example (void **state)
{
    (void)state;
    double traffic = kefu_erlang_traffic (100, 1800, 180);
    assert_float_equal (traffic, 10.0, 1e-12);

    kefu_erlang_result_t result;
    assert_int_equal (kefu_erlang_evaluate (traffic, 11, 180, 20, &result), KEFU_ERLANG_OK);
    assert_float_equal (result.probability_wait, 0.6821182, PUBLISHED_TOLERANCE);
    assert_float_equal (result.service_level, 0.3896138, PUBLISHED_TOLERANCE);

    assert_int_equal (kefu_erlang_evaluate (traffic, 14, 180, 20, &result), KEFU_ERLANG_OK);
    assert_float_equal (result.probability_wait, 0.1741319, PUBLISHED_TOLERANCE);
    assert_float_equal (result.service_level, 0.88835, PUBLISHED_TOLERANCE);
    assert_float_equal (result.asa_s, 7.83593701177724, 1e-9);
    assert_float_equal (result.occupancy, 0.7142857, PUBLISHED_TOLERANCE);

    const char *field, *problem;
    assert_int_equal (kefu_erlang_required (&reference_target, &result, &field, &problem),
                      KEFU_ERLANG_OK);
    assert_null (field);
    assert_int_equal (result.agents, 14);
    assert_float_equal (result.traffic_erlangs, 10.0, 1e-12);
    assert_float_equal (result.service_level, 0.88835, PUBLISHED_TOLERANCE);
    assert_float_equal (result.asa_s, 7.83593701177724, 1e-9);
}

/*  The recursion agrees with the direct sum wherever the sum is safe. */
static void
test_agrees_with_direct_summation (void **state)
{
    (void)state;
    const double traffics[] = {0.05, 0.5, 1, 2.5, 7.3, 10, 48, 100, 250};
    for (size_t i = 0; i < sizeof traffics / sizeof traffics[0]; i++) {
        double traffic = traffics[i];
        for (int agents = (int)floor (traffic) + 1; agents <= (int)traffic + 40; agents++) {
            double recursion;
            assert_int_equal (kefu_erlang_c (traffic, agents, &recursion), KEFU_ERLANG_OK);
            double summation = erlang_c_by_summation (traffic, agents);
            assert_true (recursion > 0 && recursion < 1);
            assert_float_equal (recursion, summation, CROSS_CHECK_RELATIVE_TOLERANCE * summation);
        }
    }
}

/*  Erlang B by its definition on small cases: B(1, 1) = 1/2 and
 *  B(2, 2) = (4/2) / (1 + 2 + 4/2) = 2/5. */
static void
test_erlang_b_small_cases (void **state)
{
    (void)state;
    assert_float_equal (kefu_erlang_b (1, 1), 0.5, 1e-15);
    assert_float_equal (kefu_erlang_b (2, 2), 0.4, 1e-15);
    assert_float_equal (kefu_erlang_b (3, 0), 1.0, 0);
}

/*  N ≤ A never gets an answer: the queue grows without bound. */
static void
test_refuses_unstable_queue (void **state)
{
    (void)state;
    double probability_wait = -1;
    assert_int_equal (kefu_erlang_c (10, 10, &probability_wait), KEFU_ERLANG_UNSTABLE);
    assert_int_equal (kefu_erlang_c (10, 9, &probability_wait), KEFU_ERLANG_UNSTABLE);
    assert_int_equal (kefu_erlang_c (0, 3, &probability_wait), KEFU_ERLANG_UNSTABLE);
    assert_int_equal (kefu_erlang_c (NAN, 3, &probability_wait), KEFU_ERLANG_UNSTABLE);
    assert_float_equal (probability_wait, -1, 0);
    kefu_erlang_result_t result = {.agents = -7};
    assert_int_equal (kefu_erlang_evaluate (10.5, 10, 180, 20, &result), KEFU_ERLANG_UNSTABLE);
    assert_int_equal (result.agents, -7);
    /*  Just above the traffic is stable, and waits nearly always. */
    assert_int_equal (kefu_erlang_c (10, 11, &probability_wait), KEFU_ERLANG_OK);
    assert_true (probability_wait > 0.5 && probability_wait < 1);
}

/*  2000 Erlangs (and 90 000): finite, sensible, minimal, and equal to the
 *  formula summed in logarithms; no factorial overflow. 2000 Erlangs at
 *  80/20 take 2012 agents (C = 0.7047, SL = 0.8142; 2011 give 0.7860), as
 *  also computed apart with Python's math.lgamma. */
static void
test_large_traffic_stays_finite (void **state)
{
    (void)state;
    const double traffics[] = {2000, 90000};
    for (size_t i = 0; i < sizeof traffics / sizeof traffics[0]; i++) {
        kefu_erlang_target_t target = reference_target;
        target.max_occupancy = 0;
        target.calls = traffics[i] * target.interval_s / target.aht_s;
        kefu_erlang_result_t result, fewer;
        const char *field, *problem;
        assert_int_equal (kefu_erlang_required (&target, &result, &field, &problem),
                          KEFU_ERLANG_OK);
        assert_float_equal (result.traffic_erlangs, traffics[i], 1e-6);
        assert_true (result.agents > traffics[i]);
        /*  Pooling: a big queue needs few agents above its traffic. */
        assert_true (result.agents < traffics[i] * 1.05);
        assert_true (isfinite (result.probability_wait) && result.probability_wait > 0 &&
                     result.probability_wait < 1);
        assert_true (result.service_level >= 0.8 && result.service_level < 1);
        assert_true (isfinite (result.asa_s) && result.asa_s > 0);
        assert_true (result.occupancy > 0.95 && result.occupancy < 1);
        assert_float_equal (result.probability_wait,
                            erlang_c_by_log_summation (traffics[i], result.agents),
                            LOG_CROSS_CHECK_RELATIVE_TOLERANCE * result.probability_wait);
        if (traffics[i] == 2000) {
            assert_int_equal (result.agents, 2012);
            assert_float_equal (result.service_level, 0.8142430, 1e-6);
        }
        /*  One agent fewer misses the target (or is unstable). */
        if (kefu_erlang_evaluate (traffics[i], result.agents - 1, target.aht_s,
                                  target.target_answer_s, &fewer) == KEFU_ERLANG_OK)
            assert_true (fewer.service_level < 0.8);
    }
}

/*  The answer is the smallest N: N meets the target and N − 1 does not,
 *  over a spread of forecasts and targets. */
static void
test_required_is_smallest (void **state)
{
    (void)state;
    const double calls[] = {1, 17, 100, 360, 1234.5};
    const double service_levels[] = {0.5, 0.8, 0.95, 0.999};
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        for (size_t j = 0; j < sizeof service_levels / sizeof service_levels[0]; j++) {
            kefu_erlang_target_t target = {.calls = calls[i],
                                           .interval_s = 1800,
                                           .aht_s = 240,
                                           .target_answer_s = 15,
                                           .target_sl = service_levels[j]};
            kefu_erlang_result_t result, fewer;
            const char *field, *problem;
            assert_int_equal (kefu_erlang_required (&target, &result, &field, &problem),
                              KEFU_ERLANG_OK);
            assert_true (result.service_level >= service_levels[j]);
            if (kefu_erlang_evaluate (result.traffic_erlangs, result.agents - 1, 240, 15, &fewer) ==
                KEFU_ERLANG_OK)
                assert_true (fewer.service_level < service_levels[j]);
        }
}

/*  A maximum occupancy can ask for more agents than the service level. */
static void
test_max_occupancy_binds (void **state)
{
    (void)state;
    kefu_erlang_target_t target = reference_target;
    target.max_occupancy = 0.7; /* 10/14 = 0.714 is too busy; 10/15 is not */
    kefu_erlang_result_t result;
    const char *field, *problem;
    assert_int_equal (kefu_erlang_required (&target, &result, &field, &problem), KEFU_ERLANG_OK);
    assert_int_equal (result.agents, 15);
    assert_true (result.occupancy <= 0.7);

    /*  Exactly at the maximum counts as meeting it: 8.5 Erlangs on 10
     *  agents at 85 %, where the service level alone would take 9. */
    target = (kefu_erlang_target_t){.calls = 85,
                                    .interval_s = 1800,
                                    .aht_s = 180,
                                    .target_answer_s = 20,
                                    .target_sl = 0.1,
                                    .max_occupancy = 0.85};
    assert_int_equal (kefu_erlang_required (&target, &result, &field, &problem), KEFU_ERLANG_OK);
    assert_int_equal (result.agents, 10);
    target.max_occupancy = 0;
    assert_int_equal (kefu_erlang_required (&target, &result, &field, &problem), KEFU_ERLANG_OK);
    assert_int_equal (result.agents, 9);
}

static void
expect_invalid (kefu_erlang_target_t target, const char *expected_field)
{
    kefu_erlang_result_t result = {.agents = -7};
    const char *field = NULL, *problem = NULL;
    assert_int_equal (kefu_erlang_required (&target, &result, &field, &problem),
                      KEFU_ERLANG_INVALID);
    assert_non_null (field);
    assert_string_equal (field, expected_field);
    assert_non_null (problem);
    assert_int_equal (result.agents, -7);
}

/*  Every input is bounded; NaN and infinities are refused by name. */
static void
test_refuses_inputs_out_of_bounds (void **state)
{
    (void)state;
    kefu_erlang_target_t t;
#define WITH(member, value) (t = reference_target, t.member = (value), t)
    expect_invalid (WITH (calls, 0), "calls");
    expect_invalid (WITH (calls, -1), "calls");
    expect_invalid (WITH (calls, NAN), "calls");
    expect_invalid (WITH (calls, INFINITY), "calls");
    expect_invalid (WITH (calls, KEFU_ERLANG_CALLS_MAX + 1), "calls");
    expect_invalid (WITH (interval_s, KEFU_ERLANG_INTERVAL_MIN_S - 1), "interval_s");
    expect_invalid (WITH (interval_s, KEFU_ERLANG_INTERVAL_MAX_S + 1), "interval_s");
    expect_invalid (WITH (aht_s, 0), "aht_s");
    expect_invalid (WITH (aht_s, KEFU_ERLANG_AHT_MAX_S + 0.5), "aht_s");
    expect_invalid (WITH (target_answer_s, -1), "target_answer_s");
    expect_invalid (WITH (target_answer_s, KEFU_ERLANG_ANSWER_MAX_S + 1), "target_answer_s");
    expect_invalid (WITH (target_sl, 0), "target_sl");
    expect_invalid (WITH (target_sl, 1), "target_sl");
    expect_invalid (WITH (target_sl, 1.5), "target_sl");
    expect_invalid (WITH (target_sl, NAN), "target_sl");
    expect_invalid (WITH (max_occupancy, -0.1), "max_occupancy");
    expect_invalid (WITH (max_occupancy, 1.01), "max_occupancy");
#undef WITH
    /*  The edges that are allowed. */
    kefu_erlang_target_t edges = reference_target;
    edges.target_answer_s = 0;
    edges.max_occupancy = 1;
    edges.interval_s = KEFU_ERLANG_INTERVAL_MIN_S;
    kefu_erlang_result_t result;
    const char *field, *problem;
    assert_int_equal (kefu_erlang_required (&edges, &result, &field, &problem), KEFU_ERLANG_OK);
    /*  t = 0: the service level is the share answered at once, 1 − C. */
    assert_float_equal (result.service_level, 1 - result.probability_wait, 1e-15);
}

/*  Too much traffic, or a target no bounded staff can meet. */
static void
test_refuses_beyond_limits (void **state)
{
    (void)state;
    kefu_erlang_target_t target = {.calls = KEFU_ERLANG_CALLS_MAX,
                                   .interval_s = KEFU_ERLANG_INTERVAL_MIN_S,
                                   .aht_s = KEFU_ERLANG_AHT_MAX_S,
                                   .target_answer_s = 20,
                                   .target_sl = 0.8};
    kefu_erlang_result_t result;
    const char *field, *problem;
    assert_int_equal (kefu_erlang_required (&target, &result, &field, &problem),
                      KEFU_ERLANG_BEYOND_LIMIT);
    assert_string_equal (field, "calls");
    target = reference_target;
    target.max_occupancy = 1e-6; /* 10 Erlangs at 0.0001 % busy: ten million agents */
    assert_int_equal (kefu_erlang_required (&target, &result, &field, &problem),
                      KEFU_ERLANG_BEYOND_LIMIT);
    assert_string_equal (field, "max_occupancy");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_matches_published_worked_example),
        cmocka_unit_test (test_agrees_with_direct_summation),
        cmocka_unit_test (test_erlang_b_small_cases),
        cmocka_unit_test (test_refuses_unstable_queue),
        cmocka_unit_test (test_large_traffic_stays_finite),
        cmocka_unit_test (test_required_is_smallest),
        cmocka_unit_test (test_max_occupancy_binds),
        cmocka_unit_test (test_refuses_inputs_out_of_bounds),
        cmocka_unit_test (test_refuses_beyond_limits),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
