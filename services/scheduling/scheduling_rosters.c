/*  scheduling_rosters: sites, templates, rosters, on duty. See
 *  scheduling_rosters.h; the SQL is in scheduling_rosters_store.c, the
 *  local-time and coverage arithmetic in scheduling_roster_rules.c, the
 *  documents in scheduling_roster_export.c.
 */
#include "scheduling_rosters.h"
#include "scheduling_handlers.h"
#include "scheduling_roster_export.h"
#include "scheduling_roster_rules.h"
#include "scheduling_rosters_store.h"
#include "scheduling_store.h"

#include "kefu/v1/document.pb-c.h"
#include "kefu/v1/rosters.pb-c.h"

#include "kefu_audit.h"
#include "kefu_outbox.h"
#include "kefu_roles.h"
#include "kefu_strbuf.h"
#include "kefu_text.h"
#include "kefu_time.h"
#include "kefu_tz.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    CODE_MAX = 32, /* site and template codes */
    TEXT_NAME_MAX = 100,
    SKILL_MAX = 50,
    RESOURCE_MAX = 96,
    FIELD_PATH_MAX = 48, /* "items[1999].template_code" */
    DETAIL_MAX = 256,
    /*  Sites and templates a deployment has: tens; a list answers them all. */
    CATALOGUE_MAX = 1000,
    /*  One bulk request: a week of 70 agents. Its JSON (about 120 bytes an
     *  item at most) then fits the gateway's default body limit
     *  (KEFU_HTTP_MAX_BODY, 64 KiB); larger rosters come in several
     *  batches, each all or nothing. */
    ASSIGN_BATCH_MAX = 500,
    /*  Shifts of one roster: 500 agents × 31 days with room to spare. */
    ROSTER_SHIFTS_MAX = 20000,
    /*  Requirement rows: one per weekday and half hour at most. */
    COVERAGE_ITEMS_MAX = SCHEDULING_WEEKDAYS * SCHEDULING_COVERAGE_SLOTS_PER_DAY,
    COVERAGE_AGENTS_MAX = 10000,
    /*  Problems one validation lists; past it the answer says how many
     *  more there were. */
    PROBLEMS_MAX = 2000,
    /*  A holiday roster is published at least this many days ahead (SCH-3). */
    HOLIDAY_NOTICE_DAYS = 7,
    /*  People one on-duty answer lists; more is refused, never truncated. */
    ON_DUTY_MAX = 10000,
    /*  Pages of rosters and of a roster's shifts, as tickets pages go. */
    LIST_DEFAULT = 50,
    LIST_MAX = 200,
    MS_PER_SECOND = 1000,
    MS_PER_MINUTE = 60 * MS_PER_SECOND,
    MS_PER_DAY = KEFU_TZ_SECONDS_PER_DAY * MS_PER_SECOND,
    /*  Shifts of other rosters looked at around a month: a day's shift
     *  plus the longest rest rule. */
    NEIGHBOUR_DAYS = 2,
    /*  Roles of one person, as on-duty lists them. */
    ROLES_MAX = KEFU_ROLE_COUNT,
    NUMBER_SIZE = 24
};

/*  Who changes rosters, and who may read them. */
#define ROSTER_PLANNERS (KEFU_ROLE_SUPERVISOR | KEFU_ROLE_MANAGER | KEFU_ROLE_ADMIN)
#define ROSTER_READERS  (ROSTER_PLANNERS | KEFU_ROLE_SHIFT_LEAD)
/*  Who asks who is on duty: supervision, audit, callbacks (integration). */
#define ON_DUTY_READERS (ROSTER_READERS | KEFU_ROLE_AUDITOR | KEFU_ROLE_INTEGRATION)

static const char CSV_TYPE[] = "text/csv; charset=utf-8";
static const char ICAL_TYPE[] = "text/calendar; charset=utf-8";

/* --- shared checks and answers -------------------------------------------- */

static bool
planner_ok (kefu_call_t *call)
{
    return kefu_call_roles_require (call, ROSTER_PLANNERS,
                                    "only a supervisor, manager or admin may do this");
}

static bool
code_ok (kefu_call_t *call, const char *field, const char *code)
{
    if (kefu_text_identifier_valid (code, strlen (code), CODE_MAX))
        return true;
    kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", field,
                    "%s must be 1 to %d of A-Z a-z 0-9 _ -", field, CODE_MAX);
    return false;
}

static void
roster_resource (int64_t id, char out[RESOURCE_MAX])
{
    snprintf (out, RESOURCE_MAX, "roster/%" PRId64, id);
}

/*  A roster message borrowing row `row` of `result` (ROSTER_* columns). */
static void
roster_from_row (const PGresult *result, int row, Kefu__V1__Roster *roster)
{
    kefu__v1__roster__init (roster);
    roster->id = kefu_db_int64 (result, row, ROSTER_ID);
    roster->site_code = PQgetvalue (result, row, ROSTER_SITE);
    roster->zone = PQgetvalue (result, row, ROSTER_ZONE);
    roster->month = PQgetvalue (result, row, ROSTER_MONTH);
    roster->status = PQgetvalue (result, row, ROSTER_STATUS);
    roster->holiday = kefu_db_bool (result, row, ROSTER_HOLIDAY);
    roster->version = (int32_t)kefu_db_int64 (result, row, ROSTER_VERSION);
    roster->shift_count = (int32_t)kefu_db_int64 (result, row, ROSTER_SHIFT_COUNT);
    roster->created_by = PQgetvalue (result, row, ROSTER_CREATED_BY);
    roster->created_at = PQgetvalue (result, row, ROSTER_CREATED_AT);
    roster->published_by = PQgetvalue (result, row, ROSTER_PUBLISHED_BY);
    roster->published_at = PQgetvalue (result, row, ROSTER_PUBLISHED_AT);
}

static bool
roster_is_draft (const PGresult *roster)
{
    return strcmp (PQgetvalue (roster, 0, ROSTER_STATUS), "draft") == 0;
}

/*  The zone of a roster's site (checked when the site was made). */
static const kefu_tz_t *
roster_zone (const PGresult *roster)
{
    return kefu_tz_get (PQgetvalue (roster, 0, ROSTER_ZONE), NULL);
}

/*  Begin and lock roster `id` for a change of its draft. Returns 0 with
 *  the transaction open and *roster read; 1 when the call was answered
 *  (404 no such roster, 409 roster-published); -1 on a database failure
 *  (the caller answers with kefu_call_fail_db_rollback). */
static int
roster_lock_draft (kefu_call_t *call, int64_t id, PGresult **roster)
{
    kefu_db_t *db = kefu_call_db (call);
    *roster = NULL;
    if (kefu_db_begin (db) != 0)
        return -1;
    int found = scheduling_rosters_store_roster (db, id, true, roster);
    if (found < 0)
        return -1;
    if (found == 1) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                                 "roster %" PRId64 " not found", id);
        return 1;
    }
    if (!roster_is_draft (*roster)) {
        PQclear (*roster);
        *roster = NULL;
        kefu_call_fail_rollback (call, KEFU__V1__CODE__CONFLICT, "roster-published", NULL,
                                 "roster %" PRId64
                                 " is published: it changes only through approved swaps and leave",
                                 id);
        return 1;
    }
    if (!roster_zone (*roster)) {
        PQclear (*roster);
        *roster = NULL;
        kefu_call_fail_rollback (call, KEFU__V1__CODE__INTERNAL, "internal", NULL,
                                 "the site's time zone cannot be loaded");
        return 1;
    }
    return 0;
}

/* --- sites ------------------------------------------------------------------ */

/*  A site's zone: one the server can load. */
static bool
zone_ok (kefu_call_t *call, const char *zone)
{
    const char *problem = NULL;
    if (kefu_tz_get (zone, &problem))
        return true;
    kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "zone",
                    "zone must be an IANA time zone such as Asia/Shanghai (%s)",
                    problem ? problem : "unknown");
    return false;
}

/*  Finish a change of a site in the open transaction: its event and audit
 *  record `action` (both named so), commit, answer with the row in
 *  `result` (taken: cleared here). */
static void
site_changed (kefu_call_t *call, const char *action, PGresult *result)
{
    Kefu__V1__Site site = KEFU__V1__SITE__INIT;
    site.code = PQgetvalue (result, 0, SITE_CODE);
    site.name = PQgetvalue (result, 0, SITE_NAME);
    site.zone = PQgetvalue (result, 0, SITE_ZONE);
    site.created_at = PQgetvalue (result, 0, SITE_CREATED_AT);
    char resource[RESOURCE_MAX];
    snprintf (resource, sizeof resource, "site/%s", site.code);
    if (kefu_audit_commit_change (call, action, resource, NULL, 1, &site.base) != 0)
        kefu_call_fail_db_rollback (call);
    PQclear (result);
}

