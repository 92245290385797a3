/*  kefu_migrate: versioned schema migrations, applied at service start.
 *
 *  A service's migrations are SQL files services/<name>/migrations/
 *  NNNN_what.sql, embedded into its binary at build time
 *  (tools/embed-migrations.sh). Shared tables every service has (the
 *  outbox) come first as the "kefu" component. Migrations run in order,
 *  each in its own transaction together with its row in schema_migrations,
 *  under a PostgreSQL advisory lock so that replicas starting together
 *  apply each migration exactly once.
 */
#ifndef KEFU_MIGRATE_H_INCLUDED
#define KEFU_MIGRATE_H_INCLUDED

#include "kefu_db.h"

#include <stddef.h>

typedef struct {
    int version;
    const char *name;
    const char *sql;
} kefu_migration_t;

/*  Apply, to `schema` (created if missing), first the common migrations and
 *  then `count` service migrations not yet recorded. Returns the number
 *  applied, or -1 (logged, and nothing half-applied: a failed migration
 *  rolls back whole). */
int kefu_migrate_apply (kefu_db_t *db, const char *schema, const kefu_migration_t *migrations, size_t count);

#endif
