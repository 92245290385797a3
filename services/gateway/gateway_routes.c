/*  gateway_routes: the route table, path matching, and the generic
 *  request/reply conversion driven by the table. See gateway_routes.h.
 */
#include "gateway_routes.h"
#include "gateway_routes_swaps.h"
#include "kefu/v1/attendance.pb-c.h"
#include "kefu/v1/document.pb-c.h"
#include "kefu/v1/envelope.pb-c.h"
#include "kefu/v1/grades.pb-c.h"
#include "kefu/v1/replies.pb-c.h"
#include "kefu/v1/rosters.pb-c.h"
#include "kefu/v1/scheduling.pb-c.h"
#include "kefu/v1/staffing.pb-c.h"
#include "kefu/v1/tickets.pb-c.h"
#include "kefu/v1/tickets_sla.pb-c.h"
#include "kefu/v1/tickets_stats.pb-c.h"
#include "kefu/v1/webhooks.pb-c.h"
#include "kefu_erlang.h"
#include "kefu_json.h"
#include "kefu_text.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    /*  ListTicketsRequest.limit: 0 = the service's default (50). */
    ROUTES_LIST_LIMIT_MAX = 200,
    /*  Digits of INT64_MAX. */
    ROUTES_INT64_DIGITS_MAX = 19,
    /*  A decimal query number: sign, digits and point, then the exponent's
     *  digits (a double's exponent has at most three). */
    ROUTES_NUMBER_TEXT_MAX = 40,
    ROUTES_EXPONENT_DIGITS_MAX = 3
};

/*  Who may read tickets, and who may change them. */
#define ROUTES_TICKET_WRITERS \
    (KEFU_ROLE_AGENT | KEFU_ROLE_SHIFT_LEAD | KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER)
#define ROUTES_TICKET_READERS  (ROUTES_TICKET_WRITERS | KEFU_ROLE_INTEGRATION | KEFU_ROLE_AUDITOR)
#define ROUTES_TICKET_CREATORS (ROUTES_TICKET_WRITERS | KEFU_ROLE_INTEGRATION)
/*  Who reads the statistics (TKT-9): those who answer for the service. */
#define ROUTES_STATS_READERS                                                               \
    (KEFU_ROLE_SHIFT_LEAD | KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER | KEFU_ROLE_AUDITOR | \
     KEFU_ROLE_INTEGRATION)
/*  Who approves and retires standard replies (TKT-10; the service checks
 *  it too). */
#define ROUTES_REPLY_REVIEWERS (KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER)
/*  Who manages departments and routing rules (TKT-6), and who reads them. */
#define ROUTES_DEPARTMENT_MANAGERS (KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER | KEFU_ROLE_ADMIN)
#define ROUTES_DEPARTMENT_READERS (ROUTES_TICKET_READERS | ROUTES_DEPARTMENT_MANAGERS)
/*  Who manages SLA calendars and policies (TKT-7; the service checks it
 *  too), and who may read them. */
#define ROUTES_SLA_MANAGERS (KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER | KEFU_ROLE_ADMIN)
#define ROUTES_SLA_READERS (ROUTES_TICKET_READERS | KEFU_ROLE_ADMIN)
/*  Who manages webhooks (the webhooks service checks it too). */
#define ROUTES_WEBHOOK_MANAGERS (KEFU_ROLE_ADMIN | KEFU_ROLE_INTEGRATION)
/*  Who may look people up, and who plans shifts (scheduling checks too). */
#define ROUTES_STAFF_READERS  (KEFU_ROLE_ADMIN | KEFU_ROLE_MANAGER | KEFU_ROLE_SUPERVISOR)
#define ROUTES_SHIFT_PLANNERS (KEFU_ROLE_ADMIN | KEFU_ROLE_MANAGER | KEFU_ROLE_SUPERVISOR)
/*  Who plans staffing (SCH-9; scheduling checks too). */
#define ROUTES_STAFFING_PLANNERS \
    (KEFU_ROLE_SHIFT_LEAD | KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER | KEFU_ROLE_ADMIN)
/*  Who reads rosters (SCH-3; scheduling checks too). */
#define ROUTES_ROSTER_READERS (ROUTES_SHIFT_PLANNERS | KEFU_ROLE_SHIFT_LEAD)
#define ROUTES_EVERY_ROLE     ((kefu_roles_t)((1u << KEFU_ROLE_COUNT) - 1))
/*  Leave (SCH-5): every person asks (integrations are not people); the
 *  supervisor and administration decide. Attendance (SCH-6): people on
 *  rosters clock in; the report is read by the same (one's own line) and
 *  by those who answer for it (every line). */
#define ROUTES_LEAVE_REQUESTERS (ROUTES_EVERY_ROLE & ~KEFU_ROLE_INTEGRATION)
#define ROUTES_LEAVE_DECIDERS   (KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER)
#define ROUTES_ATTENDANCE_STAFF                                                               \
    (KEFU_ROLE_AGENT | KEFU_ROLE_SHIFT_LEAD | KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER |      \
     KEFU_ROLE_ADMIN)

/*  Leave and attendance examples (SCH-5, SCH-6). */
#define ROUTES_EXAMPLE_LEAVE_FIELDS                                                              \
    "\"id\":12,\"staff_no\":\"S0107\",\"requested_by\":\"S0107\",\"kind\":\"personal\","        \
    "\"starts_at\":\"2026-03-18T00:00:00.000Z\",\"ends_at\":\"2026-03-18T09:00:00.000Z\","          \
    "\"reason\":\"家中有事\",\"certificate_ref\":\"\","
#define ROUTES_EXAMPLE_LEAVE                                                                     \
    "{" ROUTES_EXAMPLE_LEAVE_FIELDS "\"status\":\"requested\",\"decided_by\":\"\",\"decided_at\":\"\"," \
    "\"decision_note\":\"\",\"version\":1,\"created_at\":\"2026-03-16T02:00:00.000Z\","             \
    "\"updated_at\":\"2026-03-16T02:00:00.000Z\"}"
#define ROUTES_EXAMPLE_LEAVE_DECIDED_AS(status, note)                                            \
    "{" ROUTES_EXAMPLE_LEAVE_FIELDS "\"status\":\"" status "\",\"decided_by\":\"S0201\","            \
    "\"decided_at\":\"2026-03-16T03:00:00.000Z\",\"decision_note\":\"" note "\",\"version\":2,"      \
    "\"created_at\":\"2026-03-16T02:00:00.000Z\",\"updated_at\":\"2026-03-16T03:00:00.000Z\"}"
#define ROUTES_EXAMPLE_LEAVE_DECIDED ROUTES_EXAMPLE_LEAVE_DECIDED_AS ("approved", "同意")
#define ROUTES_EXAMPLE_LEAVE_REFUSED ROUTES_EXAMPLE_LEAVE_DECIDED_AS ("refused", "当日人手不足")
#define ROUTES_EXAMPLE_LEAVE_CANCELLED                                                           \
    "{" ROUTES_EXAMPLE_LEAVE_FIELDS "\"status\":\"cancelled\",\"decided_by\":\"\",\"decided_at\":\"\"," \
    "\"decision_note\":\"事情已解决\",\"version\":2,\"created_at\":\"2026-03-16T02:00:00.000Z\","   \
    "\"updated_at\":\"2026-03-17T01:00:00.000Z\"}"
#define ROUTES_EXAMPLE_ATTENDANCE_AS(out, out_terminal, away, minutes, version)                                \
    "{\"shift_id\":31,\"staff_no\":\"S0107\",\"shift_starts_at\":\"2026-03-16T00:00:00.000Z\","     \
    "\"shift_ends_at\":\"2026-03-16T09:00:00.000Z\",\"clock_in_at\":\"2026-03-16T00:03:12.000Z\","    \
    "\"clock_in_terminal\":\"T-03-12\",\"late_minutes\":3,\"clock_out_at\":\"" out "\","             \
    "\"clock_out_terminal\":\"" out_terminal "\",\"away_since\":\"" away "\",\"away_minutes\":" minutes ","          \
    "\"version\":" version "}"
#define ROUTES_EXAMPLE_ATTENDANCE ROUTES_EXAMPLE_ATTENDANCE_AS ("", "", "", "0", "1")
#define ROUTES_EXAMPLE_ATTENDANCE_AWAY ROUTES_EXAMPLE_ATTENDANCE_AS ("", "", "2026-03-16T04:10:00.000Z", "0", "2")
#define ROUTES_EXAMPLE_ATTENDANCE_OUT ROUTES_EXAMPLE_ATTENDANCE_AS ("2026-03-16T09:01:40.000Z", "T-03-12", "", "12", "4")

/*  Rosters (SCH-3): the Shanghai hotline's March 2026. */
#define ROUTES_EXAMPLE_SITE \
    "{\"code\":\"hotline-sh\",\"name\":\"Shanghai hotline\",\"zone\":\"Asia/Shanghai\"," \
    "\"created_at\":\"2026-02-01T01:00:00.000Z\"}"
#define ROUTES_EXAMPLE_TEMPLATE \
    "{\"code\":\"late\",\"name\":\"Late\",\"start\":\"16:00\",\"duration_minutes\":480," \
    "\"is_night\":false,\"end\":\"24:00\",\"created_at\":\"2026-02-01T01:05:00.000Z\"}"
#define ROUTES_EXAMPLE_ROSTER(status, version, published_by, published_at) \
    "{\"id\":7,\"site_code\":\"hotline-sh\",\"zone\":\"Asia/Shanghai\",\"month\":\"2026-03\"," \
    "\"status\":\"" status "\",\"holiday\":false,\"version\":" version ",\"shift_count\":0," \
    "\"created_by\":\"S2001\",\"created_at\":\"2026-02-10T02:00:00.000Z\",\"published_by\":" \
    published_by ",\"published_at\":" published_at "}"
#define ROUTES_EXAMPLE_ROSTER_SHIFT \
    "{\"id\":31,\"roster_id\":7,\"staff_no\":\"S0107\",\"date\":\"2026-03-31\"," \
    "\"template_code\":\"night\",\"starts_at\":\"2026-03-30T16:00:00.000Z\"," \
    "\"ends_at\":\"2026-03-31T00:00:00.000Z\",\"site_zone\":\"Asia/Shanghai\"}"
#define ROUTES_EXAMPLE_COVERAGE \
    "{\"roster_id\":7,\"items\":[{\"weekday\":1,\"from\":\"08:00\",\"to\":\"16:00\",\"agents\":12}," \
    "{\"weekday\":1,\"from\":\"16:00\",\"to\":\"24:00\",\"agents\":8}]}"
/*  Examples for the OpenAPI document (gateway_openapi), kept beside the
 *  routes they illustrate; the tests check each against its schema. */
#define ROUTES_EXAMPLE_TICKET                                                                    \
    "{\"id\":42,\"kind\":\"complaint\",\"channel\":\"phone\",\"priority\":\"high\","             \
    "\"category\":\"billing\",\"subject\":\"Refund not received\",\"description\":\"The "        \
    "customer was promised a refund two weeks ago.\",\"customer_id\":\"C-10001\","               \
    "\"complainant_name\":\"Zhang San\",\"complainant_contact\":\"+86 138 0000 0000\","          \
    "\"requested_remedy\":\"refund and an apology\",\"status\":\"received\",\"version\":1,"      \
    "\"owner_staff_id\":\"S-0007\",\"responsible_department\":\"\",\"responsible_person\":\"\"," \
    "\"remedy\":\"\",\"remedy_proposed_by\":\"\",\"remedy_approved_by\":\"\","                   \
    "\"customer_confirmation\":\"\",\"rejection_explanation\":\"\",\"review_summary\":\"\","     \
    "\"responsible_party\":\"\",\"sanction\":\"\",\"received_at\":\"2026-03-14T09:30:00Z\","     \
    "\"created_at\":\"2026-03-14T09:31:02.118Z\",\"updated_at\":\"2026-03-14T09:31:02.118Z\","  \
    "\"assignee_staff_id\":\"S-0007\",\"confirmation_method\":\"\",\"merged_into\":0,"         \
    "\"department_id\":0}"
/*  Work order 43, water leak, dispatched to department 5 (Facilities) by
 *  its category's routing rule 2, then handed to S-0012. */
#define ROUTES_EXAMPLE_WORK_ORDER_AT(version, assignee, updated_at)                                \
    "{\"id\":43,\"kind\":\"work_order\",\"channel\":\"web\",\"priority\":\"normal\","     \
    "\"category\":\"facilities\",\"subject\":\"Water leak in the lobby\",\"description\":"     \
    "\"Water drips from the ceiling near the lifts.\",\"customer_id\":\"C-20417\","           \
    "\"complainant_name\":\"Li Si\",\"complainant_contact\":\"lisi@example.com\","           \
    "\"requested_remedy\":\"\",\"status\":\"dispatched\",\"version\":" version ","          \
    "\"owner_staff_id\":\"S-0007\",\"responsible_department\":\"\",\"responsible_person\":\"\"," \
    "\"remedy\":\"\",\"remedy_proposed_by\":\"\",\"remedy_approved_by\":\"\","                   \
    "\"customer_confirmation\":\"\",\"rejection_explanation\":\"\",\"review_summary\":\"\","     \
    "\"responsible_party\":\"\",\"sanction\":\"\",\"received_at\":\"2026-03-14T10:02:45.310Z\"," \
    "\"created_at\":\"2026-03-14T10:02:45.310Z\",\"updated_at\":\"" updated_at "\","          \
    "\"assignee_staff_id\":\"" assignee "\",\"confirmation_method\":\"\",\"merged_into\":0,"    \
    "\"department_id\":5}"
#define ROUTES_EXAMPLE_WORK_ORDER ROUTES_EXAMPLE_WORK_ORDER_AT ("3", "S-0007", "2026-03-14T10:02:45.310Z")
/*  Ticket 44, a second call about ticket 42's refund, merged into it. */
#define ROUTES_EXAMPLE_TICKET_MERGED                                                             \
    "{\"id\":44,\"kind\":\"complaint\",\"channel\":\"email\",\"priority\":\"high\","         \
    "\"category\":\"billing\",\"subject\":\"Still no refund\",\"description\":\"Second "         \
    "contact about the same refund.\",\"customer_id\":\"C-10001\","                            \
    "\"complainant_name\":\"Zhang San\",\"complainant_contact\":\"zhangsan@example.com\","   \
    "\"requested_remedy\":\"refund\",\"status\":\"merged\",\"version\":2,"                    \
    "\"owner_staff_id\":\"S-0009\",\"responsible_department\":\"\",\"responsible_person\":\"\"," \
    "\"remedy\":\"\",\"remedy_proposed_by\":\"\",\"remedy_approved_by\":\"\","                   \
    "\"customer_confirmation\":\"\",\"rejection_explanation\":\"\",\"review_summary\":\"\","     \
    "\"responsible_party\":\"\",\"sanction\":\"\",\"received_at\":\"2026-03-15T08:12:00.000Z\"," \
    "\"created_at\":\"2026-03-15T08:12:00.904Z\",\"updated_at\":\"2026-03-15T08:40:19.271Z\","  \
    "\"assignee_staff_id\":\"S-0009\",\"confirmation_method\":\"\",\"merged_into\":42,"        \
    "\"department_id\":0}"
#define ROUTES_EXAMPLE_DISPATCH                                                                  \
    "{\"ticket_id\":43,\"from_department_id\":0,\"to_department_id\":5,\"by_staff_id\":"      \
    "\"S-0007\",\"reason\":\"routed by category facilities\",\"routing_rule_id\":2,"          \
    "\"at\":\"2026-03-14T10:02:45.310Z\"}"
#define ROUTES_EXAMPLE_HANDOFF                                                                   \
    "{\"ticket_id\":43,\"from_staff_id\":\"S-0007\",\"to_staff_id\":\"S-0012\",\"by_staff_id\":" \
    "\"S-0007\",\"reason\":\"S-0012 covers facilities this week\","                          \
    "\"at\":\"2026-03-14T10:15:03.020Z\"}"
#define ROUTES_EXAMPLE_WATCHERS(version)                                                         \
    "{\"items\":[{\"ticket_id\":42,\"staff_id\":\"S-0031\",\"added_by\":\"S-0007\","          \
    "\"added_at\":\"2026-03-14T09:40:11.502Z\"}],\"ticket_version\":" version "}"
#define ROUTES_EXAMPLE_COMMENT                                                                   \
    "{\"id\":17,\"ticket_id\":42,\"body\":\"We have asked finance to confirm the refund "      \
    "date and will call you back tomorrow.\",\"visibility\":\"public\",\"author_staff_id\":"   \
    "\"S-0007\",\"created_at\":\"2026-03-14T09:52:30.114Z\",\"merged_from_ticket_id\":0,"     \
    "\"ticket_version\":3,\"reply_id\":12,\"reply_version\":2}"
#define ROUTES_EXAMPLE_ATTACHMENT                                                                \
    "{\"id\":8,\"ticket_id\":42,\"file_name\":\"refund-receipt.pdf\",\"media_type\":"       \
    "\"application/pdf\",\"size_bytes\":48213,\"sha256\":"                                    \
    "\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\",\"storage_uri\":"      \
    "\"s3://kefu-attachments/42/refund-receipt.pdf\",\"added_by\":\"S-0007\",\"created_at\":"  \
    "\"2026-03-14T09:55:02.640Z\",\"merged_from_ticket_id\":0,\"ticket_version\":4}"
#define ROUTES_EXAMPLE_DEPARTMENT_AT(name, active, version, updated_at)                          \
    "{\"id\":5,\"name\":\"" name "\",\"active\":" active ",\"version\":" version ","            \
    "\"created_at\":\"2026-03-01T07:00:00.000Z\",\"updated_at\":\"" updated_at "\"}"
#define ROUTES_EXAMPLE_DEPARTMENT                                                                \
    ROUTES_EXAMPLE_DEPARTMENT_AT ("Facilities", "true", "1", "2026-03-01T07:00:00.000Z")
#define ROUTES_EXAMPLE_ROUTING_RULE_AT(department, version, updated_at)                          \
    "{\"id\":2,\"category\":\"facilities\",\"department_id\":" department ",\"version\":"    \
    version ",\"created_at\":\"2026-03-01T07:05:12.000Z\",\"updated_at\":\"" updated_at "\"}"
#define ROUTES_EXAMPLE_ROUTING_RULE ROUTES_EXAMPLE_ROUTING_RULE_AT ("5", "1", "2026-03-01T07:05:12.000Z")
#define ROUTES_EXAMPLE_WEBHOOK                                                          \
    "{\"id\":\"wh_5f0c3a9e21b7d4c8a6e19f03\",\"url\":\"https://crm.example.com/kefu\"," \
    "\"event_types\":[\"ticket.\"],\"description\":\"CRM sync\",\"status\":\"active\"," \
    "\"created_at\":\"2026-03-14T09:00:00Z\",\"secret\":\"\","                          \
    "\"updated_at\":\"2026-03-14T09:00:00Z\"}"
#define ROUTES_EXAMPLE_DELIVERY                                                                \
    "{\"id\":7,\"webhook_id\":\"wh_5f0c3a9e21b7d4c8a6e19f03\",\"event_id\":\"tickets-42\","    \
    "\"event_source\":\"tickets\",\"event_seq\":42,\"event_type\":\"ticket.created\","         \
    "\"status\":\"dead\",\"attempts\":8,\"last_status_code\":503,\"last_error\":\"HTTP 503\"," \
    "\"last_latency_ms\":120,\"next_attempt_at\":\"\",\"delivered_at\":\"\","                  \
    "\"created_at\":\"2026-03-14T09:31:02Z\",\"last_attempt_at\":\"2026-03-14T10:02:11Z\"}"

/*  A business calendar: Shanghai office hours, the National Day holiday
 *  and the Saturday worked in exchange for it (调休). */
#define ROUTES_EXAMPLE_SLA_CALENDAR_BODY                                                          \
    "\"name\":\"Shanghai office\",\"time_zone\":\"Asia/Shanghai\",\"hours\":["                    \
    "{\"weekday\":\"monday\",\"start\":\"09:00\",\"end\":\"12:00\"},"                             \
    "{\"weekday\":\"monday\",\"start\":\"13:00\",\"end\":\"18:00\"},"                             \
    "{\"weekday\":\"tuesday\",\"start\":\"09:00\",\"end\":\"12:00\"},"                            \
    "{\"weekday\":\"tuesday\",\"start\":\"13:00\",\"end\":\"18:00\"},"                            \
    "{\"weekday\":\"wednesday\",\"start\":\"09:00\",\"end\":\"12:00\"},"                          \
    "{\"weekday\":\"wednesday\",\"start\":\"13:00\",\"end\":\"18:00\"},"                          \
    "{\"weekday\":\"thursday\",\"start\":\"09:00\",\"end\":\"12:00\"},"                           \
    "{\"weekday\":\"thursday\",\"start\":\"13:00\",\"end\":\"18:00\"},"                           \
    "{\"weekday\":\"friday\",\"start\":\"09:00\",\"end\":\"12:00\"},"                             \
    "{\"weekday\":\"friday\",\"start\":\"13:00\",\"end\":\"18:00\"}],\"dates\":["                 \
    "{\"date\":\"2026-10-01\",\"name\":\"国庆节\",\"working\":false,\"hours_of\":\"\"},"          \
    "{\"date\":\"2026-10-10\",\"name\":\"国庆节调休\",\"working\":true,\"hours_of\":\"friday\"}]"
#define ROUTES_EXAMPLE_SLA_CALENDAR_AT(version, updated_at)                                       \
    "{\"id\":1," ROUTES_EXAMPLE_SLA_CALENDAR_BODY ",\"version\":" version                        \
    ",\"expected_version\":0,\"created_at\":\"2026-03-02T08:15:40.512Z\",\"updated_at\":\""      \
    updated_at "\"}"
#define ROUTES_EXAMPLE_SLA_CALENDAR ROUTES_EXAMPLE_SLA_CALENDAR_AT ("1", "2026-03-02T08:15:40.512Z")
#define ROUTES_EXAMPLE_SLA_CALENDAR_UPDATED                                                       \
    ROUTES_EXAMPLE_SLA_CALENDAR_AT ("2", "2026-03-09T02:04:11.907Z")
/*  A policy for urgent complaints: two business hours to answer, one
 *  business day (eight hours) to resolve, at risk at 80 %, escalated
 *  hourly after a breach. */