void
scheduling_sites_create (kefu_call_t *call)
{
    const Kefu__V1__Site *request = (const Kefu__V1__Site *)kefu_call_payload (call);
    if (!planner_ok (call) || !code_ok (call, "code", request->code) ||
        !kefu_call_check_text (call, "name", request->name, KEFU_TEXT_LINE, TEXT_NAME_MAX, true) ||
        !zone_ok (call, request->zone))
        return;
    kefu_db_t *db = kefu_call_db (call);
    PGresult *result = NULL;
    if (kefu_db_begin (db) != 0)
        goto failed;
    int inserted = scheduling_rosters_store_site_insert (
        db, request->code, request->name, request->zone, kefu_time_now_ms (), &result);
    if (inserted < 0)
        goto failed;
    if (inserted == 1) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__CONFLICT, "site-exists", "code",
                                 "site %s exists", request->code);
        return;
    }
    site_changed (call, "site.created", result);
    return;
failed:
    PQclear (result);
    kefu_call_fail_db_rollback (call);
}

/*  Lock site `code` for a change: 0 with *result its row (SITE_IN_USE
 *  included) and the transaction open; 1 when answered (404); -1 on a
 *  database failure. */
static int
site_lock (kefu_call_t *call, const char *code, PGresult **result)
{
    kefu_db_t *db = kefu_call_db (call);
    *result = NULL;
    if (kefu_db_begin (db) != 0)
        return -1;
    int found = scheduling_rosters_store_site_lock (db, code, result);
    if (found == 1)
        kefu_call_fail_rollback (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL, "no site %s",
                                 code);
    return found;
}

void
scheduling_sites_update (kefu_call_t *call)
{
    const Kefu__V1__Site *request = (const Kefu__V1__Site *)kefu_call_payload (call);
    if (!planner_ok (call) || !code_ok (call, "code", request->code) ||
        !kefu_call_check_text (call, "name", request->name, KEFU_TEXT_LINE, TEXT_NAME_MAX, true) ||
        !zone_ok (call, request->zone))
        return;
    PGresult *current = NULL, *updated = NULL;
    int locked = site_lock (call, request->code, &current);
    if (locked != 0) {
        if (locked < 0)
            kefu_call_fail_db_rollback (call);
        return;
    }
    /*  Its rosters' shifts were resolved in the old zone. */
    if (kefu_db_bool (current, 0, SITE_IN_USE) &&
        strcmp (PQgetvalue (current, 0, SITE_ZONE), request->zone) != 0) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__CONFLICT, "site-in-use", "zone",
                                 "site %s has rosters planned in %s: its zone no longer changes",
                                 request->code, PQgetvalue (current, 0, SITE_ZONE));
        PQclear (current);
        return;
    }
    PQclear (current);
    if (scheduling_rosters_store_site_update (kefu_call_db (call), request->code, request->name,
                                              request->zone, &updated) != 0) {
        PQclear (updated);
        kefu_call_fail_db_rollback (call);
        return;
    }
    site_changed (call, "site.updated", updated);
}

void
scheduling_sites_delete (kefu_call_t *call)
{
    const Kefu__V1__CatalogueRef *request =
        (const Kefu__V1__CatalogueRef *)kefu_call_payload (call);
    if (!planner_ok (call))
        return;
    PGresult *current = NULL;
    int locked = site_lock (call, request->code, &current);
    if (locked != 0) {
        if (locked < 0)
            kefu_call_fail_db_rollback (call);
        return;
    }
    if (kefu_db_bool (current, 0, SITE_IN_USE)) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__CONFLICT, "site-in-use", NULL,
                                 "site %s has rosters: it stays", request->code);
        PQclear (current);
        return;
    }
    if (scheduling_rosters_store_site_delete (kefu_call_db (call), request->code) != 0) {
        PQclear (current);
        kefu_call_fail_db_rollback (call);
        return;
    }
    site_changed (call, "site.deleted", current);
}

void
scheduling_sites_list (kefu_call_t *call)
{
    if (!kefu_call_roles_require (
            call, ON_DUTY_READERS,
            "only a shift lead, supervisor, manager, admin, auditor or integration may do this"))
        return;
    PGresult *result = scheduling_rosters_store_sites (kefu_call_db (call), CATALOGUE_MAX);
    if (!result) {
        kefu_call_fail_db (call);
        return;
    }
    size_t count = (size_t)PQntuples (result);
    Kefu__V1__Site *items = calloc (count ? count : 1, sizeof *items);
    Kefu__V1__Site **pointers = calloc (count ? count : 1, sizeof *pointers);
    if (!items || !pointers)
        kefu_call_fail (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "out of memory");
    else {
        for (size_t i = 0; i < count; i++) {
            kefu__v1__site__init (&items[i]);
            items[i].code = PQgetvalue (result, (int)i, SITE_CODE);
            items[i].name = PQgetvalue (result, (int)i, SITE_NAME);
            items[i].zone = PQgetvalue (result, (int)i, SITE_ZONE);
            items[i].created_at = PQgetvalue (result, (int)i, SITE_CREATED_AT);
            pointers[i] = &items[i];
        }
        Kefu__V1__SiteList reply = KEFU__V1__SITE_LIST__INIT;
        reply.n_items = count;
        reply.items = pointers;
        kefu_call_reply (call, &reply.base);
    }
    free (items);
    free (pointers);
    PQclear (result);
}

/* --- shift templates -------------------------------------------------------- */

/*  A template message borrowing row `row`; `clocks` holds its start and
 *  end texts. */
static void
template_from_row (const PGresult *result, int row, Kefu__V1__ShiftTemplate *template,
                   char clocks[2][SCHEDULING_CLOCK_TEXT_SIZE])
{
    kefu__v1__shift_template__init (template);
    int start = (int)kefu_db_int64 (result, row, TEMPLATE_START);
    int duration = (int)kefu_db_int64 (result, row, TEMPLATE_DURATION);
    int end = (start + duration) % SCHEDULING_MINUTES_PER_DAY;
    scheduling_clock_format (start, clocks[0]);
    /*  A shift ending at local midnight reads "24:00", as planners write it. */
    scheduling_clock_format (end == 0 ? SCHEDULING_MINUTES_PER_DAY : end, clocks[1]);
    template->code = PQgetvalue (result, row, TEMPLATE_CODE);
    template->name = PQgetvalue (result, row, TEMPLATE_NAME);
    template->start = clocks[0];
    template->duration_minutes = duration;
    template->is_night = kefu_db_bool (result, row, TEMPLATE_NIGHT);
    template->end = clocks[1];
    template->created_at = PQgetvalue (result, row, TEMPLATE_CREATED_AT);
}

/*  A template's fields, as create and update take them; *start_minute
 *  read from `start`. */
static bool
template_ok (kefu_call_t *call, const Kefu__V1__ShiftTemplate *request, int *start_minute)
{
    if (!planner_ok (call) || !code_ok (call, "code", request->code) ||
        !kefu_call_check_text (call, "name", request->name, KEFU_TEXT_LINE, TEXT_NAME_MAX, true))
        return false;
    if (!scheduling_clock_parse (request->start, false, start_minute)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "start",
                        "start must be a local time HH:MM from 00:00 to 23:59");
        return false;
    }
    if (request->duration_minutes < 1 || request->duration_minutes > SCHEDULING_MINUTES_PER_DAY) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "duration_minutes",
                        "duration_minutes must be from 1 to %d", SCHEDULING_MINUTES_PER_DAY);
        return false;
    }
    return true;
}

/*  Finish a change of a template in the open transaction, as site_changed
 *  does for sites. */
static void
template_changed (kefu_call_t *call, const char *action, PGresult *result)
{
    Kefu__V1__ShiftTemplate template;
    char clocks[2][SCHEDULING_CLOCK_TEXT_SIZE];
    template_from_row (result, 0, &template, clocks);
    char resource[RESOURCE_MAX];
    snprintf (resource, sizeof resource, "shift_template/%s", template.code);
    if (kefu_audit_commit_change (call, action, resource, NULL, 1, &template.base) != 0)
        kefu_call_fail_db_rollback (call);
    PQclear (result);
}

/*  Lock template `code` for a change, as site_lock does. */
static int
template_lock (kefu_call_t *call, const char *code, PGresult **result)
{
    kefu_db_t *db = kefu_call_db (call);
    *result = NULL;
    if (kefu_db_begin (db) != 0)
        return -1;
    int found = scheduling_rosters_store_template_lock (db, code, result);
    if (found == 1)
        kefu_call_fail_rollback (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                                 "no shift template %s", code);
    return found;
}

