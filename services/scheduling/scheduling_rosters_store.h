/*  scheduling_rosters_store: every SQL statement of sites, shift templates,
 *  rosters and on-duty (SCH-3, SCH-8). Tables: migrations/0003_rosters.sql
 *  and 0004_rosters_rules.sql.
 *
 *  Reads hand back the PGresult (the caller PQclear()s it) with the columns
 *  each function lists, so handlers borrow its strings for their replies
 *  without copying. Times go in as Unix milliseconds from kefu_time, never
 *  now(). Functions returning int give 0 on success, 1 where they say "not
 *  found" or "exists", -1 on a database failure (kefu_db_error); those
 *  returning PGresult give NULL on a failure.
 */
#ifndef SCHEDULING_ROSTERS_STORE_H_INCLUDED
#define SCHEDULING_ROSTERS_STORE_H_INCLUDED

#include "kefu_db.h"

#include <stdbool.h>
#include <stdint.h>

/*  Columns of a site: code, name, zone, created_at (RFC 3339). */
enum { SITE_CODE, SITE_NAME, SITE_ZONE, SITE_CREATED_AT };

/*  Insert a site; *result holds its row. 1 if the code is taken. */
int scheduling_rosters_store_site_insert (kefu_db_t *db, const char *code, const char *name,
                                          const char *zone, int64_t now_ms, PGresult **result);
/*  One site, locked, and whether a roster names it (column SITE_IN_USE).
 *  1 if there is none. */
enum { SITE_IN_USE = SITE_CREATED_AT + 1 };
int scheduling_rosters_store_site_lock (kefu_db_t *db, const char *code, PGresult **result);
/*  Rename, or move to another zone; *result holds the new row. */
int scheduling_rosters_store_site_update (kefu_db_t *db, const char *code, const char *name,
                                          const char *zone, PGresult **result);
int scheduling_rosters_store_site_delete (kefu_db_t *db, const char *code);
/*  Every site, by code (at most `limit`). */
PGresult *scheduling_rosters_store_sites (kefu_db_t *db, int limit);

/*  Columns of a template: code, name, start_minute, duration_minutes,
 *  is_night, created_at. */
enum {
    TEMPLATE_CODE,
    TEMPLATE_NAME,
    TEMPLATE_START,
    TEMPLATE_DURATION,
    TEMPLATE_NIGHT,
    TEMPLATE_CREATED_AT
};

int scheduling_rosters_store_template_insert (kefu_db_t *db, const char *code, const char *name,
                                              int start_minute, int duration_minutes, bool is_night,
                                              int64_t now_ms, PGresult **result);
PGresult *scheduling_rosters_store_templates (kefu_db_t *db, int limit);
/*  One template, locked, and whether a shift was cut from it (column
 *  TEMPLATE_IN_USE). 1 if there is none. */
enum { TEMPLATE_IN_USE = TEMPLATE_CREATED_AT + 1 };
int scheduling_rosters_store_template_lock (kefu_db_t *db, const char *code, PGresult **result);
int scheduling_rosters_store_template_update (kefu_db_t *db, const char *code, const char *name,
                                              int start_minute, int duration_minutes, bool is_night,
                                              PGresult **result);
int scheduling_rosters_store_template_delete (kefu_db_t *db, const char *code);
/*  One template by code. 1 if there is none. */
int scheduling_rosters_store_template (kefu_db_t *db, const char *code, PGresult **result);

/*  Columns of a roster: id, site_code, zone, month ("YYYY-MM"), status,
 *  holiday, version, shift_count, created_by, created_at, published_by,
 *  published_at ("" while a draft), first_day (days since 1970-01-01),
 *  day_count. */
enum {
    ROSTER_ID,
    ROSTER_SITE,
    ROSTER_ZONE,
    ROSTER_MONTH,
    ROSTER_STATUS,
    ROSTER_HOLIDAY,
    ROSTER_VERSION,
    ROSTER_SHIFT_COUNT,
    ROSTER_CREATED_BY,
    ROSTER_CREATED_AT,
    ROSTER_PUBLISHED_BY,
    ROSTER_PUBLISHED_AT,
    ROSTER_FIRST_DAY,
    ROSTER_DAY_COUNT
};

/*  Insert a draft roster for the site and month (first day given as
 *  "YYYY-MM-01"). 1 if the site has one for that month; 2 if no such site. */
int scheduling_rosters_store_roster_insert (kefu_db_t *db, const char *site_code,
                                            const char *first_day, bool holiday,
                                            const char *created_by, int64_t now_ms,
                                            PGresult **result);
/*  One roster; for_update locks it (every change to a roster does, so
 *  changes to one roster are serialised). 1 if there is none. */
