/*  scheduling_swaps: shift swaps (SCH-4). See scheduling_swaps.h; the SQL
 *  is in scheduling_swaps_store.c.
 */
#include "scheduling_swaps.h"
#include "scheduling_creation.h"
#include "scheduling_handlers.h"
#include "scheduling_store.h"
#include "scheduling_rosters_store.h"
#include "scheduling_swaps_store.h"

#include "kefu_audit.h"
#include "kefu_outbox.h"
#include "kefu_roles.h"
#include "kefu_time.h"
#include "kefu_tz.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

enum {
    REASON_MAX = 2000,
    LIST_DEFAULT = 50,
    LIST_MAX = 200,
    RESOURCE_MAX = 96,
    /*  每人每月换班不得超过2次. */
    SWAPS_PER_MONTH_MAX = 2,
    MINUTES_PER_DAY = 24 * 60,
    MONTHS_PER_YEAR = 12
};

/*  Who decides swaps (换班必须经主管同意), and who else may read them. */
#define SWAP_DECIDERS (KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER)
#define SWAP_READERS  (SWAP_DECIDERS | KEFU_ROLE_SHIFT_LEAD | KEFU_ROLE_ADMIN)

/*  What the rules need to know of one side of a swap: the person, the
 *  shift they give and the shift they receive. */
typedef struct {
    const scheduling_staff_row_t *person;
    const scheduling_swap_shift_t *gives;
    const scheduling_swap_shift_t *receives;
} swap_side_t;

static void
swap_resource (int64_t id, char *out)
{
    snprintf (out, RESOURCE_MAX, "swap/%" PRId64, id);
}

/*  The local day (a zone's midnight to midnight) holding `at_ms`. False if
 *  the zone is unknown. */
static bool
local_day_of (const char *zone, int64_t at_ms, int64_t *from_ms, int64_t *until_ms)
{
    const kefu_tz_t *tz = kefu_tz_get (zone, NULL);
    if (!tz)
        return false;
    int64_t day = kefu_tz_local_day (tz, at_ms);
    *from_ms = kefu_tz_day_minute_ms (tz, day, 0);
    *until_ms = kefu_tz_day_minute_ms (tz, day + 1, 0);
    return true;
}

/*  The local calendar month holding `at_ms`. */
static bool
local_month_of (const char *zone, int64_t at_ms, int64_t *from_ms, int64_t *until_ms)
{
    const kefu_tz_t *tz = kefu_tz_get (zone, NULL);
    if (!tz)
        return false;
    int64_t year;
    int month, day;
    kefu_time_civil_from_days (kefu_tz_local_day (tz, at_ms), &year, &month, &day);
    int64_t first = kefu_time_days_from_civil (year, month, 1);
    int64_t next = month == MONTHS_PER_YEAR ? kefu_time_days_from_civil (year + 1, 1, 1)
                                            : kefu_time_days_from_civil (year, month + 1, 1);
    *from_ms = kefu_tz_day_minute_ms (tz, first, 0);
    *until_ms = kefu_tz_day_minute_ms (tz, next, 0);
    return true;
}

/*  Refuse with a broken rule: roll back, answer 422 with the rule's name as
 *  problem type. `who` (a staff number, or NULL when the rule is about the
 *  pair) starts the message. */
static int
rule_broken (kefu_call_t *call, const char *rule, const char *who, const char *what)
{
    kefu_call_fail_rollback (call, KEFU__V1__CODE__INVALID_ARGUMENT, rule, NULL, "%s%s%s (rule %s)",
                             who ? who : "", who ? " " : "", what, rule);
    return 1;
}

/*  Check every rule of SCH-4 for the exchange of the two sides' shifts, in
 *  the caller's transaction. Returns 0 when they all hold, 1 when one is
 *  broken (rolled back and answered), -1 on a database failure. */