#define ROUTES_EXAMPLE_SLA_ESCALATION                                                             \
    "\"escalation\":[{\"level\":1,\"role\":\"shift_lead\",\"department\":\"\",\"staff_id\":\"\"}," \
    "{\"level\":2,\"role\":\"supervisor\",\"department\":\"customer-service\",\"staff_id\":\"\"},"  \
    "{\"level\":3,\"role\":\"manager\",\"department\":\"\",\"staff_id\":\"M4001\"}]"
#define ROUTES_EXAMPLE_SLA_POLICY_REQUEST(resolution_s)                                          \
    "{\"name\":\"Urgent complaints\",\"kind\":\"complaint\",\"priority\":\"urgent\","             \
    "\"calendar_id\":1,\"first_response_s\":7200,\"resolution_s\":" resolution_s                 \
    ",\"at_risk_percent\":80,\"escalation_interval_s\":3600,\"escalation\":["                    \
    "{\"role\":\"shift_lead\"},{\"role\":\"supervisor\",\"department\":\"customer-service\"},"    \
    "{\"role\":\"manager\",\"staff_id\":\"M4001\"}]}"
#define ROUTES_EXAMPLE_SLA_POLICY_AT(resolution_s, version, updated_at)                           \
    "{\"id\":3,\"name\":\"Urgent complaints\",\"kind\":\"complaint\",\"priority\":\"urgent\","     \
    "\"calendar_id\":1,\"first_response_s\":7200,\"resolution_s\":" resolution_s                 \
    ",\"at_risk_percent\":80,\"escalation_interval_s\":3600," ROUTES_EXAMPLE_SLA_ESCALATION      \
    ",\"version\":" version ",\"expected_version\":0,"                                          \
    "\"created_at\":\"2026-03-02T08:20:03.004Z\",\"updated_at\":\"" updated_at "\"}"
#define ROUTES_EXAMPLE_SLA_POLICY                                                                 \
    ROUTES_EXAMPLE_SLA_POLICY_AT ("28800", "1", "2026-03-02T08:20:03.004Z")
/*  The update gives urgent complaints two business days. */
#define ROUTES_EXAMPLE_SLA_POLICY_UPDATED                                                         \
    ROUTES_EXAMPLE_SLA_POLICY_AT ("57600", "2", "2026-03-10T01:45:27.330Z")
/*  Ticket 57, an urgent complaint received on Monday 2026-03-16 at 10:30
 *  in Shanghai (02:30Z) under that policy: answer by 13:30 (the lunch hour
 *  does not count), resolve by Tuesday 10:30. Its first response was late,
 *  so it went to level 1 at 13:30 (the next level one business hour
 *  later). Then: paused at 14:10; resumed at 14:30, which moves every
 *  deadline 20 business minutes later; or escalated by hand to level 2 at
 *  14:00. */
#define ROUTES_EXAMPLE_TICKET_SLA_AT(first_due, first_risk, resolution_due, resolution_risk,      \
                                     pause, paused_s, level, next_escalation)                    \
    "{\"ticket_id\":57,\"policy_id\":3,\"policy_name\":\"Urgent complaints\","                   \
    "\"time_zone\":\"Asia/Shanghai\",\"started_at\":\"2026-03-16T02:30:00.000Z\","               \
    "\"first_response_due_at\":\"" first_due "\",\"first_response_at_risk_at\":\"" first_risk    \
    "\",\"first_responded_at\":\"\",\"resolution_due_at\":\"" resolution_due                     \
    "\",\"resolution_at_risk_at\":\"" resolution_risk "\",\"resolved_at\":\"\",\"closed_at\":\"\"," \
    pause ",\"paused_business_s\":" paused_s ",\"first_response_at_risk\":true,"                 \
    "\"first_response_breached\":true,\"resolution_at_risk\":false,"                             \
    "\"resolution_breached\":false,\"escalation_level\":" level ",\"next_escalation_at\":\""     \
    next_escalation "\"," ROUTES_EXAMPLE_SLA_ESCALATION "}"
#define ROUTES_EXAMPLE_SLA_RUNNING "\"paused\":false,\"paused_since\":\"\",\"pause_reason\":\"\""
#define ROUTES_EXAMPLE_TICKET_SLA                                                                 \
    ROUTES_EXAMPLE_TICKET_SLA_AT ("2026-03-16T05:30:00.000Z", "2026-03-16T05:06:00.000Z",        \
                                  "2026-03-17T02:30:00.000Z", "2026-03-16T09:54:00.000Z",        \
                                  ROUTES_EXAMPLE_SLA_RUNNING, "0", "1", "2026-03-16T06:30:00.000Z")
#define ROUTES_EXAMPLE_TICKET_SLA_PAUSED                                                          \
    ROUTES_EXAMPLE_TICKET_SLA_AT (                                                               \
        "2026-03-16T05:30:00.000Z", "2026-03-16T05:06:00.000Z", "2026-03-17T02:30:00.000Z",      \
        "2026-03-16T09:54:00.000Z",                                                              \
        "\"paused\":true,\"paused_since\":\"2026-03-16T06:10:00.000Z\","                         \
        "\"pause_reason\":\"waiting for the customer's invoice\"",                               \
        "0", "1", "2026-03-16T06:30:00.000Z")
#define ROUTES_EXAMPLE_TICKET_SLA_RESUMED                                                         \
    ROUTES_EXAMPLE_TICKET_SLA_AT ("2026-03-16T05:50:00.000Z", "2026-03-16T05:26:00.000Z",        \
                                  "2026-03-17T02:50:00.000Z", "2026-03-16T10:14:00.000Z",        \
                                  ROUTES_EXAMPLE_SLA_RUNNING, "1200", "1",                       \
                                  "2026-03-16T06:50:00.000Z")
#define ROUTES_EXAMPLE_TICKET_SLA_ESCALATED                                                       \
    ROUTES_EXAMPLE_TICKET_SLA_AT ("2026-03-16T05:30:00.000Z", "2026-03-16T05:06:00.000Z",        \
                                  "2026-03-17T02:30:00.000Z", "2026-03-16T09:54:00.000Z",        \
                                  ROUTES_EXAMPLE_SLA_RUNNING, "0", "2", "2026-03-16T07:00:00.000Z")
/*  One supervisor of the hotline throughout the scheduling examples: the
 *  same person is created, logs in, gets a shift and an API key. */
#define ROUTES_EXAMPLE_STAFF_FIELDS                                         \
    "\"staff_no\":\"S0107\",\"name\":\"Li Na\",\"roles\":[\"supervisor\"]," \
    "\"grade\":\"senior\",\"skills\":[\"billing\",\"mandarin\"],\"department\":\"Hotline 1\""
#define ROUTES_EXAMPLE_STAFF                                                  \
    "{\"id\":7," ROUTES_EXAMPLE_STAFF_FIELDS ",\"status\":\"active\","        \
    "\"must_change_password\":false,\"created_at\":\"2026-03-14T08:00:00Z\"," \
    "\"updated_at\":\"2026-03-14T08:05:12Z\"}"
#define ROUTES_EXAMPLE_STAFF_SUSPENDED                                        \
    "{\"id\":7," ROUTES_EXAMPLE_STAFF_FIELDS ",\"status\":\"suspended\","     \
    "\"must_change_password\":false,\"created_at\":\"2026-03-14T08:00:00Z\"," \
    "\"updated_at\":\"2026-03-20T17:45:00Z\"}"
#define ROUTES_EXAMPLE_API_KEY                                                                 \
    "{\"id\":\"ak_3f9c0a5e7b21d4c8\",\"name\":\"Hotline 1 wallboard\",\"staff_no\":\"S0107\"," \
    "\"roles\":[\"supervisor\"],\"created_at\":\"2026-03-14T10:00:00Z\",\"created_by\":"       \
    "\"D0001\",\"revoked_at\":\"\"}"

/*  Standard reply 12 (TKT-10), the answer on late refunds: version 1
 *  written by S-0007, version 2 (an edit) approved by supervisor S-0031. */
#define ROUTES_EXAMPLE_REPLY_TITLE "Refund not yet received"
#define ROUTES_EXAMPLE_REPLY_BODY                                                                 \
    "We are sorry your refund has not arrived. Refunds reach the original payment method within " \
    "7 working days of approval; we have asked finance to confirm the date and will call you."
#define ROUTES_EXAMPLE_REPLY_AT(version, latest, revision, state, approved_by, approved_at,       \
                                retired_by, retired_at, created_at)                               \
    "{\"id\":12,\"version\":" version ",\"latest_version\":" latest ",\"revision\":" revision   \
    ",\"category\":\"billing\",\"title\":\"" ROUTES_EXAMPLE_REPLY_TITLE "\",\"body\":\""          \
    ROUTES_EXAMPLE_REPLY_BODY "\",\"state\":\"" state "\",\"author_staff_id\":\"S-0007\","        \
    "\"approved_by\":\"" approved_by "\",\"approved_at\":\"" approved_at "\",\"retired_by\":\""   \
    retired_by "\",\"retired_at\":\"" retired_at "\",\"created_at\":\"" created_at "\"}"
#define ROUTES_EXAMPLE_REPLY_CREATED                                                              \
    ROUTES_EXAMPLE_REPLY_AT ("1", "1", "1", "draft", "", "", "", "", "2026-03-10T02:00:00.000Z")
#define ROUTES_EXAMPLE_REPLY_DRAFT                                                                \
    ROUTES_EXAMPLE_REPLY_AT ("2", "2", "2", "draft", "", "", "", "", "2026-03-11T03:20:00.000Z")
#define ROUTES_EXAMPLE_REPLY_APPROVED                                                             \
    ROUTES_EXAMPLE_REPLY_AT ("2", "2", "3", "approved", "S-0031", "2026-03-11T06:45:10.204Z", "", \
                             "", "2026-03-11T03:20:00.000Z")
#define ROUTES_EXAMPLE_REPLY_RETIRED                                                              \
    ROUTES_EXAMPLE_REPLY_AT ("2", "2", "4", "retired", "S-0031", "2026-03-11T06:45:10.204Z",     \
                             "S-0031", "2026-04-02T01:00:00.000Z", "2026-03-11T03:20:00.000Z")
#define ROUTES_EXAMPLE_REPLY_REQUEST                                                              \
    "{\"category\":\"billing\",\"title\":\"" ROUTES_EXAMPLE_REPLY_TITLE "\",\"body\":\""           \
    ROUTES_EXAMPLE_REPLY_BODY "\"}"

