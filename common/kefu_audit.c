/*  kefu_audit: audit records as outbox events. See kefu_audit.h. */
#include "kefu_audit.h"
#include "kefu_outbox.h"
#include "kefu_time.h"

#include "kefu/v1/audit.pb-c.h"

#include <stdio.h>

enum { AUDIT_TYPE_MAX = 200 };

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
    char now[KEFU_TIME_TEXT_SIZE];
    kefu_time_format_rfc3339 (kefu_time_now_ms (), now);

    Kefu__V1__AuditRecord record = KEFU__V1__AUDIT_RECORD__INIT;
    record.actor = (Kefu__V1__Actor *) actor;
    record.action = (char *) action;
    record.resource = (char *) resource;
    record.reason = (char *) (reason ? reason : "");
    record.time = now;
    record.request_id = request->request_id;
    record.trace_id = request->trace_id;
    record.record_count = record_count;

    char type[AUDIT_TYPE_MAX];
    snprintf (type, sizeof type, "audit.record.%s", action);
    return kefu_outbox_append_message (kefu_call_db (call), type, resource, &record.base);
}
