/*  scheduling_security_desk: the security-desk handovers and the consumer
 *  of complaints. See scheduling_security_desk.h; the SQL is in
 *  scheduling_handover_store.c.
 */
#include "scheduling_security_desk.h"
#include "scheduling_creation.h"
#include "scheduling_handover_store.h"
#include "scheduling_store.h"

#include "kefu/v1/tickets.pb-c.h"
#include "kefu_audit.h"
#include "kefu_log.h"
#include "kefu_outbox.h"
#include "kefu_strbuf.h"
#include "kefu_text.h"
#include "kefu_time.h"
#include "kefu_tz.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    /*  The department's hours (与保安部交接班): the desk hands over at
     *  08:00, takes over at 18:00; after hours is 18:00-08:00. */
    MORNING_MINUTE = 8 * 60,
    EVENING_MINUTE = 18 * 60,
    OFFICER_MAX = 100,
    NOTES_MAX = 4000,
    RESOURCE_MAX = 96,
    DAY_TEXT_LENGTH = 10, /* YYYY-MM-DD */
    /*  Complaints one handover lists. A night with more is refused (409),
     *  never cut short: the list is the record. */
    COMPLAINTS_MAX = 1000,
    TICKET_ID_TEXT_SIZE = 21
};

static const char COMPLAINT_KIND[] = "complaint";
static const char *const ticket_created_types[] = {"ticket.created", NULL};

/*  Complaints of `result` (rows as complaints_between gives them) as
 *  messages borrowing from it; *items and *pointers are the caller's to
 *  free. -1 when out of memory. */
static int
complaints_from_result (PGresult *result, Kefu__V1__AfterHoursComplaint **items,
                        Kefu__V1__AfterHoursComplaint ***pointers)
{
    size_t count = (size_t)PQntuples (result);
    *items = calloc (count + 1, sizeof **items);
    *pointers = calloc (count + 1, sizeof **pointers);
    if (!*items || !*pointers)
        return -1;
    for (size_t i = 0; i < count; i++) {
        Kefu__V1__AfterHoursComplaint *complaint = &(*items)[i];
        int row = (int)i;
        kefu__v1__after_hours_complaint__init (complaint);
        complaint->ticket_id = kefu_db_int64 (result, row, 0);
        complaint->received_at = PQgetvalue (result, row, 1);
        complaint->channel = PQgetvalue (result, row, 2);
        complaint->priority = PQgetvalue (result, row, 3);
        complaint->category = PQgetvalue (result, row, 4);
        complaint->subject = PQgetvalue (result, row, 5);
        (*pointers)[i] = complaint;
    }
    return 0;
}

/*  The after-hours window a handover of local day `days` lists: from 18:00
 *  the day before to 08:00 that day. */
static void
after_hours_window (const kefu_tz_t *tz, int64_t days, int64_t *from_ms, int64_t *until_ms)
{
    *from_ms = kefu_tz_day_minute_ms (tz, days - 1, EVENING_MINUTE);
    *until_ms = kefu_tz_day_minute_ms (tz, days, MORNING_MINUTE);
}

/*  Check a record request; true with *tz and *days set. */
static bool
record_fields_ok (kefu_call_t *call, const Kefu__V1__RecordSecurityDeskHandoverRequest *request,
                  const kefu_tz_t **tz, int64_t *days)
{
    static const char *const directions[] = {"morning", "evening", NULL};
    *tz = kefu_tz_name_valid (request->site_zone) ? kefu_tz_get (request->site_zone, NULL) : NULL;
    if (!*tz) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "site_zone",
                        "site_zone must be a known IANA time zone such as Asia/Shanghai");
        return false;
    }
    const char *cursor = request->day;
    int year, month, day;
    if (strlen (request->day) != DAY_TEXT_LENGTH ||
        !kefu_time_read_date (&cursor, &year, &month, &day)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "day",
                        "day must be a date YYYY-MM-DD");
        return false;
    }
    *days = kefu_time_days_from_civil (year, month, day);
    if (!kefu_text_one_of (request->direction, directions)) {
        kefu_call_fail (
            call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "direction",
            "direction must be morning (08:00, from the desk) or evening (18:00, to the desk)");
        return false;
    }
    return kefu_call_check_text (call, "security_officer", request->security_officer,
                                 KEFU_TEXT_LINE, OFFICER_MAX, true) &&
           kefu_call_check_text (call, "notes", request->notes, KEFU_TEXT_MULTILINE, NOTES_MAX,
                                 false);
}