static const gateway_route_t routes_table[] = {
    {
        .method = "GET",
        .pattern = "/healthz",
        .kind = GATEWAY_ROUTE_HEALTH,
        .anonymous = true,
        .success_status = GATEWAY_HTTP_OK,
        .summary = "Liveness: the gateway process answers",
        .description = "Always 200 while the gateway runs; it asks no service.",
        .example_response = "{\"status\":\"ok\"}",
    },
    {
        .method = "GET",
        .pattern = "/readyz",
        .kind = GATEWAY_ROUTE_READY,
        .anonymous = true,
        .success_status = GATEWAY_HTTP_OK,
        .summary = "Readiness: every service and its database answer",
        .description = "Pings every service of KEFU_GATEWAY_SERVICES; 503 (with the same document) "
                       "when one is down, its database is, or the gateway is stopping.",
        .example_response =
            "{\"status\":\"ready\",\"services\":{\"tickets\":{\"up\":true,\"database_up\":true}}}",
    },
    {
        .method = "GET",
        .pattern = "/openapi.json",
        .kind = GATEWAY_ROUTE_OPENAPI,
        .anonymous = true,
        .success_status = GATEWAY_HTTP_OK,
        .summary = "This API's OpenAPI 3.1 document",
        .description = "Generated from the gateway's route table and the protobuf messages "
                       "of each route when the gateway starts; ETag changes with it.",
    },
    {
        /*  Server-Sent Events; audit records only to auditors (AUD-8). */
        .method = "GET",
        .pattern = "/v1/events",
        .kind = GATEWAY_ROUTE_EVENTS,
        .roles = KEFU_ROLE_SHIFT_LEAD | KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER |
                 KEFU_ROLE_AUDITOR | KEFU_ROLE_INTEGRATION,
        .success_status = GATEWAY_HTTP_OK,
        .summary = "Stream events (Server-Sent Events)",
        .description = "An endless text/event-stream of CloudEvents: `id:` is the cursor to resume "
                       "from (send it back as Last-Event-ID), `event:` the event type, `data:` the "
                       "CloudEvent as JSON. `?types=` keeps the types starting with one of its "
                       "comma-separated prefixes. Audit records go to auditors only (AUD-8).",
    },
    {
        .method = "POST",
        .pattern = "/v1/tickets",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_CREATORS,
        .service = "tickets",
        .service_method = "tickets.create",
        .request_type = &kefu__v1__create_ticket_request__descriptor,
        .reply_type = &kefu__v1__ticket__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .etag_field = "version",
        .location_field = "id",
        .location_prefix = "/v1/tickets/",
        .summary = "Register a ticket (TKT-1, TKT-2)",
        .description = "Creates a complaint, inquiry, work order or suggestion in status "
                       "`received`. Send Idempotency-Key so that a retry returns the same ticket.",
        .example_request =
            "{\"kind\":\"complaint\",\"channel\":\"phone\",\"priority\":\"high\",\"category\":"
            "\"billing\",\"subject\":\"Refund not received\",\"description\":\"The customer was "
            "promised a refund two weeks "
            "ago.\",\"customer_id\":\"C-10001\",\"complainant_name\":\"Zhang "
            "San\",\"complainant_contact\":\"+86 138 0000 0000\",\"requested_remedy\":\"refund and "
            "an apology\",\"received_at\":\"2026-03-14T09:30:00Z\"}",
        .example_response = ROUTES_EXAMPLE_TICKET,
    },
    {
        .method = "GET",
        .pattern = "/v1/tickets",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_READERS,
        .service = "tickets",
        .service_method = "tickets.list",
        .request_type = &kefu__v1__list_tickets_request__descriptor,
        .reply_type = &kefu__v1__list_tickets_reply__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .query =
            {
                {"limit", 1, ROUTES_LIST_LIMIT_MAX},
                {"after", 0, INT64_MAX},
                {"status", 0, 0, .example = "merged"},
                {"kind", 0, 0, .example = "complaint"},
                {"customer_id", 0, 0, .example = "C-10001"},
                {"assignee", 0, 0, .example = "S-0007"},
                {"q", 0, 0, .example = "退款"},
                {"owner", 0, 0, .example = "S-0007"},
                {"priority", 0, 0, .example = "high"},
                {"channel", 0, 0, .example = "phone"},
                {"category", 0, 0, .example = "billing"},
                {"created_from", 0, 0, .example = "2026-03-01T00:00:00+08:00"},
                {"created_to", 0, 0, .example = "2026-04-01T00:00:00+08:00"},
                {"received_from", 0, 0, .example = "2026-03-01T00:00:00+08:00"},
                {"received_to", 0, 0, .example = "2026-04-01T00:00:00+08:00"},
                {"responsible_person", 0, 0, .example = "Wang Wu"},
            },
        .cursor_field = "next",
        .refused_query_is_400 = true,
        .summary = "List and search tickets, oldest first",
        .description = "Cursor pagination: pass `next` of a page as `after` for the following one; "
                       "`next` is null on the last page. Filters combine (every given one must hold); "
                       "a bad filter is 400 naming it. `q` is text found in the subject or description "
                       "(1 to 100 characters, Chinese included, case-insensitive; `%` and `_` match "
                       "themselves), answered from an index for any length. `owner` is the first-contact "
                       "owner, `assignee` who handles the ticket now (`assignee_staff_id`, changed by "
                       "hand-offs), `responsible_person` the person named by the investigation. The "
                       "ranges are RFC 3339, `*_from` inclusive and `*_to` exclusive.",
        .example_response = "{\"items\":[" ROUTES_EXAMPLE_TICKET "],\"next\":\"42\"}",
    },
    {
        /*  Before /v1/tickets/{id}, which would take "stats" for an id. */
        .method = "GET",
        .pattern = "/v1/tickets/stats",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_STATS_READERS,
        .service = "tickets",
        .service_method = "tickets.stats",
        .request_type = &kefu__v1__ticket_stats_request__descriptor,
        .reply_type = &kefu__v1__ticket_stats_reply__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .query = {{"group_by", 0, 0, .example = "category,department"},
                  {"period", 0, 0, .example = "month"},
                  {"from", 0, 0, .required = true, .example = "2026-03-01T00:00:00+08:00"},
                  {"to", 0, 0, .required = true, .example = "2026-04-01T00:00:00+08:00"}},
        .refused_query_is_400 = true,
        .summary = "Complaint classification statistics (TKT-9)",
        .description = "Per UTC day, ISO week or month of [`from`, `to`) (at most 366 periods), and "
                       "per category and/or responsible department (`group_by`): tickets opened (by "
                       "`received_at`), tickets resolved (by their transition to `resolved`), the "
                       "median and 90th percentile of the seconds from `received_at` to resolution, "
                       "complaints repeated by the same customer in the same category within 30 days, "
                       "and `sla_compliance`: the share of the row's resolved tickets that have an SLA "
                       "and were resolved at or before its resolution deadline (null when none of them "
                       "has an SLA).",
        .example_response =
            "{\"rows\":[{\"category\":\"billing\",\"department\":\"Finance\",\"period\":"
            "\"2026-03-01T00:00:00Z\",\"opened\":412,\"resolved\":380,\"median_resolve_s\":"
            "86400,\"p90_resolve_s\":302400,\"sla_compliance\":0.9125,\"repeat_complaints\":23},"
            "{\"category\":\"delivery\",\"department\":\"Logistics\",\"period\":"
            "\"2026-03-01T00:00:00Z\",\"opened\":97,\"resolved\":88,\"median_resolve_s\":"
            "43200,\"p90_resolve_s\":172800,\"sla_compliance\":null,\"repeat_complaints\":4}]}",
    },
    {
        .method = "GET",
        .pattern = "/v1/tickets/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_READERS,
        .service = "tickets",
        .service_method = "tickets.get",
        .request_type = &kefu__v1__get_ticket_request__descriptor,
        .reply_type = &kefu__v1__ticket__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .etag_field = "version",
        .summary = "Read a ticket",
        .description = "ETag carries the ticket's version, for If-Match on a transition.",
        .example_response = ROUTES_EXAMPLE_TICKET,
    },
    {
        .method = "POST",
        .pattern = "/v1/tickets/{id}/transitions",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_WRITERS,
        .service = "tickets",
        .service_method = "tickets.transition",
        .request_type = &kefu__v1__transition_ticket_request__descriptor,
        .reply_type = &kefu__v1__ticket__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_version",
        .etag_field = "version",
        .summary = "Move a ticket along its workflow (TKT-3)",
        .description =
            "`to` names the next status; the fields a step needs (responsible department and "
            "person, remedy, confirmation, review summary) come with it. If-Match with the ETag of "
            "the version read makes a concurrent change a 412.",
        .example_request =
            "{\"to\":\"assessed\",\"reason\":\"a billing complaint within our remit\"}",
        .example_response = ROUTES_EXAMPLE_TICKET,
    },
    {
        .method = "GET",
        .pattern = "/v1/tickets/{id}/history",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_READERS,
        .service = "tickets",
        .service_method = "tickets.history",
        .request_type = &kefu__v1__get_ticket_request__descriptor,
        .reply_type = &kefu__v1__ticket_history__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .summary = "A ticket's status changes, oldest first",
        .description = "Who moved the ticket, when, from and to which status, and why.",
        .example_response = "{\"items\":[{\"ticket_id\":42,\"from_status\":\"\",\"to_status\":"
                            "\"received\",\"actor_staff_id\":\"S-0007\",\"reason\":\"created\",\"at\":"
                            "\"2026-03-14T09:31:02.118Z\",\"version\":1,\"merged_from_ticket_id\":0}]}",
    },
    /*  SLAs (TKT-7): a ticket's deadlines, pause, escalation; calendars and policies. */
    {
        .method = "GET",
        .pattern = "/v1/tickets/{id}/sla",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_READERS,
        .service = "tickets",
        .service_method = "tickets.sla.get",
        .request_type = &kefu__v1__sla_ref__descriptor,
        .reply_type = &kefu__v1__ticket_sla__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .summary = "A ticket's SLA: deadlines, pause, escalation (TKT-7)",
        .description = "The deadlines fixed from the policy in force when the ticket was registered "
                       "(a later change of the policy applies to new tickets), in business time of "
                       "the policy's calendar; whether each is at risk or breached; the pause; the "
                       "escalation level reached and the chain. 404 when the ticket does not exist "
                       "or no policy covers its kind and priority. Reading it is audited.",
        .example_response = ROUTES_EXAMPLE_TICKET_SLA,
    },
    {
        .method = "POST",
        .pattern = "/v1/tickets/{id}/sla/pause",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_WRITERS,
        .service = "tickets",
        .service_method = "tickets.sla.pause",
        .request_type = &kefu__v1__pause_ticket_sla_request__descriptor,
        .reply_type = &kefu__v1__ticket_sla__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .summary = "Pause a ticket's SLA clocks while waiting on the customer",
        .description = "Stops the first-response and resolution clocks; on resume the deadlines move "
                       "by the business time paused. `reason` is required. 409 when already paused, "
                       "or when the ticket is resolved or closed.",
        .example_request = "{\"reason\":\"waiting for the customer's invoice\"}",
        .example_response = ROUTES_EXAMPLE_TICKET_SLA_PAUSED,
    },
    {
        .method = "POST",
        .pattern = "/v1/tickets/{id}/sla/resume",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_WRITERS,
        .service = "tickets",
        .service_method = "tickets.sla.resume",
        .request_type = &kefu__v1__pause_ticket_sla_request__descriptor,
        .reply_type = &kefu__v1__ticket_sla__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .summary = "Resume a ticket's paused SLA clocks",
        .description = "The deadlines move by the business time the SLA was paused (counted in its "
                       "calendar, so a paused weekend costs nothing). `reason` is optional; 409 "
                       "when the SLA is not paused.",
        .example_request = "{\"reason\":\"the customer sent the invoice\"}",
        .example_response = ROUTES_EXAMPLE_TICKET_SLA_RESUMED,
    },
    {
        .method = "POST",
        .pattern = "/v1/tickets/{id}/escalations",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_WRITERS,
        .service = "tickets",
        .service_method = "tickets.escalate",
        .request_type = &kefu__v1__escalate_ticket_request__descriptor,
        .reply_type = &kefu__v1__ticket_sla__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .summary = "Escalate a ticket to the next level of its chain",
        .description = "Reports go up one level at a time: `level` must be the next one (422 "
                       "otherwise), unless `emergency` is true, which may skip levels and still "
                       "notifies every level skipped. 409 when the ticket is at that level already, "
                       "or resolved or closed. `reason` is required.",
        .example_request = "{\"level\":2,\"reason\":\"the customer called a third time\","
                           "\"emergency\":false}",
        .example_response = ROUTES_EXAMPLE_TICKET_SLA_ESCALATED,
    },
    {
        .method = "POST",
        .pattern = "/v1/sla/calendars",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SLA_MANAGERS,
        .service = "tickets",
        .service_method = "sla.calendars.create",
        .request_type = &kefu__v1__sla_calendar__descriptor,
        .reply_type = &kefu__v1__sla_calendar__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .etag_field = "version",
        .location_field = "id",
        .location_prefix = "/v1/sla/calendars/",
        .summary = "Create a business calendar (TKT-7)",
        .description = "Working hours per weekday in an IANA time zone (several intervals a day, "
                       "\"24:00\" for midnight), holidays, and extra working days that take the hours "
                       "of `hours_of` (调休). SLA deadlines count only working time. Names are unique "
                       "(409).",
        .example_request = "{" ROUTES_EXAMPLE_SLA_CALENDAR_BODY "}",
        .example_response = ROUTES_EXAMPLE_SLA_CALENDAR,
    },
    {
        .method = "GET",
        .pattern = "/v1/sla/calendars",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SLA_READERS,
        .service = "tickets",
        .service_method = "sla.calendars.list",
        .request_type = &kefu__v1__list_sla_request__descriptor,
        .reply_type = &kefu__v1__list_sla_calendars_reply__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .query = {{"limit", 1, ROUTES_LIST_LIMIT_MAX}, {"after", 0, INT64_MAX}},
        .cursor_field = "next",
        .summary = "List business calendars, oldest first",
        .description = "Cursor pagination as for tickets.",
        .example_response = "{\"items\":[" ROUTES_EXAMPLE_SLA_CALENDAR "],\"next\":null}",
    },
    {
        .method = "GET",
        .pattern = "/v1/sla/calendars/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SLA_READERS,
        .service = "tickets",
        .service_method = "sla.calendars.get",
        .request_type = &kefu__v1__sla_ref__descriptor,
        .reply_type = &kefu__v1__sla_calendar__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .etag_field = "version",
        .summary = "Read a business calendar",
        .description = "ETag carries its version, for If-Match on an update.",
        .example_response = ROUTES_EXAMPLE_SLA_CALENDAR,
    },
    {
        .method = "PUT",
        .pattern = "/v1/sla/calendars/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SLA_MANAGERS,
        .service = "tickets",
        .service_method = "sla.calendars.update",
        .request_type = &kefu__v1__sla_calendar__descriptor,
        .reply_type = &kefu__v1__sla_calendar__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_version",
        .etag_field = "version",
        .summary = "Replace a business calendar",
        .description = "The whole calendar is replaced; deadlines already fixed for tickets stay, "
                       "new tickets use the new hours. If-Match with the ETag read makes a "
                       "concurrent change a 412.",
        .example_request = "{" ROUTES_EXAMPLE_SLA_CALENDAR_BODY "}",
        .example_response = ROUTES_EXAMPLE_SLA_CALENDAR_UPDATED,
    },
    {
        .method = "DELETE",
        .pattern = "/v1/sla/calendars/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SLA_MANAGERS,
        .service = "tickets",
        .service_method = "sla.calendars.delete",
        .request_type = &kefu__v1__sla_ref__descriptor,
        .reply_type = &kefu__v1__sla_calendar__descriptor,
        .success_status = GATEWAY_HTTP_NO_CONTENT,
        .path_id_field = "id",
        .summary = "Delete a business calendar",
        .description = "409 while a policy uses it: change or delete the policy first.",
    },
    {
        .method = "POST",
        .pattern = "/v1/sla/policies",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SLA_MANAGERS,
        .service = "tickets",
        .service_method = "sla.policies.create",
        .request_type = &kefu__v1__sla_policy__descriptor,
        .reply_type = &kefu__v1__sla_policy__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .etag_field = "version",
        .location_field = "id",
        .location_prefix = "/v1/sla/policies/",
        .summary = "Create an SLA policy for a ticket kind and priority (TKT-7)",
        .description = "Business seconds to the first response and to resolution in the calendar "
                       "`calendar_id` (422 when there is no such calendar), the share of a target "
                       "after which it is at risk (1 to 99 %, 80 when 0), and the escalation chain, "
                       "lowest level first, climbed every `escalation_interval_s` after a breach. "
                       "One policy per kind and priority, and per name (409).",
        .example_request = ROUTES_EXAMPLE_SLA_POLICY_REQUEST ("28800"),
        .example_response = ROUTES_EXAMPLE_SLA_POLICY,
    },
    {
        .method = "GET",
        .pattern = "/v1/sla/policies",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SLA_READERS,
        .service = "tickets",
        .service_method = "sla.policies.list",
        .request_type = &kefu__v1__list_sla_request__descriptor,
        .reply_type = &kefu__v1__list_sla_policies_reply__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .query = {{"limit", 1, ROUTES_LIST_LIMIT_MAX}, {"after", 0, INT64_MAX}},
        .cursor_field = "next",
        .summary = "List SLA policies, oldest first",
        .description = "Cursor pagination as for tickets.",
        .example_response = "{\"items\":[" ROUTES_EXAMPLE_SLA_POLICY "],\"next\":null}",
    },
    {
        .method = "GET",
        .pattern = "/v1/sla/policies/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SLA_READERS,
        .service = "tickets",
        .service_method = "sla.policies.get",
        .request_type = &kefu__v1__sla_ref__descriptor,
        .reply_type = &kefu__v1__sla_policy__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .etag_field = "version",
        .summary = "Read an SLA policy",
        .description = "ETag carries its version, for If-Match on an update.",
        .example_response = ROUTES_EXAMPLE_SLA_POLICY,
    },
    {
        .method = "PUT",
        .pattern = "/v1/sla/policies/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SLA_MANAGERS,
        .service = "tickets",
        .service_method = "sla.policies.update",
        .request_type = &kefu__v1__sla_policy__descriptor,
        .reply_type = &kefu__v1__sla_policy__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_version",
        .etag_field = "version",
        .summary = "Replace an SLA policy",
        .description = "Applies to tickets registered from now on; those registered before keep the "
                       "deadlines they were given. If-Match with the ETag read makes a concurrent "
                       "change a 412.",
        .example_request = ROUTES_EXAMPLE_SLA_POLICY_REQUEST ("57600"),
        .example_response = ROUTES_EXAMPLE_SLA_POLICY_UPDATED,
    },
    {
        .method = "DELETE",
        .pattern = "/v1/sla/policies/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SLA_MANAGERS,
        .service = "tickets",
        .service_method = "sla.policies.delete",
        .request_type = &kefu__v1__sla_ref__descriptor,
        .reply_type = &kefu__v1__sla_policy__descriptor,
        .success_status = GATEWAY_HTTP_NO_CONTENT,
        .path_id_field = "id",
        .summary = "Delete an SLA policy",
        .description = "New tickets of its kind and priority get no SLA; tickets registered under it "
                       "keep theirs.",
    },
    /*  The parts of a ticket, merging and dispatch (TKT-5, TKT-6, TKT-8):
     *  every change takes If-Match and answers the ticket's version as ETag. */
    {
        .method = "POST",
        .pattern = "/v1/tickets/{id}/merge",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_WRITERS,
        .service = "tickets",
        .service_method = "tickets.merge",
        .request_type = &kefu__v1__merge_ticket_request__descriptor,
        .reply_type = &kefu__v1__ticket__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_version",
        .etag_field = "version",
        .summary = "Merge a duplicate ticket into another",
        .description =
            "The ticket of the path is the duplicate: it moves to status `merged` with "
            "`merged_into` set, and its history, comments, attachments and watchers are copied to "
            "the primary `into` (the copies name the ticket they came from). The duplicate's SLA "
            "stops. 422 when merging a ticket into itself, 409 when either ticket is already "
            "merged; If-Match is the duplicate's version. Both tickets are locked in id order, so "
            "opposite merges of one pair cannot deadlock.",
        .example_request =
            "{\"into\":42,\"reason\":\"the customer called twice about the same refund\"}",
        .example_response = ROUTES_EXAMPLE_TICKET_MERGED,
    },
    {
        .method = "POST",
        .pattern = "/v1/tickets/{id}/dispatch",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_WRITERS,
        .service = "tickets",
        .service_method = "tickets.dispatch",
        .request_type = &kefu__v1__dispatch_ticket_request__descriptor,
        .reply_type = &kefu__v1__ticket__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_version",
        .etag_field = "version",
        .summary = "Dispatch a work order to a department (TKT-6)",
        .description =
            "The first dispatch moves a work order from `received` to `dispatched`, as the "
            "transition does; a later one sends it on to another department "
            "(`ticket.redispatched`). The department must exist and be active (422). A work order "
            "whose category has a routing rule is dispatched when it is registered.",
        .example_request =
            "{\"department_id\":5,\"reason\":\"facilities handles leaks\"}",
        .example_response = ROUTES_EXAMPLE_WORK_ORDER,
    },
    {
        .method = "GET",
        .pattern = "/v1/tickets/{id}/dispatches",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_READERS,
        .service = "tickets",
        .service_method = "tickets.dispatches",
        .request_type = &kefu__v1__get_ticket_request__descriptor,
        .reply_type = &kefu__v1__ticket_dispatches__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .etag_field = "ticket_version",
        .summary = "A work order's dispatches, oldest first",
        .description =
            "Which department it went to, from which, by whom, why, and the routing rule when a "
            "rule chose it. ETag is the ticket's version. Reading it is audited.",
        .example_response = "{\"items\":[" ROUTES_EXAMPLE_DISPATCH "],\"ticket_version\":3}",
    },
    {
        .method = "POST",
        .pattern = "/v1/tickets/{id}/handoffs",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_WRITERS,
        .service = "tickets",
        .service_method = "tickets.handoff",
        .request_type = &kefu__v1__hand_off_ticket_request__descriptor,
        .reply_type = &kefu__v1__ticket__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_version",
        .etag_field = "version",
        .summary = "Hand a ticket to another staff member (TKT-5)",
        .description =
            "Changes the current assignee; the first-contact owner of record stays and keeps being "
            "notified (`ticket.owner_notified`) of every change until closure. `to_staff_id` and "
            "`reason` are required; handing a ticket to its current assignee is 422, a closed one 409.",
        .example_request =
            "{\"to_staff_id\":\"S-0012\",\"reason\":\"S-0012 covers facilities this week\"}",
        .example_response = ROUTES_EXAMPLE_WORK_ORDER_AT ("4", "S-0012", "2026-03-14T10:15:03.020Z"),
    },
    {
        .method = "GET",
        .pattern = "/v1/tickets/{id}/handoffs",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_READERS,
        .service = "tickets",
        .service_method = "tickets.handoffs",
        .request_type = &kefu__v1__get_ticket_request__descriptor,
        .reply_type = &kefu__v1__ticket_handoffs__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .etag_field = "ticket_version",
        .summary = "A ticket's hand-offs, oldest first",
        .description =
            "Who handed the ticket from whom to whom, when and why. ETag is the ticket's version. "
            "Reading it is audited.",
        .example_response = "{\"items\":[" ROUTES_EXAMPLE_HANDOFF "],\"ticket_version\":4}",
    },
    {
        .method = "POST",
        .pattern = "/v1/tickets/{id}/watchers",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_WRITERS,
        .service = "tickets",
        .service_method = "tickets.watcher_add",
        .request_type = &kefu__v1__ticket_watcher_request__descriptor,
        .reply_type = &kefu__v1__ticket_watchers__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_version",
        .etag_field = "ticket_version",
        .summary = "Watch a ticket",
        .description =
            "Adds `staff_id` to the ticket's watchers (409 if already watching); the answer is the "
            "watcher list after the change, its ETag the ticket's new version.",
        .example_request =
            "{\"staff_id\":\"S-0031\"}",
        .example_response = ROUTES_EXAMPLE_WATCHERS ("2"),
    },
    {
        .method = "DELETE",
        .pattern = "/v1/tickets/{id}/watchers/{key}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_WRITERS,
        .service = "tickets",
        .service_method = "tickets.watcher_remove",
        .request_type = &kefu__v1__ticket_watcher_request__descriptor,
        .reply_type = &kefu__v1__ticket_watchers__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .path_key_field = "staff_id",
        .if_match_field = "expected_version",
        .etag_field = "ticket_version",
        .summary = "Stop watching a ticket",
        .description =
            "Removes the staff member of the path from the watchers (404 when not watching); "
            "answers the remaining watchers and the ticket's new version as ETag.",
        .example_response = "{\"items\":[],\"ticket_version\":3}",
    },
    {
        .method = "GET",
        .pattern = "/v1/tickets/{id}/watchers",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_READERS,
        .service = "tickets",
        .service_method = "tickets.watchers",
        .request_type = &kefu__v1__get_ticket_request__descriptor,
        .reply_type = &kefu__v1__ticket_watchers__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .etag_field = "ticket_version",
        .summary = "A ticket's watchers",
        .description =
            "The staff members watching the ticket, oldest first. ETag is the ticket's version. "
            "Reading it is audited.",
        .example_response = ROUTES_EXAMPLE_WATCHERS ("2"),
    },
    {
        .method = "POST",
        .pattern = "/v1/tickets/{id}/comments",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_WRITERS,
        .service = "tickets",
        .service_method = "tickets.comment_add",
        .request_type = &kefu__v1__add_comment_request__descriptor,
        .reply_type = &kefu__v1__ticket_comment__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_version",
        .etag_field = "ticket_version",
        .summary = "Comment on a ticket",
        .description =
            "`visibility` is `public` (shown to the customer) or `internal` (staff only). The "
            "first public comment is the ticket's first response for its SLA (TKT-7); an internal "
            "note is not. A public comment may cite the standard reply it gives (TKT-10): "
            "`reply_id` and `reply_version`, both or neither; the version must be approved when the "
            "comment is written (422 `reply-not-citable` otherwise, and nothing is written), and the "
            "comment and its `ticket.commented` event carry the citation. The ticket's version goes "
            "up (ETag); Idempotency-Key makes a retry answer the comment first written.",
        .example_request =
            "{\"body\":\"We have asked finance to confirm the refund date and will call you back "
            "tomorrow.\",\"visibility\":\"public\",\"reply_id\":12,\"reply_version\":2}",
        .example_response = ROUTES_EXAMPLE_COMMENT,
    },
    {
        .method = "GET",
        .pattern = "/v1/tickets/{id}/comments",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_READERS,
        .service = "tickets",
        .service_method = "tickets.comments",
        .request_type = &kefu__v1__list_comments_request__descriptor,
        .reply_type = &kefu__v1__ticket_comments__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .query = {{"visibility", 0, 0}},
        .etag_field = "ticket_version",
        .summary = "A ticket's comments, oldest first",
        .description =
            "`?visibility=` keeps `public` or `internal` ones; the integration role reads public "
            "comments only (403 for internal). Comments copied from a merged duplicate name it in "
            "`merged_from_ticket_id`. ETag is the ticket's version.",
        .example_response = "{\"items\":[" ROUTES_EXAMPLE_COMMENT "],\"ticket_version\":3}",
    },
    {
        .method = "POST",
        .pattern = "/v1/tickets/{id}/attachments",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_WRITERS,
        .service = "tickets",
        .service_method = "tickets.attachment_add",
        .request_type = &kefu__v1__add_attachment_request__descriptor,
        .reply_type = &kefu__v1__ticket_attachment__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_version",
        .etag_field = "ticket_version",
        .summary = "Record an attachment's metadata",
        .description =
            "The bytes stay in the integrator's object store; kefu keeps the file name, media "
            "type, size (at most 100 MiB), SHA-256 and storage URI. The ticket's version goes up "
            "(ETag); Idempotency-Key makes a retry answer the attachment first recorded.",
        .example_request =
            "{\"file_name\":\"refund-receipt.pdf\",\"media_type\":\"application/pdf\",\"size_bytes"
            "\":48213,\"sha256\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
            "\",\"storage_uri\":\"s3://kefu-attachments/42/refund-receipt.pdf\"}",
        .example_response = ROUTES_EXAMPLE_ATTACHMENT,
    },
    {
        .method = "GET",
        .pattern = "/v1/tickets/{id}/attachments",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_READERS,
        .service = "tickets",
        .service_method = "tickets.attachments",
        .request_type = &kefu__v1__get_ticket_request__descriptor,
        .reply_type = &kefu__v1__ticket_attachments__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .etag_field = "ticket_version",
        .summary = "A ticket's attachments, oldest first",
        .description =
            "Metadata only, the bytes are at `storage_uri`. ETag is the ticket's version. Reading "
            "it is audited.",
        .example_response = "{\"items\":[" ROUTES_EXAMPLE_ATTACHMENT "],\"ticket_version\":4}",
    },
    {
        .method = "GET",
        .pattern = "/v1/accountability",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_READERS,
        .service = "tickets",
        .service_method = "tickets.accountability",
        .request_type = &kefu__v1__list_accountability_request__descriptor,
        .reply_type = &kefu__v1__list_tickets_reply__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .query = {{"limit", 1, ROUTES_LIST_LIMIT_MAX},
                  {"after", 0, INT64_MAX},
                  {"responsible_department", 0, 0},
                  {"responsible_person", 0, 0},
                  {"responsible_party", 0, 0}},
        .cursor_field = "next",
        .summary = "Tickets by who was held accountable (TKT-8)",
        .description =
            "Filters by responsible department, person or party (as the review recorded them); "
            "cursor pagination as for tickets. Reading it is audited with the number of records "
            "returned.",
        .example_response = "{\"items\":[" ROUTES_EXAMPLE_TICKET "],\"next\":null}",
    },
    {
        .method = "POST",
        .pattern = "/v1/departments",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_DEPARTMENT_MANAGERS,
        .service = "tickets",
        .service_method = "departments.create",
        .request_type = &kefu__v1__department_request__descriptor,
        .reply_type = &kefu__v1__department__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .etag_field = "version",
        .location_field = "id",
        .location_prefix = "/v1/departments/",
        .summary = "Create a department (TKT-6)",
        .description =
            "A department receives dispatched work orders while `active`. Names are unique (409). "
            "Idempotency-Key makes a retry answer the department first created.",
        .example_request =
            "{\"name\":\"Facilities\",\"active\":true}",
        .example_response = ROUTES_EXAMPLE_DEPARTMENT,
    },
    {
        .method = "GET",
        .pattern = "/v1/departments",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_DEPARTMENT_READERS,
        .service = "tickets",
        .service_method = "departments.list",
        .request_type = &kefu__v1__list_page_request__descriptor,
        .reply_type = &kefu__v1__departments__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .query = {{"limit", 1, ROUTES_LIST_LIMIT_MAX}, {"after", 0, INT64_MAX}},
        .cursor_field = "next",
        .summary = "List departments, oldest first",
        .description =
            "Cursor pagination as for tickets.",
        .example_response = "{\"items\":[" ROUTES_EXAMPLE_DEPARTMENT "],\"next\":null}",
    },
    {
        .method = "GET",
        .pattern = "/v1/departments/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_DEPARTMENT_READERS,
        .service = "tickets",
        .service_method = "departments.get",
        .request_type = &kefu__v1__department_request__descriptor,
        .reply_type = &kefu__v1__department__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .etag_field = "version",
        .summary = "Read a department",
        .description =
            "ETag carries its version, for If-Match on an update or delete.",
        .example_response = ROUTES_EXAMPLE_DEPARTMENT,
    },
    {
        .method = "PUT",
        .pattern = "/v1/departments/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_DEPARTMENT_MANAGERS,
        .service = "tickets",
        .service_method = "departments.update",
        .request_type = &kefu__v1__department_request__descriptor,
        .reply_type = &kefu__v1__department__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_version",
        .etag_field = "version",
        .summary = "Rename or (de)activate a department",
        .description =
            "An inactive department receives no new work (a dispatch to it is 422); work orders "
            "already there stay. If-Match with its version; a name taken is 409.",
        .example_request =
            "{\"name\":\"Facilities and maintenance\",\"active\":true}",
        .example_response = ROUTES_EXAMPLE_DEPARTMENT_AT ("Facilities and maintenance", "true", "2",
                                                          "2026-03-20T02:11:47.058Z"),
    },
    {
        .method = "DELETE",
        .pattern = "/v1/departments/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_DEPARTMENT_MANAGERS,
        .service = "tickets",
        .service_method = "departments.delete",
        .request_type = &kefu__v1__department_request__descriptor,
        .reply_type = &kefu__v1__department__descriptor,
        .success_status = GATEWAY_HTTP_NO_CONTENT,
        .path_id_field = "id",
        .if_match_field = "expected_version",
        .summary = "Delete a department",
        .description =
            "Only a department no routing rule and no ticket names (409 otherwise: deactivate it "
            "instead).",
    },
    {
        .method = "POST",
        .pattern = "/v1/routing-rules",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_DEPARTMENT_MANAGERS,
        .service = "tickets",
        .service_method = "routing_rules.create",
        .request_type = &kefu__v1__routing_rule_request__descriptor,
        .reply_type = &kefu__v1__routing_rule__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .etag_field = "version",
        .location_field = "id",
        .location_prefix = "/v1/routing-rules/",
        .summary = "Route a category's work orders to a department (TKT-6)",
        .description =
            "Work orders registered with `category` are dispatched to `department_id` in the "
            "transaction that creates them. One rule per category (409); the department must exist "
            "(422).",
        .example_request =
            "{\"category\":\"facilities\",\"department_id\":5}",
        .example_response = ROUTES_EXAMPLE_ROUTING_RULE,
    },
    {
        .method = "GET",
        .pattern = "/v1/routing-rules",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_DEPARTMENT_READERS,
        .service = "tickets",
        .service_method = "routing_rules.list",
        .request_type = &kefu__v1__list_page_request__descriptor,
        .reply_type = &kefu__v1__routing_rules__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .query = {{"limit", 1, ROUTES_LIST_LIMIT_MAX}, {"after", 0, INT64_MAX}},
        .cursor_field = "next",
        .summary = "List routing rules, oldest first",
        .description =
            "Cursor pagination as for tickets.",
        .example_response = "{\"items\":[" ROUTES_EXAMPLE_ROUTING_RULE "],\"next\":null}",
    },
    {
        .method = "GET",
        .pattern = "/v1/routing-rules/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_DEPARTMENT_READERS,
        .service = "tickets",
        .service_method = "routing_rules.get",
        .request_type = &kefu__v1__routing_rule_request__descriptor,
        .reply_type = &kefu__v1__routing_rule__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .etag_field = "version",
        .summary = "Read a routing rule",
        .description =
            "ETag carries its version, for If-Match on an update or delete.",
        .example_response = ROUTES_EXAMPLE_ROUTING_RULE,
    },
    {
        .method = "PUT",
        .pattern = "/v1/routing-rules/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_DEPARTMENT_MANAGERS,
        .service = "tickets",
        .service_method = "routing_rules.update",
        .request_type = &kefu__v1__routing_rule_request__descriptor,
        .reply_type = &kefu__v1__routing_rule__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_version",
        .etag_field = "version",
        .summary = "Change a routing rule",
        .description =
            "Applies to work orders registered afterwards; those already dispatched stay where "
            "they are. If-Match with its version.",
        .example_request =
            "{\"category\":\"facilities\",\"department_id\":6}",
        .example_response = ROUTES_EXAMPLE_ROUTING_RULE_AT ("6", "2", "2026-03-21T06:30:00.412Z"),
    },
    {
        .method = "DELETE",
        .pattern = "/v1/routing-rules/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_DEPARTMENT_MANAGERS,
        .service = "tickets",
        .service_method = "routing_rules.delete",
        .request_type = &kefu__v1__routing_rule_request__descriptor,
        .reply_type = &kefu__v1__routing_rule__descriptor,
        .success_status = GATEWAY_HTTP_NO_CONTENT,
        .path_id_field = "id",
        .if_match_field = "expected_version",
        .summary = "Delete a routing rule",
        .description =
            "Work orders of its category then wait in `received` to be dispatched by hand. "
            "If-Match with its version.",
    },
    /*  Standard replies (TKT-10), served by the tickets service. */
    {
        .method = "POST",
        .pattern = "/v1/replies",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_WRITERS,
        .service = "tickets",
        .service_method = "replies.create",
        .request_type = &kefu__v1__create_standard_reply_request__descriptor,
        .reply_type = &kefu__v1__standard_reply__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .etag_field = "revision",
        .location_field = "id",
        .location_prefix = "/v1/replies/",
        .summary = "Write a standard reply (TKT-10)",
        .description = "An approved answer per category (统一的答复口径), written as version 1, a draft: "
                       "agents see it once a supervisor or manager other than its author approves it. "
                       "ETag is the reply's `revision`. Idempotency-Key makes a retry answer the reply "
                       "first written.",
        .example_request = ROUTES_EXAMPLE_REPLY_REQUEST,
        .example_response = ROUTES_EXAMPLE_REPLY_CREATED,
    },
    {
        .method = "GET",
        .pattern = "/v1/replies",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_READERS,
        .service = "tickets",
        .service_method = "replies.list",
        .request_type = &kefu__v1__list_standard_replies_request__descriptor,
        .reply_type = &kefu__v1__list_standard_replies_reply__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .query =
            {
                {"limit", 1, ROUTES_LIST_LIMIT_MAX},
                {"after", 0, INT64_MAX},
                {"q", 0, 0, .example = "退款"},
                {"category", 0, 0, .example = "billing"},
                {"state", 0, 0, .example = "approved"},
            },
        .cursor_field = "next",
        .refused_query_is_400 = true,
        .summary = "Search standard replies",
        .description = "Approved versions unless `state` is `draft`, `retired` or `any`; `q` finds text "
                       "in the title or body like the tickets' `q` (any length, Chinese included); "
                       "`category` an exact category. Cursor pagination as for tickets; a bad "
                       "parameter is 400 naming it.",
        .example_response = "{\"items\":[" ROUTES_EXAMPLE_REPLY_APPROVED "],\"next\":null}",
    },
    {
        .method = "GET",
        .pattern = "/v1/replies/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_READERS,
        .service = "tickets",
        .service_method = "replies.get",
        .request_type = &kefu__v1__get_standard_reply_request__descriptor,
        .reply_type = &kefu__v1__standard_reply__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .query = {{"version", 1, INT32_MAX, .example = "1"}},
        .etag_field = "revision",
        .refused_query_is_400 = true,
        .summary = "Read a standard reply",
        .description = "The latest version, or `version` N (any older one). ETag is the reply's "
                       "`revision`, for If-Match on an edit, an approval or a retirement.",
        .example_response = ROUTES_EXAMPLE_REPLY_APPROVED,
    },
    {
        /*  An edit: the body is the new version, in full. */
        .method = "PUT",
        .pattern = "/v1/replies/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_WRITERS,
        .service = "tickets",
        .service_method = "replies.update",
        .request_type = &kefu__v1__update_standard_reply_request__descriptor,
        .reply_type = &kefu__v1__standard_reply__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_revision",
        .etag_field = "revision",
        .summary = "Edit a standard reply: write its next version",
        .description = "The body is the new version in full, a draft; older versions are kept as they "
                       "were (an approved one stays what agents see until the new one is approved). "
                       "If-Match on the `revision`: a stale one is 412 and writes nothing.",
        .example_request = ROUTES_EXAMPLE_REPLY_REQUEST,
        .example_response = ROUTES_EXAMPLE_REPLY_DRAFT,
    },
    {
        .method = "GET",
        .pattern = "/v1/replies/{id}/versions",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_TICKET_READERS,
        .service = "tickets",
        .service_method = "replies.versions",
        .request_type = &kefu__v1__get_standard_reply_request__descriptor,
        .reply_type = &kefu__v1__standard_reply_versions__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .summary = "Every version of a standard reply, oldest first",
        .description = "Drafts, the approved version and retired ones, each with who wrote, approved "
                       "and retired it and when.",
        .example_response = "{\"items\":["
            ROUTES_EXAMPLE_REPLY_AT ("1", "2", "3", "draft", "", "", "", "", "2026-03-10T02:00:00.000Z")
            "," ROUTES_EXAMPLE_REPLY_APPROVED "]}",
    },
    {
        .method = "POST",
        .pattern = "/v1/replies/{id}/approve",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_REPLY_REVIEWERS,
        .service = "tickets",
        .service_method = "replies.approve",
        .request_type = &kefu__v1__review_standard_reply_request__descriptor,
        .reply_type = &kefu__v1__standard_reply__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_revision",
        .etag_field = "revision",
        .summary = "Approve the latest version of a standard reply",
        .description = "Supervisors and managers, not the version's author (403). Only the latest "
                       "version (`version` 0 or absent: that one), a draft (409 otherwise); the version "
                       "approved before, if any, is retired. `reason` is recorded in the audit.",
        .example_request = "{\"version\":2,\"reason\":\"checked with finance\"}",
        .example_response = ROUTES_EXAMPLE_REPLY_APPROVED,
    },
    {
        .method = "POST",
        .pattern = "/v1/replies/{id}/retire",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_REPLY_REVIEWERS,
        .service = "tickets",
        .service_method = "replies.retire",
        .request_type = &kefu__v1__review_standard_reply_request__descriptor,
        .reply_type = &kefu__v1__standard_reply__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_revision",
        .etag_field = "revision",
        .summary = "Retire the approved version of a standard reply",
        .description = "Supervisors and managers. Agents no longer see or cite it; comments that cited "
                       "it keep their citation. 409 when the version is not the approved one.",
        .example_request = "{\"version\":2,\"reason\":\"the refund rules changed\"}",
        .example_response = ROUTES_EXAMPLE_REPLY_RETIRED,
    },
    {
        .method = "POST",
        .pattern = "/v1/webhooks",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_WEBHOOK_MANAGERS,
        .service = "webhooks",
        .service_method = "webhooks.create",
        .request_type = &kefu__v1__create_webhook_request__descriptor,
        .reply_type = &kefu__v1__webhook__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .location_field = "id",
        .location_prefix = "/v1/webhooks/",
        .summary = "Subscribe a URL to events",
        .description = "Events whose type starts with one of `event_types` (every event when "
                       "empty) are POSTed to `url`, signed with the secret returned here once.",
        .example_request = "{\"url\":\"https://crm.example.com/"
                           "kefu\",\"event_types\":[\"ticket.\"],\"description\":\"CRM sync\"}",
        .example_response = ROUTES_EXAMPLE_WEBHOOK,
    },
    {
        .method = "GET",
        .pattern = "/v1/webhooks",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_WEBHOOK_MANAGERS,
        .service = "webhooks",
        .service_method = "webhooks.list",
        .request_type = &kefu__v1__list_webhooks_request__descriptor,
        .reply_type = &kefu__v1__list_webhooks_reply__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .query = {{"limit", 1, ROUTES_LIST_LIMIT_MAX}, {"after", 0, INT64_MAX}},
        .cursor_field = "next",
        .summary = "List webhooks, oldest first",
        .description = "Cursor pagination as for tickets; secrets are never listed.",
        .example_response = "{\"items\":[" ROUTES_EXAMPLE_WEBHOOK "],\"next\":null}",
    },
    {
        .method = "GET",
        .pattern = "/v1/webhooks/{key}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_WEBHOOK_MANAGERS,
        .service = "webhooks",
        .service_method = "webhooks.get",
        .request_type = &kefu__v1__webhook_ref__descriptor,
        .reply_type = &kefu__v1__webhook__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_key_field = "id",
        .summary = "Read a webhook",
        .description = "The webhook's subscription and status; its secret is not shown again.",
        .example_response = ROUTES_EXAMPLE_WEBHOOK,
    },
    {
        .method = "DELETE",
        .pattern = "/v1/webhooks/{key}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_WEBHOOK_MANAGERS,
        .service = "webhooks",
        .service_method = "webhooks.delete",
        .request_type = &kefu__v1__webhook_ref__descriptor,
        .reply_type = &kefu__v1__webhook__descriptor,
        .success_status = GATEWAY_HTTP_NO_CONTENT,
        .path_key_field = "id",
        .summary = "Delete a webhook",
        .description = "Stops its deliveries; pending ones are dropped.",
    },
    {
        .method = "POST",
        .pattern = "/v1/webhooks/{key}/pause",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_WEBHOOK_MANAGERS,
        .service = "webhooks",
        .service_method = "webhooks.pause",
        .request_type = &kefu__v1__webhook_ref__descriptor,
        .reply_type = &kefu__v1__webhook__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_key_field = "id",
        .summary = "Pause a webhook's deliveries",
        .description = "Events are still recorded for it and delivered after resume.",
        .example_response = ROUTES_EXAMPLE_WEBHOOK,
    },
    {
        .method = "POST",
        .pattern = "/v1/webhooks/{key}/resume",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_WEBHOOK_MANAGERS,
        .service = "webhooks",
        .service_method = "webhooks.resume",
        .request_type = &kefu__v1__webhook_ref__descriptor,
        .reply_type = &kefu__v1__webhook__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_key_field = "id",
        .summary = "Resume a paused webhook",
        .description = "Deliveries held while paused go out in order.",
        .example_response = ROUTES_EXAMPLE_WEBHOOK,
    },
    {
        .method = "GET",
        .pattern = "/v1/webhooks/{key}/deliveries",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_WEBHOOK_MANAGERS,
        .service = "webhooks",
        .service_method = "webhooks.deliveries",
        .request_type = &kefu__v1__list_deliveries_request__descriptor,
        .reply_type = &kefu__v1__list_deliveries_reply__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_key_field = "webhook_id",
        .query = {{"limit", 1, ROUTES_LIST_LIMIT_MAX}, {"after", 0, INT64_MAX}, {"status", 0, 0}},
        .cursor_field = "next",
        .summary = "List a webhook's deliveries, newest first",
        .description = "Each delivery's status, attempts and last error; filter by `status`.",
        .example_response = "{\"items\":[" ROUTES_EXAMPLE_DELIVERY "],\"next\":null}",
    },
    {
        .method = "POST",
        .pattern = "/v1/webhooks/{key}/deliveries/{id}/redeliver",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_WEBHOOK_MANAGERS,
        .service = "webhooks",
        .service_method = "webhooks.redeliver",
        .request_type = &kefu__v1__redeliver_request__descriptor,
        .reply_type = &kefu__v1__delivery__descriptor,
        .success_status = GATEWAY_HTTP_ACCEPTED,
        .path_key_field = "webhook_id",
        .path_id_field = "delivery_id",
        .summary = "Send a delivery again",
        .description =
            "Puts a delivered or dead delivery back in the queue; 202, as it is sent later.",
        .example_response = ROUTES_EXAMPLE_DELIVERY,
    },
    /*  Staff, sessions and shifts (scheduling: SCH-1, SCH-2, AUD-2). */
    {
        .method = "POST",
        .pattern = "/v1/staff",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = KEFU_ROLE_ADMIN,
        .service = "scheduling",
        .service_method = "staff.create",
        .request_type = &kefu__v1__create_staff_request__descriptor,
        .reply_type = &kefu__v1__staff__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .location_field = "id",
        .location_prefix = "/v1/staff/",
        .summary = "Add a staff member (SCH-1)",
        .description =
            "Admins only. `password` is the person's first password, which must be changed (POST "
            "/v1/sessions/password) before they can log in; it must not be weak (shorter than "
            "KEFU_PASSWORD_MIN_LENGTH, the staff number, or a common password: 422). A staff "
            "number already taken is 409.",
        .example_request = "{" ROUTES_EXAMPLE_STAFF_FIELDS ",\"password\":\"Lotus-harbour-2718\"}",
        .example_response = "{\"id\":7," ROUTES_EXAMPLE_STAFF_FIELDS ",\"status\":\"active\","
                            "\"must_change_password\":true,\"created_at\":\"2026-03-14T08:00:00Z\","
                            "\"updated_at\":\"2026-03-14T08:00:00Z\"}",
    },
    {
        .method = "GET",
        .pattern = "/v1/staff/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_STAFF_READERS,
        .service = "scheduling",
        .service_method = "staff.get",
        .request_type = &kefu__v1__staff_ref__descriptor,
        .reply_type = &kefu__v1__staff__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .summary = "Read a staff member",
        .description = "Admins, managers and supervisors. Password hashes are never shown.",
        .example_response = ROUTES_EXAMPLE_STAFF,
    },
    {
        .method = "PATCH",
        .pattern = "/v1/staff/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = KEFU_ROLE_ADMIN,
        .service = "scheduling",
        .service_method = "staff.update",
        .request_type = &kefu__v1__update_staff_request__descriptor,
        .reply_type = &kefu__v1__staff__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .summary = "Change a staff member's name, roles, grade, skills or department",
        .description = "Admins only. Fields sent replace the stored ones; a role change ends the "
                       "person's sessions (they log in again with the new roles).",
        .example_request = "{\"name\":\"Li Na\",\"roles\":[\"supervisor\"],\"grade\":\"senior\","
                           "\"skills\":[\"billing\",\"mandarin\",\"cantonese\"],\"department\":"
                           "\"Hotline 1\"}",
        .example_response =
            "{\"id\":7,\"staff_no\":\"S0107\",\"name\":\"Li Na\",\"roles\":[\"supervisor\"],"
            "\"grade\":\"senior\",\"skills\":[\"billing\",\"mandarin\",\"cantonese\"],"
            "\"department\":\"Hotline 1\",\"status\":\"active\",\"must_change_password\":false,"
            "\"created_at\":\"2026-03-14T08:00:00Z\",\"updated_at\":\"2026-03-18T11:20:00Z\"}",
    },
    {
        .method = "POST",
        .pattern = "/v1/staff/{id}/reinstate",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = KEFU_ROLE_ADMIN,
        .service = "scheduling",
        .service_method = "staff.reinstate",
        .request_type = &kefu__v1__staff_ref__descriptor,
        .reply_type = &kefu__v1__staff__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .summary = "Reinstate a suspended staff member",
        .description = "Admins only. The person may log in again; someone not suspended is 409. "
                       "`reason` is kept in the audit record.",
        .example_request = "{\"reason\":\"investigation closed\"}",
        .example_response = ROUTES_EXAMPLE_STAFF,
    },
    {
        .method = "POST",
        .pattern = "/v1/staff/{id}/suspend",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = KEFU_ROLE_ADMIN,
        .service = "scheduling",
        .service_method = "staff.suspend",
        .request_type = &kefu__v1__staff_ref__descriptor,
        .reply_type = &kefu__v1__staff__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .summary = "Suspend a staff member",
        .description = "Admins only. Their sessions and API keys stop working at once (the "
                       "gateways are told over the bus); a departed person is 409. `reason` is "
                       "kept in the audit record.",
        .example_request = "{\"reason\":\"account sharing under investigation\"}",
        .example_response = ROUTES_EXAMPLE_STAFF_SUSPENDED,
    },
    {
        .method = "POST",
        .pattern = "/v1/staff/{id}/depart",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = KEFU_ROLE_ADMIN,
        .service = "scheduling",
        .service_method = "staff.depart",
        .request_type = &kefu__v1__staff_ref__descriptor,
        .reply_type = &kefu__v1__staff__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .summary = "Record that a staff member has left",
        .description = "Admins only. Final: the person can no longer log in and their sessions "
                       "end; the record stays for the audit trail.",
        .example_request = "{\"reason\":\"contract ended\"}",
        .example_response =
            "{\"id\":7," ROUTES_EXAMPLE_STAFF_FIELDS ",\"status\":\"departed\","
            "\"must_change_password\":false,\"created_at\":\"2026-03-14T08:00:00Z\","
            "\"updated_at\":\"2026-06-30T18:00:00Z\"}",
    },
    {
        .method = "POST",
        .pattern = "/v1/staff/{id}/password-reset",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = KEFU_ROLE_ADMIN,
        .service = "scheduling",
        .service_method = "staff.reset_password",
        .request_type = &kefu__v1__reset_password_request__descriptor,
        .reply_type = &kefu__v1__staff__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .summary = "Give a staff member a temporary password",
        .description = "Admins only. The person must choose a new password (POST "
                       "/v1/sessions/password) before logging in again.",
        .example_request = "{\"password\":\"Maple-lantern-5531\"}",
        .example_response = "{\"id\":7," ROUTES_EXAMPLE_STAFF_FIELDS ",\"status\":\"active\","
                            "\"must_change_password\":true,\"created_at\":\"2026-03-14T08:00:00Z\","
                            "\"updated_at\":\"2026-03-21T09:00:00Z\"}",
    },
    {
        /*  Logging in: anyone may try; scheduling checks the password. */
        .method = "POST",
        .pattern = "/v1/sessions",
        .kind = GATEWAY_ROUTE_SERVICE,
        .anonymous = true,
        .service = "scheduling",
        .service_method = "sessions.create",
        .request_type = &kefu__v1__create_session_request__descriptor,
        .reply_type = &kefu__v1__session_created__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .summary = "Log in: a session token for a staff number and password (SCH-2)",
        .description =
            "Anonymous: the credentials are in the body. Returns a session token to send as "
            "`Authorization: Bearer <token>` until `expires_at` (KEFU_SESSION_TTL_MIN). A wrong "
            "staff number or password is 401; a locked account (too many failures), a suspended "
            "or departed person, a password that must be changed first, or an agent or shift "
            "lead outside their shift is 403. `terminal` names the workstation: the same person "
            "logged in on two terminals raises an account-sharing alert (AUD-3) and the other "
            "terminal's session ends.",
        .example_request =
            "{\"staff_no\":\"S0107\",\"password\":\"Quiet-orchard-9042\",\"terminal\":\"T-03-12\"}",
        .example_response =
            "{\"token\":\"v1.k1.CAcSBVMwMTA3GgpzdXBlcnZpc29yIhBzXzhmM2E5YzBkMmU0YjcxNQ.kXo2"
            "v9cV0bW3pG4q7n1yR8sT5uZ6aE2dF3gH4jK5lM6nO7pQ8rS9tU0vW1xY2zA3bC4dE5fG6hI7jK8lM9nO0pQ"
            "\",\"expires_at\":\"2026-03-14T17:00:00Z\",\"staff\":" ROUTES_EXAMPLE_STAFF
            ",\"session_id\":\"8f3a9c0d2e4b71569a0c3e5f7b2d4a61\"}",
    },
    {
        /*  With the current password, so a forced change needs no session. */
        .method = "POST",
        .pattern = "/v1/sessions/password",
        .kind = GATEWAY_ROUTE_SERVICE,
        .anonymous = true,
        .service = "scheduling",
        .service_method = "sessions.change_password",
        .request_type = &kefu__v1__change_password_request__descriptor,
        .reply_type = &kefu__v1__staff__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .summary = "Change one's password with the current one",
        .description = "Anonymous, so that a first or reset password can be changed before any "
                       "log-in: the current password is in the body (a wrong one is 401 and "
                       "counts toward the lock-out). The new one must not be weak (422).",
        .example_request = "{\"staff_no\":\"S0107\",\"password\":\"Lotus-harbour-2718\","
                           "\"new_password\":\"Quiet-orchard-9042\"}",
        .example_response = ROUTES_EXAMPLE_STAFF,
    },
    {
        .method = "DELETE",
        .pattern = "/v1/sessions/current",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_EVERY_ROLE,
        .service = "scheduling",
        .service_method = "sessions.end",
        .request_type = &kefu__v1__end_session_request__descriptor,
        .reply_type = &kefu__v1__end_session_request__descriptor,
        .success_status = GATEWAY_HTTP_NO_CONTENT,
        .summary = "Log out: end the session of the token sent",
        .description = "Any role, with a session token (an API key is 409: it is not a session). "
                       "Every gateway refuses the token from then on.",
    },
    {
        .method = "POST",
        .pattern = "/v1/api-keys",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = KEFU_ROLE_ADMIN,
        .service = "scheduling",
        .service_method = "api_keys.create",
        .request_type = &kefu__v1__create_api_key_request__descriptor,
        .reply_type = &kefu__v1__api_key_created__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .summary = "Make an API key for a staff member",
        .description =
            "Admins only. The key acts as `staff_no` with `roles` (a subset of that person's; "
            "422 otherwise) and stops working when revoked or when the person is suspended or "
            "leaves. `key` is shown here only: send it as `Authorization: Bearer <key>`; the "
            "database keeps its hash.",
        .example_request =
            "{\"name\":\"Hotline 1 wallboard\",\"staff_no\":\"S0107\",\"roles\":[\"supervisor\"]}",
        .example_response =
            "{\"api_key\":" ROUTES_EXAMPLE_API_KEY ",\"key\":\"kefu_ak_3f9c0a5e7b21d4c8_"
            "9b1d5e2f7a3c8d4e6f0a1b2c3d4e5f60718293a4b5c6d7e8f9012a3b4c5d6e7f\"}",
    },
    {
        .method = "GET",
        .pattern = "/v1/api-keys",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = KEFU_ROLE_ADMIN,
        .service = "scheduling",
        .service_method = "api_keys.list",
        .request_type = &kefu__v1__list_api_keys_request__descriptor,
        .reply_type = &kefu__v1__api_key_list__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .query = {{"limit", 1, ROUTES_LIST_LIMIT_MAX}, {"after", 0, 0}},
        .cursor_field = "next",
        .summary = "List API keys, oldest first",
        .description = "Admins only. Live and revoked keys, never the secrets; cursor pagination "
                       "as for tickets (`after` is the id of a page's last key).",
        .example_response = "{\"items\":[" ROUTES_EXAMPLE_API_KEY "],\"next\":null}",
    },
    {
        .method = "DELETE",
        .pattern = "/v1/api-keys/{key}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = KEFU_ROLE_ADMIN,
        .service = "scheduling",
        .service_method = "api_keys.revoke",
        .request_type = &kefu__v1__api_key_ref__descriptor,
        .reply_type = &kefu__v1__api_key_ref__descriptor,
        .success_status = GATEWAY_HTTP_NO_CONTENT,
        .path_key_field = "id",
        .summary = "Revoke an API key",
        .description = "Admins only. Every gateway refuses the key from then on; an unknown or "
                       "already revoked key is 404.",
    },
    {
        .method = "POST",
        .pattern = "/v1/shifts",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SHIFT_PLANNERS,
        .service = "scheduling",
        .service_method = "shifts.create",
        .request_type = &kefu__v1__create_shift_request__descriptor,
        .reply_type = &kefu__v1__shift__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .summary = "Plan a shift for a staff member",
        .description =
            "Admins, managers and supervisors. Agents and shift leads may log in and work only "
            "within a shift (KEFU_SHIFT_GRACE_BEFORE_MIN before to KEFU_SHIFT_GRACE_AFTER_MIN "
            "after); times are RFC 3339, `site_zone` "
            "the site's IANA time zone. An unknown staff number or an end not after the start "
            "is 422.",
        .example_request = "{\"staff_no\":\"S0107\",\"starts_at\":\"2026-03-16T00:00:00Z\","
                           "\"ends_at\":\"2026-03-16T09:00:00Z\",\"site_zone\":\"Asia/Shanghai\"}",
        .example_response = "{\"id\":31,\"staff_no\":\"S0107\",\"starts_at\":"
                            "\"2026-03-16T00:00:00Z\",\"ends_at\":\"2026-03-16T09:00:00Z\","
                            "\"site_zone\":\"Asia/Shanghai\"}",
    },
    /*  Staffing (scheduling: SCH-9). Bounds as in common/kefu_erlang.h. */
    {
        .method = "GET",
        .pattern = "/v1/staffing/erlang-c",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_STAFFING_PLANNERS,
        .service = "scheduling",
        .service_method = "staffing.erlang_c",
        .request_type = &kefu__v1__erlang_crequest__descriptor,
        .reply_type = &kefu__v1__erlang_creply__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .query =
            {
                {.name = "calls", .min = 0, .max = KEFU_ERLANG_CALLS_MAX, .required = true,
                 .min_exclusive = true, .example = "100"},
                {.name = "interval_s", .min = KEFU_ERLANG_INTERVAL_MIN_S,
                 .max = KEFU_ERLANG_INTERVAL_MAX_S, .required = true, .example = "1800"},
                {.name = "aht_s", .min = 0, .max = KEFU_ERLANG_AHT_MAX_S, .required = true,
                 .min_exclusive = true, .example = "180"},
                {.name = "target_answer_s", .min = 0, .max = KEFU_ERLANG_ANSWER_MAX_S,
                 .required = true, .example = "20"},
                {.name = "target_sl", .min = 0, .max = 1, .required = true, .min_exclusive = true,
                 .max_exclusive = true, .example = "0.8"},
                {.name = "max_occupancy", .min = 0, .max = 1, .min_exclusive = true,
                 .example = "0.85"},
            },
        .summary = "Agents needed for one interval (Erlang C)",
        .description =
            "Shift leads, supervisors, managers and admins. For `calls` offered in an interval of "
            "`interval_s` seconds with an average handling time of `aht_s` seconds, the fewest "
            "agents that answer the share `target_sl` of calls within `target_answer_s` seconds "
            "(the example: 80 % in 20 s), and, with `max_occupancy`, keep the average agent no "
            "busier than that share; with what they achieve: traffic in Erlangs, the "
            "probability that a call waits, the service level, the average speed of answer in "
            "seconds and the occupancy. Numbers may have fractions; one out of its bounds or "
            "missing is 400. Traffic above " KEFU_ERLANG_TEXT (KEFU_ERLANG_TRAFFIC_MAX)
            " Erlangs, or a target not met by up to " KEFU_ERLANG_TEXT (KEFU_ERLANG_AGENTS_MAX)
            " agents, is 422 (staffing-beyond-limit). Nothing is stored.",
        .example_response = "{\"traffic_erlangs\":10.0,\"agents\":14,\"probability_wait\":0.1741319,"
                            "\"service_level\":0.88835,\"asa_s\":7.835937,\"occupancy\":0.7142857}",
    },
    {
        .method = "POST",
        .pattern = "/v1/staffing/plan",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_STAFFING_PLANNERS,
        .service = "scheduling",
        .service_method = "staffing.plan",
        .request_type = &kefu__v1__staffing_plan_request__descriptor,
        .reply_type = &kefu__v1__staffing_plan__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .summary = "Staff a day's forecast against the shifts planned",
        .description =
            "Shift leads, supervisors, managers and admins. The forecast is consecutive intervals "
            "of `interval_s` seconds from `starts_at` (RFC 3339), a day at most, each with its "
            "calls (0 for none) and average handling time; the target is as for GET "
            "/v1/staffing/erlang-c (`max_occupancy` 0 or left out: no limit). Per interval: the "
            "agents Erlang C requires (0 without calls), the active agents whose shift covers "
            "the whole interval and whose approved leave takes none of it, and the gap between them (negative: short). A field of the "
            "wrong type is 400; one out of its bounds 422; either names the field "
            "(`forecast[2].aht_s`). Nothing is stored.",
        .example_request = "{\"starts_at\":\"2026-03-16T00:00:00Z\",\"interval_s\":1800,"
                           "\"forecast\":[{\"calls\":100,\"aht_s\":180},{\"calls\":120,"
                           "\"aht_s\":180},{\"calls\":80,\"aht_s\":200}],\"target_answer_s\":20,"
                           "\"target_sl\":0.8,\"max_occupancy\":0.85}",
        .example_response =
            "{\"items\":[{\"starts_at\":\"2026-03-16T00:00:00.000Z\",\"ends_at\":"
            "\"2026-03-16T00:30:00.000Z\",\"calls\":100.0,\"aht_s\":180.0,\"traffic_erlangs\":10.0,"
            "\"agents_required\":14,\"service_level\":0.88835,\"probability_wait\":0.1741319,"
            "\"asa_s\":7.835937,\"occupancy\":0.7142857,\"agents_scheduled\":15,\"gap\":1},"
            "{\"starts_at\":\"2026-03-16T00:30:00.000Z\",\"ends_at\":\"2026-03-16T01:00:00.000Z\","
            "\"calls\":120.0,\"aht_s\":180.0,\"traffic_erlangs\":12.0,\"agents_required\":16,"
            "\"service_level\":0.8688313,\"probability_wait\":0.2045739,\"asa_s\":9.205824,"
            "\"occupancy\":0.75,\"agents_scheduled\":15,\"gap\":-1},"
            "{\"starts_at\":\"2026-03-16T01:00:00.000Z\",\"ends_at\":\"2026-03-16T01:30:00.000Z\","
            "\"calls\":80.0,\"aht_s\":200.0,\"traffic_erlangs\":8.888889,\"agents_required\":12,"
            "\"service_level\":0.8173523,\"probability_wait\":0.2493034,\"asa_s\":16.02664,"
            "\"occupancy\":0.7407407,\"agents_scheduled\":13,\"gap\":1}]}",
    },
    /*  Rosters and who is on duty (scheduling: SCH-3, SCH-8). */
    {
        .method = "POST",
        .pattern = "/v1/sites",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SHIFT_PLANNERS,
        .service = "scheduling",
        .service_method = "sites.create",
        .request_type = &kefu__v1__site__descriptor,
        .reply_type = &kefu__v1__site__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .summary = "Add a site (a place agents work from)",
        .description = "Supervisors, managers and admins. `code` is 1 to 32 of A-Z a-z 0-9 _ -; `zone` an "
                       "IANA time zone the server knows (its rosters' local days and times are read in "
                       "it); a code already taken is 409 (site-exists).",
        .example_request = "{\"code\":\"hotline-sh\",\"name\":\"Shanghai hotline\",\"zone\":\"Asia/Shanghai\"}",
        .example_response = ROUTES_EXAMPLE_SITE,
    },
    {
        .method = "GET",
        .pattern = "/v1/sites",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_ROSTER_READERS | KEFU_ROLE_AUDITOR | KEFU_ROLE_INTEGRATION,
        .service = "scheduling",
        .service_method = "sites.list",
        .request_type = &kefu__v1__list_sites_request__descriptor,
        .reply_type = &kefu__v1__site_list__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .summary = "List the sites",
        .description = "Every site, by code (a deployment has tens; at most 1000 are listed).",
        .example_response = "{\"items\":[" ROUTES_EXAMPLE_SITE "]}",
    },
    {
        .method = "PUT",
        .pattern = "/v1/sites/{key}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SHIFT_PLANNERS,
        .service = "scheduling",
        .service_method = "sites.update",
        .request_type = &kefu__v1__site__descriptor,
        .reply_type = &kefu__v1__site__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_key_field = "code",
        .summary = "Rename a site or change its zone",
        .description = "Supervisors, managers and admins; `name` and `zone` as for POST. A site with "
                       "rosters keeps its zone (their shifts were resolved in it): 409 site-in-use.",
        .example_request = "{\"name\":\"Shanghai hotline (Pudong)\",\"zone\":\"Asia/Shanghai\"}",
        .example_response = ROUTES_EXAMPLE_SITE,
    },
    {
        .method = "DELETE",
        .pattern = "/v1/sites/{key}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SHIFT_PLANNERS,
        .service = "scheduling",
        .service_method = "sites.delete",
        .request_type = &kefu__v1__catalogue_ref__descriptor,
        .reply_type = &kefu__v1__site__descriptor,
        .success_status = GATEWAY_HTTP_NO_CONTENT,
        .path_key_field = "code",
        .summary = "Remove a site without rosters",
        .description = "Supervisors, managers and admins. A site with rosters stays: 409 site-in-use.",
    },
    {
        .method = "POST",
        .pattern = "/v1/shift-templates",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SHIFT_PLANNERS,
        .service = "scheduling",
        .service_method = "shift_templates.create",
        .request_type = &kefu__v1__shift_template__descriptor,
        .reply_type = &kefu__v1__shift_template__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .summary = "Add a shift template (a shift type)",
        .description =
            "Supervisors, managers and admins. A template starts at local `start` (HH:MM) in the "
            "site's zone and lasts `duration_minutes` (1 to 1440) of wall-clock time: past 24:00 it "
            "ends the next local day (night 00:00 + 480 on the 31st ends on the 1st), and across a "
            "DST change it lasts an hour less or more in real time (it ends when the wall clock "
            "reads start + duration). `is_night` marks night shifts (SCH-5 leave rule); `end` is "
            "answered (\"24:00\" for midnight). A code already taken is 409 (template-exists).",
        .example_request = "{\"code\":\"late\",\"name\":\"Late\",\"start\":\"16:00\",\"duration_minutes\":480,"
                           "\"is_night\":false}",
        .example_response = ROUTES_EXAMPLE_TEMPLATE,
    },
    {
        .method = "GET",
        .pattern = "/v1/shift-templates",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_ROSTER_READERS | KEFU_ROLE_AUDITOR | KEFU_ROLE_INTEGRATION,
        .service = "scheduling",
        .service_method = "shift_templates.list",
        .request_type = &kefu__v1__list_shift_templates_request__descriptor,
        .reply_type = &kefu__v1__shift_template_list__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .summary = "List the shift templates",
        .description = "Every template, by local start time (at most 1000).",
        .example_response = "{\"items\":[" ROUTES_EXAMPLE_TEMPLATE "]}",
    },
    {
        .method = "PUT",
        .pattern = "/v1/shift-templates/{key}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SHIFT_PLANNERS,
        .service = "scheduling",
        .service_method = "shift_templates.update",
        .request_type = &kefu__v1__shift_template__descriptor,
        .reply_type = &kefu__v1__shift_template__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_key_field = "code",
        .summary = "Change a shift template",
        .description = "Supervisors, managers and admins; fields as for POST. Shifts already cut from "
                       "it keep their times, so a template in use is renamed or re-marked, never "
                       "re-timed: a new `start` or `duration_minutes` is 409 template-in-use.",
        .example_request = "{\"name\":\"Late (evening)\",\"start\":\"16:00\",\"duration_minutes\":480,"
                           "\"is_night\":false}",
        .example_response = ROUTES_EXAMPLE_TEMPLATE,
    },
    {
        .method = "DELETE",
        .pattern = "/v1/shift-templates/{key}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SHIFT_PLANNERS,
        .service = "scheduling",
        .service_method = "shift_templates.delete",
        .request_type = &kefu__v1__catalogue_ref__descriptor,
        .reply_type = &kefu__v1__shift_template__descriptor,
        .success_status = GATEWAY_HTTP_NO_CONTENT,
        .path_key_field = "code",
        .summary = "Remove a shift template no shift was cut from",
        .description = "Supervisors, managers and admins. A template in use stays: 409 template-in-use.",
    },
    {
        .method = "POST",
        .pattern = "/v1/rosters",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SHIFT_PLANNERS,
        .service = "scheduling",
        .service_method = "rosters.create",
        .request_type = &kefu__v1__create_roster_request__descriptor,
        .reply_type = &kefu__v1__roster__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .etag_field = "version",
        .location_field = "id",
        .location_prefix = "/v1/rosters/",
        .summary = "Draft the roster of a site for a month (SCH-3)",
        .description =
            "Supervisors, managers and admins. One roster per site and month (`month` YYYY-MM, local "
            "to the site): a second is 409 (roster-exists), an unknown site 422 (unknown-site). A "
            "`holiday` roster must be published at least 7 days before its first day. The draft's "
            "shifts are a plan: log-in, on-duty and staffing count them only once it is published.",
        .example_request = "{\"site_code\":\"hotline-sh\",\"month\":\"2026-03\",\"holiday\":false}",
        .example_response = ROUTES_EXAMPLE_ROSTER ("draft", "1", "\"\"", "\"\""),
    },
    {
        .method = "GET",
        .pattern = "/v1/rosters",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_ROSTER_READERS,
        .service = "scheduling",
        .service_method = "rosters.list",
        .request_type = &kefu__v1__list_rosters_request__descriptor,
        .reply_type = &kefu__v1__roster_list__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .query = {{"limit", 1, ROUTES_LIST_LIMIT_MAX},
                  {"after", 0, INT64_MAX},
                  {"site_code", 0, 0, .example = "hotline-sh"},
                  {"month", 0, 0, .example = "2026-03"}},
        .cursor_field = "next",
        .refused_query_is_400 = true,
        .summary = "List rosters, oldest first",
        .description = "Shift leads, supervisors, managers and admins; of one site (`site_code`) or "
                       "month (`month`, YYYY-MM) when given. Cursor pagination as for tickets.",
        .example_response = "{\"items\":[" ROUTES_EXAMPLE_ROSTER ("draft", "1", "\"\"", "\"\"")
                            "],\"next\":null}",
    },
    {
        .method = "GET",
        .pattern = "/v1/rosters/{id}/shifts",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_ROSTER_READERS,
        .service = "scheduling",
        .service_method = "rosters.shifts",
        .request_type = &kefu__v1__list_roster_shifts_request__descriptor,
        .reply_type = &kefu__v1__roster_shift_page__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "roster_id",
        .query = {{"limit", 1, ROUTES_LIST_LIMIT_MAX},
                  {"after", 0, INT64_MAX},
                  {"staff_no", 0, 0, .example = "S0107"}},
        .cursor_field = "next",
        .refused_query_is_400 = true,
        .summary = "A roster's shifts, by id",
        .description = "Shift leads, supervisors, managers and admins; one person's with `staff_no`. "
                       "Cancelled shifts are left out. Cursor pagination as for tickets.",
        .example_response = "{\"items\":[" ROUTES_EXAMPLE_ROSTER_SHIFT "],\"next\":null}",
    },
    {
        .method = "GET",
        .pattern = "/v1/rosters/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_ROSTER_READERS,
        .service = "scheduling",
        .service_method = "rosters.get",
        .request_type = &kefu__v1__roster_ref__descriptor,
        .reply_type = &kefu__v1__roster__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .etag_field = "version",
        .summary = "Read a roster",
        .description = "Shift leads, supervisors, managers and admins. Its status (draft, published), "
                       "version (the ETag publishing takes as If-Match) and number of shifts.",
        .example_response = ROUTES_EXAMPLE_ROSTER ("published", "9", "\"S2001\"",
                                                   "\"2026-02-20T02:00:00.000Z\""),
    },
    {
        .method = "POST",
        .pattern = "/v1/rosters/{id}/shifts",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SHIFT_PLANNERS,
        .service = "scheduling",
        .service_method = "rosters.assign",
        .request_type = &kefu__v1__assign_roster_shift_request__descriptor,
        .reply_type = &kefu__v1__roster_shift__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .path_id_field = "roster_id",
        .summary = "Put a person on a shift of a draft roster",
        .description =
            "Supervisors, managers and admins. `date` is the local day (within the roster's month) "
            "the template starts on; the answer has the shift in UTC. An unknown person or template, "
            "or a day outside the month, is 422; the same person, day and template twice is 409 "
            "(shift-assigned); a published roster is 409 (roster-published): it changes only "
            "through approved swaps and leave. Overlaps, rest and coverage are checked by "
            "validation, not here, so a roster can be drafted in any order.",
        .example_request = "{\"staff_no\":\"S0107\",\"date\":\"2026-03-31\",\"template_code\":\"night\"}",
        .example_response = ROUTES_EXAMPLE_ROSTER_SHIFT,
    },
    {
        .method = "POST",
        .pattern = "/v1/rosters/{id}/shifts/bulk",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SHIFT_PLANNERS,
        .service = "scheduling",
        .service_method = "rosters.assign_bulk",
        .request_type = &kefu__v1__assign_roster_shifts_request__descriptor,
        .reply_type = &kefu__v1__roster_shift_list__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .path_id_field = "roster_id",
        .summary = "Put people on shifts of a draft roster, all or nothing",
        .description =
            "Supervisors, managers and admins. 1 to 500 assignments as for POST "
            "/v1/rosters/{id}/shifts; the first refused one refuses the batch (its field named, "
            "`items[3].date`) and nothing is written. A roster holds at most 20000 shifts.",
        .example_request = "{\"items\":[{\"staff_no\":\"S0107\",\"date\":\"2026-03-30\",\"template_code\":"
                           "\"early\"}]}",
        .example_response = "{\"items\":[" ROUTES_EXAMPLE_ROSTER_SHIFT "]}",
    },
    {
        .method = "DELETE",
        .pattern = "/v1/rosters/{id}/shifts/{key}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SHIFT_PLANNERS,
        .service = "scheduling",
        .service_method = "rosters.remove_shift",
        .request_type = &kefu__v1__remove_roster_shift_request__descriptor,
        .reply_type = &kefu__v1__roster_shift__descriptor,
        .success_status = GATEWAY_HTTP_NO_CONTENT,
        .path_id_field = "roster_id",
        .path_key_field = "shift_id",
        .summary = "Take a shift off a draft roster",
        .description = "Supervisors, managers and admins; {key} is the shift's id. A published roster is "
                       "409 (roster-published); a shift not in the roster 404.",
    },
    {
        .method = "PUT",
        .pattern = "/v1/rosters/{id}/coverage",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SHIFT_PLANNERS,
        .service = "scheduling",
        .service_method = "rosters.set_coverage",
        .request_type = &kefu__v1__set_roster_coverage_request__descriptor,
        .reply_type = &kefu__v1__roster_coverage__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "roster_id",
        .summary = "Set the agents a draft roster must cover",
        .description =
            "Supervisors, managers and admins. Replaces the requirement: per ISO `weekday` (1 Monday "
            "to 7 Sunday) and local interval [`from`, `to`) on the half hour (`to` 24:00 for "
            "midnight), the `agents` (1 to 10000) needed in every 30-minute interval; an interval "
            "not named needs nobody, two items naming one interval are 422. Validation counts the "
            "active agents of the roster whose shift covers each interval whole. The answer "
            "merges neighbouring intervals needing the same number.",
        .example_request = "{\"items\":[{\"weekday\":1,\"from\":\"08:00\",\"to\":\"16:00\",\"agents\":12},"
                           "{\"weekday\":1,\"from\":\"16:00\",\"to\":\"24:00\",\"agents\":8}]}",
        .example_response = ROUTES_EXAMPLE_COVERAGE,
    },
    {
        .method = "GET",
        .pattern = "/v1/rosters/{id}/coverage",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_ROSTER_READERS,
        .service = "scheduling",
        .service_method = "rosters.coverage",
        .request_type = &kefu__v1__roster_ref__descriptor,
        .reply_type = &kefu__v1__roster_coverage__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .summary = "Read the agents a roster must cover",
        .description = "Shift leads, supervisors, managers and admins; as PUT answers it.",
        .example_response = ROUTES_EXAMPLE_COVERAGE,
    },
    {
        .method = "GET",
        .pattern = "/v1/rosters/{id}/validation",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_ROSTER_READERS,
        .service = "scheduling",
        .service_method = "rosters.validate",
        .request_type = &kefu__v1__roster_ref__descriptor,
        .reply_type = &kefu__v1__roster_validation__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .summary = "Check a roster against every rule, changing nothing",
        .description =
            "Shift leads, supervisors, managers and admins. Every problem (the first 2000 listed, "
            "`problem_count` all of them), "
            "each with its `rule`: `overlap` (two shifts of one person overlap), `rest` (less than "
            "KEFU_ROSTER_MIN_REST_MIN minutes between one shift's end and the next one's start; "
            "shifts of other published rosters and outside rosters count too), `coverage` (a "
            "30-minute interval short of the requirement by `short_by` agents), `staff-inactive` "
            "and `staff-not-agent` (a person on the roster who may not work it). Publishing runs "
            "the same check.",
        .example_response =
            "{\"roster_id\":7,\"valid\":false,\"problems\":[{\"rule\":\"rest\",\"staff_no\":\"S0107\","
            "\"starts_at\":\"2026-03-02T00:00:00.000Z\",\"ends_at\":\"2026-03-02T08:00:00.000Z\","
            "\"short_by\":0,\"detail\":\"S0107 rests 120 minutes before the shift from "
            "2026-03-02T00:00:00.000Z, less than 480\"},{\"rule\":\"coverage\",\"staff_no\":\"\","
            "\"starts_at\":\"2026-03-02T00:00:00.000Z\",\"ends_at\":\"2026-03-02T00:30:00.000Z\","
            "\"short_by\":2,\"detail\":\"coverage short in the interval from "
            "2026-03-02T08:00:00+08:00 by 2 (12 required, 10 scheduled)\"}],\"problem_count\":2}",
    },
    {
        .method = "POST",
        .pattern = "/v1/rosters/{id}/publish",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SHIFT_PLANNERS,
        .service = "scheduling",
        .service_method = "rosters.publish",
        .request_type = &kefu__v1__roster_ref__descriptor,
        .reply_type = &kefu__v1__roster__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .if_match_field = "version",
        .etag_field = "version",
        .summary = "Publish a draft roster (SCH-3)",
        .description =
            "Supervisors, managers and admins; If-Match the roster's version (412 when stale). "
            "Validates as GET /v1/rosters/{id}/validation does and refuses any problem with 422 "
            "(roster-invalid, the first ones named); a holiday roster less than 7 days before its "
            "first local day is 422 (holiday-roster-late); a published one 409 (roster-published). "
            "Once published its shifts count for log-in, on-duty and staffing, and it changes only "
            "through approved swaps and leave.",
        .example_response = ROUTES_EXAMPLE_ROSTER ("published", "9", "\"S2001\"",
                                                   "\"2026-02-20T02:00:00.000Z\""),
    },
    {
        .method = "GET",
        .pattern = "/v1/rosters/{id}/staff/{key}/shifts.csv",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_ROSTER_READERS | KEFU_ROLE_AGENT,
        .service = "scheduling",
        .service_method = "rosters.export_csv",
        .request_type = &kefu__v1__roster_export_request__descriptor,
        .reply_type = &kefu__v1__document__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "roster_id",
        .path_key_field = "staff_no",
        .document_type = "text/csv; charset=utf-8",
        .summary = "A person's month of a roster as CSV",
        .description =
            "RFC 4180 CSV, CRLF line ends, a header row, one row per shift: staff_no, name, site, "
            "date (local day assigned), template, template_name, local_start and local_end (with "
            "the site's offset), starts_at and ends_at (UTC), zone, status. A text starting with "
            "= + - @, a tab or a CR is quoted and prefixed with an apostrophe (never a spreadsheet "
            "formula). An agent exports "
            "their own published roster (another's, or a draft, is 404); shift leads, supervisors, "
            "managers and admins anyone's. "
            "Audited (roster.exported).",
        .example_response =
            "staff_no,name,site,date,template,template_name,local_start,local_end,starts_at,ends_at,"
            "zone,status\r\nS0107,Wang Fang,hotline-sh,2026-03-31,night,Night,"
            "2026-03-31T00:00:00+08:00,2026-03-31T08:00:00+08:00,2026-03-30T16:00:00.000Z,"
            "2026-03-31T00:00:00.000Z,Asia/Shanghai,published\r\n",
    },
    {
        .method = "GET",
        .pattern = "/v1/rosters/{id}/staff/{key}/shifts.ics",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_ROSTER_READERS | KEFU_ROLE_AGENT,
        .service = "scheduling",
        .service_method = "rosters.export_ical",
        .request_type = &kefu__v1__roster_export_request__descriptor,
        .reply_type = &kefu__v1__document__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "roster_id",
        .path_key_field = "staff_no",
        .document_type = "text/calendar; charset=utf-8",
        .summary = "A person's month of a roster as iCalendar",
        .description =
            "RFC 5545: one VEVENT per shift with a UID stable per shift (a re-import updates), "
            "DTSTAMP, DTSTART and DTEND in UTC, SEQUENCE, STATUS TENTATIVE for a draft and CONFIRMED "
            "once published; CRLF line ends, lines folded at 75 octets. Who may export: as for the "
            "CSV. Audited (roster.exported).",
        .example_response =
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//kefu//rosters//EN\r\nCALSCALE:GREGORIAN\r\n"
            "METHOD:PUBLISH\r\nX-WR-CALNAME:S0107 Wang Fang hotline-sh 2026-03\r\nBEGIN:VEVENT\r\n"
            "UID:kefu-shift-31@hotline-sh\r\nDTSTAMP:20260220T020000Z\r\nDTSTART:20260330T160000Z\r\n"
            "DTEND:20260331T000000Z\r\nSEQUENCE:0\r\nSUMMARY:Night (night)\r\nDESCRIPTION:S0107 "
            "Wang Fang\\, Night shift of 2026-03-31 at site hotline-sh (Asia/Shanghai)\r\n"
            "LOCATION:hotline-sh\r\nSTATUS:CONFIRMED\r\nTRANSP:OPAQUE\r\nEND:VEVENT\r\n"
            "END:VCALENDAR\r\n",
    },
    {
        .method = "GET",
        .pattern = "/v1/on-duty",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_ROSTER_READERS | KEFU_ROLE_AUDITOR | KEFU_ROLE_INTEGRATION,
        .service = "scheduling",
        .service_method = "on_duty.at",
        .request_type = &kefu__v1__on_duty_request__descriptor,
        .reply_type = &kefu__v1__on_duty_list__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .query = {{.name = "at", .required = true, .example = "2026-03-16T09:00:00+08:00"},
                  {.name = "skill", .example = "billing"},
                  {.name = "role", .example = "agent"},
                  {.name = "grace", .min = 0, .max = 1, .example = "0"}},
        .refused_query_is_400 = true,
        .summary = "Who is on duty at an instant (SCH-8)",
        .description =
            "Shift leads, supervisors, managers, admins, auditors and integrations. Active people "
            "with a shift in force at `at` (RFC 3339): a published roster's or one planned outside "
            "rosters, never a draft's; a person on approved leave at `at` is not on duty. By default a shift holds [start, end): at its end the next "
            "shift's people are on duty, not its own. `grace=1` widens every shift by the log-in "
            "grace (KEFU_SHIFT_GRACE_BEFORE_MIN before, KEFU_SHIFT_GRACE_AFTER_MIN after, both ends "
            "included): who may be logged in and acting, as the log-in rule (AUD-2) has it. "
            "`skill` and `role` narrow the answer. By staff number; a bad value is 400.",
        .example_response =
            "{\"items\":[{\"staff_no\":\"S0107\",\"name\":\"Wang Fang\",\"roles\":[\"agent\"],"
            "\"shift\":{\"start\":\"2026-03-16T00:00:00.000Z\",\"end\":\"2026-03-16T08:00:00.000Z\"}}]}",
    },

    /*  Leave and attendance (scheduling: SCH-5, SCH-6). */
    {
        .method = "POST",
        .pattern = "/v1/leave",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_LEAVE_REQUESTERS,
        .service = "scheduling",
        .service_method = "leave.request",
        .request_type = &kefu__v1__create_leave_request__descriptor,
        .reply_type = &kefu__v1__leave__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .etag_field = "version",
        .location_field = "id",
        .location_prefix = "/v1/leave/",
        .summary = "Ask for leave (SCH-5)",
        .description =
            "Any staff member, for themselves (`staff_no` left out); sick leave also for someone "
            "else (an emergency phoned in), who is then the person on leave. `kind` is personal, "
            "special, sick, annual, marriage, bereavement, maternity or official. The leave must "
            "cover a shift in force (else 422 leave-covers-no-shift); measured against the first "
            "shift it covers, special leave is asked at least an hour before it, sick leave before "
            "it starts, every other kind a day (24 h) before it (422 leave-too-late); leave from a "
            "night shift only before the last 12:00 local to the site at or before the shift's "
            "start, sick leave excepted (422 leave-night-after-noon). Asking for someone else is "
            "422 leave-by-proxy unless the leave is sick leave; sick leave over 24 hours needs "
            "`certificate_ref` (422 leave-needs-certificate). Leave overlapping the person's "
            "requested or approved leave is 409 leave-overlaps. A request still undecided when a "
            "covered shift starts turns into an absence (event attendance.absent). Leave and "
            "attendance are a person's: a credential of no staff member is 422 unknown-staff. "
            "With an Idempotency-Key, a retry answers with the leave first created; the key "
            "with another request is 422.",
        .example_request = "{\"kind\":\"personal\",\"starts_at\":\"2026-03-18T00:00:00Z\","
                           "\"ends_at\":\"2026-03-18T09:00:00Z\",\"reason\":\"家中有事\"}",
        .example_response = ROUTES_EXAMPLE_LEAVE,
    },
    {
        .method = "GET",
        .pattern = "/v1/leave",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_LEAVE_REQUESTERS,
        .service = "scheduling",
        .service_method = "leave.list",
        .request_type = &kefu__v1__list_leave_request__descriptor,
        .reply_type = &kefu__v1__leave_list__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .query = {{.name = "status", .example = "requested"},
                  {.name = "staff_no", .example = "S0107"},
                  {.name = "limit", .min = 1, .max = ROUTES_LIST_LIMIT_MAX, .example = "50"},
                  {.name = "after", .min = 0, .max = INT64_MAX, .example = "0"}},
        .cursor_field = "next",
        .refused_query_is_400 = true,
        .summary = "List leave requests, oldest first",
        .description = "Supervisors, managers and admins see everyone's (the supervisor's queue: "
                       "`status=requested`); anyone else the leave they are on or asked for. "
                       "`status` and `staff_no` filter; cursor pagination as for tickets (`after` "
                       "is the id of a page's last request).",
        .example_response = "{\"items\":[" ROUTES_EXAMPLE_LEAVE "],\"next\":null}",
    },
    {
        .method = "GET",
        .pattern = "/v1/leave/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_LEAVE_REQUESTERS,
        .service = "scheduling",
        .service_method = "leave.get",
        .request_type = &kefu__v1__leave_ref__descriptor,
        .reply_type = &kefu__v1__leave__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .etag_field = "version",
        .summary = "Read a leave request",
        .description = "Supervisors, managers and admins read any; anyone else the leave they are on "
                       "or asked for (another's is 404). ETag carries its version, for If-Match on "
                       "a decision.",
        .example_response = ROUTES_EXAMPLE_LEAVE,
    },
    {
        .method = "POST",
        .pattern = "/v1/leave/{id}/approve",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_LEAVE_DECIDERS,
        .service = "scheduling",
        .service_method = "leave.approve",
        .request_type = &kefu__v1__leave_ref__descriptor,
        .reply_type = &kefu__v1__leave__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_version",
        .etag_field = "version",
        .summary = "Approve a leave request",
        .description =
            "Level by level: leave of up to 24 hours by a supervisor, longer leave by "
            "administration (a manager); never by the person on leave nor the one who asked "
            "(each 422 leave-approver-not-allowed). A request not pending is 409 "
            "leave-not-pending; a stale If-Match 412. `note` is kept with the decision.",
        .example_request = "{\"note\":\"同意\"}",
        .example_response = ROUTES_EXAMPLE_LEAVE_DECIDED,
    },
    {
        .method = "POST",
        .pattern = "/v1/leave/{id}/refuse",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_LEAVE_DECIDERS,
        .service = "scheduling",
        .service_method = "leave.refuse",
        .request_type = &kefu__v1__leave_ref__descriptor,
        .reply_type = &kefu__v1__leave__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_version",
        .etag_field = "version",
        .summary = "Refuse a leave request",
        .description = "Who may refuse is who may approve (see approve); `note` says why.",
        .example_request = "{\"note\":\"当日人手不足\"}",
        .example_response = ROUTES_EXAMPLE_LEAVE_REFUSED,
    },
    {
        .method = "POST",
        .pattern = "/v1/leave/{id}/cancel",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_LEAVE_REQUESTERS,
        .service = "scheduling",
        .service_method = "leave.cancel",
        .request_type = &kefu__v1__leave_ref__descriptor,
        .reply_type = &kefu__v1__leave__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_version",
        .etag_field = "version",
        .summary = "Withdraw one's leave before it starts",
        .description = "The person on leave only (anyone else 403), while the leave is requested or "
                       "approved (else 409 leave-not-pending) and has not begun (409 leave-started).",
        .example_request = "{\"note\":\"事情已解决\"}",
        .example_response = ROUTES_EXAMPLE_LEAVE_CANCELLED,
    },
    {
        .method = "POST",
        .pattern = "/v1/attendance/clock-in",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_ATTENDANCE_STAFF,
        .service = "scheduling",
        .service_method = "attendance.clock_in",
        .request_type = &kefu__v1__attendance_action__descriptor,
        .reply_type = &kefu__v1__attendance_record__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .summary = "Clock in to one's shift (SCH-6)",
        .description =
            "The caller, at the terminal of their session, to their shift in force now (from "
            "KEFU_SHIFT_GRACE_BEFORE_MIN before its start to its end; none is 422 "
            "attendance-no-shift), once (409 already-clocked-in). Lateness is whole minutes after "
            "the start; KEFU_ATTENDANCE_VIOLATION_MIN or more without approved leave is a "
            "violation (event attendance.violation, kind late).",
        .example_response = ROUTES_EXAMPLE_ATTENDANCE,
    },
    {
        .method = "POST",
        .pattern = "/v1/attendance/clock-out",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_ATTENDANCE_STAFF,
        .service = "scheduling",
        .service_method = "attendance.clock_out",
        .request_type = &kefu__v1__attendance_action__descriptor,
        .reply_type = &kefu__v1__attendance_record__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .summary = "Clock out of one's shift",
        .description = "Of the shift the caller clocked in to (else 409 not-clocked-in); refused "
                       "while away from post (409 away-from-post: return first).",
        .example_response = ROUTES_EXAMPLE_ATTENDANCE_OUT,
    },
    {
        .method = "POST",
        .pattern = "/v1/attendance/leave-post",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_ATTENDANCE_STAFF,
        .service = "scheduling",
        .service_method = "attendance.leave_post",
        .request_type = &kefu__v1__attendance_action__descriptor,
        .reply_type = &kefu__v1__attendance_record__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .summary = "Record leaving one's post during the shift",
        .description = "While clocked in (else 409 not-clocked-in) and not away already (409 "
                       "already-away); `away_since` is set until the return.",
        .example_response = ROUTES_EXAMPLE_ATTENDANCE_AWAY,
    },
    {
        .method = "POST",
        .pattern = "/v1/attendance/return-post",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_ATTENDANCE_STAFF,
        .service = "scheduling",
        .service_method = "attendance.return_post",
        .request_type = &kefu__v1__attendance_action__descriptor,
        .reply_type = &kefu__v1__attendance_record__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .summary = "Record returning to one's post",
        .description = "After leave-post (else 409 not-away). An absence from post of "
                       "KEFU_ATTENDANCE_VIOLATION_MIN or more not covered by approved leave is a "
                       "violation (event attendance.violation, kind off_post).",
        .example_response = ROUTES_EXAMPLE_ATTENDANCE,
    },
    {
        .method = "GET",
        .pattern = "/v1/attendance/report",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_ATTENDANCE_STAFF,
        .service = "scheduling",
        .service_method = "attendance.report",
        .request_type = &kefu__v1__attendance_report_request__descriptor,
        .reply_type = &kefu__v1__attendance_report__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .query = {{.name = "month", .required = true, .example = "2026-03"}},
        .refused_query_is_400 = true,
        .summary = "The monthly attendance report (SCH-6)",
        .description =
            "Supervisors, managers and admins see everyone; anyone else their own line. `month` is "
            "YYYY-MM in KEFU_ATTENDANCE_ZONE (else 400). Per person, over the shifts in force "
            "starting in the month: shifts, minutes scheduled and worked (clock-in to clock-out "
            "less absences from post), lateness (count, minutes), absences (shifts with an "
            "absence and no clock-in), violations, and approved leave overlapping the month in "
            "minutes per kind. Due to HR on the 25th (event attendance.report_due).",
        .example_response = "{\"month\":\"2026-03\",\"zone\":\"Asia/Shanghai\",\"from\":"
                            "\"2026-02-28T16:00:00.000Z\",\"until\":\"2026-03-31T16:00:00.000Z\","
                            "\"items\":[{\"staff_no\":\"S0107\",\"name\":\"Li Na\",\"shifts\":20,"
                            "\"scheduled_minutes\":9600,\"worked_minutes\":9422,\"late_count\":2,"
                            "\"late_minutes\":27,\"absences\":1,\"violations\":1,\"leave\":"
                            "[{\"kind\":\"personal\",\"minutes\":540}]}]}",
    },
    {
        .method = "GET",
        .pattern = "/v1/attendance/report.csv",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_ATTENDANCE_STAFF,
        .service = "scheduling",
        .service_method = "attendance.report_csv",
        .request_type = &kefu__v1__attendance_report_request__descriptor,
        .reply_type = &kefu__v1__document__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .query = {{.name = "month", .required = true, .example = "2026-03"}},
        .document_type = "text/csv; charset=utf-8",
        .refused_query_is_400 = true,
        .summary = "The monthly attendance report as CSV, for HR",
        .description =
            "The same report and readers as /v1/attendance/report, as RFC 4180 CSV in UTF-8: a "
            "header line, then one line per person; leave is one column per kind "
            "(leave_<kind>_minutes). A field that a spreadsheet would take for a formula "
            "(starting with = + - @, a tab or a CR) is quoted and prefixed with an apostrophe.",
        .example_response =
            "staff_no,name,shifts,scheduled_minutes,worked_minutes,late_count,late_minutes,"
            "absences,violations,leave_personal_minutes,leave_special_minutes,leave_sick_minutes,"
            "leave_annual_minutes,leave_marriage_minutes,leave_bereavement_minutes,"
            "leave_maternity_minutes,leave_official_minutes\r\n"
            "S0107,Li Na,20,9600,9422,2,27,1,1,540,0,0,0,0,0,0,0\r\n",
    },

    /*  Swaps and handovers (scheduling: SCH-4, SCH-7). */
    {
        .method = "POST",
        .pattern = "/v1/swaps",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SWAP_PARTIES,
        .service = "scheduling",
        .service_method = "swaps.request",
        .request_type = &kefu__v1__request_swap_request__descriptor,
        .reply_type = &kefu__v1__swap__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .etag_field = "version",
        .location_field = "id",
        .location_prefix = "/v1/swaps/",
        .summary = "Ask for a shift swap (SCH-4)",
        .description =
            "Agents and shift leads. The caller offers their shift `swap_shift_id` (the swap day, "
            "worked by the counterpart) for another person's shift `return_shift_id` (the return "
            "day, worked by the caller); both must be in force and not yet begun (else 422 "
            "invalid-field). The department's rules are checked now and again at approval; a "
            "broken one is 422 with the rule as problem type: `swap-same-slot` (both shifts fill "
            "one roster slot: same roster, day and template), `swap-skill-mismatch` (grades "
            "differ), `swap-leave` (either has leave requested or approved on either local day), "
            "`swap-back-to-back` (either would rest less than KEFU_ROSTER_MIN_REST_MIN minutes "
            "between two shifts), `swap-consecutive` (a shift already swapped, or a person's shift "
            "directly before or after either shift swapped in an approved swap of theirs), "
            "`swap-monthly-limit` (either has 2 approved swaps whose swap day is in that local "
            "month). Next: the counterpart accepts, then a supervisor or manager approves.",
        .example_request = "{\"swap_shift_id\":31,\"return_shift_id\":44,\"reason\":\"family visit on "
                           "the 16th\"}",
        .example_response = ROUTES_EXAMPLE_SWAP,
    },
    {
        .method = "GET",
        .pattern = "/v1/swaps",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SWAP_READERS,
        .service = "scheduling",
        .service_method = "swaps.list",
        .request_type = &kefu__v1__list_swaps_request__descriptor,
        .reply_type = &kefu__v1__swap_list__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .query = {{"status", 0, 0, .example = "accepted"}, {"limit", 1, ROUTES_LIST_LIMIT_MAX},
                  {"after", 0, INT64_MAX}},
        .cursor_field = "next",
        .refused_query_is_400 = true,
        .summary = "List swaps, oldest first",
        .description = "Supervisors, managers and admins see every swap (`status=accepted`: those "
                       "waiting for a decision); agents and shift leads their own, as requester or "
                       "counterpart. Cursor pagination as for tickets (`after` is the id of a page's "
                       "last swap); an unknown status is 400.",
        .example_response = "{\"items\":[" ROUTES_EXAMPLE_SWAP_ACCEPTED "],\"next\":null}",
    },
    {
        .method = "GET",
        .pattern = "/v1/swaps/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SWAP_READERS,
        .service = "scheduling",
        .service_method = "swaps.get",
        .request_type = &kefu__v1__swap_ref__descriptor,
        .reply_type = &kefu__v1__swap__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .etag_field = "version",
        .summary = "Read a swap",
        .description = "Its two people, supervisors, managers and admins (another agent: 403). ETag "
                       "carries its version, for If-Match on the next step.",
        .example_response = ROUTES_EXAMPLE_SWAP,
    },
    {
        .method = "POST",
        .pattern = "/v1/swaps/{id}/accept",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SWAP_PARTIES,
        .service = "scheduling",
        .service_method = "swaps.accept",
        .request_type = &kefu__v1__swap_ref__descriptor,
        .reply_type = &kefu__v1__swap__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_version",
        .etag_field = "version",
        .summary = "Accept a swap as its counterpart",
        .description = "Only the counterpart (403 for anyone else), while the swap is requested "
                       "(else 409 swap-state). `note` is optional.",
        .example_request = "{\"note\":\"fine by me\"}",
        .example_response = ROUTES_EXAMPLE_SWAP_ACCEPTED,
    },
    {
        .method = "POST",
        .pattern = "/v1/swaps/{id}/decline",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SWAP_PARTIES,
        .service = "scheduling",
        .service_method = "swaps.decline",
        .request_type = &kefu__v1__swap_ref__descriptor,
        .reply_type = &kefu__v1__swap__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_version",
        .etag_field = "version",
        .summary = "Decline a swap as its counterpart",
        .description = "Only the counterpart, while the swap is requested; `note` (why) is required. "
                       "Ends the swap.",
        .example_request = "{\"note\":\"I am away that week\"}",
        .example_response = ROUTES_EXAMPLE_SWAP_AT ("declined", "", "S0112", "2026-03-10T05:00:00.000Z",
                                                    "I am away that week", "2", "2026-03-10T05:00:00.000Z"),
    },
    {
        .method = "POST",
        .pattern = "/v1/swaps/{id}/approve",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SWAP_DECIDERS,
        .service = "scheduling",
        .service_method = "swaps.approve",
        .request_type = &kefu__v1__swap_ref__descriptor,
        .reply_type = &kefu__v1__swap__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_version",
        .etag_field = "version",
        .summary = "Approve an accepted swap: the two shifts change hands",
        .description =
            "Supervisors and managers who are neither party (403). The swap must be accepted (409 "
            "swap-state). The rules of POST /v1/swaps are checked again (422 with the rule); a "
            "shift that changed hands, was cancelled or has begun since is 409 "
            "swap-shift-changed. Then each shift goes to the other person (same shift id, "
            "version + 1): events swap.approved and shift.reassigned, in one transaction; of two "
            "approvals touching the same shift, one succeeds.",
        .example_request = "{\"note\":\"ok, rosters checked\"}",
        .example_response = ROUTES_EXAMPLE_SWAP_AT ("approved", "2026-03-10T05:00:00.000Z", "S2001",
                                                    "2026-03-11T01:00:00.000Z", "ok, rosters checked", "3",
                                                    "2026-03-11T01:00:00.000Z"),
    },
    {
        .method = "POST",
        .pattern = "/v1/swaps/{id}/refuse",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SWAP_DECIDERS,
        .service = "scheduling",
        .service_method = "swaps.refuse",
        .request_type = &kefu__v1__swap_ref__descriptor,
        .reply_type = &kefu__v1__swap__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_version",
        .etag_field = "version",
        .summary = "Refuse a swap as supervisor",
        .description = "Supervisors and managers who are neither party, while the swap is requested "
                       "or accepted; `note` (why) is required. Ends the swap.",
        .example_request = "{\"note\":\"the 16th is understaffed already\"}",
        .example_response = ROUTES_EXAMPLE_SWAP_AT ("refused", "2026-03-10T05:00:00.000Z", "S2001",
                                                    "2026-03-11T01:00:00.000Z",
                                                    "the 16th is understaffed already", "3",
                                                    "2026-03-11T01:00:00.000Z"),
    },
    {
        .method = "POST",
        .pattern = "/v1/swaps/{id}/cancel",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_SWAP_PARTIES,
        .service = "scheduling",
        .service_method = "swaps.cancel",
        .request_type = &kefu__v1__swap_ref__descriptor,
        .reply_type = &kefu__v1__swap__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_version",
        .etag_field = "version",
        .summary = "Withdraw one's own swap request",
        .description = "Only the requester, while the swap is requested or accepted. Ends the swap.",
        .example_request = "{\"note\":\"no longer needed\"}",
        .example_response = ROUTES_EXAMPLE_SWAP_AT ("cancelled", "", "S0107", "2026-03-10T03:00:00.000Z",
                                                    "no longer needed", "2", "2026-03-10T03:00:00.000Z"),
    },
    {
        .method = "GET",
        .pattern = "/v1/handover-checklist",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_HANDOVER_READERS,
        .service = "scheduling",
        .service_method = "handover_checklist.list",
        .request_type = &kefu__v1__list_handover_checklist_request__descriptor,
        .reply_type = &kefu__v1__handover_checklist__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .summary = "The equipment checklist of handovers (SCH-7)",
        .description = "Every item, retired ones included (`retired` true: no longer asked for), by "
                       "code. A handover log answers each item not retired with ✓ (`ok` true) or ✗.",
        .example_response = "{\"items\":[" ROUTES_EXAMPLE_CHECKLIST_ITEM "]}",
    },
    {
        .method = "PUT",
        .pattern = "/v1/handover-checklist/{key}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_CHECKLIST_KEEPERS,
        .service = "scheduling",
        .service_method = "handover_checklist.put",
        .request_type = &kefu__v1__put_handover_checklist_item_request__descriptor,
        .reply_type = &kefu__v1__handover_checklist_item__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_key_field = "code",
        .if_match_field = "expected_version",
        .etag_field = "version",
        .summary = "Add or change an item of the handover checklist",
        .description = "Admins and supervisors. The path names the item (1 to 32 of A-Z a-z 0-9 _ -); "
                       "`label` is required; `retired` true stops asking for it (logs keep their "
                       "answers). If-Match with the ETag read makes a concurrent change a 412.",
        .example_request = "{\"label\":\"Headsets charged and working\",\"retired\":false}",
        .example_response = ROUTES_EXAMPLE_CHECKLIST_ITEM,
    },
    {
        .method = "POST",
        .pattern = "/v1/handovers",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_HANDOVER_WRITERS,
        .service = "scheduling",
        .service_method = "handovers.write",
        .request_type = &kefu__v1__write_handover_request__descriptor,
        .reply_type = &kefu__v1__handover__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .etag_field = "version",
        .location_field = "id",
        .location_prefix = "/v1/handovers/",
        .summary = "Write the handover log of one's shift (SCH-7)",
        .description =
            "The outgoing person, for their own shift in force once it has begun (else 422), naming "
            "the incoming person: work in progress (required), open problems with the tickets they "
            "concern, the equipment checklist (each item of GET /v1/handover-checklist not retired, "
            "once: else 422 handover-checklist), staffing changes and notices. Signed with the "
            "caller and the request's terminal. One live log per shift (409 handover-exists); "
            "after a refusal a new one may be written. The shift holds its person (`shift_held`) "
            "until the log is accepted; KEFU_HANDOVER_OVERDUE_MIN after the shift's end an "
            "unaccepted log raises handover.overdue.",
        .example_request = "{" ROUTES_EXAMPLE_HANDOVER_BODY "}",
        .example_response = ROUTES_EXAMPLE_HANDOVER,
    },
    {
        .method = "GET",
        .pattern = "/v1/handovers/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_HANDOVER_READERS,
        .service = "scheduling",
        .service_method = "handovers.get",
        .request_type = &kefu__v1__handover_ref__descriptor,
        .reply_type = &kefu__v1__handover__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .etag_field = "version",
        .summary = "Read a handover log",
        .description = "Its two people, shift leads, supervisors, managers and admins (another agent: "
                       "403). `shift_held` tells whether the outgoing person's shift still holds them.",
        .example_response = ROUTES_EXAMPLE_HANDOVER,
    },
    {
        .method = "POST",
        .pattern = "/v1/handovers/{id}/accept",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_HANDOVER_WRITERS,
        .service = "scheduling",
        .service_method = "handovers.accept",
        .request_type = &kefu__v1__handover_ref__descriptor,
        .reply_type = &kefu__v1__handover__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_version",
        .etag_field = "version",
        .summary = "Accept a handover as the incoming person",
        .description = "Only the incoming person named (403), while the log is written (409 "
                       "handover-state). Records their signature: who, when, the request's terminal. "
                       "The outgoing person's shift no longer holds them.",
        .example_request = "{}",
        .example_response = ROUTES_EXAMPLE_HANDOVER_AT ("accepted", "2026-03-16T08:02:00.000Z", "10.1.2.18", "",
                                                        "2", "2026-03-16T08:02:00.000Z", "false"),
    },
    {
        .method = "POST",
        .pattern = "/v1/handovers/{id}/refuse",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_HANDOVER_WRITERS,
        .service = "scheduling",
        .service_method = "handovers.refuse",
        .request_type = &kefu__v1__handover_ref__descriptor,
        .reply_type = &kefu__v1__handover__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "expected_version",
        .etag_field = "version",
        .summary = "Refuse a handover, escalating to the shift lead",
        .description = "Only the incoming person named, while the log is written; `reason` is "
                       "required. Each shift lead on duty gets handover.escalated (subject "
                       "staff/<staff_no>); the outgoing person stays held until a new log is accepted.",
        .example_request = "{\"reason\":\"the printer fault is not described\"}",
        .example_response = ROUTES_EXAMPLE_HANDOVER_AT ("refused", "", "", "the printer fault is not described",
                                                        "2", "2026-03-16T08:02:00.000Z", "true"),
    },
    {
        .method = "POST",
        .pattern = "/v1/handover-countersignatures",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_COUNTERSIGNERS,
        .service = "scheduling",
        .service_method = "handovers.countersign",
        .request_type = &kefu__v1__countersign_handovers_request__descriptor,
        .reply_type = &kefu__v1__handover_countersignature__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .summary = "Countersign a day's handovers as shift lead",
        .description = "Shift leads. `day` (YYYY-MM-DD) is local to `site_zone` and must be over; its "
                       "handovers are those of the shifts that ended that day, each accepted or "
                       "refused (else 409 handover-day-open). Once per day and zone (409 "
                       "handover-day-countersigned).",
        .example_request = "{\"day\":\"2026-03-16\",\"site_zone\":\"Asia/Shanghai\",\"note\":\"all in "
                           "order\"}",
        .example_response = "{\"id\":2,\"day\":\"2026-03-16\",\"site_zone\":\"Asia/Shanghai\","
                            "\"signed_by\":\"L3001\",\"signed_at\":\"2026-03-17T01:00:00.000Z\","
                            "\"terminal\":\"10.1.2.30\",\"note\":\"all in order\",\"handover_ids\":[7,8]}",
    },
    {
        .method = "POST",
        .pattern = "/v1/security-desk-handovers",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_HANDOVER_WRITERS,
        .service = "scheduling",
        .service_method = "security_desk.record",
        .request_type = &kefu__v1__record_security_desk_handover_request__descriptor,
        .reply_type = &kefu__v1__security_desk_handover__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .location_field = "id",
        .location_prefix = "/v1/security-desk-handovers/",
        .summary = "Record a handover with the security desk, with the after-hours complaints",
        .description =
            "`direction` morning: at 08:00 local the night's record comes back from the desk; "
            "evening: at 18:00 the book goes to it (not before that hour: 409 "
            "security-desk-too-early). Either lists the complaints received from 18:00 the day "
            "before to 08:00 that day in `site_zone` (from the tickets service's ticket.created "
            "events), kept as listed. Once per zone, day and direction (409 "
            "security-desk-recorded).",
        .example_request = "{\"site_zone\":\"Asia/Shanghai\",\"day\":\"2026-03-16\",\"direction\":"
                           "\"morning\",\"security_officer\":\"Wang Wu\",\"notes\":\"Quiet night.\"}",
        .example_response = ROUTES_EXAMPLE_SECURITY_DESK,
    },
    {
        .method = "GET",
        .pattern = "/v1/security-desk-handovers/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_HANDOVER_READERS,
        .service = "scheduling",
        .service_method = "security_desk.get",
        .request_type = &kefu__v1__security_desk_handover_ref__descriptor,
        .reply_type = &kefu__v1__security_desk_handover__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .summary = "Read a security-desk handover",
        .description = "With the complaints it carried; the reading is audited.",
        .example_response = ROUTES_EXAMPLE_SECURITY_DESK,
    },

    /*  Grades and promotion (scheduling: SCH-10). Evaluators record and
     *  propose, managers decide; scheduling checks the same and that nobody
     *  acts on their own grade. Agent A0112 is evaluated by S0107. */
#define ROUTES_GRADE_EVALUATORS (KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER)
#define ROUTES_EXAMPLE_EVALUATION_AT(score, rank, version, updated_at)                               \
    "{\"id\":31,\"staff_id\":12,\"staff_no\":\"A0112\",\"kind\":\"monthly\",\"period\":\"2026-02\"," \
    "\"score\":" score ",\"rank\":" rank ",\"result\":\"pass\",\"grade\":\"\",\"note\":"             \
    "\"first on the billing queue\",\"evaluated_by\":\"S0107\",\"recorded_at\":"                    \
    "\"2026-03-02T09:00:00.000Z\",\"version\":" version ",\"updated_at\":\"" updated_at "\"}"
#define ROUTES_EXAMPLE_EVALUATION ROUTES_EXAMPLE_EVALUATION_AT ("92.5", "2", "1", "2026-03-02T09:00:00.000Z")
#define ROUTES_EXAMPLE_TITLE                                                                         \
    "{\"id\":4,\"staff_id\":12,\"name\":\"优秀客服\",\"awarded_on\":\"2026-01-20\",\"note\":"        \
    "\"annual service awards\",\"awarded_by\":\"M0201\",\"recorded_at\":\"2026-01-20T10:00:00.000Z\"}"
#define ROUTES_EXAMPLE_GRADE_CHANGE_AT(status, decided_by, decided_at, decision_reason, version)      \
    "{\"id\":9,\"staff_id\":12,\"staff_no\":\"A0112\",\"direction\":\"promotion\",\"from_grade\":"  \
    "\"junior\",\"to_grade\":\"intermediate\",\"at\":\"2026-03\",\"exceptional\":false,\"rule\":"  \
    "\"\",\"reason\":\"three months in the top three and an A for Q1\",\"status\":\"" status "\","  \
    "\"proposed_by\":\"S0107\",\"proposed_at\":\"2026-04-01T08:30:00.000Z\",\"decided_by\":\""    \
    decided_by "\",\"decided_at\":\"" decided_at "\",\"decision_reason\":\"" decision_reason "\"," \
    "\"version\":" version "}"
    {
        .method = "POST",
        .pattern = "/v1/staff/{id}/evaluations",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_GRADE_EVALUATORS,
        .service = "scheduling",
        .service_method = "grades.record_evaluation",
        .request_type = &kefu__v1__record_evaluation_request__descriptor,
        .reply_type = &kefu__v1__evaluation__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .path_id_field = "staff_id",
        .etag_field = "version",
        .summary = "Record a monthly or quarterly evaluation of a staff member (SCH-10)",
        .description =
            "Supervisors and managers, never about themselves (403 own-grade). `kind` monthly: "
            "`period` YYYY-MM, `score` 0-100, `rank` in the department (1 = best) and `result` pass "
            "or fail; `kind` quarterly: `period` YYYY-Qn and `grade` A, B, C or D (a `score` is "
            "optional). A period not yet begun is 422 (period-in-future). One evaluation per person, "
            "kind and period: a second is 409 (evaluation-exists); correct one with POST "
            "/v1/evaluations/{id}/amend. The promotion criteria count these (GET "
            "/v1/grades/eligibility). With an Idempotency-Key a retry gets the first answer.",
        .example_request = "{\"kind\":\"monthly\",\"period\":\"2026-02\",\"score\":92.5,\"rank\":2,"
                           "\"result\":\"pass\",\"note\":\"first on the billing queue\"}",
        .example_response = ROUTES_EXAMPLE_EVALUATION,
    },
    {
        .method = "GET",
        .pattern = "/v1/staff/{id}/evaluations",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_EVERY_ROLE,
        .service = "scheduling",
        .service_method = "grades.history",
        .request_type = &kefu__v1__evaluation_history_request__descriptor,
        .reply_type = &kefu__v1__evaluation_history__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "staff_id",
        .summary = "A staff member's evaluations, titles, amendments and grade changes",
        .description =
            "The person themself, supervisors and managers (anyone else 403). Each list oldest "
            "first; `amendments` keep what an evaluation held before each correction and why; "
            "`grade_since` is when the current grade was given (the last approved grade change, "
            "else joining). Every read is audited.",
        .example_response =
            "{\"staff_id\":12,\"staff_no\":\"A0112\",\"grade\":\"junior\",\"grade_since\":"
            "\"2025-10-08T08:00:00.000Z\",\"monthly\":["
            ROUTES_EXAMPLE_EVALUATION_AT ("92.5", "2", "2", "2026-03-03T11:20:00.000Z")
            "],\"quarterly\":[],\"titles\":[" ROUTES_EXAMPLE_TITLE "],\"amendments\":[{"
            "\"evaluation_id\":31,\"period\":\"2026-02\",\"version\":2,\"previous_score\":90.0,"
            "\"previous_rank\":4,\"previous_result\":\"pass\",\"previous_grade\":\"\","
            "\"previous_note\":\"first on the billing queue\",\"reason\":\"rank recounted after two "
            "late tickets were reassigned\",\"amended_by\":\"S0107\",\"amended_at\":"
            "\"2026-03-03T11:20:00.000Z\"}],\"changes\":[]}",
    },
    {
        .method = "POST",
        .pattern = "/v1/evaluations/{id}/amend",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_GRADE_EVALUATORS,
        .service = "scheduling",
        .service_method = "grades.amend_evaluation",
        .request_type = &kefu__v1__amend_evaluation_request__descriptor,
        .reply_type = &kefu__v1__evaluation__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .if_match_field = "version",
        .etag_field = "version",
        .summary = "Correct an evaluation, with a reason; the old values are kept",
        .description =
            "Supervisors and managers, never about themselves. The values (`score`, `rank`, "
            "`result` for a monthly evaluation, `grade` for a quarterly one, `note`) replace the "
            "evaluation's; its kind and period stay. `reason` is required. The values before are "
            "kept as an amendment (GET /v1/staff/{id}/evaluations). If-Match with the ETag read "
            "makes a concurrent correction a 412.",
        .example_request = "{\"score\":92.5,\"rank\":2,\"result\":\"pass\",\"note\":\"first on the "
                           "billing queue\",\"reason\":\"rank recounted after two late tickets were "
                           "reassigned\"}",
        .example_response = ROUTES_EXAMPLE_EVALUATION_AT ("92.5", "2", "2", "2026-03-03T11:20:00.000Z"),
    },
    {
        .method = "POST",
        .pattern = "/v1/staff/{id}/titles",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_GRADE_EVALUATORS,
        .service = "scheduling",
        .service_method = "grades.award_title",
        .request_type = &kefu__v1__award_title_request__descriptor,
        .reply_type = &kefu__v1__title__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .path_id_field = "staff_id",
        .summary = "Record a title awarded to a staff member",
        .description =
            "Supervisors and managers, never about themselves. `awarded_on` is a day (YYYY-MM-DD) "
            "not still to come; the same title on the same day twice is 409 (title-exists). The "
            "criteria for senior and reserve supervisor count the title 优秀客服 (outstanding "
            "agent) by this exact name. With an Idempotency-Key a retry gets the first answer.",
        .example_request = "{\"name\":\"优秀客服\",\"awarded_on\":\"2026-01-20\",\"note\":"
                           "\"annual service awards\"}",
        .example_response = ROUTES_EXAMPLE_TITLE,
    },
    {
        .method = "GET",
        .pattern = "/v1/grades/eligibility",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_GRADE_EVALUATORS,
        .service = "scheduling",
        .service_method = "grades.eligibility",
        .request_type = &kefu__v1__eligibility_request__descriptor,
        .reply_type = &kefu__v1__eligibility_report__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .query = {{.name = "at", .example = "2026-03"},
                  {"limit", 1, ROUTES_LIST_LIMIT_MAX},
                  {"after", 0, INT64_MAX}},
        .cursor_field = "next",
        .refused_query_is_400 = true,
        .summary = "Promotion-eligibility report at a month (SCH-10)",
        .description =
            "Supervisors and managers. Every active person with a grade, by id (cursor pagination "
            "with `limit` and `after`): the current grade, the next one, each of its criteria "
            "(README, Grades and promotion) met or not with the figure behind it, judged over the "
            "assessment period ending with month `at` (YYYY-MM, not after the current month; by "
            "default the current one, with tenure counted to now), and the demotion or dismissal "
            "rules that have triggered. Only a report: grades change "
            "through POST /v1/grade-changes.",
        .example_response =
            "{\"at\":\"2026-03\",\"items\":[{\"staff_id\":12,\"staff_no\":\"A0112\",\"name\":\"Wang "
            "Fang\",\"grade\":\"junior\",\"grade_since\":\"2025-10-08T08:00:00.000Z\","
            "\"next_grade\":\"intermediate\",\"eligible\":true,\"criteria\":[{\"rule\":"
            "\"intermediate.monthly_rank_average\",\"met\":true,\"actual\":2.0,\"required\":3.0,"
            "\"detail\":\"average monthly rank 2.00 over 3 of 3 months (2026-01 to 2026-03); at most "
            "3, every month evaluated\"},{\"rule\":\"intermediate.quarterly_a\",\"met\":true,"
            "\"actual\":1.0,\"required\":1.0,\"detail\":\"1 quarterly grade A of 1 required, "
            "quarters ending in the period: 2026-Q1 A\"},{\"rule\":\"intermediate.tenure_months\","
            "\"met\":true,\"actual\":5.0,\"required\":3.0,\"detail\":\"5 whole months since joining, "
            "3 required\"}],\"warnings\":[]}],\"next\":null}",
    },
    {
        .method = "POST",
        .pattern = "/v1/grade-changes",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_GRADE_EVALUATORS,
        .service = "scheduling",
        .service_method = "grades.propose_change",
        .request_type = &kefu__v1__propose_grade_change_request__descriptor,
        .reply_type = &kefu__v1__grade_change__descriptor,
        .success_status = GATEWAY_HTTP_CREATED,
        .takes_body = true,
        .etag_field = "version",
        .location_field = "id",
        .location_prefix = "/v1/grade-changes/",
        .summary = "Propose a promotion or demotion",
        .description =
            "Supervisors and managers, never about themselves; nothing changes until a manager "
            "approves. Judged at month `at` (YYYY-MM): a promotion must meet the criteria of "
            "`to_grade` (422 grade-criteria-not-met, `field` naming the rule) and may skip a level "
            "only with `exceptional` true (422 grade-level-skipped); a demotion cites in `rule` a "
            "demotion rule of the person's grade that has triggered (422 "
            "grade-demotion-rule-not-triggered); a reserve supervisor is demoted only by an "
            "exceptional decision. `reason` is required. One open proposal per person (409 "
            "grade-change-open); with an Idempotency-Key a retry gets the first answer.",
        .example_request = "{\"staff_id\":12,\"to_grade\":\"intermediate\",\"at\":\"2026-03\","
                           "\"reason\":\"three months in the top three and an A for Q1\"}",
        .example_response = ROUTES_EXAMPLE_GRADE_CHANGE_AT ("proposed", "", "", "", "1"),
    },
    {
        .method = "GET",
        .pattern = "/v1/grade-changes/{id}",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = ROUTES_GRADE_EVALUATORS,
        .service = "scheduling",
        .service_method = "grades.get_change",
        .request_type = &kefu__v1__grade_change_decision__descriptor,
        .reply_type = &kefu__v1__grade_change__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .path_id_field = "id",
        .etag_field = "version",
        .summary = "Read a proposed or decided grade change",
        .description = "Supervisors and managers.",
        .example_response = ROUTES_EXAMPLE_GRADE_CHANGE_AT ("proposed", "", "", "", "1"),
    },
    {
        .method = "POST",
        .pattern = "/v1/grade-changes/{id}/approve",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = KEFU_ROLE_MANAGER,
        .service = "scheduling",
        .service_method = "grades.approve_change",
        .request_type = &kefu__v1__grade_change_decision__descriptor,
        .reply_type = &kefu__v1__grade_change__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .etag_field = "version",
        .summary = "Approve a grade change: the person's grade changes",
        .description =
            "Managers, not the proposer (403 approver-is-proposer) nor the person. The rules are "
            "judged again at the proposal's month with what is recorded now (an amended evaluation "
            "counts): unmet, it is 422 as for a proposal and nothing is written. Approved, the "
            "person's grade changes in the same transaction as the events grade.change_approved "
            "and staff.updated and the audit record. A decided change is 409.",
        .example_request = "{\"reason\":\"agreed at the April review\"}",
        .example_response = ROUTES_EXAMPLE_GRADE_CHANGE_AT ("approved", "M0201",
                                                            "2026-04-02T10:00:00.000Z",
                                                            "agreed at the April review", "2"),
    },
    {
        .method = "POST",
        .pattern = "/v1/grade-changes/{id}/refuse",
        .kind = GATEWAY_ROUTE_SERVICE,
        .roles = KEFU_ROLE_MANAGER,
        .service = "scheduling",
        .service_method = "grades.refuse_change",
        .request_type = &kefu__v1__grade_change_decision__descriptor,
        .reply_type = &kefu__v1__grade_change__descriptor,
        .success_status = GATEWAY_HTTP_OK,
        .takes_body = true,
        .path_id_field = "id",
        .etag_field = "version",
        .summary = "Refuse a grade change, with a reason",
        .description = "Managers; `reason` is required. The grade stays; a decided change is 409.",
        .example_request = "{\"reason\":\"wait for the Q2 evaluation\"}",
        .example_response = ROUTES_EXAMPLE_GRADE_CHANGE_AT ("refused", "M0201",
                                                            "2026-04-02T10:00:00.000Z",
                                                            "wait for the Q2 evaluation", "2"),
    },
};