void
scheduling_shift_templates_update (kefu_call_t *call)
{
    const Kefu__V1__ShiftTemplate *request =
        (const Kefu__V1__ShiftTemplate *)kefu_call_payload (call);
    int start_minute;
    if (!template_ok (call, request, &start_minute))
        return;
    PGresult *current = NULL, *updated = NULL;
    int locked = template_lock (call, request->code, &current);
    if (locked != 0) {
        if (locked < 0)
            kefu_call_fail_db_rollback (call);
        return;
    }
    /*  Shifts cut from it keep their times: a template in use is renamed,
     *  never re-timed (plan a new one). */
    bool retimed = kefu_db_int64 (current, 0, TEMPLATE_START) != start_minute ||
                   kefu_db_int64 (current, 0, TEMPLATE_DURATION) != request->duration_minutes;
    if (retimed && kefu_db_bool (current, 0, TEMPLATE_IN_USE)) {
        kefu_call_fail_rollback (
            call, KEFU__V1__CODE__CONFLICT, "template-in-use", "start",
            "shifts were cut from template %s: its start and duration no longer change",
            request->code);
        PQclear (current);
        return;
    }
    PQclear (current);
    if (scheduling_rosters_store_template_update (kefu_call_db (call), request->code, request->name,
                                                  start_minute, request->duration_minutes,
                                                  request->is_night, &updated) != 0) {
        PQclear (updated);
        kefu_call_fail_db_rollback (call);
        return;
    }
    template_changed (call, "shift.template.updated", updated);
}

void
scheduling_shift_templates_delete (kefu_call_t *call)
{
    const Kefu__V1__CatalogueRef *request =
        (const Kefu__V1__CatalogueRef *)kefu_call_payload (call);
    if (!planner_ok (call))
        return;
    PGresult *current = NULL;
    int locked = template_lock (call, request->code, &current);
    if (locked != 0) {
        if (locked < 0)
            kefu_call_fail_db_rollback (call);
        return;
    }
    if (kefu_db_bool (current, 0, TEMPLATE_IN_USE)) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__CONFLICT, "template-in-use", NULL,
                                 "shifts were cut from template %s: it stays", request->code);
        PQclear (current);
        return;
    }
    if (scheduling_rosters_store_template_delete (kefu_call_db (call), request->code) != 0) {
        PQclear (current);
        kefu_call_fail_db_rollback (call);
        return;
    }
    template_changed (call, "shift.template.deleted", current);
}

void
scheduling_shift_templates_create (kefu_call_t *call)
{
    const Kefu__V1__ShiftTemplate *request =
        (const Kefu__V1__ShiftTemplate *)kefu_call_payload (call);
    int start_minute;
    if (!template_ok (call, request, &start_minute))
        return;
    kefu_db_t *db = kefu_call_db (call);
    PGresult *result = NULL;
    if (kefu_db_begin (db) != 0)
        goto failed;
    int inserted = scheduling_rosters_store_template_insert (
        db, request->code, request->name, start_minute, request->duration_minutes,
        request->is_night, kefu_time_now_ms (), &result);
    if (inserted < 0)
        goto failed;
    if (inserted == 1) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__CONFLICT, "template-exists", "code",
                                 "shift template %s exists", request->code);
        return;
    }
    template_changed (call, "shift.template.created", result);
    return;
failed:
    PQclear (result);
    kefu_call_fail_db_rollback (call);
}

void
scheduling_shift_templates_list (kefu_call_t *call)
{
    if (!kefu_call_roles_require (
            call, ON_DUTY_READERS,
            "only a shift lead, supervisor, manager, admin, auditor or integration may do this"))
        return;
    PGresult *result = scheduling_rosters_store_templates (kefu_call_db (call), CATALOGUE_MAX);
    if (!result) {
        kefu_call_fail_db (call);
        return;
    }
    size_t count = (size_t)PQntuples (result);
    Kefu__V1__ShiftTemplate *items = calloc (count ? count : 1, sizeof *items);
    Kefu__V1__ShiftTemplate **pointers = calloc (count ? count : 1, sizeof *pointers);
    char (*clocks)[2][SCHEDULING_CLOCK_TEXT_SIZE] = calloc (count ? count : 1, sizeof *clocks);
    if (!items || !pointers || !clocks)
        kefu_call_fail (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "out of memory");
    else {
        for (size_t i = 0; i < count; i++) {
            template_from_row (result, (int)i, &items[i], clocks[i]);
            pointers[i] = &items[i];
        }
        Kefu__V1__ShiftTemplateList reply = KEFU__V1__SHIFT_TEMPLATE_LIST__INIT;
        reply.n_items = count;
        reply.items = pointers;
        kefu_call_reply (call, &reply.base);
    }
    free (items);
    free (pointers);
    free (clocks);
    PQclear (result);
}

/* --- rosters.create, rosters.get ------------------------------------------- */

void
scheduling_rosters_create (kefu_call_t *call)
{
    const Kefu__V1__CreateRosterRequest *request =
        (const Kefu__V1__CreateRosterRequest *)kefu_call_payload (call);
    int year, month;
    if (!planner_ok (call) || !code_ok (call, "site_code", request->site_code))
        return;
    if (!scheduling_month_parse (request->month, &year, &month)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "month",
                        "month must be YYYY-MM, e.g. 2026-03");
        return;
    }
    char first_day[SCHEDULING_DATE_TEXT_SIZE];
    scheduling_date_format (kefu_time_days_from_civil (year, month, 1), first_day);
    kefu_db_t *db = kefu_call_db (call);
    PGresult *result = NULL;
    if (kefu_db_begin (db) != 0)
        goto failed;
    int inserted = scheduling_rosters_store_roster_insert (
        db, request->site_code, first_day, request->holiday, kefu_call_actor (call)->staff_id,
        kefu_time_now_ms (), &result);
    if (inserted < 0)
        goto failed;
    if (inserted == 2) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__INVALID_ARGUMENT, "unknown-site",
                                 "site_code", "no site %s", request->site_code);
        return;
    }
    if (inserted == 1) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__CONFLICT, "roster-exists", "month",
                                 "site %s has a roster for %s", request->site_code, request->month);
        return;
    }
    Kefu__V1__Roster roster;
    roster_from_row (result, 0, &roster);
    char resource[RESOURCE_MAX];
    roster_resource (roster.id, resource);
    if (kefu_audit_commit_change (call, "roster.created", resource, NULL, 1, &roster.base) != 0)
        goto failed;
    PQclear (result);
    return;
failed:
    PQclear (result);
    kefu_call_fail_db_rollback (call);
}

void
scheduling_rosters_get (kefu_call_t *call)
{
    const Kefu__V1__RosterRef *request = (const Kefu__V1__RosterRef *)kefu_call_payload (call);
    if (!kefu_call_roles_require (call, ROSTER_READERS,
                                  "only a shift lead, supervisor, manager or admin may do this"))
        return;
    PGresult *result = NULL;
    int found = scheduling_rosters_store_roster (kefu_call_db (call), request->id, false, &result);
    if (found < 0)
        kefu_call_fail_db (call);
    else if (found == 1)
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                        "roster %" PRId64 " not found", request->id);
    else {
        Kefu__V1__Roster roster;
        roster_from_row (result, 0, &roster);
        kefu_call_reply (call, &roster.base);
    }
    PQclear (result);
}

void
scheduling_rosters_list (kefu_call_t *call)
{
    const Kefu__V1__ListRostersRequest *request =
        (const Kefu__V1__ListRostersRequest *)kefu_call_payload (call);
    uint32_t limit = request->limit ? request->limit : LIST_DEFAULT;
    int year, month;
    if (!kefu_call_roles_require (call, ROSTER_READERS,
                                  "only a shift lead, supervisor, manager or admin may do this") ||
        !kefu_call_check_page (call, limit, request->after, LIST_MAX) ||
        (*request->site_code && !code_ok (call, "site_code", request->site_code)))
        return;
    char first_day[SCHEDULING_DATE_TEXT_SIZE];
    if (*request->month) {
        if (!scheduling_month_parse (request->month, &year, &month)) {
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "month",
                            "month must be YYYY-MM, e.g. 2026-03");
            return;
        }
        scheduling_date_format (kefu_time_days_from_civil (year, month, 1), first_day);
    }
    /*  One row more than asked tells whether there is a next page. */
    PGresult *result = scheduling_rosters_store_rosters (
        kefu_call_db (call), request->after, *request->site_code ? request->site_code : NULL,
        *request->month ? first_day : NULL, (int)limit + 1);
    if (!result) {
        kefu_call_fail_db (call);
        return;
    }
    size_t rows = (size_t)PQntuples (result), shown = rows > limit ? limit : rows;
    Kefu__V1__Roster *items = calloc (shown ? shown : 1, sizeof *items);
    Kefu__V1__Roster **pointers = calloc (shown ? shown : 1, sizeof *pointers);
    if (!items || !pointers)
        kefu_call_fail (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "out of memory");
    else {
        for (size_t i = 0; i < shown; i++) {
            roster_from_row (result, (int)i, &items[i]);
            pointers[i] = &items[i];
        }
        Kefu__V1__RosterList reply = KEFU__V1__ROSTER_LIST__INIT;
        reply.n_items = shown;
        reply.items = pointers;
        reply.next = rows > limit ? items[shown - 1].id : 0;
        kefu_call_reply (call, &reply.base);
    }
    free (items);
    free (pointers);
    PQclear (result);
}

/* --- rosters.assign, rosters.assign_bulk ----------------------------------- */

/*  What an assignment answer owns: the inserted rows and the messages
 *  borrowing from them. */
typedef struct {
    PGresult **rows;
    Kefu__V1__RosterShift *items;
    Kefu__V1__RosterShift **pointers;
    size_t count;
} assigned_t;

