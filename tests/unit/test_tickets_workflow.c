/*  Unit tests of the ticket workflow table (TKT-3).
 *
 *  The expected edges are written out here again, independently of
 *  tickets_workflow.c, from the wording of TKT-3: a change to the table that
 *  the rule does not allow fails here. Every (from, to) pair of every kind is
 *  tried, legal and illegal.
 */
#include "tickets_workflow.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

typedef struct {
    const char *from;
    const char *to;
} edge_t;

/*  TKT-3, in order, plus send-back, and reopen by a supervisor from
 *  resolved or reviewed (TKT-4). */
static const edge_t complaint_edges[] = {
    { "received", "assessed" },          { "received", "rejected" },
    { "assessed", "investigating" },     { "investigating", "remedy_proposed" },
    { "remedy_proposed", "remedy_approved" }, { "remedy_proposed", "investigating" },
    { "remedy_approved", "implementing" }, { "implementing", "customer_accepted" },
    { "customer_accepted", "resolved" }, { "resolved", "reviewed" },
    { "resolved", "investigating" },     { "reviewed", "investigating" },
};
/*  Inquiries and suggestions. */
static const edge_t simple_edges[] = {
    { "received", "in_progress" }, { "received", "rejected" }, { "in_progress", "resolved" },
    { "resolved", "reviewed" },    { "resolved", "in_progress" }, { "reviewed", "in_progress" },
};
/*  Work orders: dispatched to a department first (TKT-6). */
static const edge_t work_order_edges[] = {
    { "received", "dispatched" }, { "received", "rejected" }, { "dispatched", "in_progress" },
    { "in_progress", "resolved" }, { "resolved", "reviewed" }, { "resolved", "in_progress" },
    { "reviewed", "in_progress" },
};

#define COUNT(array) (sizeof (array) / sizeof (array)[0])

static bool
expected_legal (const char *kind, const char *from, const char *to)
{
    bool complaint = strcmp (kind, "complaint") == 0, work_order = strcmp (kind, "work_order") == 0;
    const edge_t *edges = complaint ? complaint_edges : work_order ? work_order_edges : simple_edges;
    size_t count = complaint ? COUNT (complaint_edges) : work_order ? COUNT (work_order_edges) : COUNT (simple_edges);
    for (size_t i = 0; i < count; i++)
        if (strcmp (edges[i].from, from) == 0 && strcmp (edges[i].to, to) == 0)
            return true;
    return false;
}

/*  A request that carries everything any target state could need. */
static Kefu__V1__TransitionTicketRequest
full_request (const char *to)
{
    Kefu__V1__TransitionTicketRequest request = KEFU__V1__TRANSITION_TICKET_REQUEST__INIT;
    request.to = (char *) to;
    request.reason = "because";
    request.responsible_department = "billing";
    request.responsible_person = "王芳";
    request.remedy = "refund";
    request.customer_confirmation = "confirmed by phone";
    request.review_summary = "handled well";
    request.confirmation_method = "sms";
    request.rejection_explanation = "not our product; told the customer whom to call";
    request.responsible_party = "courier team B";
    request.sanction = "written warning";
    request.department_id = 7;
    return request;
}

static Kefu__V1__Ticket
ticket_in (const char *kind, const char *status)
{
    Kefu__V1__Ticket ticket = KEFU__V1__TICKET__INIT;
    ticket.kind = (char *) kind;
    ticket.status = (char *) status;
    ticket.remedy_proposed_by = "A1001";
    return ticket;
}

static const kefu_roles_t everyone = KEFU_ROLE_AGENT | KEFU_ROLE_SHIFT_LEAD | KEFU_ROLE_SUPERVISOR
                               | KEFU_ROLE_MANAGER;

/*  TKT-3: every pair of statuses for every kind is legal exactly when the
 *  rule says so; an illegal one is refused as such. */