#define ROUTE_COUNT (sizeof routes_table / sizeof routes_table[0])

const gateway_route_t *
gateway_routes_table (size_t *count)
{
    *count = ROUTE_COUNT;
    return routes_table;
}

/* --- matching ------------------------------------------------------------ */

/*  Match `path` against `pattern`, where "{...}" stands for one non-empty
 *  segment (captured). */
static bool
routes_pattern_matches (const char *pattern, const char *path, const char **id_text,
                        size_t *id_length)
{
    const char *p = pattern;
    const char *q = path;
    while (*p && *q) {
        if (*p == '{') {
            const char *close = strchr (p, '}');
            assert (close);
            const char *segment_end = q;
            while (*segment_end && *segment_end != '/')
                segment_end++;
            if (segment_end == q)
                return false;
            *id_text = q;
            *id_length = (size_t)(segment_end - q);
            p = close + 1;
            q = segment_end;
        } else if (*p == *q) {
            p++;
            q++;
        } else
            return false;
    }
    return *p == '\0' && *q == '\0';
}

gateway_route_match_t
gateway_routes_match (const char *method, const char *path, const gateway_route_t **route,
                      const char **id_text, size_t *id_length,
                      char allow[GATEWAY_ROUTES_ALLOW_SIZE])
{
    *route = NULL;
    *id_text = NULL;
    *id_length = 0;
    allow[0] = '\0';
    bool path_known = false;
    for (size_t i = 0; i < ROUTE_COUNT; i++) {
        const char *segment = NULL;
        size_t segment_length = 0;
        if (!routes_pattern_matches (routes_table[i].pattern, path, &segment, &segment_length))
            continue;
        if (strcmp (routes_table[i].method, method) == 0) {
            *route = &routes_table[i];
            *id_text = segment;
            *id_length = segment_length;
            return GATEWAY_ROUTE_FOUND;
        }
        path_known = true;
        if (!strstr (allow, routes_table[i].method)) {
            size_t used = strlen (allow);
            snprintf (allow + used, GATEWAY_ROUTES_ALLOW_SIZE - used, "%s%s", used ? ", " : "",
                      routes_table[i].method);
        }
    }
    return path_known ? GATEWAY_ROUTE_NO_METHOD : GATEWAY_ROUTE_NO_PATH;
}

