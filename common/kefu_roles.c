/*  kefu_roles: role names and bits. See kefu_roles.h. */
#include "kefu_roles.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*  A refusal's message: one sentence naming who may do what. */
enum { KEFU_ROLES_MESSAGE_MAX = 256 };

static const struct {
    kefu_role_t role;
    const char *name;
} role_names[] = {
    { KEFU_ROLE_AGENT, "agent" },           { KEFU_ROLE_SHIFT_LEAD, "shift_lead" },
    { KEFU_ROLE_SUPERVISOR, "supervisor" }, { KEFU_ROLE_MANAGER, "manager" },
    { KEFU_ROLE_ARCHIVIST, "archivist" },   { KEFU_ROLE_AUDITOR, "auditor" },
    { KEFU_ROLE_ADMIN, "admin" },           { KEFU_ROLE_INTEGRATION, "integration" },
};

#define ROLE_COUNT (sizeof role_names / sizeof role_names[0])

const char *
kefu_role_name (kefu_role_t role)
{
    for (size_t i = 0; i < ROLE_COUNT; i++)
        if (role_names[i].role == role)
            return role_names[i].name;
    return "unknown";
}

bool
kefu_role_from_name (const char *name, size_t length, kefu_role_t *role)
{
    for (size_t i = 0; i < ROLE_COUNT; i++)
        if (strlen (role_names[i].name) == length && memcmp (role_names[i].name, name, length) == 0) {
            *role = role_names[i].role;
            return true;
        }
    return false;
}

kefu_roles_t
kefu_roles_parse (char *const *names, size_t count)
{
    kefu_roles_t roles = 0;
    for (size_t i = 0; i < count; i++) {
        kefu_role_t role;
        if (kefu_role_from_name (names[i], strlen (names[i]), &role))
            roles |= role;
    }
    return roles;
}

kefu_roles_t
kefu_call_roles (kefu_call_t *call)
{
    const Kefu__V1__Actor *actor = kefu_call_actor (call);
    return actor ? kefu_roles_parse (actor->roles, actor->n_roles) : 0;
}

bool
kefu_call_roles_require (kefu_call_t *call, kefu_roles_t allowed, const char *format, ...)
{
    if (kefu_call_roles (call) & allowed)
        return true;
    char message[KEFU_ROLES_MESSAGE_MAX];
    va_list args;
    va_start (args, format);
    vsnprintf (message, sizeof message, format, args);
    va_end (args);
    kefu_call_fail (call, KEFU__V1__CODE__PERMISSION_DENIED, "forbidden", NULL, "%s", message);
    return false;
}
