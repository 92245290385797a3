/*  Unit tests of kefu_text (input checks) and kefu_time (RFC 3339). */
#include "kefu_text.h"
#include "kefu_time.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

static void
test_utf8_accepted_and_refused (void **state)
{
    (void) state;
    assert_true (kefu_text_valid_utf8 ("退款未到账 🙏 ok"));
    assert_false (kefu_text_valid_utf8 ("\xff"));
    assert_false (kefu_text_valid_utf8 ("\xc0\xaf"));           /* overlong '/' */
    assert_false (kefu_text_valid_utf8 ("\xed\xa0\x80"));       /* surrogate */
    assert_false (kefu_text_valid_utf8 ("\xe9\x80"));           /* truncated */
    assert_false (kefu_text_valid_utf8 ("\xf4\x90\x80\x80"));   /* past U+10FFFF */
}

/*  Bounds count characters, so a Chinese subject is not cut at a third. */
static void
test_length_counts_characters (void **state)
{
    (void) state;
    assert_int_equal (kefu_text_length ("退款未到账"), 5);
    assert_null (kefu_text_check ("退款未到账", KEFU_TEXT_LINE, 5, true));
    assert_non_null (kefu_text_check ("退款未到账!", KEFU_TEXT_LINE, 5, true));
}

static void
test_control_characters_and_blanks (void **state)
{
    (void) state;
    assert_non_null (kefu_text_check ("a\nb", KEFU_TEXT_LINE, 10, false));
    assert_null (kefu_text_check ("a\nb", KEFU_TEXT_MULTILINE, 10, false));
    assert_non_null (kefu_text_check ("a\x01", KEFU_TEXT_MULTILINE, 10, false));
    assert_string_equal (kefu_text_check ("  ", KEFU_TEXT_LINE, 10, true), "is required");
    assert_null (kefu_text_check ("", KEFU_TEXT_LINE, 10, false));
}

/*  One rule for service names, wherever one comes from (configuration,
 *  cursors, event sources). */
static void
test_service_names (void **state)
{
    (void) state;
    assert_true (kefu_text_service_name_valid ("tickets", 7));
    assert_true (kefu_text_service_name_valid ("web_hooks2", 10));
    assert_false (kefu_text_service_name_valid ("", 0));
    assert_false (kefu_text_service_name_valid ("2tickets", 8));
    assert_false (kefu_text_service_name_valid ("Tickets", 7));
    assert_false (kefu_text_service_name_valid ("tick-ets", 8));
    assert_true (kefu_text_service_name_valid ("abcdefghijklmnopqrstuvwxyzabcdef", 32));
    assert_false (kefu_text_service_name_valid ("abcdefghijklmnopqrstuvwxyzabcdefg", 33));
}

/*  Identifiers (staff numbers, key ids): A-Z a-z 0-9 _ -, bounded. */
static void
test_identifiers (void **state)
{
    (void) state;
    assert_true (kefu_text_identifier_valid ("ADM-01_x", 8, 8));
    assert_true (kefu_text_identifier_valid ("k1 and more", 2, 2));   /* only `length` bytes count */
    assert_false (kefu_text_identifier_valid ("ADM-01_x", 8, 7));
    assert_false (kefu_text_identifier_valid ("", 0, 8));
    assert_false (kefu_text_identifier_valid ("a b", 3, 8));
    assert_false (kefu_text_identifier_valid ("a.b", 3, 8));
    assert_false (kefu_text_identifier_valid ("\xc3\xa9", 2, 8));
}

/*  Configuration lists: items trimmed, empty ones skipped. */
static void
test_configuration_list_walked (void **state)
{
    (void) state;
    const char *cursor = " tickets ,, webhooks,tcp://a:1 ,", *item;
    size_t length;
    const char *expected[] = { "tickets", "webhooks", "tcp://a:1" };
    for (size_t i = 0; i < 3; i++) {
        assert_true (kefu_text_list_next (&cursor, &item, &length));
        assert_int_equal (length, strlen (expected[i]));
        assert_memory_equal (item, expected[i], length);
    }
    assert_false (kefu_text_list_next (&cursor, &item, &length));
    cursor = "  ";
    assert_false (kefu_text_list_next (&cursor, &item, &length));
}