/*  Strict decimal: an optional '-', then 1..19 digits, nothing else. */
static bool
routes_parse_integer (const char *text, size_t length, long long *value)
{
    size_t digits_start = (length > 0 && text[0] == '-') ? 1 : 0;
    size_t digits = length - digits_start;
    if (digits == 0 || digits > ROUTES_INT64_DIGITS_MAX)
        return false;
    for (size_t i = digits_start; i < length; i++)
        if (text[i] < '0' || text[i] > '9')
            return false;
    char buffer[ROUTES_INT64_DIGITS_MAX + 2];
    memcpy (buffer, text, length);
    buffer[length] = '\0';
    errno = 0;
    long long parsed = strtoll (buffer, NULL, 10);
    if (errno == ERANGE)
        return false;
    *value = parsed;
    return true;
}

bool
gateway_routes_parse_id (const char *text, size_t length, int64_t *id)
{
    long long value;
    if (!text || length == 0 || text[0] == '-' || !routes_parse_integer (text, length, &value) ||
        value < 1)
        return false;
    *id = value;
    return true;
}

/*  In a pattern, the placeholder of a text id; any other is an {id}. */
static const char ROUTES_KEY_PLACEHOLDER[] = "{key}";

/*  A path {key}: 1..GATEWAY_ROUTES_KEY_MAX of A-Z a-z 0-9 _ - (ids such
 *  as "wh_0a1b"; nothing a URL would have to escape). */