static void security_desk_answer (kefu_call_t *call, int64_t id);

void
scheduling_security_desk_record (kefu_call_t *call)
{
    const Kefu__V1__RecordSecurityDeskHandoverRequest *request =
        (const Kefu__V1__RecordSecurityDeskHandoverRequest *)kefu_call_payload (call);
    const kefu_tz_t *tz;
    int64_t days;
    if (!record_fields_ok (call, request, &tz, &days) || !scheduling_creation_key_ok (call))
        return;
    bool morning = strcmp (request->direction, "morning") == 0;
    int64_t at_ms = kefu_tz_day_minute_ms (tz, days, morning ? MORNING_MINUTE : EVENING_MINUTE);
    int64_t now_ms = kefu_time_now_ms ();
    if (now_ms < at_ms) {
        kefu_call_fail (call, KEFU__V1__CODE__FAILED_PRECONDITION, "security-desk-too-early", "day",
                        "the %s handover of %s is at %s local: not yet", request->direction,
                        request->day, morning ? "08:00" : "18:00");
        return;
    }
    int64_t from_ms, until_ms;
    after_hours_window (tz, days, &from_ms, &until_ms);
    const Kefu__V1__Actor *actor = kefu_call_actor (call);
    kefu_db_t *db = kefu_call_db (call);
    scheduling_staff_rows_t staff = {0};
    PGresult *complaints = NULL;
    Kefu__V1__AfterHoursComplaint *items = NULL, **pointers = NULL;
    kefu_strbuf_t ids;
    kefu_strbuf_init (&ids);
    if (kefu_db_begin (db) != 0)
        goto failed;
    int claimed = scheduling_creation_claim_or_replay (call, SCHEDULING_CREATION_SECURITY_DESK,
                                                       security_desk_answer);
    if (claimed < 0)
        goto failed;
    if (claimed > 0)
        goto done;
    int found = scheduling_store_staff_by_no (db, actor->staff_id, false, &staff);
    if (found < 0)
        goto failed;
    if (found == 1) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__PERMISSION_DENIED, "forbidden", NULL,
                                 "only staff of the directory record security-desk handovers");
        goto done;
    }
    complaints =
        scheduling_handover_store_complaints_between (db, from_ms, until_ms, COMPLAINTS_MAX + 1);
    if (!complaints)
        goto failed;
    if (PQntuples (complaints) > COMPLAINTS_MAX) {
        kefu_call_fail_rollback (
            call, KEFU__V1__CODE__FAILED_PRECONDITION, "security-desk-too-many", NULL,
            "more than %d complaints after hours: record the handover by hand", COMPLAINTS_MAX);
        goto done;
    }
    for (int i = 0; i < PQntuples (complaints); i++)
        kefu_strbuf_appendf (&ids, "%s%s", i ? "," : "", PQgetvalue (complaints, i, 0));
    if (!kefu_strbuf_ok (&ids) || complaints_from_result (complaints, &items, &pointers) != 0)
        goto failed;
    int64_t id;
    int inserted = scheduling_handover_store_security_desk_insert (
        db, request, staff.row.staff.id, actor->terminal, kefu_strbuf_data (&ids), now_ms, &id);
    if (inserted < 0)
        goto failed;
    if (inserted == 1) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__CONFLICT, "security-desk-recorded",
                                 "direction", "the %s handover of %s is recorded already",
                                 request->direction, request->day);
        goto done;
    }
    char window_from[KEFU_TIME_TEXT_SIZE], window_until[KEFU_TIME_TEXT_SIZE],
        created_at[KEFU_TIME_TEXT_SIZE], resource[RESOURCE_MAX];
    kefu_time_format_rfc3339 (from_ms, window_from);
    kefu_time_format_rfc3339 (until_ms, window_until);
    kefu_time_format_rfc3339 (now_ms, created_at);
    snprintf (resource, sizeof resource, "security_desk_handover/%" PRId64, id);
    Kefu__V1__SecurityDeskHandover reply = KEFU__V1__SECURITY_DESK_HANDOVER__INIT;
    reply.id = id;
    reply.site_zone = request->site_zone;
    reply.day = request->day;
    reply.direction = request->direction;
    reply.staff_no = staff.row.staff.staff_no;
    reply.security_officer = request->security_officer;
    reply.notes = request->notes;
    reply.terminal = actor->terminal;
    reply.window_starts_at = window_from;
    reply.window_ends_at = window_until;
    reply.n_complaints = (size_t)PQntuples (complaints);
    reply.complaints = pointers;
    reply.created_at = created_at;
    if (scheduling_creation_bind (call, id) != 0 ||
        kefu_audit_commit_change (call, "handover.security_desk_recorded", resource, NULL,
                                  (uint32_t)reply.n_complaints, &reply.base) != 0)
        goto failed;
