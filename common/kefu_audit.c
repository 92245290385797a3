/*  kefu_audit: audit records as outbox events. See kefu_audit.h. */
#include "kefu_audit.h"
#include "kefu_outbox.h"
#include "kefu_time.h"

#include "kefu/v1/audit.pb-c.h"

#include <stdio.h>

enum { AUDIT_TYPE_MAX = 200 };

static int
audit_append (kefu_db_t *db, const Kefu__V1__Actor *actor, const char *request_id, const char *trace_id,
              const char *action, const char *resource, const char *reason, uint32_t record_count)
{
    char now[KEFU_TIME_TEXT_SIZE];
    kefu_time_format_rfc3339 (kefu_time_now_ms (), now);

    Kefu__V1__AuditRecord record = KEFU__V1__AUDIT_RECORD__INIT;
    record.actor = (Kefu__V1__Actor *) actor;
    record.action = (char *) action;
    record.resource = (char *) resource;
    record.reason = (char *) (reason ? reason : "");
    record.time = now;
    record.request_id = (char *) request_id;
    record.trace_id = (char *) trace_id;
    record.record_count = record_count;

    char type[AUDIT_TYPE_MAX];
    snprintf (type, sizeof type, "audit.record.%s", action);
    return kefu_outbox_append_message (db, type, resource, &record.base);
}

int
kefu_audit_record (kefu_call_t *call, const char *action, const char *resource,
                   const char *reason, uint32_t record_count)
{
    return kefu_audit_record_as (call, kefu_call_request (call)->actor, action, resource, reason,
                                 record_count);
}

int
kefu_audit_record_as (kefu_call_t *call, const Kefu__V1__Actor *actor, const char *action,
                      const char *resource, const char *reason, uint32_t record_count)
{
    const Kefu__V1__Request *request = kefu_call_request (call);
    return audit_append (kefu_call_db (call), actor, request->request_id, request->trace_id, action,
                         resource, reason, record_count);
}

int
kefu_audit_record_system (kefu_db_t *db, const Kefu__V1__Actor *actor, const char *action,
                          const char *resource, const char *reason, uint32_t record_count)
{
    return audit_append (db, actor, "", "", action, resource, reason, record_count);
}

int
kefu_audit_commit_change (kefu_call_t *call, const char *event_type, const char *resource,
                          const char *reason, uint32_t record_count,
                          const ProtobufCMessage *message)
{
    kefu_db_t *db = kefu_call_db (call);
    if (kefu_outbox_append_message (db, event_type, resource, message) != 0 ||
        kefu_audit_record (call, event_type, resource, reason, record_count) != 0 ||
        kefu_db_commit (db) != 0)
        return -1;
    kefu_call_reply (call, message);
    return 0;
}