static int
swap_rules_check (kefu_call_t *call, const swap_side_t *requester, const swap_side_t *counterpart)
{
    const scheduling_state_t *state = kefu_call_state (call);
    kefu_db_t *db = kefu_call_db (call);
    const swap_side_t *sides[] = {requester, counterpart};
    /*  Two people on one template the same day of one roster exchange
     *  nothing, and the exchange would hit the roster's one-assignment index
     *  (0004) halfway through. */
    const scheduling_swap_shift_t *one = requester->gives, *other = counterpart->gives;
    if (one->roster_id != 0 && one->roster_id == other->roster_id &&
        strcmp (one->roster_day, other->roster_day) == 0 &&
        strcmp (one->template_code, other->template_code) == 0)
        return rule_broken (call, "swap-same-slot", NULL,
                            "the two shifts are one roster slot (same roster, day and template): "
                            "a swap would exchange nothing");
    if (strcmp (requester->person->staff.grade, counterpart->person->staff.grade) != 0)
        return rule_broken (call, "swap-skill-mismatch", NULL,
                            "a swap is between people of the same grade");
    int64_t day1_from, day1_until, day2_from, day2_until, count = 0;
    if (!local_day_of (requester->gives->site_zone, requester->gives->starts_ms, &day1_from,
                       &day1_until) ||
        !local_day_of (counterpart->gives->site_zone, counterpart->gives->starts_ms, &day2_from,
                       &day2_until)) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field",
                                 "swap_shift_id",
                                 "a shift of this swap names a time zone that is not known");
        return 1;
    }
    if (scheduling_swaps_store_leave_count (db, requester->person->staff.id,
                                            counterpart->person->staff.id, day1_from, day1_until,
                                            day2_from, day2_until, &count) != 0)
        return -1;
    if (count > 0)
        return rule_broken (call, "swap-leave", NULL,
                            "neither person may have leave on the swap or the return day");
    for (size_t i = 0; i < 2; i++) {
        const swap_side_t *side = sides[i];
        if (scheduling_swaps_store_too_close (db, side->person->staff.id, side->gives->id,
                                              side->receives->id, state->roster_min_rest_ms,
                                              &count) != 0)
            return -1;
        if (count > 0)
            return rule_broken (
                call, "swap-back-to-back", side->person->staff.staff_no,
                "would work back-to-back shifts (less than the minimum rest between them)");
    }
    for (size_t i = 0; i < 2; i++) {
        const swap_side_t *side = sides[i];
        if (scheduling_swaps_store_consecutive (db, side->person->staff.id, side->gives->id,
                                                side->receives->id, side->gives->starts_ms,
                                                side->receives->starts_ms, &count) != 0)
            return -1;
        if (count > 0)
            return rule_broken (call, "swap-consecutive", side->person->staff.staff_no,
                                "would swap consecutive shifts, or a shift already swapped");
    }
    int64_t month_from, month_until;
    if (!local_month_of (requester->gives->site_zone, requester->gives->starts_ms, &month_from,
                         &month_until))
        return rule_broken (call, "invalid-field", NULL, "the swap day's time zone is not known");
    for (size_t i = 0; i < 2; i++) {
        const swap_side_t *side = sides[i];
        if (scheduling_swaps_store_month_count (db, side->person->staff.id, month_from, month_until,
                                                &count) != 0)
            return -1;
        if (count >= SWAPS_PER_MONTH_MAX)
            return rule_broken (call, "swap-monthly-limit", side->person->staff.staff_no,
                                "already has 2 approved swaps that month");
    }
    return 0;
}

/*  Answer a bad field of a swap request: roll back, 422. */
static void
field_refused (kefu_call_t *call, const char *field, const char *message)
{
    kefu_call_fail_rollback (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", field,
                             "%s %s", field, message);
}

/*  Write the event and audit record of a swap's change and commit; then
 *  answer with the swap as it is now. Returns 0, or -1 (not answered). */
