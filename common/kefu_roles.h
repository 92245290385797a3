/*  kefu_roles: the staff roles of SCH-1, as bits.
 *
 *  An actor's roles travel as names in kefu.v1.Actor; every place that
 *  decides by role (the gateway's routes, a service's rules) works on a set
 *  of these bits, parsed here once.
 */
#ifndef KEFU_ROLES_H_INCLUDED
#define KEFU_ROLES_H_INCLUDED

#include "kefu_service.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    KEFU_ROLE_AGENT = 1u << 0,
    KEFU_ROLE_SHIFT_LEAD = 1u << 1,
    KEFU_ROLE_SUPERVISOR = 1u << 2,
    KEFU_ROLE_MANAGER = 1u << 3,
    KEFU_ROLE_ARCHIVIST = 1u << 4,
    KEFU_ROLE_AUDITOR = 1u << 5,
    KEFU_ROLE_ADMIN = 1u << 6,
    KEFU_ROLE_INTEGRATION = 1u << 7
} kefu_role_t;

/*  Number of roles: the bits 1 << 0 .. 1 << (KEFU_ROLE_COUNT - 1). */
enum { KEFU_ROLE_COUNT = 8 };

/*  A set of roles (bitwise or of kefu_role_t). */
typedef unsigned kefu_roles_t;

/*  The name of one role ("shift_lead"), or "unknown". */
const char *kefu_role_name (kefu_role_t role);

/*  The role named by the `length` bytes at `name` (exact, lower case).
 *  Returns false if there is none. */
bool kefu_role_from_name (const char *name, size_t length, kefu_role_t *role);

/*  The set of roles named in `names`; unknown names add nothing. */
kefu_roles_t kefu_roles_parse (char *const *names, size_t count);

/*  The roles of the call's actor (none without an actor). */
kefu_roles_t kefu_call_roles (kefu_call_t *call);

/*  True when the call's actor holds one of `allowed`; otherwise answer
 *  PERMISSION_DENIED (slug forbidden) with the message and return false. */
bool kefu_call_roles_require (kefu_call_t *call, kefu_roles_t allowed, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

#endif
