/*  tickets_sla: deadlines, pauses and escalations of tickets. See
 *  tickets_sla.h; SQL in tickets_sla_store.c, methods in
 *  tickets_sla_handlers.c, the periodic scan in tickets_sla_engine.c.
 */
#include "tickets_sla.h"

#include "kefu/v1/envelope.pb-c.h"
#include "kefu_audit.h"
#include "kefu_outbox.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    MS_PER_S = 1000,
    RESOURCE_MAX = 64
};

/*  The engine, as it appears in audit records. */
#define SLA_ENGINE_STAFF_ID "system:sla"
#define DEADLINE_FIRST_RESPONSE "first_response"
#define DEADLINE_RESOLUTION "resolution"

static void
ticket_resource (int64_t id, char *out, size_t size)
{
    snprintf (out, size, "ticket/%" PRId64, id);
}

/* --- calendars ----------------------------------------------------------------- */

kefu_calendar_t *
tickets_sla_calendar_build (const Kefu__V1__SlaCalendar *definition, char *field, size_t field_size,
                            const char **problem)
{
    const char *zone_problem = NULL;
    const kefu_tz_t *tz = kefu_tz_get (definition->time_zone, &zone_problem);
    if (!tz) {
        snprintf (field, field_size, "time_zone");
        *problem = zone_problem;
        return NULL;
    }
    if (definition->n_hours > TICKETS_SLA_HOURS_MAX) {
        snprintf (field, field_size, "hours");
        *problem = "has too many intervals (at most 8 a weekday)";
        return NULL;
    }
    if (definition->n_dates > TICKETS_SLA_DATES_MAX) {
        snprintf (field, field_size, "dates");
        *problem = "has too many dates (at most 1000)";
        return NULL;
    }
    kefu_calendar_t *calendar = kefu_calendar_new (tz);
    if (!calendar) {
        *problem = "out of memory";
        return NULL;
    }
    for (size_t i = 0; i < definition->n_hours; i++) {
        const Kefu__V1__SlaHours *hours = definition->hours[i];
        int weekday;
        int32_t start, end;
        const char *part = NULL;
        if (!kefu_calendar_parse_weekday (hours->weekday, &weekday)) {
            part = "weekday";
            *problem = "must be one of monday, tuesday, wednesday, thursday, friday, saturday, sunday";
        } else if (!kefu_calendar_parse_clock (hours->start, &start)) {
            part = "start";
            *problem = "must be a time of day HH:MM";
        } else if (!kefu_calendar_parse_clock (hours->end, &end)) {
            part = "end";
            *problem = "must be a time of day HH:MM (24:00 for midnight)";
        } else if (kefu_calendar_add_hours (calendar, weekday, start, end) != 0) {
            snprintf (field, field_size, "hours[%zu]", i);
            *problem = "must end after it starts, and neither overlap nor touch another interval of its weekday "
                       "(at most 8 a weekday)";
            kefu_calendar_destroy (&calendar);
            return NULL;
        }
        if (part) {
            snprintf (field, field_size, "hours[%zu].%s", i, part);
            kefu_calendar_destroy (&calendar);
            return NULL;
        }
    }
    for (size_t i = 0; i < definition->n_dates; i++) {
        const Kefu__V1__SlaDate *date = definition->dates[i];
        int64_t year;
        int month, day, hours_of = 0;
        if (!kefu_calendar_parse_date (date->date, &year, &month, &day)) {
            snprintf (field, field_size, "dates[%zu].date", i);
            *problem = "must be a date YYYY-MM-DD";
        } else if (date->working && !kefu_calendar_parse_weekday (date->hours_of, &hours_of)) {
            snprintf (field, field_size, "dates[%zu].hours_of", i);
            *problem = "a working date needs the weekday whose hours it has (monday ... sunday)";
        } else if (!date->working && *date->hours_of) {
            snprintf (field, field_size, "dates[%zu].hours_of", i);
            *problem = "only a working date has hours_of";
        } else if ((date->working ? kefu_calendar_add_workday (calendar, year, month, day, hours_of)
                                  : kefu_calendar_add_holiday (calendar, year, month, day))
                   != 0) {
            snprintf (field, field_size, "dates[%zu].date", i);
            *problem = "is listed twice";
        } else
            continue;
        kefu_calendar_destroy (&calendar);
        return NULL;
    }
    if (!kefu_calendar_has_hours (calendar)) {
        snprintf (field, field_size, "hours");
        *problem = "needs at least one working interval";
        kefu_calendar_destroy (&calendar);
        return NULL;
    }
    return calendar;
}

