/*  Unit tests of kefu_tz (IANA zones from TZif files) and kefu_calendar
 *  (business time), the ground of SLA deadlines (TKT-7).
 */
#include "kefu_calendar.h"
#include "kefu_time.h"
#include "kefu_tz.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

enum { HOUR_S = 3600, HOUR_MS = 3600 * 1000, MINUTE_MS = 60 * 1000, THREADS = 4 };

static int64_t
at_ms (const char *rfc3339)
{
    int64_t ms;
    if (!kefu_time_parse_rfc3339 (rfc3339, &ms))
        fail_msg ("bad test time %s", rfc3339);
    return ms;
}

static int64_t
at_s (const char *rfc3339)
{
    return at_ms (rfc3339) / 1000;
}

/*  Local seconds of a wall-clock reading, as kefu_tz counts them. */
static int64_t
local_s (int64_t year, int month, int day, int hour, int minute)
{
    return kefu_time_days_from_civil (year, month, day) * KEFU_TZ_SECONDS_PER_DAY + hour * HOUR_S + minute * 60;
}

static const kefu_tz_t *
zone (const char *name)
{
    const char *problem = NULL;
    const kefu_tz_t *tz = kefu_tz_get (name, &problem);
    if (!tz)
        fail_msg ("%s: %s", name, problem);
    return tz;
}

/* --- kefu_tz ----------------------------------------------------------------------- */

static void
test_civil_days_round_trip (void **state)
{
    (void) state;
    int64_t year;
    int month, day;
    kefu_time_civil_from_days (kefu_time_days_from_civil (2026, 12, 4), &year, &month, &day);
    assert_int_equal (year, 2026);
    assert_int_equal (month, 12);
    assert_int_equal (day, 4);
    kefu_time_civil_from_days (-1, &year, &month, &day);
    assert_true (year == 1969 && month == 12 && day == 31);
    assert_int_equal (kefu_time_weekday_of_days (kefu_time_days_from_civil (2026, 12, 4)), 4);  /* a Friday */
    assert_int_equal (kefu_time_weekday_of_days (-1), 2);                                       /* a Wednesday */
}

/*  Shanghai has no DST today (its footer is "CST-8") but had some in
 *  1986-1991, which only the table knows. */
static void
test_shanghai_offsets (void **state)
{
    (void) state;
    const kefu_tz_t *shanghai = zone ("Asia/Shanghai");
    assert_string_equal (kefu_tz_name (shanghai), "Asia/Shanghai");
    assert_int_equal (kefu_tz_offset_at (shanghai, at_s ("2026-12-04T09:30:00Z")), 8 * HOUR_S);
    assert_int_equal (kefu_tz_offset_at (shanghai, at_s ("2026-07-01T00:00:00Z")), 8 * HOUR_S);
    assert_int_equal (kefu_tz_offset_at (shanghai, at_s ("1990-07-01T00:00:00Z")), 9 * HOUR_S);
    assert_int_equal (kefu_tz_offset_at (shanghai, at_s ("2300-07-01T00:00:00Z")), 8 * HOUR_S);
    assert_int_equal (kefu_tz_local_to_utc (shanghai, local_s (2026, 12, 4, 17, 30)), at_s ("2026-12-04T09:30:00Z"));
    assert_int_equal (kefu_tz_utc_to_local (shanghai, at_s ("2026-12-04T09:30:00Z")), local_s (2026, 12, 4, 17, 30));
}

