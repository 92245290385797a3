/*  kefu_roles: role names and bits. See kefu_roles.h. */
#include "kefu_roles.h"

#include <string.h>

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
