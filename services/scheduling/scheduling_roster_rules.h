/*  scheduling_roster_rules: the arithmetic of rosters (SCH-3), without a
 *  database: local wall-clock times, a template's shift on a local day as
 *  UTC, and coverage of 30-minute intervals against a requirement.
 *
 *  Local time is that of the roster's site, resolved with common/kefu_tz
 *  (no TZ environment). The DST rule, decided once here and documented in
 *  README: a shift starts when the site's wall clock reads the template's
 *  start and ends when it reads start + duration, so "night 00:00–08:00"
 *  lasts 7 real hours on the night clocks go forward and 9 on the night
 *  they go back, and "late 16:00–24:00" always ends at local midnight. A
 *  wall-clock reading skipped by a DST start is read as kefu_tz does
 *  (shifted forward by the gap); a repeated one as its first instant.
 *
 *  Pure functions of their arguments: the unit test test_scheduling_rosters
 *  drives them.
 */
#ifndef SCHEDULING_ROSTER_RULES_H_INCLUDED
#define SCHEDULING_ROSTER_RULES_H_INCLUDED

#include "kefu_tz.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    SCHEDULING_MINUTES_PER_DAY = 1440,
    /*  Coverage is counted per half hour of local time. */
    SCHEDULING_COVERAGE_SLOT_MINUTES = 30,
    SCHEDULING_COVERAGE_SLOTS_PER_DAY =
        SCHEDULING_MINUTES_PER_DAY / SCHEDULING_COVERAGE_SLOT_MINUTES,
    SCHEDULING_WEEKDAYS = 7,
    /*  "HH:MM" and its NUL. */
    SCHEDULING_CLOCK_TEXT_SIZE = 6,
    /*  "YYYY-MM-DD" and its NUL. */
    SCHEDULING_DATE_TEXT_SIZE = 11,
    /*  "YYYY-MM" and its NUL. */
    SCHEDULING_MONTH_TEXT_SIZE = 8,
    /*  "YYYY-MM-DDTHH:MM:SS+HH:MM" and its NUL. */
    SCHEDULING_LOCAL_TEXT_SIZE = 26
};

/*  Parse "HH:MM" (00:00 .. 23:59, or 24:00 when allow_midnight_end) into
 *  minutes after midnight. False when malformed. */
bool scheduling_clock_parse (const char *text, bool allow_midnight_end, int *minute);

/*  Format minutes after midnight (0 .. 1440) as "HH:MM". */
void scheduling_clock_format (int minute, char out[SCHEDULING_CLOCK_TEXT_SIZE]);

/*  Parse "YYYY-MM" (a real month, years 1970 .. 9999) into year and month. */
bool scheduling_month_parse (const char *text, int *year, int *month);

/*  Parse "YYYY-MM-DD" into a day number (days since 1970-01-01). */
bool scheduling_date_parse (const char *text, int64_t *day);

/*  Format a day number as "YYYY-MM-DD". */
void scheduling_date_format (int64_t day, char out[SCHEDULING_DATE_TEXT_SIZE]);

/*  The shift of a template (local start minute, duration) on local day
 *  `day` in zone `tz`, as Unix milliseconds [*starts_ms, *ends_ms). */
void scheduling_shift_on_day (const kefu_tz_t *tz, int64_t day, int start_minute,
                              int duration_minutes, int64_t *starts_ms, int64_t *ends_ms);

/*  Unix milliseconds as local time in `tz` with its offset,
 *  "2026-03-29T08:00:00+02:00". */
void scheduling_local_format (const kefu_tz_t *tz, int64_t unix_ms,
                              char out[SCHEDULING_LOCAL_TEXT_SIZE]);

/*  The agents a roster needs: required[weekday - 1][slot]. */
typedef int32_t scheduling_requirement_t[SCHEDULING_WEEKDAYS][SCHEDULING_COVERAGE_SLOTS_PER_DAY];

/*  One 30-minute interval with fewer agents than required. */
typedef struct {
    int64_t starts_ms;
    int64_t ends_ms;
    int32_t required;
    int32_t scheduled;
} scheduling_coverage_gap_t;

/*  Count, for every 30-minute interval of local days first_day ..
 *  first_day + day_count - 1 in `tz`, the shifts [starts_ms[i], ends_ms[i])
 *  covering it whole, and report each interval with fewer than `required`
 *  into gaps (at most gaps_max; *gap_count is the number of gaps found,
 *  which may be more). Intervals a DST start skips do not exist and need
 *  nobody. Returns 0, or -1 when out of memory. */
int scheduling_coverage_gaps (const kefu_tz_t *tz, int64_t first_day, int day_count,
                              const scheduling_requirement_t required, const int64_t *starts_ms,
                              const int64_t *ends_ms, size_t shift_count,
                              scheduling_coverage_gap_t *gaps, size_t gaps_max, size_t *gap_count);

#endif
