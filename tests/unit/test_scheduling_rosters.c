/*  Unit tests of the roster arithmetic and documents (SCH-3):
 *  scheduling_roster_rules (local times, a template's shift on a day across
 *  midnight, a month's end and DST, coverage of half hours) and
 *  scheduling_roster_export (RFC 5545 folding and escaping, RFC 4180
 *  quoting). The zones are the system's tz database (tzdata).
 */
#include "scheduling_roster_export.h"
#include "scheduling_roster_rules.h"

#include "kefu_time.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

enum { MS_PER_MINUTE = 60 * 1000, MS_PER_HOUR = 60 * MS_PER_MINUTE, GAPS_MAX = 4096 };

static int64_t
at (const char *rfc3339)
{
    int64_t unix_ms = 0;
    assert_true (kefu_time_parse_rfc3339 (rfc3339, &unix_ms));
    return unix_ms;
}

static int64_t
day_of (const char *date)
{
    int64_t day = 0;
    assert_true (scheduling_date_parse (date, &day));
    return day;
}

static void
test_clock_and_month_texts (void **state)
{
    (void)state;
    int minute;
    assert_true (scheduling_clock_parse ("08:30", false, &minute) && minute == 510);
    assert_true (scheduling_clock_parse ("24:00", true, &minute) && minute == 1440);
    assert_false (scheduling_clock_parse ("24:00", false, &minute));
    assert_false (scheduling_clock_parse ("24:30", true, &minute));
    assert_false (scheduling_clock_parse ("8:30", false, &minute));
    assert_false (scheduling_clock_parse ("08:60", false, &minute));
    assert_false (scheduling_clock_parse ("08:30 ", false, &minute));
    char text[SCHEDULING_CLOCK_TEXT_SIZE];
    scheduling_clock_format (1440, text);
    assert_string_equal (text, "24:00");
    int year, month;
    assert_true (scheduling_month_parse ("2026-03", &year, &month) && year == 2026 && month == 3);
    assert_false (scheduling_month_parse ("2026-13", &year, &month));
    assert_false (scheduling_month_parse ("2026-3", &year, &month));
    int64_t day;
    assert_false (scheduling_date_parse ("2026-02-29", &day));
    char date[SCHEDULING_DATE_TEXT_SIZE];
    scheduling_date_format (day_of ("2028-02-29"), date);
    assert_string_equal (date, "2028-02-29");
}

static void
test_night_shift_crosses_midnight_and_month (void **state)
{
    (void)state;
    const kefu_tz_t *shanghai = kefu_tz_get ("Asia/Shanghai", NULL);
    assert_non_null (shanghai);
    int64_t starts, ends;
    /*  22:00 + 10 h on the 31st ends on the 1st of the next month. */
    scheduling_shift_on_day (shanghai, day_of ("2026-01-31"), 22 * 60, 600, &starts, &ends);
    assert_int_equal (starts, at ("2026-01-31T22:00:00+08:00"));
    assert_int_equal (ends, at ("2026-02-01T08:00:00+08:00"));
    /*  16:00-24:00 ends at local midnight. */
    scheduling_shift_on_day (shanghai, day_of ("2026-12-31"), 16 * 60, 480, &starts, &ends);
    assert_int_equal (ends, at ("2027-01-01T00:00:00+08:00"));
    char local[SCHEDULING_LOCAL_TEXT_SIZE];
    scheduling_local_format (shanghai, ends, local);
    assert_string_equal (local, "2027-01-01T00:00:00+08:00");
}