done:
    free (items);
    free (pointers);
    PQclear (complaints);
    kefu_strbuf_release (&ids);
    scheduling_staff_rows_release (&staff);
    return;
failed:
    free (items);
    free (pointers);
    PQclear (complaints);
    kefu_strbuf_release (&ids);
    scheduling_staff_rows_release (&staff);
    kefu_call_fail_db_rollback (call);
}

/*  Answer with security-desk handover `id` and the complaints it carried;
 *  the reading is audited. */
static void
security_desk_answer (kefu_call_t *call, int64_t id)
{
    kefu_db_t *db = kefu_call_db (call);
    PGresult *row = NULL, *complaints = NULL;
    Kefu__V1__AfterHoursComplaint *items = NULL, **pointers = NULL;
    char resource[RESOURCE_MAX];
    snprintf (resource, sizeof resource, "security_desk_handover/%" PRId64, id);
    if (kefu_db_begin (db) != 0 || !(row = scheduling_handover_store_security_desk_get (db, id)))
        goto failed;
    if (PQntuples (row) != 1) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                                 "security-desk handover %" PRId64 " not found", id);
        goto done;
    }
    if (!(complaints = scheduling_handover_store_security_desk_complaints (db, id)) ||
        complaints_from_result (complaints, &items, &pointers) != 0)
        goto failed;
    const kefu_tz_t *tz = kefu_tz_get (PQgetvalue (row, 0, 1), NULL);
    const char *cursor = PQgetvalue (row, 0, 2);
    int year, month, day;
    char window_from[KEFU_TIME_TEXT_SIZE] = "", window_until[KEFU_TIME_TEXT_SIZE] = "";
    if (tz && kefu_time_read_date (&cursor, &year, &month, &day)) {
        int64_t from_ms, until_ms;
        after_hours_window (tz, kefu_time_days_from_civil (year, month, day), &from_ms, &until_ms);
        kefu_time_format_rfc3339 (from_ms, window_from);
        kefu_time_format_rfc3339 (until_ms, window_until);
    }
    Kefu__V1__SecurityDeskHandover reply = KEFU__V1__SECURITY_DESK_HANDOVER__INIT;
    int c = 0;
    reply.id = kefu_db_int64 (row, 0, c++);
    reply.site_zone = PQgetvalue (row, 0, c++);
    reply.day = PQgetvalue (row, 0, c++);
    reply.direction = PQgetvalue (row, 0, c++);
    reply.staff_no = PQgetvalue (row, 0, c++);
    reply.security_officer = PQgetvalue (row, 0, c++);
    reply.notes = PQgetvalue (row, 0, c++);
    reply.terminal = PQgetvalue (row, 0, c++);
    reply.created_at = PQgetvalue (row, 0, c++);
    reply.window_starts_at = window_from;
    reply.window_ends_at = window_until;
    reply.n_complaints = (size_t)PQntuples (complaints);
    reply.complaints = pointers;
    /*  The complaints are customer matters: reading them is recorded. */
    if (kefu_audit_record (call, "handover.security_desk_viewed", resource, NULL,
                           (uint32_t)reply.n_complaints) != 0 ||
        kefu_db_commit (db) != 0)
        goto failed;
    kefu_call_reply (call, &reply.base);