/*  Berlin, 2026: CEST from 29 March 01:00 UTC to 25 October 01:00 UTC. */
static void
test_berlin_gap_and_overlap (void **state)
{
    (void) state;
    const kefu_tz_t *berlin = zone ("Europe/Berlin");
    assert_int_equal (kefu_tz_offset_at (berlin, at_s ("2026-03-29T00:59:59Z")), HOUR_S);
    assert_int_equal (kefu_tz_offset_at (berlin, at_s ("2026-03-29T01:00:00Z")), 2 * HOUR_S);
    assert_int_equal (kefu_tz_offset_at (berlin, at_s ("2026-10-25T00:59:59Z")), 2 * HOUR_S);
    assert_int_equal (kefu_tz_offset_at (berlin, at_s ("2026-10-25T01:00:00Z")), HOUR_S);
    /*  02:30 does not exist on 29 March: shifted forward to 03:30 CEST. */
    assert_int_equal (kefu_tz_local_to_utc (berlin, local_s (2026, 3, 29, 2, 30)), at_s ("2026-03-29T01:30:00Z"));
    assert_int_equal (kefu_tz_local_to_utc (berlin, local_s (2026, 3, 29, 3, 0)), at_s ("2026-03-29T01:00:00Z"));
    assert_int_equal (kefu_tz_local_to_utc (berlin, local_s (2026, 3, 29, 1, 59)), at_s ("2026-03-29T00:59:00Z"));
    /*  02:30 happens twice on 25 October: the first, in CEST. */
    assert_int_equal (kefu_tz_local_to_utc (berlin, local_s (2026, 10, 25, 2, 30)), at_s ("2026-10-25T00:30:00Z"));
    assert_int_equal (kefu_tz_local_to_utc (berlin, local_s (2026, 10, 25, 3, 0)), at_s ("2026-10-25T02:00:00Z"));
    /*  Far past the table: the footer's rule (CET-1CEST,M3.5.0,M10.5.0/3). */
    assert_int_equal (kefu_tz_offset_at (berlin, at_s ("2200-07-01T12:00:00Z")), 2 * HOUR_S);
    assert_int_equal (kefu_tz_offset_at (berlin, at_s ("2200-01-15T12:00:00Z")), HOUR_S);
    /*  2200-03-30 is the last Sunday of March 2200. */
    assert_int_equal (kefu_tz_offset_at (berlin, at_s ("2200-03-30T00:59:59Z")), HOUR_S);
    assert_int_equal (kefu_tz_offset_at (berlin, at_s ("2200-03-30T01:00:00Z")), 2 * HOUR_S);
    assert_int_equal (kefu_tz_local_to_utc (berlin, local_s (2200, 3, 30, 2, 30)), at_s ("2200-03-30T01:30:00Z"));
}

/*  Local days and times of day as instants (swaps, handovers): the day of an
 *  instant in the zone, and its midnight, 08:00 and 18:00 back as UTC, across
 *  Berlin's spring gap (a 23-hour day). */
static void
test_local_day_and_minute (void **state)
{
    (void) state;
    const kefu_tz_t *shanghai = zone ("Asia/Shanghai"), *berlin = zone ("Europe/Berlin");
    const int64_t ms = 1000;
    /*  2027-07-31T20:00Z is already 1 August in Shanghai. */
    assert_int_equal (kefu_tz_local_day (shanghai, at_s ("2027-07-31T20:00:00Z") * ms),
                      kefu_time_days_from_civil (2027, 8, 1));
    assert_int_equal (kefu_tz_local_day (shanghai, at_s ("2027-07-31T15:59:59Z") * ms),
                      kefu_time_days_from_civil (2027, 7, 31));
    int64_t day = kefu_time_days_from_civil (2029, 5, 11);
    assert_int_equal (kefu_tz_day_minute_ms (shanghai, day, 0), at_s ("2029-05-10T16:00:00Z") * ms);
    assert_int_equal (kefu_tz_day_minute_ms (shanghai, day, 8 * 60), at_s ("2029-05-11T00:00:00Z") * ms);
    assert_int_equal (kefu_tz_day_minute_ms (shanghai, day - 1, 18 * 60), at_s ("2029-05-10T10:00:00Z") * ms);
    int64_t spring = kefu_time_days_from_civil (2026, 3, 29);
    assert_int_equal (kefu_tz_day_minute_ms (berlin, spring + 1, 0) - kefu_tz_day_minute_ms (berlin, spring, 0),
                      23 * HOUR_S * ms);
    /*  Before 1970, days are negative and still floored. */
    assert_int_equal (kefu_tz_local_day (zone ("UTC"), -1), -1);
}