static void
assigned_release (assigned_t *assigned)
{
    for (size_t i = 0; assigned->rows && i < assigned->count; i++)
        PQclear (assigned->rows[i]);
    free (assigned->rows);
    free (assigned->items);
    free (assigned->pointers);
    memset (assigned, 0, sizeof *assigned);
}

/*  A roster shift message borrowing row `row` of `result`. */
static void
roster_shift_from_row_at (const PGresult *result, int row, Kefu__V1__RosterShift *shift)
{
    kefu__v1__roster_shift__init (shift);
    shift->id = kefu_db_int64 (result, row, ROSTER_SHIFT_ID);
    shift->roster_id = kefu_db_int64 (result, row, ROSTER_SHIFT_ROSTER);
    shift->staff_no = PQgetvalue (result, row, ROSTER_SHIFT_STAFF_NO);
    shift->date = PQgetvalue (result, row, ROSTER_SHIFT_DAY);
    shift->template_code = PQgetvalue (result, row, ROSTER_SHIFT_TEMPLATE);
    shift->starts_at = PQgetvalue (result, row, ROSTER_SHIFT_STARTS_AT);
    shift->ends_at = PQgetvalue (result, row, ROSTER_SHIFT_ENDS_AT);
    shift->site_zone = PQgetvalue (result, row, ROSTER_SHIFT_ZONE);
}

static void
roster_shift_from_row (const PGresult *result, Kefu__V1__RosterShift *shift)
{
    roster_shift_from_row_at (result, 0, shift);
}

void
scheduling_rosters_shifts (kefu_call_t *call)
{
    const Kefu__V1__ListRosterShiftsRequest *request =
        (const Kefu__V1__ListRosterShiftsRequest *)kefu_call_payload (call);
    uint32_t limit = request->limit ? request->limit : LIST_DEFAULT;
    if (!kefu_call_roles_require (call, ROSTER_READERS,
                                  "only a shift lead, supervisor, manager or admin may do this") ||
        !kefu_call_check_page (call, limit, request->after, LIST_MAX))
        return;
    if (*request->staff_no && !scheduling_staff_no_valid (request->staff_no)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "staff_no",
                        "staff_no must be 1 to %d of A-Z a-z 0-9 _ -", SCHEDULING_STAFF_NO_MAX);
        return;
    }
    kefu_db_t *db = kefu_call_db (call);
    PGresult *roster = NULL, *result = NULL;
    Kefu__V1__RosterShift *items = NULL;
    Kefu__V1__RosterShift **pointers = NULL;
    int found = scheduling_rosters_store_roster (db, request->roster_id, false, &roster);
    if (found < 0 ||
        (found == 0 && !(result = scheduling_rosters_store_roster_shifts (
                             db, request->roster_id, request->after,
                             *request->staff_no ? request->staff_no : NULL, (int)limit + 1)))) {
        kefu_call_fail_db (call);
        goto done;
    }
    if (found == 1) {
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                        "roster %" PRId64 " not found", request->roster_id);
        goto done;
    }
    size_t rows = (size_t)PQntuples (result), shown = rows > limit ? limit : rows;
    items = calloc (shown ? shown : 1, sizeof *items);
    pointers = calloc (shown ? shown : 1, sizeof *pointers);
    if (!items || !pointers) {
        kefu_call_fail (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < shown; i++) {
        roster_shift_from_row_at (result, (int)i, &items[i]);
        pointers[i] = &items[i];
    }
    Kefu__V1__RosterShiftPage reply = KEFU__V1__ROSTER_SHIFT_PAGE__INIT;
    reply.n_items = shown;
    reply.items = pointers;
    reply.next = rows > limit ? items[shown - 1].id : 0;
    kefu_call_reply (call, &reply.base);
done:
    free (items);
    free (pointers);
    PQclear (result);
    PQclear (roster);
}

/*  The field path of an assignment's field: "staff_no" for a single one,
 *  "items[3].staff_no" in a batch. */
static const char *
item_field (bool batch, size_t index, const char *field, char out[FIELD_PATH_MAX])
{
    if (!batch)
        return field;
    snprintf (out, FIELD_PATH_MAX, "items[%zu].%s", index, field);
    return out;
}

/*  Check the form of every assignment before anything is read. */
static bool
assignments_form_ok (kefu_call_t *call, Kefu__V1__RosterAssignment *const *items, size_t count,
                     bool batch)
{
    char path[FIELD_PATH_MAX];
    for (size_t i = 0; i < count; i++) {
        int64_t day;
        if (!scheduling_staff_no_valid (items[i]->staff_no)) {
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field",
                            item_field (batch, i, "staff_no", path),
                            "staff_no must be 1 to %d of A-Z a-z 0-9 _ -", SCHEDULING_STAFF_NO_MAX);
            return false;
        }
        if (!scheduling_date_parse (items[i]->date, &day)) {
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field",
                            item_field (batch, i, "date", path),
                            "date must be a local date YYYY-MM-DD");
            return false;
        }
        if (!code_ok (call, item_field (batch, i, "template_code", path), items[i]->template_code))
            return false;
    }
    return true;
}

/*  Assign `count` shifts to roster `roster_id` in one transaction: all or
 *  nothing. Answers the call (a RosterShift when !batch, else a
 *  RosterShiftList). */
static void
roster_assign (kefu_call_t *call, int64_t roster_id, Kefu__V1__RosterAssignment *const *items,
               size_t count, bool batch)
{
    if (!planner_ok (call))
        return;
    if (count == 0 || count > ASSIGN_BATCH_MAX) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "items",
                        "items must hold 1 to %d assignments", ASSIGN_BATCH_MAX);
        return;
    }
    if (!assignments_form_ok (call, items, count, batch))
        return;
    kefu_db_t *db = kefu_call_db (call);
    PGresult *roster = NULL, *template = NULL;
    scheduling_staff_rows_t person = {0};
    assigned_t assigned = {
        .rows = calloc (count, sizeof *assigned.rows),
        .items = calloc (count, sizeof *assigned.items),
        .pointers = calloc (count, sizeof *assigned.pointers),
    };
    char path[FIELD_PATH_MAX];
    if (!assigned.rows || !assigned.items || !assigned.pointers) {
        assigned_release (&assigned);
        kefu_call_fail (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "out of memory");
        return;
    }
    int locked = roster_lock_draft (call, roster_id, &roster);
    if (locked != 0) {
        assigned_release (&assigned);
        if (locked < 0)
            kefu_call_fail_db_rollback (call);
        return;
    }
    const kefu_tz_t *tz = roster_zone (roster);
    const char *zone = PQgetvalue (roster, 0, ROSTER_ZONE);
    int64_t first_day = kefu_db_int64 (roster, 0, ROSTER_FIRST_DAY);
    int64_t day_count = kefu_db_int64 (roster, 0, ROSTER_DAY_COUNT);
    if (kefu_db_int64 (roster, 0, ROSTER_SHIFT_COUNT) + (int64_t)count > ROSTER_SHIFTS_MAX) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__INVALID_ARGUMENT, "roster-full", "items",
                                 "a roster holds at most %d shifts", ROSTER_SHIFTS_MAX);
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        int64_t day;
        scheduling_date_parse (items[i]->date, &day);
        if (day < first_day || day >= first_day + day_count) {
            kefu_call_fail_rollback (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field",
                                     item_field (batch, i, "date", path),
                                     "%s is not a day of the roster's month %s", items[i]->date,
                                     PQgetvalue (roster, 0, ROSTER_MONTH));
            goto done;
        }
        int found = scheduling_store_staff_by_no (db, items[i]->staff_no, false, &person);
        if (found < 0)
            goto failed;
        if (found == 1) {
            kefu_call_fail_rollback (call, KEFU__V1__CODE__INVALID_ARGUMENT, "unknown-staff",
                                     item_field (batch, i, "staff_no", path), "no staff number %s",
                                     items[i]->staff_no);
            goto done;
        }
        found = scheduling_rosters_store_template (db, items[i]->template_code, &template);
        if (found < 0)
            goto failed;
        if (found == 1) {
            kefu_call_fail_rollback (call, KEFU__V1__CODE__INVALID_ARGUMENT, "unknown-template",
                                     item_field (batch, i, "template_code", path),
                                     "no shift template %s", items[i]->template_code);
            goto done;
        }
        int64_t starts_ms, ends_ms;
        scheduling_shift_on_day (tz, day, (int)kefu_db_int64 (template, 0, TEMPLATE_START),
                                 (int)kefu_db_int64 (template, 0, TEMPLATE_DURATION), &starts_ms,
                                 &ends_ms);
        int inserted = scheduling_rosters_store_shift_insert (
            db, roster_id, person.row.staff.id, items[i]->date, items[i]->template_code, starts_ms,
            ends_ms, zone, &assigned.rows[i]);
        if (inserted < 0)
            goto failed;
        if (inserted == 1) {
            kefu_call_fail_rollback (call, KEFU__V1__CODE__CONFLICT, "shift-assigned",
                                     item_field (batch, i, "date", path),
                                     "%s already works %s on %s in this roster", items[i]->staff_no,
                                     items[i]->template_code, items[i]->date);
            goto done;
        }
        assigned.count = i + 1;
        roster_shift_from_row (assigned.rows[i], &assigned.items[i]);
        assigned.pointers[i] = &assigned.items[i];
        scheduling_staff_rows_release (&person);
        PQclear (template);
        template = NULL;
    }
    Kefu__V1__RosterShiftList list = KEFU__V1__ROSTER_SHIFT_LIST__INIT;
    list.n_items = count;
    list.items = assigned.pointers;
    char resource[RESOURCE_MAX];
    roster_resource (roster_id, resource);
    if (scheduling_rosters_store_roster_touch (db, roster_id) != 0 ||
        kefu_outbox_append_message (db, "roster.shifts_assigned", resource, &list.base) != 0 ||
        kefu_audit_record (call, "roster.shifts_assigned", resource, NULL, (uint32_t)count) != 0 ||
        kefu_db_commit (db) != 0)
        goto failed;
    if (batch)
        kefu_call_reply (call, &list.base);
    else
        kefu_call_reply (call, &assigned.items[0].base);
    goto done;
