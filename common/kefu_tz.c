/*  kefu_tz: TZif files and POSIX TZ rules, read without touching TZ. See
 *  kefu_tz.h; the file format is RFC 8536, the rule syntax POSIX.1
 *  (Base Definitions, 8.3 "TZ").
 */
#include "kefu_tz.h"
#include "kefu_time.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    /*  A TZif file is a few kB; anything far larger is not one. */
    TZ_FILE_MAX = 1024 * 1024,
    TZ_HEADER_SIZE = 44,
    TZ_V1_TIME_SIZE = 4,
    TZ_V2_TIME_SIZE = 8,
    TZ_TTINFO_SIZE = 6,
    TZ_V1_LEAP_SIZE = 8,
    TZ_V2_LEAP_SIZE = 12,
    /*  POSIX TZ rule times run to 167 hours (RFC 8536 §3.3.1). */
    TZ_RULE_HOURS_MAX = 167,
    TZ_SECONDS_PER_HOUR = 3600,
    TZ_SECONDS_PER_MINUTE = 60,
    TZ_MS_PER_SECOND = 1000,
    /*  Rule defaults: DST is one hour ahead, changes at 02:00, and with no
     *  dates given follows the US rule (POSIX leaves it open; glibc and
     *  tzcode use M3.2.0,M11.1.0). */
    TZ_DEFAULT_RULE_TIME = 2 * 3600,
    TZ_DAYS_PER_WEEK = 7,
    TZ_JULIAN_DAYS = 365,
    TZ_FEBRUARY_29_JULIAN = 60,
    /*  Around a local reading, transitions are looked for this far away:
     *  no zone changes its offset twice within a day. */
    TZ_SEARCH_WINDOW_S = 86400,
    TZ_PATH_MAX = 4096
};

#define TZ_DEFAULT_DIRECTORY "/usr/share/zoneinfo"

/*  When a rule changes the offset: a day of the year and a local time. */
typedef struct {
    char kind;          /* 'J' Julian 1..365 without Feb 29, 'D' 0..365 with, 'M' month.week.day */
    int day;            /* J, D */
    int month;          /* M: 1..12 */
    int week;           /* M: 1..5, 5 = the last */
    int weekday;        /* M: 0 = Sunday */
    int32_t time_s;     /* local time of the change, may be negative or past 24 h */
} tz_change_t;

/*  The footer's rule, offsets in seconds east of UTC. */
typedef struct {
    bool present;
    bool has_dst;
    int32_t std_offset;
    int32_t dst_offset;
    tz_change_t start;  /* into DST, at a standard-time reading */
    tz_change_t end;    /* out of DST, at a DST reading */
} tz_rule_t;

struct _kefu_tz_t {
    char name[KEFU_TZ_NAME_MAX + 1];
    size_t transition_count;
    int64_t *transitions;       /* sorted instants */
    int32_t *offsets_after;     /* offset from each transition on */
    int32_t initial_offset;     /* before the first transition: time type 0 */
    tz_rule_t rule;
    struct _kefu_tz_t *next;    /* the cache list */
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static kefu_tz_t *cache_head;
static char zone_directory[TZ_PATH_MAX] = TZ_DEFAULT_DIRECTORY;

void
kefu_tz_set_directory (const char *directory)
{
    pthread_mutex_lock (&cache_lock);
    snprintf (zone_directory, sizeof zone_directory, "%s", directory && *directory ? directory : TZ_DEFAULT_DIRECTORY);
    pthread_mutex_unlock (&cache_lock);
}

bool
kefu_tz_name_valid (const char *name)
{
    size_t length = strlen (name);
    if (length == 0 || length > KEFU_TZ_NAME_MAX)
        return false;
    bool part_start = true;
    for (const char *p = name; *p; p++) {
        char c = *p;
        if (c == '/') {
            if (part_start)
                return false;       /* empty part: "//", or a leading '/' */
            part_start = true;
            continue;
        }
        if (part_start && c == '.')
            return false;           /* ".", "..", hidden files */
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'
              || c == '+' || c == '-' || c == '.'))
            return false;
        part_start = false;
    }
    return !part_start;             /* no trailing '/' */
}