static int
swap_commit_and_reply (kefu_call_t *call, int64_t id, const char *event_type, const char *reason)
{
    kefu_db_t *db = kefu_call_db (call);
    scheduling_swap_rows_t rows = {0};
    char resource[RESOURCE_MAX];
    swap_resource (id, resource);
    int rc = scheduling_swaps_store_get (db, id, false, &rows) == 0 &&
                     kefu_audit_commit_change (call, event_type, resource, reason, 0,
                                               &rows.swap.base) == 0
                 ? 0
                 : -1;
    scheduling_swap_rows_release (&rows);
    return rc;
}

/*  A repeated request (same Idempotency-Key, same body): the swap it made. */
static void
swap_replay (kefu_call_t *call, int64_t id)
{
    scheduling_swap_rows_t rows = {0};
    int found = scheduling_swaps_store_get (kefu_call_db (call), id, false, &rows);
    if (found < 0)
        kefu_call_fail_db (call);
    else if (found == 1)
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                        "swap %" PRId64 " not found", id);
    else
        kefu_call_reply (call, &rows.swap.base);
    scheduling_swap_rows_release (&rows);
}

/* --- swaps.request ---------------------------------------------------------- */

void
scheduling_swaps_request (kefu_call_t *call)
{
    const Kefu__V1__RequestSwapRequest *request =
        (const Kefu__V1__RequestSwapRequest *)kefu_call_payload (call);
    if (request->swap_shift_id <= 0 || request->return_shift_id <= 0 ||
        request->swap_shift_id == request->return_shift_id) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field",
                        request->swap_shift_id <= 0 ? "swap_shift_id" : "return_shift_id",
                        "swap_shift_id and return_shift_id must name two different shifts");
        return;
    }
    if (!kefu_call_check_text (call, "reason", request->reason, KEFU_TEXT_MULTILINE, REASON_MAX,
                               true) ||
        !scheduling_creation_key_ok (call))
        return;
    kefu_db_t *db = kefu_call_db (call);
    int64_t now_ms = kefu_time_now_ms ();
    scheduling_staff_rows_t requester = {0}, counterpart = {0};
    scheduling_swap_shift_t gives, receives;
    if (kefu_db_begin (db) != 0)
        goto failed;
    int claimed = scheduling_creation_claim_or_replay (call, SCHEDULING_CREATION_SWAP,
                                                       swap_replay);
    if (claimed < 0)
        goto failed;
    if (claimed > 0)
        goto done;
    int found = scheduling_store_staff_by_no (db, kefu_call_staff_id (call), false, &requester);
    if (found < 0)
        goto failed;
    if (found == 1 || strcmp (requester.row.staff.status, "active") != 0) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__PERMISSION_DENIED, "forbidden", NULL,
                                 "only active staff of the directory may ask for a swap");
        goto done;
    }
    int gives_found = scheduling_swaps_store_shift (db, request->swap_shift_id, false, &gives);
    int receives_found =
        gives_found < 0
            ? -1
            : scheduling_swaps_store_shift (db, request->return_shift_id, false, &receives);
    if (gives_found < 0 || receives_found < 0)
        goto failed;
    if (gives_found == 1 || !gives.in_force || gives.staff_id != requester.row.staff.id) {
        field_refused (call, "swap_shift_id", "must be a shift of yours in force");
        goto done;
    }
    if (receives_found == 1 || !receives.in_force || receives.staff_id == requester.row.staff.id) {
        field_refused (call, "return_shift_id", "must be another person's shift in force");
        goto done;
    }
    if (gives.starts_ms <= now_ms || receives.starts_ms <= now_ms) {
        field_refused (call, gives.starts_ms <= now_ms ? "swap_shift_id" : "return_shift_id",
                       "must be a shift that has not started");
        goto done;
    }
    found = scheduling_store_staff_by_id (db, receives.staff_id, false, &counterpart);
    if (found < 0)
        goto failed;
    if (found == 1 || strcmp (counterpart.row.staff.status, "active") != 0) {
        field_refused (call, "return_shift_id", "belongs to someone not active");
        goto done;
    }
    const swap_side_t requester_side = {&requester.row, &gives, &receives};
    const swap_side_t counterpart_side = {&counterpart.row, &receives, &gives};
    int checked = swap_rules_check (call, &requester_side, &counterpart_side);
    if (checked < 0)
        goto failed;
    if (checked > 0)
        goto done;
    int64_t id;
    if (scheduling_swaps_store_insert (db, requester.row.staff.id, counterpart.row.staff.id,
                                       gives.id, receives.id, request->reason, now_ms, &id) != 0 ||
        scheduling_creation_bind (call, id) != 0 ||
        swap_commit_and_reply (call, id, "swap.requested", request->reason) != 0)
        goto failed;
