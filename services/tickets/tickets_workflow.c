/*  tickets_workflow: the transition tables of TKT-3. See tickets_workflow.h.
 */
#include "tickets_workflow.h"

#include "kefu_text.h"

#include <stdio.h>
#include <string.h>

const char *const tickets_kinds[] = { "complaint", "inquiry", "work_order", "suggestion", NULL };
const char *const tickets_channels[] = { "phone", "email", "web", "walk_in", "api", NULL };
const char *const tickets_priorities[] = { "low", "normal", "high", "urgent", NULL };
const char *const tickets_statuses[] = {
    "received", "assessed", "investigating", "remedy_proposed", "remedy_approved", "implementing",
    "customer_accepted", "resolved", "reviewed", "rejected", "in_progress", "dispatched", "merged", NULL
};
const char *const tickets_confirmation_methods[] = {
    "phone", "sms", "email", "in_person", "written", "online", NULL
};

/*  Front-line work: any agent and everyone above. */
#define ANY_HANDLER (KEFU_ROLE_AGENT | KEFU_ROLE_SHIFT_LEAD | KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER)
/*  Approvals: a supervisor or a manager (TKT-3 "a supervisor approves"). */
#define APPROVER (KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER)
/*  Closing a case with its evaluation: the shift lead and above. */
#define REVIEWER (KEFU_ROLE_SHIFT_LEAD | KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER)

/*  TKT-3: received → assessed (or rejected, with the explanation given to
 *  the customer) → investigating (department and person named) → remedy
 *  proposed (with the responsible party and the sanction decided, TKT-8) →
 *  remedy approved (by a supervisor or manager, not its proposer) →
 *  implementing → customer accepted (the confirmation and how it was given)
 *  → resolved → reviewed (summary evaluation). A supervisor may send a
 *  proposed remedy back, and reopen a resolved or reviewed complaint (TKT-4:
 *  an unsatisfied callback). */
#define REMEDY_NEEDS (TICKETS_NEEDS_REMEDY | TICKETS_NEEDS_ACCOUNTABILITY)
#define ACCEPTANCE_NEEDS (TICKETS_NEEDS_CONFIRMATION | TICKETS_NEEDS_CONFIRMATION_METHOD)
static const tickets_transition_t complaint_workflow[] = {
    { "received",          "assessed",          ANY_HANDLER, 0,                         false, false },
    { "received",          "rejected",          ANY_HANDLER, TICKETS_NEEDS_EXPLANATION, false, false },
    { "assessed",          "investigating",     ANY_HANDLER, TICKETS_NEEDS_RESPONSIBLE, false, false },
    { "investigating",     "remedy_proposed",   ANY_HANDLER, REMEDY_NEEDS,              false, false },
    { "remedy_proposed",   "remedy_approved",   APPROVER,    0,                         true,  false },
    { "remedy_proposed",   "investigating",     APPROVER,    0,                         false, false },
    { "remedy_approved",   "implementing",      ANY_HANDLER, 0,                         false, false },
    { "implementing",      "customer_accepted", ANY_HANDLER, ACCEPTANCE_NEEDS,          false, false },
    { "customer_accepted", "resolved",          ANY_HANDLER, 0,                         false, false },
    { "resolved",          "reviewed",          REVIEWER,    TICKETS_NEEDS_SUMMARY,     false, false },
    { "resolved",          "investigating",     APPROVER,    0,                         false, true  },
    { "reviewed",          "investigating",     APPROVER,    0,                         false, true  },
};

/*  Inquiries and suggestions: taken up, answered, closed with a review;
 *  reopened by a supervisor. */
static const tickets_transition_t simple_workflow[] = {
    { "received",    "in_progress", ANY_HANDLER, 0,                         false, false },
    { "received",    "rejected",    ANY_HANDLER, TICKETS_NEEDS_EXPLANATION, false, false },
    { "in_progress", "resolved",    ANY_HANDLER, 0,                         false, false },
    { "resolved",    "reviewed",    REVIEWER,    TICKETS_NEEDS_SUMMARY,     false, false },
    { "resolved",    "in_progress", APPROVER,    0,                         false, true  },
    { "reviewed",    "in_progress", APPROVER,    0,                         false, true  },
};

/*  Work orders are dispatched to a department (TKT-6: by a routing rule
 *  when created, else by hand) before anyone takes them up. */