/* --- state ---------------------------------------------------------------------- */

int
tickets_sla_state_open (tickets_sla_state_t *state, tickets_sla_row_t *row)
{
    memset (state, 0, sizeof *state);
    state->row = *row;
    memset (row, 0, sizeof *row);
    state->policy = kefu__v1__sla_policy__unpack (NULL, state->row.policy_size, state->row.policy);
    state->calendar_definition = kefu__v1__sla_calendar__unpack (NULL, state->row.calendar_size, state->row.calendar);
    if (!state->policy || !state->calendar_definition)
        return -1;
    char field[KEFU_TIME_TEXT_SIZE];
    const char *problem;
    state->calendar = tickets_sla_calendar_build (state->calendar_definition, field, sizeof field, &problem);
    return state->calendar ? 0 : -1;
}

void
tickets_sla_state_release (tickets_sla_state_t *state)
{
    if (state->policy)
        kefu__v1__sla_policy__free_unpacked (state->policy, NULL);
    if (state->calendar_definition)
        kefu__v1__sla_calendar__free_unpacked (state->calendar_definition, NULL);
    kefu_calendar_destroy (&state->calendar);
    tickets_sla_row_release (&state->row);
    memset (state, 0, sizeof *state);
}

int
tickets_sla_state_load (kefu_db_t *db, int64_t ticket_id, tickets_sla_state_t *state)
{
    tickets_sla_row_t row;
    memset (state, 0, sizeof *state);
    int found = tickets_sla_store_row_get (db, ticket_id, &row);
    if (found != 0)
        return found;
    if (tickets_sla_state_open (state, &row) != 0) {
        tickets_sla_state_release (state);
        return -1;
    }
    return 0;
}

static void
earliest (int64_t *next, int64_t candidate)
{
    if (candidate && (!*next || candidate < *next))
        *next = candidate;
}

/*  When the engine next has something to do; 0 for nothing. */
static int64_t
sla_next_check (const tickets_sla_row_t *row)
{
    if (row->paused_since_ms || row->resolved_ms || row->closed_ms)
        return 0;
    int64_t next = 0;
    if (!row->first_responded_ms) {
        if (!row->first_response_at_risk)
            earliest (&next, row->first_response_at_risk_ms);
        if (!row->first_response_breached)
            earliest (&next, row->first_response_due_ms);
    }
    if (!row->resolution_at_risk)
        earliest (&next, row->resolution_at_risk_ms);
    if (!row->resolution_breached)
        earliest (&next, row->resolution_due_ms);
    earliest (&next, row->next_escalation_ms);
    return next;
}

int
tickets_sla_state_save (kefu_db_t *db, tickets_sla_state_t *state)
{
    state->row.next_check_ms = sla_next_check (&state->row);
    return tickets_sla_store_row_update (db, &state->row);
}

static const char *
time_text (int64_t ms, char *out)
{
    if (!ms)
        return "";
    kefu_time_format_rfc3339 (ms, out);
    return out;
}

void
tickets_sla_view (const tickets_sla_state_t *state, tickets_sla_view_t *view)
{
    const tickets_sla_row_t *row = &state->row;
    Kefu__V1__TicketSla *message = &view->message;
    kefu__v1__ticket_sla__init (message);
    int t = 0;
    message->ticket_id = row->ticket_id;
    message->policy_id = row->policy_id;
    message->policy_name = state->policy->name;
    message->time_zone = state->calendar_definition->time_zone;
    message->started_at = (char *) time_text (row->started_ms, view->times[t++]);
    message->first_response_due_at = (char *) time_text (row->first_response_due_ms, view->times[t++]);
    message->first_response_at_risk_at = (char *) time_text (row->first_response_at_risk_ms, view->times[t++]);
    message->first_responded_at = (char *) time_text (row->first_responded_ms, view->times[t++]);
    message->resolution_due_at = (char *) time_text (row->resolution_due_ms, view->times[t++]);
    message->resolution_at_risk_at = (char *) time_text (row->resolution_at_risk_ms, view->times[t++]);
    message->resolved_at = (char *) time_text (row->resolved_ms, view->times[t++]);
    message->closed_at = (char *) time_text (row->closed_ms, view->times[t++]);
    message->paused = row->paused_since_ms != 0;
    message->paused_since = (char *) time_text (row->paused_since_ms, view->times[t++]);
    message->pause_reason = row->pause_reason ? row->pause_reason : "";
    message->paused_business_s = row->paused_business_s;
    message->first_response_at_risk = row->first_response_at_risk;
    message->first_response_breached = row->first_response_breached;
    message->resolution_at_risk = row->resolution_at_risk;
    message->resolution_breached = row->resolution_breached;
    message->escalation_level = (uint32_t) row->escalation_level;
    message->next_escalation_at = (char *) time_text (row->next_escalation_ms, view->times[t++]);
    message->n_escalation = state->policy->n_escalation;
    message->escalation = state->policy->escalation;
}