done:
    free (items);
    free (pointers);
    PQclear (row);
    PQclear (complaints);
    return;
failed:
    free (items);
    free (pointers);
    PQclear (row);
    PQclear (complaints);
    kefu_call_fail_db_rollback (call);
}

void
scheduling_security_desk_get (kefu_call_t *call)
{
    const Kefu__V1__SecurityDeskHandoverRef *request =
        (const Kefu__V1__SecurityDeskHandoverRef *)kefu_call_payload (call);
    security_desk_answer (call, request->id);
}

/* --- the consumer ------------------------------------------------------------- */

int
scheduling_security_desk_complaint_handle (kefu_db_t *tx, const Kefu__V1__Event *event, void *arg)
{
    (void)arg;
    Kefu__V1__TicketCreated *created =
        kefu__v1__ticket_created__unpack (NULL, event->data.len, event->data.data);
    if (!created) {
        /*  Not what ticket.created carries: nothing to record, and trying
         *  again would not change it. */
        kefu_log_warn ("security_desk.bad_event", "source", event->source, "id", event->id, NULL);
        return 0;
    }
    int rc = 0;
    const Kefu__V1__Ticket *ticket = created->ticket;
    int64_t received_ms;
    if (ticket && strcmp (ticket->kind, COMPLAINT_KIND) == 0) {
        if (!kefu_time_parse_rfc3339 (ticket->received_at, &received_ms) &&
            !kefu_time_parse_rfc3339 (ticket->created_at, &received_ms))
            kefu_log_warn ("security_desk.complaint_without_time", "id", event->id, NULL);
        else
            rc = scheduling_handover_store_complaint_record (tx, ticket, received_ms,
                                                             kefu_time_now_ms ());
    }
    kefu__v1__ticket_created__free_unpacked (created, NULL);
    return rc;
}

int
scheduling_security_desk_consumer_new (kefu_config_t *config, void *zmq_context,
                                       kefu_consumer_t **consumer, const char **problem)
{
    *consumer = NULL;
    *problem = NULL;
    const char *source = kefu_config_string (config, "KEFU_SCHEDULING_COMPLAINTS_SOURCE");
    if (!*source)
        return 0;
    const char *endpoint = kefu_text_service_name_valid (source, strlen (source))
                               ? kefu_config_service_string (config, source, "ENDPOINT")
                               : NULL;
    if (!endpoint) {
        *problem =
            "KEFU_SCHEDULING_COMPLAINTS_SOURCE must name a kefu service (tickets) or be empty";
        return -1;
    }
    *consumer = kefu_consumer_new ("scheduling", kefu_config_service_dsn (config, "scheduling"),
                                   zmq_context, kefu_config_string (config, "KEFU_BUS_XPUB"),
                                   scheduling_security_desk_complaint_handle, NULL);
    if (!*consumer || kefu_consumer_add_source (*consumer, source, endpoint) != 0 ||
        kefu_consumer_set_types (*consumer, ticket_created_types) != 0) {
        kefu_consumer_destroy (consumer);
        *problem = "cannot create the consumer of complaints";
        return -1;
    }
    return 0;
}
