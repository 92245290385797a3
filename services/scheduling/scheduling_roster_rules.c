/*  scheduling_roster_rules: local times, shifts on a day, coverage. See
 *  scheduling_roster_rules.h.
 */
#include "scheduling_roster_rules.h"

#include "kefu_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    MS_PER_SECOND = 1000,
    SECONDS_PER_MINUTE = 60,
    MINUTES_PER_HOUR = 60,
    HOURS_PER_DAY = 24,
    SECONDS_PER_HOUR = SECONDS_PER_MINUTE * MINUTES_PER_HOUR,
    MONTHS_PER_YEAR = 12,
    /*  Years a month or date may name: Unix time, four digits. */
    YEAR_MIN = 1970,
    YEAR_MAX = 9999
};

bool
scheduling_clock_parse (const char *text, bool allow_midnight_end, int *minute)
{
    const char *p = text;
    int hours, minutes;
    if (!kefu_time_read_digits (&p, 2, &hours) || *p++ != ':' ||
        !kefu_time_read_digits (&p, 2, &minutes) || *p)
        return false;
    if (minutes >= MINUTES_PER_HOUR)
        return false;
    if (hours == HOURS_PER_DAY && minutes == 0 && allow_midnight_end) {
        *minute = SCHEDULING_MINUTES_PER_DAY;
        return true;
    }
    if (hours >= HOURS_PER_DAY)
        return false;
    *minute = hours * MINUTES_PER_HOUR + minutes;
    return true;
}

void
scheduling_clock_format (int minute, char out[SCHEDULING_CLOCK_TEXT_SIZE])
{
    /*  Callers give 0 .. 1440; the bounds keep the text in its size. */
    unsigned bounded = minute < 0                            ? 0u
                       : minute > SCHEDULING_MINUTES_PER_DAY ? SCHEDULING_MINUTES_PER_DAY
                                                             : (unsigned)minute;
    snprintf (out, SCHEDULING_CLOCK_TEXT_SIZE, "%02u:%02u", (bounded / MINUTES_PER_HOUR) % 100u,
              bounded % MINUTES_PER_HOUR);
}

bool
scheduling_month_parse (const char *text, int *year, int *month)
{
    const char *p = text;
    if (!kefu_time_read_digits (&p, 4, year) || *p++ != '-' ||
        !kefu_time_read_digits (&p, 2, month) || *p)
        return false;
    return *year >= YEAR_MIN && *year <= YEAR_MAX && *month >= 1 && *month <= MONTHS_PER_YEAR;
}

bool
scheduling_date_parse (const char *text, int64_t *day)
{
    const char *p = text;
    int year, month, day_of_month;
    if (!kefu_time_read_date (&p, &year, &month, &day_of_month) || *p || year < YEAR_MIN)
        return false;
    *day = kefu_time_days_from_civil (year, month, day_of_month);
    return true;
}

void
scheduling_date_format (int64_t day, char out[SCHEDULING_DATE_TEXT_SIZE])
{
    int64_t year;
    int month, day_of_month;
    kefu_time_civil_from_days (day, &year, &month, &day_of_month);
    snprintf (out, SCHEDULING_DATE_TEXT_SIZE, "%04u-%02u-%02u", (unsigned)(year % 10000) % 10000u,
              (unsigned)month % 100u, (unsigned)day_of_month % 100u);
}

void
scheduling_shift_on_day (const kefu_tz_t *tz, int64_t day, int start_minute, int duration_minutes,
                         int64_t *starts_ms, int64_t *ends_ms)
{
    *starts_ms = kefu_tz_day_minute_ms (tz, day, start_minute);
    *ends_ms = kefu_tz_day_minute_ms (tz, day, start_minute + duration_minutes);
}

