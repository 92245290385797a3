/*  kefu_tz: IANA time zones, without the process-global TZ.
 *
 *  Local time (business hours, rest hours, shifts) is computed in the zone
 *  of a site or a customer (DESIGN.md §5 "Time"), several zones in one
 *  process and from several threads, so setenv("TZ") + localtime_r is no
 *  option. This class reads the compiled tz database itself: TZif files
 *  (RFC 8536; the version 2+ 64-bit block, and the footer's POSIX TZ rule
 *  for instants past the last transition of the table) from
 *  /usr/share/zoneinfo, or the directory set with kefu_tz_set_directory
 *  (KEFU_ZONEINFO_DIR).
 *
 *  Zones are loaded once and cached for the life of the process; the cache
 *  is thread-safe and a zone, once returned, is never freed or changed, so
 *  callers keep the pointer without locking.
 *
 *  Local times are "local seconds": the wall-clock reading counted as if it
 *  were UTC (days * 86400 + seconds of the day). Converting local to UTC has
 *  a defined answer for every reading:
 *    - in a gap (a DST start skips 02:00..03:00) the reading is shifted
 *      forward by the length of the gap (02:30 -> 03:30 of the new offset),
 *      so a business interval starting in a gap starts when the clocks
 *      allow;
 *    - in an overlap (a DST end repeats 02:00..03:00) the earlier instant
 *      is taken (the first 02:30).
 */
#ifndef KEFU_TZ_H_INCLUDED
#define KEFU_TZ_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

enum {
    /*  Longest zone name accepted ("America/Argentina/ComodRivadavia" is 32). */
    KEFU_TZ_NAME_MAX = 64,
    KEFU_TZ_SECONDS_PER_DAY = 86400
};

typedef struct _kefu_tz_t kefu_tz_t;

/*  Where zone files are read from (default /usr/share/zoneinfo). Call it
 *  before the first kefu_tz_get, from main; later calls only affect zones
 *  not loaded yet. `directory` is copied. */
void kefu_tz_set_directory (const char *directory);

/*  True if `name` is a well-formed zone name: 1..KEFU_TZ_NAME_MAX of
 *  A-Z a-z 0-9 _ + - in '/'-separated parts, no part empty or starting with
 *  '.' (so no path can leave the zone directory). Says nothing of whether
 *  the zone exists. */
bool kefu_tz_name_valid (const char *name);

/*  The zone named `name` ("Asia/Shanghai"), loaded on first use. Returns a
 *  borrowed pointer valid until the process ends, or NULL with *problem (if
 *  not NULL) set to a static reason: a malformed name, an unknown zone, or
 *  a file that is not a usable TZif file. Thread-safe. */
const kefu_tz_t *kefu_tz_get (const char *name, const char **problem);

/*  The zone's name. Borrowed. */
const char *kefu_tz_name (const kefu_tz_t *tz);

/*  Offset from UTC, in seconds east, in effect at `unix_s`. */
int32_t kefu_tz_offset_at (const kefu_tz_t *tz, int64_t unix_s);

/*  Local seconds at `unix_s`. */
int64_t kefu_tz_utc_to_local (const kefu_tz_t *tz, int64_t unix_s);

/*  The instant of local seconds `local_s`, gaps shifted forward and
 *  overlaps resolved to the earlier instant (see above). */
int64_t kefu_tz_local_to_utc (const kefu_tz_t *tz, int64_t local_s);

/*  The local day holding the instant `unix_ms`, as days since 1970-01-01
 *  (kefu_time_civil_from_days gives its date). */
int64_t kefu_tz_local_day (const kefu_tz_t *tz, int64_t unix_ms);

/*  The instant, in Unix milliseconds, at which local day `days` reaches
 *  `minute_of_day` minutes after its midnight (0 = the day begins; 1440 =
 *  the next day begins), gaps and overlaps resolved as above. */
int64_t kefu_tz_day_minute_ms (const kefu_tz_t *tz, int64_t days, int minute_of_day);

#endif