static void
test_dst_shift_follows_the_wall_clock (void **state)
{
    (void)state;
    const kefu_tz_t *berlin = kefu_tz_get ("Europe/Berlin", NULL);
    assert_non_null (berlin);
    int64_t starts, ends;
    /*  2026-03-29: clocks go from 02:00 to 03:00; the night lasts 7 hours. */
    scheduling_shift_on_day (berlin, day_of ("2026-03-29"), 0, 480, &starts, &ends);
    assert_int_equal (starts, at ("2026-03-28T23:00:00Z"));
    assert_int_equal (ends, at ("2026-03-29T06:00:00Z"));
    assert_int_equal (ends - starts, 7 * MS_PER_HOUR);
    /*  2026-10-25: clocks go from 03:00 back to 02:00; 9 hours. */
    scheduling_shift_on_day (berlin, day_of ("2026-10-25"), 0, 480, &starts, &ends);
    assert_int_equal (ends - starts, 9 * MS_PER_HOUR);
    char local[SCHEDULING_LOCAL_TEXT_SIZE];
    scheduling_local_format (berlin, ends, local);
    assert_string_equal (local, "2026-10-25T08:00:00+01:00");
    scheduling_local_format (berlin, starts, local);
    assert_string_equal (local, "2026-10-25T00:00:00+02:00");
}

static void
test_coverage_gaps (void **state)
{
    (void)state;
    const kefu_tz_t *shanghai = kefu_tz_get ("Asia/Shanghai", NULL);
    scheduling_requirement_t required;
    memset (required, 0, sizeof required);
    /*  Monday (index 0) 08:00-09:00 needs 2. 2026-03-02 is a Monday. */
    required[0][16] = 2;
    required[0][17] = 2;
    int64_t starts[2], ends[2];
    scheduling_shift_on_day (shanghai, day_of ("2026-03-02"), 8 * 60, 480, &starts[0], &ends[0]);
    /*  The second person starts at 08:10: the 08:00 half hour is not
     *  covered whole by them. */
    scheduling_shift_on_day (shanghai, day_of ("2026-03-02"), 8 * 60 + 10, 470, &starts[1],
                             &ends[1]);
    scheduling_coverage_gap_t *gaps = calloc (GAPS_MAX, sizeof *gaps);
    assert_non_null (gaps);
    size_t count;
    assert_int_equal (
        scheduling_coverage_gaps (shanghai, day_of ("2026-03-01"), 31,
                                  (const int32_t (*)[SCHEDULING_COVERAGE_SLOTS_PER_DAY])required,
                                  starts, ends, 2, gaps, GAPS_MAX, &count),
        0);
    /*  Short on the 08:00 interval of each of the five Mondays (one agent on
     *  the 2nd, none on the others), and the 08:30 of the four others. */
    assert_int_equal (count, 1 + 4 * 2);
    assert_int_equal (gaps[0].starts_ms, at ("2026-03-02T08:00:00+08:00"));
    assert_int_equal (gaps[0].ends_ms, at ("2026-03-02T08:30:00+08:00"));
    assert_int_equal (gaps[0].required, 2);
    assert_int_equal (gaps[0].scheduled, 1);
    free (gaps);
}

static void
test_coverage_skips_the_hour_dst_removes (void **state)
{
    (void)state;
    const kefu_tz_t *berlin = kefu_tz_get ("Europe/Berlin", NULL);
    scheduling_requirement_t required;
    memset (required, 0, sizeof required);
    /*  Sunday (index 6) 02:00-03:30 needs 1; 2026-03-29 has no 02:00-03:00. */
    for (int slot = 4; slot < 7; slot++)
        required[6][slot] = 1;
    int64_t starts, ends;
    scheduling_shift_on_day (berlin, day_of ("2026-03-29"), 0, 480, &starts, &ends);
    scheduling_coverage_gap_t gaps[8];
    size_t count;
    assert_int_equal (
        scheduling_coverage_gaps (berlin, day_of ("2026-03-29"), 1,
                                  (const int32_t (*)[SCHEDULING_COVERAGE_SLOTS_PER_DAY])required,
                                  &starts, &ends, 1, gaps, 8, &count),
        0);
    assert_int_equal (count, 0);
    /*  Without the shift only 03:00-03:30 (01:00Z) is short: the skipped
     *  hour needs nobody. */
    assert_int_equal (
        scheduling_coverage_gaps (berlin, day_of ("2026-03-29"), 1,
                                  (const int32_t (*)[SCHEDULING_COVERAGE_SLOTS_PER_DAY])required,
                                  NULL, NULL, 0, gaps, 8, &count),
        0);
    assert_int_equal (count, 1);
    assert_int_equal (gaps[0].starts_ms, at ("2026-03-29T01:00:00Z"));
    assert_int_equal (gaps[0].ends_ms, at ("2026-03-29T01:30:00Z"));
}