void
scheduling_local_format (const kefu_tz_t *tz, int64_t unix_ms, char out[SCHEDULING_LOCAL_TEXT_SIZE])
{
    int64_t unix_s = unix_ms / MS_PER_SECOND;
    int32_t offset = kefu_tz_offset_at (tz, unix_s);
    int64_t local_s = unix_s + offset;
    int64_t day = local_s / KEFU_TZ_SECONDS_PER_DAY;
    int64_t second_of_day = local_s % KEFU_TZ_SECONDS_PER_DAY;
    if (second_of_day < 0) {
        second_of_day += KEFU_TZ_SECONDS_PER_DAY;
        day--;
    }
    char date[SCHEDULING_DATE_TEXT_SIZE];
    scheduling_date_format (day, date);
    int32_t offset_minutes = (offset < 0 ? -offset : offset) / SECONDS_PER_MINUTE;
    snprintf (out, SCHEDULING_LOCAL_TEXT_SIZE, "%sT%02d:%02d:%02d%c%02d:%02d", date,
              (int)(second_of_day / SECONDS_PER_HOUR),
              (int)(second_of_day / SECONDS_PER_MINUTE % MINUTES_PER_HOUR),
              (int)(second_of_day % SECONDS_PER_MINUTE), offset < 0 ? '-' : '+',
              (int)(offset_minutes / MINUTES_PER_HOUR % 100),
              (int)(offset_minutes % MINUTES_PER_HOUR));
}

/*  The first index of sorted `values` (count of them) holding at least
 *  `value`; count if none. */
static size_t
first_at_least (const int64_t *values, size_t count, int64_t value)
{
    size_t low = 0, high = count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (values[middle] < value)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

int
scheduling_coverage_gaps (const kefu_tz_t *tz, int64_t first_day, int day_count,
                          const scheduling_requirement_t required, const int64_t *starts_ms,
                          const int64_t *ends_ms, size_t shift_count,
                          scheduling_coverage_gap_t *gaps, size_t gaps_max, size_t *gap_count)
{
    *gap_count = 0;
    size_t slots = (size_t)day_count * SCHEDULING_COVERAGE_SLOTS_PER_DAY;
    int64_t *bounds = calloc (slots + 1, sizeof *bounds);
    int32_t *covered = calloc (slots + 1, sizeof *covered);
    if (!bounds || !covered) {
        free (bounds);
        free (covered);
        return -1;
    }
    for (size_t i = 0; i <= slots; i++)
        bounds[i] =
            kefu_tz_day_minute_ms (tz, first_day, (int)(i * SCHEDULING_COVERAGE_SLOT_MINUTES));
    /*  Readings a DST start skips are shifted forward by kefu_tz, past the
     *  first real reading after the gap: taking the least of each bound and
     *  those after it turns the skipped intervals into empty ones, so the
     *  bounds ascend and the intervals that exist keep their true instants. */
    for (size_t i = slots; i-- > 0;)
        if (bounds[i] > bounds[i + 1])
            bounds[i] = bounds[i + 1];
    /*  A shift covers whole the intervals from the first bound at or after
     *  its start to the last bound at or before its end: +1 there, -1 after. */
    for (size_t s = 0; s < shift_count; s++) {
        size_t first = first_at_least (bounds, slots + 1, starts_ms[s]);
        size_t past = first_at_least (bounds, slots + 1, ends_ms[s] + 1);
        if (past == 0 || past - 1 <= first)
            continue;
        covered[first]++;
        covered[past - 1]--;
    }
    int32_t scheduled = 0;
    for (size_t i = 0; i < slots; i++) {
        scheduled += covered[i];
        if (bounds[i] == bounds[i + 1])
            continue;
        int64_t day = first_day + (int64_t)(i / SCHEDULING_COVERAGE_SLOTS_PER_DAY);
        int weekday = kefu_time_weekday_of_days (day);
        int32_t needed = required[weekday][i % SCHEDULING_COVERAGE_SLOTS_PER_DAY];
        if (scheduled >= needed)
            continue;
        if (*gap_count < gaps_max)
            gaps[*gap_count] = (scheduling_coverage_gap_t){.starts_ms = bounds[i],
                                                           .ends_ms = bounds[i + 1],
                                                           .required = needed,
                                                           .scheduled = scheduled};
        (*gap_count)++;
    }
    free (bounds);
    free (covered);
    return 0;
}