static void
test_every_pair_legal_or_refused (void **state)
{
    (void) state;
    int legal = 0, illegal = 0;
    for (const char *const *kind = tickets_kinds; *kind; kind++)
        for (const char *const *from = tickets_statuses; *from; from++)
            for (const char *const *to = tickets_statuses; *to; to++) {
                Kefu__V1__Ticket ticket = ticket_in (*kind, *from);
                Kefu__V1__TransitionTicketRequest request = full_request (*to);
                const char *field;
                tickets_workflow_verdict_t verdict =
                    tickets_workflow_check (&ticket, &request, "S2001", everyone, &field);
                if (expected_legal (*kind, *from, *to)) {
                    assert_int_equal (verdict, TICKETS_WORKFLOW_OK);
                    legal++;
                }
                else {
                    assert_int_equal (verdict, TICKETS_WORKFLOW_ILLEGAL);
                    assert_string_equal (field, "to");
                    illegal++;
                }
            }
    assert_int_equal (legal, 12 + 6 * 2 + 7);
    assert_true (illegal > legal);
}

/*  TKT-3: an unknown target status is no status at all. */
static void
test_unknown_status_refused (void **state)
{
    (void) state;
    Kefu__V1__Ticket ticket = ticket_in ("complaint", "received");
    Kefu__V1__TransitionTicketRequest request = full_request ("closed");
    const char *field;
    assert_int_equal (tickets_workflow_check (&ticket, &request, "A1001", everyone, &field),
                      TICKETS_WORKFLOW_UNKNOWN_STATUS);
    assert_string_equal (field, "to");
}

/*  TKT-3: a supervisor approves a remedy; an agent may not. */
static void
test_agent_may_not_approve_remedy (void **state)
{
    (void) state;
    Kefu__V1__Ticket ticket = ticket_in ("complaint", "remedy_proposed");
    Kefu__V1__TransitionTicketRequest request = full_request ("remedy_approved");
    const char *field;
    assert_int_equal (tickets_workflow_check (&ticket, &request, "A1002", KEFU_ROLE_AGENT, &field),
                      TICKETS_WORKFLOW_ROLE_NOT_ALLOWED);
    assert_int_equal (tickets_workflow_check (&ticket, &request, "S2001", KEFU_ROLE_SUPERVISOR, &field),
                      TICKETS_WORKFLOW_OK);
}

/*  TKT-3: approver ≠ proposer, whatever the approver's role. */
static void
test_proposer_may_not_approve_own_remedy (void **state)
{
    (void) state;
    Kefu__V1__Ticket ticket = ticket_in ("complaint", "remedy_proposed");
    ticket.remedy_proposed_by = "S2001";
    Kefu__V1__TransitionTicketRequest request = full_request ("remedy_approved");
    const char *field;
    assert_int_equal (tickets_workflow_check (&ticket, &request, "S2001", everyone, &field),
                      TICKETS_WORKFLOW_PROPOSER_MAY_NOT);
    assert_int_equal (tickets_workflow_check (&ticket, &request, "S2002", everyone, &field),
                      TICKETS_WORKFLOW_OK);
}

/*  TKT-3: the review that closes a case is not an agent's. */
static void
test_agent_may_not_review (void **state)
{
    (void) state;
    Kefu__V1__Ticket ticket = ticket_in ("complaint", "resolved");
    Kefu__V1__TransitionTicketRequest request = full_request ("reviewed");
    const char *field;
    assert_int_equal (tickets_workflow_check (&ticket, &request, "A1001", KEFU_ROLE_AGENT, &field),
                      TICKETS_WORKFLOW_ROLE_NOT_ALLOWED);
    assert_int_equal (tickets_workflow_check (&ticket, &request, "L1", KEFU_ROLE_SHIFT_LEAD, &field),
                      TICKETS_WORKFLOW_OK);
}

