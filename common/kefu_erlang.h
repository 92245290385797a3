/*  kefu_erlang: Erlang C staffing for one forecast interval (SCH-9).
 *
 *  Calls arriving at random (Poisson) into one queue, served first come
 *  first served by N interchangeable agents with exponentially distributed
 *  handling times, nobody hanging up: the M/M/N queue. From a forecast
 *  (calls in an interval, average handling time) and a target (a share of
 *  calls answered within a time, optionally a maximum occupancy) it answers
 *  how many agents are needed and what they will achieve:
 *
 *      traffic        A = calls × AHT / interval            (Erlangs)
 *      Erlang B       B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1))
 *      Erlang C       C = N·B(N) / (N − A·(1 − B(N)))       P(a call waits)
 *      service level  SL(t) = 1 − C·e^(−(N−A)·t/AHT)
 *      ASA            C·AHT / (N − A)                        (seconds)
 *      occupancy      A / N
 *
 *  Erlang B is computed by its recursion, never from A^N and N!, so the
 *  numbers stay finite and accurate for thousands of Erlangs (every B(n) is
 *  a probability in (0, 1]). N ≤ A is an unstable queue (it grows without
 *  bound): refused, never answered with a negative or infinite time.
 *
 *  Pure functions: no state, no allocation, safe from any thread.
 */
#ifndef KEFU_ERLANG_H_INCLUDED
#define KEFU_ERLANG_H_INCLUDED

#include <stdbool.h>

/*  Bounds on the inputs, inclusive unless said otherwise. The gateway's
 *  route table checks the same bounds, so a bad query is a 400. Macros, not
 *  an enum, so that messages can name them (KEFU_ERLANG_TEXT). */
#define KEFU_ERLANG_CALLS_MAX      1000000 /* calls per interval, > 0 */
#define KEFU_ERLANG_INTERVAL_MIN_S 60      /* a forecast interval: a minute */
#define KEFU_ERLANG_INTERVAL_MAX_S 86400   /* ... to a day */
#define KEFU_ERLANG_AHT_MAX_S      14400 /* average handling time, > 0: four hours is a typo already */
#define KEFU_ERLANG_ANSWER_MAX_S   3600 /* target answer time, >= 0 */
/*  Traffic above this is no single queue's (and would make the agent search
 *  long): refused. */
#define KEFU_ERLANG_TRAFFIC_MAX 100000
/*  The agent search gives up past this many agents (a tiny maximum occupancy
 *  could otherwise ask for millions). */
#define KEFU_ERLANG_AGENTS_MAX 200000

/*  A bound as text, for messages. */
#define KEFU_ERLANG_TEXT(bound)  KEFU_ERLANG_TEXT_ (bound)
#define KEFU_ERLANG_TEXT_(bound) #bound

typedef enum {
    KEFU_ERLANG_OK = 0,
    KEFU_ERLANG_INVALID,  /* an input out of its bounds; *field names it */
    KEFU_ERLANG_UNSTABLE, /* agents ≤ traffic: the queue never drains */
    KEFU_ERLANG_BEYOND_LIMIT /* traffic above KEFU_ERLANG_TRAFFIC_MAX, or no N ≤ KEFU_ERLANG_AGENTS_MAX meets the target */
} kefu_erlang_status_t;

/*  A forecast interval and the target to staff it for. */
typedef struct {
    double calls;           /* offered in the interval, (0, KEFU_ERLANG_CALLS_MAX] */
    double interval_s;      /* [KEFU_ERLANG_INTERVAL_MIN_S, KEFU_ERLANG_INTERVAL_MAX_S] */
    double aht_s;           /* (0, KEFU_ERLANG_AHT_MAX_S] */
    double target_answer_s; /* [0, KEFU_ERLANG_ANSWER_MAX_S] */
    double target_sl;       /* share answered within target_answer_s, (0, 1) */
    double max_occupancy;   /* (0, 1], or 0 for no limit */
} kefu_erlang_target_t;

/*  What N agents achieve on A Erlangs. */
typedef struct {
    double traffic_erlangs;
    int agents;
    double probability_wait; /* Erlang C */
    double service_level;    /* SL(target_answer_s) */
    double asa_s;            /* average speed of answer */
    double occupancy;
} kefu_erlang_result_t;

/*  Check every input of `target` against its bounds (NaN and infinities
 *  fail). Returns NULL when all are good, else the name of the first field
 *  at fault ("calls", "interval_s", "aht_s", "target_answer_s",
 *  "target_sl", "max_occupancy"), with *problem (borrowed) saying what it
 *  must be. */
const char *kefu_erlang_target_check (const kefu_erlang_target_t *target, const char **problem);

/*  Offered traffic in Erlangs: calls × aht_s / interval_s. The caller
 *  passes checked inputs. */
double kefu_erlang_traffic (double calls, double interval_s, double aht_s);

/*  Erlang B (blocking probability of a loss system) for `agents` ≥ 0
 *  servers and `traffic` ≥ 0 Erlangs, by the recursion; in [0, 1]. */
double kefu_erlang_b (double traffic, int agents);

/*  Erlang C: the probability that a call waits, for agents > traffic > 0.
 *  Returns KEFU_ERLANG_OK with *probability_wait set, or
 *  KEFU_ERLANG_UNSTABLE when agents ≤ traffic (or traffic is not a
 *  positive finite number). */
kefu_erlang_status_t kefu_erlang_c (double traffic, int agents, double *probability_wait);

/*  Everything `agents` achieve on `traffic` Erlangs with handling time
 *  aht_s, the service level at target_answer_s. KEFU_ERLANG_UNSTABLE when
 *  agents ≤ traffic; *result is then untouched. */
kefu_erlang_status_t kefu_erlang_evaluate (double traffic, int agents, double aht_s,
                                           double target_answer_s, kefu_erlang_result_t *result);

/*  The smallest number of agents whose service level reaches
 *  target->target_sl and, when target->max_occupancy is not 0, whose
 *  occupancy stays at or below it; *result describes it. On
 *  KEFU_ERLANG_INVALID *field names the input at fault and *problem says
 *  why; on KEFU_ERLANG_BEYOND_LIMIT *field is "calls" (too much traffic)
 *  or "max_occupancy"/"target_sl" (no N within KEFU_ERLANG_AGENTS_MAX).
 *  *field and *problem are borrowed and NULL on success. */
kefu_erlang_status_t kefu_erlang_required (const kefu_erlang_target_t *target,
                                           kefu_erlang_result_t *result, const char **field,
                                           const char **problem);

#endif
