/*  tickets_parts: the methods about what hangs off a ticket (hand-offs,
 *  watchers, comments, attachments, dispatches), merging, and the
 *  accountability query (TKT-5, TKT-6, TKT-8). See tickets_parts.c; the
 *  method table is in tickets_handlers.c.
 */
#ifndef TICKETS_PARTS_H_INCLUDED
#define TICKETS_PARTS_H_INCLUDED

#include "kefu_service.h"

void tickets_handoff (kefu_call_t *call);
void tickets_handoffs (kefu_call_t *call);
void tickets_watcher_add (kefu_call_t *call);
void tickets_watcher_remove (kefu_call_t *call);
void tickets_watchers (kefu_call_t *call);
void tickets_comment_add (kefu_call_t *call);
void tickets_comments (kefu_call_t *call);
void tickets_attachment_add (kefu_call_t *call);
void tickets_attachments (kefu_call_t *call);
void tickets_dispatch (kefu_call_t *call);
void tickets_dispatches (kefu_call_t *call);
void tickets_merge (kefu_call_t *call);
void tickets_accountability (kefu_call_t *call);

/*  Departments and routing rules (tickets_departments.c). */
void departments_create (kefu_call_t *call);
void departments_get (kefu_call_t *call);
void departments_update (kefu_call_t *call);
void departments_delete (kefu_call_t *call);
void departments_list (kefu_call_t *call);
void routing_rules_create (kefu_call_t *call);
void routing_rules_get (kefu_call_t *call);
void routing_rules_update (kefu_call_t *call);
void routing_rules_delete (kefu_call_t *call);
void routing_rules_list (kefu_call_t *call);

#endif