/*  New York: EDT from 8 March 2026 07:00 UTC, EST again from 1 November 06:00 UTC. */
static void
test_new_york_gap_and_overlap (void **state)
{
    (void) state;
    const kefu_tz_t *new_york = zone ("America/New_York");
    assert_int_equal (kefu_tz_offset_at (new_york, at_s ("2026-03-08T06:59:59Z")), -5 * HOUR_S);
    assert_int_equal (kefu_tz_offset_at (new_york, at_s ("2026-03-08T07:00:00Z")), -4 * HOUR_S);
    assert_int_equal (kefu_tz_local_to_utc (new_york, local_s (2026, 3, 8, 2, 30)), at_s ("2026-03-08T07:30:00Z"));
    assert_int_equal (kefu_tz_local_to_utc (new_york, local_s (2026, 11, 1, 1, 30)), at_s ("2026-11-01T05:30:00Z"));
    assert_int_equal (kefu_tz_offset_at (new_york, at_s ("2150-07-04T12:00:00Z")), -4 * HOUR_S);
}

/*  The southern hemisphere: DST spans the new year (Sydney's footer is
 *  AEST-10AEDT,M10.1.0,M4.1.0/3); and a footer with a quoted name. */
static void
test_southern_rule_and_quoted_names (void **state)
{
    (void) state;
    const kefu_tz_t *sydney = zone ("Australia/Sydney");
    assert_int_equal (kefu_tz_offset_at (sydney, at_s ("2200-01-15T00:00:00Z")), 11 * HOUR_S);
    assert_int_equal (kefu_tz_offset_at (sydney, at_s ("2200-07-01T00:00:00Z")), 10 * HOUR_S);
    assert_int_equal (kefu_tz_offset_at (sydney, at_s ("2026-12-25T00:00:00Z")), 11 * HOUR_S);
    const kefu_tz_t *gmt_plus_8 = zone ("Etc/GMT+8");     /* POSIX sign: eight hours west */
    assert_int_equal (kefu_tz_offset_at (gmt_plus_8, at_s ("2026-12-04T00:00:00Z")), -8 * HOUR_S);
    assert_int_equal (kefu_tz_offset_at (zone ("UTC"), at_s ("2026-12-04T00:00:00Z")), 0);
}

