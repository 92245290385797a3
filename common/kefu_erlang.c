/*  kefu_erlang: Erlang C staffing for one forecast interval. See
 *  kefu_erlang.h for the model and the formulas.
 */
#include "kefu_erlang.h"

#include <math.h>
#include <stddef.h>

/*  Occupancy A/N is compared with the maximum after a division: a value
 *  equal to it in decimal (8.5 / 10 against 0.85) may land a rounding step
 *  above it in binary, and must still count as meeting it. */
static const double OCCUPANCY_ROUNDING_SLACK = 1e-12;

/*  True if `value` is a finite number in the range: `low` excluded when
 *  low_open, `high` excluded when high_open. NaN fails every comparison. */
static bool
number_within (double value, double low, bool low_open, double high, bool high_open)
{
    if (!isfinite (value))
        return false;
    if (low_open ? !(value > low) : !(value >= low))
        return false;
    return high_open ? value < high : value <= high;
}

const char *
kefu_erlang_target_check (const kefu_erlang_target_t *target, const char **problem)
{
    if (!number_within (target->calls, 0, true, KEFU_ERLANG_CALLS_MAX, false)) {
        *problem = "must be a number above 0 and at most " KEFU_ERLANG_TEXT (KEFU_ERLANG_CALLS_MAX);
        return "calls";
    }
    if (!number_within (target->interval_s, KEFU_ERLANG_INTERVAL_MIN_S, false,
                        KEFU_ERLANG_INTERVAL_MAX_S, false)) {
        *problem =
            "must be from " KEFU_ERLANG_TEXT (KEFU_ERLANG_INTERVAL_MIN_S) " to " KEFU_ERLANG_TEXT (
                KEFU_ERLANG_INTERVAL_MAX_S) " seconds";
        return "interval_s";
    }
    if (!number_within (target->aht_s, 0, true, KEFU_ERLANG_AHT_MAX_S, false)) {
        *problem =
            "must be above 0 and at most " KEFU_ERLANG_TEXT (KEFU_ERLANG_AHT_MAX_S) " seconds";
        return "aht_s";
    }
    if (!number_within (target->target_answer_s, 0, false, KEFU_ERLANG_ANSWER_MAX_S, false)) {
        *problem = "must be from 0 to " KEFU_ERLANG_TEXT (KEFU_ERLANG_ANSWER_MAX_S) " seconds";
        return "target_answer_s";
    }
    if (!number_within (target->target_sl, 0, true, 1, true)) {
        *problem = "must be above 0 and below 1";
        return "target_sl";
    }
    /*  0 is "no limit" (proto3 cannot tell it from absent). */
    if (target->max_occupancy != 0 && !number_within (target->max_occupancy, 0, true, 1, false)) {
        *problem = "must be above 0 and at most 1";
        return "max_occupancy";
    }
    *problem = NULL;
    return NULL;
}

double
kefu_erlang_traffic (double calls, double interval_s, double aht_s)
{
    return calls * aht_s / interval_s;
}

/*  One step of the Erlang B recursion: B(n) from B(n−1). */
static double
erlang_b_next (double traffic, int n, double previous)
{
    double offered = traffic * previous;
    return offered / (n + offered);
}

double
kefu_erlang_b (double traffic, int agents)
{
    double blocking = 1.0;
    for (int n = 1; n <= agents; n++)
        blocking = erlang_b_next (traffic, n, blocking);
    return blocking;
}

/*  Erlang C from Erlang B for the same N and A (N > A). */
static double
erlang_c_from_b (double traffic, int agents, double blocking)
{
    return agents * blocking / (agents - traffic * (1.0 - blocking));
}

static bool
stable (double traffic, int agents)
{
    return isfinite (traffic) && traffic > 0 && agents > traffic;
}

kefu_erlang_status_t
kefu_erlang_c (double traffic, int agents, double *probability_wait)
{
    if (!stable (traffic, agents))
        return KEFU_ERLANG_UNSTABLE;
    *probability_wait = erlang_c_from_b (traffic, agents, kefu_erlang_b (traffic, agents));
    return KEFU_ERLANG_OK;
}

/*  Fill *result for N agents given C. */
static void
erlang_describe (double traffic, int agents, double probability_wait, double aht_s,
                 double target_answer_s, kefu_erlang_result_t *result)
{
    double spare = agents - traffic;
    result->traffic_erlangs = traffic;
    result->agents = agents;
    result->probability_wait = probability_wait;
    result->service_level = 1.0 - probability_wait * exp (-spare * target_answer_s / aht_s);
    result->asa_s = probability_wait * aht_s / spare;
    result->occupancy = traffic / agents;
}

kefu_erlang_status_t
kefu_erlang_evaluate (double traffic, int agents, double aht_s, double target_answer_s,
                      kefu_erlang_result_t *result)
{
    double probability_wait;
    if (kefu_erlang_c (traffic, agents, &probability_wait) != KEFU_ERLANG_OK)
        return KEFU_ERLANG_UNSTABLE;
    erlang_describe (traffic, agents, probability_wait, aht_s, target_answer_s, result);
    return KEFU_ERLANG_OK;
}

kefu_erlang_status_t
kefu_erlang_required (const kefu_erlang_target_t *target, kefu_erlang_result_t *result,
                      const char **field, const char **problem)
{
    *field = kefu_erlang_target_check (target, problem);
    if (*field)
        return KEFU_ERLANG_INVALID;
    double traffic = kefu_erlang_traffic (target->calls, target->interval_s, target->aht_s);
    if (traffic > KEFU_ERLANG_TRAFFIC_MAX) {
        *field = "calls";
        *problem = "gives more than " KEFU_ERLANG_TEXT (
            KEFU_ERLANG_TRAFFIC_MAX) " Erlangs of traffic (calls × aht_s / interval_s)";
        return KEFU_ERLANG_BEYOND_LIMIT;
    }
    /*  Walk N upward carrying B(N) along, so the whole search costs one
     *  pass of the recursion rather than one per candidate. Service level
     *  and occupancy both improve with N, so the first N meeting both is
     *  the smallest. */
    double blocking = 1.0;
    for (int agents = 1; agents <= KEFU_ERLANG_AGENTS_MAX; agents++) {
        blocking = erlang_b_next (traffic, agents, blocking);
        if (!stable (traffic, agents))
            continue;
        double probability_wait = erlang_c_from_b (traffic, agents, blocking);
        kefu_erlang_result_t candidate;
        erlang_describe (traffic, agents, probability_wait, target->aht_s, target->target_answer_s,
                         &candidate);
        bool service_met = candidate.service_level >= target->target_sl;
        bool occupancy_met =
            target->max_occupancy == 0 ||
            candidate.occupancy <= target->max_occupancy + OCCUPANCY_ROUNDING_SLACK;
        if (service_met && occupancy_met) {
            *result = candidate;
            *problem = NULL;
            return KEFU_ERLANG_OK;
        }
    }
    bool occupancy_bound =
        target->max_occupancy != 0 && traffic / target->max_occupancy > KEFU_ERLANG_AGENTS_MAX;
    *field = occupancy_bound ? "max_occupancy" : "target_sl";
    *problem = "cannot be met with at most " KEFU_ERLANG_TEXT (KEFU_ERLANG_AGENTS_MAX) " agents";
    return KEFU_ERLANG_BEYOND_LIMIT;
}
