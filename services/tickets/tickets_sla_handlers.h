/*  tickets_sla_handlers: the SLA methods of the tickets service (TKT-7).
 *
 *  Calendars and policies (create, get, list, update, delete; managed by
 *  supervisors, managers and admins), and per ticket: its SLA, pause and
 *  resume while waiting on the customer, and manual or emergency
 *  escalation. Methods and messages: proto/kefu/v1/tickets_sla.proto.
 *  Each handler validates, runs one transaction (the change, its event and
 *  its audit record) and answers; nothing is written when a check fails.
 *  main.c serves these next to tickets_methods.
 */
#ifndef TICKETS_SLA_HANDLERS_H_INCLUDED
#define TICKETS_SLA_HANDLERS_H_INCLUDED

#include "kefu_service.h"

extern const kefu_method_t tickets_sla_methods[];
extern const size_t tickets_sla_method_count;

#endif