static void
test_zone_names_checked (void **state)
{
    (void) state;
    assert_true (kefu_tz_name_valid ("Asia/Shanghai"));
    assert_true (kefu_tz_name_valid ("Etc/GMT+8"));
    assert_true (kefu_tz_name_valid ("America/Argentina/Buenos_Aires"));
    assert_true (kefu_tz_name_valid ("UTC"));
    assert_false (kefu_tz_name_valid (""));
    assert_false (kefu_tz_name_valid ("../../etc/passwd"));
    assert_false (kefu_tz_name_valid ("Asia/../../etc/passwd"));
    assert_false (kefu_tz_name_valid ("/etc/passwd"));
    assert_false (kefu_tz_name_valid ("Asia//Shanghai"));
    assert_false (kefu_tz_name_valid ("Asia/Shanghai/"));
    assert_false (kefu_tz_name_valid ("Asia/.hidden"));
    assert_false (kefu_tz_name_valid ("Asia/Shang hai"));
    assert_false (kefu_tz_name_valid ("Asia/上海"));
    char long_name[KEFU_TZ_NAME_MAX + 2];
    memset (long_name, 'A', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    assert_false (kefu_tz_name_valid (long_name));

    const char *problem = NULL;
    assert_null (kefu_tz_get ("../../etc/passwd", &problem));
    assert_non_null (problem);
    problem = NULL;
    assert_null (kefu_tz_get ("Mars/Olympus_Mons", &problem));
    assert_non_null (problem);
    /*  A directory is no zone. */
    assert_null (kefu_tz_get ("Asia", &problem));
}

/*  KEFU_ZONEINFO_DIR: zones come from the directory set, and a file that
 *  is not TZif is refused, not misread. */
static void
test_zone_directory_override (void **state)
{
    (void) state;
    char directory[] = "/tmp/kefu-zoneinfo-XXXXXX";
    assert_non_null (mkdtemp (directory));
    char path[256];
    snprintf (path, sizeof path, "%s/Test", directory);
    assert_int_equal (mkdir (path, 0700), 0);
    snprintf (path, sizeof path, "%s/Test/Broken", directory);
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    fputs ("TZif2 but not really a zone file", file);
    fclose (file);

    char copy[256];
    snprintf (copy, sizeof copy, "%s/Test/Shanghai_Copy", directory);
    FILE *from = fopen ("/usr/share/zoneinfo/Asia/Shanghai", "rb");
    FILE *to = fopen (copy, "wb");
    assert_non_null (from);
    assert_non_null (to);
    char buffer[4096];
    size_t n;
    while ((n = fread (buffer, 1, sizeof buffer, from)) > 0)
        assert_int_equal (fwrite (buffer, 1, n, to), n);
    fclose (from);
    fclose (to);

    kefu_tz_set_directory (directory);
    const char *problem = NULL;
    assert_null (kefu_tz_get ("Test/Broken", &problem));
    assert_non_null (problem);
    const kefu_tz_t *copied = kefu_tz_get ("Test/Shanghai_Copy", &problem);
    assert_non_null (copied);
    assert_int_equal (kefu_tz_offset_at (copied, at_s ("2026-12-04T00:00:00Z")), 8 * HOUR_S);
    kefu_tz_set_directory (NULL);

    unlink (path);
    unlink (copy);
    snprintf (path, sizeof path, "%s/Test", directory);
    rmdir (path);
    rmdir (directory);
}

static void *
load_zone (void *arg)
{
    (void) arg;
    return (void *) kefu_tz_get ("Asia/Tokyo", NULL);
}

/*  Threads asking for one zone at once get the one cached copy. */
static void
test_zone_cache_shared_between_threads (void **state)
{
    (void) state;
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal (pthread_create (&threads[i], NULL, load_zone, NULL), 0);
    void *first = NULL;
    for (int i = 0; i < THREADS; i++) {
        void *loaded;
        pthread_join (threads[i], &loaded);
        assert_non_null (loaded);
        if (!first)
            first = loaded;
        assert_ptr_equal (loaded, first);
    }
    assert_ptr_equal (kefu_tz_get ("Asia/Tokyo", NULL), first);
}

/* --- kefu_calendar ----------------------------------------------------------------- */

/*  Monday to Friday 09:00-12:00 and 13:00-18:00: eight hours a day. */
static kefu_calendar_t *
office_calendar (const char *zone_name)
{
    kefu_calendar_t *calendar = kefu_calendar_new (zone (zone_name));
    assert_non_null (calendar);
    for (int weekday = 0; weekday < 5; weekday++) {
        assert_int_equal (kefu_calendar_add_hours (calendar, weekday, 9 * HOUR_S, 12 * HOUR_S), 0);
        assert_int_equal (kefu_calendar_add_hours (calendar, weekday, 13 * HOUR_S, 18 * HOUR_S), 0);
    }
    return calendar;
}

static int64_t
due (const kefu_calendar_t *calendar, const char *start, int64_t business_ms)
{
    int64_t result;
    assert_int_equal (kefu_calendar_add (calendar, at_ms (start), business_ms, &result), 0);
    return result;
}

/*  TKT-7: Friday 17:30 + 8 business hours, Monday a holiday: Tuesday 17:30. */
static void
test_weekend_and_holiday_skipped (void **state)
{
    (void) state;
    kefu_calendar_t *calendar = office_calendar ("Asia/Shanghai");
    assert_true (kefu_calendar_has_hours (calendar));
    assert_int_equal (due (calendar, "2026-12-04T17:30:00+08:00", 8 * HOUR_MS), at_ms ("2026-12-07T17:30:00+08:00"));
    assert_int_equal (kefu_calendar_add_holiday (calendar, 2026, 12, 7), 0);
    assert_int_equal (due (calendar, "2026-12-04T17:30:00+08:00", 8 * HOUR_MS), at_ms ("2026-12-08T17:30:00+08:00"));
    assert_int_equal (kefu_calendar_between (calendar, at_ms ("2026-12-04T17:30:00+08:00"),
                                             at_ms ("2026-12-08T17:30:00+08:00")),
                      8 * HOUR_MS);
    assert_int_equal (kefu_calendar_between (calendar, at_ms ("2026-12-04T17:30:00+08:00"),
                                             at_ms ("2026-12-08T17:29:00+08:00")),
                      8 * HOUR_MS - MINUTE_MS);
    kefu_calendar_destroy (&calendar);
    kefu_calendar_destroy (&calendar);
    assert_null (calendar);
}

/*  Intervals are half-open: work ending at the close ends at the close. */
static void
test_exact_at_interval_edges (void **state)
{
    (void) state;
    kefu_calendar_t *calendar = office_calendar ("Asia/Shanghai");
    assert_int_equal (due (calendar, "2026-12-04T17:00:00+08:00", HOUR_MS), at_ms ("2026-12-04T18:00:00+08:00"));
    assert_int_equal (due (calendar, "2026-12-04T17:00:00+08:00", HOUR_MS + 1), at_ms ("2026-12-07T09:00:00.001+08:00"));
    assert_int_equal (due (calendar, "2026-12-03T11:00:00+08:00", HOUR_MS), at_ms ("2026-12-03T12:00:00+08:00"));
    /*  Lunch does not count. */
    assert_int_equal (due (calendar, "2026-12-03T12:30:00+08:00", HOUR_MS), at_ms ("2026-12-03T14:00:00+08:00"));
    assert_int_equal (due (calendar, "2026-12-03T11:30:00+08:00", HOUR_MS), at_ms ("2026-12-03T13:30:00+08:00"));
    /*  Outside hours, the clock starts at the next opening. */
    assert_int_equal (due (calendar, "2026-12-05T10:00:00+08:00", 1000), at_ms ("2026-12-07T09:00:01+08:00"));
    assert_int_equal (due (calendar, "2026-12-03T20:00:00+08:00", 0), at_ms ("2026-12-03T20:00:00+08:00"));
    assert_int_equal (kefu_calendar_between (calendar, at_ms ("2026-12-05T10:00:00+08:00"),
                                             at_ms ("2026-12-06T10:00:00+08:00")),
                      0);
    assert_int_equal (kefu_calendar_between (calendar, at_ms ("2026-12-03T18:00:00+08:00"),
                                             at_ms ("2026-12-03T12:00:00+08:00")),
                      0);
    /*  A whole week: five days of eight hours. */
    assert_int_equal (kefu_calendar_between (calendar, at_ms ("2026-11-30T00:00:00+08:00"),
                                             at_ms ("2026-12-07T00:00:00+08:00")),
                      40 * (int64_t) HOUR_MS);
    kefu_calendar_destroy (&calendar);
}

/*  Make-up workdays (调休): a Saturday worked with Monday's hours. */
static void
test_extra_working_day (void **state)
{
    (void) state;
    kefu_calendar_t *calendar = office_calendar ("Asia/Shanghai");
    assert_int_equal (kefu_calendar_add_workday (calendar, 2026, 12, 5, 0), 0);
    assert_int_equal (due (calendar, "2026-12-04T17:30:00+08:00", 8 * HOUR_MS), at_ms ("2026-12-05T17:30:00+08:00"));
    assert_int_equal (kefu_calendar_add_workday (calendar, 2026, 12, 5, 0), -1);   /* listed already */
    assert_int_equal (kefu_calendar_add_holiday (calendar, 2026, 12, 5), -1);
    assert_int_equal (kefu_calendar_add_holiday (calendar, 2026, 2, 29), -1);      /* no such date */
    assert_int_equal (kefu_calendar_add_workday (calendar, 2026, 12, 12, 7), -1);  /* no such weekday */
    kefu_calendar_destroy (&calendar);
}

/*  A night desk, 22:00 to 06:00 every night: the interval crosses midnight
 *  as two, one each side. */
static void
test_hours_crossing_midnight (void **state)
{
    (void) state;
    kefu_calendar_t *calendar = kefu_calendar_new (zone ("Asia/Shanghai"));
    for (int weekday = 0; weekday < KEFU_CALENDAR_WEEKDAYS; weekday++) {
        assert_int_equal (kefu_calendar_add_hours (calendar, weekday, 22 * HOUR_S, KEFU_TZ_SECONDS_PER_DAY), 0);
        assert_int_equal (kefu_calendar_add_hours (calendar, weekday, 0, 6 * HOUR_S), 0);
    }
    assert_int_equal (due (calendar, "2026-12-07T23:00:00+08:00", 2 * HOUR_MS), at_ms ("2026-12-08T01:00:00+08:00"));
    assert_int_equal (due (calendar, "2026-12-08T05:00:00+08:00", 2 * HOUR_MS), at_ms ("2026-12-08T23:00:00+08:00"));
    assert_int_equal (kefu_calendar_between (calendar, at_ms ("2026-12-07T12:00:00+08:00"),
                                             at_ms ("2026-12-08T12:00:00+08:00")),
                      8 * HOUR_MS);
    kefu_calendar_destroy (&calendar);
}

/*  DST: the short night of 29 March 2026 in Berlin has five hours between
 *  00:00 and 06:00, the long one of 25 October seven. */
static void
test_dst_days_counted_as_lived (void **state)
{
    (void) state;
    kefu_calendar_t *calendar = kefu_calendar_new (zone ("Europe/Berlin"));
    assert_int_equal (kefu_calendar_add_hours (calendar, 6, 0, 6 * HOUR_S), 0);   /* Sundays */
    assert_int_equal (kefu_calendar_between (calendar, at_ms ("2026-03-28T12:00:00Z"), at_ms ("2026-03-30T12:00:00Z")),
                      5 * HOUR_MS);
    assert_int_equal (kefu_calendar_between (calendar, at_ms ("2026-10-24T12:00:00Z"), at_ms ("2026-10-26T12:00:00Z")),
                      7 * HOUR_MS);
    assert_int_equal (due (calendar, "2026-03-28T12:00:00Z", 5 * HOUR_MS), at_ms ("2026-03-29T06:00:00+02:00"));
    assert_int_equal (due (calendar, "2026-10-24T12:00:00Z", 7 * HOUR_MS), at_ms ("2026-10-25T06:00:00+01:00"));
    /*  An interval starting inside the gap starts when the clocks allow. */
    kefu_calendar_t *gap = kefu_calendar_new (zone ("Europe/Berlin"));
    assert_int_equal (kefu_calendar_add_hours (gap, 6, 2 * HOUR_S + 1800, 4 * HOUR_S), 0);
    assert_int_equal (due (gap, "2026-03-28T12:00:00Z", 1000), at_ms ("2026-03-29T03:30:01+02:00"));
    kefu_calendar_destroy (&gap);
    kefu_calendar_destroy (&calendar);
}

static void
test_bad_hours_refused (void **state)
{
    (void) state;
    kefu_calendar_t *calendar = kefu_calendar_new (zone ("Asia/Shanghai"));
    assert_false (kefu_calendar_has_hours (calendar));
    int64_t result;
    assert_int_equal (kefu_calendar_add (calendar, at_ms ("2026-12-04T09:00:00Z"), 1000, &result), -1);
    assert_int_equal (kefu_calendar_add_hours (calendar, 0, 9 * HOUR_S, 9 * HOUR_S), -1);
    assert_int_equal (kefu_calendar_add_hours (calendar, 0, 10 * HOUR_S, 9 * HOUR_S), -1);
    assert_int_equal (kefu_calendar_add_hours (calendar, 0, -1, 9 * HOUR_S), -1);
    assert_int_equal (kefu_calendar_add_hours (calendar, 0, 0, KEFU_TZ_SECONDS_PER_DAY + 1), -1);
    assert_int_equal (kefu_calendar_add_hours (calendar, 7, 0, HOUR_S), -1);
    assert_int_equal (kefu_calendar_add_hours (calendar, 0, 9 * HOUR_S, 12 * HOUR_S), 0);
    assert_int_equal (kefu_calendar_add_hours (calendar, 0, 11 * HOUR_S, 13 * HOUR_S), -1);   /* overlaps */
    assert_int_equal (kefu_calendar_add_hours (calendar, 0, 12 * HOUR_S, 13 * HOUR_S), -1);   /* touches */
    assert_int_equal (kefu_calendar_add_hours (calendar, 0, 8 * HOUR_S, 10 * HOUR_S), -1);
    for (int i = 1; i < KEFU_CALENDAR_INTERVALS_MAX; i++)
        assert_int_equal (kefu_calendar_add_hours (calendar, 0, (13 + i) * HOUR_S, (13 + i) * HOUR_S + 1800), 0);
    assert_int_equal (kefu_calendar_add_hours (calendar, 0, 23 * HOUR_S, 24 * HOUR_S), -1);   /* one too many */
    kefu_calendar_destroy (&calendar);
}

static void
test_text_forms (void **state)
{
    (void) state;
    int32_t seconds;
    assert_true (kefu_calendar_parse_clock ("09:30", &seconds));
    assert_int_equal (seconds, 9 * HOUR_S + 1800);
    assert_true (kefu_calendar_parse_clock ("24:00", &seconds));
    assert_int_equal (seconds, KEFU_TZ_SECONDS_PER_DAY);
    assert_false (kefu_calendar_parse_clock ("24:01", &seconds));
    assert_false (kefu_calendar_parse_clock ("9:30", &seconds));
    assert_false (kefu_calendar_parse_clock ("09:60", &seconds));
    assert_false (kefu_calendar_parse_clock ("09:30:00", &seconds));
    int64_t year;
    int month, day, weekday;
    assert_true (kefu_calendar_parse_date ("2028-02-29", &year, &month, &day));
    assert_false (kefu_calendar_parse_date ("2026-02-29", &year, &month, &day));
    assert_false (kefu_calendar_parse_date ("2026-12-7", &year, &month, &day));
    assert_false (kefu_calendar_parse_date ("2026-12-07T00:00", &year, &month, &day));
    assert_true (kefu_calendar_parse_weekday ("sunday", &weekday));
    assert_int_equal (weekday, 6);
    assert_false (kefu_calendar_parse_weekday ("Sunday", &weekday));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_civil_days_round_trip),
        cmocka_unit_test (test_shanghai_offsets),
        cmocka_unit_test (test_berlin_gap_and_overlap),
        cmocka_unit_test (test_local_day_and_minute),
        cmocka_unit_test (test_new_york_gap_and_overlap),
        cmocka_unit_test (test_southern_rule_and_quoted_names),
        cmocka_unit_test (test_zone_names_checked),
        cmocka_unit_test (test_zone_directory_override),
        cmocka_unit_test (test_zone_cache_shared_between_threads),
        cmocka_unit_test (test_weekend_and_holiday_skipped),
        cmocka_unit_test (test_exact_at_interval_edges),
        cmocka_unit_test (test_extra_working_day),
        cmocka_unit_test (test_hours_crossing_midnight),
        cmocka_unit_test (test_dst_days_counted_as_lived),
        cmocka_unit_test (test_bad_hours_refused),
        cmocka_unit_test (test_text_forms),
    };
    return cmocka_run_group_tests_name ("tz_calendar", tests, NULL, NULL);
}