/*  Roles that do not handle complaints take no transition at all. */
static void
test_non_handling_roles_take_no_transition (void **state)
{
    (void) state;
    kefu_roles_t outsiders = KEFU_ROLE_AUDITOR | KEFU_ROLE_ADMIN | KEFU_ROLE_ARCHIVIST
                       | KEFU_ROLE_INTEGRATION;
    for (size_t i = 0; i < sizeof complaint_edges / sizeof complaint_edges[0]; i++) {
        Kefu__V1__Ticket ticket = ticket_in ("complaint", complaint_edges[i].from);
        Kefu__V1__TransitionTicketRequest request = full_request (complaint_edges[i].to);
        const char *field;
        assert_int_equal (tickets_workflow_check (&ticket, &request, "X1", outsiders, &field),
                          TICKETS_WORKFLOW_ROLE_NOT_ALLOWED);
    }
}

/*  TKT-3: every transition carries a reason, and each target state what it
 *  needs; the field at fault is named. */
static void
test_missing_fields_named (void **state)
{
    (void) state;
    struct { const char *kind, *from, *to, *field; } cases[] = {
        { "complaint", "received", "assessed", "reason" },
        { "complaint", "assessed", "investigating", "responsible_department" },
        { "complaint", "assessed", "investigating", "responsible_person" },
        { "complaint", "investigating", "remedy_proposed", "remedy" },
        { "complaint", "implementing", "customer_accepted", "customer_confirmation" },
        { "complaint", "implementing", "customer_accepted", "confirmation_method" },
        { "complaint", "resolved", "reviewed", "review_summary" },
        { "complaint", "received", "rejected", "rejection_explanation" },
        { "complaint", "investigating", "remedy_proposed", "responsible_party" },   /* TKT-8 */
        { "complaint", "investigating", "remedy_proposed", "sanction" },            /* TKT-8 */
        { "inquiry", "received", "rejected", "rejection_explanation" },
        { "inquiry", "resolved", "reviewed", "review_summary" },
        { "work_order", "received", "dispatched", "department_id" },               /* TKT-6 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Kefu__V1__Ticket ticket = ticket_in (cases[i].kind, cases[i].from);
        Kefu__V1__TransitionTicketRequest request = full_request (cases[i].to);
        if (strcmp (cases[i].field, "department_id") == 0) {
            request.department_id = 0;
            const char *field;
            assert_int_equal (tickets_workflow_check (&ticket, &request, "S2001", everyone, &field),
                              TICKETS_WORKFLOW_MISSING_FIELD);
            assert_string_equal (field, "department_id");
            continue;
        }
        char **slot = strcmp (cases[i].field, "reason") == 0 ? &request.reason
                    : strcmp (cases[i].field, "confirmation_method") == 0 ? &request.confirmation_method
                    : strcmp (cases[i].field, "rejection_explanation") == 0 ? &request.rejection_explanation
                    : strcmp (cases[i].field, "responsible_party") == 0 ? &request.responsible_party
                    : strcmp (cases[i].field, "sanction") == 0 ? &request.sanction
                    : strcmp (cases[i].field, "responsible_department") == 0 ? &request.responsible_department
                    : strcmp (cases[i].field, "responsible_person") == 0 ? &request.responsible_person
                    : strcmp (cases[i].field, "remedy") == 0 ? &request.remedy
                    : strcmp (cases[i].field, "customer_confirmation") == 0 ? &request.customer_confirmation
                    : &request.review_summary;
        *slot = "   ";
        const char *field;
        assert_int_equal (tickets_workflow_check (&ticket, &request, "S2001", everyone, &field),
                          TICKETS_WORKFLOW_MISSING_FIELD);
        assert_string_equal (field, cases[i].field);
    }
}

/*  TKT-3: "how the confirmation was given" is one of the known ways, not
 *  free text. */
static void
test_confirmation_method_must_be_known (void **state)
{
    (void) state;
    Kefu__V1__Ticket ticket = ticket_in ("complaint", "implementing");
    Kefu__V1__TransitionTicketRequest request = full_request ("customer_accepted");
    const char *field;
    for (const char *const *method = tickets_confirmation_methods; *method; method++) {
        request.confirmation_method = (char *) *method;
        assert_int_equal (tickets_workflow_check (&ticket, &request, "A1001", everyone, &field), TICKETS_WORKFLOW_OK);
    }
    request.confirmation_method = "telepathy";
    assert_int_equal (tickets_workflow_check (&ticket, &request, "A1001", everyone, &field),
                      TICKETS_WORKFLOW_MISSING_FIELD);
    assert_string_equal (field, "confirmation_method");
}

/*  Reopening (from resolved or reviewed) is a supervisor's or manager's,
 *  and marked as such; no other edge is. Nothing leads into or out of
 *  merged: only tickets.merge puts a ticket there. */
static void
test_reopen_edges_marked_and_merged_unreachable (void **state)
{
    (void) state;
    for (const char *const *kind = tickets_kinds; *kind; kind++) {
        size_t count;
        const tickets_transition_t *table = tickets_workflow_table (*kind, &count);
        for (size_t i = 0; i < count; i++) {
            bool from_closed = strcmp (table[i].from, "resolved") == 0 || strcmp (table[i].from, "reviewed") == 0;
            bool backwards = from_closed && strcmp (table[i].to, "reviewed") != 0;
            assert_int_equal (table[i].reopens, backwards);
            if (table[i].reopens)
                assert_int_equal (table[i].roles & KEFU_ROLE_AGENT, 0);
            assert_string_not_equal (table[i].from, TICKETS_STATUS_MERGED);
            assert_string_not_equal (table[i].to, TICKETS_STATUS_MERGED);
        }
    }
    Kefu__V1__Ticket ticket = ticket_in ("complaint", "reviewed");
    Kefu__V1__TransitionTicketRequest request = full_request ("investigating");
    const char *field;
    assert_int_equal (tickets_workflow_check (&ticket, &request, "A1001", KEFU_ROLE_AGENT, &field),
                      TICKETS_WORKFLOW_ROLE_NOT_ALLOWED);
    assert_int_equal (tickets_workflow_check (&ticket, &request, "S2001", KEFU_ROLE_SUPERVISOR, &field),
                      TICKETS_WORKFLOW_OK);
}

static void
test_roles_parsed_from_names (void **state)
{
    (void) state;
    char *names[] = { "agent", "unknown", "supervisor" };
    assert_int_equal (kefu_roles_parse (names, 3), KEFU_ROLE_AGENT | KEFU_ROLE_SUPERVISOR);
    assert_int_equal (kefu_roles_parse (names, 0), 0);
}

static void
test_next_statuses_listed (void **state)
{
    (void) state;
    char next[128];
    tickets_workflow_next ("complaint", "received", next, sizeof next);
    assert_string_equal (next, "assessed, rejected");
    tickets_workflow_next ("complaint", "reviewed", next, sizeof next);
    assert_string_equal (next, "investigating");
    tickets_workflow_next ("complaint", "rejected", next, sizeof next);
    assert_string_equal (next, "none");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_every_pair_legal_or_refused),
        cmocka_unit_test (test_unknown_status_refused),
        cmocka_unit_test (test_agent_may_not_approve_remedy),
        cmocka_unit_test (test_proposer_may_not_approve_own_remedy),
        cmocka_unit_test (test_agent_may_not_review),
        cmocka_unit_test (test_non_handling_roles_take_no_transition),
        cmocka_unit_test (test_missing_fields_named),
        cmocka_unit_test (test_confirmation_method_must_be_known),
        cmocka_unit_test (test_reopen_edges_marked_and_merged_unreachable),
        cmocka_unit_test (test_roles_parsed_from_names),
        cmocka_unit_test (test_next_statuses_listed),
    };
    return cmocka_run_group_tests_name ("tickets_workflow", tests, NULL, NULL);
}
