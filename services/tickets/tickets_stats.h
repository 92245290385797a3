/*  tickets_stats: complaint classification statistics (TKT-9,
 *  顾客投诉分类统计表) — opened and resolved tickets, time to resolve and
 *  repeat complaints by category, department and period. What is counted
 *  is written in proto/kefu/v1/tickets_stats.proto; the SQL is in
 *  tickets_stats_store.c.
 *
 *  SLA compliance is not reported yet: it needs the SLA deadlines
 *  (ticket_sla), kept by another part of the service.
 */
#ifndef TICKETS_STATS_H_INCLUDED
#define TICKETS_STATS_H_INCLUDED

#include "kefu/v1/tickets_stats.pb-c.h"
#include "kefu_service.h"

/*  Handler of tickets.stats, listed in tickets_methods. */
void tickets_stats (kefu_call_t *call);

#endif
