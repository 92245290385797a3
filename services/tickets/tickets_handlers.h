/*  tickets_handlers: the methods of the tickets service.
 *
 *  Each handler validates its input, runs one transaction (the change, its
 *  history row, its outbox event and its audit record together) and
 *  answers. Nothing is written when any check fails.
 */
#ifndef TICKETS_HANDLERS_H_INCLUDED
#define TICKETS_HANDLERS_H_INCLUDED

#include "kefu_service.h"

extern const kefu_method_t tickets_methods[];
extern const size_t tickets_method_count;

#endif
