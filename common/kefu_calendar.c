/*  kefu_calendar: weekly hours and dated exceptions, walked day by day.
 *  See kefu_calendar.h.
 */
#include "kefu_calendar.h"
#include "kefu_time.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

enum {
    MS_PER_S = 1000,
    SECONDS_PER_HOUR = 3600,
    SECONDS_PER_MINUTE = 60,
    /*  Between two instants, at most this many days are walked: a
     *  century, far beyond any ticket, and a bound on bad input. */
    BETWEEN_DAYS_MAX = 36600
};

typedef struct {
    int32_t start_s;
    int32_t end_s;
} calendar_interval_t;

typedef enum { DATE_HOLIDAY, DATE_WORKDAY } calendar_date_kind_t;

typedef struct {
    int64_t day;                /* days since the epoch, local date */
    calendar_date_kind_t kind;
    int hours_of;               /* DATE_WORKDAY: whose hours */
} calendar_date_t;

struct _kefu_calendar_t {
    const kefu_tz_t *tz;
    calendar_interval_t hours[KEFU_CALENDAR_WEEKDAYS][KEFU_CALENDAR_INTERVALS_MAX];
    size_t hours_count[KEFU_CALENDAR_WEEKDAYS];
    calendar_date_t *dates;     /* sorted by day */
    size_t date_count;
};

kefu_calendar_t *
kefu_calendar_new (const kefu_tz_t *tz)
{
    assert (tz);
    kefu_calendar_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->tz = tz;
    return self;
}

void
kefu_calendar_destroy (kefu_calendar_t **self_p)
{
    assert (self_p);
    kefu_calendar_t *self = *self_p;
    if (!self)
        return;
    free (self->dates);
    free (self);
    *self_p = NULL;
}

int
kefu_calendar_add_hours (kefu_calendar_t *self, int weekday, int32_t start_s, int32_t end_s)
{
    if (weekday < 0 || weekday >= KEFU_CALENDAR_WEEKDAYS || start_s < 0 || end_s > KEFU_TZ_SECONDS_PER_DAY
        || start_s >= end_s)
        return -1;
    size_t count = self->hours_count[weekday];
    if (count == KEFU_CALENDAR_INTERVALS_MAX)
        return -1;
    calendar_interval_t *hours = self->hours[weekday];
    /*  Kept sorted; intervals that touch would better be written as one. */
    size_t at = 0;
    while (at < count && hours[at].start_s < start_s)
        at++;
    if ((at > 0 && hours[at - 1].end_s >= start_s) || (at < count && hours[at].start_s <= end_s))
        return -1;
    memmove (&hours[at + 1], &hours[at], (count - at) * sizeof *hours);
    hours[at] = (calendar_interval_t) { start_s, end_s };
    self->hours_count[weekday] = count + 1;
    return 0;
}

static int
calendar_add_date (kefu_calendar_t *self, int64_t year, int month, int day, calendar_date_kind_t kind, int hours_of)
{
    if (month < 1 || month > 12 || day < 1 || year < 1 || year > 9999 || day > kefu_time_days_in_month ((int) year, month)
        || self->date_count == KEFU_CALENDAR_DATES_MAX)
        return -1;
    int64_t number = kefu_time_days_from_civil (year, month, day);
    size_t at = 0;
    while (at < self->date_count && self->dates[at].day < number)
        at++;
    if (at < self->date_count && self->dates[at].day == number)
        return -1;
    calendar_date_t *dates = realloc (self->dates, (self->date_count + 1) * sizeof *dates);
    if (!dates)
        return -1;
    self->dates = dates;
    memmove (&dates[at + 1], &dates[at], (self->date_count - at) * sizeof *dates);
    dates[at] = (calendar_date_t) { number, kind, hours_of };
    self->date_count++;
    return 0;
}

int
kefu_calendar_add_holiday (kefu_calendar_t *self, int64_t year, int month, int day)
{
    return calendar_add_date (self, year, month, day, DATE_HOLIDAY, 0);
}

int
kefu_calendar_add_workday (kefu_calendar_t *self, int64_t year, int month, int day, int hours_of)
{
    if (hours_of < 0 || hours_of >= KEFU_CALENDAR_WEEKDAYS)
        return -1;
    return calendar_add_date (self, year, month, day, DATE_WORKDAY, hours_of);
}

bool
kefu_calendar_has_hours (const kefu_calendar_t *self)
{
    for (int weekday = 0; weekday < KEFU_CALENDAR_WEEKDAYS; weekday++)
        if (self->hours_count[weekday])
            return true;
    return false;
}

static const calendar_date_t *
calendar_find_date (const kefu_calendar_t *self, int64_t day)
{
    size_t low = 0, high = self->date_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (self->dates[middle].day < day)
            low = middle + 1;
        else
            high = middle;
    }
    return low < self->date_count && self->dates[low].day == day ? &self->dates[low] : NULL;
}

/*  The working intervals of local date `day` as instants (ms), in order;
 *  returns how many (empty ones, e.g. inside a DST gap, left out). */