static const tickets_transition_t work_order_workflow[] = {
    { "received",    "dispatched",  ANY_HANDLER, TICKETS_NEEDS_DISPATCH,    false, false },
    { "received",    "rejected",    ANY_HANDLER, TICKETS_NEEDS_EXPLANATION, false, false },
    { "dispatched",  "in_progress", ANY_HANDLER, 0,                         false, false },
    { "in_progress", "resolved",    ANY_HANDLER, 0,                         false, false },
    { "resolved",    "reviewed",    REVIEWER,    TICKETS_NEEDS_SUMMARY,     false, false },
    { "resolved",    "in_progress", APPROVER,    0,                         false, true  },
    { "reviewed",    "in_progress", APPROVER,    0,                         false, true  },
};

#define COUNT(array) (sizeof (array) / sizeof (array)[0])

const tickets_transition_t *
tickets_workflow_table (const char *kind, size_t *count)
{
    if (strcmp (kind, "complaint") == 0) {
        *count = COUNT (complaint_workflow);
        return complaint_workflow;
    }
    if (strcmp (kind, "work_order") == 0) {
        *count = COUNT (work_order_workflow);
        return work_order_workflow;
    }
    *count = COUNT (simple_workflow);
    return simple_workflow;
}

const tickets_transition_t *
tickets_workflow_find (const char *kind, const char *from, const char *to)
{
    size_t count;
    const tickets_transition_t *table = tickets_workflow_table (kind, &count);
    for (size_t i = 0; i < count; i++)
        if (strcmp (table[i].from, from) == 0 && strcmp (table[i].to, to) == 0)
            return &table[i];
    return NULL;
}

static bool
blank (const char *text)
{
    return kefu_text_check (text, KEFU_TEXT_MULTILINE, (size_t) -1, true) != NULL;
}

tickets_workflow_verdict_t
tickets_workflow_check (const Kefu__V1__Ticket *ticket, const Kefu__V1__TransitionTicketRequest *request,
                        const char *actor_staff_id, kefu_roles_t roles, const char **field)
{
    *field = NULL;
    if (!kefu_text_one_of (request->to, tickets_statuses)) {
        *field = "to";
        return TICKETS_WORKFLOW_UNKNOWN_STATUS;
    }
    const tickets_transition_t *edge = tickets_workflow_find (ticket->kind, ticket->status, request->to);
    if (!edge) {
        *field = "to";
        return TICKETS_WORKFLOW_ILLEGAL;
    }
    if ((edge->roles & roles) == 0)
        return TICKETS_WORKFLOW_ROLE_NOT_ALLOWED;
    if (edge->not_by_proposer && strcmp (ticket->remedy_proposed_by, actor_staff_id) == 0)
        return TICKETS_WORKFLOW_PROPOSER_MAY_NOT;
    if (blank (request->reason))
        *field = "reason";
    else if ((edge->needs & TICKETS_NEEDS_RESPONSIBLE) && blank (request->responsible_department))
        *field = "responsible_department";
    else if ((edge->needs & TICKETS_NEEDS_RESPONSIBLE) && blank (request->responsible_person))
        *field = "responsible_person";
    else if ((edge->needs & TICKETS_NEEDS_REMEDY) && blank (request->remedy))
        *field = "remedy";
    else if ((edge->needs & TICKETS_NEEDS_CONFIRMATION) && blank (request->customer_confirmation))
        *field = "customer_confirmation";
    else if ((edge->needs & TICKETS_NEEDS_CONFIRMATION_METHOD)
             && !kefu_text_one_of (request->confirmation_method, tickets_confirmation_methods))
        *field = "confirmation_method";
    else if ((edge->needs & TICKETS_NEEDS_SUMMARY) && blank (request->review_summary))
        *field = "review_summary";
    else if ((edge->needs & TICKETS_NEEDS_EXPLANATION) && blank (request->rejection_explanation))
        *field = "rejection_explanation";
    else if ((edge->needs & TICKETS_NEEDS_ACCOUNTABILITY) && blank (request->responsible_party))
        *field = "responsible_party";
    else if ((edge->needs & TICKETS_NEEDS_ACCOUNTABILITY) && blank (request->sanction))
        *field = "sanction";
    else if ((edge->needs & TICKETS_NEEDS_DISPATCH) && request->department_id <= 0)
        *field = "department_id";
    return *field ? TICKETS_WORKFLOW_MISSING_FIELD : TICKETS_WORKFLOW_OK;
}

void
tickets_workflow_next (const char *kind, const char *from, char *out, size_t size)
{
    size_t count, used = 0;
    const tickets_transition_t *table = tickets_workflow_table (kind, &count);
    out[0] = '\0';
    for (size_t i = 0; i < count && used < size; i++)
        if (strcmp (table[i].from, from) == 0) {
            int n = snprintf (out + used, size - used, "%s%s", used ? ", " : "", table[i].to);
            if (n < 0)
                break;
            used += (size_t) n;
        }
    if (used == 0)
        snprintf (out, size, "none");
}