/* --- events ---------------------------------------------------------------------- */

typedef struct {
    const char *deadline;
    int64_t due_ms;
    unsigned level;
    const char *reason;
    bool emergency;
    const char *actor_staff_id;     /* NULL: the engine */
} sla_event_t;

static const Kefu__V1__Actor *
engine_actor (void)
{
    static Kefu__V1__Actor actor = KEFU__V1__ACTOR__INIT;
    actor.staff_id = SLA_ENGINE_STAFF_ID;
    actor.session_id = "engine:sla";
    return &actor;
}

/*  Append event `type` about the state's ticket; the engine's events get
 *  their audit record here too (a staff member's get theirs from the
 *  handler, with the request's actor). */
static int
sla_emit (kefu_db_t *db, const tickets_sla_state_t *state, const char *type, const sla_event_t *what)
{
    tickets_sla_view_t view;
    tickets_sla_view (state, &view);
    char due[KEFU_TIME_TEXT_SIZE], resource[RESOURCE_MAX];
    ticket_resource (state->row.ticket_id, resource, sizeof resource);
    Kefu__V1__TicketSlaEvent event = KEFU__V1__TICKET_SLA_EVENT__INIT;
    event.ticket_id = state->row.ticket_id;
    event.deadline = (char *) (what->deadline ? what->deadline : "");
    event.due_at = (char *) time_text (what->due_ms, due);
    event.level = what->level;
    if (what->level >= 1 && what->level <= state->policy->n_escalation)
        event.target = state->policy->escalation[what->level - 1];
    event.reason = (char *) (what->reason ? what->reason : "");
    event.emergency = what->emergency;
    event.actor_staff_id = (char *) (what->actor_staff_id ? what->actor_staff_id : "");
    event.sla = &view.message;
    if (kefu_outbox_append_message (db, type, resource, &event.base) != 0)
        return -1;
    if (!what->actor_staff_id)
        return kefu_audit_record_system (db, engine_actor (), type, resource, what->reason, 1);
    return 0;
}

/* --- hooks ------------------------------------------------------------------------ */

/*  The instant `percent` % of `target_s` business seconds after `start_ms`. */
static int
sla_target_instant (const kefu_calendar_t *calendar, int64_t start_ms, int64_t target_s, unsigned percent,
                    int64_t *instant_ms)
{
    int64_t business_ms = target_s * MS_PER_S * (int64_t) percent / TICKETS_SLA_PERCENT;
    return kefu_calendar_add (calendar, start_ms, business_ms, instant_ms);
}

static unsigned
sla_at_risk_percent (const Kefu__V1__SlaPolicy *policy)
{
    return policy->at_risk_percent ? policy->at_risk_percent : TICKETS_SLA_AT_RISK_DEFAULT;
}

