/*  scheduling_handlers: the methods of the scheduling service.
 *
 *  The staff directory (SCH-1: staff.create, staff.get, staff.suspend,
 *  staff.depart, staff.reset_password), credentials and sessions (SCH-2:
 *  sessions.create logs in, sessions.end logs out, sessions.change_password,
 *  sessions.revocations lists what gateways must refuse), shifts
 *  (shifts.create) and the gateway's refusals (access.refuse: a role not
 *  admitted, or AUD-2 off shift), which the gateway cannot record itself.
 *  Grades and promotion (SCH-10, grades.*) are in scheduling_grades.h.
 *
 *  Each handler validates its input, runs one transaction (the change, its
 *  outbox events and its audit record together) and answers; nothing is
 *  written when a check fails, except the audit record and alert of a
 *  refusal, which is the point. Passwords are hashed and verified before
 *  any transaction opens, never while rows are locked.
 */
#ifndef SCHEDULING_HANDLERS_H_INCLUDED
#define SCHEDULING_HANDLERS_H_INCLUDED

#include "scheduling_password.h"

#include "kefu_roles.h"
#include "kefu_service.h"
#include "kefu_token.h"
#include "kefu_tz.h"

#include <stdbool.h>
#include <stdint.h>

/*  What the handlers share, read-only while the service runs. */
typedef struct {
    kefu_token_keys_t *signing_keys;     /* borrowed */
    int64_t session_ttl_ms;
    int64_t grace_before_ms;
    int64_t grace_after_ms;
    int64_t roster_min_rest_ms;          /* KEFU_ROSTER_MIN_REST_MIN (SCH-3 rosters, SCH-4 swaps) */
    kefu_roles_t shift_exempt_roles;
    bool end_older_session;              /* KEFU_SHARED_ACCOUNT_POLICY=end_older */
    int login_max_failures;
    int64_t lockout_base_ms;
    int64_t lockout_max_ms;
    size_t password_min_length;
    /*  SCH-6: lateness or absence from post this long is a violation
     *  (KEFU_ATTENDANCE_VIOLATION_MIN); the zone of report months and of the
     *  25th (KEFU_ATTENDANCE_ZONE). */
    int64_t attendance_violation_ms;
    const kefu_tz_t *attendance_zone;    /* borrowed: kefu_tz keeps zones */
    char dummy_hash[SCHEDULING_PASSWORD_HASH_SIZE];
    /*  SCH-4, SCH-7 (scheduling_swaps.c, scheduling_handover.c). */
    int64_t handover_overdue_ms;         /* KEFU_HANDOVER_OVERDUE_MIN */
} scheduling_state_t;

extern const kefu_method_t scheduling_methods[];
extern const size_t scheduling_method_count;

enum { SCHEDULING_STAFF_NO_MAX = 32 };

/*  A staff number: 1..SCHEDULING_STAFF_NO_MAX of A-Z a-z 0-9 _ - (it
 *  travels in tokens, audit records and API key entries). */
bool scheduling_staff_no_valid (const char *text);

/*  True if a person with `roles` must be on shift to log in and act
 *  (AUD-2): an agent or shift lead holding no exempt role. */
bool scheduling_shift_bound (kefu_roles_t roles, kefu_roles_t exempt);

#endif