failed:
    kefu_call_fail_db_rollback (call);
done:
    scheduling_staff_rows_release (&person);
    PQclear (template);
    PQclear (roster);
    assigned_release (&assigned);
}

void
scheduling_rosters_assign (kefu_call_t *call)
{
    const Kefu__V1__AssignRosterShiftRequest *request =
        (const Kefu__V1__AssignRosterShiftRequest *)kefu_call_payload (call);
    Kefu__V1__RosterAssignment item = KEFU__V1__ROSTER_ASSIGNMENT__INIT;
    item.staff_no = request->staff_no;
    item.date = request->date;
    item.template_code = request->template_code;
    Kefu__V1__RosterAssignment *items[] = {&item};
    roster_assign (call, request->roster_id, items, 1, false);
}

void
scheduling_rosters_assign_bulk (kefu_call_t *call)
{
    const Kefu__V1__AssignRosterShiftsRequest *request =
        (const Kefu__V1__AssignRosterShiftsRequest *)kefu_call_payload (call);
    roster_assign (call, request->roster_id, request->items, request->n_items, true);
}

/* --- rosters.remove_shift -------------------------------------------------- */

void
scheduling_rosters_remove_shift (kefu_call_t *call)
{
    const Kefu__V1__RemoveRosterShiftRequest *request =
        (const Kefu__V1__RemoveRosterShiftRequest *)kefu_call_payload (call);
    if (!planner_ok (call))
        return;
    char *end = NULL;
    long long shift_id = strtoll (request->shift_id, &end, 10);
    if (!*request->shift_id || *end || shift_id < 1 ||
        strspn (request->shift_id, "0123456789") != strlen (request->shift_id)) {
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                        "no shift %s in roster %" PRId64, request->shift_id, request->roster_id);
        return;
    }
    kefu_db_t *db = kefu_call_db (call);
    PGresult *roster = NULL, *removed = NULL;
    int locked = roster_lock_draft (call, request->roster_id, &roster);
    if (locked != 0) {
        if (locked < 0)
            kefu_call_fail_db_rollback (call);
        return;
    }
    int found = scheduling_rosters_store_shift_delete (db, request->roster_id, shift_id, &removed);
    if (found < 0)
        goto failed;
    if (found == 1) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                                 "no shift %lld in roster %" PRId64, shift_id, request->roster_id);
        PQclear (roster);
        return;
    }
    Kefu__V1__RosterShift shift;
    roster_shift_from_row (removed, &shift);
    char resource[RESOURCE_MAX];
    roster_resource (request->roster_id, resource);
    if (scheduling_rosters_store_roster_touch (db, request->roster_id) != 0 ||
        kefu_audit_commit_change (call, "roster.shift_removed", resource, NULL, 1, &shift.base) !=
            0)
        goto failed;
    PQclear (roster);
    PQclear (removed);
    return;
failed:
    PQclear (roster);
    PQclear (removed);
    kefu_call_fail_db_rollback (call);
}

/* --- coverage --------------------------------------------------------------- */

/*  The requirement as the API shows it: runs of consecutive half hours of
 *  one weekday needing the same number of agents, from rows of weekday,
 *  slot, agents ordered by both. */
typedef struct {
    Kefu__V1__CoverageRequirement items[COVERAGE_ITEMS_MAX];
    Kefu__V1__CoverageRequirement *pointers[COVERAGE_ITEMS_MAX];
    char clocks[COVERAGE_ITEMS_MAX][2][SCHEDULING_CLOCK_TEXT_SIZE];
    size_t count;
} coverage_runs_t;

static void
coverage_runs_from_rows (const PGresult *rows, coverage_runs_t *runs)
{
    runs->count = 0;
    int previous_weekday = 0, previous_slot = 0, previous_agents = 0;
    for (int i = 0; i < PQntuples (rows); i++) {
        int weekday = (int)kefu_db_int64 (rows, i, 0);
        int slot = (int)kefu_db_int64 (rows, i, 1);
        int agents = (int)kefu_db_int64 (rows, i, 2);
        bool continues = runs->count > 0 && weekday == previous_weekday &&
                         slot == previous_slot + 1 && agents == previous_agents;
        if (!continues) {
            Kefu__V1__CoverageRequirement *run = &runs->items[runs->count];
            kefu__v1__coverage_requirement__init (run);
            run->weekday = weekday;
            run->agents = agents;
            scheduling_clock_format (slot * SCHEDULING_COVERAGE_SLOT_MINUTES,
                                     runs->clocks[runs->count][0]);
            run->from = runs->clocks[runs->count][0];
            run->to = runs->clocks[runs->count][1];
            runs->pointers[runs->count] = run;
            runs->count++;
        }
        scheduling_clock_format ((slot + 1) * SCHEDULING_COVERAGE_SLOT_MINUTES,
                                 runs->clocks[runs->count - 1][1]);
        previous_weekday = weekday;
        previous_slot = slot;
        previous_agents = agents;
    }
}

/*  A coverage boundary "HH:MM" on the half hour; `field` for the answer. */
static bool
coverage_clock_ok (kefu_call_t *call, const char *text, bool is_end, const char *field, int *slot)
{
    int minute;
    if (scheduling_clock_parse (text, is_end, &minute) &&
        minute % SCHEDULING_COVERAGE_SLOT_MINUTES == 0) {
        *slot = minute / SCHEDULING_COVERAGE_SLOT_MINUTES;
        return true;
    }
    kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", field,
                    "%s must be a local time HH:MM on the hour or half hour%s", field,
                    is_end ? " (24:00 for midnight)" : "");
    return false;
}

