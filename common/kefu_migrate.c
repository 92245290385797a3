/*  kefu_migrate: apply embedded migrations under an advisory lock. See
 *  kefu_migrate.h.
 */
#include "kefu_migrate.h"
#include "kefu_log.h"

#include <stdio.h>
#include <stdlib.h>

/*  The common migrations, generated from common/sql/ by the Makefile. */
extern const kefu_migration_t kefu_migrations[];
extern const size_t kefu_migrations_count;

static const kefu_sql_t sql_create_schema_check = {
    "kefu_migrate_schema_exists",
    "SELECT 1 FROM pg_namespace WHERE nspname = $1"
};
/*  Migrations of every component that lives in the schema. The table is
 *  created unqualified: the connection's search_path is the schema. */
static const char *const sql_create_table =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "  component text NOT NULL,"
    "  version integer NOT NULL,"
    "  name text NOT NULL,"
    "  applied_at timestamptz NOT NULL DEFAULT now(),"
    "  PRIMARY KEY (component, version))";
/*  hashtext() gives a stable 32-bit key per schema, so two services never
 *  wait on each other's lock. */
static const kefu_sql_t sql_lock = {
    "kefu_migrate_lock", "SELECT pg_advisory_lock(hashtext('kefu.migrate.' || $1))"
};
static const kefu_sql_t sql_unlock = {
    "kefu_migrate_unlock", "SELECT pg_advisory_unlock(hashtext('kefu.migrate.' || $1))"
};
static const kefu_sql_t sql_applied = {
    "kefu_migrate_applied", "SELECT 1 FROM schema_migrations WHERE component = $1 AND version = $2::integer"
};
static const kefu_sql_t sql_record = {
    "kefu_migrate_record", "INSERT INTO schema_migrations (component, version, name) VALUES ($1, $2::integer, $3)"
};

/*  Apply one component's migrations. Returns how many were applied, or -1. */
static int
migrate_component (kefu_db_t *db, const char *component, const kefu_migration_t *migrations, size_t count)
{
    int applied = 0;
    for (size_t i = 0; i < count; i++) {
        const kefu_migration_t *migration = &migrations[i];
        char version[16];
        snprintf (version, sizeof version, "%d", migration->version);
        const char *key[] = { component, version };
        PGresult *seen = kefu_db_run (db, &sql_applied, 2, key);
        if (!seen)
            return -1;
        bool done = PQntuples (seen) > 0;
        PQclear (seen);
        if (done)
            continue;

        const char *row[] = { component, version, migration->name };
        if (kefu_db_begin (db) != 0
        ||  kefu_db_exec_script (db, migration->sql) != 0
        ||  kefu_db_command (db, &sql_record, 3, row) != 0
        ||  kefu_db_commit (db) != 0) {
            kefu_log_error ("migrate.failed", "component", component, "migration", migration->name,
                            "error", kefu_db_error (db), NULL);
            kefu_db_rollback (db);
            return -1;
        }
        kefu_log_info ("migrate.applied", "component", component, "migration", migration->name, NULL);
        applied++;
    }
    return applied;
}

int
kefu_migrate_apply (kefu_db_t *db, const char *schema, const kefu_migration_t *migrations, size_t count)
{
    const char *params[] = { schema };
    PGresult *locked = kefu_db_run (db, &sql_lock, 1, params);
    if (!locked) {
        kefu_log_error ("migrate.lock_failed", "error", kefu_db_error (db), NULL);
        return -1;
    }
    PQclear (locked);

    int total = -1;
    /*  The schema is normally created by the database bootstrap, owned by
     *  the service's role; create it here only where the role may. The name
     *  is quoted by the server (format %I), never pasted in by us. */
    PGresult *exists = kefu_db_run (db, &sql_create_schema_check, 1, params);
    if (!exists)
        goto unlock;
    bool have_schema = PQntuples (exists) > 0;
    PQclear (exists);
    if (!have_schema) {
        static const kefu_sql_t sql_format = {
            "kefu_migrate_format_schema", "SELECT format('CREATE SCHEMA %I', $1::text)"
        };
        PGresult *statement = kefu_db_run (db, &sql_format, 1, params);
        if (!statement)
            goto unlock;
        int rc = kefu_db_exec_script (db, PQgetvalue (statement, 0, 0));
        PQclear (statement);
        if (rc != 0) {
            kefu_log_error ("migrate.schema_failed", "schema", schema, "error", kefu_db_error (db), NULL);
            goto unlock;
        }
    }
    if (kefu_db_exec_script (db, sql_create_table) != 0)
        goto unlock;

    int common = migrate_component (db, "kefu", kefu_migrations, kefu_migrations_count);
    if (common < 0)
        goto unlock;
    int own = migrate_component (db, schema, migrations, count);
    if (own < 0)
        goto unlock;
    total = common + own;

unlock:
    if (total < 0)
        kefu_log_error ("migrate.failed", "schema", schema, "error", kefu_db_error (db), NULL);
    PGresult *unlocked = kefu_db_run (db, &sql_unlock, 1, params);
    PQclear (unlocked);
    return total;
}
