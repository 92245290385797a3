/*  gateway_routes_swaps: the role sets and OpenAPI examples of the swap
 *  and handover routes (SCH-4, SCH-7), kept apart from gateway_routes.c's
 *  own so that the workforce branches each add a file, not lines to one.
 *  Included by gateway_routes.c only.
 */
#ifndef GATEWAY_ROUTES_SWAPS_H_INCLUDED
#define GATEWAY_ROUTES_SWAPS_H_INCLUDED

#include "kefu/v1/swaps_handover.pb-c.h"
#include "kefu_roles.h"

/*  Swaps and handovers (SCH-4, SCH-7; scheduling checks too): who takes
 *  part in a swap, who decides one, who reads one; who writes and reads
 *  handover logs, keeps their checklist, countersigns a day. */
#define ROUTES_SWAP_PARTIES  (KEFU_ROLE_AGENT | KEFU_ROLE_SHIFT_LEAD)
#define ROUTES_SWAP_DECIDERS (KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER)
#define ROUTES_SWAP_READERS  (ROUTES_SWAP_PARTIES | ROUTES_SWAP_DECIDERS | KEFU_ROLE_ADMIN)
#define ROUTES_HANDOVER_WRITERS \
    (KEFU_ROLE_AGENT | KEFU_ROLE_SHIFT_LEAD | KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER)
#define ROUTES_HANDOVER_READERS  (ROUTES_HANDOVER_WRITERS | KEFU_ROLE_ADMIN)
#define ROUTES_CHECKLIST_KEEPERS (KEFU_ROLE_ADMIN | KEFU_ROLE_SUPERVISOR)
#define ROUTES_COUNTERSIGNERS    KEFU_ROLE_SHIFT_LEAD
/*  Swap 12: S0107 gives the early shift of the 16th to S0112 and works
 *  S0112's of the 19th. */
#define ROUTES_EXAMPLE_SWAP_AT(status, accepted_at, decided_by, decided_at, note, version,        \
                               updated_at)                                                        \
    "{\"id\":12,\"requester_staff_no\":\"S0107\",\"counterpart_staff_no\":\"S0112\","             \
    "\"swap_shift_id\":31,\"swap_starts_at\":\"2026-03-16T00:00:00.000Z\",\"swap_ends_at\":"      \
    "\"2026-03-16T08:00:00.000Z\",\"return_shift_id\":44,\"return_starts_at\":"                   \
    "\"2026-03-19T00:00:00.000Z\",\"return_ends_at\":\"2026-03-19T08:00:00.000Z\",\"reason\":"    \
    "\"family visit on the 16th\",\"status\":\"" status "\",\"accepted_at\":\"" accepted_at "\"," \
    "\"decided_by\":\"" decided_by "\",\"decided_at\":\"" decided_at                              \
    "\",\"decision_note\":\"" note "\",\"version\":" version                                      \
    ",\"created_at\":\"2026-03-10T02:00:00.000Z\",\"updated_at\":\"" updated_at "\"}"
#define ROUTES_EXAMPLE_SWAP \
    ROUTES_EXAMPLE_SWAP_AT ("requested", "", "", "", "", "1", "2026-03-10T02:00:00.000Z")
#define ROUTES_EXAMPLE_SWAP_ACCEPTED                                                 \
    ROUTES_EXAMPLE_SWAP_AT ("accepted", "2026-03-10T05:00:00.000Z", "", "", "", "2", \
                            "2026-03-10T05:00:00.000Z")
#define ROUTES_EXAMPLE_CHECKLIST_ITEM                                                      \
    "{\"code\":\"headsets\",\"label\":\"Headsets charged and working\",\"retired\":false," \
    "\"version\":1,\"updated_by\":\"S2001\",\"updated_at\":\"2026-03-01T01:00:00.000Z\"}"
#define ROUTES_EXAMPLE_HANDOVER_BODY                                                            \
    "\"shift_id\":31,\"incoming_staff_no\":\"S0112\",\"work_in_progress\":\"Callback to "       \
    "C-10001 promised before 10:00.\",\"open_problems\":[{\"description\":\"Refund for "        \
    "C-10001 still not booked by finance\",\"ticket_ids\":[42,44]}],\"checklist\":[{"           \
    "\"item_code\":\"headsets\",\"ok\":true,\"note\":\"\"},{\"item_code\":\"printer\","         \
    "\"ok\":false,\"note\":\"paper jam, IT called\"}],\"staffing_changes\":\"S0120 swapped to " \
    "the late shift\",\"notices\":\"New refund policy from the 20th.\""
#define ROUTES_EXAMPLE_HANDOVER_AT(status, incoming_at, incoming_terminal, refusal, version,       \
                                   updated_at, held)                                               \
    "{\"id\":7,\"shift_id\":31,\"shift_ends_at\":\"2026-03-16T08:00:00.000Z\",\"site_zone\":"      \
    "\"Asia/Shanghai\",\"outgoing_staff_no\":\"S0107\",\"incoming_staff_no\":\"S0112\","           \
    "\"work_in_progress\":\"Callback to C-10001 promised before 10:00.\",\"open_problems\":[{"     \
    "\"description\":\"Refund for C-10001 still not booked by finance\",\"ticket_ids\":[42,44]}]," \
    "\"checklist\":[{\"item_code\":\"headsets\",\"ok\":true,\"note\":\"\"},{\"item_code\":"        \
    "\"printer\",\"ok\":false,\"note\":\"paper jam, IT called\"}],\"staffing_changes\":\"S0120 "   \
    "swapped to the late shift\",\"notices\":\"New refund policy from the "                        \
    "20th.\",\"status\":\"" status                                                                 \
    "\",\"outgoing_signed_at\":\"2026-03-16T07:55:00.000Z\",\"outgoing_terminal\":"                \
    "\"10.1.2.17\",\"incoming_signed_at\":\"" incoming_at                                          \
    "\",\"incoming_terminal\":\"" incoming_terminal "\",\"refusal_reason\":\"" refusal             \
    "\",\"version\":" version ","                                                                  \
    "\"created_at\":\"2026-03-16T07:55:00.000Z\",\"updated_at\":\"" updated_at "\","               \
    "\"shift_held\":" held "}"
#define ROUTES_EXAMPLE_HANDOVER \
    ROUTES_EXAMPLE_HANDOVER_AT ("written", "", "", "", "1", "2026-03-16T07:55:00.000Z", "true")
#define ROUTES_EXAMPLE_SECURITY_DESK                                                              \
    "{\"id\":3,\"site_zone\":\"Asia/Shanghai\",\"day\":\"2026-03-16\",\"direction\":\"morning\"," \
    "\"staff_no\":\"S0112\",\"security_officer\":\"Wang Wu\",\"notes\":\"Quiet night.\","         \
    "\"terminal\":\"10.1.2.18\",\"window_starts_at\":\"2026-03-15T10:00:00.000Z\","               \
    "\"window_ends_at\":\"2026-03-16T00:00:00.000Z\",\"complaints\":[{\"ticket_id\":51,"          \
    "\"received_at\":\"2026-03-15T14:20:00.000Z\",\"channel\":\"phone\",\"priority\":\"high\","   \
    "\"category\":\"billing\",\"subject\":\"Charged twice\"}],\"created_at\":"                    \
    "\"2026-03-16T00:05:00.000Z\"}"

#endif