done:
    scheduling_staff_rows_release (&requester);
    scheduling_staff_rows_release (&counterpart);
    return;
failed:
    scheduling_staff_rows_release (&requester);
    scheduling_staff_rows_release (&counterpart);
    kefu_call_fail_db_rollback (call);
}

/* --- swaps.get ----------------------------------------------------------- */

void
scheduling_swaps_get (kefu_call_t *call)
{
    const Kefu__V1__SwapRef *request = (const Kefu__V1__SwapRef *)kefu_call_payload (call);
    scheduling_swap_rows_t rows = {0};
    int found = scheduling_swaps_store_get (kefu_call_db (call), request->id, false, &rows);
    const char *me = kefu_call_staff_id (call);
    if (found < 0)
        kefu_call_fail_db (call);
    else if (found == 1)
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                        "swap %" PRId64 " not found", request->id);
    else if (!(kefu_call_roles (call) & SWAP_READERS) &&
             strcmp (me, rows.swap.requester_staff_no) != 0 &&
             strcmp (me, rows.swap.counterpart_staff_no) != 0)
        kefu_call_fail (
            call, KEFU__V1__CODE__PERMISSION_DENIED, "forbidden", NULL,
            "only its two people, shift leads, supervisors, managers and admins read a swap");
    else
        kefu_call_reply (call, &rows.swap.base);
    scheduling_swap_rows_release (&rows);
}

/* --- swaps.list ----------------------------------------------------------- */

void
scheduling_swaps_list (kefu_call_t *call)
{
    static const char *const statuses[] = {"requested", "accepted",  "approved", "declined",
                                           "refused",   "cancelled", NULL};
    const Kefu__V1__ListSwapsRequest *request =
        (const Kefu__V1__ListSwapsRequest *)kefu_call_payload (call);
    uint32_t limit = request->limit ? request->limit : LIST_DEFAULT;
    if (!kefu_call_check_page (call, limit, request->after, LIST_MAX))
        return;
    if (*request->status && !kefu_text_one_of (request->status, statuses)) {
        kefu_call_fail (
            call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "status",
            "status must be requested, accepted, approved, declined, refused or cancelled");
        return;
    }
    kefu_db_t *db = kefu_call_db (call);
    scheduling_staff_rows_t me = {0};
    scheduling_swap_list_t list = {0};
    /*  Those who decide swaps see them all; anyone else their own. */
    int64_t party = 0;
    if (!(kefu_call_roles (call) & (SWAP_DECIDERS | KEFU_ROLE_ADMIN))) {
        int found = scheduling_store_staff_by_no (db, kefu_call_staff_id (call), false, &me);
        if (found < 0)
            goto failed;
        /*  Not in the directory: a party to nothing (no staff id is -1). */
        party = found == 0 ? me.row.staff.id : -1;
    }
    /*  One row more than asked tells whether there is a next page. */
    if (scheduling_swaps_store_list (db, party, request->status, request->after, (int)limit + 1,
                                     &list) != 0)
        goto failed;
    Kefu__V1__SwapList reply = KEFU__V1__SWAP_LIST__INIT;
    reply.n_items = list.count > limit ? limit : list.count;
    reply.items = list.pointers;
    reply.next = list.count > limit ? list.items[limit - 1].id : 0;
    kefu_call_reply (call, &reply.base);
    scheduling_staff_rows_release (&me);
    scheduling_swap_list_release (&list);
    return;
failed:
    scheduling_staff_rows_release (&me);
    scheduling_swap_list_release (&list);
    kefu_call_fail_db (call);
}

