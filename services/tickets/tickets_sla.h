/*  tickets_sla: the SLA rules of tickets (TKT-7).
 *
 *  A ticket whose kind and priority have a policy gets, when it is created,
 *  two deadlines counted in business time of the policy's calendar: the
 *  first response (the first transition out of `received`, or a public
 *  reply: tickets_sla_first_response) and the resolution (reaching
 *  `resolved`). Each deadline has an at-risk instant, when at_risk_percent
 *  of its target has elapsed. The escalation engine
 *  (tickets_sla_engine.h) raises, once each:
 *
 *    ticket.sla_at_risk    at the at-risk instant of a deadline not yet met;
 *    ticket.sla_breached   at the deadline itself;
 *    ticket.escalated      level 1 of the policy's chain at the first breach,
 *                          then the next level every escalation_interval_s
 *                          business seconds after the previous one, while a
 *                          breached deadline is unmet, until the last level.
 *
 *  The escalation instants are computed from the deadline, not from when
 *  the engine noticed, so a late scan changes nothing but latency. Meeting
 *  the breached deadline (responding, resolving) stops further levels; a
 *  later breach of the other deadline goes on from the level reached.
 *
 *  Pausing (waiting on the customer) stops every clock: while paused no
 *  business time counts and nothing is raised; resuming moves every
 *  deadline, at-risk and escalation instant not yet passed at the pause by
 *  the business time the pause lasted. An emergency escalation may skip
 *  levels; each skipped level gets ticket.escalation_skipped naming its
 *  target (TKT-7 "the skipped level is notified").
 *
 *  Every function here runs inside the caller's transaction, writes the
 *  events in it (the outbox) and returns 0, 1 where it says so, or -1 on a
 *  database failure (kefu_db_error).
 */
#ifndef TICKETS_SLA_H_INCLUDED
#define TICKETS_SLA_H_INCLUDED

#include "tickets_sla_store.h"

#include "kefu/v1/tickets_sla.pb-c.h"
#include "kefu_calendar.h"
#include "kefu_db.h"
#include "kefu_time.h"

#include <stdbool.h>
#include <stdint.h>

enum {
    /*  Bounds of definitions (validated by tickets_sla_handlers.c). */
    TICKETS_SLA_HOURS_MAX = KEFU_CALENDAR_WEEKDAYS * KEFU_CALENDAR_INTERVALS_MAX,
    TICKETS_SLA_DATES_MAX = KEFU_CALENDAR_DATES_MAX,
    TICKETS_SLA_LEVELS_MAX = 10,
    /*  Targets and intervals: one second to a year of business time. */
    TICKETS_SLA_TARGET_MAX_S = 366 * 24 * 3600,
    TICKETS_SLA_AT_RISK_DEFAULT = 80,
    TICKETS_SLA_PERCENT = 100,
    /*  Time fields of a TicketSla rendered by tickets_sla_view. */
    TICKETS_SLA_VIEW_TIMES = 12
};

/*  --- Hooks for the ticket workflow (other methods call these) ---------- */

/*  A ticket was created: if a policy covers its kind and priority, fix its
 *  deadlines from `start_ms` (when the ticket was received). 0 also when
 *  no policy applies. */
int tickets_sla_start (kefu_db_t *db, int64_t ticket_id, const char *kind, const char *priority, int64_t start_ms);

/*  The ticket got its first response at `at_ms` (a transition out of
 *  `received`, or a public reply). Only the first call counts; 0 for a
 *  ticket without SLA. */
int tickets_sla_first_response (kefu_db_t *db, int64_t ticket_id, int64_t at_ms);

/*  The ticket was resolved at `at_ms`: its clocks stop (resolved_at is
 *  what compliance is measured by, TKT-9). */
int tickets_sla_resolved (kefu_db_t *db, int64_t ticket_id, int64_t at_ms);

/*  The ticket was reopened at `at_ms` (TKT-4, or resolved -> investigating):
 *  the resolution clock starts again with the full target from `at_ms`;
 *  its at-risk and breach events may be raised again. */
int tickets_sla_reopened (kefu_db_t *db, int64_t ticket_id, int64_t at_ms);

/*  The ticket was closed: without resolution (rejected), after its review
 *  (reviewed), or merged into another: clocks stop. */
int tickets_sla_closed (kefu_db_t *db, int64_t ticket_id, int64_t at_ms);

/*  Dispatch a workflow transition `from` -> `to` to the hooks above;
 *  `reopens` when the workflow's edge is a reopening (tickets_workflow.h).
 *  tickets_transition_apply is its one caller, so every status change of
 *  every ticket, merges included, passes here. */
int tickets_sla_on_transition (kefu_db_t *db, int64_t ticket_id, const char *from, const char *to, bool reopens,
                               int64_t at_ms);

/*  --- A ticket's SLA in memory ----------------------------------------- */

typedef struct {
    tickets_sla_row_t row;
    Kefu__V1__SlaPolicy *policy;                /* unpacked from row.policy */
    Kefu__V1__SlaCalendar *calendar_definition; /* unpacked from row.calendar */
    kefu_calendar_t *calendar;
} tickets_sla_state_t;

/*  Load ticket `ticket_id`'s SLA, locked. 1 if it has none. */
int tickets_sla_state_load (kefu_db_t *db, int64_t ticket_id, tickets_sla_state_t *state);

/*  Open a row already read (the engine's); takes the row. -1 if its
 *  snapshot cannot be read. */
int tickets_sla_state_open (tickets_sla_state_t *state, tickets_sla_row_t *row);

void tickets_sla_state_release (tickets_sla_state_t *state);

/*  Write the state back (with its next check instant). */
int tickets_sla_state_save (kefu_db_t *db, tickets_sla_state_t *state);

/*  The state as a TicketSla message, with its strings in `view`. */
typedef struct {
    Kefu__V1__TicketSla message;
    char times[TICKETS_SLA_VIEW_TIMES][KEFU_TIME_TEXT_SIZE];
} tickets_sla_view_t;

void tickets_sla_view (const tickets_sla_state_t *state, tickets_sla_view_t *view);

/*  Pause at `at_ms` for `reason`. 1 if already paused, 2 if the clocks
 *  have stopped (resolved or closed). Writes ticket.sla_paused. */
int tickets_sla_pause (kefu_db_t *db, tickets_sla_state_t *state, int64_t at_ms, const char *reason,
                       const char *actor_staff_id);

/*  Resume at `at_ms`. 1 if not paused. Writes ticket.sla_resumed. */
int tickets_sla_resume (kefu_db_t *db, tickets_sla_state_t *state, int64_t at_ms, const char *actor_staff_id);

/*  Escalate to `level` at `at_ms` (checked by the caller: above the
 *  current level, within the chain, and either the next level or an
 *  emergency). Writes ticket.escalation_skipped per skipped level, then
 *  ticket.escalated. */
int tickets_sla_escalate (kefu_db_t *db, tickets_sla_state_t *state, int64_t at_ms, unsigned level,
                          const char *reason, bool emergency, const char *actor_staff_id);

/*  The engine's work on one ticket at `now_ms`: raise what is due, escalate
 *  what is due, save. Returns the number of events raised, or -1. */
int tickets_sla_check (kefu_db_t *db, tickets_sla_state_t *state, int64_t now_ms);

/*  Build the calendar a definition describes. NULL when it is invalid,
 *  with `field` (e.g. "hours[2].end") and *problem saying why, or when out
 *  of memory (*problem "out of memory"). */
kefu_calendar_t *tickets_sla_calendar_build (const Kefu__V1__SlaCalendar *definition, char *field, size_t field_size,
                                             const char **problem);

#endif