static bool
routes_parse_key (const char *text, size_t length, char key[GATEWAY_ROUTES_KEY_MAX + 1])
{
    if (!kefu_text_identifier_valid (text, length, GATEWAY_ROUTES_KEY_MAX))
        return false;
    memcpy (key, text, length);
    key[length] = '\0';
    return true;
}

bool
gateway_routes_parse_path (const gateway_route_t *route, const char *path, gateway_path_t *values)
{
    memset (values, 0, sizeof *values);
    const char *p = route->pattern;
    const char *q = path;
    while (*p && *q) {
        if (*p != '{') {
            if (*p++ != *q++)
                return false;
            continue;
        }
        const char *close = strchr (p, '}');
        assert (close);
        const char *segment_end = q;
        while (*segment_end && *segment_end != '/')
            segment_end++;
        size_t length = (size_t)(segment_end - q);
        size_t placeholder_length = (size_t)(close - p + 1);
        bool is_key = placeholder_length == sizeof ROUTES_KEY_PLACEHOLDER - 1 &&
                      strncmp (p, ROUTES_KEY_PLACEHOLDER, placeholder_length) == 0;
        if (is_key ? !routes_parse_key (q, length, values->key)
                   : !gateway_routes_parse_id (q, length, &values->id))
            return false;
        p = close + 1;
        q = segment_end;
    }
    return *p == '\0' && *q == '\0';
}