/* --- the steps of a swap ------------------------------------------------- */

typedef enum {
    STEP_BY_COUNTERPART,
    STEP_BY_REQUESTER,
    STEP_BY_DECIDER /* a supervisor or manager who is neither party */
} swap_step_actor_t;

/*  What approval does besides the status: exchange the shifts. Returns 0,
 *  1 when answered (rolled back), -1 on a database failure. */
typedef int (swap_step_apply_fn) (kefu_call_t *call, const scheduling_swap_rows_t *swap,
                                  int64_t now_ms);

typedef struct {
    const char *from[3]; /* statuses the step leaves; NULL-terminated */
    const char *to;
    swap_step_actor_t actor;
    bool note_required;
    const char *event_type;
    const char *verb;          /* for messages */
    swap_step_apply_fn *apply; /* NULL: nothing more */
} swap_step_t;

static bool
step_actor_ok (kefu_call_t *call, const swap_step_t *step, const Kefu__V1__Swap *swap)
{
    const char *me = kefu_call_staff_id (call);
    bool party =
        strcmp (me, swap->requester_staff_no) == 0 || strcmp (me, swap->counterpart_staff_no) == 0;
    switch (step->actor) {
        case STEP_BY_COUNTERPART:
            return strcmp (me, swap->counterpart_staff_no) == 0;
        case STEP_BY_REQUESTER:
            return strcmp (me, swap->requester_staff_no) == 0;
        case STEP_BY_DECIDER:
            return (kefu_call_roles (call) & SWAP_DECIDERS) && !party;
    }
    return false;
}

static const char *
step_actor_text (swap_step_actor_t actor)
{
    return actor == STEP_BY_COUNTERPART ? "only the counterpart"
           : actor == STEP_BY_REQUESTER ? "only the requester"
                                        : "only a supervisor or manager who is neither party";
}

static void
swap_step (kefu_call_t *call, const swap_step_t *step)
{
    const Kefu__V1__SwapRef *request = (const Kefu__V1__SwapRef *)kefu_call_payload (call);
    if (!kefu_call_check_text (call, "note", request->note, KEFU_TEXT_MULTILINE, REASON_MAX,
                               step->note_required))
        return;
    kefu_db_t *db = kefu_call_db (call);
    scheduling_swap_rows_t rows = {0};
    if (kefu_db_begin (db) != 0)
        goto failed;
    int found = scheduling_swaps_store_get (db, request->id, true, &rows);
    if (found < 0)
        goto failed;
    if (found == 1) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                                 "swap %" PRId64 " not found", request->id);
        goto done;
    }
    if (!step_actor_ok (call, step, &rows.swap)) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__PERMISSION_DENIED, "forbidden", NULL,
                                 "%s may %s this swap", step_actor_text (step->actor), step->verb);
        goto done;
    }
    if (request->expected_version && request->expected_version != rows.swap.version) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__STALE_VERSION, "stale-version", "If-Match",
                                 "swap %" PRId64 " is at version %" PRId64 ", not %" PRId64,
                                 request->id, rows.swap.version, request->expected_version);
        goto done;
    }
    bool leaves = false;
    for (size_t i = 0; step->from[i]; i++)
        leaves = leaves || strcmp (rows.swap.status, step->from[i]) == 0;
    if (!leaves) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__FAILED_PRECONDITION, "swap-state", NULL,
                                 "swap %" PRId64 " is %s: it cannot be %s", request->id,
                                 rows.swap.status, step->to);
        goto done;
    }
    int64_t now_ms = kefu_time_now_ms ();
    if (step->apply) {
        int applied = step->apply (call, &rows, now_ms);
        if (applied < 0)
            goto failed;
        if (applied > 0)
            goto done;
    }
    if (scheduling_swaps_store_set_status (db, request->id, step->to, kefu_call_staff_id (call),
                                           request->note, now_ms) != 0 ||
        swap_commit_and_reply (call, request->id, step->event_type,
                               *request->note ? request->note : NULL) != 0)
        goto failed;