int
tickets_sla_start (kefu_db_t *db, int64_t ticket_id, const char *kind, const char *priority, int64_t start_ms)
{
    tickets_sla_row_t row = { 0 };
    int found = tickets_sla_store_policy_for (db, kind, priority, &row.policy_id, &row.policy, &row.policy_size,
                                              &row.calendar, &row.calendar_size);
    if (found != 0)
        return found == 1 ? 0 : -1;
    row.ticket_id = ticket_id;
    row.started_ms = start_ms;
    row.pause_reason = strdup ("");
    tickets_sla_state_t state = { 0 };
    if (!row.pause_reason || tickets_sla_state_open (&state, &row) != 0) {
        tickets_sla_row_release (&row);
        tickets_sla_state_release (&state);
        return -1;
    }
    const Kefu__V1__SlaPolicy *policy = state.policy;
    unsigned percent = sla_at_risk_percent (policy);
    tickets_sla_row_t *r = &state.row;
    int rc = -1;
    if (sla_target_instant (state.calendar, start_ms, policy->first_response_s, TICKETS_SLA_PERCENT,
                            &r->first_response_due_ms) == 0
        && sla_target_instant (state.calendar, start_ms, policy->first_response_s, percent,
                               &r->first_response_at_risk_ms) == 0
        && sla_target_instant (state.calendar, start_ms, policy->resolution_s, TICKETS_SLA_PERCENT,
                               &r->resolution_due_ms) == 0
        && sla_target_instant (state.calendar, start_ms, policy->resolution_s, percent, &r->resolution_at_risk_ms)
               == 0) {
        r->next_check_ms = sla_next_check (r);
        rc = tickets_sla_store_row_insert (db, r);
    }
    tickets_sla_state_release (&state);
    return rc;
}

/*  Load, apply `change`, save: the shape of every hook. */
typedef void (sla_change_fn) (tickets_sla_state_t *state, int64_t at_ms);

static int
sla_hook (kefu_db_t *db, int64_t ticket_id, int64_t at_ms, sla_change_fn *change)
{
    tickets_sla_state_t state;
    int found = tickets_sla_state_load (db, ticket_id, &state);
    if (found != 0)
        return found == 1 ? 0 : -1;
    change (&state, at_ms);
    int rc = tickets_sla_state_save (db, &state);
    tickets_sla_state_release (&state);
    return rc;
}

/*  Escalation goes on only while a breached deadline is unmet. */
static void
sla_stop_escalation_if_met (tickets_sla_row_t *row)
{
    bool unmet_breach = (row->first_response_breached && !row->first_responded_ms)
                     || (row->resolution_breached && !row->resolved_ms);
    if (!unmet_breach)
        row->next_escalation_ms = 0;
}

static void
change_first_response (tickets_sla_state_t *state, int64_t at_ms)
{
    if (state->row.first_responded_ms)
        return;
    state->row.first_responded_ms = at_ms;
    sla_stop_escalation_if_met (&state->row);
}

static void
change_resolved (tickets_sla_state_t *state, int64_t at_ms)
{
    if (!state->row.first_responded_ms)
        state->row.first_responded_ms = at_ms;
    state->row.resolved_ms = at_ms;
    state->row.next_escalation_ms = 0;
}

static void
change_reopened (tickets_sla_state_t *state, int64_t at_ms)
{
    tickets_sla_row_t *row = &state->row;
    int64_t due, at_risk;
    if (sla_target_instant (state->calendar, at_ms, state->policy->resolution_s, TICKETS_SLA_PERCENT, &due) != 0
        || sla_target_instant (state->calendar, at_ms, state->policy->resolution_s, sla_at_risk_percent (state->policy),
                               &at_risk)
               != 0)
        return;     /* cannot happen with a validated calendar: keep the old deadline */
    row->resolved_ms = 0;
    row->closed_ms = 0;
    row->resolution_due_ms = due;
    row->resolution_at_risk_ms = at_risk;
    row->resolution_at_risk = false;
    row->resolution_breached = false;
}

static void
change_closed (tickets_sla_state_t *state, int64_t at_ms)
{
    state->row.closed_ms = at_ms;
    state->row.next_escalation_ms = 0;
}

int
tickets_sla_first_response (kefu_db_t *db, int64_t ticket_id, int64_t at_ms)
{
    return sla_hook (db, ticket_id, at_ms, change_first_response);
}

int
tickets_sla_resolved (kefu_db_t *db, int64_t ticket_id, int64_t at_ms)
{
    return sla_hook (db, ticket_id, at_ms, change_resolved);
}

int
tickets_sla_reopened (kefu_db_t *db, int64_t ticket_id, int64_t at_ms)
{
    return sla_hook (db, ticket_id, at_ms, change_reopened);
}

int
tickets_sla_closed (kefu_db_t *db, int64_t ticket_id, int64_t at_ms)
{
    return sla_hook (db, ticket_id, at_ms, change_closed);
}

