/*  kefu_calendar: business calendars, and time counted in business hours.
 *
 *  A calendar is a time zone, weekly working hours (any number of intervals
 *  per weekday, up to KEFU_CALENDAR_INTERVALS_MAX, e.g. 09:00-12:00 and
 *  13:00-18:00) and dated exceptions: holidays (no working hours that day)
 *  and extra working days (the make-up workdays 调休 of Chinese public
 *  holidays: a Saturday worked with the hours of a given weekday). Used by
 *  SLA deadlines (TKT-7), and meant for anything else that counts working
 *  time: callback windows, rosters.
 *
 *  Hours are local wall-clock times of the calendar's zone, turned into
 *  instants day by day through kefu_tz, so a DST change shortens or
 *  lengthens that day's intervals exactly as the clocks on the wall do (an
 *  interval starting in a DST gap starts when the gap ends; a repeated hour
 *  counts twice). All instants are Unix milliseconds; durations are
 *  milliseconds of business time. Intervals are half-open [start, end), so
 *  adding business time that ends exactly at the close of a day gives that
 *  close, not the next morning's opening.
 *
 *  A calendar is built once (new, add_*) and then only read: the reading
 *  functions take a const pointer and may be called from several threads.
 */
#ifndef KEFU_CALENDAR_H_INCLUDED
#define KEFU_CALENDAR_H_INCLUDED

#include "kefu_tz.h"

#include <stdbool.h>
#include <stdint.h>

enum {
    /*  Working intervals on one weekday. */
    KEFU_CALENDAR_INTERVALS_MAX = 8,
    /*  Dated exceptions (holidays and extra working days) of one calendar:
     *  some ten years of a country's public holidays. */
    KEFU_CALENDAR_DATES_MAX = 1000,
    /*  How far adding business time looks for working hours, in days; a
     *  calendar with none in that span has no answer. */
    KEFU_CALENDAR_SEARCH_DAYS = 3660,
    KEFU_CALENDAR_WEEKDAYS = 7
};

typedef struct _kefu_calendar_t kefu_calendar_t;

/*  An empty calendar (no working hours) in zone `tz` (borrowed; zones from
 *  kefu_tz_get live for the whole process). NULL when out of memory. */
kefu_calendar_t *kefu_calendar_new (const kefu_tz_t *tz);
void kefu_calendar_destroy (kefu_calendar_t **self_p);

/*  Working hours on `weekday` (0 = Monday ... 6 = Sunday) from `start_s` to
 *  `end_s`, seconds after local midnight, 0 <= start_s < end_s <= 86400.
 *  Returns 0, or -1 when out of bounds, overlapping or touching another
 *  interval of that weekday, or one too many. */
int kefu_calendar_add_hours (kefu_calendar_t *self, int weekday, int32_t start_s, int32_t end_s);

/*  A holiday: no working hours on that local date. Returns 0, or -1 for an
 *  impossible date, a date already listed, or one too many. */
int kefu_calendar_add_holiday (kefu_calendar_t *self, int64_t year, int month, int day);

/*  An extra working day: that local date has the hours of `hours_of`
 *  (0 = Monday ... 6 = Sunday) whatever its own weekday. Same errors. */
int kefu_calendar_add_workday (kefu_calendar_t *self, int64_t year, int month, int day, int hours_of);

/*  True if the calendar has working hours on some weekday. */
bool kefu_calendar_has_hours (const kefu_calendar_t *self);

/*  The instant `business_ms` (>= 0) of business time after `start_ms`:
 *  0 when found, with *due_ms set; -1 when no working hours follow within
 *  KEFU_CALENDAR_SEARCH_DAYS days. Adding 0 gives `start_ms`. */
int kefu_calendar_add (const kefu_calendar_t *self, int64_t start_ms, int64_t business_ms, int64_t *due_ms);

/*  Business time between two instants (0 if `to_ms` <= `from_ms`). */
int64_t kefu_calendar_between (const kefu_calendar_t *self, int64_t from_ms, int64_t to_ms);

/*  --- Text forms shared by every API that defines calendars ------------ */

/*  "HH:MM" (00:00..24:00) as seconds after midnight. */
bool kefu_calendar_parse_clock (const char *text, int32_t *seconds);

/*  "YYYY-MM-DD", a real date. */
bool kefu_calendar_parse_date (const char *text, int64_t *year, int *month, int *day);

/*  "monday" ... "sunday" as 0..6. */
bool kefu_calendar_parse_weekday (const char *text, int *weekday);

#endif