done:
    scheduling_swap_rows_release (&rows);
    return;
failed:
    scheduling_swap_rows_release (&rows);
    kefu_call_fail_db_rollback (call);
}

/*  Give shift `shift` to `to`, with its event and audit record. */
static int
shift_reassign (kefu_call_t *call, const scheduling_swap_shift_t *shift,
                const scheduling_staff_row_t *to, int64_t swap_id)
{
    kefu_db_t *db = kefu_call_db (call);
    int64_t version;
    if (scheduling_swaps_store_shift_reassign (db, shift->id, to->staff.id, &version) != 0)
        return -1;
    char starts_at[KEFU_TIME_TEXT_SIZE], ends_at[KEFU_TIME_TEXT_SIZE], resource[RESOURCE_MAX],
        reason[RESOURCE_MAX];
    kefu_time_format_rfc3339 (shift->starts_ms, starts_at);
    kefu_time_format_rfc3339 (shift->ends_ms, ends_at);
    snprintf (resource, sizeof resource, "shift/%" PRId64, shift->id);
    swap_resource (swap_id, reason);
    Kefu__V1__ShiftReassigned event = KEFU__V1__SHIFT_REASSIGNED__INIT;
    event.shift_id = shift->id;
    event.swap_id = swap_id;
    event.from_staff_no = (char *)shift->staff_no;
    event.to_staff_no = to->staff.staff_no;
    event.starts_at = starts_at;
    event.ends_at = ends_at;
    event.version = version;
    if (kefu_outbox_append_message (db, "shift.reassigned", resource, &event.base) != 0 ||
        kefu_audit_record (call, "shift.reassigned", resource, reason, 0) != 0)
        return -1;
    return 0;
}

/*  A published roster changes through an approved swap (SCH-3): its version
 *  (the ETag of GET /v1/rosters/{id}) moves on once per roster whose shifts
 *  changed hands, as it does for every edit of a draft, so a copy read
 *  before the swap is known to be stale. Shifts outside rosters have none. */
static int
rosters_touch (kefu_db_t *db, const scheduling_swap_shift_t *gives,
               const scheduling_swap_shift_t *receives)
{
    if (gives->roster_id != 0 && scheduling_rosters_store_roster_touch (db, gives->roster_id) != 0)
        return -1;
    if (receives->roster_id != 0 && receives->roster_id != gives->roster_id &&
        scheduling_rosters_store_roster_touch (db, receives->roster_id) != 0)
        return -1;
    return 0;
}

/*  Approval: lock both people, then both shifts (always in id order, so
 *  concurrent approvals queue instead of deadlocking), check that the
 *  shifts are still the parties' and to come, check the rules again, and
 *  exchange the shifts. */