static size_t
calendar_day_intervals (const kefu_calendar_t *self, int64_t day, int64_t starts[KEFU_CALENDAR_INTERVALS_MAX],
                        int64_t ends[KEFU_CALENDAR_INTERVALS_MAX])
{
    int weekday = kefu_time_weekday_of_days (day);
    const calendar_date_t *date = calendar_find_date (self, day);
    if (date && date->kind == DATE_HOLIDAY)
        return 0;
    if (date)
        weekday = date->hours_of;
    size_t count = 0;
    int64_t midnight = day * KEFU_TZ_SECONDS_PER_DAY;
    for (size_t i = 0; i < self->hours_count[weekday]; i++) {
        const calendar_interval_t *interval = &self->hours[weekday][i];
        int64_t start = kefu_tz_local_to_utc (self->tz, midnight + interval->start_s) * MS_PER_S;
        int64_t end = kefu_tz_local_to_utc (self->tz, midnight + interval->end_s) * MS_PER_S;
        if (end > start) {
            starts[count] = start;
            ends[count] = end;
            count++;
        }
    }
    return count;
}

static int64_t
floor_divide (int64_t value, int64_t divisor)
{
    return value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor);
}

/*  The local date of an instant, one day early: the walk starts there so
 *  that no interval containing the instant is missed, whatever the offset. */
static int64_t
calendar_first_day (const kefu_calendar_t *self, int64_t instant_ms)
{
    int64_t local_s = kefu_tz_utc_to_local (self->tz, floor_divide (instant_ms, MS_PER_S));
    return floor_divide (local_s, KEFU_TZ_SECONDS_PER_DAY) - 1;
}

int
kefu_calendar_add (const kefu_calendar_t *self, int64_t start_ms, int64_t business_ms, int64_t *due_ms)
{
    assert (business_ms >= 0);
    if (business_ms == 0) {
        *due_ms = start_ms;
        return 0;
    }
    int64_t remaining = business_ms;
    int64_t day = calendar_first_day (self, start_ms);
    for (int walked = 0; walked < KEFU_CALENDAR_SEARCH_DAYS; walked++, day++) {
        int64_t starts[KEFU_CALENDAR_INTERVALS_MAX], ends[KEFU_CALENDAR_INTERVALS_MAX];
        size_t count = calendar_day_intervals (self, day, starts, ends);
        for (size_t i = 0; i < count; i++) {
            if (ends[i] <= start_ms)
                continue;
            int64_t from = starts[i] > start_ms ? starts[i] : start_ms;
            int64_t available = ends[i] - from;
            if (remaining <= available) {
                *due_ms = from + remaining;
                return 0;
            }
            remaining -= available;
        }
    }
    return -1;
}

int64_t
kefu_calendar_between (const kefu_calendar_t *self, int64_t from_ms, int64_t to_ms)
{
    if (to_ms <= from_ms)
        return 0;
    int64_t total = 0;
    int64_t day = calendar_first_day (self, from_ms);
    for (int walked = 0; walked < BETWEEN_DAYS_MAX; walked++, day++) {
        int64_t starts[KEFU_CALENDAR_INTERVALS_MAX], ends[KEFU_CALENDAR_INTERVALS_MAX];
        size_t count = calendar_day_intervals (self, day, starts, ends);
        /*  The day's midnight is past `to_ms`: nothing further counts. */
        if (kefu_tz_local_to_utc (self->tz, day * KEFU_TZ_SECONDS_PER_DAY) * MS_PER_S >= to_ms)
            break;
        for (size_t i = 0; i < count; i++) {
            int64_t start = starts[i] > from_ms ? starts[i] : from_ms;
            int64_t end = ends[i] < to_ms ? ends[i] : to_ms;
            if (end > start)
                total += end - start;
        }
    }
    return total;
}

/* --- text forms ------------------------------------------------------------------ */

bool
kefu_calendar_parse_clock (const char *text, int32_t *seconds)
{
    const char *p = text;
    int hours, minutes;
    if (!kefu_time_read_digits (&p, 2, &hours) || *p++ != ':' || !kefu_time_read_digits (&p, 2, &minutes)
        || *p != '\0')
        return false;
    if (minutes > 59 || hours > 24 || (hours == 24 && minutes != 0))
        return false;
    *seconds = hours * SECONDS_PER_HOUR + minutes * SECONDS_PER_MINUTE;
    return true;
}

bool
kefu_calendar_parse_date (const char *text, int64_t *year, int *month, int *day)
{
    const char *p = text;
    int y, m, d;
    if (!kefu_time_read_date (&p, &y, &m, &d) || *p != '\0' || y < 1)
        return false;
    *year = y;
    *month = m;
    *day = d;
    return true;
}

bool
kefu_calendar_parse_weekday (const char *text, int *weekday)
{
    static const char *const names[KEFU_CALENDAR_WEEKDAYS] = {
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
    };
    for (int i = 0; i < KEFU_CALENDAR_WEEKDAYS; i++)
        if (strcmp (text, names[i]) == 0) {
            *weekday = i;
            return true;
        }
    return false;
}