bool
gateway_routes_parse_if_match (const char *header, int64_t *version)
{
    const char *text = header;
    while (*text == ' ' || *text == '\t')
        text++;
    size_t length = strlen (text);
    while (length > 0 && (text[length - 1] == ' ' || text[length - 1] == '\t'))
        length--;
    if (length == 1 && text[0] == '*') {
        *version = 0;
        return true;
    }
    /*  A weak tag names the same version here: versions are the only
     *  validators the gateway hands out. */
    if (length >= 2 && text[0] == 'W' && text[1] == '/') {
        text += 2;
        length -= 2;
    }
    if (length < 3 || text[0] != '"' || text[length - 1] != '"')
        return false;
    return gateway_routes_parse_id (text + 1, length - 2, version);
}

/* --- requests ------------------------------------------------------------ */

bool
gateway_routes_field_is_integer (const ProtobufCFieldDescriptor *field)
{
    switch (field->type) {
        case PROTOBUF_C_TYPE_INT32:
        case PROTOBUF_C_TYPE_SINT32:
        case PROTOBUF_C_TYPE_SFIXED32:
        case PROTOBUF_C_TYPE_UINT32:
        case PROTOBUF_C_TYPE_FIXED32:
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_SINT64:
        case PROTOBUF_C_TYPE_SFIXED64:
        case PROTOBUF_C_TYPE_UINT64:
        case PROTOBUF_C_TYPE_FIXED64:
            return true;
        default:
            return false;
    }
}