void
scheduling_rosters_set_coverage (kefu_call_t *call)
{
    const Kefu__V1__SetRosterCoverageRequest *request =
        (const Kefu__V1__SetRosterCoverageRequest *)kefu_call_payload (call);
    if (!planner_ok (call))
        return;
    if (request->n_items > COVERAGE_ITEMS_MAX) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "items",
                        "items holds at most %d requirements", COVERAGE_ITEMS_MAX);
        return;
    }
    int32_t required[SCHEDULING_WEEKDAYS][SCHEDULING_COVERAGE_SLOTS_PER_DAY];
    memset (required, 0, sizeof required);
    char path[FIELD_PATH_MAX];
    for (size_t i = 0; i < request->n_items; i++) {
        const Kefu__V1__CoverageRequirement *item = request->items[i];
        int from, to;
        if (item->weekday < 1 || item->weekday > SCHEDULING_WEEKDAYS) {
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field",
                            item_field (true, i, "weekday", path),
                            "weekday must be 1 (Monday) to 7 (Sunday)");
            return;
        }
        if (!coverage_clock_ok (call, item->from, false, item_field (true, i, "from", path),
                                &from) ||
            !coverage_clock_ok (call, item->to, true, item_field (true, i, "to", path), &to))
            return;
        if (to <= from) {
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field",
                            item_field (true, i, "to", path),
                            "to must be after from (24:00 for midnight)");
            return;
        }
        if (item->agents < 1 || item->agents > COVERAGE_AGENTS_MAX) {
            kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field",
                            item_field (true, i, "agents", path), "agents must be from 1 to %d",
                            COVERAGE_AGENTS_MAX);
            return;
        }
        for (int slot = from; slot < to; slot++) {
            if (required[item->weekday - 1][slot]) {
                kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field",
                                item_field (true, i, "from", path),
                                "items overlap on weekday %d at %02d:%02d", item->weekday, slot / 2,
                                slot % 2 * SCHEDULING_COVERAGE_SLOT_MINUTES);
                return;
            }
            required[item->weekday - 1][slot] = item->agents;
        }
    }
    /*  PostgreSQL array texts of the rows: "{1,1,2}". */
    kefu_strbuf_t weekdays, slots, agents;
    kefu_strbuf_init (&weekdays);
    kefu_strbuf_init (&slots);
    kefu_strbuf_init (&agents);
    kefu_strbuf_append (&weekdays, "{");
    kefu_strbuf_append (&slots, "{");
    kefu_strbuf_append (&agents, "{");
    bool first = true;
    for (int weekday = 0; weekday < SCHEDULING_WEEKDAYS; weekday++)
        for (int slot = 0; slot < SCHEDULING_COVERAGE_SLOTS_PER_DAY; slot++)
            if (required[weekday][slot]) {
                const char *comma = first ? "" : ",";
                kefu_strbuf_appendf (&weekdays, "%s%d", comma, weekday + 1);
                kefu_strbuf_appendf (&slots, "%s%d", comma, slot);
                kefu_strbuf_appendf (&agents, "%s%d", comma, (int)required[weekday][slot]);
                first = false;
            }
    kefu_strbuf_append (&weekdays, "}");
    kefu_strbuf_append (&slots, "}");
    kefu_strbuf_append (&agents, "}");
    kefu_db_t *db = kefu_call_db (call);
    PGresult *roster = NULL, *rows = NULL;
    coverage_runs_t *runs = calloc (1, sizeof *runs);
    if (!runs || !kefu_strbuf_ok (&weekdays) || !kefu_strbuf_ok (&slots) ||
        !kefu_strbuf_ok (&agents)) {
        kefu_call_fail (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "out of memory");
        goto done;
    }
    int locked = roster_lock_draft (call, request->roster_id, &roster);
    if (locked != 0) {
        if (locked < 0)
            kefu_call_fail_db_rollback (call);
        goto done;
    }
    char resource[RESOURCE_MAX];
    roster_resource (request->roster_id, resource);
    if (scheduling_rosters_store_coverage_set (db, request->roster_id, kefu_strbuf_data (&weekdays),
                                               kefu_strbuf_data (&slots),
                                               kefu_strbuf_data (&agents)) != 0 ||
        !(rows = scheduling_rosters_store_coverage (db, request->roster_id))) {
        kefu_call_fail_db_rollback (call);
        goto done;
    }
    coverage_runs_from_rows (rows, runs);
    Kefu__V1__RosterCoverage coverage = KEFU__V1__ROSTER_COVERAGE__INIT;
    coverage.roster_id = request->roster_id;
    coverage.n_items = runs->count;
    coverage.items = runs->pointers;
    if (scheduling_rosters_store_roster_touch (db, request->roster_id) != 0 ||
        kefu_audit_commit_change (call, "roster.coverage_set", resource, NULL, 1, &coverage.base) !=
            0)
        kefu_call_fail_db_rollback (call);
done:
    free (runs);
    PQclear (roster);
    PQclear (rows);
    kefu_strbuf_release (&weekdays);
    kefu_strbuf_release (&slots);
    kefu_strbuf_release (&agents);
}

void
scheduling_rosters_coverage (kefu_call_t *call)
{
    const Kefu__V1__RosterRef *request = (const Kefu__V1__RosterRef *)kefu_call_payload (call);
    if (!kefu_call_roles_require (call, ROSTER_READERS,
                                  "only a shift lead, supervisor, manager or admin may do this"))
        return;
    kefu_db_t *db = kefu_call_db (call);
    PGresult *roster = NULL, *rows = NULL;
    coverage_runs_t *runs = calloc (1, sizeof *runs);
    int found = runs ? scheduling_rosters_store_roster (db, request->id, false, &roster) : -1;
    if (!runs)
        kefu_call_fail (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "out of memory");
    else if (found < 0 ||
             (found == 0 && !(rows = scheduling_rosters_store_coverage (db, request->id))))
        kefu_call_fail_db (call);
    else if (found == 1)
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                        "roster %" PRId64 " not found", request->id);
    else {
        coverage_runs_from_rows (rows, runs);
        Kefu__V1__RosterCoverage coverage = KEFU__V1__ROSTER_COVERAGE__INIT;
        coverage.roster_id = request->id;
        coverage.n_items = runs->count;
        coverage.items = runs->pointers;
        kefu_call_reply (call, &coverage.base);
    }
    free (runs);
    PQclear (roster);
    PQclear (rows);
}

/* --- validation ------------------------------------------------------------- */

/*  Problems found, with their own copies of every text. */
typedef struct {
    Kefu__V1__RosterProblem *items;
    Kefu__V1__RosterProblem **pointers;
    size_t count; /* held */
    size_t found; /* found, held or not */
    bool failed;  /* out of memory */
} problems_t;

static void
problems_release (problems_t *problems)
{
    for (size_t i = 0; i < problems->count; i++) {
        free (problems->items[i].staff_no);
        free (problems->items[i].starts_at);
        free (problems->items[i].ends_at);
        free (problems->items[i].detail);
    }
    free (problems->items);
    free (problems->pointers);
    memset (problems, 0, sizeof *problems);
}

static char *
copy_text (const char *text)
{
    return strdup (text ? text : "");
}

/*  Add a problem (`rule` is static, the texts are copied). */
static void
problems_add (problems_t *problems, const char *rule, const char *staff_no, const char *starts_at,
              const char *ends_at, int32_t short_by, const char *detail)
{
    problems->found++;
    if (problems->count >= PROBLEMS_MAX || problems->failed)
        return;
    if (!problems->items) {
        problems->items = calloc (PROBLEMS_MAX, sizeof *problems->items);
        problems->pointers = calloc (PROBLEMS_MAX, sizeof *problems->pointers);
        if (!problems->items || !problems->pointers) {
            problems->failed = true;
            return;
        }
    }
    Kefu__V1__RosterProblem *problem = &problems->items[problems->count];
    kefu__v1__roster_problem__init (problem);
    problem->rule = (char *)rule;
    problem->staff_no = copy_text (staff_no);
    problem->starts_at = copy_text (starts_at);
    problem->ends_at = copy_text (ends_at);
    problem->short_by = short_by;
    problem->detail = copy_text (detail);
    problems->pointers[problems->count++] = problem;
    if (!problem->staff_no || !problem->starts_at || !problem->ends_at || !problem->detail)
        problems->failed = true;
}

/*  Every rule of SCH-3 over a roster (a ROSTER_* row): people not fit to
 *  work it, overlaps and short rest, coverage short of the requirement.
 *  Reads only. Returns 0 with *problems filled, -1 on a database failure. */
