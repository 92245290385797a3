/*  kefu_time: the clock and RFC 3339 timestamps. See kefu_time.h. */
#include "kefu_time.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static atomic_llong fake_now_ms = 0;

int64_t
kefu_time_now_ms (void)
{
    int64_t fake = atomic_load (&fake_now_ms);
    if (fake)
        return fake;
    struct timespec now;
    clock_gettime (CLOCK_REALTIME, &now);
    return (int64_t) now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

void
kefu_time_set_fake (int64_t unix_ms)
{
    atomic_store (&fake_now_ms, unix_ms);
}

/*  Read exactly `width` digits. */
static bool
read_digits (const char **p, int width, int *value)
{
    *value = 0;
    for (int i = 0; i < width; i++) {
        if (!isdigit ((unsigned char) **p))
            return false;
        *value = *value * 10 + (**p - '0');
        (*p)++;
    }
    return true;
}

/*  Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 *  days_from_civil), so no time zone or locale is involved. */
static int64_t
days_from_civil (int64_t year, int month, int day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t year_of_era = year - era * 400;
    int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

static int
days_in_month (int year, int month)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

bool
kefu_time_parse_rfc3339 (const char *text, int64_t *unix_ms)
{
    const char *p = text;
    int year, month, day, hour, minute, second, millis = 0;
    if (!read_digits (&p, 4, &year) || *p++ != '-' || !read_digits (&p, 2, &month) || *p++ != '-'
    ||  !read_digits (&p, 2, &day) || (*p != 'T' && *p != 't' && *p != ' '))
        return false;
    p++;
    if (!read_digits (&p, 2, &hour) || *p++ != ':' || !read_digits (&p, 2, &minute) || *p++ != ':'
    ||  !read_digits (&p, 2, &second))
        return false;
    if (*p == '.') {
        p++;
        int digits = 0;
        while (isdigit ((unsigned char) *p)) {
            if (digits < 3)
                millis = millis * 10 + (*p - '0');
            digits++;
            p++;
        }
        if (digits == 0 || digits > 9)
            return false;
        for (; digits < 3; digits++)
            millis *= 10;
    }
    int offset_minutes = 0;
    if (*p == 'Z' || *p == 'z')
        p++;
    else
    if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, offset_hours, offset_mins;
        if (!read_digits (&p, 2, &offset_hours) || *p++ != ':' || !read_digits (&p, 2, &offset_mins)
        ||  offset_hours > 23 || offset_mins > 59)
            return false;
        offset_minutes = sign * (offset_hours * 60 + offset_mins);
    }
    else
        return false;
    if (*p != '\0' || month < 1 || month > 12 || day < 1 || day > days_in_month (year, month)
    ||  hour > 23 || minute > 59 || second > 60)
        return false;
    if (second == 60)
        second = 59;    /* a leap second: hold the clock at :59 */
    int64_t seconds = days_from_civil (year, month, day) * 86400 + hour * 3600 + minute * 60 + second
                    - (int64_t) offset_minutes * 60;
    *unix_ms = seconds * 1000 + millis;
    return true;
}

void
kefu_time_format_rfc3339 (int64_t unix_ms, char *out)
{
    time_t seconds = (time_t) (unix_ms / 1000);
    int millis = (int) (unix_ms % 1000);
    if (millis < 0) {
        millis += 1000;
        seconds--;
    }
    struct tm tm;
    gmtime_r (&seconds, &tm);
    size_t n = strftime (out, KEFU_TIME_TEXT_SIZE, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf (out + n, KEFU_TIME_TEXT_SIZE - n, ".%03dZ", millis);
}
