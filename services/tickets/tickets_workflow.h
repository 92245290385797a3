/*  tickets_workflow: which status change is legal, for whom, with what.
 *
 *  The complaint workflow of TKT-3 (投诉处理流程), the shorter one of
 *  inquiries and suggestions, and that of work orders (dispatched to a
 *  department first, TKT-6), as one table of legal transitions per kind. Each row names the roles
 *  that may take it and what the target state needs (a responsible
 *  department and person, a remedy, the customer's confirmation, a review
 *  summary); every transition needs a reason. The handlers consult this
 *  table and nothing else, so the table is the rule.
 */
#ifndef TICKETS_WORKFLOW_H_INCLUDED
#define TICKETS_WORKFLOW_H_INCLUDED

#include "kefu/v1/tickets.pb-c.h"
#include "kefu_roles.h"

#include <stdbool.h>
#include <stddef.h>

/*  What a transition needs besides a reason. */
enum {
    TICKETS_NEEDS_RESPONSIBLE = 1u << 0,    /* responsible_department + responsible_person */
    TICKETS_NEEDS_REMEDY = 1u << 2,
    TICKETS_NEEDS_CONFIRMATION = 1u << 3,   /* customer_confirmation */
    TICKETS_NEEDS_SUMMARY = 1u << 4,        /* review_summary */
    TICKETS_NEEDS_EXPLANATION = 1u << 5,    /* rejection_explanation, told to the customer */
    TICKETS_NEEDS_ACCOUNTABILITY = 1u << 6, /* responsible_party + sanction (TKT-8) */
    TICKETS_NEEDS_CONFIRMATION_METHOD = 1u << 7, /* confirmation_method: how it was given */
    TICKETS_NEEDS_DISPATCH = 1u << 8,       /* department_id (work orders, TKT-6) */
};

typedef struct {
    const char *from;
    const char *to;
    kefu_roles_t roles;         /* any of these may take it */
    unsigned needs;
    bool not_by_proposer;       /* the remedy's proposer may not take it */
    bool reopens;               /* back from resolved or reviewed: a reopening */
} tickets_transition_t;

typedef enum {
    TICKETS_WORKFLOW_OK = 0,
    TICKETS_WORKFLOW_UNKNOWN_STATUS,    /* `to` is no status at all */
    TICKETS_WORKFLOW_ILLEGAL,           /* no such edge from the current status */
    TICKETS_WORKFLOW_ROLE_NOT_ALLOWED,
    TICKETS_WORKFLOW_PROPOSER_MAY_NOT,  /* approver = proposer */
    TICKETS_WORKFLOW_MISSING_FIELD
} tickets_workflow_verdict_t;

/*  The NULL-terminated lists of valid values. */
extern const char *const tickets_kinds[];
extern const char *const tickets_channels[];
extern const char *const tickets_priorities[];
extern const char *const tickets_statuses[];
extern const char *const tickets_confirmation_methods[];

/*  The status of a duplicate merged into another ticket: no edge of any
 *  table leads there or away; only tickets.merge puts a ticket in it. */
#define TICKETS_STATUS_MERGED "merged"
#define TICKETS_STATUS_DISPATCHED "dispatched"

/*  The status a new ticket of any kind starts in. */
#define TICKETS_STATUS_INITIAL "received"

/*  The legal transitions for a kind: the table and its length. */
const tickets_transition_t *tickets_workflow_table (const char *kind, size_t *count);

/*  Find the edge from -> to for `kind`, or NULL. */
const tickets_transition_t *tickets_workflow_find (const char *kind, const char *from, const char *to);

/*  Decide whether `actor_staff_id` with `roles` may move `ticket` to
 *  `request->to` with what `request` carries. On refusal, *field names the
 *  input at fault when there is one. */
tickets_workflow_verdict_t tickets_workflow_check (const Kefu__V1__Ticket *ticket,
                                                   const Kefu__V1__TransitionTicketRequest *request,
                                                   const char *actor_staff_id, kefu_roles_t roles,
                                                   const char **field);

/*  The statuses reachable from `from` for `kind`, comma-separated into
 *  `out` (for error messages). */
void tickets_workflow_next (const char *kind, const char *from, char *out, size_t size);

#endif
