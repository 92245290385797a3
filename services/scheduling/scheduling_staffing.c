/*  scheduling_staffing: staffing.erlang_c and staffing.plan (SCH-9). See
 *  scheduling_staffing.h; the queueing model is common/kefu_erlang.c, the
 *  SQL (agents on shift per interval) scheduling_store.c.
 */
#include "scheduling_staffing.h"
#include "scheduling_store.h"

#include "kefu/v1/staffing.pb-c.h"
#include "kefu_erlang.h"
#include "kefu_roles.h"
#include "kefu_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    MS_PER_SECOND = 1000,
    /*  "forecast[1439].calls" and the like. */
    FIELD_PATH_SIZE = 64
};

/*  Who plans staffing; the gateway admits the same roles. */
#define STAFFING_PLANNERS \
    (KEFU_ROLE_SHIFT_LEAD | KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER | KEFU_ROLE_ADMIN)

static bool
planner_ok (kefu_call_t *call)
{
    return kefu_call_roles_require (
        call, STAFFING_PLANNERS,
        "only a shift lead, supervisor, manager or admin may plan staffing");
}

/*  Answer a kefu_erlang refusal: the field at fault, as `field_path`. */
static void
erlang_fail (kefu_call_t *call, kefu_erlang_status_t status, const char *field_path,
             const char *problem)
{
    if (status == KEFU_ERLANG_INVALID)
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", field_path,
                        "%s %s", field_path, problem);
    else
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "staffing-beyond-limit", field_path,
                        "%s %s", field_path, problem);
}

/*  kefu_erlang names the inputs by their ErlangCRequest names; in a plan,
 *  calls and aht_s belong to one interval, the rest to the whole plan. */
static bool
field_is_per_interval (const char *field)
{
    return strcmp (field, "calls") == 0 || strcmp (field, "aht_s") == 0;
}

/* --- staffing.erlang_c ---------------------------------------------------- */

void
scheduling_staffing_erlang_c (kefu_call_t *call)
{
    const Kefu__V1__ErlangCRequest *request =
        (const Kefu__V1__ErlangCRequest *)kefu_call_payload (call);
    if (!planner_ok (call))
        return;
    const kefu_erlang_target_t target = {
        .calls = request->calls,
        .interval_s = request->interval_s,
        .aht_s = request->aht_s,
        .target_answer_s = request->target_answer_s,
        .target_sl = request->target_sl,
        .max_occupancy = request->max_occupancy,
    };
    kefu_erlang_result_t result;
    const char *field, *problem;
    kefu_erlang_status_t status = kefu_erlang_required (&target, &result, &field, &problem);
    if (status != KEFU_ERLANG_OK) {
        erlang_fail (call, status, field, problem);
        return;
    }
    Kefu__V1__ErlangCReply reply = KEFU__V1__ERLANG_CREPLY__INIT;
    reply.traffic_erlangs = result.traffic_erlangs;
    reply.agents = result.agents;
    reply.probability_wait = result.probability_wait;
    reply.service_level = result.service_level;
    reply.asa_s = result.asa_s;
    reply.occupancy = result.occupancy;
    kefu_call_reply (call, &reply.base);
}

/* --- staffing.plan -------------------------------------------------------- */

/*  What a plan answer owns: its items, their pointers and their time
 *  texts. */
typedef struct {
    Kefu__V1__StaffingPlanInterval *items;
    Kefu__V1__StaffingPlanInterval **item_pointers;
    char (*times)[2][KEFU_TIME_TEXT_SIZE];
    int32_t *scheduled;
} plan_storage_t;

static void
plan_storage_release (plan_storage_t *storage)
{
    free (storage->items);
    free (storage->item_pointers);
    free (storage->times);
    free (storage->scheduled);
}

/*  The plan-wide inputs: a start, an interval length, 1 .. a day's worth
 *  of intervals. */
static bool
plan_shape_ok (kefu_call_t *call, const Kefu__V1__StaffingPlanRequest *request, int64_t *starts_ms)
{
    if (!kefu_time_parse_rfc3339 (request->starts_at, starts_ms)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "starts_at",
                        "starts_at must be an RFC 3339 date-time");
        return false;
    }
    if (request->interval_s < KEFU_ERLANG_INTERVAL_MIN_S ||
        request->interval_s > KEFU_ERLANG_INTERVAL_MAX_S) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "interval_s",
                        "interval_s must be from %d to %d seconds", KEFU_ERLANG_INTERVAL_MIN_S,
                        KEFU_ERLANG_INTERVAL_MAX_S);
        return false;
    }
    size_t intervals_max = SCHEDULING_STAFFING_PLAN_SPAN_MAX_S / (size_t)request->interval_s;
    if (request->n_forecast == 0 || request->n_forecast > intervals_max) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "forecast",
                        "forecast must hold 1 to %zu intervals of %d s (a day at most)",
                        intervals_max, request->interval_s);
        return false;
    }
    return true;
}