bool
gateway_routes_field_is_floating (const ProtobufCFieldDescriptor *field)
{
    return field->type == PROTOBUF_C_TYPE_DOUBLE || field->type == PROTOBUF_C_TYPE_FLOAT;
}

/*  Strict decimal number: an optional '-', digits with an optional
 *  fraction (a digit on at least one side of the point), an optional
 *  exponent; nothing else, so strtod's inf, nan and hex forms never get
 *  through. False too when it overflows to infinity. */
static bool
routes_parse_number (const char *text, double *value)
{
    const char *cursor = text;
    if (*cursor == '-')
        cursor++;
    size_t digits = 0;
    for (; *cursor >= '0' && *cursor <= '9'; cursor++)
        digits++;
    if (*cursor == '.') {
        cursor++;
        for (; *cursor >= '0' && *cursor <= '9'; cursor++)
            digits++;
    }
    if (digits == 0 || cursor - text > ROUTES_NUMBER_TEXT_MAX)
        return false;
    if (*cursor == 'e' || *cursor == 'E') {
        cursor++;
        if (*cursor == '+' || *cursor == '-')
            cursor++;
        size_t exponent_digits = 0;
        for (; *cursor >= '0' && *cursor <= '9'; cursor++)
            exponent_digits++;
        if (exponent_digits == 0 || exponent_digits > ROUTES_EXPONENT_DIGITS_MAX)
            return false;
    }
    if (*cursor != '\0')
        return false;
    double parsed = strtod (text, NULL);
    if (!isfinite (parsed))
        return false;
    *value = parsed;
    return true;
}

/*  `value` within the parameter's bounds, each end open or closed. */
static bool
routes_number_within (const gateway_query_param_t *param, double value)
{
    bool above = param->min_exclusive ? value > (double) param->min : value >= (double) param->min;
    bool below = param->max_exclusive ? value < (double) param->max : value <= (double) param->max;
    return above && below;
}

/*  The same for an integer, compared as one (no rounding through double). */
static bool
routes_integer_within (const gateway_query_param_t *param, long long value)
{
    bool above = param->min_exclusive ? value > param->min : value >= param->min;
    bool below = param->max_exclusive ? value < param->max : value <= param->max;
    return above && below;
}

/*  Set `key` in `body`; false only when out of memory. */
static bool
routes_body_set (json_t *body, const char *key, json_t *value)
{
    return value && json_object_set_new (body, key, value) == 0;
}

/*  Merge the route's query parameters into `body`. Returns 0, or -1 with
 *  `problem` filled. */
static int
routes_merge_query (const gateway_route_t *route, json_t *body, gateway_query_lookup_fn *lookup,
                    void *lookup_arg, gateway_problem_t *problem)
{
    for (size_t i = 0; i < GATEWAY_ROUTE_QUERY_MAX && route->query[i].name; i++) {
        const gateway_query_param_t *param = &route->query[i];
        const char *text = lookup (lookup_arg, param->name);
        if (!text && param->required) {
            gateway_problem_set (problem, GATEWAY_HTTP_BAD_REQUEST, "invalid-field", param->name,
                                 "the query parameter %s is required", param->name);
            return -1;
        }
        if (!text)
            continue;
        const ProtobufCFieldDescriptor *field =
            protobuf_c_message_descriptor_get_field_by_name (route->request_type, param->name);
        assert (field); /* the table names real fields */
        json_t *value;
        if (gateway_routes_field_is_floating (field)) {
            double number;
            if (!routes_parse_number (text, &number) || !routes_number_within (param, number)) {
                gateway_problem_set (problem, GATEWAY_HTTP_BAD_REQUEST, "invalid-field",
                                     param->name,
                                     "the query parameter %s must be a number %s %lld and %s %lld",
                                     param->name, param->min_exclusive ? "above" : "from",
                                     param->min, param->max_exclusive ? "below" : "at most",
                                     param->max);
                return -1;
            }
            value = json_real (number);
        } else if (gateway_routes_field_is_integer (field)) {
            long long number;
            if (!routes_parse_integer (text, strlen (text), &number) ||
                !routes_integer_within (param, number)) {
                gateway_problem_set (
                    problem, GATEWAY_HTTP_BAD_REQUEST, "invalid-field", param->name,
                    "the query parameter %s must be an integer %s %lld %s %lld", param->name,
                    param->min_exclusive ? "above" : "from", param->min,
                    param->max_exclusive ? "and below" : "to", param->max);
                return -1;
            }
            value = json_integer (number);
        } else {
            if (strlen (text) > GATEWAY_ROUTES_QUERY_TEXT_MAX || !kefu_text_valid_utf8 (text)) {
                gateway_problem_set (
                    problem, GATEWAY_HTTP_BAD_REQUEST, "invalid-field", param->name,
                    "the query parameter %s must be UTF-8 text of at most %d bytes", param->name,
                    GATEWAY_ROUTES_QUERY_TEXT_MAX);
                return -1;
            }
            value = json_string (text);
        }
        if (!routes_body_set (body, param->name, value)) {
            gateway_problem_set (problem, GATEWAY_HTTP_INTERNAL_ERROR, "internal", NULL,
                                 "out of memory");
            return -1;
        }
    }
    return 0;
}

int
gateway_routes_build_payload (const gateway_route_t *route, json_t *body, int64_t path_id,
                              gateway_query_lookup_fn *lookup, void *lookup_arg,
                              const char *if_match, uint8_t **payload, size_t *size,
                              gateway_problem_t *problem)
{
    gateway_path_t path = {.id = path_id};
    return gateway_routes_build_payload_path (route, body, &path, lookup, lookup_arg, if_match,
                                              payload, size, problem);
}

int
gateway_routes_build_payload_path (const gateway_route_t *route, json_t *body,
                                   const gateway_path_t *path, gateway_query_lookup_fn *lookup,
                                   void *lookup_arg, const char *if_match, uint8_t **payload,
                                   size_t *size, gateway_problem_t *problem)
{
    assert (route->request_type && json_is_object (body));
    *payload = NULL;
    *size = 0;
    if (routes_merge_query (route, body, lookup, lookup_arg, problem) != 0)
        return -1;
    if (route->if_match_field && if_match) {
        int64_t version;
        if (!gateway_routes_parse_if_match (if_match, &version)) {
            gateway_problem_set (problem, GATEWAY_HTTP_BAD_REQUEST, "invalid-header", "If-Match",
                                 "If-Match must be a version as sent in ETag, like \"3\"");
            return -1;
        }
        if (version > 0 && !routes_body_set (body, route->if_match_field, json_integer (version))) {
            gateway_problem_set (problem, GATEWAY_HTTP_INTERNAL_ERROR, "internal", NULL,
                                 "out of memory");
            return -1;
        }
    }
    if ((route->path_id_field &&
         !routes_body_set (body, route->path_id_field, json_integer (path->id))) ||
        (route->path_key_field &&
         !routes_body_set (body, route->path_key_field, json_string (path->key)))) {
        gateway_problem_set (problem, GATEWAY_HTTP_INTERNAL_ERROR, "internal", NULL,
                             "out of memory");
        return -1;
    }

    ProtobufCMessage *message = NULL;
    kefu_json_error_t error;
    kefu_json_result_t result = kefu_json_to_proto (body, route->request_type, &message, &error);
    if (result == KEFU_JSON_NO_MEMORY) {
        gateway_problem_set (problem, GATEWAY_HTTP_INTERNAL_ERROR, "internal", NULL,
                             "out of memory");
        return -1;
    }
    if (result != KEFU_JSON_OK) {
        gateway_problem_set (problem, GATEWAY_HTTP_BAD_REQUEST, "invalid-field", error.field,
                             "%s%s%s", error.field, *error.field ? ": " : "", error.reason);
        return -1;
    }
    size_t packed_size = protobuf_c_message_get_packed_size (message);
    uint8_t *packed = malloc (packed_size ? packed_size : 1);
    if (!packed) {
        protobuf_c_message_free_unpacked (message, NULL);
        gateway_problem_set (problem, GATEWAY_HTTP_INTERNAL_ERROR, "internal", NULL,
                             "out of memory");
        return -1;
    }
    protobuf_c_message_pack (message, packed);
    protobuf_c_message_free_unpacked (message, NULL);
    *payload = packed;
    *size = packed_size;
    return 0;
}

/* --- replies ------------------------------------------------------------- */

/*  A file name safe to put in a header unquoted-or-quoted: no quotes,
 *  separators, controls or path. */
static bool
routes_filename_valid (const char *name)
{
    size_t length = strlen (name);
    if (length == 0 || length > GATEWAY_ROUTES_KEY_MAX || name[0] == '.')
        return false;
    for (const char *c = name; *c; c++)
        if (!isalnum ((unsigned char) *c) && *c != '.' && *c != '_' && *c != '-')
            return false;
    return true;
}

/*  The length of a media type without its parameters: "text/csv;
 *  charset=utf-8" is "text/csv". */
static size_t
routes_media_type_length (const char *content_type)
{
    size_t length = strcspn (content_type, ";");
    while (length > 0 && content_type[length - 1] == ' ')
        length--;
    return length;
}

/*  The same media type, parameters aside, case-insensitively. */
static bool
routes_media_types_match (const char *one, const char *other)
{
    size_t length = routes_media_type_length (one);
    return length > 0 && length == routes_media_type_length (other)
        && strncasecmp (one, other, length) == 0;
}

static int
routes_render_document (const gateway_route_t *route, const uint8_t *payload, size_t size,
                        gateway_rendered_t *rendered, gateway_problem_t *problem)
{
    Kefu__V1__Document *document = kefu__v1__document__unpack (NULL, size, payload);
    if (!document || !routes_media_types_match (document->content_type, route->document_type)
        || (*document->filename && !routes_filename_valid (document->filename))) {
        gateway_problem_set (problem, GATEWAY_HTTP_BAD_GATEWAY, "bad-gateway", NULL,
                             "the %s service sent a reply that is not a %s document",
                             route->service, route->document_type);
        kefu__v1__document__free_unpacked (document, NULL);
        return -1;
    }
    /*  One byte more, so that an empty body is not a NULL. */
    rendered->body = malloc (document->body.len + 1);
    if (!rendered->body) {
        kefu__v1__document__free_unpacked (document, NULL);
        gateway_problem_set (problem, GATEWAY_HTTP_INTERNAL_ERROR, "internal", NULL,
                             "out of memory");
        return -1;
    }
    if (document->body.len)
        memcpy (rendered->body, document->body.data, document->body.len);
    rendered->body[document->body.len] = '\0';
    rendered->body_length = document->body.len;
    rendered->content_type = route->document_type;
    if (*document->filename)
        snprintf (rendered->disposition, sizeof rendered->disposition,
                  "attachment; filename=\"%s\"", document->filename);
    kefu__v1__document__free_unpacked (document, NULL);
    return 0;
}

int
gateway_routes_render_reply (const gateway_route_t *route, const uint8_t *payload, size_t size,
                             gateway_rendered_t *rendered, gateway_problem_t *problem)
{
    assert (route->reply_type);
    memset (rendered, 0, sizeof *rendered);
    if (route->document_type)
        return routes_render_document (route, payload, size, rendered, problem);
    ProtobufCMessage *message = protobuf_c_message_unpack (route->reply_type, NULL, size, payload);
    if (!message) {
        gateway_problem_set (problem, GATEWAY_HTTP_BAD_GATEWAY, "bad-gateway", NULL,
                             "the %s service sent a reply that is not a %s", route->service,
                             route->reply_type->name);
        return -1;
    }
    json_t *document = kefu_json_from_proto (message);
    protobuf_c_message_free_unpacked (message, NULL);
    if (!document) {
        gateway_problem_set (problem, GATEWAY_HTTP_INTERNAL_ERROR, "internal", NULL,
                             "the reply could not be rendered");
        return -1;
    }
    if (route->etag_field) {
        json_t *version = json_object_get (document, route->etag_field);
        if (json_is_integer (version))
            snprintf (rendered->etag, sizeof rendered->etag, "\"%" JSON_INTEGER_FORMAT "\"",
                      json_integer_value (version));
    }
    if (route->location_field) {
        json_t *id = json_object_get (document, route->location_field);
        char key[GATEWAY_ROUTES_KEY_MAX + 1];
        if (json_is_integer (id))
            snprintf (rendered->location, sizeof rendered->location, "%s%" JSON_INTEGER_FORMAT,
                      route->location_prefix, json_integer_value (id));
        else if (json_is_string (id) &&
                 routes_parse_key (json_string_value (id), json_string_length (id), key))
            snprintf (rendered->location, sizeof rendered->location, "%s%s", route->location_prefix,
                      key);
    }
    bool built = true;
    if (route->cursor_field) {
        /*  A cursor is opaque text to clients (it may stop being a number
         *  one day); no further page is null. */
        json_t *cursor = json_object_get (document, route->cursor_field);
        json_t *text = json_null ();
        if (json_is_integer (cursor) && json_integer_value (cursor) != 0) {
            char digits[ROUTES_INT64_DIGITS_MAX + 2];
            snprintf (digits, sizeof digits, "%" JSON_INTEGER_FORMAT, json_integer_value (cursor));
            text = json_string (digits);
        }
        built = text && json_object_set_new (document, route->cursor_field, text) == 0;
    }
    if (route->success_status == GATEWAY_HTTP_NO_CONTENT)
        rendered->body = built ? strdup ("") : NULL;
    else
        rendered->body = built ? json_dumps (document, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref (document);
    if (!rendered->body) {
        gateway_problem_set (problem, GATEWAY_HTTP_INTERNAL_ERROR, "internal", NULL,
                             "out of memory");
        return -1;
    }
    rendered->body_length = strlen (rendered->body);
    return 0;
}