/* --- POSIX TZ rules ------------------------------------------------------------ */

/*  A zone abbreviation: 3+ letters, or <...> of letters, digits, + and -. */
static bool
rule_skip_name (const char **p)
{
    const char *s = *p;
    if (*s == '<') {
        s++;
        const char *begin = s;
        while (*s && *s != '>') {
            if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '+'
                  || *s == '-'))
                return false;
            s++;
        }
        if (*s != '>' || s - begin < 3)
            return false;
        *p = s + 1;
        return true;
    }
    const char *begin = s;
    while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
        s++;
    if (s - begin < 3)
        return false;
    *p = s;
    return true;
}

/*  [+-]hh[:mm[:ss]] with hours up to `hours_max`, as signed seconds. */
static bool
rule_read_time (const char **p, int hours_max, int32_t *seconds)
{
    const char *s = *p;
    int sign = 1;
    if (*s == '+' || *s == '-')
        sign = *s++ == '-' ? -1 : 1;
    int parts[3] = { 0, 0, 0 };
    for (int i = 0; i < 3; i++) {
        if (i > 0) {
            if (*s != ':')
                break;
            s++;
        }
        if (*s < '0' || *s > '9')
            return false;
        int value = 0, digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 3) {
            value = value * 10 + (*s++ - '0');
            digits++;
        }
        parts[i] = value;
    }
    if (parts[0] > hours_max || parts[1] > 59 || parts[2] > 59)
        return false;
    *seconds = sign * (parts[0] * TZ_SECONDS_PER_HOUR + parts[1] * TZ_SECONDS_PER_MINUTE + parts[2]);
    *p = s;
    return true;
}

static bool
rule_read_number (const char **p, int min, int max, int *value)
{
    const char *s = *p;
    if (*s < '0' || *s > '9')
        return false;
    long number = 0;
    while (*s >= '0' && *s <= '9' && number <= max)
        number = number * 10 + (*s++ - '0');
    if (number < min || number > max)
        return false;
    *value = (int) number;
    *p = s;
    return true;
}

/*  Jn | n | Mm.w.d, then an optional /time. */
static bool
rule_read_change (const char **p, tz_change_t *change)
{
    const char *s = *p;
    memset (change, 0, sizeof *change);
    if (*s == 'J') {
        s++;
        change->kind = 'J';
        if (!rule_read_number (&s, 1, TZ_JULIAN_DAYS, &change->day))
            return false;
    } else if (*s == 'M') {
        s++;
        change->kind = 'M';
        if (!rule_read_number (&s, 1, 12, &change->month) || *s++ != '.'
            || !rule_read_number (&s, 1, 5, &change->week) || *s++ != '.'
            || !rule_read_number (&s, 0, TZ_DAYS_PER_WEEK - 1, &change->weekday))
            return false;
    } else {
        change->kind = 'D';
        if (!rule_read_number (&s, 0, TZ_JULIAN_DAYS, &change->day))
            return false;
    }
    change->time_s = TZ_DEFAULT_RULE_TIME;
    if (*s == '/') {
        s++;
        if (!rule_read_time (&s, TZ_RULE_HOURS_MAX, &change->time_s))
            return false;
    }
    *p = s;
    return true;
}

/*  Parse a POSIX TZ string ("CET-1CEST,M3.5.0,M10.5.0/3"). */
static bool
rule_parse (const char *text, tz_rule_t *rule)
{
    memset (rule, 0, sizeof *rule);
    const char *p = text;
    int32_t west;
    if (!rule_skip_name (&p) || !rule_read_time (&p, 24, &west))
        return false;
    rule->std_offset = -west;
    rule->present = true;
    if (*p == '\0')
        return true;
    if (!rule_skip_name (&p))
        return false;
    rule->has_dst = true;
    rule->dst_offset = rule->std_offset + TZ_SECONDS_PER_HOUR;
    if (*p && *p != ',') {
        if (!rule_read_time (&p, 24, &west))
            return false;
        rule->dst_offset = -west;
    }
    if (*p == '\0') {
        const char *us_start = "M3.2.0", *us_end = "M11.1.0";
        return rule_read_change (&us_start, &rule->start) && rule_read_change (&us_end, &rule->end);
    }
    if (*p++ != ',' || !rule_read_change (&p, &rule->start) || *p++ != ',' || !rule_read_change (&p, &rule->end))
        return false;
    return *p == '\0';
}