int scheduling_rosters_store_roster (kefu_db_t *db, int64_t id, bool for_update, PGresult **result);
/*  Rosters with id > after, of `site_code` and month `first_day`
 *  ("YYYY-MM-01") when not NULL, by id, at most `limit` (ROSTER_* columns). */
PGresult *scheduling_rosters_store_rosters (kefu_db_t *db, int64_t after, const char *site_code,
                                            const char *first_day, int limit);
/*  A roster's shifts in force with id > after, of `staff_no` when not NULL,
 *  by id, at most `limit` (ROSTER_SHIFT_* columns). */
PGresult *scheduling_rosters_store_roster_shifts (kefu_db_t *db, int64_t roster_id, int64_t after,
                                                  const char *staff_no, int limit);
/*  version + 1, after a change to a draft. */
int scheduling_rosters_store_roster_touch (kefu_db_t *db, int64_t id);
/*  Publish: status, version + 1, who and when. */
int scheduling_rosters_store_roster_publish (kefu_db_t *db, int64_t id, const char *published_by,
                                             int64_t now_ms);

/*  Columns of a roster's shift: id, roster_id, staff_no, roster_day,
 *  template_code, starts_at, ends_at (RFC 3339), site_zone. */
enum {
    ROSTER_SHIFT_ID,
    ROSTER_SHIFT_ROSTER,
    ROSTER_SHIFT_STAFF_NO,
    ROSTER_SHIFT_DAY,
    ROSTER_SHIFT_TEMPLATE,
    ROSTER_SHIFT_STARTS_AT,
    ROSTER_SHIFT_ENDS_AT,
    ROSTER_SHIFT_ZONE
};

/*  Insert a shift of a draft roster; *result holds its row. 1 if the same
 *  person already has that template on that day in this roster. */
int scheduling_rosters_store_shift_insert (kefu_db_t *db, int64_t roster_id, int64_t staff_id,
                                           const char *day, const char *template_code,
                                           int64_t starts_ms, int64_t ends_ms, const char *zone,
                                           PGresult **result);
/*  Delete a shift of a draft roster; *result holds the row it had. 1 if
 *  the roster has no such shift. */
int scheduling_rosters_store_shift_delete (kefu_db_t *db, int64_t roster_id, int64_t shift_id,
                                           PGresult **result);

/*  Replace the roster's coverage requirement with `count` rows of
 *  (weekday 1..7, slot 0..47, agents), given as PostgreSQL array texts. */
int scheduling_rosters_store_coverage_set (kefu_db_t *db, int64_t roster_id, const char *weekdays,
                                           const char *slots, const char *agents);
/*  The requirement: rows of weekday, slot, agents. */
PGresult *scheduling_rosters_store_coverage (kefu_db_t *db, int64_t roster_id);

/*  Shifts of the roster worked by active agents, the ones coverage counts:
 *  rows of starts_ms, ends_ms. */
PGresult *scheduling_rosters_store_covering_shifts (kefu_db_t *db, int64_t roster_id);
/*  People with a shift in the roster who are not active or not agents:
 *  rows of staff_no, status, is_agent. */
PGresult *scheduling_rosters_store_unfit_staff (kefu_db_t *db, int64_t roster_id);
/*  Pairs of a person's shifts, one of them in the roster, that overlap or
 *  leave less than min_rest_ms between them, counting every shift in force
 *  (other published rosters, shifts outside rosters) within a day or two of
 *  the month [from_ms, until_ms): rows of staff_no, starts_at, ends_at (the
 *  later shift), previous_ends_at, overlap (bool), rest_minutes. */
PGresult *scheduling_rosters_store_rest_problems (kefu_db_t *db, int64_t roster_id, int64_t from_ms,
                                                  int64_t until_ms, int64_t min_rest_ms);

/*  A person's shifts in a roster, for an export: rows of id, roster_day,
 *  template_code, template name, starts_ms, ends_ms, version, staff name. */
PGresult *scheduling_rosters_store_export_shifts (kefu_db_t *db, int64_t roster_id,
                                                  int64_t staff_id);

/*  SCH-8: active people on a shift in force at at_ms, holding `skill` and
 *  `role` ("" for any); at most `limit`, by staff number: rows of
 *  staff_no, name, roles (comma-joined), starts_ms, ends_ms (their shift,
 *  the latest ending if two qualify). Without grace a shift holds
 *  [start, end); with_grace it holds [start - grace_before_ms,
 *  end + grace_after_ms], as the log-in rule (AUD-2) has it. */
PGresult *scheduling_rosters_store_on_duty (kefu_db_t *db, int64_t at_ms, bool with_grace,
                                            int64_t grace_before_ms, int64_t grace_after_ms,
                                            const char *skill, const char *role, int limit);

#endif
