/*  scheduling_admin: the first admin, created from the command line.
 *
 *  kefu ships no default password (SCH-2): an operator runs
 *
 *      kefu-scheduling create-admin <staff_no> <name>     (password on stdin)
 *
 *  (or `make admin STAFF_NO=... NAME=...`), which applies the migrations,
 *  checks the password against the weak-password rule and inserts an
 *  active admin who need not change it, with a staff.created event and an
 *  audit record by the actor "kefuctl" in the same transaction.
 */
#ifndef SCHEDULING_ADMIN_H_INCLUDED
#define SCHEDULING_ADMIN_H_INCLUDED

#include "kefu_config.h"
#include "kefu_migrate.h"

#include <stddef.h>

/*  Create the admin. Returns 0, or -1 with *error (the caller frees). */
int scheduling_admin_create (kefu_config_t *config, const kefu_migration_t *migrations, size_t migration_count,
                             const char *staff_no, const char *name, const char *password, char **error);

#endif