static void
test_icalendar_lines_are_folded_and_escaped (void **state)
{
    (void)state;
    const kefu_tz_t *shanghai = kefu_tz_get ("Asia/Shanghai", NULL);
    const scheduling_export_header_t header = {
        .staff_no = "A1001",
        .staff_name = "王芳; \"Fang\", agent",
        .site_code = "hotline-sh",
        .month = "2026-03",
        .tz = shanghai,
        .published = true,
        .stamp_ms = at ("2026-02-20T02:00:00Z"),
    };
    const scheduling_export_shift_t shift = {
        .id = 31,
        .day = "2026-03-31",
        .template_code = "night",
        .template_name = "夜班（含节假日值守与跨月交接，请提前十五分钟到岗签到并完成交接班记录）",
        .starts_ms = at ("2026-03-31T22:00:00+08:00"),
        .ends_ms = at ("2026-04-01T08:00:00+08:00"),
        .version = 1,
    };
    size_t length;
    char *text = scheduling_export_ical (&header, &shift, 1, &length);
    assert_non_null (text);
    assert_int_equal (strlen (text), length);
    assert_non_null (strstr (text, "\r\nDTSTART:20260331T140000Z\r\n"));
    assert_non_null (strstr (text, "\r\nDTEND:20260401T000000Z\r\n"));
    assert_non_null (strstr (text, "\r\nUID:kefu-shift-31@hotline-sh\r\n"));
    assert_non_null (strstr (text, "\r\nSTATUS:CONFIRMED\r\n"));
    assert_non_null (strstr (text, "王芳\\; \"Fang\"\\, agent"));
    /*  Every line: at most 75 octets, ended by CRLF, a continuation starting
     *  with a space and never with a UTF-8 continuation byte. */
    bool folded = false;
    for (const char *line = text; *line;) {
        const char *end = strstr (line, "\r\n");
        assert_non_null (end);
        assert_true (end - line <= 75);
        assert_null (memchr (line, '\n', (size_t)(end - line)));
        if (*line == ' ') {
            folded = true;
            assert_false ((line[1] & 0xC0) == 0x80);
        }
        line = end + 2;
    }
    assert_true (folded);
    free (text);
}

static void
test_csv_quotes_and_defuses (void **state)
{
    (void)state;
    const kefu_tz_t *shanghai = kefu_tz_get ("Asia/Shanghai", NULL);
    const scheduling_export_header_t header = {
        .staff_no = "A1001",
        .staff_name = "Wang, \"Fang\"",
        .site_code = "hotline-sh",
        .month = "2026-03",
        .tz = shanghai,
        .published = false,
        .stamp_ms = 0,
    };
    const scheduling_export_shift_t shift = {
        .id = 1,
        .day = "2026-03-02",
        .template_code = "early",
        .template_name = "=1+1",
        .starts_ms = at ("2026-03-02T08:00:00+08:00"),
        .ends_ms = at ("2026-03-02T16:00:00+08:00"),
        .version = 1,
    };
    size_t length;
    char *text = scheduling_export_csv (&header, &shift, 1, &length);
    assert_non_null (text);
    const char *row = strstr (text, "\r\n") + 2;
    assert_string_equal (
        row, "A1001,\"Wang, \"\"Fang\"\"\",hotline-sh,2026-03-02,early,\"'=1+1\","
             "2026-03-02T08:00:00+08:00,2026-03-02T16:00:00+08:00,2026-03-02T00:00:00.000Z,"
             "2026-03-02T08:00:00.000Z,Asia/Shanghai,draft\r\n");
    free (text);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_clock_and_month_texts),
        cmocka_unit_test (test_night_shift_crosses_midnight_and_month),
        cmocka_unit_test (test_dst_shift_follows_the_wall_clock),
        cmocka_unit_test (test_coverage_gaps),
        cmocka_unit_test (test_coverage_skips_the_hour_dst_removes),
        cmocka_unit_test (test_icalendar_lines_are_folded_and_escaped),
        cmocka_unit_test (test_csv_quotes_and_defuses),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
