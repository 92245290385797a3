/*  scheduling_admin: create the first admin. See scheduling_admin.h. */
#include "scheduling_admin.h"
#include "scheduling_password.h"
#include "scheduling_store.h"

#include "kefu/v1/audit.pb-c.h"
#include "kefu_outbox.h"
#include "kefu_text.h"
#include "kefu_time.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ADMIN_NAME_MAX = 100, ADMIN_RESOURCE_MAX = 64, ADMIN_ERROR_MAX = 512 };

static const char admin_actor[] = "kefuctl";

static int
admin_fail (char **error, const char *message, const char *detail)
{
    char text[ADMIN_ERROR_MAX];
    snprintf (text, sizeof text, "%s%s%s", message, detail ? ": " : "", detail ? detail : "");
    *error = strdup (text);
    return -1;
}

int
scheduling_admin_create (kefu_config_t *config, const kefu_migration_t *migrations, size_t migration_count,
                         const char *staff_no, const char *name, const char *password, char **error)
{
    *error = NULL;
    if (kefu_text_check (name, KEFU_TEXT_LINE, ADMIN_NAME_MAX, true))
        return admin_fail (error, "the name must be one line of 1 to 100 characters", NULL);
    const char *weakness = scheduling_password_weakness (
        password, staff_no, (size_t) kefu_config_int (config, "KEFU_PASSWORD_MIN_LENGTH"));
    if (weakness)
        return admin_fail (error, "the password", weakness);
    char hash[SCHEDULING_PASSWORD_HASH_SIZE];
    if (scheduling_password_hash (password, hash) != 0)
        return admin_fail (error, "out of memory", NULL);

    kefu_db_t *db = kefu_db_new (kefu_config_service_dsn (config, "scheduling"), "scheduling");
    if (!db)
        return admin_fail (error, "out of memory", NULL);
    int rc = -1;
    scheduling_staff_rows_t rows = { 0 };
    char *roles[] = { "admin" };
    Kefu__V1__CreateStaffRequest request = KEFU__V1__CREATE_STAFF_REQUEST__INIT;
    request.staff_no = (char *) staff_no;
    request.name = (char *) name;
    request.n_roles = 1;
    request.roles = roles;
    if (kefu_db_connect (db, kefu_config_int (config, "KEFU_DB_CONNECT_TIMEOUT_MS")) != 0
    ||  kefu_migrate_apply (db, "scheduling", migrations, migration_count) < 0 || kefu_db_begin (db) != 0) {
        admin_fail (error, "the database", kefu_db_error (db));
        goto done;
    }
    int64_t now_ms = kefu_time_now_ms ();
    int inserted = scheduling_store_staff_insert (db, &request, hash, false, now_ms, &rows);
    if (inserted == 1) {
        admin_fail (error, "this staff number is taken", staff_no);
        goto done;
    }
    char resource[ADMIN_RESOURCE_MAX], now[KEFU_TIME_TEXT_SIZE];
    snprintf (resource, sizeof resource, "staff/%" PRId64, inserted == 0 ? rows.row.staff.id : 0);
    kefu_time_format_rfc3339 (now_ms, now);
    Kefu__V1__Actor actor = KEFU__V1__ACTOR__INIT;
    actor.staff_id = (char *) admin_actor;
    actor.session_id = (char *) admin_actor;
    Kefu__V1__AuditRecord record = KEFU__V1__AUDIT_RECORD__INIT;
    record.actor = &actor;
    record.action = "staff.created";
    record.resource = resource;
    record.reason = "first admin, created from the command line";
    record.time = now;
    record.record_count = 1;
    if (inserted < 0 || kefu_outbox_append_message (db, "staff.created", resource, &rows.row.staff.base) != 0
    ||  kefu_outbox_append_message (db, "audit.record.staff.created", resource, &record.base) != 0
    ||  kefu_db_commit (db) != 0) {
        admin_fail (error, "the database", kefu_db_error (db));
        goto done;
    }
    rc = 0;
done:
    if (rc != 0)
        kefu_db_rollback (db);
    scheduling_staff_rows_release (&rows);
    kefu_db_destroy (&db);
    return rc;
}