/*  The day (days since the epoch) a change falls on in `year`. */
static int64_t
change_day (const tz_change_t *change, int64_t year)
{
    int64_t january_first = kefu_time_days_from_civil (year, 1, 1);
    if (change->kind == 'J')
        return january_first + change->day - 1
             + (kefu_time_leap_year (year) && change->day >= TZ_FEBRUARY_29_JULIAN ? 1 : 0);
    if (change->kind == 'D')
        return january_first + change->day;
    int64_t first = kefu_time_days_from_civil (year, change->month, 1);
    int first_weekday_from_sunday = (kefu_time_weekday_of_days (first) + 1) % TZ_DAYS_PER_WEEK;
    int64_t day = first + (change->weekday - first_weekday_from_sunday + TZ_DAYS_PER_WEEK) % TZ_DAYS_PER_WEEK
                + (int64_t) (change->week - 1) * TZ_DAYS_PER_WEEK;
    int64_t month_end = first + kefu_time_days_in_month ((int) year, change->month);
    while (day >= month_end)
        day -= TZ_DAYS_PER_WEEK;
    return day;
}

static int32_t
rule_offset_at (const tz_rule_t *rule, int64_t unix_s)
{
    if (!rule->has_dst)
        return rule->std_offset;
    int64_t local_days = unix_s + rule->std_offset;
    local_days = (local_days >= 0 ? local_days : local_days - (KEFU_TZ_SECONDS_PER_DAY - 1)) / KEFU_TZ_SECONDS_PER_DAY;
    int64_t year;
    int month, day;
    kefu_time_civil_from_days (local_days, &year, &month, &day);
    int64_t start = change_day (&rule->start, year) * KEFU_TZ_SECONDS_PER_DAY + rule->start.time_s - rule->std_offset;
    int64_t end = change_day (&rule->end, year) * KEFU_TZ_SECONDS_PER_DAY + rule->end.time_s - rule->dst_offset;
    bool dst = start < end ? (unix_s >= start && unix_s < end)        /* northern hemisphere */
                           : !(unix_s >= end && unix_s < start);      /* southern: DST spans new year */
    return dst ? rule->dst_offset : rule->std_offset;
}

/* --- TZif files -------------------------------------------------------------- */

static uint32_t
read_be32 (const unsigned char *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | (uint32_t) p[3];
}

static int64_t
read_be64 (const unsigned char *p)
{
    return (int64_t) ((uint64_t) read_be32 (p) << 32 | read_be32 (p + 4));
}

typedef struct {
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} tz_counts_t;

static bool
header_read (const unsigned char *data, size_t size, tz_counts_t *counts, char *version)
{
    if (size < TZ_HEADER_SIZE || memcmp (data, "TZif", 4) != 0)
        return false;
    *version = (char) data[4];
    counts->isutcnt = read_be32 (data + 20);
    counts->isstdcnt = read_be32 (data + 24);
    counts->leapcnt = read_be32 (data + 28);
    counts->timecnt = read_be32 (data + 32);
    counts->typecnt = read_be32 (data + 36);
    counts->charcnt = read_be32 (data + 40);
    /*  Bounded by the file size, so the products below cannot overflow. */
    return counts->typecnt >= 1 && counts->timecnt <= TZ_FILE_MAX && counts->typecnt <= TZ_FILE_MAX
        && counts->charcnt <= TZ_FILE_MAX && counts->leapcnt <= TZ_FILE_MAX && counts->isutcnt <= TZ_FILE_MAX
        && counts->isstdcnt <= TZ_FILE_MAX;
}

static size_t
block_size (const tz_counts_t *c, size_t time_size, size_t leap_size)
{
    return (size_t) c->timecnt * time_size + c->timecnt + (size_t) c->typecnt * TZ_TTINFO_SIZE + c->charcnt
         + (size_t) c->leapcnt * leap_size + c->isstdcnt + c->isutcnt;
}