/*  Answer a kefu_erlang refusal for forecast interval `index`: calls and
 *  aht_s are that interval's ("forecast[3].calls"), the rest the plan's. */
static void
plan_fail (kefu_call_t *call, kefu_erlang_status_t status, size_t index, const char *field,
           const char *problem)
{
    char field_path[FIELD_PATH_SIZE];
    if (field_is_per_interval (field)) {
        snprintf (field_path, sizeof field_path, "forecast[%zu].%s", index, field);
        field = field_path;
    }
    erlang_fail (call, status, field, problem);
}

/*  Staff one forecast interval into `item`. An interval without calls
 *  needs nobody (Erlang C is undefined for no traffic); it still must have
 *  a sane AHT. Returns false with the call answered. */
static bool
plan_interval_staff (kefu_call_t *call, const Kefu__V1__StaffingPlanRequest *request, size_t index,
                     Kefu__V1__StaffingPlanInterval *item)
{
    const Kefu__V1__ForecastInterval *forecast = request->forecast[index];
    item->calls = forecast->calls;
    item->aht_s = forecast->aht_s;
    kefu_erlang_target_t target = {
        .calls = forecast->calls,
        .interval_s = request->interval_s,
        .aht_s = forecast->aht_s,
        .target_answer_s = request->target_answer_s,
        .target_sl = request->target_sl,
        .max_occupancy = request->max_occupancy,
    };
    if (forecast->calls == 0) {
        /*  Check the rest of the target with a stand-in call volume, so a
         *  bad AHT or target is refused here as anywhere else. */
        target.calls = 1;
        if (forecast->aht_s == 0)
            target.aht_s = 1;
        const char *problem, *field = kefu_erlang_target_check (&target, &problem);
        if (field) {
            plan_fail (call, KEFU_ERLANG_INVALID, index, field, problem);
            return false;
        }
        item->service_level = 1;
        return true;
    }
    kefu_erlang_result_t result;
    const char *field, *problem;
    kefu_erlang_status_t status = kefu_erlang_required (&target, &result, &field, &problem);
    if (status != KEFU_ERLANG_OK) {
        /*  A plan's interval may have no calls, unlike a single question. */
        if (status == KEFU_ERLANG_INVALID && strcmp (field, "calls") == 0)
            problem = "must be a number from 0 to " KEFU_ERLANG_TEXT (KEFU_ERLANG_CALLS_MAX);
        plan_fail (call, status, index, field, problem);
        return false;
    }
    item->traffic_erlangs = result.traffic_erlangs;
    item->agents_required = result.agents;
    item->service_level = result.service_level;
    item->probability_wait = result.probability_wait;
    item->asa_s = result.asa_s;
    item->occupancy = result.occupancy;
    return true;
}

void
scheduling_staffing_plan (kefu_call_t *call)
{
    const Kefu__V1__StaffingPlanRequest *request =
        (const Kefu__V1__StaffingPlanRequest *)kefu_call_payload (call);
    int64_t starts_ms;
    if (!planner_ok (call) || !plan_shape_ok (call, request, &starts_ms))
        return;
    size_t count = request->n_forecast;
    plan_storage_t storage = {
        .items = calloc (count, sizeof *storage.items),
        .item_pointers = calloc (count, sizeof *storage.item_pointers),
        .times = calloc (count, sizeof *storage.times),
        .scheduled = calloc (count, sizeof *storage.scheduled),
    };
    if (!storage.items || !storage.item_pointers || !storage.times || !storage.scheduled) {
        plan_storage_release (&storage);
        kefu_call_fail (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "out of memory");
        return;
    }
    int64_t interval_ms = (int64_t)request->interval_s * MS_PER_SECOND;
    for (size_t i = 0; i < count; i++) {
        Kefu__V1__StaffingPlanInterval *item = &storage.items[i];
        kefu__v1__staffing_plan_interval__init (item);
        if (!plan_interval_staff (call, request, i, item)) {
            plan_storage_release (&storage);
            return;
        }
        kefu_time_format_rfc3339 (starts_ms + (int64_t)i * interval_ms, storage.times[i][0]);
        kefu_time_format_rfc3339 (starts_ms + (int64_t)(i + 1) * interval_ms, storage.times[i][1]);
        item->starts_at = storage.times[i][0];
        item->ends_at = storage.times[i][1];
        storage.item_pointers[i] = item;
    }
    if (scheduling_store_agents_scheduled (kefu_call_db (call), starts_ms, interval_ms, (int)count,
                                           storage.scheduled) != 0) {
        plan_storage_release (&storage);
        kefu_call_fail_db (call);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        storage.items[i].agents_scheduled = storage.scheduled[i];
        storage.items[i].gap = storage.scheduled[i] - storage.items[i].agents_required;
    }
    Kefu__V1__StaffingPlan plan = KEFU__V1__STAFFING_PLAN__INIT;
    plan.n_items = count;
    plan.items = storage.item_pointers;
    kefu_call_reply (call, &plan.base);
    plan_storage_release (&storage);
}