static void
test_rfc3339_parsed (void **state)
{
    (void) state;
    int64_t ms;
    assert_true (kefu_time_parse_rfc3339 ("1970-01-01T00:00:00Z", &ms));
    assert_int_equal (ms, 0);
    assert_true (kefu_time_parse_rfc3339 ("2026-11-25T17:30:00.250+08:00", &ms));
    assert_int_equal (ms, 1795599000250LL);     /* 2026-11-25T09:30:00.250Z */
    char text[KEFU_TIME_TEXT_SIZE];
    kefu_time_format_rfc3339 (ms, text);
    assert_string_equal (text, "2026-11-25T09:30:00.250Z");
    assert_true (kefu_time_parse_rfc3339 ("2024-02-29T23:59:59Z", &ms));
}

static void
test_rfc3339_refused (void **state)
{
    (void) state;
    const char *bad[] = {
        "", "2026-11-25", "2026-11-25T09:30:00", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
        "2026-11-25T24:00:00Z", "2026-11-25T09:30:00+0800", "2026-11-25T09:30:00Zjunk",
        "2026-11-25T09:30:00.Z", "tomorrow",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms;
        if (kefu_time_parse_rfc3339 (bad[i], &ms))
            fail_msg ("accepted \"%s\"", bad[i]);
    }
}

/*  Tests drive the clock. */
static void
test_fake_clock (void **state)
{
    (void) state;
    kefu_time_set_fake (1234);
    assert_int_equal (kefu_time_now_ms (), 1234);
    kefu_time_set_fake (0);
    assert_true (kefu_time_now_ms () > 1234);
}

/*  Across processes, KEFU_CLOCK_FILE moves the clock by an offset and keeps
 *  it ticking; a malformed or missing file is the real clock. The variable
 *  is read once, so this test sets it before the first driven reading. */
static void
test_clock_file (void **state)
{
    (void) state;
    char path[] = "/tmp/kefu-clock-XXXXXX";
    int fd = mkstemp (path);
    assert_true (fd >= 0);
    close (fd);
    setenv ("KEFU_CLOCK_FILE", path, 1);

    FILE *file = fopen (path, "w");
    fprintf (file, "-86400000\n");
    fclose (file);
    struct timespec real;
    clock_gettime (CLOCK_REALTIME, &real);
    int64_t real_ms = (int64_t) real.tv_sec * 1000 + real.tv_nsec / 1000000;
    int64_t driven = kefu_time_now_ms ();
    assert_true (driven <= real_ms - 86400000 + 1000 && driven >= real_ms - 86400000 - 1000);

    /*  A new offset is seen once the file changes (a later mtime). */
    struct timespec later[2] = {{.tv_sec = real.tv_sec + 10}, {.tv_sec = real.tv_sec + 10}};
    file = fopen (path, "w");
    fprintf (file, "3600000");
    fclose (file);
    utimensat (AT_FDCWD, path, later, 0);
    driven = kefu_time_now_ms ();
    assert_true (driven >= real_ms + 3600000 - 1000 && driven <= real_ms + 3600000 + 5000);

    later[0].tv_sec = later[1].tv_sec = real.tv_sec + 20;
    file = fopen (path, "w");
    fprintf (file, "soon");
    fclose (file);
    utimensat (AT_FDCWD, path, later, 0);
    driven = kefu_time_now_ms ();
    assert_true (driven >= real_ms - 1000 && driven <= real_ms + 5000);

    unlink (path);
    driven = kefu_time_now_ms ();
    assert_true (driven >= real_ms - 1000 && driven <= real_ms + 5000);
    unsetenv ("KEFU_CLOCK_FILE");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_utf8_accepted_and_refused),
        cmocka_unit_test (test_length_counts_characters),
        cmocka_unit_test (test_control_characters_and_blanks),
        cmocka_unit_test (test_service_names),
        cmocka_unit_test (test_identifiers),
        cmocka_unit_test (test_configuration_list_walked),
        cmocka_unit_test (test_rfc3339_parsed),
        cmocka_unit_test (test_clock_file),
        cmocka_unit_test (test_rfc3339_refused),
        cmocka_unit_test (test_fake_clock),
    };
    return cmocka_run_group_tests_name ("text_time", tests, NULL, NULL);
}