/*  Fill `zone` from a TZif file's bytes; false if it is not a usable one. */
static bool
zone_parse (kefu_tz_t *zone, const unsigned char *data, size_t size)
{
    tz_counts_t counts;
    char version;
    if (!header_read (data, size, &counts, &version) || version < '2')
        return false;
    size_t skip = TZ_HEADER_SIZE + block_size (&counts, TZ_V1_TIME_SIZE, TZ_V1_LEAP_SIZE);
    if (skip > size || !header_read (data + skip, size - skip, &counts, &version))
        return false;
    const unsigned char *block = data + skip + TZ_HEADER_SIZE;
    size_t block_bytes = block_size (&counts, TZ_V2_TIME_SIZE, TZ_V2_LEAP_SIZE);
    if (skip + TZ_HEADER_SIZE + block_bytes > size)
        return false;
    const unsigned char *times = block;
    const unsigned char *indices = times + (size_t) counts.timecnt * TZ_V2_TIME_SIZE;
    const unsigned char *ttinfos = indices + counts.timecnt;

    zone->transition_count = counts.timecnt;
    if (counts.timecnt) {
        zone->transitions = calloc (counts.timecnt, sizeof *zone->transitions);
        zone->offsets_after = calloc (counts.timecnt, sizeof *zone->offsets_after);
        if (!zone->transitions || !zone->offsets_after)
            return false;
    }
    for (uint32_t i = 0; i < counts.timecnt; i++) {
        zone->transitions[i] = read_be64 (times + (size_t) i * TZ_V2_TIME_SIZE);
        if (i > 0 && zone->transitions[i] <= zone->transitions[i - 1])
            return false;
        if (indices[i] >= counts.typecnt)
            return false;
        zone->offsets_after[i] = (int32_t) read_be32 (ttinfos + (size_t) indices[i] * TZ_TTINFO_SIZE);
    }
    zone->initial_offset = (int32_t) read_be32 (ttinfos);

    /*  The footer: "\n<POSIX TZ>\n"; empty means no rule past the table. */
    const char *footer = (const char *) block + block_bytes;
    size_t footer_size = size - (skip + TZ_HEADER_SIZE + block_bytes);
    if (footer_size >= 2 && footer[0] == '\n') {
        const char *end = memchr (footer + 1, '\n', footer_size - 1);
        size_t length = end ? (size_t) (end - footer - 1) : 0;
        if (end && length > 0) {
            char text[KEFU_TZ_NAME_MAX * 2];
            if (length >= sizeof text)
                return false;
            memcpy (text, footer + 1, length);
            text[length] = '\0';
            if (!rule_parse (text, &zone->rule))
                return false;
        }
    }
    return true;
}

static void
zone_free (kefu_tz_t *zone)
{
    if (!zone)
        return;
    free (zone->transitions);
    free (zone->offsets_after);
    free (zone);
}

/*  Read and parse the zone file; NULL with *problem set on failure. */
static kefu_tz_t *
zone_load (const char *directory, const char *name, const char **problem)
{
    char path[TZ_PATH_MAX];
    if ((size_t) snprintf (path, sizeof path, "%s/%s", directory, name) >= sizeof path) {
        *problem = "the zone directory's path is too long";
        return NULL;
    }
    FILE *file = fopen (path, "rb");
    if (!file) {
        *problem = "is not a known IANA time zone";
        return NULL;
    }
    unsigned char *data = malloc (TZ_FILE_MAX);
    size_t size = data ? fread (data, 1, TZ_FILE_MAX, file) : 0;
    bool too_big = data && size == TZ_FILE_MAX;
    fclose (file);
    kefu_tz_t *zone = data ? calloc (1, sizeof *zone) : NULL;
    if (!zone) {
        free (data);
        *problem = "out of memory";
        return NULL;
    }
    snprintf (zone->name, sizeof zone->name, "%s", name);
    if (too_big || !zone_parse (zone, data, size)) {
        free (data);
        zone_free (zone);
        *problem = "is not a usable time zone (not a TZif version 2+ file)";
        return NULL;
    }
    free (data);
    return zone;
}

