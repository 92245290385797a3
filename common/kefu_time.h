/*  kefu_time: timestamps on the wire and the clock.
 *
 *  All timestamps are UTC in storage and RFC 3339 on the wire (DESIGN.md
 *  §5 "Time"). The clock goes through kefu_time_now_ms() so that tests can
 *  drive it: in-process with kefu_time_set_fake, and across processes with
 *  KEFU_CLOCK_FILE.
 *
 *  KEFU_CLOCK_FILE (tests only) names a file holding a signed offset in
 *  milliseconds, added to the real clock. The clock keeps ticking, so
 *  timeouts and retries still work, and every process given the same file
 *  (gateway, services) agrees on the time. The file is re-read when its
 *  modification time changes; a missing or malformed file means offset 0.
 *  Domain time (deadlines, shifts, SLAs) must come from here, never from
 *  PostgreSQL's now(), or a test cannot drive it.
 */
#ifndef KEFU_TIME_H_INCLUDED
#define KEFU_TIME_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

/*  Milliseconds since the Unix epoch, from the real or the driven clock. */
int64_t kefu_time_now_ms (void);

/*  Milliseconds since the Unix epoch from the real clock, whatever a test
 *  does to kefu_time_now_ms: for transport timing that several processes
 *  compare (request deadlines, retry and poll intervals) and for logs, which
 *  must not lie. A driven clock set into the past would otherwise make every
 *  deadline look expired to a process that does not share the file. */
int64_t kefu_time_real_ms (void);

/*  Make kefu_time_now_ms() return `unix_ms` (tests); 0 restores the real
 *  clock. */
void kefu_time_set_fake (int64_t unix_ms);

/*  Parse an RFC 3339 date-time ("2026-11-25T09:30:00Z",
 *  "2026-11-25T17:30:00.250+08:00") into Unix milliseconds. Returns true on
 *  success; anything else, including impossible dates, is false. */
bool kefu_time_parse_rfc3339 (const char *text, int64_t *unix_ms);

/*  Format Unix milliseconds as "YYYY-MM-DDTHH:MM:SS.mmmZ" into `out`
 *  (at least KEFU_TIME_TEXT_SIZE bytes). */
enum { KEFU_TIME_TEXT_SIZE = 32 };
void kefu_time_format_rfc3339 (int64_t unix_ms, char *out);

/*  Civil dates in the proleptic Gregorian calendar, as days since
 *  1970-01-01 (negative before), with no time zone or locale involved
 *  (Howard Hinnant's algorithms). Months 1..12, days 1..31. */
int64_t kefu_time_days_from_civil (int64_t year, int month, int day);
void kefu_time_civil_from_days (int64_t days, int64_t *year, int *month, int *day);
int kefu_time_days_in_month (int year, int month);
bool kefu_time_leap_year (int64_t year);
/*  Read exactly `width` ASCII digits at *p into *value, advancing *p;
 *  false (and *p somewhere inside) if one is missing. */
bool kefu_time_read_digits (const char **p, int width, int *value);
/*  Read a date "YYYY-MM-DD" at *p, advancing *p past it; false if it is
 *  malformed or no such day exists (month 1..12, the month's days). */
bool kefu_time_read_date (const char **p, int *year, int *month, int *day);
/*  Day of the week of a day number: 0 = Monday ... 6 = Sunday (ISO 8601
 *  order, as call-centre rosters count). */
int kefu_time_weekday_of_days (int64_t days);

#endif