int
tickets_sla_on_transition (kefu_db_t *db, int64_t ticket_id, const char *from, const char *to, bool reopens,
                           int64_t at_ms)
{
    /*  The statuses of tickets_workflow.c: `resolved` meets the resolution
     *  deadline; `rejected` (closed without resolution), `reviewed` (the
     *  case is closed) and `merged` (the duplicate lives on in its
     *  primary) stop every clock; a reopening edge (from `resolved` or
     *  `reviewed`) starts the resolution clock again; any first move out
     *  of `received` is the first response. */
    if (strcmp (to, "resolved") == 0)
        return tickets_sla_resolved (db, ticket_id, at_ms);
    if (strcmp (to, "rejected") == 0 || strcmp (to, "reviewed") == 0 || strcmp (to, "merged") == 0)
        return tickets_sla_closed (db, ticket_id, at_ms);
    if (reopens)
        return tickets_sla_reopened (db, ticket_id, at_ms);
    if (strcmp (from, "received") == 0)
        return tickets_sla_first_response (db, ticket_id, at_ms);
    return 0;
}

/* --- pause, resume, escalate ---------------------------------------------------- */

int
tickets_sla_pause (kefu_db_t *db, tickets_sla_state_t *state, int64_t at_ms, const char *reason,
                   const char *actor_staff_id)
{
    tickets_sla_row_t *row = &state->row;
    if (row->paused_since_ms)
        return 1;
    if (row->resolved_ms || row->closed_ms)
        return 2;
    char *copy = strdup (reason);
    if (!copy)
        return -1;
    free (row->pause_reason);
    row->pause_reason = copy;
    row->paused_since_ms = at_ms;
    sla_event_t what = { .reason = reason, .actor_staff_id = actor_staff_id };
    if (tickets_sla_state_save (db, state) != 0 || sla_emit (db, state, "ticket.sla_paused", &what) != 0)
        return -1;
    return 0;
}

/*  Move an instant not yet passed at the pause by the business time the
 *  pause lasted: what was left of it at the pause is left at the resume. */
static void
sla_shift (const kefu_calendar_t *calendar, int64_t paused_ms, int64_t resumed_ms, int64_t *instant_ms)
{
    if (!*instant_ms || *instant_ms <= paused_ms)
        return;
    int64_t left = kefu_calendar_between (calendar, paused_ms, *instant_ms);
    int64_t moved;
    if (kefu_calendar_add (calendar, resumed_ms, left, &moved) == 0)
        *instant_ms = moved;
}

int
tickets_sla_resume (kefu_db_t *db, tickets_sla_state_t *state, int64_t at_ms, const char *actor_staff_id)
{
    tickets_sla_row_t *row = &state->row;
    if (!row->paused_since_ms)
        return 1;
    int64_t paused = row->paused_since_ms;
    int64_t resumed = at_ms > paused ? at_ms : paused;
    if (!row->first_responded_ms) {
        sla_shift (state->calendar, paused, resumed, &row->first_response_due_ms);
        sla_shift (state->calendar, paused, resumed, &row->first_response_at_risk_ms);
    }
    sla_shift (state->calendar, paused, resumed, &row->resolution_due_ms);
    sla_shift (state->calendar, paused, resumed, &row->resolution_at_risk_ms);
    sla_shift (state->calendar, paused, resumed, &row->next_escalation_ms);
    row->paused_business_s += kefu_calendar_between (state->calendar, paused, resumed) / MS_PER_S;
    row->paused_since_ms = 0;
    char *reason = row->pause_reason;
    row->pause_reason = strdup ("");
    sla_event_t what = { .reason = reason, .actor_staff_id = actor_staff_id };
    int rc = -1;
    if (row->pause_reason && tickets_sla_state_save (db, state) == 0
        && sla_emit (db, state, "ticket.sla_resumed", &what) == 0)
        rc = 0;
    free (reason);
    return rc;
}