static int
roster_check (kefu_call_t *call, const PGresult *roster, problems_t *problems)
{
    const scheduling_state_t *state = kefu_call_state (call);
    kefu_db_t *db = kefu_call_db (call);
    int64_t id = kefu_db_int64 (roster, 0, ROSTER_ID);
    int64_t first_day = kefu_db_int64 (roster, 0, ROSTER_FIRST_DAY);
    int day_count = (int)kefu_db_int64 (roster, 0, ROSTER_DAY_COUNT);
    const kefu_tz_t *tz = roster_zone (roster);
    char detail[DETAIL_MAX];
    int rc = -1;
    PGresult *unfit = NULL, *rest = NULL, *coverage = NULL, *shifts = NULL;
    int64_t *starts = NULL, *ends = NULL;
    scheduling_coverage_gap_t *gaps = NULL;

    if (!tz || !(unfit = scheduling_rosters_store_unfit_staff (db, id)))
        goto done;
    for (int i = 0; i < PQntuples (unfit); i++) {
        const char *staff_no = PQgetvalue (unfit, i, 0), *status = PQgetvalue (unfit, i, 1);
        if (strcmp (status, "active") != 0) {
            snprintf (detail, sizeof detail, "%s is %s, not active", staff_no, status);
            problems_add (problems, "staff-inactive", staff_no, "", "", 0, detail);
        }
        if (!kefu_db_bool (unfit, i, 2)) {
            snprintf (detail, sizeof detail, "%s does not have the agent role", staff_no);
            problems_add (problems, "staff-not-agent", staff_no, "", "", 0, detail);
        }
    }

    int64_t month_from_ms = kefu_tz_day_minute_ms (tz, first_day, 0);
    int64_t month_until_ms = kefu_tz_day_minute_ms (tz, first_day + day_count, 0);
    rest = scheduling_rosters_store_rest_problems (
        db, id, month_from_ms - NEIGHBOUR_DAYS * (int64_t)MS_PER_DAY,
        month_until_ms + NEIGHBOUR_DAYS * (int64_t)MS_PER_DAY, state->roster_min_rest_ms);
    if (!rest)
        goto done;
    for (int i = 0; i < PQntuples (rest); i++) {
        const char *staff_no = PQgetvalue (rest, i, 0);
        bool overlap = kefu_db_bool (rest, i, 4);
        if (overlap)
            snprintf (detail, sizeof detail, "%s has a shift from %s that overlaps one ending %s",
                      staff_no, PQgetvalue (rest, i, 1), PQgetvalue (rest, i, 3));
        else
            snprintf (detail, sizeof detail,
                      "%s rests %" PRId64 " minutes before the shift from %s, less than %" PRId64,
                      staff_no, kefu_db_int64 (rest, i, 5), PQgetvalue (rest, i, 1),
                      state->roster_min_rest_ms / MS_PER_MINUTE);
        problems_add (problems, overlap ? "overlap" : "rest", staff_no, PQgetvalue (rest, i, 1),
                      PQgetvalue (rest, i, 2), 0, detail);
    }

    if (!(coverage = scheduling_rosters_store_coverage (db, id)))
        goto done;
    if (PQntuples (coverage) > 0) {
        int32_t required[SCHEDULING_WEEKDAYS][SCHEDULING_COVERAGE_SLOTS_PER_DAY];
        memset (required, 0, sizeof required);
        for (int i = 0; i < PQntuples (coverage); i++) {
            int weekday = (int)kefu_db_int64 (coverage, i, 0),
                slot = (int)kefu_db_int64 (coverage, i, 1);
            if (weekday >= 1 && weekday <= SCHEDULING_WEEKDAYS && slot >= 0 &&
                slot < SCHEDULING_COVERAGE_SLOTS_PER_DAY)
                required[weekday - 1][slot] = (int32_t)kefu_db_int64 (coverage, i, 2);
        }
        if (!(shifts = scheduling_rosters_store_covering_shifts (db, id)))
            goto done;
        size_t count = (size_t)PQntuples (shifts);
        starts = calloc (count ? count : 1, sizeof *starts);
        ends = calloc (count ? count : 1, sizeof *ends);
        gaps = calloc (PROBLEMS_MAX, sizeof *gaps);
        if (!starts || !ends || !gaps) {
            problems->failed = true;
            rc = 0;
            goto done;
        }
        for (size_t i = 0; i < count; i++) {
            starts[i] = kefu_db_int64 (shifts, (int)i, 0);
            ends[i] = kefu_db_int64 (shifts, (int)i, 1);
        }
        size_t gap_count;
        if (scheduling_coverage_gaps (
                tz, first_day, day_count,
                (const int32_t (*)[SCHEDULING_COVERAGE_SLOTS_PER_DAY])required, starts, ends, count,
                gaps, PROBLEMS_MAX, &gap_count) != 0) {
            problems->failed = true;
            rc = 0;
            goto done;
        }
        for (size_t i = 0; i < gap_count; i++) {
            if (i >= PROBLEMS_MAX) {
                problems->found += gap_count - i;
                break;
            }
            char starts_at[KEFU_TIME_TEXT_SIZE], ends_at[KEFU_TIME_TEXT_SIZE],
                local[SCHEDULING_LOCAL_TEXT_SIZE];
            kefu_time_format_rfc3339 (gaps[i].starts_ms, starts_at);
            kefu_time_format_rfc3339 (gaps[i].ends_ms, ends_at);
            scheduling_local_format (tz, gaps[i].starts_ms, local);
            snprintf (detail, sizeof detail,
                      "coverage short in the interval from %s by %d (%d required, %d scheduled)",
                      local, (int)(gaps[i].required - gaps[i].scheduled), (int)gaps[i].required,
                      (int)gaps[i].scheduled);
            problems_add (problems, "coverage", "", starts_at, ends_at,
                          gaps[i].required - gaps[i].scheduled, detail);
        }
    }
    rc = 0;
done:
    PQclear (unfit);
    PQclear (rest);
    PQclear (coverage);
    PQclear (shifts);
    free (starts);
    free (ends);
    free (gaps);
    return rc;
}

void
scheduling_rosters_validate (kefu_call_t *call)
{
    const Kefu__V1__RosterRef *request = (const Kefu__V1__RosterRef *)kefu_call_payload (call);
    if (!kefu_call_roles_require (call, ROSTER_READERS,
                                  "only a shift lead, supervisor, manager or admin may do this"))
        return;
    kefu_db_t *db = kefu_call_db (call);
    PGresult *roster = NULL;
    problems_t problems = {0};
    /*  One snapshot for every rule. */
    if (kefu_db_begin (db) != 0)
        goto failed;
    int found = scheduling_rosters_store_roster (db, request->id, false, &roster);
    if (found < 0)
        goto failed;
    if (found == 1) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                                 "roster %" PRId64 " not found", request->id);
        return;
    }
    if (roster_check (call, roster, &problems) != 0 || kefu_db_commit (db) != 0)
        goto failed;
    if (problems.failed) {
        kefu_call_fail (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "out of memory");
    } else {
        Kefu__V1__RosterValidation reply = KEFU__V1__ROSTER_VALIDATION__INIT;
        reply.roster_id = request->id;
        reply.valid = problems.found == 0;
        reply.n_problems = problems.count;
        reply.problem_count = (int32_t)problems.found;
        reply.problems = problems.pointers;
        kefu_call_reply (call, &reply.base);
    }
    problems_release (&problems);
    PQclear (roster);
    return;
failed:
    problems_release (&problems);
    PQclear (roster);
    kefu_call_fail_db_rollback (call);
}

/* --- rosters.publish -------------------------------------------------------- */

/*  The refusal of an invalid roster names as many problems as its detail
 *  holds; rosters.validate lists them all. */
static void
refuse_invalid (kefu_call_t *call, int64_t id, const problems_t *problems)
{
    kefu_strbuf_t text;
    kefu_strbuf_init (&text);
    kefu_strbuf_appendf (&text,
                         "roster %" PRId64 " breaks %zu rule%s (GET /v1/rosters/%" PRId64
                         "/validation lists them): ",
                         id, problems->found, problems->found == 1 ? "" : "s", id);
    for (size_t i = 0; i < problems->count && i < 3; i++)
        kefu_strbuf_appendf (&text, "%s%s: %s", i ? "; " : "", problems->items[i].rule,
                             problems->items[i].detail);
    kefu_call_fail_rollback (call, KEFU__V1__CODE__INVALID_ARGUMENT, "roster-invalid", NULL, "%s",
                             kefu_strbuf_ok (&text) ? kefu_strbuf_data (&text)
                                                    : "roster breaks its rules");
    kefu_strbuf_release (&text);
}

void
scheduling_rosters_publish (kefu_call_t *call)
{
    const Kefu__V1__RosterRef *request = (const Kefu__V1__RosterRef *)kefu_call_payload (call);
    if (!planner_ok (call))
        return;
    kefu_db_t *db = kefu_call_db (call);
    PGresult *roster = NULL;
    problems_t problems = {0};
    int locked = roster_lock_draft (call, request->id, &roster);
    if (locked != 0) {
        if (locked < 0)
            kefu_call_fail_db_rollback (call);
        return;
    }
    int32_t version = (int32_t)kefu_db_int64 (roster, 0, ROSTER_VERSION);
    if (request->version != 0 && request->version != version) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__STALE_VERSION, "stale-version", "If-Match",
                                 "roster %" PRId64 " is at version %d, not %d", request->id,
                                 (int)version, (int)request->version);
        goto done;
    }
    int64_t now_ms = kefu_time_now_ms ();
    if (kefu_db_bool (roster, 0, ROSTER_HOLIDAY)) {
        int64_t first_day = kefu_db_int64 (roster, 0, ROSTER_FIRST_DAY);
        int64_t starts_ms = kefu_tz_day_minute_ms (roster_zone (roster), first_day, 0);
        if (now_ms > starts_ms - HOLIDAY_NOTICE_DAYS * (int64_t)MS_PER_DAY) {
            kefu_call_fail_rollback (
                call, KEFU__V1__CODE__INVALID_ARGUMENT, "holiday-roster-late", NULL,
                "a holiday roster is published at least %d days before its first day (%s-01 local)",
                HOLIDAY_NOTICE_DAYS, PQgetvalue (roster, 0, ROSTER_MONTH));
            goto done;
        }
    }
    if (roster_check (call, roster, &problems) != 0)
        goto failed;
    if (problems.failed) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "out of memory");
        goto done;
    }
    if (problems.found > 0) {
        refuse_invalid (call, request->id, &problems);
        goto done;
    }
    PQclear (roster);
    roster = NULL;
    if (scheduling_rosters_store_roster_publish (db, request->id, kefu_call_actor (call)->staff_id,
                                                 now_ms) != 0 ||
        scheduling_rosters_store_roster (db, request->id, false, &roster) != 0)
        goto failed;
    Kefu__V1__Roster published;
    roster_from_row (roster, 0, &published);
    char resource[RESOURCE_MAX];
    roster_resource (request->id, resource);
    if (kefu_audit_commit_change (call, "roster.published", resource, NULL,
                                  (uint32_t)published.shift_count, &published.base) != 0)
        goto failed;
    goto done;
failed:
    kefu_call_fail_db_rollback (call);
done:
    problems_release (&problems);
    PQclear (roster);
}

/* --- exports ---------------------------------------------------------------- */

/*  A person's month of a roster as a document made by `make`: the person
 *  themself (from a published roster) or a reader of rosters (any). The
 *  export is an access to personal data: it is audited. */