static int
swap_exchange (kefu_call_t *call, const scheduling_swap_rows_t *swap, int64_t now_ms)
{
    kefu_db_t *db = kefu_call_db (call);
    scheduling_staff_rows_t requester = {0}, counterpart = {0};
    scheduling_swap_shift_t gives, receives;
    int rc = -1;
    bool requester_first = swap->requester_id < swap->counterpart_id;
    bool gives_first = swap->swap.swap_shift_id < swap->swap.return_shift_id;
    int first = scheduling_store_staff_by_id (
        db, requester_first ? swap->requester_id : swap->counterpart_id, true,
        requester_first ? &requester : &counterpart);
    int second = first != 0 ? -1
                            : scheduling_store_staff_by_id (
                                  db, requester_first ? swap->counterpart_id : swap->requester_id,
                                  true, requester_first ? &counterpart : &requester);
    if (first != 0 || second != 0)
        goto done;
    first = scheduling_swaps_store_shift (
        db, gives_first ? swap->swap.swap_shift_id : swap->swap.return_shift_id, true,
        gives_first ? &gives : &receives);
    second = first != 0
                 ? -1
                 : scheduling_swaps_store_shift (
                       db, gives_first ? swap->swap.return_shift_id : swap->swap.swap_shift_id,
                       true, gives_first ? &receives : &gives);
    if (first != 0 || second != 0)
        goto done;
    if (!gives.in_force || !receives.in_force || gives.staff_id != swap->requester_id ||
        receives.staff_id != swap->counterpart_id || gives.starts_ms <= now_ms ||
        receives.starts_ms <= now_ms) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__CONFLICT, "swap-shift-changed", NULL,
                                 "a shift of swap %" PRId64
                                 " has changed hands, been cancelled or started since it was "
                                 "requested",
                                 swap->swap.id);
        rc = 1;
        goto done;
    }
    if (strcmp (requester.row.staff.status, "active") != 0 ||
        strcmp (counterpart.row.staff.status, "active") != 0) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__CONFLICT, "swap-shift-changed", NULL,
                                 "a person of swap %" PRId64 " is no longer active", swap->swap.id);
        rc = 1;
        goto done;
    }
    const swap_side_t requester_side = {&requester.row, &gives, &receives};
    const swap_side_t counterpart_side = {&counterpart.row, &receives, &gives};
    rc = swap_rules_check (call, &requester_side, &counterpart_side);
    if (rc == 0 && (shift_reassign (call, &gives, &counterpart.row, swap->swap.id) != 0 ||
                    shift_reassign (call, &receives, &requester.row, swap->swap.id) != 0 ||
                    rosters_touch (db, &gives, &receives) != 0))
        rc = -1;
done:
    scheduling_staff_rows_release (&requester);
    scheduling_staff_rows_release (&counterpart);
    return rc;
}

void
scheduling_swaps_accept (kefu_call_t *call)
{
    static const swap_step_t step = {{"requested", NULL},
                                     "accepted",
                                     STEP_BY_COUNTERPART,
                                     false,
                                     "swap.accepted",
                                     "accept",
                                     NULL};
    swap_step (call, &step);
}

void
scheduling_swaps_decline (kefu_call_t *call)
{
    static const swap_step_t step = {
        {"requested", NULL}, "declined", STEP_BY_COUNTERPART, true, "swap.declined",
        "decline",           NULL};
    swap_step (call, &step);
}

void
scheduling_swaps_approve (kefu_call_t *call)
{
    static const swap_step_t step = {{"accepted", NULL}, "approved", STEP_BY_DECIDER, false,
                                     "swap.approved",    "approve",  swap_exchange};
    swap_step (call, &step);
}

void
scheduling_swaps_refuse (kefu_call_t *call)
{
    static const swap_step_t step = {{"requested", "accepted", NULL},
                                     "refused",
                                     STEP_BY_DECIDER,
                                     true,
                                     "swap.refused",
                                     "refuse",
                                     NULL};
    swap_step (call, &step);
}

void
scheduling_swaps_cancel (kefu_call_t *call)
{
    static const swap_step_t step = {{"requested", "accepted", NULL},
                                     "cancelled",
                                     STEP_BY_REQUESTER,
                                     false,
                                     "swap.cancelled",
                                     "cancel",
                                     NULL};
    swap_step (call, &step);
}
