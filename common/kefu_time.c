/*  kefu_time: the clock and RFC 3339 timestamps. See kefu_time.h. */
#include "kefu_time.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
    /*  "-9223372036854775808\n" and some slack. */
    TIME_OFFSET_TEXT_MAX = 32
};

static atomic_llong fake_now_ms = 0;

/*  The driven clock of KEFU_CLOCK_FILE: the file's path, the offset read
 *  from it, and the modification time it was read at (re-read when it
 *  changes). Guarded by offset_lock: workers of one process share it. */
static pthread_once_t offset_once = PTHREAD_ONCE_INIT;
static const char *offset_path;
static pthread_mutex_t offset_lock = PTHREAD_MUTEX_INITIALIZER;
static struct timespec offset_mtime;
static int64_t offset_ms;

static void
offset_init (void)
{
    const char *path = getenv ("KEFU_CLOCK_FILE");
    offset_path = path && *path ? path : NULL;
}

int64_t
kefu_time_real_ms (void)
{
    struct timespec now;
    clock_gettime (CLOCK_REALTIME, &now);
    return (int64_t) now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/*  The offset in the clock file, re-read when the file changed. A missing
 *  or unreadable file is offset 0: the real clock. */
static int64_t
offset_read (void)
{
    struct stat st;
    if (stat (offset_path, &st) != 0) {
        pthread_mutex_lock (&offset_lock);
        offset_ms = 0;
        memset (&offset_mtime, 0, sizeof offset_mtime);
        pthread_mutex_unlock (&offset_lock);
        return 0;
    }
    pthread_mutex_lock (&offset_lock);
    if (st.st_mtim.tv_sec != offset_mtime.tv_sec || st.st_mtim.tv_nsec != offset_mtime.tv_nsec) {
        char text[TIME_OFFSET_TEXT_MAX + 1];
        ssize_t length = -1;
        int fd = open (offset_path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            length = read (fd, text, TIME_OFFSET_TEXT_MAX);
            close (fd);
        }
        int64_t value = 0;
        if (length > 0) {
            text[length] = '\0';
            char *end;
            errno = 0;
            long long parsed = strtoll (text, &end, 10);
            while (*end == '\n' || *end == ' ')
                end++;
            if (errno == 0 && end != text && *end == '\0')
                value = parsed;
        }
        offset_ms = value;
        offset_mtime = st.st_mtim;
    }
    int64_t value = offset_ms;
    pthread_mutex_unlock (&offset_lock);
    return value;
}

int64_t
kefu_time_now_ms (void)
{
    int64_t fake = atomic_load (&fake_now_ms);
    if (fake)
        return fake;
    pthread_once (&offset_once, offset_init);
    if (offset_path)
        return kefu_time_real_ms () + offset_read ();
    return kefu_time_real_ms ();
}

void
kefu_time_set_fake (int64_t unix_ms)
{
    atomic_store (&fake_now_ms, unix_ms);
}

/*  Read exactly `width` digits. */
bool
kefu_time_read_digits (const char **p, int width, int *value)
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
int64_t
kefu_time_days_from_civil (int64_t year, int month, int day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t year_of_era = year - era * 400;
    int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

bool
kefu_time_leap_year (int64_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int
kefu_time_days_in_month (int year, int month)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return month == 2 && kefu_time_leap_year (year) ? 29 : days[month - 1];
}

bool
kefu_time_read_date (const char **p, int *year, int *month, int *day)
{
    if (!kefu_time_read_digits (p, 4, year) || *(*p)++ != '-' || !kefu_time_read_digits (p, 2, month)
    ||  *(*p)++ != '-' || !kefu_time_read_digits (p, 2, day))
        return false;
    return *month >= 1 && *month <= 12 && *day >= 1 && *day <= kefu_time_days_in_month (*year, *month);
}

void
kefu_time_civil_from_days (int64_t days, int64_t *year, int *month, int *day)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t day_of_era = days - era * 146097;
    int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t month_index = (5 * day_of_year + 2) / 153;
    *day = (int) (day_of_year - (153 * month_index + 2) / 5 + 1);
    *month = (int) (month_index < 10 ? month_index + 3 : month_index - 9);
    *year = year_of_era + era * 400 + (*month <= 2);
}

int
kefu_time_weekday_of_days (int64_t days)
{
    /*  1970-01-01 was a Thursday (3 when Monday is 0). */
    int64_t weekday = (days + 3) % 7;
    return (int) (weekday < 0 ? weekday + 7 : weekday);
}

bool
kefu_time_parse_rfc3339 (const char *text, int64_t *unix_ms)
{
    const char *p = text;
    int year, month, day, hour, minute, second, millis = 0;
    if (!kefu_time_read_date (&p, &year, &month, &day) || (*p != 'T' && *p != 't' && *p != ' '))
        return false;
    p++;
    if (!kefu_time_read_digits (&p, 2, &hour) || *p++ != ':' || !kefu_time_read_digits (&p, 2, &minute)
    ||  *p++ != ':' || !kefu_time_read_digits (&p, 2, &second))
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
        if (!kefu_time_read_digits (&p, 2, &offset_hours) || *p++ != ':'
        ||  !kefu_time_read_digits (&p, 2, &offset_mins)
        ||  offset_hours > 23 || offset_mins > 59)
            return false;
        offset_minutes = sign * (offset_hours * 60 + offset_mins);
    }
    else
        return false;
    if (*p != '\0' || hour > 23 || minute > 59 || second > 60)
        return false;
    if (second == 60)
        second = 59;    /* a leap second: hold the clock at :59 */
    int64_t seconds = kefu_time_days_from_civil (year, month, day) * 86400 + hour * 3600 + minute * 60 + second
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
