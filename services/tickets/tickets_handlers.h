/*  tickets_handlers: the methods of the tickets service.
 *
 *  Each handler validates its input, runs one transaction (the change, its
 *  history row, its outbox event and its audit record together) and
 *  answers. Nothing is written when any check fails.
 */
#ifndef TICKETS_HANDLERS_H_INCLUDED
#define TICKETS_HANDLERS_H_INCLUDED

#include "kefu_service.h"
#include "kefu_text.h"

#include <stdbool.h>
#include <stddef.h>

extern const kefu_method_t tickets_methods[];
extern const size_t tickets_method_count;

/*  Field checks every handler of the service uses: true when `value` is
 *  acceptable, else false after answering the call with INVALID_ARGUMENT
 *  naming `field`. */
bool tickets_field_ok (kefu_call_t *call, const char *field, const char *value, kefu_text_kind_t kind,
                       size_t max, bool required);
bool tickets_choice_ok (kefu_call_t *call, const char *field, const char *value,
                        const char *const *choices);

#endif