const kefu_tz_t *
kefu_tz_get (const char *name, const char **problem)
{
    const char *ignored;
    if (!problem)
        problem = &ignored;
    if (!name || !kefu_tz_name_valid (name)) {
        *problem = "is not a well-formed time zone name (like Asia/Shanghai)";
        return NULL;
    }
    pthread_mutex_lock (&cache_lock);
    kefu_tz_t *zone = cache_head;
    while (zone && strcmp (zone->name, name) != 0)
        zone = zone->next;
    if (!zone) {
        /*  Loading under the lock: a zone is read once per process, and a
         *  second thread asking for it waits instead of reading it again. */
        zone = zone_load (zone_directory, name, problem);
        if (zone) {
            zone->next = cache_head;
            cache_head = zone;
        }
    }
    pthread_mutex_unlock (&cache_lock);
    return zone;
}

const char *
kefu_tz_name (const kefu_tz_t *tz)
{
    return tz->name;
}

int32_t
kefu_tz_offset_at (const kefu_tz_t *tz, int64_t unix_s)
{
    size_t count = tz->transition_count;
    if (count == 0 || unix_s < tz->transitions[0])
        return count == 0 && tz->rule.present ? rule_offset_at (&tz->rule, unix_s) : tz->initial_offset;
    if (unix_s >= tz->transitions[count - 1] && tz->rule.present)
        return rule_offset_at (&tz->rule, unix_s);
    /*  The last transition at or before unix_s. */
    size_t low = 0, high = count - 1;
    while (low < high) {
        size_t middle = low + (high - low + 1) / 2;
        if (tz->transitions[middle] <= unix_s)
            low = middle;
        else
            high = middle - 1;
    }
    return tz->offsets_after[low];
}

int64_t
kefu_tz_utc_to_local (const kefu_tz_t *tz, int64_t unix_s)
{
    return unix_s + kefu_tz_offset_at (tz, unix_s);
}

int64_t
kefu_tz_local_to_utc (const kefu_tz_t *tz, int64_t local_s)
{
    /*  The offsets in effect a day either side are the only candidates. */
    int32_t before = kefu_tz_offset_at (tz, local_s - TZ_SEARCH_WINDOW_S);
    int32_t after = kefu_tz_offset_at (tz, local_s + TZ_SEARCH_WINDOW_S);
    int64_t with_before = local_s - before;
    int64_t with_after = local_s - after;
    bool before_fits = kefu_tz_offset_at (tz, with_before) == before;
    bool after_fits = kefu_tz_offset_at (tz, with_after) == after;
    if (before_fits && after_fits)
        return with_before < with_after ? with_before : with_after;  /* overlap: the earlier */
    if (before_fits)
        return with_before;
    if (after_fits)
        return with_after;
    /*  A gap: read with the offset before it, which lands as far past the
     *  transition as the reading is past the gap's start. */
    return with_before;
}

int64_t
kefu_tz_local_day (const kefu_tz_t *tz, int64_t unix_ms)
{
    /*  Floor division: instants before 1970 belong to negative days. */
    int64_t unix_s = unix_ms >= 0 ? unix_ms / TZ_MS_PER_SECOND
                                  : -((-unix_ms + TZ_MS_PER_SECOND - 1) / TZ_MS_PER_SECOND);
    int64_t local_s = kefu_tz_utc_to_local (tz, unix_s);
    return local_s >= 0 ? local_s / KEFU_TZ_SECONDS_PER_DAY
                        : -((-local_s + KEFU_TZ_SECONDS_PER_DAY - 1) / KEFU_TZ_SECONDS_PER_DAY);
}

int64_t
kefu_tz_day_minute_ms (const kefu_tz_t *tz, int64_t days, int minute_of_day)
{
    return kefu_tz_local_to_utc (tz, days * KEFU_TZ_SECONDS_PER_DAY + (int64_t) minute_of_day * TZ_SECONDS_PER_MINUTE)
           * TZ_MS_PER_SECOND;
}