static void
roster_export (kefu_call_t *call, const char *content_type, const char *extension,
               char *(*make) (const scheduling_export_header_t *, const scheduling_export_shift_t *,
                              size_t, size_t *))
{
    const Kefu__V1__RosterExportRequest *request =
        (const Kefu__V1__RosterExportRequest *)kefu_call_payload (call);
    const Kefu__V1__Actor *actor = kefu_call_actor (call);
    bool own = strcmp (actor->staff_id, request->staff_no) == 0;
    bool reader = (kefu_call_roles (call) & ROSTER_READERS) != 0;
    /*  Another person's roster is not an agent's to see, nor to learn
     *  exists: the same answer as for nobody. */
    if (!own && !reader) {
        kefu_call_fail (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                        "no roster of %s to export (an agent exports only their own)",
                        request->staff_no);
        return;
    }
    kefu_db_t *db = kefu_call_db (call);
    PGresult *roster = NULL, *rows = NULL;
    scheduling_staff_rows_t person = {0};
    scheduling_export_shift_t *shifts = NULL;
    char *body = NULL;
    if (kefu_db_begin (db) != 0)
        goto failed;
    int found = scheduling_rosters_store_roster (db, request->roster_id, false, &roster);
    if (found < 0)
        goto failed;
    if (found == 1) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                                 "roster %" PRId64 " not found", request->roster_id);
        goto done;
    }
    /*  A draft is the planners' until it is published. */
    if (!reader && roster_is_draft (roster)) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                                 "roster %" PRId64 " is not published yet", request->roster_id);
        goto done;
    }
    found = scheduling_store_staff_by_no (db, request->staff_no, false, &person);
    if (found < 0)
        goto failed;
    if (found == 1) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__NOT_FOUND, "not-found", NULL,
                                 "no staff number %s", request->staff_no);
        goto done;
    }
    if (!(rows =
              scheduling_rosters_store_export_shifts (db, request->roster_id, person.row.staff.id)))
        goto failed;
    size_t count = (size_t)PQntuples (rows);
    shifts = calloc (count ? count : 1, sizeof *shifts);
    if (!shifts) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        int row = (int)i;
        shifts[i] = (scheduling_export_shift_t){
            .id = kefu_db_int64 (rows, row, 0),
            .day = PQgetvalue (rows, row, 1),
            .template_code = PQgetvalue (rows, row, 2),
            .template_name = PQgetvalue (rows, row, 3),
            .starts_ms = kefu_db_int64 (rows, row, 4),
            .ends_ms = kefu_db_int64 (rows, row, 5),
            .version = (int32_t)kefu_db_int64 (rows, row, 6),
        };
    }
    const scheduling_export_header_t header = {
        .staff_no = person.row.staff.staff_no,
        .staff_name = person.row.staff.name,
        .site_code = PQgetvalue (roster, 0, ROSTER_SITE),
        .month = PQgetvalue (roster, 0, ROSTER_MONTH),
        .tz = roster_zone (roster),
        .published = !roster_is_draft (roster),
        .stamp_ms = kefu_time_now_ms (),
    };
    size_t length = 0;
    if (!header.tz || !(body = make (&header, shifts, count, &length))) {
        kefu_call_fail_rollback (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "out of memory");
        goto done;
    }
    char resource[RESOURCE_MAX], filename[RESOURCE_MAX];
    roster_resource (request->roster_id, resource);
    snprintf (filename, sizeof filename, "roster-%s-%s-%s.%s", header.site_code, header.month,
              header.staff_no, extension);
    char reason[RESOURCE_MAX];
    snprintf (reason, sizeof reason, "export of %s as %s", header.staff_no, extension);
    if (kefu_audit_record (call, "roster.exported", resource, reason, (uint32_t)count) != 0 ||
        kefu_db_commit (db) != 0)
        goto failed;
    Kefu__V1__Document document = KEFU__V1__DOCUMENT__INIT;
    document.content_type = (char *)content_type;
    document.filename = filename;
    document.body.data = (uint8_t *)body;
    document.body.len = length;
    kefu_call_reply (call, &document.base);
    goto done;
failed:
    kefu_call_fail_db_rollback (call);
done:
    free (body);
    free (shifts);
    PQclear (rows);
    PQclear (roster);
    scheduling_staff_rows_release (&person);
}

void
scheduling_rosters_export_csv (kefu_call_t *call)
{
    roster_export (call, CSV_TYPE, "csv", scheduling_export_csv);
}

void
scheduling_rosters_export_ical (kefu_call_t *call)
{
    roster_export (call, ICAL_TYPE, "ics", scheduling_export_ical);
}

/* --- on_duty.at ------------------------------------------------------------- */

void
scheduling_on_duty_at (kefu_call_t *call)
{
    const Kefu__V1__OnDutyRequest *request =
        (const Kefu__V1__OnDutyRequest *)kefu_call_payload (call);
    if (!kefu_call_roles_require (
            call, ON_DUTY_READERS,
            "only a shift lead, supervisor, manager, admin, auditor or integration may do this"))
        return;
    int64_t at_ms = request->at_ms;
    if (*request->at && !kefu_time_parse_rfc3339 (request->at, &at_ms)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "at",
                        "at must be an RFC 3339 date-time, e.g. 2026-03-16T09:00:00+08:00");
        return;
    }
    /*  Neither given: now, as the log-in rule asks. */
    if (!*request->at && at_ms == 0)
        at_ms = kefu_time_now_ms ();
    if (!kefu_call_check_text (call, "skill", request->skill, KEFU_TEXT_LINE, SKILL_MAX, false))
        return;
    kefu_role_t role;
    if (*request->role && !kefu_role_from_name (request->role, strlen (request->role), &role)) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "role",
                        "role: use agent, shift_lead, supervisor, manager, archivist, auditor, "
                        "admin, integration");
        return;
    }
    if (request->grace != 0 && request->grace != 1) {
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "invalid-field", "grace",
                        "grace must be 0 (the shift itself) or 1 (with the log-in grace)");
        return;
    }
    const scheduling_state_t *state = kefu_call_state (call);
    PGresult *result = scheduling_rosters_store_on_duty (
        kefu_call_db (call), at_ms, request->grace == 1, state->grace_before_ms,
        state->grace_after_ms, request->skill, request->role, ON_DUTY_MAX + 1);
    if (!result) {
        kefu_call_fail_db (call);
        return;
    }
    size_t count = (size_t)PQntuples (result);
    if (count > ON_DUTY_MAX) {
        PQclear (result);
        kefu_call_fail (call, KEFU__V1__CODE__INVALID_ARGUMENT, "on-duty-too-many", NULL,
                        "more than %d people are on duty: ask by skill or role", ON_DUTY_MAX);
        return;
    }
    Kefu__V1__OnDutyPerson *items = calloc (count ? count : 1, sizeof *items);
    Kefu__V1__OnDutyPerson **pointers = calloc (count ? count : 1, sizeof *pointers);
    Kefu__V1__OnDutyShift *shifts = calloc (count ? count : 1, sizeof *shifts);
    char *(*roles)[ROLES_MAX] = calloc (count ? count : 1, sizeof *roles);
    char (*times)[2][KEFU_TIME_TEXT_SIZE] = calloc (count ? count : 1, sizeof *times);
    char *role_texts = NULL;
    size_t role_bytes = 0;
    for (size_t i = 0; i < count; i++)
        role_bytes += (size_t)PQgetlength (result, (int)i, 2) + 1;
    role_texts = malloc (role_bytes ? role_bytes : 1);
    if (!items || !pointers || !shifts || !roles || !times || !role_texts)
        kefu_call_fail (call, KEFU__V1__CODE__INTERNAL, "internal", NULL, "out of memory");
    else {
        char *cursor = role_texts;
        for (size_t i = 0; i < count; i++) {
            int row = (int)i;
            kefu__v1__on_duty_person__init (&items[i]);
            kefu__v1__on_duty_shift__init (&shifts[i]);
            items[i].staff_no = PQgetvalue (result, row, 0);
            items[i].name = PQgetvalue (result, row, 1);
            kefu_time_format_rfc3339 (kefu_db_int64 (result, row, 3), times[i][0]);
            kefu_time_format_rfc3339 (kefu_db_int64 (result, row, 4), times[i][1]);
            shifts[i].start = times[i][0];
            shifts[i].end = times[i][1];
            items[i].shift = &shifts[i];
            /*  Roles are joined by commas (never in a role name). */
            size_t length = (size_t)PQgetlength (result, row, 2);
            memcpy (cursor, PQgetvalue (result, row, 2), length + 1);
            char *saveptr = NULL;
            for (char *name = strtok_r (cursor, ",", &saveptr);
                 name && items[i].n_roles < ROLES_MAX; name = strtok_r (NULL, ",", &saveptr))
                roles[i][items[i].n_roles++] = name;
            items[i].roles = roles[i];
            cursor += length + 1;
            pointers[i] = &items[i];
        }
        Kefu__V1__OnDutyList reply = KEFU__V1__ON_DUTY_LIST__INIT;
        reply.n_items = count;
        reply.items = pointers;
        kefu_call_reply (call, &reply.base);
    }
    free (items);
    free (pointers);
    free (shifts);
    free (roles);
    free (times);
    free (role_texts);
    PQclear (result);
}