int
tickets_sla_escalate (kefu_db_t *db, tickets_sla_state_t *state, int64_t at_ms, unsigned level,
                      const char *reason, bool emergency, const char *actor_staff_id)
{
    tickets_sla_row_t *row = &state->row;
    for (unsigned skipped = (unsigned) row->escalation_level + 1; skipped < level; skipped++) {
        sla_event_t what = { .level = skipped, .reason = reason, .emergency = emergency,
                             .actor_staff_id = actor_staff_id };
        if (sla_emit (db, state, "ticket.escalation_skipped", &what) != 0)
            return -1;
    }
    row->escalation_level = (int) level;
    /*  Automatic escalation, if running, goes on one interval from now. */
    if (row->next_escalation_ms) {
        row->next_escalation_ms = 0;
        if (level < state->policy->n_escalation
            && kefu_calendar_add (state->calendar, at_ms, state->policy->escalation_interval_s * MS_PER_S,
                                  &row->next_escalation_ms)
                   != 0)
            row->next_escalation_ms = 0;
    }
    sla_event_t what = { .level = level, .reason = reason, .emergency = emergency, .actor_staff_id = actor_staff_id };
    if (tickets_sla_state_save (db, state) != 0 || sla_emit (db, state, "ticket.escalated", &what) != 0)
        return -1;
    return 0;
}

/* --- the engine's check ----------------------------------------------------------- */

/*  Raise at-risk and breach of one deadline if due; *breach_ms gets the
 *  earliest deadline breached now. Returns events raised or -1. */
static int
sla_check_deadline (kefu_db_t *db, tickets_sla_state_t *state, int64_t now_ms, const char *deadline,
                    int64_t at_risk_ms, int64_t due_ms, bool *at_risk_sent, bool *breached_sent, int64_t *breach_ms)
{
    int raised = 0;
    if (!*at_risk_sent && now_ms >= at_risk_ms) {
        *at_risk_sent = true;
        sla_event_t what = { .deadline = deadline, .due_ms = due_ms };
        if (sla_emit (db, state, "ticket.sla_at_risk", &what) != 0)
            return -1;
        raised++;
    }
    if (!*breached_sent && now_ms >= due_ms) {
        *breached_sent = true;
        sla_event_t what = { .deadline = deadline, .due_ms = due_ms };
        if (sla_emit (db, state, "ticket.sla_breached", &what) != 0)
            return -1;
        earliest (breach_ms, due_ms);
        raised++;
    }
    return raised;
}

int
tickets_sla_check (kefu_db_t *db, tickets_sla_state_t *state, int64_t now_ms)
{
    tickets_sla_row_t *row = &state->row;
    const Kefu__V1__SlaPolicy *policy = state->policy;
    if (row->paused_since_ms || row->resolved_ms || row->closed_ms)
        return tickets_sla_state_save (db, state) == 0 ? 0 : -1;
    int raised = 0, step;
    int64_t breach_ms = 0;
    if (!row->first_responded_ms) {
        step = sla_check_deadline (db, state, now_ms, DEADLINE_FIRST_RESPONSE, row->first_response_at_risk_ms,
                                   row->first_response_due_ms, &row->first_response_at_risk,
                                   &row->first_response_breached, &breach_ms);
        if (step < 0)
            return -1;
        raised += step;
    }
    step = sla_check_deadline (db, state, now_ms, DEADLINE_RESOLUTION, row->resolution_at_risk_ms,
                               row->resolution_due_ms, &row->resolution_at_risk, &row->resolution_breached, &breach_ms);
    if (step < 0)
        return -1;
    raised += step;
    /*  A breach starts the chain at the next level, at the breach instant. */
    if (breach_ms && !row->next_escalation_ms && (size_t) row->escalation_level < policy->n_escalation)
        row->next_escalation_ms = breach_ms;
    /*  One level per interval; catching up level by level if the engine
     *  was away, each with its event. */
    while (row->next_escalation_ms && now_ms >= row->next_escalation_ms
           && (size_t) row->escalation_level < policy->n_escalation) {
        int64_t this_level_ms = row->next_escalation_ms;
        row->escalation_level++;
        row->next_escalation_ms = 0;
        if ((size_t) row->escalation_level < policy->n_escalation
            && kefu_calendar_add (state->calendar, this_level_ms, policy->escalation_interval_s * MS_PER_S,
                                  &row->next_escalation_ms)
                   != 0)
            row->next_escalation_ms = 0;
        sla_event_t what = { .due_ms = this_level_ms, .level = (unsigned) row->escalation_level };
        if (sla_emit (db, state, "ticket.escalated", &what) != 0)
            return -1;
        raised++;
    }
    if ((size_t) row->escalation_level >= policy->n_escalation)
        row->next_escalation_ms = 0;
    return tickets_sla_state_save (db, state) == 0 ? raised : -1;
}
